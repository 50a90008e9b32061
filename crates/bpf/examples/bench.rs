//! Benchmarks for BENCHMARKS.md: `cargo run --release -p jailwright-bpf --example bench`.
//!
//! Prints markdown tables: BPF instructions executed (emulated) for docker-default on x86_64,
//! jailwright vs libseccomp optimize level 1 (linear) and 2 (binary tree); nanoseconds per
//! syscall in a child process under each filter (and under the smallest filter the kernel must
//! run: the fixed cost of any non-cached filter); compile time for every arch of the profile;
//! the entropy floor of a threshold-test dispatch for the same numbers.

#[path = "../tests/support/libseccomp_ffi.rs"]
mod ffi;
#[path = "../tests/support/install.rs"]
mod support_install;

use std::time::Instant;

use jailwright_bpf::emu::{self, Endian, SeccompData};
use jailwright_bpf::{compile, CompileOptions, Insn, Program};
use jailwright_profile::{catalogue, resolve, Arch, Target};

const MIX: &[(&str, u32)] = &[
    ("read", 20),
    ("write", 15),
    ("futex", 15),
    ("epoll_wait", 10),
    ("mmap", 5),
    ("close", 8),
    ("openat", 6),
    ("fstat", 6),
    ("recvfrom", 8),
    ("sendto", 7),
];

fn path(p: &Program, nr: u32) -> usize {
    emu::run_counted(
        p,
        &SeccompData::new(Arch::X86_64.audit_arch(), nr, [0; 6]),
        Endian::Little,
    )
    .1
}

const CALLS: &[(&str, i64, [u64; 3])] = &[
    ("getppid", libc::SYS_getppid, [0, 0, 0]),
    (
        "personality(0xffffffff)",
        libc::SYS_personality,
        [0xffff_ffff, 0, 0],
    ),
    (
        "socket(AF_UNIX, -1) (arg-checked)",
        libc::SYS_socket,
        [1, u64::MAX, 0],
    ),
    ("keyctl (denied)", libc::SYS_keyctl, [0, 0, 0]),
    ("unknown number 1000", 1000, [0, 0, 0]),
];

/// Keeps the measuring child on one CPU (the last one), so every filter is timed on the same
/// core and no measurement includes a migration.
fn pin_to_last_cpu() {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET and sched_setaffinity get valid
    // pointers to it; sysconf has no preconditions.
    unsafe {
        let cpus = libc::sysconf(libc::_SC_NPROCESSORS_ONLN).max(1) as usize;
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpus - 1, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// ns per call for each of CALLS, measured in a forked child under `filter`.
fn time_calls(filter: Option<&Program>, iters: u32) -> Vec<f64> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe with a valid array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fork; the child only makes syscalls, writes to the pipe and _exit()s.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        pin_to_last_cpu();
        if let Some(p) = filter {
            assert!(support_install::install(p), "install the filter");
        }
        let mut out = Vec::new();
        for &(_, nr, a) in CALLS {
            let mut best = f64::MAX;
            for _ in 0..5 {
                let t = Instant::now();
                for _ in 0..iters {
                    // SAFETY: raw syscalls with integer arguments only.
                    unsafe { libc::syscall(nr, a[0], a[1], a[2]) };
                }
                best = best.min(t.elapsed().as_nanos() as f64 / f64::from(iters));
            }
            out.extend_from_slice(&best.to_ne_bytes());
        }
        // SAFETY: writing our buffer to the pipe, then leaving.
        unsafe {
            libc::write(fds[1], out.as_ptr().cast(), out.len());
            libc::_exit(0);
        }
    }
    let mut buf = vec![0u8; 8 * CALLS.len()];
    // SAFETY: reading into our buffer from the pipe; waiting for our child.
    unsafe {
        libc::close(fds[1]);
        let mut got = 0;
        while got < buf.len() {
            let n = libc::read(fds[0], buf[got..].as_mut_ptr().cast(), buf.len() - got);
            if n <= 0 {
                break;
            }
            got += n as usize;
        }
        libc::close(fds[0]);
        libc::waitpid(pid, std::ptr::null_mut(), 0);
    }
    buf.chunks(8)
        .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
        .collect()
}

fn main() {
    let profile = catalogue::get("docker-default").unwrap().profile();
    let policy = resolve(&profile, &Target::docker(Arch::X86_64));
    let ours = compile(&policy, &CompileOptions::libseccomp(&policy))
        .unwrap()
        .program;
    let l1 = ffi::build(&profile, &policy, 1).expect("libseccomp level 1");
    let l2 = ffi::build(&profile, &policy, 2).expect("libseccomp level 2");
    let table = jailwright_profile::tables::table(Arch::X86_64).unwrap();
    let programs = [
        ("jailwright", &ours),
        ("libseccomp level 1 (linear)", &l1),
        ("libseccomp level 2 (tree)", &l2),
    ];

    println!("## BPF instructions executed, docker-default, x86_64 filter (x86_64 + x86 + x32), args 0\n");
    println!("| filter | program size | max over nr 0..=467 | mean over nr 0..=467 | max over the mix | weighted mean over the mix |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, p) in programs {
        let paths: Vec<usize> = (0..=467).map(|n| path(p, n)).collect();
        let max = paths.iter().max().unwrap();
        let mean = paths.iter().sum::<usize>() as f64 / paths.len() as f64;
        let (mut wsum, mut w, mut mmax) = (0.0, 0.0, 0);
        for &(call, weight) in MIX {
            let n = path(p, table.lookup(call).unwrap());
            mmax = mmax.max(n);
            wsum += (n as u32 * weight) as f64;
            w += f64::from(weight);
        }
        println!(
            "| {name} | {} | {max} | {mean:.1} | {mmax} | {:.1} |",
            p.len(),
            wsum / w
        );
    }
    let mix: Vec<String> = MIX.iter().map(|(n, w)| format!("{n} {w}")).collect();
    println!("\nMix weights: {}.\n", mix.join(", "));
    entropy_floor(&policy);

    let iters = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    // `ld [args[0]]; ret ALLOW`: the kernel's cache cannot prove an argument load, so it runs
    // this for every call. What remains over no filter is the cost of running a filter at all.
    let floor = Program {
        insns: vec![
            Insn::new(0x20, 0, 0, 16),
            Insn::new(0x06, 0, 0, 0x7fff_0000),
        ],
    };
    let mut filters: Vec<(&str, Option<&Program>)> = vec![("no filter", None)];
    filters.extend(programs.iter().map(|(n, p)| (*n, Some(*p))));
    filters.push(("2-instruction filter (ld arg; ret ALLOW)", Some(&floor)));
    // The same programs once more: how far apart two runs of one filter land is this
    // machine's noise, the smallest difference the table can show.
    filters.push(("jailwright, second copy", Some(&ours)));
    filters.push(("level 2, second copy", Some(&l2)));
    // Rounds over every filter, the order reversed every other round; per call, the median
    // over rounds of each round's best, so a slow spell of the machine hits every filter alike.
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    let mut samples: Vec<Vec<Vec<f64>>> = vec![Vec::new(); filters.len()];
    for r in 0..rounds {
        let mut order: Vec<usize> = (0..filters.len()).collect();
        if r % 2 == 1 {
            order.reverse();
        }
        for i in order {
            samples[i].push(time_calls(filters[i].1, iters));
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let per_call: Vec<Vec<f64>> = samples
        .iter()
        .map(|rs| {
            (0..CALLS.len())
                .map(|c| median(&mut rs.iter().map(|r| r[c]).collect()))
                .collect()
        })
        .collect();
    let base = per_call[0].clone();
    let runs: Vec<(&str, Vec<f64>)> = filters[1..]
        .iter()
        .map(|f| f.0)
        .zip(per_call[1..].iter().cloned())
        .collect();
    println!("## Nanoseconds per syscall in a child process (median over {rounds} rounds of the best of 5 x {iters} calls; overhead over no filter in brackets)\n");
    print!("| call | no filter |");
    for (n, _) in &runs {
        print!(" {n} |");
    }
    println!();
    println!("|---|---:|{}", "---:|".repeat(runs.len()));
    for (i, (call, _, _)) in CALLS.iter().enumerate() {
        print!("| {call} | {:.0} |", base[i]);
        for (_, r) in &runs {
            print!(" {:.0} (+{:.0}) |", r[i], r[i] - base[i]);
        }
        println!();
    }

    println!("\n## Compile time of docker-default (release, codegen + optimizer, verification off; best of 20)\n");
    println!("| host arch | ABIs | instructions | compile | verify |");
    println!("|---|---|---:|---:|---:|");
    for e in profile.arch_map.iter().flatten() {
        let p = resolve(&profile, &Target::docker(e.architecture));
        let opts = CompileOptions {
            verify: false,
            ..CompileOptions::default()
        };
        let mut best = std::time::Duration::MAX;
        let mut n = 0;
        for _ in 0..20 {
            let c = compile(&p, &opts).unwrap();
            best = best.min(c.stats.compile_time);
            n = c.stats.instructions;
        }
        let v = compile(&p, &CompileOptions::default()).unwrap();
        let abis: Vec<String> = p.arches.iter().map(|a| a.arch.to_string()).collect();
        println!(
            "| {} | {} | {n} | {:.2} ms | {:.2} ms |",
            e.architecture,
            abis.join(" + "),
            best.as_secs_f64() * 1e3,
            v.stats.verify_time.as_secs_f64() * 1e3
        );
    }
}

/// The decision-entropy floor of a dispatch made of threshold tests (`jge`/`jgt`) on the
/// syscall number, for x86_64 numbers 0..=467 counted evenly as in the table above: each leaf
/// of such a tree is an interval of numbers with one decision, so the leaves refine the
/// maximal ranges of equal decision, and the mean number of tests is at least the entropy of
/// the ranges' shares (Shannon). A syscall whose decision depends on arguments is its own
/// decision. Add the fixed instructions (load arch, compare, load nr, return) for the floor of
/// the mean path.
fn entropy_floor(policy: &jailwright_profile::Policy) {
    let ap = policy
        .arches
        .iter()
        .find(|a| a.arch == Arch::X86_64)
        .expect("x86_64 policy");
    let label = |nr: u32| -> String {
        let fallback = match ap.enosys_above {
            Some(above) if nr > above => "ERRNO(38)".to_owned(),
            _ => format!("{:?}", policy.default),
        };
        match ap.syscalls.get(&nr) {
            None => fallback,
            Some(sp) => match (sp.unconditional(), sp.rules.is_empty()) {
                (Some(a), _) => format!("{a:?}"),
                (None, true) => fallback,
                (None, false) => format!("rules of {}", sp.name),
            },
        }
    };
    let mut sizes: Vec<u32> = Vec::new();
    let mut last = String::new();
    for nr in 0..=467u32 {
        let l = label(nr);
        if sizes.is_empty() || l != last {
            sizes.push(0);
            last = l;
        }
        *sizes.last_mut().expect("a range") += 1;
    }
    let total: f64 = sizes.iter().map(|&s| f64::from(s)).sum();
    let h: f64 = sizes
        .iter()
        .map(|&s| {
            let p = f64::from(s) / total;
            -p * p.log2()
        })
        .sum();
    println!("## Floor of a threshold-test dispatch, docker-default, x86_64 numbers 0..=467\n");
    println!("| ranges of equal decision | entropy of their shares (tests) | floor of the mean path (+ 4 fixed) |");
    println!("|---:|---:|---:|");
    println!("| {} | {h:.2} | {:.2} |\n", sizes.len(), h + 4.0);
}

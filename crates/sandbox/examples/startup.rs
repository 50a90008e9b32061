//! Startup benchmark: median and p90 wall time of N runs of `/bin/true` under the full default
//! sandbox (all namespaces, new root, identity drop, rlimits, Landlock and an allow-all
//! seccomp filter), for BENCHMARKS.md.
//!
//! `cargo run --release -p jailwright-sandbox --example startup -- [N] [--report]`
use std::time::{Duration, Instant};

use jailwright_bpf::{Insn, Program};
use jailwright_sandbox::Sandbox;

fn allow_all() -> Program {
    // ret SECCOMP_RET_ALLOW
    Program {
        insns: vec![Insn::new(0x06, 0, 0, 0x7fff_0000)],
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let show_report = std::env::args().any(|a| a == "--report");
    let mut times: Vec<Duration> = Vec::with_capacity(n);
    let mut setup: Vec<u64> = Vec::with_capacity(n);
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let outcome = Sandbox::builder()
            .command("/bin/true", [] as [&str; 0])
            .seccomp(allow_all())
            .build()
            .and_then(|s| s.run());
        let elapsed = t.elapsed();
        match outcome {
            Ok(o) if o.exit_code() == 0 => {
                setup.push(o.report.timings.setup_us);
                last = Some(o);
            }
            Ok(o) => {
                eprintln!("/bin/true exited with {}", o.exit_code());
                std::process::exit(1);
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(125);
            }
        }
        times.push(elapsed);
    }
    times.sort();
    setup.sort();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "jailwright native sandbox, /bin/true, {n} runs: median {:.2} ms, p90 {:.2} ms, min {:.2} ms, \
         max {:.2} ms; setup (to execve) median {:.2} ms",
        pct(50).as_secs_f64() * 1e3,
        pct(90).as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        setup[setup.len() / 2] as f64 / 1e3,
    );
    // Peak resident memory of this process (the host side of every run).
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(l) = status.lines().find(|l| l.starts_with("VmHWM")) {
            println!(
                "peak memory of the benchmark process itself: {}",
                l.trim_start_matches("VmHWM:").trim()
            );
        }
    }
    if show_report {
        if let Some(o) = last {
            for l in o.layers() {
                println!("{:<18} {:?} {}", l.layer.name(), l.state, l.detail);
            }
        }
    }
}

//! Differential tests against libseccomp 2.5.4 (dev-dependency only, through raw FFI):
//! libseccomp's exported filter and jailwright's must decide alike for every number of every
//! ABI in the filter (every number the kernel table has, and every number up to 64 past the
//! highest), with the interesting argument values. libseccomp builds the filter the way runc
//! does on a host of the profile's architecture: the host's own ABI removed, the target ABIs
//! added, rules added by name.
//!
//! Allowed differences, each on purpose and counted:
//! 1. runc's ENOSYS stub (numbers above the highest the profile names, and -1) is runc's own
//!    BPF prepended to libseccomp's, so libseccomp alone returns the default there: the
//!    comparison skips numbers the policy sends to the stub.
//! 2. Overlapping conditional rules with different actions for one syscall: the policy takes
//!    the first rule (profile order); libseccomp merges each syscall's rules into one
//!    decision tree per argument and, where rules of different actions overlap, does not keep
//!    profile order. Such syscalls are reported, not failed; see `overlap_precedence`.
//! 3. x32 arguments with a non-zero high word: libseccomp declares x32 a 32-bit ABI
//!    (`ARCH_SIZE_32` in arch-x32.c) and compares the low word only, while the policy
//!    (`Arch::X32.is_64bit_args()`) compares all 64 bits, as the kernel passes them.
//! 4. Syscalls libseccomp cannot resolve on the ABI although the kernel table has them (its
//!    tables are older than the kernel's, or lack the call on that ABI: see the `names`
//!    audit) and that it has no name for: runc drops rules naming them, so its filter gives
//!    them the default action while jailwright applies the rule.
//! 5. Socket and IPC calls on the ABIs where libseccomp multiplexes them (x86, s390, s390x,
//!    POWER, MIPS o32): libseccomp resolves them to pseudo numbers and writes its own
//!    `socketcall`/`ipc` handling.
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

#[path = "support/libseccomp_ffi.rs"]
mod ffi;

use std::collections::BTreeSet;

use ffi::Resolved;
use jailwright_bpf::emu::{self, SeccompData};
use jailwright_bpf::{compile, CompileOptions};
use jailwright_profile::{
    catalogue, resolve, tables, Action, Arch, ArgCond, CapSet, Op, Policy, Profile, Reason,
    Runtime, SyscallRule, Target,
};

/// What one comparison found besides agreement.
#[derive(Debug, Default)]
struct Differences {
    /// Difference 2: `arch name` of syscalls with overlapping rules of different actions.
    overlaps: BTreeSet<String>,
    /// Difference 4: `arch name` of syscalls libseccomp does not know.
    unknown_to_libseccomp: BTreeSet<String>,
    /// Difference 5: `arch name` of multiplexed socket and IPC calls.
    multiplexed: BTreeSet<String>,
    /// Numbers compared (with every argument vector).
    decisions: usize,
}

/// Every number of `arch` the sweep compares: the table's, and each number from the lowest to
/// 64 past the highest.
fn numbers(arch: Arch) -> BTreeSet<u32> {
    let table = tables::table(arch).unwrap();
    let mut all: BTreeSet<u32> = table.iter().map(|(_, nr)| nr).collect();
    let low = *all.first().unwrap();
    let high = all
        .iter()
        .copied()
        .filter(|&nr| arch != Arch::Arm || nr < 0x0f_0000)
        .max()
        .unwrap();
    all.extend(low..=high + 64);
    all
}

/// Compares every number of every ABI in the policy; fails on a difference that is none of
/// the allowed ones and returns those.
fn compare(label: &str, profile: &Profile, policy: &Policy) -> Differences {
    let opts = CompileOptions::libseccomp(policy);
    let ours = compile(policy, &opts).unwrap_or_else(|e| panic!("{label}: {e}"));
    let mut diff = Differences::default();
    for level in [1, 2] {
        let theirs = ffi::build_or_refusal(profile, policy, level)
            .unwrap_or_else(|e| panic!("{label}: level {level}: {e}"));
        emu::check(&theirs).unwrap();
        for ap in &policy.arches {
            let table = tables::table(ap.arch).unwrap();
            let token = ap.arch.audit_arch();
            for nr in numbers(ap.arch) {
                let name = table.name(nr);
                let sp = ap.syscalls.get(&nr);
                for args in jailwright_bpf::verify::arg_vectors(sp, ap.arch.is_64bit_args()) {
                    let d = policy.decide_raw(token, nr, &args);
                    if matches!(d.reason, Reason::EnosysStub { .. }) {
                        continue; // difference 1
                    }
                    diff.decisions += 1;
                    let data = SeccompData::new(token, nr, args);
                    let a = emu::run_unchecked(&ours.program, &data, ours.endian);
                    let b = emu::run_unchecked(&theirs, &data, ours.endian);
                    if a == b {
                        continue;
                    }
                    if ap.arch == Arch::X32 && args.iter().any(|v| v >> 32 != 0) {
                        continue; // difference 3
                    }
                    let key = format!("{} {}", ap.arch, name.unwrap_or("?"));
                    let resolved = name.map(|n| ffi::resolve_name_raw(ap.arch, n));
                    // Only where libseccomp has no name for the number at all: a number it names
                    // differently is a naming error, not an older table.
                    if matches!(resolved, Some(Resolved::Unknown | Resolved::NotOnArch))
                        && ffi::resolve_num(ap.arch, nr).is_none()
                    {
                        diff.unknown_to_libseccomp.insert(key); // difference 4
                        continue;
                    }
                    if matches!(resolved, Some(Resolved::Socketcall | Resolved::Ipc))
                        || (name == Some("socketcall") || name == Some("ipc"))
                    {
                        diff.multiplexed.insert(key); // difference 5
                        continue;
                    }
                    let overlapping = sp
                        .is_some_and(|sp| sp.rules.iter().any(|r| r.action != sp.rules[0].action));
                    assert!(
                        overlapping,
                        "{label} level {level}: {} {} ({nr}) args {args:#x?}: jailwright {} libseccomp {}",
                        ap.arch,
                        name.unwrap_or("(no name)"),
                        ffi::action_of(a),
                        ffi::action_of(b)
                    );
                    diff.overlaps.insert(key); // difference 2
                }
            }
        }
    }
    diff
}

fn targets(arch: Arch) -> Vec<Target> {
    let mut v = Vec::new();
    for runtime in [Runtime::RUNC, Runtime::CRUN] {
        for caps in [CapSet::docker_default(), CapSet::empty()] {
            v.push(Target {
                runtime,
                caps,
                ..Target::docker(arch)
            });
        }
    }
    v
}

#[test]
fn catalogue_matches_libseccomp() {
    for e in catalogue::ENTRIES {
        let profile = e.profile();
        for t in targets(Arch::X86_64) {
            let policy = resolve(&profile, &t);
            let d = compare(&format!("{} {}", e.name, t.runtime), &profile, &policy);
            assert!(
                d.overlaps.is_empty(),
                "{}: unexpected overlap differences {:?}",
                e.name,
                d.overlaps
            );
        }
    }
}

/// Docker's and Podman's defaults built for every architecture runc runs them on, as a runc
/// on that host would (the ABIs of the profile's `archMap` entry), against jailwright's
/// compile: no difference outside the allowed ones.
#[test]
fn fixtures_match_libseccomp_on_every_arch() {
    for f in ["docker-default.json", "podman-default.json"] {
        let profile = Profile::from_file(&jailwright_testkit::fixture_path(f)).unwrap();
        for arch in [
            Arch::X86_64,
            Arch::Aarch64,
            Arch::Arm,
            Arch::Riscv64,
            Arch::S390x,
            Arch::Ppc64le,
            Arch::Mipsel64,
        ] {
            for t in targets(arch) {
                let policy = resolve(&profile, &t);
                let abis: Vec<String> = policy.arches.iter().map(|a| a.arch.to_string()).collect();
                let d = compare(&format!("{f} {arch} {}", t.runtime), &profile, &policy);
                eprintln!(
                    "{f} on {arch} ({}; ABIs {}): {} decisions; overlapping rules {:?}; unknown to libseccomp {:?}; multiplexed {}",
                    t.runtime,
                    abis.join(" "),
                    d.decisions,
                    d.overlaps,
                    d.unknown_to_libseccomp,
                    d.multiplexed.len()
                );
                assert!(d.decisions > 0);
            }
        }
    }
}

/// What libseccomp does with overlapping rules of different actions on one syscall, as
/// Podman's socket rules have them: recorded for the report, asserted as observed.
#[test]
fn overlap_precedence() {
    let mut p = Profile::new(Action::Errno(1));
    let mut deny = SyscallRule::new(["socket"], Action::Errno(97));
    deny.args = Some(vec![ArgCond::new(0, Op::Eq, 16, 0)]);
    let mut allow = SyscallRule::new(["socket"], Action::Allow);
    allow.args = Some(vec![ArgCond::new(1, Op::Eq, 3, 0)]);
    p.rules_mut().push(deny);
    p.rules_mut().push(allow);
    let t = Target {
        runtime: Runtime::CRUN,
        ..Target::docker(Arch::X86_64)
    };
    let policy = resolve(&p, &t);
    let theirs = ffi::build(&p, &policy, 1).unwrap();
    let nr = jailwright_profile::tables::table(Arch::X86_64)
        .unwrap()
        .lookup("socket")
        .unwrap();
    let run = |a0, a1| {
        let d = SeccompData::new(Arch::X86_64.audit_arch(), nr, [a0, a1, 0, 0, 0, 0]);
        Action::from_ret_value(emu::run_unchecked(
            &theirs,
            &d,
            jailwright_bpf::Endian::Little,
        ))
        .unwrap()
    };
    let both = run(16, 3);
    let policy_says = policy.decide(Arch::X86_64, nr, &[16, 3, 0, 0, 0, 0]).action;
    eprintln!("socket(16, 3): policy (first match) {policy_says}, libseccomp {both}");
    assert_eq!(policy_says, Action::Errno(97));
    assert_eq!(run(16, 0), Action::Errno(97));
    assert_eq!(run(1, 3), Action::Allow);
}

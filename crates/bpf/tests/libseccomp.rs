//! Differential tests against libseccomp 2.5.4 (dev-dependency only, through raw FFI):
//! libseccomp's exported filter and jailwright's must decide alike for every syscall
//! libseccomp knows on every arch in the filter, with the interesting argument values.
//!
//! Allowed differences, each on purpose:
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
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

#[path = "support/libseccomp_ffi.rs"]
mod ffi;

use std::collections::BTreeSet;

use jailwright_bpf::emu::{self, SeccompData};
use jailwright_bpf::{compile, CompileOptions};
use jailwright_profile::{
    catalogue, resolve, Action, Arch, ArgCond, CapSet, Op, Policy, Profile, Reason, Runtime,
    SyscallRule, Target,
};

/// Compares every number libseccomp knows; returns the syscalls whose decisions differ only
/// because of overlapping rules with different actions (difference 2).
fn compare(label: &str, profile: &Profile, policy: &Policy) -> BTreeSet<String> {
    let opts = CompileOptions::libseccomp(policy);
    let ours = compile(policy, &opts).unwrap_or_else(|e| panic!("{label}: {e}"));
    let mut overlaps = BTreeSet::new();
    for level in [1, 2] {
        let Some(theirs) = ffi::build(profile, policy, level) else {
            panic!("{label}: libseccomp refused the profile at level {level}");
        };
        emu::check(&theirs).unwrap();
        for ap in &policy.arches {
            let table = jailwright_profile::tables::table(ap.arch).unwrap();
            let token = ap.arch.audit_arch();
            for (name, _) in table.iter() {
                let Some(nr) = ffi::resolve_name(ap.arch, name) else {
                    continue;
                };
                let sp = ap.syscalls.get(&nr);
                for args in jailwright_bpf::verify::arg_vectors(sp, ap.arch.is_64bit_args()) {
                    let d = policy.decide_raw(token, nr, &args);
                    if matches!(d.reason, Reason::EnosysStub { .. }) {
                        continue; // difference 1
                    }
                    let data = SeccompData::new(token, nr, args);
                    let a = emu::run_unchecked(&ours.program, &data, ours.endian);
                    let b = emu::run_unchecked(&theirs, &data, ours.endian);
                    if a != b && ap.arch == Arch::X32 && args.iter().any(|v| v >> 32 != 0) {
                        continue; // difference 3
                    }
                    if a != b {
                        let overlapping = sp.is_some_and(|sp| {
                            sp.rules.iter().any(|r| r.action != sp.rules[0].action)
                        });
                        assert!(
                            overlapping,
                            "{label} level {level}: {} {name} ({nr}) args {args:#x?}: jailwright {} libseccomp {}",
                            ap.arch,
                            ffi::action_of(a),
                            ffi::action_of(b)
                        );
                        overlaps.insert(format!("{} {name}", ap.arch));
                    }
                }
            }
        }
    }
    overlaps
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
            let o = compare(&format!("{} {}", e.name, t.runtime), &profile, &policy);
            assert!(
                o.is_empty(),
                "{}: unexpected overlap differences {o:?}",
                e.name
            );
        }
    }
}

#[test]
fn fixtures_match_libseccomp() {
    for f in ["docker-default.json", "podman-default.json"] {
        let path = format!(
            "{}/{f}",
            option_env!("JAILWRIGHT_FIXTURES").unwrap_or(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/fixtures"
            ))
        );
        let profile = Profile::from_file(std::path::Path::new(&path)).unwrap();
        // s390x is left out: libseccomp refuses argument rules on the s390 socketcall-multiplexed
        // syscalls of the 31-bit sub-arch, so runc itself cannot load these profiles there.
        for arch in [Arch::X86_64, Arch::Aarch64, Arch::Riscv64] {
            for t in targets(arch) {
                let policy = resolve(&profile, &t);
                let o = compare(&format!("{f} {arch} {}", t.runtime), &profile, &policy);
                eprintln!(
                    "{f} {arch} {}: overlapping-rule differences: {o:?}",
                    t.runtime
                );
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

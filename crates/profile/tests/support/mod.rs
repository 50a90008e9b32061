//! What the profile crate's integration tests share: the fixtures, and the comparison of two
//! profiles decision by decision.
#![allow(dead_code)] // each test binary uses its part

use jailwright_profile::diff::diff;
use jailwright_profile::policy::{Runtime, Target};
use jailwright_profile::{resolve, Arch, CapSet, Capability, KernelVersion, Profile};

/// A real-world profile from the fixture directory.
pub fn fixture(name: &str) -> Profile {
    Profile::from_file(&jailwright_testkit::fixture_path(name)).expect("fixture parses")
}

/// The bounding sets worth comparing under: none, Docker's default, Docker's default plus each
/// capability a rule of `profile` names, and all of those at once.
pub fn cap_sets(profile: &Profile) -> Vec<CapSet> {
    let mut named: Vec<String> = Vec::new();
    for r in profile.rules() {
        for f in [&r.includes, &r.excludes].into_iter().flatten() {
            named.extend(f.caps.iter().flatten().cloned());
        }
    }
    named.sort();
    named.dedup();
    let mut sets = vec![CapSet::empty(), CapSet::docker_default()];
    for c in &named {
        let mut s = CapSet::docker_default();
        s.insert(Capability::parse(c).unwrap());
        sets.push(s);
    }
    sets.push(CapSet::from_names(&named).unwrap());
    sets
}

/// Resolves `ours` and `theirs` for every host in `hosts`, bounding set in `caps`, kernel (4.7,
/// before every `minKernel` in Docker's profiles, and 6.12) and runtime (runc, crun), requires
/// every decision of every ABI to agree (the argument values that matter included), and
/// returns how many syscall numbers were compared.
pub fn assert_same_decisions(
    ours: &Profile,
    theirs: &Profile,
    hosts: &[Arch],
    caps: &[CapSet],
    what: &str,
) -> usize {
    let mut compared = 0;
    for &host in hosts {
        for caps in caps {
            for kernel in [KernelVersion::new(4, 7), KernelVersion::new(6, 12)] {
                for runtime in [Runtime::RUNC, Runtime::CRUN] {
                    let t = Target {
                        arch: host,
                        caps: caps.clone(),
                        kernel,
                        runtime,
                        libseccomp: None,
                        engine: None,
                    };
                    let d = diff(&resolve(ours, &t), &resolve(theirs, &t));
                    assert!(
                        d.is_empty(),
                        "{what}: {host} {caps:?} {kernel} {runtime}: {} differences, first {:#?} {:#?}",
                        d.syscalls.len() + d.arches.len(),
                        d.syscalls.first(),
                        d.arches.first()
                    );
                    compared += d.compared;
                }
            }
        }
    }
    compared
}

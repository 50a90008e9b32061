//! The name audit: every syscall name jailwright knows, and every name in Docker's and
//! Podman's defaults and in the catalogue, resolved on every ABI with a table by jailwright
//! and by libseccomp (`seccomp_syscall_resolve_name_arch`, the call runc's Go binding makes).
//! Each answer must be the same number, both must say "not on this ABI", or the difference is
//! one of these, each counted and printed:
//!
//! - *newer than libseccomp*: the kernel table has the name, libseccomp has never heard of it
//!   (its tables are older); a runtime built on it ignores rules naming it. The names are
//!   pinned in [`NEWER_THAN_LIBSECCOMP`].
//! - *missing on one ABI in libseccomp*: the kernel gives the ABI the call, libseccomp's
//!   table does not (x32 `map_shadow_stack`); pinned in [`LIBSECCOMP_LACKS_ON_ABI`].
//! - *reserved slots*: MIPS rows without an entry point (`reserved82`, `unused18`, ...), which
//!   the kernel's table names and libseccomp does not; pinned in [`UNNAMED_BY_LIBSECCOMP`].
//! - *multiplexed*: on x86, s390, s390x, POWER and MIPS o32 libseccomp resolves the socket and
//!   SysV IPC calls to pseudo numbers and adds rules for both the direct call and its
//!   `socketcall`/`ipc` form; jailwright resolves the direct call only. The sub-calls that
//!   have no direct syscall on an ABI (`send`, `recv`, x86 `accept`, `semop`) are pseudo
//!   numbers to libseccomp and not syscalls to jailwright; on an ABI without `socketcall`
//!   libseccomp adds nothing for them.
//!
//! Every number libseccomp names on an ABI must also be in jailwright's table under the same
//! name (the reverse direction), so a name spelled differently cannot hide.
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

#[path = "support/libseccomp_ffi.rs"]
mod ffi;

use std::collections::{BTreeMap, BTreeSet};

use ffi::Resolved;
use jailwright_profile::{catalogue, tables, Arch, Profile};

/// Names in the kernel's tables that libseccomp 2.5.4 does not know (it returns
/// `__NR_SCMP_ERROR`): syscalls added to Linux after its tables were made.
const NEWER_THAN_LIBSECCOMP: &[&str] = &[
    "file_getattr",
    "file_setattr",
    "getxattrat",
    "listmount",
    "listxattrat",
    "lsm_get_self_attr",
    "lsm_list_modules",
    "lsm_set_self_attr",
    "mseal",
    "open_tree_attr",
    "removexattrat",
    "riscv_hwprobe",
    "setxattrat",
    "statmount",
    "uprobe",
    "uretprobe",
];

/// Names the kernel gives an ABI and libseccomp's table does not (it knows them elsewhere).
const LIBSECCOMP_LACKS_ON_ABI: &[(Arch, &str)] = &[(Arch::X32, "map_shadow_stack")];

/// Reserved MIPS slots (no entry point) that the kernel's tables name and libseccomp does not.
const UNNAMED_BY_LIBSECCOMP: &[&str] = &[
    "reserved82",
    "reserved177",
    "reserved193",
    "reserved221",
    "unused18",
    "unused28",
    "unused59",
    "unused84",
    "unused109",
    "unused150",
];

use jailwright_profile::libseccomp::multiplexes;

/// The lowest and highest number of an ABI's range, for the reverse sweep.
fn span(arch: Arch) -> (u32, u32) {
    let table = tables::table(arch).unwrap();
    let low = table.iter().next().unwrap().1;
    // 32-bit ARM's private calls sit far above the rest; sweep them separately.
    let high = table
        .iter()
        .map(|(_, nr)| nr)
        .filter(|&nr| arch != Arch::Arm || nr < 0x0f_0000)
        .max()
        .unwrap();
    (low, high + 64)
}

fn profile_names() -> BTreeSet<String> {
    let mut profiles: Vec<Profile> = ["docker-default.json", "podman-default.json"]
        .iter()
        .map(|f| Profile::from_file(&jailwright_testkit::fixture_path(f)).unwrap())
        .collect();
    profiles.extend(catalogue::ENTRIES.iter().map(|e| e.profile()));
    profiles
        .iter()
        .flat_map(|p| p.rules().iter().flat_map(|r| r.all_names()))
        .map(str::to_string)
        .collect()
}

#[derive(Default)]
struct Tally {
    same: usize,
    absent: usize,
    newer: BTreeSet<String>,
    multiplexed: BTreeSet<String>,
    pseudo: usize,
    other: BTreeSet<String>,
    wrong: Vec<String>,
}

#[test]
fn every_name_resolves_as_libseccomp_resolves_it() {
    let version = ffi::version();
    eprintln!("libseccomp {version}");
    let mut names: BTreeSet<String> = tables::all_names().map(str::to_string).collect();
    let from_profiles = profile_names();
    names.extend(from_profiles.iter().cloned());
    let mut newer_seen = BTreeSet::new();
    let mut report = BTreeMap::new();
    for arch in Arch::ALL {
        let Some(table) = tables::table(arch) else {
            continue;
        };
        if !ffi::knows_arch(arch) {
            eprintln!("{arch}: libseccomp {version} has no such arch; not audited here");
            continue;
        }
        let mut t = Tally::default();
        for name in &names {
            let ours = table.lookup(name);
            let theirs = ffi::resolve_name_raw(arch, name);
            match (ours, theirs) {
                (Some(a), Resolved::Number(b)) if a == b => t.same += 1,
                (None, Resolved::Unknown | Resolved::NotOnArch) => t.absent += 1,
                (Some(_), Resolved::Unknown) if NEWER_THAN_LIBSECCOMP.contains(&name.as_str()) => {
                    t.newer.insert(name.clone());
                }
                (Some(_), Resolved::Socketcall | Resolved::Ipc) if multiplexes(arch) => {
                    t.multiplexed.insert(name.clone());
                }
                (None, Resolved::Socketcall | Resolved::Ipc) => t.pseudo += 1,
                (Some(_), Resolved::Unknown) if UNNAMED_BY_LIBSECCOMP.contains(&name.as_str()) => {
                    t.other.insert(name.clone());
                }
                (Some(_), Resolved::NotOnArch)
                    if LIBSECCOMP_LACKS_ON_ABI.contains(&(arch, name.as_str())) =>
                {
                    t.other.insert(name.clone());
                }
                _ => t.wrong.push(format!(
                    "{name}: jailwright {ours:?}, libseccomp {theirs:?}"
                )),
            }
        }
        // The reverse direction: every number libseccomp names on this ABI.
        let (low, high) = span(arch);
        let private = if arch == Arch::Arm {
            0x0f_0000..0x0f_0010
        } else {
            0..0
        };
        for nr in (low..=high).chain(private) {
            if let Some(name) = ffi::resolve_num(arch, nr) {
                if table.name(nr) != Some(name.as_str()) {
                    t.wrong.push(format!(
                        "number {nr}: libseccomp `{name}`, jailwright {:?}",
                        table.name(nr)
                    ));
                }
            }
        }
        newer_seen.extend(t.newer.iter().cloned());
        report.insert(arch, t);
    }
    let mut failures = Vec::new();
    for (arch, t) in &report {
        eprintln!(
            "{arch:12} same {:3}  absent on both {:3}  newer than libseccomp {:2}  multiplexed {:2}  \
             pseudo {:2}  other {:?}  wrong {}",
            t.same,
            t.absent,
            t.newer.len(),
            t.multiplexed.len(),
            t.pseudo,
            t.other,
            t.wrong.len()
        );
        if !t.multiplexed.is_empty() {
            eprintln!("    multiplexed: {:?}", t.multiplexed);
        }
        failures.extend(t.wrong.iter().map(|w| format!("{arch}: {w}")));
    }
    assert!(
        failures.is_empty(),
        "names that resolve differently:\n{}",
        failures.join("\n")
    );
    // The pinned list is exactly what this libseccomp lacks: a new libseccomp that learns a
    // name, or a table that drops one, shows here.
    let pinned: BTreeSet<String> = NEWER_THAN_LIBSECCOMP
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        newer_seen, pinned,
        "names libseccomp {version} lacks changed"
    );
    // The profiles' names are in the audit, and the bug that started it stays fixed.
    assert!(from_profiles.contains("newfstatat"));
    let aarch64 = tables::table(Arch::Aarch64).unwrap();
    assert_eq!(aarch64.lookup("newfstatat"), Some(79));
    assert_eq!(aarch64.lookup("clock_gettime64"), None);
}

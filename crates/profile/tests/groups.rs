//! The syscall groups: every name of every table in exactly one group, nothing else listed.

use std::collections::{BTreeMap, BTreeSet};

use jailwright_profile::catalogue::{group_of, groups};
use jailwright_profile::tables;

/// The groups in report order. A change here changes every report: update deliberately.
const ORDER: &[&str] = &[
    "file-io",
    "processes",
    "memory",
    "signals",
    "time",
    "identity",
    "networking",
    "ipc",
    "polling-and-events",
    "namespaces-and-mounts",
    "tracing-and-debugging",
    "kernel-modules-and-kexec",
    "keyring",
    "bpf-and-perf",
    "io-uring",
    "security",
    "system",
    "obsolete-and-legacy",
    "arch-specific",
];

/// Every listed name with the ids of the groups listing it, once per listing.
fn listings() -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for g in groups() {
        for &name in &g.syscalls {
            out.entry(name).or_default().push(g.id);
        }
    }
    out
}

#[test]
fn every_known_name_is_in_exactly_one_group() {
    let listed = listings();
    let missing: Vec<&str> = tables::all_names()
        .filter(|n| !listed.contains_key(n))
        .collect();
    assert!(
        missing.is_empty(),
        "syscalls in no group (add each to the group a reviewer would look in): {missing:?}"
    );
    let several: Vec<(&str, &Vec<&str>)> = tables::all_names()
        .filter_map(|n| Some((n, listed.get(n)?)))
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    assert!(
        several.is_empty(),
        "syscalls in more than one group: {several:?}"
    );
}

#[test]
fn no_group_lists_a_name_no_table_has() {
    let known: BTreeSet<&str> = tables::all_names().collect();
    let unknown: Vec<String> = listings()
        .into_iter()
        .filter(|(name, _)| !known.contains(name))
        .map(|(name, ids)| match tables::suggest(name) {
            Some(s) => format!("{name} (in {ids:?}; did you mean {s}?)"),
            None => format!("{name} (in {ids:?})"),
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "not a syscall of any table: {unknown:?}"
    );
}

#[test]
fn no_name_is_listed_twice() {
    let twice: Vec<(&str, Vec<&str>)> = listings()
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    assert!(twice.is_empty(), "listed more than once: {twice:?}");
}

#[test]
fn group_ids_are_unique_and_in_report_order() {
    let ids: Vec<&str> = groups().iter().map(|g| g.id).collect();
    assert_eq!(ids, ORDER);
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a group id twice: {ids:?}");
}

#[test]
fn every_group_is_named_described_and_non_empty() {
    let mut names = BTreeSet::new();
    for g in groups() {
        assert!(!g.syscalls.is_empty(), "{}: no syscalls", g.id);
        assert!(!g.name.is_empty(), "{}: no display name", g.id);
        assert!(
            names.insert(g.name),
            "{}: display name {:?} twice",
            g.id,
            g.name
        );
        assert!(
            g.description.len() >= 40 && !g.description.ends_with('.'),
            "{}: the description should say what the calls do and why a reviewer cares, \
             without a trailing period: {:?}",
            g.id,
            g.description
        );
    }
}

#[test]
fn group_of_agrees_with_the_groups() {
    for g in groups() {
        for &name in &g.syscalls {
            assert_eq!(group_of(name).map(|found| found.id), Some(g.id), "{name}");
            assert!(g.contains(name), "{name}");
        }
    }
    for name in ["", "no_such_call", "OPENAT", " openat", "file-io"] {
        assert!(group_of(name).is_none(), "{name:?}");
    }
}

/// The names `name` may be another spelling or a newer version of: without `_time64`, a
/// trailing version or width (`dup3`, `fstat64`, `chown32`), `at` (`mkdirat`), or an `rt_`,
/// `arm_` or `old` prefix.
fn bases(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    out.extend(name.strip_suffix("_time64"));
    let digits = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits != name {
        out.push(digits);
    }
    out.extend(name.strip_suffix("at"));
    for prefix in ["rt_", "arm_", "old"] {
        out.extend(name.strip_prefix(prefix));
    }
    out
}

#[test]
fn variants_sit_with_the_call_they_are_a_variant_of() {
    let known: BTreeSet<&str> = tables::all_names().collect();
    let mut apart = Vec::new();
    let mut checked = 0;
    for name in tables::all_names() {
        for base in bases(name).into_iter().filter(|b| known.contains(b)) {
            checked += 1;
            let (a, b) = (group_of(name), group_of(base));
            if a.map(|g| g.id) != b.map(|g| g.id) {
                apart.push(format!(
                    "{name} in {:?}, {base} in {:?}",
                    a.map(|g| g.id),
                    b.map(|g| g.id)
                ));
            }
        }
    }
    assert!(checked > 80, "only {checked} variants checked");
    assert!(
        apart.is_empty(),
        "variants apart from their call: {apart:#?}"
    );
}

#[test]
fn calls_sit_where_a_reviewer_looks_for_them() {
    for (name, id) in [
        ("fstatat64", "file-io"),
        ("_llseek", "file-io"),
        ("open_by_handle_at", "file-io"),
        ("clone3", "processes"),
        ("mmap2", "memory"),
        ("userfaultfd", "memory"),
        ("clock_settime64", "time"),
        ("capset", "identity"),
        ("socketcall", "networking"),
        ("ipc", "ipc"),
        ("futex_time64", "ipc"),
        ("epoll_pwait2", "polling-and-events"),
        ("pivot_root", "namespaces-and-mounts"),
        ("ptrace", "tracing-and-debugging"),
        ("kexec_file_load", "kernel-modules-and-kexec"),
        ("keyctl", "keyring"),
        ("bpf", "bpf-and-perf"),
        ("io_uring_enter", "io-uring"),
        ("landlock_restrict_self", "security"),
        ("reboot", "system"),
        ("afs_syscall", "obsolete-and-legacy"),
        ("arch_prctl", "arch-specific"),
        ("set_tls", "arch-specific"),
    ] {
        assert_eq!(group_of(name).map(|g| g.id), Some(id), "{name}");
    }
}

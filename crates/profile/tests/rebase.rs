//! `rebase`: a hand-edited profile carried onto a newer base. A realistic case built from
//! Docker's default with exact expectations, and properties on the built-in profiles: the
//! output decides as the user's profile where the user changed a decision, as the new base
//! where upstream changed it, and edits of different syscalls never conflict.

use jailwright_profile::ops::{self, remove_name, Patch};
use jailwright_profile::rebase::{rebase, verify, ChangeKind, Rebased, Subject};
use jailwright_profile::{
    catalogue, resolve, tables, Action, ArgCond, Filter, Op, Profile, SyscallRule,
};

fn docker_default() -> Profile {
    catalogue::get("docker-default").unwrap().profile()
}

/// The unconditional allow list (the first rule of Docker's default).
fn allow_list(p: &mut Profile) -> &mut Vec<String> {
    let rule = &mut p.rules_mut()[0];
    assert_eq!(rule.action(), Action::Allow);
    assert!(rule.conditions().is_empty() && rule.includes.is_none());
    rule.names.as_mut().unwrap()
}

/// The user's typical hand edits: ptrace and personality gone, clone without the namespace
/// mask, keyctl allowed (added to the allow list).
fn hand_edits(p: &mut Profile) {
    remove_name(p, "ptrace");
    remove_name(p, "personality");
    let clone = p
        .rules_mut()
        .iter_mut()
        .find(|r| {
            r.names.as_deref() == Some(&["clone".to_string()])
                && r.conditions().first().is_some_and(|c| c.index == 0)
        })
        .expect("the clone mask rule");
    clone.args = None;
    let list = allow_list(p);
    list.push("keyctl".into());
}

/// Names per rule sorted, so that profiles compare by rules, not by where in a list a name
/// was inserted.
fn sorted_names(mut p: Profile) -> Profile {
    for r in p.rules_mut() {
        if let Some(n) = r.names.as_mut() {
            n.sort();
        }
    }
    p
}

fn subjects(list: &[jailwright_profile::rebase::Change]) -> Vec<(String, ChangeKind)> {
    list.iter()
        .map(|c| (c.subject.to_string(), c.kind))
        .collect()
}

#[test]
fn docker_default_edits_carry_onto_the_current_default() {
    // The old base: io_uring still allowed, none of cachestat, fchmodat2, listmount and
    // statmount yet.
    let mut old = docker_default();
    let list = allow_list(&mut old);
    list.retain(|n| !["cachestat", "fchmodat2", "listmount", "statmount"].contains(&n.as_str()));
    list.extend(["io_uring_enter", "io_uring_register", "io_uring_setup"].map(String::from));
    let mut custom = old.clone();
    hand_edits(&mut custom);
    let Rebased { profile, report } = rebase(&old, &custom, &docker_default());

    assert!(report.conflicts.is_empty(), "{:#?}", report.conflicts);
    assert!(report.both.is_empty(), "{:#?}", report.both);
    let k = |s: &str, kind| (s.to_string(), kind);
    assert_eq!(
        subjects(&report.kept),
        vec![
            k("clone", ChangeKind::Arguments),
            k("keyctl", ChangeKind::Added),
            k("personality", ChangeKind::Removed),
            k("ptrace", ChangeKind::Removed),
        ]
    );
    assert_eq!(
        subjects(&report.taken),
        vec![
            k("cachestat", ChangeKind::Added),
            k("fchmodat2", ChangeKind::Added),
            k("io_uring_enter", ChangeKind::Removed),
            k("io_uring_register", ChangeKind::Removed),
            k("io_uring_setup", ChangeKind::Removed),
            k("listmount", ChangeKind::Added),
            k("statmount", ChangeKind::Added),
        ]
    );
    let ptrace = &report.kept[3];
    assert_eq!(
        ptrace.before,
        "ALLOW [includes minKernel 4.8]; ALLOW [includes caps CAP_SYS_PTRACE]"
    );
    assert_eq!(ptrace.after, "no rule (the default action decides)");
    // Exactly the current default with the same hand edits, rule for rule, in its order.
    let mut want = docker_default();
    hand_edits(&mut want);
    assert_eq!(sorted_names(profile.clone()), sorted_names(want));
    let names = profile.rules()[0].names.as_ref().unwrap();
    assert!(names.contains(&"keyctl".to_string()) && names.contains(&"cachestat".to_string()));
}

#[test]
fn the_same_edit_on_both_sides_is_not_a_conflict() {
    let base = docker_default();
    let mut edited = base.clone();
    hand_edits(&mut edited);
    edited.default_errno_ret = Some(38);
    let r = rebase(&base, &edited, &edited);
    assert!(r.report.is_clean(), "{:#?}", r.report.conflicts);
    assert!(r.report.kept.is_empty() && r.report.taken.is_empty());
    assert_eq!(r.report.both.len(), 5, "{:#?}", r.report.both);
    assert_eq!(sorted_names(r.profile), sorted_names(edited));
}

#[test]
fn both_sides_changing_the_same_rule_is_a_conflict_that_writes_ours() {
    let base = docker_default();
    let mut ours = base.clone();
    remove_name(&mut ours, "ptrace");
    ours.default_errno_ret = Some(38);
    let mut theirs = base.clone();
    for r in theirs.rules_mut() {
        if r.all_names().any(|n| n == "ptrace")
            && r.includes.as_ref().is_some_and(|i| i.min_kernel.is_some())
        {
            r.includes = Some(Filter {
                min_kernel: jailwright_profile::KernelVersion::parse("5.0"),
                ..Filter::default()
            });
        }
    }
    theirs.default_action = jailwright_profile::ActionName::KillProcess;
    theirs.default_errno_ret = None;
    let r = rebase(&base, &ours, &theirs);
    let c: Vec<String> = r
        .report
        .conflicts
        .iter()
        .map(|c| c.subject.to_string())
        .collect();
    assert_eq!(c, ["defaultAction", "ptrace"]);
    let ptrace = &r.report.conflicts[1];
    assert_eq!(ptrace.subject, Subject::Syscall("ptrace".into()));
    assert_eq!(ptrace.ours, "no rule (the default action decides)");
    assert!(ptrace.theirs.contains("minKernel 5.0"), "{}", ptrace.theirs);
    assert!(ptrace.base.contains("minKernel 4.8"), "{}", ptrace.base);
    assert!(!r
        .profile
        .rules()
        .iter()
        .any(|x| x.all_names().any(|n| n == "ptrace")));
    assert_eq!(r.profile.default(), Action::Errno(38));
}

// ---- properties ------------------------------------------------------------------------

/// Syscalls edits are drawn from: in Docker's default with one rule or several, with
/// arguments or gates, and not in it.
const POOL: &[&str] = &[
    "ptrace",
    "personality",
    "clone",
    "clone3",
    "socket",
    "keyctl",
    "io_uring_setup",
    "cachestat",
    "mount",
    "unshare",
    "bpf",
    "chroot",
    "reboot",
    "kcmp",
    "add_key",
    "request_key",
    "setns",
    "perf_event_open",
    "process_vm_readv",
    "open_by_handle_at",
    "read",
    "openat",
    "mmap",
    "userfaultfd",
    "memfd_secret",
    "uname",
    "acct",
    "syslog",
    "sync_file_range",
    "pidfd_getfd",
];

#[derive(Clone, Debug)]
enum Edit {
    /// No rule names it.
    Remove(usize),
    /// One unconditional allow.
    Allow(usize),
    /// One ERRNO rule.
    Errno(usize, u16),
    /// Into the profile's first unconditional allow rule.
    IntoAllowList(usize),
    /// Allowed when one argument equals a value.
    Args(usize, u8, u64),
    /// Allowed with a capability.
    Gate(usize, &'static str),
    /// Its first rule with conditions loses them (Docker's clone mask dropped).
    DropArgs(usize),
    /// One more rule after its others: ERRNO when arg0 equals a value.
    Append(usize, u64),
    /// The default errno.
    DefaultErrno(u16),
}

fn set_rules(p: &mut Profile, name: &str, rule: SyscallRule) {
    remove_name(p, name);
    p.rules_mut().push(rule);
}

fn apply(p: &mut Profile, e: &Edit) {
    let name = |i: &usize| POOL[*i % POOL.len()];
    match e {
        Edit::Remove(i) => {
            remove_name(p, name(i));
        }
        Edit::Allow(i) => {
            let patch = Patch {
                allow: vec![name(i).into()],
                ..Patch::default()
            };
            ops::patch(p, &patch).unwrap();
        }
        Edit::Errno(i, e) => set_rules(p, name(i), SyscallRule::new([name(i)], Action::Errno(*e))),
        Edit::IntoAllowList(i) => {
            remove_name(p, name(i));
            let plain = p.rules_mut().iter_mut().find(|r| {
                r.action() == Action::Allow
                    && r.conditions().is_empty()
                    && r.includes.is_none()
                    && r.excludes.is_none()
            });
            match plain {
                Some(r) => r.names.get_or_insert_with(Vec::new).push(name(i).into()),
                None => p
                    .rules_mut()
                    .push(SyscallRule::new([name(i)], Action::Allow)),
            }
        }
        Edit::Args(i, arg, v) => {
            let mut r = SyscallRule::new([name(i)], Action::Allow);
            r.args = Some(vec![ArgCond::new(*arg, Op::Eq, *v, 0)]);
            set_rules(p, name(i), r);
        }
        Edit::Gate(i, cap) => {
            let mut r = SyscallRule::new([name(i)], Action::Allow);
            r.includes = Some(Filter {
                caps: Some(vec![cap.to_string()]),
                ..Filter::default()
            });
            set_rules(p, name(i), r);
        }
        Edit::DropArgs(i) => {
            let n = name(i);
            let rules = p.rules_mut();
            let Some(at) = rules
                .iter()
                .position(|r| r.all_names().any(|x| x == n) && !r.conditions().is_empty())
            else {
                return;
            };
            let mut lone = rules[at].clone();
            lone.names = Some(vec![n.into()]);
            lone.name = None;
            lone.args = None;
            if let Some(list) = rules[at].names.as_mut() {
                list.retain(|x| x != n);
            }
            if rules[at].name.as_deref() == Some(n) {
                rules[at].name = None;
            }
            rules.insert(at + 1, lone);
            rules.retain(|r| r.all_names().next().is_some());
        }
        Edit::Append(i, v) => {
            let mut r = SyscallRule::new([name(i)], Action::Errno(13));
            r.args = Some(vec![ArgCond::new(0, Op::Eq, *v, 0)]);
            p.rules_mut().push(r);
        }
        Edit::DefaultErrno(e) => p.default_errno_ret = Some(u32::from(*e)),
    }
}

fn touched(e: &Edit) -> Option<&'static str> {
    match e {
        Edit::Remove(i)
        | Edit::Allow(i)
        | Edit::Errno(i, _)
        | Edit::IntoAllowList(i)
        | Edit::Args(i, _, _)
        | Edit::Gate(i, _)
        | Edit::DropArgs(i)
        | Edit::Append(i, _) => Some(POOL[*i % POOL.len()]),
        Edit::DefaultErrno(_) => None,
    }
}

/// Every syscall of every ABI but those in `conflicts` is decided as owed: the user's
/// decision where the user changed it, upstream's where upstream changed it, the old base's
/// elsewhere.
fn decides_as_owed(
    base: &Profile,
    ours: &Profile,
    theirs: &Profile,
    out: &Profile,
    conflicts: &[String],
) -> Result<(), String> {
    for target in verify::targets() {
        let [pb, po, pt, pout] = [base, ours, theirs, out].map(|p| resolve(p, &target));
        for ap in &pout.arches {
            let arch = ap.arch;
            if [&pb, &po, &pt].iter().any(|p| p.arch(arch).is_none()) {
                continue;
            }
            let table = tables::table(arch).unwrap();
            for (name, nr) in table.iter() {
                let conds: Vec<_> = [&pb, &po, &pt, &pout]
                    .iter()
                    .filter_map(|p| p.arch(arch).and_then(|a| a.syscalls.get(&nr)))
                    .flat_map(|s| s.rules.iter().flat_map(|r| r.conds.iter().copied()))
                    .collect();
                for args in jailwright_profile::diff::argument_vectors(&conds, arch.is_64bit_args())
                {
                    let [db, dob, dt, dout] =
                        [&pb, &po, &pt, &pout].map(|p| p.decide(arch, nr, &args));
                    if conflicts.iter().any(|c| c == name) {
                        continue;
                    }
                    let Some(want) = verify::owed(&db, &dob, &dt) else {
                        return Err(format!("{name} on {arch}: both sides changed it differently, and it is not a conflict"));
                    };
                    if !verify::same(&dout, want) {
                        return Err(format!(
                            "{name} on {arch} (host {}) with {args:x?}: {:?}, owed {:?} (base {:?}, ours {:?}, theirs {:?})",
                            target.arch, dout, want, db, dob, dt
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// One rule as it decides: action, conditions (index, op, value, valueTwo), gates.
type Decides = (
    Action,
    Vec<(u8, Op, u64, u64)>,
    Option<Filter>,
    Option<Filter>,
);

/// The rules naming `name`, as they decide (names, comments and spellings aside).
fn rules_of(p: &Profile, name: &str) -> Vec<Decides> {
    p.rules()
        .iter()
        .filter(|r| r.all_names().any(|n| n == name))
        .map(|r| {
            let conds = r
                .conditions()
                .iter()
                .map(|c| (c.index, c.op, c.value, c.value_two.unwrap_or(0)));
            (
                r.action(),
                conds.collect(),
                r.includes.clone(),
                r.excludes.clone(),
            )
        })
        .collect()
}

mod props {
    use proptest::prelude::*;

    use super::*;

    fn edit(pool: std::ops::Range<usize>) -> impl Strategy<Value = Edit> {
        let caps = prop::sample::select(vec!["CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_NET_ADMIN"]);
        prop_oneof![
            pool.clone().prop_map(Edit::Remove),
            pool.clone().prop_map(Edit::Allow),
            (pool.clone(), prop::sample::select(vec![1u16, 13, 38]))
                .prop_map(|(i, e)| Edit::Errno(i, e)),
            pool.clone().prop_map(Edit::IntoAllowList),
            (pool.clone(), 0u8..3, 0u64..20).prop_map(|(i, a, v)| Edit::Args(i, a, v)),
            (pool.clone(), caps).prop_map(|(i, c)| Edit::Gate(i, c)),
            pool.clone().prop_map(Edit::DropArgs),
            (pool, 0u64..50).prop_map(|(i, v)| Edit::Append(i, v)),
        ]
    }

    fn base() -> impl Strategy<Value = Profile> {
        prop::sample::select(catalogue::names()).prop_map(|n| catalogue::get(n).unwrap().profile())
    }

    fn edited(base: &Profile, edits: &[Edit]) -> Profile {
        let mut p = base.clone();
        for e in edits {
            apply(&mut p, e);
        }
        p
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Edits of different syscalls never conflict, and the output decides as owed
        /// everywhere.
        #[test]
        fn edits_of_different_syscalls_merge_cleanly(
            base in base(),
            mine in prop::collection::vec(edit(0..15), 0..6),
            upstream in prop::collection::vec(edit(15..30), 0..6),
        ) {
            let (ours, theirs) = (edited(&base, &mine), edited(&base, &upstream));
            let r = rebase(&base, &ours, &theirs);
            prop_assert!(r.report.is_clean(), "{:#?}", r.report.conflicts);
            decides_as_owed(&base, &ours, &theirs, &r.profile, &[]).map_err(TestCaseError::fail)?;
        }

        /// Edits of the same syscalls, and of the default: every syscall outside the
        /// conflicts decides as owed, those in conflict have the user's rules, and a conflict
        /// is only ever reported where both sides changed something it depends on (its
        /// rules, or the default action that decides what its rules leave).
        #[test]
        fn overlapping_edits_conflict_only_where_both_changed(
            base in base(),
            mine in prop::collection::vec(edit(0..12), 1..6),
            upstream in prop::collection::vec(edit(6..18), 1..6),
            defaults in (prop::option::of(prop::sample::select(vec![13u16, 38])), prop::option::of(prop::sample::select(vec![13u16, 38]))),
        ) {
            let (mut ours, mut theirs) = (edited(&base, &mine), edited(&base, &upstream));
            if let Some(e) = defaults.0 { apply(&mut ours, &Edit::DefaultErrno(e)); }
            if let Some(e) = defaults.1 { apply(&mut theirs, &Edit::DefaultErrno(e)); }
            let r = rebase(&base, &ours, &theirs);
            let mut syscalls = Vec::new();
            for c in &r.report.conflicts {
                match &c.subject {
                    Subject::Syscall(n) => {
                        let changed = |edits: &[Edit], default: Option<u16>| {
                            default.is_some() || edits.iter().any(|e| touched(e) == Some(n.as_str()))
                        };
                        prop_assert!(
                            changed(&mine, defaults.0) && changed(&upstream, defaults.1),
                            "{} is a conflict, but one side changed nothing it depends on", n
                        );
                        prop_assert_eq!(rules_of(&r.profile, n), rules_of(&ours, n));
                        syscalls.push(n.clone());
                    }
                    Subject::Field(f) => {
                        prop_assert_eq!(f.as_str(), "defaultAction");
                        prop_assert!(defaults.0.is_some() && defaults.1.is_some() && defaults.0 != defaults.1);
                        prop_assert_eq!(r.profile.default(), ours.default());
                    }
                }
            }
            decides_as_owed(&base, &ours, &theirs, &r.profile, &syscalls).map_err(TestCaseError::fail)?;
        }
    }
}

/// An edit that changes no decision (an ERRNO rule behind clone3's unconditional ENOSYS)
/// comes alive when upstream's default makes that ENOSYS rule redundant: the syscall is
/// reported as a conflict (the user's rules written), not silently merged.
#[test]
fn a_change_the_default_brings_to_light_is_a_conflict() {
    let base = docker_default();
    let mut ours = base.clone();
    apply(&mut ours, &Edit::Append(3, 7));
    let mut theirs = base.clone();
    apply(&mut theirs, &Edit::DefaultErrno(38));
    let r = rebase(&base, &ours, &theirs);
    let c: Vec<String> = r
        .report
        .conflicts
        .iter()
        .map(|c| c.subject.to_string())
        .collect();
    assert_eq!(c, ["clone3"]);
    assert!(
        r.report.conflicts[0].why.contains("ERRNO(EACCES)"),
        "{:#?}",
        r.report.conflicts
    );
    assert_eq!(rules_of(&r.profile, "clone3"), rules_of(&ours, "clone3"));
    assert_eq!(
        subjects(&r.report.taken),
        [("defaultAction".to_string(), ChangeKind::Value)]
    );
    assert!(r.report.kept.is_empty(), "{:#?}", r.report.kept);
}

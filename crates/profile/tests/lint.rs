//! Lint: every check fires on a small crafted profile and stays quiet on a clean one; the
//! catalogue and Docker's own profile have no errors; runtime init needs quote what users see.

use jailwright_profile::action::Op;
use jailwright_profile::dialect::{ArchMapEntry, Filter};
use jailwright_profile::lint::{
    lint, missing_runtime_needs, runtime_needs, Finding, InitStep, LintOptions, NeedKind, Severity,
    NEWEST_RUNC, RULES, RUNTIME_NEEDS,
};
use jailwright_profile::policy::{Runtime, RuntimeKind, Version};
use jailwright_profile::{
    catalogue, ops, resolve, Action, Arch, ArgCond, CapSet, Profile, SyscallRule, Target,
};

fn fixture(name: &str) -> Profile {
    Profile::from_file(&jailwright_testkit::fixture_path(name)).expect("fixture parses")
}

fn opts(runtime: &str) -> LintOptions {
    LintOptions {
        runtime: Runtime::parse(runtime).unwrap(),
        ..LintOptions::default()
    }
}

fn ids(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.id).collect()
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

/// Everything the runtimes need plus a few ordinary syscalls, on x86_64 and aarch64 without
/// sub-architectures, defaulting to ENOSYS: the profile every check must be quiet on.
const CLEAN_NAMES: &[&str] = &[
    "openat",
    "read",
    "write",
    "close",
    "fcntl",
    "futex",
    "fstat",
    "readlinkat",
    "getdents64",
    "prctl",
    "capget",
    "capset",
    "setgroups",
    "setresuid",
    "setresgid",
    "setuid",
    "setgid",
    "chdir",
    "getppid",
    "getcwd",
    "getuid",
    "pselect6",
    "rt_sigprocmask",
    "execve",
    "openat2",
    "statx",
    "close_range",
    "fstatfs",
    "exit_group",
    "getpid",
    "mmap",
    "munmap",
    "brk",
    "rt_sigaction",
    "rt_sigreturn",
];

fn clean() -> Profile {
    let mut p = Profile::new(Action::Errno(38));
    p.arch_map = Some(
        [Arch::X86_64, Arch::Aarch64]
            .into_iter()
            .map(|a| ArchMapEntry {
                architecture: a,
                sub_architectures: None,
                extra: Default::default(),
            })
            .collect(),
    );
    p.rules_mut()
        .push(SyscallRule::new(CLEAN_NAMES.iter().copied(), Action::Allow));
    // A second rule, so that the tests' JSON paths of added rules start at index 2.
    p.rules_mut()
        .push(SyscallRule::new(["newfstatat"], Action::Allow));
    p
}

fn with_rule(mut p: Profile, rule: SyscallRule) -> Profile {
    p.rules_mut().push(rule);
    p
}

fn allow(names: &[&str]) -> SyscallRule {
    SyscallRule::new(names.iter().copied(), Action::Allow)
}

fn cond_rule(names: &[&str], action: Action, conds: &[(u8, Op, u64, u64)]) -> SyscallRule {
    let mut r = SyscallRule::new(names.iter().copied(), action);
    r.args = Some(
        conds
            .iter()
            .map(|&(i, op, v, v2)| ArgCond::new(i, op, v, v2))
            .collect(),
    );
    r
}

fn fires(p: &Profile, o: &LintOptions, id: &str) -> Vec<Finding> {
    let f = lint(p, o);
    let hit: Vec<Finding> = f.iter().filter(|x| x.id == id).cloned().collect();
    assert!(!hit.is_empty(), "{id} did not fire; got {:?}", ids(&f));
    hit
}

#[test]
fn the_clean_profile_has_no_findings_at_all() {
    for runtime in [
        "runc",
        "runc@1.1.5",
        "runc@1.3.2",
        "runc@1.3.3",
        "crun",
        "oci",
    ] {
        let f = lint(&clean(), &opts(runtime));
        assert!(f.is_empty(), "{runtime}: {f:#?}");
    }
}

#[test]
fn docker_default_has_no_errors() {
    let ours = catalogue::get("docker-default").unwrap().profile();
    let theirs = fixture("docker-default.json");
    for p in [&ours, &theirs] {
        for runtime in [
            "runc",
            "runc@1.1.5",
            "runc@1.3.3",
            "runc@1.4.0",
            "crun",
            "oci",
        ] {
            let f = lint(p, &opts(runtime));
            assert!(errors(&f).is_empty(), "{runtime}: {:#?}", errors(&f));
        }
    }
}

#[test]
fn catalogue_tiers_have_no_errors() {
    for tier in ["moderate", "strict", "plugin", "debug", "mcp"] {
        let p = catalogue::get(tier).unwrap().profile();
        for runtime in ["runc", "runc@1.3.3", "crun"] {
            let f = lint(&p, &opts(runtime));
            let errs: Vec<&Finding> = errors(&f)
                .into_iter()
                // plugin answers openat2 with ENOSYS on purpose (its mode is out of seccomp's
                // sight; see the tier's "setuid and setgid files" step): runc 1.2.8+ needs it
                // while it starts a container, which the tier's threat model states.
                .filter(|e| !(tier == "plugin" && e.id == "JW601" && e.message.contains("openat2")))
                .collect();
            assert!(errs.is_empty(), "{tier} {runtime}: {errs:#?}");
        }
        let sandbox = LintOptions {
            caps: CapSet::empty(),
            ..opts("oci")
        };
        assert!(errors(&lint(&p, &sandbox)).is_empty(), "{tier} sandbox");
    }
}

/// Docker's default minus openat2, close_range, fstatfs and capget, for runc 1.3.3, quoting
/// the errors the user would see.
#[test]
fn runc_133_needs_openat2_fstatfs_and_capget() {
    let mut p = catalogue::get("docker-default").unwrap().profile();
    for n in ["openat2", "close_range", "fstatfs", "capget"] {
        assert!(ops::remove_name(&mut p, n) > 0, "{n}");
    }
    let f = lint(&p, &opts("runc@1.3.3"));
    let needs: Vec<&Finding> = f.iter().filter(|x| x.id == "JW601").collect();
    assert!(needs.iter().all(|x| x.severity == Severity::Error));
    let text: String = needs
        .iter()
        .map(|x| format!("{} {}\n", x.message, x.fix))
        .collect();
    assert!(
        text.contains("unable to apply bounding set: operation not permitted"),
        "{text}"
    );
    assert!(text.contains("unsafe procfs detected: openat2"), "{text}");
    assert!(text.contains("error closing exec fds"), "{text}");
    for n in ["\"capget\"", "\"openat2\"", "\"fstatfs\""] {
        assert!(text.contains(n), "{n} missing from {text}");
    }
    assert!(!text.contains("\"close_range\""), "{text}");
    assert!(!text.contains("checked against"), "the version was given");

    // runc 1.3.2 predates the procfs hardening: the older message, and openat2 is not needed.
    let f = lint(&p, &opts("runc@1.3.2"));
    let text: String = f
        .iter()
        .filter(|x| x.id == "JW601")
        .map(|x| x.message.clone())
        .collect();
    assert!(
        text.contains("ensure /proc/thread-self/fd is on procfs: operation not permitted"),
        "{text}"
    );
    assert!(!text.contains("openat2"), "{text}");
    // runc 1.3.4 falls back from openat2: allowing readlinkat instead is enough.
    let f = lint(&p, &opts("runc@1.3.4"));
    let text: String = f.iter().map(|x| x.message.clone()).collect();
    assert!(!text.contains("calls openat2"), "{text}");
    let mut q = p.clone();
    ops::remove_name(&mut q, "readlinkat");
    let f = lint(&q, &opts("runc@1.3.4"));
    let hit = f
        .iter()
        .find(|x| x.id == "JW601" && x.message.contains("openat2"))
        .expect("openat2 and readlinkat both blocked");
    assert_eq!(hit.syscall.as_deref(), Some("openat2"));

    // runc 1.1.5 says /proc/self/fd, and needs fstatfs itself (no close_range there).
    let f = lint(&p, &opts("runc@1.1.5"));
    let text: String = f
        .iter()
        .filter(|x| x.id == "JW601")
        .map(|x| x.message.clone())
        .collect();
    assert!(text.contains(
        "error closing exec fds: ensure /proc/self/fd is on procfs: operation not permitted"
    ));
    assert!(text.contains("unable to start container process: operation not permitted"));

    // An unknown version is checked against the newest runc, and says so.
    let f = lint(&p, &opts("runc"));
    let msg = &f.iter().find(|x| x.id == "JW601").unwrap().message;
    assert!(msg.contains(&format!("runc@{NEWEST_RUNC}")), "{msg}");
}

#[test]
fn missing_runtime_needs_lists_exactly_what_to_add() {
    let mut p = clean();
    for n in ["capget", "close_range", "fstatfs", "setuid"] {
        ops::remove_name(&mut p, n);
    }
    let policy = resolve(&p, &Target::docker(Arch::X86_64));
    let rt = Runtime::parse("runc@1.3.3").unwrap();
    let add = |nnp: bool| {
        let mut v: Vec<&str> = missing_runtime_needs(&policy, rt, nnp)
            .into_iter()
            .flat_map(|(_, names)| names)
            .collect();
        v.sort();
        v
    };
    // close_range is no alternative to fstatfs: runc checks the procfs handle it walks the
    // descriptors through with fstatfs either way.
    assert_eq!(add(false), ["capget", "fstatfs", "setuid"]);
    // With no-new-privileges the filter comes after the capability and user changes.
    assert_eq!(add(true), ["fstatfs"]);
    // Allowing them clears every need.
    let p = with_rule(p, allow(&add(false)));
    let policy = resolve(&p, &Target::docker(Arch::X86_64));
    assert!(missing_runtime_needs(&policy, rt, false).is_empty());
}

#[test]
fn runtime_needs_are_versioned() {
    let v = |s: &str| Runtime::parse(s).unwrap();
    let has = |r: Runtime, name: &str| {
        runtime_needs(r, false)
            .iter()
            .any(|n| n.syscalls.contains(&name))
    };
    assert!(has(v("runc@1.3.3"), "openat2"));
    assert!(has(v("runc@1.2.8"), "openat2"));
    assert!(has(v("runc@1.4.0"), "statx"));
    assert!(!has(v("runc@1.3.2"), "openat2"));
    assert!(!has(v("runc@1.2.7"), "openat2"));
    assert!(!has(v("runc@1.1.5"), "close_range"));
    assert!(has(v("runc"), "openat2"), "unknown version = newest");
    assert!(has(v("crun"), "capset"));
    assert!(
        !has(v("crun"), "openat2"),
        "crun falls back from openat2 on EPERM"
    );
    assert!(runtime_needs(Runtime::OCI, false).is_empty());
    // fsopen and friends are tried first but runc falls back: not needs.
    for n in ["fsopen", "fsconfig", "fsmount", "open_tree"] {
        assert!(!has(v("runc@1.4.0"), n), "{n}");
    }
    // No runc closes the container's descriptors with close_range alone: it is never needed,
    // and fstatfs is needed from 1.2.0 on even when close_range is allowed.
    for r in [
        "runc@1.1.5",
        "runc@1.2.0",
        "runc@1.2.7",
        "runc@1.3.2",
        "runc@1.5.1",
    ] {
        assert!(!has(v(r), "close_range"), "{r}");
        assert!(has(v(r), "fstatfs"), "{r}");
    }
    // openat2 has no fallback only in 1.2.8 and 1.3.3; later it is one of openat2/readlinkat.
    let all_of = |r: Runtime, name: &str| {
        runtime_needs(r, true)
            .iter()
            .any(|n| n.kind == NeedKind::All && n.syscalls.contains(&name))
    };
    assert!(all_of(v("runc@1.2.8"), "openat2") && all_of(v("runc@1.3.3"), "openat2"));
    for r in ["runc@1.2.9", "runc@1.3.4", "runc@1.4.0", "runc@1.5.1"] {
        assert!(!all_of(v(r), "openat2") && has(v(r), "openat2"), "{r}");
        assert!(all_of(v(r), "statx"), "{r}: statx has no fallback");
    }
    // readlinkat is no need of runc 1.1 (the SPO runc base profile without it starts there).
    assert!(!has(v("runc@1.1.5"), "readlinkat"));
    assert!(!has(v("runc@1.1.5+ds1-1+deb12u1"), "readlinkat"));
    // The getcwd check came with 1.1.12; Debian's 1.1.5 build carries it.
    assert!(!has(v("runc@1.1.11"), "getcwd"));
    assert!(has(v("runc@1.1.12"), "getcwd"));
    assert!(has(v("runc@1.1.5+ds1-1+deb12u1"), "getcwd"));
    // The newest releases known.
    assert_eq!(NEWEST_RUNC, Version(1, 5, 1));
    assert_eq!(jailwright_profile::runtime::NEWEST_CRUN, Version(1, 29, 1));
    for need in RUNTIME_NEEDS {
        assert!(!need.source.is_empty() && !need.error.is_empty());
        if need.kind == NeedKind::AnyOf {
            assert!(need.syscalls.len() > 1);
        }
        // Public sources only: a runtime's commit, release, file or issue.
        let s = need.source.to_ascii_lowercase();
        assert!(
            s.contains("runc") || s.contains("crun") || s.contains("github.com"),
            "{}",
            need.source
        );
        for private in [
            "inferred",
            "internal note",
            "not reproduced",
            "this machine",
        ] {
            assert!(!s.contains(private), "{private}: {}", need.source);
        }
        assert!(need.when().starts_with("after the filter"));
    }
    let first = RUNTIME_NEEDS
        .iter()
        .find(|n| n.runtime == RuntimeKind::Runc)
        .unwrap();
    assert!(first.applies_to(Version(1, 0, 0)));
}

/// What the table says Debian 12's runc 1.1.5 build needs, with and without
/// no-new-privileges: the sets `jailwright doctor --probe-runtime` measured (README), plus
/// the Go runtime's base and its signal return (which the probe assumes). Upstream 1.1.5
/// lacks the CVE-2024-21626 fixes the build carries.
#[test]
fn runtime_needs_follow_no_new_privileges() {
    let names = |runtime: &str, nnp: bool| {
        let mut v: Vec<&str> = runtime_needs(Runtime::parse(runtime).unwrap(), nnp)
            .iter()
            .filter(|n| n.step != InitStep::Core && n.kind == NeedKind::All)
            .filter(|n| !n.step.intermittent())
            .flat_map(|n| n.syscalls.iter().copied())
            .collect();
        v.sort();
        v
    };
    // Any signal handled after the filter returns through rt_sigreturn: some starts of
    // every runc fail without it, and crun (no signals of its own by then) needs none.
    let intermittent = |runtime: &str, nnp: bool| -> Vec<&str> {
        runtime_needs(Runtime::parse(runtime).unwrap(), nnp)
            .iter()
            .filter(|n| n.step.intermittent())
            .flat_map(|n| n.syscalls.iter().copied())
            .collect()
    };
    for nnp in [false, true] {
        for runc in ["runc@1.0.0", "runc@1.1.5+ds1-1+deb12u1", "runc"] {
            assert_eq!(intermittent(runc, nnp), ["rt_sigreturn"], "{runc} {nnp}");
        }
        assert!(intermittent("crun@1.8.1", nnp).is_empty());
    }
    let debian = "runc@1.1.5+ds1-1+deb12u1";
    assert_eq!(names(debian, true), ["execve", "fstatfs", "getdents64"]);
    assert_eq!(
        names(debian, false),
        [
            "capget",
            "capset",
            "chdir",
            "execve",
            "fstatfs",
            "getcwd",
            "getdents64",
            "getppid",
            "prctl",
            "setgid",
            "setgroups",
            "setuid"
        ]
    );
    // Upstream 1.1.5 closes descriptors and checks the working directory only without
    // no-new-privileges, and does not check the directory at all.
    assert_eq!(names("runc@1.1.5", true), ["execve"]);
    assert!(names("runc@1.1.5", false).contains(&"getdents64"));
    assert!(!names("runc@1.1.5", false).contains(&"getcwd"));
    assert!(names("runc@1.1.5", false).contains(&"fstatfs"));
    // The base set and the procfs hardening hold either way.
    let r133 = Runtime::parse("runc@1.3.3").unwrap();
    for nnp in [false, true] {
        let all: Vec<&str> = runtime_needs(r133, nnp)
            .iter()
            .flat_map(|n| n.syscalls.iter().copied())
            .collect();
        for n in ["futex", "openat2", "statx", "execve"] {
            assert!(all.contains(&n), "{n} (no-new-privileges {nnp})");
        }
        assert_eq!(all.contains(&"capset"), !nnp);
    }
    let crun_nnp: Vec<&str> = runtime_needs(Runtime::parse("crun").unwrap(), true)
        .iter()
        .flat_map(|n| n.syscalls.iter().copied())
        .collect();
    assert_eq!(crun_nnp, ["execve"]);
}

#[test]
fn runtime_need_findings_follow_no_new_privileges() {
    let mut p = clean();
    ops::remove_name(&mut p, "prctl");
    assert!(!fires(&p, &opts("runc@1.1.5"), "JW601").is_empty());
    let nnp = LintOptions {
        no_new_privileges: true,
        ..opts("runc@1.1.5")
    };
    assert!(!ids(&lint(&p, &nnp)).contains(&"JW601"));
    ops::remove_name(&mut p, "execve");
    let f = fires(&p, &nnp, "JW601");
    assert_eq!(f[0].syscall.as_deref(), Some("execve"));
    assert!(
        f[0].why.contains("with no-new-privileges on"),
        "{}",
        f[0].why
    );
}

#[test]
fn unknown_names_get_a_did_you_mean() {
    let p = with_rule(clean(), allow(&["opnat", "frobnicate_the_kernel"]));
    let f = fires(&p, &LintOptions::default(), "JW101");
    assert_eq!(f.len(), 2);
    let opnat = f
        .iter()
        .find(|x| x.syscall.as_deref() == Some("opnat"))
        .unwrap();
    assert_eq!(opnat.severity, Severity::Error);
    assert_eq!(opnat.path, "$.syscalls[2].names[0]");
    assert!(
        opnat.message.contains("did you mean `openat`?"),
        "{}",
        opnat.message
    );
    assert!(opnat.fix.contains("openat"));
    let other = f
        .iter()
        .find(|x| x.syscall.as_deref() == Some("frobnicate_the_kernel"))
        .unwrap();
    assert!(!other.message.contains("did you mean"));
}

#[test]
fn names_missing_on_some_arches_are_info() {
    let p = with_rule(clean(), allow(&["arch_prctl"]));
    let f = fires(&p, &LintOptions::default(), "JW102");
    assert_eq!(f[0].severity, Severity::Info);
    assert!(
        f[0].message
            .contains("`arch_prctl` is not a syscall on aarch64"),
        "{}",
        f[0].message
    );
}

#[test]
fn duplicates_fire() {
    let p = with_rule(clean(), allow(&["uname", "uname"]));
    let f = fires(&p, &LintOptions::default(), "JW103");
    assert_eq!(f[0].path, "$.syscalls[2].names[1]");
    let p = with_rule(clean(), allow(&["read"]));
    let f = fires(&p, &LintOptions::default(), "JW103");
    assert!(
        f[0].message.contains("$.syscalls[0].names[1]"),
        "{}",
        f[0].message
    );
    // Same name, different gate: not a duplicate.
    let mut gated = allow(&["read"]);
    gated.includes = Some(Filter {
        caps: Some(vec!["CAP_SYS_ADMIN".into()]),
        ..Filter::default()
    });
    assert!(!ids(&lint(&with_rule(clean(), gated), &LintOptions::default())).contains(&"JW103"));
}

#[test]
fn shadowed_rules_fire() {
    let p = with_rule(
        clean(),
        cond_rule(&["getpid"], Action::Allow, &[(0, Op::Eq, 1, 0)]),
    );
    let f = fires(&p, &LintOptions::default(), "JW104");
    assert_eq!(f[0].path, "$.syscalls[2].names[0]");
    assert_eq!(f[0].arch, None, "holds on both hosts");
}

#[test]
fn conflicting_rules_fire() {
    let p = with_rule(
        with_rule(
            clean(),
            cond_rule(&["kill"], Action::Allow, &[(1, Op::Eq, 0, 0)]),
        ),
        cond_rule(&["kill"], Action::Errno(1), &[(0, Op::Eq, 5, 0)]),
    );
    let f = fires(&p, &LintOptions::default(), "JW105");
    assert_eq!(f[0].severity, Severity::Warning);
    // Disjoint conditions on the same argument do not conflict.
    let p = with_rule(
        with_rule(
            clean(),
            cond_rule(&["kill"], Action::Allow, &[(0, Op::Eq, 1, 0)]),
        ),
        cond_rule(&["kill"], Action::Errno(1), &[(0, Op::Eq, 5, 0)]),
    );
    assert!(!ids(&lint(&p, &LintOptions::default())).contains(&"JW105"));
}

#[test]
fn same_as_default_fires() {
    let p = with_rule(clean(), SyscallRule::new(["uname"], Action::Errno(38)));
    let f = fires(&p, &LintOptions::default(), "JW106");
    assert_eq!(f[0].path, "$.syscalls[2]");
    assert_eq!(f[0].severity, Severity::Info);
}

#[test]
fn repeated_argument_index_fires() {
    let p = with_rule(
        clean(),
        cond_rule(
            &["kill"],
            Action::Allow,
            &[(0, Op::Eq, 1, 0), (0, Op::Eq, 2, 0)],
        ),
    );
    fires(&p, &LintOptions::default(), "JW107");
}

#[test]
fn each_dangerous_allowance_fires_with_its_own_id() {
    let cases = [
        ("JW201", "ptrace"),
        ("JW202", "bpf"),
        ("JW203", "mount"),
        ("JW203", "fsopen"),
        ("JW204", "keyctl"),
        ("JW205", "io_uring_setup"),
        ("JW206", "userfaultfd"),
        ("JW207", "perf_event_open"),
        ("JW208", "unshare"),
        ("JW209", "personality"),
        ("JW210", "process_vm_readv"),
        ("JW211", "kexec_load"),
        ("JW212", "init_module"),
        ("JW213", "open_by_handle_at"),
        ("JW214", "clone"),
        ("JW215", "pivot_root"),
        ("JW216", "chroot"),
        ("JW217", "reboot"),
        ("JW218", "swapon"),
        ("JW219", "iopl"),
    ];
    for (id, name) in cases {
        let p = with_rule(clean(), allow(&[name]));
        let f = fires(&p, &LintOptions::default(), id);
        assert_eq!(f[0].severity, Severity::Warning, "{id}");
        assert_eq!(f[0].syscall.as_deref(), Some(name));
        assert_eq!(f[0].path, "$.syscalls[2].names[0]");
        assert!(!f[0].why.is_empty() && !f[0].fix.is_empty());
    }
}

#[test]
fn cap_gated_dangerous_allowances_are_info() {
    let mut r = allow(&["bpf"]);
    r.includes = Some(Filter {
        caps: Some(vec!["CAP_BPF".into()]),
        ..Filter::default()
    });
    let p = with_rule(clean(), r);
    let f = fires(&p, &LintOptions::default(), "JW202");
    assert_eq!(f[0].severity, Severity::Info);
    assert!(f[0].message.contains("CAP_BPF"));
    // With the capability in the bounding set it is a warning.
    let mut caps = CapSet::docker_default();
    caps.insert(jailwright_profile::Capability::parse("CAP_BPF").unwrap());
    let o = LintOptions {
        caps,
        ..LintOptions::default()
    };
    assert_eq!(fires(&p, &o, "JW202")[0].severity, Severity::Warning);
}

#[test]
fn argument_filters_silence_personality_and_clone() {
    let p = with_rule(
        clean(),
        cond_rule(&["personality"], Action::Allow, &[(0, Op::Eq, 0, 0)]),
    );
    assert!(!ids(&lint(&p, &LintOptions::default())).contains(&"JW209"));
    let p = with_rule(
        clean(),
        cond_rule(
            &["clone"],
            Action::Allow,
            &[(0, Op::MaskedEq, 0x7e02_0000, 0)],
        ),
    );
    assert!(!ids(&lint(&p, &LintOptions::default())).contains(&"JW214"));
    // A filter that does not look at the namespace bits does not count.
    let p = with_rule(
        clean(),
        cond_rule(&["clone"], Action::Allow, &[(2, Op::Eq, 0, 0)]),
    );
    let f = fires(&p, &LintOptions::default(), "JW214");
    assert!(f[0]
        .message
        .contains("without a check of the namespace flags"));
}

#[test]
fn default_allow_is_an_error_unless_auditing() {
    let mut p = clean();
    p.default_action = Action::Allow.name();
    p.default_errno_ret = None;
    let f = fires(&p, &LintOptions::default(), "JW301");
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].path, "$.defaultAction");
    let p = with_rule(p, SyscallRule::new(["ptrace"], Action::Log));
    assert_eq!(
        fires(&p, &LintOptions::default(), "JW301")[0].severity,
        Severity::Warning
    );
}

#[test]
fn default_kill_is_info() {
    let mut p = clean();
    p.default_action = Action::KillProcess.name();
    p.default_errno_ret = None;
    assert_eq!(
        fires(&p, &LintOptions::default(), "JW302")[0].severity,
        Severity::Info
    );
}

#[test]
fn eperm_default_without_a_stub_breaks_fallbacks() {
    let mut p = clean();
    p.default_errno_ret = Some(1);
    // crun has no ENOSYS stub: faccessat2 and friends get EPERM.
    let f = fires(&p, &opts("crun"), "JW303");
    assert!(f[0].message.contains("faccessat2"), "{}", f[0].message);
    assert!(f[0].message.contains("no ENOSYS stub"));
    assert!(f[0].fix.contains("38"));
    assert_eq!(f[0].path, "$.defaultErrnoRet");
    // runc 1.0+ answers numbers above the highest named one (openat2 here) with ENOSYS.
    assert!(!ids(&lint(&p, &opts("runc@1.3.3"))).contains(&"JW303"));
    // runc before 1.0 had no stub.
    fires(&p, &opts("runc@0.1.1"), "JW303");
}

#[test]
fn clone3_checks_fire() {
    let p = with_rule(clean(), allow(&["clone3"]));
    fires(&p, &LintOptions::default(), "JW304");
    let p = with_rule(clean(), SyscallRule::new(["clone3"], Action::Errno(1)));
    let f = fires(&p, &LintOptions::default(), "JW305");
    assert_eq!(f[0].path, "$.syscalls[2].names[0]");
    let p = with_rule(clean(), SyscallRule::new(["clone3"], Action::Errno(38)));
    let found = ids(&lint(&p, &LintOptions::default()));
    assert!(!found.contains(&"JW304") && !found.contains(&"JW305"));
}

#[test]
fn missing_common_arches_fire() {
    let mut p = clean();
    p.arch_map
        .as_mut()
        .unwrap()
        .retain(|e| e.architecture == Arch::X86_64);
    let f = fires(&p, &LintOptions::default(), "JW401");
    assert_eq!(f[0].arch, Some(Arch::Aarch64));
    assert!(f[0].message.contains("native-only"), "{}", f[0].message);
    assert!(f[0].why.contains("Apple Silicon"));
    assert!(f[0].fix.contains("SCMP_ARCH_AARCH64"));
}

#[test]
fn compat_abis_fire_with_the_socketcall_bypass() {
    let mut p = with_rule(
        clean(),
        cond_rule(&["socket"], Action::Allow, &[(0, Op::Eq, 1, 0)]),
    );
    p.rules_mut()[0]
        .names
        .as_mut()
        .unwrap()
        .push("socketcall".into());
    p.arch_map.as_mut().unwrap()[0].sub_architectures = Some(vec![Arch::X86, Arch::X32]);
    let f = fires(&p, &LintOptions::default(), "JW402");
    assert_eq!(f.len(), 2);
    let x86 = f
        .iter()
        .find(|x| x.path.ends_with("subArchitectures[0]"))
        .unwrap();
    assert!(x86.message.contains("socketcall"), "{}", x86.message);
    assert_eq!(x86.arch, Some(Arch::X86_64));
}

#[test]
fn filter_size_fires_near_and_over_the_limit() {
    let many = |n: u64| {
        let mut p = clean();
        for i in 0..n {
            p.rules_mut()
                .push(cond_rule(&["ioctl"], Action::Allow, &[(1, Op::Eq, i, 0)]));
        }
        p
    };
    assert!(!ids(&lint(&many(100), &LintOptions::default())).contains(&"JW501"));
    assert_eq!(
        fires(&many(700), &LintOptions::default(), "JW501")[0].severity,
        Severity::Warning
    );
    assert_eq!(
        fires(&many(900), &LintOptions::default(), "JW501")[0].severity,
        Severity::Error
    );
}

#[test]
fn runtime_need_findings_fire() {
    let mut p = clean();
    ops::remove_name(&mut p, "prctl");
    let f = fires(&p, &opts("runc@1.1.5"), "JW601");
    assert_eq!(f[0].syscall.as_deref(), Some("prctl"));
    assert!(f[0].message.contains("unable to apply bounding set"));
    let f = fires(&p, &opts("crun"), "JW601");
    assert!(
        f[0].message
            .contains("prctl drop bounding: Operation not permitted"),
        "{}",
        f[0].message
    );
    assert!(!ids(&lint(&p, &opts("oci"))).contains(&"JW601"));
}

#[test]
fn podman_fixture_lints_without_panic_and_serializes() {
    let p = fixture("podman-default.json");
    for runtime in ["crun", "runc", "runc@1.1.5", "oci"] {
        let f = lint(&p, &opts(runtime));
        assert!(!f.is_empty());
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains("\"severity\""));
    }
    // Podman's default allows clone3 and unshare unconditionally.
    let f = lint(&p, &opts("crun"));
    assert!(ids(&f).contains(&"JW304") && ids(&f).contains(&"JW208"));
}

#[test]
fn output_is_sorted_and_deterministic() {
    let p = fixture("podman-default.json");
    let a = lint(&p, &LintOptions::default());
    let b = lint(&p, &LintOptions::default());
    assert_eq!(a, b);
    for w in a.windows(2) {
        assert!(w[0].severity <= w[1].severity);
    }
    let paths: Vec<&str> = a
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| f.path.as_str())
        .collect();
    let i2 = paths.iter().position(|p| p.starts_with("$.syscalls[1]"));
    let i16 = paths.iter().position(|p| p.starts_with("$.syscalls[16]"));
    if let (Some(i2), Some(i16)) = (i2, i16) {
        assert!(i2 < i16, "numeric order of paths");
    }
}

#[test]
fn oci_config_paths_point_into_linux_seccomp() {
    let inner = with_rule(clean(), allow(&["opnat"])).to_value();
    let config = serde_json::json!({"ociVersion": "1.0.2", "linux": {"seccomp": inner}});
    let p = Profile::from_value(&config).unwrap();
    let f = fires(&p, &LintOptions::default(), "JW101");
    assert_eq!(f[0].path, "$.linux.seccomp.syscalls[2].names[0]");
}

#[test]
fn every_rule_is_documented() {
    assert!(RULES.len() >= 30);
    for r in RULES {
        let (id, slug, what) = (r.id, r.slug, r.title);
        assert!(id.starts_with("JW") && id.len() == 5, "{id}");
        assert!(
            slug.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{slug}"
        );
        assert!(!what.is_empty());
    }
    assert_eq!(Severity::Error.to_string(), "error");
    assert!(Severity::Error < Severity::Warning && Severity::Warning < Severity::Info);
}

#[test]
fn names_the_runtime_s_libseccomp_does_not_resolve() {
    let p = with_rule(clean(), allow(&["cachestat", "read"]));
    let old = LintOptions {
        libseccomp: jailwright_profile::libseccomp::Libseccomp::parse("2.5.4"),
        ..LintOptions::default()
    };
    let f = fires(&p, &old, "JW108");
    assert_eq!(f[0].syscall.as_deref(), Some("cachestat"));
    assert!(
        f[0].message
            .contains("libseccomp 2.5.5 is the first release"),
        "{}",
        f[0].message
    );
    assert!(f.iter().all(|x| x.syscall.as_deref() == Some("cachestat")));
    // A release that knows it, and no libseccomp given (the newest): quiet.
    let new = LintOptions {
        libseccomp: jailwright_profile::libseccomp::Libseccomp::parse("2.5.5"),
        ..LintOptions::default()
    };
    assert!(lint(&p, &new).iter().all(|x| x.id != "JW108"));
    assert!(lint(&p, &LintOptions::default())
        .iter()
        .all(|x| x.id != "JW108"));
}

/// A hand-edited copy of an old engine default is named as derived from that release, with
/// `rebase` as the fix; the newest defaults, the tiers and a rebased copy are not.
#[test]
fn a_copy_of_an_old_default_is_drift_with_rebase_as_the_fix() {
    let mut old = jailwright_profile::load("docker-default@24.0.9").unwrap();
    ops::remove_name(&mut old, "ptrace");
    old.rules_mut().push(allow(&["keyctl"]));
    let f = fires(&old, &LintOptions::default(), "JW109");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(
        f[0].message.contains(
            "derived from docker-default@23.0.7 (the default of releases 23.0.7-9, 24.0.3-9)"
        ),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("2 syscall(s) differ from it"),
        "{}",
        f[0].message
    );
    assert!(f[0]
        .fix
        .contains("jailwright rebase PROFILE --from docker-default@23.0.7 --to docker-default"));
    let d = jailwright_profile::lint::derived_from(&old).unwrap();
    assert!(d.changed_since > 20, "{d:?}");
    // Podman's releases too.
    let podman = jailwright_profile::load("podman-default@4.2").unwrap();
    assert_eq!(
        jailwright_profile::lint::derived_from(&podman).map(|d| (d.base, d.version)),
        Some(("podman-default", "4.2.0".to_string()))
    );
    // The newest defaults and the tiers (derived from the newest) are not drift.
    for name in [
        "docker-default",
        "podman-default",
        "moderate",
        "strict",
        "plugin",
    ] {
        let p = jailwright_profile::load(name).unwrap();
        assert!(
            !ids(&lint(&p, &LintOptions::default())).contains(&"JW109"),
            "{name}"
        );
    }
    assert!(!ids(&lint(
        &fixture("docker-default.json"),
        &LintOptions::default()
    ))
    .contains(&"JW109"));
    assert!(!ids(&lint(&clean(), &LintOptions::default())).contains(&"JW109"));
    // Rebased onto the newest, the copy is no longer drift.
    let from = jailwright_profile::load("docker-default@23.0.7").unwrap();
    let to = jailwright_profile::load("docker-default").unwrap();
    let rebased = jailwright_profile::rebase::rebase(&from, &old, &to);
    assert!(!ids(&lint(&rebased.profile, &LintOptions::default())).contains(&"JW109"));
}

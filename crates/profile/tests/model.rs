//! The profile model: real-world profiles round-trip, bad input gets a precise error, and the
//! operations (explain, stats, patch, merge) do what they say.

use jailwright_profile::ops::{self, Patch};
use jailwright_profile::policy::{Reason, Runtime, Target};
use jailwright_profile::{
    catalogue, resolve, tables, Action, Arch, CapSet, Dialect, ParseError, Profile,
};
use serde_json::Value;

fn fixture_path(name: &str) -> String {
    jailwright_testkit::fixture_path(name).display().to_string()
}

/// Go treats `null` like an absent key; compare JSON with nulls removed.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), normalize(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

#[test]
fn fixtures_round_trip_to_identical_json() {
    for name in ["docker-default.json", "podman-default.json"] {
        let text = std::fs::read_to_string(fixture_path(name)).unwrap();
        let original: Value = serde_json::from_str(&text).unwrap();
        let p = Profile::from_json(&text, name).unwrap();
        let written = p.to_value();
        assert_eq!(normalize(&written), normalize(&original), "{name}");
        // and a second trip is byte-identical
        let again = Profile::from_json(&p.to_json_pretty(), name).unwrap();
        assert_eq!(again.to_json_pretty(), p.to_json_pretty());
    }
}

#[test]
fn dialects_are_recognised() {
    let d = Profile::from_file(fixture_path("docker-default.json").as_ref()).unwrap();
    assert_eq!(d.dialect, Dialect::Docker);
    let p = Profile::from_file(fixture_path("podman-default.json").as_ref()).unwrap();
    assert_eq!(p.dialect, Dialect::Podman);
    assert_eq!(p.default(), Action::Errno(38));
    let oci = r#"{"ociVersion": "1.0.2", "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO",
        "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}}}"#;
    let o = Profile::from_json(oci, "config.json").unwrap();
    assert_eq!(o.dialect, Dialect::OciConfig);
    assert_eq!(o.rules().len(), 1);
    let bare = r#"{"defaultAction": "SCMP_ACT_KILL", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": []}"#;
    assert_eq!(Profile::from_json(bare, "x").unwrap().dialect, Dialect::Oci);
}

#[test]
fn podman_errno_strings_win_over_numbers() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "defaultErrno": "ENOSYS",
        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errno": "EACCES"}]}"#;
    let p = Profile::from_json(text, "x").unwrap();
    assert_eq!(p.default(), Action::Errno(38));
    assert_eq!(p.rules()[0].action(), Action::Errno(13));
}

#[test]
fn every_action_and_operator_parses() {
    for a in [
        "SCMP_ACT_KILL",
        "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_TRAP",
        "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE",
        "SCMP_ACT_ALLOW",
        "SCMP_ACT_LOG",
        "SCMP_ACT_NOTIFY",
    ] {
        for op in [
            "SCMP_CMP_NE",
            "SCMP_CMP_LT",
            "SCMP_CMP_LE",
            "SCMP_CMP_EQ",
            "SCMP_CMP_GE",
            "SCMP_CMP_GT",
            "SCMP_CMP_MASKED_EQ",
        ] {
            let text = format!(
                r#"{{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{{"names": ["read"],
                "action": "{a}", "args": [{{"index": 5, "value": 18446744073709551615, "valueTwo": 3, "op": "{op}"}}]}}]}}"#
            );
            let p = Profile::from_json(&text, "x").unwrap_or_else(|e| panic!("{a} {op}: {e}"));
            assert_eq!(p.rules()[0].conditions()[0].value, u64::MAX);
        }
    }
}

#[test]
fn bad_inputs_get_precise_errors() {
    let dir = format!("{}/tests/bad", env!("CARGO_MANIFEST_DIR"));
    let expect: &[(&str, &[&str])] = &[
        ("trailing-comma.json", &[":1:", "invalid JSON"]),
        (
            "unknown-action.json",
            &["$.syscalls[0].action", "SCMP_ACT_ALOW", "SCMP_ACT_ALLOW"],
        ),
        (
            "unknown-op.json",
            &["$.syscalls[0].args[0].op", "SCMP_CMP_EQUAL"],
        ),
        (
            "unknown-arch.json",
            &["$.architectures[0]", "SCMP_ARCH_VAX"],
        ),
        (
            "arches-and-archmap.json",
            &["both `architectures` and `archMap`"],
        ),
        (
            "name-and-names.json",
            &["$.syscalls[0]", "both `name` and `names`"],
        ),
        (
            "bad-minkernel.json",
            &["$.syscalls[0].includes.minKernel", "X.Y"],
        ),
        ("zero-minkernel.json", &["minKernel", "0.0"]),
        (
            "arg-index-6.json",
            &["$.syscalls[0].args[0].index", "0..=5", "found 6"],
        ),
        (
            "names-not-array.json",
            &["$.syscalls[0].names", "found a string"],
        ),
        (
            "negative-value.json",
            &["$.syscalls[0].args[0].value", "-1"],
        ),
        ("unknown-errno.json", &["$.defaultErrno", "EWHATEVER"]),
        ("no-default.json", &["defaultAction"]),
        ("not-an-object.json", &["$", "found an array"]),
        (
            "scmp-arch-in-includes.json",
            &["$.syscalls[0].includes.arches[0]", "amd64"],
        ),
        (
            "unknown-cap.json",
            &["$.syscalls[0].includes.caps[0]", "CAP_SYS_ADMN"],
        ),
        (
            "unknown-flag.json",
            &["$.flags[0]", "SECCOMP_FILTER_FLAG_FOO"],
        ),
        ("config-without-linux.json", &["linux"]),
        ("empty.json", &["invalid JSON", ":1:"]),
        ("errno-too-big.json", &["$.syscalls[0].errnoRet", "70000"]),
    ];
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (_, needles) = expect
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no expectation for {name}"));
        let err = Profile::from_file(&path).expect_err(&name);
        let msg = err.to_string();
        assert!(
            msg.contains(&name),
            "{name}: error must name the file: {msg}"
        );
        for n in *needles {
            assert!(msg.contains(n), "{name}: expected {n:?} in {msg}");
        }
        count += 1;
    }
    assert_eq!(count, expect.len());
    assert!(matches!(
        jailwright_profile::load("no-such-tier"),
        Err(ParseError::UnknownProfile { .. })
    ));
}

#[test]
fn explain_clone3_names_the_rule_and_the_capability_flips_it() {
    let p = catalogue::get("docker-default").unwrap().profile();
    let t = Target::docker(Arch::X86_64);
    let e = ops::explain(&p, &t, Arch::X86_64, "clone3", [0; 6]).unwrap();
    assert_eq!(e.decision.action, Action::Errno(38));
    assert!(matches!(e.decision.reason, Reason::Rule { .. }));
    let by = e.decided_by.unwrap();
    assert!(by.rule.contains("ERRNO(ENOSYS)"), "{}", by.rule);
    assert!(e.others.iter().any(|o| o
        .verdict
        .contains("CAP_SYS_ADMIN is not in the bounding set")));

    let mut admin = t.clone();
    admin
        .caps
        .insert(jailwright_profile::Capability::parse("CAP_SYS_ADMIN").unwrap());
    let e = ops::explain(&p, &admin, Arch::X86_64, "clone3", [0; 6]).unwrap();
    assert_eq!(e.decision.action, Action::Allow);
    assert!(e.others.iter().any(|o| o.verdict.contains("excludes.caps")));
}

#[test]
fn explain_reports_unknown_names_with_a_suggestion() {
    let p = catalogue::get("docker-default").unwrap().profile();
    let err = ops::explain(
        &p,
        &Target::docker(Arch::X86_64),
        Arch::X86_64,
        "opnat",
        [0; 6],
    )
    .unwrap_err();
    assert!(err.to_string().contains("openat"), "{err}");
}

#[test]
fn stats_count_unconditional_allows_like_the_issue_says() {
    let d = ops::stats(&Profile::from_file(fixture_path("docker-default.json").as_ref()).unwrap());
    let p = ops::stats(&Profile::from_file(fixture_path("podman-default.json").as_ref()).unwrap());
    assert_eq!(d.unconditional_allow_names, 361);
    assert_eq!(p.unconditional_allow_names, 374);
    assert_eq!(d.rules, 33);
    assert_eq!(p.rules, 40);
    assert_eq!(d.architectures.len(), 9);
    assert_eq!(d.default_errno.as_deref(), Some("EPERM"));
    assert_eq!(p.default_errno.as_deref(), Some("ENOSYS"));
}

fn nr(name: &str) -> u32 {
    tables::table(Arch::X86_64).unwrap().lookup(name).unwrap()
}

#[test]
fn runc_stub_and_crun_differ_above_the_highest_named_number() {
    let p = catalogue::get("docker-default").unwrap().profile();
    let runc = resolve(&p, &Target::docker(Arch::X86_64));
    let mut t = Target::docker(Arch::X86_64);
    t.runtime = Runtime::CRUN;
    let crun = resolve(&p, &t);
    let above = runc.arch(Arch::X86_64).unwrap().enosys_above.unwrap();
    assert_eq!(
        runc.decide(Arch::X86_64, above + 1, &[0; 6]).action,
        Action::Errno(38)
    );
    assert_eq!(
        crun.decide(Arch::X86_64, above + 1, &[0; 6]).action,
        Action::Errno(1)
    );
    assert_eq!(
        runc.decide_raw(Arch::X86_64.audit_arch(), u32::MAX, &[0; 6])
            .action,
        Action::Errno(38)
    );
}

#[test]
fn repeated_argument_index_is_or_under_runc_and_crun() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
        "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}]}"#;
    let p = Profile::from_json(text, "x").unwrap();
    let runc = resolve(&p, &Target::docker(Arch::X86_64));
    assert_eq!(
        runc.decide(Arch::X86_64, nr("personality"), &[8, 0, 0, 0, 0, 0])
            .action,
        Action::Allow
    );
    assert!(runc.notes.iter().any(|n| n.message.contains("OR-ed")));
    // crun splits them too since 0.12.2 (read back from crun 1.8.1's filters); before, and
    // under plain libseccomp, the conditions stay one rule.
    let mut t = Target::docker(Arch::X86_64);
    let decide = |t: &Target| {
        resolve(&p, t)
            .decide(Arch::X86_64, nr("personality"), &[8, 0, 0, 0, 0, 0])
            .action
    };
    t.runtime = Runtime::CRUN;
    assert_eq!(decide(&t), Action::Allow);
    t.runtime = Runtime::parse("crun@0.12.1").unwrap();
    assert_eq!(decide(&t), Action::Errno(1));
    t.runtime = Runtime::OCI;
    assert_eq!(decide(&t), Action::Errno(1));
}

#[test]
fn includes_arches_use_go_names_of_the_host() {
    let p = catalogue::get("docker-default").unwrap().profile();
    let x86 = resolve(&p, &Target::docker(Arch::X86_64));
    // arch_prctl is allowed on amd64 hosts, for the i386 ABI too (rule kept for the host)
    let i386 = tables::table(Arch::X86)
        .unwrap()
        .lookup("arch_prctl")
        .unwrap();
    assert_eq!(x86.decide(Arch::X86, i386, &[0; 6]).action, Action::Allow);
    let arm = resolve(&p, &Target::docker(Arch::Aarch64));
    assert!(arm.arch(Arch::X86_64).is_none());
    let brk = tables::table(Arch::Arm)
        .unwrap()
        .lookup("breakpoint")
        .unwrap();
    assert_eq!(arm.decide(Arch::Arm, brk, &[0; 6]).action, Action::Allow);
}

#[test]
fn patch_allows_clone_unconditionally_like_nsjail_needs() {
    let mut p = catalogue::get("docker-default").unwrap().profile();
    let log = ops::patch(
        &mut p,
        &Patch {
            allow: vec!["clone".into()],
            ..Patch::default()
        },
    )
    .unwrap();
    assert!(log[0].contains("clone"));
    let pol = resolve(&p, &Target::docker(Arch::X86_64));
    assert_eq!(
        pol.decide(Arch::X86_64, nr("clone"), &[0x1000_0000, 0, 0, 0, 0, 0])
            .action,
        Action::Allow
    );
    let mut q = catalogue::get("docker-default").unwrap().profile();
    ops::patch(
        &mut q,
        &Patch {
            deny: vec!["ptrace".into()],
            errno: vec![("clone3".into(), "ENOSYS".into())],
            add_arch: vec![Arch::Ppc64le],
            default_errno: Some("ENOSYS".into()),
            ..Patch::default()
        },
    )
    .unwrap();
    let pol = resolve(&q, &Target::docker(Arch::X86_64));
    assert_eq!(
        pol.decide(Arch::X86_64, nr("ptrace"), &[0; 6]).action,
        Action::Errno(38)
    );
    assert!(q
        .arch_map
        .as_ref()
        .unwrap()
        .iter()
        .any(|e| e.architecture == Arch::Ppc64le));
    assert!(ops::patch(
        &mut q,
        &Patch {
            allow: vec!["opnat".into()],
            ..Patch::default()
        }
    )
    .is_err());
}

#[test]
fn merge_allows_what_any_input_allows_and_reports_conflicts() {
    let a = catalogue::get("plugin").unwrap().profile();
    let b = catalogue::get("debug").unwrap().profile();
    let (m, conflicts) = ops::merge(&[("plugin".into(), a), ("debug".into(), b)]);
    let pol = resolve(
        &m,
        &Target {
            caps: CapSet::empty(),
            ..Target::docker(Arch::X86_64)
        },
    );
    assert_eq!(
        pol.decide(Arch::X86_64, nr("ptrace"), &[0; 6]).action,
        Action::Allow
    );
    assert_eq!(
        pol.decide(Arch::X86_64, nr("socket"), &[17, 3, 0, 0, 0, 0])
            .action,
        Action::Allow,
        "debug allows AF_PACKET sockets, so the merge does"
    );
    assert_eq!(
        pol.decide(Arch::X86_64, nr("bpf"), &[0; 6]).action,
        Action::Errno(1)
    );
    // plugin answers openat2 with ENOSYS, debug allows it: the one explicit disagreement
    assert_eq!(
        conflicts
            .iter()
            .map(|c| c.syscall.as_str())
            .collect::<Vec<_>>(),
        ["openat2"],
        "{conflicts:?}"
    );
    // an explicit deny in one input and an allow in another is a conflict; the merge allows
    let deny = Profile::from_json(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}"#,
        "a",
    )
    .unwrap();
    let allow = Profile::from_json(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["clone3", "write"], "action": "SCMP_ACT_ALLOW"}]}"#,
        "b",
    )
    .unwrap();
    let (m, conflicts) = ops::merge(&[("a".into(), deny), ("b".into(), allow)]);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].syscall, "clone3");
    let pol = resolve(&m, &Target::docker(Arch::X86_64));
    for name in ["clone3", "read", "write"] {
        assert_eq!(
            pol.decide(Arch::X86_64, nr(name), &[0; 6]).action,
            Action::Allow,
            "{name}"
        );
    }
}

/// The fuzz target's property, run on deterministic mutations of the real profiles so the
/// normal test suite covers it too (cargo-fuzz: `cargo +nightly fuzz run parse_profile`).
#[test]
fn mutated_profiles_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut parsed = 0;
    for name in ["docker-default.json", "podman-default.json"] {
        let orig = std::fs::read(fixture_path(name)).unwrap();
        for _ in 0..600 {
            let mut b = orig.clone();
            for _ in 0..(next() % 4 + 1) {
                let i = (next() as usize) % b.len();
                match next() % 4 {
                    0 => b[i] = (next() % 128) as u8,
                    1 => {
                        b.remove(i);
                    }
                    2 => b.insert(i, b"{}[],:\"0-"[(next() % 9) as usize]),
                    _ => b.truncate(i),
                }
            }
            if let Ok(text) = std::str::from_utf8(&b) {
                if let Ok(p) = Profile::from_json(text, "mutant") {
                    parsed += 1;
                    let again = Profile::from_json(&p.to_json_pretty(), "again").unwrap();
                    assert_eq!(again.to_json_pretty(), p.to_json_pretty());
                    let _ = resolve(&p, &Target::docker(Arch::X86_64));
                }
            }
        }
    }
    assert!(
        parsed > 10,
        "mutations should sometimes stay valid: {parsed}"
    );
}

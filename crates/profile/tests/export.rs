//! Export: every format produces output its consumer can read, the resolved formats decide
//! exactly like the source, and what cannot be expressed is said.

use jailwright_profile::diff::diff;
use jailwright_profile::export::{
    export, Export, ExportError, ExportFormat, ExportOptions, SpoApi,
};
use jailwright_profile::{catalogue, resolve, Action, Arch, CapSet, Dialect, Profile, Target};
use jailwright_profile::{ArgCond, Op, SyscallRule};

fn fixture(name: &str) -> Profile {
    Profile::from_file(&jailwright_testkit::fixture_path(name)).expect("fixture parses")
}

fn sources() -> Vec<(String, Profile)> {
    let mut v: Vec<(String, Profile)> = catalogue::ENTRIES
        .iter()
        .map(|e| (e.name.to_string(), e.profile()))
        .collect();
    v.push(("docker-fixture".into(), fixture("docker-default.json")));
    v.push(("podman-fixture".into(), fixture("podman-default.json")));
    v
}

fn run(p: &Profile, fmt: ExportFormat, name: &str, arch: Arch) -> Export {
    export(p, fmt, &ExportOptions::new(name, arch)).expect("export works")
}

fn file<'a>(e: &'a Export, suffix: &str) -> &'a str {
    &e.files
        .iter()
        .find(|(n, _)| n.ends_with(suffix))
        .unwrap_or_else(|| panic!("no file ending in {suffix}: {:?}", e.files))
        .1
}

fn same_decisions(a: &Profile, b: &Profile, target: &Target) {
    let d = diff(&resolve(a, target), &resolve(b, target));
    assert!(
        d.is_empty(),
        "{target:?}: {:#?}",
        d.syscalls.iter().take(5).collect::<Vec<_>>()
    );
}

#[test]
fn docker_export_reparses_with_numbers_only() {
    for (name, p) in sources() {
        let e = run(&p, ExportFormat::Docker, &name, Arch::X86_64);
        let text = file(&e, ".json");
        let back = Profile::from_json(text, "export").unwrap();
        assert_ne!(back.dialect, Dialect::Podman, "{name}");
        assert!(
            !text.contains("\"errno\"") && !text.contains("\"defaultErrno\""),
            "{name}"
        );
        for arch in [Arch::X86_64, Arch::Aarch64] {
            same_decisions(&p, &back, &Target::docker(arch));
        }
    }
}

#[test]
fn podman_export_adds_errno_names() {
    let p = catalogue::get("docker-default").unwrap().profile();
    let e = run(&p, ExportFormat::Podman, "docker-default", Arch::X86_64);
    let back = Profile::from_json(file(&e, ".json"), "export").unwrap();
    assert_eq!(back.dialect, Dialect::Podman);
    assert_eq!(back.default_errno.as_deref(), Some("EPERM"));
    assert_eq!(back.default_errno_ret, Some(1));
    let clone3 = back
        .rules()
        .iter()
        .find(|r| r.all_names().any(|n| n == "clone3") && r.action() == Action::Errno(38))
        .unwrap();
    assert_eq!(clone3.errno.as_deref(), Some("ENOSYS"));
    assert_eq!(clone3.errno_ret, Some(38));
    same_decisions(&p, &back, &Target::docker(Arch::X86_64));
    // docker-default's ptrace rule has a minKernel, which Podman ignores: said.
    assert!(
        e.notes.iter().any(|n| n.contains("minKernel")),
        "{:?}",
        e.notes
    );
}

#[test]
fn oci_export_decides_like_the_source() {
    for (name, p) in sources() {
        for arch in [Arch::X86_64, Arch::Aarch64, Arch::S390x] {
            for caps in [CapSet::docker_default(), CapSet::empty()] {
                let opts = ExportOptions {
                    caps: caps.clone(),
                    ..ExportOptions::new(&name, arch)
                };
                let e = export(&p, ExportFormat::Oci, &opts).unwrap();
                let text = file(&e, ".json");
                let v: serde_json::Value = serde_json::from_str(text).unwrap();
                assert!(v.get("archMap").is_none(), "{name}");
                assert!(
                    !text.contains("includes") && !text.contains("excludes"),
                    "{name}"
                );
                let back = Profile::from_json(text, "export").unwrap();
                assert_eq!(back.dialect, Dialect::Oci);
                assert_eq!(back.architectures.as_ref().unwrap()[0], arch);
                let target = Target {
                    caps,
                    ..Target::docker(arch)
                };
                same_decisions(&p, &back, &target);
            }
        }
    }
}

#[test]
fn oci_export_lists_the_host_and_its_subarchitectures() {
    let p = catalogue::get("docker-default").unwrap().profile();
    let e = run(&p, ExportFormat::Oci, "dd", Arch::X86_64);
    let back = Profile::from_json(file(&e, ".json"), "export").unwrap();
    assert_eq!(
        back.architectures.unwrap(),
        [Arch::X86_64, Arch::X86, Arch::X32]
    );
    assert!(e.notes.iter().any(|n| n.contains("dropped")));
}

#[test]
fn kubernetes_export_is_a_seccompprofile_and_a_pod_snippet() {
    let p = catalogue::get("plugin").unwrap().profile();
    let e = run(&p, ExportFormat::Kubernetes, "plugin", Arch::X86_64);
    let y = file(&e, ".seccompprofile.yaml");
    let lines: Vec<&str> = y.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines[0],
        "apiVersion: security-profiles-operator.x-k8s.io/v1"
    );
    assert_eq!(lines[1], "kind: SeccompProfile");
    assert_eq!(lines[2], "metadata:");
    assert_eq!(lines[3], "  name: \"plugin\"");
    assert!(y.contains("\nspec:\n  defaultAction: \"SCMP_ACT_ERRNO\"\n"));
    // plugin keeps only the native ABI (no i386 / x32 compat tables).
    assert!(y.contains("  architectures:\n    - \"SCMP_ARCH_X86_64\"\n  syscalls:\n"));
    // One YAML rule per OCI rule, names and args included.
    let oci = run(&p, ExportFormat::Oci, "plugin", Arch::X86_64);
    let oci = Profile::from_json(file(&oci, ".json"), "oci").unwrap();
    assert_eq!(y.matches("\n    - action: ").count(), oci.rules().len());
    let names: usize = oci.rules().iter().map(|r| r.all_names().count()).sum();
    assert_eq!(y.matches("\n        - \"").count(), names);
    assert!(y.contains("          op: \"SCMP_CMP_MASKED_EQ\"\n"));
    assert!(
        y.contains("      errnoRet: 38\n"),
        "clone3 -> ENOSYS, an integer in v1"
    );
    // Every line is indented by pairs of spaces (a structural sanity check).
    for l in y.lines() {
        let indent = l.len() - l.trim_start().len();
        assert_eq!(indent % 2, 0, "{l}");
    }
    let pod = file(&e, ".pod-securitycontext.yaml");
    assert!(pod.contains("securityContext:\n  seccompProfile:\n    type: Localhost\n    localhostProfile: \"operator/plugin.json\"\n"));
    assert!(e
        .notes
        .iter()
        .any(|n| n.contains("/v1 (Security Profiles Operator 1.0.0")));

    // Operators before 1.0.0 serve v1beta1, whose errnoRet is a string.
    let opts = ExportOptions {
        spo_api: SpoApi::V1beta1,
        ..ExportOptions::new("plugin", Arch::X86_64)
    };
    let old = export(&p, ExportFormat::Kubernetes, &opts).unwrap();
    let oy = file(&old, ".seccompprofile.yaml");
    assert!(oy.contains("apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"));
    assert!(oy.contains("      errnoRet: \"38\"\n"));
    assert_eq!(oy.lines().count(), y.lines().count());
    // A value v1's int64 cannot hold is an error naming the rule; v1beta1 takes it.
    let mut big = Profile::new(Action::Errno(1));
    let mut r = SyscallRule::new(["personality"], Action::Allow);
    r.args = Some(vec![ArgCond::new(0, Op::Eq, u64::MAX, 0)]);
    big.rules_mut().push(r);
    let err = export(
        &big,
        ExportFormat::Kubernetes,
        &ExportOptions::new("big", Arch::X86_64),
    )
    .unwrap_err();
    assert!(err.to_string().contains("$.syscalls[0].args[0]"), "{err}");
    assert!(export(&big, ExportFormat::Kubernetes, &opts).is_ok());

    // Before SPO v0.9.0 profiles were namespaced.
    let opts = ExportOptions {
        namespace: Some("team-a".into()),
        ..ExportOptions::new("plugin", Arch::X86_64)
    };
    let e = export(&p, ExportFormat::Kubernetes, &opts).unwrap();
    assert!(file(&e, ".seccompprofile.yaml").contains("  namespace: \"team-a\"\n"));
    assert!(file(&e, ".pod-securitycontext.yaml").contains("\"operator/team-a/plugin.json\""));
}

#[test]
fn kubernetes_says_an_enosys_default_cannot_be_expressed() {
    let p = fixture("podman-default.json");
    let e = run(&p, ExportFormat::Kubernetes, "podman-default", Arch::X86_64);
    assert!(
        e.notes.iter().any(|n| n.contains("defaultErrnoRet")),
        "{:?}",
        e.notes
    );
}

#[test]
fn systemd_export_lists_what_it_cannot_express() {
    let p = catalogue::get("docker-default").unwrap().profile();
    let e = run(&p, ExportFormat::Systemd, "docker-default", Arch::X86_64);
    let unit = file(&e, ".conf");
    assert!(unit.contains("[Service]\n"));
    assert!(unit.contains("SystemCallArchitectures=native x86 x32\n"));
    assert!(unit.contains("SystemCallErrorNumber=EPERM\n"));
    let allowed: Vec<&str> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("SystemCallFilter="))
        .flat_map(|l| l.split(' '))
        .collect();
    assert!(allowed.contains(&"read") && allowed.contains(&"openat"));
    assert!(!allowed.contains(&"clone"), "clone is conditional: denied");
    assert!(!allowed.contains(&"ptrace") || allowed.contains(&"ptrace"));
    let note = e
        .notes
        .iter()
        .find(|n| n.contains("cannot filter arguments"))
        .expect("conditional syscalls are listed");
    assert!(note.contains("DENY"));
    for n in ["clone", "personality", "socket"] {
        assert!(note.contains(n), "{n} missing from {note}");
    }
    assert!(
        e.notes.iter().any(|n| n.contains("clone3 (ERRNO(ENOSYS))")),
        "{:?}",
        e.notes
    );
}

#[test]
fn systemd_writes_a_deny_list_for_allow_defaults() {
    let mut p = Profile::new(Action::Allow);
    p.rules_mut().push(jailwright_profile::SyscallRule::new(
        ["ptrace", "bpf"],
        Action::Errno(1),
    ));
    let e = run(&p, ExportFormat::Systemd, "deny", Arch::Aarch64);
    let unit = file(&e, ".conf");
    assert!(unit.contains("SystemCallFilter=~bpf ptrace\n"), "{unit}");
    assert!(unit.contains("SystemCallArchitectures=native\n"));
    assert!(e.notes.iter().any(|n| n.contains("deny list")));
}

#[test]
fn colima_export_gives_the_yaml_entry_and_the_steps() {
    let p = catalogue::get("moderate").unwrap().profile();
    let e = run(&p, ExportFormat::Colima, "moderate", Arch::Aarch64);
    let profile = Profile::from_json(file(&e, "moderate.json"), "colima").unwrap();
    same_decisions(&p, &profile, &Target::docker(Arch::Aarch64));
    let y = file(&e, "colima.yaml");
    assert!(y.contains("docker:\n  seccomp-profile: \"/etc/docker/seccomp/moderate.json\"\n"));
    let steps = e.notes.iter().find(|n| n.starts_with("steps:")).unwrap();
    assert!(steps.contains("colima ssh -- sudo mkdir -p /etc/docker/seccomp"));
    assert!(
        steps.contains("colima ssh -- sudo tee /etc/docker/seccomp/moderate.json < moderate.json")
    );
    assert!(steps.contains("colima restart"));
}

#[test]
fn daemon_json_export_is_json() {
    let p = catalogue::get("strict").unwrap().profile();
    let e = run(&p, ExportFormat::DaemonJson, "strict", Arch::X86_64);
    let v: serde_json::Value = serde_json::from_str(file(&e, "daemon.json")).unwrap();
    assert_eq!(v["seccomp-profile"], "/etc/docker/seccomp/strict.json");
    Profile::from_json(file(&e, "strict.json"), "daemon").unwrap();
    assert!(e
        .notes
        .iter()
        .any(|n| n.contains("systemctl restart docker")));
}

#[test]
fn bad_input_is_a_typed_error() {
    let p = catalogue::get("strict").unwrap().profile();
    assert!(matches!(
        "yaml".parse::<ExportFormat>(),
        Err(ExportError::UnknownFormat(_))
    ));
    assert!(matches!(
        export(
            &p,
            ExportFormat::Docker,
            &ExportOptions::new("../etc/passwd", Arch::X86_64)
        ),
        Err(ExportError::InvalidName { .. })
    ));
    assert!(matches!(
        export(
            &p,
            ExportFormat::Kubernetes,
            &ExportOptions::new("My_Profile", Arch::X86_64)
        ),
        Err(ExportError::InvalidName { .. })
    ));
    assert!(matches!(
        export(
            &p,
            ExportFormat::Oci,
            &ExportOptions::new("x", Arch::Parisc)
        ),
        Err(ExportError::NoSyscallTable { .. })
    ));
    let msg = ExportError::UnknownFormat("yaml".into()).to_string();
    assert!(msg.starts_with("unknown export format `yaml`"));
}

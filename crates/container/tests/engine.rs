//! Tests against a real container engine. Each test skips, saying why, when the engine's
//! socket is unreachable.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jailwright_container::{
    check_profile, classify, doctor, ensure_image, probe_runtime, run, Backend, Bind, CheckStatus,
    ContainerError, ContainerRun, DoctorOptions, ImageSpec, Layer, LayerState, Network, OnReject,
    Output, RejectKind, RunOutcome,
};
use jailwright_profile::{catalogue, ops::remove_name, Profile};

fn docker() -> Option<(Backend, String)> {
    let b = Backend::docker_default();
    if let Err(e) = b.info() {
        eprintln!("SKIP: docker is unreachable: {e}");
        return None;
    }
    let image = ensure_image(&b, &ImageSpec::default()).expect("import the busybox image");
    Some((b, image))
}

fn profile(name: &str) -> Profile {
    catalogue::get(name).unwrap().profile()
}

fn without(name: &str, removed: &[&str]) -> Profile {
    let mut p = profile(name);
    for r in removed {
        remove_name(&mut p, r);
    }
    p
}

fn opts(image: &str, cmd: &[&str], p: Profile) -> ContainerRun {
    let mut o = ContainerRun::new(image, cmd.iter().map(|s| s.to_string()).collect(), p);
    o.output = Output::Capture;
    o.quiet = true;
    o.timeout = Some(Duration::from_secs(60));
    o
}

fn sh(image: &str, script: &str, p: Profile) -> ContainerRun {
    opts(image, &["/bin/sh", "-c", script], p)
}

fn out(o: &RunOutcome) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every catalogue profile starts a container and runs a busybox workload with a pipe.
#[test]
fn every_catalogue_profile_runs_a_busybox_workload() {
    let Some((b, image)) = docker() else { return };
    for &name in jailwright_testkit::TIERS {
        let o = run(
            &sh(
                &image,
                "echo hello | tr a-z A-Z; ls / | grep -c bin; echo ok > /tmp/x && cat /tmp/x",
                profile(name),
            ),
            &b,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            o.exit_code(),
            0,
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(out(&o), "HELLO\n1\nok\n", "{name}");
        assert_eq!(
            o.report.layer(Layer::Seccomp).unwrap().state,
            LayerState::Enforced,
            "{name}"
        );
    }
}

/// Hostile actions that make sense in a container are refused, and the identity is locked down.
#[test]
fn hostile_cases_are_refused() {
    let Some((b, image)) = docker() else { return };
    let script = r#"
        unshare -r true 2>/dev/null; echo "unshare=$?"
        mkdir -p /tmp/m; mount -t tmpfs none /tmp/m 2>/dev/null; echo "mount=$?"
        touch /rootfs-write 2>/dev/null; echo "rootwrite=$?"
        echo hi > /tmp/ok; echo "tmpwrite=$?"
        echo "ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
        echo "uid=$(id -u) gid=$(id -g)"
        grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\t' | tr ':' '='
        chroot / true 2>/dev/null; echo "chroot=$?"
        kill -9 1 2>/dev/null; echo "alive"
    "#;
    let o = run(&sh(&image, script, profile("plugin")), &b).unwrap();
    let text = out(&o);
    println!("{text}");
    for want in [
        "rootwrite=1",
        "tmpwrite=0",
        "ifaces=lo ",
        "uid=65534 gid=65534",
        "CapEff=0000000000000000",
        "CapPrm=0000000000000000",
        "CapBnd=0000000000000000",
        "NoNewPrivs=1",
        "Seccomp=2",
        "alive",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("unshare=0"), "{text}");
    assert!(!text.contains("mount=0"), "{text}");
    assert!(!text.contains("chroot=0"), "{text}");
    // Every layer is reported; what the engine applies is in force. The engine does not
    // remap users here, shares the host's cgroup namespace on cgroup v1, and no container
    // backend applies Landlock: those say so.
    assert_eq!(o.report.layers.len(), Layer::ALL.len());
    for l in &o.report.layers {
        match l.layer {
            Layer::UserNamespace | Layer::CgroupNamespace => assert!(
                l.state == LayerState::Enforced || !l.state.reason().is_empty(),
                "{l:?}"
            ),
            Layer::Landlock => assert!(
                matches!(&l.state, LayerState::Unavailable(r) if r.contains("Landlock")),
                "{l:?}"
            ),
            _ => assert_eq!(l.state, LayerState::Enforced, "{l:?}"),
        }
    }
}

/// The five runc 1.1.5 refusals, from real failures (no-new-privileges off, so runc loads the
/// filter before it drops capabilities): each is classified, fails by default, and succeeds
/// with compat, which reports exactly what it added.
#[test]
fn runtime_rejections_are_diagnosed_and_compat_fixes_them() {
    let Some((b, image)) = docker() else { return };
    let cases = [
        ("prctl", RejectKind::BoundingSet),
        ("fstatfs", RejectKind::ProcfsFdCheck),
        ("capget", RejectKind::Caps),
        ("capset", RejectKind::Caps),
        ("setgroups", RejectKind::Setgroups),
    ];
    for (sys, kind) in cases {
        let mut o = opts(&image, &["/bin/true"], without("docker-default", &[sys]));
        o.no_new_privileges = false;
        o.profile_name = "docker-default".into();
        let err = run(&o, &b).expect_err(sys);
        let d = err.diagnosis().unwrap_or_else(|| panic!("{sys}: {err}"));
        println!("minus {sys}: {}", d.message);
        assert!(
            matches!(err, ContainerError::Rejected { .. }),
            "{sys}: {err}"
        );
        assert_eq!(d.kind, kind, "{sys}: {}", d.message);
        assert_eq!(d.missing_syscalls, vec![sys], "{sys}");
        assert!(
            d.fix.contains(&format!(
                "jailwright patch docker-default --allow {sys} -o fixed.json"
            )),
            "{}",
            d.fix
        );
        assert_eq!(err.exit_code(), 125);

        o.on_reject = OnReject::Compat;
        let ok = run(&o, &b).unwrap_or_else(|e| panic!("compat {sys}: {e}"));
        assert_eq!(ok.exit_code(), 0, "{sys}");
        assert_eq!(ok.report.compat_added, vec![sys.to_string()], "{sys}");
        assert_eq!(ok.report.attempts, 2);
        let l = ok.report.layer(Layer::Seccomp).unwrap();
        assert!(
            matches!(&l.state, LayerState::Partial(r) if r.contains(sys)),
            "{sys}"
        );
        assert!(l.detail.contains(sys), "{}", l.detail);
    }
}

/// With no-new-privileges (jailwright's default) runc loads the filter right before execve:
/// only fstatfs and execve matter, and their failures arrive on the container's stderr.
#[test]
fn rejections_with_no_new_privileges() {
    let Some((b, image)) = docker() else { return };
    for (sys, kind) in [
        ("fstatfs", RejectKind::ProcfsFdCheck),
        ("execve", RejectKind::ExecveEperm),
    ] {
        let o = opts(&image, &["/bin/true"], without("plugin", &[sys]));
        let err = run(&o, &b).expect_err(sys);
        let d = err.diagnosis().unwrap();
        println!("nnp minus {sys}: {}", d.message);
        assert_eq!((d.kind, d.missing_syscalls.clone()), (kind, vec![sys]));
        let acc = check_profile(&without("plugin", &[sys]), Some(&image), &b).unwrap();
        assert!(!acc.accepted);
        assert_eq!(acc.diagnosis.unwrap().kind, kind);
    }
    // prctl is not needed once the filter loads after the capability drop.
    let o = opts(&image, &["/bin/true"], without("plugin", &["prctl"]));
    assert_eq!(run(&o, &b).unwrap().exit_code(), 0);
    assert!(
        check_profile(&profile("plugin"), Some(&image), &b)
            .unwrap()
            .accepted
    );
}

/// Unconfined is never used unless asked for; when asked for, it is loud.
#[test]
fn unconfined_only_by_request() {
    let Some((b, image)) = docker() else { return };
    let broken = without("docker-default", &["prctl"]);
    let cmd = "grep Seccomp: /proc/self/status | tr -d '\\t'";
    for on_reject in [OnReject::Fail, OnReject::Compat] {
        let mut o = sh(&image, cmd, broken.clone());
        o.no_new_privileges = false;
        o.on_reject = on_reject;
        match run(&o, &b) {
            Err(e) => assert_eq!(e.diagnosis().unwrap().kind, RejectKind::BoundingSet),
            Ok(r) => {
                assert!(out(&r).contains("Seccomp:2"), "{}", out(&r));
                assert!(r.report.layer(Layer::Seccomp).unwrap().state.is_active());
                assert!(!r
                    .report
                    .warnings
                    .iter()
                    .any(|w| w.contains("WITHOUT seccomp")));
            }
        }
    }
    let mut o = sh(&image, cmd, broken);
    o.no_new_privileges = false;
    o.on_reject = OnReject::Unconfined;
    let r = run(&o, &b).unwrap();
    assert!(out(&r).contains("Seccomp:0"), "{}", out(&r));
    let l = r.report.layer(Layer::Seccomp).unwrap();
    assert!(
        matches!(&l.state, LayerState::Disabled(r) if r.starts_with("unconfined by request")),
        "{l:?}"
    );
    assert!(r
        .report
        .warnings
        .iter()
        .any(|w| w.contains("WARNING: running WITHOUT seccomp")));
    assert_eq!(r.rejection.unwrap().kind, RejectKind::BoundingSet);
}

#[test]
fn timeout_stops_and_removes_the_container() {
    let Some((b, image)) = docker() else { return };
    let mut o = opts(&image, &["sleep", "30"], profile("plugin"));
    o.timeout = Some(Duration::from_secs(2));
    let t = Instant::now();
    let r = run(&o, &b).unwrap();
    assert!(t.elapsed() < Duration::from_secs(12), "{:?}", t.elapsed());
    assert_eq!(r.exit_code(), 124);
    assert_eq!(r.report.exit, jailwright_container::Exit::TimedOut);
    let gone = std::process::Command::new("docker")
        .args(["inspect", &r.container_name])
        .output()
        .unwrap();
    assert!(
        !gone.status.success(),
        "container {} still exists",
        r.container_name
    );
}

#[test]
fn memory_limit_kills_a_memory_bomb() {
    let Some((b, image)) = docker() else { return };
    let mut o = sh(
        &image,
        "head -c 64m /dev/zero | tail > /dev/null",
        profile("plugin"),
    );
    o.limits.memory = Some(16 << 20);
    let r = run(&o, &b).unwrap();
    println!("{:?} oom={}", r.report.exit, r.oom_killed);
    assert!(r.exit_code() == 137 || r.oom_killed, "{:?}", r.report.exit);
    assert_ne!(r.exit_code(), 0);
}

#[test]
fn exit_codes_pass_through() {
    let Some((b, image)) = docker() else { return };
    let code = |cmd: &[&str]| {
        run(&opts(&image, cmd, profile("plugin")), &b)
            .unwrap()
            .report
            .exit
    };
    assert_eq!(code(&["sh", "-c", "exit 7"]).code(), 7);
    assert_eq!(code(&["/nosuch"]).code(), 127);
    assert_eq!(code(&["nosuch-in-path"]).code(), 127);
    assert_eq!(code(&["/etc"]).code(), 126);
    // The shell is pid 1, which ignores signals it has no handler for: kill a child.
    let killed = code(&["sh", "-c", "sh -c 'kill -TERM $$'; exit $?"]);
    assert_eq!(
        (killed.code(), killed),
        (143, jailwright_container::Exit::Signal { signal: 15 })
    );
}

#[test]
fn binds_env_cwd_and_network() {
    let Some((b, image)) = docker() else { return };
    let dir = std::env::temp_dir().join(format!("jw-binds-{}", std::process::id()));
    let (input, output) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    std::fs::write(input.join("data"), "payload\n").unwrap();
    std::process::Command::new("chmod")
        .args(["0777", output.to_str().unwrap()])
        .status()
        .unwrap();
    let mut o = sh(&image, "cat /in/data; echo $GREETING; pwd; echo w > /out/r && echo wrote; echo x > /in/y 2>/dev/null || echo ro; ip link | grep -c '^[0-9]'", profile("plugin"));
    o.binds = vec![
        Bind {
            source: input.clone(),
            target: "/in".into(),
            read_only: true,
        },
        Bind {
            source: output.clone(),
            target: "/out".into(),
            read_only: false,
        },
    ];
    o.env = vec![("GREETING".into(), "hi".into())];
    o.cwd = Some("/tmp".into());
    o.network = Network::None;
    let r = run(&o, &b).unwrap();
    assert_eq!(out(&r), "payload\nhi\n/tmp\nwrote\nro\n1\n");
    assert_eq!(std::fs::read_to_string(output.join("r")).unwrap(), "w\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_has_the_shared_shape() {
    let Some((b, image)) = docker() else { return };
    let r = run(&opts(&image, &["/bin/true"], profile("plugin")), &b).unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.to_json_pretty()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, jailwright_testkit::REPORT_KEYS);
    // the native report's exit and layer shapes, every layer in the native order
    assert_eq!(v["exit"], serde_json::json!({"kind": "code", "code": 0}));
    assert_eq!(v["exit_code"], 0);
    for l in v["layers"].as_array().unwrap() {
        assert!(
            ["enforced", "partial", "unavailable", "disabled"]
                .contains(&l["state"].as_str().unwrap_or("")),
            "{l}"
        );
    }
    let layers: Vec<&str> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect();
    let native: Vec<&str> = Layer::ALL.iter().map(|l| l.name()).collect();
    assert_eq!(layers, native);
    let phases: Vec<&str> = v["timings"]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["connect", "create", "start", "run", "remove"]);
    assert!(v["timings"]["total_us"].as_u64().unwrap() > 0);
    assert!(v["denial_reporting"]
        .as_str()
        .unwrap()
        .starts_with("unavailable"));
}

/// A command the runtime cannot find or execute ends as the native sandbox's does.
#[test]
fn exec_failures_are_reported_as_the_native_sandbox_reports_them() {
    let Some((b, image)) = docker() else { return };
    let r = run(&opts(&image, &["/no/such/command"], profile("plugin")), &b).unwrap();
    assert_eq!(r.exit_code(), 127);
    assert_eq!(
        serde_json::to_value(r.report.exit).unwrap(),
        serde_json::json!({"kind": "exec_failed", "failure": "not_found", "errno": 2})
    );
    let r = run(&opts(&image, &["/etc/passwd"], profile("plugin")), &b).unwrap();
    assert_eq!(r.exit_code(), 126);
    assert_eq!(
        serde_json::to_value(r.report.exit).unwrap()["failure"],
        "not_executable"
    );
}

#[test]
fn daemon_down_is_a_quick_clear_error() {
    let t = Instant::now();
    let missing = Backend::Docker {
        socket: PathBuf::from("/nonexistent/jailwright/docker.sock"),
    };
    let o = ContainerRun::new("x", vec!["/bin/true".into()], profile("plugin"));
    let e = run(&o, &missing).unwrap_err();
    assert_eq!(e.diagnosis().unwrap().kind, RejectKind::DaemonDown, "{e}");
    assert!(
        e.to_string().contains("cannot reach the docker daemon"),
        "{e}"
    );
    // A stale socket file nobody listens on.
    let path = std::env::temp_dir().join(format!("jw-stale-{}.sock", std::process::id()));
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let e = run(
        &o,
        &Backend::Docker {
            socket: path.clone(),
        },
    )
    .unwrap_err();
    assert_eq!(e.diagnosis().unwrap().kind, RejectKind::DaemonDown, "{e}");
    let _ = std::fs::remove_file(&path);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let checks = doctor(&DoctorOptions {
        backend: Some(missing),
        ..DoctorOptions::default()
    });
    assert!(checks
        .iter()
        .any(|c| c.name == "docker daemon" && c.status == CheckStatus::Fail));
}

#[test]
fn doctor_reports_this_host() {
    let Some((b, _)) = docker() else { return };
    let checks = doctor(&DoctorOptions {
        backend: Some(b),
        ..DoctorOptions::default()
    });
    for c in &checks {
        println!("{:?} {}: {} {}", c.status, c.name, c.detail, c.advice);
    }
    let get = |n: &str| {
        checks
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("no check {n}"))
    };
    assert_eq!(get("seccomp filter").status, CheckStatus::Ok);
    assert_eq!(get("docker daemon").status, CheckStatus::Ok);
    assert!(get("docker OCI runtime").detail.contains("runc"));
    assert_eq!(get("docker default seccomp").status, CheckStatus::Ok);
    assert_eq!(get("profiles for host arch").status, CheckStatus::Ok);
}

/// crun through Docker: on this host's hybrid cgroups crun 1.8 refuses to start, and the
/// refusal is classified; on a pure v2 host the workload runs.
#[test]
fn docker_with_crun() {
    let Some((b, image)) = docker() else { return };
    if !b.info().unwrap().runtimes.iter().any(|r| r == "crun") {
        eprintln!(
            "SKIP: dockerd has no crun runtime (start it with --add-runtime crun=/usr/bin/crun)"
        );
        return;
    }
    let mut o = sh(&image, "echo crun-ok", profile("plugin"));
    o.runtime = Some("crun".into());
    match run(&o, &b) {
        Ok(r) => assert_eq!(out(&r), "crun-ok\n"),
        Err(e) => {
            eprintln!("crun refused: {e}");
            assert_eq!(e.diagnosis().unwrap().kind, RejectKind::CgroupLayout, "{e}");
        }
    }
}

/// The probe finds what runc needs, with both no-new-privileges settings, well under 2 minutes.
#[test]
fn probe_finds_the_runtime_needs() {
    let Some((b, image)) = docker() else { return };
    let t = Instant::now();
    let r = probe_runtime(&b, Some(&image)).unwrap();
    println!("{}", serde_json::to_string_pretty(&r).unwrap());
    assert!(t.elapsed() < Duration::from_secs(120), "{:?}", t.elapsed());
    let nnp = &r.modes[0];
    assert!(nnp.no_new_privileges);
    for s in ["execve", "fstatfs"] {
        assert!(nnp.needed.iter().any(|n| n == s), "{:?}", nnp.needed);
    }
    let full = &r.modes[1];
    for s in [
        "prctl",
        "capget",
        "capset",
        "setgroups",
        "execve",
        "fstatfs",
    ] {
        assert!(full.needed.iter().any(|n| n == s), "{:?}", full.needed);
    }
    assert!(r.patch_profile.rules()[0].all_names().any(|n| n == "prctl"));
    for alt in r.modes.iter().flat_map(|m| &m.alternatives) {
        assert!(
            alt.len() <= 8,
            "a \"one of\" set was not narrowed down: {alt:?}"
        );
    }
    // The probe's answer is complete: a profile of the patch plus the assumed set starts a
    // container without no-new-privileges, where the runtime needs the most.
    let mut minimal = r.patch_profile.clone();
    minimal
        .rules_mut()
        .push(jailwright_profile::SyscallRule::new(
            jailwright_container::probe::ASSUMED.iter().copied(),
            jailwright_profile::Action::Allow,
        ));
    let mut o = opts(&image, &["/bin/true"], minimal);
    o.no_new_privileges = false;
    let started = run(&o, &b).expect("the probed syscalls are enough to start a container");
    assert_eq!(started.exit_code(), 0);
    let leftovers = std::process::Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=org.jailwright.probe={}", r.label),
        ])
        .output()
        .unwrap();
    assert!(leftovers.stdout.is_empty(), "probe containers left behind");
}

/// Podman through its Docker-compatible socket, started here with runc and cgroupfs.
#[test]
fn podman_backend() {
    if std::process::Command::new("podman")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIP: podman is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("jw-podman-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sock = dir.join("podman.sock");
    let mut child = jailwright_testkit::podman_service(&sock).unwrap();
    let b = Backend::Podman {
        socket: sock.clone(),
    };
    let t = Instant::now();
    while b.info().is_err() && t.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let result = std::panic::catch_unwind(|| {
        if let Err(e) = b.info() {
            eprintln!("SKIP: podman system service did not come up: {e}");
            return;
        }
        let image = ensure_image(&b, &ImageSpec::default()).unwrap();
        let r = run(&sh(&image, "echo podman-ok; id -u; grep NoNewPrivs /proc/self/status | tr -d '\\t'; cat /proc/net/dev | tail -n +3 | wc -l", profile("plugin")), &b);
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                eprintln!("SKIP: podman cannot run containers here: {e}");
                return;
            }
        };
        assert_eq!(out(&r), "podman-ok\n65534\nNoNewPrivs:1\n1\n");
        assert_eq!(r.report.backend, "podman");
        let mut o = opts(
            &image,
            &["/bin/true"],
            without("docker-default", &["prctl"]),
        );
        o.no_new_privileges = false;
        let e = run(&o, &b).unwrap_err();
        assert_eq!(
            e.diagnosis().map(|d| d.kind),
            Some(RejectKind::BoundingSet),
            "{e}"
        );
        o.on_reject = OnReject::Compat;
        assert_eq!(
            run(&o, &b).unwrap().report.compat_added,
            vec!["prctl".to_string()]
        );
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

#[test]
fn classifier_is_total() {
    for m in ["", "x", "operation not permitted", "exec", "\u{1F600}"] {
        let _ = classify(m);
    }
}

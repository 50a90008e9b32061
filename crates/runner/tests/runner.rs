//! The runner as a plugin host uses it: a built-in tier and a loaded profile run for real,
//! denials explained by name, requirements checked before anything starts, and a recording.

use jailwright_profile::{Action, Profile, SyscallRule};
use jailwright_runner::{
    record, run, user_notification, ProfileChoice, RecordRequest, Requirements, RunError,
};
use jailwright_sandbox::{Sandbox, SandboxBuilder, Stdio};
use jailwright_testkit::{have, skip};

const PYTHON: &str = "/usr/bin/python3";

fn sh(script: &str) -> SandboxBuilder {
    Sandbox::builder()
        .stdout(Stdio::Piped)
        .stderr(Stdio::Piped)
        .command("/bin/sh", ["-c", script])
}

#[test]
fn a_builtin_tier_runs_and_reports_the_exit_status() {
    let choice = ProfileChoice::builtin("plugin").expect("plugin is a built-in");
    assert_eq!(choice.name(), "plugin");
    let done = run(choice, sh("echo out; exit 3"), &Requirements::default()).expect("runs");
    assert_eq!(done.outcome.exit_code(), 3);
    assert_eq!(done.outcome.stdout, b"out\n");
    assert!(done.blocked.is_empty(), "{:?}", done.blocked);
    let json = serde_json::to_value(done.report(&["sh".to_string()])).expect("serialises");
    assert_eq!(json["profile"], "plugin");
    assert_eq!(json["exit_code"], 3);
    assert!(json["layers"].as_array().is_some_and(|l| !l.is_empty()));
}

#[test]
fn a_denial_is_answered_as_the_profile_says_and_explained() {
    if !have(PYTHON) {
        return skip("python3 not installed");
    }
    if let Err(why) = user_notification() {
        return skip(&why);
    }
    let script = "import ctypes, sys; libc = ctypes.CDLL(None, use_errno=True); \
                  r = libc.ptrace(0, 0, 0, 0); print(r, ctypes.get_errno())";
    let choice = ProfileChoice::builtin("plugin").expect("built-in");
    let b = Sandbox::builder()
        .stdout(Stdio::Piped)
        .stderr(Stdio::Piped)
        .command(PYTHON, ["-c", script]);
    let done = run(choice, b, &Requirements::default()).expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&done.outcome.stdout),
        "-1 1\n" // EPERM
    );
    let ptrace = done
        .blocked
        .iter()
        .find(|b| b.syscall == "ptrace")
        .expect("ptrace explained");
    assert_eq!(ptrace.action, "ERRNO(EPERM)");
    assert!(
        !ptrace.fix.is_empty() && !ptrace.denied_by.is_empty(),
        "{ptrace:?}"
    );
    assert_eq!(done.denial_reporting(), "user-notification");
}

/// A profile the caller loaded is compiled, verified and applied: here one that answers
/// `uname` with EACCES and allows the rest.
#[test]
fn a_loaded_profile_is_compiled_and_applied() {
    let mut p = Profile::new(Action::Allow);
    p.rules_mut()
        .push(SyscallRule::new(["uname"], Action::Errno(13)));
    let choice = ProfileChoice::loaded("no-uname.json", p);
    let done = run(choice, sh("uname; echo $?"), &Requirements::default()).expect("runs");
    let out = String::from_utf8_lossy(&done.outcome.stdout).into_owned();
    assert!(out.ends_with("1\n"), "uname should fail: {out:?}");
    if user_notification().is_ok() {
        let b = done
            .blocked
            .iter()
            .find(|b| b.syscall == "uname")
            .expect("uname explained");
        assert_eq!(b.action, "ERRNO(EACCES)");
    }
    let json = serde_json::to_value(done.report(&[])).expect("serialises");
    assert_eq!(json["profile"], "no-uname.json");
}

#[test]
fn an_unmet_requirement_stops_the_run_before_it_starts() {
    if user_notification().is_ok() {
        // The only requirement that can fail on a root caller with notification is the one
        // about supplementary groups, which root drops; check that it passes instead.
        let mut req = Requirements::default();
        req.notify = true;
        req.no_extra_groups = true;
        let choice = ProfileChoice::builtin("plugin").expect("built-in");
        let done = run(choice, sh("true"), &req);
        match done {
            Ok(d) => assert!(d.outcome.report.exit.success()),
            Err(RunError::Unmet { requirement, .. }) => {
                assert_eq!(requirement, "no-extra-groups")
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    } else {
        let mut req = Requirements::default();
        req.notify = true;
        let choice = ProfileChoice::builtin("plugin").expect("built-in");
        let e = run(choice, sh("true"), &req).expect_err("notify is required");
        assert!(matches!(
            e,
            RunError::Unmet {
                requirement: "notify",
                ..
            }
        ));
        assert_eq!(e.exit_code(), 125);
    }
}

#[test]
fn a_bad_sandbox_option_is_a_usage_error() {
    let choice = ProfileChoice::builtin("plugin").expect("built-in");
    let b = sh("true").cwd("relative/path");
    let e = run(choice, b, &Requirements::default()).expect_err("a relative cwd is refused");
    assert_eq!(e.exit_code(), 2, "{e}");
}

#[test]
fn record_writes_what_the_command_called() {
    if let Err(why) = user_notification() {
        return skip(&why);
    }
    let rec = record(sh("echo hi > /dev/null"), &RecordRequest::default()).expect("records");
    assert!(rec.outcome.report.exit.success());
    let names: Vec<&str> = rec.seen.iter().map(|s| s.syscall.as_str()).collect();
    for needed in ["execve", "write"] {
        assert!(names.contains(&needed), "{needed} not seen in {names:?}");
    }
    let text = rec.profile.to_json_pretty();
    assert!(text.contains("\"execve\""), "{text}");
    assert!(rec.dangerous.is_empty(), "{:?}", rec.dangerous);
}

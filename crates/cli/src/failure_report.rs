//! The run report of a run that never started its command: the sandbox could not be set up,
//! a required layer was missing, or a container runtime refused the profile. Written to
//! `--report` (whole, like every report) so a program reads the diagnosis as data instead of
//! parsing standard error.
//!
//! ```json
//! {"profile": "plugin", "command": ["/bin/true"], "backend": "docker", "exit_code": 125,
//!  "error": {"kind": "runtime-rejected", "message": "...", "stage": null,
//!            "cause": "...", "fix": "...", "runtime_message": "...",
//!            "missing_syscalls": ["fstatfs"]}}
//! ```

use jailwright_container as container;
use jailwright_runner::RunError;
use jailwright_sandbox as sandbox;

use crate::commands_run::{deliver, Fallback};
use crate::output::OutputFile;
use crate::Failure;

/// What went wrong, as the report's `error` says it.
#[derive(serde::Serialize, Default)]
pub(crate) struct FailureDetail {
    /// `setup-failed`, `requirement-unmet`, `runtime-rejected` (the runtime refused the
    /// profile), `engine-unreachable`.
    kind: &'static str,
    message: String,
    /// What was being set up (`mount /usr`, `--require landlock`), when known.
    stage: Option<String>,
    /// Why, in one sentence, when diagnosed.
    cause: Option<String>,
    /// The exact fix, when known.
    fix: Option<String>,
    /// The container runtime's own words.
    runtime_message: Option<String>,
    /// The syscalls the runtime needs that the profile denies.
    missing_syscalls: Vec<&'static str>,
}

#[derive(serde::Serialize)]
struct FailureReport<'a> {
    profile: &'a str,
    command: &'a [String],
    backend: &'a str,
    exit_code: u8,
    error: FailureDetail,
}

/// The detail of a native run's failure.
pub(crate) fn native_detail(e: &RunError, failure: &Failure) -> FailureDetail {
    let mut d = FailureDetail {
        kind: "setup-failed",
        message: failure.message.clone(),
        ..FailureDetail::default()
    };
    match e {
        RunError::Sandbox(sandbox::Error::Setup { stage, source }) => {
            d.stage = Some(stage.clone());
            d.fix = Some(setup_fix(stage, source.kind()).to_string());
        }
        RunError::Unmet {
            requirement,
            reason,
        } => {
            d.kind = "requirement-unmet";
            d.stage = Some(format!("--require {requirement}"));
            d.cause = Some(reason.clone());
        }
        _ => {}
    }
    d
}

/// What to do about a failed setup step.
fn setup_fix(stage: &str, kind: std::io::ErrorKind) -> &'static str {
    use std::io::ErrorKind::{NotFound, PermissionDenied};
    match kind {
        NotFound if stage.starts_with("bind source") => {
            "the host path does not exist: create it, or correct the --bind/--ro-bind source"
        }
        PermissionDenied if stage.starts_with("clone") => {
            "this user may not create namespaces here (user namespaces disabled or restricted): `jailwright doctor` says which and how to allow them"
        }
        _ if stage.contains("cgroup") => {
            "`jailwright doctor` shows the cgroup layout and whether this user may create cgroups; without --memory and --pids no cgroup is needed"
        }
        _ => "`jailwright doctor` checks every layer this machine must provide and says how to fix what is missing",
    }
}

/// The detail of a container run's failure.
pub(crate) fn container_detail(e: &container::ContainerError, failure: &Failure) -> FailureDetail {
    let mut d = FailureDetail {
        kind: "setup-failed",
        message: failure.message.clone(),
        ..FailureDetail::default()
    };
    if let Some(diag) = e.diagnosis() {
        // Only a refusal of the profile is the runtime's rejection; a missing image, an
        // unreachable daemon or a cgroup layout the runtime cannot use are setup failures,
        // with the refusal's kind as the stage.
        d.kind = match e {
            container::ContainerError::Unreachable { .. } => "engine-unreachable",
            _ if diag.kind.is_seccomp() => "runtime-rejected",
            _ => "setup-failed",
        };
        if !diag.kind.is_seccomp() {
            d.stage = serde_json::to_value(diag.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
        }
        d.cause = Some(diag.cause.clone());
        d.fix = Some(diag.fix.clone());
        d.runtime_message = Some(diag.message.clone());
        d.missing_syscalls = diag.missing_syscalls.clone();
    }
    d
}

/// Writes the failure report when one was asked for; the failure is returned unchanged.
pub(crate) fn report_failure(
    file: Option<&OutputFile>,
    profile: &str,
    command: &[String],
    backend: &str,
    failure: Failure,
    detail: FailureDetail,
) -> Failure {
    // Bad options are said on standard error alone (exit 2): nothing was set up.
    let Some(file) = file.filter(|_| failure.code != crate::EXIT_USAGE) else {
        return failure;
    };
    let report = FailureReport {
        profile,
        command,
        backend,
        exit_code: failure.code,
        error: detail,
    };
    if let Ok(mut text) = serde_json::to_string_pretty(&report) {
        text.push('\n');
        let _ = deliver(file, "--report", text.as_bytes(), Fallback::Stderr);
    }
    failure
}

//! `run`: arguments into a sandbox configuration and a profile choice, handed to
//! `jailwright_runner` (native) or `jailwright_container` (Docker, Podman); then printing.

use std::ffi::OsString;
use std::fmt::Write as _;

use jailwright_container as container;
use jailwright_runner::{self as runner, ProfileChoice, RunError};
use jailwright_sandbox::{self as sandbox, LayerState};

use crate::args::{Backend, NetworkArg, OnReject, RunArgs};
use crate::commands::load;
use crate::failure_report::{container_detail, native_detail, report_failure};
use crate::output::{json, OutputFile};
use crate::sandbox_args::{parse_env, parse_size, parse_timeout, parse_user, sandbox_builder};
use crate::Failure;

/// Exit status when the sandbox or container could not be set up.
pub const EXIT_SETUP: u8 = jailwright_report::EXIT_SETUP_FAILED as u8;

pub(crate) fn setup_failure(message: impl Into<String>) -> Failure {
    Failure {
        code: EXIT_SETUP,
        message: message.into(),
    }
}

/// Where an output goes when its file cannot be written.
#[derive(Clone, Copy)]
pub(crate) enum Fallback {
    Stdout,
    Stderr,
}

/// Writes an output prepared before the run; `false` when it was refused. A refused write is
/// said on standard error and the content goes to the fallback stream instead: nothing is
/// lost, and the run keeps its exit status.
pub(crate) fn deliver(file: &OutputFile, option: &str, bytes: &[u8], fallback: Fallback) -> bool {
    let Err(why) = file.write(bytes) else {
        return true;
    };
    let to = match fallback {
        Fallback::Stdout => "standard output",
        Fallback::Stderr => "standard error",
    };
    eprintln!(
        "jailwright: {option} {} not written: {why}; it follows on {to}",
        file.path().display()
    );
    let _ = match fallback {
        Fallback::Stdout => std::io::Write::write_all(&mut std::io::stdout(), bytes),
        Fallback::Stderr => std::io::Write::write_all(&mut std::io::stderr(), bytes),
    };
    false
}

/// `jailwright run`.
pub fn run(a: RunArgs) -> Result<u8, Failure> {
    match a.backend {
        Backend::Native => run_native(&a),
        Backend::Docker => run_container(&a, container::Backend::docker_default()),
        Backend::Podman => run_container(&a, container::Backend::podman_default()),
    }
}

fn run_native(a: &RunArgs) -> Result<u8, Failure> {
    if a.image.is_some() {
        return Err(Failure::usage(
            "--image applies to --backend docker or podman; the native sandbox uses the host's system directories",
        ));
    }
    if a.on_reject != OnReject::Fail {
        return Err(Failure::usage(
            "--on-reject applies to --backend docker or podman",
        ));
    }
    // Resolved before the plugin runs: it may write where the report goes.
    let report_file = a.report.as_deref().map(OutputFile::prepare).transpose()?;
    let choice = match ProfileChoice::builtin(&a.profile) {
        Some(c) => c,
        None => ProfileChoice::loaded(&a.profile, load(&a.profile)?),
    };
    let (builder, req) = sandbox_builder(&a.sandbox, &a.command)?;
    let mut done = runner::run(choice, builder, &req).map_err(|e| {
        let failure = run_failure(&e);
        let detail = native_detail(&e, &failure);
        report_failure(
            report_file.as_ref(),
            &a.profile,
            &a.command,
            "native",
            failure,
            detail,
        )
    })?;
    // This process ends after printing: the sandbox's exiting init is left to its adopter.
    done.outcome.leave_init_to_exit();
    if !a.quiet {
        eprint!("{}", native_messages(a, &done));
    }
    if let Some(file) = &report_file {
        let r = done.report(&a.command);
        let _ = deliver(file, "--report", json(&r)?.as_bytes(), Fallback::Stderr);
    }
    let code = exit_status(done.outcome.exit_code());
    // The process exits next: freeing what the run derived would only fault back in the pages
    // it shares copy-on-write with the sandbox.
    std::mem::forget(done);
    Ok(code)
}

/// What `run` says on standard error: layers not fully enforced, warnings, notes, each
/// denial with its rule and fix, and why the command did not start or end.
fn native_messages(a: &RunArgs, done: &runner::PluginOutcome) -> String {
    let mut s = String::new();
    let report = &done.outcome.report;
    for l in done.outcome.layers() {
        match &l.state {
            LayerState::Partial(why) => {
                let _ = writeln!(s, "jailwright: {} partially enforced: {why}", l.layer);
            }
            LayerState::Unavailable(why) => {
                let _ = writeln!(s, "jailwright: {} unavailable: {why}", l.layer);
            }
            _ => {}
        }
    }
    if let Err(why) = &done.notify {
        let _ = writeln!(s, "jailwright: denial reports unavailable: {why}");
    }
    for w in &report.warnings {
        let _ = writeln!(s, "jailwright: warning: {w}");
    }
    for n in &done.notes {
        let _ = writeln!(s, "jailwright: note: {n}");
    }
    for b in &done.blocked {
        let times = if b.count > 1 {
            format!(" [{}x]", b.count)
        } else {
            String::new()
        };
        let _ = writeln!(s, "jailwright: {}{times}", b.line);
    }
    if let sandbox::Exit::ExecFailed { failure, errno } = report.exit {
        let what = match failure {
            sandbox::ExecFailure::NotFound => "not found in the sandbox",
            _ => "cannot be executed in the sandbox",
        };
        let _ = writeln!(
            s,
            "jailwright: {}: {what} ({}); the sandbox sees the host's /usr, its /etc (under the plugin profile only what name lookup, time and certificates need) and your --ro-bind/--bind paths only",
            a.command[0],
            std::io::Error::from_raw_os_error(errno)
        );
    }
    if report.exit == sandbox::Exit::TimedOut {
        let _ = writeln!(s, "jailwright: timed out; the whole sandbox was killed");
    }
    s
}

/// A run error as a failure: requirements are named as the option that set them.
pub(crate) fn run_failure(e: &RunError) -> Failure {
    match e {
        RunError::Sandbox(e) => sandbox_failure(e),
        RunError::Unmet {
            requirement,
            reason,
        } => setup_failure(format!("--require {requirement}: {reason}")),
        e => Failure {
            code: u8::try_from(e.exit_code()).unwrap_or(EXIT_SETUP),
            message: e.to_string(),
        },
    }
}

/// A sandbox error as a failure: bad options are usage errors (exit 2), the rest could not
/// be set up (exit 125).
fn sandbox_failure(e: &sandbox::Error) -> Failure {
    match e {
        sandbox::Error::Config(c) => {
            Failure::usage(format!("--{}: {}", c.option.replace('_', "-"), c.reason))
        }
        e @ sandbox::Error::Setup { .. } => Failure {
            code: u8::try_from(e.exit_code()).unwrap_or(EXIT_SETUP),
            message: e.to_string(),
        },
        e => Failure {
            code: u8::try_from(e.exit_code()).unwrap_or(EXIT_SETUP),
            message: format!("sandbox setup failed: {e}"),
        },
    }
}

pub(crate) fn exit_status(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(if code < 0 { 1 } else { 255 })
}

fn run_container(a: &RunArgs, backend: container::Backend) -> Result<u8, Failure> {
    let s = &a.sandbox;
    let native_only = [
        (
            !s.tmpfs.is_empty(),
            "--tmpfs (containers get a private tmpfs /tmp)",
        ),
        (s.cpu_time.is_some(), "--cpu-time (use --timeout)"),
        (!s.require.is_empty(), "--require"),
        (s.tty, "--tty"),
    ];
    if let Some((_, what)) = native_only.iter().find(|(set, _)| *set) {
        return Err(Failure::usage(format!(
            "{what} applies to the native backend only"
        )));
    }
    let profile = load(&a.profile)?;
    let report_file = a.report.as_deref().map(OutputFile::prepare).transpose()?;
    let fail = |e: container::ContainerError| {
        let failure = container_failure(&e);
        let detail = container_detail(&e, &failure);
        let name = backend.name();
        report_failure(
            report_file.as_ref(),
            &a.profile,
            &a.command,
            name,
            failure,
            detail,
        )
    };
    let image = match &a.image {
        Some(i) => i.clone(),
        None => {
            container::ensure_image(&backend, &container::ImageSpec::default()).map_err(fail)?
        }
    };
    let mut opts = container::ContainerRun::new(image, a.command.clone(), profile);
    opts.profile_name = a.profile.clone();
    for e in &s.env {
        opts.env.push(parse_env(e)?);
    }
    opts.cwd = s.cwd.clone();
    if let Some(u) = &s.user {
        let (uid, gid) = parse_user(u)?;
        opts.user = format!("{uid}:{gid}");
    }
    opts.network = match s.network {
        NetworkArg::None => container::Network::None,
        NetworkArg::Host => container::Network::Host,
    };
    if let Some(m) = &s.memory {
        opts.limits.memory = Some(i64::try_from(parse_size("--memory", m)?).unwrap_or(i64::MAX));
    }
    if let Some(n) = s.pids {
        opts.limits.pids = Some(i64::try_from(n).unwrap_or(i64::MAX));
    }
    for (specs, read_only) in [(&s.ro_bind, true), (&s.bind, false)] {
        for spec in specs {
            let (src, dst) = sandbox::parse_bind(OsString::from(spec).as_os_str());
            let source = std::fs::canonicalize(&src)
                .map_err(|e| setup_failure(format!("bind source {}: {e}", src.display())))?;
            opts.binds.push(container::Bind {
                source,
                target: dst.to_string_lossy().into_owned(),
                read_only,
            });
        }
    }
    if let Some(t) = s.timeout {
        opts.timeout = Some(parse_timeout(t)?);
    }
    opts.on_reject = match a.on_reject {
        OnReject::Fail => container::OnReject::Fail,
        OnReject::Compat => container::OnReject::Compat,
        OnReject::Unconfined => container::OnReject::Unconfined,
    };
    opts.quiet = a.quiet;
    let outcome = container::run(&opts, &backend).map_err(fail)?;
    if let Some(file) = &report_file {
        let mut text = outcome.to_json_pretty();
        text.push('\n');
        let _ = deliver(file, "--report", text.as_bytes(), Fallback::Stderr);
    }
    Ok(exit_status(outcome.exit_code()))
}

pub(crate) fn container_failure(e: &container::ContainerError) -> Failure {
    let mut message = crate::error_chain(e);
    if let Some(d) = e.diagnosis() {
        if !message.contains(&d.cause) {
            let _ = write!(message, "\n{d}");
        }
    }
    Failure {
        code: e.exit_code(),
        message,
    }
}

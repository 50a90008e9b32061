//! `run`, `record` and `doctor`: the sandbox and container commands.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use jailwright_bpf::{compile, CompileOptions};
use jailwright_container as container;
use jailwright_profile::denial::{call_text, explain_denial};
use jailwright_profile::policy::{resolve, Policy, Target};
use jailwright_profile::record::{self, Observation};
use jailwright_profile::{terminal, Action, Arch, Profile, SyscallRule};
use jailwright_sandbox::{self as sandbox, Layer, LayerState, Network, Response, Sandbox};
use serde::Serialize;

use crate::args::{Backend, Format, NetworkArg, OnReject, RunArgs, SandboxArgs};
use crate::commands::load;
use crate::output::{emit, json, write_atomic, OutputFile, Table};
use crate::prebuilt;
use crate::{Failure, EXIT_FINDINGS};

/// Exit status when the sandbox or container could not be set up.
pub const EXIT_SETUP: u8 = 125;

/// The x32 ABI's syscall-number bit.
const X32_BIT: u32 = 0x4000_0000;

/// Syscalls the sandbox itself makes between installing the filter and `execve` (hand the
/// listener to the supervisor, report on the status pipe, close the listener). Every profile
/// used with denial reports must allow them; `record` cannot observe them.
const SANDBOX_NEEDS: [&str; 3] = ["sendmsg", "write", "close"];

fn setup_failure(message: impl Into<String>) -> Failure {
    Failure {
        code: EXIT_SETUP,
        message: message.into(),
    }
}

/// The ABI a call came from: by `AUDIT_ARCH` token, with the x32 bit on x86_64's token.
fn abi_of(policy: &Policy, token: u32, nr: u32) -> Option<Arch> {
    let mut candidates = policy
        .arches
        .iter()
        .map(|a| a.arch)
        .filter(|a| a.audit_arch() == token);
    if token == Arch::X86_64.audit_arch() && nr & X32_BIT != 0 {
        return candidates.find(|a| *a == Arch::X32).or(Some(Arch::X32));
    }
    candidates.find(|a| *a != Arch::X32).or_else(|| {
        Arch::ALL
            .into_iter()
            .find(|a| a.audit_arch() == token && *a != Arch::X32)
    })
}

/// Whether this kernel offers `SECCOMP_RET_USER_NOTIF` (and the reason when not).
fn user_notif_available() -> Result<(), String> {
    match std::fs::read_to_string("/proc/sys/kernel/seccomp/actions_avail") {
        Ok(s) if s.split_whitespace().any(|a| a == "user_notif") => Ok(()),
        Ok(_) => Err("this kernel has no SECCOMP_RET_USER_NOTIF (Linux 5.0+)".into()),
        Err(e) => Err(format!(
            "cannot read /proc/sys/kernel/seccomp/actions_avail: {e}"
        )),
    }
}

/// A size option's value (`option` is the flag, for the error).
fn parse_size(option: &str, s: &str) -> Result<u64, Failure> {
    let t = s.trim().to_ascii_lowercase();
    let (num, mult) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        _ => (t.as_str(), 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| {
            Failure::usage(format!(
                "{option} expects bytes with an optional k, m or g suffix (e.g. 256m), got `{s}`"
            ))
        })
}

fn parse_user(s: &str) -> Result<(u32, u32), Failure> {
    let bad = || {
        Failure::usage(format!(
            "--user expects UID[:GID] (e.g. 1000:1000), got `{s}`"
        ))
    };
    let (u, g) = match s.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (s, None),
    };
    let uid: u32 = u.parse().map_err(|_| bad())?;
    let gid: u32 = match g {
        Some(g) => g.parse().map_err(|_| bad())?,
        None => uid,
    };
    Ok((uid, gid))
}

fn parse_env(spec: &str) -> Result<(String, String), Failure> {
    match spec.split_once('=') {
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => match std::env::var(spec) {
            Ok(v) => Ok((spec.to_string(), v)),
            Err(_) => Err(Failure::usage(format!(
                "--env {spec}: `{spec}` is not set here; pass --env {spec}=VALUE"
            ))),
        },
    }
}

fn parse_timeout(t: f64) -> Result<Duration, Failure> {
    if t.is_finite() && t > 0.0 && t < 1e9 {
        Ok(Duration::from_secs_f64(t))
    } else {
        Err(Failure::usage(format!(
            "--timeout expects a positive number of seconds, got {t}"
        )))
    }
}

/// The sandbox options, applied to a builder.
fn sandbox_builder(
    s: &SandboxArgs,
    command: &[String],
) -> Result<sandbox::SandboxBuilder, Failure> {
    let (program, rest) = command
        .split_first()
        .ok_or_else(|| Failure::usage("no command given; pass it after `--`"))?;
    let mut b = Sandbox::builder().command(program, rest);
    for spec in &s.ro_bind {
        let (src, dst) = sandbox::parse_bind(OsString::from(spec).as_os_str());
        b = b.ro_bind(src, dst);
    }
    for spec in &s.bind {
        let (src, dst) = sandbox::parse_bind(OsString::from(spec).as_os_str());
        b = b.bind(src, dst);
    }
    for t in &s.tmpfs {
        b = b.tmpfs(t);
    }
    b = b.network(match s.network {
        NetworkArg::None => Network::None,
        NetworkArg::Host => Network::Host,
    });
    for e in &s.env {
        let (k, v) = parse_env(e)?;
        b = b.env(k, v);
    }
    if let Some(c) = &s.cwd {
        b = b.cwd(c);
    }
    if let Some(u) = &s.user {
        let (uid, gid) = parse_user(u)?;
        b = b.user(uid, gid);
    }
    if let Some(m) = &s.memory {
        b = b.memory(parse_size("--memory", m)?);
    }
    if let Some(t) = &s.tmp_size {
        b = b.tmp_size(parse_size("--tmp-size", t)?);
    }
    if let Some(t) = &s.shm_size {
        b = b.shm_size(parse_size("--shm-size", t)?);
    }
    if let Some(n) = s.pids {
        b = b.pids(n);
    }
    if let Some(c) = s.cpu_time {
        b = b.cpu_time(c);
    }
    if let Some(t) = s.timeout {
        b = b.timeout(parse_timeout(t)?);
    }
    if s.require.iter().any(|r| r == REQUIRE_NO_EXTRA_GROUPS) {
        let extra: Vec<String> = sandbox::extra_groups()
            .iter()
            .map(|g| g.to_string())
            .collect();
        if !extra.is_empty() {
            return Err(setup_failure(format!(
                "--require {REQUIRE_NO_EXTRA_GROUPS}: this user's supplementary groups {} would \
                 stay with the plugin (an unprivileged user namespace cannot drop them); run as \
                 root or as a user without them",
                extra.join(" ")
            )));
        }
    }
    for r in s
        .require
        .iter()
        .filter(|r| *r != REQUIRE_NOTIFY && *r != REQUIRE_NO_EXTRA_GROUPS)
    {
        let layer: Layer = r.parse().map_err(|e: String| {
            Failure::usage(format!(
                "--require: {e}, or {REQUIRE_NOTIFY}, or {REQUIRE_NO_EXTRA_GROUPS}"
            ))
        })?;
        b = b.require(layer);
    }
    if let Some(guard) = terminal_guard(Arch::host())? {
        b = b.terminal_guard(guard);
    }
    Ok(b.dev_tty(s.tty))
}

/// Where an output goes when its file cannot be written.
#[derive(Clone, Copy)]
enum Fallback {
    Stdout,
    Stderr,
}

/// Writes an output prepared before the run; `false` when it was refused. A refused write is
/// said on standard error and the content goes to the fallback stream instead: nothing is
/// lost, and the run keeps its exit status.
fn deliver(file: &OutputFile, option: &str, bytes: &[u8], fallback: Fallback) -> bool {
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

/// `--require notify`: denials must be reported by name (seccomp user notification).
const REQUIRE_NOTIFY: &str = "notify";
/// `--require no-extra-groups`: the plugin must not keep the caller's supplementary groups.
const REQUIRE_NO_EXTRA_GROUPS: &str = "no-extra-groups";

/// The terminal guard for `host` (refusing the terminal requests that inject input, take a
/// terminal over or change its settings, whatever the profile), or `None` on an arch whose
/// terminal requests are not the generic ones.
fn terminal_guard(host: Arch) -> Result<Option<sandbox::TerminalGuard>, Failure> {
    if !terminal::guards(host) {
        return Ok(None);
    }
    // Precompiled for the common hosts (and proved there by the test suite).
    let program = match prebuilt::get(prebuilt::TERMINAL_GUARD, host) {
        Some(p) => p,
        None => {
            let policy = resolve(&terminal::guard_profile(), &Target::sandbox(host));
            compile(&policy, &prebuilt::terminal_guard_options())
                .map_err(|e| setup_failure(format!("cannot build the terminal guard: {e}")))?
                .program
        }
    };
    Ok(Some(sandbox::TerminalGuard {
        program,
        requests: terminal::GUARDED
            .iter()
            .map(|g| g.name.to_string())
            .collect(),
    }))
}

/// A denial as the user reads it, with the rule and the fix.
#[derive(Serialize)]
struct Blocked {
    arch: Arch,
    nr: u32,
    syscall: String,
    call: String,
    action: String,
    denied_by: String,
    fix: String,
    count: u64,
    line: String,
    /// The distinct calls seen, decoded (from at most 16 distinct argument vectors;
    /// `more_args` when there were more; the raw vectors are in the report's `denials`).
    calls_seen: Vec<String>,
    more_args: bool,
}

/// The one entry that counts the calls whose numbers no ABI has.
fn out_of_range_denial(arch: Arch, d: &sandbox::Denial) -> Blocked {
    let action = match d.response {
        Response::Errno(e) => Action::Errno(u16::try_from(e).unwrap_or(u16::MAX)).to_string(),
        _ => "CONTINUE".to_string(),
    };
    let call = format!(
        "{} call(s) with numbers no {arch} system call has (first {:#x})",
        d.count, d.nr as u32
    );
    Blocked {
        arch,
        nr: d.nr as u32,
        line: format!("blocked: {call} -> {action} (no system call has these numbers)"),
        syscall: "numbers no ABI has".into(),
        call,
        action,
        denied_by: "no system call has these numbers".into(),
        fix: "none needed: these are not system calls".into(),
        count: d.count,
        calls_seen: Vec::new(),
        more_args: false,
    }
}

/// The JSON run report of the native backend.
#[derive(Serialize)]
struct NativeReport<'a> {
    profile: &'a str,
    command: &'a [String],
    #[serde(flatten)]
    report: &'a sandbox::RunReport,
    /// The denials explained (rule, fix); `denials` has the raw events.
    blocked: Vec<Blocked>,
    /// How denials were observed (`user-notification`) or why they could not be.
    denial_reporting: String,
    /// What limits the report itself (the plugin filtering itself).
    notes: Vec<String>,
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
    let host = Arch::host();
    let notify = user_notif_available();
    if let Err(why) = &notify {
        if a.sandbox.require.iter().any(|r| r == REQUIRE_NOTIFY) {
            return Err(setup_failure(format!(
                "--require {REQUIRE_NOTIFY}: denials cannot be reported by name here: {why}"
            )));
        }
    }
    let builtin = jailwright_profile::catalogue::get(&a.profile);
    // The profile and its policy: derived now for a file (to check and compile it), and for a
    // built-in only when something needs them (a denial to answer or explain).
    let loaded: Arc<OnceLock<(Profile, Policy)>> = Arc::new(OnceLock::new());
    let precompiled = match (builtin, &notify) {
        (Some(_), Ok(())) => prebuilt::get(&a.profile, host),
        _ => None,
    };
    let program = match precompiled {
        Some(p) => p,
        None => {
            let profile = load(&a.profile)?;
            let policy = resolve(&profile, &Target::sandbox(host));
            // A built-in profile for the sandbox target is proved by the test suite on every
            // arch with and without the notify rewrite (see `CompileOptions::verify`);
            // anything else is checked here, before it is installed.
            let options = CompileOptions {
                rewrite_errno_to_notify: notify.is_ok(),
                verify: builtin.is_none(),
                stats: false,
                ..CompileOptions::default()
            };
            let compiled = compile(&policy, &options)
                .map_err(|e| Failure::usage(format!("{}: {e}", a.profile)))?;
            let _ = loaded.set((profile, policy));
            compiled.program
        }
    };
    // The plugin tier sees only what a plugin needs of /etc.
    let mut b = sandbox_builder(&a.sandbox, &a.command)?
        .etc_minimal(a.profile == "plugin")
        .seccomp(program);
    if notify.is_ok() {
        let cell = Arc::clone(&loaded);
        let name = a.profile.clone();
        b = b.on_notify(move |n| {
            // Answer with exactly what the profile says, so the plugin sees no difference.
            let (_, policy) = derived(&cell, &name, host);
            match policy.decide_raw(n.arch, n.nr as u32, &n.args).action {
                Action::Errno(e) => Response::Errno(i32::from(e)),
                // A call the profile allows that the filter still hands over: the plugin
                // installing a seccomp filter of its own (noted in the report).
                a if a.permits() => Response::Continue,
                _ => Response::Errno(1),
            }
        });
    }
    let mut outcome = match b.build().and_then(Sandbox::run) {
        Ok(o) => o,
        Err(e) => return Err(sandbox_failure(&e)),
    };
    // This process ends after printing: the sandbox's exiting init is left to its adopter.
    outcome.leave_init_to_exit();
    let blocked: Vec<Blocked> = outcome
        .report
        .denials
        .iter()
        .filter(|d| d.response != Response::Continue)
        .filter_map(|d| {
            let nr = d.nr as u32;
            let (profile, policy) = derived(&loaded, &a.profile, host);
            let arch = abi_of(policy, d.arch, nr)?;
            if d.out_of_range {
                return Some(out_of_range_denial(arch, d));
            }
            let x = explain_denial(&a.profile, profile, policy, arch, nr, &d.args);
            let mut calls_seen: Vec<String> = Vec::new();
            for args in &d.distinct_args {
                let call = call_text(arch, nr, args);
                if !calls_seen.contains(&call) {
                    calls_seen.push(call);
                }
            }
            Some(Blocked {
                arch,
                nr,
                line: x.line(),
                syscall: x.syscall,
                call: x.call,
                action: x.action.to_string(),
                denied_by: x.denied_by,
                fix: x.fix,
                count: d.count,
                calls_seen,
                more_args: d.more_args,
            })
        })
        .collect();
    let denial_reporting = match &notify {
        Ok(()) => "user-notification".to_string(),
        Err(why) => format!("unavailable: {why}; denied calls still fail, but are not reported"),
    };
    // The plugin's own filters: what they deny outranks a notification, so it is not seen.
    let installs: u64 = outcome
        .report
        .denials
        .iter()
        .filter(|d| d.response == Response::Continue)
        .map(|d| d.count)
        .sum();
    let mut notes = Vec::new();
    if installs > 0 {
        notes.push(format!(
            "the plugin installed a seccomp filter of its own ({installs} time(s)); calls that \
             filter denies are not seen, so they are missing from this report"
        ));
    }
    if !a.quiet {
        for l in outcome.layers() {
            match &l.state {
                LayerState::Partial(why) => {
                    eprintln!("jailwright: {} partially enforced: {why}", l.layer)
                }
                LayerState::Unavailable(why) => {
                    eprintln!("jailwright: {} unavailable: {why}", l.layer)
                }
                _ => {}
            }
        }
        if let Err(why) = &notify {
            eprintln!("jailwright: denial reports unavailable: {why}");
        }
        for w in &outcome.report.warnings {
            eprintln!("jailwright: warning: {w}");
        }
        for n in &notes {
            eprintln!("jailwright: note: {n}");
        }
        for b in &blocked {
            let times = if b.count > 1 {
                format!(" [{}x]", b.count)
            } else {
                String::new()
            };
            eprintln!("jailwright: {}{times}", b.line);
        }
        if let sandbox::Exit::ExecFailed { failure, errno } = outcome.report.exit {
            let what = match failure {
                sandbox::ExecFailure::NotFound => "not found in the sandbox",
                _ => "cannot be executed in the sandbox",
            };
            eprintln!(
                "jailwright: {}: {what} ({}); the sandbox sees the host's /usr, its /etc (under the plugin profile only what name lookup, time and certificates need) and your --ro-bind/--bind paths only",
                a.command[0],
                std::io::Error::from_raw_os_error(errno)
            );
        }
        if outcome.report.exit == sandbox::Exit::TimedOut {
            eprintln!("jailwright: timed out; the whole sandbox was killed");
        }
    }
    if let Some(file) = &report_file {
        let r = NativeReport {
            profile: &a.profile,
            command: &a.command,
            report: &outcome.report,
            blocked,
            denial_reporting,
            notes,
        };
        let _ = deliver(file, "--report", json(&r)?.as_bytes(), Fallback::Stderr);
    }
    let code = exit_status(outcome.exit_code());
    // The process exits next. Freeing the policy and the profile (thousands of small
    // allocations, on pages the sandbox shared copy-on-write) would only fault those pages
    // back in to update the allocator's lists.
    std::mem::forget(loaded);
    Ok(code)
}

/// The profile and policy of `name`, derived on first use (a built-in run from its precompiled
/// program derives them only when a denial needs answering or explaining).
fn derived<'a>(
    cell: &'a OnceLock<(Profile, Policy)>,
    name: &str,
    host: Arch,
) -> &'a (Profile, Policy) {
    cell.get_or_init(|| {
        let profile = jailwright_profile::catalogue::get(name)
            .map_or_else(|| Profile::new(Action::Errno(1)), |e| e.profile());
        let policy = resolve(&profile, &Target::sandbox(host));
        (profile, policy)
    })
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

fn exit_status(code: i32) -> u8 {
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
    let image = match &a.image {
        Some(i) => i.clone(),
        None => container::ensure_image(&backend, &container::ImageSpec::default())
            .map_err(|e| container_failure(&e))?,
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
    let report_file = a.report.as_deref().map(OutputFile::prepare).transpose()?;
    let outcome = container::run(&opts, &backend).map_err(|e| container_failure(&e))?;
    if let Some(file) = &report_file {
        let mut text = outcome.report.to_json_pretty();
        text.push('\n');
        let _ = deliver(file, "--report", text.as_bytes(), Fallback::Stderr);
    }
    Ok(exit_status(outcome.exit_code()))
}

fn container_failure(e: &container::ContainerError) -> Failure {
    let mut message = crate::error_chain(e);
    if let Some(d) = e.diagnosis() {
        if !message.contains(&d.to_string()) {
            let _ = write!(message, "\n{d}");
        }
    }
    Failure {
        code: e.exit_code(),
        message,
    }
}

/// The filter `record` runs under: every call of every ABI of `host` goes to the supervisor,
/// which lets it through and counts it, except the few calls the sandbox makes itself after
/// the filter is installed.
fn recording_profile(host: Arch) -> Profile {
    let mut p = Profile::new(Action::Notify);
    let mut arches = vec![host];
    arches.extend_from_slice(host.default_sub_arches());
    p.architectures = Some(arches);
    p.rules_mut()
        .push(SyscallRule::new(SANDBOX_NEEDS, Action::Allow));
    p
}

type Seen = BTreeMap<(u32, i32), (u64, Vec<[u64; 6]>)>;

/// The [`Seen`] key of the calls whose numbers are no system call of their ABI.
const NOT_A_SYSCALL: i32 = i32::MIN;

/// `jailwright record`.
pub fn record(
    output: Option<&Path>,
    base: Option<&str>,
    arch: Option<&str>,
    s: &SandboxArgs,
    command: &[String],
) -> Result<u8, Failure> {
    let host = Arch::host();
    if let Some(a) = arch {
        let a: Arch = a.parse()?;
        if a != host {
            return Err(Failure::usage(format!(
                "--arch {a}: record runs the command on this machine, which is {host}; record on a {a} machine (calls through {host}'s compat ABIs are recorded per ABI anyway)"
            )));
        }
    }
    let base_profile = base.map(load).transpose()?;
    // Resolved before the command runs: it may write where the profile goes.
    let output_file = output.map(OutputFile::prepare).transpose()?;
    user_notif_available()
        .map_err(|why| setup_failure(format!("record needs seccomp user notification: {why}")))?;
    let rec = recording_profile(host);
    let policy = resolve(&rec, &Target::sandbox(host));
    let compiled = compile(&policy, &CompileOptions::default())
        .map_err(|e| setup_failure(format!("cannot build the recording filter: {e}")))?;
    let seen: Arc<Mutex<Seen>> = Arc::new(Mutex::new(BTreeMap::new()));
    let sink = Arc::clone(&seen);
    // With a base, calls the base denies are answered as the base answers them (so the
    // command takes the path it will take under the recorded profile: clone3 -> ENOSYS makes
    // libc fall back to clone); a base that kills gets EPERM, the recorded default.
    let base_policy = base_profile
        .as_ref()
        .map(|p| resolve(p, &Target::sandbox(host)));
    // Only numbers that are system calls of an ABI of the filter get an entry of their own
    // (at most 64 argument vectors each): a plugin calling every number there is must not
    // grow the recorder's memory without bound. The rest are one count per ABI.
    let syscalls: std::collections::HashSet<(u32, i32)> = policy
        .arches
        .iter()
        .filter_map(|ap| jailwright_profile::tables::table(ap.arch))
        .flat_map(|t| {
            t.iter()
                .map(move |(_, nr)| (t.arch().audit_arch(), nr as i32))
        })
        .collect();
    let b = sandbox_builder(s, command)?
        .seccomp(compiled.program)
        .on_notify(move |n| {
            if let Ok(mut m) = sink.lock() {
                let key = if syscalls.contains(&(n.arch, n.nr)) {
                    (n.arch, n.nr)
                } else {
                    (n.arch, NOT_A_SYSCALL)
                };
                let e = m.entry(key).or_default();
                e.0 += 1;
                if key.1 != NOT_A_SYSCALL && e.1.len() < 64 && !e.1.contains(&n.args) {
                    e.1.push(n.args);
                }
            }
            match base_policy
                .as_ref()
                .map(|p| p.decide_raw(n.arch, n.nr as u32, &n.args).action)
            {
                Some(Action::Errno(e)) => Response::Errno(i32::from(e)),
                Some(a) if !a.permits() => Response::Errno(1),
                _ => Response::Continue,
            }
        });
    let started = std::time::Instant::now();
    let mut outcome = b
        .build()
        .and_then(Sandbox::run)
        .map_err(|e| sandbox_failure(&e))?;
    outcome.leave_init_to_exit();
    let elapsed = started.elapsed();
    let seen = seen.lock().map(|m| m.clone()).unwrap_or_default();
    let mut observed: Vec<(Observation, u64)> = Vec::new();
    let mut not_syscalls = 0u64;
    for ((token, nr), (count, argsets)) in &seen {
        if *nr == NOT_A_SYSCALL {
            not_syscalls += count;
            continue;
        }
        let nr = *nr as u32;
        let Some(arch) = abi_of(&policy, *token, nr) else {
            continue;
        };
        // Spread the count over the distinct argument vectors (the first carries the rest).
        for (i, args) in argsets.iter().enumerate() {
            let n = if i == 0 {
                count - (argsets.len() as u64 - 1)
            } else {
                1
            };
            observed.push((
                Observation {
                    arch,
                    nr,
                    args: *args,
                },
                n,
            ));
        }
    }
    // The sandbox's own calls after the filter: allowed, never observed.
    let table = jailwright_profile::tables::table(host);
    for name in SANDBOX_NEEDS {
        if let Some(nr) = table.and_then(|t| t.lookup(name)) {
            if !observed.iter().any(|(o, _)| o.arch == host && o.nr == nr) {
                observed.push((
                    Observation {
                        arch: host,
                        nr,
                        args: [0; 6],
                    },
                    0,
                ));
            }
        }
    }
    let recording = record::build(&observed, host, base.zip(base_profile.as_ref()));
    let text = recording.profile.to_json_pretty();
    let written = match &output_file {
        Some(file) => deliver(file, "-o", text.as_bytes(), Fallback::Stdout),
        None => {
            emit(None, text.as_bytes())?;
            false
        }
    };
    let mut t = Table::new(["ABI", "SYSCALL", "CALLS", "RULE"]);
    let mut calls = 0u64;
    let mut blocked = Vec::new();
    for sn in &recording.seen {
        calls += sn.count;
        let count = if sn.count == 0 && SANDBOX_NEEDS.contains(&sn.syscall.as_str()) {
            "-".to_string()
        } else {
            sn.count.to_string()
        };
        t.row([
            sn.arch.to_string(),
            sn.syscall.clone(),
            count,
            sn.rule.clone(),
        ]);
        if sn.blocked_by_base {
            blocked.push(format!("{} ({})", sn.syscall, sn.arch));
        }
    }
    let mut summary = t.render();
    let _ = writeln!(
        summary,
        "recorded {} syscalls, {calls} calls, in {:.1} ms; the command exited with {}",
        recording.seen.len(),
        elapsed.as_secs_f64() * 1e3,
        outcome.exit_code()
    );
    let _ = writeln!(
        summary,
        "{} are allowed without being observed: the sandbox itself calls them after installing the filter",
        SANDBOX_NEEDS.join(", ")
    );
    if not_syscalls > 0 {
        let _ = writeln!(
            summary,
            "{not_syscalls} call(s) with numbers that are no system call of their ABI: not in the \
             profile"
        );
    }
    if let Some(b) = base {
        if blocked.is_empty() {
            let _ = writeln!(summary, "the base {b} allows every call seen");
        } else {
            let _ = writeln!(
                summary,
                "left out because the base {b} denies them: {}",
                blocked.join(", ")
            );
        }
    }
    // What the command did may include what no plugin should be allowed: say so, with the
    // linter's words, rather than write it into an always-allow profile without a word.
    let lint_opts = jailwright_profile::lint::LintOptions {
        arches: vec![host],
        caps: jailwright_profile::CapSet::empty(),
        ..Default::default()
    };
    let dangerous: Vec<jailwright_profile::lint::Finding> =
        jailwright_profile::lint::lint(&recording.profile, &lint_opts)
            .into_iter()
            .filter(|f| f.slug.starts_with("dangerous-"))
            .collect();
    if !dangerous.is_empty() {
        let _ = writeln!(
            summary,
            "warning: the recorded profile allows {} dangerous call group(s); review before use \
             (jailwright lint shows all findings):",
            dangerous.len()
        );
        for f in &dangerous {
            let _ = writeln!(summary, "  {} {}: {} ({})", f.id, f.slug, f.message, f.why);
        }
    }
    if let (Some(path), true) = (output, written) {
        let _ = writeln!(summary, "wrote {}", path.display());
    }
    eprint!("{summary}");
    Ok(if outcome.report.exit.success() {
        0
    } else {
        exit_status(outcome.exit_code())
    })
}

fn backend_for(b: Backend) -> Option<container::Backend> {
    match b {
        Backend::Native => None,
        Backend::Docker => Some(container::Backend::docker_default()),
        Backend::Podman => Some(container::Backend::podman_default()),
    }
}

/// `jailwright doctor`.
pub fn doctor(
    backend: Backend,
    check_profile: Option<&str>,
    probe_runtime: bool,
    image: Option<&str>,
    output: Option<&Path>,
    format: Format,
) -> Result<u8, Failure> {
    if check_profile.is_some() && probe_runtime {
        return Err(Failure::usage(
            "--check-profile and --probe-runtime are separate checks; run one at a time",
        ));
    }
    // The container checks need an engine: docker unless podman was asked for.
    let engine = || backend_for(backend).unwrap_or_else(container::Backend::docker_default);
    if let Some(name) = check_profile {
        let p = load(name)?;
        let b = engine();
        let acc = container::check_profile(&p, image, &b).map_err(|e| container_failure(&e))?;
        if format == Format::Json {
            emit(None, json(&acc)?.as_bytes())?;
        } else {
            let mut s = String::new();
            if acc.accepted {
                let _ = writeln!(
                    s,
                    "OK    {} accepts {name}: a container started with it (image {}, /bin/true exited {})",
                    b.name(),
                    acc.image,
                    acc.exit_code.unwrap_or(-1)
                );
            } else {
                let _ = writeln!(s, "FAIL  {} refuses {name} (image {})", b.name(), acc.image);
                if let Some(d) = &acc.diagnosis {
                    let _ = writeln!(s, "{}", d.clone().with_profile_name(name));
                }
            }
            emit(None, s.as_bytes())?;
        }
        return Ok(if acc.accepted { 0 } else { EXIT_FINDINGS });
    }
    if probe_runtime {
        let b = engine();
        let r = container::probe_runtime(&b, image).map_err(|e| container_failure(&e))?;
        if let Some(path) = output {
            write_atomic(path, r.patch_profile.to_json_pretty().as_bytes())?;
        }
        if format == Format::Json {
            emit(None, json(&r)?.as_bytes())?;
        } else {
            emit(None, probe_text(&r, output).as_bytes())?;
        }
        return Ok(0);
    }
    let checks = container::doctor(&container::DoctorOptions {
        backend: backend_for(backend),
        landlock_abi: Some(sandbox::landlock_abi()),
    });
    if format == Format::Json {
        emit(None, json(&checks)?.as_bytes())?;
    } else {
        let mut t = Table::new(["", "CHECK", "FOUND"]);
        for c in &checks {
            let status = match c.status {
                container::CheckStatus::Ok => "OK",
                container::CheckStatus::Warn => "WARN",
                container::CheckStatus::Fail => "FAIL",
            };
            let mut found = c.detail.clone();
            if !c.advice.is_empty() {
                let _ = write!(found, "\n{:>w$}-> {}", "", c.advice, w = 0);
            }
            let mut lines = found.lines();
            t.row([
                status.to_string(),
                c.name.clone(),
                lines.next().unwrap_or("").to_string(),
            ]);
            for l in lines {
                t.row([String::new(), String::new(), l.to_string()]);
            }
        }
        emit(None, t.render().as_bytes())?;
    }
    let failed = checks
        .iter()
        .any(|c| c.status == container::CheckStatus::Fail);
    Ok(if failed { EXIT_FINDINGS } else { 0 })
}

fn probe_text(r: &container::ProbeResult, output: Option<&Path>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "runtime {} {}: {} containers in {:.1} s",
        r.runtime.0,
        r.runtime.1,
        r.containers,
        r.elapsed_ms / 1e3
    );
    for m in &r.modes {
        let _ = writeln!(
            s,
            "\nno-new-privileges {}: needs {}",
            if m.no_new_privileges { "on" } else { "off" },
            if m.needed.is_empty() {
                "nothing beyond the assumed set".to_string()
            } else {
                m.needed.join(", ")
            }
        );
        for alt in &m.alternatives {
            let _ = writeln!(s, "  one of: {}", alt.join(" | "));
        }
        for (sc, msg) in &m.messages {
            let _ = writeln!(s, "  without {sc}: {msg}");
        }
    }
    if !r.assumed.is_empty() {
        let _ = writeln!(s, "\nassumed needed, not probed: {}", r.assumed.join(", "));
    }
    if r.compared_with_table.is_empty() {
        let _ = writeln!(s, "\nthe built-in runtime table agrees");
    } else {
        let _ = writeln!(s, "\ndifferences from the built-in runtime table:");
        for (sc, what) in &r.compared_with_table {
            let _ = writeln!(s, "  {sc}: {what}");
        }
    }
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    match output {
        Some(p) => {
            let _ = writeln!(s, "wrote the patch profile to {}", p.display());
        }
        None => {
            let _ = writeln!(
                s,
                "patch: jailwright patch PROFILE {} -o fixed.json",
                r.needed
                    .iter()
                    .map(|n| format!("--allow {n}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    s
}

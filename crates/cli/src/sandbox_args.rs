//! The sandbox options of `run` and `record`: their definition (part of the command line,
//! see `args.rs`) and their translation into a sandbox configuration (sizes, users, variables
//! and durations parsed with errors that name the option) and what the caller requires.

use std::ffi::OsString;
use std::time::Duration;

use clap::{Args, ValueEnum};
use jailwright_runner::Requirements;
use jailwright_sandbox::{self as sandbox, Layer, Network, Sandbox};

use crate::Failure;

/// Network access.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkArg {
    /// Only a loopback interface.
    None,
    /// The host's network.
    Host,
}

/// Options shared by `run` and `record`.
#[derive(Args, Debug, Clone)]
pub struct SandboxArgs {
    /// Bind a host path read-only, SRC[:DST].
    #[arg(long, value_name = "SRC[:DST]")]
    pub ro_bind: Vec<String>,
    /// Bind a host path writable, SRC[:DST].
    #[arg(long, value_name = "SRC[:DST]")]
    pub bind: Vec<String>,
    /// Mount an empty tmpfs here.
    #[arg(long, value_name = "DST")]
    pub tmpfs: Vec<String>,
    /// Network access.
    #[arg(long, value_enum, default_value_t = NetworkArg::None)]
    pub network: NetworkArg,
    /// Pass an environment variable, KEY=VAL, or KEY to copy it from this environment.
    #[arg(long, value_name = "KEY[=VAL]")]
    pub env: Vec<String>,
    /// Working directory inside the sandbox.
    #[arg(long)]
    pub cwd: Option<String>,
    /// UID[:GID] inside the sandbox (default 65534:65534).
    #[arg(long, value_name = "UID[:GID]")]
    pub user: Option<String>,
    /// Memory limit in bytes (suffixes k, m, g).
    #[arg(long)]
    pub memory: Option<String>,
    /// Size of /tmp and of each --tmpfs (suffixes k, m, g); default: --memory when given,
    /// else 512m. Files there are memory a plugin could otherwise take without limit.
    #[arg(long, value_name = "SIZE")]
    pub tmp_size: Option<String>,
    /// Size of /dev/shm (suffixes k, m, g); default 64m, as Docker's.
    #[arg(long, value_name = "SIZE")]
    pub shm_size: Option<String>,
    /// Maximum number of processes.
    #[arg(long)]
    pub pids: Option<u64>,
    /// CPU time limit in seconds.
    #[arg(long)]
    pub cpu_time: Option<u64>,
    /// Wall-clock limit in seconds; the whole tree is killed (exit 124).
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Fail (exit 125) instead of running without this (repeatable): userns, mountns, pidns,
    /// netns, ipcns, utsns, cgroupns, filesystem, identity, rlimits, cgroup, landlock,
    /// terminal, seccomp (the report's layer names work too), notify (denials reported by
    /// name through seccomp user notification), or no-extra-groups (the plugin keeps none of
    /// the caller's supplementary groups, which an unprivileged caller cannot drop).
    #[arg(long, value_name = "LAYER")]
    pub require: Vec<String>,
    /// Give the sandbox /dev/tty.
    #[arg(long)]
    pub tty: bool,
}

/// `--require notify`: denials must be reported by name (seccomp user notification).
const REQUIRE_NOTIFY: &str = "notify";
/// `--require no-extra-groups`: the plugin must not keep the caller's supplementary groups.
const REQUIRE_NO_EXTRA_GROUPS: &str = "no-extra-groups";

/// A size option's value (`option` is the flag, for the error).
pub(crate) fn parse_size(option: &str, s: &str) -> Result<u64, Failure> {
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

pub(crate) fn parse_user(s: &str) -> Result<(u32, u32), Failure> {
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

pub(crate) fn parse_env(spec: &str) -> Result<(String, String), Failure> {
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

pub(crate) fn parse_timeout(t: f64) -> Result<Duration, Failure> {
    if t.is_finite() && t > 0.0 && t < 1e9 {
        Ok(Duration::from_secs_f64(t))
    } else {
        Err(Failure::usage(format!(
            "--timeout expects a positive number of seconds, got {t}"
        )))
    }
}

/// The sandbox options, applied to a builder, and what the caller requires of the run.
pub(crate) fn sandbox_builder(
    s: &SandboxArgs,
    command: &[String],
) -> Result<(sandbox::SandboxBuilder, Requirements), Failure> {
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
    let mut req = Requirements::default();
    for r in &s.require {
        match r.as_str() {
            REQUIRE_NOTIFY => req.notify = true,
            REQUIRE_NO_EXTRA_GROUPS => req.no_extra_groups = true,
            _ => {
                let layer: Layer = r.parse().map_err(|e: String| {
                    Failure::usage(format!(
                        "--require: {e}, or {REQUIRE_NOTIFY}, or {REQUIRE_NO_EXTRA_GROUPS}"
                    ))
                })?;
                b = b.require(layer);
            }
        }
    }
    Ok((b.dev_tty(s.tty), req))
}

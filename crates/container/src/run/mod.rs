//! Running one command in a hardened container.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, HostConfig, ResourcesUlimits};
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, KillContainerOptions, RemoveContainerOptions,
    WaitContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use jailwright_profile::ops::{patch, Patch};
use jailwright_profile::{resolve, tables, CapSet, KernelVersion, Profile, Runtime, Target};
use serde::Serialize;

use crate::backend::{api_message, block_on, timed, Backend, DaemonInfo};
use crate::classify::{classify_for, runtime_init_line, Diagnosis, RejectKind};
use crate::error::ContainerError;
use crate::report::{
    layers, mib, Applied, Document, LayerState, Namespaces, Phase, RunReport, Timings,
    DENIAL_REPORTING,
};
use jailwright_report::Exit;

mod attempt;

use self::attempt::{Attempt, Clock, Ctx, Seccomp, Started};

/// The network a container gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Network mode `none`: loopback only. Always, unless `Host` is asked for.
    #[default]
    None,
    /// The host's network (only when explicitly requested).
    Host,
}

/// What to do when the runtime refuses to start the container because of the profile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnReject {
    /// Fail with the diagnosis (the CLI exits 125).
    #[default]
    Fail,
    /// Retry once with the profile plus exactly the syscalls the runtime needs; report them.
    Compat,
    /// Retry once without seccomp, with a loud warning. Only when asked for by name.
    Unconfined,
}

/// Where the command's output goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// Streamed to this process's stdout and stderr as it comes.
    #[default]
    Inherit,
    /// Collected into [`RunOutcome::stdout`] and [`RunOutcome::stderr`].
    Capture,
}

/// A host path mounted into the container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    /// Absolute host path.
    pub source: PathBuf,
    /// Absolute path in the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// cgroup limits. `None` leaves the daemon's default (no limit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Maximum number of processes (pids cgroup).
    pub pids: Option<i64>,
    /// Memory limit in bytes; swap is limited to the same (no swap).
    pub memory: Option<i64>,
    /// CPUs (1.5 = one and a half).
    pub cpus: Option<f64>,
    /// RLIMIT_NOFILE soft and hard (Podman needs it under 20000 on this host).
    pub nofile: Option<i64>,
    /// RLIMIT_NPROC soft and hard.
    pub nproc: Option<i64>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            pids: Some(256),
            memory: Some(512 << 20),
            cpus: Some(1.0),
            nofile: Some(1024),
            nproc: Some(1024),
        }
    }
}

/// Everything about one container run.
#[derive(Clone, Debug)]
pub struct ContainerRun {
    /// The image reference (never pulled).
    pub image: String,
    /// The command and its arguments.
    pub command: Vec<String>,
    /// The seccomp profile to send.
    pub profile: Profile,
    /// The profile's name, for reports and fixes (`plugin`, `./my.json`).
    pub profile_name: String,
    /// Environment variables (the image's own apply otherwise).
    pub env: Vec<(String, String)>,
    /// Working directory in the container.
    pub cwd: Option<String>,
    /// `UID:GID` (default `65534:65534`).
    pub user: String,
    /// Read-only root filesystem (default on).
    pub read_only_root: bool,
    /// Size of the private tmpfs on /tmp in bytes (default 64 MiB); None: no tmpfs.
    pub tmpfs_tmp: Option<u64>,
    /// Network (default none).
    pub network: Network,
    /// `no-new-privileges` (default on). With it on, runc loads the filter right before
    /// `execve`; with it off, before it drops capabilities, so it needs more syscalls.
    pub no_new_privileges: bool,
    /// cgroup and rlimit limits.
    pub limits: Limits,
    /// Bind mounts.
    pub binds: Vec<Bind>,
    /// Stop and remove the container after this long (exit 124).
    pub timeout: Option<Duration>,
    /// What to do when the runtime refuses the profile.
    pub on_reject: OnReject,
    /// Where output goes.
    pub output: Output,
    /// An OCI runtime to ask the daemon for by name (`crun`); None: the daemon's default.
    pub runtime: Option<String>,
    /// Run the daemon's init (tini / catatonit) as pid 1 to reap zombies and forward signals.
    pub init: bool,
    /// Print nothing of jailwright's own except the unconfined warning.
    pub quiet: bool,
    /// Extra container labels (every container also gets `org.jailwright.run=1`).
    pub labels: Vec<(String, String)>,
    /// How long the start call may take. A runtime whose own init is denied a syscall it
    /// needs (the Go runtime's futex, for one) can hang instead of failing; after this long
    /// jailwright kills the stuck init (found through `/proc/*/cgroup`, local daemons only),
    /// removes the container and reports [`RejectKind::Hang`].
    pub start_timeout: Duration,
}

impl ContainerRun {
    /// A run with jailwright's defaults: user 65534:65534, read-only root, 64 MiB tmpfs
    /// /tmp, network none, cap-drop ALL, no-new-privileges, pids 256, memory 512 MiB, 1 CPU,
    /// `on_reject: Fail`.
    pub fn new(image: impl Into<String>, command: Vec<String>, profile: Profile) -> ContainerRun {
        ContainerRun {
            image: image.into(),
            command,
            profile,
            profile_name: "PROFILE".into(),
            env: Vec::new(),
            cwd: None,
            user: "65534:65534".into(),
            read_only_root: true,
            tmpfs_tmp: Some(64 << 20),
            network: Network::None,
            no_new_privileges: true,
            limits: Limits::default(),
            binds: Vec::new(),
            timeout: None,
            on_reject: OnReject::Fail,
            output: Output::Inherit,
            runtime: None,
            init: false,
            quiet: false,
            labels: Vec::new(),
            start_timeout: Duration::from_secs(60),
        }
    }

    fn validate(&self) -> Result<(), ContainerError> {
        let bad = |m: String| Err(ContainerError::InvalidOptions(m));
        if self.command.is_empty() || self.command[0].is_empty() {
            return bad("no command given; pass the command after `--`".into());
        }
        if self.image.is_empty() {
            return bad("no image given; pass `--image IMAGE`".into());
        }
        for b in &self.binds {
            if !b.source.is_absolute() || !b.target.starts_with('/') {
                return bad(format!(
                    "bind {} -> {} must use absolute paths",
                    b.source.display(),
                    b.target
                ));
            }
            if b.target.contains(':') || b.source.to_string_lossy().contains(':') {
                return bad(format!("bind paths may not contain `:` ({})", b.target));
            }
        }
        for (k, _) in &self.env {
            if k.is_empty() || k.contains('=') {
                return bad(format!("invalid environment variable name `{k}`"));
            }
        }
        if let Some(c) = self.limits.cpus {
            if !(c > 0.0 && c < 1e6) {
                return bad(format!("cpus must be positive, got {c}"));
            }
        }
        if self.user.is_empty() {
            return bad("user must be `UID[:GID]`".into());
        }
        Ok(())
    }
}

/// The result of a run that started (whatever the command's exit status).
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The report (the type every backend shares).
    pub report: RunReport,
    /// The profile as the user named it.
    pub profile: String,
    /// The command and its arguments.
    pub command: Vec<String>,
    /// Captured stdout ([`Output::Capture`] only).
    pub stdout: Vec<u8>,
    /// Captured stderr ([`Output::Capture`] only).
    pub stderr: Vec<u8>,
    /// The kernel's OOM killer ended the container.
    pub oom_killed: bool,
    /// The refusal that led to a compat or unconfined retry.
    pub rejection: Option<Diagnosis>,
    /// The container's name (already removed).
    pub container_name: String,
}

impl RunOutcome {
    /// The exit status to pass on.
    pub fn exit_code(&self) -> i32 {
        self.report.exit_code
    }

    /// The JSON of `run --report`: the same shape as the native backend's, with no denials
    /// (container runtimes do not expose them) and `denial_reporting` saying so.
    pub fn to_json_pretty(&self) -> String {
        let doc = Document::<serde_json::Value> {
            profile: &self.profile,
            command: &self.command,
            report: &self.report,
            blocked: &[],
            denial_reporting: DENIAL_REPORTING.into(),
            notes: &[],
        };
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }
}

/// The syscalls to add for a compat retry: the diagnosis's, plus what the runtime-needs table
/// (`lint::missing_runtime_needs`) says this runtime calls itself with this
/// no-new-privileges setting, each only when the profile denies it on the daemon's arch.
pub fn compat_additions(
    profile: &Profile,
    target: &Target,
    diagnosis: &Diagnosis,
    no_new_privileges: bool,
) -> Vec<String> {
    let policy = resolve(profile, target);
    let table = tables::table(target.arch);
    let denied = |name: &str| -> bool {
        match table.and_then(|t| t.lookup(name)) {
            Some(nr) => !policy.decide(target.arch, nr, &[0; 6]).action.permits(),
            None => false,
        }
    };
    let needs =
        jailwright_profile::lint::missing_runtime_needs(&policy, target.runtime, no_new_privileges);
    diagnosis
        .missing_syscalls
        .iter()
        .copied()
        .chain(needs.into_iter().flat_map(|(_, names)| names))
        .filter(|n| denied(n))
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn target_for(info: &DaemonInfo, opts: &ContainerRun) -> Result<Target, ContainerError> {
    let arch = info
        .arch
        .ok_or_else(|| ContainerError::UnknownArch(info.arch_raw.clone()))?;
    let runtime = match &opts.runtime {
        Some(name) if *name != info.default_runtime => crate::backend::runtime_from(name, None),
        _ => info.runtime(),
    };
    Ok(Target {
        arch,
        caps: CapSet::empty(),
        kernel: KernelVersion::parse(&info.kernel)
            .unwrap_or(jailwright_profile::policy::DEFAULT_KERNEL),
        runtime,
        libseccomp: None,
        engine: None,
    })
}

fn seccomp_detail(
    profile: &Profile,
    name: &str,
    target: &Target,
    backend: &Backend,
) -> (String, Vec<String>, bool) {
    let policy = resolve(profile, target);
    let arches: Vec<String> = policy.arches.iter().map(|a| a.arch.to_string()).collect();
    let allowed = policy
        .arch(target.arch)
        .map(|a| {
            a.syscalls
                .values()
                .filter(|s| s.rules.iter().any(|r| r.action.permits()))
                .count()
        })
        .unwrap_or(0);
    let mut warnings = Vec::new();
    let covers = profile
        .arch_map
        .as_ref()
        .filter(|m| !m.is_empty())
        .is_none_or(|m| m.iter().any(|e| e.architecture == target.arch));
    if !covers {
        warnings.push(format!(
            "profile {name} has no archMap entry for the daemon's architecture {}; the filter covers the native ABI only",
            target.arch
        ));
    }
    for n in &policy.notes {
        warnings.push(format!("profile {name}: {}", n.message));
    }
    let how = match backend {
        Backend::Docker { .. } => "sent to dockerd as JSON",
        Backend::Podman { .. } => {
            "sent to podman as a file (its compat API reads seccomp= as a path)"
        }
    };
    (
        format!(
            "profile {name} resolved for {} on {} ({}): {allowed} syscalls allowed on {}, default {}; {how}",
            target.arch,
            target.runtime,
            arches.join(", "),
            target.arch,
            policy.default
        ),
        warnings,
        covers,
    )
}

/// How the seccomp layer reads in the report: its state and what was sent.
type SeccompLayer = (LayerState, String);

/// What a refused first attempt turns into: the second attempt's seccomp and how the layer
/// then reads.
struct Retry {
    seccomp: Seccomp,
    layer: SeccompLayer,
    compat_added: Vec<String>,
}

/// The retry `opts.on_reject` asks for after the runtime refused the profile (`d`), or the
/// error that ends the run.
fn retry_after(
    opts: &ContainerRun,
    target: &Target,
    detail: &str,
    d: &Diagnosis,
    warnings: &mut Vec<String>,
) -> Result<Retry, ContainerError> {
    let rejected = |d: &Diagnosis| ContainerError::Rejected {
        diagnosis: Box::new(d.clone()),
    };
    if !d.kind.is_seccomp() {
        return Err(rejected(d));
    }
    match opts.on_reject {
        OnReject::Fail => Err(rejected(d)),
        OnReject::Compat => {
            let add = compat_additions(&opts.profile, target, d, opts.no_new_privileges);
            if add.is_empty() {
                return Err(ContainerError::CompatNotApplicable {
                    diagnosis: Box::new(d.clone()),
                });
            }
            let mut p = opts.profile.clone();
            let allow = Patch {
                allow: add.clone(),
                ..Patch::default()
            };
            patch(&mut p, &allow).map_err(|e| {
                ContainerError::InvalidOptions(format!(
                    "cannot add {} to the profile: {e}",
                    add.join(", ")
                ))
            })?;
            let added = add.join(", ");
            let msg = format!(
                "jailwright: the runtime refused profile {} ({}); retrying once with {added} added (--on-reject compat)",
                opts.profile_name, d.message
            );
            if !opts.quiet {
                eprintln!("{msg}");
            }
            warnings.push(msg);
            Ok(Retry {
                seccomp: Seccomp::Profile(Box::new(p)),
                layer: (
                    LayerState::Partial(format!(
                        "{added} added by --on-reject compat (the runtime needs them)"
                    )),
                    format!("{detail}; plus {added}"),
                ),
                compat_added: add,
            })
        }
        OnReject::Unconfined => {
            let msg = format!(
                "jailwright: WARNING: running WITHOUT seccomp (--on-reject unconfined): the runtime refused profile {}: {}",
                opts.profile_name, d.message
            );
            eprintln!("{msg}");
            warnings.push(msg);
            let why = format!(
                "unconfined by request (--on-reject unconfined); the runtime refused profile {}: {}",
                opts.profile_name, d.cause
            );
            Ok(Retry {
                seccomp: Seccomp::Unconfined,
                layer: (LayerState::Disabled(why), String::new()),
                compat_added: Vec::new(),
            })
        }
    }
}

/// An attempt whose runtime init failed after the start call reads as a refusal.
fn settle(ctx: &Ctx<'_>, attempt: Attempt) -> Attempt {
    match attempt {
        Attempt::Started(s) => match s.init_failure.clone() {
            Some(line) => Attempt::Rejected(ctx.classify(&line)),
            None => Attempt::Started(s),
        },
        r => r,
    }
}

/// The run's phases as the report's timings.
fn timings(connect: Duration, clock: &Clock, total: Duration) -> Timings {
    let us = jailwright_report::micros;
    Timings {
        setup_us: us(connect + clock.create + clock.start),
        run_us: us(clock.run),
        total_us: us(total),
        phases: [
            ("connect", connect),
            ("create", clock.create),
            ("start", clock.start),
            ("run", clock.run),
            ("remove", clock.remove),
        ]
        .into_iter()
        .map(|(phase, d)| Phase { phase, us: us(d) })
        .collect(),
    }
}

/// Runs the command (async). See [`run`].
pub async fn run_async(
    opts: &ContainerRun,
    backend: &Backend,
) -> Result<RunOutcome, ContainerError> {
    opts.validate()?;
    let t0 = Instant::now();
    let (docker, info) = backend.info_async().await?;
    let connect = t0.elapsed();
    let target = target_for(&info, opts)?;
    let (detail, mut warnings, covers) =
        seccomp_detail(&opts.profile, &opts.profile_name, &target, backend);
    if opts.on_reject == OnReject::Unconfined {
        warnings.push("--on-reject unconfined is set: if the runtime refuses the profile, the command runs WITHOUT seccomp".into());
    }
    let mut ctx = Ctx {
        docker,
        backend,
        opts,
        clock: Clock::default(),
        runtime: target.runtime,
    };
    let mut seccomp_layer = (
        if covers {
            LayerState::Enforced
        } else {
            LayerState::Partial(format!(
                "the profile has no archMap entry for {}: the filter covers the native ABI only",
                target.arch
            ))
        },
        detail.clone(),
    );
    let mut compat_added = Vec::new();
    let mut rejection = None;
    let with_name = |d: Diagnosis| ContainerError::Rejected {
        diagnosis: Box::new(d.with_profile_name(&opts.profile_name)),
    };

    let (first, mut name) = ctx
        .attempt(&Seccomp::Profile(Box::new(opts.profile.clone())))
        .await?;
    let started = match settle(&ctx, first) {
        Attempt::Started(s) => s,
        Attempt::Rejected(d) => {
            let d = d.with_profile_name(&opts.profile_name);
            let retry = retry_after(opts, &target, &detail, &d, &mut warnings)?;
            rejection = Some(d);
            let (second, n2) = ctx.attempt(&retry.seccomp).await?;
            name = n2;
            seccomp_layer = retry.layer;
            compat_added = retry.compat_added;
            match settle(&ctx, second) {
                Attempt::Started(s) => s,
                Attempt::Rejected(d2) => return Err(with_name(d2)),
            }
        }
    };
    let Started {
        code,
        timed_out,
        oom_killed,
        stdout,
        stderr,
        warnings: daemon_warnings,
        namespaces,
        exec_failure,
        ..
    } = started;
    warnings.extend(daemon_warnings.iter().cloned());
    if oom_killed {
        warnings.push(format!(
            "the kernel's OOM killer ended the container (memory limit {})",
            opts.limits.memory.map_or("none".into(), mib)
        ));
    }
    if timed_out {
        warnings.push(format!(
            "timed out after {:.1} s; the container was killed and removed",
            opts.timeout.map_or(0.0, |t| t.as_secs_f64())
        ));
    }
    let exit = match exec_failure {
        Some((failure, errno)) => Exit::ExecFailed { failure, errno },
        None => Exit::from_status(code, timed_out),
    };
    let applied = Applied {
        opts,
        seccomp: seccomp_layer,
        daemon_warnings: &daemon_warnings,
        namespaces: namespaces.as_ref(),
        security_options: &info.security_options,
    };
    let resources = jailwright_report::Resources {
        oom_killed,
        ..Default::default()
    };
    let timings = timings(connect, &ctx.clock, t0.elapsed());
    let mut report = RunReport::new(backend.name(), exit, layers(&applied), timings, resources);
    report.warnings = warnings;
    report.attempts = ctx.clock.attempts;
    report.compat_added = compat_added;
    Ok(RunOutcome {
        report,
        profile: opts.profile_name.clone(),
        command: opts.command.clone(),
        stdout,
        stderr,
        oom_killed,
        rejection,
        container_name: name,
    })
}

/// Runs `opts.command` in a container on `backend` with every hardening layer, streams or
/// captures its output, removes the container whatever happens, and reports each layer.
///
/// The profile is resolved for the daemon's architecture and sent as JSON (Podman: as a
/// file). When the runtime refuses to start the container, `opts.on_reject` decides: an
/// error carrying the [`Diagnosis`] (default), one retry with exactly the syscalls the
/// runtime needs, or — only when asked for — one retry without seccomp and a loud warning.
///
/// Errors are setup failures (exit 125); a command that ran, timed out, was killed, or
/// could not be found gives `Ok` with its exit status in the report.
pub fn run(opts: &ContainerRun, backend: &Backend) -> Result<RunOutcome, ContainerError> {
    block_on(run_async(opts, backend))?
}

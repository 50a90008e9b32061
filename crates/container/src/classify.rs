//! Classifying a runtime's refusal to start a container.
//!
//! The input is the error text a daemon returns when `start` fails (Docker wraps the
//! runtime's message: `failed to create shim task: OCI runtime create failed: runc create
//! failed: unable to start container process: unable to apply bounding set: operation not
//! permitted: unknown`), or the first line the runtime's init writes to the container's
//! stderr when it fails after the start call returned (runc with `no-new-privileges` loads
//! the filter right before the exec, so `ensure /proc/self/fd is on procfs` and
//! `exec /bin/true: operation not permitted` arrive that way).
//!
//! A refusal caused by the profile (the runtime's own calls denied) is recognised from the
//! runtime-needs table in `jailwright_profile::runtime`: every need there carries the step of
//! the runtime's start that makes its calls, the message the runtime prints when one is
//! denied, how to recognise that message, and its source. The linter reads the same table, so
//! what `lint` says a profile blocks and what a refusal is diagnosed as cannot disagree. This
//! file knows only the other refusals (missing image, daemon down, unknown names, ...).

use jailwright_profile::runtime::{
    needs_for_message, versions_text, InitStep, NeedKind, RuntimeNeed, RUNTIME_NEEDS,
};
use jailwright_profile::Runtime;
use serde::Serialize;

/// What kind of refusal a message describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectKind {
    /// Closing the descriptors the container must not inherit failed (runc's check that
    /// `/proc/self/fd` is on procfs, or its fallback).
    ProcfsFdCheck,
    /// Dropping the capability bounding set failed.
    BoundingSet,
    /// Reading or setting capabilities failed.
    Caps,
    /// Setting supplementary groups failed.
    Setgroups,
    /// Switching to the container user failed.
    SetUser,
    /// Entering or checking the working directory failed.
    WorkingDir,
    /// The runtime's final exec of the command was refused with EPERM.
    ExecveEperm,
    /// Newer runc's hardened procfs access failed.
    UnsafeProcfs,
    /// Newer runc could not read a mount id.
    MountId,
    /// runc 1.2 and 1.3 could not set the configured personality.
    Personality,
    /// The runtime's init could not report to its parent or wait for the start (crun).
    InitSync,
    /// The runtime's init died on a signal it could not return from (rt_sigreturn denied).
    SignalReturn,
    /// The runtime's libseccomp does not know a syscall name in the profile.
    UnknownSyscallName,
    /// The command does not exist in the image (exit 127).
    CommandNotFound,
    /// The command exists but cannot be executed (exit 126).
    NotExecutable,
    /// The image is not present (and jailwright never pulls).
    ImageMissing,
    /// The daemon is not running or its socket does not exist.
    DaemonDown,
    /// The socket exists but this user may not connect to it.
    SocketPermission,
    /// The runtime cannot use this host's cgroup layout (crun and hybrid cgroups).
    CgroupLayout,
    /// A resource limit could not be set (rlimits above the hard limit).
    Rlimit,
    /// The runtime hung after loading the filter (a call its own Go runtime makes denied).
    Hang,
    /// Anything else.
    Other,
}

impl RejectKind {
    /// Whether the refusal comes from the seccomp profile (so `--on-reject compat` can help).
    pub fn is_seccomp(self) -> bool {
        matches!(
            self,
            RejectKind::ProcfsFdCheck
                | RejectKind::BoundingSet
                | RejectKind::Caps
                | RejectKind::Setgroups
                | RejectKind::SetUser
                | RejectKind::WorkingDir
                | RejectKind::ExecveEperm
                | RejectKind::UnsafeProcfs
                | RejectKind::MountId
                | RejectKind::Personality
                | RejectKind::InitSync
                | RejectKind::SignalReturn
        )
    }
}

/// A classified refusal: what happened, why, and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The kind.
    pub kind: RejectKind,
    /// The cause in one sentence.
    pub cause: String,
    /// The exact fix. `PROFILE` stands for the profile's name until
    /// [`Diagnosis::with_profile_name`] fills it in.
    pub fix: String,
    /// The syscalls the runtime needs that the profile denies (empty when not seccomp).
    pub missing_syscalls: Vec<&'static str>,
    /// The runtime's message, trimmed of the daemon's wrapping.
    pub message: String,
}

impl Diagnosis {
    /// The same diagnosis with `PROFILE` in the fix replaced by `name`.
    pub fn with_profile_name(mut self, name: &str) -> Diagnosis {
        self.fix = self.fix.replace("PROFILE", name);
        self
    }
}

impl std::fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; fix: {}", self.cause, self.fix)
    }
}

fn seccomp_fix(names: &[&str]) -> String {
    let allows: String = names.iter().map(|n| format!(" --allow {n}")).collect();
    format!(
        "allow {} in the profile: `jailwright patch PROFILE{allows} -o fixed.json` and run with \
         `--profile fixed.json`, or retry with `--on-reject compat` (adds exactly the syscalls the \
         runtime needs and reports them)",
        names.join(", ")
    )
}

/// The calls every step of `runtime`'s start makes (all runtimes' when it is not known).
fn core_needs(runtime: Option<Runtime>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for n in RUNTIME_NEEDS
        .iter()
        .filter(|n| n.step == InitStep::Core)
        .filter(|n| runtime.is_none_or(|r| r.kind == n.runtime))
    {
        for s in n.syscalls {
            if !out.contains(s) {
                out.push(s);
            }
        }
    }
    out
}

/// The kind of refusal a runtime step's failure is.
fn kind_of(step: InitStep) -> RejectKind {
    match step {
        InitStep::BoundingSet => RejectKind::BoundingSet,
        InitStep::Capabilities => RejectKind::Caps,
        InitStep::Groups => RejectKind::Setgroups,
        InitStep::User => RejectKind::SetUser,
        InitStep::WorkingDir => RejectKind::WorkingDir,
        InitStep::CloseExecFds => RejectKind::ProcfsFdCheck,
        InitStep::ProcfsOpen => RejectKind::UnsafeProcfs,
        InitStep::MountId => RejectKind::MountId,
        InitStep::Personality => RejectKind::Personality,
        InitStep::SyncParent | InitStep::StartWait => RejectKind::InitSync,
        InitStep::Exec => RejectKind::ExecveEperm,
        InitStep::SignalReturn => RejectKind::SignalReturn,
        // The runtime prints nothing of its own for these (the table has no signature).
        _ => RejectKind::Other,
    }
}

/// The cause: what the runtime does at that step (with the versions that do it), and what
/// the profile denies.
fn need_cause(needs: &[&RuntimeNeed], missing: &[&str]) -> String {
    let mut whys: Vec<(&str, Vec<String>)> = Vec::new();
    for n in needs {
        let versions = versions_text(n);
        match whys.iter_mut().find(|(w, _)| *w == n.why) {
            Some((_, v)) => v.push(versions),
            None => whys.push((n.why, vec![versions])),
        }
    }
    let steps: Vec<String> = whys
        .iter()
        .map(|(why, versions)| format!("the runtime ({}) {why}", versions.join(", ")))
        .collect();
    let denied = match (needs, missing) {
        ([n], [one]) if n.kind == NeedKind::All => (*one).to_string(),
        ([n], [first, ..]) if n.kind == NeedKind::AnyOf => {
            format!("{} (allowing {first} is enough)", missing.join(" and "))
        }
        _ => format!("at least one of {}", missing.join(", ")),
    };
    format!("{}, and the profile denies {denied}", steps.join("; "))
}

/// Strips Docker's wrapping (`failed to create shim task: OCI runtime create failed: runc
/// create failed: unable to start container process: ... : unknown`) down to the runtime's
/// own words, keeping the text when no wrapping is found.
fn core_message(message: &str) -> String {
    let mut m = message.trim();
    for prefix in [
        "Error response from daemon: ",
        "failed to create shim task: ",
        "failed to create task for container: ",
        "OCI runtime create failed: ",
        "OCI runtime start failed: ",
        "runc create failed: ",
        "crun create failed: ",
    ] {
        if let Some(rest) = m.strip_prefix(prefix) {
            m = rest;
        }
    }
    m.strip_suffix(": unknown").unwrap_or(m).to_string()
}

fn quoted_after<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    let start = message.find(marker)? + marker.len();
    let rest = &message[start..];
    let rest = rest.trim_start_matches(['"', '\'', ' ', '`']);
    let end = rest.find(['"', '\'', ' ', '`', ':']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

/// Classifies a runtime or daemon error message. Never fails: unknown messages are
/// [`RejectKind::Other`]. The runtime is not known, so a message several runtime versions
/// print names what every one of them needs; [`classify_for`] narrows that down.
pub fn classify(message: &str) -> Diagnosis {
    classify_for(message, None)
}

/// Classifies an error message of `runtime` (its version, when known, selects the needs that
/// apply). A refusal caused by the profile is recognised from the runtime-needs table
/// ([`jailwright_profile::runtime`]), the same one the linter checks profiles against, so
/// the two agree by construction.
pub fn classify_for(message: &str, runtime: Option<Runtime>) -> Diagnosis {
    let core = core_message(message);
    let needs = needs_for_message(message, runtime);
    if let Some(first) = needs.first() {
        let mut missing: Vec<&'static str> = Vec::new();
        for n in &needs {
            for s in n.syscalls {
                if !missing.contains(s) {
                    missing.push(s);
                }
            }
        }
        return Diagnosis {
            kind: kind_of(first.step),
            cause: need_cause(&needs, &missing),
            fix: seccomp_fix(&missing),
            missing_syscalls: missing,
            message: core,
        };
    }
    other_refusal(message, core, runtime)
}

/// A refusal the profile did not cause (or one the runtime says nothing about, a hang).
fn other_refusal(message: &str, core: String, runtime: Option<Runtime>) -> Diagnosis {
    let lower = message.to_ascii_lowercase();
    let d = |kind, cause: String, fix: String, missing: Vec<&'static str>| Diagnosis {
        kind,
        cause,
        fix,
        missing_syscalls: missing,
        message: core.clone(),
    };
    if lower.contains("the runtime hung") {
        return d(
            RejectKind::Hang,
            format!(
                "the runtime hung after loading the filter: the profile denies a syscall the runtime's own init needs to keep running (one of {})",
                core_needs(runtime).join(", ")
            ),
            "run `jailwright doctor --probe-runtime` to find it, or start from a tier that allows the basic process syscalls".into(),
            Vec::new(),
        );
    }
    if lower.contains("unknown syscall")
        || lower.contains("could not resolve syscall")
        || lower.contains("could not resolve name")
        || lower.contains("invalid syscall name")
        || lower.contains("unrecognized syscall")
    {
        let name = quoted_after(message, "syscall")
            .or_else(|| quoted_after(message, "name"))
            .unwrap_or("NAME")
            .to_string();
        return d(
            RejectKind::UnknownSyscallName,
            format!("the runtime's libseccomp does not know the syscall name `{name}` (a libseccomp older than the profile)"),
            format!("remove it: `jailwright patch PROFILE --deny {name} -o fixed.json`, or upgrade libseccomp and the runtime"),
            Vec::new(),
        );
    }
    if lower.contains("executable file not found")
        || (lower.contains("exec: \"") && lower.contains("no such file or directory"))
    {
        return d(
            RejectKind::CommandNotFound,
            "the command does not exist in the image".into(),
            "check the command's path inside the image (exit status 127)".into(),
            Vec::new(),
        );
    }
    if lower.contains("exec: \"") && lower.contains("permission denied") {
        return d(
            RejectKind::NotExecutable,
            "the command exists in the image but cannot be executed (not a regular executable file, or no execute permission)".into(),
            "point the command at an executable file (exit status 126)".into(),
            Vec::new(),
        );
    }
    if lower.contains("no such image")
        || lower.contains("image not known")
        || lower.contains("pull access denied")
        || lower.contains("repository does not exist")
        || lower.contains("unable to find image")
    {
        return d(
            RejectKind::ImageMissing,
            "the image is not present on the daemon (jailwright never pulls)".into(),
            "pull, build or import the image first (`docker pull IMAGE`, `docker import rootfs.tar IMAGE`), or pass another `--image`".into(),
            Vec::new(),
        );
    }
    if lower.contains("cgroups in hybrid mode not supported") {
        return d(
            RejectKind::CgroupLayout,
            "crun refuses this host's hybrid cgroup layout (cgroup v1 controllers plus a cgroup2 hierarchy with controllers)".into(),
            "bind the controllers of the cgroup2 hierarchy (its cgroup.controllers, e.g. hugetlb) to v1 hierarchies (`mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb`; `jailwright doctor` prints the commands), use runc (`--runtime runc`), or boot the host with a pure cgroup v2 layout (systemd.unified_cgroup_hierarchy=1)".into(),
            Vec::new(),
        );
    }
    if lower.contains("rlimit") {
        return d(
            RejectKind::Rlimit,
            "the runtime could not set a resource limit above this host's hard limit (no CAP_SYS_RESOURCE)".into(),
            "lower the container's ulimits (nofile and nproc 1024 work here)".into(),
            Vec::new(),
        );
    }
    if lower.contains("permission denied")
        && (lower.contains(".sock") || lower.contains("connect") || lower.contains("socket"))
    {
        return d(
            RejectKind::SocketPermission,
            "this user may not connect to the daemon's socket".into(),
            "run as a member of the socket's group (`docker` for Docker), use rootless Podman's socket, or run as root".into(),
            Vec::new(),
        );
    }
    if lower.contains("connection refused")
        || lower.contains("socket not found")
        || lower.contains("cannot connect to the docker daemon")
        || lower.contains("is the docker daemon running")
        || (lower.contains("no such file or directory") && lower.contains("sock"))
    {
        return d(
            RejectKind::DaemonDown,
            "the daemon is not running (nothing listens on its socket)".into(),
            "start it (`systemctl start docker`, or `podman system service --time=0 unix:///run/podman/podman.sock`) or point jailwright at its socket with DOCKER_HOST=unix://PATH (docker) or CONTAINER_HOST=unix://PATH (podman)".into(),
            Vec::new(),
        );
    }
    d(
        RejectKind::Other,
        "the runtime refused to start the container for a reason jailwright does not recognise".into(),
        "read the runtime's message above; `jailwright doctor --check-profile PROFILE` tells whether the profile is the cause".into(),
        Vec::new(),
    )
}

/// Whether `line` (a line of container stderr) is the runtime's init reporting a failure
/// after the start call returned, rather than output of the command.
pub(crate) fn runtime_init_line(line: &str, argv0: &str) -> bool {
    let l = line.trim();
    (l.starts_with("ensure /proc/") && l.contains("is on procfs"))
        || l.starts_with("error closing exec fds")
        || l.starts_with("unsafe procfs detected")
        || l.starts_with("could not get mount id")
        || (l == format!("exec {argv0}: operation not permitted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_lines_are_told_from_the_command_s_output() {
        assert!(runtime_init_line(
            "exec /bin/true: operation not permitted",
            "/bin/true"
        ));
        assert!(runtime_init_line(
            "ensure /proc/self/fd is on procfs: operation not permitted",
            "x"
        ));
        assert!(!runtime_init_line("hello", "x"));
    }
}

//! Classifying a runtime's refusal to start a container.
//!
//! The input is the error text a daemon returns when `start` fails (Docker wraps the
//! runtime's message: `failed to create shim task: OCI runtime create failed: runc create
//! failed: unable to start container process: unable to apply bounding set: operation not
//! permitted: unknown`), or the first line the runtime's init writes to the container's
//! stderr when it fails after the start call returned (runc with `no-new-privileges` loads
//! the filter right before `execve`, so `ensure /proc/self/fd is on procfs` and
//! `exec /bin/true: operation not permitted` arrive that way).
//!
//! Messages checked against real failures on Debian 12's runc 1.1.5 (Docker's default
//! profile minus one syscall, `no-new-privileges` off):
//!
//! | removed    | message                                                                  |
//! |------------|--------------------------------------------------------------------------|
//! | prctl      | `unable to apply bounding set: operation not permitted`                  |
//! | fstatfs    | `error closing exec fds: ensure /proc/self/fd is on procfs: operation not permitted` |
//! | capget     | `unable to start container process: operation not permitted` (ambiguous) |
//! | capset     | `unable to apply caps: operation not permitted`                          |
//! | setgroups  | `unable to setup user: setgroups: operation not permitted`               |
//! | execve     | `exec /bin/true: operation not permitted` (container stderr, exit 1)     |
//!
//! Newer runc (from its sources and issues #4984, #4963, #5059): `/proc/thread-self/fd` in the
//! fstatfs message (1.2 - 1.3.2), `unsafe procfs detected: openat2 ...` and `could not get
//! mount id` (1.2.8, 1.3.3, 1.4.0).

use serde::Serialize;

/// What kind of refusal a message describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectKind {
    /// runc's check that `/proc/self/fd` (or `/proc/thread-self/fd`) is on procfs failed:
    /// the profile denies `fstatfs`.
    ProcfsFdCheck,
    /// Dropping the capability bounding set failed: the profile denies `prctl`.
    BoundingSet,
    /// Reading or setting capabilities failed: the profile denies `capget` or `capset`.
    Caps,
    /// Setting supplementary groups failed: the profile denies `setgroups`.
    Setgroups,
    /// Switching to the container user failed: the profile denies `setuid` or `setgid`.
    SetUser,
    /// Entering or checking the working directory failed: `chdir` or `getcwd` denied.
    WorkingDir,
    /// The runtime's final `execve` of the command was refused with EPERM.
    ExecveEperm,
    /// Newer runc's hardened procfs access failed (`openat2`, `statx`, the new mount API).
    UnsafeProcfs,
    /// Newer runc could not read a mount id (`statx`).
    MountId,
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
    /// The runtime hung after loading the filter (its own Go runtime denied, e.g. futex).
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
/// [`RejectKind::Other`].
pub fn classify(message: &str) -> Diagnosis {
    let core = core_message(message);
    let lower = message.to_ascii_lowercase();
    let d = |kind, cause: String, fix: String, missing: Vec<&'static str>| Diagnosis {
        kind,
        cause,
        fix,
        missing_syscalls: missing,
        message: core.clone(),
    };
    let eperm = lower.contains("operation not permitted");

    if lower.contains("unsafe procfs detected") {
        let all: [&'static str; 6] = [
            "openat2",
            "statx",
            "fsopen",
            "fsconfig",
            "fsmount",
            "open_tree",
        ];
        let named: Vec<&'static str> = all
            .iter()
            .copied()
            .filter(|n| {
                lower.contains(&format!("{n} "))
                    || lower.contains(&format!("{n}:"))
                    || lower.ends_with(n)
            })
            .collect();
        let missing = if named.is_empty() {
            all.to_vec()
        } else {
            named
        };
        return d(
            RejectKind::UnsafeProcfs,
            format!(
                "the runtime (runc >= 1.2.8 / 1.3.3 / 1.4.0) opens /proc through openat2, statx and the new mount API while it starts the container, and the profile denies {}",
                missing.join(", ")
            ),
            seccomp_fix(&missing),
            missing,
        );
    }
    if lower.contains("could not get mount id") {
        let missing = vec!["statx"];
        return d(
            RejectKind::MountId,
            "the runtime (runc >= 1.2.8) checks mount ids with statx(STATX_MNT_ID) while it starts the container, and the profile denies statx".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    if lower.contains("is on procfs") || lower.contains("error closing exec fds") {
        let missing = vec!["fstatfs"];
        return d(
            RejectKind::ProcfsFdCheck,
            "the runtime checks with fstatfs that /proc/self/fd (runc 1.2+: /proc/thread-self/fd) is on procfs before closing inherited fds, and the profile denies fstatfs".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    if lower.contains("unable to apply bounding set") {
        let missing = vec!["prctl"];
        return d(
            RejectKind::BoundingSet,
            "the runtime drops the capability bounding set with prctl(PR_CAPBSET_DROP) after loading the filter, and the profile denies prctl".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    if lower.contains("unable to apply caps") {
        let missing = vec!["capset"];
        return d(
            RejectKind::Caps,
            "the runtime sets the container's capabilities with capset after loading the filter, and the profile denies capset".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    if lower.contains("unable to setup user") && lower.contains("setgroups") {
        let missing = vec!["setgroups"];
        return d(
            RejectKind::Setgroups,
            "the runtime sets supplementary groups with setgroups after loading the filter, and the profile denies setgroups".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    if lower.contains("unable to setup user: operation not permitted") {
        let missing = vec!["setuid", "setgid"];
        return d(
            RejectKind::SetUser,
            "the runtime switches to the container user with setuid/setgid after loading the filter, and the profile denies one of them".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    if eperm && lower.contains("chdir to cwd") {
        let missing = vec!["chdir"];
        return d(
            RejectKind::WorkingDir,
            "the runtime enters the working directory with chdir after loading the filter, and the profile denies chdir".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    if eperm && lower.contains("current working directory is safe") {
        let missing = vec!["getcwd"];
        return d(
            RejectKind::WorkingDir,
            "the runtime checks the working directory with getcwd after loading the filter, and the profile denies getcwd".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    // `exec: "/etc": permission denied` (EACCES) is 126 and `executable file not found` is
    // 127; EPERM on exec is the filter.
    let exec_eperm = eperm
        && (core.starts_with("exec ")
            || lower.contains("exec: \"")
            || lower.contains("unable to start container process: exec "));
    if exec_eperm {
        let missing = vec!["execve"];
        return d(
            RejectKind::ExecveEperm,
            "the runtime's final execve of the command was refused with EPERM: the profile denies execve (or execveat)".into(),
            seccomp_fix(&missing),
            missing,
        );
    }
    if lower.contains("unable to start container process: operation not permitted") {
        let missing = vec!["capget"];
        return d(
            RejectKind::Caps,
            "the runtime failed with a bare EPERM right after loading the filter; runc 1.1.5 reports a denied capget this way, but the message is ambiguous (any early EPERM looks the same)".into(),
            format!(
                "{}; if that does not help, run `jailwright doctor --probe-runtime` to find what this runtime needs",
                seccomp_fix(&missing)
            ),
            missing,
        );
    }
    if lower.contains("the runtime hung") {
        return d(
            RejectKind::Hang,
            "the runtime hung after loading the filter: the profile denies a syscall the runtime's own init needs to keep running (futex, nanosleep, epoll, ...)".into(),
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
            "use runc (`--runtime runc`), or boot the host with a pure cgroup v2 layout (systemd.unified_cgroup_hierarchy=1)".into(),
            Vec::new(),
        );
    }
    if lower.contains("setrlimit") || lower.contains("rlimit_") {
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
    fn runc_1_1_5_messages() {
        let wrap = |m: &str| {
            format!("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: {m}: unknown")
        };
        let cases = [
            ("unable to apply bounding set: operation not permitted", RejectKind::BoundingSet, "prctl"),
            ("error closing exec fds: ensure /proc/self/fd is on procfs: operation not permitted", RejectKind::ProcfsFdCheck, "fstatfs"),
            ("operation not permitted", RejectKind::Caps, "capget"),
            ("unable to apply caps: operation not permitted", RejectKind::Caps, "capset"),
            ("unable to setup user: setgroups: operation not permitted", RejectKind::Setgroups, "setgroups"),
        ];
        for (m, kind, sys) in cases {
            let d = classify(&wrap(m));
            assert_eq!(d.kind, kind, "{m}");
            assert_eq!(d.missing_syscalls, vec![sys], "{m}");
            assert!(d.fix.contains(&format!("--allow {sys}")), "{}", d.fix);
            assert_eq!(d.message, format!("unable to start container process: {m}"));
        }
        assert!(classify(&wrap("operation not permitted"))
            .cause
            .contains("ambiguous"));
    }

    #[test]
    fn newer_runc_and_init_lines() {
        assert_eq!(classify("error closing exec fds: ensure /proc/thread-self/fd is on procfs: operation not permitted").kind, RejectKind::ProcfsFdCheck);
        let d = classify("unable to start container process: unsafe procfs detected: openat2 /proc/self/fd: operation not permitted");
        assert_eq!(d.kind, RejectKind::UnsafeProcfs);
        assert_eq!(d.missing_syscalls, vec!["openat2"]);
        assert_eq!(
            classify("could not get mount id: operation not permitted").kind,
            RejectKind::MountId
        );
        assert_eq!(
            classify("ensure /proc/self/fd is on procfs: operation not permitted").kind,
            RejectKind::ProcfsFdCheck
        );
        let d = classify("exec /bin/true: operation not permitted");
        assert_eq!(
            (d.kind, d.missing_syscalls),
            (RejectKind::ExecveEperm, vec!["execve"])
        );
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

    #[test]
    fn other_failures() {
        let w = |m: &str| {
            format!("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: {m}: unknown")
        };
        assert_eq!(
            classify(&w(
                "exec: \"/nosuch\": stat /nosuch: no such file or directory"
            ))
            .kind,
            RejectKind::CommandNotFound
        );
        assert_eq!(
            classify(&w("exec: \"nosuch\": executable file not found in $PATH")).kind,
            RejectKind::CommandNotFound
        );
        assert_eq!(
            classify(&w("exec: \"/etc\": permission denied")).kind,
            RejectKind::NotExecutable
        );
        assert_eq!(
            classify("No such image: nope:1").kind,
            RejectKind::ImageMissing
        );
        assert_eq!(
            classify("nope: image not known").kind,
            RejectKind::ImageMissing
        );
        assert_eq!(classify("failed to create shim task: OCI runtime create failed: cgroups in hybrid mode not supported, drop all controllers from cgroupv2: unknown").kind, RejectKind::CgroupLayout);
        assert_eq!(
            classify("connect: connection refused").kind,
            RejectKind::DaemonDown
        );
        assert_eq!(
            classify("dial unix /var/run/docker.sock: connect: permission denied").kind,
            RejectKind::SocketPermission
        );
        let d = classify("error adding seccomp rule: unknown syscall \"foo_bar\"");
        assert_eq!(d.kind, RejectKind::UnknownSyscallName);
        assert!(d.fix.contains("--deny foo_bar"), "{}", d.fix);
        assert_eq!(classify("").kind, RejectKind::Other);
        assert_eq!(classify("\u{0}\u{ffff}").kind, RejectKind::Other);
        let d = classify(&w("unable to apply caps: operation not permitted"))
            .with_profile_name("plugin");
        assert!(d
            .fix
            .contains("jailwright patch plugin --allow capset -o fixed.json"));
    }
}

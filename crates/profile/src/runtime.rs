//! What container runtimes need of a profile: the syscalls runc and crun themselves make after
//! installing the filter, per version, each with the step that makes them, the message the
//! runtime prints when one is denied, how to recognise that message, and the source of the
//! fact. This is the one place that knowledge lives: the linter reads it to say what a profile
//! blocks ([`missing_runtime_needs`]), and the container backend's classifier reads it to say
//! which syscall a refusal message is about ([`needs_for_message`]).

use crate::action::Action;
use std::fmt;

use crate::policy::{ArchPolicy, Policy};
use crate::tables;

/// Which runtime installs the filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeKind {
    /// Docker's runc (ENOSYS stub, repeated-index split).
    Runc,
    /// Podman's crun (no stub).
    Crun,
    /// Plain OCI semantics: what libseccomp alone does.
    Oci,
}

/// A runtime with an optional version (`runc@1.3.3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Runtime {
    /// Which runtime.
    pub kind: RuntimeKind,
    /// Its version, when known.
    pub version: Option<Version>,
}

/// A runtime version `MAJOR.MINOR.PATCH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Version(pub u16, pub u16, pub u16);

impl Version {
    /// Parses `1.3.3`, `v1.2`, `1.1.5+ds1`.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches('v');
        let core: &str = s.split(['+', '-', '~', ' ']).next()?;
        let mut it = core.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next().unwrap_or("0").parse().ok()?;
        let patch = it.next().unwrap_or("0").parse().ok()?;
        Some(Version(major, minor, patch))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Runtime {
    /// runc of unknown version.
    pub const RUNC: Runtime = Runtime {
        kind: RuntimeKind::Runc,
        version: None,
    };
    /// crun of unknown version.
    pub const CRUN: Runtime = Runtime {
        kind: RuntimeKind::Crun,
        version: None,
    };
    /// Plain OCI / libseccomp semantics.
    pub const OCI: Runtime = Runtime {
        kind: RuntimeKind::Oci,
        version: None,
    };

    /// Parses `runc`, `crun@1.8.1`, `docker` (= runc), `podman` (= crun), `oci`.
    pub fn parse(s: &str) -> Option<Runtime> {
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => (n, Some(Version::parse(v)?)),
            None => (s, None),
        };
        let kind = match name.to_ascii_lowercase().as_str() {
            "runc" | "docker" | "moby" => RuntimeKind::Runc,
            "crun" | "podman" => RuntimeKind::Crun,
            "oci" | "libseccomp" | "native" | "jailwright" => RuntimeKind::Oci,
            _ => return None,
        };
        Some(Runtime { kind, version })
    }

    /// Whether this runtime prepends the ENOSYS stub.
    pub fn has_enosys_stub(self) -> bool {
        self.kind == RuntimeKind::Runc && self.version.is_none_or(|v| v >= Version(1, 0, 0))
    }

    /// Whether the stub covers the native ABI even when the configuration lists no
    /// architectures (or lists others only). Before, runc stubbed the listed ABIs alone, so a
    /// profile without `architectures`/`archMap` (or an `archMap` without the host) got no
    /// stub at all. runc commit ccc500c42 ("seccomp: patchbpf: always include native
    /// architecture in stub", PR #4219) in 1.2.0, backported as 618e149e4 (PR #4391) in
    /// 1.1.15.
    pub fn stub_covers_native(self) -> bool {
        self.version
            .is_none_or(|v| v >= Version(1, 2, 0) || (v.0 == 1 && v.1 == 1 && v.2 >= 15))
    }
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuntimeKind::Runc => "runc",
            RuntimeKind::Crun => "crun",
            RuntimeKind::Oci => "oci",
        })
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.kind;
        match self.version {
            Some(v) => write!(f, "{name}@{v}"),
            None => write!(f, "{name}"),
        }
    }
}

/// How the syscalls of a [`RuntimeNeed`] are needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NeedKind {
    /// Every listed syscall is called; blocking any one fails the start.
    All,
    /// The runtime tries them in order and falls back; the start fails only when every one
    /// is blocked. Allowing the first is enough.
    AnyOf,
}

/// The step of a runtime's container start that makes a need's calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum InitStep {
    /// The runtime's own process (its Go runtime, reading its config): every step.
    Core,
    /// Dropping the capability bounding set.
    BoundingSet,
    /// Reading or setting the capability sets.
    Capabilities,
    /// Setting the supplementary groups.
    Groups,
    /// Switching to the container's user and group.
    User,
    /// Entering and checking the working directory.
    WorkingDir,
    /// Checking that its parent is still the one that started it.
    ParentCheck,
    /// Closing the descriptors the container must not inherit.
    CloseExecFds,
    /// Opening /proc safely (the procfs hardening).
    ProcfsOpen,
    /// Checking mount ids.
    MountId,
    /// Executing the container's entrypoint.
    Exec,
}

/// Syscalls a container runtime itself calls after installing the filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RuntimeNeed {
    /// The runtime.
    pub runtime: RuntimeKind,
    /// The versions it applies to: windows `from..=to`, or from `from` on when `to` is
    /// `None`.
    pub versions: &'static [(Version, Option<Version>)],
    /// The syscalls.
    pub syscalls: &'static [&'static str],
    /// Whether all are needed or one of them suffices.
    pub kind: NeedKind,
    /// Needed with no-new-privileges on as well. With it on, the runtime installs the filter
    /// right before the exec, after it has dropped capabilities, switched user and changed
    /// directory, so only what comes after (closing inherited descriptors, the procfs checks,
    /// the exec, and the runtime's own threads) goes through the profile.
    pub with_nnp: bool,
    /// The runtime's step that makes the calls.
    pub step: InitStep,
    /// What the runtime does with the calls, as the cause a diagnosis gives ("drops the
    /// capability bounding set with prctl(PR_CAPBSET_DROP) after loading the filter").
    pub why: &'static str,
    /// The message the user sees when they are blocked.
    pub error: &'static str,
    /// How to recognise that message: any one of these sets of parts, all of which appear in
    /// it (compared in ASCII lower case); none when the runtime says nothing of its own.
    pub signatures: &'static [&'static [&'static str]],
    /// Where the fact comes from (and whether it was reproduced or inferred from source).
    pub source: &'static str,
}

impl RuntimeNeed {
    /// Whether the need applies to `version`.
    pub fn applies_to(&self, version: Version) -> bool {
        self.versions
            .iter()
            .any(|(from, to)| *from <= version && to.is_none_or(|to| version <= to))
    }
}

/// The newest runc version the table knows (used when the version is not given).
pub const NEWEST_RUNC: Version = Version(1, 4, 0);
/// The newest crun version the table knows (used when the version is not given).
pub const NEWEST_CRUN: Version = Version(1, 23, 1);

const ANY_PATCH: u16 = u16::MAX;

/// Where the order of runc's container init comes from (the reason runtime needs exist).
pub const RUNC_INIT_ORDER: &str = "runc libcontainer/standard_init_linux.go: without noNewPrivileges (Docker's and Podman's default) the filter is installed before finalizeNamespace (capabilities, user, cwd, closing fds) and the exec";
const RUNC_11_REPRODUCED: &str = "reproduced with Debian 12's runc 1.1.5 under Docker 20.10.24: Docker's default profile minus that syscall does not start a container (`jailwright doctor --probe-runtime` finds the same)";
const RUNC_PROCFS_ERROR: &str = "unsafe procfs detected: openat2 ...: operation not permitted";
const RUNC_PROCFS_SOURCE: &str = "runc 1.2.8 / 1.3.3 / 1.4.0 procfs hardening (November 2025, filepath-securejoin pathrs-lite): runc issues #4963, #4984 (\"unsafe procfs detected: openat2 fsmount:fscontext:proc/...: operation not permitted\"). fsopen, fsconfig, fsmount and open_tree are tried first for a private procfs but are NOT needed: when they fail runc falls back to the host /proc (Docker's default blocks them without CAP_SYS_ADMIN and runc 1.3.3 starts)";
const RUNC_STATX_ERROR: &str = "check \"thread-self\" component is not overmounted: get root mount id: statx(STATX_MNT_ID_...) ...: could not get mount id: operation not permitted";
const RUNC_STATX_SOURCE: &str = "runc issue #5059 (runc 1.4.0: the same message with \"function not implemented\" when statx answered ENOSYS); mount-id checks of the procfs hardening";
const RUNC_EXEC_FDS_HARDENED: &str =
    "error closing exec fds: get handle to /proc/thread-self/fd: ...: operation not permitted";
const RUNC_EXEC_FDS_HARDENED_SOURCE: &str = "inferred from runc source: close_range(CLOSE_RANGE_CLOEXEC) is tried first; when it fails runc walks /proc/thread-self/fd, whose handle pathrs-lite verifies with fstatfs; message prefix from runc issues #4963 and #5007";

/// The versioned table of runtime init needs, top to bottom: runc, then crun.
pub const RUNTIME_NEEDS: &[RuntimeNeed] = &[
    // ---- runc, every version since 1.0.0 ---------------------------------------------------
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), Some(Version(1, 1, ANY_PATCH)))],
        syscalls: &["openat", "read", "write", "close", "futex", "fstat", "newfstatat", "getdents64"],
        kind: NeedKind::All,
        with_nnp: true,
        step: InitStep::Core,
        why: "the Go runtime and runc's init call them at every step",
        error: "runc init fails or hangs before the container starts (no single message: the Go runtime and runc's init use these at every step)",
        signatures: &[],
        source: "reproduced with Debian 12's runc 1.1.5 under Docker 20.10.24: Docker's default profile minus any one of these does not start a container, while without fcntl or readlinkat it starts (so does the Security Profiles Operator's runc base profile, which lacks readlinkat); moby/moby#22252 lists the syscalls Docker needs from any profile",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 2, 0), None)],
        syscalls: &["openat", "read", "write", "close", "fcntl", "futex", "fstat", "newfstatat", "readlinkat", "getdents64"],
        kind: NeedKind::All,
        with_nnp: true,
        step: InitStep::Core,
        why: "the Go runtime and runc's init call them at every step",
        error: "runc init fails or hangs before the container starts (no single message: the Go runtime and runc's init use these at every step)",
        signatures: &[],
        source: "moby/moby#22252 (the syscalls Docker needs from any profile); runc libcontainer/standard_init_linux.go and init_linux.go; not reproduced for runc 1.2 and later (the runc here is 1.1.5), fcntl and readlinkat kept as needed until a probe shows otherwise",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), None)],
        syscalls: &["prctl"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::BoundingSet,
        why: "drops the capability bounding set with prctl(PR_CAPBSET_DROP) after loading the filter",
        error: "unable to apply bounding set: operation not permitted",
        signatures: &[&["unable to apply bounding set"]],
        source: RUNC_11_REPRODUCED,
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), Some(Version(1, 1, ANY_PATCH)))],
        syscalls: &["capget"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::Capabilities,
        why: "reads its capability sets with capget right after loading the filter and stops with a bare EPERM; the message is ambiguous (any early EPERM looks the same), and `jailwright doctor --probe-runtime` finds what this runtime needs",
        error: "unable to start container process: operation not permitted",
        signatures: &[&["unable to start container process: operation not permitted"]],
        source: RUNC_11_REPRODUCED,
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 2, 0), None)],
        syscalls: &["capget"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::BoundingSet,
        why: "reads the capability sets with capget while it applies the bounding set",
        error: "unable to apply bounding set: operation not permitted",
        signatures: &[&["unable to apply bounding set"]],
        source: "no public source recorded yet: runc >= 1.2 is said to read the capability sets with capget while it applies the bounding set; not reproduced (the runc probed is 1.1.5)",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), None)],
        syscalls: &["capset"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::Capabilities,
        why: "sets the container's capabilities with capset after loading the filter",
        error: "unable to apply caps: operation not permitted",
        signatures: &[&["unable to apply caps"]],
        source: RUNC_11_REPRODUCED,
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), None)],
        syscalls: &["setgroups"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::Groups,
        why: "sets the supplementary groups with setgroups after loading the filter",
        error: "unable to setup user: setgroups: operation not permitted",
        signatures: &[&["unable to setup user: setgroups", "operation not permitted"]],
        source: RUNC_11_REPRODUCED,
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), None)],
        syscalls: &["setuid", "setgid"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::User,
        why: "switches to the container user with setgid and setuid after loading the filter",
        error: "unable to setup user: setgid: operation not permitted (or setuid)",
        signatures: &[&["unable to setup user: setgid"], &["unable to setup user: setuid"], &["unable to setup user: operation not permitted"]],
        source: "probed on runc 1.1.5 (`jailwright doctor --probe-runtime`: each one alone stops the start); runc libcontainer/init_linux.go setupUser calls Go's Setgid and Setuid, which make these calls (not setresuid/setresgid)",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), None)],
        syscalls: &["chdir"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::WorkingDir,
        why: "enters the working directory with chdir after loading the filter",
        error: "chdir to cwd (\"/\") set in config.json failed: operation not permitted",
        signatures: &[&["chdir to cwd", "operation not permitted"]],
        source: "inferred from runc libcontainer/init_linux.go finalizeNamespace; listed in moby/moby#22252",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), None)],
        syscalls: &["getppid"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::ParentCheck,
        why: "compares its parent's pid with getppid and kills itself when the answer is not the pid it expects",
        error: "runc init kills itself with SIGKILL and the container exits at once with no message (getppid answered an error, which runc takes for its parent having died)",
        signatures: &[],
        source: "inferred from runc libcontainer/standard_init_linux.go (unix.Getppid() != l.parentPid -> kill); listed in moby/moby#22252",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), None)],
        syscalls: &["getcwd"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::WorkingDir,
        why: "checks with getcwd that the working directory is inside the container after the chdir",
        error: "failed to verify if current working directory is safe: ...: operation not permitted",
        signatures: &[&["current working directory is safe", "operation not permitted"]],
        source: "probed on runc 1.1.5 (`jailwright doctor --probe-runtime`: Docker's default without getcwd does not start); runc libcontainer/init_linux.go finalizeNamespace verifies the working directory after the chdir",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), None)],
        syscalls: &["execve"],
        kind: NeedKind::All,
        with_nnp: true,
        step: InitStep::Exec,
        why: "execs the entrypoint with execve at the very end",
        error: "exec /path/to/entrypoint: operation not permitted",
        signatures: &[&["exec /", ": operation not permitted"], &["exec: \"", "operation not permitted"], &["container process: exec ", "operation not permitted"]],
        source: "inferred from runc libcontainer/standard_init_linux.go (system.Exec returns an *os.PathError with Op \"exec\")",
    },
    // ---- runc 1.0.x-1.1.x: closing exec fds walks /proc/self/fd ---------------------------
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 0, 0), Some(Version(1, 1, ANY_PATCH)))],
        syscalls: &["fstatfs"],
        kind: NeedKind::All,
        with_nnp: true,
        step: InitStep::CloseExecFds,
        why: "checks with fstatfs that /proc/self/fd is on procfs before it closes the descriptors the container must not inherit",
        error: "error closing exec fds: ensure /proc/self/fd is on procfs: operation not permitted",
        signatures: &[&["is on procfs"], &["error closing exec fds"]],
        source: RUNC_11_REPRODUCED,
    },
    // ---- runc 1.2.0-1.2.7 and 1.3.0-1.3.2: close_range first, else /proc/thread-self/fd -----
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 2, 0), Some(Version(1, 2, 7))), (Version(1, 3, 0), Some(Version(1, 3, 2)))],
        syscalls: &["close_range", "fstatfs"],
        kind: NeedKind::AnyOf,
        with_nnp: true,
        step: InitStep::CloseExecFds,
        why: "closes the descriptors the container must not inherit with close_range(CLOSE_RANGE_CLOEXEC), or else checks with fstatfs that /proc/thread-self/fd is on procfs and walks it",
        error: "error closing exec fds: ensure /proc/thread-self/fd is on procfs: operation not permitted",
        signatures: &[&["is on procfs"], &["error closing exec fds"]],
        source: "message prefix from runc issues #4963 and #5007 (runc 1.2-1.3.2 print /proc/thread-self/fd where 1.1.5 prints /proc/self/fd); close_range(CLOSE_RANGE_CLOEXEC) tried first since runc 1.2.0, inferred from source and not reproduced (the runc probed is 1.1.5)",
    },
    // ---- runc 1.2.8+, 1.3.3+ and 1.4.0+: the November 2025 procfs hardening -----------------
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 2, 8), Some(Version(1, 2, ANY_PATCH))), (Version(1, 3, 3), None)],
        syscalls: &["openat2"],
        kind: NeedKind::All,
        with_nnp: true,
        step: InitStep::ProcfsOpen,
        why: "opens /proc through openat2 (the procfs hardening) while it starts the container",
        error: RUNC_PROCFS_ERROR,
        signatures: &[&["unsafe procfs detected"]],
        source: RUNC_PROCFS_SOURCE,
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 2, 8), Some(Version(1, 2, ANY_PATCH))), (Version(1, 3, 3), None)],
        syscalls: &["statx"],
        kind: NeedKind::All,
        with_nnp: true,
        step: InitStep::MountId,
        why: "checks mount ids with statx(STATX_MNT_ID) while it starts the container",
        error: RUNC_STATX_ERROR,
        signatures: &[&["could not get mount id"]],
        source: RUNC_STATX_SOURCE,
    },
    RuntimeNeed {
        runtime: RuntimeKind::Runc,
        versions: &[(Version(1, 2, 8), Some(Version(1, 2, ANY_PATCH))), (Version(1, 3, 3), None)],
        syscalls: &["close_range", "fstatfs"],
        kind: NeedKind::AnyOf,
        with_nnp: true,
        step: InitStep::CloseExecFds,
        why: "closes the descriptors the container must not inherit with close_range(CLOSE_RANGE_CLOEXEC), or else walks /proc/thread-self/fd through a handle it checks with fstatfs",
        error: RUNC_EXEC_FDS_HARDENED,
        signatures: &[&["error closing exec fds"]],
        source: RUNC_EXEC_FDS_HARDENED_SOURCE,
    },
    // ---- crun: inferred from source (src/libcrun/container.c, src/libcrun/linux.c) ----------
    // Without noNewPrivileges, crun applies the filter in container_init_setup before
    // libcrun_set_caps (bounding set, PR_SET_KEEPCAPS, setresgid, setresuid, capset, ambient
    // set), then changes directory and execs. crun falls back from openat2 to openat on EPERM
    // (containers/crun#546), so openat2 is not a need. Not reproduced: Debian 12's crun
    // 1.8.1 refuses the hybrid cgroup layout of the host it was tried on.
    RuntimeNeed {
        runtime: RuntimeKind::Crun,
        versions: &[(Version(0, 1, 0), None)],
        syscalls: &["prctl"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::BoundingSet,
        why: "sets PR_SET_KEEPCAPS and drops the bounding set with prctl after loading the filter",
        error: "error while setting `PR_SET_KEEPCAPS`: Operation not permitted",
        signatures: &[&["pr_set_keepcaps", "operation not permitted"]],
        source: "inferred from crun src/libcrun/linux.c set_required_caps (older versions print the name without backticks)",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Crun,
        versions: &[(Version(0, 1, 0), None)],
        syscalls: &["setresgid", "setresuid"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::User,
        why: "switches to the container's ids with setresgid and setresuid after loading the filter",
        error: "cannot setresgid to `0`: Operation not permitted",
        signatures: &[&["cannot setresgid"], &["cannot setresuid"]],
        source: "inferred from crun src/libcrun/linux.c set_required_caps (setresgid, then setresuid with the container's ids)",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Crun,
        versions: &[(Version(0, 1, 0), None)],
        syscalls: &["capset"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::Capabilities,
        why: "sets the container's capabilities with capset after loading the filter",
        error: "capset: Operation not permitted",
        signatures: &[&["capset: operation not permitted"]],
        source: "inferred from crun src/libcrun/linux.c set_required_caps",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Crun,
        versions: &[(Version(0, 1, 0), None)],
        syscalls: &["setgroups"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::Groups,
        why: "sets the supplementary groups with setgroups after loading the filter",
        error: "setgroups: Operation not permitted",
        signatures: &[&["setgroups: operation not permitted"]],
        source: "inferred from crun src/libcrun/linux.c (the container user's supplementary groups are set after the filter when no-new-privileges is off)",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Crun,
        versions: &[(Version(0, 1, 0), None)],
        syscalls: &["chdir"],
        kind: NeedKind::All,
        with_nnp: false,
        step: InitStep::WorkingDir,
        why: "enters the working directory with chdir after switching to the container's user",
        error: "chdir `/`: Operation not permitted",
        signatures: &[&["chdir `", "operation not permitted"]],
        source: "inferred from crun src/libcrun/container.c (the chdir retried after switching to the container's user)",
    },
    RuntimeNeed {
        runtime: RuntimeKind::Crun,
        versions: &[(Version(0, 1, 0), None)],
        syscalls: &["execve"],
        kind: NeedKind::All,
        with_nnp: true,
        step: InitStep::Exec,
        why: "execs the container process with execve at the very end",
        error: "exec container process `/path/to/entrypoint`: Operation not permitted",
        signatures: &[&["exec container process", "operation not permitted"]],
        source: "inferred from crun src/libcrun/container.c (the final exec of the container process)",
    },
];

/// The version a runtime's needs are checked at: its own, or the newest the table knows.
pub fn effective_version(runtime: Runtime) -> Option<Version> {
    match runtime.kind {
        RuntimeKind::Runc => Some(runtime.version.unwrap_or(NEWEST_RUNC)),
        RuntimeKind::Crun => Some(runtime.version.unwrap_or(NEWEST_CRUN)),
        RuntimeKind::Oci => None,
    }
}

/// The needs that apply to `runtime` (at its version, or the newest known when unknown) with
/// no-new-privileges on or off. Plain OCI semantics (jailwright's own sandbox) have none.
pub fn runtime_needs(runtime: Runtime, no_new_privileges: bool) -> Vec<&'static RuntimeNeed> {
    let Some(version) = effective_version(runtime) else {
        return Vec::new();
    };
    RUNTIME_NEEDS
        .iter()
        .filter(|n| n.runtime == runtime.kind && n.applies_to(version))
        .filter(|n| n.with_nnp || !no_new_privileges)
        .collect()
}

/// Whether a call of `nr` can go ahead under `ap`: some rule for it permits (conditions
/// aside: the runtime's exact arguments are not modelled), or, with no rule, the default or
/// the ENOSYS stub answer permits.
pub(crate) fn may_run(ap: &ArchPolicy, nr: u32, default: Action) -> bool {
    match ap.syscalls.get(&nr) {
        Some(sp) if !sp.rules.is_empty() => sp.rules.iter().any(|r| r.action.permits()),
        _ => ap.decide(nr, &[0; 6], default).action.permits(),
    }
}

/// The runtime needs `policy` blocks on its host ABI, each with the syscalls to allow: every
/// blocked one for [`NeedKind::All`], the first for [`NeedKind::AnyOf`]. Names the host's table
/// lacks (`newfstatat` on arm) are not needed there.
pub fn missing_runtime_needs(
    policy: &Policy,
    runtime: Runtime,
    no_new_privileges: bool,
) -> Vec<(&'static RuntimeNeed, Vec<&'static str>)> {
    let Some(ap) = policy.arch(policy.host) else {
        return Vec::new();
    };
    let Some(table) = tables::table(policy.host) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for need in runtime_needs(runtime, no_new_privileges) {
        let present: Vec<(&'static str, u32)> = need
            .syscalls
            .iter()
            .filter_map(|&n| table.lookup(n).map(|nr| (n, nr)))
            .collect();
        let blocked: Vec<&'static str> = present
            .iter()
            .filter(|(_, nr)| !may_run(ap, *nr, policy.default))
            .map(|(n, _)| *n)
            .collect();
        match need.kind {
            NeedKind::All if !blocked.is_empty() => out.push((need, blocked)),
            NeedKind::AnyOf if !present.is_empty() && blocked.len() == present.len() => {
                out.push((need, vec![present[0].0]));
            }
            _ => {}
        }
    }
    out
}

/// The needs a refusal `message` is about: those whose signature it matches most specifically
/// (the longest match wins, so `error closing exec fds: ...` is not taken for an exec), for
/// `runtime` when it is known (its version, or every version when that is not), else for every
/// runtime and version in the table. Empty when the message is not about a need.
pub fn needs_for_message(message: &str, runtime: Option<Runtime>) -> Vec<&'static RuntimeNeed> {
    let lower = message.to_ascii_lowercase();
    let score = |need: &RuntimeNeed| {
        need.signatures
            .iter()
            .filter(|parts| parts.iter().all(|p| lower.contains(p)))
            .map(|parts| parts.iter().map(|p| p.len()).sum::<usize>())
            .max()
    };
    let applies = |need: &RuntimeNeed| match runtime {
        None => true,
        Some(r) if r.kind != need.runtime => false,
        Some(r) => r.version.is_none_or(|v| need.applies_to(v)),
    };
    let scored: Vec<(&'static RuntimeNeed, usize)> = RUNTIME_NEEDS
        .iter()
        .filter(|n| applies(n))
        .filter_map(|n| score(n).map(|s| (n, s)))
        .collect();
    let best = scored.iter().map(|(_, s)| *s).max().unwrap_or(0);
    scored
        .into_iter()
        .filter(|(_, s)| *s == best)
        .map(|(n, _)| n)
        .collect()
}

/// The versions of a need, as a person reads them: `runc 1.3.3 and later`, `runc 1.0.0 to
/// 1.1.x`.
pub fn versions_text(need: &RuntimeNeed) -> String {
    let windows: Vec<String> = need
        .versions
        .iter()
        .map(|&(from, to)| match to {
            None => format!("{from} and later"),
            Some(Version(a, b, ANY_PATCH)) => format!("{from} to {a}.{b}.x"),
            Some(to) => format!("{from} to {to}"),
        })
        .collect();
    format!("{} {}", need.runtime, windows.join(", "))
}

//! The backend-neutral description of a sandbox: what to run, what it may see, and its limits.
//!
//! [`SandboxConfig`] is plain data. The native backend turns it into namespaces, mounts and
//! limits; container backends (Docker, Podman) will map the same options onto their flags.

use std::ffi::OsString;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

pub use jailwright_report::Layer;

/// The default inside uid and gid (`nobody`/`nogroup`).
pub const NOBODY: u32 = 65534;

/// `PATH` inside the sandbox unless the caller passes one.
pub const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// `HOME` inside the sandbox unless the caller passes one.
pub const DEFAULT_HOME: &str = "/tmp";

/// The hostname inside the sandbox.
pub const DEFAULT_HOSTNAME: &str = "jailwright";

/// The host directories bound read-only into the new root when they exist. Symlinks among
/// them (`/bin -> usr/bin`) are recreated as symlinks.
pub const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
];

/// What of the host's /etc a minimal view ([`SandboxConfig::etc_minimal`]) shows: users and
/// groups, name lookup, the time zone, the dynamic linker's cache, alternatives, CA
/// certificates and OpenSSL's configuration, the OS release. Small files are shown only when
/// everyone may read them. Not shown: shadow and gshadow, sudoers, ssh and ssl private keys,
/// cron, distribution hooks such as Debian's `/etc/python3.*/sitecustomize.py` (Python
/// starts without it), and everything else a plugin has no use for, which a caller's
/// supplementary group could make readable. Kept short: each entry is a copy or a mount at
/// every start, and the list is probed by name (listing /etc costs more than the rest).
pub const ETC_MINIMAL: &[&str] = &[
    "passwd",
    "group",
    "hosts",
    "nsswitch.conf",
    "resolv.conf",
    "services",
    "protocols",
    "localtime",
    "ld.so.cache",
    "alternatives",
    "ssl/certs",
    "ssl/openssl.cnf",
    "os-release",
];

/// Network access.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Network {
    /// A new network namespace with only the loopback interface (up).
    #[default]
    None,
    /// The host's network namespace.
    Host,
}

impl FromStr for Network {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Network::None),
            "host" => Ok(Network::Host),
            _ => Err(format!(
                "unknown network mode {s:?} (expected none or host)"
            )),
        }
    }
}

/// What a mount in the sandbox is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Mount {
    /// A read-only bind of a host path.
    ReadOnlyBind {
        /// Host path.
        source: PathBuf,
        /// Path inside the sandbox.
        target: PathBuf,
    },
    /// A writable bind of a host path (writable through Landlock as well).
    Bind {
        /// Host path.
        source: PathBuf,
        /// Path inside the sandbox.
        target: PathBuf,
    },
    /// A private, writable tmpfs.
    Tmpfs {
        /// Path inside the sandbox.
        target: PathBuf,
    },
}

impl Mount {
    /// The path inside the sandbox.
    pub fn target(&self) -> &std::path::Path {
        match self {
            Mount::ReadOnlyBind { target, .. } | Mount::Bind { target, .. } => target,
            Mount::Tmpfs { target } => target,
        }
    }

    /// Whether the plugin may write below the target.
    pub fn writable(&self) -> bool {
        !matches!(self, Mount::ReadOnlyBind { .. })
    }
}

/// Where the plugin's standard streams go.
#[derive(Debug, Default)]
#[non_exhaustive]
pub enum Stdio {
    /// The caller's descriptor.
    #[default]
    Inherit,
    /// `/dev/null`.
    Null,
    /// Captured into the [`Outcome`](crate::Outcome) (stdout and stderr only).
    Piped,
    /// A descriptor the caller owns (a file, a pipe end).
    Fd(std::os::fd::OwnedFd),
}

/// Resource limits. `None` leaves the limit at the caller's value (except the defaults noted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Memory in bytes: cgroup `memory.max` when a cgroup is available, otherwise
    /// `RLIMIT_AS`/`RLIMIT_DATA` stand in.
    pub memory: Option<u64>,
    /// Number of processes/threads: cgroup `pids.max` when available; `RLIMIT_NPROC` always.
    pub pids: Option<u64>,
    /// CPU seconds (`RLIMIT_CPU`; the kernel sends SIGXCPU, then SIGKILL at the hard limit).
    pub cpu_time: Option<u64>,
    /// Largest file the plugin may write, in bytes (`RLIMIT_FSIZE`).
    pub file_size: Option<u64>,
    /// Open descriptors (`RLIMIT_NOFILE`); default 1024, never above the caller's hard limit.
    pub open_files: Option<u64>,
    /// Wall-clock limit; the whole process tree is killed when it passes.
    pub timeout: Option<Duration>,
    /// Size of `/tmp` and of each `tmpfs` mount, in bytes. `None`: `memory` when set, else
    /// [`DEFAULT_TMP_SIZE`]. Files in a tmpfs are memory the plugin's cgroup may not be
    /// charged for (an unprivileged caller has none), so every tmpfs has a size.
    pub tmp_size: Option<u64>,
    /// Size of `/dev/shm`, in bytes; `None`: [`DEFAULT_SHM_SIZE`] (Docker's `--shm-size`
    /// default).
    pub shm_size: Option<u64>,
}

/// The size of `/tmp` when neither it nor `memory` is given: 512 MiB.
pub const DEFAULT_TMP_SIZE: u64 = 512 << 20;
/// The size of `/dev/shm` when not given: 64 MiB, as Docker's.
pub const DEFAULT_SHM_SIZE: u64 = 64 << 20;

impl Limits {
    /// The size of `/tmp` and the other writable tmpfs mounts.
    pub fn tmp_bytes(&self) -> u64 {
        self.tmp_size.or(self.memory).unwrap_or(DEFAULT_TMP_SIZE)
    }

    /// The size of `/dev/shm`.
    pub fn shm_bytes(&self) -> u64 {
        self.shm_size.unwrap_or(DEFAULT_SHM_SIZE)
    }
}

/// Everything a backend needs to run one command in a sandbox. Build it with
/// [`Sandbox::builder`](crate::Sandbox::builder), which validates it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// The program: a path, or a name looked up in the sandbox's `PATH`.
    pub program: OsString,
    /// Arguments after the program name.
    pub args: Vec<OsString>,
    /// User mounts, applied in order after the system directories.
    pub mounts: Vec<Mount>,
    /// Network access.
    pub network: Network,
    /// Environment beyond `PATH` and `HOME` (which these override when given).
    pub env: Vec<(OsString, OsString)>,
    /// Working directory inside the sandbox.
    pub cwd: PathBuf,
    /// Uid inside the sandbox.
    pub uid: u32,
    /// Gid inside the sandbox.
    pub gid: u32,
    /// Hostname inside the sandbox.
    pub hostname: String,
    /// Whether `/dev/tty` is made available.
    pub dev_tty: bool,
    /// Whether the sandbox sees only [`ETC_MINIMAL`] of the host's /etc instead of all of it.
    pub etc_minimal: bool,
    /// Resource limits.
    pub limits: Limits,
    /// Layers that must be enforced (at least partially); the run fails with a setup error
    /// instead of degrading.
    pub required: Vec<Layer>,
    /// The seccomp filter, installed last before `execve`. Empty means none (reported as
    /// unavailable).
    pub seccomp: jailwright_bpf::Program,
    /// The terminal guard, installed just before the filter whatever the filter is; `None`
    /// leaves the terminal layer unavailable (the caller's terminal is still checked and
    /// restored after the run).
    pub terminal_guard: Option<TerminalGuard>,
}

/// A filter that refuses the terminal `ioctl` requests no plugin may make, whatever its
/// profile (jailwright builds it from `jailwright_profile::terminal`).
#[derive(Clone, Debug, Default)]
pub struct TerminalGuard {
    /// The program.
    pub program: jailwright_bpf::Program,
    /// The names of the requests it refuses, for the report.
    pub requests: Vec<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            program: OsString::new(),
            args: Vec::new(),
            mounts: Vec::new(),
            network: Network::None,
            env: Vec::new(),
            cwd: PathBuf::from("/tmp"),
            uid: NOBODY,
            gid: NOBODY,
            hostname: DEFAULT_HOSTNAME.to_owned(),
            dev_tty: false,
            etc_minimal: false,
            limits: Limits::default(),
            required: Vec::new(),
            seccomp: jailwright_bpf::Program::default(),
            terminal_guard: None,
        }
    }
}

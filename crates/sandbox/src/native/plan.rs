//! The parent prepares everything the child will need (paths as C strings, argv/envp pointer
//! arrays, the filter, the rlimits) so that the child never allocates.

mod fs;

use self::fs::Ops;

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::RawFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use libc::{c_char, c_int, c_ulong};

use crate::config::{
    Limits, Mount, Network, SandboxConfig, DEFAULT_HOME, DEFAULT_PATH, ETC_MINIMAL, SYSTEM_DIRS,
};
use crate::error::{ConfigError, Error};
use crate::sys;

/// Where the old root is attached inside the new root while binds are made.
const OLD_ROOT: &str = "/.oldroot";

/// Device nodes bound from the host.
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom"];

/// Parts of /proc bound read-only over themselves (when present).
const PROC_READ_ONLY: &[&str] = &["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"];

/// Caps on the per-user kernel counts a plugin could otherwise exhaust for its caller, set in
/// the sandbox's user namespace (/proc/sys/user: the counts are charged to every namespace up
/// the tree, so the plugin's share is bounded here whatever the caller's limit is).
pub(crate) const USER_NS_CAPS: &[(&str, u64)] = &[
    ("max_inotify_instances", 16),
    ("max_inotify_watches", 8192),
    ("max_fanotify_groups", 8),
    ("max_fanotify_marks", 8192),
    ("max_user_namespaces", 8),
    ("max_mnt_namespaces", 8),
    ("max_pid_namespaces", 8),
    ("max_net_namespaces", 8),
    ("max_ipc_namespaces", 8),
    ("max_uts_namespaces", 8),
    ("max_cgroup_namespaces", 8),
    ("max_time_namespaces", 8),
];

/// POSIX message queue bytes (`RLIMIT_MSGQUEUE`, charged per user) and pending signals
/// (`RLIMIT_SIGPENDING`, per user): what a plugin may hold of the caller's.
const MSGQUEUE_BYTES: u64 = 256 << 10;
const SIGPENDING: u64 = 4096;

/// One filesystem step inside the new root (paths are absolute inside it; bind sources are
/// below [`OLD_ROOT`]).
#[derive(Debug)]
pub(crate) enum FsOp {
    Mkdir {
        path: CString,
        mode: libc::mode_t,
    },
    Symlink {
        target: CString,
        link: CString,
    },
    Touch {
        path: CString,
    },
    Bind {
        src: CString,
        dst: CString,
        attrs: u64,
        optional: bool,
    },
    Tmpfs {
        dst: CString,
        flags: c_ulong,
        data: CString,
    },
    Proc {
        dst: CString,
    },
    /// Creates the new file `path` with a copy of the host file `src` (at most `max` bytes).
    CopyFile {
        src: CString,
        path: CString,
        max: u64,
    },
    /// Writes `data` to an existing file (a sysctl); a file this kernel lacks is skipped.
    WriteFile {
        path: CString,
        data: CString,
    },
    DetachOldRoot,
    RemountReadOnly {
        path: CString,
    },
}

/// A standard stream in the child.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StdioPlan {
    Inherit,
    Fd(RawFd),
}

/// Descriptors the child sees.
#[derive(Debug, Default)]
pub(crate) struct ChildFds {
    pub(crate) sync_rd: RawFd,
    pub(crate) sync_wr: RawFd,
    pub(crate) status_rd: RawFd,
    pub(crate) status_wr: RawFd,
    pub(crate) notify_child: Option<RawFd>,
    pub(crate) notify_parent: Option<RawFd>,
    /// Parent ends of the stdio pipes.
    pub(crate) parent_only: Vec<RawFd>,
}

/// Everything the child needs, prepared by the parent.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) clear_groups: bool,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) hostname: CString,
    pub(crate) net_none: bool,
    pub(crate) base: CString,
    pub(crate) old_root_in_base: CString,
    pub(crate) old_root: CString,
    pub(crate) ops: Vec<FsOp>,
    /// Human description of each op, for error messages.
    pub(crate) op_names: Vec<String>,
    pub(crate) rlimits: Vec<(c_int, u64, u64)>,
    pub(crate) rlimit_names: Vec<String>,
    pub(crate) last_cap: u32,
    pub(crate) cwd: CString,
    pub(crate) writable: Vec<CString>,
    pub(crate) filter: Vec<jailwright_bpf::Insn>,
    /// The terminal guard's filter, installed just before `filter`; empty for none.
    pub(crate) guard: Vec<jailwright_bpf::Insn>,
    pub(crate) seccomp_flags: c_ulong,
    pub(crate) candidates: Vec<CString>,
    _argv: Vec<CString>,
    pub(crate) argv_ptrs: Vec<*const c_char>,
    _env: Vec<CString>,
    pub(crate) env_ptrs: Vec<*const c_char>,
    pub(crate) stdio: [StdioPlan; 3],
    pub(crate) required: u32,
    pub(crate) fds: ChildFds,
    /// Summary of the filesystem for the report.
    pub(crate) fs_detail: String,
    /// The caller's argv area, scrubbed in init so the plugin cannot read the caller's
    /// command line from /proc/1/cmdline.
    pub(crate) argv_area: Option<(usize, usize)>,
}

/// The filesystem layer's detail: what the plugin's root is made of.
fn fs_detail(
    cfg: &SandboxConfig,
    ro_dirs: &[&str],
    links: &[String],
    devices: &[&str],
    etc_shown: usize,
) -> String {
    let mut fs_detail =
        format!(
        "new root on tmpfs (read-only); read-only binds: {}; symlinks: {}; tmpfs /tmp ({}) and \
         /dev/shm ({}); fresh /proc; /dev: {}",
        ro_dirs.join(" "),
        if links.is_empty() { "none".to_owned() } else { links.join(" ") },
        mib(cfg.limits.tmp_bytes()),
        mib(cfg.limits.shm_bytes()),
        devices.join(" "),
    );
    if !cfg.mounts.is_empty() {
        let user: Vec<String> = cfg
            .mounts
            .iter()
            .map(|m| match m {
                Mount::ReadOnlyBind { source, target } => {
                    format!("ro {}:{}", source.display(), target.display())
                }
                Mount::Bind { source, target } => {
                    format!("rw {}:{}", source.display(), target.display())
                }
                Mount::Tmpfs { target } => {
                    format!(
                        "tmpfs {} ({})",
                        target.display(),
                        mib(cfg.limits.tmp_bytes())
                    )
                }
            })
            .collect();
        fs_detail.push_str(&format!("; user mounts: {}", user.join(", ")));
    }
    if cfg.etc_minimal {
        fs_detail.push_str(&format!(
            "; /etc: {etc_shown} entries of the host's (name lookup, time zone, linker cache, \
             certificates, ...; bind more with --ro-bind)"
        ));
    }
    fs_detail.push_str("; old root detached");
    fs_detail
}

/// The rlimits to set, with their names for the report (never above the current hard limit:
/// there is no CAP_SYS_RESOURCE to raise it).
fn rlimits(l: &Limits, host: &HostFacts) -> (Vec<(c_int, u64, u64)>, Vec<String>) {
    let mut rlimits = Vec::new();
    let mut rlimit_names = Vec::new();
    // `slack` raises the hard limit above the soft one (RLIMIT_CPU: SIGXCPU first, SIGKILL a
    // second later).
    let mut limit = |res: c_int, name: &str, value: u64, slack: u64| {
        let hard = sys::getrlimit(res).map_or(u64::MAX, |(_, h)| h);
        let v = value.min(hard);
        rlimits.push((res, v, v.saturating_add(slack).min(hard)));
        rlimit_names.push(format!("{name}={v}"));
    };
    if let Some(p) = l.pids {
        // With a pids cgroup, pids.max is the limit (and counts the forks it refuses);
        // RLIMIT_NPROC, twice as high, is a backstop. Without one it is the limit.
        let nproc = if host.pids_by_cgroup {
            p.saturating_mul(2)
        } else {
            p
        };
        limit(libc::RLIMIT_NPROC as c_int, "nproc", nproc, 0);
    }
    if let Some(m) = l.memory {
        if !host.memory_by_cgroup {
            limit(libc::RLIMIT_AS as c_int, "as", m, 0);
            limit(libc::RLIMIT_DATA as c_int, "data", m, 0);
        }
    }
    if let Some(c) = l.cpu_time {
        limit(libc::RLIMIT_CPU as c_int, "cpu", c, 1);
    }
    if let Some(f) = l.file_size {
        limit(libc::RLIMIT_FSIZE as c_int, "fsize", f, 0);
    }
    let nofile = l.open_files.unwrap_or(1024).min(host.nofile_hard);
    limit(libc::RLIMIT_NOFILE as c_int, "nofile", nofile, 0);
    limit(libc::RLIMIT_CORE as c_int, "core", 0, 0);
    limit(
        libc::RLIMIT_MSGQUEUE as c_int,
        "msgqueue",
        MSGQUEUE_BYTES,
        0,
    );
    limit(
        libc::RLIMIT_SIGPENDING as c_int,
        "sigpending",
        SIGPENDING,
        0,
    );

    (rlimits, rlimit_names)
}

/// A writable tmpfs's options: world-writable, `size` bytes, and as many inodes as 4 KiB
/// pages fit (an inode is kernel memory the size does not count).
fn tmpfs_data(size: u64) -> String {
    format!(
        "mode=1777,size={size},nr_inodes={}",
        (size / 4096).max(1024)
    )
}

/// Bytes as the report prints them (`64 MiB`).
fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

fn cstr(s: impl AsRef<OsStr>) -> Result<CString, Error> {
    CString::new(s.as_ref().as_bytes()).map_err(|_| {
        Error::Config(ConfigError::new(
            "path",
            format!("{:?} contains a NUL byte", s.as_ref()),
        ))
    })
}

fn join(root: &str, p: &Path) -> PathBuf {
    let mut out = PathBuf::from(root);
    out.push(p.strip_prefix("/").unwrap_or(p));
    out
}

/// The plugin's environment (`PATH` and `HOME` first, the caller's variables over them), the
/// paths to try for its program (the program itself when it has a `/`, else each `PATH`
/// directory's), and its argument vector.
fn exec_args(cfg: &SandboxConfig) -> Result<ExecArgs, Error> {
    let mut env: Vec<(OsString, OsString)> = vec![
        ("PATH".into(), DEFAULT_PATH.into()),
        ("HOME".into(), DEFAULT_HOME.into()),
    ];
    for (k, v) in &cfg.env {
        if let Some(slot) = env.iter_mut().find(|(ek, _)| ek == k) {
            slot.1 = v.clone();
        } else {
            env.push((k.clone(), v.clone()));
        }
    }
    let path_value = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone());
    let env_c = env
        .iter()
        .map(|(k, v)| {
            let mut kv = k.clone().into_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).map_err(|_| {
                Error::Config(ConfigError::new(
                    "env",
                    format!("{k:?} contains a NUL byte"),
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let program = &cfg.program;
    let candidates = if program.as_bytes().contains(&b'/') {
        vec![cstr(program)?]
    } else {
        let path = path_value.unwrap_or_default();
        path.as_bytes()
            .split(|b| *b == b':')
            .map(|dir| {
                let dir = if dir.is_empty() { b".".as_slice() } else { dir };
                let mut full = dir.to_vec();
                full.push(b'/');
                full.extend_from_slice(program.as_bytes());
                cstr(OsStr::from_bytes(&full))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let mut argv = vec![cstr(program)?];
    for a in &cfg.args {
        argv.push(cstr(a)?);
    }
    Ok(ExecArgs {
        env: env_c,
        candidates,
        argv,
    })
}

/// What [`exec_args`] prepares.
struct ExecArgs {
    env: Vec<CString>,
    candidates: Vec<CString>,
    argv: Vec<CString>,
}

/// What the parent learned about the host before planning.
pub(crate) struct HostFacts {
    pub(crate) last_cap: u32,
    pub(crate) nofile_hard: u64,
    pub(crate) memory_by_cgroup: bool,
    pub(crate) pids_by_cgroup: bool,
}

impl HostFacts {
    pub(crate) fn probe(memory_by_cgroup: bool, pids_by_cgroup: bool) -> HostFacts {
        let last_cap = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(63);
        let nofile_hard =
            sys::getrlimit(libc::RLIMIT_NOFILE as c_int).map_or(1024, |(_, hard)| hard);
        HostFacts {
            last_cap,
            nofile_hard,
            memory_by_cgroup,
            pids_by_cgroup,
        }
    }
}

/// Builds the plan. `fds` and `stdio` are filled in by the caller afterwards.
pub(crate) fn build(cfg: &SandboxConfig, host: &HostFacts) -> Result<Plan, Error> {
    let ro = sys::MOUNT_ATTR_RDONLY | sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NODEV;
    let rw = sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NODEV;
    let mut o = Ops {
        ops: Vec::new(),
        names: Vec::new(),
        made: Default::default(),
    };
    let (ro_dirs, links, etc_shown) = o.system_dirs(cfg, ro)?;
    let tmp_data = tmpfs_data(cfg.limits.tmp_bytes());
    let devices = o.tmp_and_dev(cfg, &tmp_data)?;
    o.proc_fs(ro)?;
    let writable = o.user_mounts(cfg, ro, rw, &tmp_data)?;

    o.push(FsOp::DetachOldRoot, "detach the old root".into());
    o.push(
        FsOp::RemountReadOnly {
            path: cstr("/dev")?,
        },
        "remount /dev read-only".into(),
    );
    o.push(
        FsOp::RemountReadOnly { path: cstr("/")? },
        "remount / read-only".into(),
    );

    let (rlimits, rlimit_names) = rlimits(&cfg.limits, host);

    let ExecArgs {
        env: env_c,
        candidates,
        argv,
    } = exec_args(cfg)?;
    let argv_ptrs: Vec<*const c_char> = argv
        .iter()
        .map(|c| c.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let env_ptrs: Vec<*const c_char> = env_c
        .iter()
        .map(|c| c.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();

    let filter = cfg.seccomp.insns.clone();
    let guard = cfg
        .terminal_guard
        .as_ref()
        .map(|g| g.program.insns.clone())
        .unwrap_or_default();

    let fs_detail = fs_detail(cfg, &ro_dirs, &links, &devices, etc_shown);

    Ok(Plan {
        clear_groups: false,
        uid: cfg.uid,
        gid: cfg.gid,
        hostname: cstr(&cfg.hostname)?,
        net_none: cfg.network == Network::None,
        base: cstr("/tmp")?,
        old_root_in_base: cstr(join("/tmp", Path::new(OLD_ROOT)))?,
        old_root: cstr(OLD_ROOT)?,
        ops: o.ops,
        op_names: o.names,
        rlimits,
        rlimit_names,
        last_cap: host.last_cap,
        cwd: cstr(&cfg.cwd)?,
        writable,
        filter,
        guard,
        seccomp_flags: 0,
        candidates,
        _argv: argv,
        argv_ptrs,
        _env: env_c,
        env_ptrs,
        stdio: [StdioPlan::Inherit; 3],
        required: cfg.required.iter().fold(0, |acc, l| acc | (1 << l.index())),
        fds: ChildFds::default(),
        fs_detail,
        argv_area: sys::argv_area(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host with 41 capabilities, a 20000 open-file hard limit and no cgroup memory limit.
    const HOST: HostFacts = HostFacts {
        last_cap: 40,
        nofile_hard: 20000,
        memory_by_cgroup: false,
        pids_by_cgroup: false,
    };

    fn names(cfg: &SandboxConfig) -> Vec<String> {
        let host = HOST;
        build(cfg, &host).expect("plan").op_names
    }

    #[test]
    fn root_is_detached_then_made_read_only_last() {
        let cfg = SandboxConfig {
            program: "/bin/true".into(),
            ..SandboxConfig::default()
        };
        let n = names(&cfg);
        let pos = |s: &str| {
            n.iter()
                .position(|x| x == s)
                .unwrap_or_else(|| panic!("{s} in {n:?}"))
        };
        assert!(pos("mount proc on /proc") < pos("detach the old root"));
        assert!(pos("detach the old root") < pos("remount / read-only"));
        assert_eq!(n.last().map(String::as_str), Some("remount / read-only"));
        assert!(n.iter().any(|x| x == "bind /dev/null on /dev/null"));
        assert!(!n.iter().any(|x| x.contains("/dev/tty")));
    }

    #[test]
    fn user_mounts_come_after_system_mounts_with_their_parents() {
        let cfg = SandboxConfig {
            program: "/bin/true".into(),
            mounts: vec![Mount::Tmpfs {
                target: "/work/out".into(),
            }],
            ..SandboxConfig::default()
        };
        let n = names(&cfg);
        let tmpfs = n
            .iter()
            .position(|x| x == "mount tmpfs on /work/out")
            .expect("tmpfs");
        let parent = n.iter().position(|x| x == "mkdir /work").expect("parent");
        let proc = n
            .iter()
            .position(|x| x == "mount proc on /proc")
            .expect("proc");
        assert!(proc < parent && parent < tmpfs);
    }

    #[test]
    fn rlimits_never_exceed_the_hard_limit_and_memory_falls_back() {
        let cfg = SandboxConfig {
            program: "/bin/true".into(),
            limits: crate::config::Limits {
                open_files: Some(1 << 40),
                memory: Some(64 << 20),
                ..Default::default()
            },
            ..SandboxConfig::default()
        };
        let host = HOST;
        let plan = build(&cfg, &host).expect("plan");
        assert!(
            plan.rlimit_names.contains(&"nofile=20000".to_owned()),
            "{:?}",
            plan.rlimit_names
        );
        assert!(plan.rlimit_names.iter().any(|n| n.starts_with("as=")));
        let host = HostFacts {
            memory_by_cgroup: true,
            pids_by_cgroup: false,
            ..host
        };
        let plan = build(&cfg, &host).expect("plan");
        assert!(!plan.rlimit_names.iter().any(|n| n.starts_with("as=")));
    }

    #[test]
    fn program_lookup_uses_the_sandbox_path() {
        let cfg = SandboxConfig {
            program: "python3".into(),
            ..SandboxConfig::default()
        };
        let host = HOST;
        let plan = build(&cfg, &host).expect("plan");
        let c: Vec<String> = plan
            .candidates
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            c,
            ["/usr/local/bin/python3", "/usr/bin/python3", "/bin/python3"]
        );
    }
}

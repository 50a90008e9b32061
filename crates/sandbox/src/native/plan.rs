//! The parent prepares everything the child will need (paths as C strings, argv/envp pointer
//! arrays, the filter, the rlimits) so that the child never allocates.

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
    pub(crate) filter: Vec<libc::sock_filter>,
    /// The terminal guard's filter, installed just before `filter`; empty for none.
    pub(crate) guard: Vec<libc::sock_filter>,
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
        limit(libc::RLIMIT_NPROC as c_int, "nproc", p, 0);
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

/// The canonical path of a bind source, following only symbolic links owned by root.
///
/// A plugin that could write a directory (a `--bind`) in an earlier run may have left links
/// there; a link it made is never owned by root (a root caller's sandbox maps no uid to host
/// root), so one not owned by root is refused, naming where it points. The sandbox then opens
/// the canonical path without following any link, so one that appears later fails too.
fn resolve_source(source: &Path) -> Result<PathBuf, Error> {
    let fail = |why: String| Error::Setup {
        stage: format!("bind source {}", source.display()),
        source: std::io::Error::other(why),
    };
    let io = |e: std::io::Error| Error::Setup {
        stage: format!("bind source {}", source.display()),
        source: e,
    };
    let start = if source.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().map_err(io)?
    };
    let mut todo: Vec<std::ffi::OsString> = start
        .join(source)
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut cur = PathBuf::from("/");
    let mut hops = 0;
    while let Some(c) = todo.pop() {
        if c == ".." {
            cur.pop();
            continue;
        }
        let next = cur.join(&c);
        let meta = std::fs::symlink_metadata(&next).map_err(io)?;
        if !meta.file_type().is_symlink() {
            cur = next;
            continue;
        }
        let target = std::fs::read_link(&next).map_err(io)?;
        if meta.uid() != 0 {
            return Err(fail(format!(
                "{} is a symbolic link (to {}) owned by uid {}, not root: a plugin that could \
                 write there may have planted it, so it is not followed; bind the path it \
                 points to if you mean it",
                next.display(),
                target.display(),
                meta.uid()
            )));
        }
        hops += 1;
        if hops > 40 {
            return Err(io(std::io::Error::from_raw_os_error(libc::ELOOP)));
        }
        if target.is_absolute() {
            cur = PathBuf::from("/");
        }
        for t in target.components().rev() {
            match t {
                Component::Normal(n) => todo.push(n.to_owned()),
                Component::ParentDir => todo.push("..".into()),
                _ => {}
            }
        }
    }
    Ok(cur)
}

/// Files of the minimal /etc up to this size are copied, larger ones bound.
const ETC_COPY_MAX: u64 = 256 << 10;

/// The minimal /etc: each entry of [`ETC_MINIMAL`] the host has, copied (small files everyone
/// may read), bound read-only (directories, large files), or recreated when it is a symbolic
/// link. Returns how many.
fn etc_minimal(o: &mut Ops, ro: u64) -> Result<usize, Error> {
    let mut shown = 0;
    for name in ETC_MINIMAL {
        let path = Path::new("/etc").join(name);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if let Some(parent) = path.parent() {
            o.mkdir_p(parent, 0o755)?;
        }
        if meta.file_type().is_symlink() {
            o.host_link(&path)?;
        } else if meta.is_file() && meta.len() <= ETC_COPY_MAX {
            // A small file is copied into the sandbox's root (read-only with it) by the kernel,
            // inside the sandbox, rather than bound: a mount costs more to make and to tear
            // down than a copy. Only a file everyone may read is shown: the sandbox reads it
            // as the plugin's user.
            if meta.mode() & 0o004 == 0 {
                continue;
            }
            o.push(
                FsOp::CopyFile {
                    src: cstr(join(OLD_ROOT, &path))?,
                    path: cstr(&path)?,
                    max: ETC_COPY_MAX,
                },
                format!("copy {}", path.display()),
            );
        } else {
            o.bind_at(&path, &path, meta.is_dir(), ro)?;
        }
        shown += 1;
    }
    Ok(shown)
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

/// A program as the kernel takes it.
fn sock_filter(p: &jailwright_bpf::Program) -> Vec<libc::sock_filter> {
    p.insns
        .iter()
        .map(|i| libc::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect()
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
}

impl HostFacts {
    pub(crate) fn probe(memory_by_cgroup: bool) -> HostFacts {
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
        }
    }
}

struct Ops {
    ops: Vec<FsOp>,
    names: Vec<String>,
    /// Directories `mkdir_p` has already made (each made once).
    made: std::collections::HashSet<PathBuf>,
}

impl Ops {
    fn push(&mut self, op: FsOp, name: String) {
        self.ops.push(op);
        self.names.push(name);
    }

    fn mkdir_p(&mut self, path: &Path, mode: libc::mode_t) -> Result<(), Error> {
        let mut cur = PathBuf::from("/");
        for c in path.components() {
            if let Component::Normal(n) = c {
                cur.push(n);
                if !self.made.insert(cur.clone()) {
                    continue;
                }
                self.push(
                    FsOp::Mkdir {
                        path: cstr(&cur)?,
                        mode,
                    },
                    format!("mkdir {}", cur.display()),
                );
            }
        }
        Ok(())
    }

    fn bind(&mut self, host: &Path, dst: &Path, attrs: u64, optional: bool) -> Result<(), Error> {
        self.push(
            FsOp::Bind {
                src: cstr(join(OLD_ROOT, host))?,
                dst: cstr(dst)?,
                attrs,
                optional,
            },
            format!("bind {} on {}", host.display(), dst.display()),
        );
        Ok(())
    }

    fn tmpfs(&mut self, dst: &str, flags: c_ulong, data: &str) -> Result<(), Error> {
        self.push(
            FsOp::Tmpfs {
                dst: cstr(dst)?,
                flags,
                data: cstr(data)?,
            },
            format!("mount tmpfs on {dst}"),
        );
        Ok(())
    }

    /// Recreates the host's symbolic link `path` (same target) in the new root; returns the
    /// target.
    fn host_link(&mut self, path: &Path) -> Result<PathBuf, Error> {
        let target = std::fs::read_link(path).map_err(|e| Error::Setup {
            stage: format!("read link {}", path.display()),
            source: e,
        })?;
        self.push(
            FsOp::Symlink {
                target: cstr(&target)?,
                link: cstr(path)?,
            },
            format!("symlink {} -> {}", path.display(), target.display()),
        );
        Ok(target)
    }

    /// Binds host `source` at `target` with `attrs`, creating the mount point first (a
    /// directory, or an empty file when the source is not a directory).
    fn bind_at(
        &mut self,
        source: &Path,
        target: &Path,
        dir: bool,
        attrs: u64,
    ) -> Result<(), Error> {
        let (op, what) = if dir {
            (
                FsOp::Mkdir {
                    path: cstr(target)?,
                    mode: 0o755,
                },
                "mkdir",
            )
        } else {
            (
                FsOp::Touch {
                    path: cstr(target)?,
                },
                "create",
            )
        };
        self.push(op, format!("{what} {}", target.display()));
        self.bind(source, target, attrs, false)
    }

    /// The host's system directories: bound read-only (the minimal /etc when asked), or
    /// recreated as the same link. Returns the directories bound, the links, and how many
    /// /etc entries the minimal view shows.
    fn system_dirs(
        &mut self,
        cfg: &SandboxConfig,
        ro: u64,
    ) -> Result<(Vec<&'static str>, Vec<String>, usize), Error> {
        let mut ro_dirs = Vec::new();
        let mut links = Vec::new();

        let mut etc_shown = 0;
        for dir in SYSTEM_DIRS {
            let path = Path::new(dir);
            let Ok(meta) = std::fs::symlink_metadata(path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                let target = self.host_link(path)?;
                links.push(format!("{dir}->{}", target.display()));
            } else if meta.is_dir() && *dir == "/etc" && cfg.etc_minimal {
                self.mkdir_p(path, 0o755)?;
                let shown = etc_minimal(self, ro)?;
                ro_dirs.push("/etc (minimal)");
                etc_shown = shown;
            } else if meta.is_dir() {
                self.mkdir_p(path, 0o755)?;
                self.bind(path, path, ro, false)?;
                ro_dirs.push(*dir);
            }
        }
        Ok((ro_dirs, links, etc_shown))
    }

    /// `/tmp` (sized), `/dev` with the devices bound from the host, `/dev/shm` (sized) and the
    /// `/dev/fd` links. Returns the devices.
    fn tmp_and_dev(
        &mut self,
        cfg: &SandboxConfig,
        tmp_data: &str,
    ) -> Result<Vec<&'static str>, Error> {
        self.push(
            FsOp::Mkdir {
                path: cstr("/tmp")?,
                mode: 0o1777,
            },
            "mkdir /tmp".into(),
        );
        let shm_data = tmpfs_data(cfg.limits.shm_bytes());
        self.tmpfs("/tmp", libc::MS_NOSUID | libc::MS_NODEV, tmp_data)?;

        self.push(
            FsOp::Mkdir {
                path: cstr("/dev")?,
                mode: 0o755,
            },
            "mkdir /dev".into(),
        );
        self.tmpfs("/dev", libc::MS_NOSUID | libc::MS_NOEXEC, "mode=755")?;
        let dev_attrs = sys::MOUNT_ATTR_NOSUID | sys::MOUNT_ATTR_NOEXEC;
        let mut devices: Vec<&str> = DEVICES.to_vec();
        if cfg.dev_tty {
            devices.push("tty");
        }
        for d in &devices {
            let p = PathBuf::from(format!("/dev/{d}"));
            self.bind_at(&p, &p, false, dev_attrs)?;
        }
        self.push(
            FsOp::Mkdir {
                path: cstr("/dev/shm")?,
                mode: 0o1777,
            },
            "mkdir /dev/shm".into(),
        );
        self.tmpfs("/dev/shm", libc::MS_NOSUID | libc::MS_NODEV, &shm_data)?;
        for (link, target) in [
            ("/dev/fd", "/proc/self/fd"),
            ("/dev/stdin", "/proc/self/fd/0"),
            ("/dev/stdout", "/proc/self/fd/1"),
            ("/dev/stderr", "/proc/self/fd/2"),
        ] {
            self.push(
                FsOp::Symlink {
                    target: cstr(target)?,
                    link: cstr(link)?,
                },
                format!("symlink {link} -> {target}"),
            );
        }
        Ok(devices)
    }

    /// A fresh `/proc`, the per-user caps written into the sandbox's user namespace, and the
    /// parts of `/proc` bound read-only.
    fn proc_fs(&mut self, ro: u64) -> Result<(), Error> {
        self.push(
            FsOp::Mkdir {
                path: cstr("/proc")?,
                mode: 0o555,
            },
            "mkdir /proc".into(),
        );
        self.push(
            FsOp::Proc {
                dst: cstr("/proc")?,
            },
            "mount proc on /proc".into(),
        );
        for &(name, value) in USER_NS_CAPS {
            let path = format!("/proc/sys/user/{name}");
            self.push(
                FsOp::WriteFile {
                    path: cstr(&path)?,
                    data: cstr(value.to_string())?,
                },
                format!("write {value} to {path}"),
            );
        }
        for p in PROC_READ_ONLY {
            let p = Path::new(p);
            self.push(
                FsOp::Bind {
                    src: cstr(p)?,
                    dst: cstr(p)?,
                    attrs: ro,
                    optional: true,
                },
                format!("bind {} read-only", p.display()),
            );
        }
        Ok(())
    }

    /// The caller's mounts, parents first. Returns every writable place (for Landlock).
    fn user_mounts(
        &mut self,
        cfg: &SandboxConfig,
        ro: u64,
        rw: u64,
        tmp_data: &str,
    ) -> Result<Vec<CString>, Error> {
        let mut writable = vec![cstr("/tmp")?, cstr("/dev/shm")?];
        // Parents before what is mounted inside them (as Docker orders mounts: by the depth of
        // the target), whatever order the options came in; otherwise a bind inside another is
        // hidden by it.
        let mut mounts: Vec<&Mount> = cfg.mounts.iter().collect();
        mounts.sort_by_key(|m| m.target().components().count());
        for m in mounts {
            let target = m.target();
            if let Some(parent) = target.parent() {
                self.mkdir_p(parent, 0o755)?;
            }
            match m {
                Mount::ReadOnlyBind { source, .. } | Mount::Bind { source, .. } => {
                    let source = resolve_source(source)?;
                    let attrs = if m.writable() { rw } else { ro };
                    self.bind_at(&source, target, source.is_dir(), attrs)?;
                }
                Mount::Tmpfs { target } => {
                    self.push(
                        FsOp::Mkdir {
                            path: cstr(target)?,
                            mode: 0o755,
                        },
                        format!("mkdir {}", target.display()),
                    );
                    let t = target.to_string_lossy().into_owned();
                    self.tmpfs(&t, libc::MS_NOSUID | libc::MS_NODEV, tmp_data)?;
                }
            }
            if m.writable() {
                writable.push(cstr(target)?);
            }
        }
        Ok(writable)
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

    let filter = sock_filter(&cfg.seccomp);
    let guard = cfg
        .terminal_guard
        .as_ref()
        .map(|g| sock_filter(&g.program))
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
        required: cfg.required.iter().fold(0, |acc, l| acc | l.bit()),
        fds: ChildFds::default(),
        fs_detail,
        argv_area: sys::argv_area(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cfg: &SandboxConfig) -> Vec<String> {
        let host = HostFacts {
            last_cap: 40,
            nofile_hard: 20000,
            memory_by_cgroup: false,
        };
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
        let host = HostFacts {
            last_cap: 40,
            nofile_hard: 20000,
            memory_by_cgroup: false,
        };
        let plan = build(&cfg, &host).expect("plan");
        assert!(
            plan.rlimit_names.contains(&"nofile=20000".to_owned()),
            "{:?}",
            plan.rlimit_names
        );
        assert!(plan.rlimit_names.iter().any(|n| n.starts_with("as=")));
        let host = HostFacts {
            memory_by_cgroup: true,
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
        let host = HostFacts {
            last_cap: 40,
            nofile_hard: 20000,
            memory_by_cgroup: false,
        };
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

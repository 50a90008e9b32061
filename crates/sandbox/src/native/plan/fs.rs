//! The filesystem half of the plan: every step that builds the new root (mount points, binds,
//! tmpfs, the minimal /etc, /dev, /proc, the caller's binds), prepared in the parent, and the
//! resolution of bind sources through root-owned links only.

use super::*;

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

pub(super) struct Ops {
    pub(super) ops: Vec<FsOp>,
    pub(super) names: Vec<String>,
    /// Directories `mkdir_p` has already made (each made once).
    pub(super) made: std::collections::HashSet<PathBuf>,
}

impl Ops {
    pub(super) fn push(&mut self, op: FsOp, name: String) {
        self.ops.push(op);
        self.names.push(name);
    }

    pub(super) fn mkdir_p(&mut self, path: &Path, mode: libc::mode_t) -> Result<(), Error> {
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

    pub(super) fn bind(
        &mut self,
        host: &Path,
        dst: &Path,
        attrs: u64,
        optional: bool,
    ) -> Result<(), Error> {
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

    pub(super) fn tmpfs(&mut self, dst: &str, flags: c_ulong, data: &str) -> Result<(), Error> {
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
    pub(super) fn host_link(&mut self, path: &Path) -> Result<PathBuf, Error> {
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
    pub(super) fn bind_at(
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
    pub(super) fn system_dirs(
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
    pub(super) fn tmp_and_dev(
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
    pub(super) fn proc_fs(&mut self, ro: u64) -> Result<(), Error> {
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
    pub(super) fn user_mounts(
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

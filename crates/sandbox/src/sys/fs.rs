//! Namespaces, mounts and files, resolved without following links a plugin could plant.

use super::*;

/// `unshare(2)`.
pub fn unshare(flags: c_int) -> Res<()> {
    // SAFETY: integer argument.
    cvt(unsafe { libc::unshare(flags) }).map(drop)
}

/// `sethostname(2)`.
pub fn sethostname(name: &[u8]) -> Res<()> {
    // SAFETY: pointer and length describe a live slice.
    cvt(unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) }).map(drop)
}

/// `mount(2)`.
pub fn mount(
    src: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: c_ulong,
    data: Option<&CStr>,
) -> Res<()> {
    // SAFETY: all strings are NUL-terminated or null, as mount(2) allows.
    cvt(unsafe {
        libc::mount(
            opt_ptr(src),
            target.as_ptr(),
            opt_ptr(fstype),
            flags,
            opt_ptr(data).cast(),
        )
    })
    .map(drop)
}

/// `umount2(2)`.
pub fn umount2(target: &CStr, flags: c_int) -> Res<()> {
    // SAFETY: target is NUL-terminated.
    cvt(unsafe { libc::umount2(target.as_ptr(), flags) }).map(drop)
}

/// `pivot_root(2)`.
pub fn pivot_root(new_root: &CStr, put_old: &CStr) -> Res<()> {
    // SAFETY: both paths are NUL-terminated.
    let r = unsafe { libc::syscall(libc::SYS_pivot_root, new_root.as_ptr(), put_old.as_ptr()) };
    cvt_l(r).map(drop)
}

/// `chdir(2)`.
pub fn chdir(path: &CStr) -> Res<()> {
    // SAFETY: path is NUL-terminated.
    cvt(unsafe { libc::chdir(path.as_ptr()) }).map(drop)
}

/// `mkdir(2)`; an existing entry is not an error.
pub fn mkdir_ok(path: &CStr, mode: libc::mode_t) -> Res<()> {
    // SAFETY: path is NUL-terminated.
    match cvt(unsafe { libc::mkdir(path.as_ptr(), mode) }) {
        Ok(_) | Err(Errno(libc::EEXIST)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// `rmdir(2)`.
pub fn rmdir(path: &CStr) -> Res<()> {
    // SAFETY: path is NUL-terminated.
    cvt(unsafe { libc::rmdir(path.as_ptr()) }).map(drop)
}

/// `symlink(2)`; an existing entry is not an error.
pub fn symlink_ok(target: &CStr, link: &CStr) -> Res<()> {
    // SAFETY: both paths are NUL-terminated.
    match cvt(unsafe { libc::symlink(target.as_ptr(), link.as_ptr()) }) {
        Ok(_) | Err(Errno(libc::EEXIST)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// `statvfs(3)` mount flags (`f_flag`, ST_* which equal the MS_* bits for the per-mount ones).
pub fn statvfs_flags(path: &CStr) -> Res<c_ulong> {
    // SAFETY: statvfs is plain data; all-zero is valid.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: path is NUL-terminated and st is live.
    cvt(unsafe { libc::statvfs(path.as_ptr(), &mut st) })?;
    Ok(st.f_flag)
}

/// Opens the absolute `path` with `O_PATH` without following a symbolic link in any
/// component; one that is a link fails with `ELOOP`. `openat2(RESOLVE_NO_SYMLINKS)` where
/// the kernel has it; before 5.6, each component is opened relative to the one before with
/// `O_NOFOLLOW`. Mount points are crossed. Allocation-free (stack buffers); `..` is refused
/// with `EINVAL` by the walk (the paths are canonical).
pub fn open_no_symlinks(path: &CStr) -> Res<OwnedFd> {
    open_no_symlinks_bytes(path.to_bytes())
}

fn open_no_symlinks_bytes(bytes: &[u8]) -> Res<OwnedFd> {
    if bytes.first() != Some(&b'/') {
        return Err(Errno(libc::EINVAL));
    }
    // One openat2(RESOLVE_NO_SYMLINKS) where the kernel has it (5.6+); the walk otherwise.
    let mut path = [0u8; 4096];
    if bytes.len() < path.len() {
        path[..bytes.len()].copy_from_slice(bytes);
        match openat2_no_symlinks(&path, libc::O_PATH) {
            Err(Errno(libc::ENOSYS)) => {}
            other => return other,
        }
    }
    let mut cur = open(c"/", libc::O_PATH | libc::O_DIRECTORY, 0)?;
    for comp in bytes.split(|&b| b == b'/') {
        if comp.is_empty() || comp == b"." {
            continue;
        }
        let name = nul_name(comp)?;
        // SAFETY: `name` is NUL-terminated (a zeroed buffer longer than the component); `cur`
        // is an open descriptor.
        let fd = retry(|| {
            cvt(unsafe {
                libc::openat(
                    cur.as_raw_fd(),
                    name.as_ptr().cast(),
                    libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                )
            })
        })
        .map(owned)?;
        if is_symlink(&fd)? {
            return Err(Errno(libc::ELOOP));
        }
        cur = fd;
    }
    Ok(cur)
}

/// `struct open_how` (linux/openat2.h).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// RESOLVE_NO_SYMLINKS (linux/openat2.h).
const RESOLVE_NO_SYMLINKS: u64 = 0x04;

/// `openat2(AT_FDCWD, path, flags | O_CLOEXEC, RESOLVE_NO_SYMLINKS)`; `path` is NUL-terminated.
fn openat2_no_symlinks(path: &[u8; 4096], flags: c_int) -> Res<OwnedFd> {
    let how = OpenHow {
        flags: (flags | libc::O_CLOEXEC) as u64,
        mode: 0,
        resolve: RESOLVE_NO_SYMLINKS,
    };
    // SAFETY: `path` is NUL-terminated (the caller copied a shorter path into a zeroed
    // buffer); `how` is a valid open_how of the size passed.
    let r = retry(|| {
        cvt_l(unsafe {
            libc::syscall(
                libc::SYS_openat2,
                libc::AT_FDCWD,
                path.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        })
    })?;
    Ok(owned(r as c_int))
}

fn is_symlink(fd: &OwnedFd) -> Res<bool> {
    // SAFETY: stat is plain data; all-zero is valid.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fd is open, st is live; AT_EMPTY_PATH makes fstatat describe fd itself.
    cvt(unsafe {
        libc::fstatat(
            fd.as_raw_fd(),
            c"".as_ptr(),
            &mut st,
            libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    Ok(st.st_mode & libc::S_IFMT == libc::S_IFLNK)
}

/// The directory of the absolute `path`, opened by [`open_no_symlinks`], and the last
/// component NUL-terminated in a stack buffer.
fn split_no_symlinks(path: &CStr) -> Res<(OwnedFd, [u8; 256])> {
    let bytes = path.to_bytes();
    let cut = bytes
        .iter()
        .rposition(|&b| b == b'/')
        .ok_or(Errno(libc::EINVAL))?;
    let (dir, last) = (&bytes[..cut.max(1)], &bytes[cut + 1..]);
    let name = nul_name(last)?;
    Ok((open_no_symlinks_bytes(dir)?, name))
}

/// One path component, NUL-terminated in a stack buffer; `EINVAL` for an empty one, `..` (the
/// paths are canonical) or one longer than NAME_MAX.
fn nul_name(comp: &[u8]) -> Res<[u8; 256]> {
    if comp.is_empty() || comp == b".." || comp.len() > 255 {
        return Err(Errno(libc::EINVAL));
    }
    let mut name = [0u8; 256];
    name[..comp.len()].copy_from_slice(comp);
    Ok(name)
}

/// Creates the directory `path` (absolute) unless it is one already, following no link on
/// the way or at the end (`ELOOP`).
pub fn mkdir_no_symlinks(path: &CStr, mode: libc::mode_t) -> Res<()> {
    let (dir, name) = split_no_symlinks(path)?;
    let name = CStr::from_bytes_until_nul(&name).map_err(|_| Errno(libc::EINVAL))?;
    mkdirat_ok(&dir, name, mode)
}

/// Creates (or opens) the file `path` (absolute), following no link on the way or at the end
/// (`ELOOP`).
pub fn touch_no_symlinks(path: &CStr) -> Res<()> {
    let (dir, name) = split_no_symlinks(path)?;
    let name = CStr::from_bytes_until_nul(&name).map_err(|_| Errno(libc::EINVAL))?;
    touchat(&dir, name)
}

/// `mkdirat(2)` of `name` in `dir`; an existing directory is fine, an existing link is not
/// (`ELOOP`).
fn mkdirat_ok(dir: &OwnedFd, name: &CStr, mode: libc::mode_t) -> Res<()> {
    // SAFETY: name is NUL-terminated; dir is open.
    match cvt(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode) }) {
        Ok(_) => Ok(()),
        Err(Errno(libc::EEXIST)) => {
            // SAFETY: as above; O_PATH|O_NOFOLLOW opens a link itself rather than its target.
            let fd = cvt(unsafe {
                libc::openat(
                    dir.as_raw_fd(),
                    name.as_ptr(),
                    libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                )
            })
            .map(owned)?;
            if is_symlink(&fd)? {
                Err(Errno(libc::ELOOP))
            } else {
                Ok(())
            }
        }
        Err(e) => Err(e),
    }
}

/// Creates the file `path` (absolute, new, mode 0644) and fills it with at most `max` bytes
/// of the file `src` (absolute), copied by the kernel; neither path is followed through a
/// link, on the way or at the end (`ELOOP`).
pub fn copy_file_no_symlinks(src: &CStr, path: &CStr, max: u64) -> Res<()> {
    let from = open_read_no_symlinks(src)?;
    let (dir, name) = split_no_symlinks(path)?;
    // SAFETY: `name` is NUL-terminated (a zeroed buffer longer than the component); dir is
    // open.
    let to = retry(|| {
        cvt(unsafe {
            libc::openat(
                dir.as_raw_fd(),
                name.as_ptr().cast(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o644 as c_uint,
            )
        })
    })
    .map(owned)?;
    let mut left = max;
    while left > 0 {
        let chunk = left.min(1 << 20) as usize;
        // SAFETY: both descriptors are open; a null offset reads from (and advances) the
        // source's own file offset.
        let n = retry(|| {
            cvt_l(unsafe {
                libc::sendfile(
                    to.as_raw_fd(),
                    from.as_raw_fd(),
                    std::ptr::null_mut(),
                    chunk,
                ) as c_long
            })
        })?;
        if n == 0 {
            break;
        }
        left = left.saturating_sub(n as u64);
    }
    Ok(())
}

/// Opens the file `path` (absolute) for reading without following a link on the way or at
/// the end (`ELOOP`).
fn open_read_no_symlinks(path: &CStr) -> Res<OwnedFd> {
    let bytes = path.to_bytes();
    let mut buf = [0u8; 4096];
    if bytes.first() == Some(&b'/') && bytes.len() < buf.len() {
        buf[..bytes.len()].copy_from_slice(bytes);
        match openat2_no_symlinks(&buf, libc::O_RDONLY | libc::O_NOCTTY) {
            Err(Errno(libc::ENOSYS)) => {}
            other => return other,
        }
    }
    let (dir, name) = split_no_symlinks(path)?;
    // SAFETY: `name` is NUL-terminated (a zeroed buffer longer than the component); dir is
    // open.
    retry(|| {
        cvt(unsafe {
            libc::openat(
                dir.as_raw_fd(),
                name.as_ptr().cast(),
                libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_CLOEXEC,
            )
        })
    })
    .map(owned)
}

/// Creates (or opens) the file `name` in `dir` without following a link there (`ELOOP`).
fn touchat(dir: &OwnedFd, name: &CStr) -> Res<()> {
    // SAFETY: name is NUL-terminated; dir is open.
    retry(|| {
        cvt(unsafe {
            libc::openat(
                dir.as_raw_fd(),
                name.as_ptr(),
                libc::O_WRONLY
                    | libc::O_CREAT
                    | libc::O_NOFOLLOW
                    | libc::O_NOCTTY
                    | libc::O_CLOEXEC,
                0o644 as c_uint,
            )
        })
    })
    .map(owned)
    .map(drop)
}

/// `open_tree(2)` of what `fd` refers to (`AT_EMPTY_PATH`).
pub fn open_tree_fd(fd: &OwnedFd, flags: c_uint) -> Res<OwnedFd> {
    // SAFETY: the empty path with AT_EMPTY_PATH refers to fd, which is open.
    let r = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            fd.as_raw_fd(),
            c"".as_ptr(),
            flags | libc::OPEN_TREE_CLOEXEC as c_uint | libc::AT_EMPTY_PATH as c_uint,
        )
    };
    cvt_l(r).map(|fd| owned(fd as c_int))
}

/// `move_mount(2)` of the detached tree `fd` onto what `target` refers to.
pub fn move_mount_fd(fd: &OwnedFd, target: &OwnedFd) -> Res<()> {
    // SAFETY: both paths are empty and, with the *_EMPTY_PATH flags, refer to the open fds.
    let r = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            fd.as_raw_fd(),
            c"".as_ptr(),
            target.as_raw_fd(),
            c"".as_ptr(),
            (libc::MOVE_MOUNT_F_EMPTY_PATH | libc::MOVE_MOUNT_T_EMPTY_PATH) as c_uint,
        )
    };
    cvt_l(r).map(drop)
}

/// `struct mount_attr` (linux/mount.h).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// MOUNT_ATTR_RDONLY.
pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
/// MOUNT_ATTR_NOSUID.
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
/// MOUNT_ATTR_NODEV.
pub const MOUNT_ATTR_NODEV: u64 = 0x4;
/// MOUNT_ATTR_NOEXEC.
pub const MOUNT_ATTR_NOEXEC: u64 = 0x8;

/// `mount_setattr(2)` on a detached tree fd, optionally recursive. Only sets flags, so locked
/// flags of the source (nodev, nosuid, noexec inherited from the host) are preserved.
pub fn mount_setattr(fd: &OwnedFd, set: u64, recursive: bool) -> Res<()> {
    let attr = MountAttr {
        attr_set: set,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let flags = libc::AT_EMPTY_PATH as c_uint
        | if recursive {
            libc::AT_RECURSIVE as c_uint
        } else {
            0
        };
    // SAFETY: the empty path with AT_EMPTY_PATH refers to fd; attr is a live struct of the
    // size passed.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    cvt_l(r).map(drop)
}

//! Thin wrappers over every raw system call the sandbox makes. This is the only module allowed
//! to use `unsafe`; each block carries a `// SAFETY:` comment.
//!
//! Everything here that the sandboxed child calls (between `clone` and `execve`) is
//! allocation-free and lock-free: the child of a multi-threaded host may not touch the heap,
//! because another host thread may have held the allocator's lock at the moment of `clone`.
//! For the same reason credential changes use the raw system calls rather than glibc's
//! wrappers, which broadcast to the (stale) thread list of the host.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;

use libc::{c_char, c_int, c_long, c_uint, c_ulong, pid_t};

/// An errno value, `Copy` and allocation-free so the child can carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    /// The calling thread's current errno.
    pub fn last() -> Errno {
        Errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }
}

/// Result of a raw call.
pub type Res<T> = Result<T, Errno>;

fn cvt(r: c_int) -> Res<c_int> {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r)
    }
}

fn cvt_l(r: c_long) -> Res<c_long> {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r)
    }
}

fn retry<T>(mut f: impl FnMut() -> Res<T>) -> Res<T> {
    loop {
        match f() {
            Err(Errno(libc::EINTR)) => continue,
            other => return other,
        }
    }
}

fn owned(fd: c_int) -> OwnedFd {
    // SAFETY: callers pass a descriptor the kernel just returned to us, owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn opt_ptr(s: Option<&CStr>) -> *const c_char {
    s.map_or(ptr::null(), CStr::as_ptr)
}

// ---------------------------------------------------------------------------------------------
// Processes

/// `clone(2)` without a new stack (fork semantics) with namespace `flags` and SIGCHLD as the
/// exit signal. Returns 0 in the child.
///
/// The child must not allocate, take locks or unwind (see the module docs).
pub fn clone_process(flags: u64) -> Res<pid_t> {
    let flags = flags | libc::SIGCHLD as u64;
    // SAFETY: a raw clone without CLONE_VM duplicates the address space like fork(2); no stack
    // or TLS pointer is passed (zeros), so the child continues on its copy of this stack. The
    // callers uphold the async-signal-safety rule in the child.
    let r = unsafe {
        libc::syscall(
            libc::SYS_clone,
            flags as c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    cvt_l(r).map(|p| p as pid_t)
}

/// `getrusage(RUSAGE_CHILDREN)`: the waited-for descendants' resource usage.
pub fn children_usage() -> Res<libc::rusage> {
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: usage is a live local of the right type.
    cvt(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) })?;
    Ok(usage)
}

/// Memory for the stack of a [`spawn_shared`] child: anonymous pages with an inaccessible
/// guard page below them, unmapped on drop.
pub struct ChildStack {
    base: *mut libc::c_void,
    len: usize,
    guard: usize,
}

impl ChildStack {
    /// Maps `size` bytes of stack (plus the guard page).
    pub fn new(size: usize) -> Res<ChildStack> {
        // SAFETY: sysconf has no memory effects.
        let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
            p if p > 0 => p as usize,
            _ => 4096,
        };
        let len = size.div_ceil(page) * page + page;
        // SAFETY: a fresh private anonymous mapping; no existing memory is touched.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        let stack = ChildStack {
            base,
            len,
            guard: page,
        };
        // SAFETY: the first page of the mapping made above.
        cvt(unsafe { libc::mprotect(base, page, libc::PROT_NONE) })?;
        Ok(stack)
    }
}

impl Drop for ChildStack {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once; no child runs on it any more
        // (spawn_shared returns only after its child has called execve or exited).
        unsafe { libc::munmap(self.base, self.len) };
    }
}

/// Starts a process that runs `f` on `stack` in this process's memory, the way posix_spawn
/// does (`clone(CLONE_VM | CLONE_VFORK)`, SIGCHLD on exit): no page table is copied, and the
/// caller is suspended until the child calls execve or exits, so the memory the child uses
/// (its stack, the closure and what it borrows) stays valid and untouched meanwhile. Returns
/// the child's pid once the caller resumes.
///
/// The child shares the caller's memory but not its descriptors, signal handlers or
/// credentials; `f` is meant to end in execve or `exit_now` (if it returns, the child exits
/// with status 127), and the async-signal-safety rule of this module applies to it as to any
/// forked child.
pub fn spawn_shared<F: FnOnce()>(stack: &mut ChildStack, f: F) -> Res<pid_t> {
    extern "C" fn trampoline<F: FnOnce()>(arg: *mut libc::c_void) -> c_int {
        // SAFETY: `arg` is the `Option<F>` on the stack of `spawn_shared`, which the suspended
        // parent keeps alive until this child execs or exits; only this child touches it.
        let slot = unsafe { &mut *arg.cast::<Option<F>>() };
        if let Some(f) = slot.take() {
            f();
        }
        // `f` execs or exits; should it return, the child must still never return into the
        // parent's stack frames.
        exit_now(127)
    }
    let mut slot = Some(f);
    // The top of the mapping, 16-byte aligned (the stack grows down on every supported arch).
    let top = (stack.base as usize + stack.len) & !15;
    debug_assert!(top > stack.base as usize + stack.guard);
    // SAFETY: the child runs `trampoline` on `stack`, a live mapping the caller keeps until
    // after this returns; CLONE_VFORK keeps this frame (and `slot`) alive and unused until
    // the child has called execve or exited; the child has its own descriptors and signal
    // handlers (no CLONE_FILES or CLONE_SIGHAND).
    let r = unsafe {
        libc::clone(
            trampoline::<F>,
            top as *mut libc::c_void,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            (&mut slot as *mut Option<F>).cast(),
        )
    };
    cvt(r)
}

/// `_exit(2)`: ends the process at once, without running destructors or atexit handlers.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns and touches no user-space state.
    unsafe { libc::_exit(code) }
}

/// `getppid(2)`.
pub fn getppid() -> pid_t {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::getppid() }
}

/// `geteuid(2)`.
pub fn geteuid() -> u32 {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::geteuid() }
}

/// `getgroups(2)`: this process's supplementary groups (the parent only: it allocates).
pub fn getgroups() -> Vec<u32> {
    // SAFETY: a zero-length query returns the count and writes nothing.
    let n = unsafe { libc::getgroups(0, ptr::null_mut()) };
    let Ok(len) = usize::try_from(n) else {
        return Vec::new();
    };
    let mut groups = vec![0 as libc::gid_t; len];
    // SAFETY: the buffer holds `len` gids, the size passed.
    let got = unsafe { libc::getgroups(n, groups.as_mut_ptr()) };
    groups.truncate(usize::try_from(got).unwrap_or(0));
    groups
}

/// `getegid(2)`.
pub fn getegid() -> u32 {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::getegid() }
}

/// `kill(2)`.
pub fn kill(pid: pid_t, sig: c_int) -> Res<()> {
    // SAFETY: plain syscall with integer arguments.
    cvt(unsafe { libc::kill(pid, sig) }).map(drop)
}

/// `waitpid(2)`; returns `(pid, raw status)`; pid 0 with WNOHANG when nothing is ready.
pub fn waitpid(pid: pid_t, flags: c_int) -> Res<(pid_t, c_int)> {
    let mut status: c_int = 0;
    retry(|| {
        // SAFETY: status points to a live c_int.
        cvt(unsafe { libc::waitpid(pid, &mut status, flags) })
    })
    .map(|p| (p, status))
}

/// `wait4(2)` for one child, with its resource usage (which includes its reaped descendants).
pub fn wait4(pid: pid_t) -> Res<(c_int, libc::rusage)> {
    let mut status: c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    retry(|| {
        // SAFETY: both pointers refer to live locals of the right types.
        cvt(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) })
    })?;
    Ok((status, usage))
}

/// `pidfd_open(2)`.
pub fn pidfd_open(pid: pid_t) -> Res<OwnedFd> {
    // SAFETY: integer arguments; the returned fd is new.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    cvt_l(r).map(|fd| owned(fd as c_int))
}

/// `pidfd_send_signal(2)`.
pub fn pidfd_send_signal(fd: &OwnedFd, sig: c_int) -> Res<()> {
    // SAFETY: integer arguments; a null siginfo means "as if by kill(2)".
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            fd.as_raw_fd(),
            sig,
            ptr::null::<u8>(),
            0,
        )
    };
    cvt_l(r).map(drop)
}

/// `poll(2)`.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: c_int) -> Res<c_int> {
    // SAFETY: the slice is valid for fds.len() elements.
    cvt(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) })
}

/// `pipe2(2)` with O_CLOEXEC; returns (read end, write end).
pub fn pipe() -> Res<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: fds has room for the two descriptors.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    Ok((owned(fds[0]), owned(fds[1])))
}

/// `socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)`.
pub fn seqpacket_pair() -> Res<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: fds has room for the two descriptors.
    cvt(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    Ok((owned(fds[0]), owned(fds[1])))
}

/// `read(2)`, retried on EINTR.
pub fn read(fd: RawFd, buf: &mut [u8]) -> Res<usize> {
    retry(|| {
        // SAFETY: buf is valid for writes of buf.len() bytes.
        let r = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        cvt_l(r as c_long).map(|n| n as usize)
    })
}

/// `write(2)`, retried on EINTR.
pub fn write(fd: RawFd, buf: &[u8]) -> Res<usize> {
    retry(|| {
        // SAFETY: buf is valid for reads of buf.len() bytes.
        let r = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        cvt_l(r as c_long).map(|n| n as usize)
    })
}

/// `close(2)` of a raw descriptor the caller knows to be its own (errors ignored).
pub fn close(fd: RawFd) {
    // SAFETY: closing a descriptor number affects no memory; callers only pass descriptors
    // they own in this process image.
    unsafe {
        libc::close(fd);
    }
}

/// `dup2(2)`.
pub fn dup2(old: RawFd, new: RawFd) -> Res<()> {
    // SAFETY: integer arguments.
    retry(|| cvt(unsafe { libc::dup2(old, new) })).map(drop)
}

/// Clears or sets FD_CLOEXEC.
pub fn set_cloexec(fd: RawFd, on: bool) -> Res<()> {
    // SAFETY: integer arguments.
    let flags = cvt(unsafe { libc::fcntl(fd, libc::F_GETFD) })?;
    let flags = if on {
        flags | libc::FD_CLOEXEC
    } else {
        flags & !libc::FD_CLOEXEC
    };
    // SAFETY: integer arguments.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFD, flags) }).map(drop)
}

/// Sets O_NONBLOCK.
pub fn set_nonblocking(fd: RawFd) -> Res<()> {
    // SAFETY: integer arguments.
    let flags = cvt(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    // SAFETY: integer arguments.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) }).map(drop)
}

/// The file status flags (`F_GETFL`) of `fd`.
pub fn get_status_flags(fd: RawFd) -> Res<c_int> {
    // SAFETY: integer arguments.
    cvt(unsafe { libc::fcntl(fd, libc::F_GETFL) })
}

/// Sets the file status flags (`F_SETFL`) of `fd`.
pub fn set_status_flags(fd: RawFd, flags: c_int) -> Res<()> {
    // SAFETY: integer arguments.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFL, flags) }).map(drop)
}

/// The terminal settings of `fd` (`tcgetattr`); `ENOTTY` when it is not a terminal.
pub fn tcgetattr(fd: RawFd) -> Res<libc::termios> {
    // SAFETY: termios is plain old data; tcgetattr fills it or fails.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `t` is a valid, writable termios for the duration of the call.
    cvt(unsafe { libc::tcgetattr(fd, &mut t) })?;
    Ok(t)
}

/// Sets the terminal settings of `fd` at once (`tcsetattr(TCSANOW)`).
pub fn tcsetattr(fd: RawFd, t: &libc::termios) -> Res<()> {
    // SAFETY: `t` points to a valid termios for the duration of the call.
    cvt(unsafe { libc::tcsetattr(fd, libc::TCSANOW, t) }).map(drop)
}

/// The window size of the terminal `fd` (`TIOCGWINSZ`).
pub fn get_winsize(fd: RawFd) -> Res<libc::winsize> {
    let mut w = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: `w` is a valid, writable winsize for the duration of the call.
    cvt(unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut w) })?;
    Ok(w)
}

/// Sets the window size of the terminal `fd` (`TIOCSWINSZ`).
pub fn set_winsize(fd: RawFd, w: &libc::winsize) -> Res<()> {
    // SAFETY: `w` points to a valid winsize for the duration of the call.
    cvt(unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, w) }).map(drop)
}

/// `close_range(2)`.
pub fn close_range(first: u32, last: u32, flags: u32) -> Res<()> {
    // SAFETY: integer arguments; the caller owns every descriptor in the range.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first as c_uint,
            last as c_uint,
            flags,
        )
    };
    cvt_l(r).map(drop)
}

/// Marks every descriptor from `first` up as close-on-exec (close_range with CLOEXEC, or a
/// loop on kernels older than 5.11).
pub fn cloexec_from(first: RawFd) {
    if close_range(first as u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC).is_ok() {
        return;
    }
    let max = getrlimit(libc::RLIMIT_NOFILE as c_int).map_or(1024, |(soft, _)| soft.min(65536));
    for fd in first..max as RawFd {
        let _ = set_cloexec(fd, true);
    }
}

/// Opens a path (for the child: allocation-free).
pub fn open(path: &CStr, flags: c_int, mode: libc::mode_t) -> Res<OwnedFd> {
    // SAFETY: path is NUL-terminated.
    retry(|| cvt(unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC, mode as c_uint) }))
        .map(owned)
}

// ---------------------------------------------------------------------------------------------
// Signals

/// A signal set (plain data).
#[derive(Clone, Copy)]
pub struct SigSet(libc::sigset_t);

impl SigSet {
    /// The set of the given signals.
    pub fn of(sigs: &[c_int]) -> SigSet {
        // SAFETY: sigset_t is plain data; sigemptyset initialises it.
        let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: set is a live sigset_t.
        unsafe { libc::sigemptyset(&mut set) };
        for &s in sigs {
            // SAFETY: set is a live sigset_t; invalid numbers are rejected with EINVAL.
            unsafe { libc::sigaddset(&mut set, s) };
        }
        SigSet(set)
    }
}

/// Blocks the signals in `set` (adds them to the mask).
pub fn block(set: &SigSet) -> Res<()> {
    // SAFETY: set is a live sigset_t; the old mask is not wanted.
    let r = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set.0, ptr::null_mut()) };
    if r != 0 {
        Err(Errno(r))
    } else {
        Ok(())
    }
}

/// Unblocks every signal.
pub fn unblock_all() -> Res<()> {
    let set = SigSet::of(&[]);
    // SAFETY: set is a live, empty sigset_t.
    let r = unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &set.0, ptr::null_mut()) };
    if r != 0 {
        Err(Errno(r))
    } else {
        Ok(())
    }
}

/// `sigwaitinfo(2)` for a signal in `set`; returns the signal number.
pub fn sigwait(set: &SigSet) -> Res<c_int> {
    retry(|| {
        // SAFETY: set is live; a null siginfo is allowed.
        cvt(unsafe { libc::sigwaitinfo(&set.0, ptr::null_mut()) })
    })
}

/// Resets the disposition of every catchable signal to SIG_DFL (dispositions set to SIG_IGN by
/// the host survive execve, SIGPIPE in particular).
pub fn reset_signal_dispositions() {
    for sig in 1..libc::SIGRTMAX() {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: SIG_DFL installs no handler; invalid numbers fail with EINVAL, ignored.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Namespaces, mounts, files

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

// ---------------------------------------------------------------------------------------------
// Network

/// Brings the loopback interface up in the current network namespace.
pub fn loopback_up() -> Res<()> {
    // SAFETY: integer arguments; the fd is new.
    let sock =
        cvt(unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) })
            .map(owned)?;
    // SAFETY: ifreq is plain data; all-zero is valid.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as c_char;
    }
    // SAFETY: req is a live ifreq; SIOCGIFFLAGS fills ifru_flags.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) })?;
    // SAFETY: reading the union member SIOCGIFFLAGS just wrote.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    req.ifr_ifru.ifru_flags = flags | (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    // SAFETY: req is a live ifreq with the name and flags set.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) }).map(drop)
}

// ---------------------------------------------------------------------------------------------
// Identity

/// `prctl(2)` with integer arguments.
pub fn prctl(option: c_int, a2: c_ulong, a3: c_ulong, a4: c_ulong, a5: c_ulong) -> Res<c_int> {
    // SAFETY: every option used by this crate takes integer arguments only.
    cvt(unsafe { libc::prctl(option, a2, a3, a4, a5) })
}

/// Raw `setresuid(2)` (this thread only; see the module docs).
pub fn setresuid(uid: u32) -> Res<()> {
    // SAFETY: integer arguments.
    cvt_l(unsafe { libc::syscall(libc::SYS_setresuid, uid, uid, uid) }).map(drop)
}

/// Raw `setresgid(2)`.
pub fn setresgid(gid: u32) -> Res<()> {
    // SAFETY: integer arguments.
    cvt_l(unsafe { libc::syscall(libc::SYS_setresgid, gid, gid, gid) }).map(drop)
}

/// Raw `setgroups(0, NULL)`: clears the supplementary groups.
pub fn clear_groups() -> Res<()> {
    // SAFETY: a zero-length list with a null pointer.
    cvt_l(unsafe { libc::syscall(libc::SYS_setgroups, 0usize, ptr::null::<libc::gid_t>()) })
        .map(drop)
}

/// `capset(2)` with empty effective, permitted and inheritable sets (version 3, 64 caps).
pub fn capset_zero() -> Res<()> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: c_int,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let header = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let data = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: header and the two-element data array match _LINUX_CAPABILITY_VERSION_3.
    cvt_l(unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) }).map(drop)
}

/// `setsid(2)`.
pub fn setsid() -> Res<()> {
    // SAFETY: no arguments.
    cvt(unsafe { libc::setsid() }).map(drop)
}

/// `getrlimit(2)`; returns (soft, hard).
pub fn getrlimit(resource: c_int) -> Res<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: r is a live rlimit.
    cvt(unsafe { libc::getrlimit(resource as _, &mut r) })?;
    Ok((r.rlim_cur, r.rlim_max))
}

/// `setrlimit(2)`.
pub fn setrlimit(resource: c_int, soft: u64, hard: u64) -> Res<()> {
    let r = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: r is a live rlimit.
    cvt(unsafe { libc::setrlimit(resource as _, &r) }).map(drop)
}

// ---------------------------------------------------------------------------------------------
// Landlock (linux/landlock.h)

/// The highest Landlock ABI the kernel supports.
pub fn landlock_abi() -> Res<i32> {
    // SAFETY: the LANDLOCK_CREATE_RULESET_VERSION query takes a null attr and size 0.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            ptr::null::<u8>(),
            0usize,
            1u32,
        )
    };
    cvt_l(r).map(|v| v as i32)
}

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// Creates a ruleset. `abi` decides the size of the attribute passed (older kernels reject
/// unknown trailing fields).
pub fn landlock_create_ruleset(abi: i32, fs: u64, scoped: u64) -> Res<OwnedFd> {
    let attr = RulesetAttr {
        handled_access_fs: fs,
        handled_access_net: 0,
        scoped,
    };
    let size = if abi >= 6 {
        std::mem::size_of::<RulesetAttr>()
    } else if abi >= 4 {
        16
    } else {
        8
    };
    // SAFETY: attr is live and at least `size` bytes long.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            size,
            0u32,
        )
    };
    cvt_l(r).map(|fd| owned(fd as c_int))
}

/// Adds a path-beneath rule.
pub fn landlock_add_path(ruleset: &OwnedFd, access: u64, dir: &OwnedFd) -> Res<()> {
    let attr = PathBeneathAttr {
        allowed_access: access,
        parent_fd: dir.as_raw_fd(),
    };
    // SAFETY: LANDLOCK_RULE_PATH_BENEATH (1) with a live, packed path_beneath_attr.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset.as_raw_fd(),
            1u32,
            &attr as *const PathBeneathAttr,
            0u32,
        )
    };
    cvt_l(r).map(drop)
}

/// Enforces the ruleset on this thread (requires no_new_privs).
pub fn landlock_restrict_self(ruleset: &OwnedFd) -> Res<()> {
    // SAFETY: integer arguments.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset.as_raw_fd(), 0u32) };
    cvt_l(r).map(drop)
}

// ---------------------------------------------------------------------------------------------
// Seccomp

/// Installs a filter with `seccomp(SECCOMP_SET_MODE_FILTER, flags)`; returns the listener fd
/// when `flags` asked for one.
pub fn seccomp_install(filter: &[libc::sock_filter], flags: c_ulong) -> Res<Option<OwnedFd>> {
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr().cast_mut(),
    };
    // SAFETY: prog points to `len` live instructions; the kernel copies them.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &prog as *const libc::sock_fprog,
        )
    };
    let r = cvt_l(r)?;
    if flags & libc::SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
        Ok(Some(owned(r as c_int)))
    } else {
        Ok(None)
    }
}

/// Control-message storage for one descriptor, aligned for `cmsghdr`.
#[repr(C)]
union Cmsg {
    buf: [u8; 64],
    _align: libc::cmsghdr,
}

/// Runs `f` with a `msghdr` for one byte of data and `controllen` (at most 64) bytes of
/// control space, all on this stack frame: the message of [`send_fd`] and [`recv_fd`].
fn with_fd_msg<T>(controllen: usize, f: impl FnOnce(&mut libc::msghdr) -> T) -> T {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut cmsg = Cmsg { buf: [0; 64] };
    // SAFETY: msghdr is plain data; all-zero is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: taking the address of the union's buffer.
    msg.msg_control = unsafe { cmsg.buf.as_mut_ptr().cast() };
    msg.msg_controllen = controllen.min(64);
    f(&mut msg)
}

/// Sends one descriptor over a unix socket (SCM_RIGHTS); allocation-free.
pub fn send_fd(sock: RawFd, fd: RawFd) -> Res<()> {
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<c_int>() as u32) } as usize;
    with_fd_msg(space, |msg| {
        // SAFETY: msg_control points to `space` (<= 64) bytes of aligned storage, so the
        // first header and its data fit; the macros only compute addresses inside it.
        unsafe {
            let hdr = libc::CMSG_FIRSTHDR(msg);
            (*hdr).cmsg_level = libc::SOL_SOCKET;
            (*hdr).cmsg_type = libc::SCM_RIGHTS;
            (*hdr).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<c_int>() as u32) as usize;
            ptr::write_unaligned(libc::CMSG_DATA(hdr).cast::<c_int>(), fd);
        }
        retry(|| {
            // SAFETY: msg and everything it points to are live.
            cvt_l(unsafe { libc::sendmsg(sock, msg, libc::MSG_NOSIGNAL) } as c_long)
        })
        .map(drop)
    })
}

/// Receives one descriptor sent by [`send_fd`]; `Ok(None)` when the peer closed first.
pub fn recv_fd(sock: RawFd) -> Res<Option<OwnedFd>> {
    with_fd_msg(64, |msg| {
        let n = retry(|| {
            // SAFETY: msg and everything it points to are live.
            cvt_l(unsafe { libc::recvmsg(sock, msg, libc::MSG_CMSG_CLOEXEC) } as c_long)
        })?;
        if n == 0 {
            return Ok(None);
        }
        // SAFETY: the kernel filled msg_control/msg_controllen; the macros walk only that
        // buffer.
        unsafe {
            let hdr = libc::CMSG_FIRSTHDR(msg);
            if hdr.is_null()
                || (*hdr).cmsg_level != libc::SOL_SOCKET
                || (*hdr).cmsg_type != libc::SCM_RIGHTS
            {
                return Ok(None);
            }
            let fd = ptr::read_unaligned(libc::CMSG_DATA(hdr).cast::<c_int>());
            Ok(Some(owned(fd)))
        }
    })
}

/// `SECCOMP_IOCTL_NOTIF_RECV`.
pub fn notif_recv(listener: &OwnedFd) -> Res<libc::seccomp_notif> {
    // SAFETY: the kernel requires a zeroed seccomp_notif; it is plain data.
    let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: n is a live seccomp_notif of the size the ioctl number encodes.
    cvt(unsafe { libc::ioctl(listener.as_raw_fd(), libc::SECCOMP_IOCTL_NOTIF_RECV, &mut n) })?;
    Ok(n)
}

/// `SECCOMP_IOCTL_NOTIF_SEND`: answers notification `id` with `-errno` or "continue".
pub fn notif_send(listener: &OwnedFd, id: u64, errno: i32, cont: bool) -> Res<()> {
    let resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: if cont { 0 } else { -errno },
        flags: if cont {
            libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32
        } else {
            0
        },
    };
    // SAFETY: resp is a live seccomp_notif_resp of the size the ioctl number encodes.
    cvt(unsafe { libc::ioctl(listener.as_raw_fd(), libc::SECCOMP_IOCTL_NOTIF_SEND, &resp) })
        .map(drop)
}

/// The `[arg_start, arg_end)` range of this process's command line (`/proc/self/stat` fields
/// 48 and 49), read by the parent before `clone`.
pub fn argv_area() -> Option<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // `rest` starts at field 3 (state): field N is fields[N - 3].
    let start = fields.get(48 - 3)?.parse().ok()?;
    let end = fields.get(49 - 3)?.parse().ok()?;
    (end > start).then_some((start, end))
}

/// Zeroes the command-line area of this process image so `/proc/PID/cmdline` reads empty.
/// Only for the sandbox's init, which runs on a private copy of the caller's memory and never
/// reads its arguments again.
pub fn scrub_argv(area: Option<(usize, usize)>) {
    let Some((start, end)) = area else { return };
    // SAFETY: [start, end) is this process's argv area as the kernel reported it for the
    // caller before clone; clone without CLONE_VM gave init a private, writable copy of the
    // same mapping (the initial stack). Nothing in init reads these bytes afterwards, and
    // the caller's own memory is not affected.
    unsafe { ptr::write_bytes(start as *mut u8, 0, end - start) };
}

// ---------------------------------------------------------------------------------------------
// Exec

/// `execve(2)`; returns only on failure.
///
/// `argv` and `envp` must be null-terminated arrays of pointers to NUL-terminated strings that
/// outlive the call (the native backend's plan owns them).
pub fn execve(path: &CStr, argv: &[*const c_char], envp: &[*const c_char]) -> Errno {
    let terminated = |v: &[*const c_char]| matches!(v.last(), Some(p) if p.is_null());
    if !terminated(argv) || !terminated(envp) {
        return Errno(libc::EINVAL);
    }
    // SAFETY: both arrays are non-empty and end in a null pointer (checked above) and their elements point to
    // C strings owned by the caller's plan, alive for the call.
    unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    Errno::last()
}

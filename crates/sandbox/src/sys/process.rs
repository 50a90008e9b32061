//! Processes: clone, fork-like spawns, wait, pidfd, rlimits, prctl.

use super::*;

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

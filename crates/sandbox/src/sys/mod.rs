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

mod exec;
mod fs;
mod identity;
mod landlock;
mod net;
mod process;
mod seccomp;
mod signals;

pub use exec::*;
pub use fs::*;
pub use identity::*;
pub use landlock::*;
pub use net::*;
pub use process::*;
pub use seccomp::*;
pub use signals::*;

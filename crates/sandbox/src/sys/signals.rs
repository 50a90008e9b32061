//! Signals: masks, sigwait, dispositions.

use super::*;

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

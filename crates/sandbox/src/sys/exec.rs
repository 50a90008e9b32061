//! Exec.

use super::*;

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

//! Reads the seccomp filters a live process runs under, as the kernel holds them
//! (`PTRACE_SECCOMP_GET_FILTER`, Linux 4.4+, needs CAP_SYS_ADMIN): the filters a container
//! runtime really installed, to compare with what jailwright says it installs.

use jailwright_bpf::{Insn, Program};

const PTRACE_SECCOMP_GET_FILTER: libc::c_uint = 0x420c;

fn errno() -> std::io::Error {
    std::io::Error::last_os_error()
}

/// Every filter of process `pid`, the most recently installed first (index 0, as the kernel
/// numbers them). Attaches with `PTRACE_SEIZE`, stops the process with `PTRACE_INTERRUPT`,
/// reads, detaches.
pub fn filters(pid: i32) -> Result<Vec<Program>, String> {
    // SAFETY: PTRACE_SEIZE takes no addr/data pointers (0, 0); a failure is returned as -1.
    if unsafe { libc::ptrace(libc::PTRACE_SEIZE, pid, 0, 0) } == -1 {
        return Err(format!("PTRACE_SEIZE {pid}: {}", errno()));
    }
    let result = stopped(pid).and_then(|()| read_all(pid));
    // SAFETY: detaching a tracee this process seized; addr and data are unused.
    unsafe { libc::ptrace(libc::PTRACE_DETACH, pid, 0, 0) };
    result
}

fn stopped(pid: i32) -> Result<(), String> {
    // SAFETY: PTRACE_INTERRUPT on a seized tracee; addr and data are unused.
    if unsafe { libc::ptrace(libc::PTRACE_INTERRUPT, pid, 0, 0) } == -1 {
        return Err(format!("PTRACE_INTERRUPT {pid}: {}", errno()));
    }
    let mut status = 0;
    // SAFETY: waits for the tracee's stop; `status` is a live c_int.
    if unsafe { libc::waitpid(pid, &mut status, libc::__WALL) } != pid {
        return Err(format!("waitpid {pid}: {}", errno()));
    }
    Ok(())
}

fn read_all(pid: i32) -> Result<Vec<Program>, String> {
    let mut out = Vec::new();
    for index in 0.. {
        // SAFETY: with a null buffer the call only returns the filter's length.
        let n = unsafe {
            libc::ptrace(
                PTRACE_SECCOMP_GET_FILTER,
                pid,
                index as libc::c_ulong,
                std::ptr::null_mut::<libc::c_void>(),
            )
        };
        if n == -1 {
            let e = errno();
            if e.raw_os_error() == Some(libc::ENOENT) && index > 0 {
                return Ok(out);
            }
            return Err(format!("PTRACE_SECCOMP_GET_FILTER {pid} #{index}: {e}"));
        }
        let mut insns = vec![Insn::new(0, 0, 0, 0); n as usize];
        // SAFETY: `insns` has room for the `n` instructions the kernel reported, and `Insn` is
        // laid out as `struct sock_filter` (#[repr(C)]: u16, u8, u8, u32).
        let m = unsafe {
            libc::ptrace(
                PTRACE_SECCOMP_GET_FILTER,
                pid,
                index as libc::c_ulong,
                insns.as_mut_ptr().cast::<libc::c_void>(),
            )
        };
        if m != n {
            return Err(format!(
                "PTRACE_SECCOMP_GET_FILTER {pid} #{index}: {m} of {n} instructions"
            ));
        }
        out.push(Program { insns });
    }
    Ok(out)
}

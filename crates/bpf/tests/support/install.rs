//! Installs a compiled program in the calling thread, as the kernel tests and the benchmark
//! need it (not part of the library: the sandbox crate owns installation for real runs).

use jailwright_bpf::Program;

/// Sets `PR_SET_NO_NEW_PRIVS` and installs `p` with `seccomp(SECCOMP_SET_MODE_FILTER)`;
/// whether both calls succeeded.
pub fn install(p: &Program) -> bool {
    let mut filters: Vec<libc::sock_filter> = p
        .insns
        .iter()
        .map(|i| libc::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect();
    let prog = libc::sock_fprog {
        len: filters.len() as u16,
        filter: filters.as_mut_ptr(),
    };
    // SAFETY: prctl and seccomp with valid arguments; `prog` points at `filters`, which lives
    // across the call (the kernel copies it).
    unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
            && libc::syscall(
                libc::SYS_seccomp,
                1, /* SET_MODE_FILTER */
                0,
                &prog as *const _,
            ) == 0
    }
}

//! Installs a compiled program in the calling thread, as the kernel tests and the benchmark
//! need it (not part of the library: the sandbox crate owns installation for real runs).

use jailwright_bpf::Program;

/// Sets `PR_SET_NO_NEW_PRIVS` and installs `p` with `seccomp(SECCOMP_SET_MODE_FILTER)`;
/// whether both calls succeeded.
pub fn install(p: &Program) -> bool {
    assert_eq!(
        std::mem::size_of::<jailwright_bpf::Insn>(),
        std::mem::size_of::<libc::sock_filter>()
    );
    let prog = libc::sock_fprog {
        len: p.insns.len() as u16,
        filter: p.insns.as_ptr().cast::<libc::sock_filter>().cast_mut(),
    };
    // SAFETY: prctl and seccomp with valid arguments; `prog` points at `p.insns`, which lives
    // across the call, laid out as `struct sock_filter` (`Insn` is `#[repr(C)]` with its
    // fields); the kernel only reads and copies it.
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

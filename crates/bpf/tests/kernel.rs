//! Real-kernel tests (x86_64 only): a forked child installs a compiled filter with
//! `PR_SET_NO_NEW_PRIVS` + `seccomp(SECCOMP_SET_MODE_FILTER)` and makes calls; it reports
//! through its exit code (0 = as expected, otherwise the number of the failed check).
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use jailwright_bpf::emu::{self, SeccompData};
use jailwright_bpf::{compile, CompileOptions, Program};
use jailwright_profile::{catalogue, resolve, Action, Arch, Target};

#[path = "support/install.rs"]
mod support_install;
use support_install::install;

/// Calls `nr` and returns `-errno` or the result.
fn call(nr: i64, a0: u64) -> i64 {
    // SAFETY: raw syscall with integer arguments; the numbers used here take no pointers
    // that the kernel would write through (or get 0).
    let r = unsafe { libc::syscall(nr, a0, 0u64, 0u64, 0u64) };
    if r == -1 {
        // SAFETY: reading errno right after the failed call.
        -i64::from(unsafe { *libc::__errno_location() })
    } else {
        r
    }
}

/// An i386 call through `int $0x80`: returns eax (`-errno` on failure).
fn int80(nr: u32, a0: u32) -> i32 {
    let ret: i32;
    // SAFETY: `int 0x80` enters the kernel's i386 entry; rbx is saved and restored around
    // it because LLVM reserves it; the calls used take integer arguments only.
    unsafe {
        core::arch::asm!(
            "xchg {b:r}, rbx",
            "int 0x80",
            "xchg {b:r}, rbx",
            b = inout(reg) u64::from(a0) => _,
            inlateout("eax") nr as i32 => ret,
            in("ecx") 0u32,
            in("edx") 0u32,
        );
    }
    ret
}

/// Runs `checks` in a forked child under `p`; returns its exit code.
fn in_child(p: &Program, checks: fn() -> i32) -> i32 {
    // SAFETY: fork in a test binary; the child only makes raw syscalls and _exit()s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = if install(p) { checks() } else { 100 };
        // SAFETY: leaving the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        1000 + libc::WTERMSIG(status)
    }
}

fn nr(arch: Arch, name: &str) -> u32 {
    jailwright_profile::tables::table(arch)
        .unwrap()
        .lookup(name)
        .unwrap()
}

#[test]
fn docker_default_in_the_kernel() {
    let policy = resolve(
        &catalogue::get("docker-default").unwrap().profile(),
        &Target::docker(Arch::X86_64),
    );
    let c = compile(&policy, &CompileOptions::default()).unwrap();
    // The emulator's view of the calls the child makes.
    let x64 = Arch::X86_64.audit_arch();
    let dec = |tok, n| {
        Action::from_ret_value(emu::run_unchecked(
            &c.program,
            &SeccompData::new(tok, n, [0; 6]),
            c.endian,
        ))
    };
    assert_eq!(
        dec(x64, 0x4000_0000 | 39),
        Some(Action::Allow),
        "x32 getpid"
    );
    assert_eq!(
        dec(x64, 0x4000_0000 | 250),
        Some(Action::Errno(1)),
        "x32 keyctl"
    );
    assert_eq!(
        dec(Arch::X86.audit_arch(), nr(Arch::X86, "keyctl")),
        Some(Action::Errno(1))
    );
    let code = in_child(&c.program, || {
        if call(libc::SYS_getppid, 0) <= 0 {
            return 1;
        }
        if call(libc::SYS_keyctl, 0) != -i64::from(libc::EPERM) {
            return 2;
        }
        if call(libc::SYS_personality, 0xffff_ffff) < 0 {
            return 3;
        }
        if call(libc::SYS_personality, 0x1234) != -i64::from(libc::EPERM) {
            return 4;
        }
        // x32 keyctl: the filter's EPERM, not the kernel's ENOSYS for a missing x32 ABI.
        if call(0x4000_0000 | 250, 0) != -i64::from(libc::EPERM) {
            return 5;
        }
        // x32 getpid: allowed by the filter, then ENOSYS (no x32 in this kernel) or the pid.
        let r = call(0x4000_0000 | 39, 0);
        if r != -i64::from(libc::ENOSYS) && r <= 0 {
            return 6;
        }
        // Beyond the table: runc's stub.
        if call(1000, 0) != -i64::from(libc::ENOSYS) {
            return 7;
        }
        // i386 via int $0x80: getpid (20) is allowed, keyctl (288) gets EPERM.
        let pid = int80(20, 0);
        if pid == -libc::ENOSYS {
            return 0; // no IA32 emulation: nothing more to check
        }
        if pid <= 0 {
            return 8;
        }
        if int80(288, 0) != -libc::EPERM {
            return 9;
        }
        0
    });
    assert_eq!(code, 0, "check {code} failed in the child");
}

#[test]
fn plugin_filter_in_the_kernel() {
    let policy = resolve(
        &catalogue::get("plugin").unwrap().profile(),
        &Target::sandbox(Arch::X86_64),
    );
    let c = compile(&policy, &CompileOptions::default()).unwrap();
    let code = in_child(&c.program, || {
        if call(libc::SYS_getppid, 0) <= 0 {
            return 1;
        }
        // clone3 -> ENOSYS by rule (without the filter: EFAULT/EINVAL for a null struct).
        if call(libc::SYS_clone3, 0) != -i64::from(libc::ENOSYS) {
            return 2;
        }
        if call(libc::SYS_keyctl, 0) >= 0 {
            return 3;
        }
        0
    });
    assert_eq!(code, 0, "check {code} failed in the child");
}

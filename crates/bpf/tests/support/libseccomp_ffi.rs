//! Raw FFI to the system libseccomp (Debian's libseccomp-dev 2.5.4), for differential tests
//! and the bench only: builds libseccomp's filter for a profile the way runc does and exports
//! its BPF.
#![allow(dead_code)]

use std::ffi::{c_char, c_int, c_uint, c_void, CString};

use jailwright_bpf::Program;
use jailwright_profile::policy::RuleStatus;
use jailwright_profile::{Action, Arch, Op, Policy, Profile, RuntimeKind};

#[repr(C)]
struct ScmpArgCmp {
    arg: c_uint,
    op: c_int,
    datum_a: u64,
    datum_b: u64,
}

#[link(name = "seccomp")]
extern "C" {
    fn seccomp_init(def_action: u32) -> *mut c_void;
    fn seccomp_release(ctx: *mut c_void);
    fn seccomp_arch_add(ctx: *mut c_void, arch_token: u32) -> c_int;
    fn seccomp_arch_remove(ctx: *mut c_void, arch_token: u32) -> c_int;
    fn seccomp_arch_native() -> u32;
    fn seccomp_attr_set(ctx: *mut c_void, attr: c_int, value: u32) -> c_int;
    fn seccomp_rule_add_array(
        ctx: *mut c_void,
        action: u32,
        syscall: c_int,
        arg_cnt: c_uint,
        arg_array: *const ScmpArgCmp,
    ) -> c_int;
    fn seccomp_syscall_resolve_name(name: *const c_char) -> c_int;
    fn seccomp_syscall_resolve_name_arch(arch_token: u32, name: *const c_char) -> c_int;
    fn seccomp_export_bpf(ctx: *mut c_void, fd: c_int) -> c_int;
}

/// libseccomp's token for an arch (x32 differs from the kernel's AUDIT_ARCH value).
pub fn scmp_arch(a: Arch) -> u32 {
    if a == Arch::X32 {
        0x4000_003e
    } else {
        a.audit_arch()
    }
}

/// The number libseccomp knows for `name` on `arch`, if any.
pub fn resolve_name(arch: Arch, name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    let n = unsafe { seccomp_syscall_resolve_name_arch(scmp_arch(arch), c.as_ptr()) };
    (n >= 0).then_some(n as u32)
}

fn op_code(op: Op) -> c_int {
    match op {
        Op::Ne => 1,
        Op::Lt => 2,
        Op::Le => 3,
        Op::Eq => 4,
        Op::Ge => 5,
        Op::Gt => 6,
        Op::MaskedEq => 7,
    }
}

/// Builds libseccomp's filter for `profile` as resolved in `policy` (the rules the policy
/// kept, in profile order, by name, with runc's repeated-index split) at optimize `level`
/// (1 linear, 2 binary tree), and exports it. `None` if libseccomp refuses it.
pub fn build(profile: &Profile, policy: &Policy, level: u32) -> Option<Program> {
    // SAFETY: plain libseccomp API use; the context is released on every path below, and
    // every pointer passed lives across the call it is passed to.
    unsafe {
        let ctx = seccomp_init(policy.default.ret_value());
        if ctx.is_null() {
            return None;
        }
        let mut ok = seccomp_attr_set(ctx, 2, policy.bad_arch.ret_value()) == 0
            && seccomp_attr_set(ctx, 8, level) == 0;
        let native = seccomp_arch_native();
        for ap in &policy.arches {
            let t = scmp_arch(ap.arch);
            if t != native {
                ok &= seccomp_arch_add(ctx, t) == 0;
            }
        }
        if !policy.arches.iter().any(|a| scmp_arch(a.arch) == native) {
            ok &= seccomp_arch_remove(ctx, native) == 0;
        }
        for (i, rule) in profile.rules().iter().enumerate() {
            if !ok {
                break;
            }
            if policy.rule_status[i] != RuleStatus::Kept {
                continue;
            }
            let action = rule.action();
            let conds: Vec<ScmpArgCmp> = rule
                .conditions()
                .iter()
                .map(|c| ScmpArgCmp {
                    arg: c_uint::from(c.index),
                    op: op_code(c.op),
                    datum_a: c.value,
                    datum_b: c.value_two.unwrap_or(0),
                })
                .collect();
            let repeats = conds
                .iter()
                .enumerate()
                .any(|(j, c)| conds[..j].iter().any(|d| d.arg == c.arg));
            let groups: Vec<&[ScmpArgCmp]> = if repeats && policy.runtime.kind == RuntimeKind::Runc
            {
                conds.chunks(1).collect()
            } else {
                vec![&conds[..]]
            };
            for name in rule.all_names() {
                let Ok(c) = CString::new(name) else { continue };
                let nr = seccomp_syscall_resolve_name(c.as_ptr());
                if nr == -1 {
                    continue; // runc ignores names libseccomp does not know
                }
                for g in &groups {
                    let r = seccomp_rule_add_array(
                        ctx,
                        action.ret_value(),
                        nr,
                        g.len() as c_uint,
                        g.as_ptr(),
                    );
                    // -EEXIST-like conflicts are what runc would report; keep going as it
                    // would fail the container: give up instead.
                    if r != 0 {
                        ok = false;
                    }
                }
            }
        }
        let prog = if ok { export(ctx) } else { None };
        seccomp_release(ctx);
        prog
    }
}

/// # Safety
/// `ctx` must be a valid libseccomp filter context.
unsafe fn export(ctx: *mut c_void) -> Option<Program> {
    let name = CString::new("jw-bpf").ok()?;
    // SAFETY: memfd_create with a valid name; the fd is closed below.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: ctx is valid per the contract, fd is an open memfd.
    let rc = unsafe { seccomp_export_bpf(ctx, fd) };
    let mut bytes = Vec::new();
    if rc == 0 {
        let mut buf = [0u8; 4096];
        // SAFETY: fd is open; buf is a valid writable buffer of its length.
        unsafe { libc::lseek(fd, 0, libc::SEEK_SET) };
        loop {
            // SAFETY: as above.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n as usize]);
        }
    }
    // SAFETY: fd is ours to close.
    unsafe { libc::close(fd) };
    if rc != 0 {
        return None;
    }
    Program::from_bytes(&bytes)
}

/// The action libseccomp would use for an action value (for messages).
pub fn action_of(v: u32) -> String {
    Action::from_ret_value(v).map_or_else(|| format!("{v:#x}"), |a| a.to_string())
}

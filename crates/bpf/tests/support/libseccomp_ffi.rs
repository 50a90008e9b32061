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
    fn seccomp_version() -> *const ScmpVersion;
    fn seccomp_arch_resolve_name(arch_name: *const c_char) -> u32;
    fn seccomp_syscall_resolve_num_arch(arch_token: u32, num: c_int) -> *mut c_char;
}

/// libseccomp's name for number `nr` on `arch`, if it has one.
pub fn resolve_num(arch: Arch, nr: u32) -> Option<String> {
    let nr = c_int::try_from(nr).ok()?;
    // SAFETY: plain call; the result is NULL or a malloc'd NUL-terminated string.
    let p = unsafe { seccomp_syscall_resolve_num_arch(scmp_arch(arch), nr) };
    if p.is_null() {
        return None;
    }
    // SAFETY: p is a valid NUL-terminated string until freed below.
    let name = unsafe { std::ffi::CStr::from_ptr(p) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: libseccomp allocated p with malloc and hands ownership to the caller.
    unsafe { libc::free(p.cast()) };
    Some(name)
}

#[repr(C)]
struct ScmpVersion {
    major: c_uint,
    minor: c_uint,
    micro: c_uint,
}

/// The linked libseccomp's version, `major.minor.micro`.
pub fn version() -> String {
    // SAFETY: seccomp_version returns a pointer to a static struct (never null).
    let v = unsafe { &*seccomp_version() };
    format!("{}.{}.{}", v.major, v.minor, v.micro)
}

/// Whether the linked libseccomp knows `arch` at all (2.5.4 has no LoongArch).
pub fn knows_arch(arch: Arch) -> bool {
    let Ok(c) = CString::new(arch.name()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    unsafe { seccomp_arch_resolve_name(c.as_ptr()) != 0 }
}

/// What libseccomp answers for `name` on `arch`, classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// The number seccomp sees.
    Number(u32),
    /// libseccomp has never heard of the name (`__NR_SCMP_ERROR`): its tables are older.
    Unknown,
    /// A socket call multiplexed through `socketcall` (`__PNR_socket` and friends, -101..):
    /// libseccomp adds rules for both the call and its `socketcall` form.
    Socketcall,
    /// An IPC call multiplexed through `ipc` (`__PNR_semop` and friends, -201..).
    Ipc,
    /// Known to libseccomp, but not a syscall of this ABI (a pseudo number, -10000 and below).
    NotOnArch,
}

/// `seccomp_syscall_resolve_name_arch`, classified.
pub fn resolve_name_raw(arch: Arch, name: &str) -> Resolved {
    let Ok(c) = CString::new(name) else {
        return Resolved::Unknown;
    };
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    let n = unsafe { seccomp_syscall_resolve_name_arch(scmp_arch(arch), c.as_ptr()) };
    match n {
        0.. => Resolved::Number(n as u32),
        -1 => Resolved::Unknown,
        -199..=-100 => Resolved::Socketcall,
        -299..=-200 => Resolved::Ipc,
        _ => Resolved::NotOnArch,
    }
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
    build_or_refusal(profile, policy, level).ok()
}

/// [`build`], or what libseccomp refused: the rule (profile index and name) and the error
/// number `seccomp_rule_add_array` returned, as runc would report it.
pub fn build_or_refusal(profile: &Profile, policy: &Policy, level: u32) -> Result<Program, String> {
    let mut refusal = String::from("libseccomp refused the filter set-up");
    // SAFETY: plain libseccomp API use; the context is released on every path below, and
    // every pointer passed lives across the call it is passed to.
    unsafe {
        let ctx = seccomp_init(policy.default.ret_value());
        if ctx.is_null() {
            return Err("seccomp_init failed".to_string());
        }
        let mut ok = seccomp_attr_set(ctx, 2, policy.bad_arch.ret_value()) == 0
            && seccomp_attr_set(ctx, 8, level) == 0;
        // As on a host of the profile's arch: the build host's own ABI leaves first (one
        // filter cannot mix endians, so adding s390x beside x86_64 would fail), then the
        // profile's ABIs are added.
        let native = seccomp_arch_native();
        if !policy.arches.iter().any(|a| scmp_arch(a.arch) == native) {
            ok &= seccomp_arch_remove(ctx, native) == 0;
        }
        for ap in &policy.arches {
            let t = scmp_arch(ap.arch);
            if t != native && seccomp_arch_add(ctx, t) != 0 {
                refusal = format!("seccomp_arch_add({}) failed", ap.arch);
                ok = false;
            }
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
                    // runc fails the container on any error here: give up as it would.
                    if r != 0 {
                        refusal = format!("rule {i} ({name}): seccomp_rule_add: error {r}");
                        ok = false;
                    }
                }
            }
        }
        let prog = if ok {
            let big = policy
                .arches
                .first()
                .is_some_and(|a| !a.arch.is_little_endian());
            export(ctx, big).ok_or_else(|| "seccomp_export_bpf failed".to_string())
        } else {
            Err(refusal)
        };
        seccomp_release(ctx);
        prog
    }
}

/// # Safety
/// `ctx` must be a valid libseccomp filter context.
/// Whether `k` is a seccomp return value: a known action, with data only where the action
/// takes it (ERRNO, TRACE, TRAP).
fn is_action(k: u32) -> bool {
    let data = k & 0xffff;
    match k & 0xffff_0000 {
        0x7fff_0000 | 0x7ffc_0000 | 0x7fc0_0000 | 0x8000_0000 | 0 => data == 0,
        0x7ff0_0000 | 0x0005_0000 | 0x0003_0000 => true,
        _ => false,
    }
}

/// `big`: the filter's ABIs are big-endian, and libseccomp writes the program in their byte
/// order; it is turned into this host's order here.
unsafe fn export(ctx: *mut c_void, big: bool) -> Option<Program> {
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
    if big {
        for insn in bytes.chunks_exact_mut(8) {
            insn[0..2].reverse();
            insn[4..8].reverse();
            // Built on a host of the other byte order (this one), libseccomp 2.5.4 swaps some
            // return values twice (rules' actions, the default) and others once: take the
            // order in which the value is an action. A big-endian host swaps none.
            if insn[0..2] == [0x06, 0x00] {
                let k = u32::from_le_bytes([insn[4], insn[5], insn[6], insn[7]]);
                if !is_action(k) && is_action(k.swap_bytes()) {
                    insn[4..8].reverse();
                }
            }
        }
    }
    Program::from_bytes(&bytes)
}

/// The action libseccomp would use for an action value (for messages).
pub fn action_of(v: u32) -> String {
    Action::from_ret_value(v).map_or_else(|| format!("{v:#x}"), |a| a.to_string())
}

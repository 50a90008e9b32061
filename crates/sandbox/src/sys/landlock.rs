//! Landlock (linux/landlock.h).

use super::*;

/// The highest Landlock ABI the kernel supports.
pub fn landlock_abi() -> Res<i32> {
    // SAFETY: the LANDLOCK_CREATE_RULESET_VERSION query takes a null attr and size 0.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            ptr::null::<u8>(),
            0usize,
            1u32,
        )
    };
    cvt_l(r).map(|v| v as i32)
}

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// Creates a ruleset. `abi` decides the size of the attribute passed (older kernels reject
/// unknown trailing fields).
pub fn landlock_create_ruleset(abi: i32, fs: u64, scoped: u64) -> Res<OwnedFd> {
    let attr = RulesetAttr {
        handled_access_fs: fs,
        handled_access_net: 0,
        scoped,
    };
    let size = if abi >= 6 {
        std::mem::size_of::<RulesetAttr>()
    } else if abi >= 4 {
        16
    } else {
        8
    };
    // SAFETY: attr is live and at least `size` bytes long.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            size,
            0u32,
        )
    };
    cvt_l(r).map(|fd| owned(fd as c_int))
}

/// Adds a path-beneath rule.
pub fn landlock_add_path(ruleset: &OwnedFd, access: u64, dir: &OwnedFd) -> Res<()> {
    let attr = PathBeneathAttr {
        allowed_access: access,
        parent_fd: dir.as_raw_fd(),
    };
    // SAFETY: LANDLOCK_RULE_PATH_BENEATH (1) with a live, packed path_beneath_attr.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset.as_raw_fd(),
            1u32,
            &attr as *const PathBeneathAttr,
            0u32,
        )
    };
    cvt_l(r).map(drop)
}

/// Enforces the ruleset on this thread (requires no_new_privs).
pub fn landlock_restrict_self(ruleset: &OwnedFd) -> Res<()> {
    // SAFETY: integer arguments.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset.as_raw_fd(), 0u32) };
    cvt_l(r).map(drop)
}

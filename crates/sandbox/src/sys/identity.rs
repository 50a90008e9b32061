//! Identity: groups, ids, capabilities.

use super::*;

/// `prctl(2)` with integer arguments.
pub fn prctl(option: c_int, a2: c_ulong, a3: c_ulong, a4: c_ulong, a5: c_ulong) -> Res<c_int> {
    // SAFETY: every option used by this crate takes integer arguments only.
    cvt(unsafe { libc::prctl(option, a2, a3, a4, a5) })
}

/// Raw `setresuid(2)` (this thread only; see the module docs).
pub fn setresuid(uid: u32) -> Res<()> {
    // SAFETY: integer arguments.
    cvt_l(unsafe { libc::syscall(libc::SYS_setresuid, uid, uid, uid) }).map(drop)
}

/// Raw `setresgid(2)`.
pub fn setresgid(gid: u32) -> Res<()> {
    // SAFETY: integer arguments.
    cvt_l(unsafe { libc::syscall(libc::SYS_setresgid, gid, gid, gid) }).map(drop)
}

/// Raw `setgroups(0, NULL)`: clears the supplementary groups.
pub fn clear_groups() -> Res<()> {
    // SAFETY: a zero-length list with a null pointer.
    cvt_l(unsafe { libc::syscall(libc::SYS_setgroups, 0usize, ptr::null::<libc::gid_t>()) })
        .map(drop)
}

/// `capset(2)` with empty effective, permitted and inheritable sets (version 3, 64 caps).
pub fn capset_zero() -> Res<()> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: c_int,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let header = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let data = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: header and the two-element data array match _LINUX_CAPABILITY_VERSION_3.
    cvt_l(unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) }).map(drop)
}

/// `setsid(2)`.
pub fn setsid() -> Res<()> {
    // SAFETY: no arguments.
    cvt(unsafe { libc::setsid() }).map(drop)
}

/// `getrlimit(2)`; returns (soft, hard).
pub fn getrlimit(resource: c_int) -> Res<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: r is a live rlimit.
    cvt(unsafe { libc::getrlimit(resource as _, &mut r) })?;
    Ok((r.rlim_cur, r.rlim_max))
}

/// `setrlimit(2)`.
pub fn setrlimit(resource: c_int, soft: u64, hard: u64) -> Res<()> {
    let r = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: r is a live rlimit.
    cvt(unsafe { libc::setrlimit(resource as _, &r) }).map(drop)
}

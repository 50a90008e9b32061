//! Seccomp: filter install and user notification.

use super::*;
use jailwright_bpf::Insn;

// `Insn` is `#[repr(C)]` with the fields of `struct sock_filter` in its order; these make a
// change to either a compile error.
const _: () = assert!(
    std::mem::size_of::<Insn>() == std::mem::size_of::<libc::sock_filter>()
        && std::mem::align_of::<Insn>() == std::mem::align_of::<libc::sock_filter>()
        && std::mem::offset_of!(Insn, jt) == std::mem::offset_of!(libc::sock_filter, jt)
        && std::mem::offset_of!(Insn, jf) == std::mem::offset_of!(libc::sock_filter, jf)
        && std::mem::offset_of!(Insn, k) == std::mem::offset_of!(libc::sock_filter, k)
);

/// Installs a filter with `seccomp(SECCOMP_SET_MODE_FILTER, flags)`; returns the listener fd
/// when `flags` asked for one.
pub fn seccomp_install(filter: &[Insn], flags: c_ulong) -> Res<Option<OwnedFd>> {
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr().cast::<libc::sock_filter>().cast_mut(),
    };
    // SAFETY: prog points to `len` live instructions laid out as `struct sock_filter` (the
    // assertion above); the kernel only reads them, and copies them.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &prog as *const libc::sock_fprog,
        )
    };
    let r = cvt_l(r)?;
    if flags & libc::SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
        Ok(Some(owned(r as c_int)))
    } else {
        Ok(None)
    }
}

/// Control-message storage for one descriptor, aligned for `cmsghdr`.
#[repr(C)]
union Cmsg {
    buf: [u8; 64],
    _align: libc::cmsghdr,
}

/// Runs `f` with a `msghdr` for one byte of data and `controllen` (at most 64) bytes of
/// control space, all on this stack frame: the message of [`send_fd`] and [`recv_fd`].
fn with_fd_msg<T>(controllen: usize, f: impl FnOnce(&mut libc::msghdr) -> T) -> T {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut cmsg = Cmsg { buf: [0; 64] };
    // SAFETY: msghdr is plain data; all-zero is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: taking the address of the union's buffer.
    msg.msg_control = unsafe { cmsg.buf.as_mut_ptr().cast() };
    msg.msg_controllen = controllen.min(64);
    f(&mut msg)
}

/// Sends one descriptor over a unix socket (SCM_RIGHTS); allocation-free.
pub fn send_fd(sock: RawFd, fd: RawFd) -> Res<()> {
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<c_int>() as u32) } as usize;
    with_fd_msg(space, |msg| {
        // SAFETY: msg_control points to `space` (<= 64) bytes of aligned storage, so the
        // first header and its data fit; the macros only compute addresses inside it.
        unsafe {
            let hdr = libc::CMSG_FIRSTHDR(msg);
            (*hdr).cmsg_level = libc::SOL_SOCKET;
            (*hdr).cmsg_type = libc::SCM_RIGHTS;
            (*hdr).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<c_int>() as u32) as usize;
            ptr::write_unaligned(libc::CMSG_DATA(hdr).cast::<c_int>(), fd);
        }
        retry(|| {
            // SAFETY: msg and everything it points to are live.
            cvt_l(unsafe { libc::sendmsg(sock, msg, libc::MSG_NOSIGNAL) } as c_long)
        })
        .map(drop)
    })
}

/// Receives one descriptor sent by [`send_fd`]; `Ok(None)` when the peer closed first.
pub fn recv_fd(sock: RawFd) -> Res<Option<OwnedFd>> {
    with_fd_msg(64, |msg| {
        let n = retry(|| {
            // SAFETY: msg and everything it points to are live.
            cvt_l(unsafe { libc::recvmsg(sock, msg, libc::MSG_CMSG_CLOEXEC) } as c_long)
        })?;
        if n == 0 {
            return Ok(None);
        }
        // SAFETY: the kernel filled msg_control/msg_controllen; the macros walk only that
        // buffer.
        unsafe {
            let hdr = libc::CMSG_FIRSTHDR(msg);
            if hdr.is_null()
                || (*hdr).cmsg_level != libc::SOL_SOCKET
                || (*hdr).cmsg_type != libc::SCM_RIGHTS
            {
                return Ok(None);
            }
            let fd = ptr::read_unaligned(libc::CMSG_DATA(hdr).cast::<c_int>());
            Ok(Some(owned(fd)))
        }
    })
}

/// `SECCOMP_IOCTL_NOTIF_RECV`.
pub fn notif_recv(listener: &OwnedFd) -> Res<libc::seccomp_notif> {
    // SAFETY: the kernel requires a zeroed seccomp_notif; it is plain data.
    let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: n is a live seccomp_notif of the size the ioctl number encodes.
    cvt(unsafe { libc::ioctl(listener.as_raw_fd(), libc::SECCOMP_IOCTL_NOTIF_RECV, &mut n) })?;
    Ok(n)
}

/// `SECCOMP_IOCTL_NOTIF_SEND`: answers notification `id` with `-errno` or "continue".
pub fn notif_send(listener: &OwnedFd, id: u64, errno: i32, cont: bool) -> Res<()> {
    let resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: if cont { 0 } else { -errno },
        flags: if cont {
            libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32
        } else {
            0
        },
    };
    // SAFETY: resp is a live seccomp_notif_resp of the size the ioctl number encodes.
    cvt(unsafe { libc::ioctl(listener.as_raw_fd(), libc::SECCOMP_IOCTL_NOTIF_SEND, &resp) })
        .map(drop)
}

/// The `[arg_start, arg_end)` range of this process's command line (`/proc/self/stat` fields
/// 48 and 49), read by the parent before `clone`.
pub fn argv_area() -> Option<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // `rest` starts at field 3 (state): field N is fields[N - 3].
    let start = fields.get(48 - 3)?.parse().ok()?;
    let end = fields.get(49 - 3)?.parse().ok()?;
    (end > start).then_some((start, end))
}

/// Zeroes the command-line area of this process image so `/proc/PID/cmdline` reads empty.
/// Only for the sandbox's init, which runs on a private copy of the caller's memory and never
/// reads its arguments again.
pub fn scrub_argv(area: Option<(usize, usize)>) {
    let Some((start, end)) = area else { return };
    // SAFETY: [start, end) is this process's argv area as the kernel reported it for the
    // caller before clone; clone without CLONE_VM gave init a private, writable copy of the
    // same mapping (the initial stack). Nothing in init reads these bytes afterwards, and
    // the caller's own memory is not affected.
    unsafe { ptr::write_bytes(start as *mut u8, 0, end - start) };
}

//! Code that runs inside the sandbox, between `clone` and `execve`.
//!
//! Rules: no allocation, no locks, no panics (the host may be multi-threaded; see
//! [`crate::sys`]). Everything it needs was prepared by the parent in a [`Plan`]; what it
//! learns it reports as fixed-size [`Record`]s on the status pipe.

use std::ffi::CStr;
use std::os::fd::{AsRawFd, RawFd};

use libc::c_int;

use super::plan::{FsOp, Plan, StdioPlan};
use super::record::{Kind, Record, Stage, State};
use crate::config::Layer;
use crate::sys::{self, Errno};

/// Exit status of init or the plugin when setup failed (the record says why).
use jailwright_report::EXIT_SETUP_FAILED as SETUP_FAILED;

/// Signals init forwards to the plugin.
const FORWARDED: [c_int; 6] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

fn send(plan: &Plan, r: Record) {
    let _ = sys::write(plan.fds.status_wr, &r.to_bytes());
}

fn fail(plan: &Plan, stage: Stage, index: u32, e: Errno) -> ! {
    send(plan, Record::new(Kind::Fail, stage as u32, index, e.0));
    sys::exit_now(SETUP_FAILED)
}

fn layer(plan: &Plan, l: Layer, state: State, code: i32) {
    if state == State::Unavailable && plan.required & (1 << l.index()) != 0 {
        send(
            plan,
            Record::new(Kind::Fail, Stage::Required as u32, l.index(), code),
        );
        sys::exit_now(SETUP_FAILED);
    }
    send(
        plan,
        Record::new(Kind::Layer, l.index(), state as u32, code),
    );
}

trait OrFail<T> {
    fn or_fail(self, plan: &Plan, stage: Stage, index: u32) -> T;
}

impl<T> OrFail<T> for sys::Res<T> {
    fn or_fail(self, plan: &Plan, stage: Stage, index: u32) -> T {
        match self {
            Ok(v) => v,
            Err(e) => fail(plan, stage, index, e),
        }
    }
}

/// The sandbox's pid 1. Never returns.
pub(crate) fn init_main(plan: &Plan) -> ! {
    sys::close(plan.fds.sync_wr);
    sys::close(plan.fds.status_rd);
    if let Some(fd) = plan.fds.notify_parent {
        sys::close(fd);
    }
    for fd in plan.fds.parent_only.iter() {
        sys::close(*fd);
    }

    // Wait for the parent to write our id maps (and to put us in the cgroup).
    let mut go = [0u8; 1];
    match sys::read(plan.fds.sync_rd, &mut go) {
        Ok(1) => {}
        // The parent died or gave up: leave quietly.
        _ => sys::exit_now(SETUP_FAILED),
    }

    if plan.clear_groups {
        sys::clear_groups().or_fail(plan, Stage::Groups, 0);
    }
    // Keep the namespace capabilities across the uid change below; the plugin drops them all.
    sys::prctl(
        libc::PR_SET_SECUREBITS,
        libc::SECBIT_NO_SETUID_FIXUP as _,
        0,
        0,
        0,
    )
    .or_fail(plan, Stage::SecureBits, 0);
    sys::setresgid(plan.gid).or_fail(plan, Stage::Setresgid, 0);
    sys::setresuid(plan.uid).or_fail(plan, Stage::Setresuid, 0);
    // The uid change cleared any death signal: set it now, then check the parent is alive.
    sys::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as _, 0, 0, 0).or_fail(
        plan,
        Stage::Pdeathsig,
        0,
    );
    let mut pfd = [libc::pollfd {
        fd: plan.fds.sync_rd,
        events: libc::POLLIN,
        revents: 0,
    }];
    if matches!(sys::poll(&mut pfd, 0), Ok(n) if n > 0) {
        // Readable or hung up: the parent closed its end, so it is gone.
        sys::exit_now(SETUP_FAILED);
    }
    sys::close(plan.fds.sync_rd);
    // Not dumpable: the plugin (same uid, no capabilities) cannot ptrace init or read its
    // environ; and its command line (the caller's argv) is blanked.
    let _ = sys::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    sys::scrub_argv(plan.argv_area);

    match sys::unshare(libc::CLONE_NEWCGROUP) {
        Ok(()) => layer(plan, Layer::CgroupNamespace, State::Enforced, 0),
        Err(e) => layer(plan, Layer::CgroupNamespace, State::Unavailable, e.0),
    }
    sys::sethostname(plan.hostname.to_bytes()).or_fail(plan, Stage::Hostname, 0);
    if plan.net_none {
        match sys::loopback_up() {
            Ok(()) => layer(plan, Layer::NetworkNamespace, State::Enforced, 0),
            Err(e) => layer(plan, Layer::NetworkNamespace, State::Partial, e.0),
        }
    }

    let legacy = build_root(plan);
    layer(
        plan,
        Layer::Filesystem,
        if legacy {
            State::Partial
        } else {
            State::Enforced
        },
        legacy as i32,
    );

    // SIGCHLD and every forwarded signal, read from the signalfd.
    let mut sigs = [libc::SIGCHLD; 1 + FORWARDED.len()];
    sigs[1..].copy_from_slice(&FORWARDED);
    let all = sys::SigSet::of(&sigs);
    sys::block(&all).or_fail(plan, Stage::Signals, 0);

    let plugin = spawn_plugin(plan);

    // Keep only the status pipe: the stdio pipes and the notify socket belong to the plugin,
    // and everything else init inherited from the host (its own standard streams included)
    // must not stay open for the run, nor while init exits after its last report.
    let keep = plan.fds.status_wr as u32;
    if keep > 0 {
        let _ = sys::close_range(0, keep - 1, 0);
    }
    let _ = sys::close_range(keep + 1, u32::MAX, 0);

    serve(plan, plugin, &all)
}

/// Init's life after starting the plugin: forwards the signals it is sent, reaps every child
/// (orphans of the namespace included), and when the plugin is gone ends every other process,
/// reports the tree's resource use and the plugin's status, and exits.
fn serve(plan: &Plan, plugin: libc::pid_t, all: &sys::SigSet) -> ! {
    let mut plugin_status: Option<c_int> = None;
    loop {
        let sig = match sys::sigwait(all) {
            Ok(s) => s,
            Err(_) => continue,
        };
        if sig != libc::SIGCHLD {
            if FORWARDED.contains(&sig) {
                let _ = sys::kill(plugin, sig);
            }
            continue;
        }
        // Reap everything that is ready; orphans reparented to us included.
        while let Ok((pid, status)) = sys::waitpid(-1, libc::WNOHANG) {
            if pid <= 0 {
                break;
            }
            if pid == plugin {
                plugin_status = Some(status);
            }
        }
        if let Some(status) = plugin_status {
            // The plugin is done: end every other process of the namespace and reap them.
            let _ = sys::kill(-1, libc::SIGKILL);
            while sys::waitpid(-1, 0).is_ok() {}
            if let Ok(u) = sys::children_usage() {
                let secs = |t: libc::timeval| (t.tv_sec as u32, t.tv_usec as u32);
                let (s, us) = secs(u.ru_utime);
                send(plan, Record::new(Kind::UserCpu, s, us, 0));
                let (s, us) = secs(u.ru_stime);
                send(plan, Record::new(Kind::SystemCpu, s, us, 0));
                send(plan, Record::new(Kind::PeakRss, u.ru_maxrss as u32, 0, 0));
            }
            send(plan, Record::new(Kind::Result, status as u32, 0, 0));
            sys::exit_now(0);
        }
    }
}

/// Stack of the plugin process until it execs. Its set-up (Landlock rules, the filter
/// install) needs a few KiB; the mapping is reserved, not committed (MAP_NORESERVE: untouched
/// pages cost nothing), so it is generous, and a guard page sits below it.
const PLUGIN_STACK: usize = 1 << 20;

/// Starts the plugin process. It runs in init's memory until it execs (posix_spawn's way), so
/// init's pages are neither copied nor made copy-on-write; where that clone is refused, a
/// plain fork.
fn spawn_plugin(plan: &Plan) -> libc::pid_t {
    if let Ok(mut stack) = sys::ChildStack::new(PLUGIN_STACK) {
        if let Ok(pid) = sys::spawn_shared(&mut stack, || plugin_main(plan)) {
            return pid;
        }
    }
    let pid = sys::clone_process(0).or_fail(plan, Stage::Fork, 0);
    if pid == 0 {
        plugin_main(plan);
    }
    pid
}

/// Assembles the new root and pivots into it. Returns whether the legacy mount API was used
/// (submounts of read-only binds then stay as the host has them).
fn build_root(plan: &Plan) -> bool {
    sys::mount(None, c"/", None, libc::MS_REC | libc::MS_PRIVATE, None).or_fail(
        plan,
        Stage::MakePrivate,
        0,
    );
    sys::mount(
        Some(c"jailwright"),
        &plan.base,
        Some(c"tmpfs"),
        libc::MS_NOSUID | libc::MS_NODEV,
        Some(c"mode=755"),
    )
    .or_fail(plan, Stage::RootTmpfs, 0);
    sys::mkdir_ok(&plan.old_root_in_base, 0o700).or_fail(plan, Stage::OldRootDir, 0);
    sys::pivot_root(&plan.base, &plan.old_root_in_base).or_fail(plan, Stage::PivotRoot, 0);
    sys::chdir(c"/").or_fail(plan, Stage::PivotRoot, 1);

    let mut legacy = false;
    for (i, op) in plan.ops.iter().enumerate() {
        let i = i as u32;
        match op {
            FsOp::Mkdir { path, mode } => {
                sys::mkdir_no_symlinks(path, *mode).or_fail(plan, Stage::FsOp, i);
            }
            FsOp::Symlink { target, link } => {
                sys::symlink_ok(target, link).or_fail(plan, Stage::FsOp, i);
            }
            FsOp::Touch { path } => sys::touch_no_symlinks(path).or_fail(plan, Stage::FsOp, i),
            FsOp::Bind {
                src,
                dst,
                attrs,
                optional,
            } => match bind(src, dst, *attrs, &mut legacy) {
                Ok(()) => {}
                Err(Errno(libc::ENOENT)) if *optional => {}
                Err(e) => fail(plan, Stage::FsOp, i, e),
            },
            FsOp::Tmpfs { dst, flags, data } => {
                sys::mount(Some(c"tmpfs"), dst, Some(c"tmpfs"), *flags, Some(data)).or_fail(
                    plan,
                    Stage::FsOp,
                    i,
                );
            }
            FsOp::Proc { dst } => {
                sys::mount(
                    Some(c"proc"),
                    dst,
                    Some(c"proc"),
                    libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                    None,
                )
                .or_fail(plan, Stage::FsOp, i);
            }
            FsOp::CopyFile { src, path, max } => {
                sys::copy_file_no_symlinks(src, path, *max).or_fail(plan, Stage::FsOp, i);
            }
            FsOp::WriteFile { path, data } => match sys::open(path, libc::O_WRONLY, 0) {
                Ok(fd) => {
                    sys::write(fd.as_raw_fd(), data.to_bytes()).or_fail(plan, Stage::FsOp, i);
                }
                Err(Errno(libc::ENOENT)) => {}
                Err(e) => fail(plan, Stage::FsOp, i, e),
            },
            FsOp::DetachOldRoot => {
                sys::umount2(&plan.old_root, libc::MNT_DETACH).or_fail(plan, Stage::FsOp, i);
                sys::rmdir(&plan.old_root).or_fail(plan, Stage::FsOp, i);
            }
            FsOp::RemountReadOnly { path } => {
                remount_ro(path, &mut legacy).or_fail(plan, Stage::FsOp, i);
            }
        }
    }
    legacy
}

/// A recursive bind of `src` onto `dst` with `attrs` (MOUNT_ATTR_*) set on every mount of the
/// tree. With the new mount API the flags are applied before the tree becomes visible, and
/// flags the host locked (nodev, nosuid, noexec) are kept because they are only ever added.
///
/// Neither path is followed through a symbolic link (`ELOOP`): both may lie in directories a
/// plugin wrote in an earlier run (a bind below a writable bind, a source the caller passes
/// from there). The source is canonical (resolved by the launcher through root-owned links
/// only), so any link on the way now is one that appeared since.
fn bind(src: &CStr, dst: &CStr, attrs: u64, legacy: &mut bool) -> sys::Res<()> {
    let from = sys::open_no_symlinks(src)?;
    let to = sys::open_no_symlinks(dst)?;
    match sys::open_tree_fd(&from, libc::OPEN_TREE_CLONE | libc::AT_RECURSIVE as u32) {
        Ok(tree) => {
            sys::mount_setattr(&tree, attrs, true)?;
            sys::move_mount_fd(&tree, &to)
        }
        Err(Errno(libc::ENOSYS)) => {
            *legacy = true;
            sys::mount(Some(src), dst, None, libc::MS_BIND | libc::MS_REC, None)?;
            legacy_remount(dst, attrs)
        }
        Err(e) => Err(e),
    }
}

fn remount_ro(path: &CStr, legacy: &mut bool) -> sys::Res<()> {
    let fd = sys::open(path, libc::O_PATH | libc::O_DIRECTORY, 0)?;
    match sys::mount_setattr(&fd, sys::MOUNT_ATTR_RDONLY, false) {
        Err(Errno(libc::ENOSYS)) => {
            *legacy = true;
            legacy_remount(path, sys::MOUNT_ATTR_RDONLY)
        }
        other => other,
    }
}

/// Remount of the top mount with MS_REMOUNT|MS_BIND. Inside a user namespace the flags the
/// host locked on the source must be passed again or the kernel refuses (EPERM): read them
/// with statvfs and keep them.
fn legacy_remount(path: &CStr, attrs: u64) -> sys::Res<()> {
    let keep = libc::MS_NOSUID
        | libc::MS_NODEV
        | libc::MS_NOEXEC
        | libc::MS_NOATIME
        | libc::MS_NODIRATIME
        | libc::MS_RELATIME
        | libc::MS_RDONLY;
    let current = sys::statvfs_flags(path)? & keep;
    let mut flags = libc::MS_REMOUNT | libc::MS_BIND | current;
    if attrs & sys::MOUNT_ATTR_RDONLY != 0 {
        flags |= libc::MS_RDONLY;
    }
    if attrs & sys::MOUNT_ATTR_NOSUID != 0 {
        flags |= libc::MS_NOSUID;
    }
    if attrs & sys::MOUNT_ATTR_NODEV != 0 {
        flags |= libc::MS_NODEV;
    }
    if attrs & sys::MOUNT_ATTR_NOEXEC != 0 {
        flags |= libc::MS_NOEXEC;
    }
    sys::mount(None, path, None, flags, None)
}

/// The plugin process (pid 2): drops everything, then execs the command. Never returns.
fn plugin_main(plan: &Plan) -> ! {
    sys::unblock_all().or_fail(plan, Stage::Signals, 1);
    sys::reset_signal_dispositions();
    sys::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as _, 0, 0, 0).or_fail(
        plan,
        Stage::Pdeathsig,
        1,
    );
    if sys::getppid() != 1 {
        sys::exit_now(SETUP_FAILED);
    }

    // Standard streams.
    for (target, s) in plan.stdio.iter().enumerate() {
        if let StdioPlan::Fd(fd) = s {
            let target = target as RawFd;
            if *fd == target {
                sys::set_cloexec(target, false).or_fail(plan, Stage::Stdio, target as u32);
            } else {
                sys::dup2(*fd, target).or_fail(plan, Stage::Stdio, target as u32);
            }
        }
    }
    // A new session: no controlling terminal, so TIOCSTI cannot reach the caller's.
    sys::setsid().or_fail(plan, Stage::Setsid, 0);

    for (i, (res, soft, hard)) in plan.rlimits.iter().enumerate() {
        sys::setrlimit(*res, *soft, *hard).or_fail(plan, Stage::Rlimit, i as u32);
    }

    // Capabilities: bounding set, securebits (root inside gains nothing at exec), ambient,
    // then the effective/permitted/inheritable sets.
    for cap in 0..=plan.last_cap {
        match sys::prctl(libc::PR_CAPBSET_DROP, cap as _, 0, 0, 0) {
            Ok(_) | Err(Errno(libc::EINVAL)) => {}
            Err(e) => fail(plan, Stage::Bounding, cap, e),
        }
    }
    let bits = libc::SECBIT_NOROOT
        | libc::SECBIT_NOROOT_LOCKED
        | libc::SECBIT_NO_SETUID_FIXUP
        | libc::SECBIT_NO_SETUID_FIXUP_LOCKED
        | libc::SECBIT_NO_CAP_AMBIENT_RAISE
        | libc::SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    sys::prctl(libc::PR_SET_SECUREBITS, bits as _, 0, 0, 0).or_fail(plan, Stage::SecureBits, 1);
    sys::prctl(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL as _,
        0,
        0,
        0,
    )
    .or_fail(plan, Stage::Ambient, 0);
    sys::capset_zero().or_fail(plan, Stage::Capset, 0);
    sys::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0).or_fail(plan, Stage::NoNewPrivs, 0);
    layer(plan, Layer::Identity, State::Enforced, 0);

    sys::chdir(&plan.cwd).or_fail(plan, Stage::Cwd, 0);

    landlock(plan);

    // Everything from here to execve must be allowed by the filters.
    sys::cloexec_from(3);
    if !plan.guard.is_empty() {
        sys::seccomp_install(&plan.guard, 0).or_fail(plan, Stage::TerminalGuard, 0);
        layer(plan, Layer::Terminal, State::Enforced, 0);
    }
    if !plan.filter.is_empty() {
        let listener =
            sys::seccomp_install(&plan.filter, plan.seccomp_flags).or_fail(plan, Stage::Seccomp, 0);
        if let (Some(listener), Some(sock)) = (listener, plan.fds.notify_child) {
            sys::send_fd(sock, listener.as_raw_fd()).or_fail(plan, Stage::SendListener, 0);
            drop(listener);
            sys::close(sock);
        }
        send(
            plan,
            Record::new(
                Kind::Layer,
                Layer::Seccomp.index(),
                State::Enforced as u32,
                0,
            ),
        );
    }

    send(plan, Record::new(Kind::Exec, 0, 0, 0));
    let mut last = Errno(libc::ENOENT);
    let mut denied = false;
    for path in plan.candidates.iter() {
        last = sys::execve(path, &plan.argv_ptrs, &plan.env_ptrs);
        match last {
            Errno(libc::ENOENT | libc::ENOTDIR) => {}
            Errno(libc::EACCES) => denied = true,
            _ => break,
        }
    }
    if denied && matches!(last, Errno(libc::ENOENT | libc::ENOTDIR)) {
        last = Errno(libc::EACCES);
    }
    send(plan, Record::new(Kind::ExecFail, 0, 0, last.0));
    sys::exit_now(if matches!(last, Errno(libc::ENOENT | libc::ENOTDIR)) {
        127
    } else {
        126
    })
}

/// Landlock access rights (linux/landlock.h).
mod access {
    pub const EXECUTE: u64 = 1 << 0;
    pub const WRITE_FILE: u64 = 1 << 1;
    pub const READ_FILE: u64 = 1 << 2;
    pub const READ_DIR: u64 = 1 << 3;
    pub const REFER: u64 = 1 << 13;
    pub const TRUNCATE: u64 = 1 << 14;
    pub const IOCTL_DEV: u64 = 1 << 15;
    /// All rights of ABI 1 (execute .. make_sym).
    pub const V1: u64 = (1 << 13) - 1;
    pub const SCOPE_ABSTRACT_UNIX_SOCKET: u64 = 1 << 0;
    pub const SCOPE_SIGNAL: u64 = 1 << 1;
}

/// Write access only below /tmp, /dev/shm and the writable user mounts; read and execute
/// everywhere; devices readable and writable. Reported with the ABI version.
fn landlock(plan: &Plan) {
    let abi = match sys::landlock_abi() {
        Ok(v) => v,
        Err(e) => return layer(plan, Layer::Landlock, State::Unavailable, -e.0),
    };
    let mut handled = access::V1;
    if abi >= 2 {
        handled |= access::REFER;
    }
    if abi >= 3 {
        handled |= access::TRUNCATE;
    }
    if abi >= 5 {
        handled |= access::IOCTL_DEV;
    }
    let scoped = if abi >= 6 {
        access::SCOPE_ABSTRACT_UNIX_SOCKET | access::SCOPE_SIGNAL
    } else {
        0
    };
    let read = access::EXECUTE | access::READ_FILE | access::READ_DIR;
    let dev = read | access::WRITE_FILE | (handled & (access::TRUNCATE | access::IOCTL_DEV));
    let ruleset =
        sys::landlock_create_ruleset(abi, handled, scoped).or_fail(plan, Stage::Landlock, 0);
    let add = |path: &CStr, rights: u64, index: u32| {
        let dir = sys::open(path, libc::O_PATH, 0).or_fail(plan, Stage::Landlock, index);
        sys::landlock_add_path(&ruleset, rights, &dir).or_fail(plan, Stage::Landlock, index);
    };
    add(c"/", read, 1);
    add(c"/dev", dev, 2);
    for (i, path) in plan.writable.iter().enumerate() {
        add(path, handled, 10 + i as u32);
    }
    sys::landlock_restrict_self(&ruleset).or_fail(plan, Stage::Landlock, 3);
    let state = if abi >= 6 {
        State::Enforced
    } else {
        State::Partial
    };
    layer(plan, Layer::Landlock, state, abi);
}

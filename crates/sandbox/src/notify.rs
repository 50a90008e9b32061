//! Seccomp user notification: the supervisor side.
//!
//! When a filter returns `SECCOMP_RET_USER_NOTIF` for a call, the kernel suspends the caller
//! and hands the call to the supervisor thread in the host process, which asks the caller's
//! [`NotifyHandler`] for a [`Response`], answers the kernel and records the event. Answering
//! with the errno the profile would have returned makes the denial invisible to the plugin
//! while it still shows up in the report.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::sys;

/// A system call the filter handed to the supervisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// The caller's pid, as seen from the host.
    pub pid: u32,
    /// AUDIT_ARCH of the call.
    pub arch: u32,
    /// System call number (for that arch).
    pub nr: i32,
    /// The six raw arguments.
    pub args: [u64; 6],
    /// The caller's instruction pointer.
    pub instruction_pointer: u64,
}

/// The supervisor's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "errno")]
#[non_exhaustive]
pub enum Response {
    /// Fail the call with this errno (positive, e.g. `libc::EPERM`).
    Errno(i32),
    /// Let the kernel run the call. Only safe when the decision does not depend on pointer
    /// arguments, which the plugin can change after the check.
    Continue,
}

/// Decides each notified call. Called on the supervisor thread.
pub type NotifyHandler = Arc<dyn Fn(&Notification) -> Response + Send + Sync>;

/// Most events kept verbatim in an outcome; every event is counted in the report's denials.
pub(crate) const MAX_EVENTS: usize = 4096;

#[derive(Default)]
pub(crate) struct Events {
    /// The first [`MAX_EVENTS`] events, verbatim.
    pub(crate) list: Vec<(Notification, Response)>,
    /// Every event, aggregated.
    pub(crate) denials: crate::report::Aggregate,
}

/// Receives the listener from the sandbox over `sock`, then answers notifications until every
/// task using the filter is gone.
pub(crate) fn supervise(sock: OwnedFd, handler: NotifyHandler, events: Arc<Mutex<Events>>) {
    let listener = match sys::recv_fd(sock.as_raw_fd()) {
        Ok(Some(fd)) => fd,
        _ => return,
    };
    drop(sock);
    loop {
        let mut pfd = [libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        match sys::poll(&mut pfd, -1) {
            Ok(_) => {}
            Err(sys::Errno(libc::EINTR)) => continue,
            Err(_) => return,
        }
        if pfd[0].revents & libc::POLLIN == 0 {
            // POLLHUP: no task uses the filter any more.
            return;
        }
        let raw = match sys::notif_recv(&listener) {
            Ok(n) => n,
            // ENOENT: the caller died or was interrupted before we received it.
            Err(sys::Errno(libc::ENOENT | libc::EINTR)) => continue,
            Err(_) => return,
        };
        let n = Notification {
            pid: raw.pid,
            arch: raw.data.arch,
            nr: raw.data.nr,
            args: raw.data.args,
            instruction_pointer: raw.data.instruction_pointer,
        };
        let response = handler(&n);
        let (errno, cont) = match response {
            Response::Errno(e) => (e, false),
            Response::Continue => (0, true),
        };
        // ENOENT here means the caller went away meanwhile; nothing to answer.
        let _ = sys::notif_send(&listener, raw.id, errno, cont);
        if let Ok(mut ev) = events.lock() {
            if ev.list.len() < MAX_EVENTS {
                ev.list.push((n, response));
            }
            ev.denials.add(&n, response);
        }
    }
}

//! Seccomp user notification: the supervisor side.
//!
//! When a filter returns `SECCOMP_RET_USER_NOTIF` for a call, the kernel suspends the caller
//! and hands the call to the supervisor in the host process (the run's own event loop), which asks the caller's
//! [`NotifyHandler`] for a [`Response`], answers the kernel and records the event. Answering
//! with the errno the profile would have returned makes the denial invisible to the plugin
//! while it still shows up in the report.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::Arc;

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
pub use jailwright_report::Response;

/// Decides each notified call. Called on the thread that runs the sandbox, between waits.
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

/// The supervisor side of a run: receives the listener from the sandbox over a socket, then
/// answers notifications until every task using the filter is gone. It has no thread of its
/// own: the run's event loop waits on [`Supervisor::fd`] with everything else and calls
/// [`Supervisor::ready`].
pub(crate) struct Supervisor {
    sock: Option<OwnedFd>,
    listener: Option<OwnedFd>,
    handler: NotifyHandler,
    pub(crate) events: Events,
}

impl Supervisor {
    pub(crate) fn new(sock: OwnedFd, handler: NotifyHandler) -> Self {
        Supervisor {
            sock: Some(sock),
            listener: None,
            handler,
            events: Events::default(),
        }
    }

    /// The events answered: the first [`MAX_EVENTS`] verbatim, and every one aggregated.
    pub(crate) fn into_events(self) -> (Vec<(Notification, Response)>, Vec<crate::report::Denial>) {
        (self.events.list, self.events.denials.into_denials())
    }

    /// What to wait on for readability: the listener once received, the socket before.
    pub(crate) fn fd(&self) -> Option<RawFd> {
        self.listener
            .as_ref()
            .or(self.sock.as_ref())
            .map(AsRawFd::as_raw_fd)
    }

    /// Handles readiness of [`Supervisor::fd`]: takes the listener, or answers one
    /// notification, or (on hang-up) stops.
    pub(crate) fn ready(&mut self, revents: i16) {
        if let Some(listener) = &self.listener {
            if revents & libc::POLLIN == 0 {
                // POLLHUP: no task uses the filter any more.
                self.listener = None;
                return;
            }
            let raw = match sys::notif_recv(listener) {
                Ok(n) => n,
                // ENOENT: the caller died or was interrupted before we received it.
                Err(sys::Errno(libc::ENOENT | libc::EINTR)) => return,
                Err(_) => {
                    self.listener = None;
                    return;
                }
            };
            let n = Notification {
                pid: raw.pid,
                arch: raw.data.arch,
                nr: raw.data.nr,
                args: raw.data.args,
                instruction_pointer: raw.data.instruction_pointer,
            };
            let response = (self.handler)(&n);
            let (errno, cont) = match response {
                Response::Errno(e) => (e, false),
                Response::Continue => (0, true),
            };
            // ENOENT here means the caller went away meanwhile; nothing to answer.
            let _ = sys::notif_send(listener, raw.id, errno, cont);
            if self.events.list.len() < MAX_EVENTS {
                self.events.list.push((n, response));
            }
            self.events.denials.add(&n, response);
        } else if let Some(sock) = self.sock.take() {
            // The sandbox sends the listener once, or closes its end without (no filter).
            if let Ok(Some(fd)) = sys::recv_fd(sock.as_raw_fd()) {
                self.listener = Some(fd);
            }
        }
    }
}

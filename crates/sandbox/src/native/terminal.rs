//! The caller's terminals as they were before the run, checked and put back after it.
//!
//! A plugin's standard streams share their open file descriptions with the caller's: a
//! terminal's settings and window size, and the file status flags (`O_NONBLOCK` set by a
//! plugin leaves the caller's shell reading a non-blocking terminal), outlive the plugin. The
//! terminal guard refuses the requests that change a terminal; this is the second line: every
//! stream that is a terminal is read before the run and restored after it, and the report
//! says what had to be restored.

use std::os::fd::RawFd;

use crate::sys;

const NAMES: [&str; 3] = ["stdin", "stdout", "stderr"];

/// One terminal stream's state.
struct Saved {
    stream: usize,
    fd: RawFd,
    termios: libc::termios,
    winsize: Option<libc::winsize>,
    flags: Option<libc::c_int>,
}

/// The terminal streams of a run.
#[derive(Default)]
pub(crate) struct Terminals {
    saved: Vec<Saved>,
}

fn same_termios(a: &libc::termios, b: &libc::termios) -> bool {
    a.c_iflag == b.c_iflag
        && a.c_oflag == b.c_oflag
        && a.c_cflag == b.c_cflag
        && a.c_lflag == b.c_lflag
        && a.c_line == b.c_line
        && a.c_cc == b.c_cc
        && a.c_ispeed == b.c_ispeed
        && a.c_ospeed == b.c_ospeed
}

fn same_winsize(a: &libc::winsize, b: &libc::winsize) -> bool {
    (a.ws_row, a.ws_col, a.ws_xpixel, a.ws_ypixel) == (b.ws_row, b.ws_col, b.ws_xpixel, b.ws_ypixel)
}

impl Terminals {
    /// Reads the state of each of `fds` (the descriptors the plugin's stdin, stdout and
    /// stderr come from) that is a terminal.
    pub(crate) fn save(fds: [RawFd; 3]) -> Terminals {
        let saved = fds
            .iter()
            .enumerate()
            .filter_map(|(stream, &fd)| {
                let termios = sys::tcgetattr(fd).ok()?;
                Some(Saved {
                    stream,
                    fd,
                    termios,
                    winsize: sys::get_winsize(fd).ok(),
                    flags: sys::get_status_flags(fd).ok(),
                })
            })
            .collect();
        Terminals { saved }
    }

    /// The streams that are terminals, by name.
    pub(crate) fn streams(&self) -> Vec<&'static str> {
        self.saved.iter().map(|s| NAMES[s.stream]).collect()
    }

    /// Puts back whatever changed; returns what was restored (or could not be), one phrase
    /// each, empty when every terminal was as it was.
    pub(crate) fn restore(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.saved {
            let name = NAMES[s.stream];
            let mut fix = |what: &str, r: sys::Res<()>| match r {
                Ok(()) => out.push(format!("{what} of {name} restored")),
                Err(e) => out.push(format!(
                    "{what} of {name} changed, not restored: {}",
                    std::io::Error::from_raw_os_error(e.0)
                )),
            };
            if let Some(flags) = s.flags {
                if sys::get_status_flags(s.fd).is_ok_and(|now| now != flags) {
                    fix("file status flags", sys::set_status_flags(s.fd, flags));
                }
            }
            if sys::tcgetattr(s.fd).is_ok_and(|now| !same_termios(&now, &s.termios)) {
                fix("terminal settings", sys::tcsetattr(s.fd, &s.termios));
            }
            if let Some(w) = &s.winsize {
                if sys::get_winsize(s.fd).is_ok_and(|now| !same_winsize(&now, w)) {
                    fix("window size", sys::set_winsize(s.fd, w));
                }
            }
        }
        out.dedup();
        out
    }
}

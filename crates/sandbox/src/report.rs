//! The backend-neutral run report: how the command ended, what each layer enforced, what the
//! filter denied, and how long it took. Serialises to the JSON of `jailwright run --report`.

use std::time::Duration;

use serde::Serialize;

use crate::config::Layer;
use crate::notify::{Notification, Response};

/// Exit status for a sandbox that could not be set up (the command never ran).
pub const EXIT_SETUP_FAILED: i32 = 125;
/// Exit status for a command that exists but could not be executed.
pub const EXIT_CANNOT_EXECUTE: i32 = 126;
/// Exit status for a command that was not found.
pub const EXIT_NOT_FOUND: i32 = 127;
/// Exit status when the timeout killed the command.
pub const EXIT_TIMED_OUT: i32 = 124;

/// How far a layer is enforced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
#[non_exhaustive]
pub enum LayerState {
    /// Fully in force.
    Enforced,
    /// In force with gaps, explained.
    Partial(String),
    /// Not in force, with the reason (a kernel feature missing, a permission missing).
    Unavailable(String),
    /// Not in force because the configuration did not ask for it.
    Disabled(String),
}

impl LayerState {
    /// Whether the layer is at least partially in force.
    pub fn is_active(&self) -> bool {
        matches!(self, LayerState::Enforced | LayerState::Partial(_))
    }
}

/// One layer's status in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayerStatus {
    /// The layer.
    pub layer: Layer,
    /// Its state.
    #[serde(flatten)]
    pub state: LayerState,
    /// What exactly is in force (values, paths, versions).
    pub detail: String,
}

/// How an exec attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecFailure {
    /// No such file in the sandbox (exit 127).
    NotFound,
    /// Found but not executable: permissions, format, a filter (exit 126).
    NotExecutable,
}

/// How the command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Exit {
    /// Exited with this code.
    Code {
        /// The exit code.
        code: i32,
    },
    /// Killed by this signal.
    Signal {
        /// The signal number.
        signal: i32,
    },
    /// Killed because the timeout passed.
    TimedOut,
    /// `execve` failed inside the sandbox.
    ExecFailed {
        /// Which kind of failure.
        failure: ExecFailure,
        /// The errno of the last attempt.
        errno: i32,
    },
}

impl Exit {
    /// The conventional exit status: the command's own code; 128+N for signal N; 124 on
    /// timeout; 126 cannot execute; 127 not found.
    pub fn code(&self) -> i32 {
        match *self {
            Exit::Code { code } => code,
            Exit::Signal { signal } => 128 + signal,
            Exit::TimedOut => EXIT_TIMED_OUT,
            Exit::ExecFailed {
                failure: ExecFailure::NotFound,
                ..
            } => EXIT_NOT_FOUND,
            Exit::ExecFailed {
                failure: ExecFailure::NotExecutable,
                ..
            } => EXIT_CANNOT_EXECUTE,
        }
    }

    /// Whether the command exited with code 0.
    pub fn success(&self) -> bool {
        matches!(self, Exit::Code { code: 0 })
    }
}

/// A system call the filter sent to the supervisor, with how it was answered and how often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Denial {
    /// AUDIT_ARCH of the call.
    pub arch: u32,
    /// System call number (for that arch).
    pub nr: i32,
    /// Arguments of the first occurrence.
    pub args: [u64; 6],
    /// The answer.
    pub response: Response,
    /// How many times this (arch, nr, response) occurred.
    pub count: u64,
}

/// Wall-clock timings of a run, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Timings {
    /// From `run()` to the `execve` of the command.
    pub setup_us: u64,
    /// From the `execve` to the end of the sandbox.
    pub run_us: u64,
    /// The whole run.
    pub total_us: u64,
}

impl Timings {
    pub(crate) fn from_durations(setup: Duration, total: Duration) -> Timings {
        let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Timings {
            setup_us: us(setup),
            run_us: us(total.saturating_sub(setup)),
            total_us: us(total),
        }
    }
}

/// Resources the sandboxed tree used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// Peak memory in bytes.
    pub peak_memory_bytes: Option<u64>,
    /// Where the peak comes from: `cgroup` (all processes together) or `rusage` (largest
    /// single process).
    pub peak_memory_source: Option<String>,
    /// Whether the memory limit was hit (the kernel's OOM killer ran in the cgroup).
    pub oom_killed: bool,
    /// User CPU time of the tree, microseconds.
    pub user_cpu_us: u64,
    /// System CPU time of the tree, microseconds.
    pub system_cpu_us: u64,
}

/// The report of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// Which backend ran the sandbox (`native`).
    pub backend: String,
    /// How the command ended.
    pub exit: Exit,
    /// The conventional exit status (see [`Exit::code`]).
    pub exit_code: i32,
    /// Each layer's status, in [`Layer::ALL`] order.
    pub layers: Vec<LayerStatus>,
    /// Calls answered by the supervisor, deduplicated with counts.
    pub denials: Vec<Denial>,
    /// Timings.
    pub timings: Timings,
    /// Resource use.
    pub resources: Resources,
}

impl RunReport {
    /// The status of one layer.
    pub fn layer(&self, layer: Layer) -> Option<&LayerStatus> {
        self.layers.iter().find(|l| l.layer == layer)
    }
}

pub(crate) fn aggregate(events: &[(Notification, Response)]) -> Vec<Denial> {
    let mut out: Vec<Denial> = Vec::new();
    for (n, r) in events {
        if let Some(d) = out
            .iter_mut()
            .find(|d| d.arch == n.arch && d.nr == n.nr && d.response == *r)
        {
            d.count += 1;
        } else {
            out.push(Denial {
                arch: n.arch,
                nr: n.nr,
                args: n.args,
                response: *r,
                count: 1,
            });
        }
    }
    out
}

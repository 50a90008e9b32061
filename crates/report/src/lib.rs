//! The report of a command run by jailwright, one vocabulary for the native sandbox, the
//! container backends and the CLI: how it ended and the exit status that says it, each
//! hardening layer's state, the denials, timings and resources ([`RunReport`]), and the JSON
//! of `run --report` ([`Document`]).
//!
//! | status | meaning |
//! |---|---|
//! | the command's own | it exited |
//! | 128 + N | it was killed by signal N |
//! | 124 | the timeout killed it |
//! | 125 | the sandbox or container could not be set up (the command never ran) |
//! | 126 / 127 | the command could not be executed / was not found |
//! | 1 / 2 | the CLI's own verdicts: findings or differences / bad input or usage |
//!
//! ```
//! use jailwright_report::{Exit, EXIT_TIMED_OUT};
//! assert_eq!(Exit::Signal { signal: 9 }.code(), 137);
//! assert_eq!(Exit::TimedOut.code(), EXIT_TIMED_OUT);
//! assert_eq!(serde_json::to_string(&Exit::Code { code: 3 }).unwrap(), r#"{"kind":"code","code":3}"#);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use serde::Serialize;

mod layers;
mod run;
mod severity;

pub use layers::{Layer, LayerState, LayerStatus};
pub use run::{
    micros, Denial, Document, Phase, Resources, Response, RunReport, Timings, MAX_DISTINCT_ARGS,
};
pub use severity::Severity;

/// Exit status of the CLI when a check found something (lint findings, differences).
pub const EXIT_FINDINGS: i32 = 1;
/// Exit status of the CLI for bad input or usage.
pub const EXIT_USAGE: i32 = 2;
/// Exit status for a sandbox that could not be set up (the command never ran).
pub const EXIT_SETUP_FAILED: i32 = 125;
/// Exit status for a command that exists but could not be executed.
pub const EXIT_CANNOT_EXECUTE: i32 = 126;
/// Exit status for a command that was not found.
pub const EXIT_NOT_FOUND: i32 = 127;
/// Exit status when the timeout killed the command.
pub const EXIT_TIMED_OUT: i32 = 124;

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

impl Exit {
    /// How a command that ended with `code` ended, as a container engine reports it: killed by
    /// jailwright's timeout, killed by a signal (`128 + N`, as Docker reports signal N), or
    /// exited with `code`.
    pub fn from_status(code: i32, timed_out: bool) -> Exit {
        if timed_out {
            Exit::TimedOut
        } else if (129..=159).contains(&code) {
            Exit::Signal { signal: code - 128 }
        } else {
            Exit::Code { code }
        }
    }
}

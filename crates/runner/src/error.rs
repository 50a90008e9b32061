//! What can keep a profile from running.

use jailwright_report::{EXIT_SETUP_FAILED, EXIT_USAGE};
use jailwright_sandbox as sandbox;

/// Why a run did not happen (a plugin's own failure is an outcome, never an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The profile does not compile for this host (bad input: exit status 2).
    #[error("{profile}: {source}")]
    Compile {
        /// The profile's name or file.
        profile: String,
        /// What the compiler said.
        source: jailwright_bpf::CompileError,
    },
    /// A requirement the caller set cannot be met here (exit status 125).
    #[error("{requirement}: {reason}")]
    Unmet {
        /// The requirement, as the caller named it.
        requirement: &'static str,
        /// Why it cannot be met, and what to do.
        reason: String,
    },
    /// This kernel lacks what the operation needs (exit status 125).
    #[error("{0}")]
    Unsupported(String),
    /// jailwright's own program (the terminal guard, the recording filter) could not be built
    /// (exit status 125).
    #[error("cannot build {what}: {source}")]
    Internal {
        /// Which program.
        what: &'static str,
        /// What the compiler said.
        source: jailwright_bpf::CompileError,
    },
    /// The sandbox refused its configuration or could not be set up.
    #[error(transparent)]
    Sandbox(#[from] sandbox::Error),
}

impl RunError {
    /// The exit status the convention gives this error: 2 for a profile that does not
    /// compile or a bad sandbox option, 125 for everything that could not be set up.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Compile { .. } | RunError::Sandbox(sandbox::Error::Config(_)) => EXIT_USAGE,
            RunError::Sandbox(e) => e.exit_code(),
            RunError::Unmet { .. } | RunError::Unsupported(_) | RunError::Internal { .. } => {
                EXIT_SETUP_FAILED
            }
        }
    }
}

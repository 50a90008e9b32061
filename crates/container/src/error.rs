//! Errors.

use std::path::PathBuf;

use crate::classify::Diagnosis;

/// Why a container operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// The daemon could not be reached (not running, wrong socket, no permission).
    #[error("cannot reach the {backend} daemon at {}: {message}; {}", socket.display(), diagnosis.fix)]
    Unreachable {
        /// `docker` or `podman`.
        backend: &'static str,
        /// The socket tried.
        socket: PathBuf,
        /// What the connection attempt said.
        message: String,
        /// Daemon down or socket permission.
        diagnosis: Box<Diagnosis>,
    },
    /// The runtime refused to start the container (seccomp, image, cgroups, ...).
    #[error("the runtime refused to start the container: {}\n  cause: {}\n  fix: {}", diagnosis.message, diagnosis.cause, diagnosis.fix)]
    Rejected {
        /// The classified refusal.
        diagnosis: Box<Diagnosis>,
    },
    /// A compat retry was asked for but there is nothing jailwright knows to add.
    #[error("the runtime refused to start the container and `--on-reject compat` found no syscall to add: {}\n  cause: {}\n  fix: {}", diagnosis.message, diagnosis.cause, diagnosis.fix)]
    CompatNotApplicable {
        /// The classified refusal.
        diagnosis: Box<Diagnosis>,
    },
    /// The daemon answered an API call with an error that is not a start refusal.
    #[error("{backend} {operation} failed: {message}")]
    Api {
        /// `docker` or `podman`.
        backend: &'static str,
        /// What was being done (`create container`, `import image`).
        operation: &'static str,
        /// The daemon's message.
        message: String,
    },
    /// The daemon did not answer in time.
    #[error("{backend} {operation} did not answer within {seconds} s; check that the daemon is healthy (`docker info`)")]
    DaemonTimeout {
        /// `docker` or `podman`.
        backend: &'static str,
        /// What was being done.
        operation: &'static str,
        /// The limit.
        seconds: u64,
    },
    /// The options are inconsistent.
    #[error("invalid container options: {0}")]
    InvalidOptions(String),
    /// The daemon runs on an architecture jailwright has no syscall table for.
    #[error("the daemon reports architecture `{0}`, which jailwright cannot resolve profiles for; pass a profile with `architectures` for it")]
    UnknownArch(String),
    /// Local I/O (the test image's root filesystem, a profile file for Podman).
    #[error("{what}: {error}")]
    Io {
        /// What was being done.
        what: String,
        /// The error (shown in the message, so not also a `source()`).
        error: std::io::Error,
    },
}

impl ContainerError {
    /// The exit status the CLI should use: 125 (the sandbox could not be set up) for every
    /// error, as `docker run` does.
    pub fn exit_code(&self) -> u8 {
        jailwright_report::EXIT_SETUP_FAILED as u8
    }

    /// The diagnosis, when the error carries one.
    pub fn diagnosis(&self) -> Option<&Diagnosis> {
        match self {
            ContainerError::Unreachable { diagnosis, .. }
            | ContainerError::Rejected { diagnosis }
            | ContainerError::CompatNotApplicable { diagnosis } => Some(diagnosis),
            _ => None,
        }
    }

    pub(crate) fn io(what: impl Into<String>, error: std::io::Error) -> ContainerError {
        ContainerError::Io {
            what: what.into(),
            error,
        }
    }
}

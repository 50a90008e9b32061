//! Errors: a bad option (found by `build`) or a sandbox that could not be set up (found by
//! `run`). Both mean the command never ran; the CLI exits 2 for a bad option (usage) and
//! 125 for a sandbox that could not be set up.

use crate::config::Layer;

/// An option that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid option {option}: {reason}")]
#[non_exhaustive]
pub struct ConfigError {
    /// The option, as the builder method names it (`ro_bind`, `memory`, ...).
    pub option: &'static str,
    /// What is wrong with it and what to do.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn new(option: &'static str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            option,
            reason: reason.into(),
        }
    }
}

/// Why a sandbox could not be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A system call of the setup failed.
    #[error("sandbox setup failed at {stage}: {source}")]
    Setup {
        /// What was being done (`mount /usr`, `write /proc/123/uid_map`, ...).
        stage: String,
        /// The kernel's answer.
        #[source]
        source: std::io::Error,
    },
    /// A layer demanded with `require` is not available here.
    #[error("required layer {layer} is unavailable: {reason}")]
    RequiredLayer {
        /// The layer.
        layer: Layer,
        /// Why it is unavailable.
        reason: String,
    },
    /// The sandbox ended before reporting how its setup went.
    #[error("sandbox init ended unexpectedly during setup (raw wait status {status})")]
    InitDied {
        /// The raw wait status of the sandbox's init.
        status: i32,
    },
}

impl Error {
    /// The exit status the convention gives this error: always 125 (sandbox setup failure).
    pub fn exit_code(&self) -> i32 {
        crate::report::EXIT_SETUP_FAILED
    }

    pub(crate) fn setup(stage: impl Into<String>, errno: i32) -> Error {
        Error::Setup {
            stage: stage.into(),
            source: std::io::Error::from_raw_os_error(errno),
        }
    }
}

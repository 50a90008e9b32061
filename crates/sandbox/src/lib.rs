//! jailwright's native plugin sandbox.
//!
//! Runs one command in new user, mount, pid, network, ipc, uts and cgroup namespaces, on a new
//! root assembled from read-only binds of the host's system directories, as a non-root user
//! with every capability dropped, under rlimits (and cgroup limits where a cgroup can be
//! created), Landlock, and finally the seccomp filter it is given. No daemon, no image, no
//! helper binary, no root required.
//!
//! Terms used throughout:
//! - **layer**: one mechanism of confinement ([`Layer`]). Every run reports each layer as
//!   enforced, partially enforced, unavailable (with the reason) or disabled by the
//!   configuration ([`LayerState`]); [`SandboxBuilder::require`] turns "unavailable" into an
//!   error instead of a silent degradation.
//! - **setup failure**: the command never ran ([`Error`]); by convention exit status 125.
//! - **notification**: a system call the filter hands to the caller's [`NotifyHandler`]
//!   (`SECCOMP_RET_USER_NOTIF`), answered on a supervisor thread.
//!
//! ```no_run
//! use jailwright_sandbox::{Network, Sandbox, Stdio};
//!
//! # fn main() -> Result<(), jailwright_sandbox::Error> {
//! let outcome = Sandbox::builder()
//!     .command("python3", ["-c", "print(1 + 1)"])
//!     .network(Network::None)
//!     .memory(256 << 20)
//!     .pids(64)
//!     .timeout(std::time::Duration::from_secs(10))
//!     .stdout(Stdio::Piped)
//!     .build()?
//!     .run()?;
//! assert_eq!(outcome.stdout, b"2\n");
//! println!("{}", outcome.exit_code());
//! # Ok(()) }
//! ```
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod builder;
pub mod config;
pub mod error;
mod native;
pub mod notify;
pub mod report;
mod sys;

pub use builder::{parse_bind, Sandbox, SandboxBuilder};
pub use config::{Layer, Limits, Mount, Network, SandboxConfig, Stdio, TerminalGuard, ETC_MINIMAL};
pub use error::{ConfigError, Error};
pub use notify::{Notification, NotifyHandler, Response};
pub use report::{Denial, ExecFailure, Exit, LayerState, LayerStatus, RunReport};

/// The supplementary groups a sandbox started by this process keeps: none when it runs as
/// root (the sandbox clears them); otherwise every group but the effective gid, which an
/// unprivileged user namespace cannot drop (`setgroups` is denied there).
pub fn extra_groups() -> Vec<u32> {
    if sys::geteuid() == 0 {
        return Vec::new();
    }
    let egid = sys::getegid();
    sys::getgroups()
        .into_iter()
        .filter(|&g| g != egid)
        .collect()
}

/// The highest Landlock ABI this kernel offers, asked of the kernel itself
/// (`landlock_create_ruleset` with `LANDLOCK_CREATE_RULESET_VERSION`), or why there is none.
pub fn landlock_abi() -> Result<u32, String> {
    match sys::landlock_abi() {
        Ok(v) => u32::try_from(v).map_err(|_| format!("the kernel answered ABI {v}")),
        Err(sys::Errno(e)) if e == libc::ENOSYS => {
            Err("this kernel has no Landlock (CONFIG_SECURITY_LANDLOCK, Linux 5.13+)".into())
        }
        Err(sys::Errno(e)) if e == libc::EOPNOTSUPP => {
            Err("Landlock is built in but not enabled at boot (add landlock to lsm=)".into())
        }
        Err(sys::Errno(e)) => Err(format!(
            "landlock_create_ruleset failed: {}",
            std::io::Error::from_raw_os_error(e)
        )),
    }
}

/// The result of a run whose sandbox was set up (the command may still have failed).
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The report (exit, layers, denials, timings, resources).
    pub report: RunReport,
    /// Every notification answered, in order (at most 4096; the report counts all).
    pub notifications: Vec<(Notification, Response)>,
    /// Captured standard output ([`Stdio::Piped`]), at most 64 MiB.
    pub stdout: Vec<u8>,
    /// Captured standard error ([`Stdio::Piped`]), at most 64 MiB.
    pub stderr: Vec<u8>,
    /// The sandbox's init, still tearing the namespaces down when the run returned.
    pub(crate) exiting: Option<native::Exiting>,
}

impl Outcome {
    /// How the command ended.
    pub fn exit(&self) -> Exit {
        self.report.exit
    }

    /// The conventional exit status (see [`Exit::code`]).
    pub fn exit_code(&self) -> i32 {
        self.report.exit.code()
    }

    /// Each layer's status.
    pub fn layers(&self) -> &[LayerStatus] {
        &self.report.layers
    }

    /// For a process that exits right after the run: leaves the sandbox's init, which has
    /// reported and is exiting, to be reaped by whoever adopts it when this process ends,
    /// instead of reaping it on a thread when the outcome is dropped. Nothing of the sandbox
    /// runs any more either way.
    pub fn leave_init_to_exit(&mut self) {
        if let Some(e) = self.exiting.take() {
            e.leave();
        }
    }
}

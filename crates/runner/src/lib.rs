//! Runs a seccomp *profile* in jailwright's native sandbox.
//!
//! [`jailwright_sandbox`] runs a command under a BPF program; this crate is what a plugin host
//! needs on top of it to run a Docker/Podman/OCI profile: the program (precompiled for the
//! built-in tiers, compiled and verified otherwise), the terminal guard installed in front of
//! every profile, denials answered through seccomp user notification exactly as the profile
//! answers them and then explained by name with the rule and the fix, and `record`, which
//! writes a profile from what a command really calls.
//!
//! ```no_run
//! use jailwright_runner::{run, ProfileChoice, Requirements};
//! use jailwright_sandbox::Sandbox;
//!
//! let plugin = ProfileChoice::builtin("plugin").expect("a built-in tier");
//! let sandbox = Sandbox::builder().command("/bin/true", [] as [&str; 0]);
//! let outcome = run(plugin, sandbox, &Requirements::default())?;
//! for b in &outcome.blocked {
//!     eprintln!("{}", b.line);
//! }
//! # Ok::<(), jailwright_runner::RunError>(())
//! ```
#![forbid(unsafe_code)]

mod denials;
mod error;
pub mod prebuilt;
mod record;
mod run;

pub use denials::Blocked;
pub use error::RunError;
pub use record::{record, RecordRequest, Recording};
pub use run::{
    run, terminal_guard, user_notification, PluginOutcome, ProfileChoice, Report, Requirements,
    SANDBOX_NEEDS,
};

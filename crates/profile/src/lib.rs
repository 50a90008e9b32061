//! Seccomp profiles as container runtimes read them.
//!
//! Terms used throughout:
//! - a **profile** is the JSON a user writes (Docker/Moby, Podman, or OCI dialect), modelled
//!   faithfully by [`Profile`];
//! - a **target** is where it runs: host architecture, bounding set, kernel, runtime;
//! - a **policy** is what the profile means on a target: for every ABI in the filter, every
//!   syscall number's ordered rules and the default ([`resolve`]);
//! - within a rule, **conditions are AND-ed; rules are OR-ed** (the first match decides).
//!
//! ```
//! use jailwright_profile::{catalogue, resolve, Arch, Target, Action};
//! let profile = catalogue::get("docker-default").unwrap().profile();
//! let policy = resolve(&profile, &Target::docker(Arch::X86_64));
//! let nr = jailwright_profile::tables::table(Arch::X86_64).unwrap().lookup("clone3").unwrap();
//! assert_eq!(policy.decide(Arch::X86_64, nr, &[0; 6]).action, Action::Errno(38));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod action;
pub mod arch;
pub mod caps;
pub mod catalogue;
pub mod denial;
pub mod dialect;
pub mod diff;
pub mod engine;
pub mod error;
pub mod export;
pub mod host;
pub mod kernel_names;
pub mod libseccomp;
pub mod lint;
pub mod matrix;
pub mod ops;
pub mod policy;
pub mod rebase;
pub mod record;
pub mod runtime;
pub mod tables;
pub mod terminal;

pub use action::{Action, ActionName, Op};
pub use arch::Arch;
pub use caps::{CapSet, Capability};
pub use dialect::{ArgCond, Dialect, Filter, KernelVersion, Profile, SyscallRule};
pub use error::{ParseError, Problem};
pub use policy::{resolve, Decision, Policy, Reason, Runtime, RuntimeKind, Target};

/// Loads a profile by built-in name (`docker-default`, `plugin`, `docker-default@24.0.9`, ...)
/// or file path.
pub fn load(name_or_path: &str) -> Result<Profile, ParseError> {
    let path = std::path::Path::new(name_or_path);
    // a file whose name has an `@` in it is still a file
    let versioned_file = name_or_path.contains('@') && path.is_file();
    if let Some(found) = catalogue::lookup(name_or_path).filter(|_| !versioned_file) {
        return Ok(found?);
    }
    if path.exists() || name_or_path.contains('/') || name_or_path.ends_with(".json") {
        return Profile::from_file(path);
    }
    if let Some((base, _)) = name_or_path.split_once('@') {
        if catalogue::get(base).is_some() {
            let versioned: Vec<&str> = catalogue::history::HISTORIES
                .iter()
                .map(|h| h.base)
                .collect();
            return Err(catalogue::history::VersionError::NotVersioned {
                name: name_or_path.to_string(),
                versioned: versioned.join(" and "),
            }
            .into());
        }
    }
    Err(ParseError::UnknownProfile {
        name: name_or_path.to_string(),
        known: catalogue::known(),
    })
}

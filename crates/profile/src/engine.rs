//! What the container engine does with a profile before the runtime sees it: the fields it
//! reads into the runtime's configuration and the ones it drops, by engine and version, each
//! with its public source.
//!
//! ```
//! use jailwright_profile::{engine::Engine, Action, Profile};
//! let mut p = Profile::new(Action::Errno(1));
//! p.default_errno_ret = Some(38);
//! let (seen, notes) = Engine::parse("docker@20.10.24").unwrap().apply(&p);
//! assert_eq!(seen.default(), Action::Errno(1));
//! assert!(notes[0].contains("defaultErrnoRet"));
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::dialect::Profile;
use crate::policy::Version;

/// Which engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Docker Engine (moby).
    Docker,
    /// Podman (containers/common).
    Podman,
}

/// An engine with an optional version (`docker@20.10.24`); no version means the newest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Engine {
    /// Which engine.
    pub kind: EngineKind,
    /// Its version, when known.
    pub version: Option<Version>,
}

/// A profile field an engine drops, and the versions that do.
struct Dropped {
    engine: EngineKind,
    /// Versions before this one drop the field.
    before: Version,
    field: &'static str,
    source: &'static str,
}

/// The fields Docker Engine before 23.0 does not read: its `Seccomp` type had only
/// `defaultAction`, `architectures`, `archMap` and `syscalls` (and Podman's string fields are
/// unknown to every Docker). moby commit 5d244675bd ("seccomp: Sync fields with runtime-spec
/// fields", PR #42604), first in v23.0.0; confirmed by the filter Docker 20.10.24 installs.
const DROPPED: &[Dropped] = &[
    Dropped {
        engine: EngineKind::Docker,
        before: Version(23, 0, 0),
        field: "defaultErrnoRet",
        source: "moby 5d244675bd, PR #42604 (Docker 23.0)",
    },
    Dropped {
        engine: EngineKind::Docker,
        before: Version(23, 0, 0),
        field: "flags",
        source: "moby 5d244675bd, PR #42604 (Docker 23.0)",
    },
];

impl Engine {
    /// Parses `docker`, `podman@4.3.1`, `moby@24.0.9`.
    pub fn parse(s: &str) -> Option<Engine> {
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => (n, Some(Version::parse(v)?)),
            None => (s, None),
        };
        let kind = match name.to_ascii_lowercase().as_str() {
            "docker" | "moby" => EngineKind::Docker,
            "podman" => EngineKind::Podman,
            _ => return None,
        };
        Some(Engine { kind, version })
    }

    /// The profile as this engine hands it to the runtime, and what it dropped (one note a
    /// field, naming the source).
    pub fn apply<'p>(&self, profile: &'p Profile) -> (Cow<'p, Profile>, Vec<String>) {
        let mut out = Cow::Borrowed(profile);
        let mut notes = Vec::new();
        let older = |before: Version| self.version.is_some_and(|v| v < before);
        for d in DROPPED
            .iter()
            .filter(|d| d.engine == self.kind && older(d.before))
        {
            let present = match d.field {
                "defaultErrnoRet" => profile.default_errno_ret.is_some(),
                "flags" => profile.flags.as_ref().is_some_and(|f| !f.is_empty()),
                _ => false,
            };
            if present {
                let p = out.to_mut();
                match d.field {
                    "defaultErrnoRet" => p.default_errno_ret = None,
                    _ => p.flags = None,
                }
                notes.push(format!(
                    "{self} does not read `{}` ({}): the runtime never sees it",
                    d.field, d.source
                ));
            }
        }
        if self.kind == EngineKind::Docker {
            let podman_rules = profile.rules().iter().any(|r| r.errno.is_some());
            if profile.default_errno.is_some() || podman_rules {
                let p = out.to_mut();
                p.default_errno = None;
                for r in p.rules_mut() {
                    r.errno = None;
                }
                notes.push(format!(
                    "{self} does not read Podman's `defaultErrno` and per-rule `errno` strings: the errno they name is not used"
                ));
            }
        }
        (out, notes)
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EngineKind::Docker => "docker",
            EngineKind::Podman => "podman",
        })
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(v) => write!(f, "{}@{v}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

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

use crate::dialect::{Profile, SyscallRule};
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
    /// Versions before this one drop the field; `None`: every version does.
    before: Option<Version>,
    field: Field,
    /// What the runtime then does.
    effect: &'static str,
    source: &'static str,
}

/// The fields an engine can drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// `defaultErrnoRet`.
    DefaultErrnoRet,
    /// `flags`.
    Flags,
    /// Each rule's `errnoRet`.
    RuleErrnoRet,
    /// Podman's `defaultErrno` and per-rule `errno` names.
    ErrnoNames,
    /// `minKernel` in `includes` and `excludes`.
    MinKernel,
}

/// Docker 23.0 reads the runtime-spec's fields (moby 5d244675bd).
const RUNTIME_SPEC_FIELDS: &str =
    "moby 5d244675bd, first in Docker 23.0.0, https://github.com/moby/moby/pull/42604";

/// What each engine drops, each fact once with its public source. The engine reads the
/// profile into its own Go type, and Go's JSON decoder drops keys the type lacks.
const DROPPED: &[Dropped] = &[
    // Docker before 23.0: its `Seccomp` type had only `defaultAction`, `architectures`,
    // `archMap` and `syscalls`; confirmed by the filter Docker 20.10.24 installs.
    Dropped {
        engine: EngineKind::Docker,
        before: Some(Version(23, 0, 0)),
        field: Field::DefaultErrnoRet,
        effect: "the runtime never sees it",
        source: RUNTIME_SPEC_FIELDS,
    },
    Dropped {
        engine: EngineKind::Docker,
        before: Some(Version(23, 0, 0)),
        field: Field::Flags,
        effect: "the runtime never sees it",
        source: RUNTIME_SPEC_FIELDS,
    },
    // Docker before 20.10.10: its `Syscall` type had no `ErrnoRet`.
    Dropped {
        engine: EngineKind::Docker,
        before: Some(Version(20, 10, 10)),
        field: Field::RuleErrnoRet,
        effect: "every ERRNO rule returns the runtime's EPERM",
        source: "moby 567c01f6d1, first in Docker 20.10.10, https://github.com/moby/moby/pull/42836",
    },
    // No Docker reads Podman's errno names: moby's `Syscall` takes the runtime-spec's, which
    // has only the number (the names are containers/common's, a27cbd691f).
    Dropped {
        engine: EngineKind::Docker,
        before: None,
        field: Field::ErrnoNames,
        effect: "the errno they name is not used",
        source: "moby profiles/seccomp/seccomp.go, type Syscall; the names came with https://github.com/containers/common/pull/821",
    },
    // Podman's `Filter` type has only `caps` and `arches`, in every release.
    Dropped {
        engine: EngineKind::Podman,
        before: None,
        field: Field::MinKernel,
        effect: "its rules apply whatever the kernel",
        source: "type Filter in containers/common pkg/seccomp/types.go, now container-libs common/pkg/seccomp/types.go",
    },
];

impl Field {
    /// The field as notes name it.
    fn name(self) -> &'static str {
        match self {
            Field::DefaultErrnoRet => "`defaultErrnoRet`",
            Field::Flags => "`flags`",
            Field::RuleErrnoRet => "a rule's `errnoRet`",
            Field::ErrnoNames => "Podman's `defaultErrno` and per-rule `errno` strings",
            Field::MinKernel => "`minKernel`",
        }
    }

    fn present(self, p: &Profile) -> bool {
        let any_rule = |f: &dyn Fn(&SyscallRule) -> bool| p.rules().iter().any(f);
        match self {
            Field::DefaultErrnoRet => p.default_errno_ret.is_some(),
            Field::Flags => p.flags.as_ref().is_some_and(|f| !f.is_empty()),
            Field::RuleErrnoRet => any_rule(&|r| r.errno_ret.is_some()),
            Field::ErrnoNames => p.default_errno.is_some() || any_rule(&|r| r.errno.is_some()),
            Field::MinKernel => any_rule(&|r| {
                [&r.includes, &r.excludes]
                    .into_iter()
                    .flatten()
                    .any(|f| f.min_kernel.is_some())
            }),
        }
    }

    fn drop_from(self, p: &mut Profile) {
        match self {
            Field::DefaultErrnoRet => p.default_errno_ret = None,
            Field::Flags => p.flags = None,
            Field::ErrnoNames => p.default_errno = None,
            Field::RuleErrnoRet | Field::MinKernel => {}
        }
        for r in p.rules_mut() {
            match self {
                Field::RuleErrnoRet => r.errno_ret = None,
                Field::ErrnoNames => r.errno = None,
                Field::MinKernel => {
                    for f in [&mut r.includes, &mut r.excludes].into_iter().flatten() {
                        f.min_kernel = None;
                    }
                }
                Field::DefaultErrnoRet | Field::Flags => {}
            }
        }
    }
}

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
    /// field, naming the source). An engine of unknown version is taken to be the newest.
    pub fn apply<'p>(&self, profile: &'p Profile) -> (Cow<'p, Profile>, Vec<String>) {
        let mut out = Cow::Borrowed(profile);
        let mut notes = Vec::new();
        let drops = |before: Option<Version>| match (before, self.version) {
            (None, _) => true,
            (Some(before), Some(v)) => v < before,
            (Some(_), None) => false,
        };
        for d in DROPPED
            .iter()
            .filter(|d| d.engine == self.kind && drops(d.before))
        {
            if d.field.present(&out) {
                d.field.drop_from(out.to_mut());
                notes.push(format!(
                    "{self} does not read {} ({}): {}",
                    d.field.name(),
                    d.source,
                    d.effect
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

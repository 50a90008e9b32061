//! What container runtimes need of a profile: the syscalls runc and crun themselves make after
//! installing the filter, per version, each with the step that makes them, the message the
//! runtime prints when one is denied, how to recognise that message, and the source of the
//! fact. This is the one place that knowledge lives: the linter reads it to say what a profile
//! blocks ([`missing_runtime_needs`]), and the container backend's classifier reads it to say
//! which syscall a refusal message is about ([`needs_for_message`]).

use crate::action::Action;
use std::fmt;

use crate::policy::{ArchPolicy, Policy};
use crate::tables;

mod needs;
pub use needs::{NEWEST_CRUN, NEWEST_RUNC, RUNC_INIT_ORDER, RUNTIME_NEEDS};

/// Which runtime installs the filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeKind {
    /// Docker's runc (ENOSYS stub, repeated-index split).
    Runc,
    /// Podman's crun (no stub).
    Crun,
    /// Plain OCI semantics: what libseccomp alone does.
    Oci,
}

/// A runtime with an optional version (`runc@1.3.3`), and the distribution build when it is
/// one whose patches change what the runtime does (`runc@1.1.5+ds1-1+deb12u1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Runtime {
    /// Which runtime.
    pub kind: RuntimeKind,
    /// Its version, when known.
    pub version: Option<Version>,
    /// The distribution build, when it is one [`DISTRO_BUILDS`] knows.
    pub build: Option<&'static str>,
}

/// A distribution's build of a runtime that carries fixes from later upstream releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DistroBuild {
    /// The runtime.
    pub runtime: RuntimeKind,
    /// The package version, as `runc --version` prints it on its `commit:` line.
    pub build: &'static str,
    /// What it carries, in a few words.
    pub carries: &'static str,
    /// The steps of the container start it does as upstream's [`DistroBuild::as_of`] does.
    pub steps: &'static [InitStep],
    /// The upstream release those steps come from.
    pub as_of: Version,
    /// The public source.
    pub source: &'static str,
}

/// Debian 12's runc: 1.1.5 with the CVE-2024-21626 fixes of runc 1.1.12.
pub const DEBIAN12_RUNC: &str = "1.1.5+ds1-1+deb12u1";

/// Distribution builds whose patches change what the runtime calls after the filter.
pub const DISTRO_BUILDS: &[DistroBuild] = &[DistroBuild {
    runtime: RuntimeKind::Runc,
    build: DEBIAN12_RUNC,
    carries: "runc 1.1.12's fixes for CVE-2024-21626 (descriptors closed and the working directory checked after the filter)",
    steps: &[InitStep::CloseExecFds, InitStep::WorkingDir],
    as_of: Version(1, 1, 12),
    source: "Debian bookworm-security runc 1.1.5+ds1-1+deb12u1 (2024-02-02), changelog entry \"CVE-2024-21626: several container breakouts due to internally leaked fds\"; https://security-tracker.debian.org/tracker/CVE-2024-21626",
}];

/// A runtime version `MAJOR.MINOR.PATCH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Version(pub u16, pub u16, pub u16);

impl Version {
    /// Parses `1.3.3`, `v1.2`, `1.1.5+ds1`.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches('v');
        let core: &str = s.split(['+', '-', '~', ' ']).next()?;
        let mut it = core.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next().unwrap_or("0").parse().ok()?;
        let patch = it.next().unwrap_or("0").parse().ok()?;
        Some(Version(major, minor, patch))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Runtime {
    /// runc of unknown version.
    pub const RUNC: Runtime = Runtime::of(RuntimeKind::Runc);
    /// crun of unknown version.
    pub const CRUN: Runtime = Runtime::of(RuntimeKind::Crun);
    /// Plain OCI / libseccomp semantics.
    pub const OCI: Runtime = Runtime::of(RuntimeKind::Oci);

    /// `kind` of unknown version.
    pub const fn of(kind: RuntimeKind) -> Runtime {
        Runtime {
            kind,
            version: None,
            build: None,
        }
    }

    /// `kind` at the version `v` names (`1.1.5`, `v1.3.3`, `1.1.5+ds1-1+deb12u1`), keeping
    /// the distribution build when [`DISTRO_BUILDS`] knows it. `None` when `v` is no version.
    pub fn versioned(kind: RuntimeKind, v: &str) -> Option<Runtime> {
        let v = v.trim();
        Some(Runtime {
            kind,
            version: Some(Version::parse(v)?),
            build: DISTRO_BUILDS
                .iter()
                .find(|b| b.runtime == kind && b.build == v)
                .map(|b| b.build),
        })
    }

    /// The distribution build's facts, when it is a known one.
    pub fn distro_build(self) -> Option<&'static DistroBuild> {
        let build = self.build?;
        DISTRO_BUILDS
            .iter()
            .find(|b| b.runtime == self.kind && b.build == build)
    }

    /// Parses `runc`, `crun@1.8.1`, `docker` (= runc), `podman` (= crun), `oci`.
    pub fn parse(s: &str) -> Option<Runtime> {
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (s, None),
        };
        let kind = match name.to_ascii_lowercase().as_str() {
            "runc" | "docker" | "moby" => RuntimeKind::Runc,
            "crun" | "podman" => RuntimeKind::Crun,
            "oci" | "libseccomp" | "native" | "jailwright" => RuntimeKind::Oci,
            _ => return None,
        };
        match version {
            Some(v) => Runtime::versioned(kind, v),
            None => Some(Runtime::of(kind)),
        }
    }

    /// Whether a rule whose conditions repeat an argument index becomes one rule per
    /// condition (OR-ed), as runc always did and crun does since 0.12.2 (crun commit
    /// 08efb1e3 "linux: use correct indices for seccomp arguments"; crun 1.8.1 under Docker
    /// 20.10.24 and Podman 4.3.1 installs the OR, read back from live containers).
    pub fn splits_repeated_index(self) -> bool {
        match self.kind {
            RuntimeKind::Runc => true,
            RuntimeKind::Crun => self.version.is_none_or(|v| v >= Version(0, 12, 2)),
            RuntimeKind::Oci => false,
        }
    }

    /// Whether this runtime prepends the ENOSYS stub.
    pub fn has_enosys_stub(self) -> bool {
        self.kind == RuntimeKind::Runc && self.version.is_none_or(|v| v >= Version(1, 0, 0))
    }

    /// Whether the stub covers the native ABI even when the configuration lists no
    /// architectures (or lists others only). Before, runc stubbed the listed ABIs alone, so a
    /// profile without `architectures`/`archMap` (or an `archMap` without the host) got no
    /// stub at all. runc commit ccc500c42 ("seccomp: patchbpf: always include native
    /// architecture in stub", PR #4219) in 1.2.0, backported as 618e149e4 (PR #4391) in
    /// 1.1.15.
    pub fn stub_covers_native(self) -> bool {
        self.version
            .is_none_or(|v| v >= Version(1, 2, 0) || (v.0 == 1 && v.1 == 1 && v.2 >= 15))
    }
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuntimeKind::Runc => "runc",
            RuntimeKind::Crun => "crun",
            RuntimeKind::Oci => "oci",
        })
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.kind;
        match (self.build, self.version) {
            (Some(b), _) => write!(f, "{name}@{b}"),
            (None, Some(v)) => write!(f, "{name}@{v}"),
            (None, None) => write!(f, "{name}"),
        }
    }
}

/// How the syscalls of a [`RuntimeNeed`] are needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NeedKind {
    /// Every listed syscall is called; blocking any one fails the start.
    All,
    /// The runtime tries them in order and falls back; the start fails only when every one
    /// is blocked. Allowing the first is enough.
    AnyOf,
}

/// The step of a runtime's container start that makes a need's calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum InitStep {
    /// The runtime's own process (its Go runtime, reading its config): every step.
    Core,
    /// Dropping the capability bounding set.
    BoundingSet,
    /// Reading or setting the capability sets.
    Capabilities,
    /// Setting the supplementary groups.
    Groups,
    /// Switching to the container's user and group.
    User,
    /// Entering and checking the working directory.
    WorkingDir,
    /// Checking that its parent is still the one that started it.
    ParentCheck,
    /// Closing the descriptors the container must not inherit.
    CloseExecFds,
    /// Opening /proc safely (the procfs hardening).
    ProcfsOpen,
    /// Checking mount ids.
    MountId,
    /// Setting the configured personality.
    Personality,
    /// Telling the parent the container is set up (crun's sync socket).
    SyncParent,
    /// Waiting for the start on the exec fifo.
    StartWait,
    /// Executing the container's entrypoint.
    Exec,
    /// Returning from a signal handler: whenever a signal reaches the runtime after the
    /// filter, so at no fixed point of the start.
    SignalReturn,
}

impl InitStep {
    /// Whether a denied call at this step stops only some starts: it depends on when a
    /// signal arrives, so one start that succeeds proves nothing.
    pub fn intermittent(self) -> bool {
        self == InitStep::SignalReturn
    }
}

/// Syscalls a container runtime itself calls after installing the filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RuntimeNeed {
    /// The runtime.
    pub runtime: RuntimeKind,
    /// The versions it applies to: windows `from..=to`, or from `from` on when `to` is
    /// `None`.
    pub versions: &'static [(Version, Option<Version>)],
    /// The syscalls.
    pub syscalls: &'static [&'static str],
    /// Whether all are needed or one of them suffices.
    pub kind: NeedKind,
    /// Needed with no-new-privileges on as well. With it on, the runtime installs the filter
    /// right before the exec, after it has dropped capabilities, switched user and changed
    /// directory, so only what comes after (closing inherited descriptors, the procfs checks,
    /// the exec, and the runtime's own threads) goes through the profile.
    pub with_nnp: bool,
    /// Only when the container's configuration asks for what makes the calls (a
    /// personality); such a need is not checked against a profile alone.
    pub condition: Option<&'static str>,
    /// The runtime's step that makes the calls.
    pub step: InitStep,
    /// What the runtime does with the calls, as the cause a diagnosis gives ("drops the
    /// capability bounding set with prctl(PR_CAPBSET_DROP) after loading the filter").
    pub why: &'static str,
    /// The message the user sees when they are blocked.
    pub error: &'static str,
    /// How to recognise that message: any one of these sets of parts, all of which appear in
    /// it (compared in ASCII lower case); none when the runtime says nothing of its own.
    pub signatures: &'static [&'static [&'static str]],
    /// The public source of the fact (a commit, release or issue of the runtime).
    pub source: &'static str,
    /// Whether a probe on a real runtime confirmed it.
    pub probe: Probe,
}

/// Whether a probe on a real runtime confirmed a need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Probe {
    /// Confirmed: which runtime, under what, and how.
    Confirmed(&'static str),
    /// Read from the runtime's source and history only.
    NotProbed,
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::Confirmed(what) => write!(f, "confirmed by a probe on {what}"),
            Probe::NotProbed => f.write_str("from the runtime's source, not confirmed by a probe"),
        }
    }
}

impl RuntimeNeed {
    /// Whether the need applies to upstream `version`.
    pub fn applies_to(&self, version: Version) -> bool {
        self.versions
            .iter()
            .any(|(from, to)| *from <= version && to.is_none_or(|to| version <= to))
    }

    /// Whether the need applies to `runtime` at `version` (its own or the one it is checked
    /// at): a distribution build that carries this step from a later release is checked as
    /// that release for it.
    pub fn applies(&self, runtime: Runtime, version: Version) -> bool {
        if runtime.kind != self.runtime {
            return false;
        }
        let version = match runtime.distro_build() {
            Some(b) if b.steps.contains(&self.step) => b.as_of,
            _ => version,
        };
        self.applies_to(version)
    }

    /// When the runtime makes the calls, as a person reads it.
    pub fn when(&self) -> String {
        let nnp = if self.with_nnp {
            "with or without no-new-privileges"
        } else {
            "only without no-new-privileges"
        };
        let when = match self.condition {
            Some(c) => format!("after the filter, {nnp}, when {c}"),
            None => format!("after the filter, {nnp}"),
        };
        if self.step.intermittent() {
            format!("{when}, whenever a signal arrives (some starts fail, not all)")
        } else {
            when
        }
    }
}

pub(crate) const ANY_PATCH: u16 = u16::MAX;

/// The version a runtime's needs are checked at: its own, or the newest the table knows.
pub fn effective_version(runtime: Runtime) -> Option<Version> {
    match runtime.kind {
        RuntimeKind::Runc => Some(runtime.version.unwrap_or(NEWEST_RUNC)),
        RuntimeKind::Crun => Some(runtime.version.unwrap_or(NEWEST_CRUN)),
        RuntimeKind::Oci => None,
    }
}

/// The needs that apply to `runtime` (at its version, or the newest known when unknown) with
/// no-new-privileges on or off. Plain OCI semantics (jailwright's own sandbox) have none.
pub fn runtime_needs(runtime: Runtime, no_new_privileges: bool) -> Vec<&'static RuntimeNeed> {
    let Some(version) = effective_version(runtime) else {
        return Vec::new();
    };
    RUNTIME_NEEDS
        .iter()
        .filter(|n| n.applies(runtime, version))
        .filter(|n| n.with_nnp || !no_new_privileges)
        .collect()
}

/// Whether a call of `nr` can go ahead under `ap`: some rule for it permits (conditions
/// aside: the runtime's exact arguments are not modelled), or, with no rule, the default or
/// the ENOSYS stub answer permits.
pub(crate) fn may_run(ap: &ArchPolicy, nr: u32, default: Action) -> bool {
    match ap.syscalls.get(&nr) {
        Some(sp) if !sp.rules.is_empty() => sp.rules.iter().any(|r| r.action.permits()),
        _ => ap.decide(nr, &[0; 6], default).action.permits(),
    }
}

/// The runtime needs `policy` blocks on its host ABI, each with the syscalls to allow: every
/// blocked one for [`NeedKind::All`], the first for [`NeedKind::AnyOf`]. Names the host's table
/// lacks (`newfstatat` on arm) are not needed there.
pub fn missing_runtime_needs(
    policy: &Policy,
    runtime: Runtime,
    no_new_privileges: bool,
) -> Vec<(&'static RuntimeNeed, Vec<&'static str>)> {
    let Some(ap) = policy.arch(policy.host) else {
        return Vec::new();
    };
    let Some(table) = tables::table(policy.host) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // A need that depends on the container's configuration cannot be judged from a profile.
    let needs = runtime_needs(runtime, no_new_privileges);
    for need in needs.into_iter().filter(|n| n.condition.is_none()) {
        let present: Vec<(&'static str, u32)> = need
            .syscalls
            .iter()
            .filter_map(|&n| table.lookup(n).map(|nr| (n, nr)))
            .collect();
        let blocked: Vec<&'static str> = present
            .iter()
            .filter(|(_, nr)| !may_run(ap, *nr, policy.default))
            .map(|(n, _)| *n)
            .collect();
        match need.kind {
            NeedKind::All if !blocked.is_empty() => out.push((need, blocked)),
            NeedKind::AnyOf if !present.is_empty() && blocked.len() == present.len() => {
                out.push((need, vec![present[0].0]));
            }
            _ => {}
        }
    }
    out
}

/// The needs a refusal `message` is about: those whose signature it matches most specifically
/// (the longest match wins, so `error closing exec fds: ...` is not taken for an exec), for
/// `runtime` when it is known (its version, or every version when that is not), else for every
/// runtime and version in the table. Empty when the message is not about a need.
pub fn needs_for_message(message: &str, runtime: Option<Runtime>) -> Vec<&'static RuntimeNeed> {
    let lower = message.to_ascii_lowercase();
    let score = |need: &RuntimeNeed| {
        need.signatures
            .iter()
            .filter(|parts| parts.iter().all(|p| lower.contains(p)))
            .map(|parts| parts.iter().map(|p| p.len()).sum::<usize>())
            .max()
    };
    let applies = |need: &RuntimeNeed| match runtime {
        None => true,
        Some(r) if r.kind != need.runtime => false,
        Some(r) => r.version.is_none_or(|v| need.applies(r, v)),
    };
    let scored: Vec<(&'static RuntimeNeed, usize)> = RUNTIME_NEEDS
        .iter()
        .filter(|n| applies(n))
        .filter_map(|n| score(n).map(|s| (n, s)))
        .collect();
    let best = scored.iter().map(|(_, s)| *s).max().unwrap_or(0);
    scored
        .into_iter()
        .filter(|(_, s)| *s == best)
        .map(|(n, _)| n)
        .collect()
}

/// The versions of a need, as a person reads them: `runc 1.3.3 and later`, `runc 1.0.0 to
/// 1.1.x`.
pub fn versions_text(need: &RuntimeNeed) -> String {
    let windows: Vec<String> = need
        .versions
        .iter()
        .map(|&(from, to)| match to {
            None if from == Version(0, 0, 0) => "every version".to_string(),
            None => format!("{from} and later"),
            Some(Version(a, b, ANY_PATCH)) => format!("{from} to {a}.{b}.x"),
            Some(to) if to == from => format!("{from}"),
            Some(to) => format!("{from} to {to}"),
        })
        .collect();
    let builds: Vec<&str> = DISTRO_BUILDS
        .iter()
        .filter(|b| b.runtime == need.runtime && b.steps.contains(&need.step))
        .filter(|b| need.applies_to(b.as_of))
        .map(|b| b.build)
        .collect();
    let builds = match builds.is_empty() {
        true => String::new(),
        false => format!(" and the {} build", builds.join(", ")),
    };
    format!("{} {}{builds}", need.runtime, windows.join(", "))
}

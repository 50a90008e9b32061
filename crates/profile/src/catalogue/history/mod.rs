//! The engine defaults release by release: Docker Engine's and Podman's default profiles as each
//! release shipped them (`docker-default@24.0.9`, `podman-default@5.2`).
//!
//! The newest profile of each engine is encoded in full (`docker_default.rs`,
//! `podman_default.rs`). Every other [`ProfileVersion`] is a window of releases that shipped
//! one profile, the version it follows, and the [`Change`]s between the two. A change is
//! written once, as what upstream did (names added to a rule, a run of rules replaced, an
//! `archMap` entry appended), with its commits and pull requests; a version is built by walking
//! the versions' tree from the newest, undoing changes on the way back and applying them on the
//! way down (so a backport, such as Docker 23.0.10's, reuses the change its newer line made).
//!
//! ```
//! use jailwright_profile::catalogue::history;
//! let (release, version) = history::DOCKER.resolve("24.0").unwrap();
//! assert_eq!(release.to_string(), "24.0.9");
//! assert_eq!(version.label(), "23.0.7");
//! let profile = history::DOCKER.profile(version).unwrap();
//! let allowed = &profile.rules()[0];
//! assert!(allowed.all_names().any(|n| n == "io_uring_setup"));
//! ```

use std::fmt;

use super::spec::RuleSpec;
use crate::action::{errno_name, ActionName};
use crate::arch::Arch;
use crate::dialect::{Dialect, Profile};
use crate::runtime::Version as Release;

mod docker;
mod edit;
mod podman;

pub use docker::DOCKER;
pub use podman::PODMAN;

/// The engine defaults that have versions.
pub const HISTORIES: &[&History] = &[&DOCKER, &PODMAN];

/// The history of the built-in profile `base`, if it has one.
pub fn get(base: &str) -> Option<&'static History> {
    HISTORIES.iter().copied().find(|h| h.base == base)
}

/// Where a change was published: one commit on one release line, and its pull request.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Source {
    /// The repository (`moby/moby`).
    pub repo: &'static str,
    /// The branch the commit is on (`20.10`, `master`).
    pub line: &'static str,
    /// The commit (abbreviated id).
    pub commit: &'static str,
    /// The pull request that merged it, when one did.
    pub pr: Option<&'static str>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.repo, self.commit)?;
        match self.pr {
            Some(pr) => write!(f, ", {pr}"),
            None => Ok(()),
        }
    }
}

/// One upstream change to a default profile.
#[derive(Clone, Copy, Debug)]
pub struct Change {
    /// A short name (`io_uring`).
    pub id: &'static str,
    /// What changed, in one line.
    pub summary: &'static str,
    /// Why upstream made it, in one line.
    pub reason: &'static str,
    /// Where it was made: its commit on each release line that shipped it, with the pull
    /// request (`ProfileVersion::source_of` picks the one on a version's line).
    pub sources: &'static [Source],
    /// The edits.
    pub edits: Edits,
}

/// What a change does to the profile.
#[derive(Clone, Copy, Debug)]
pub enum Edits {
    /// These edits, in order.
    Do(&'static [Edit]),
    /// The exact inverse of another change (an upstream revert).
    Revert(&'static Change),
}

/// One edit; each can be undone.
#[derive(Clone, Copy, Debug)]
pub enum Edit {
    /// Names added to the rule shaped like this one (its names aside), at their sorted place.
    Add(RuleSpec, &'static [&'static str]),
    /// Names removed from the rule shaped like this one.
    Remove(RuleSpec, &'static [&'static str]),
    /// The run of rules `old` replaced by `new`; with no `old`, `new` is inserted at `after`
    /// (and undone, with no `new`, `old` is).
    Rules {
        /// Where rules are inserted when there is no run to replace.
        after: Place,
        /// The rules before.
        old: &'static [RuleSpec],
        /// The rules after.
        new: &'static [RuleSpec],
    },
    /// An `archMap` entry for this host, with no sub-architectures, appended.
    Arch(Arch),
    /// `defaultErrnoRet` written (it was absent).
    DefaultErrnoRet(u32),
}

/// Where new rules go.
#[derive(Clone, Copy, Debug)]
pub enum Place {
    /// After the rule shaped like this one.
    After(RuleSpec),
    /// After the last rule that names this syscall.
    AfterLast(&'static str),
    /// At the end.
    End,
}

/// A profile as a window of releases shipped it.
#[derive(Clone, Copy, Debug)]
pub struct ProfileVersion {
    /// The releases that shipped it, as inclusive `(first, last)` ranges; none for a state no
    /// release has shipped yet.
    pub releases: &'static [(Release, Release)],
    /// The label of the version it follows (`None`: the oldest here).
    pub after: Option<&'static str>,
    /// What changed from that version.
    pub changes: &'static [Change],
}

impl ProfileVersion {
    /// Its name: the first release that shipped it (`25.0.3`), or `unreleased`.
    pub fn label(&self) -> String {
        self.releases
            .first()
            .map_or_else(|| "unreleased".to_string(), |(first, _)| first.to_string())
    }

    /// Whether `release` shipped it.
    pub fn contains(&self, release: Release) -> bool {
        self.releases
            .iter()
            .any(|&(first, last)| first <= release && release <= last)
    }

    /// The windows as text: `20.10.18-21, 20.10.23-25`.
    pub fn windows(&self) -> String {
        if self.releases.is_empty() {
            return "no release yet".to_string();
        }
        self.releases
            .iter()
            .map(|&(a, b)| span(a, b))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The source of `change` on this version's release line (its major.minor), else the
    /// change's first source.
    pub fn source_of(&self, change: &Change) -> Option<Source> {
        let line = self
            .releases
            .first()
            .map(|(first, _)| format!("{}.{}", first.0, first.1));
        change
            .sources
            .iter()
            .find(|s| Some(s.line) == line.as_deref())
            .or(change.sources.first())
            .copied()
    }
}

/// `a-b` with `b`'s common prefix dropped: `20.10.0-3`, `25.0.3-28.1.1`, `24.0.9`.
fn span(a: Release, b: Release) -> String {
    if a == b {
        a.to_string()
    } else if (a.0, a.1) == (b.0, b.1) {
        format!("{a}-{}", b.2)
    } else {
        format!("{a}-{b}")
    }
}

/// How the engine writes its profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// Numbers only (`errnoRet`).
    Docker,
    /// Podman's: every errno also as a name (`defaultErrno`, per-rule `errno`).
    Podman,
}

/// One engine's default profile through its releases.
#[derive(Debug)]
pub struct History {
    /// The built-in name of its newest profile (`docker-default`).
    pub base: &'static str,
    /// The engine (`Docker Engine`).
    pub engine: &'static str,
    /// Where the engine keeps the profile.
    pub file: &'static str,
    /// Every release the catalogue knows, by line: `(major, minor, first patch, last patch)`.
    pub lines: &'static [(u16, u16, u16, u16)],
    /// The versions, oldest first.
    pub versions: &'static [ProfileVersion],
    /// The label of the version the built-in `base` is.
    pub newest: &'static str,
    encoded: fn() -> Profile,
    style: Style,
}

/// Why `NAME@VERSION` names no profile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The version is not `X`, `X.Y` or `X.Y.Z`.
    #[error("`{base}@{version}`: expected a release number after `@`, e.g. `{base}@{example}` (X, X.Y or X.Y.Z)")]
    Syntax {
        /// The built-in name.
        base: String,
        /// What followed `@`.
        version: String,
        /// A release that works.
        example: String,
    },
    /// No release of that number.
    #[error("`{base}@{version}`: {engine} has no release {version} in the catalogue; known releases: {known}")]
    Unknown {
        /// The built-in name.
        base: String,
        /// What followed `@`.
        version: String,
        /// The engine.
        engine: String,
        /// The releases the catalogue knows.
        known: String,
    },
    /// The built-in profile has no versions.
    #[error("`{name}`: `@RELEASE` is for {versioned} only")]
    NotVersioned {
        /// What was asked for.
        name: String,
        /// The built-ins with versions.
        versioned: String,
    },
    /// A change in the catalogue's data does not apply: a bug in jailwright.
    #[error("{base}@{version}: the catalogue's change `{change}` does not apply ({detail}); please report this")]
    Inconsistent {
        /// The built-in name.
        base: String,
        /// The version being built.
        version: String,
        /// The change's id.
        change: String,
        /// What did not match.
        detail: String,
    },
}

/// `X`, `X.Y` or `X.Y.Z` (a leading `v` allowed), as numbers.
fn parse_request(s: &str) -> Option<(u16, Option<u16>, Option<u16>)> {
    let mut parts = s.strip_prefix('v').unwrap_or(s).split('.');
    let num = |p: Option<&str>| -> Option<Option<u16>> {
        match p {
            None => Some(None),
            Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
                t.parse().ok().map(Some)
            }
            Some(_) => None,
        }
    };
    let major = num(parts.next())??;
    let minor = num(parts.next())?;
    let patch = num(parts.next())?;
    if parts.next().is_some() || (minor.is_none() && patch.is_some()) {
        return None;
    }
    Some((major, minor, patch))
}

impl History {
    /// The version labelled `label` (`25.0.3`, `unreleased`).
    pub fn version(&self, label: &str) -> Option<&'static ProfileVersion> {
        self.versions.iter().find(|v| v.label() == label)
    }

    /// The release `request` names (`28.3.0`; `24.0` for the newest 24.0.x; `29` for the newest
    /// 29.x) and the version that release shipped.
    pub fn resolve(
        &self,
        request: &str,
    ) -> Result<(Release, &'static ProfileVersion), VersionError> {
        let (major, minor, patch) = parse_request(request).ok_or_else(|| VersionError::Syntax {
            base: self.base.to_string(),
            version: request.to_string(),
            example: self.versions.first().map(|v| v.label()).unwrap_or_default(),
        })?;
        let line = |l: &&(u16, u16, u16, u16)| l.0 == major && minor.is_none_or(|m| l.1 == m);
        let release = match patch {
            Some(p) => self
                .lines
                .iter()
                .find(|l| line(l) && (l.2..=l.3).contains(&p))
                .map(|l| Release(l.0, l.1, p)),
            None => self
                .lines
                .iter()
                .filter(line)
                .max_by_key(|l| l.1)
                .map(|l| Release(l.0, l.1, l.3)),
        };
        release
            .and_then(|r| self.versions.iter().find(|v| v.contains(r)).map(|v| (r, v)))
            .ok_or_else(|| VersionError::Unknown {
                base: self.base.to_string(),
                version: request.to_string(),
                engine: self.engine.to_string(),
                known: self.known(),
            })
    }

    /// Every release the catalogue knows, line by line: `20.10.0-27, 23.0.0-18, ...`.
    pub fn known(&self) -> String {
        self.lines
            .iter()
            .map(|&(a, b, first, last)| span(Release(a, b, first), Release(a, b, last)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The releases in whose windows `change` first shipped (the starts of the windows of the
    /// versions that make it).
    pub fn first_releases(&self, change: &Change) -> Vec<Release> {
        self.versions
            .iter()
            .filter(|v| v.changes.iter().any(|c| c.id == change.id))
            .flat_map(|v| v.releases.iter().map(|(first, _)| *first))
            .collect()
    }

    /// The labels from `label` back to the oldest version, `label` first.
    fn ancestors(&self, label: &str) -> Result<Vec<&'static ProfileVersion>, String> {
        let mut out: Vec<&'static ProfileVersion> = Vec::new();
        let mut next = Some(label.to_string());
        while let Some(l) = next {
            if out.len() > self.versions.len() {
                return Err(format!("the versions before {label} loop"));
            }
            let v = self.version(&l).ok_or_else(|| format!("no version {l}"))?;
            out.push(v);
            next = v.after.map(str::to_string);
        }
        Ok(out)
    }

    /// The changes that lead from the newest profile to `target`, each with whether it is
    /// applied (`true`) or undone.
    pub fn path(&self, target: &ProfileVersion) -> Result<Vec<(bool, &'static Change)>, String> {
        let from = self.ancestors(self.newest)?;
        let to = self.ancestors(&target.label())?;
        let same = |a: &ProfileVersion, b: &ProfileVersion| a.label() == b.label();
        let meet = to
            .iter()
            .position(|t| from.iter().any(|f| same(f, t)))
            .ok_or_else(|| format!("{} and {} share no version", self.newest, target.label()))?;
        let mut steps = Vec::new();
        for v in from.iter().take_while(|f| !same(f, to[meet])) {
            steps.extend(v.changes.iter().rev().map(|c| (false, c)));
        }
        for v in to[..meet].iter().rev() {
            steps.extend(v.changes.iter().map(|c| (true, c)));
        }
        Ok(steps)
    }

    /// The profile of `version`.
    pub fn profile(&self, version: &ProfileVersion) -> Result<Profile, VersionError> {
        let broken = |change: &str, detail: String| VersionError::Inconsistent {
            base: self.base.to_string(),
            version: version.label(),
            change: change.to_string(),
            detail,
        };
        let mut p = (self.encoded)();
        for (forward, change) in self.path(version).map_err(|d| broken("-", d))? {
            edit::apply(change, &mut p, forward).map_err(|d| broken(change.id, d))?;
        }
        if self.style == Style::Podman {
            podman_style(&mut p);
        }
        Ok(p)
    }

    /// The newest profile, as the built-in `base` is.
    pub fn newest_profile(&self) -> Profile {
        let mut p = (self.encoded)();
        if self.style == Style::Podman {
            podman_style(&mut p);
        }
        p
    }
}

/// Podman writes each errno twice, as a number and as a name (containers/common a27cbd691f,
/// https://github.com/containers/common/pull/821, in every release since Podman 4.0).
fn podman_style(p: &mut Profile) {
    p.dialect = Dialect::Podman;
    p.default_errno = p.default_errno_ret.and_then(errno_name).map(str::to_string);
    for r in p.rules_mut() {
        if r.action == ActionName::Errno {
            r.errno = r.errno_ret.and_then(errno_name).map(str::to_string);
        }
    }
}

/// The built-in profile `name` when it names a version of an engine default (`BASE@RELEASE`):
/// `None` when the part before `@` has no history.
pub fn lookup(name: &str) -> Option<Result<Profile, VersionError>> {
    let (base, request) = name.split_once('@')?;
    let history = get(base)?;
    Some(
        history
            .resolve(request)
            .and_then(|(_, version)| history.profile(version)),
    )
}

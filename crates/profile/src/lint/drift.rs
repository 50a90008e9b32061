//! JW109: a profile derived from an engine default that has changed since. A hand-edited
//! copy of Docker's (or Podman's) default is recognised by its rules: the released version
//! whose rules it shares most, when that is not the newest, is named with the way to carry
//! the edits onto the newest (`jailwright rebase`).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::*;
use crate::catalogue::history::{History, HISTORIES};

/// How much of a version's rules a profile must share (Jaccard similarity of their
/// `(syscall, rule)` pairs) to be taken for a copy of it.
const DERIVED: f64 = 0.8;

/// A profile's rules as `syscall | rule` pairs (the rule as `explain` prints it, so the
/// order of rules and of names, comments and Podman's errno spellings do not count).
fn fingerprint(p: &Profile) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in p.rules() {
        let shape = crate::ops::rule_summary(r);
        for n in r.all_names() {
            out.insert(format!("{n}|{shape}"));
        }
    }
    out
}

/// One released version of an engine default, fingerprinted.
struct Known {
    history: &'static History,
    label: String,
    windows: String,
    newest: bool,
    print: BTreeSet<String>,
}

fn known() -> &'static [Known] {
    static KNOWN: OnceLock<Vec<Known>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let mut out = Vec::new();
        for h in HISTORIES {
            for v in h.versions.iter().filter(|v| !v.releases.is_empty()) {
                let Ok(p) = h.profile(v) else { continue };
                let label = v.label();
                out.push(Known {
                    history: h,
                    newest: label == h.newest,
                    label,
                    windows: v.windows(),
                    print: fingerprint(&p),
                });
            }
            // The newest is a released version already unless no release has shipped it yet.
            if !out.iter().any(|k| k.newest && std::ptr::eq(k.history, *h)) {
                out.push(Known {
                    history: h,
                    label: h.newest.to_string(),
                    windows: String::new(),
                    newest: true,
                    print: fingerprint(&h.newest_profile()),
                });
            }
        }
        out
    })
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    let all = a.len() + b.len() - shared;
    if all == 0 {
        0.0
    } else {
        shared as f64 / all as f64
    }
}

/// The syscalls whose rules differ between two fingerprints.
fn names_differing(a: &BTreeSet<String>, b: &BTreeSet<String>) -> usize {
    a.symmetric_difference(b)
        .filter_map(|s| s.split('|').next())
        .collect::<BTreeSet<_>>()
        .len()
}

/// The engine-default release `profile` looks derived from, when that is an older one than
/// the newest: see [`Derivation`].
pub fn derived_from(profile: &Profile) -> Option<Derivation> {
    let print = fingerprint(profile);
    let mut best: Option<(&Known, f64)> = None;
    for k in known() {
        let s = jaccard(&print, &k.print);
        // Ties go to the newer version (later in the list), which shares the same rules.
        if best.is_none_or(|(_, b)| s >= b) {
            best = Some((k, s));
        }
    }
    let (k, similarity) = best?;
    if similarity < DERIVED || k.newest {
        return None;
    }
    let newest = known()
        .iter()
        .find(|n| n.newest && std::ptr::eq(n.history, k.history))?;
    Some(Derivation {
        base: k.history.base,
        version: k.label.clone(),
        releases: k.windows.clone(),
        similarity,
        edited: names_differing(&print, &k.print),
        changed_since: names_differing(&k.print, &newest.print),
    })
}

/// What [`derived_from`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct Derivation {
    /// The built-in name (`docker-default`).
    pub base: &'static str,
    /// The version (`23.0.7`).
    pub version: String,
    /// The releases that shipped it (`23.0.7-9, 24.0.3-9`).
    pub releases: String,
    /// The share of `(syscall, rule)` pairs the profile and the version have in common.
    pub similarity: f64,
    /// The syscalls whose rules differ from that version (the edits).
    pub edited: usize,
    /// The syscalls whose rules upstream changed from that version to the newest.
    pub changed_since: usize,
}

impl Lint<'_> {
    /// JW109.
    pub(super) fn derived(&mut self) {
        let Some(d) = derived_from(self.profile) else {
            return;
        };
        let message = format!(
            "this profile looks derived from {base}@{v} (the default of releases {r}): {pct:.0}% of its syscall rules are that version's, {e} syscall(s) differ from it; {base} has changed {c} syscall(s) since",
            base = d.base,
            v = d.version,
            r = d.releases,
            pct = d.similarity * 100.0,
            e = d.edited,
            c = d.changed_since,
        );
        let fix = format!(
            "carry your edits onto the newest default: `jailwright rebase PROFILE --from {base}@{v} --to {base} -o new.json` (a three-way merge; conflicts are listed with both sides), then `jailwright diff PROFILE new.json` to review",
            base = d.base,
            v = d.version,
        );
        let path = self.root().to_string();
        self.push(Hit::new(DERIVED_FROM_DEFAULT, path, message).fix(fix));
    }
}

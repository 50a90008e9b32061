//! Carrying a hand-edited profile onto a newer base: a three-way merge of profiles.
//!
//! A user copies a base profile (Docker's default, say), edits it, and later the base
//! changes. The user's edits are what changed from the old base to the custom profile
//! ("ours"); upstream's changes are what changed from the old base to the new one
//! ("theirs"). Both are read on the profile model, not on its text:
//! - per syscall name, as the ordered list of rule *shapes* naming it (a shape is a rule
//!   without its names: the action with its errno, the argument conditions, `includes` and
//!   `excludes`), so a name moved into another rule of the same shape is no change, and a
//!   name added to the big allow list is one change to one syscall;
//! - per field: the default action (with its errno), each `architectures` entry, each
//!   `archMap` entry, each flag, the listener, and keys jailwright does not model.
//!
//! Both are applied onto the new base's structure (its rules, their order and grouping):
//! - a thing changed on one side only takes that side's version (`kept`, `taken`);
//! - a thing changed the same way on both sides is written once and is no conflict (`both`);
//! - a syscall whose rules both sides changed, but different rules of it (the user's
//!   `clone` mask rule and upstream's s390 `clone` rule), gets both changes when the result
//!   decides as each side does where that side changed it;
//! - anything else both sides changed is a conflict: **the user's side ("ours") is
//!   written**, as `git merge -X ours` would, and the conflict is listed with the base,
//!   ours and theirs, so that it can be reviewed.
//!
//! Every syscall that is not a conflict is then checked by decision ([`verify`]): resolved
//! for Docker on x86_64 and aarch64, and with every capability on x86_64, on every argument
//! value that matters, the output decides as the custom profile where the user changed the
//! decision, as the new base where upstream changed it, and as the old base elsewhere. A
//! syscall that fails the check becomes a conflict (the user's side written).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::dialect::Profile;
use crate::error::ParseError;

mod build;
mod fields;
mod shapes;
pub mod verify;

use self::shapes::{ListMerge, Shapes};

/// What a change or conflict is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// A profile field (`defaultAction`, `architectures`, `archMap.SCMP_ARCH_X86_64`, ...).
    Field(String),
    /// A syscall, by name.
    Syscall(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Syscall(s) | Subject::Field(s) => f.write_str(s),
        }
    }
}

/// What kind of change one side made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Something new: rules for a syscall that had none, an entry or a key.
    Added,
    /// Every rule for a syscall, or an entry or key, gone.
    Removed,
    /// The same rules with another action (or errno).
    Action,
    /// The same rules with other argument conditions.
    Arguments,
    /// The same rules with other `includes` / `excludes` (capabilities, arches, kernel).
    Gates,
    /// The rules changed in more than one of those ways, or in number.
    Rules,
    /// A field's value changed.
    Value,
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Action => "action",
            ChangeKind::Arguments => "arguments",
            ChangeKind::Gates => "gates",
            ChangeKind::Rules => "rules",
            ChangeKind::Value => "value",
        })
    }
}

/// One change, from the old base to one side.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// What changed.
    #[serde(flatten)]
    pub subject: Subject,
    /// How.
    pub kind: ChangeKind,
    /// The old base's version, in words (for a syscall, the rules this side changed or
    /// removed; "no rule" when it had none).
    pub before: String,
    /// This side's version, in words (for a syscall, the rules this side changed or added;
    /// "no rule" when it has none left, "no other rule" when it only lost some).
    pub after: String,
}

/// Which side a conflict's output came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The custom profile's (the user's).
    Ours,
    /// The new base's.
    Theirs,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Ours => "ours",
            Side::Theirs => "theirs",
        })
    }
}

/// A thing both sides changed differently.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    /// What.
    #[serde(flatten)]
    pub subject: Subject,
    /// The old base's version, in words.
    pub base: String,
    /// The custom profile's version.
    pub ours: String,
    /// The new base's version.
    pub theirs: String,
    /// Whose version the output has (always the user's: [`Side::Ours`]).
    pub written: Side,
    /// Why it is a conflict.
    pub why: String,
}

/// What a rebase did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RebaseReport {
    /// The user's edits, carried over.
    pub kept: Vec<Change>,
    /// Upstream's changes, taken.
    pub taken: Vec<Change>,
    /// Changes both sides made the same way (written once; not conflicts).
    pub both: Vec<Change>,
    /// Things both sides changed differently; the output has the user's side of each.
    pub conflicts: Vec<Conflict>,
}

impl RebaseReport {
    /// Whether there is no conflict.
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// The rebased profile and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Rebased {
    /// The custom profile's edits on the new base.
    pub profile: Profile,
    /// What was kept, taken, shared and in conflict.
    pub report: RebaseReport,
}

/// Which input a profile is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The hand-edited profile.
    Custom,
    /// The base it was derived from.
    OldBase,
    /// The base to carry it onto.
    NewBase,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Custom => "the custom profile",
            Role::OldBase => "the old base",
            Role::NewBase => "the new base",
        })
    }
}

/// Why a rebase could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RebaseError {
    /// An input could not be read or is not a valid profile.
    #[error("cannot load {role}")]
    Load {
        /// Which input.
        role: Role,
        /// What is wrong with it (file, place, what was expected).
        #[source]
        source: ParseError,
    },
}

/// Loads the three inputs (each a built-in name or a path, as [`crate::load`] takes) and
/// rebases `custom` from `from` onto `to`.
pub fn rebase_specs(custom: &str, from: &str, to: &str) -> Result<Rebased, RebaseError> {
    let load = |spec: &str, role: Role| {
        crate::load(spec).map_err(|source| RebaseError::Load { role, source })
    };
    let ours = load(custom, Role::Custom)?;
    let base = load(from, Role::OldBase)?;
    let theirs = load(to, Role::NewBase)?;
    Ok(rebase(&base, &ours, &theirs))
}

/// Rebases `ours` (derived from `base`) onto `theirs`. See the module documentation for the
/// rules; a conflict writes the user's side.
pub fn rebase(base: &Profile, ours: &Profile, theirs: &Profile) -> Rebased {
    let mut report = RebaseReport::default();
    let mut out = theirs.clone();
    fields::merge(base, ours, theirs, &mut out, &mut report);

    let mut shapes = Shapes::default();
    // theirs first: a shape's written form comes from the new base when it has it
    let t = shapes.lists(theirs);
    let o = shapes.lists(ours);
    let b = shapes.lists(base);
    let names: BTreeSet<&str> = [&b, &o, &t]
        .iter()
        .flat_map(|l| l.names.keys().map(String::as_str))
        .collect();
    let mut finals: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut checked: Vec<String> = Vec::new();
    for name in names {
        let [lb, lo, lt] = [&b, &o, &t].map(|l| l.of(name));
        let subject = || Subject::Syscall(name.to_string());
        let change = |before: &[usize], after: &[usize]| {
            let (was, is) = shapes.differing(before, after);
            Change {
                subject: subject(),
                kind: shapes.kind(before, after),
                before: was,
                after: is,
            }
        };
        match shapes::merge_lists(lb, lo, lt) {
            ListMerge::Unchanged => continue,
            ListMerge::Theirs => report.taken.push(change(lb, lt)),
            ListMerge::Both => report.both.push(change(lb, lo)),
            ListMerge::Ours => {
                report.kept.push(change(lb, lo));
                finals.insert(name.to_string(), lo.to_vec());
            }
            ListMerge::Merged(list) => {
                report.kept.push(change(lb, lo));
                report.taken.push(change(lb, lt));
                finals.insert(name.to_string(), list);
            }
            ListMerge::Conflict => {
                report.conflicts.push(Conflict {
                    subject: subject(),
                    base: shapes.describe(lb),
                    ours: shapes.describe(lo),
                    theirs: shapes.describe(lt),
                    written: Side::Ours,
                    why: "both sides changed the same rules of this syscall differently".into(),
                });
                finals.insert(name.to_string(), lo.to_vec());
                continue;
            }
        }
        checked.push(name.to_string());
    }
    out.syscalls = written(theirs, build::rules(&shapes, &t, &finals, theirs.rules()));

    // The check by decision: a syscall that does not decide as the merge says it should
    // becomes a conflict, with the user's side written.
    let failed = verify::check(base, ours, theirs, &out, &checked);
    if !failed.is_empty() {
        for (name, why) in &failed {
            demote(&mut report, name, why, [&b, &o, &t], &shapes);
            finals.insert(name.clone(), o.of(name).to_vec());
        }
        out.syscalls = written(theirs, build::rules(&shapes, &t, &finals, theirs.rules()));
    }
    // fields first, then syscalls by name (the sort is stable: a field's entries keep
    // their order)
    for list in [&mut report.kept, &mut report.taken, &mut report.both] {
        list.sort_by(|a, b| a.subject.cmp(&b.subject));
    }
    report.conflicts.sort_by(|a, b| a.subject.cmp(&b.subject));
    Rebased {
        profile: out,
        report,
    }
}

/// `syscalls` as written: absent when the new base has none and the merge adds none.
fn written(
    theirs: &Profile,
    rules: Vec<crate::dialect::SyscallRule>,
) -> Option<Vec<crate::dialect::SyscallRule>> {
    (theirs.syscalls.is_some() || !rules.is_empty()).then_some(rules)
}

/// Moves `name` from the changes into the conflicts.
fn demote(
    report: &mut RebaseReport,
    name: &str,
    why: &str,
    [b, o, t]: [&shapes::Lists; 3],
    shapes: &Shapes,
) {
    let subject = Subject::Syscall(name.to_string());
    for list in [&mut report.kept, &mut report.taken, &mut report.both] {
        list.retain(|c| c.subject != subject);
    }
    report.conflicts.push(Conflict {
        subject,
        base: shapes.describe(b.of(name)),
        ours: shapes.describe(o.of(name)),
        theirs: shapes.describe(t.of(name)),
        written: Side::Ours,
        why: format!("with both sides' changes it would not decide as each side does: {why}"),
    });
}

//! The profile's fields besides its rules: the default action, architectures, `archMap`,
//! flags, the listener and unknown keys, each merged three ways.

use serde_json::Value;

use crate::action::{errno_number, ActionName};
use crate::arch::Arch;
use crate::dialect::{ArchMapEntry, Profile};

use super::{Change, ChangeKind, Conflict, RebaseReport, Side, Subject};

/// Merges one value: the side that changed it wins, both the same way is one change, both
/// differently is a conflict that writes ours.
fn three_way<T: Clone>(
    report: &mut RebaseReport,
    subject: Subject,
    [b, o, t]: [&T; 3],
    same: impl Fn(&T, &T) -> bool,
    show: impl Fn(&T) -> String,
    kind: impl Fn(&T, &T) -> ChangeKind,
) -> T {
    let change = |after: &T| Change {
        subject: subject.clone(),
        kind: kind(b, after),
        before: show(b),
        after: show(after),
    };
    if same(o, b) {
        if !same(t, b) {
            report.taken.push(change(t));
        }
        t.clone()
    } else if same(t, b) {
        report.kept.push(change(o));
        o.clone()
    } else if same(o, t) {
        report.both.push(change(o));
        t.clone()
    } else {
        report.conflicts.push(Conflict {
            subject,
            base: show(b),
            ours: show(o),
            theirs: show(t),
            written: Side::Ours,
            why: "both sides changed it differently".into(),
        });
        o.clone()
    }
}

fn option_kind<T>(before: &Option<T>, after: &Option<T>) -> ChangeKind {
    match (before, after) {
        (None, _) => ChangeKind::Added,
        (_, None) => ChangeKind::Removed,
        _ => ChangeKind::Value,
    }
}

/// Merges every field but `syscalls` into `out` (a copy of `theirs`).
pub(super) fn merge(
    base: &Profile,
    ours: &Profile,
    theirs: &Profile,
    out: &mut Profile,
    report: &mut RebaseReport,
) {
    type Default = (ActionName, Option<u32>, Option<String>);
    let default = |p: &Profile| -> Default {
        (
            p.default_action,
            p.default_errno_ret,
            p.default_errno.clone(),
        )
    };
    let action = |d: &Default| d.0.with_ret(d.2.as_deref().and_then(errno_number).or(d.1));
    let d = three_way(
        report,
        Subject::Field("defaultAction".into()),
        [&default(base), &default(ours), &default(theirs)],
        |a, b| action(a) == action(b),
        |d| action(d).to_string(),
        |_, _| ChangeKind::Value,
    );
    (out.default_action, out.default_errno_ret, out.default_errno) = d;

    out.architectures = set(
        report,
        "architectures",
        [
            &base.architectures,
            &ours.architectures,
            &theirs.architectures,
        ],
        |a| a.scmp_name().to_string(),
    );
    out.flags = set(
        report,
        "flags",
        [&base.flags, &ours.flags, &theirs.flags],
        String::clone,
    );
    out.arch_map = arch_map(report, [base, ours, theirs]);
    for (key, get) in [
        (
            "listenerPath",
            (|p: &Profile| p.listener_path.clone()) as fn(&Profile) -> _,
        ),
        ("listenerMetadata", |p: &Profile| {
            p.listener_metadata.clone()
        }),
    ] {
        let v = three_way(
            report,
            Subject::Field(key.into()),
            [&get(base), &get(ours), &get(theirs)],
            |a, b| a == b,
            |v| v.clone().unwrap_or_else(|| "absent".into()),
            option_kind,
        );
        match key {
            "listenerPath" => out.listener_path = v,
            _ => out.listener_metadata = v,
        }
    }
    out.extra = extra(report, [base, ours, theirs]);
}

/// A list merged element by element (each element present or not, three ways): the new
/// base's order, then the user's additions.
fn set<T: Clone + PartialEq>(
    report: &mut RebaseReport,
    field: &str,
    [b, o, t]: [&Option<Vec<T>>; 3],
    show: impl Fn(&T) -> String,
) -> Option<Vec<T>> {
    let empty = Vec::new();
    let [lb, lo, lt] = [b, o, t].map(|l| l.as_ref().unwrap_or(&empty));
    let mut all: Vec<&T> = Vec::new();
    for e in lt.iter().chain(lo).chain(lb) {
        if !all.contains(&e) {
            all.push(e);
        }
    }
    let mut merged = Vec::new();
    for e in all {
        let has = [lb, lo, lt].map(|l| l.contains(e));
        let keep = three_way(
            report,
            Subject::Field(field.into()),
            [&has[0], &has[1], &has[2]],
            |a, b| a == b,
            |p| if *p { show(e) } else { "absent".into() },
            |_, after| {
                if *after {
                    ChangeKind::Added
                } else {
                    ChangeKind::Removed
                }
            },
        );
        if keep {
            merged.push(e.clone());
        }
    }
    (!merged.is_empty() || t.is_some()).then_some(merged)
}

fn show_entry(e: &Option<ArchMapEntry>) -> String {
    match e {
        None => "absent".into(),
        Some(e) => {
            let subs: Vec<&str> = e
                .sub_architectures
                .iter()
                .flatten()
                .map(|a| a.scmp_name())
                .collect();
            if subs.is_empty() {
                format!("{} alone", e.architecture.scmp_name())
            } else {
                format!("{} with {}", e.architecture.scmp_name(), subs.join(", "))
            }
        }
    }
}

/// `archMap` merged entry by entry (by native architecture).
fn arch_map(report: &mut RebaseReport, sides: [&Profile; 3]) -> Option<Vec<ArchMapEntry>> {
    let [b, o, t] = sides.map(|p| p.arch_map.as_deref().unwrap_or(&[]));
    let mut keys: Vec<Arch> = Vec::new();
    for e in t.iter().chain(o).chain(b) {
        if !keys.contains(&e.architecture) {
            keys.push(e.architecture);
        }
    }
    let mut merged = Vec::new();
    for arch in keys {
        let [eb, eo, et] = [b, o, t].map(|m| m.iter().find(|e| e.architecture == arch).cloned());
        let entry = three_way(
            report,
            Subject::Field(format!("archMap.{}", arch.scmp_name())),
            [&eb, &eo, &et],
            |a, b| a == b,
            show_entry,
            option_kind,
        );
        merged.extend(entry);
    }
    (!merged.is_empty() || sides[2].arch_map.is_some()).then_some(merged)
}

/// Keys jailwright does not model, merged key by key.
fn extra(report: &mut RebaseReport, sides: [&Profile; 3]) -> serde_json::Map<String, Value> {
    let mut keys: Vec<&String> = Vec::new();
    for p in [sides[2], sides[1], sides[0]] {
        for k in p.extra.keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut out = serde_json::Map::new();
    for key in keys {
        let [b, o, t] = sides.map(|p| p.extra.get(key).cloned());
        let v = three_way(
            report,
            Subject::Field(key.clone()),
            [&b, &o, &t],
            |a, b| a == b,
            |v| v.as_ref().map_or_else(|| "absent".into(), Value::to_string),
            option_kind,
        );
        if let Some(v) = v {
            out.insert(key.clone(), v);
        }
    }
    out
}

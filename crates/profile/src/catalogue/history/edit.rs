//! Applying a change to a profile, forward (what the release did) or backward (undoing it).
//!
//! Every edit checks that the profile is in the state the change starts from: a name added
//! must be absent, a name removed present, a run of rules replaced exactly there. A mismatch is
//! an error naming what was missing, so a wrong fact in the catalogue's data cannot pass
//! silently.

use super::{Change, Edit, Edits, Place};
use crate::catalogue::spec::{Gate, RuleSpec};
use crate::dialect::{ArchMapEntry, Filter, Profile, SyscallRule};

/// Applies `change` to `p`: forward when `forward`, else its inverse.
pub(super) fn apply(change: &Change, p: &mut Profile, forward: bool) -> Result<(), String> {
    match change.edits {
        Edits::Revert(of) => apply(of, p, !forward),
        Edits::Do(edits) if forward => edits.iter().try_for_each(|e| edit(e, p, true)),
        Edits::Do(edits) => edits.iter().rev().try_for_each(|e| edit(e, p, false)),
    }
}

fn edit(e: &Edit, p: &mut Profile, forward: bool) -> Result<(), String> {
    match *e {
        Edit::Add(shape, names) if forward => add_names(p, shape, names),
        Edit::Add(shape, names) => remove_names(p, shape, names),
        Edit::Remove(shape, names) if forward => remove_names(p, shape, names),
        Edit::Remove(shape, names) => add_names(p, shape, names),
        Edit::Rules { after, old, new } if forward => replace_rules(p, after, old, new),
        Edit::Rules { after, old, new } => replace_rules(p, after, new, old),
        Edit::Arch(arch) => {
            let map = p.arch_map.get_or_insert_with(Vec::new);
            let at = map.iter().position(|m| m.architecture == arch);
            match (forward, at) {
                (true, None) => map.push(ArchMapEntry {
                    architecture: arch,
                    sub_architectures: None,
                    extra: Default::default(),
                }),
                (false, Some(i)) => {
                    map.remove(i);
                }
                (true, Some(_)) => return Err(format!("archMap already has {arch}")),
                (false, None) => return Err(format!("archMap has no {arch}")),
            }
            Ok(())
        }
        Edit::DefaultErrnoRet(v) => {
            let (from, to) = if forward {
                (None, Some(v))
            } else {
                (Some(v), None)
            };
            if p.default_errno_ret != from {
                return Err(format!(
                    "defaultErrnoRet is {:?}, expected {from:?}",
                    p.default_errno_ret
                ));
            }
            p.default_errno_ret = to;
            Ok(())
        }
    }
}

/// The sort key of a name in Moby's and containers/common's lists (`_llseek` sorts as
/// `llseek`).
fn key(name: &str) -> &str {
    name.trim_start_matches('_')
}

fn the_rule<'p>(p: &'p mut Profile, shape: &RuleSpec) -> Result<&'p mut SyscallRule, String> {
    let mut found = p.rules_mut().iter_mut().filter(|r| same_shape(r, shape));
    match (found.next(), found.next()) {
        (Some(r), None) => Ok(r),
        (None, _) => Err(format!("no rule {}", describe(shape))),
        (Some(_), Some(_)) => Err(format!("more than one rule {}", describe(shape))),
    }
}

fn add_names(p: &mut Profile, shape: RuleSpec, names: &[&str]) -> Result<(), String> {
    let rule = the_rule(p, &shape)?;
    let list = rule.names.get_or_insert_with(Vec::new);
    for &n in names {
        if list.iter().any(|x| x == n) {
            return Err(format!("{n} is already in the rule {}", describe(&shape)));
        }
        let at = list
            .iter()
            .position(|x| key(x) > key(n))
            .unwrap_or(list.len());
        list.insert(at, n.to_string());
    }
    Ok(())
}

fn remove_names(p: &mut Profile, shape: RuleSpec, names: &[&str]) -> Result<(), String> {
    let rule = the_rule(p, &shape)?;
    let list = rule.names.get_or_insert_with(Vec::new);
    for &n in names {
        let at = list
            .iter()
            .position(|x| x == n)
            .ok_or_else(|| format!("{n} is not in the rule {}", describe(&shape)))?;
        list.remove(at);
    }
    Ok(())
}

/// Replaces the run of rules `from` by `to`; with no `from`, inserts `to` at `place`.
fn replace_rules(
    p: &mut Profile,
    place: Place,
    from: &[RuleSpec],
    to: &[RuleSpec],
) -> Result<(), String> {
    let rules = p.rules_mut();
    let at = match from.first() {
        Some(first) => {
            let at = rules
                .iter()
                .position(|r| same_rule(r, first))
                .ok_or_else(|| format!("no rule {}", describe(first)))?;
            let run = rules.get(at..at + from.len()).unwrap_or(&[]);
            let whole =
                run.len() == from.len() && run.iter().zip(from).all(|(r, s)| same_rule(r, s));
            if !whole {
                return Err(format!(
                    "the {} rules from {} are not there in order",
                    from.len(),
                    describe(first)
                ));
            }
            rules.drain(at..at + from.len());
            at
        }
        None => match place {
            Place::End => rules.len(),
            Place::After(shape) => {
                rules
                    .iter()
                    .position(|r| same_shape(r, &shape))
                    .ok_or_else(|| format!("no rule {}", describe(&shape)))?
                    + 1
            }
            Place::AfterLast(name) => {
                rules
                    .iter()
                    .rposition(|r| r.all_names().any(|n| n == name))
                    .ok_or_else(|| format!("no rule names {name}"))?
                    + 1
            }
        },
    };
    for (i, spec) in to.iter().enumerate() {
        rules.insert(at + i, spec.to_rule());
    }
    Ok(())
}

/// Whether `rule` is `spec` in everything but its names: action (errno included), conditions,
/// comment, `includes` and `excludes`.
fn same_shape(rule: &SyscallRule, spec: &RuleSpec) -> bool {
    let conds_equal = rule.conditions().len() == spec.args.len()
        && rule
            .conditions()
            .iter()
            .zip(spec.args)
            .all(|(c, &(i, op, v, v2))| {
                c.index == i && c.op == op && c.value == v && c.value_two.unwrap_or(0) == v2
            });
    rule.action() == spec.action
        && conds_equal
        && rule.comment.as_deref().filter(|c| !c.is_empty()) == spec.comment
        && same_gate(rule.includes.as_ref(), spec.includes)
        && same_gate(rule.excludes.as_ref(), spec.excludes)
}

/// Whether `rule` is `spec`, names (in order) included.
fn same_rule(rule: &SyscallRule, spec: &RuleSpec) -> bool {
    same_shape(rule, spec) && rule.all_names().eq(spec.names.iter().copied())
}

fn same_gate(filter: Option<&Filter>, gate: Gate) -> bool {
    let want = gate.to_filter();
    match (filter.filter(|f| !f.is_empty()), want.as_ref()) {
        (None, None) => true,
        (Some(f), Some(w)) => {
            let list = |l: &Option<Vec<String>>| l.clone().unwrap_or_default();
            list(&f.caps) == list(&w.caps)
                && list(&f.arches) == list(&w.arches)
                && f.min_kernel == w.min_kernel
        }
        _ => false,
    }
}

/// A rule's shape in words, for errors.
fn describe(spec: &RuleSpec) -> String {
    let mut s = format!("{:?}", spec.action);
    if !spec.names.is_empty() {
        s = format!("{} {s}", spec.names.join(","));
    }
    if !spec.args.is_empty() {
        s.push_str(&format!(" args {:?}", spec.args));
    }
    for (word, g) in [("includes", spec.includes), ("excludes", spec.excludes)] {
        if let Some(f) = g.to_filter() {
            s.push_str(&format!(
                " {word} {:?}{:?}{}",
                f.caps.unwrap_or_default(),
                f.arches.unwrap_or_default(),
                f.min_kernel
                    .map_or(String::new(), |k| format!(" minKernel {k}"))
            ));
        }
    }
    s
}

//! Rule shapes (a rule without its names) and each syscall's ordered list of them.

use std::collections::BTreeMap;

use crate::dialect::{ArgCond, Filter, Profile, SyscallRule};
use crate::ops::rule_summary;

use super::ChangeKind;

/// The distinct shapes of the three profiles, each with the form it is written in.
#[derive(Debug, Default)]
pub(super) struct Shapes {
    /// What identifies a shape: the rule as it decides (action with its errno, conditions,
    /// sorted gates, unknown keys); comments and the errno's spelling left out.
    keys: Vec<SyscallRule>,
    /// The rule a new rule of this shape is written from (the first profile's spelling).
    forms: Vec<SyscallRule>,
}

/// One profile's rules by shape.
#[derive(Debug, Default)]
pub(super) struct Lists {
    /// For each syscall name, the shapes of the rules naming it, in profile order.
    pub names: BTreeMap<String, Vec<usize>>,
    /// Each rule's shape, in profile order.
    pub rules: Vec<usize>,
}

impl Lists {
    /// The shapes naming `name` (empty when none does).
    pub fn of(&self, name: &str) -> &[usize] {
        self.names.get(name).map_or(&[], Vec::as_slice)
    }
}

fn gate(f: Option<&Filter>) -> Option<Filter> {
    let f = f?;
    let sorted = |l: &Option<Vec<String>>| {
        l.as_ref().filter(|v| !v.is_empty()).map(|v| {
            let mut v = v.clone();
            v.sort();
            v.dedup();
            v
        })
    };
    let g = Filter {
        caps: sorted(&f.caps),
        arches: sorted(&f.arches),
        min_kernel: f.min_kernel,
        extra: f.extra.clone(),
    };
    (!g.is_empty() || !g.extra.is_empty()).then_some(g)
}

/// The shape of `rule` as it decides.
fn key(rule: &SyscallRule) -> SyscallRule {
    let action = rule.action();
    let args: Vec<ArgCond> = rule
        .conditions()
        .iter()
        .map(|c| ArgCond {
            value_two: Some(c.value_two.unwrap_or(0)),
            ..c.clone()
        })
        .collect();
    SyscallRule {
        names: None,
        name: None,
        action: action.name(),
        errno_ret: action.ret_data(),
        errno: None,
        args: (!args.is_empty()).then_some(args),
        comment: None,
        includes: gate(rule.includes.as_ref()),
        excludes: gate(rule.excludes.as_ref()),
        extra: rule.extra.clone(),
    }
}

impl Shapes {
    /// The shape of `rule`, registered when new.
    fn id(&mut self, rule: &SyscallRule) -> usize {
        let k = key(rule);
        if let Some(i) = self.keys.iter().position(|x| *x == k) {
            return i;
        }
        self.keys.push(k);
        self.forms.push(SyscallRule {
            names: None,
            name: None,
            ..rule.clone()
        });
        self.keys.len() - 1
    }

    /// `profile`'s rules by shape.
    pub fn lists(&mut self, profile: &Profile) -> Lists {
        let mut out = Lists::default();
        for rule in profile.rules() {
            let id = self.id(rule);
            out.rules.push(id);
            let mut seen: Vec<&str> = Vec::new();
            for n in rule.all_names() {
                if !seen.contains(&n) {
                    seen.push(n);
                    out.names.entry(n.to_string()).or_default().push(id);
                }
            }
        }
        out
    }

    /// The rule a new rule of shape `id` is written from (no names).
    pub fn form(&self, id: usize) -> Option<&SyscallRule> {
        self.forms.get(id)
    }

    /// A syscall's rules in words.
    pub fn describe(&self, list: &[usize]) -> String {
        if list.is_empty() {
            return "no rule (the default action decides)".into();
        }
        list.iter()
            .filter_map(|&i| self.keys.get(i))
            .map(rule_summary)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A change of a syscall's rules in words: the rules only `before` has, and the rules
    /// only `after` has (all of them where they are only reordered).
    pub fn differing(&self, before: &[usize], after: &[usize]) -> (String, String) {
        let only = |a: &[usize], b: &[usize]| -> Vec<usize> {
            a.iter().filter(|s| !b.contains(s)).copied().collect()
        };
        let (gone, new) = (only(before, after), only(after, before));
        if gone.is_empty() && new.is_empty() {
            return (self.describe(before), self.describe(after));
        }
        let words = |part: &[usize], all: &[usize]| {
            if part.is_empty() && !all.is_empty() {
                "no other rule".to_string()
            } else {
                self.describe(part)
            }
        };
        (words(&gone, before), words(&new, after))
    }

    /// How a syscall's rules changed from `before` to `after`.
    pub fn kind(&self, before: &[usize], after: &[usize]) -> ChangeKind {
        if before.is_empty() {
            return ChangeKind::Added;
        }
        if after.is_empty() {
            return ChangeKind::Removed;
        }
        if before.len() != after.len() {
            return ChangeKind::Rules;
        }
        let (mut action, mut args, mut gates, mut other) = (false, false, false, false);
        for (a, b) in before.iter().zip(after) {
            let (Some(a), Some(b)) = (self.keys.get(*a), self.keys.get(*b)) else {
                continue;
            };
            action |= a.action != b.action || a.errno_ret != b.errno_ret;
            args |= a.args != b.args;
            gates |= a.includes != b.includes || a.excludes != b.excludes;
            other |= a.extra != b.extra;
        }
        match (action, args, gates, other) {
            (true, false, false, false) => ChangeKind::Action,
            (false, true, false, false) => ChangeKind::Arguments,
            (false, false, true, false) => ChangeKind::Gates,
            _ => ChangeKind::Rules,
        }
    }
}

/// How one syscall's three lists merge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ListMerge {
    /// No side changed it.
    Unchanged,
    /// Only upstream changed it: the new base's rules stand.
    Theirs,
    /// Only the user changed it.
    Ours,
    /// Both changed it the same way.
    Both,
    /// Both changed different rules of it; this list has both changes.
    Merged(Vec<usize>),
    /// Both changed the same rules of it differently.
    Conflict,
}

/// Merges one syscall's shape lists.
pub(super) fn merge_lists(b: &[usize], o: &[usize], t: &[usize]) -> ListMerge {
    if o == t {
        return if o == b {
            ListMerge::Unchanged
        } else {
            ListMerge::Both
        };
    }
    if o == b {
        return ListMerge::Theirs;
    }
    if t == b {
        return ListMerge::Ours;
    }
    disjoint(b, o, t).map_or(ListMerge::Conflict, ListMerge::Merged)
}

/// Both sides' changes when they touch different shapes and keep the rest in the base's
/// order: the new base's list, less what the user removed, plus what the user added, each
/// after the shape it follows in the user's list.
fn disjoint(b: &[usize], o: &[usize], t: &[usize]) -> Option<Vec<usize>> {
    let touched = |side: &[usize]| -> Vec<usize> {
        let gone = b.iter().filter(|s| !side.contains(s));
        let new = side.iter().filter(|s| !b.contains(s));
        gone.chain(new).copied().collect()
    };
    let (to, tt) = (touched(o), touched(t));
    if to.iter().any(|s| tt.contains(s)) {
        return None;
    }
    let kept_in_order = |side: &[usize]| {
        let a: Vec<usize> = side.iter().filter(|s| b.contains(s)).copied().collect();
        let c: Vec<usize> = b.iter().filter(|s| side.contains(s)).copied().collect();
        a == c
    };
    if !kept_in_order(o) || !kept_in_order(t) {
        return None;
    }
    let mut out: Vec<usize> = t
        .iter()
        .filter(|s| o.contains(s) || !b.contains(s))
        .copied()
        .collect();
    for (i, s) in o.iter().enumerate() {
        if b.contains(s) {
            continue;
        }
        let at = o[..i]
            .iter()
            .rev()
            .find_map(|p| out.iter().position(|x| x == p))
            .map_or(0, |p| p + 1);
        out.insert(at, *s);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{merge_lists, ListMerge};

    #[test]
    fn lists_merge_by_side() {
        assert_eq!(merge_lists(&[1], &[1], &[1]), ListMerge::Unchanged);
        assert_eq!(merge_lists(&[1], &[1], &[2]), ListMerge::Theirs);
        assert_eq!(merge_lists(&[1], &[], &[1]), ListMerge::Ours);
        assert_eq!(merge_lists(&[1], &[3], &[3]), ListMerge::Both);
        // the user removed what upstream changed
        assert_eq!(merge_lists(&[1, 2], &[2], &[4, 2]), ListMerge::Conflict);
        // different rules: the user's 1 -> 5, upstream's 3 -> 6
        assert_eq!(
            merge_lists(&[1, 2, 3], &[5, 2, 3], &[1, 2, 6]),
            ListMerge::Merged(vec![5, 2, 6])
        );
        // a reordering is a change of every rule it moves
        assert_eq!(
            merge_lists(&[1, 2], &[2, 1], &[1, 2, 7]),
            ListMerge::Conflict
        );
    }
}

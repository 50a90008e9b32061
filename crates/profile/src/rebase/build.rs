//! Writing the merged rules onto the new base's structure.

use std::collections::BTreeMap;

use crate::dialect::SyscallRule;

use super::shapes::{Lists, Shapes};

/// One rule of the output, with its shape and whether it lists names (a rule of the new
/// base that names nothing is left as it is).
struct Slot {
    rule: SyscallRule,
    shape: usize,
    had_names: bool,
}

fn lists(rule: &SyscallRule, name: &str) -> bool {
    rule.all_names().any(|n| n == name)
}

fn remove(rule: &mut SyscallRule, name: &str) {
    if let Some(list) = rule.names.as_mut() {
        list.retain(|n| n != name);
    }
    if rule.name.as_deref() == Some(name) {
        rule.name = None;
    }
}

/// Adds `name` before the first name that sorts after it (in its place in a sorted list).
fn add(rule: &mut SyscallRule, name: &str) {
    let list = rule.names.get_or_insert_with(Vec::new);
    if let Some(single) = rule.name.take() {
        list.insert(0, single);
    }
    let at = list
        .iter()
        .position(|n| n.as_str() > name)
        .unwrap_or(list.len());
    list.insert(at, name.to_string());
}

/// The new base's rules with every name of `finals` named by exactly its shapes, in order:
/// a rule of the new base keeps the name where its shape comes next, a name joins a later
/// rule of the shape it needs, and where there is none a rule is added, in the place of the
/// name's rule that goes (else after its previous one, else at the end). Rules left without
/// names are dropped.
pub(super) fn rules(
    shapes: &Shapes,
    theirs: &Lists,
    finals: &BTreeMap<String, Vec<usize>>,
    rules_of_theirs: &[SyscallRule],
) -> Vec<SyscallRule> {
    let mut slots: Vec<Slot> = rules_of_theirs
        .iter()
        .zip(&theirs.rules)
        .map(|(r, &shape)| Slot {
            rule: r.clone(),
            shape,
            had_names: r.all_names().next().is_some(),
        })
        .collect();
    for (name, list) in finals {
        place(&mut slots, shapes, name, list);
    }
    slots
        .into_iter()
        .filter(|s| !s.had_names || s.rule.all_names().next().is_some())
        .map(|s| s.rule)
        .collect()
}

/// Makes exactly the rules with the shapes of `list`, in that order, name `name`.
fn place(slots: &mut Vec<Slot>, shapes: &Shapes, name: &str, list: &[usize]) {
    let mut orig: Vec<usize> = (0..slots.len())
        .filter(|&i| lists(&slots[i].rule, name))
        .collect();
    let mut chosen: Vec<usize> = Vec::new();
    for &shape in list {
        let after = chosen.last().map_or(0, |p| p + 1);
        let free = |i: &usize| *i >= after && slots[*i].shape == shape && !chosen.contains(i);
        let pick = orig
            .iter()
            .copied()
            .find(free)
            .or_else(|| (after..slots.len()).find(free));
        let i = match pick {
            Some(i) => i,
            None => {
                let Some(form) = shapes.form(shape) else {
                    continue;
                };
                // in place of the name's next rule that goes, else after its previous one
                let at = orig
                    .iter()
                    .copied()
                    .find(|i| *i >= after && !chosen.contains(i))
                    .or(chosen.last().map(|p| p + 1))
                    .unwrap_or(slots.len());
                slots.insert(
                    at,
                    Slot {
                        rule: SyscallRule {
                            names: Some(Vec::new()),
                            ..form.clone()
                        },
                        shape,
                        had_names: true,
                    },
                );
                for i in orig.iter_mut().chain(chosen.iter_mut()) {
                    if *i >= at {
                        *i += 1;
                    }
                }
                at
            }
        };
        chosen.push(i);
    }
    for &i in &orig {
        if !chosen.contains(&i) {
            remove(&mut slots[i].rule, name);
        }
    }
    for &i in &chosen {
        if !orig.contains(&i) {
            add(&mut slots[i].rule, name);
        }
    }
}

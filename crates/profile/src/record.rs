//! Building the smallest profile that allows what a program was seen doing.
//!
//! Observations are calls `(abi, nr, args)` with counts. Most syscalls become plain allows;
//! a few get argument rules when every observed call used safe arguments: `clone` without
//! namespace flags, `personality` with the values seen, `socket` with the families seen.
//! With a base tier, the result never allows what the base would not: a syscall the base
//! denies is left out (and reported; when the base answers it with an errno other than
//! EPERM, such as clone3's ENOSYS, the recording keeps that answer), and where the base
//! allows a syscall only with conditions, the base's rules that the observed calls matched
//! are used.

use std::collections::BTreeMap;

use crate::action::{Action, Op};
use crate::arch::Arch;
use crate::dialect::{ArgCond, Profile, SyscallRule};
use crate::policy::{resolve, Target};
use crate::tables;

/// Namespace flags of clone (Docker's mask 0x7e020000).
pub const CLONE_NAMESPACE_FLAGS: u64 = 0x7e02_0000;

/// One observed syscall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The ABI.
    pub arch: Arch,
    /// The number.
    pub nr: u32,
    /// The arguments of one call (the first seen).
    pub args: [u64; 6],
}

/// A syscall in the summary.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Seen {
    /// The ABI.
    pub arch: Arch,
    /// Name.
    pub syscall: String,
    /// How many calls.
    pub count: u64,
    /// Whether the base tier would have blocked it (and so it was left out).
    pub blocked_by_base: bool,
    /// How it is allowed in the result (`always`, `when arg0 & 0x7e020000 == 0`, ...).
    pub rule: String,
}

/// The recorded profile and what went into it.
#[derive(Clone, Debug)]
pub struct Recording {
    /// The profile.
    pub profile: Profile,
    /// Every syscall seen.
    pub seen: Vec<Seen>,
}

/// Total count and distinct argument vectors of one syscall.
type Calls = (u64, Vec<[u64; 6]>);

/// Builds the profile from observations (each with a count). `base` is `(name, profile)`.
pub fn build(
    observed: &[(Observation, u64)],
    host: Arch,
    base: Option<(&str, &Profile)>,
) -> Recording {
    let calls = group(observed);
    let base_policy = base.map(|(_, p)| resolve(p, &Target::sandbox(host)));
    let mut profile = Profile::new(Action::Errno(1));
    let mut arches: Vec<Arch> = calls.keys().map(|(a, _)| *a).collect();
    arches.dedup();
    if !arches.contains(&host) {
        arches.insert(0, host);
    }
    profile.architectures = Some(arches.clone());
    let mut plain: BTreeMap<String, ()> = BTreeMap::new();
    let mut seen = Vec::new();
    let mut extra_rules: Vec<SyscallRule> = Vec::new();
    for ((arch, nr), (count, argsets)) in &calls {
        let Some(name) = tables::table(*arch).and_then(|t| t.name(*nr)) else {
            continue;
        };
        let mut blocked = false;
        let mut rule_text = "always".to_string();
        if let (Some(bp), Some((_, bprof))) = (&base_policy, base) {
            let allowed: Vec<&[u64; 6]> = argsets
                .iter()
                .filter(|a| bp.decide(*arch, *nr, a).action.permits())
                .collect();
            if allowed.is_empty() {
                blocked = true;
                // Keep the base's own answer where it is not the recorded default (EPERM):
                // clone3 -> ENOSYS is what makes libc fall back to clone.
                if let Some(a) = argsets.first() {
                    if let Action::Errno(e) = bp.decide(*arch, *nr, a).action {
                        if e != 1 {
                            push_new(&mut extra_rules, SyscallRule::new([name], Action::Errno(e)));
                        }
                    }
                }
            } else if bp.arch(*arch).is_some_and(|ap| ap.is_conditional(*nr)) {
                // keep the base's allow rules that the observed calls matched
                let ap = bp.arch(*arch).map(|a| &a.syscalls[nr]);
                let mut texts = Vec::new();
                for r in ap.map(|s| s.rules.as_slice()).unwrap_or(&[]) {
                    if r.action.permits() && allowed.iter().any(|a| r.matches(a)) {
                        let mut rule = bprof.rules()[r.source].clone();
                        rule.names = Some(vec![name.to_string()]);
                        rule.name = None;
                        texts.push(
                            r.conds
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(" && "),
                        );
                        push_new(&mut extra_rules, rule);
                    }
                }
                rule_text = format!("when {} (from the base)", texts.join(" or "));
                seen.push(Seen {
                    arch: *arch,
                    syscall: name.into(),
                    count: *count,
                    blocked_by_base: false,
                    rule: rule_text,
                });
                continue;
            }
        }
        if !blocked {
            match safe_argument_rules(name, argsets) {
                Some(rules) => {
                    rule_text = format!("when {}", conditions_text(&rules));
                    for r in rules {
                        push_new(&mut extra_rules, r);
                    }
                }
                None => {
                    plain.insert(name.to_string(), ());
                }
            }
        }
        seen.push(Seen {
            arch: *arch,
            syscall: name.into(),
            count: *count,
            blocked_by_base: blocked,
            rule: if blocked {
                "left out".into()
            } else {
                rule_text
            },
        });
    }
    let names: Vec<String> = plain.into_keys().collect();
    if !names.is_empty() {
        profile
            .rules_mut()
            .push(SyscallRule::new(names, Action::Allow));
    }
    profile.rules_mut().extend(extra_rules);
    Recording { profile, seen }
}

/// Calls per (ABI, number): the count and up to 64 distinct argument vectors.
fn group(observed: &[(Observation, u64)]) -> BTreeMap<(Arch, u32), Calls> {
    let mut calls: BTreeMap<(Arch, u32), Calls> = BTreeMap::new();
    for (o, n) in observed {
        let e = calls.entry((o.arch, o.nr)).or_default();
        e.0 += n;
        if !e.1.contains(&o.args) && e.1.len() < 64 {
            e.1.push(o.args);
        }
    }
    calls
}

/// Adds `rule` unless an equal one is there.
fn push_new(rules: &mut Vec<SyscallRule>, rule: SyscallRule) {
    if !rules.contains(&rule) {
        rules.push(rule);
    }
}

/// The conditions of argument rules as the summary prints them (`arg0 == 0x1 or ...`).
fn conditions_text(rules: &[SyscallRule]) -> String {
    rules
        .iter()
        .map(|r| {
            r.conditions()
                .iter()
                .map(|c| match c.op {
                    Op::MaskedEq => format!(
                        "arg{} & {:#x} == {:#x}",
                        c.index,
                        c.value,
                        c.value_two.unwrap_or(0)
                    ),
                    op => format!("arg{} {} {:#x}", c.index, op.symbol(), c.value),
                })
                .collect::<Vec<_>>()
                .join(" && ")
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn cond_rule(name: &str, conds: Vec<ArgCond>) -> SyscallRule {
    let mut r = SyscallRule::new([name], Action::Allow);
    r.args = Some(conds);
    r
}

/// Argument rules for syscalls whose observed calls were all safe; `None` means a plain
/// allow.
fn safe_argument_rules(name: &str, argsets: &[[u64; 6]]) -> Option<Vec<SyscallRule>> {
    match name {
        "clone" if argsets.iter().all(|a| a[0] & CLONE_NAMESPACE_FLAGS == 0) => {
            Some(vec![cond_rule(
                name,
                vec![ArgCond::new(0, Op::MaskedEq, CLONE_NAMESPACE_FLAGS, 0)],
            )])
        }
        "personality" => {
            let mut vals: Vec<u64> = argsets.iter().map(|a| a[0] & 0xffff_ffff).collect();
            vals.sort_unstable();
            vals.dedup();
            (vals.len() <= 6).then(|| {
                vals.into_iter()
                    .map(|v| cond_rule(name, vec![ArgCond::new(0, Op::Eq, v, 0)]))
                    .collect()
            })
        }
        "socket" => {
            let mut fams: Vec<u64> = argsets.iter().map(|a| a[0] & 0xffff_ffff).collect();
            fams.sort_unstable();
            fams.dedup();
            Some(
                fams.into_iter()
                    .map(|f| cond_rule(name, vec![ArgCond::new(0, Op::Eq, f, 0)]))
                    .collect(),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    fn obs(name: &str, args: [u64; 6]) -> (Observation, u64) {
        let nr = tables::table(Arch::X86_64).unwrap().lookup(name).unwrap();
        (
            Observation {
                arch: Arch::X86_64,
                nr,
                args,
            },
            1,
        )
    }

    fn decide(p: &Profile, name: &str, args: [u64; 6]) -> Action {
        let nr = tables::table(Arch::X86_64).unwrap().lookup(name).unwrap();
        resolve(p, &Target::sandbox(Arch::X86_64))
            .decide(Arch::X86_64, nr, &args)
            .action
    }

    #[test]
    fn records_plain_and_argument_rules() {
        let r = build(
            &[
                obs("read", [0; 6]),
                obs("clone", [0x3d0f00, 0, 0, 0, 0, 0]),
                obs("socket", [1, 1, 0, 0, 0, 0]),
                obs("personality", [0xffff_ffff, 0, 0, 0, 0, 0]),
            ],
            Arch::X86_64,
            None,
        );
        let p = &r.profile;
        assert_eq!(decide(p, "read", [0; 6]), Action::Allow);
        assert_eq!(
            decide(p, "write", [0; 6]),
            Action::Errno(1),
            "not seen, not allowed"
        );
        assert_eq!(decide(p, "clone", [0x3d0f00, 0, 0, 0, 0, 0]), Action::Allow);
        assert_eq!(
            decide(p, "clone", [0x1000_0000, 0, 0, 0, 0, 0]),
            Action::Errno(1)
        );
        assert_eq!(decide(p, "socket", [2, 1, 0, 0, 0, 0]), Action::Errno(1));
        assert_eq!(
            decide(p, "personality", [0x40000, 0, 0, 0, 0, 0]),
            Action::Errno(1)
        );
        assert_eq!(r.seen.len(), 4);
    }

    #[test]
    fn base_never_widens() {
        let base = catalogue::get("plugin").unwrap().profile();
        let r = build(
            &[
                obs("read", [0; 6]),
                obs("ptrace", [0; 6]),
                obs("socket", [2, 1, 0, 0, 0, 0]),
            ],
            Arch::X86_64,
            Some(("plugin", &base)),
        );
        assert!(r
            .seen
            .iter()
            .any(|s| s.syscall == "ptrace" && s.blocked_by_base));
        let p = &r.profile;
        assert_eq!(decide(p, "ptrace", [0; 6]), Action::Errno(1));
        // the base's ENOSYS survives, so libc still falls back from clone3 to clone
        let r = build(
            &[obs("clone3", [0; 6])],
            Arch::X86_64,
            Some(("plugin", &base)),
        );
        assert_eq!(decide(&r.profile, "clone3", [0; 6]), Action::Errno(38));
        assert_eq!(decide(p, "socket", [2, 1, 0, 0, 0, 0]), Action::Allow);
        assert_eq!(
            decide(p, "socket", [2, 3, 0, 0, 0, 0]),
            Action::Errno(1),
            "raw stays denied"
        );
    }
}

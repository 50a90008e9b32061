//! Operations on profiles: explain one decision, statistics, patch, merge.

use crate::action::{errno_name, errno_number, Action, ActionName};
use crate::arch::Arch;
use crate::dialect::{ArchMapEntry, Profile, SyscallRule};
use crate::diff::argument_vectors;
use crate::libseccomp::Libseccomp;
use crate::policy::{resolve, Decision, Policy, Reason, RuleStatus, Target};
use crate::tables;

/// Why one profile rule did or did not decide a call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuleVerdict {
    /// Profile rule index.
    pub index: usize,
    /// JSON path of the rule.
    pub path: String,
    /// The rule in one line.
    pub rule: String,
    /// What happened to it.
    pub verdict: String,
}

/// The full answer to "what happens to this call, and why".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// The ABI.
    pub arch: Arch,
    /// The syscall.
    pub syscall: String,
    /// Its number on that ABI, if it has one.
    pub nr: Option<u32>,
    /// The arguments evaluated.
    pub args: [u64; 6],
    /// The decision.
    pub decision: Decision,
    /// The deciding rule, if a rule decided.
    pub decided_by: Option<RuleVerdict>,
    /// Every other rule naming the syscall, with why it did not decide.
    pub others: Vec<RuleVerdict>,
    /// One sentence saying what decided.
    pub summary: String,
    /// For a terminal `ioctl` request that `jailwright run` refuses whatever the profile
    /// (the terminal guard, [`crate::terminal`]): what happens to it there.
    pub under_run: Option<String>,
}

/// Errors of profile operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpError {
    /// The syscall name is not in the arch's table.
    #[error("`{name}` is not a syscall on {arch}{}", suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownSyscall {
        /// The name.
        name: String,
        /// The ABI.
        arch: Arch,
        /// A close known name.
        suggestion: Option<&'static str>,
    },
    /// An errno name is unknown.
    #[error("unknown errno `{0}`; use a name like EPERM or ENOSYS, or a number")]
    UnknownErrno(String),
    /// A patch argument is malformed.
    #[error("{0}")]
    BadArgument(String),
}

/// One line describing a rule.
pub fn rule_summary(rule: &SyscallRule) -> String {
    let mut s = rule.action().to_string();
    let conds: Vec<String> = rule
        .conditions()
        .iter()
        .map(|c| match c.op {
            crate::Op::MaskedEq => format!(
                "arg{} & {:#x} == {:#x}",
                c.index,
                c.value,
                c.value_two.unwrap_or(0)
            ),
            op => format!("arg{} {} {:#x}", c.index, op.symbol(), c.value),
        })
        .collect();
    if !conds.is_empty() {
        s.push_str(&format!(" when {}", conds.join(" && ")));
    }
    for (word, f) in [("includes", &rule.includes), ("excludes", &rule.excludes)] {
        if let Some(f) = f.as_ref().filter(|f| !f.is_empty()) {
            let mut parts = Vec::new();
            if let Some(c) = f.caps.as_ref().filter(|c| !c.is_empty()) {
                parts.push(format!("caps {}", c.join(",")));
            }
            if let Some(a) = f.arches.as_ref().filter(|a| !a.is_empty()) {
                parts.push(format!("arches {}", a.join(",")));
            }
            if let Some(k) = f.min_kernel {
                parts.push(format!("minKernel {k}"));
            }
            s.push_str(&format!(" [{word} {}]", parts.join(" ")));
        }
    }
    if let Some(c) = rule.comment.as_ref().filter(|c| !c.is_empty()) {
        s.push_str(&format!(" ({c})"));
    }
    s
}

fn rule_path(profile: &Profile, i: usize) -> String {
    let base = if profile.dialect == crate::Dialect::OciConfig {
        "$.linux.seccomp"
    } else {
        "$"
    };
    format!("{base}.syscalls[{i}]")
}

/// Explains the decision for one call.
pub fn explain(
    profile: &Profile,
    target: &Target,
    arch: Arch,
    syscall: &str,
    args: [u64; 6],
) -> Result<Explanation, OpError> {
    let policy = resolve(profile, target);
    let table = tables::table(arch).ok_or_else(|| OpError::UnknownSyscall {
        name: syscall.into(),
        arch,
        suggestion: None,
    })?;
    let number = match syscall.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => syscall.parse::<u32>(),
    };
    let nr = match number {
        Ok(n) => n,
        Err(_) => table
            .lookup(syscall)
            .ok_or_else(|| OpError::UnknownSyscall {
                name: syscall.into(),
                arch,
                suggestion: table.suggest(syscall),
            })?,
    };
    let name = table.name(nr).unwrap_or(syscall).to_string();
    // As the filter sees the call: by AUDIT_ARCH token and raw number, so an x32 number
    // that the profile's x32 table lacks meets runc's stub or the bad-arch action exactly as
    // the compiled program does.
    let decision = policy.decide_raw(arch.audit_arch(), nr, &args);
    let deciding = match decision.reason {
        Reason::Rule { source } => Some(source),
        _ => None,
    };
    let mut decided_by = None;
    let mut others = Vec::new();
    for (i, rule) in profile.rules().iter().enumerate() {
        if !rule.all_names().any(|n| n == name) {
            continue;
        }
        let v = |verdict: String| RuleVerdict {
            index: i,
            path: rule_path(profile, i),
            rule: rule_summary(rule),
            verdict,
        };
        if Some(i) == deciding {
            decided_by = Some(v("matched: this rule decides".into()));
            continue;
        }
        let verdict = match target.libseccomp {
            // The runtime hands the name to libseccomp, which does not resolve it here.
            Some(l) if !l.knows(arch, &name) => format!(
                "not applied to {name}: libseccomp {l} does not resolve it on {arch}{}, so the runtime drops the name from this rule",
                match Libseccomp::first_release(arch, &name) {
                    Some(v) => format!(" (libseccomp {v} is the first release that does)"),
                    None => String::new(),
                }
            ),
            _ => verdict_of(&policy, i, rule, nr, &args, arch),
        };
        others.push(v(verdict));
    }
    let summary = summary_of(profile, &decision, &name, arch, nr);
    let under_run = (name == "ioctl")
        .then(|| crate::terminal::guarded(arch, args[1]))
        .flatten()
        .map(|g| {
            format!(
                "under `jailwright run` the terminal guard, in front of every profile, refuses {} \
                 with EPERM: it {}",
                g.name, g.why
            )
        });
    Ok(Explanation {
        arch,
        syscall: name,
        nr: Some(nr),
        args,
        decision,
        decided_by,
        others,
        summary,
        under_run,
    })
}

/// What rule `index` (not the deciding one) says about the call, and why it did not decide.
fn verdict_of(
    policy: &Policy,
    index: usize,
    rule: &SyscallRule,
    nr: u32,
    args: &[u64; 6],
    arch: Arch,
) -> String {
    let ap = policy.arch(arch);
    match &policy.rule_status[index] {
        RuleStatus::Filtered(why) => format!("not applied: {why}"),
        RuleStatus::SameAsDefault => {
            "not applied: its action equals the default action, so runc drops it".into()
        }
        RuleStatus::Kept => {
            let shadowed = ap
                .and_then(|a| a.syscalls.get(&nr))
                .is_some_and(|sp| sp.shadowed.iter().any(|r| r.source == index));
            if shadowed {
                "shadowed: an unconditional rule for this syscall decides first".into()
            } else {
                let failing: Vec<String> = rule
                    .conditions()
                    .iter()
                    .filter(|c| !c.matches(args[usize::from(c.index)]))
                    .map(|c| {
                        format!(
                            "arg{} = {:#x} fails {}",
                            c.index,
                            args[usize::from(c.index)],
                            c.op.symbol()
                        )
                    })
                    .collect();
                if failing.is_empty() {
                    "matches, but an earlier rule decided first".into()
                } else {
                    format!("conditions false: {}", failing.join(", "))
                }
            }
        }
    }
}

/// The one-line answer: what the call gets, and from what.
fn summary_of(profile: &Profile, decision: &Decision, name: &str, arch: Arch, nr: u32) -> String {
    match decision.reason {
    Reason::Rule { source } => format!(
        "{name} on {arch}: {} by {} ({})",
        decision.action,
        rule_path(profile, source),
        rule_summary(&profile.rules()[source])
    ),
    Reason::Default => format!(
        "{name} on {arch}: {} by the default action (no rule matched)",
        decision.action
    ),
    Reason::EnosysStub { above } => format!(
        "{name} on {arch}: ERRNO(ENOSYS) by runc's stub (number {nr} is above {above}, the highest the profile names)"
    ),
    Reason::BadArch => format!(
        "{name} on {arch}: {} because {arch} is not in the filter (libseccomp's and runc's bad-arch action; `jailwright run` and `jailwright compile` kill the whole process, see --bad-arch)",
        decision.action
    ),
}
}

/// The side-by-side statistics of `jailwright stats`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Rules in `syscalls`.
    pub rules: usize,
    /// Names allowed by rules with no conditions and no includes/excludes.
    pub unconditional_allow_names: usize,
    /// Per host arch: syscalls allowed unconditionally after resolution (Docker's caps).
    pub unconditional_allows_per_arch: Vec<(Arch, usize)>,
    /// Rules with argument conditions.
    pub conditional_rules: usize,
    /// Rules gated on capabilities.
    pub cap_gated_rules: usize,
    /// Rules gated on arches or kernel.
    pub arch_or_kernel_gated_rules: usize,
    /// Architectures named (native entries of archMap, or `architectures`).
    pub architectures: Vec<Arch>,
    /// Default action.
    pub default_action: String,
    /// Default errno as a name, when the default is ERRNO.
    pub default_errno: Option<String>,
    /// `flags`.
    pub flags: Vec<String>,
    /// Distinct syscall names.
    pub distinct_names: usize,
}

/// Computes [`Stats`] as Docker's newest stack applies the profile on each architecture it
/// names.
pub fn stats(profile: &Profile) -> Stats {
    stats_for(profile, &Target::docker(Arch::X86_64), None)
}

/// Computes [`Stats`] as `target`'s stack (engine, runtime, libseccomp, kernel, bounding set)
/// applies the profile: on `only` when given, else on each architecture the profile names
/// (x86_64 when it names none).
pub fn stats_for(profile: &Profile, target: &Target, only: Option<Arch>) -> Stats {
    let rules = profile.rules();
    let unconditional_allow_names = rules
        .iter()
        .filter(|r| r.action() == Action::Allow && r.conditions().is_empty() && !r.is_gated())
        .map(|r| r.all_names().count())
        .sum();
    let architectures: Vec<Arch> = match (&profile.arch_map, &profile.architectures) {
        (Some(m), _) if !m.is_empty() => m.iter().map(|e| e.architecture).collect(),
        (_, Some(a)) => a.clone(),
        _ => Vec::new(),
    };
    let hosts: Vec<Arch> = if let Some(a) = only {
        vec![a]
    } else if architectures.is_empty() {
        vec![Arch::X86_64]
    } else {
        architectures
            .iter()
            .copied()
            .filter(|a| tables::table(*a).is_some())
            .collect()
    };
    let per_arch = hosts
        .iter()
        .map(|&h| {
            let t = Target {
                arch: h,
                ..target.clone()
            };
            let p = resolve(profile, &t);
            let n = p
                .arch(h)
                .map(|ap| {
                    ap.syscalls
                        .values()
                        .filter(|s| s.unconditional() == Some(Action::Allow))
                        .count()
                })
                .unwrap_or(0);
            (h, n)
        })
        .collect();
    let default = profile.default();
    let mut names: Vec<&str> = rules.iter().flat_map(|r| r.all_names()).collect();
    names.sort_unstable();
    names.dedup();
    Stats {
        rules: rules.len(),
        unconditional_allow_names,
        unconditional_allows_per_arch: per_arch,
        conditional_rules: rules.iter().filter(|r| !r.conditions().is_empty()).count(),
        cap_gated_rules: rules
            .iter()
            .filter(|r| {
                [&r.includes, &r.excludes].into_iter().any(|f| {
                    f.as_ref()
                        .is_some_and(|f| f.caps.as_ref().is_some_and(|c| !c.is_empty()))
                })
            })
            .count(),
        arch_or_kernel_gated_rules: rules
            .iter()
            .filter(|r| {
                [&r.includes, &r.excludes].into_iter().any(|f| {
                    f.as_ref().is_some_and(|f| {
                        f.arches.as_ref().is_some_and(|a| !a.is_empty()) || f.min_kernel.is_some()
                    })
                })
            })
            .count(),
        architectures,
        default_action: default.name().as_str().to_string(),
        default_errno: match default {
            Action::Errno(e) => {
                Some(errno_name(u32::from(e)).map_or(e.to_string(), str::to_string))
            }
            _ => None,
        },
        flags: profile.flags.clone().unwrap_or_default(),
        distinct_names: names.len(),
    }
}

/// What `jailwright patch` changes.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    /// Allow unconditionally (every other rule for the name is removed).
    pub allow: Vec<String>,
    /// Leave to the default (every rule for the name is removed; if the default allows, an
    /// ERRNO(EPERM) rule is added).
    pub deny: Vec<String>,
    /// Return a specific errno (`NAME=ERRNO`).
    pub errno: Vec<(String, String)>,
    /// Architectures to add.
    pub add_arch: Vec<Arch>,
    /// New default errno.
    pub default_errno: Option<String>,
}

/// Removes `name` from every rule; drops rules left without names. Returns how many rules
/// mentioned it.
pub fn remove_name(profile: &mut Profile, name: &str) -> usize {
    let mut touched = 0;
    for r in profile.rules_mut().iter_mut() {
        let before = r.all_names().count();
        if let Some(list) = r.names.as_mut() {
            list.retain(|n| n != name);
        }
        if r.name.as_deref() == Some(name) {
            r.name = None;
        }
        if r.all_names().count() != before {
            touched += 1;
        }
    }
    profile
        .rules_mut()
        .retain(|r| r.all_names().next().is_some());
    touched
}

fn check_name(name: &str) -> Result<(), OpError> {
    if tables::all_names().any(|n| n == name) {
        Ok(())
    } else {
        Err(OpError::UnknownSyscall {
            name: name.into(),
            arch: Arch::X86_64,
            suggestion: tables::suggest(name),
        })
    }
}

/// Applies a patch; returns a line per change made.
pub fn patch(profile: &mut Profile, p: &Patch) -> Result<Vec<String>, OpError> {
    let mut log = Vec::new();
    for name in &p.allow {
        check_name(name)?;
        let n = remove_name(profile, name);
        profile
            .rules_mut()
            .push(SyscallRule::new([name.as_str()], Action::Allow));
        log.push(format!(
            "allow {name} unconditionally (replaced {n} rule(s) naming it)"
        ));
    }
    for name in &p.deny {
        check_name(name)?;
        let n = remove_name(profile, name);
        if profile.default().permits() {
            profile
                .rules_mut()
                .push(SyscallRule::new([name.as_str()], Action::Errno(1)));
            log.push(format!(
                "deny {name} with ERRNO(EPERM) (removed {n} rule(s) naming it)"
            ));
        } else {
            log.push(format!(
                "deny {name}: now decided by the default action {} (removed {n} rule(s) naming it)",
                profile.default()
            ));
        }
    }
    for (name, errno) in &p.errno {
        check_name(name)?;
        let e = errno_number(errno).ok_or_else(|| OpError::UnknownErrno(errno.clone()))?;
        let n = remove_name(profile, name);
        profile
            .rules_mut()
            .push(SyscallRule::new([name.as_str()], Action::Errno(e as u16)));
        log.push(format!(
            "{name} returns ERRNO({}) (replaced {n} rule(s) naming it)",
            errno_name(e).unwrap_or(errno)
        ));
    }
    for &arch in &p.add_arch {
        match (&mut profile.arch_map, &mut profile.architectures) {
            (Some(map), _) if !map.is_empty() => {
                if !map.iter().any(|e| e.architecture == arch) {
                    let subs = arch.default_sub_arches().to_vec();
                    map.push(ArchMapEntry {
                        architecture: arch,
                        sub_architectures: (!subs.is_empty()).then_some(subs),
                        extra: Default::default(),
                    });
                    log.push(format!("archMap gains {arch}"));
                }
            }
            (_, arches) => {
                let list = arches.get_or_insert_with(Vec::new);
                if !list.contains(&arch) {
                    list.push(arch);
                    log.push(format!("architectures gains {}", arch.scmp_name()));
                }
            }
        }
    }
    if let Some(e) = &p.default_errno {
        let n = errno_number(e).ok_or_else(|| OpError::UnknownErrno(e.clone()))?;
        if profile.default_action != ActionName::Errno {
            return Err(OpError::BadArgument(format!(
                "--default-errno needs an ERRNO default action; this profile's default is {}",
                profile.default_action
            )));
        }
        profile.default_errno_ret = Some(n);
        if profile.default_errno.is_some() {
            profile.default_errno = errno_name(n).map(str::to_string);
        }
        log.push(format!(
            "default action becomes ERRNO({})",
            errno_name(n).unwrap_or(e)
        ));
    }
    Ok(log)
}

/// A conflict found while merging.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    /// The syscall.
    pub syscall: String,
    /// What happened.
    pub message: String,
}

/// Merges profiles into one that allows what any of them allows. The first profile gives the
/// default action and architectures (others' architectures are added).
pub fn merge(profiles: &[(String, Profile)]) -> (Profile, Vec<Conflict>) {
    let mut conflicts = Vec::new();
    let Some((first_name, first)) = profiles.first() else {
        return (Profile::new(Action::Errno(1)), conflicts);
    };
    let mut out = first.clone();
    for (name, p) in &profiles[1..] {
        if p.default() != out.default() {
            conflicts.push(Conflict {
                syscall: "(default)".into(),
                message: format!(
                    "{name} defaults to {}, {first_name} to {}; the merge keeps {}",
                    p.default(),
                    out.default(),
                    out.default()
                ),
            });
        }
        let arches: Vec<Arch> = match (&p.arch_map, &p.architectures) {
            (Some(m), _) => m.iter().map(|e| e.architecture).collect(),
            (_, Some(a)) => a.clone(),
            _ => Vec::new(),
        };
        let _ = patch(
            &mut out,
            &Patch {
                add_arch: arches,
                ..Patch::default()
            },
        );
        for r in p.rules() {
            if !out.rules().contains(r) {
                out.rules_mut().push(r.clone());
            }
        }
    }
    // A rule that denies with a non-default action would override another profile's allow
    // under first-match; where any input allows a call, the merge must allow it.
    let hosts = [Arch::X86_64, Arch::Aarch64];
    for host in hosts {
        let target = Target::docker(host);
        let inputs: Vec<Policy> = profiles.iter().map(|(_, p)| resolve(p, &target)).collect();
        loop {
            let merged = resolve(&out, &target);
            let Some((name, msg)) = first_union_violation(&inputs, &merged, profiles) else {
                break;
            };
            // drop non-permitting rules for that name so the allows decide
            let before = out.rules().len();
            let mut changed = false;
            for r in out.rules_mut().iter_mut() {
                if !r.action().permits() && r.all_names().any(|n| n == name) {
                    if let Some(list) = r.names.as_mut() {
                        list.retain(|n| *n != name);
                    }
                    if r.name.as_deref() == Some(name.as_str()) {
                        r.name = None;
                    }
                    changed = true;
                }
            }
            out.rules_mut().retain(|r| r.all_names().next().is_some());
            conflicts.push(Conflict {
                syscall: name.clone(),
                message: msg,
            });
            if !changed && out.rules().len() == before {
                break;
            }
        }
    }
    conflicts.dedup();
    (out, conflicts)
}

fn first_union_violation(
    inputs: &[Policy],
    merged: &Policy,
    profiles: &[(String, Profile)],
) -> Option<(String, String)> {
    for ap in &merged.arches {
        let table = tables::table(ap.arch)?;
        for (name, nr) in table.iter() {
            let mut conds = Vec::new();
            for p in inputs.iter().chain([merged]) {
                if let Some(sp) = p.arch(ap.arch).and_then(|a| a.syscalls.get(&nr)) {
                    conds.extend(sp.rules.iter().flat_map(|r| r.conds.iter().copied()));
                }
            }
            for args in argument_vectors(&conds, ap.arch.is_64bit_args()) {
                let allowed_by = inputs
                    .iter()
                    .position(|p| p.decide(ap.arch, nr, &args).action.permits());
                let m = merged.decide(ap.arch, nr, &args).action;
                if let Some(i) = allowed_by {
                    if !m.permits() {
                        return Some((
                            name.to_string(),
                            format!(
                                "{} allows {name} on {} but another input returns {m}; the merge allows it",
                                profiles[i].0, ap.arch
                            ),
                        ));
                    }
                }
            }
        }
    }
    None
}

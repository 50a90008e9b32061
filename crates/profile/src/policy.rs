//! Resolution: a profile plus a target (host architecture, bounding set, kernel, runtime)
//! becomes a [`Policy`], the per-architecture decision table a filter must implement.
//!
//! The rules, in the order they are applied (each is what runc + libseccomp do, as their
//! sources read: runc's `libcontainer/seccomp`, moby's `profiles/seccomp`, libseccomp's
//! `src/arch*.c`):
//!
//! 1. **Architectures.** With `archMap`, only the entry whose `architecture` is the host's
//!    counts; the filter covers it and its `subArchitectures`. With `architectures` (OCI),
//!    the filter covers those plus the host's own arch (libseccomp always includes the native
//!    arch). With neither, the host's arch alone. An `archMap` with no entry for the host
//!    gives a native-only filter (reported as a note).
//! 2. **`excludes`, then `includes`**, evaluated once for the *host*, with Go's arch names
//!    (`amd64`): a rule is dropped if `excludes` lists the host arch, or ANY of its caps is in
//!    the bounding set, or the kernel is >= its `minKernel`; it is kept only if `includes`
//!    lists the host arch (when it lists arches), ALL its caps are in the bounding set, and the
//!    kernel is >= its `minKernel`. A kept rule applies to every arch in the filter.
//! 3. **Same-as-default rules are dropped**: a rule whose action (errno included) equals the
//!    default action changes nothing and libseccomp refuses it. ERRNO(1) and ERRNO(38) differ.
//! 4. **Conditions.** A rule's conditions are AND-ed. If an argument index repeats within a
//!    rule, runc adds every condition as its own rule, so they are all OR-ed (runc dialect);
//!    crun hands the rule to libseccomp, which refuses it (reported).
//! 5. **Names** resolve through each arch's own table; names unknown on an arch are ignored
//!    for that arch and reported.
//! 6. **Evaluation of one call**: if the syscall has an unconditional rule, the first one
//!    decides (libseccomp keeps one unconditional action per syscall; later rules for it are
//!    shadowed). Otherwise the first rule, in profile order, whose conditions all hold decides;
//!    if none holds, the default action. On 32-bit ABIs only the low 32 bits of an argument and
//!    of the rule's values are compared.
//! 7. **ENOSYS stub** (runc >= 1.0.0-rc93, not crun): a syscall number greater than the
//!    highest number the profile names for that arch returns ERRNO(ENOSYS), unless the default
//!    action is ALLOW, LOG or TRACE. Number -1 (0xffffffff) is above every table, so it too.
//!    Only the ABIs the engine lists get a stub (the host's `archMap` entry, or
//!    `architectures`), plus the native one from runc 1.1.15 / 1.2.0; only names the linked
//!    libseccomp resolves count, and on the ABIs that multiplex socket and IPC calls
//!    (x86, s390, ppc, MIPS o32) those names do not.
//! 8. **x32**: on the x86_64 token, numbers with bit 0x40000000 are decided by the x32
//!    policy when x32 is in the filter; otherwise they get the bad-arch action (runc's stub
//!    for x86_64 alone skips them: `jset 0x40000000` in `generateEnosysStub`).
//! 9. **Bad arch**: a call from an ABI not in the filter gets the bad-arch action, KILL_THREAD
//!    in libseccomp (and so in runc and crun).

use std::collections::BTreeMap;
use std::fmt;

use crate::action::{Action, Op};
use crate::arch::Arch;
use crate::caps::CapSet;
use crate::dialect::{KernelVersion, Profile, SyscallRule};
use crate::engine::Engine;
use crate::libseccomp::Libseccomp;
use crate::tables;

/// The x32 syscall-number bit.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

pub use crate::runtime::{Runtime, RuntimeKind, Version};

/// What a profile is resolved for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The host's (native) architecture.
    pub arch: Arch,
    /// The container's bounding set.
    pub caps: CapSet,
    /// The kernel version `minKernel` is compared with.
    pub kernel: KernelVersion,
    /// The runtime whose semantics apply.
    pub runtime: Runtime,
    /// The libseccomp the runtime links, when known: names it does not resolve are dropped
    /// and do not count for the ENOSYS stub. `None`: every name jailwright's tables have.
    pub libseccomp: Option<Libseccomp>,
    /// The engine that hands the profile to the runtime, when known: the fields it drops are
    /// dropped first. `None`: the newest engines, which read every field.
    pub engine: Option<Engine>,
}

/// The kernel assumed when none is given: new enough for every `minKernel` in the catalogue.
pub const DEFAULT_KERNEL: KernelVersion = KernelVersion::new(6, 12);

impl Target {
    /// A Docker host of `arch` with Docker's default bounding set, kernel 6.12, runc.
    pub fn docker(arch: Arch) -> Target {
        Target {
            arch,
            caps: CapSet::docker_default(),
            kernel: DEFAULT_KERNEL,
            runtime: Runtime::RUNC,
            libseccomp: None,
            engine: None,
        }
    }

    /// A target with no capabilities (jailwright's own sandbox), plain OCI semantics.
    pub fn sandbox(arch: Arch) -> Target {
        Target {
            arch,
            caps: CapSet::empty(),
            kernel: DEFAULT_KERNEL,
            runtime: Runtime::OCI,
            libseccomp: None,
            engine: None,
        }
    }
}

/// One comparison, with values already truncated for the ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Cond {
    /// Argument index 0..=5.
    pub arg: u8,
    /// Operator.
    pub op: Op,
    /// Value (mask for MASKED_EQ).
    pub value: u64,
    /// Second value (for MASKED_EQ).
    pub value_two: u64,
}

impl Cond {
    /// Whether `arg` satisfies the condition.
    pub fn holds(&self, arg: u64) -> bool {
        self.op.eval(arg, self.value, self.value_two)
    }
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            Op::MaskedEq => write!(
                f,
                "arg{} & {:#x} == {:#x}",
                self.arg, self.value, self.value_two
            ),
            op => write!(f, "arg{} {} {:#x}", self.arg, op.symbol(), self.value),
        }
    }
}

/// One rule for one syscall on one arch: AND-ed conditions and an action.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PolicyRule {
    /// Conditions, all of which must hold (none: unconditional).
    pub conds: Vec<Cond>,
    /// The action when they hold.
    pub action: Action,
    /// Index of the profile rule (`syscalls[i]`) this came from.
    pub source: usize,
}

impl PolicyRule {
    /// Whether the rule's conditions hold for `args`.
    pub fn matches(&self, args: &[u64; 6]) -> bool {
        self.conds.iter().all(|c| c.holds(args[usize::from(c.arg)]))
    }
}

/// Everything the policy says about one syscall number on one arch.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SyscallPolicy {
    /// The syscall's name.
    pub name: &'static str,
    /// Effective rules in evaluation order (an unconditional rule, if any, first and alone).
    pub rules: Vec<PolicyRule>,
    /// Rules that can never decide because an unconditional rule for the syscall exists.
    pub shadowed: Vec<PolicyRule>,
}

impl SyscallPolicy {
    /// The action when the syscall's decision does not depend on arguments.
    pub fn unconditional(&self) -> Option<Action> {
        match self.rules.as_slice() {
            [r] if r.conds.is_empty() => Some(r.action),
            _ => None,
        }
    }
}

/// The decision table of one ABI.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ArchPolicy {
    /// The ABI.
    pub arch: Arch,
    /// Syscalls that rules name, by number.
    pub syscalls: BTreeMap<u32, SyscallPolicy>,
    /// With the ENOSYS stub: numbers above this return ERRNO(ENOSYS).
    pub enosys_above: Option<u32>,
    /// Names in kept rules that this arch's table does not have.
    pub unknown_names: Vec<String>,
}

/// Why a call got its action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// A rule decided; `source` is the profile rule index.
    Rule {
        /// Profile rule index.
        source: usize,
    },
    /// No rule matched.
    Default,
    /// runc's stub: the number is above the highest the profile names.
    EnosysStub {
        /// The highest named number.
        above: u32,
    },
    /// The ABI is not in the filter.
    BadArch,
}

/// A decision and its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// The action.
    pub action: Action,
    /// Why.
    pub reason: Reason,
}

/// What happened to one profile rule during resolution.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", content = "why", rename_all = "kebab-case")]
pub enum RuleStatus {
    /// The rule is in the policy.
    Kept,
    /// Dropped by `excludes` or `includes`; the text says which clause.
    Filtered(String),
    /// Dropped because its action equals the default action.
    SameAsDefault,
}

/// A note from resolution (not an error: the runtime would go ahead).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    /// Profile rule index, when the note is about a rule.
    pub source: Option<usize>,
    /// What happened.
    pub message: String,
}

/// A resolved policy: what a filter for `target` must decide, per ABI.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Policy {
    /// The host architecture resolved for.
    pub host: Arch,
    /// The runtime whose semantics apply.
    pub runtime: Runtime,
    /// The default action.
    pub default: Action,
    /// The action for ABIs not in the filter.
    pub bad_arch: Action,
    /// Per-ABI tables, host first, then sub-architectures in profile order.
    pub arches: Vec<ArchPolicy>,
    /// What resolution did with each profile rule.
    pub rule_status: Vec<RuleStatus>,
    /// Things worth telling the user.
    pub notes: Vec<Note>,
    /// `flags` from the profile.
    pub flags: Vec<String>,
}

fn truncate(c: &Cond, arch: Arch) -> Cond {
    if arch.is_64bit_args() {
        *c
    } else {
        Cond {
            value: c.value & 0xffff_ffff,
            value_two: c.value_two & 0xffff_ffff,
            ..*c
        }
    }
}

/// Resolves `profile` for `target`. Never fails: what a runtime would ignore is reported in
/// [`Policy::notes`].
pub fn resolve(profile: &Profile, target: &Target) -> Policy {
    let mut notes = Vec::new();
    // 0. what the engine hands over
    let seen;
    let profile = match target.engine {
        Some(engine) => {
            let (p, dropped) = engine.apply(profile);
            notes.extend(dropped.into_iter().map(|message| Note {
                source: None,
                message,
            }));
            seen = p;
            &*seen
        }
        None => profile,
    };
    let host = target.arch;
    // 1. architectures
    let arches = filter_arches(profile, host, &mut notes);

    let default = profile.default();
    let host_go = host.go_name();
    let mut rule_status = Vec::with_capacity(profile.rules().len());
    let mut kept: Vec<(usize, Action, Vec<Vec<Cond>>)> = Vec::new();
    let mut stub_names: Vec<&str> = Vec::new();
    for (i, rule) in profile.rules().iter().enumerate() {
        // 2. excludes, then includes
        if let Some(why) = gated_out(rule, target, host_go) {
            rule_status.push(RuleStatus::Filtered(why));
            continue;
        }
        stub_names.extend(rule.all_names());
        // 3. same as default
        let action = rule.action();
        if action == default {
            rule_status.push(RuleStatus::SameAsDefault);
            continue;
        }
        rule_status.push(RuleStatus::Kept);
        // 4. conditions
        let groups = condition_groups(rule, i, target.runtime, &mut notes);
        kept.push((i, action, groups));
    }

    // 5. per-arch tables
    let stub = target.runtime.has_enosys_stub()
        && !matches!(default, Action::Allow | Action::Log | Action::Trace(_));
    let stubbed = stub_arches(profile, target);
    let mut arch_policies = Vec::with_capacity(arches.len());
    for &arch in &arches {
        let names = Names {
            lsc: target.libseccomp,
            stub: (stub && stubbed.contains(&arch)).then_some(stub_names.as_slice()),
        };
        if let Some(ap) = arch_policy(profile, arch, &kept, &names) {
            arch_policies.push(ap);
        }
    }
    if let Some(lsc) = target.libseccomp {
        for ap in &arch_policies {
            if !ap.unknown_names.is_empty() {
                notes.push(Note {
                    source: None,
                    message: format!(
                        "libseccomp {lsc} does not resolve {} on {}: the runtime drops those names, and the calls get the default action",
                        ap.unknown_names.join(", "),
                        ap.arch
                    ),
                });
            }
        }
    }
    Policy {
        host,
        runtime: target.runtime,
        default,
        bad_arch: Action::KillThread,
        arches: arch_policies,
        rule_status,
        notes,
        flags: profile.flags.clone().unwrap_or_default(),
    }
}

/// The ABIs the filter covers on `host`: the host, then its `archMap` sub-architectures (or the
/// `architectures` list), without repeats and without the ones jailwright has no table for.
fn filter_arches(profile: &Profile, host: Arch, notes: &mut Vec<Note>) -> Vec<Arch> {
    let mut arches = vec![host];
    if let Some(map) = profile.arch_map.as_ref().filter(|m| !m.is_empty()) {
        match map.iter().find(|e| e.architecture == host) {
            Some(e) => arches.extend(e.sub_architectures.iter().flatten().copied()),
            None => notes.push(Note {
                source: None,
                message: format!("archMap has no entry for {host}; the filter covers {host} alone"),
            }),
        }
    } else if let Some(list) = &profile.architectures {
        arches.extend(list.iter().copied());
    }
    let mut seen = Vec::new();
    arches.retain(|a| {
        let fresh = !seen.contains(a);
        seen.push(*a);
        fresh
    });
    arches.retain(|a| {
        let has = tables::table(*a).is_some();
        if !has {
            notes.push(Note {
                source: None,
                message: format!("jailwright has no syscall table for {a}; it is left out"),
            });
        }
        has
    });
    arches
}

/// Why a rule's `excludes` or `includes` leaves it out on this target, if they do.
fn gated_out(rule: &SyscallRule, target: &Target, host_go: &str) -> Option<String> {
    let mut filtered = None;
    if let Some(ex) = &rule.excludes {
        if ex.arches.iter().flatten().any(|a| a == host_go) {
            filtered = Some(format!("excludes.arches lists the host ({host_go})"));
        } else if let Some(c) = ex
            .caps
            .iter()
            .flatten()
            .find(|c| target.caps.contains_name(c))
        {
            filtered = Some(format!("excludes.caps: {c} is in the bounding set"));
        } else if let Some(k) = ex.min_kernel.filter(|k| target.kernel >= *k) {
            filtered = Some(format!(
                "excludes.minKernel: kernel {} >= {k}",
                target.kernel
            ));
        }
    }
    if filtered.is_none() {
        if let Some(inc) = &rule.includes {
            let arches_inc = inc.arches.as_deref().unwrap_or(&[]);
            if !arches_inc.is_empty() && !arches_inc.iter().any(|a| a == host_go) {
                filtered = Some(format!(
                    "includes.arches [{}] does not list the host ({host_go})",
                    arches_inc.join(", ")
                ));
            } else if let Some(c) = inc
                .caps
                .iter()
                .flatten()
                .find(|c| !target.caps.contains_name(c))
            {
                filtered = Some(format!("includes.caps: {c} is not in the bounding set"));
            } else if let Some(k) = inc.min_kernel.filter(|k| target.kernel < *k) {
                filtered = Some(format!(
                    "includes.minKernel: kernel {} < {k}",
                    target.kernel
                ));
            }
        }
    }
    filtered
}

/// A rule's conditions as the runtime applies them: one AND-group, or (runc, and crun from
/// 0.12.2, when an argument index repeats) one group per condition, OR-ed.
fn condition_groups(
    rule: &SyscallRule,
    i: usize,
    runtime: Runtime,
    notes: &mut Vec<Note>,
) -> Vec<Vec<Cond>> {
    let conds: Vec<Cond> = rule
        .conditions()
        .iter()
        .map(|c| Cond {
            arg: c.index,
            op: c.op,
            value: c.value,
            value_two: c.value_two.unwrap_or(0),
        })
        .collect();
    let repeats = conds
        .iter()
        .enumerate()
        .any(|(j, c)| conds[..j].iter().any(|d| d.arg == c.arg));
    if repeats {
        match runtime.kind {
            RuntimeKind::Runc | RuntimeKind::Crun if runtime.splits_repeated_index() => {
                notes.push(Note {
                    source: Some(i),
                    message: format!("an argument index repeats, so {} adds each condition as its own rule: they are OR-ed, not AND-ed", runtime.kind),
                });
                conds.iter().map(|c| vec![*c]).collect()
            }
            _ => {
                notes.push(Note {
                    source: Some(i),
                    message: format!("an argument index repeats; libseccomp refuses more than one comparison per argument in one rule, so {} will fail to load this profile (modelled as AND)", runtime.kind),
                });
                vec![conds]
            }
        }
    } else {
        vec![conds]
    }
}

/// How an ABI's names resolve: through the runtime's libseccomp when it is known, and which
/// names raise the ENOSYS stub's bound (`None`: no stub on this ABI).
struct Names<'a> {
    lsc: Option<Libseccomp>,
    stub: Option<&'a [&'a str]>,
}

impl Names<'_> {
    /// The number of `name` on `arch` as the runtime's filter sees it, if it resolves.
    fn resolve(&self, table: &tables::SyscallTable, arch: Arch, name: &str) -> Option<u32> {
        let nr = table.lookup(name)?;
        self.lsc.is_none_or(|l| l.knows(arch, name)).then_some(nr)
    }

    /// runc's stub bound: the highest number the names resolve to, multiplexed pseudo
    /// numbers skipped (runc's `findLastSyscalls` ignores negative numbers).
    fn stub_bound(&self, table: &tables::SyscallTable, arch: Arch) -> Option<u32> {
        let names = self.stub?;
        names
            .iter()
            .filter(|n| !Libseccomp::multiplexed(arch, n))
            .filter_map(|n| self.resolve(table, arch, n))
            .max()
    }
}

/// The ABIs runc's ENOSYS stub covers: those the engine lists in the runtime's configuration
/// (the host's `archMap` entry and its sub-architectures, or `architectures` as written;
/// nothing without either), plus the native one where the runtime adds it.
fn stub_arches(profile: &Profile, target: &Target) -> Vec<Arch> {
    let mut listed: Vec<Arch> = match profile.arch_map.as_ref().filter(|m| !m.is_empty()) {
        Some(map) => map
            .iter()
            .filter(|e| e.architecture == target.arch)
            .flat_map(|e| {
                std::iter::once(e.architecture).chain(e.sub_architectures.iter().flatten().copied())
            })
            .collect(),
        None => profile.architectures.clone().unwrap_or_default(),
    };
    if target.runtime.stub_covers_native() {
        listed.push(target.arch);
    }
    listed
}

/// One ABI's table of the kept rules: number to ordered rules, the names it lacks, and the
/// ENOSYS stub's bound when the runtime adds one.
fn arch_policy(
    profile: &Profile,
    arch: Arch,
    kept: &[(usize, Action, Vec<Vec<Cond>>)],
    names: &Names<'_>,
) -> Option<ArchPolicy> {
    let table = tables::table(arch)?;
    let mut syscalls: BTreeMap<u32, SyscallPolicy> = BTreeMap::new();
    let mut unknown = Vec::new();
    for (source, action, groups) in kept {
        for name in profile.rules()[*source].all_names() {
            let Some(nr) = names.resolve(table, arch, name) else {
                if !unknown.iter().any(|u: &String| u == name) {
                    unknown.push(name.to_string());
                }
                continue;
            };
            let entry = syscalls.entry(nr).or_insert_with(|| SyscallPolicy {
                name: table.name(nr).unwrap_or("?"),
                rules: Vec::new(),
                shadowed: Vec::new(),
            });
            for g in groups {
                let rule = PolicyRule {
                    conds: g.iter().map(|c| truncate(c, arch)).collect(),
                    action: *action,
                    source: *source,
                };
                push_rule(entry, rule);
            }
        }
    }
    let enosys_above = names.stub_bound(table, arch);
    Some(ArchPolicy {
        arch,
        syscalls,
        enosys_above,
        unknown_names: unknown,
    })
}

/// Adds a rule, keeping libseccomp's "one unconditional action per syscall".
fn push_rule(entry: &mut SyscallPolicy, rule: PolicyRule) {
    if entry.unconditional().is_some() {
        entry.shadowed.push(rule);
    } else if rule.conds.is_empty() {
        let old = std::mem::take(&mut entry.rules);
        entry.shadowed.extend(old);
        entry.rules.push(rule);
    } else {
        entry.rules.push(rule);
    }
}

impl ArchPolicy {
    /// The decision for syscall `nr` of this ABI (x32 numbers with their bit) with `args`.
    pub fn decide(&self, nr: u32, args: &[u64; 6], default: Action) -> Decision {
        if let Some(sp) = self.syscalls.get(&nr) {
            let args = if self.arch.is_64bit_args() {
                *args
            } else {
                args.map(|a| a & 0xffff_ffff)
            };
            if let Some(r) = sp.rules.iter().find(|r| r.matches(&args)) {
                return Decision {
                    action: r.action,
                    reason: Reason::Rule { source: r.source },
                };
            }
        }
        match self.enosys_above {
            Some(above) if nr > above => Decision {
                action: Action::Errno(38),
                reason: Reason::EnosysStub { above },
            },
            _ => Decision {
                action: default,
                reason: Reason::Default,
            },
        }
    }

    /// Whether the decision for `nr` depends on arguments.
    pub fn is_conditional(&self, nr: u32) -> bool {
        self.syscalls
            .get(&nr)
            .is_some_and(|s| s.unconditional().is_none() && !s.rules.is_empty())
    }
}

impl Policy {
    /// The table for one ABI, if it is in the filter.
    pub fn arch(&self, arch: Arch) -> Option<&ArchPolicy> {
        self.arches.iter().find(|a| a.arch == arch)
    }

    /// The decision for a call of ABI `arch` (use [`Arch::X32`] with the bit-carrying number).
    pub fn decide(&self, arch: Arch, nr: u32, args: &[u64; 6]) -> Decision {
        match self.arch(arch) {
            Some(ap) => ap.decide(nr, args, self.default),
            None => Decision {
                action: self.bad_arch,
                reason: Reason::BadArch,
            },
        }
    }

    /// The decision as a filter sees a call: by `AUDIT_ARCH` token and raw number (rule 8).
    ///
    /// On the x86_64 token, numbers with bit 30 set (-1 included) are x32's: decided by the
    /// x32 table when x32 is in the filter. Without x32, runc's stub skips them and
    /// libseccomp's x86_64 section sends every number from 0x40000000 to the bad-arch action
    /// except -1 (what a tracer sets to skip a call), which gets the default. Numbers with bit
    /// 31 set and bit 30 clear belong to no ABI: the x86_64 stub answers them ENOSYS where
    /// there is one; without a stub or x32, libseccomp kills them.
    pub fn decide_raw(&self, audit_arch: u32, nr: u32, args: &[u64; 6]) -> Decision {
        let candidates: Vec<&ArchPolicy> = self
            .arches
            .iter()
            .filter(|a| a.arch.audit_arch() == audit_arch)
            .collect();
        let bad_arch = Decision {
            action: self.bad_arch,
            reason: Reason::BadArch,
        };
        if candidates.is_empty() {
            return bad_arch;
        }
        let native = candidates.iter().find(|a| a.arch != Arch::X32);
        if Arch::X86_64.audit_arch() == audit_arch {
            let x32 = candidates.iter().find(|a| a.arch == Arch::X32);
            if nr & X32_SYSCALL_BIT != 0 {
                return match x32 {
                    Some(x32) => x32.decide(nr, args, self.default),
                    None if nr == u32::MAX => Decision {
                        action: self.default,
                        reason: Reason::Default,
                    },
                    None => bad_arch,
                };
            }
            if nr >= 0x8000_0000 && x32.is_none() {
                return match native.and_then(|a| a.enosys_above) {
                    Some(above) => Decision {
                        action: Action::Errno(38),
                        reason: Reason::EnosysStub { above },
                    },
                    None => bad_arch,
                };
            }
        }
        match native {
            Some(ap) => ap.decide(nr, args, self.default),
            None => bad_arch,
        }
    }

    /// Names (per arch) that rules name but the arch's table lacks.
    pub fn unknown_names(&self) -> impl Iterator<Item = (Arch, &str)> {
        self.arches
            .iter()
            .flat_map(|a| a.unknown_names.iter().map(move |n| (a.arch, n.as_str())))
    }
}

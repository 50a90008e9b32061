//! Profiles × syscall groups × architectures: how each profile decides every syscall of each
//! architecture's native ABI, classed and counted per group (the catalogue's groups), with
//! the rule that decides. What the comparison report draws.
//!
//! Classes: *allowed* (allowed whatever the arguments, under the target's bounding set: the
//! count `stats` gives as "allowed always"), *conditional* (allowed for some arguments, or
//! only with a capability the bounding set lacks), *denied* (an errno), *killed* (kill or
//! trap), *other* (log, trace, user notification).

use crate::action::Action;
use crate::arch::Arch;
use crate::caps::{CapSet, CAPABILITIES};
use crate::catalogue::groups;
use crate::dialect::Profile;
use crate::diff::describe;
use crate::ops::rule_summary;
use crate::policy::{resolve, Policy, Reason, Target};
use crate::tables;

/// How a profile treats a syscall, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Allowed whatever the arguments.
    Allowed,
    /// Allowed for some arguments, or only with a capability the bounding set lacks.
    Conditional,
    /// Refused with an errno.
    Denied,
    /// The process or thread is killed (or gets SIGSYS).
    Killed,
    /// Logged, traced or handed to a supervisor.
    Other,
}

impl Class {
    /// Every class, in the order the report stacks them.
    pub const ALL: [Class; 5] = [
        Class::Allowed,
        Class::Conditional,
        Class::Denied,
        Class::Killed,
        Class::Other,
    ];

    /// The class's name as the report prints it.
    pub fn label(self) -> &'static str {
        match self {
            Class::Allowed => "allowed",
            Class::Conditional => "conditional",
            Class::Denied => "denied",
            Class::Killed => "killed",
            Class::Other => "other",
        }
    }

    fn of(action: Action) -> Class {
        match action {
            Action::Allow => Class::Allowed,
            Action::Errno(_) => Class::Denied,
            Action::KillProcess | Action::KillThread | Action::Trap => Class::Killed,
            Action::Log | Action::Trace(_) | Action::Notify => Class::Other,
        }
    }
}

/// One profile's decision for one syscall on one ABI.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Cell {
    /// The class.
    pub class: Class,
    /// The decision in words (`ALLOW always`, `ERRNO(EPERM) (default)`, `ALLOW when ...`).
    pub decision: String,
    /// What decides: the rule (`$.syscalls[3]: ALLOW [includes caps CAP_SYS_ADMIN]`), the
    /// default action, the runtime's ENOSYS stub, or the ABI being outside the filter.
    pub rule: String,
    /// What the decision depends on beyond the arguments: the capability or kernel that
    /// gates a rule naming the call, when one does.
    pub gate: Option<String>,
}

/// Counts of each class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Allowed always.
    pub allowed: usize,
    /// Allowed for some arguments or with a capability.
    pub conditional: usize,
    /// An errno.
    pub denied: usize,
    /// Killed or trapped.
    pub killed: usize,
    /// Logged, traced or notified.
    pub other: usize,
}

impl Counts {
    /// The count of `class`.
    pub fn get(&self, class: Class) -> usize {
        match class {
            Class::Allowed => self.allowed,
            Class::Conditional => self.conditional,
            Class::Denied => self.denied,
            Class::Killed => self.killed,
            Class::Other => self.other,
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.allowed += other.allowed;
        self.conditional += other.conditional;
        self.denied += other.denied;
        self.killed += other.killed;
        self.other += other.other;
    }

    fn add(&mut self, class: Class) {
        match class {
            Class::Allowed => self.allowed += 1,
            Class::Conditional => self.conditional += 1,
            Class::Denied => self.denied += 1,
            Class::Killed => self.killed += 1,
            Class::Other => self.other += 1,
        }
    }

    /// All of them.
    pub fn total(&self) -> usize {
        Class::ALL.iter().map(|&c| self.get(c)).sum()
    }
}

/// One syscall: its cell per (architecture, profile), `None` where the ABI has no such call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SyscallRow {
    /// The name.
    pub name: &'static str,
    /// Indexed `arch * profiles + profile`.
    pub cells: Vec<Option<Cell>>,
}

/// One group: counts and syscalls.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GroupRow {
    /// The group's id (`file-io`).
    pub id: &'static str,
    /// Its display name.
    pub name: &'static str,
    /// What its calls do.
    pub description: &'static str,
    /// Indexed `arch * profiles + profile`.
    pub counts: Vec<Counts>,
    /// The group's syscalls that exist on at least one of the architectures.
    pub syscalls: Vec<SyscallRow>,
}

/// The whole comparison.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Matrix {
    /// The profiles' names, in column order.
    pub profiles: Vec<String>,
    /// The architectures (each one's native ABI).
    pub arches: Vec<Arch>,
    /// The groups, in the catalogue's order.
    pub groups: Vec<GroupRow>,
}

impl Matrix {
    /// The index of (arch `a`, profile `p`) in the cells and counts.
    pub fn index(&self, a: usize, p: usize) -> usize {
        a * self.profiles.len() + p
    }

    /// The counts of profile `p` on arch `a` over every group.
    pub fn totals(&self, a: usize, p: usize) -> Counts {
        let i = self.index(a, p);
        let mut t = Counts::default();
        for g in &self.groups {
            t.merge(&g.counts[i]);
        }
        t
    }
}

/// The comparison of `profiles` (name, profile) on `arches` as `target` applies them
/// (`target.arch` is replaced by each architecture in turn).
pub fn matrix(profiles: &[(String, &Profile)], arches: &[Arch], target: &Target) -> Matrix {
    let mut all_caps = target.clone();
    all_caps.caps = CapSet::from_names(CAPABILITIES).unwrap_or_default();
    // [arch][profile] -> (policy under the target's caps, under every capability)
    let policies: Vec<Vec<(Policy, Policy)>> = arches
        .iter()
        .map(|&arch| {
            profiles
                .iter()
                .map(|(_, p)| {
                    let t = Target {
                        arch,
                        ..target.clone()
                    };
                    let all = Target {
                        arch,
                        ..all_caps.clone()
                    };
                    (resolve(p, &t), resolve(p, &all))
                })
                .collect()
        })
        .collect();
    let mut out = Matrix {
        profiles: profiles.iter().map(|(n, _)| n.clone()).collect(),
        arches: arches.to_vec(),
        groups: Vec::new(),
    };
    for g in groups() {
        let mut row = GroupRow {
            id: g.id,
            name: g.name,
            description: g.description,
            counts: vec![Counts::default(); arches.len() * profiles.len()],
            syscalls: Vec::new(),
        };
        for &name in g.syscalls.iter() {
            // The gates do not depend on the architecture: found once per profile.
            let gates: Vec<Option<String>> = profiles.iter().map(|(_, p)| gates(p, name)).collect();
            let mut cells = Vec::with_capacity(row.counts.len());
            for (a, &arch) in arches.iter().enumerate() {
                let nr = tables::table(arch).and_then(|t| t.lookup(name));
                for (p, (_, profile)) in profiles.iter().enumerate() {
                    let cell = nr.map(|nr| {
                        let (policy, with_all) = &policies[a][p];
                        cell(profile, policy, with_all, arch, nr, gates[p].clone())
                    });
                    if let Some(c) = &cell {
                        row.counts[a * profiles.len() + p].add(c.class);
                    }
                    cells.push(cell);
                }
            }
            if cells.iter().any(Option::is_some) {
                row.syscalls.push(SyscallRow { name, cells });
            }
        }
        out.groups.push(row);
    }
    out
}

fn class_in(policy: &Policy, arch: Arch, nr: u32) -> Class {
    let decided = || Class::of(policy.decide(arch, nr, &[0; 6]).action);
    let Some(ap) = policy.arch(arch) else {
        return decided();
    };
    match ap.syscalls.get(&nr) {
        Some(sp) if !sp.rules.is_empty() => match sp.unconditional() {
            Some(a) => Class::of(a),
            None if sp.rules.iter().any(|r| r.action.permits()) => Class::Conditional,
            None => decided(),
        },
        _ => decided(),
    }
}

fn cell(
    profile: &Profile,
    policy: &Policy,
    with_all: &Policy,
    arch: Arch,
    nr: u32,
    gate: Option<String>,
) -> Cell {
    let ap = policy.arch(arch);
    let mut class = class_in(policy, arch, nr);
    let with_caps = class_in(with_all, arch, nr);
    let cap_gated = matches!(class, Class::Denied | Class::Killed)
        && matches!(with_caps, Class::Allowed | Class::Conditional);
    if cap_gated {
        class = Class::Conditional;
    }
    let decision = describe(ap, nr, policy.default);
    let decided = policy.decide(arch, nr, &[0; 6]);
    let rule = match decided.reason {
        Reason::Rule { source } => profile
            .rules()
            .get(source)
            .map(|r| format!("$.syscalls[{source}]: {}", rule_summary(r)))
            .unwrap_or_default(),
        Reason::Default => format!("the default action, {}", policy.default),
        Reason::EnosysStub { above } => {
            format!(
                "the runtime's ENOSYS stub (numbers above {above}, the highest the profile names)"
            )
        }
        Reason::BadArch => "the ABI is not in the filter".to_string(),
    };
    Cell {
        class,
        decision: if cap_gated {
            format!("{decision}; allowed with a capability the bounding set lacks")
        } else {
            decision
        },
        rule,
        gate,
    }
}

/// The rules naming `name` that a capability, architecture or kernel gates, in words.
fn gates(profile: &Profile, name: &str) -> Option<String> {
    let gates: Vec<String> = profile
        .rules()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_gated() && r.all_names().any(|n| n == name))
        .map(|(i, r)| format!("$.syscalls[{i}]: {}", rule_summary(r)))
        .collect();
    (!gates.is_empty()).then(|| gates.join("; "))
}

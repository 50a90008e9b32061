//! Lint: findings about a profile, each with a stable id, a severity, the JSON path of the rule it
//! is about, why it matters and how to fix it.
//!
//! The profile is resolved (see [`crate::policy`]) for every host in [`LintOptions::arches`] with
//! the options' bounding set, kernel and runtime; most checks read those policies, so a finding
//! describes what the runtime would really do, not what the text seems to say. A finding that
//! holds on every host checked carries no `arch`; one that holds on some hosts carries the host.
//!
//! [`RULES`] lists every check. Findings are sorted by severity, then JSON path (numerically:
//! `syscalls[2]` before `syscalls[10]`), then id, so the output is deterministic.
//!
//! The **runtime init needs** (the table in [`crate::runtime`], re-exported here) are the
//! syscalls runc and crun themselves make after installing the filter, versioned and each
//! citing its source; [`missing_runtime_needs`] says which ones a resolved policy blocks.
//!
//! ```
//! use jailwright_profile::{catalogue, lint::{lint, LintOptions, Severity}};
//! let profile = catalogue::get("docker-default").unwrap().profile();
//! let findings = lint(&profile, &LintOptions::default());
//! assert!(findings.iter().all(|f| f.severity != Severity::Error));
//! ```

use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::action::{Action, Op};
use crate::arch::Arch;
use crate::caps::CapSet;
use crate::dialect::{Dialect, Filter, KernelVersion, Profile, SyscallRule};
use crate::diff::argument_vectors;
use crate::engine::Engine;
use crate::kernel_names::{kernel_lacks, Lack};
use crate::libseccomp::Libseccomp;
use crate::policy::{
    resolve, ArchPolicy, Policy, PolicyRule, RuleStatus, Runtime, RuntimeKind, Target,
    DEFAULT_KERNEL,
};
use crate::tables;

use crate::runtime::may_run;
pub use crate::runtime::{
    effective_version, missing_runtime_needs, runtime_needs, versions_text, InitStep, NeedKind,
    RuntimeNeed, NEWEST_CRUN, NEWEST_RUNC, RUNC_INIT_ORDER, RUNTIME_NEEDS,
};

/// How serious a finding is. For a profile, an error means it is broken or unsafe as
/// written (the container will not start, a name does nothing, or the profile allows
/// everything); a warning, probably not what the author meant or a real widening of the attack
/// surface; info, worth knowing and often intentional.
pub use jailwright_report::Severity;

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable id (`JW101`).
    pub id: &'static str,
    /// Stable kebab-case name of the check (`unknown-syscall`).
    pub slug: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// JSON path of what the finding is about (`$.syscalls[3].names[2]`, or `$`).
    pub path: String,
    /// The syscall concerned, when there is one.
    pub syscall: Option<String>,
    /// The host architecture it holds on; `None` when it holds on every host checked.
    pub arch: Option<Arch>,
    /// What is wrong.
    pub message: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it.
    pub fix: String,
}

/// What to lint against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintOptions {
    /// The host architectures to check; empty means the default (x86_64 and aarch64).
    pub arches: Vec<Arch>,
    /// The runtime that installs the filter (its version, when known, selects the runtime
    /// needs; unknown means the newest jailwright knows).
    pub runtime: Runtime,
    /// The container's bounding set (default: Docker's).
    pub caps: CapSet,
    /// The kernel `minKernel` is compared with.
    pub kernel: KernelVersion,
    /// Whether the container runs with no-new-privileges (`--security-opt
    /// no-new-privileges`): the runtime then installs the filter later and needs fewer of its
    /// own syscalls through it. Off by default, as in Docker and Podman.
    pub no_new_privileges: bool,
    /// The libseccomp the runtime links (`None`: the newest).
    pub libseccomp: Option<Libseccomp>,
    /// The engine that hands the profile over (`None`: the newest).
    pub engine: Option<Engine>,
}

impl Default for LintOptions {
    fn default() -> LintOptions {
        LintOptions {
            arches: DEFAULT_HOSTS.to_vec(),
            runtime: Runtime::RUNC,
            caps: CapSet::docker_default(),
            kernel: DEFAULT_KERNEL,
            no_new_privileges: false,
            libseccomp: None,
            engine: None,
        }
    }
}

/// The hosts checked when [`LintOptions::arches`] is empty.
pub const DEFAULT_HOSTS: &[Arch] = &[Arch::X86_64, Arch::Aarch64];

mod dangerous;
mod defaults;
mod drift;
pub use drift::{derived_from, Derivation};
mod names;
mod rules;
mod runtime_needs;

use rules::*;
pub use rules::{Rule, RULES};

/// A finding about to be reported: its rule, where and what; the severity, why and fix are the
/// rule's unless the check says more.
pub(super) struct Hit {
    rule: Rule,
    severity: Severity,
    path: String,
    syscall: Option<String>,
    arch: Option<Arch>,
    message: String,
    why: Option<String>,
    fix: Option<String>,
}

impl Hit {
    pub(super) fn new(rule: Rule, path: String, message: String) -> Hit {
        Hit {
            rule,
            severity: rule.severity,
            path,
            syscall: None,
            arch: None,
            message,
            why: None,
            fix: None,
        }
    }

    /// The syscall the finding is about.
    pub(super) fn syscall(mut self, name: Option<&str>) -> Hit {
        self.syscall = name.map(str::to_string);
        self
    }

    /// The host it holds on (merged away later when it holds on every host checked).
    pub(super) fn on(mut self, arch: Arch) -> Hit {
        self.arch = Some(arch);
        self
    }

    /// A lower severity than the rule's most serious.
    pub(super) fn severity(mut self, severity: Severity) -> Hit {
        self.severity = severity;
        self
    }

    /// Why, when this finding's reason is more specific than the rule's.
    pub(super) fn why(mut self, why: String) -> Hit {
        self.why = Some(why);
        self
    }

    /// The exact edit that fixes this finding.
    pub(super) fn fix(mut self, fix: String) -> Hit {
        self.fix = Some(fix);
        self
    }
}

/// The namespace bits of clone's flags (Docker's 2114060288 mask, `0x7e020000`).
const CLONE_NS_MASK: u64 = 0x7e02_0000;

struct Lint<'a> {
    profile: &'a Profile,
    opts: &'a LintOptions,
    hosts: Vec<Arch>,
    policies: Vec<Policy>,
    raw: Vec<Finding>,
}

/// Lints `profile` for the hosts, bounding set, kernel and runtime in `opts`.
pub fn lint(profile: &Profile, opts: &LintOptions) -> Vec<Finding> {
    let mut hosts: Vec<Arch> = if opts.arches.is_empty() {
        DEFAULT_HOSTS.to_vec()
    } else {
        opts.arches.clone()
    };
    let mut seen = BTreeSet::new();
    hosts.retain(|a| seen.insert(*a));
    let policies = hosts
        .iter()
        .map(|&arch| {
            resolve(
                profile,
                &Target {
                    arch,
                    caps: opts.caps.clone(),
                    kernel: opts.kernel,
                    runtime: opts.runtime,
                    libseccomp: opts.libseccomp,
                    engine: opts.engine,
                },
            )
        })
        .collect();
    let mut l = Lint {
        profile,
        opts,
        hosts,
        policies,
        raw: Vec::new(),
    };
    l.names();
    l.libseccomp_names();
    l.kernel_names();
    l.duplicates();
    l.policy_rules();
    l.dangerous();
    l.default_action();
    l.errno_fallbacks();
    l.clone3();
    l.architectures();
    l.compat_abi();
    l.size();
    l.runtime_needs();
    l.derived();
    l.finish()
}

impl Lint<'_> {
    fn root(&self) -> &'static str {
        if self.profile.dialect == Dialect::OciConfig {
            "$.linux.seccomp"
        } else {
            "$"
        }
    }

    fn rule_path(&self, i: usize) -> String {
        format!("{}.syscalls[{i}]", self.root())
    }

    fn name_path(&self, i: usize, name: &str) -> String {
        let Some(rule) = self.profile.rules().get(i) else {
            return self.rule_path(i);
        };
        if let Some(j) = rule.names.iter().flatten().position(|n| n == name) {
            return format!("{}.names[{j}]", self.rule_path(i));
        }
        if rule.name.as_deref() == Some(name) {
            return format!("{}.name", self.rule_path(i));
        }
        self.rule_path(i)
    }

    fn key_path(&self, key: &str) -> String {
        format!("{}.{key}", self.root())
    }

    fn default_path(&self) -> String {
        if self.profile.default_errno.is_some() {
            self.key_path("defaultErrno")
        } else if self.profile.default_errno_ret.is_some() {
            self.key_path("defaultErrnoRet")
        } else {
            self.key_path("defaultAction")
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, hit: Hit) {
        let Hit {
            rule,
            severity,
            path,
            syscall,
            arch,
            message,
            why,
            fix,
        } = hit;
        self.raw.push(Finding {
            id: rule.id,
            slug: rule.slug,
            severity,
            path,
            syscall,
            arch,
            message,
            why: why.unwrap_or_else(|| rule.why.to_string()),
            fix: fix.unwrap_or_else(|| rule.fix.to_string()),
        });
    }

    /// Merges findings that hold on every host into one without `arch`, removes duplicates and
    /// sorts.
    fn finish(self) -> Vec<Finding> {
        let hosts = self.hosts;
        let mut groups: Vec<(Finding, BTreeSet<Option<Arch>>)> = Vec::new();
        for f in self.raw {
            let mut key = f.clone();
            key.arch = None;
            match groups.iter_mut().find(|(g, _)| *g == key) {
                Some((_, arches)) => {
                    arches.insert(f.arch);
                }
                None => groups.push((key, BTreeSet::from([f.arch]))),
            }
        }
        let mut out = Vec::new();
        for (f, arches) in groups {
            let on_all = arches.contains(&None)
                || (!is_host_specific(f.id) && hosts.iter().all(|h| arches.contains(&Some(*h))));
            if on_all {
                out.push(f);
            } else {
                for a in arches.into_iter().flatten() {
                    out.push(Finding {
                        arch: Some(a),
                        ..f.clone()
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then_with(|| natural_cmp(&a.path, &b.path))
                .then_with(|| a.id.cmp(b.id))
                .then_with(|| a.syscall.cmp(&b.syscall))
                .then_with(|| a.arch.cmp(&b.arch))
                .then_with(|| a.message.cmp(&b.message))
        });
        out
    }
}

/// Findings whose arch names the host even when only one host is checked (they are about that
/// host specifically).
fn is_host_specific(id: &str) -> bool {
    matches!(id, "JW401" | "JW402")
}

fn runtime_name(r: Runtime) -> String {
    match r.version {
        Some(_) => r.to_string(),
        None => match r.kind {
            RuntimeKind::Runc => "runc".into(),
            RuntimeKind::Crun => "crun".into(),
            RuntimeKind::Oci => "the runtime".into(),
        },
    }
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn join_arches(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn conds_text(r: &PolicyRule) -> String {
    if r.conds.is_empty() {
        return "always".into();
    }
    r.conds
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" && ")
}

/// Arguments on which both rules' conditions hold, if any.
fn overlap(a: &PolicyRule, b: &PolicyRule, is64: bool) -> Option<[u64; 6]> {
    let mut conds = a.conds.clone();
    conds.extend(b.conds.iter().copied());
    argument_vectors(&conds, is64)
        .into_iter()
        .find(|args| a.matches(args) && b.matches(args))
}

/// Whether a clone rule tests the namespace bits of the flags argument (arg0, arg1 on s390):
/// a MASKED_EQ whose mask covers CLONE_NEWUSER and the other namespace bits and requires them
/// clear, or an EQ on a value without them.
fn tests_clone_flags(r: &PolicyRule) -> bool {
    r.conds.iter().any(|c| {
        c.arg <= 1
            && match c.op {
                Op::MaskedEq => {
                    c.value & CLONE_NS_MASK == CLONE_NS_MASK && c.value_two & CLONE_NS_MASK == 0
                }
                Op::Eq => c.value & CLONE_NS_MASK == 0,
                _ => false,
            }
    })
}

fn same_context(a: &SyscallRule, b: &SyscallRule) -> bool {
    fn norm(f: &Option<Filter>) -> Option<&Filter> {
        f.as_ref().filter(|f| !f.is_empty())
    }
    fn conds(r: &SyscallRule) -> Vec<(u8, Op, u64, u64)> {
        r.conditions()
            .iter()
            .map(|c| (c.index, c.op, c.value, c.value_two.unwrap_or(0)))
            .collect()
    }
    a.action() == b.action()
        && conds(a) == conds(b)
        && norm(&a.includes) == norm(&b.includes)
        && norm(&a.excludes) == norm(&b.excludes)
}

/// An estimate of the BPF program libseccomp (linear layout, as runc < 1.2 and crun use) would
/// generate for `policy`: per ABI an arch check and number load, one comparison per syscall
/// that has rules, and for argument rules one block per rule with two instructions per
/// comparison on 32-bit ABIs and four on 64-bit ones (high and low words); shared returns;
/// runc's ENOSYS stub. Within about 10% of libseccomp on the catalogue.
pub fn estimate_instructions(policy: &Policy) -> usize {
    let mut n = 0usize;
    let mut actions: BTreeSet<Action> = BTreeSet::new();
    actions.insert(policy.default);
    actions.insert(policy.bad_arch);
    for ap in &policy.arches {
        n += 3;
        if ap.arch == Arch::X86_64 || ap.arch == Arch::X32 {
            n += 2;
        }
        if ap.enosys_above.is_some() {
            n += 3;
            actions.insert(Action::Errno(38));
        }
        let per_cond = if ap.arch.is_64bit_args() { 4 } else { 2 };
        for sp in ap.syscalls.values() {
            if sp.rules.is_empty() {
                continue;
            }
            n += 1;
            if sp.unconditional().is_some() {
                actions.extend(sp.rules.iter().map(|r| r.action));
                continue;
            }
            for r in &sp.rules {
                n += 1 + per_cond * r.conds.len();
                actions.insert(r.action);
            }
        }
    }
    n + actions.len()
}

/// Compares JSON paths with their numbers as numbers (`[2]` before `[10]`).
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let i = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let j = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (nx, ny) = (&x[..i], &y[..j]);
                let nx = trim_zeros(nx);
                let ny = trim_zeros(ny);
                let ord = nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[i..];
                y = &y[j..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let k = s.iter().take_while(|c| **c == b'0').count();
    &s[k.min(s.len().saturating_sub(1))..]
}

/// The rule description for an id (`JW101`), if it exists.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id) || r.slug == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_paths() {
        assert_eq!(
            natural_cmp("$.syscalls[2]", "$.syscalls[10]"),
            Ordering::Less
        );
        assert_eq!(
            natural_cmp("$.syscalls[10].names[1]", "$.syscalls[10].names[0]"),
            Ordering::Greater
        );
        assert_eq!(natural_cmp("$", "$.archMap"), Ordering::Less);
        assert_eq!(natural_cmp("$.a[007]", "$.a[7]"), Ordering::Equal);
    }

    #[test]
    fn rule_ids_are_unique_and_ordered() {
        for w in RULES.windows(2) {
            assert!(w[0].id < w[1].id, "{} then {}", w[0].id, w[1].id);
        }
        let slugs: BTreeSet<&str> = RULES.iter().map(|r| r.slug).collect();
        assert_eq!(slugs.len(), RULES.len());
    }

    #[test]
    fn needs_table_is_well_formed() {
        for n in RUNTIME_NEEDS {
            assert!(!n.syscalls.is_empty());
            assert!(!n.versions.is_empty());
            for (from, to) in n.versions {
                assert!(to.is_none_or(|to| *from <= to));
            }
            for s in n.syscalls {
                assert!(tables::all_names().any(|k| k == *s), "{s}");
            }
        }
    }
}

//! The comparison matrix: its counts are `stats`'s, and each cell is the policy's decision.

use jailwright_profile::catalogue::{self, groups};
use jailwright_profile::matrix::{matrix, Class};
use jailwright_profile::ops::stats_for;
use jailwright_profile::policy::Target;
use jailwright_profile::{tables, Arch, Profile};

fn tiers() -> Vec<(String, Profile)> {
    [
        "moderate",
        "debug",
        "mcp",
        "strict",
        "plugin",
        "docker-default",
    ]
    .iter()
    .map(|n| (n.to_string(), catalogue::lookup(n).unwrap().unwrap()))
    .collect()
}

#[test]
fn allowed_counts_are_stats_and_every_call_is_counted_once() {
    let tiers = tiers();
    let refs: Vec<(String, &Profile)> = tiers.iter().map(|(n, p)| (n.clone(), p)).collect();
    let arches = [Arch::X86_64, Arch::Aarch64, Arch::S390x];
    let target = Target::docker(Arch::X86_64);
    let m = matrix(&refs, &arches, &target);
    assert_eq!(m.groups.len(), groups().len());
    for (a, &arch) in arches.iter().enumerate() {
        let on_abi = tables::table(arch).unwrap().len();
        for (p, (name, profile)) in tiers.iter().enumerate() {
            let t = m.totals(a, p);
            assert_eq!(t.total(), on_abi, "{name} on {arch}");
            let stats = stats_for(profile, &target, Some(arch));
            assert_eq!(
                stats.unconditional_allows_per_arch,
                vec![(arch, t.allowed)],
                "{name} on {arch}"
            );
        }
    }
}

#[test]
fn cells_say_the_decision_the_rule_and_the_capability_gate() {
    let tiers = tiers();
    let refs: Vec<(String, &Profile)> = tiers.iter().map(|(n, p)| (n.clone(), p)).collect();
    let m = matrix(&refs, &[Arch::X86_64], &Target::docker(Arch::X86_64));
    let cell = |group: &str, call: &str, profile: usize| {
        let g = m.groups.iter().find(|g| g.id == group).unwrap();
        let s = g.syscalls.iter().find(|s| s.name == call).unwrap();
        s.cells[m.index(0, profile)].clone().unwrap()
    };
    // ptrace: refused by moderate (the default action), allowed by debug.
    let c = cell("tracing-and-debugging", "ptrace", 0);
    assert_eq!(c.class, Class::Denied);
    assert!(c.rule.starts_with("the default action"), "{}", c.rule);
    assert_eq!(
        cell("tracing-and-debugging", "ptrace", 1).class,
        Class::Allowed
    );
    // docker-default allows mount only with CAP_SYS_ADMIN, which Docker's set lacks: a
    // capability-gated call is conditional, and the cell names the gate.
    let c = cell("namespaces-and-mounts", "mount", 5);
    assert_eq!(c.class, Class::Conditional, "{c:?}");
    assert!(
        c.gate
            .as_deref()
            .is_some_and(|g| g.contains("CAP_SYS_ADMIN")),
        "{c:?}"
    );
    // plugin's openat: allowed only without setuid bits in the mode.
    let c = cell("file-io", "openat", 4);
    assert_eq!(c.class, Class::Conditional);
    assert!(c.rule.starts_with("$.syscalls["), "{}", c.rule);
}

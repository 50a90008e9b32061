//! The check by decision: the rebased profile decides, syscall by syscall, as the custom
//! profile where the user changed the decision, as the new base where upstream changed it,
//! and as the old base elsewhere.

use crate::arch::Arch;
use crate::caps::{CapSet, CAPABILITIES};
use crate::dialect::Profile;
use crate::diff::argument_vectors;
use crate::policy::{resolve, Cond, Decision, Policy, Reason, Target};
use crate::tables;

/// The targets decisions are compared on: Docker on x86_64 and on aarch64, and x86_64 with
/// every capability (so that capability-gated rules are seen too).
pub fn targets() -> Vec<Target> {
    let mut all = Target::docker(Arch::X86_64);
    all.caps = CapSet::from_names(CAPABILITIES).unwrap_or_else(|_| CapSet::docker_default());
    vec![
        Target::docker(Arch::X86_64),
        Target::docker(Arch::Aarch64),
        all,
    ]
}

/// Whether two decisions are the same for a rebase: the same action, or both left to the
/// profile's default (or runc's stub), whatever the defaults are (the default action is a
/// field of its own).
pub fn same(a: &Decision, b: &Decision) -> bool {
    let fallback = |d: &Decision| matches!(d.reason, Reason::Default | Reason::EnosysStub { .. });
    a.action == b.action || (fallback(a) && fallback(b))
}

/// The decision the rebased profile owes, given the three inputs' decisions; `None` where
/// both sides changed it differently (no decision is owed).
pub fn owed<'a>(b: &'a Decision, o: &'a Decision, t: &'a Decision) -> Option<&'a Decision> {
    match (same(o, b), same(t, b)) {
        (true, true) => Some(b),
        (false, true) => Some(o),
        (true, false) => Some(t),
        (false, false) => same(o, t).then_some(o),
    }
}

/// The names in `names` on which `out` does not decide as owed, each with the first place
/// it does not, in words.
pub(super) fn check(
    base: &Profile,
    ours: &Profile,
    theirs: &Profile,
    out: &Profile,
    names: &[String],
) -> Vec<(String, String)> {
    let mut failed: Vec<(String, String)> = Vec::new();
    if names.is_empty() {
        return failed;
    }
    for target in targets() {
        let policies = [base, ours, theirs, out].map(|p| resolve(p, &target));
        for name in names {
            if failed.iter().any(|(n, _)| n == name) {
                continue;
            }
            if let Some(why) = first_miss(&policies, name) {
                failed.push((name.clone(), why));
            }
        }
    }
    failed
}

/// Where `name` is not decided as owed, on the ABIs all four policies cover.
fn first_miss(policies: &[Policy; 4], name: &str) -> Option<String> {
    let [b, o, t, out] = policies;
    for ap in &out.arches {
        let arch = ap.arch;
        if [b, o, t].iter().any(|p| p.arch(arch).is_none()) {
            continue;
        }
        let Some(nr) = tables::table(arch).and_then(|tb| tb.lookup(name)) else {
            continue;
        };
        let conds: Vec<Cond> = policies
            .iter()
            .filter_map(|p| p.arch(arch).and_then(|a| a.syscalls.get(&nr)))
            .flat_map(|sp| sp.rules.iter().flat_map(|r| r.conds.iter().copied()))
            .collect();
        for args in argument_vectors(&conds, arch.is_64bit_args()) {
            let [db, dob, dt, dout] = policies.each_ref().map(|p| p.decide(arch, nr, &args));
            let miss = match owed(&db, &dob, &dt) {
                None => format!(
                    "on {arch} (host {}) with args {args:x?} the custom profile returns {} and the new base {}",
                    out.host, dob.action, dt.action
                ),
                Some(want) if !same(&dout, want) => format!(
                    "on {arch} (host {}) with args {args:x?} it would return {} where {} is owed",
                    out.host, dout.action, want.action
                ),
                Some(_) => continue,
            };
            return Some(miss);
        }
    }
    None
}

//! Differences in decisions between two policies, not in text.
//!
//! Two policies are compared syscall by syscall on every ABI either covers. Where a decision
//! depends on arguments, both are evaluated on the "interesting values" of every condition
//! either side has (each value and its neighbours, mask boundaries, 0 and the maximum), which
//! is exact for the comparisons seccomp can express: between consecutive interesting values
//! no condition changes its truth.

use std::collections::BTreeSet;

use crate::action::{Action, Op};
use crate::arch::Arch;
use crate::policy::{ArchPolicy, Cond, Policy, Reason};
use crate::tables;

/// How one side treats one syscall, in words.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Treatment {
    /// e.g. "ALLOW always", "ERRNO(EPERM) (default)", "ALLOW when arg0 == 0x0; else ERRNO(EPERM)".
    pub summary: String,
}

/// One syscall whose decisions differ.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// The ABI.
    pub arch: Arch,
    /// The syscall (or `nr N` when the table has no name).
    pub syscall: String,
    /// The number.
    pub nr: u32,
    /// Side A.
    pub a: Treatment,
    /// Side B.
    pub b: Treatment,
    /// Arguments where they differ, and the two actions there.
    pub example: ([u64; 6], Action, Action),
}

/// Differences that are about a whole ABI.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ArchDifference {
    /// The ABI.
    pub arch: Arch,
    /// Whether A and B cover it.
    pub in_a: bool,
    /// Whether B covers it.
    pub in_b: bool,
}

/// The result of comparing two policies.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PolicyDiff {
    /// Per-syscall differences.
    pub syscalls: Vec<Difference>,
    /// ABIs only one side covers.
    pub arches: Vec<ArchDifference>,
    /// Syscall numbers compared (all ABIs).
    pub compared: usize,
}

impl PolicyDiff {
    /// Whether the policies decide identically.
    pub fn is_empty(&self) -> bool {
        self.syscalls.is_empty() && self.arches.is_empty()
    }
}

/// Interesting values for conditions on one argument.
pub fn interesting_values(conds: &[Cond], is_64: bool) -> Vec<u64> {
    let mut v: BTreeSet<u64> = BTreeSet::new();
    let max = if is_64 { u64::MAX } else { u64::from(u32::MAX) };
    v.insert(0);
    v.insert(max);
    for c in conds {
        let vals = [c.value, c.value_two];
        for x in vals {
            v.insert(x & max);
            v.insert(x.wrapping_add(1) & max);
            v.insert(x.wrapping_sub(1) & max);
        }
        if c.op == Op::MaskedEq {
            v.insert(c.value_two | !c.value & max);
            v.insert((c.value_two ^ c.value) & max);
            v.insert(c.value & max);
            v.insert(c.value_two | (1u64 << 32) & max);
            // one bit of the mask flipped at a time
            for bit in 0..64 {
                if c.value & (1u64 << bit) != 0 {
                    v.insert((c.value_two ^ (1u64 << bit)) & max);
                }
            }
        }
        if is_64 {
            v.insert(c.value | 0xffff_ffff_0000_0000);
            v.insert(c.value & 0xffff_ffff);
            v.insert((c.value & 0xffff_ffff) | (1u64 << 32));
        }
    }
    v.into_iter().collect()
}

/// Argument vectors that exercise every condition of the given rule sets.
pub fn argument_vectors(conds: &[Cond], is_64: bool) -> Vec<[u64; 6]> {
    let mut per_arg: Vec<Vec<u64>> = vec![vec![0]; 6];
    for (i, slot) in per_arg.iter_mut().enumerate() {
        let cs: Vec<Cond> = conds
            .iter()
            .filter(|c| usize::from(c.arg) == i)
            .copied()
            .collect();
        if !cs.is_empty() {
            *slot = interesting_values(&cs, is_64);
        }
    }
    let total: usize = per_arg.iter().map(Vec::len).product();
    let mut out = Vec::new();
    if total <= 20_000 {
        let mut idx = [0usize; 6];
        loop {
            out.push(std::array::from_fn(|i| per_arg[i][idx[i]]));
            let mut k = 0;
            loop {
                if k == 6 {
                    return out;
                }
                idx[k] += 1;
                if idx[k] < per_arg[k].len() {
                    break;
                }
                idx[k] = 0;
                k += 1;
            }
        }
    }
    // too many combinations: vary one argument at a time over its values, others at each of
    // their values' first few
    for i in 0..6 {
        for &x in &per_arg[i] {
            for base in 0..per_arg.iter().map(Vec::len).max().unwrap_or(1).min(8) {
                let mut a: [u64; 6] = std::array::from_fn(|j| per_arg[j][base % per_arg[j].len()]);
                a[i] = x;
                out.push(a);
            }
        }
    }
    out
}

pub(crate) fn describe(ap: Option<&ArchPolicy>, nr: u32, default: Action) -> String {
    let Some(ap) = ap else {
        return "not in the filter".into();
    };
    match ap.syscalls.get(&nr) {
        Some(sp) if !sp.rules.is_empty() => {
            if let Some(a) = sp.unconditional() {
                return format!("{a} always");
            }
            let mut parts: Vec<String> = sp
                .rules
                .iter()
                .map(|r| {
                    let conds: Vec<String> = r.conds.iter().map(ToString::to_string).collect();
                    format!("{} when {}", r.action, conds.join(" && "))
                })
                .collect();
            parts.push(format!("else {}", fallback(ap, nr, default)));
            parts.join("; ")
        }
        _ => format!(
            "{} ({})",
            ap.decide(nr, &[0; 6], default).action,
            fallback_reason(ap, nr)
        ),
    }
}

fn fallback(ap: &ArchPolicy, nr: u32, default: Action) -> String {
    match ap.enosys_above {
        Some(above) if nr > above => "ERRNO(ENOSYS) (runc stub)".into(),
        _ => format!("{default}"),
    }
}

fn fallback_reason(ap: &ArchPolicy, nr: u32) -> &'static str {
    match ap.enosys_above {
        Some(above) if nr > above => "runc stub",
        _ => "default",
    }
}

/// Compares two policies decision by decision.
pub fn diff(a: &Policy, b: &Policy) -> PolicyDiff {
    let mut out = PolicyDiff::default();
    let mut arches: Vec<Arch> = a.arches.iter().map(|x| x.arch).collect();
    for x in &b.arches {
        if !arches.contains(&x.arch) {
            arches.push(x.arch);
        }
    }
    for arch in arches {
        let (pa, pb) = (a.arch(arch), b.arch(arch));
        if pa.is_none() || pb.is_none() {
            out.arches.push(ArchDifference {
                arch,
                in_a: pa.is_some(),
                in_b: pb.is_some(),
            });
            continue;
        }
        let Some(table) = tables::table(arch) else {
            continue;
        };
        let is_64 = arch.is_64bit_args();
        let mut nrs: BTreeSet<u32> = table.iter().map(|(_, n)| n).collect();
        for p in [pa, pb].into_iter().flatten() {
            nrs.extend(p.syscalls.keys().copied());
            if let Some(above) = p.enosys_above {
                nrs.insert(above.saturating_add(1));
            }
        }
        nrs.insert(table.max_nr().saturating_add(1));
        nrs.insert(u32::MAX);
        for nr in nrs {
            out.compared += 1;
            let mut conds: Vec<Cond> = Vec::new();
            for p in [pa, pb].into_iter().flatten() {
                if let Some(sp) = p.syscalls.get(&nr) {
                    conds.extend(sp.rules.iter().flat_map(|r| r.conds.iter().copied()));
                }
            }
            let vectors = argument_vectors(&conds, is_64);
            let found = vectors.iter().find_map(|args| {
                let da = a.decide(arch, nr, args);
                let db = b.decide(arch, nr, args);
                (da.action != db.action).then_some((*args, da.action, db.action))
            });
            if let Some(example) = found {
                out.syscalls.push(Difference {
                    arch,
                    syscall: table
                        .name(nr)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("nr {nr}")),
                    nr,
                    a: Treatment {
                        summary: describe(pa, nr, a.default),
                    },
                    b: Treatment {
                        summary: describe(pb, nr, b.default),
                    },
                    example,
                });
            }
        }
    }
    out
}

/// Whether a reason came from the ENOSYS stub (used by renderers).
pub fn is_stub(r: Reason) -> bool {
    matches!(r, Reason::EnosysStub { .. })
}

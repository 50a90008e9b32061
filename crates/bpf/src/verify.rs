//! The equivalence checker: runs a compiled program in the emulator on generated inputs and
//! compares every answer with [`Policy::decide_raw`] (after the compile options' bad-arch
//! action and notify rewrite).
//!
//! Inputs, per ABI token of the policy:
//! - every syscall number of each ABI's table spans plus 16 past the end, every number a
//!   rule names and its neighbours, the stub boundary and its neighbours, and the edges of
//!   the number space (0, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xbfffffff,
//!   0xc0000000, -2, -1); on the x86_64 token also every x32 number (bit 0x40000000) whether
//!   or not x32 is in the filter;
//! - for argument-checked syscalls, the *interesting values* of each condition (0, 1,
//!   u64::MAX, value-1, value, value+1, value_two and its neighbours, each with the other
//!   word's variations, the bits around a mask), each tried alone and on top of an
//!   assignment that satisfies the rule, so AND-ed conditions are exercised together;
//! - a few foreign arch tokens, which must get the bad-arch action.

use std::borrow::Cow;
use std::collections::BTreeSet;

use jailwright_profile::policy::{Cond, SyscallPolicy, X32_SYSCALL_BIT};
use jailwright_profile::{Action, Arch, Op, Policy};

use crate::disasm::{disassemble, ret_name};
use crate::emu::{self, Endian, SeccompData};
use crate::insn::Program;
use crate::options::{abi_for, table_spans, CompileOptions};

/// A program that does not decide like its policy.
#[derive(Debug, thiserror::Error)]
#[error("internal error: the compiled filter disagrees with the policy for {abi} (token {token:#x}) syscall {nr} ({name}) args {args:#x?}: the policy says {expected}, the program returns {got}\n{disassembly}")]
pub struct VerifyError {
    /// The ABI name (or `foreign`).
    pub abi: String,
    /// The `AUDIT_ARCH` token.
    pub token: u32,
    /// The number.
    pub nr: u32,
    /// The syscall's name on that ABI, or `?`.
    pub name: String,
    /// The arguments.
    pub args: [u64; 6],
    /// What the policy decides.
    pub expected: Action,
    /// What the program returned (`ERRNO(1)`, or a raw value).
    pub got: String,
    /// The program's disassembly.
    pub disassembly: String,
}

fn interesting(c: &Cond, out: &mut BTreeSet<u64>) {
    let v = c.value;
    let t = c.value_two;
    let words = |x: u64, out: &mut BTreeSet<u64>| {
        let (hi, lo) = (x >> 32, x & 0xffff_ffff);
        for h in [
            hi,
            hi.wrapping_add(1) & 0xffff_ffff,
            hi.wrapping_sub(1) & 0xffff_ffff,
            0,
            0xffff_ffff,
        ] {
            for l in [lo, (lo + 1) & 0xffff_ffff, lo.wrapping_sub(1) & 0xffff_ffff] {
                out.insert(h << 32 | l);
            }
        }
    };
    for x in [0, 1, u64::MAX, v, v.wrapping_sub(1), v.wrapping_add(1)] {
        out.insert(x);
    }
    words(v, out);
    if c.op == Op::MaskedEq {
        words(t, out);
        out.insert(t | !v);
        out.insert(v | t);
        out.insert(!v);
        if v != 0 {
            let low = v & v.wrapping_neg();
            let high = 1u64 << (63 - v.leading_zeros());
            out.insert(t ^ low);
            out.insert(t ^ high);
            let hi_mask = v & 0xffff_ffff_0000_0000;
            if hi_mask != 0 {
                out.insert(t ^ (hi_mask & hi_mask.wrapping_neg()));
            }
        }
    }
}

/// The edges of the number space every check tries: where the x32 bit, the sign bit and -1
/// change what a filter must answer.
const EDGES: [u32; 10] = [
    0,
    0x3fff_ffff,
    0x4000_0000,
    0x4000_0001,
    0x7fff_ffff,
    0x8000_0000,
    0xbfff_ffff,
    0xc000_0000,
    u32::MAX - 1,
    u32::MAX,
];

/// The argument vectors [`arg_vectors`] gives a syscall no rule names.
pub const NO_RULE_VECTORS: [[u64; 6]; 2] = [[0; 6], [u64::MAX; 6]];

/// The argument vectors tried for one syscall's rules (just zeros and all-ones without
/// rules), sorted and without repeats. `wide`: the ABI has 64-bit arguments (the values are
/// the same either way; a 32-bit ABI's program must ignore the high words, which the vectors
/// vary too).
pub fn arg_vectors(sp: Option<&SyscallPolicy>, wide: bool) -> Vec<[u64; 6]> {
    vectors(sp, wide).into_owned()
}

/// [`arg_vectors`] without an allocation for the common case: a syscall whose rules test no
/// argument (or that no rule names) gets [`NO_RULE_VECTORS`].
pub(crate) fn vectors(sp: Option<&SyscallPolicy>, wide: bool) -> Cow<'static, [[u64; 6]]> {
    let _ = wide;
    let Some(sp) = sp.filter(|sp| sp.rules.iter().any(|r| !r.conds.is_empty())) else {
        return Cow::Borrowed(&NO_RULE_VECTORS);
    };
    let mut out: Vec<[u64; 6]> = NO_RULE_VECTORS.to_vec();
    let mut cands: [BTreeSet<u64>; 6] = Default::default();
    for r in &sp.rules {
        for c in &r.conds {
            interesting(c, &mut cands[usize::from(c.arg) % 6]);
        }
    }
    let mut bases = vec![[0u64; 6]];
    for r in &sp.rules {
        let mut base = [0u64; 6];
        for (i, vals) in cands.iter().enumerate() {
            let conds: Vec<&Cond> = r.conds.iter().filter(|c| usize::from(c.arg) == i).collect();
            if let Some(v) = std::iter::once(0)
                .chain(vals.iter().copied())
                .find(|&v| conds.iter().all(|c| c.holds(v)))
            {
                base[i] = v;
            }
        }
        bases.push(base);
    }
    // Equal bases give equal vectors.
    bases.sort_unstable();
    bases.dedup();
    let per_base = 1 + cands.iter().map(BTreeSet::len).sum::<usize>();
    out.reserve(bases.len() * per_base);
    for base in bases {
        out.push(base);
        for (i, vals) in cands.iter().enumerate() {
            for &v in vals {
                let mut a = base;
                a[i] = v;
                out.push(a);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Cow::Owned(out)
}

/// Checks `program` against `policy` on the generated inputs; returns how many it ran.
pub fn verify(
    program: &Program,
    policy: &Policy,
    options: &CompileOptions,
    endian: Endian,
) -> Result<usize, Box<VerifyError>> {
    emu::check(program).map_err(|e| {
        Box::new(VerifyError {
            abi: "-".into(),
            token: 0,
            nr: 0,
            name: "-".into(),
            args: [0; 6],
            expected: Action::KillProcess,
            got: format!("an invalid program: {e}"),
            disassembly: disassemble(program, endian),
        })
    })?;
    let mut tokens: Vec<u32> = Vec::new();
    for ap in &policy.arches {
        let t = ap.arch.audit_arch();
        if !tokens.contains(&t) {
            tokens.push(t);
        }
    }
    let mut inputs = 0;
    for &token in &tokens {
        let mut nrs: Vec<u32> = EDGES.to_vec();
        let add_span = |a: u32, b: u32, nrs: &mut Vec<u32>| {
            nrs.extend(a.saturating_sub(1)..=b.saturating_add(16));
        };
        for ap in policy
            .arches
            .iter()
            .filter(|a| a.arch.audit_arch() == token)
        {
            for (a, b) in table_spans(ap.arch) {
                add_span(a, b, &mut nrs);
            }
            for &nr in ap.syscalls.keys() {
                nrs.extend([nr.saturating_sub(1), nr, nr.saturating_add(1)]);
            }
            if let Some(a) = ap.enosys_above {
                nrs.extend([a.saturating_sub(1), a, a.saturating_add(1)]);
            }
        }
        if token == Arch::X86_64.audit_arch() {
            for (a, b) in table_spans(Arch::X32) {
                add_span(a, b, &mut nrs);
            }
        }
        nrs.sort_unstable();
        nrs.dedup();
        for nr in nrs {
            let abi = abi_for(policy, options, token, nr).ok();
            let sp = abi.and_then(|ap| ap.syscalls.get(&nr));
            let wide = abi.is_some_and(|ap| ap.arch.is_64bit_args());
            for &args in vectors(sp, wide).iter() {
                inputs += 1;
                check_one(
                    program,
                    policy,
                    options,
                    endian,
                    token,
                    nr,
                    args,
                    abi.map(|a| a.arch),
                )?;
            }
        }
    }
    let foreign: Vec<u32> = Arch::ALL
        .iter()
        .map(|a| a.audit_arch())
        .chain([0, 1, u32::MAX, 0x1234_5678])
        .filter(|t| !tokens.contains(t))
        .collect();
    for token in foreign {
        for nr in [0, 1, 59, X32_SYSCALL_BIT | 1, u32::MAX] {
            inputs += 1;
            check_one(program, policy, options, endian, token, nr, [0; 6], None)?;
        }
    }
    Ok(inputs)
}

#[allow(clippy::too_many_arguments)]
fn check_one(
    program: &Program,
    policy: &Policy,
    options: &CompileOptions,
    endian: Endian,
    token: u32,
    nr: u32,
    args: [u64; 6],
    abi: Option<Arch>,
) -> Result<(), Box<VerifyError>> {
    let expected = options.expected(policy, token, nr, &args);
    let got = emu::run_unchecked(program, &SeccompData::new(token, nr, args), endian);
    if got == expected.ret_value() {
        return Ok(());
    }
    let name = abi
        .and_then(jailwright_profile::tables::table)
        .and_then(|t| t.name(nr))
        .unwrap_or("?")
        .to_string();
    Err(Box::new(VerifyError {
        abi: abi.map_or_else(|| "foreign".to_string(), |a| a.to_string()),
        token,
        nr,
        name,
        args,
        expected,
        got: ret_name(got),
        disassembly: disassemble(program, endian),
    }))
}

/// Where two programs answer a call differently.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// The ABI the call belongs to (`x86_64`, `x32`, `x86`), or `foreign`.
    pub abi: String,
    /// The `AUDIT_ARCH` token.
    pub token: u32,
    /// The raw number (x32 with its bit).
    pub nr: u32,
    /// The syscall's name on that ABI, or `?`.
    pub name: String,
    /// The arguments.
    pub args: [u64; 6],
    /// What the first program returns.
    pub a: String,
    /// What the second program returns.
    pub b: String,
}

/// Two programs run on the same inputs: how many, and where they answered differently.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Comparison {
    /// Inputs run on both.
    pub inputs: usize,
    /// The inputs where the answers differ, in input order.
    pub differences: Vec<Difference>,
}

/// Runs `a` and `b` on every number of each ABI in `abis` (their table spans plus 16, with
/// x32 numbers carrying their bit on the x86_64 token, and the edges of the number space), on
/// the argument vectors the rules of `policy` make interesting for that number (zeros and
/// all-ones elsewhere), and on a few foreign tokens; returns where they differ. `policy` only
/// chooses the argument vectors: neither program is assumed to implement it. Programs that
/// fail the kernel's checks give one difference each, with the reason in place of an answer.
pub fn compare(
    a: &Program,
    b: &Program,
    policy: &Policy,
    abis: &[Arch],
    endian: Endian,
) -> Comparison {
    let mut out = Comparison::default();
    for (p, name) in [(a, "a"), (b, "b")] {
        if let Err(e) = emu::check(p) {
            out.differences.push(Difference {
                abi: "-".into(),
                token: 0,
                nr: 0,
                name: "-".into(),
                args: [0; 6],
                a: if name == "a" {
                    format!("invalid: {e}")
                } else {
                    String::new()
                },
                b: if name == "b" {
                    format!("invalid: {e}")
                } else {
                    String::new()
                },
            });
        }
    }
    if !out.differences.is_empty() {
        return out;
    }
    let mut run = |token: u32, nr: u32, abi: Option<Arch>, args: [u64; 6]| {
        out.inputs += 1;
        let data = SeccompData::new(token, nr, args);
        let (ra, rb) = (
            emu::run_unchecked(a, &data, endian),
            emu::run_unchecked(b, &data, endian),
        );
        if ra != rb {
            let name = abi
                .and_then(jailwright_profile::tables::table)
                .and_then(|t| t.name(nr))
                .unwrap_or("?");
            out.differences.push(Difference {
                abi: abi.map_or_else(|| "foreign".into(), |x| x.to_string()),
                token,
                nr,
                name: name.to_string(),
                args,
                a: ret_name(ra),
                b: ret_name(rb),
            });
        }
    };
    for &abi in abis {
        let token = abi.audit_arch();
        let mut nrs: Vec<u32> = EDGES.to_vec();
        for (first, last) in table_spans(abi) {
            nrs.extend(first.saturating_sub(1)..=last.saturating_add(16));
        }
        nrs.sort_unstable();
        nrs.dedup();
        let ap = policy.arch(abi);
        for nr in nrs {
            let sp = ap.and_then(|ap| ap.syscalls.get(&nr));
            for &args in vectors(sp, abi.is_64bit_args()).iter() {
                run(token, nr, Some(abi), args);
            }
        }
    }
    let tokens: Vec<u32> = abis.iter().map(|a| a.audit_arch()).collect();
    let foreign = Arch::ALL
        .iter()
        .map(|a| a.audit_arch())
        .chain([0, 1, u32::MAX, 0x1234_5678])
        .filter(|t| !tokens.contains(t));
    for token in foreign.collect::<BTreeSet<u32>>() {
        for nr in [0, 1, 59, X32_SYSCALL_BIT | 1, u32::MAX] {
            run(token, nr, None, [0; 6]);
        }
    }
    out
}

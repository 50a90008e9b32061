//! The bytecode the code generator emits before layout, and the optimizer passes over it.
//!
//! [`Ir`] is classic BPF with *absolute* jump targets and no range limit: jumps only go
//! forward (target > own index), `Ld`/`And` fall through to the next instruction. Each pass
//! is a function `fn(&mut Vec<Ir>) -> bool` that returns whether it changed anything;
//! [`optimize`] runs them all until none does. [`lower`] then lays the code out as a
//! [`Program`], turning jumps longer than 255 into a copy of the target `ret` (free on the
//! path) or a `ja` trampoline.

use crate::hash::FastMap;
use crate::insn::{op, Insn, Program};

/// A comparison a conditional jump makes between A and the constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Jop {
    /// `A == k`
    Eq,
    /// `A > k`
    Gt,
    /// `A >= k`
    Ge,
    /// `A & k != 0`
    Set,
}

impl Jop {
    /// Evaluates the comparison.
    pub fn eval(self, a: u32, k: u32) -> bool {
        match self {
            Jop::Eq => a == k,
            Jop::Gt => a > k,
            Jop::Ge => a >= k,
            Jop::Set => a & k != 0,
        }
    }

    fn code(self) -> u16 {
        match self {
            Jop::Eq => op::JEQ,
            Jop::Gt => op::JGT,
            Jop::Ge => op::JGE,
            Jop::Set => op::JSET,
        }
    }

    /// What `A <op2> k2` must be, knowing that `A <self> k` was `taken`; `None` if unknown.
    pub fn implies(self, k: u32, taken: bool, op2: Jop, k2: u32) -> Option<bool> {
        // Normalise the fact to an interval [lo, hi] when possible.
        let interval = match (self, taken) {
            (Jop::Eq, true) => Some((k, k)),
            (Jop::Ge, true) => Some((k, u32::MAX)),
            (Jop::Ge, false) => k.checked_sub(1).map(|h| (0, h)),
            (Jop::Gt, true) => k.checked_add(1).map(|l| (l, u32::MAX)),
            (Jop::Gt, false) => Some((0, k)),
            _ => None,
        };
        if let Some((lo, hi)) = interval {
            if lo == hi {
                return Some(op2.eval(lo, k2));
            }
            return match op2 {
                Jop::Eq if k2 < lo || k2 > hi => Some(false),
                Jop::Ge if lo >= k2 => Some(true),
                Jop::Ge if hi < k2 => Some(false),
                Jop::Gt if lo > k2 => Some(true),
                Jop::Gt if hi <= k2 => Some(false),
                _ => None,
            };
        }
        match (self, taken, op2) {
            (Jop::Eq, false, Jop::Eq) if k == k2 => Some(false),
            (Jop::Set, true, Jop::Set) if k & !k2 == 0 && k != 0 => Some(true),
            (Jop::Set, true, Jop::Eq) if k2 & k == 0 => Some(false),
            (Jop::Set, false, Jop::Set) if k2 & !k == 0 => Some(false),
            (Jop::Set, false, Jop::Eq) if k2 & k != 0 => Some(false),
            _ => None,
        }
    }
}

/// One instruction with absolute jump targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ir {
    /// `ld [k]`
    Ld(u32),
    /// `and #k`
    And(u32),
    /// `j<op> #k` to `jt` if true, `jf` if false.
    Jmp {
        /// The comparison.
        op: Jop,
        /// The constant.
        k: u32,
        /// Target when true.
        jt: usize,
        /// Target when false.
        jf: usize,
    },
    /// `ja` to the target.
    Ja(usize),
    /// `ret #k`
    Ret(u32),
}

impl Ir {
    fn targets_mut(&mut self) -> impl Iterator<Item = &mut usize> {
        let (a, b) = match self {
            Ir::Jmp { jt, jf, .. } => (Some(jt), Some(jf)),
            Ir::Ja(t) => (Some(t), None),
            _ => (None, None),
        };
        a.into_iter().chain(b)
    }

    /// The instructions that may run next.
    fn succs(&self, i: usize) -> impl Iterator<Item = usize> {
        let (s, n) = match *self {
            Ir::Ld(_) | Ir::And(_) => ([i + 1, 0], 1),
            Ir::Jmp { jt, jf, .. } => ([jt, jf], 2),
            Ir::Ja(t) => ([t, 0], 1),
            Ir::Ret(_) => ([0, 0], 0),
        };
        s.into_iter().take(n)
    }
}

/// Removes the instructions not in `keep`; a jump to a removed one goes to the next kept one
/// (only valid for removed instructions that are no-ops or unreachable).
fn compact(code: &mut Vec<Ir>, keep: &[bool]) -> bool {
    if keep.iter().all(|k| *k) {
        return false;
    }
    let mut map = vec![0usize; code.len() + 1];
    let mut next = keep.iter().filter(|k| **k).count();
    map[code.len()] = next;
    for i in (0..code.len()).rev() {
        if keep[i] {
            next -= 1;
        }
        map[i] = next;
    }
    let mut out = Vec::with_capacity(map[0]);
    for (i, ins) in code.iter().enumerate() {
        if keep[i] {
            let mut ins = *ins;
            ins.targets_mut().for_each(|t| *t = map[*t]);
            out.push(ins);
        }
    }
    *code = out;
    true
}

/// Jump threading: a jump to a `ja` goes straight to its target; a conditional jump to a
/// comparison whose outcome it already knows goes straight to that outcome; a conditional
/// jump with both targets equal becomes `ja`; a `ja` to a `ret` becomes that `ret`.
pub fn thread_jumps(code: &mut [Ir]) -> bool {
    let mut changed = false;
    for i in (0..code.len()).rev() {
        let resolve = |mut t: usize, fact: Option<(Jop, u32, bool)>, code: &[Ir]| -> usize {
            loop {
                match code[t] {
                    Ir::Ja(x) => t = x,
                    Ir::Jmp { op, k, jt, jf } => {
                        match fact.and_then(|(o, kk, tk)| o.implies(kk, tk, op, k)) {
                            Some(true) => t = jt,
                            Some(false) => t = jf,
                            None => return t,
                        }
                    }
                    _ => return t,
                }
            }
        };
        let new = match code[i] {
            Ir::Jmp { op, k, jt, jf } => {
                let jt = resolve(jt, Some((op, k, true)), code);
                let jf = resolve(jf, Some((op, k, false)), code);
                if jt == jf {
                    Ir::Ja(jt)
                } else {
                    Ir::Jmp { op, k, jt, jf }
                }
            }
            Ir::Ja(t) => {
                let t = resolve(t, None, code);
                match code[t] {
                    Ir::Ret(v) => Ir::Ret(v),
                    _ => Ir::Ja(t),
                }
            }
            other => other,
        };
        if new != code[i] {
            code[i] = new;
            changed = true;
        }
    }
    changed
}

/// Dead code: removes instructions no path reaches and `ja` to the next instruction.
pub fn remove_dead(code: &mut Vec<Ir>) -> bool {
    let mut reach = vec![false; code.len()];
    if !code.is_empty() {
        reach[0] = true;
    }
    for i in 0..code.len() {
        if reach[i] {
            for s in code[i].succs(i) {
                reach[s] = true;
            }
        }
    }
    let mut keep = reach;
    for (i, ins) in code.iter().enumerate() {
        if let Ir::Ja(t) = *ins {
            // Everything between is dead, so the jump is a no-op.
            if keep[i] && keep[i + 1..t].iter().all(|k| !*k) {
                keep[i] = false;
            }
        }
    }
    compact(code, &keep)
}

/// Redundant loads: removes `ld [k]` where A already holds word `k` on every path.
pub fn eliminate_loads(code: &mut Vec<Ir>) -> bool {
    // None: unknown yet (no predecessor seen); Some(None): unknown value; Some(Some(k)).
    let mut state: Vec<Option<Option<u32>>> = vec![None; code.len()];
    if !code.is_empty() {
        state[0] = Some(None);
    }
    let mut keep = vec![true; code.len()];
    for i in 0..code.len() {
        let here = state[i].unwrap_or(None);
        let out = match code[i] {
            Ir::Ld(k) => {
                if here == Some(k) {
                    keep[i] = false;
                }
                Some(k)
            }
            Ir::And(_) => None,
            _ => here,
        };
        for s in code[i].succs(i) {
            state[s] = Some(match state[s] {
                None => out,
                Some(prev) if prev == out => out,
                Some(_) => None,
            });
        }
    }
    compact(code, &keep)
}

/// Identical tails: jumps to an instruction go to the last instruction that behaves the
/// same (same operation, equivalent successors), so duplicates become dead.
#[allow(clippy::needless_range_loop)]
pub fn merge_tails(code: &mut [Ir]) -> bool {
    let n = code.len();
    let mut class = vec![0usize; n];
    let mut ids: FastMap<(u8, u32, u32, usize, usize), usize> = FastMap::default();
    let mut rep: Vec<usize> = Vec::new();
    for i in (0..n).rev() {
        let key = match code[i] {
            Ir::Ld(k) => (0, k, 0, class_of(&class, i + 1, n), 0),
            Ir::And(k) => (1, k, 0, class_of(&class, i + 1, n), 0),
            Ir::Jmp { op, k, jt, jf } => (2, k, op as u32, class[jt], class[jf]),
            Ir::Ja(t) => return_class(&class, t),
            Ir::Ret(k) => (4, k, 0, 0, 0),
        };
        let next = ids.len();
        let id = *ids.entry(key).or_insert(next);
        if id == rep.len() {
            rep.push(i);
        }
        class[i] = id;
    }
    let mut changed = false;
    for i in 0..n {
        let mut ins = code[i];
        for t in ins.targets_mut() {
            let r = rep[class[*t]];
            if r != *t && r > i {
                *t = r;
                changed = true;
            }
        }
        code[i] = ins;
    }
    changed
}

fn class_of(class: &[usize], i: usize, n: usize) -> usize {
    if i < n {
        class[i]
    } else {
        usize::MAX
    }
}

/// A `ja` behaves like its target: give it a key that makes it its target's twin only via
/// threading (it keeps its own class).
fn return_class(class: &[usize], t: usize) -> (u8, u32, u32, usize, usize) {
    (3, 0, 0, class[t], 0)
}

/// Runs every pass until none changes anything; returns the number of rounds.
pub fn optimize(code: &mut Vec<Ir>) -> usize {
    let mut rounds = 0;
    loop {
        rounds += 1;
        let mut changed = false;
        changed |= thread_jumps(code);
        changed |= remove_dead(code);
        changed |= eliminate_loads(code);
        changed |= merge_tails(code);
        changed |= remove_dead(code);
        if !changed || rounds >= 64 {
            return rounds;
        }
    }
}

/// How far (in instructions) a jump may be from the copy of its `ret` before a new copy is
/// placed; leaves room below the 255 limit of conditional jumps.
const POOL_DISTANCE: usize = 200;

/// Places `ret` instructions near their users: every `ret` is removed, and a copy of each
/// return value is emitted (after an instruction that never falls through) once the oldest
/// jump waiting for it is `POOL_DISTANCE` instructions behind, like an assembler's literal
/// pool. Shared returns stay shared within reach, and no jump to a return needs a
/// trampoline.
pub fn pool_rets(code: &[Ir]) -> Vec<Ir> {
    if code.is_empty() || matches!(code[0], Ir::Ret(_)) {
        return code.iter().take(1).copied().collect();
    }
    let mut out: Vec<Ir> = Vec::with_capacity(code.len());
    let mut map = vec![usize::MAX; code.len()];
    // (new index of the jump, which target: 0 = jt / ja, 1 = jf)
    let mut pending: Vec<(u32, Vec<(usize, u8)>)> = Vec::new();
    let mut patches: Vec<(usize, u8, usize)> = Vec::new();
    let flush = |out: &mut Vec<Ir>,
                 pending: &mut Vec<(u32, Vec<(usize, u8)>)>,
                 patches: &mut Vec<(usize, u8, usize)>,
                 all: bool| {
        let here = out.len();
        let mut i = 0;
        while i < pending.len() {
            let oldest = pending[i].1.iter().map(|r| r.0).min().unwrap_or(here);
            if all || here - oldest >= POOL_DISTANCE {
                let (v, refs) = pending.remove(i);
                let at = out.len();
                out.push(Ir::Ret(v));
                patches.extend(refs.into_iter().map(|(j, w)| (j, w, at)));
            } else {
                i += 1;
            }
        }
    };
    let refer = |pending: &mut Vec<(u32, Vec<(usize, u8)>)>, v: u32, r: (usize, u8)| match pending
        .iter_mut()
        .find(|p| p.0 == v)
    {
        Some(p) => p.1.push(r),
        None => pending.push((v, vec![r])),
    };
    for (i, ins) in code.iter().enumerate() {
        match *ins {
            Ir::Ret(_) => continue,
            Ir::Jmp { op, k, jt, jf } => {
                map[i] = out.len();
                let me = out.len();
                out.push(Ir::Jmp { op, k, jt, jf });
                if let Ir::Ret(v) = code[jt] {
                    refer(&mut pending, v, (me, 0));
                }
                if let Ir::Ret(v) = code[jf] {
                    refer(&mut pending, v, (me, 1));
                }
                flush(&mut out, &mut pending, &mut patches, false);
            }
            Ir::Ja(t) => {
                map[i] = out.len();
                let me = out.len();
                out.push(Ir::Ja(t));
                if let Ir::Ret(v) = code[t] {
                    refer(&mut pending, v, (me, 0));
                }
                flush(&mut out, &mut pending, &mut patches, false);
            }
            other => {
                map[i] = out.len();
                out.push(other);
            }
        }
    }
    flush(&mut out, &mut pending, &mut patches, true);
    // Remap the targets that are not returns from old to new indices.
    for ins in out.iter_mut() {
        match ins {
            Ir::Jmp { jt, jf, .. } => {
                for t in [jt, jf] {
                    if !matches!(code[*t], Ir::Ret(_)) {
                        *t = map[*t];
                    }
                }
            }
            Ir::Ja(t) if !matches!(code[*t], Ir::Ret(_)) => *t = map[*t],
            _ => {}
        }
    }
    for (j, which, at) in patches {
        match &mut out[j] {
            Ir::Jmp { jt, .. } if which == 0 => *jt = at,
            Ir::Jmp { jf, .. } => *jf = at,
            Ir::Ja(t) => *t = at,
            _ => unreachable!("only jumps wait for a return"),
        }
    }
    out
}

/// Lays the code out as a program: conditional jumps further than 255 instructions go
/// through a copy of the target when it is a `ret`, else through a `ja` placed right after.
pub fn lower(code: &[Ir]) -> Program {
    let n = code.len();
    // far[i] = (jt needs a trampoline, jf needs a trampoline)
    let mut far = vec![(false, false); n];
    let mut pos = vec![0usize; n + 1];
    loop {
        let mut p = 0;
        for i in 0..n {
            pos[i] = p;
            p += 1 + usize::from(far[i].0) + usize::from(far[i].1);
        }
        pos[n] = p;
        let mut changed = false;
        for i in 0..n {
            if let Ir::Jmp { jt, jf, .. } = code[i] {
                let ft = !far[i].0 && pos[jt] - (pos[i] + 1) > 255;
                let ff = !far[i].1 && pos[jf] - (pos[i] + 1) > 255;
                if ft || ff {
                    far[i].0 |= ft;
                    far[i].1 |= ff;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut out = Vec::with_capacity(pos[n]);
    let tramp = |t: usize, from: usize| -> Insn {
        match code[t] {
            Ir::Ret(v) => Insn::ret(v),
            _ => Insn::ja((pos[t] - from - 1) as u32),
        }
    };
    for (i, ins) in code.iter().enumerate() {
        match *ins {
            Ir::Ld(k) => out.push(Insn::ld_abs(k)),
            Ir::And(k) => out.push(Insn::and(k)),
            Ir::Ret(k) => out.push(Insn::ret(k)),
            Ir::Ja(t) => out.push(Insn::ja((pos[t] - pos[i] - 1) as u32)),
            Ir::Jmp { op, k, jt, jf } => {
                let (ft, ff) = far[i];
                let here = pos[i];
                let jt_off = if ft { 0 } else { pos[jt] - here - 1 };
                let jf_off = if ff {
                    usize::from(ft)
                } else {
                    pos[jf] - here - 1
                };
                out.push(Insn::jump(op.code(), k, jt_off as u8, jf_off as u8));
                if ft {
                    out.push(tramp(jt, here + 1));
                }
                if ff {
                    let at = here + 1 + usize::from(ft);
                    out.push(tramp(jf, at));
                }
            }
        }
    }
    Program { insns: out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ir::*;
    use Jop::*;

    fn j(op: Jop, k: u32, jt: usize, jf: usize) -> Ir {
        Jmp { op, k, jt, jf }
    }

    #[test]
    fn implies_table() {
        let cases = [
            ((Eq, 5, true), (Eq, 5), Some(true)),
            ((Eq, 5, true), (Ge, 3), Some(true)),
            ((Eq, 5, false), (Eq, 5), Some(false)),
            ((Eq, 5, false), (Eq, 6), None),
            ((Ge, 10, true), (Ge, 4), Some(true)),
            ((Ge, 10, true), (Eq, 4), Some(false)),
            ((Ge, 10, false), (Ge, 10), Some(false)),
            ((Ge, 10, false), (Gt, 9), Some(false)),
            ((Ge, 10, false), (Ge, 5), None),
            ((Gt, 10, true), (Ge, 11), Some(true)),
            ((Gt, 10, false), (Gt, 10), Some(false)),
            ((Set, 0x10, true), (Set, 0x30), Some(true)),
            ((Set, 0x30, false), (Set, 0x10), Some(false)),
            ((Set, 0x30, true), (Set, 0x10), None),
            ((Ge, 0, false), (Eq, 0), None),
        ];
        for ((o, k, t), (o2, k2), want) in cases {
            assert_eq!(
                o.implies(k, t, o2, k2),
                want,
                "{o:?} {k} {t} => {o2:?} {k2}"
            );
        }
    }

    #[test]
    fn thread_jumps_table() {
        let cases: Vec<(Vec<Ir>, Vec<Ir>, bool)> = vec![
            // a jump to a ja goes to the ja's target
            (
                vec![Ld(0), j(Eq, 1, 2, 3), Ja(4), Ret(1), Ld(4), Ret(2)],
                vec![Ld(0), j(Eq, 1, 4, 3), Ja(4), Ret(1), Ld(4), Ret(2)],
                true,
            ),
            // a ja to a ret becomes the ret
            (
                vec![Ld(0), j(Eq, 1, 2, 3), Ja(4), Ret(1), Ret(2)],
                vec![Ld(0), j(Eq, 1, 2, 3), Ret(2), Ret(1), Ret(2)],
                true,
            ),
            // a known outcome is followed
            (
                vec![Ld(0), j(Ge, 10, 2, 3), j(Ge, 5, 4, 3), Ret(1), Ret(2)],
                vec![Ld(0), j(Ge, 10, 4, 3), j(Ge, 5, 4, 3), Ret(1), Ret(2)],
                true,
            ),
            // equal targets become ja
            (
                vec![Ld(0), j(Eq, 1, 2, 2), Ret(0)],
                vec![Ld(0), Ja(2), Ret(0)],
                true,
            ),
            (
                vec![Ld(0), j(Eq, 1, 2, 3), Ret(0), Ret(1)],
                vec![Ld(0), j(Eq, 1, 2, 3), Ret(0), Ret(1)],
                false,
            ),
        ];
        for (mut input, want, changed) in cases {
            assert_eq!(thread_jumps(&mut input), changed);
            assert_eq!(input, want);
        }
    }

    #[test]
    fn remove_dead_table() {
        let cases: Vec<(Vec<Ir>, Vec<Ir>, bool)> = vec![
            (vec![Ret(0), Ret(1)], vec![Ret(0)], true),
            (
                vec![Ld(0), j(Eq, 1, 4, 2), Ja(4), Ret(9), Ret(1)],
                vec![Ld(0), j(Eq, 1, 2, 2), Ret(1)],
                true,
            ),
            (vec![Ld(0), Ja(2), Ret(0)], vec![Ld(0), Ret(0)], true),
            (vec![Ld(0), Ret(0)], vec![Ld(0), Ret(0)], false),
        ];
        for (mut input, want, changed) in cases {
            assert_eq!(remove_dead(&mut input), changed);
            assert_eq!(input, want);
        }
    }

    #[test]
    fn eliminate_loads_table() {
        let cases: Vec<(Vec<Ir>, Vec<Ir>, bool)> = vec![
            (
                vec![Ld(0), j(Eq, 1, 3, 2), Ld(0), Ret(1)],
                vec![Ld(0), j(Eq, 1, 2, 2), Ret(1)],
                true,
            ),
            // one path loads another word: keep
            (
                vec![Ld(0), j(Eq, 1, 2, 3), Ld(4), Ld(0), Ret(1)],
                vec![Ld(0), j(Eq, 1, 2, 3), Ld(4), Ld(0), Ret(1)],
                false,
            ),
            // `and` clobbers A
            (
                vec![Ld(16), And(3), Ld(16), Ret(1)],
                vec![Ld(16), And(3), Ld(16), Ret(1)],
                false,
            ),
        ];
        for (mut input, want, changed) in cases {
            assert_eq!(eliminate_loads(&mut input), changed);
            assert_eq!(input, want);
        }
    }

    #[test]
    fn merge_tails_table() {
        let cases: Vec<(Vec<Ir>, Vec<Ir>, bool)> = vec![
            (
                vec![Ld(0), j(Eq, 1, 2, 3), Ret(5), Ret(5)],
                vec![Ld(0), j(Eq, 1, 3, 3), Ret(5), Ret(5)],
                true,
            ),
            (
                vec![Ld(0), j(Eq, 1, 2, 4), Ld(16), Ret(5), Ld(16), Ret(5)],
                vec![Ld(0), j(Eq, 1, 4, 4), Ld(16), Ret(5), Ld(16), Ret(5)],
                true,
            ),
            (
                vec![Ld(0), j(Eq, 1, 2, 3), Ret(5), Ret(6)],
                vec![Ld(0), j(Eq, 1, 2, 3), Ret(5), Ret(6)],
                false,
            ),
        ];
        for (mut input, want, changed) in cases {
            assert_eq!(merge_tails(&mut input), changed);
            assert_eq!(input, want);
        }
    }

    #[test]
    fn optimize_reaches_a_fixpoint() {
        let mut code = vec![
            Ld(4),
            j(Eq, 7, 2, 6),
            Ld(4),
            j(Eq, 7, 4, 6),
            Ld(0),
            Ret(1),
            Ret(0),
        ];
        optimize(&mut code);
        assert_eq!(code, vec![Ld(4), j(Eq, 7, 2, 4), Ld(0), Ret(1), Ret(0)]);
    }

    #[test]
    fn long_jumps_use_ret_copies_and_ja() {
        let mut code = vec![Ld(0), j(Eq, 1, 302, 2)];
        for i in 2..300 {
            code.push(j(Eq, i as u32, 301, i + 1));
        }
        code.push(Ld(16));
        code.push(Ret(7));
        code.push(Ret(9));
        let p = lower(&code);
        crate::emu::check(&p).unwrap();
        let d = crate::emu::SeccompData::new(0, 1, [0; 6]);
        assert_eq!(
            crate::emu::run(&p, &d, crate::emu::Endian::Little).unwrap(),
            9
        );
        let d = crate::emu::SeccompData::new(0, 5, [0; 6]);
        assert_eq!(
            crate::emu::run(&p, &d, crate::emu::Endian::Little).unwrap(),
            7
        );
        let d = crate::emu::SeccompData::new(0, 1000, [0; 6]);
        assert_eq!(
            crate::emu::run(&p, &d, crate::emu::Endian::Little).unwrap(),
            7
        );
        assert!(p.len() > code.len());
    }
}

//! The argument conditions as boolean formulas over 32-bit argument words, and the nodes of the
//! decision diagrams built from them.

use jailwright_profile::policy::Cond;
use jailwright_profile::{Action, Op};

use crate::emu::Endian;
use crate::opt::Jop;

/// What one syscall number is decided by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Leaf {
    Act(Action),
    Rules {
        wide: bool,
        rules: Vec<(Vec<Cond>, Action)>,
        fallback: Action,
    },
}

/// A 32-bit test: `ld [off]`, optionally `and #mask`, then `j<op> #k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Atom {
    pub(super) off: u32,
    pub(super) and: Option<u32>,
    pub(super) op: Jop,
    pub(super) k: u32,
}

impl Atom {
    pub(super) fn eval(&self, w: u32) -> bool {
        self.op.eval(w & self.and.unwrap_or(u32::MAX), self.k)
    }

    pub(super) fn is_interval(&self) -> bool {
        self.and.is_none() && self.op != Jop::Set
    }
}

/// A condition as a formula over word tests.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Fm {
    Const(bool),
    Atom(Atom),
    Not(Box<Fm>),
    All(Vec<Fm>),
    Any(Vec<Fm>),
}

pub(super) fn atom(off: u32, op: Jop, k: u32) -> Fm {
    match (op, k) {
        (Jop::Ge, 0) => Fm::Const(true),
        (Jop::Gt, u32::MAX) => Fm::Const(false),
        (Jop::Set, 0) => Fm::Const(false),
        _ => Fm::Atom(Atom {
            off,
            and: None,
            op,
            k,
        }),
    }
}

pub(super) fn not(f: Fm) -> Fm {
    Fm::Not(Box::new(f))
}

/// `(w & m) == t` on one word (with `t & !m == 0`).
pub(super) fn word_mask(off: u32, m: u32, t: u32) -> Fm {
    if m == 0 {
        Fm::Const(t == 0)
    } else if m == u32::MAX {
        atom(off, Jop::Eq, t)
    } else if t == 0 {
        not(atom(off, Jop::Set, m))
    } else if t == m && m.is_power_of_two() {
        atom(off, Jop::Set, m)
    } else {
        Fm::Atom(Atom {
            off,
            and: Some(m),
            op: Jop::Eq,
            k: t,
        })
    }
}

pub(super) fn cond_formula(c: &Cond, wide: bool, endian: Endian) -> Fm {
    let lo = endian.arg_lo(c.arg);
    let hi = endian.arg_hi(c.arg);
    let (lv, hv) = (c.value as u32, (c.value >> 32) as u32);
    let (lt, ht) = (c.value_two as u32, (c.value_two >> 32) as u32);
    if !wide {
        return match c.op {
            Op::Eq => atom(lo, Jop::Eq, lv),
            Op::Ne => not(atom(lo, Jop::Eq, lv)),
            Op::Gt => atom(lo, Jop::Gt, lv),
            Op::Ge => atom(lo, Jop::Ge, lv),
            Op::Lt => not(atom(lo, Jop::Ge, lv)),
            Op::Le => not(atom(lo, Jop::Gt, lv)),
            Op::MaskedEq if lt & !lv != 0 => Fm::Const(false),
            Op::MaskedEq => word_mask(lo, lv, lt),
        };
    }
    let eq = || Fm::All(vec![atom(lo, Jop::Eq, lv), atom(hi, Jop::Eq, hv)]);
    let gt = || {
        Fm::Any(vec![
            atom(hi, Jop::Gt, hv),
            Fm::All(vec![atom(hi, Jop::Eq, hv), atom(lo, Jop::Gt, lv)]),
        ])
    };
    let ge = || {
        Fm::Any(vec![
            atom(hi, Jop::Gt, hv),
            Fm::All(vec![atom(hi, Jop::Eq, hv), atom(lo, Jop::Ge, lv)]),
        ])
    };
    match c.op {
        Op::Eq => eq(),
        Op::Ne => not(eq()),
        Op::Gt => gt(),
        Op::Ge => ge(),
        Op::Lt => not(ge()),
        Op::Le => not(gt()),
        Op::MaskedEq if c.value_two & !c.value != 0 => Fm::Const(false),
        Op::MaskedEq => Fm::All(vec![word_mask(lo, lv, lt), word_mask(hi, hv, ht)]),
    }
}

/// Simplifies, substituting the atoms `known` decides.
pub(super) fn subst(f: &Fm, known: &dyn Fn(&Atom) -> Option<bool>) -> Fm {
    match f {
        Fm::Const(b) => Fm::Const(*b),
        Fm::Atom(a) => match known(a) {
            Some(b) => Fm::Const(b),
            None => Fm::Atom(*a),
        },
        Fm::Not(x) => match subst(x, known) {
            Fm::Const(b) => Fm::Const(!b),
            Fm::Not(y) => *y,
            y => not(y),
        },
        Fm::All(v) | Fm::Any(v) => {
            let all = matches!(f, Fm::All(_));
            let mut out = Vec::with_capacity(v.len());
            for x in v {
                match subst(x, known) {
                    Fm::Const(b) if b == all => {}
                    Fm::Const(b) => return Fm::Const(b),
                    y => out.push(y),
                }
            }
            match out.len() {
                0 => Fm::Const(all),
                1 => out.pop().expect("one"),
                _ if all => Fm::All(out),
                _ => Fm::Any(out),
            }
        }
    }
}

pub(super) fn first_atom(f: &Fm) -> Option<Atom> {
    match f {
        Fm::Const(_) => None,
        Fm::Atom(a) => Some(*a),
        Fm::Not(x) => first_atom(x),
        Fm::All(v) | Fm::Any(v) => v.iter().find_map(first_atom),
    }
}

pub(super) fn atoms(f: &Fm, out: &mut Vec<Atom>) {
    match f {
        Fm::Const(_) => {}
        Fm::Atom(a) => out.push(*a),
        Fm::Not(x) => atoms(x, out),
        Fm::All(v) | Fm::Any(v) => v.iter().for_each(|x| atoms(x, out)),
    }
}

pub(super) type NodeId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Node {
    Ret(u32),
    Test {
        atom: Atom,
        t: NodeId,
        f: NodeId,
        /// Lay the true branch out right after the test (the native ABI's dispatch).
        hot_true: bool,
    },
}

pub(super) type Rules = Vec<(Fm, Action)>;

/// What the accumulator holds on entry to a node, for [`Gen::tail`]: the offset of the word
/// loaded and whether it was masked since.
pub(super) type Acc = (u32, bool);

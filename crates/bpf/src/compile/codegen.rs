//! Code generation: the per-ABI number dispatch and the argument decision diagrams, emitted as
//! the optimiser's intermediate form.

use std::collections::{BTreeSet, HashMap};

use jailwright_profile::{Action, Arch, Policy};

use crate::dispatch::{self, Leaves, Tree};
use crate::emu::Endian;
use crate::hash::FastMap;
use crate::insn::{OFF_ARCH, OFF_NR};
use crate::opt::{Ir, Jop};
use crate::options::{abi_for, table_spans, CompileOptions};

use super::formula::*;
use super::Contributor;

/// The longest path, in instructions, the number dispatch aims to keep every syscall under,
/// argument-checked ones included (prologue, tree, argument diagram and return).
pub(super) const PATH_LIMIT: usize = 16;

/// Ranges above which the number dispatch is a plain balanced tree (the length-limited one
/// costs about 12 ns per pair of ranges and round).
pub(super) const DISPATCH_MAX_RANGES: usize = 1024;

/// Nodes one argument diagram may create before it falls back to a linear chain.
pub(super) const DIAGRAM_BUDGET: usize = 1500;

pub(super) struct Gen<'a> {
    policy: &'a Policy,
    options: &'a CompileOptions,
    endian: Endian,
    nodes: Vec<Node>,
    index: FastMap<Node, NodeId>,
    leaves: FastMap<Leaf, NodeId>,
    memo: FastMap<(Rules, Action), NodeId>,
    budget: usize,
    pub(super) contributors: Vec<Contributor>,
    pub(super) ranges: HashMap<u32, usize>,
}

pub(super) struct OverBudget;

impl<'a> Gen<'a> {
    pub(super) fn new(policy: &'a Policy, options: &'a CompileOptions, endian: Endian) -> Gen<'a> {
        Gen {
            policy,
            options,
            endian,
            nodes: Vec::new(),
            index: FastMap::default(),
            leaves: FastMap::default(),
            memo: FastMap::default(),
            budget: 0,
            contributors: Vec::new(),
            ranges: HashMap::new(),
        }
    }

    pub(super) fn add(&mut self, n: Node) -> NodeId {
        if let Node::Test { t, f, .. } = n {
            if t == f {
                return t;
            }
        }
        if let Some(&id) = self.index.get(&n) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(n);
        self.index.insert(n, id);
        id
    }

    pub(super) fn ret(&mut self, a: Action) -> NodeId {
        self.add(Node::Ret(a.ret_value()))
    }

    pub(super) fn test(&mut self, atom: Atom, t: NodeId, f: NodeId) -> NodeId {
        self.add(Node::Test {
            atom,
            t,
            f,
            hot_true: false,
        })
    }

    pub(super) fn test_k(&mut self, off: u32, op: Jop, k: u32, t: NodeId, f: NodeId) -> NodeId {
        self.test(
            Atom {
                off,
                and: None,
                op,
                k,
            },
            t,
            f,
        )
    }

    /// The whole program: arch dispatch, then each token's number dispatch.
    pub(super) fn program(&mut self) -> NodeId {
        let mut tokens: Vec<u32> = Vec::new();
        for ap in &self.policy.arches {
            let t = ap.arch.audit_arch();
            if !tokens.contains(&t) {
                tokens.push(t);
            }
        }
        let mut next = self.ret(self.options.bad_arch_action);
        let subtrees: Vec<NodeId> = tokens
            .iter()
            .enumerate()
            .map(|(i, &t)| self.token_tree(t, i))
            .collect();
        for (&tok, &sub) in tokens.iter().zip(&subtrees).rev() {
            next = self.add(Node::Test {
                atom: Atom {
                    off: OFF_ARCH,
                    and: None,
                    op: Jop::Eq,
                    k: tok,
                },
                t: sub,
                f: next,
                hot_true: true,
            });
        }
        next
    }

    pub(super) fn classify(&self, token: u32, nr: u32) -> (Leaf, Option<(Arch, &'static str)>) {
        let ap = match abi_for(self.policy, self.options, token, nr) {
            Ok(ap) => ap,
            Err(a) => return (Leaf::Act(a), None),
        };
        let fallback = match ap.enosys_above {
            Some(above) if nr > above => Action::Errno(38),
            _ => self.options.map(self.policy.default),
        };
        let Some(sp) = ap.syscalls.get(&nr) else {
            return (Leaf::Act(fallback), None);
        };
        // Most numbers are decided by their first rule alone: no rule list to build.
        match sp.rules.first() {
            None => return (Leaf::Act(fallback), Some((ap.arch, sp.name))),
            Some(r) if r.conds.is_empty() => {
                return (
                    Leaf::Act(self.options.map(r.action)),
                    Some((ap.arch, sp.name)),
                )
            }
            Some(_) => {}
        }
        let mut rules = Vec::new();
        for r in &sp.rules {
            rules.push((r.conds.clone(), self.options.map(r.action)));
            if r.conds.is_empty() {
                break;
            }
        }
        let leaf = match rules.first() {
            None => Leaf::Act(fallback),
            Some((c, a)) if c.is_empty() => Leaf::Act(*a),
            Some(_) => Leaf::Rules {
                wide: ap.arch.is_64bit_args(),
                rules,
                fallback,
            },
        };
        (leaf, Some((ap.arch, sp.name)))
    }

    /// `position` is the token's place in the arch dispatch (0 for the native ABI): its paths
    /// start with `ld arch`, `position + 1` compares and `ld nr`.
    pub(super) fn token_tree(&mut self, token: u32, position: usize) -> NodeId {
        let mut bounds: Vec<u32> = vec![0];
        let x86 = token == Arch::X86_64.audit_arch();
        let mut domains: Vec<(u32, u32, u64)> = Vec::new();
        for ap in self
            .policy
            .arches
            .iter()
            .filter(|a| a.arch.audit_arch() == token)
        {
            for &nr in ap.syscalls.keys() {
                bounds.push(nr);
                if let Some(n) = nr.checked_add(1) {
                    bounds.push(n);
                }
            }
            if let Some(n) = ap.enosys_above.and_then(|a| a.checked_add(1)) {
                bounds.push(n);
            }
            // x32 numbers count only per range: x86_64 calls are what a container makes.
            let w = if ap.arch == Arch::X32 { 0 } else { 16 };
            domains.extend(table_spans(ap.arch).into_iter().map(|(a, b)| (a, b, w)));
        }
        if x86 {
            bounds.extend([0x4000_0000, 0x8000_0000, 0xc000_0000, u32::MAX]);
        }
        bounds.sort_unstable();
        bounds.dedup();
        let starts = bounds;
        let mut iv: Vec<(u32, NodeId, u64)> = Vec::new();
        for (i, &s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).map_or(u32::MAX, |n| n - 1);
            let (leaf, who) = self.classify(token, s);
            let node = self.leaf_node(leaf, s, who);
            let weight: u64 = domains
                .iter()
                .map(|&(a, b, w)| {
                    let (lo, hi) = (a.max(s), b.min(e));
                    if lo <= hi {
                        u64::from(hi - lo + 1) * w
                    } else {
                        0
                    }
                })
                .sum();
            match iv.last_mut() {
                Some(last) if last.1 == node => last.2 += weight,
                _ => iv.push((s, node, weight)),
            }
        }
        self.ranges.insert(token, iv.len());
        for x in &mut iv {
            x.2 += 1;
        }
        let tree = if !self.options.optimize {
            self.linear_ranges(&iv)
        } else if iv.len() <= DISPATCH_MAX_RANGES {
            self.limited_tree(&iv, position + 3)
        } else {
            self.balanced_ranges(&iv)
        };
        self.contributors.push(Contributor {
            what: format!("range dispatch of token {token:#x} ({} ranges)", iv.len()),
            instructions: iv.len().saturating_sub(1),
        });
        tree
    }

    pub(super) fn leaf_node(
        &mut self,
        leaf: Leaf,
        nr: u32,
        who: Option<(Arch, &'static str)>,
    ) -> NodeId {
        if let Some(&n) = self.leaves.get(&leaf) {
            return n;
        }
        let before = self.nodes.len();
        let node = match &leaf {
            Leaf::Act(a) => self.ret(*a),
            Leaf::Rules {
                wide,
                rules,
                fallback,
            } => {
                let rules: Rules = rules
                    .iter()
                    .map(|(conds, a)| {
                        let f = Fm::All(
                            conds
                                .iter()
                                .map(|c| cond_formula(c, *wide, self.endian))
                                .collect(),
                        );
                        (subst(&f, &|_| None), *a)
                    })
                    .collect();
                let fallback = *fallback;
                let mut node = None;
                if self.options.optimize {
                    self.budget = 0;
                    node = self.diagram(rules.clone(), fallback).ok();
                }
                match node {
                    Some(n) => n,
                    None => self.chain(&rules, fallback),
                }
            }
        };
        if let (Leaf::Rules { .. }, Some((arch, name))) = (&leaf, who) {
            let sources: Vec<String> = self
                .policy
                .arch(arch)
                .and_then(|ap| ap.syscalls.get(&nr))
                .map(|sp| sp.rules.iter().map(|r| r.source.to_string()).collect())
                .unwrap_or_default();
            self.contributors.push(Contributor {
                what: format!("{arch} {name} (profile rules {})", sources.join(", ")),
                instructions: (self.nodes.len() - before) * 2,
            });
        }
        self.leaves.insert(leaf, node);
        node
    }

    /// Linear first-match chain: each rule's conditions in order.
    pub(super) fn chain(&mut self, rules: &Rules, fallback: Action) -> NodeId {
        let mut next = self.ret(fallback);
        for (f, a) in rules.iter().rev() {
            let pass = self.ret(*a);
            next = self.formula(f, pass, next);
        }
        next
    }

    pub(super) fn formula(&mut self, f: &Fm, t: NodeId, e: NodeId) -> NodeId {
        match f {
            Fm::Const(true) => t,
            Fm::Const(false) => e,
            Fm::Atom(a) => self.test(*a, t, e),
            Fm::Not(x) => self.formula(x, e, t),
            Fm::All(v) => {
                let mut n = t;
                for x in v.iter().rev() {
                    n = self.formula(x, n, e);
                }
                n
            }
            Fm::Any(v) => {
                let mut n = e;
                for x in v.iter().rev() {
                    n = self.formula(x, t, n);
                }
                n
            }
        }
    }

    /// The decision diagram of a first-match rule list.
    pub(super) fn diagram(&mut self, rules: Rules, fallback: Action) -> Result<NodeId, OverBudget> {
        let mut rs: Rules = Vec::with_capacity(rules.len());
        for (f, a) in rules {
            match f {
                Fm::Const(false) => {}
                Fm::Const(true) => {
                    rs.push((f, a));
                    break;
                }
                f => rs.push((f, a)),
            }
        }
        while rs.last().is_some_and(|(_, a)| *a == fallback) {
            rs.pop();
        }
        match rs.first() {
            None => return Ok(self.ret(fallback)),
            Some((Fm::Const(true), a)) => {
                let a = *a;
                return Ok(self.ret(a));
            }
            _ => {}
        }
        let key = (rs, fallback);
        if let Some(&n) = self.memo.get(&key) {
            return Ok(n);
        }
        self.budget += 1;
        if self.budget > DIAGRAM_BUDGET {
            return Err(OverBudget);
        }
        let rs = &key.0;
        let w = first_atom(&rs[0].0)
            .expect("a non-constant formula has an atom")
            .off;
        let mut on_w = Vec::new();
        for (f, _) in rs {
            atoms(f, &mut on_w);
        }
        on_w.retain(|a| a.off == w);
        on_w.sort();
        on_w.dedup();
        let node = if on_w.iter().any(Atom::is_interval) {
            let mut bounds = BTreeSet::from([0u32]);
            for a in on_w.iter().filter(|a| a.is_interval()) {
                match a.op {
                    Jop::Eq => {
                        bounds.insert(a.k);
                        if let Some(n) = a.k.checked_add(1) {
                            bounds.insert(n);
                        }
                    }
                    Jop::Gt => {
                        if let Some(n) = a.k.checked_add(1) {
                            bounds.insert(n);
                        }
                    }
                    _ => {
                        bounds.insert(a.k);
                    }
                }
            }
            let starts: Vec<u32> = bounds.into_iter().collect();
            let mut iv: Vec<(u32, NodeId)> = Vec::new();
            for (i, &s) in starts.iter().enumerate() {
                let e = starts.get(i + 1).map_or(u32::MAX, |n| n - 1);
                let known = |a: &Atom| {
                    if a.off != w {
                        None
                    } else if a.is_interval() || s == e {
                        Some(a.eval(s))
                    } else {
                        None
                    }
                };
                let sub: Rules = rs.iter().map(|(f, a)| (subst(f, &known), *a)).collect();
                let n = self.diagram(sub, fallback)?;
                match iv.last() {
                    Some(l) if l.1 == n => {}
                    _ => iv.push((s, n)),
                }
            }
            self.cube(w, &iv).unwrap_or_else(|| self.balanced(w, &iv))
        } else {
            let p = first_atom(&rs[0].0)
                .filter(|a| a.off == w)
                .unwrap_or(on_w[0]);
            let yes: Rules = rs
                .iter()
                .map(|(f, a)| (subst(f, &|x| (*x == p).then_some(true)), *a))
                .collect();
            let no: Rules = rs
                .iter()
                .map(|(f, a)| (subst(f, &|x| (*x == p).then_some(false)), *a))
                .collect();
            let t = self.diagram(yes, fallback)?;
            let f = self.diagram(no, fallback)?;
            self.test(p, t, f)
        };
        self.memo.insert(key, node);
        Ok(node)
    }

    /// A shorter test for a word that one decision takes at a few single values and another
    /// everywhere else, when all those values but at most one form a sub-cube: every
    /// combination of some free bits over fixed ones (personality's 0, 8, 0x20000, 0x20008
    /// are bits 3 and 17 free over 0). The cube is one `jset` (fixed bits 0) or one `and` +
    /// `jeq`, the value left over one `jeq`. `None` when the ranges are not of that shape.
    pub(super) fn cube(&mut self, off: u32, iv: &[(u32, NodeId)]) -> Option<NodeId> {
        let end = |k: usize| iv.get(k + 1).map_or(Some(u32::MAX), |x| x.0.checked_sub(1));
        let point = |k: usize| end(k) == Some(iv[k].0);
        // The decision at the single values (`hit`) and everywhere else (`miss`).
        let hit = iv.iter().enumerate().find(|&(k, _)| point(k))?.1 .1;
        let mut values = Vec::new();
        let mut miss = None;
        for (k, &(start, node)) in iv.iter().enumerate() {
            if node == hit && point(k) {
                values.push(start);
            } else if node != hit && miss.is_none_or(|m| m == node) {
                miss = Some(node);
            } else {
                return None;
            }
        }
        let miss = miss?;
        if values.len() < 3 {
            return None;
        }
        let is_cube = |vs: &[u32]| {
            let all = vs.iter().fold(u32::MAX, |a, &v| a & v);
            let any = vs.iter().fold(0, |a, &v| a | v);
            let free = all ^ any;
            (vs.len() as u64 == 1u64 << free.count_ones()).then_some((!free, all))
        };
        let ((fixed, base), extra) = is_cube(&values).map(|c| (c, None)).or_else(|| {
            (0..values.len()).find_map(|k| {
                let mut rest = values.clone();
                let extra = rest.remove(k);
                is_cube(&rest).map(|c| (c, Some(extra)))
            })
        })?;
        let outside = match extra {
            Some(v) => self.test_k(off, Jop::Eq, v, hit, miss),
            None => miss,
        };
        Some(if base == 0 {
            self.test_k(off, Jop::Set, fixed, outside, hit)
        } else {
            self.test(
                Atom {
                    off,
                    and: Some(fixed),
                    op: Jop::Eq,
                    k: base,
                },
                hit,
                outside,
            )
        })
    }

    /// A balanced `jge` tree over ranges `(start, node)` of the word at `off`; `[X][p][X]`
    /// with a single-value middle becomes one `jeq`.
    pub(super) fn balanced(&mut self, off: u32, iv: &[(u32, NodeId)]) -> NodeId {
        match iv.len() {
            0 => unreachable!("no ranges"),
            1 => iv[0].1,
            3 if iv[0].1 == iv[2].1 && iv[1].0.checked_add(1) == Some(iv[2].0) => {
                self.test_k(off, Jop::Eq, iv[1].0, iv[1].1, iv[0].1)
            }
            n => {
                let mid = n / 2;
                let t = self.balanced(off, &iv[mid..]);
                let f = self.balanced(off, &iv[..mid]);
                self.test_k(off, Jop::Ge, iv[mid].0, t, f)
            }
        }
    }

    /// A linear chain of ranges (the unoptimized layout).
    pub(super) fn linear_ranges(&mut self, iv: &[(u32, NodeId, u64)]) -> NodeId {
        let mut next = iv[iv.len() - 1].1;
        for i in (0..iv.len() - 1).rev() {
            next = self.test_k(OFF_NR, Jop::Ge, iv[i + 1].0, next, iv[i].1);
        }
        next
    }

    /// The dispatch over the ranges `(start, node, weight)`: the tree of `jge` with the least
    /// weighted number of tests in which every path (`prologue`, tree, the range's own tail)
    /// stays within [`PATH_LIMIT`]; a single number between two ranges with the same decision
    /// may become a `jeq` in front of them. See [`dispatch::plan`].
    pub(super) fn limited_tree(&mut self, iv: &[(u32, NodeId, u64)], prologue: usize) -> NodeId {
        let n = iv.len();
        if n == 1 {
            return iv[0].1;
        }
        let acc = (OFF_NR, false);
        let mut memo = FastMap::default();
        let tails: Vec<usize> = iv.iter().map(|x| self.tail(x.1, acc, &mut memo)).collect();
        let mut merged: Vec<Option<(NodeId, usize)>> = vec![None; n];
        for i in 0..n - 2 {
            let (a, p, b) = (iv[i], iv[i + 1], iv[i + 2]);
            if a.1 == b.1
                && p.0.checked_add(1) == Some(b.0)
                && matches!(self.nodes[p.1], Node::Ret(_))
            {
                let node = self.test_k(OFF_NR, Jop::Eq, p.0, p.1, a.1);
                merged[i] = Some((node, self.tail(node, acc, &mut memo)));
            }
        }
        let weight: Vec<u64> = iv.iter().map(|x| x.2).collect();
        // No leaf ever needs to sit deeper than this: a balanced tree fits in it.
        let cap = (PATH_LIMIT.saturating_sub(prologue + 1))
            .max((usize::BITS - (n - 1).leading_zeros()) as usize);
        // When no tree keeps every path within the limit (a long argument diagram, an ABI
        // far down the arch dispatch), the limit is raised by the least `extra` that works:
        // feasibility only grows with it, so double, then bisect.
        let attempt = |extra: usize| {
            let room_of = |tail: usize| {
                (PATH_LIMIT + extra)
                    .checked_sub(prologue + tail)
                    .map(|r| r.min(cap))
            };
            let room: Vec<Option<usize>> = tails.iter().map(|&t| room_of(t)).collect();
            let rooms: Vec<Option<usize>> = merged
                .iter()
                .map(|m| m.and_then(|(_, t)| room_of(t)))
                .collect();
            dispatch::plan(&Leaves {
                weight: &weight,
                room: &room,
                merged: &rooms,
            })
        };
        // Past `enough` every room is `cap`: a higher limit changes nothing, so the search
        // stops there and, should even that fail, the dispatch is a plain balanced tree.
        let max_tail = tails
            .iter()
            .chain(merged.iter().flatten().map(|m| &m.1))
            .copied()
            .max()
            .unwrap_or(1);
        let enough = (prologue + max_tail + cap).saturating_sub(PATH_LIMIT);
        let tree = attempt(0).or_else(|| {
            let (mut lo, mut hi) = (0usize, 1usize);
            let mut found = loop {
                if let Some(t) = attempt(hi) {
                    break t;
                }
                if hi >= enough {
                    return None;
                }
                (lo, hi) = (hi, (hi * 2).min(enough));
            };
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                match attempt(mid) {
                    Some(t) => (hi, found) = (mid, t),
                    None => lo = mid,
                }
            }
            Some(found)
        });
        match tree {
            Some(tree) => self.build_tree(iv, &merged, &tree),
            None => self.balanced_ranges(iv),
        }
    }

    /// A balanced `jge` tree over the ranges `(start, node, _)`, their weights ignored.
    pub(super) fn balanced_ranges(&mut self, iv: &[(u32, NodeId, u64)]) -> NodeId {
        let plain: Vec<(u32, NodeId)> = iv.iter().map(|x| (x.0, x.1)).collect();
        self.balanced(OFF_NR, &plain)
    }

    pub(super) fn build_tree(
        &mut self,
        iv: &[(u32, NodeId, u64)],
        merged: &[Option<(NodeId, usize)>],
        t: &Tree,
    ) -> NodeId {
        match t {
            Tree::Leaf(i) => iv[*i].1,
            Tree::Merged(i) => {
                merged[*i]
                    .expect("plan merges only where a merged leaf exists")
                    .0
            }
            Tree::Split { r, below, above } => {
                let t = self.build_tree(iv, merged, above);
                let f = self.build_tree(iv, merged, below);
                self.test_k(OFF_NR, Jop::Ge, iv[*r].0, t, f)
            }
        }
    }

    /// The most instructions a path from `node` to its `ret` executes: one per jump and
    /// return, one per `and`, one per load where the accumulator does not already hold the
    /// word (`acc`: offset and whether it was masked).
    pub(super) fn tail(
        &self,
        node: NodeId,
        acc: Acc,
        memo: &mut FastMap<(NodeId, Acc), usize>,
    ) -> usize {
        if let Some(&v) = memo.get(&(node, acc)) {
            return v;
        }
        let v = match self.nodes[node] {
            Node::Ret(_) => 1,
            Node::Test { atom, t, f, .. } => {
                let load = usize::from(acc != (atom.off, false));
                let after = (atom.off, atom.and.is_some());
                load + usize::from(atom.and.is_some())
                    + 1
                    + self.tail(t, after, memo).max(self.tail(f, after, memo))
            }
        };
        memo.insert((node, acc), v);
        v
    }

    /// Lays the DAG out in a topological order (reverse post-order), emitting `ld` before
    /// every test (the optimizer removes the redundant ones).
    pub(super) fn linearize(&self, root: NodeId) -> Vec<Ir> {
        // Size of each node's subtree (saturating), to place the smaller branch first.
        let mut size = vec![0u64; self.nodes.len()];
        for id in 0..self.nodes.len() {
            size[id] = match self.nodes[id] {
                Node::Ret(_) => 1,
                Node::Test { t, f, .. } => 2u64.saturating_add(size[t]).saturating_add(size[f]),
            };
        }
        let mut order = Vec::new();
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<(NodeId, bool)> = vec![(root, false)];
        while let Some((id, done)) = stack.pop() {
            if done {
                order.push(id);
                continue;
            }
            if seen[id] {
                continue;
            }
            seen[id] = true;
            stack.push((id, true));
            if let Node::Test { t, f, hot_true, .. } = self.nodes[id] {
                // The child pushed last is visited first, finishes first and is laid out
                // last; the other one follows the test directly.
                let (first, second) = if hot_true {
                    (f, t)
                } else if size[t] >= size[f] {
                    (t, f)
                } else {
                    (f, t)
                };
                stack.push((second, false));
                stack.push((first, false));
            }
        }
        order.reverse();
        let mut pos = vec![usize::MAX; self.nodes.len()];
        let mut p = 0;
        for &id in &order {
            pos[id] = p;
            p += match self.nodes[id] {
                Node::Ret(_) => 1,
                Node::Test { atom, .. } => 2 + usize::from(atom.and.is_some()),
            };
        }
        let mut code = Vec::with_capacity(p);
        for &id in &order {
            match self.nodes[id] {
                Node::Ret(v) => code.push(Ir::Ret(v)),
                Node::Test { atom, t, f, .. } => {
                    code.push(Ir::Ld(atom.off));
                    if let Some(m) = atom.and {
                        code.push(Ir::And(m));
                    }
                    code.push(Ir::Jmp {
                        op: atom.op,
                        k: atom.k,
                        jt: pos[t],
                        jf: pos[f],
                    });
                }
            }
        }
        code
    }
}

//! Code generation: a resolved [`Policy`] becomes one classic BPF program covering every ABI
//! in it.
//!
//! Shape of the program:
//! 1. `ld [arch]`, then one `jeq` per ABI token (the native one first); any other token gets
//!    the bad-arch action.
//! 2. Per token, `ld [nr]` and a **range dispatch**: the decision of every number is computed,
//!    neighbours with the same decision (the same action, or the same rule list) are merged
//!    into ranges — including the ENOSYS stub above the table and, on the x86_64 token, the
//!    x32 numbers (bit 0x40000000) — and a binary search tree of `jge` picks the range. The
//!    tree minimises the number of tests weighted by how many syscall numbers each range
//!    holds, under a limit: every path (prologue, tree, argument diagram, return) stays within
//!    16 instructions, so argument-checked syscalls stay short ([`crate::dispatch`]). A single
//!    number between two ranges with the same decision may be a `jeq` in front of them
//!    instead of two more leaves. Unconditional ranges end in
//!    `ret` reached only through `ld nr`/`ld arch`/`jeq`/`jge`, which the kernel's
//!    constant-action cache can emulate.
//! 3. A syscall whose decision depends on arguments gets a **decision diagram** over 32-bit
//!    argument words: the first-match rule list is split on the words it tests (an interval
//!    partition with a balanced `jge` tree where comparisons allow, single tests for masks),
//!    identical sub-diagrams shared. A 64-bit comparison tests the high word only where it
//!    matters (e.g. a mask whose high word is 0 tests only the low word); 32-bit ABIs test the
//!    low word only. A diagram that would grow too large falls back to a linear chain.
//! 4. The code is linearised, optimised by the passes in [`crate::opt`] to a fixpoint, and
//!    laid out with long jumps handled.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use jailwright_profile::policy::{ArchPolicy, Cond, PolicyRule, X32_SYSCALL_BIT};
use jailwright_profile::{Action, Arch, Decision, Op, Policy, Reason};

use crate::dispatch::{self, Leaves, Tree};
use crate::emu::{self, Endian, SeccompData};
use crate::hash::FastMap;
use crate::insn::{Program, MAX_INSNS, OFF_ARCH, OFF_NR};
use crate::opt::{self, Ir, Jop};
use crate::verify::{self, VerifyError};

/// The errno that tells libc a syscall does not exist (and to fall back).
const ENOSYS: u16 = 38;

/// How to compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    /// What a call from an ABI not in the filter gets. jailwright's default is KILL_PROCESS;
    /// use [`CompileOptions::libseccomp`] for the policy's own (libseccomp's KILL_THREAD).
    pub bad_arch_action: Action,
    /// Range dispatch, decision diagrams and the optimizer passes (default true). Without it:
    /// a linear chain of ranges and of rules, as a naive compiler would emit.
    pub optimize: bool,
    /// Run the equivalence checker on the result (default true).
    ///
    /// Keep it on for every policy that comes from outside the binary (a profile file, a
    /// merged or patched profile): it is what proves the program decides like the policy.
    /// The one place it may be off is a built-in profile ([`jailwright_profile::catalogue`])
    /// resolved for the native sandbox ([`Target::sandbox`](jailwright_profile::Target::sandbox))
    /// of any architecture, with or without `rewrite_errno_to_notify`: compilation is
    /// deterministic, and the test `every_builtin_compiles_verified_for_the_sandbox` in this
    /// module compiles each of those combinations with the checker on, so a program built
    /// from them at run time is one the checker has already accepted. `jailwright run` relies
    /// on this for built-in profiles only; [`crate::emu::check`] (the kernel's own checks)
    /// runs whatever this says.
    pub verify: bool,
    /// Compile every ERRNO decision as USER_NOTIF, for a supervisor that answers with the
    /// policy's errno, except ENOSYS answers (runc's stub, and rules such as clone3 -> ENOSYS):
    /// those tell libc to fall back to an older call, come on every thread start, and are not
    /// denials anyone acts on, so they stay in the filter and cost no round trip.
    ///
    /// With a supervisor there, the calls that install a seccomp filter
    /// (`seccomp(SECCOMP_SET_MODE_FILTER)`, `prctl(PR_SET_SECCOMP)`), where the policy allows
    /// them outright, go to it too: the supervisor lets them through and the run can say that
    /// the plugin filtered itself (its filter's answers outrank a notification, so what it
    /// denies never reaches the supervisor).
    pub rewrite_errno_to_notify: bool,
    /// Measure the per-ABI path figures of [`Stats::arches`] (default true). Measuring runs
    /// the program on every syscall number of every ABI, which costs more than compiling;
    /// a caller that only installs the program turns it off and gets an empty `arches`.
    pub stats: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            bad_arch_action: Action::KillProcess,
            optimize: true,
            verify: true,
            rewrite_errno_to_notify: false,
            stats: true,
        }
    }
}

impl CompileOptions {
    /// Options that keep the policy's own bad-arch action, as libseccomp and runc do.
    pub fn libseccomp(policy: &Policy) -> CompileOptions {
        CompileOptions {
            bad_arch_action: policy.bad_arch,
            ..CompileOptions::default()
        }
    }

    /// The action the compiled program returns for a decision of the policy.
    pub fn effective(&self, d: Decision) -> Action {
        match d.reason {
            Reason::BadArch => self.bad_arch_action,
            Reason::EnosysStub { .. } => d.action,
            Reason::Rule { .. } | Reason::Default => self.map(d.action),
        }
    }

    fn map(&self, a: Action) -> Action {
        match a {
            Action::Errno(e) if self.rewrite_errno_to_notify && e != ENOSYS => Action::Notify,
            a => a,
        }
    }

    /// The action the program must return for a raw call (`AUDIT_ARCH` token, number, args).
    pub fn expected(&self, policy: &Policy, token: u32, nr: u32, args: &[u64; 6]) -> Action {
        let d = policy.decide_raw(token, nr, args);
        if self.rewrite_errno_to_notify
            && matches!(d.reason, Reason::Rule { .. })
            && policy
                .arches
                .iter()
                .filter(|ap| ap.arch.audit_arch() == token)
                .any(|ap| observed_install(ap, nr).is_some_and(|op| args[0] as u32 == op))
        {
            return Action::Notify;
        }
        self.effective(d)
    }
}

/// The calls that install a seccomp filter, by name and the operation in their first argument
/// (compared on its low 32 bits, as the kernel reads it): `seccomp(SECCOMP_SET_MODE_FILTER)`
/// and `prctl(PR_SET_SECCOMP)`.
const FILTER_INSTALLS: [(&str, u32); 2] = [("seccomp", 1), ("prctl", 22)];

/// The operation of the filter-installing call `nr` on `ap`, when the policy allows it
/// outright (and so sends it to the supervisor under `rewrite_errno_to_notify`).
fn observed_install(ap: &ArchPolicy, nr: u32) -> Option<u32> {
    let name = jailwright_profile::tables::table(ap.arch)?.name(nr)?;
    let (_, op) = FILTER_INSTALLS.iter().find(|(n, _)| *n == name)?;
    (ap.syscalls.get(&nr)?.unconditional() == Some(Action::Allow)).then_some(*op)
}

/// The policy with each allowed filter-installing call split in two: its operation goes to
/// the supervisor, every other call of it stays allowed. `None` when nothing changes.
fn observe_filter_installs(policy: &Policy) -> Option<Policy> {
    let mut out: Option<Policy> = None;
    for (i, ap) in policy.arches.iter().enumerate() {
        let Some(table) = jailwright_profile::tables::table(ap.arch) else {
            continue;
        };
        let calls = FILTER_INSTALLS.iter().filter_map(|(name, _)| {
            let nr = table.lookup(name)?;
            observed_install(ap, nr).map(|op| (nr, op))
        });
        for (nr, op) in calls {
            let p = out.get_or_insert_with(|| policy.clone());
            if let Some(sp) = p.arches[i].syscalls.get_mut(&nr) {
                let source = sp.rules.first().map_or(0, |r| r.source);
                let cond = |op_: Op, value, value_two| Cond {
                    arg: 0,
                    op: op_,
                    value,
                    value_two,
                };
                sp.rules = vec![
                    PolicyRule {
                        conds: vec![cond(Op::MaskedEq, 0xffff_ffff, u64::from(op))],
                        action: Action::Notify,
                        source,
                    },
                    PolicyRule {
                        conds: vec![cond(Op::Ne, u64::from(op), 0)],
                        action: Action::Allow,
                        source,
                    },
                ];
            }
        }
    }
    out
}

/// Figures for one ABI of a compiled program.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ArchStats {
    /// The ABI.
    pub arch: Arch,
    /// The syscall numbers measured: every number of the ABI's table spans
    /// ([`table_spans`]), from this one ...
    pub first_nr: u32,
    /// ... to this one.
    pub last_nr: u32,
    /// Most instructions executed for one call (over every number and the interesting
    /// argument values of argument-checked syscalls).
    pub max_path: usize,
    /// Mean over the numbers of each number's longest path.
    pub mean_path: f64,
    /// Numbers allowed whatever the arguments.
    pub unconditional_allows: usize,
    /// Of those, how many the kernel's constant-action cache can prove (x32 numbers are never
    /// cached by the kernel, whatever this says).
    pub cacheable: usize,
    /// Numbers whose decision depends on arguments.
    pub conditional: usize,
    /// Ranges in the number dispatch of this ABI's token.
    pub ranges: usize,
    /// Mean, like `mean_path`, over only the numbers whose calls run the filter on a kernel
    /// with the constant-action cache (5.11+): all but the cacheable unconditional allows (on
    /// x32, every number: the kernel does not cache x32 calls). What a call costs where it
    /// costs anything. 0 when there is no such number.
    pub filtered_mean_path: f64,
}

/// What compilation measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Stats {
    /// Instructions in the program.
    pub instructions: usize,
    /// Per ABI, in policy order.
    pub arches: Vec<ArchStats>,
    /// Rounds of the optimizer until nothing changed.
    pub optimizer_rounds: usize,
    /// Time to generate and optimise the code (not verification or statistics).
    pub compile_time: Duration,
    /// Time the equivalence checker took (zero when off).
    pub verify_time: Duration,
    /// Inputs the equivalence checker ran.
    pub verified_inputs: usize,
}

/// A compiled filter.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The program.
    pub program: Program,
    /// Its figures.
    pub stats: Stats,
    /// Byte order of the kernel it is for (the policy's host).
    pub endian: Endian,
}

/// Something that makes a program large.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contributor {
    /// What it is (`x86_64 personality (rules 12, 13)`, `range dispatch of x86`).
    pub what: String,
    /// About how many instructions it takes.
    pub instructions: usize,
}

/// Why compilation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The program exceeds the kernel's limit.
    #[error("the filter needs {instructions} instructions, over the kernel's limit of 4096; the largest parts: {}; drop or simplify those rules", list(.contributors))]
    TooLarge {
        /// Instructions needed.
        instructions: usize,
        /// The biggest contributors, largest first.
        contributors: Vec<Contributor>,
    },
    /// The program does not decide like the policy (a compiler bug).
    #[error(transparent)]
    Verify(Box<VerifyError>),
    /// The program fails the kernel's checks (a compiler bug).
    #[error("internal error: the compiled program would be refused by the kernel: {0}")]
    Invalid(#[from] emu::CheckError),
}

fn list(c: &[Contributor]) -> String {
    c.iter()
        .map(|c| format!("{} (~{} instructions)", c.what, c.instructions))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compiles `policy` to one program for all its ABIs, optimises it, checks it like the
/// kernel and (with `options.verify`) proves it decides like the policy.
///
/// ```
/// use jailwright_profile::{catalogue, resolve, Arch, Target};
/// use jailwright_bpf::{compile, CompileOptions};
/// let profile = catalogue::get("docker-default").unwrap().profile();
/// let policy = resolve(&profile, &Target::docker(Arch::X86_64));
/// let c = compile(&policy, &CompileOptions::default()).unwrap();
/// assert!(c.program.len() <= 300);
/// ```
pub fn compile(policy: &Policy, options: &CompileOptions) -> Result<Compiled, CompileError> {
    let start = Instant::now();
    let observed = if options.rewrite_errno_to_notify {
        observe_filter_installs(policy)
    } else {
        None
    };
    let policy = observed.as_ref().unwrap_or(policy);
    let endian = Endian::of(policy.host);
    let mut g = Gen::new(policy, options, endian);
    let root = g.program();
    let mut code = g.linearize(root);
    let rounds = if options.optimize {
        opt::optimize(&mut code)
    } else {
        0
    };
    let program = opt::lower(&opt::pool_rets(&code));
    let compile_time = start.elapsed();
    if program.len() > MAX_INSNS {
        let mut contributors = std::mem::take(&mut g.contributors);
        contributors.sort_by(|a, b| {
            b.instructions
                .cmp(&a.instructions)
                .then(a.what.cmp(&b.what))
        });
        contributors.truncate(5);
        return Err(CompileError::TooLarge {
            instructions: program.len(),
            contributors,
        });
    }
    emu::check(&program)?;
    let (verify_time, verified_inputs) = if options.verify {
        let t = Instant::now();
        let n = verify::verify(&program, policy, options, endian).map_err(CompileError::Verify)?;
        (t.elapsed(), n)
    } else {
        (Duration::ZERO, 0)
    };
    let arches = if options.stats {
        policy
            .arches
            .iter()
            .map(|ap| arch_stats(&program, policy, options, ap, endian, &g.ranges))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Compiled {
        stats: Stats {
            instructions: program.len(),
            arches,
            optimizer_rounds: rounds,
            compile_time,
            verify_time,
            verified_inputs,
        },
        program,
        endian,
    })
}

/// The syscall numbers of an ABI's table (x32 with its bit) as spans `(first, last)`:
/// neighbouring numbers closer than 1024 share a span, so ARM's private syscalls at 0x0f0001
/// form their own span rather than a million-number one.
pub fn table_spans(arch: Arch) -> Vec<(u32, u32)> {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    if let Some(t) = jailwright_profile::tables::table(arch) {
        for (_, nr) in t.iter() {
            match spans.last_mut() {
                Some(last) if nr - last.1 <= 1024 => last.1 = nr,
                _ => spans.push((if spans.is_empty() && nr < 1024 { 0 } else { nr }, nr)),
            }
        }
        if arch == Arch::X32 {
            if let Some(first) = spans.first_mut() {
                first.0 = X32_SYSCALL_BIT;
            }
        }
    }
    spans
}

fn arch_stats(
    program: &Program,
    policy: &Policy,
    options: &CompileOptions,
    ap: &ArchPolicy,
    endian: Endian,
    ranges: &HashMap<u32, usize>,
) -> ArchStats {
    let token = ap.arch.audit_arch();
    let spans = table_spans(ap.arch);
    let (first, last) = (
        spans.first().map_or(0, |s| s.0),
        spans.last().map_or(0, |s| s.1),
    );
    let mut max_path = 0;
    let mut sum = 0usize;
    let mut count = 0usize;
    let (mut allows, mut cacheable, mut conditional) = (0, 0, 0);
    let (mut filtered_sum, mut filtered) = (0usize, 0usize);
    for nr in spans.iter().flat_map(|&(a, b)| a..=b) {
        count += 1;
        let sp = ap.syscalls.get(&nr);
        let mut worst = 0;
        for args in verify::vectors(sp, ap.arch.is_64bit_args()).iter() {
            let (_, n) = emu::run_counted(program, &SeccompData::new(token, nr, *args), endian);
            worst = worst.max(n);
        }
        max_path = max_path.max(worst);
        sum += worst;
        let mut cached = false;
        if ap.is_conditional(nr) {
            conditional += 1;
        } else if options.expected(policy, token, nr, &[0; 6]) == Action::Allow {
            allows += 1;
            if emu::is_const_allow(program, token, nr) {
                cacheable += 1;
                cached = ap.arch != Arch::X32;
            }
        }
        if !cached {
            filtered += 1;
            filtered_sum += worst;
        }
    }
    let count = count.max(1) as f64;
    ArchStats {
        arch: ap.arch,
        first_nr: first,
        last_nr: last,
        max_path,
        mean_path: sum as f64 / count,
        unconditional_allows: allows,
        cacheable,
        conditional,
        ranges: ranges.get(&token).copied().unwrap_or(0),
        filtered_mean_path: if filtered == 0 {
            0.0
        } else {
            filtered_sum as f64 / filtered as f64
        },
    }
}

/// The ABI whose table decides a raw call, as [`Policy::decide_raw`] picks it; `Err` with the
/// action when no table does (bad arch, or an x32 number with only the x86_64 stub).
pub fn abi_for<'p>(
    policy: &'p Policy,
    options: &CompileOptions,
    token: u32,
    nr: u32,
) -> Result<&'p ArchPolicy, Action> {
    let mut cands = policy
        .arches
        .iter()
        .filter(|a| a.arch.audit_arch() == token);
    let x86 = token == Arch::X86_64.audit_arch();
    if x86 && nr & X32_SYSCALL_BIT != 0 && nr != u32::MAX {
        let cands: Vec<&ArchPolicy> = cands.collect();
        if let Some(x32) = cands.iter().find(|a| a.arch == Arch::X32) {
            return Ok(x32);
        }
        if cands
            .iter()
            .any(|a| a.arch == Arch::X86_64 && a.enosys_above.is_some())
        {
            return Err(Action::Errno(38));
        }
        return Err(options.bad_arch_action);
    }
    cands
        .find(|a| a.arch != Arch::X32)
        .ok_or(options.bad_arch_action)
}

/// What one syscall number is decided by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Leaf {
    Act(Action),
    Rules {
        wide: bool,
        rules: Vec<(Vec<Cond>, Action)>,
        fallback: Action,
    },
}

/// A 32-bit test: `ld [off]`, optionally `and #mask`, then `j<op> #k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Atom {
    off: u32,
    and: Option<u32>,
    op: Jop,
    k: u32,
}

impl Atom {
    fn eval(&self, w: u32) -> bool {
        self.op.eval(w & self.and.unwrap_or(u32::MAX), self.k)
    }

    fn is_interval(&self) -> bool {
        self.and.is_none() && self.op != Jop::Set
    }
}

/// A condition as a formula over word tests.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Fm {
    Const(bool),
    Atom(Atom),
    Not(Box<Fm>),
    All(Vec<Fm>),
    Any(Vec<Fm>),
}

fn atom(off: u32, op: Jop, k: u32) -> Fm {
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

fn not(f: Fm) -> Fm {
    Fm::Not(Box::new(f))
}

/// `(w & m) == t` on one word (with `t & !m == 0`).
fn word_mask(off: u32, m: u32, t: u32) -> Fm {
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

fn cond_formula(c: &Cond, wide: bool, endian: Endian) -> Fm {
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
fn subst(f: &Fm, known: &dyn Fn(&Atom) -> Option<bool>) -> Fm {
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

fn first_atom(f: &Fm) -> Option<Atom> {
    match f {
        Fm::Const(_) => None,
        Fm::Atom(a) => Some(*a),
        Fm::Not(x) => first_atom(x),
        Fm::All(v) | Fm::Any(v) => v.iter().find_map(first_atom),
    }
}

fn atoms(f: &Fm, out: &mut Vec<Atom>) {
    match f {
        Fm::Const(_) => {}
        Fm::Atom(a) => out.push(*a),
        Fm::Not(x) => atoms(x, out),
        Fm::All(v) | Fm::Any(v) => v.iter().for_each(|x| atoms(x, out)),
    }
}

type NodeId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Ret(u32),
    Test {
        atom: Atom,
        t: NodeId,
        f: NodeId,
        /// Lay the true branch out right after the test (the native ABI's dispatch).
        hot_true: bool,
    },
}

type Rules = Vec<(Fm, Action)>;

/// What the accumulator holds on entry to a node, for [`Gen::tail`]: the offset of the word
/// loaded and whether it was masked since.
type Acc = (u32, bool);

/// The longest path, in instructions, the number dispatch aims to keep every syscall under,
/// argument-checked ones included (prologue, tree, argument diagram and return).
const PATH_LIMIT: usize = 16;

/// Ranges above which the number dispatch is a plain balanced tree (the length-limited one
/// costs about 12 ns per pair of ranges and round).
const DISPATCH_MAX_RANGES: usize = 1024;

/// Nodes one argument diagram may create before it falls back to a linear chain.
const DIAGRAM_BUDGET: usize = 1500;

struct Gen<'a> {
    policy: &'a Policy,
    options: &'a CompileOptions,
    endian: Endian,
    nodes: Vec<Node>,
    index: FastMap<Node, NodeId>,
    leaves: FastMap<Leaf, NodeId>,
    memo: FastMap<(Rules, Action), NodeId>,
    budget: usize,
    contributors: Vec<Contributor>,
    ranges: HashMap<u32, usize>,
}

struct OverBudget;

impl<'a> Gen<'a> {
    fn new(policy: &'a Policy, options: &'a CompileOptions, endian: Endian) -> Gen<'a> {
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

    fn add(&mut self, n: Node) -> NodeId {
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

    fn ret(&mut self, a: Action) -> NodeId {
        self.add(Node::Ret(a.ret_value()))
    }

    fn test(&mut self, atom: Atom, t: NodeId, f: NodeId) -> NodeId {
        self.add(Node::Test {
            atom,
            t,
            f,
            hot_true: false,
        })
    }

    fn test_k(&mut self, off: u32, op: Jop, k: u32, t: NodeId, f: NodeId) -> NodeId {
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
    fn program(&mut self) -> NodeId {
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

    fn classify(&self, token: u32, nr: u32) -> (Leaf, Option<(Arch, &'static str)>) {
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
    fn token_tree(&mut self, token: u32, position: usize) -> NodeId {
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

    fn leaf_node(&mut self, leaf: Leaf, nr: u32, who: Option<(Arch, &'static str)>) -> NodeId {
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
    fn chain(&mut self, rules: &Rules, fallback: Action) -> NodeId {
        let mut next = self.ret(fallback);
        for (f, a) in rules.iter().rev() {
            let pass = self.ret(*a);
            next = self.formula(f, pass, next);
        }
        next
    }

    fn formula(&mut self, f: &Fm, t: NodeId, e: NodeId) -> NodeId {
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
    fn diagram(&mut self, rules: Rules, fallback: Action) -> Result<NodeId, OverBudget> {
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
    fn cube(&mut self, off: u32, iv: &[(u32, NodeId)]) -> Option<NodeId> {
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
    fn balanced(&mut self, off: u32, iv: &[(u32, NodeId)]) -> NodeId {
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
    fn linear_ranges(&mut self, iv: &[(u32, NodeId, u64)]) -> NodeId {
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
    fn limited_tree(&mut self, iv: &[(u32, NodeId, u64)], prologue: usize) -> NodeId {
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
    fn balanced_ranges(&mut self, iv: &[(u32, NodeId, u64)]) -> NodeId {
        let plain: Vec<(u32, NodeId)> = iv.iter().map(|x| (x.0, x.1)).collect();
        self.balanced(OFF_NR, &plain)
    }

    fn build_tree(
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
    fn tail(&self, node: NodeId, acc: Acc, memo: &mut FastMap<(NodeId, Acc), usize>) -> usize {
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
    fn linearize(&self, root: NodeId) -> Vec<Ir> {
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

#[cfg(test)]
mod tests {
    use jailwright_profile::{catalogue, resolve, Arch, Target};

    use super::{compile, CompileOptions};

    /// The proof `jailwright run` leans on when it compiles a built-in profile without the
    /// checker (see [`CompileOptions::verify`]): every built-in, resolved for the sandbox on
    /// every architecture, with and without the notify rewrite, compiles to a program the
    /// equivalence checker accepts, and the unchecked compile gives the same program.
    #[test]
    fn every_builtin_compiles_verified_for_the_sandbox() {
        for e in catalogue::ENTRIES {
            let profile = e.profile();
            for arch in Arch::ALL {
                let policy = resolve(&profile, &Target::sandbox(arch));
                for rewrite in [false, true] {
                    let checked = CompileOptions {
                        rewrite_errno_to_notify: rewrite,
                        stats: false,
                        ..CompileOptions::default()
                    };
                    let c = compile(&policy, &checked).unwrap_or_else(|err| {
                        panic!("{} on {arch} (notify rewrite {rewrite}): {err}", e.name)
                    });
                    assert!(
                        c.stats.verified_inputs > 0,
                        "{} on {arch}: nothing verified",
                        e.name
                    );
                    let unchecked = CompileOptions {
                        verify: false,
                        ..checked
                    };
                    let u = compile(&policy, &unchecked).expect("compiles");
                    assert_eq!(
                        u.program, c.program,
                        "{} on {arch} (notify rewrite {rewrite}): the unchecked compile differs",
                        e.name
                    );
                }
            }
        }
    }
}

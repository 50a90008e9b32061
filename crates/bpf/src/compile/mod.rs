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

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jailwright_profile::policy::ArchPolicy;
use jailwright_profile::{Action, Arch, Policy};

use crate::emu::{self, Endian, SeccompData};
use crate::insn::{Program, MAX_INSNS};
use crate::opt;
use crate::verify::{self, VerifyError};

mod codegen;
mod formula;

use crate::options::observe_filter_installs;
pub use crate::options::{abi_for, table_spans, CompileOptions};
use codegen::Gen;

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

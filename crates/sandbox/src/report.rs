//! The backend-neutral run report: how the command ended, what each layer enforced, what the
//! filter denied, and how long it took. Serialises to the JSON of `jailwright run --report`.

use std::time::Duration;

use serde::Serialize;

use crate::config::Layer;
use crate::notify::{Notification, Response};

pub use jailwright_report::{
    ExecFailure, Exit, EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, EXIT_SETUP_FAILED, EXIT_TIMED_OUT,
};

/// How far a layer is enforced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
#[non_exhaustive]
pub enum LayerState {
    /// Fully in force.
    Enforced,
    /// In force with gaps, explained.
    Partial(String),
    /// Not in force, with the reason (a kernel feature missing, a permission missing).
    Unavailable(String),
    /// Not in force because the configuration did not ask for it.
    Disabled(String),
}

impl LayerState {
    /// Whether the layer is at least partially in force.
    pub fn is_active(&self) -> bool {
        matches!(self, LayerState::Enforced | LayerState::Partial(_))
    }
}

/// One layer's status in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayerStatus {
    /// The layer.
    pub layer: Layer,
    /// Its state.
    #[serde(flatten)]
    pub state: LayerState,
    /// What exactly is in force (values, paths, versions).
    pub detail: String,
}

/// A system call the filter sent to the supervisor, with how it was answered and how often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Denial {
    /// AUDIT_ARCH of the call.
    pub arch: u32,
    /// System call number (for that arch); for an [`out_of_range`](Denial::out_of_range)
    /// entry, the first such number seen.
    pub nr: i32,
    /// Arguments of the first occurrence.
    pub args: [u64; 6],
    /// The distinct argument vectors seen, in order of first sight, at most
    /// [`MAX_DISTINCT_ARGS`]; `more_args` says when there were more.
    pub distinct_args: Vec<[u64; 6]>,
    /// Whether more distinct argument vectors were seen than are kept.
    pub more_args: bool,
    /// The answer.
    pub response: Response,
    /// How many times this (arch, nr, response) occurred, exactly.
    pub count: u64,
    /// This entry counts every number of this ABI and answer that cannot be a system call of
    /// any ABI (negative other than -1, or past the highest any ABI uses): kept as one entry,
    /// so that a flood of them cannot crowd real system calls out of the report.
    pub out_of_range: bool,
}

/// How many distinct argument vectors a [`Denial`] keeps.
pub const MAX_DISTINCT_ARGS: usize = 16;

/// Whether `nr` can be a system call number of some ABI: -1 (the number a tracer sets to
/// skip a call), or below 8192 once x32's bit is taken off (MIPS n32 ends near 6500).
fn plausible(nr: i32) -> bool {
    nr == -1 || (0..8192).contains(&(nr & !0x4000_0000))
}

/// The denials of a run, aggregated as they arrive, in bounded memory: one entry per (ABI,
/// number, answer) for the numbers that can be system calls, one per (ABI, answer) for the
/// rest, each with an exact count.
#[derive(Default)]
pub(crate) struct Aggregate {
    index: std::collections::HashMap<(u32, i32, Response, bool), usize>,
    list: Vec<Denial>,
}

impl Aggregate {
    pub(crate) fn add(&mut self, n: &Notification, r: Response) {
        let out_of_range = !plausible(n.nr);
        let key = (n.arch, if out_of_range { 0 } else { n.nr }, r, out_of_range);
        match self.index.get(&key) {
            Some(&i) => {
                let d = &mut self.list[i];
                d.count += 1;
                if !d.distinct_args.contains(&n.args) {
                    if d.distinct_args.len() < MAX_DISTINCT_ARGS {
                        d.distinct_args.push(n.args);
                    } else {
                        d.more_args = true;
                    }
                }
            }
            None => {
                self.index.insert(key, self.list.len());
                self.list.push(Denial {
                    arch: n.arch,
                    nr: n.nr,
                    args: n.args,
                    distinct_args: vec![n.args],
                    more_args: false,
                    response: r,
                    count: 1,
                    out_of_range,
                });
            }
        }
    }

    pub(crate) fn into_denials(self) -> Vec<Denial> {
        self.list
    }
}

/// Wall-clock timings of a run, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Timings {
    /// From `run()` to the `execve` of the command.
    pub setup_us: u64,
    /// From the `execve` to the end of the sandbox.
    pub run_us: u64,
    /// The whole run.
    pub total_us: u64,
}

impl Timings {
    pub(crate) fn from_durations(setup: Duration, total: Duration) -> Timings {
        let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Timings {
            setup_us: us(setup),
            run_us: us(total.saturating_sub(setup)),
            total_us: us(total),
        }
    }
}

/// Resources the sandboxed tree used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// Peak memory in bytes.
    pub peak_memory_bytes: Option<u64>,
    /// Where the peak comes from: `cgroup` (all processes together) or `rusage` (largest
    /// single process).
    pub peak_memory_source: Option<String>,
    /// Whether the memory limit was hit (the kernel's OOM killer ran in the cgroup).
    pub oom_killed: bool,
    /// User CPU time of the tree, microseconds.
    pub user_cpu_us: u64,
    /// System CPU time of the tree, microseconds.
    pub system_cpu_us: u64,
}

/// The report of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// Which backend ran the sandbox (`native`).
    pub backend: String,
    /// How the command ended.
    pub exit: Exit,
    /// The conventional exit status (see [`Exit::code`]).
    pub exit_code: i32,
    /// Each layer's status, in [`Layer::ALL`] order.
    pub layers: Vec<LayerStatus>,
    /// Calls answered by the supervisor, deduplicated with counts.
    pub denials: Vec<Denial>,
    /// Timings.
    pub timings: Timings,
    /// Resource use.
    pub resources: Resources,
    /// What the setup found that will probably not work as the caller meant (a `--bind`
    /// directory the sandbox's user cannot write), each with how to fix it.
    pub warnings: Vec<String>,
}

impl RunReport {
    /// The status of one layer.
    pub fn layer(&self, layer: Layer) -> Option<&LayerStatus> {
        self.layers.iter().find(|l| l.layer == layer)
    }
}

#[cfg(test)]
mod aggregate_tests {
    use super::*;

    fn n(nr: i32, a0: u64) -> Notification {
        Notification {
            pid: 1,
            arch: 0xc000_003e,
            nr,
            args: [a0, 0, 0, 0, 0, 0],
            instruction_pointer: 0,
        }
    }

    #[test]
    fn numbers_no_abi_has_share_one_entry_and_counts_are_exact() {
        let mut a = Aggregate::default();
        let eperm = Response::Errno(libc::EPERM);
        for i in 0..100_000 {
            a.add(&n(100_000 + i, 0), eperm);
        }
        for i in 0..40u64 {
            a.add(&n(272, i), eperm);
        }
        a.add(&n(-1, 0), eperm);
        a.add(&n(-5, 0), eperm);
        a.add(&n(0x4000_0000 | 250, 0), eperm);
        let d = a.into_denials();
        assert_eq!(d.len(), 4, "{d:?}");
        assert!(d[0].out_of_range);
        assert_eq!(d[0].count, 100_001);
        assert_eq!((d[1].nr, d[1].count), (272, 40));
        assert_eq!(d[1].distinct_args.len(), MAX_DISTINCT_ARGS);
        assert!(d[1].more_args);
        assert!(!d[2].out_of_range && d[2].nr == -1);
        assert!(!d[3].out_of_range && d[3].nr == 0x4000_0000 | 250);
    }
}

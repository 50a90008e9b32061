//! The run report (the type every backend shares, from `jailwright-report`) and how the native
//! sandbox aggregates the denials that go into it.

use crate::notify::Notification;

pub use jailwright_report::{
    Denial, ExecFailure, Exit, LayerState, LayerStatus, Resources, Response, RunReport, Timings,
    EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, EXIT_SETUP_FAILED, EXIT_TIMED_OUT, MAX_DISTINCT_ARGS,
};

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

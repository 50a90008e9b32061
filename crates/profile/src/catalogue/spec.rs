//! Compact, readable rule specifications the catalogue is written in.

use crate::action::{Action, Op};
use crate::dialect::{ArgCond, Filter, KernelVersion, SyscallRule};

/// An `includes` / `excludes` clause.
#[derive(Clone, Copy, Debug)]
pub struct Gate {
    /// Go-style host arch names.
    pub arches: &'static [&'static str],
    /// Capability names.
    pub caps: &'static [&'static str],
    /// `minKernel` as (major, minor).
    pub min_kernel: Option<(u8, u8)>,
}

impl Gate {
    /// No clause.
    pub const NONE: Gate = Gate {
        arches: &[],
        caps: &[],
        min_kernel: None,
    };

    /// Only when every capability in `caps` is in the bounding set (in `includes`), or when none
    /// is (in `excludes`).
    pub const fn caps(caps: &'static [&'static str]) -> Gate {
        Gate {
            arches: &[],
            caps,
            min_kernel: None,
        }
    }

    /// Only on these host architectures (Go's names), or on every other one.
    pub const fn arches(arches: &'static [&'static str]) -> Gate {
        Gate {
            arches,
            caps: &[],
            min_kernel: None,
        }
    }

    /// Only from kernel `major.minor` on (in `includes`), or before it (in `excludes`).
    pub const fn min_kernel(major: u8, minor: u8) -> Gate {
        Gate {
            arches: &[],
            caps: &[],
            min_kernel: Some((major, minor)),
        }
    }

    pub(crate) fn to_filter(self) -> Option<Filter> {
        if self.arches.is_empty() && self.caps.is_empty() && self.min_kernel.is_none() {
            return None;
        }
        let list = |v: &[&str]| (!v.is_empty()).then(|| v.iter().map(|s| s.to_string()).collect());
        Some(Filter {
            caps: list(self.caps),
            arches: list(self.arches),
            min_kernel: self.min_kernel.map(|(a, b)| KernelVersion::new(a, b)),
            extra: Default::default(),
        })
    }
}

/// One rule: names, action, `(index, op, value, valueTwo)` conditions, gates.
#[derive(Clone, Copy, Debug)]
pub struct RuleSpec {
    /// Syscall names.
    pub names: &'static [&'static str],
    /// Action.
    pub action: Action,
    /// Conditions `(index, op, value, valueTwo)`.
    pub args: &'static [(u8, Op, u64, u64)],
    /// Comment.
    pub comment: Option<&'static str>,
    /// `includes`.
    pub includes: Gate,
    /// `excludes`.
    pub excludes: Gate,
}

impl RuleSpec {
    /// An unconditional, ungated rule.
    pub const fn plain(names: &'static [&'static str], action: Action) -> RuleSpec {
        RuleSpec {
            names,
            action,
            args: &[],
            comment: None,
            includes: Gate::NONE,
            excludes: Gate::NONE,
        }
    }

    /// The same rule with an `includes` clause.
    pub const fn when(self, includes: Gate) -> RuleSpec {
        RuleSpec { includes, ..self }
    }

    /// The same rule with an `excludes` clause.
    pub const fn unless(self, excludes: Gate) -> RuleSpec {
        RuleSpec { excludes, ..self }
    }

    /// The same rule with conditions `(index, op, value, valueTwo)`.
    pub const fn with_args(self, args: &'static [(u8, Op, u64, u64)]) -> RuleSpec {
        RuleSpec { args, ..self }
    }

    /// The profile rule.
    pub fn to_rule(self) -> SyscallRule {
        let mut r = SyscallRule::new(self.names.iter().copied(), self.action);
        if !self.args.is_empty() {
            r.args = Some(
                self.args
                    .iter()
                    .map(|&(i, op, v, v2)| {
                        let mut c = ArgCond::new(i, op, v, v2);
                        if v2 == 0 {
                            c.value_two = None;
                        }
                        c
                    })
                    .collect(),
            );
        }
        r.comment = self.comment.map(str::to_string);
        r.includes = self.includes.to_filter();
        r.excludes = self.excludes.to_filter();
        r
    }
}

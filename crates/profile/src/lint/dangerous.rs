//! JW2xx: allowances of dangerous syscalls (ptrace, bpf, mount, keyrings, io_uring, ...), and
//! whether a capability gates them.

use super::*;

/// How an allowance of a dangerous syscall is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Judge {
    /// Any allowance, with or without conditions.
    Any,
    /// Only an unconditional allowance (argument filters are the expected mitigation).
    Unconditional,
    /// clone: allowed unless every allowing rule tests the namespace flags.
    CloneFlags,
}

/// A dangerous-syscall rule (its why and fix are the rule's), the names it is about, and how
/// an allowance of them is judged.
struct Dangerous {
    rule: Rule,
    names: &'static [&'static str],
    judge: Judge,
}

const DANGEROUS: &[Dangerous] = &[
    Dangerous {
        rule: PTRACE,
        names: &["ptrace"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: BPF,
        names: &["bpf"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: MOUNT,
        names: &[
            "mount",
            "umount",
            "umount2",
            "fsopen",
            "fsconfig",
            "fsmount",
            "fspick",
            "move_mount",
            "open_tree",
            "mount_setattr",
        ],
        judge: Judge::Any,
    },
    Dangerous {
        rule: KEYRING,
        names: &["keyctl", "add_key", "request_key"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: IO_URING,
        names: &["io_uring_setup", "io_uring_enter", "io_uring_register"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: USERFAULTFD,
        names: &["userfaultfd"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: PERF,
        names: &["perf_event_open"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: NAMESPACES,
        names: &["unshare", "setns"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: PERSONALITY,
        names: &["personality"],
        judge: Judge::Unconditional,
    },
    Dangerous {
        rule: PROCESS_VM,
        names: &["process_vm_readv", "process_vm_writev"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: KEXEC,
        names: &["kexec_load", "kexec_file_load"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: MODULES,
        names: &["init_module", "finit_module", "delete_module"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: OPEN_BY_HANDLE,
        names: &["open_by_handle_at"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: CLONE_NS,
        names: &["clone"],
        judge: Judge::CloneFlags,
    },
    Dangerous {
        rule: PIVOT_ROOT,
        names: &["pivot_root"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: CHROOT,
        names: &["chroot"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: REBOOT,
        names: &["reboot"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: SWAP,
        names: &["swapon", "swapoff"],
        judge: Judge::Any,
    },
    Dangerous {
        rule: IOPL,
        names: &["iopl", "ioperm"],
        judge: Judge::Any,
    },
];

impl Lint<'_> {
    /// JW201-JW219.
    pub(super) fn dangerous(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            let Some(ap) = p.arch(p.host) else { continue };
            let Some(table) = tables::table(p.host) else {
                continue;
            };
            for d in DANGEROUS {
                for &name in d.names {
                    let Some(nr) = table.lookup(name) else {
                        continue;
                    };
                    if let Some((path, how)) = self.allowance(p, ap, nr, d.judge) {
                        let message = format!("`{name}` is allowed {how}");
                        out.push(
                            Hit::new(d.rule, path, message)
                                .syscall(Some(name))
                                .on(p.host),
                        );
                    } else if let Some((i, cap)) = self.cap_gated(p, name) {
                        let message = match d.judge {
                                Judge::Any => format!("`{name}` is allowed only when the container has {cap}"),
                                Judge::Unconditional => format!("`{name}` is allowed without an argument filter only when the container has {cap}"),
                                Judge::CloneFlags => format!("`{name}` is allowed without a namespace-flag filter only when the container has {cap}"),
                            };
                        out.push(
                            Hit::new(d.rule, self.name_path(i, name), message)
                                .syscall(Some(name))
                                .on(p.host)
                                .severity(Severity::Info),
                        );
                    }
                }
            }
        }
        for hit in out {
            self.push(hit);
        }
    }

    /// Whether `nr` is allowed on `ap` in the way `judge` cares about: the path of the rule
    /// (or default) that allows it and how.
    pub(super) fn allowance(
        &self,
        p: &Policy,
        ap: &ArchPolicy,
        nr: u32,
        judge: Judge,
    ) -> Option<(String, String)> {
        let name = ap.syscalls.get(&nr).map(|s| s.name).unwrap_or("");
        match ap.syscalls.get(&nr) {
            Some(sp) if !sp.rules.is_empty() => {
                if let Some(a) = sp.unconditional() {
                    let r = &sp.rules[0];
                    return a.permits().then(|| {
                        (
                            self.name_path(r.source, name),
                            "unconditionally".to_string(),
                        )
                    });
                }
                let allowing: Vec<&PolicyRule> =
                    sp.rules.iter().filter(|r| r.action.permits()).collect();
                let first = allowing.first()?;
                match judge {
                    Judge::Unconditional => None,
                    Judge::Any => Some((
                        self.name_path(first.source, name),
                        format!("when {}", conds_text(first)),
                    )),
                    Judge::CloneFlags => {
                        let unfiltered = allowing.iter().find(|r| !tests_clone_flags(r))?;
                        Some((
                            self.name_path(unfiltered.source, name),
                            format!(
                                "when {}, without a check of the namespace flags",
                                conds_text(unfiltered)
                            ),
                        ))
                    }
                }
            }
            _ => {
                let d = ap.decide(nr, &[0; 6], p.default);
                d.action.permits().then(|| {
                    (
                        self.key_path("defaultAction"),
                        format!("by the default action {}", d.action),
                    )
                })
            }
        }
    }

    /// A permitting rule naming `name` that `includes.caps` filtered out under the options'
    /// bounding set: its index and the capabilities it wants.
    pub(super) fn cap_gated(&self, p: &Policy, name: &str) -> Option<(usize, String)> {
        self.profile.rules().iter().enumerate().find_map(|(i, r)| {
            let gated = matches!(p.rule_status.get(i), Some(RuleStatus::Filtered(why)) if why.starts_with("includes.caps"));
            (gated && r.action().permits() && r.all_names().any(|n| n == name)).then(|| {
                let caps = r
                    .includes
                    .as_ref()
                    .and_then(|f| f.caps.clone())
                    .unwrap_or_default()
                    .join(" + ");
                (i, caps)
            })
        })
    }
}

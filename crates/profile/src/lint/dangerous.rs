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

/// A table row.
const fn d(rule: Rule, names: &'static [&'static str], judge: Judge) -> Dangerous {
    Dangerous { rule, names, judge }
}

const DANGEROUS: &[Dangerous] = &[
    d(PTRACE, &["ptrace"], Judge::Any),
    d(BPF, &["bpf"], Judge::Any),
    d(
        MOUNT,
        &[
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
        Judge::Any,
    ),
    d(KEYRING, &["keyctl", "add_key", "request_key"], Judge::Any),
    d(
        IO_URING,
        &["io_uring_setup", "io_uring_enter", "io_uring_register"],
        Judge::Any,
    ),
    d(USERFAULTFD, &["userfaultfd"], Judge::Any),
    d(PERF, &["perf_event_open"], Judge::Any),
    d(NAMESPACES, &["unshare", "setns"], Judge::Any),
    d(PERSONALITY, &["personality"], Judge::Unconditional),
    d(
        PROCESS_VM,
        &["process_vm_readv", "process_vm_writev"],
        Judge::Any,
    ),
    d(KEXEC, &["kexec_load", "kexec_file_load"], Judge::Any),
    d(
        MODULES,
        &["init_module", "finit_module", "delete_module"],
        Judge::Any,
    ),
    d(OPEN_BY_HANDLE, &["open_by_handle_at"], Judge::Any),
    d(CLONE_NS, &["clone"], Judge::CloneFlags),
    d(PIVOT_ROOT, &["pivot_root"], Judge::Any),
    d(CHROOT, &["chroot"], Judge::Any),
    d(REBOOT, &["reboot"], Judge::Any),
    d(SWAP, &["swapon", "swapoff"], Judge::Any),
    d(IOPL, &["iopl", "ioperm"], Judge::Any),
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

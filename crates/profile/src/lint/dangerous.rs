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

struct Dangerous {
    rule: Rule,
    names: &'static [&'static str],
    judge: Judge,
    why: &'static str,
    fix: &'static str,
}

const DANGEROUS: &[Dangerous] = &[
    Dangerous {
        rule: PTRACE,
        names: &["ptrace"],
        judge: Judge::Any,
        why: "ptrace reads and writes the memory and registers of any process the container can see: secrets of sibling processes, code injection; before kernel 4.8 it also bypassed seccomp itself",
        fix: "remove ptrace from the allow list unless the container runs debuggers or tracers (the `debug` tier)",
    },
    Dangerous {
        rule: BPF,
        names: &["bpf"],
        judge: Judge::Any,
        why: "the eBPF verifier and maps are a large kernel attack surface behind many recent privilege escalations, and BPF programs can read kernel memory",
        fix: "remove bpf; grant it only with CAP_BPF / CAP_SYS_ADMIN gating (`includes.caps`) as Docker's default does",
    },
    Dangerous {
        rule: MOUNT,
        names: &["mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr"],
        judge: Judge::Any,
        why: "mounting changes what the container's paths mean (over /proc, over the runtime's files) and the mount code is a classic escape route; the new mount API (fsopen ...) is the same power",
        fix: "remove the mount syscalls, or gate them on CAP_SYS_ADMIN with `includes.caps` as Docker's default does",
    },
    Dangerous {
        rule: KEYRING,
        names: &["keyctl", "add_key", "request_key"],
        judge: Judge::Any,
        why: "the kernel keyring is not namespaced: a container can read or plant keys other containers of the same uid use, and the keyring code has a long record of exploitable bugs",
        fix: "remove keyctl, add_key and request_key (programs fall back when they fail)",
    },
    Dangerous {
        rule: IO_URING,
        names: &["io_uring_setup", "io_uring_enter", "io_uring_register"],
        judge: Judge::Any,
        why: "io_uring performs reads, writes, opens and network I/O inside the kernel where seccomp never sees them, and it has been one of the richest sources of kernel exploits",
        fix: "remove the io_uring syscalls; runtimes fall back to ordinary I/O when io_uring_setup fails",
    },
    Dangerous {
        rule: USERFAULTFD,
        names: &["userfaultfd"],
        judge: Judge::Any,
        why: "userfaultfd lets a process pause the kernel on a page fault at a moment of its choosing, which turns hard-to-win kernel races into reliable exploits",
        fix: "remove userfaultfd (only live-migration and some garbage collectors need it)",
    },
    Dangerous {
        rule: PERF,
        names: &["perf_event_open"],
        judge: Judge::Any,
        why: "perf events expose kernel addresses and side channels and have a long record of privilege-escalation bugs",
        fix: "remove perf_event_open unless the container runs profilers; gate it on CAP_PERFMON as Docker's default does",
    },
    Dangerous {
        rule: NAMESPACES,
        names: &["unshare", "setns"],
        judge: Judge::Any,
        why: "new user namespaces give unprivileged code namespace-root, which reaches kernel code (netfilter, mount, ...) normally reserved to root: the first step of many container escapes",
        fix: "remove unshare and setns, or gate them on CAP_SYS_ADMIN with `includes.caps`",
    },
    Dangerous {
        rule: PERSONALITY,
        names: &["personality"],
        judge: Judge::Unconditional,
        why: "personality(ADDR_NO_RANDOMIZE) switches off address-space randomisation for the process and its children, and other flags (READ_IMPLIES_EXEC) weaken memory protections",
        fix: "allow personality only for the values programs use: arg0 == 0x0, 0x8, 0x20000, 0x20008 and 0xffffffff (query), as Docker's default does",
    },
    Dangerous {
        rule: PROCESS_VM,
        names: &["process_vm_readv", "process_vm_writev"],
        judge: Judge::Any,
        why: "they read and write another process's memory directly, with the same reach as ptrace",
        fix: "remove process_vm_readv and process_vm_writev unless the container runs debuggers",
    },
    Dangerous {
        rule: KEXEC,
        names: &["kexec_load", "kexec_file_load"],
        judge: Judge::Any,
        why: "loading a new kernel replaces the host's kernel: a full host compromise",
        fix: "remove kexec_load and kexec_file_load",
    },
    Dangerous {
        rule: MODULES,
        names: &["init_module", "finit_module", "delete_module"],
        judge: Judge::Any,
        why: "loading kernel code is a full host compromise; unloading modules can disable host security features",
        fix: "remove the module syscalls, or gate them on CAP_SYS_MODULE as Docker's default does",
    },
    Dangerous {
        rule: OPEN_BY_HANDLE,
        names: &["open_by_handle_at"],
        judge: Judge::Any,
        why: "file handles name files by inode, bypassing the container's mount root: the 2014 \"shocker\" escape read the host's /etc/shadow this way",
        fix: "remove open_by_handle_at, or gate it on CAP_DAC_READ_SEARCH as Docker's default does",
    },
    Dangerous {
        rule: CLONE_NS,
        names: &["clone"],
        judge: Judge::CloneFlags,
        why: "clone with CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET ... creates namespaces just like unshare, giving unprivileged code namespace-root",
        fix: "allow clone only when its flags argument has no namespace bits: {\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 2114060288, \"valueTwo\": 0} (index 1 on s390), as Docker's default does",
    },
    Dangerous {
        rule: PIVOT_ROOT,
        names: &["pivot_root"],
        judge: Judge::Any,
        why: "pivot_root changes the root of the mount namespace; with mount it lets a process assemble its own view of the filesystem",
        fix: "remove pivot_root (only container runtimes and init systems need it)",
    },
    Dangerous {
        rule: CHROOT,
        names: &["chroot"],
        judge: Judge::Any,
        why: "chroot with an open directory descriptor outside the new root is a well-known escape primitive, and it confuses path-based checks",
        fix: "remove chroot unless the workload needs it (package managers and some build tools do)",
    },
    Dangerous {
        rule: REBOOT,
        names: &["reboot"],
        judge: Judge::Any,
        why: "reboot acts on the host (outside a PID namespace it restarts the machine) and can load kexec kernels",
        fix: "remove reboot, or gate it on CAP_SYS_BOOT as Docker's default does",
    },
    Dangerous {
        rule: SWAP,
        names: &["swapon", "swapoff"],
        judge: Judge::Any,
        why: "swap is host-wide: a container could add swap on a file it controls or take swap away from every other tenant",
        fix: "remove swapon and swapoff",
    },
    Dangerous {
        rule: IOPL,
        names: &["iopl", "ioperm"],
        judge: Judge::Any,
        why: "raw I/O port access talks to hardware directly, bypassing every kernel check",
        fix: "remove iopl and ioperm, or gate them on CAP_SYS_RAWIO as Docker's default does",
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
                        out.push((
                            d,
                            name,
                            Severity::Warning,
                            path,
                            Some(p.host),
                            format!("`{name}` is allowed {how}"),
                        ));
                    } else if let Some((i, cap)) = self.cap_gated(p, name) {
                        out.push((
                            d,
                            name,
                            Severity::Info,
                            self.name_path(i, name),
                            Some(p.host),
                            match d.judge {
                                Judge::Any => format!("`{name}` is allowed only when the container has {cap}"),
                                Judge::Unconditional => format!("`{name}` is allowed without an argument filter only when the container has {cap}"),
                                Judge::CloneFlags => format!("`{name}` is allowed without a namespace-flag filter only when the container has {cap}"),
                            },
                        ));
                    }
                }
            }
        }
        for (d, name, sev, path, host, message) in out {
            let fix = d.fix.to_string();
            self.push(d.rule, sev, path, Some(name), host, message, d.why, fix);
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

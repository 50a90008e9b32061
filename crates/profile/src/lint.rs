//! Lint: findings about a profile, each with a stable id, a severity, the JSON path of the rule it
//! is about, why it matters and how to fix it.
//!
//! The profile is resolved (see [`crate::policy`]) for every host in [`LintOptions::arches`] with
//! the options' bounding set, kernel and runtime; most checks read those policies, so a finding
//! describes what the runtime would really do, not what the text seems to say. A finding that
//! holds on every host checked carries no `arch`; one that holds on some hosts carries the host.
//!
//! [`RULES`] lists every check. Findings are sorted by severity, then JSON path (numerically:
//! `syscalls[2]` before `syscalls[10]`), then id, so the output is deterministic.
//!
//! The **runtime init needs** (the table in [`crate::runtime`], re-exported here) are the
//! syscalls runc and crun themselves make after installing the filter, versioned and each
//! citing its source; [`missing_runtime_needs`] says which ones a resolved policy blocks.
//!
//! ```
//! use jailwright_profile::{catalogue, lint::{lint, LintOptions, Severity}};
//! let profile = catalogue::get("docker-default").unwrap().profile();
//! let findings = lint(&profile, &LintOptions::default());
//! assert!(findings.iter().all(|f| f.severity != Severity::Error));
//! ```

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use crate::action::{Action, Op};
use crate::arch::Arch;
use crate::caps::CapSet;
use crate::dialect::{Dialect, Filter, KernelVersion, Profile, SyscallRule};
use crate::diff::argument_vectors;
use crate::policy::{
    resolve, ArchPolicy, Policy, PolicyRule, RuleStatus, Runtime, RuntimeKind, Target,
    DEFAULT_KERNEL,
};
use crate::tables;

use crate::runtime::may_run;
pub use crate::runtime::{
    effective_version, missing_runtime_needs, runtime_needs, InitStep, NeedKind, RuntimeNeed,
    NEWEST_CRUN, NEWEST_RUNC, RUNC_INIT_ORDER, RUNTIME_NEEDS,
};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The profile is broken or unsafe as written: the container will not start, a name does
    /// nothing, or the profile allows everything.
    Error,
    /// Probably not what the author meant, or a real widening of the attack surface.
    Warning,
    /// Worth knowing; often intentional.
    Info,
}

impl Severity {
    /// The lower-case name (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable id (`JW101`).
    pub id: &'static str,
    /// Stable kebab-case name of the check (`unknown-syscall`).
    pub slug: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// JSON path of what the finding is about (`$.syscalls[3].names[2]`, or `$`).
    pub path: String,
    /// The syscall concerned, when there is one.
    pub syscall: Option<String>,
    /// The host architecture it holds on; `None` when it holds on every host checked.
    pub arch: Option<Arch>,
    /// What is wrong.
    pub message: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it.
    pub fix: String,
}

/// What to lint against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintOptions {
    /// The host architectures to check; empty means the default (x86_64 and aarch64).
    pub arches: Vec<Arch>,
    /// The runtime that installs the filter (its version, when known, selects the runtime
    /// needs; unknown means the newest jailwright knows).
    pub runtime: Runtime,
    /// The container's bounding set (default: Docker's).
    pub caps: CapSet,
    /// The kernel `minKernel` is compared with.
    pub kernel: KernelVersion,
    /// Whether the container runs with no-new-privileges (`--security-opt
    /// no-new-privileges`): the runtime then installs the filter later and needs fewer of its
    /// own syscalls through it. Off by default, as in Docker and Podman.
    pub no_new_privileges: bool,
}

impl Default for LintOptions {
    fn default() -> LintOptions {
        LintOptions {
            arches: DEFAULT_HOSTS.to_vec(),
            runtime: Runtime::RUNC,
            caps: CapSet::docker_default(),
            kernel: DEFAULT_KERNEL,
            no_new_privileges: false,
        }
    }
}

/// The hosts checked when [`LintOptions::arches`] is empty.
pub const DEFAULT_HOSTS: &[Arch] = &[Arch::X86_64, Arch::Aarch64];

/// One check: id, slug, the most serious severity it reports, and what it checks.
pub type Rule = (&'static str, &'static str, Severity, &'static str);

const UNKNOWN_SYSCALL: Rule = (
    "JW101",
    "unknown-syscall",
    Severity::Error,
    "a name that is not a syscall on any architecture (with a \"did you mean\")",
);
const MISSING_ON_ARCH: Rule = (
    "JW102",
    "syscall-missing-on-arch",
    Severity::Info,
    "names that exist on some ABIs the filter covers but not on others (ignored there)",
);
const DUPLICATE_NAME: Rule = (
    "JW103",
    "duplicate-name",
    Severity::Warning,
    "a name listed twice in one rule, or in two rules with the same action, conditions and gates",
);
const SHADOWED_RULE: Rule = (
    "JW104",
    "shadowed-rule",
    Severity::Warning,
    "a conditional rule that never decides because the syscall also has an unconditional rule",
);
const CONFLICTING_RULES: Rule = (
    "JW105",
    "conflicting-rules",
    Severity::Warning,
    "rules for one syscall with different actions whose conditions can hold together",
);
const SAME_AS_DEFAULT: Rule = (
    "JW106",
    "same-as-default",
    Severity::Info,
    "a rule whose action equals the default action (runc drops it)",
);
const REPEATED_ARG_INDEX: Rule = (
    "JW107",
    "repeated-arg-index",
    Severity::Warning,
    "a rule comparing the same argument twice (runc ORs every condition; crun fails to load it)",
);

const PTRACE: Rule = (
    "JW201",
    "dangerous-ptrace",
    Severity::Warning,
    "ptrace allowed",
);
const BPF: Rule = ("JW202", "dangerous-bpf", Severity::Warning, "bpf allowed");
const MOUNT: Rule = ("JW203", "dangerous-mount", Severity::Warning,
    "mount, umount2, fsopen, fsconfig, fsmount, fspick, move_mount, open_tree or mount_setattr allowed");
const KEYRING: Rule = (
    "JW204",
    "dangerous-keyring",
    Severity::Warning,
    "keyctl, add_key or request_key allowed",
);
const IO_URING: Rule = (
    "JW205",
    "dangerous-io-uring",
    Severity::Warning,
    "io_uring_* allowed",
);
const USERFAULTFD: Rule = (
    "JW206",
    "dangerous-userfaultfd",
    Severity::Warning,
    "userfaultfd allowed",
);
const PERF: Rule = (
    "JW207",
    "dangerous-perf-event-open",
    Severity::Warning,
    "perf_event_open allowed",
);
const NAMESPACES: Rule = (
    "JW208",
    "dangerous-namespaces",
    Severity::Warning,
    "unshare or setns allowed",
);
const PERSONALITY: Rule = (
    "JW209",
    "dangerous-personality",
    Severity::Warning,
    "personality allowed without an argument filter",
);
const PROCESS_VM: Rule = (
    "JW210",
    "dangerous-process-vm",
    Severity::Warning,
    "process_vm_readv or process_vm_writev allowed",
);
const KEXEC: Rule = (
    "JW211",
    "dangerous-kexec",
    Severity::Warning,
    "kexec_load or kexec_file_load allowed",
);
const MODULES: Rule = (
    "JW212",
    "dangerous-module-loading",
    Severity::Warning,
    "init_module, finit_module or delete_module allowed",
);
const OPEN_BY_HANDLE: Rule = (
    "JW213",
    "dangerous-open-by-handle-at",
    Severity::Warning,
    "open_by_handle_at allowed",
);
const CLONE_NS: Rule = (
    "JW214",
    "dangerous-clone-namespaces",
    Severity::Warning,
    "clone allowed without a filter on its namespace flags",
);
const PIVOT_ROOT: Rule = (
    "JW215",
    "dangerous-pivot-root",
    Severity::Warning,
    "pivot_root allowed",
);
const CHROOT: Rule = (
    "JW216",
    "dangerous-chroot",
    Severity::Warning,
    "chroot allowed",
);
const REBOOT: Rule = (
    "JW217",
    "dangerous-reboot",
    Severity::Warning,
    "reboot allowed",
);
const SWAP: Rule = (
    "JW218",
    "dangerous-swap",
    Severity::Warning,
    "swapon or swapoff allowed",
);
const IOPL: Rule = (
    "JW219",
    "dangerous-iopl",
    Severity::Warning,
    "iopl or ioperm allowed",
);

const DEFAULT_ALLOW: Rule = ("JW301", "default-allow", Severity::Error,
    "defaultAction ALLOW or LOG: a deny list (an error unless the profile is an intentional audit profile)");
const DEFAULT_KILL: Rule = (
    "JW302",
    "default-kill",
    Severity::Info,
    "defaultAction KILL/KILL_PROCESS/TRAP: unlisted syscalls kill instead of failing",
);
const EPERM_FALLBACK: Rule = (
    "JW303",
    "eperm-breaks-fallback",
    Severity::Warning,
    "newer syscalls glibc falls back from only on ENOSYS are answered with the default errno",
);
const CLONE3_ALLOWED: Rule = (
    "JW304",
    "clone3-allowed",
    Severity::Warning,
    "clone3 allowed: its flags are in memory, where seccomp cannot check them",
);
const CLONE3_ERRNO: Rule = (
    "JW305",
    "clone3-not-enosys",
    Severity::Warning,
    "clone3 answered with an errno other than ENOSYS: glibc will not fall back to clone",
);

const MISSING_ARCH: Rule = (
    "JW401",
    "missing-arch",
    Severity::Warning,
    "archMap/architectures without x86_64 or aarch64, the common container hosts",
);
const COMPAT_ABI: Rule = (
    "JW402",
    "compat-abi-exposed",
    Severity::Warning,
    "the i386 or x32 ABI in the filter of an x86_64 host, with the same allow list",
);

const FILTER_SIZE: Rule = (
    "JW501",
    "filter-size",
    Severity::Error,
    "estimated BPF size near (warning above 3000) or over (error above 4096) the kernel's limit",
);

const RUNTIME_NEEDS_RULE: Rule = (
    "JW601",
    "runtime-init-needs",
    Severity::Error,
    "syscalls runc or crun make after installing the filter, which the profile blocks",
);

/// Every check, in id order.
pub const RULES: &[Rule] = &[
    UNKNOWN_SYSCALL,
    MISSING_ON_ARCH,
    DUPLICATE_NAME,
    SHADOWED_RULE,
    CONFLICTING_RULES,
    SAME_AS_DEFAULT,
    REPEATED_ARG_INDEX,
    PTRACE,
    BPF,
    MOUNT,
    KEYRING,
    IO_URING,
    USERFAULTFD,
    PERF,
    NAMESPACES,
    PERSONALITY,
    PROCESS_VM,
    KEXEC,
    MODULES,
    OPEN_BY_HANDLE,
    CLONE_NS,
    PIVOT_ROOT,
    CHROOT,
    REBOOT,
    SWAP,
    IOPL,
    DEFAULT_ALLOW,
    DEFAULT_KILL,
    EPERM_FALLBACK,
    CLONE3_ALLOWED,
    CLONE3_ERRNO,
    MISSING_ARCH,
    COMPAT_ABI,
    FILTER_SIZE,
    RUNTIME_NEEDS_RULE,
];

// ---------------------------------------------------------------------------------------------
// Runtime init needs
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Dangerous allowances
// ---------------------------------------------------------------------------------------------

/// How an allowance of a dangerous syscall is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Judge {
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

/// Syscalls glibc (and other libcs) fall back from only when they answer ENOSYS.
const ENOSYS_FALLBACKS: &[&str] = &[
    "faccessat2",
    "openat2",
    "statx",
    "close_range",
    "epoll_pwait2",
    "fchmodat2",
];

/// The namespace bits of clone's flags (Docker's 2114060288 mask, `0x7e020000`).
const CLONE_NS_MASK: u64 = 0x7e02_0000;

// ---------------------------------------------------------------------------------------------
// The linter
// ---------------------------------------------------------------------------------------------

struct Lint<'a> {
    profile: &'a Profile,
    opts: &'a LintOptions,
    hosts: Vec<Arch>,
    policies: Vec<Policy>,
    raw: Vec<Finding>,
}

/// Lints `profile` for the hosts, bounding set, kernel and runtime in `opts`.
pub fn lint(profile: &Profile, opts: &LintOptions) -> Vec<Finding> {
    let mut hosts: Vec<Arch> = if opts.arches.is_empty() {
        DEFAULT_HOSTS.to_vec()
    } else {
        opts.arches.clone()
    };
    let mut seen = BTreeSet::new();
    hosts.retain(|a| seen.insert(*a));
    let policies = hosts
        .iter()
        .map(|&arch| {
            resolve(
                profile,
                &Target {
                    arch,
                    caps: opts.caps.clone(),
                    kernel: opts.kernel,
                    runtime: opts.runtime,
                },
            )
        })
        .collect();
    let mut l = Lint {
        profile,
        opts,
        hosts,
        policies,
        raw: Vec::new(),
    };
    l.names();
    l.duplicates();
    l.policy_rules();
    l.dangerous();
    l.default_action();
    l.errno_fallbacks();
    l.clone3();
    l.architectures();
    l.compat_abi();
    l.size();
    l.runtime_needs();
    l.finish()
}

impl Lint<'_> {
    fn root(&self) -> &'static str {
        if self.profile.dialect == Dialect::OciConfig {
            "$.linux.seccomp"
        } else {
            "$"
        }
    }

    fn rule_path(&self, i: usize) -> String {
        format!("{}.syscalls[{i}]", self.root())
    }

    fn name_path(&self, i: usize, name: &str) -> String {
        let Some(rule) = self.profile.rules().get(i) else {
            return self.rule_path(i);
        };
        if let Some(j) = rule.names.iter().flatten().position(|n| n == name) {
            return format!("{}.names[{j}]", self.rule_path(i));
        }
        if rule.name.as_deref() == Some(name) {
            return format!("{}.name", self.rule_path(i));
        }
        self.rule_path(i)
    }

    fn key_path(&self, key: &str) -> String {
        format!("{}.{key}", self.root())
    }

    fn default_path(&self) -> String {
        if self.profile.default_errno.is_some() {
            self.key_path("defaultErrno")
        } else if self.profile.default_errno_ret.is_some() {
            self.key_path("defaultErrnoRet")
        } else {
            self.key_path("defaultAction")
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: Rule,
        severity: Severity,
        path: String,
        syscall: Option<&str>,
        arch: Option<Arch>,
        message: String,
        why: &str,
        fix: String,
    ) {
        self.raw.push(Finding {
            id: rule.0,
            slug: rule.1,
            severity,
            path,
            syscall: syscall.map(str::to_string),
            arch,
            message,
            why: why.to_string(),
            fix,
        });
    }

    /// JW101, JW102.
    fn names(&mut self) {
        let known: BTreeSet<&'static str> = tables::all_names().collect();
        for (i, rule) in self.profile.rules().iter().enumerate() {
            let mut partial: Vec<(String, Vec<Arch>)> = Vec::new();
            for name in rule.all_names() {
                if !known.contains(name) {
                    let lower = name.to_ascii_lowercase();
                    let suggestion = if known.contains(lower.as_str()) {
                        known.get(lower.as_str()).copied()
                    } else {
                        tables::suggest(name)
                    };
                    let hint = match suggestion {
                        Some(s) => format!("; did you mean `{s}`?"),
                        None => String::new(),
                    };
                    let fix = match suggestion {
                        Some(s) => format!("replace `{name}` with `{s}`"),
                        None => format!(
                            "remove `{name}` or correct its spelling (names are the kernel's, as in syscalls(2))"
                        ),
                    };
                    let path = self.name_path(i, name);
                    self.push(
                        UNKNOWN_SYSCALL,
                        Severity::Error,
                        path,
                        Some(name),
                        None,
                        format!("`{name}` is not a syscall on any architecture{hint}"),
                        "runtimes ignore names their libseccomp does not know, so this entry does nothing: the call it was meant to allow stays blocked (or the one meant to be blocked stays allowed)",
                        fix,
                    );
                    continue;
                }
                let mut missing: BTreeSet<Arch> = BTreeSet::new();
                for p in &self.policies {
                    if !matches!(
                        p.rule_status.get(i),
                        Some(RuleStatus::Kept | RuleStatus::SameAsDefault)
                    ) {
                        continue;
                    }
                    for ap in &p.arches {
                        if tables::table(ap.arch).is_some_and(|t| t.lookup(name).is_none()) {
                            missing.insert(ap.arch);
                        }
                    }
                }
                if !missing.is_empty() && !partial.iter().any(|(n, _)| n == name) {
                    partial.push((name.to_string(), missing.into_iter().collect()));
                }
            }
            if partial.is_empty() {
                continue;
            }
            const SHOWN: usize = 8;
            let mut parts: Vec<String> = partial
                .iter()
                .take(SHOWN)
                .map(|(n, arches)| format!("{n} (not on {})", join_arches(arches)))
                .collect();
            if partial.len() > SHOWN {
                parts.push(format!("and {} more", partial.len() - SHOWN));
            }
            let path = self.rule_path(i);
            let syscall = (partial.len() == 1).then(|| partial[0].0.clone());
            self.push(
                MISSING_ON_ARCH,
                Severity::Info,
                path,
                syscall.as_deref(),
                None,
                if partial.len() == 1 {
                    format!(
                        "`{}` is not a syscall on {} (an ABI the filter covers) and is ignored there",
                        partial[0].0,
                        join_arches(&partial[0].1)
                    )
                } else {
                    format!(
                        "{} names of this rule are not syscalls on every ABI the filter covers and are ignored there: {}",
                        partial.len(),
                        parts.join(", ")
                    )
                },
                "each ABI resolves names through its own table; a name it lacks is skipped there (usually intended in a multi-arch profile, e.g. chown32 exists only on 32-bit ABIs)",
                "nothing to do if the profile is meant for several architectures; otherwise drop the names no ABI you run needs".into(),
            );
        }
    }

    /// JW103.
    fn duplicates(&mut self) {
        let rules = self.profile.rules();
        for (i, rule) in rules.iter().enumerate() {
            let names: Vec<&str> = rule.all_names().collect();
            for (j, name) in names.iter().enumerate() {
                if names[..j].contains(name) {
                    let path = format!("{}.names[{j}]", self.rule_path(i));
                    self.push(
                        DUPLICATE_NAME,
                        Severity::Warning,
                        path,
                        Some(name),
                        None,
                        format!("`{name}` is listed twice in this rule"),
                        "the second entry changes nothing; duplicates hide what a reviewer should see and often mean an edit went wrong",
                        format!("delete the second `{name}`"),
                    );
                }
            }
            for (k, earlier) in rules[..i].iter().enumerate() {
                if !same_context(earlier, rule) {
                    continue;
                }
                let mut reported = BTreeSet::new();
                for name in rule.all_names() {
                    if earlier.all_names().any(|n| n == name) && reported.insert(name) {
                        let path = self.name_path(i, name);
                        let earlier_path = self.name_path(k, name);
                        self.push(
                            DUPLICATE_NAME,
                            Severity::Warning,
                            path,
                            Some(name),
                            None,
                            format!("`{name}` is already at {earlier_path}, a rule with the same action, conditions and gates"),
                            "the second entry changes nothing; duplicates hide what a reviewer should see and often mean an edit went wrong",
                            format!("delete `{name}` from one of the two rules"),
                        );
                    }
                }
            }
        }
    }

    /// JW104, JW105, JW106, JW107.
    fn policy_rules(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            let host = p.host;
            for (i, st) in p.rule_status.iter().enumerate() {
                if *st == RuleStatus::SameAsDefault {
                    let action = self.profile.rules()[i].action();
                    out.push((
                        SAME_AS_DEFAULT,
                        Severity::Info,
                        self.rule_path(i),
                        None,
                        host,
                        format!("the rule's action {action} equals the default action; runc skips it"),
                        "a rule that repeats the default changes no decision; libseccomp refuses it and runc silently drops it, so it only misleads readers (and its names still count for runc's ENOSYS stub)".to_string(),
                        "delete the rule, or give it the action it was meant to have".to_string(),
                    ));
                }
            }
            for note in &p.notes {
                let Some(i) = note.source else { continue };
                if note.message.contains("index repeats") {
                    out.push((
                        REPEATED_ARG_INDEX,
                        Severity::Warning,
                        format!("{}.args", self.rule_path(i)),
                        None,
                        host,
                        note.message.clone(),
                        "runc then allows the call when ANY condition holds (including conditions on other arguments), which is usually far wider than meant; crun and libseccomp refuse the profile".to_string(),
                        "split the rule: one rule per allowed value of the repeated argument, each with the other conditions".to_string(),
                    ));
                }
            }
            for ap in &p.arches {
                for sp in ap.syscalls.values() {
                    let decider = sp.rules.first().filter(|r| r.conds.is_empty());
                    for r in &sp.shadowed {
                        let Some(u) = decider else { continue };
                        if r.conds.is_empty() {
                            if r.action != u.action {
                                out.push((
                                    CONFLICTING_RULES,
                                    Severity::Warning,
                                    self.name_path(r.source, sp.name),
                                    Some(sp.name),
                                    host,
                                    format!(
                                        "`{}`: this rule says {} but {} says {}, both unconditionally",
                                        sp.name,
                                        r.action,
                                        self.rule_path(u.source),
                                        u.action
                                    ),
                                    conflict_why(),
                                    format!("keep one action for `{}`: delete it from one of the rules", sp.name),
                                ));
                            }
                            continue;
                        }
                        out.push((
                            SHADOWED_RULE,
                            Severity::Warning,
                            self.name_path(r.source, sp.name),
                            Some(sp.name),
                            host,
                            format!(
                                "`{}` when {} never decides: {} gives it {} unconditionally",
                                sp.name,
                                conds_text(r),
                                self.rule_path(u.source),
                                u.action
                            ),
                            "libseccomp keeps one unconditional action per syscall and drops the argument checks, so the conditions of this rule are dead (if the author meant to restrict the call, it is not restricted)".to_string(),
                            format!(
                                "remove `{}` from the unconditional rule if the conditions are meant to restrict it; otherwise delete this rule",
                                sp.name
                            ),
                        ));
                    }
                    let is64 = ap.arch.is_64bit_args();
                    for (b, rb) in sp.rules.iter().enumerate() {
                        for ra in &sp.rules[..b] {
                            if ra.action == rb.action || ra.conds.is_empty() || rb.conds.is_empty()
                            {
                                continue;
                            }
                            if let Some(args) = overlap(ra, rb, is64) {
                                out.push((
                                    CONFLICTING_RULES,
                                    Severity::Warning,
                                    self.name_path(rb.source, sp.name),
                                    Some(sp.name),
                                    host,
                                    format!(
                                        "`{}`: {} ({} when {}) and {} ({} when {}) both match e.g. args {:#x?}",
                                        sp.name,
                                        self.rule_path(ra.source),
                                        ra.action,
                                        conds_text(ra),
                                        self.rule_path(rb.source),
                                        rb.action,
                                        conds_text(rb),
                                        &args[..]
                                    ),
                                    conflict_why(),
                                    "make the conditions disjoint (e.g. add the negation of one rule's condition to the other), so the order of evaluation cannot matter".to_string(),
                                ));
                            }
                        }
                    }
                }
            }
        }
        for (rule, sev, path, syscall, host, message, why, fix) in out {
            self.push(rule, sev, path, syscall, Some(host), message, &why, fix);
        }
    }

    /// JW201-JW219.
    fn dangerous(&mut self) {
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
    fn allowance(
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
    fn cap_gated(&self, p: &Policy, name: &str) -> Option<(usize, String)> {
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

    /// JW301, JW302.
    fn default_action(&mut self) {
        let default = self.profile.default();
        let path = self.key_path("defaultAction");
        match default {
            Action::Allow | Action::Log => {
                let audit = default == Action::Log
                    || self
                        .profile
                        .flags
                        .iter()
                        .flatten()
                        .any(|f| f == "SECCOMP_FILTER_FLAG_LOG")
                    || self.profile.rules().iter().any(|r| {
                        matches!(r.action(), Action::Log | Action::Notify | Action::Trace(_))
                    });
                let (sev, what) = if audit {
                    (
                        Severity::Warning,
                        "an audit profile: every syscall not listed runs (and is logged or traced)",
                    )
                } else {
                    (
                        Severity::Error,
                        "a deny list: every syscall the profile does not name runs",
                    )
                };
                self.push(
                    DEFAULT_ALLOW,
                    sev,
                    path,
                    None,
                    None,
                    format!("defaultAction is {default}: {what}"),
                    "a deny list cannot keep up with the kernel: every new syscall (and every one the author forgot: io_uring, userfaultfd, the new mount API ...) is allowed; runc's ENOSYS stub is also off with this default",
                    "use SCMP_ACT_ERRNO as the default and allow what the workload needs (start from `docker-default` or a tier); keep ALLOW/LOG defaults only for recording what a workload calls".into(),
                );
            }
            Action::KillThread | Action::KillProcess | Action::Trap => {
                self.push(
                    DEFAULT_KILL,
                    Severity::Info,
                    path,
                    None,
                    None,
                    format!("defaultAction is {default}: any syscall the profile does not allow kills the caller"),
                    "programs probe for optional syscalls and fall back when they fail; a kill turns each probe into a crash (KILL_THREAD can also leave a process half-dead with a lock held), and newer libcs probe more every year",
                    "prefer SCMP_ACT_ERRNO with defaultErrnoRet 38 (ENOSYS) so programs fall back; keep KILL only for small, fully known programs".into(),
                );
            }
            _ => {}
        }
    }

    /// JW303.
    fn errno_fallbacks(&mut self) {
        let Action::Errno(e) = self.profile.default() else {
            return;
        };
        if e == 38 {
            return;
        }
        let mut out = Vec::new();
        for p in &self.policies {
            let (Some(ap), Some(table)) = (p.arch(p.host), tables::table(p.host)) else {
                continue;
            };
            let hit: Vec<&str> = ENOSYS_FALLBACKS
                .iter()
                .copied()
                .filter(|n| {
                    table.lookup(n).is_some_and(|nr| {
                        let d = ap.decide(nr, &[0; 6], p.default);
                        d.reason == crate::policy::Reason::Default && !ap.is_conditional(nr)
                    })
                })
                .collect();
            if hit.is_empty() {
                continue;
            }
            let stub = match ap.enosys_above {
                Some(above) => format!(
                    "{}'s ENOSYS stub only answers numbers above {} ({above}), and these are below it",
                    self.opts.runtime,
                    table.name(above).unwrap_or("?")
                ),
                None => format!(
                    "{} has no ENOSYS stub (runc >= 1.0 has one; crun and plain libseccomp do not)",
                    self.opts.runtime
                ),
            };
            out.push((
                p.host,
                format!(
                    "the default answers {} with {}: {stub}",
                    hit.join(", "),
                    Action::Errno(e)
                ),
                hit.join(","),
            ));
        }
        let path = self.default_path();
        for (host, message, names) in out {
            self.push(
                EPERM_FALLBACK,
                Severity::Warning,
                path.clone(),
                (!names.contains(',')).then_some(names.as_str()),
                Some(host),
                message,
                "glibc and other libraries try these newer syscalls first and fall back to older ones only on ENOSYS; EPERM is taken as a real denial, so e.g. faccessat2 makes `test -x` and access checks fail and openat2/statx users break instead of falling back",
                "set \"defaultErrnoRet\": 38 (ENOSYS), or allow these syscalls, or add a rule answering them with errnoRet 38; under Docker, runc's stub covers syscalls newer than every name in the profile".into(),
            );
        }
    }

    /// JW304, JW305.
    fn clone3(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            let (Some(ap), Some(table)) = (p.arch(p.host), tables::table(p.host)) else {
                continue;
            };
            let Some(nr) = table.lookup("clone3") else {
                continue;
            };
            if let Some((path, how)) = self.allowance(p, ap, nr, Judge::Any) {
                out.push((
                    CLONE3_ALLOWED,
                    path,
                    p.host,
                    format!("clone3 is allowed {how}"),
                ));
                continue;
            }
            let d = ap.decide(nr, &[0; 6], p.default);
            if let Action::Errno(e) = d.action {
                if e != 38 {
                    let path = match d.reason {
                        crate::policy::Reason::Rule { source } => self.name_path(source, "clone3"),
                        _ => self.default_path(),
                    };
                    out.push((
                        CLONE3_ERRNO,
                        path,
                        p.host,
                        format!("clone3 is answered with {}", d.action),
                    ));
                }
            }
        }
        for (rule, path, host, message) in out {
            let (why, fix) = if rule == CLONE3_ALLOWED {
                (
                    "clone3 takes its flags in a struct in memory, which seccomp cannot read, so namespace creation (CLONE_NEWUSER ...) cannot be filtered the way clone's flags are",
                    "answer clone3 with ERRNO(38) (ENOSYS) so glibc falls back to clone, whose flags the profile checks: {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}",
                )
            } else {
                (
                    "glibc >= 2.34 creates every thread with clone3 and falls back to clone only on ENOSYS; any other errno makes pthread_create and fork-like calls fail",
                    "answer clone3 with errnoRet 38 (ENOSYS): {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}",
                )
            };
            self.push(
                rule,
                rule.2,
                path,
                Some("clone3"),
                Some(host),
                message,
                why,
                fix.into(),
            );
        }
    }

    /// JW401.
    fn architectures(&mut self) {
        const COMMON: &[(Arch, &str, Arch)] = &[
            (Arch::X86_64, "Intel/AMD servers, PCs and most CI runners", Arch::X86),
            (Arch::Aarch64, "Apple Silicon Macs under Colima, Docker Desktop or Podman machine, AWS Graviton, Ampere", Arch::Arm),
        ];
        let p = self.profile;
        let (key, listed): (&str, Vec<Arch>) =
            if let Some(map) = p.arch_map.as_ref().filter(|m| !m.is_empty()) {
                ("archMap", map.iter().map(|e| e.architecture).collect())
            } else if let Some(list) = p.architectures.as_ref().filter(|l| !l.is_empty()) {
                ("architectures", list.clone())
            } else {
                return;
            };
        for &(arch, hosts, compat) in COMMON {
            if listed.contains(&arch) {
                continue;
            }
            let what = if key == "archMap" {
                format!("archMap has no entry for {arch}: on an {arch} host the filter covers {arch} alone (policy rule 1: a host without an archMap entry gets a native-only filter)")
            } else {
                format!("architectures does not list {}: libseccomp still adds the native ABI, so on an {arch} host the filter covers {arch} plus the listed ABIs, which never occur there (policy rule 1)", arch.scmp_name())
            };
            let path = self.key_path(key);
            self.push(
                MISSING_ARCH,
                Severity::Warning,
                path,
                None,
                Some(arch),
                format!("{what}; the rules still apply to native {arch} programs, but {compat} (32-bit) programs get the bad-arch action and are killed"),
                &format!("{arch} is a common container host ({hosts}); the profile is not bypassed there, but 32-bit images and tools that need the {compat} compat ABI die with SIGSYS, and a profile that looks multi-arch silently is not"),
                if key == "archMap" {
                    format!("add {{\"architecture\": \"{}\", \"subArchitectures\": [\"{}\"]}} to archMap (leave subArchitectures empty to keep 32-bit programs out)", arch.scmp_name(), compat.scmp_name())
                } else {
                    format!("add \"{}\" to architectures", arch.scmp_name())
                },
            );
        }
    }

    /// JW402.
    fn compat_abi(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            if p.host != Arch::X86_64 {
                continue;
            }
            let socket_filtered = p.arch(Arch::X86_64).is_some_and(|ap| {
                tables::table(Arch::X86_64)
                    .and_then(|t| t.lookup("socket"))
                    .is_some_and(|nr| ap.is_conditional(nr))
            });
            for sub in [Arch::X86, Arch::X32] {
                let Some(ap) = p.arch(sub) else { continue };
                let allowed = ap
                    .syscalls
                    .values()
                    .filter(|s| s.unconditional().is_some_and(Action::permits))
                    .count();
                let socketcall = tables::table(sub)
                    .and_then(|t| t.lookup("socketcall"))
                    .is_some_and(|nr| may_run(ap, nr, p.default));
                let mut message = if sub == Arch::X86 {
                    format!("the filter covers the i386 ABI (`int $0x80`) with the same rules: {allowed} syscalls allowed unconditionally there")
                } else {
                    format!("the filter covers the x32 ABI (numbers with bit 0x40000000) with the same rules: {allowed} syscalls allowed unconditionally there")
                };
                if sub == Arch::X86 && socket_filtered && socketcall {
                    message.push_str("; socketcall is allowed on i386, so the argument filter on socket(2) can be bypassed (socketcall passes socket's arguments in memory)");
                }
                out.push((sub, message));
            }
        }
        let path_for = |sub: Arch| -> String {
            if let Some(map) = self.profile.arch_map.as_ref() {
                for (k, e) in map.iter().enumerate() {
                    if e.architecture == Arch::X86_64 {
                        if let Some(j) =
                            e.sub_architectures.iter().flatten().position(|a| *a == sub)
                        {
                            return format!("{}.archMap[{k}].subArchitectures[{j}]", self.root());
                        }
                    }
                }
            }
            if let Some(j) = self
                .profile
                .architectures
                .iter()
                .flatten()
                .position(|a| *a == sub)
            {
                return format!("{}.architectures[{j}]", self.root());
            }
            self.root().to_string()
        };
        let out: Vec<(Arch, String, String)> = out
            .into_iter()
            .map(|(sub, m)| (sub, m, path_for(sub)))
            .collect();
        for (sub, message, path) in out {
            self.push(
                COMPAT_ABI,
                Severity::Warning,
                path,
                None,
                Some(Arch::X86_64),
                message,
                "any x86_64 process can make compat syscalls, and a container rarely runs 32-bit binaries; the compat ABIs give the same allow list under other numbers with 32-bit argument comparisons, multiplexers (socketcall, ipc) whose real arguments seccomp cannot see, and compat kernel code that has been a steady source of bugs",
                format!(
                    "drop {} from the x86_64 sub-architectures unless the container must run {} binaries",
                    sub.scmp_name(),
                    if sub == Arch::X86 { "32-bit" } else { "x32" }
                ),
            );
        }
    }

    /// JW501.
    fn size(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            let n = estimate_instructions(p);
            let sev = if n > 4096 {
                Severity::Error
            } else if n > 3000 {
                Severity::Warning
            } else {
                continue;
            };
            out.push((p.host, sev, n));
        }
        let path = self.key_path("syscalls");
        for (host, sev, n) in out {
            self.push(
                FILTER_SIZE,
                sev,
                path.clone(),
                None,
                Some(host),
                format!("the filter is estimated at about {n} BPF instructions (kernel limit: 4096 per filter)"),
                "the kernel refuses a filter longer than 4096 instructions, and the runtime then fails to start the container; long filters also slow every syscall that is not served by the kernel's constant-action cache",
                "merge rules, drop names no ABI you run has, drop sub-architectures you do not need (each ABI repeats the whole list), and prefer unconditional rules over long argument lists".into(),
            );
        }
    }

    /// JW601.
    fn runtime_needs(&mut self) {
        let runtime = self.opts.runtime;
        if runtime.kind == RuntimeKind::Oci {
            return;
        }
        let checked = match (runtime.version, effective_version(runtime)) {
            (None, Some(v)) => format!(
                " (the runtime's version was not given: checked against {}@{v}, the newest jailwright knows; pass --runtime {}@VERSION for yours)",
                runtime, runtime
            ),
            _ => String::new(),
        };
        let mut out = Vec::new();
        for p in &self.policies {
            for (need, missing) in missing_runtime_needs(p, runtime, self.opts.no_new_privileges) {
                let list = missing.join(", ");
                let alternatives = if need.kind == NeedKind::AnyOf {
                    format!(
                        " (it falls back between {}; allowing {} is enough)",
                        need.syscalls.join(" and "),
                        missing.join(", ")
                    )
                } else {
                    String::new()
                };
                out.push((
                    p.host,
                    missing.clone(),
                    format!(
                        "{} cannot start a container under this profile: it calls {list} itself after installing the filter{alternatives}, and the user sees \"{}\"{checked}",
                        runtime_name(runtime),
                        need.error
                    ),
                    format!("allow {list}: add {} to the unconditional allow rule (source: {})", quote_list(&missing), need.source),
                ));
            }
        }
        let why = if self.opts.no_new_privileges {
            format!("with no-new-privileges on, the runtime installs the filter just before it execs the entrypoint, so what it does from there (closing inherited file descriptors, its procfs checks, the exec, its own threads) goes through the profile; {RUNC_INIT_ORDER}")
        } else {
            format!("with no-new-privileges off (the default of Docker and Podman), the runtime installs the filter before it drops capabilities, switches user, closes its file descriptors and execs the entrypoint, so its own syscalls go through the profile too (with --security-opt no-new-privileges it installs the filter just before exec, and needs fewer: lint --no-new-privileges); {RUNC_INIT_ORDER}")
        };
        let path = self.key_path("syscalls");
        for (host, missing, message, fix) in out {
            let syscall = (missing.len() == 1).then_some(missing[0]);
            self.push(
                RUNTIME_NEEDS_RULE,
                Severity::Error,
                path.clone(),
                syscall,
                Some(host),
                message,
                &why,
                fix,
            );
        }
    }

    /// Merges findings that hold on every host into one without `arch`, removes duplicates and
    /// sorts.
    fn finish(self) -> Vec<Finding> {
        let hosts = self.hosts;
        let mut groups: Vec<(Finding, BTreeSet<Option<Arch>>)> = Vec::new();
        for f in self.raw {
            let mut key = f.clone();
            key.arch = None;
            match groups.iter_mut().find(|(g, _)| *g == key) {
                Some((_, arches)) => {
                    arches.insert(f.arch);
                }
                None => groups.push((key, BTreeSet::from([f.arch]))),
            }
        }
        let mut out = Vec::new();
        for (f, arches) in groups {
            let on_all = arches.contains(&None)
                || (!is_host_specific(f.id) && hosts.iter().all(|h| arches.contains(&Some(*h))));
            if on_all {
                out.push(f);
            } else {
                for a in arches.into_iter().flatten() {
                    out.push(Finding {
                        arch: Some(a),
                        ..f.clone()
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then_with(|| natural_cmp(&a.path, &b.path))
                .then_with(|| a.id.cmp(b.id))
                .then_with(|| a.syscall.cmp(&b.syscall))
                .then_with(|| a.arch.cmp(&b.arch))
                .then_with(|| a.message.cmp(&b.message))
        });
        out
    }
}

/// Findings whose arch names the host even when only one host is checked (they are about that
/// host specifically).
fn is_host_specific(id: &str) -> bool {
    matches!(id, "JW401" | "JW402")
}

fn runtime_name(r: Runtime) -> String {
    match r.version {
        Some(_) => r.to_string(),
        None => match r.kind {
            RuntimeKind::Runc => "runc".into(),
            RuntimeKind::Crun => "crun".into(),
            RuntimeKind::Oci => "the runtime".into(),
        },
    }
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn join_arches(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn conflict_why() -> String {
    "where the conditions overlap, which action wins depends on evaluation order: jailwright and the profile's text suggest first-match in profile order, but libseccomp merges a syscall's rules into one decision tree and does not keep that order, so runc, crun and libseccomp versions can decide differently".to_string()
}

fn conds_text(r: &PolicyRule) -> String {
    if r.conds.is_empty() {
        return "always".into();
    }
    r.conds
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" && ")
}

/// Arguments on which both rules' conditions hold, if any.
fn overlap(a: &PolicyRule, b: &PolicyRule, is64: bool) -> Option<[u64; 6]> {
    let mut conds = a.conds.clone();
    conds.extend(b.conds.iter().copied());
    argument_vectors(&conds, is64)
        .into_iter()
        .find(|args| a.matches(args) && b.matches(args))
}

/// Whether a clone rule tests the namespace bits of the flags argument (arg0, arg1 on s390):
/// a MASKED_EQ whose mask covers CLONE_NEWUSER and the other namespace bits and requires them
/// clear, or an EQ on a value without them.
fn tests_clone_flags(r: &PolicyRule) -> bool {
    r.conds.iter().any(|c| {
        c.arg <= 1
            && match c.op {
                Op::MaskedEq => {
                    c.value & CLONE_NS_MASK == CLONE_NS_MASK && c.value_two & CLONE_NS_MASK == 0
                }
                Op::Eq => c.value & CLONE_NS_MASK == 0,
                _ => false,
            }
    })
}

fn same_context(a: &SyscallRule, b: &SyscallRule) -> bool {
    fn norm(f: &Option<Filter>) -> Option<&Filter> {
        f.as_ref().filter(|f| !f.is_empty())
    }
    fn conds(r: &SyscallRule) -> Vec<(u8, Op, u64, u64)> {
        r.conditions()
            .iter()
            .map(|c| (c.index, c.op, c.value, c.value_two.unwrap_or(0)))
            .collect()
    }
    a.action() == b.action()
        && conds(a) == conds(b)
        && norm(&a.includes) == norm(&b.includes)
        && norm(&a.excludes) == norm(&b.excludes)
}

/// An estimate of the BPF program libseccomp (linear layout, as runc < 1.2 and crun use) would
/// generate for `policy`: per ABI an arch check and number load, one comparison per syscall
/// that has rules, and for argument rules one block per rule with two instructions per
/// comparison on 32-bit ABIs and four on 64-bit ones (high and low words); shared returns;
/// runc's ENOSYS stub. Within about 10% of libseccomp on the catalogue.
pub fn estimate_instructions(policy: &Policy) -> usize {
    let mut n = 0usize;
    let mut actions: BTreeSet<Action> = BTreeSet::new();
    actions.insert(policy.default);
    actions.insert(policy.bad_arch);
    for ap in &policy.arches {
        n += 3;
        if ap.arch == Arch::X86_64 || ap.arch == Arch::X32 {
            n += 2;
        }
        if ap.enosys_above.is_some() {
            n += 3;
            actions.insert(Action::Errno(38));
        }
        let per_cond = if ap.arch.is_64bit_args() { 4 } else { 2 };
        for sp in ap.syscalls.values() {
            if sp.rules.is_empty() {
                continue;
            }
            n += 1;
            if sp.unconditional().is_some() {
                actions.extend(sp.rules.iter().map(|r| r.action));
                continue;
            }
            for r in &sp.rules {
                n += 1 + per_cond * r.conds.len();
                actions.insert(r.action);
            }
        }
    }
    n + actions.len()
}

/// Compares JSON paths with their numbers as numbers (`[2]` before `[10]`).
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let i = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let j = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (nx, ny) = (&x[..i], &y[..j]);
                let nx = trim_zeros(nx);
                let ny = trim_zeros(ny);
                let ord = nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[i..];
                y = &y[j..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let k = s.iter().take_while(|c| **c == b'0').count();
    &s[k.min(s.len().saturating_sub(1))..]
}

/// The rule description for an id (`JW101`), if it exists.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.0.eq_ignore_ascii_case(id) || r.1 == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_paths() {
        assert_eq!(
            natural_cmp("$.syscalls[2]", "$.syscalls[10]"),
            Ordering::Less
        );
        assert_eq!(
            natural_cmp("$.syscalls[10].names[1]", "$.syscalls[10].names[0]"),
            Ordering::Greater
        );
        assert_eq!(natural_cmp("$", "$.archMap"), Ordering::Less);
        assert_eq!(natural_cmp("$.a[007]", "$.a[7]"), Ordering::Equal);
    }

    #[test]
    fn rule_ids_are_unique_and_ordered() {
        for w in RULES.windows(2) {
            assert!(w[0].0 < w[1].0, "{} then {}", w[0].0, w[1].0);
        }
        let slugs: BTreeSet<&str> = RULES.iter().map(|r| r.1).collect();
        assert_eq!(slugs.len(), RULES.len());
    }

    #[test]
    fn needs_table_is_well_formed() {
        for n in RUNTIME_NEEDS {
            assert!(!n.syscalls.is_empty());
            assert!(!n.versions.is_empty());
            for (from, to) in n.versions {
                assert!(to.is_none_or(|to| *from <= to));
            }
            for s in n.syscalls {
                assert!(tables::all_names().any(|k| k == *s), "{s}");
            }
        }
    }
}

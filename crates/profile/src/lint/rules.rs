//! Every check the linter makes: id, slug, the most serious severity it reports, and what it
//! checks ([`RULES`]).

use super::*;

/// One check: its stable id and slug, the most serious severity it reports, and what it checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Rule {
    /// The stable id (`JW201`).
    pub id: &'static str,
    /// The stable slug (`dangerous-ptrace`).
    pub slug: &'static str,
    /// The most serious severity the check reports.
    pub severity: Severity,
    /// What it checks, in a line.
    pub title: &'static str,
}

/// A rule from its four parts (keeps the table below one line of parts per rule).
const fn rule(
    id: &'static str,
    slug: &'static str,
    severity: Severity,
    title: &'static str,
) -> Rule {
    Rule {
        id,
        slug,
        severity,
        title,
    }
}

pub(super) const UNKNOWN_SYSCALL: Rule = rule(
    "JW101",
    "unknown-syscall",
    Severity::Error,
    "a name that is not a syscall on any architecture (with a \"did you mean\")",
);
pub(super) const MISSING_ON_ARCH: Rule = rule(
    "JW102",
    "syscall-missing-on-arch",
    Severity::Info,
    "names that exist on some ABIs the filter covers but not on others (ignored there)",
);
pub(super) const DUPLICATE_NAME: Rule = rule(
    "JW103",
    "duplicate-name",
    Severity::Warning,
    "a name listed twice in one rule, or in two rules with the same action, conditions and gates",
);
pub(super) const SHADOWED_RULE: Rule = rule(
    "JW104",
    "shadowed-rule",
    Severity::Warning,
    "a conditional rule that never decides because the syscall also has an unconditional rule",
);
pub(super) const CONFLICTING_RULES: Rule = rule(
    "JW105",
    "conflicting-rules",
    Severity::Warning,
    "rules for one syscall with different actions whose conditions can hold together",
);
pub(super) const SAME_AS_DEFAULT: Rule = rule(
    "JW106",
    "same-as-default",
    Severity::Info,
    "a rule whose action equals the default action (runc drops it)",
);
pub(super) const REPEATED_ARG_INDEX: Rule = rule(
    "JW107",
    "repeated-arg-index",
    Severity::Warning,
    "a rule comparing the same argument twice (runc ORs every condition; crun fails to load it)",
);

pub(super) const PTRACE: Rule = rule(
    "JW201",
    "dangerous-ptrace",
    Severity::Warning,
    "ptrace allowed",
);
pub(super) const BPF: Rule = rule("JW202", "dangerous-bpf", Severity::Warning, "bpf allowed");
pub(super) const MOUNT: Rule = rule("JW203", "dangerous-mount", Severity::Warning,
    "mount, umount2, fsopen, fsconfig, fsmount, fspick, move_mount, open_tree or mount_setattr allowed");
pub(super) const KEYRING: Rule = rule(
    "JW204",
    "dangerous-keyring",
    Severity::Warning,
    "keyctl, add_key or request_key allowed",
);
pub(super) const IO_URING: Rule = rule(
    "JW205",
    "dangerous-io-uring",
    Severity::Warning,
    "io_uring_* allowed",
);
pub(super) const USERFAULTFD: Rule = rule(
    "JW206",
    "dangerous-userfaultfd",
    Severity::Warning,
    "userfaultfd allowed",
);
pub(super) const PERF: Rule = rule(
    "JW207",
    "dangerous-perf-event-open",
    Severity::Warning,
    "perf_event_open allowed",
);
pub(super) const NAMESPACES: Rule = rule(
    "JW208",
    "dangerous-namespaces",
    Severity::Warning,
    "unshare or setns allowed",
);
pub(super) const PERSONALITY: Rule = rule(
    "JW209",
    "dangerous-personality",
    Severity::Warning,
    "personality allowed without an argument filter",
);
pub(super) const PROCESS_VM: Rule = rule(
    "JW210",
    "dangerous-process-vm",
    Severity::Warning,
    "process_vm_readv or process_vm_writev allowed",
);
pub(super) const KEXEC: Rule = rule(
    "JW211",
    "dangerous-kexec",
    Severity::Warning,
    "kexec_load or kexec_file_load allowed",
);
pub(super) const MODULES: Rule = rule(
    "JW212",
    "dangerous-module-loading",
    Severity::Warning,
    "init_module, finit_module or delete_module allowed",
);
pub(super) const OPEN_BY_HANDLE: Rule = rule(
    "JW213",
    "dangerous-open-by-handle-at",
    Severity::Warning,
    "open_by_handle_at allowed",
);
pub(super) const CLONE_NS: Rule = rule(
    "JW214",
    "dangerous-clone-namespaces",
    Severity::Warning,
    "clone allowed without a filter on its namespace flags",
);
pub(super) const PIVOT_ROOT: Rule = rule(
    "JW215",
    "dangerous-pivot-root",
    Severity::Warning,
    "pivot_root allowed",
);
pub(super) const CHROOT: Rule = rule(
    "JW216",
    "dangerous-chroot",
    Severity::Warning,
    "chroot allowed",
);
pub(super) const REBOOT: Rule = rule(
    "JW217",
    "dangerous-reboot",
    Severity::Warning,
    "reboot allowed",
);
pub(super) const SWAP: Rule = rule(
    "JW218",
    "dangerous-swap",
    Severity::Warning,
    "swapon or swapoff allowed",
);
pub(super) const IOPL: Rule = rule(
    "JW219",
    "dangerous-iopl",
    Severity::Warning,
    "iopl or ioperm allowed",
);

pub(super) const DEFAULT_ALLOW: Rule = rule("JW301", "default-allow", Severity::Error,
    "defaultAction ALLOW or LOG: a deny list (an error unless the profile is an intentional audit profile)");
pub(super) const DEFAULT_KILL: Rule = rule(
    "JW302",
    "default-kill",
    Severity::Info,
    "defaultAction KILL/KILL_PROCESS/TRAP: unlisted syscalls kill instead of failing",
);
pub(super) const EPERM_FALLBACK: Rule = rule(
    "JW303",
    "eperm-breaks-fallback",
    Severity::Warning,
    "newer syscalls glibc falls back from only on ENOSYS are answered with the default errno",
);
pub(super) const CLONE3_ALLOWED: Rule = rule(
    "JW304",
    "clone3-allowed",
    Severity::Warning,
    "clone3 allowed: its flags are in memory, where seccomp cannot check them",
);
pub(super) const CLONE3_ERRNO: Rule = rule(
    "JW305",
    "clone3-not-enosys",
    Severity::Warning,
    "clone3 answered with an errno other than ENOSYS: glibc will not fall back to clone",
);

pub(super) const MISSING_ARCH: Rule = rule(
    "JW401",
    "missing-arch",
    Severity::Warning,
    "archMap/architectures without x86_64 or aarch64, the common container hosts",
);
pub(super) const COMPAT_ABI: Rule = rule(
    "JW402",
    "compat-abi-exposed",
    Severity::Warning,
    "the i386 or x32 ABI in the filter of an x86_64 host, with the same allow list",
);

pub(super) const FILTER_SIZE: Rule = rule(
    "JW501",
    "filter-size",
    Severity::Error,
    "estimated BPF size near (warning above 3000) or over (error above 4096) the kernel's limit",
);

pub(super) const RUNTIME_NEEDS_RULE: Rule = rule(
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

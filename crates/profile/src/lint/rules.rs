//! Every check the linter makes: id, slug, the most serious severity it reports, and what it
//! checks ([`RULES`]).

use super::*;

/// One check: id, slug, the most serious severity it reports, and what it checks.
pub type Rule = (&'static str, &'static str, Severity, &'static str);

pub(super) const UNKNOWN_SYSCALL: Rule = (
    "JW101",
    "unknown-syscall",
    Severity::Error,
    "a name that is not a syscall on any architecture (with a \"did you mean\")",
);
pub(super) const MISSING_ON_ARCH: Rule = (
    "JW102",
    "syscall-missing-on-arch",
    Severity::Info,
    "names that exist on some ABIs the filter covers but not on others (ignored there)",
);
pub(super) const DUPLICATE_NAME: Rule = (
    "JW103",
    "duplicate-name",
    Severity::Warning,
    "a name listed twice in one rule, or in two rules with the same action, conditions and gates",
);
pub(super) const SHADOWED_RULE: Rule = (
    "JW104",
    "shadowed-rule",
    Severity::Warning,
    "a conditional rule that never decides because the syscall also has an unconditional rule",
);
pub(super) const CONFLICTING_RULES: Rule = (
    "JW105",
    "conflicting-rules",
    Severity::Warning,
    "rules for one syscall with different actions whose conditions can hold together",
);
pub(super) const SAME_AS_DEFAULT: Rule = (
    "JW106",
    "same-as-default",
    Severity::Info,
    "a rule whose action equals the default action (runc drops it)",
);
pub(super) const REPEATED_ARG_INDEX: Rule = (
    "JW107",
    "repeated-arg-index",
    Severity::Warning,
    "a rule comparing the same argument twice (runc ORs every condition; crun fails to load it)",
);

pub(super) const PTRACE: Rule = (
    "JW201",
    "dangerous-ptrace",
    Severity::Warning,
    "ptrace allowed",
);
pub(super) const BPF: Rule = ("JW202", "dangerous-bpf", Severity::Warning, "bpf allowed");
pub(super) const MOUNT: Rule = ("JW203", "dangerous-mount", Severity::Warning,
    "mount, umount2, fsopen, fsconfig, fsmount, fspick, move_mount, open_tree or mount_setattr allowed");
pub(super) const KEYRING: Rule = (
    "JW204",
    "dangerous-keyring",
    Severity::Warning,
    "keyctl, add_key or request_key allowed",
);
pub(super) const IO_URING: Rule = (
    "JW205",
    "dangerous-io-uring",
    Severity::Warning,
    "io_uring_* allowed",
);
pub(super) const USERFAULTFD: Rule = (
    "JW206",
    "dangerous-userfaultfd",
    Severity::Warning,
    "userfaultfd allowed",
);
pub(super) const PERF: Rule = (
    "JW207",
    "dangerous-perf-event-open",
    Severity::Warning,
    "perf_event_open allowed",
);
pub(super) const NAMESPACES: Rule = (
    "JW208",
    "dangerous-namespaces",
    Severity::Warning,
    "unshare or setns allowed",
);
pub(super) const PERSONALITY: Rule = (
    "JW209",
    "dangerous-personality",
    Severity::Warning,
    "personality allowed without an argument filter",
);
pub(super) const PROCESS_VM: Rule = (
    "JW210",
    "dangerous-process-vm",
    Severity::Warning,
    "process_vm_readv or process_vm_writev allowed",
);
pub(super) const KEXEC: Rule = (
    "JW211",
    "dangerous-kexec",
    Severity::Warning,
    "kexec_load or kexec_file_load allowed",
);
pub(super) const MODULES: Rule = (
    "JW212",
    "dangerous-module-loading",
    Severity::Warning,
    "init_module, finit_module or delete_module allowed",
);
pub(super) const OPEN_BY_HANDLE: Rule = (
    "JW213",
    "dangerous-open-by-handle-at",
    Severity::Warning,
    "open_by_handle_at allowed",
);
pub(super) const CLONE_NS: Rule = (
    "JW214",
    "dangerous-clone-namespaces",
    Severity::Warning,
    "clone allowed without a filter on its namespace flags",
);
pub(super) const PIVOT_ROOT: Rule = (
    "JW215",
    "dangerous-pivot-root",
    Severity::Warning,
    "pivot_root allowed",
);
pub(super) const CHROOT: Rule = (
    "JW216",
    "dangerous-chroot",
    Severity::Warning,
    "chroot allowed",
);
pub(super) const REBOOT: Rule = (
    "JW217",
    "dangerous-reboot",
    Severity::Warning,
    "reboot allowed",
);
pub(super) const SWAP: Rule = (
    "JW218",
    "dangerous-swap",
    Severity::Warning,
    "swapon or swapoff allowed",
);
pub(super) const IOPL: Rule = (
    "JW219",
    "dangerous-iopl",
    Severity::Warning,
    "iopl or ioperm allowed",
);

pub(super) const DEFAULT_ALLOW: Rule = ("JW301", "default-allow", Severity::Error,
    "defaultAction ALLOW or LOG: a deny list (an error unless the profile is an intentional audit profile)");
pub(super) const DEFAULT_KILL: Rule = (
    "JW302",
    "default-kill",
    Severity::Info,
    "defaultAction KILL/KILL_PROCESS/TRAP: unlisted syscalls kill instead of failing",
);
pub(super) const EPERM_FALLBACK: Rule = (
    "JW303",
    "eperm-breaks-fallback",
    Severity::Warning,
    "newer syscalls glibc falls back from only on ENOSYS are answered with the default errno",
);
pub(super) const CLONE3_ALLOWED: Rule = (
    "JW304",
    "clone3-allowed",
    Severity::Warning,
    "clone3 allowed: its flags are in memory, where seccomp cannot check them",
);
pub(super) const CLONE3_ERRNO: Rule = (
    "JW305",
    "clone3-not-enosys",
    Severity::Warning,
    "clone3 answered with an errno other than ENOSYS: glibc will not fall back to clone",
);

pub(super) const MISSING_ARCH: Rule = (
    "JW401",
    "missing-arch",
    Severity::Warning,
    "archMap/architectures without x86_64 or aarch64, the common container hosts",
);
pub(super) const COMPAT_ABI: Rule = (
    "JW402",
    "compat-abi-exposed",
    Severity::Warning,
    "the i386 or x32 ABI in the filter of an x86_64 host, with the same allow list",
);

pub(super) const FILTER_SIZE: Rule = (
    "JW501",
    "filter-size",
    Severity::Error,
    "estimated BPF size near (warning above 3000) or over (error above 4096) the kernel's limit",
);

pub(super) const RUNTIME_NEEDS_RULE: Rule = (
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

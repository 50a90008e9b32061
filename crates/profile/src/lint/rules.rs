//! Every check the linter makes, as data: id, slug, the most serious severity it reports, what
//! it checks, why it matters, the usual fix and a public source ([`RULES`]). A finding may say
//! more than its rule (the syscall, the ABI, the exact edit); what it does not say, it takes from
//! the rule.

use super::*;

/// One check.
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
    /// Why a finding matters.
    pub why: &'static str,
    /// How to fix a finding, in general (a finding usually names the exact edit).
    pub fix: &'static str,
    /// A public reference for the behaviour the rule relies on, when it is not common knowledge
    /// of the syscall: a runtime's source file, a kernel header, a man page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
}

pub(super) const UNKNOWN_SYSCALL: Rule = Rule {
    id: "JW101",
    slug: "unknown-syscall",
    severity: Severity::Error,
    title: "a name that is not a syscall on any architecture (with a \"did you mean\")",
    why: "runtimes ignore names their libseccomp does not know, so this entry does nothing: the call it was meant to allow stays blocked (or the one meant to be blocked stays allowed)",
    fix: "correct the name to the kernel's spelling (as in syscalls(2)) or remove it",
    source: Some("runc, libcontainer/seccomp/seccomp_linux.go: https://github.com/opencontainers/runc/blob/main/libcontainer/seccomp/seccomp_linux.go"),
};
pub(super) const MISSING_ON_ARCH: Rule = Rule {
    id: "JW102",
    slug: "syscall-missing-on-arch",
    severity: Severity::Info,
    title: "names that exist on some ABIs the filter covers but not on others (ignored there)",
    why: "each ABI resolves names through its own table; a name it lacks is skipped there (usually intended in a multi-arch profile, e.g. chown32 exists only on 32-bit ABIs)",
    fix: "nothing to do if the profile is meant for several architectures; otherwise drop the names no ABI you run needs",
    source: None,
};
pub(super) const DUPLICATE_NAME: Rule = Rule {
    id: "JW103",
    slug: "duplicate-name",
    severity: Severity::Warning,
    title: "a name listed twice in one rule, or in two rules with the same action, conditions and gates",
    why: "the second entry changes nothing; duplicates hide what a reviewer should see and often mean an edit went wrong",
    fix: "delete the repeated name",
    source: None,
};
pub(super) const SHADOWED_RULE: Rule = Rule {
    id: "JW104",
    slug: "shadowed-rule",
    severity: Severity::Warning,
    title: "a conditional rule that never decides because the syscall also has an unconditional rule",
    why: "libseccomp keeps one unconditional action per syscall and drops the argument checks, so the conditions of this rule are dead (if the author meant to restrict the call, it is not restricted)",
    fix: "remove the syscall from the unconditional rule if the conditions are meant to restrict it; otherwise delete the conditional rule",
    source: None,
};
pub(super) const CONFLICTING_RULES: Rule = Rule {
    id: "JW105",
    slug: "conflicting-rules",
    severity: Severity::Warning,
    title: "rules for one syscall with different actions whose conditions can hold together",
    why: "where the conditions overlap, which action wins depends on evaluation order: jailwright and the profile's text suggest first-match in profile order, but libseccomp merges a syscall's rules into one decision tree and does not keep that order, so runc, crun and libseccomp versions can decide differently",
    fix: "make the conditions disjoint (e.g. add the negation of one rule's condition to the other), or keep one action for the syscall",
    source: None,
};
pub(super) const SAME_AS_DEFAULT: Rule = Rule {
    id: "JW106",
    slug: "same-as-default",
    severity: Severity::Info,
    title: "a rule whose action equals the default action (runc drops it)",
    why: "a rule that repeats the default changes no decision; libseccomp refuses it and runc silently drops it, so it only misleads readers (and its names still count for runc's ENOSYS stub)",
    fix: "delete the rule, or give it the action it was meant to have",
    source: Some("runc, libcontainer/seccomp/seccomp_linux.go: https://github.com/opencontainers/runc/blob/main/libcontainer/seccomp/seccomp_linux.go"),
};
pub(super) const DERIVED_FROM_DEFAULT: Rule = Rule {
    id: "JW109",
    slug: "derived-from-old-default",
    severity: Severity::Warning,
    title: "a copy of an engine's default profile from an older release (drift)",
    why: "a profile copied from Docker's or Podman's default and edited by hand keeps that release's decisions: calls the engine has since refused stay allowed (io_uring before Docker 25.0, AF_VSOCK and AF_ALG sockets) and calls newer runtimes and programs need stay blocked, while nobody can tell the edits from the upstream state",
    fix: "rebase the edits onto the newest default with `jailwright rebase`, and review the result with `jailwright diff`",
    source: Some("the releases' own default profiles: https://github.com/moby/profiles/blob/main/seccomp/default.json (moby/moby profiles/seccomp/default.json before 28.4), https://github.com/containers/container-libs/blob/main/common/pkg/seccomp/seccomp.json"),
};
pub(super) const REPEATED_ARG_INDEX: Rule = Rule {
    id: "JW107",
    slug: "repeated-arg-index",
    severity: Severity::Warning,
    title: "a rule comparing the same argument twice (runc and crun OR every condition)",
    why: "runc, and crun since 0.12.2, then add each condition as its own rule, so the call is allowed when ANY condition holds (including conditions on other arguments), which is usually far wider than meant; plain libseccomp refuses the rule",
    fix: "split the rule: one rule per allowed value of the repeated argument, each with the other conditions",
    source: Some("runc, libcontainer/seccomp/seccomp_linux.go: https://github.com/opencontainers/runc/blob/main/libcontainer/seccomp/seccomp_linux.go; crun, src/libcrun/seccomp.c (multiple_args): https://github.com/containers/crun/blob/main/src/libcrun/seccomp.c"),
};
pub(super) const UNKNOWN_TO_LIBSECCOMP: Rule = Rule {
    id: "JW108",
    slug: "unknown-to-libseccomp",
    severity: Severity::Warning,
    title: "a syscall the kernel has but the runtime's libseccomp does not resolve (the name is dropped)",
    why: "runtimes hand each name to libseccomp and skip the ones it cannot resolve without a word, so the rule does nothing for that call: it gets the default action, and runc's ENOSYS stub does not count it either",
    fix: "run the container with a runtime linked against a libseccomp that knows the name, or accept the default action for it",
    source: Some("runc ignores names libseccomp cannot resolve (libcontainer/seccomp/seccomp_linux.go): https://github.com/opencontainers/runc/blob/main/libcontainer/seccomp/seccomp_linux.go; libseccomp's syscall table per release: https://github.com/seccomp/libseccomp/blob/main/src/syscalls.csv"),
};
pub(super) const MISSING_IN_KERNEL: Rule = Rule {
    id: "JW110",
    slug: "missing-in-kernel",
    severity: Severity::Info,
    title: "an allowed syscall the target kernel does not have",
    why: "the filter lets the call through, and the kernel answers ENOSYS: a program that needs it must fall back or fail there, whatever the profile says; reported only when the kernel certainly lacks it (added later, removed earlier, or absent from a libseccomp table made from that kernel or a newer one)",
    fix: "nothing, if the program falls back; otherwise run on a kernel that has the call (`--kernel X.Y` checks another target)",
    source: Some("syscalls(2) of Linux man-pages 6.03: https://man7.org/linux/man-pages/man2/syscalls.2.html; libseccomp's syscall table per release, with the kernel it was made from: https://github.com/seccomp/libseccomp/blob/main/src/syscalls.csv"),
};

pub(super) const PTRACE: Rule = Rule {
    id: "JW201",
    slug: "dangerous-ptrace",
    severity: Severity::Warning,
    title: "ptrace allowed",
    why: "ptrace reads and writes the memory and registers of any process the container can see: secrets of sibling processes, code injection; before kernel 4.8 it also bypassed seccomp itself",
    fix: "remove ptrace from the allow list unless the container runs debuggers or tracers (the `debug` tier)",
    source: Some("https://man7.org/linux/man-pages/man2/ptrace.2.html; the pre-4.8 seccomp bypass: https://man7.org/linux/man-pages/man2/seccomp.2.html (SECCOMP_RET_TRACE)"),
};
pub(super) const BPF: Rule = Rule {
    id: "JW202",
    slug: "dangerous-bpf",
    severity: Severity::Warning,
    title: "bpf allowed",
    why: "the eBPF verifier and maps are a large kernel attack surface behind many recent privilege escalations, and BPF programs can read kernel memory",
    fix: "remove bpf; grant it only with CAP_BPF / CAP_SYS_ADMIN gating (`includes.caps`) as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/bpf.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const MOUNT: Rule = Rule {
    id: "JW203",
    slug: "dangerous-mount",
    severity: Severity::Warning,
    title: "mount, umount2, fsopen, fsconfig, fsmount, fspick, move_mount, open_tree or mount_setattr allowed",
    why: "mounting changes what the container's paths mean (over /proc, over the runtime's files) and the mount code is a classic escape route; the new mount API (fsopen ...) is the same power",
    fix: "remove the mount syscalls, or gate them on CAP_SYS_ADMIN with `includes.caps` as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/mount.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const KEYRING: Rule = Rule {
    id: "JW204",
    slug: "dangerous-keyring",
    severity: Severity::Warning,
    title: "keyctl, add_key or request_key allowed",
    why: "the kernel keyring is not namespaced: a container can read or plant keys other containers of the same uid use, and the keyring code has a long record of exploitable bugs",
    fix: "remove keyctl, add_key and request_key (programs fall back when they fail)",
    source: Some("https://man7.org/linux/man-pages/man2/keyctl.2.html"),
};
pub(super) const IO_URING: Rule = Rule {
    id: "JW205",
    slug: "dangerous-io-uring",
    severity: Severity::Warning,
    title: "io_uring_* allowed",
    why: "io_uring performs reads, writes, opens and network I/O inside the kernel where seccomp never sees them, and it has been one of the richest sources of kernel exploits",
    fix: "remove the io_uring syscalls; runtimes fall back to ordinary I/O when io_uring_setup fails",
    source: Some("https://man7.org/linux/man-pages/man2/io_uring_setup.2.html"),
};
pub(super) const USERFAULTFD: Rule = Rule {
    id: "JW206",
    slug: "dangerous-userfaultfd",
    severity: Severity::Warning,
    title: "userfaultfd allowed",
    why: "userfaultfd lets a process pause the kernel on a page fault at a moment of its choosing, which turns hard-to-win kernel races into reliable exploits",
    fix: "remove userfaultfd (only live-migration and some garbage collectors need it)",
    source: Some("https://man7.org/linux/man-pages/man2/userfaultfd.2.html"),
};
pub(super) const PERF: Rule = Rule {
    id: "JW207",
    slug: "dangerous-perf-event-open",
    severity: Severity::Warning,
    title: "perf_event_open allowed",
    why: "perf events expose kernel addresses and side channels and have a long record of privilege-escalation bugs",
    fix: "remove perf_event_open unless the container runs profilers; gate it on CAP_PERFMON as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/perf_event_open.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const NAMESPACES: Rule = Rule {
    id: "JW208",
    slug: "dangerous-namespaces",
    severity: Severity::Warning,
    title: "unshare or setns allowed",
    why: "new user namespaces give unprivileged code namespace-root, which reaches kernel code (netfilter, mount, ...) normally reserved to root: the first step of many container escapes",
    fix: "remove unshare and setns, or gate them on CAP_SYS_ADMIN with `includes.caps`",
    source: Some("https://man7.org/linux/man-pages/man2/unshare.2.html"),
};
pub(super) const PERSONALITY: Rule = Rule {
    id: "JW209",
    slug: "dangerous-personality",
    severity: Severity::Warning,
    title: "personality allowed without an argument filter",
    why: "personality(ADDR_NO_RANDOMIZE) switches off address-space randomisation for the process and its children, and other flags (READ_IMPLIES_EXEC) weaken memory protections",
    fix: "allow personality only for the values programs use: arg0 == 0x0, 0x8, 0x20000, 0x20008 and 0xffffffff (query), as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/personality.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const PROCESS_VM: Rule = Rule {
    id: "JW210",
    slug: "dangerous-process-vm",
    severity: Severity::Warning,
    title: "process_vm_readv or process_vm_writev allowed",
    why: "they read and write another process's memory directly, with the same reach as ptrace",
    fix: "remove process_vm_readv and process_vm_writev unless the container runs debuggers",
    source: Some("https://man7.org/linux/man-pages/man2/process_vm_readv.2.html"),
};
pub(super) const KEXEC: Rule = Rule {
    id: "JW211",
    slug: "dangerous-kexec",
    severity: Severity::Warning,
    title: "kexec_load or kexec_file_load allowed",
    why: "loading a new kernel replaces the host's kernel: a full host compromise",
    fix: "remove kexec_load and kexec_file_load",
    source: Some("https://man7.org/linux/man-pages/man2/kexec_load.2.html"),
};
pub(super) const MODULES: Rule = Rule {
    id: "JW212",
    slug: "dangerous-module-loading",
    severity: Severity::Warning,
    title: "init_module, finit_module or delete_module allowed",
    why: "loading kernel code is a full host compromise; unloading modules can disable host security features",
    fix: "remove the module syscalls, or gate them on CAP_SYS_MODULE as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/init_module.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const OPEN_BY_HANDLE: Rule = Rule {
    id: "JW213",
    slug: "dangerous-open-by-handle-at",
    severity: Severity::Warning,
    title: "open_by_handle_at allowed",
    why: "file handles name files by inode, bypassing the container's mount root: the 2014 \"shocker\" escape read the host's /etc/shadow this way",
    fix: "remove open_by_handle_at, or gate it on CAP_DAC_READ_SEARCH as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/open_by_handle_at.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const CLONE_NS: Rule = Rule {
    id: "JW214",
    slug: "dangerous-clone-namespaces",
    severity: Severity::Warning,
    title: "clone allowed without a filter on its namespace flags",
    why: "clone with CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET ... creates namespaces just like unshare, giving unprivileged code namespace-root",
    fix: "allow clone only when its flags argument has no namespace bits: {\"index\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": 2114060288, \"valueTwo\": 0} (index 1 on s390), as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/clone.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const PIVOT_ROOT: Rule = Rule {
    id: "JW215",
    slug: "dangerous-pivot-root",
    severity: Severity::Warning,
    title: "pivot_root allowed",
    why: "pivot_root changes the root of the mount namespace; with mount it lets a process assemble its own view of the filesystem",
    fix: "remove pivot_root (only container runtimes and init systems need it)",
    source: Some("https://man7.org/linux/man-pages/man2/pivot_root.2.html"),
};
pub(super) const CHROOT: Rule = Rule {
    id: "JW216",
    slug: "dangerous-chroot",
    severity: Severity::Warning,
    title: "chroot allowed",
    why: "chroot with an open directory descriptor outside the new root is a well-known escape primitive, and it confuses path-based checks",
    fix: "remove chroot unless the workload needs it (package managers and some build tools do)",
    source: Some("https://man7.org/linux/man-pages/man2/chroot.2.html"),
};
pub(super) const REBOOT: Rule = Rule {
    id: "JW217",
    slug: "dangerous-reboot",
    severity: Severity::Warning,
    title: "reboot allowed",
    why: "reboot acts on the host (outside a PID namespace it restarts the machine) and can load kexec kernels",
    fix: "remove reboot, or gate it on CAP_SYS_BOOT as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/reboot.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const SWAP: Rule = Rule {
    id: "JW218",
    slug: "dangerous-swap",
    severity: Severity::Warning,
    title: "swapon or swapoff allowed",
    why: "swap is host-wide: a container could add swap on a file it controls or take swap away from every other tenant",
    fix: "remove swapon and swapoff",
    source: Some("https://man7.org/linux/man-pages/man2/swapon.2.html"),
};
pub(super) const IOPL: Rule = Rule {
    id: "JW219",
    slug: "dangerous-iopl",
    severity: Severity::Warning,
    title: "iopl or ioperm allowed",
    why: "raw I/O port access talks to hardware directly, bypassing every kernel check",
    fix: "remove iopl and ioperm, or gate them on CAP_SYS_RAWIO as Docker's default does",
    source: Some("https://man7.org/linux/man-pages/man2/iopl.2.html; Docker's default gating: https://github.com/moby/profiles/blob/main/seccomp/default.json"),
};
pub(super) const DEFAULT_ALLOW: Rule = Rule {
    id: "JW301",
    slug: "default-allow",
    severity: Severity::Error,
    title: "defaultAction ALLOW or LOG: a deny list (an error unless the profile is an intentional audit profile)",
    why: "a deny list cannot keep up with the kernel: every new syscall (and every one the author forgot: io_uring, userfaultfd, the new mount API ...) is allowed; runc's ENOSYS stub is also off with this default",
    fix: "use SCMP_ACT_ERRNO as the default and allow what the workload needs (start from `docker-default` or a tier); keep ALLOW/LOG defaults only for recording what a workload calls",
    source: None,
};
pub(super) const DEFAULT_KILL: Rule = Rule {
    id: "JW302",
    slug: "default-kill",
    severity: Severity::Info,
    title: "defaultAction KILL/KILL_PROCESS/TRAP: unlisted syscalls kill instead of failing",
    why: "programs probe for optional syscalls and fall back when they fail; a kill turns each probe into a crash (KILL_THREAD can also leave a process half-dead with a lock held), and newer libcs probe more every year",
    fix: "prefer SCMP_ACT_ERRNO with defaultErrnoRet 38 (ENOSYS) so programs fall back; keep KILL only for small, fully known programs",
    source: None,
};
pub(super) const EPERM_FALLBACK: Rule = Rule {
    id: "JW303",
    slug: "eperm-breaks-fallback",
    severity: Severity::Warning,
    title: "newer syscalls glibc falls back from only on ENOSYS are answered with the default errno",
    why: "glibc and other libraries try these newer syscalls first and fall back to older ones only on ENOSYS; EPERM is taken as a real denial, so e.g. faccessat2 makes `test -x` and access checks fail and openat2/statx users break instead of falling back",
    fix: "set \"defaultErrnoRet\": 38 (ENOSYS), or allow these syscalls, or add a rule answering them with errnoRet 38; under Docker, runc's stub covers syscalls newer than every name in the profile",
    source: None,
};
pub(super) const CLONE3_ALLOWED: Rule = Rule {
    id: "JW304",
    slug: "clone3-allowed",
    severity: Severity::Warning,
    title: "clone3 allowed: its flags are in memory, where seccomp cannot check them",
    why: "clone3 takes its flags in a struct in memory, which seccomp cannot read, so namespace creation (CLONE_NEWUSER ...) cannot be filtered the way clone's flags are",
    fix: "answer clone3 with ERRNO(38) (ENOSYS) so glibc falls back to clone, whose flags the profile checks: {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}",
    source: Some("clone3(2): https://man7.org/linux/man-pages/man2/clone.2.html"),
};
pub(super) const CLONE3_ERRNO: Rule = Rule {
    id: "JW305",
    slug: "clone3-not-enosys",
    severity: Severity::Warning,
    title: "clone3 answered with an errno other than ENOSYS: glibc will not fall back to clone",
    why: "glibc >= 2.34 creates every thread with clone3 and falls back to clone only on ENOSYS; any other errno makes pthread_create and fork-like calls fail",
    fix: "answer clone3 with errnoRet 38 (ENOSYS): {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}",
    source: None,
};
pub(super) const MISSING_ARCH: Rule = Rule {
    id: "JW401",
    slug: "missing-arch",
    severity: Severity::Warning,
    title: "archMap/architectures without x86_64 or aarch64, the common container hosts",
    why: "x86_64 and aarch64 are the common container hosts; on a host the profile does not list, 32-bit images and tools that need the compat ABI die with SIGSYS, and a profile that looks multi-arch silently is not",
    fix: "add the host's architecture (and, if 32-bit programs must run, its compat ABI) to archMap or architectures",
    source: None,
};
pub(super) const COMPAT_ABI: Rule = Rule {
    id: "JW402",
    slug: "compat-abi-exposed",
    severity: Severity::Warning,
    title: "the i386 or x32 ABI in the filter of an x86_64 host, with the same allow list",
    why: "any x86_64 process can make compat syscalls, and a container rarely runs 32-bit binaries; the compat ABIs give the same allow list under other numbers with 32-bit argument comparisons, multiplexers (socketcall, ipc) whose real arguments seccomp cannot see, and compat kernel code that has been a steady source of bugs",
    fix: "drop SCMP_ARCH_X86 and SCMP_ARCH_X32 from the x86_64 sub-architectures unless the container must run 32-bit or x32 binaries",
    source: None,
};
pub(super) const FILTER_SIZE: Rule = Rule {
    id: "JW501",
    slug: "filter-size",
    severity: Severity::Error,
    title: "estimated BPF size near (warning above 3000) or over (error above 4096) the kernel's limit",
    why: "the kernel refuses a filter longer than 4096 instructions, and the runtime then fails to start the container; long filters also slow every syscall that is not served by the kernel's constant-action cache",
    fix: "merge rules, drop names no ABI you run has, drop sub-architectures you do not need (each ABI repeats the whole list), and prefer unconditional rules over long argument lists",
    source: Some("BPF_MAXINSNS in the kernel's include/uapi/linux/bpf_common.h: https://github.com/torvalds/linux/blob/master/include/uapi/linux/bpf_common.h"),
};
pub(super) const RUNTIME_NEEDS_RULE: Rule = Rule {
    id: "JW601",
    slug: "runtime-init-needs",
    severity: Severity::Error,
    title: "syscalls runc or crun make after installing the filter, which the profile blocks",
    why: "with no-new-privileges off (the default of Docker and Podman), the runtime installs the filter before it drops capabilities, switches user, closes its file descriptors and execs the entrypoint, so its own syscalls go through the profile too",
    fix: "allow the syscalls the runtime needs (each finding names them and its source)",
    source: None,
};

/// Every check, in id order.
pub const RULES: &[Rule] = &[
    UNKNOWN_SYSCALL,
    MISSING_ON_ARCH,
    DUPLICATE_NAME,
    SHADOWED_RULE,
    CONFLICTING_RULES,
    SAME_AS_DEFAULT,
    REPEATED_ARG_INDEX,
    UNKNOWN_TO_LIBSECCOMP,
    DERIVED_FROM_DEFAULT,
    MISSING_IN_KERNEL,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_says_why_and_how_and_cites_only_public_sources() {
        for r in RULES {
            assert!(r.why.len() > 40, "{}: why is too short: {:?}", r.id, r.why);
            assert!(r.fix.len() > 20, "{}: fix is too short: {:?}", r.id, r.fix);
            if let Some(s) = r.source {
                assert!(
                    s.contains("https://"),
                    "{}: source is not a public URL: {s}",
                    r.id
                );
            }
        }
        let dangerous = RULES.iter().filter(|r| r.id.starts_with("JW2"));
        for r in dangerous {
            assert!(r.source.is_some_and(|s| s.contains("man7.org")), "{}", r.id);
        }
    }
}

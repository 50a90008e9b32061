//! Podman's default profile by release, 4.0 to 5.8: the `seccomp.json` each release vendors
//! from containers/common (`vendor/github.com/containers/common/pkg/seccomp/seccomp.json`),
//! from Podman 5.7 as `go.podman.io/common`, developed in containers/container-libs since
//! common v0.65.0. Each version below is one distinct file; the files are pinned, with their
//! git blob ids, in `tools/default-profiles/podman/`, and `tests/versions.rs` proves every
//! version decides like its file.
//!
//! Distributions may install their own `/usr/share/containers/seccomp.json` (the
//! containers-common package), which Podman prefers to the one it vendors; these are the
//! vendored ones.

use super::{Change, Edit, Edits, History, Place, ProfileVersion, Source, Style};
use crate::action::{Action, Op};
use crate::catalogue::podman_default::{podman_default_profile, BPF_PERFMON_RULES, SOCKET_RULES};
use crate::catalogue::spec::{Gate, RuleSpec};
use crate::runtime::Version as R;

const fn common(commit: &'static str, pr: &'static str) -> Source {
    Source {
        repo: "containers/common",
        line: "main",
        commit,
        pr: Some(pr),
    }
}

const fn libs(line: &'static str, commit: &'static str, pr: &'static str) -> Source {
    Source {
        repo: "containers/container-libs",
        line,
        commit,
        pr: Some(pr),
    }
}

/// containers/common's pull request that rewrote the profile for Podman 5.2.
const PR_2040: &str = "https://github.com/containers/common/pull/2040";

const EPERM: Action = Action::Errno(1);

// The rules changes find by their shape (action and gates; names aside).
const EPERM_ALWAYS: RuleSpec = RuleSpec::plain(&[], EPERM);
const ALLOW: RuleSpec = RuleSpec::plain(&[], Action::Allow);
const SYS_ADMIN: RuleSpec = ALLOW.when(Gate::caps(&["CAP_SYS_ADMIN"]));
const NO_SYS_ADMIN: RuleSpec = EPERM_ALWAYS.unless(Gate::caps(&["CAP_SYS_ADMIN"]));
const SYS_PTRACE: RuleSpec = ALLOW.when(Gate::caps(&["CAP_SYS_PTRACE"]));
const NO_SYS_PTRACE: RuleSpec = EPERM_ALWAYS.unless(Gate::caps(&["CAP_SYS_PTRACE"]));
const PPC64LE: RuleSpec = ALLOW.when(Gate::arches(&["ppc64le"]));
const S390: RuleSpec = ALLOW.when(Gate::arches(&["s390", "s390x"]));

const MORE_SYSCALLS: Change = Change {
    id: "more-syscalls",
    summary: "membarrier, mount_setattr, process_mrelease, signal, sigprocmask, syscall, sigaction, sigpending, sigsuspend and timerfd allowed",
    reason: "checked safe against libseccomp's syscall list",
    sources: &[common("448cab60be", "https://github.com/containers/common/pull/954")],
    edits: Edits::Do(&[Edit::Add(
        ALLOW,
        &[
            "membarrier",
            "mount_setattr",
            "process_mrelease",
            "sigaction",
            "signal",
            "sigpending",
            "sigprocmask",
            "sigsuspend",
            "syscall",
            "timerfd",
        ],
    )]),
};

const PTRACE: Change = Change {
    id: "ptrace",
    summary: "ptrace, process_vm_readv and process_vm_writev allowed without CAP_SYS_PTRACE",
    reason: "to match Docker, which allows them from kernel 4.8",
    sources: &[common(
        "d3c1d9544a",
        "https://github.com/containers/common/pull/973",
    )],
    edits: Edits::Do(&[
        Edit::Add(ALLOW, &["process_vm_readv", "process_vm_writev", "ptrace"]),
        Edit::Remove(
            SYS_PTRACE,
            &["process_vm_readv", "process_vm_writev", "ptrace"],
        ),
        Edit::Remove(
            NO_SYS_PTRACE,
            &["process_vm_readv", "process_vm_writev", "ptrace"],
        ),
    ]),
};

const LANDLOCK: Change = Change {
    id: "landlock",
    summary: "landlock_create_ruleset, landlock_add_rule and landlock_restrict_self allowed",
    reason: "Landlock lets a program restrict its own file access",
    sources: &[common(
        "afff1d6ebf",
        "https://github.com/containers/common/pull/1081",
    )],
    edits: Edits::Do(&[Edit::Add(
        ALLOW,
        &[
            "landlock_add_rule",
            "landlock_create_ruleset",
            "landlock_restrict_self",
        ],
    )]),
};

const FCHMODAT2: Change = Change {
    id: "fchmodat2",
    summary: "fchmodat2 allowed",
    reason: "Linux 6.6's fchmodat, with the flags argument fchmodat lacks",
    sources: &[common(
        "f5e1fef610",
        "https://github.com/containers/common/pull/1773",
    )],
    edits: Edits::Do(&[Edit::Add(ALLOW, &["fchmodat2"])]),
};

const OBSOLETE_SIGNALS: Change = Change {
    id: "obsolete-signals",
    summary: "sigaction, sigpending, sigsuspend, timerfd and readdir no longer allowed (ENOSYS)",
    reason: "the sigaction family was replaced by rt_sigaction and friends, and no kernel of this century has timerfd or readdir as syscalls",
    sources: &[
        common("fd7d4a3845", PR_2040),
        common("aa9e144db4", PR_2040),
        common("fa18956f78", PR_2040),
    ],
    edits: Edits::Do(&[Edit::Remove(
        ALLOW,
        &["sigaction", "sigpending", "sigsuspend", "timerfd", "readdir"],
    )]),
};

const EXPLICIT_EPERM: Change = Change {
    id: "explicit-eperm",
    summary: "cachestat, futex_wait, futex_wake, futex_waitv, futex_requeue, io_pgetevents_time64 and map_shadow_stack refused with EPERM instead of ENOSYS; quotactl_fd with CAP_SYS_ADMIN",
    reason: "new syscalls are blocked on purpose, so they say EPERM rather than the default's ENOSYS",
    sources: &[common("a3f335c70c", PR_2040)],
    edits: Edits::Do(&[
        Edit::Add(
            EPERM_ALWAYS,
            &[
                "cachestat",
                "futex_requeue",
                "futex_wait",
                "futex_waitv",
                "futex_wake",
                "io_pgetevents_time64",
                "map_shadow_stack",
            ],
        ),
        Edit::Add(SYS_ADMIN, &["quotactl_fd"]),
        Edit::Add(NO_SYS_ADMIN, &["quotactl_fd"]),
    ]),
};

const SWAPCONTEXT: Change = Change {
    id: "swapcontext",
    summary: "swapcontext allowed on ppc64le (it was refused everywhere)",
    reason: "some languages (Ruby at least) switch coroutines with it on PowerPC, as moby, containerd and systemd allow",
    sources: &[common("68c9579680", PR_2040)],
    edits: Edits::Do(&[
        Edit::Remove(EPERM_ALWAYS, &["swapcontext"]),
        Edit::Add(PPC64LE, &["swapcontext"]),
    ]),
};

const RISCV: Change = Change {
    id: "riscv-flush-icache",
    summary: "riscv_flush_icache allowed on riscv64 (the archMap has no riscv64 entry)",
    reason: "harmless and used (as in containerd, moby and systemd)",
    sources: &[common("b12e6be7c3", PR_2040)],
    edits: Edits::Do(&[Edit::Rules {
        after: Place::After(S390),
        old: &[],
        new: &[RuleSpec::plain(&["riscv_flush_icache"], Action::Allow)
            .when(Gate::arches(&["riscv64"]))],
    }]),
};

const CAP_BPF: Change = Change {
    id: "cap-bpf",
    summary: "bpf allowed with CAP_BPF (EPERM without CAP_SYS_ADMIN or CAP_BPF)",
    reason: "kernel 5.8's CAP_BPF is enough for bpf(2)",
    sources: &[common("6dd328a243", PR_2040)],
    edits: Edits::Do(&[
        Edit::Remove(NO_SYS_ADMIN, &["bpf"]),
        Edit::Rules {
            after: Place::End,
            old: &[],
            new: &[
                RuleSpec::plain(&["bpf"], EPERM).unless(Gate::caps(&["CAP_SYS_ADMIN", "CAP_BPF"])),
                RuleSpec::plain(&["bpf"], Action::Allow).when(Gate::caps(&["CAP_BPF"])),
            ],
        },
    ]),
};

const PERF_WITHOUT_SYS_ADMIN: RuleSpec =
    RuleSpec::plain(&["perf_event_open"], EPERM).unless(Gate::caps(&["CAP_SYS_ADMIN", "CAP_BPF"]));

const CAP_PERFMON: Change = Change {
    id: "cap-perfmon",
    summary: "perf_event_open leaves the CAP_SYS_ADMIN allow rule for CAP_PERFMON rules; in effect allowed only with both (CAP_SYS_ADMIN alone: ENOSYS)",
    reason: "kernel 5.8's CAP_PERFMON is enough for perf_event_open; the EPERM rule names CAP_BPF where CAP_PERFMON was meant, and CAP_SYS_ADMIN's allowance went",
    sources: &[common("daa81f1363", PR_2040)],
    edits: Edits::Do(&[
        Edit::Remove(SYS_ADMIN, &["perf_event_open"]),
        Edit::Rules {
            after: Place::End,
            old: &[],
            new: &[
                PERF_WITHOUT_SYS_ADMIN,
                RuleSpec::plain(&["perf_event_open"], Action::Allow)
                    .when(Gate::caps(&["CAP_PERFMON"])),
            ],
        },
    ]),
};

const SYSCALL: Change = Change {
    id: "syscall",
    summary: "syscall refused with EPERM",
    reason: "syscall(2) emulates every other syscall, so allowing it defeats the filter",
    sources: &[common("d3283f8401", PR_2040)],
    edits: Edits::Do(&[
        Edit::Remove(ALLOW, &["syscall"]),
        Edit::Add(EPERM_ALWAYS, &["syscall"]),
    ]),
};

const FANOTIFY: Change = Change {
    id: "fanotify-init",
    summary: "fanotify_init allowed without CAP_SYS_ADMIN",
    reason: "the kernel checks fanotify_init's privileged modes itself (unprivileged fanotify, Linux 5.13)",
    sources: &[common("8c41d98b38", "https://github.com/containers/common/pull/2412")],
    edits: Edits::Do(&[
        Edit::Add(ALLOW, &["fanotify_init"]),
        Edit::Remove(SYS_ADMIN, &["fanotify_init"]),
        Edit::Remove(NO_SYS_ADMIN, &["fanotify_init"]),
    ]),
};

const fn audit(args: &'static [(u8, Op, u64, u64)]) -> RuleSpec {
    RuleSpec::plain(&["socket"], Action::Allow)
        .with_args(args)
        .unless(Gate::caps(&["CAP_AUDIT_WRITE"]))
}

const AF_VSOCK: Change = Change {
    id: "af-vsock",
    summary:
        "socket(AF_VSOCK) refused with EPERM; the audit-netlink socket rules rewritten around it",
    reason: "to prevent container escapes through VM sockets",
    sources: &[
        libs(
            "5.8",
            "d9389803ca",
            "https://github.com/containers/container-libs/pull/601",
        ),
        libs(
            "main",
            "eaec878beb",
            "https://github.com/containers/container-libs/pull/575",
        ),
    ],
    edits: Edits::Do(&[Edit::Rules {
        after: Place::End,
        old: &[
            SOCKET_RULES[1],
            audit(&[(2, Op::Ne, 9, 0)]),
            audit(&[(0, Op::Ne, 16, 0)]),
            audit(&[(2, Op::Ne, 9, 0)]),
            RuleSpec::plain(&["socket"], Action::Allow).when(Gate::caps(&["CAP_AUDIT_WRITE"])),
        ],
        new: SOCKET_RULES,
    }]),
};

const PERFMON_FIX: Change = Change {
    id: "perfmon-fix",
    summary: "perf_event_open allowed with CAP_SYS_ADMIN or CAP_PERFMON: back in the CAP_SYS_ADMIN allow rule, and its EPERM rule names CAP_PERFMON",
    reason: "fixes Podman 5.2's rules, which allowed perf_event_open only with both CAP_SYS_ADMIN and CAP_PERFMON",
    sources: &[libs("main", "46d01fc263", "https://github.com/containers/container-libs/pull/424")],
    edits: Edits::Do(&[
        Edit::Add(SYS_ADMIN, &["perf_event_open"]),
        Edit::Remove(NO_SYS_ADMIN, &["perf_event_open"]),
        Edit::Rules {
            after: Place::End,
            old: &[PERF_WITHOUT_SYS_ADMIN],
            new: &[BPF_PERFMON_RULES[2]],
        },
    ]),
};

const FUTEX: Change = Change {
    id: "futex",
    summary: "futex_wait, futex_wake, futex_waitv and futex_requeue allowed",
    reason: "to align with containerd's and Docker's default profiles",
    sources: &[libs(
        "main",
        "8840603a87",
        "https://github.com/containers/container-libs/pull/678",
    )],
    edits: Edits::Do(&[
        Edit::Remove(
            EPERM_ALWAYS,
            &["futex_requeue", "futex_wait", "futex_waitv", "futex_wake"],
        ),
        Edit::Add(
            ALLOW,
            &["futex_requeue", "futex_wait", "futex_waitv", "futex_wake"],
        ),
    ]),
};

/// Podman's releases, line by line, as tagged in containers/podman.
const LINES: &[(u16, u16, u16, u16)] = &[
    (4, 0, 0, 3),
    (4, 1, 0, 1),
    (4, 2, 0, 1),
    (4, 3, 0, 1),
    (4, 4, 0, 4),
    (4, 5, 0, 1),
    (4, 6, 0, 2),
    (4, 7, 0, 2),
    (4, 8, 0, 3),
    (4, 9, 0, 5),
    (5, 0, 0, 3),
    (5, 1, 0, 2),
    (5, 2, 0, 5),
    (5, 3, 0, 2),
    (5, 4, 0, 2),
    (5, 5, 0, 2),
    (5, 6, 0, 2),
    (5, 7, 0, 1),
    (5, 8, 0, 2),
];

const VERSIONS: &[ProfileVersion] = &[
    ProfileVersion {
        releases: &[(R(4, 0, 0), R(4, 0, 3))],
        after: None,
        changes: &[],
    },
    ProfileVersion {
        releases: &[(R(4, 1, 0), R(4, 1, 1))],
        after: Some("4.0.0"),
        changes: &[MORE_SYSCALLS, PTRACE],
    },
    ProfileVersion {
        releases: &[(R(4, 2, 0), R(4, 9, 5))],
        after: Some("4.1.0"),
        changes: &[LANDLOCK],
    },
    ProfileVersion {
        releases: &[(R(5, 0, 0), R(5, 1, 2))],
        after: Some("4.2.0"),
        changes: &[FCHMODAT2],
    },
    ProfileVersion {
        releases: &[(R(5, 2, 0), R(5, 4, 2))],
        after: Some("5.0.0"),
        changes: &[
            OBSOLETE_SIGNALS,
            EXPLICIT_EPERM,
            SWAPCONTEXT,
            RISCV,
            CAP_BPF,
            CAP_PERFMON,
            SYSCALL,
        ],
    },
    ProfileVersion {
        releases: &[(R(5, 5, 0), R(5, 7, 1))],
        after: Some("5.2.0"),
        changes: &[FANOTIFY],
    },
    ProfileVersion {
        releases: &[(R(5, 8, 0), R(5, 8, 2))],
        after: Some("5.5.0"),
        changes: &[AF_VSOCK],
    },
    ProfileVersion {
        releases: &[],
        after: Some("5.8.0"),
        changes: &[PERFMON_FIX, FUTEX],
    },
];

/// Podman's default profile through its releases; the built-in `podman-default` is the state
/// its main branch vendors, after 5.8.
pub const PODMAN: History = History {
    base: "podman-default",
    engine: "Podman",
    file: "containers/common pkg/seccomp/seccomp.json (containers/container-libs common/pkg/seccomp/seccomp.json from common v0.65.0), as Podman vendors it",
    lines: LINES,
    versions: VERSIONS,
    newest: "unreleased",
    encoded: podman_default_profile,
    style: Style::Podman,
};

//! Docker Engine's default profile by release, 20.10.0 to 29.7.2: moby/moby
//! `profiles/seccomp/default.json` up to 28.3.3, the vendored module
//! `github.com/moby/profiles/seccomp` (`vendor/github.com/moby/profiles/seccomp/default.json`)
//! from 28.4.0. Each version below is one distinct file; the files are pinned, with their
//! git blob ids, in `tools/default-profiles/docker/`, and `tests/versions.rs` proves every
//! version decides like its file.

use super::{Change, Edit, Edits, History, Place, ProfileVersion, Source, Style};
use crate::action::{Action, Op};
use crate::arch::Arch;
use crate::catalogue::spec::{Gate, RuleSpec};
use crate::runtime::Version as R;

const fn moby(line: &'static str, commit: &'static str, pr: &'static str) -> Source {
    Source {
        repo: "moby/moby",
        line,
        commit,
        pr: Some(pr),
    }
}

const fn profiles(commit: &'static str, pr: &'static str) -> Source {
    Source {
        repo: "moby/profiles",
        line: "main",
        commit,
        pr: Some(pr),
    }
}

/// The 29.x branch took moby/profiles seccomp v0.2.1 and v0.2.2 in one merge of branch
/// `52494-docker-29.x` (d3298094ac), without a pull request of its own.
const fn moby_29x(commit: &'static str) -> Source {
    Source {
        repo: "moby/moby",
        line: "29.4",
        commit,
        pr: None,
    }
}

// The rules changes find by their shape (action and gates; names aside).
const ALLOW: RuleSpec = RuleSpec::plain(&[], Action::Allow);
const SYS_ADMIN: RuleSpec = ALLOW.when(Gate::caps(&["CAP_SYS_ADMIN"]));
const SYS_PTRACE: RuleSpec = ALLOW.when(Gate::caps(&["CAP_SYS_PTRACE"]));
const SYS_TIME: RuleSpec = ALLOW.when(Gate::caps(&["CAP_SYS_TIME"]));
const SYS_NICE: RuleSpec = ALLOW.when(Gate::caps(&["CAP_SYS_NICE"]));
const KERNEL_4_8: RuleSpec = ALLOW.when(Gate::min_kernel(4, 8));
const PPC64LE: RuleSpec = ALLOW.when(Gate::arches(&["ppc64le"]));
const S390: RuleSpec = ALLOW.when(Gate::arches(&["s390", "s390x"]));

/// `socket` allowed when `arg0 OP FAMILY`.
macro_rules! socket {
    ($op:ident, $family:literal) => {
        RuleSpec::plain(&["socket"], Action::Allow).with_args(&[(0, Op::$op, $family, 0)])
    };
}

const LINUX_5_11: Change = Change {
    id: "linux-5.11",
    summary: "close_range and epoll_pwait2 allowed; the new mount API (fsopen, fsconfig, fsmount, fspick, move_mount, open_tree) with CAP_SYS_ADMIN; process_madvise with CAP_SYS_PTRACE",
    reason: "Linux 5.11's syscall list: extensions of calls everyone has, mount(2)'s successors, and a process_*(2) sibling",
    sources: &[
        moby("20.10", "a6a88b3145", "https://github.com/moby/moby/pull/41971"),
        moby("master", "54eff4354b", "https://github.com/moby/moby/pull/41889"),
    ],
    edits: Edits::Do(&[
        Edit::Add(ALLOW, &["close_range", "epoll_pwait2"]),
        Edit::Add(
            SYS_ADMIN,
            &["fsconfig", "fsmount", "fsopen", "fspick", "move_mount", "open_tree"],
        ),
        Edit::Add(SYS_PTRACE, &["process_madvise"]),
    ]),
};

const CLONE3: Change = Change {
    id: "clone3",
    summary: "clone3 allowed with CAP_SYS_ADMIN, ENOSYS (38) without it",
    reason: "clone3's flags are out of seccomp's reach; ENOSYS makes glibc fall back to clone, whose flags the profile checks (the same commit makes dockerd pass errnoRet on)",
    sources: &[
        moby("20.10", "567c01f6d1", "https://github.com/moby/moby/pull/42836"),
        moby("master", "9f6b562dd1", "https://github.com/moby/moby/pull/42681"),
    ],
    edits: Edits::Do(&[
        Edit::Add(SYS_ADMIN, &["clone3"]),
        Edit::Rules {
            after: Place::AfterLast("clone"),
            old: &[],
            new: &[RuleSpec::plain(&["clone3"], Action::Errno(38))
                .unless(Gate::caps(&["CAP_SYS_ADMIN"]))],
        },
    ]),
};

const LANDLOCK: Change = Change {
    id: "landlock",
    summary: "landlock_create_ruleset, landlock_add_rule and landlock_restrict_self allowed",
    reason: "Landlock (Linux 5.13) lets a program restrict its own file access, as seccomp does its syscalls",
    sources: &[
        moby("20.10", "57db169641", "https://github.com/moby/moby/pull/43991"),
        moby("master", "af819bf623", "https://github.com/moby/moby/pull/43199"),
    ],
    edits: Edits::Do(&[Edit::Add(
        ALLOW,
        &["landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self"],
    )]),
};

const LINUX_5_16: Change = Change {
    id: "linux-5.16",
    summary: "futex_waitv, memfd_secret and process_mrelease allowed; mount_setattr and quotactl_fd with CAP_SYS_ADMIN",
    reason: "the syscalls of Linux 5.12 to 5.16",
    sources: &[
        moby("20.10", "d127287d92", "https://github.com/moby/moby/pull/43991"),
        moby("master", "7de9f4f82d", "https://github.com/moby/moby/pull/43594"),
    ],
    edits: Edits::Do(&[
        Edit::Add(ALLOW, &["futex_waitv", "memfd_secret", "process_mrelease"]),
        Edit::Add(SYS_ADMIN, &["mount_setattr", "quotactl_fd"]),
    ]),
};

const AF_VSOCK: Change = Change {
    id: "af-vsock",
    summary: "socket(AF_VSOCK) refused: socket leaves the allow rule for a rule allowing it when arg0 != 40",
    reason: "vsock is not namespaced: a container could reach VMs and the hypervisor (as in containerd); 20.10.23 reverted it on 20.10 after a regression (dcf27af59b, https://github.com/moby/moby/pull/44712)",
    sources: &[
        moby("20.10", "a01576ec4a", "https://github.com/moby/moby/pull/44564"),
        moby("23.0", "6875e7f1be", "https://github.com/moby/moby/pull/44563"),
        moby("master", "57b229012a", "https://github.com/moby/moby/pull/44562"),
    ],
    edits: Edits::Do(&[
        Edit::Remove(ALLOW, &["socket"]),
        Edit::Rules {
            after: Place::After(KERNEL_4_8),
            old: &[],
            new: &[socket!(Ne, 40)],
        },
    ]),
};

const NAME_TO_HANDLE_AT: Change = Change {
    id: "name-to-handle-at",
    summary: "name_to_handle_at allowed without CAP_SYS_ADMIN",
    reason:
        "it only reads a handle; opening one (open_by_handle_at) stays gated by CAP_DAC_READ_SEARCH",
    sources: &[
        moby(
            "20.10",
            "45a8248070",
            "https://github.com/moby/moby/pull/45835",
        ),
        moby(
            "23.0",
            "7f2729ff2c",
            "https://github.com/moby/moby/pull/45834",
        ),
        moby(
            "24.0",
            "c306276ab1",
            "https://github.com/moby/moby/pull/45833",
        ),
        moby(
            "master",
            "fdc9b7cceb",
            "https://github.com/moby/moby/pull/45766",
        ),
        moby(
            "master",
            "b335e3d305",
            "https://github.com/moby/moby/pull/45837",
        ),
    ],
    edits: Edits::Do(&[
        Edit::Remove(SYS_ADMIN, &["name_to_handle_at"]),
        Edit::Add(ALLOW, &["name_to_handle_at"]),
    ]),
};

const PROCESS_VM: Change = Change {
    id: "process-vm",
    summary: "process_vm_readv and process_vm_writev allowed from kernel 4.8, beside ptrace",
    reason: "they were blocked with ptrace, which kernel 4.8 made safe to allow",
    sources: &[moby(
        "master",
        "d39b075302",
        "https://github.com/moby/moby/pull/42083",
    )],
    edits: Edits::Do(&[Edit::Add(
        KERNEL_4_8,
        &["process_vm_readv", "process_vm_writev"],
    )]),
};

const DEFAULT_ERRNO: Change = Change {
    id: "default-errno",
    summary: "defaultErrnoRet: 1 written out (EPERM, as before)",
    reason: "dockerd 23.0 passes defaultErrnoRet on; the profile makes its EPERM explicit",
    sources: &[moby(
        "master",
        "fb794166d9",
        "https://github.com/moby/moby/pull/42649",
    )],
    edits: Edits::Do(&[Edit::DefaultErrnoRet(1)]),
};

const SWAPCONTEXT: Change = Change {
    id: "swapcontext",
    summary: "swapcontext allowed on ppc64le",
    reason: "gcc-go and other runtimes switch coroutines with it on PowerPC",
    sources: &[moby(
        "master",
        "85eaf23bf4",
        "https://github.com/moby/moby/pull/43092",
    )],
    edits: Edits::Do(&[Edit::Add(PPC64LE, &["swapcontext"])]),
};

const RISCV64: Change = Change {
    id: "riscv64",
    summary: "archMap entry for riscv64; riscv_flush_icache allowed on riscv64",
    reason: "riscv64 hosts (as in containerd)",
    sources: &[moby(
        "master",
        "4c2f18f6cc",
        "https://github.com/moby/moby/pull/43553",
    )],
    edits: Edits::Do(&[
        Edit::Arch(Arch::Riscv64),
        Edit::Rules {
            after: Place::After(S390),
            old: &[],
            new: &[RuleSpec::plain(&["riscv_flush_icache"], Action::Allow)
                .when(Gate::arches(&["riscv64"]))],
        },
    ]),
};

const CLOCK_SETTIME64: Change = Change {
    id: "clock-settime64",
    summary: "clock_settime64 allowed with CAP_SYS_TIME",
    reason: "the 64-bit-time clock_settime of 32-bit ABIs, beside clock_settime",
    sources: &[moby(
        "master",
        "420142a886",
        "https://github.com/moby/moby/pull/43775",
    )],
    edits: Edits::Do(&[Edit::Add(SYS_TIME, &["clock_settime64"])]),
};

const PKEY: Change = Change {
    id: "pkey",
    summary: "pkey_alloc, pkey_free and pkey_mprotect allowed",
    reason: "memory protection keys configure only the caller's own memory",
    sources: &[
        moby(
            "master",
            "edcc51cbee",
            "https://github.com/moby/moby/pull/43812",
        ),
        moby(
            "master",
            "e258d66f17",
            "https://github.com/moby/moby/pull/43490",
        ),
    ],
    edits: Edits::Do(&[Edit::Add(
        ALLOW,
        &["pkey_alloc", "pkey_free", "pkey_mprotect"],
    )]),
};

const BPF_PERFMON: Change = Change {
    id: "cap-bpf-perfmon",
    summary: "bpf allowed with CAP_BPF, perf_event_open with CAP_PERFMON",
    reason: "kernel 5.8's finer capabilities let tracing tools run without CAP_SYS_ADMIN",
    sources: &[
        moby(
            "master",
            "8912c1fade",
            "https://github.com/moby/moby/pull/43988",
        ),
        moby(
            "master",
            "7b7d1132e8",
            "https://github.com/moby/moby/pull/43987",
        ),
    ],
    edits: Edits::Do(&[Edit::Rules {
        after: Place::End,
        old: &[],
        new: &[
            RuleSpec::plain(&["bpf"], Action::Allow).when(Gate::caps(&["CAP_BPF"])),
            RuleSpec::plain(&["perf_event_open"], Action::Allow).when(Gate::caps(&["CAP_PERFMON"])),
        ],
    }]),
};

const IO_URING: Change = Change {
    id: "io-uring",
    summary: "io_uring_setup, io_uring_enter and io_uring_register refused (the default, EPERM)",
    reason: "io_uring does I/O seccomp cannot see and has been a rich source of container escapes (as in containerd)",
    sources: &[moby("master", "891241e7e7", "https://github.com/moby/moby/pull/46762")],
    edits: Edits::Do(&[Edit::Remove(
        ALLOW,
        &["io_uring_enter", "io_uring_register", "io_uring_setup"],
    )]),
};

const LINUX_6_7: Change = Change {
    id: "linux-6.7",
    summary: "cachestat, fchmodat2, map_shadow_stack, futex_wait, futex_wake and futex_requeue allowed; set_mempolicy_home_node with CAP_SYS_NICE",
    reason: "the syscalls of Linux 5.17 to 6.7 that libseccomp 2.5.5 knows (as in containerd)",
    sources: &[
        moby("23.0", "b9f01eea45", "https://github.com/moby/moby/pull/47346"),
        moby("25.0", "61b82be580", "https://github.com/moby/moby/pull/47344"),
        moby("master", "1251982cf7", "https://github.com/moby/moby/pull/47341"),
    ],
    edits: Edits::Do(&[
        Edit::Add(SYS_NICE, &["set_mempolicy_home_node"]),
        Edit::Add(
            ALLOW,
            &[
                "cachestat",
                "fchmodat2",
                "map_shadow_stack",
                "futex_requeue",
                "futex_wait",
                "futex_wake",
            ],
        ),
    ]),
};

const LINUX_6_13: Change = Change {
    id: "linux-6.13",
    summary: "listmount, statmount, mseal, uretprobe, riscv_hwprobe, getxattrat, setxattrat, listxattrat and removexattrat allowed",
    reason: "the syscalls of Linux 6.8 to 6.13 (libseccomp 2.6.0, as in containerd)",
    sources: &[
        moby("master", "6aa8288cfb", "https://github.com/moby/moby/pull/50077"),
        moby("master", "0ec3278d48", "https://github.com/moby/moby/pull/50077"),
    ],
    edits: Edits::Do(&[Edit::Add(
        ALLOW,
        &[
            "getxattrat",
            "listmount",
            "listxattrat",
            "mseal",
            "removexattrat",
            "riscv_hwprobe",
            "setxattrat",
            "statmount",
            "uretprobe",
        ],
    )]),
};

const LSM: Change = Change {
    id: "lsm-attr",
    summary: "lsm_get_self_attr, lsm_set_self_attr and lsm_list_modules allowed with CAP_SYS_ADMIN",
    reason: "a process's LSM attributes are security state; 28.2.0 shipped them gated, never unconditionally",
    sources: &[moby("master", "148a19b6d6", "https://github.com/moby/moby/pull/50097")],
    edits: Edits::Do(&[Edit::Add(
        SYS_ADMIN,
        &["lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr"],
    )]),
};

const LOONGARCH64: Change = Change {
    id: "loongarch64",
    summary: "archMap entry for loongarch64",
    reason: "LoongArch hosts (moby/profiles seccomp v0.2.0)",
    sources: &[
        moby_29x("a1197d997e"),
        moby(
            "master",
            "f2607daded",
            "https://github.com/moby/moby/pull/52455",
        ),
        profiles("8a31106249", "https://github.com/moby/profiles/pull/6"),
    ],
    edits: Edits::Do(&[Edit::Arch(Arch::Loongarch64)]),
};

const AF_ALG: Change = Change {
    id: "af-alg",
    summary: "socket(AF_ALG) refused too: the arg0 != 40 rule becomes three, arg0 < 38, == 39, > 40",
    reason: "the kernel crypto API behind AF_ALG (38) is attack surface containers do not need (copy.fail); two != conditions on one argument would be AND-ed (moby/profiles seccomp v0.2.1)",
    sources: &[
        moby_29x("a1197d997e"),
        moby("master", "d8b0c6a0c0", "https://github.com/moby/moby/pull/52494"),
        profiles("dec315c57e", "https://github.com/moby/profiles/pull/20"),
    ],
    edits: Edits::Do(&[Edit::Rules {
        after: Place::End,
        old: &[socket!(Ne, 40)],
        new: &[socket!(Lt, 38), socket!(Eq, 39), socket!(Gt, 40)],
    }]),
};

const SOCKETCALL: Change = Change {
    id: "socketcall",
    summary: "socketcall refused with ENOSYS (38): it leaves the allow rule for an ERRNO rule before the socket rules",
    reason: "socketcall(SYS_SOCKET) reaches AF_ALG past the socket rules on i386, s390 and MIPS o32 (moby/profiles seccomp v0.2.2)",
    sources: &[
        moby_29x("becdb42e26"),
        moby("master", "f52bb0e33c", "https://github.com/moby/moby/pull/52494"),
        profiles("7158007a83", "https://github.com/moby/profiles/pull/21"),
    ],
    edits: Edits::Do(&[
        Edit::Remove(ALLOW, &["socketcall"]),
        Edit::Rules {
            after: Place::After(KERNEL_4_8),
            old: &[],
            new: &[RuleSpec::plain(&["socketcall"], Action::Errno(38))],
        },
    ]),
};

const SOCKETCALL_REVERT: Change = Change {
    id: "socketcall-revert",
    summary: "socketcall allowed again (the 29.4.2 block reverted)",
    reason: "blocking all of socketcall hurt 32-bit x86 programs far more than expected; AF_ALG over socketcall is left to AppArmor and SELinux (moby/profiles seccomp v0.2.3)",
    sources: &[
        moby("29.4", "4dcaf2c1c6", "https://github.com/moby/moby/pull/52537"),
        moby("master", "35797366d7", "https://github.com/moby/moby/pull/52547"),
        profiles("3c28324314", "https://github.com/moby/profiles/pull/23"),
    ],
    edits: Edits::Revert(&SOCKETCALL),
};

/// Docker Engine's releases, line by line, as tagged in moby/moby (27.0.0 was never released).
const LINES: &[(u16, u16, u16, u16)] = &[
    (20, 10, 0, 27),
    (23, 0, 0, 18),
    (24, 0, 0, 9),
    (25, 0, 0, 17),
    (26, 0, 0, 2),
    (26, 1, 0, 5),
    (27, 0, 1, 3),
    (27, 1, 0, 2),
    (27, 2, 0, 1),
    (27, 3, 0, 1),
    (27, 4, 0, 1),
    (27, 5, 0, 1),
    (28, 0, 0, 4),
    (28, 1, 0, 1),
    (28, 2, 0, 2),
    (28, 3, 0, 3),
    (28, 4, 0, 0),
    (28, 5, 0, 2),
    (29, 0, 0, 4),
    (29, 1, 0, 5),
    (29, 2, 0, 1),
    (29, 3, 0, 1),
    (29, 4, 0, 3),
    (29, 5, 0, 3),
    (29, 6, 0, 2),
    (29, 7, 0, 2),
];

const VERSIONS: &[ProfileVersion] = &[
    ProfileVersion {
        releases: &[(R(20, 10, 0), R(20, 10, 3))],
        after: None,
        changes: &[],
    },
    ProfileVersion {
        releases: &[(R(20, 10, 4), R(20, 10, 9))],
        after: Some("20.10.0"),
        changes: &[LINUX_5_11],
    },
    ProfileVersion {
        releases: &[(R(20, 10, 10), R(20, 10, 17))],
        after: Some("20.10.4"),
        changes: &[CLONE3],
    },
    ProfileVersion {
        releases: &[
            (R(20, 10, 18), R(20, 10, 21)),
            (R(20, 10, 23), R(20, 10, 25)),
        ],
        after: Some("20.10.10"),
        changes: &[LANDLOCK, LINUX_5_16],
    },
    ProfileVersion {
        releases: &[(R(20, 10, 22), R(20, 10, 22))],
        after: Some("20.10.18"),
        changes: &[AF_VSOCK],
    },
    ProfileVersion {
        releases: &[(R(20, 10, 26), R(20, 10, 27))],
        after: Some("20.10.18"),
        changes: &[NAME_TO_HANDLE_AT],
    },
    ProfileVersion {
        releases: &[(R(23, 0, 0), R(23, 0, 6)), (R(24, 0, 0), R(24, 0, 2))],
        after: Some("20.10.18"),
        changes: &[
            PROCESS_VM,
            DEFAULT_ERRNO,
            SWAPCONTEXT,
            RISCV64,
            CLOCK_SETTIME64,
            PKEY,
            BPF_PERFMON,
            AF_VSOCK,
        ],
    },
    ProfileVersion {
        releases: &[(R(23, 0, 7), R(23, 0, 9)), (R(24, 0, 3), R(24, 0, 9))],
        after: Some("23.0.0"),
        changes: &[NAME_TO_HANDLE_AT],
    },
    ProfileVersion {
        releases: &[(R(23, 0, 10), R(23, 0, 18))],
        after: Some("23.0.7"),
        changes: &[LINUX_6_7],
    },
    ProfileVersion {
        releases: &[(R(25, 0, 0), R(25, 0, 2))],
        after: Some("23.0.7"),
        changes: &[IO_URING],
    },
    ProfileVersion {
        releases: &[(R(25, 0, 3), R(28, 1, 1))],
        after: Some("25.0.0"),
        changes: &[LINUX_6_7],
    },
    ProfileVersion {
        releases: &[(R(28, 2, 0), R(29, 4, 1))],
        after: Some("25.0.3"),
        changes: &[LINUX_6_13, LSM],
    },
    ProfileVersion {
        releases: &[(R(29, 4, 2), R(29, 4, 2))],
        after: Some("28.2.0"),
        changes: &[LOONGARCH64, AF_ALG, SOCKETCALL],
    },
    ProfileVersion {
        releases: &[(R(29, 4, 3), R(29, 7, 2))],
        after: Some("29.4.2"),
        changes: &[SOCKETCALL_REVERT],
    },
];

/// Docker Engine's default profile through its releases.
pub const DOCKER: History = History {
    base: "docker-default",
    engine: "Docker Engine",
    file: "moby/moby profiles/seccomp/default.json (vendor/github.com/moby/profiles/seccomp/default.json from 28.4.0)",
    lines: LINES,
    versions: VERSIONS,
    newest: "29.4.3",
    encoded: crate::catalogue::docker_default_profile,
    style: Style::Docker,
};

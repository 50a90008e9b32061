//! Podman's default profile, encoded as data: containers/container-libs
//! `common/pkg/seccomp/seccomp.json` at f0ddf1a745bb52c26889dcd69499c2dd9d4f40c1 (git blob
//! 6ccf86dcdb2d11cd345ae27db2fba8b83f38f77c, the state Podman's main branch vendors; no Podman
//! release ships it yet, 5.8 ships the version before, `podman-default@5.8`). Apache-2.0.
//!
//! Its unconditional allow rule is Docker's (`docker_default::ALLOWED`) with the names below
//! added and removed: the two lists share their origin and most of their names, so the shared
//! names are written once. `tests/versions.rs` proves this encoding decides exactly like the
//! file.

use super::docker_default;
use super::spec::{Gate, RuleSpec};
use crate::action::{Action, Op};
use crate::dialect::Profile;

/// Names Podman allows unconditionally that Docker's allow rule does not (most are
/// capability-gated in Docker: Podman leaves user namespaces, mounts and tracing to the
/// kernel's own checks).
const ALLOWED_BEYOND_DOCKER: &[&str] = &[
    "clone",
    "clone3",
    "fanotify_init",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "get_mempolicy",
    "keyctl",
    "mbind",
    "mount",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "pidfd_getfd",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "reboot",
    "set_mempolicy",
    "setns",
    "signal",
    "syslog",
    "umount",
    "umount2",
    "unshare",
];

/// Names in Docker's allow rule that Podman's lacks (most are in its EPERM list).
const NOT_ALLOWED_FROM_DOCKER: &[&str] = &[
    "cachestat",
    "getxattrat",
    "io_pgetevents",
    "io_pgetevents_time64",
    "listmount",
    "listxattrat",
    "map_shadow_stack",
    "mseal",
    "removexattrat",
    "riscv_hwprobe",
    "setxattrat",
    "statmount",
    "uretprobe",
    "vmsplice",
];

/// Refused with EPERM whatever the capabilities (the first rule of the file).
const EPERM_LIST: &[&str] = &[
    "bdflush",
    "cachestat",
    "io_pgetevents",
    "io_pgetevents_time64",
    "kexec_file_load",
    "kexec_load",
    "map_shadow_stack",
    "migrate_pages",
    "move_pages",
    "nfsservctl",
    "nice",
    "oldfstat",
    "oldlstat",
    "oldolduname",
    "oldstat",
    "olduname",
    "pciconfig_iobase",
    "pciconfig_read",
    "pciconfig_write",
    "sgetmask",
    "ssetmask",
    "swapoff",
    "swapon",
    "syscall",
    "sysfs",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
    "vmsplice",
];

const EPERM: Action = Action::Errno(1);

const fn allow(names: &'static [&'static str]) -> RuleSpec {
    RuleSpec::plain(names, Action::Allow)
}

/// `personality` allowed for this persona.
macro_rules! personality {
    ($value:literal) => {
        allow(&["personality"]).with_args(&[(0, Op::Eq, $value, 0)])
    };
}

/// ALLOW with `cap`, EPERM without it: Podman's pair for every capability-gated group.
macro_rules! cap_pair {
    ($names:expr, $cap:literal) => {
        [
            allow($names).when(Gate::caps(&[$cap])),
            RuleSpec::plain($names, EPERM).unless(Gate::caps(&[$cap])),
        ]
    };
}

const ARCH_RULES: &[RuleSpec] = &[
    personality!(0),
    personality!(8),
    personality!(131072),
    personality!(131080),
    personality!(4294967295),
    allow(&["sync_file_range2", "swapcontext"]).when(Gate::arches(&["ppc64le"])),
    allow(&[
        "arm_fadvise64_64",
        "arm_sync_file_range",
        "breakpoint",
        "cacheflush",
        "set_tls",
        "sync_file_range2",
    ])
    .when(Gate::arches(&["arm", "arm64"])),
    allow(&["arch_prctl"]).when(Gate::arches(&["amd64", "x32"])),
    allow(&["modify_ldt"]).when(Gate::arches(&["amd64", "x32", "x86"])),
    allow(&[
        "s390_pci_mmio_read",
        "s390_pci_mmio_write",
        "s390_runtime_instr",
    ])
    .when(Gate::arches(&["s390", "s390x"])),
    allow(&["riscv_flush_icache"]).when(Gate::arches(&["riscv64"])),
];

const SYS_ADMIN_NAMES: &[&str] = &[
    "lookup_dcookie",
    "quotactl",
    "quotactl_fd",
    "setdomainname",
    "sethostname",
    "setns",
];

const CAP_RULES: &[[RuleSpec; 2]] = &[
    cap_pair!(&["open_by_handle_at"], "CAP_DAC_READ_SEARCH"),
    [
        allow(&[
            "bpf",
            "lookup_dcookie",
            "perf_event_open",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "sethostname",
            "setns",
        ])
        .when(Gate::caps(&["CAP_SYS_ADMIN"])),
        RuleSpec::plain(SYS_ADMIN_NAMES, EPERM).unless(Gate::caps(&["CAP_SYS_ADMIN"])),
    ],
    cap_pair!(&["chroot"], "CAP_SYS_CHROOT"),
    cap_pair!(
        &[
            "delete_module",
            "finit_module",
            "init_module",
            "query_module"
        ],
        "CAP_SYS_MODULE"
    ),
    cap_pair!(&["acct"], "CAP_SYS_PACCT"),
    cap_pair!(&["kcmp", "process_madvise"], "CAP_SYS_PTRACE"),
    cap_pair!(&["ioperm", "iopl"], "CAP_SYS_RAWIO"),
    cap_pair!(
        &["clock_settime", "clock_settime64", "settimeofday", "stime"],
        "CAP_SYS_TIME"
    ),
    cap_pair!(&["vhangup"], "CAP_SYS_TTY_CONFIG"),
];

/// `socket`: AF_VSOCK refused; AF_NETLINK's audit protocol refused (EINVAL) without
/// CAP_AUDIT_WRITE.
pub(super) const SOCKET_RULES: &[RuleSpec] = &[
    RuleSpec::plain(&["socket"], EPERM).with_args(&[(0, Op::Eq, 40, 0)]),
    RuleSpec::plain(&["socket"], Action::Errno(22))
        .with_args(&[(0, Op::Eq, 16, 0), (2, Op::Eq, 9, 0)])
        .unless(Gate::caps(&["CAP_AUDIT_WRITE"])),
    allow(&["socket"])
        .with_args(&[(0, Op::Eq, 16, 0), (2, Op::Ne, 9, 0)])
        .unless(Gate::caps(&["CAP_AUDIT_WRITE"])),
    allow(&["socket"])
        .with_args(&[(0, Op::Ne, 16, 0)])
        .unless(Gate::caps(&["CAP_AUDIT_WRITE"])),
    allow(&["socket"])
        .with_args(&[(0, Op::Ne, 40, 0)])
        .when(Gate::caps(&["CAP_AUDIT_WRITE"])),
];

/// `bpf` with CAP_BPF, `perf_event_open` with CAP_PERFMON (each also with CAP_SYS_ADMIN, by the
/// rule above).
pub(super) const BPF_PERFMON_RULES: &[RuleSpec] = &[
    RuleSpec::plain(&["bpf"], EPERM).unless(Gate::caps(&["CAP_SYS_ADMIN", "CAP_BPF"])),
    allow(&["bpf"]).when(Gate::caps(&["CAP_BPF"])),
    RuleSpec::plain(&["perf_event_open"], EPERM)
        .unless(Gate::caps(&["CAP_SYS_ADMIN", "CAP_PERFMON"])),
    allow(&["perf_event_open"]).when(Gate::caps(&["CAP_PERFMON"])),
];

/// The names of Podman's unconditional allow rule: Docker's, less and plus the lists above, in
/// Docker's order with the additions at their sorted place.
fn allowed() -> Vec<String> {
    let key = |n: &str| n.trim_start_matches('_').to_string();
    let mut names: Vec<String> = docker_default::ALLOWED
        .iter()
        .filter(|n| !NOT_ALLOWED_FROM_DOCKER.contains(n))
        .map(|n| n.to_string())
        .collect();
    for n in ALLOWED_BEYOND_DOCKER {
        let at = names
            .iter()
            .position(|x| key(x) > key(n))
            .unwrap_or(names.len());
        names.insert(at, n.to_string());
    }
    names
}

/// The profile, with numeric errnos only (the history adds Podman's errno names).
pub(super) fn podman_default_profile() -> Profile {
    let mut p = Profile::new(Action::Errno(38));
    p.arch_map = Some(super::arch_map(super::COMPAT_ARCH_MAP));
    let rules = p.rules_mut();
    rules.push(RuleSpec::plain(EPERM_LIST, EPERM).to_rule());
    let mut everyone = allow(&[]).to_rule();
    everyone.names = Some(allowed());
    rules.push(everyone);
    let specs = ARCH_RULES
        .iter()
        .chain(CAP_RULES.iter().flatten())
        .chain(SOCKET_RULES)
        .chain(BPF_PERFMON_RULES);
    rules.extend(specs.map(|r| r.to_rule()));
    p
}

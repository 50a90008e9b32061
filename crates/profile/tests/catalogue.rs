//! The catalogue: docker-default equals moby's file, and every tier says what it claims.

mod support;

use jailwright_profile::diff::diff;
use jailwright_profile::policy::Target;
use jailwright_profile::{catalogue, resolve, tables, Action, Arch, CapSet};
use support::{assert_same_decisions, cap_sets, fixture};

#[test]
fn docker_default_decides_exactly_like_mobys_file() {
    let ours = catalogue::get("docker-default").unwrap().profile();
    let theirs = fixture("docker-default.json");
    let hosts: Vec<Arch> = theirs
        .arch_map
        .as_ref()
        .unwrap()
        .iter()
        .map(|e| e.architecture)
        .collect();
    assert_eq!(hosts.len(), 9);
    let compared =
        assert_same_decisions(&ours, &theirs, &hosts, &cap_sets(&theirs), "docker-default");
    assert!(compared > 100_000, "compared only {compared} numbers");
}

fn decide(tier: &str, name: &str, args: [u64; 6]) -> Action {
    let p = catalogue::get(tier).unwrap().profile();
    let policy = resolve(&p, &Target::sandbox(Arch::X86_64));
    let nr = tables::table(Arch::X86_64).unwrap().lookup(name).unwrap();
    policy.decide(Arch::X86_64, nr, &args).action
}

const EPERM: Action = Action::Errno(1);

#[test]
fn moderate_removes_every_listed_group() {
    for name in [
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "perf_event_open",
        "bpf",
        "userfaultfd",
        "add_key",
        "keyctl",
        "request_key",
        "clock_settime",
        "clock_adjtime",
        "settimeofday",
        "adjtimex",
        "setns",
        "unshare",
        "reboot",
        "swapon",
        "swapoff",
        "mount",
        "umount2",
        "pivot_root",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "mbind",
        "set_mempolicy",
        "migrate_pages",
        "move_pages",
        "init_module",
        "finit_module",
        "delete_module",
    ] {
        assert_eq!(decide("moderate", name, [0; 6]), EPERM, "{name}");
        // even with every capability a container could get
        let p = catalogue::get("moderate").unwrap().profile();
        let mut t = Target::docker(Arch::X86_64);
        t.caps = CapSet::from_names(jailwright_profile::caps::CAPABILITIES).unwrap();
        let nr = tables::table(Arch::X86_64).unwrap().lookup(name).unwrap();
        assert!(
            !resolve(&p, &t)
                .decide(Arch::X86_64, nr, &[0; 6])
                .action
                .permits(),
            "{name} with all caps"
        );
    }
    // and keeps ordinary calls
    for name in [
        "read",
        "write",
        "openat",
        "futex",
        "mmap",
        "getrandom",
        "clock_gettime",
    ] {
        assert_eq!(decide("moderate", name, [0; 6]), Action::Allow, "{name}");
    }
}

#[test]
fn debug_adds_tracing_and_aslr_personality() {
    for name in [
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "perf_event_open",
    ] {
        assert_eq!(decide("debug", name, [0; 6]), Action::Allow, "{name}");
    }
    assert_eq!(
        decide("debug", "personality", [0x0040000, 0, 0, 0, 0, 0]),
        Action::Allow
    );
    assert_eq!(
        decide("moderate", "personality", [0x0040000, 0, 0, 0, 0, 0]),
        EPERM
    );
    assert_eq!(decide("debug", "bpf", [0; 6]), EPERM);
}

#[test]
fn mcp_is_moderate() {
    let m = resolve(
        &catalogue::get("mcp").unwrap().profile(),
        &Target::docker(Arch::X86_64),
    );
    let d = resolve(
        &catalogue::get("moderate").unwrap().profile(),
        &Target::docker(Arch::X86_64),
    );
    assert!(diff(&m, &d).is_empty());
    assert!(catalogue::get("mcp")
        .unwrap()
        .threat_model
        .contains("prompt-injection"));
}

#[test]
fn strict_and_plugin_tighten_further() {
    for name in [
        "remap_file_pages",
        "memfd_secret",
        "fanotify_init",
        "fanotify_mark",
        "chroot",
    ] {
        assert_eq!(decide("strict", name, [0; 6]), EPERM, "{name}");
        assert_eq!(decide("plugin", name, [0; 6]), EPERM, "{name}");
    }
    // clone3 always ENOSYS in plugin, even with CAP_SYS_ADMIN
    let p = catalogue::get("plugin").unwrap().profile();
    let mut t = Target::docker(Arch::X86_64);
    t.caps = CapSet::from_names(&["CAP_SYS_ADMIN"]).unwrap();
    let nr = tables::table(Arch::X86_64)
        .unwrap()
        .lookup("clone3")
        .unwrap();
    assert_eq!(
        resolve(&p, &t).decide(Arch::X86_64, nr, &[0; 6]).action,
        Action::Errno(38)
    );
    // sockets: unix/inet/inet6 stream+dgram, no raw, no packet
    assert_eq!(
        decide("plugin", "socket", [1, 1, 0, 0, 0, 0]),
        Action::Allow
    );
    assert_eq!(
        decide("plugin", "socket", [2, 1, 0, 0, 0, 0]),
        Action::Allow
    );
    assert_eq!(
        decide("plugin", "socket", [2, 0x80801, 0, 0, 0, 0]),
        Action::Allow,
        "SOCK_CLOEXEC|SOCK_NONBLOCK"
    );
    assert_eq!(
        decide("plugin", "socket", [10, 2, 0, 0, 0, 0]),
        Action::Allow
    );
    assert_eq!(
        decide("plugin", "socket", [2, 3, 0, 0, 0, 0]),
        EPERM,
        "SOCK_RAW"
    );
    assert_eq!(
        decide("plugin", "socket", [17, 3, 0, 0, 0, 0]),
        EPERM,
        "AF_PACKET"
    );
    assert_eq!(
        decide("plugin", "socket", [16, 3, 0, 0, 0, 0]),
        Action::Allow,
        "route netlink"
    );
    assert_eq!(
        decide("plugin", "socket", [16, 3, 9, 0, 0, 0]),
        EPERM,
        "audit netlink"
    );
    // clone without namespace flags still works, with them does not
    assert_eq!(
        decide("plugin", "clone", [0x3d0f00, 0, 0, 0, 0, 0]),
        Action::Allow
    );
    assert_eq!(
        decide("plugin", "clone", [0x1000_0000, 0, 0, 0, 0, 0]),
        EPERM
    );
}

#[test]
fn every_tier_explains_every_step() {
    for e in catalogue::ENTRIES {
        assert!(!e.summary.is_empty());
        for (_, s) in e.lineage() {
            assert!(s.reason().len() > 20, "{}: {}", e.name, s.group());
        }
    }
    let plugin = catalogue::get("plugin").unwrap();
    let (tier, step) = plugin.group_for("ptrace").unwrap();
    assert_eq!((tier, step.group()), ("moderate", "debugging and tracing"));
}

#[test]
fn plugin_has_no_compat_abis() {
    let p = catalogue::get("plugin").unwrap().profile();
    let pol = resolve(&p, &Target::sandbox(Arch::X86_64));
    assert_eq!(pol.arches.len(), 1);
    let i386_getpid = 20;
    assert_eq!(
        pol.decide_raw(Arch::X86.audit_arch(), i386_getpid, &[0; 6])
            .reason,
        jailwright_profile::Reason::BadArch
    );
    assert_eq!(
        pol.decide_raw(Arch::X86_64.audit_arch(), 0x4000_0000 | 39, &[0; 6])
            .reason,
        jailwright_profile::Reason::BadArch,
        "x32 getpid"
    );
    // moderate keeps Docker's compat ABIs
    let m = resolve(
        &catalogue::get("moderate").unwrap().profile(),
        &Target::docker(Arch::X86_64),
    );
    assert_eq!(m.arches.len(), 3);
}

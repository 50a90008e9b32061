//! The built-in profiles, each a readable derivation of its base.
//!
//! ```text
//! docker-default            Docker's default, encoded as data (proved equal to moby's file)
//!   └─ moderate             minus debugging, kernel interfaces, namespaces, system operations, ...
//!        ├─ debug           plus ptrace, process_vm_*, perf_event_open, personality(ADDR_NO_RANDOMIZE)
//!        ├─ mcp             moderate, documented for unvetted MCP tools
//!        └─ strict          minus remap_file_pages, memfd_secret, fanotify_*, chroot
//!             └─ plugin     the `jailwright run` default: no capability-gated rules, only
//!                           unix/inet/inet6 stream and datagram sockets, clone3 -> ENOSYS
//! ```
//!
//! Every step names the group it touches and why, so a reviewer reads a tier top to bottom.
//!
//! The engine defaults also exist release by release ([`history`]): `docker-default@24.0.9`,
//! `podman-default@5.2`, and `podman-default`, Podman's newest.
//!
//! Reports lay profiles out by syscall group ([`groups`], [`group_of`]): every syscall of
//! every ABI with a table is in exactly one [`Group`], kept as data in `groups.txt`.

mod docker_default;
mod groups;
pub mod history;
mod podman_default;
pub mod spec;

pub use groups::{group_of, groups, Group};

use crate::action::{Action, Op};
use crate::arch::Arch;
use crate::dialect::{ArchMapEntry, Profile};
use history::VersionError;
use spec::{Gate, RuleSpec};

/// One derivation step.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// Remove these names from every rule that allows them (with or without conditions or
    /// capability gates); the default action then decides them.
    Remove {
        /// The group's name, as reports and lint quote it.
        group: &'static str,
        /// The syscalls.
        names: &'static [&'static str],
        /// Why they go.
        reason: &'static str,
    },
    /// Remove argument-filtered rules for `name` whose condition allows `value` bits.
    RemoveArgRule {
        /// The group's name.
        group: &'static str,
        /// The syscall.
        name: &'static str,
        /// Rules for `name` whose EQ value has any of these bits are removed.
        bits: u64,
        /// Why.
        reason: &'static str,
    },
    /// Keep only the native architectures: no 32-bit or x32 compat ABIs in the filter.
    DropSubArches {
        /// Why.
        reason: &'static str,
    },
    /// Drop every capability-gated (`includes.caps`) allow rule.
    DropCapGated {
        /// Why.
        reason: &'static str,
    },
    /// Append rules.
    Add {
        /// The group's name.
        group: &'static str,
        /// The rules.
        rules: &'static [RuleSpec],
        /// Why.
        reason: &'static str,
    },
    /// Replace every rule for `names` with `rules`.
    Replace {
        /// The group's name.
        group: &'static str,
        /// The syscalls.
        names: &'static [&'static str],
        /// The new rules.
        rules: &'static [RuleSpec],
        /// Why.
        reason: &'static str,
    },
}

impl Step {
    /// The group name a step is reported under.
    pub fn group(&self) -> &'static str {
        match self {
            Step::Remove { group, .. }
            | Step::RemoveArgRule { group, .. }
            | Step::Add { group, .. }
            | Step::Replace { group, .. } => group,
            Step::DropCapGated { .. } => "capability-gated rules",
            Step::DropSubArches { .. } => "compat ABIs (i386, x32, arm, s390)",
        }
    }

    /// Why the step exists.
    pub fn reason(&self) -> &'static str {
        match self {
            Step::Remove { reason, .. }
            | Step::RemoveArgRule { reason, .. }
            | Step::DropCapGated { reason }
            | Step::DropSubArches { reason }
            | Step::Add { reason, .. }
            | Step::Replace { reason, .. } => reason,
        }
    }

    /// The syscall names the step is about.
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            Step::Remove { names, .. } => names.to_vec(),
            Step::RemoveArgRule { name, .. } => vec![name],
            Step::Replace { names, .. } => names.to_vec(),
            Step::Add { rules, .. } => rules.iter().flat_map(|r| r.names.iter().copied()).collect(),
            Step::DropCapGated { .. } | Step::DropSubArches { .. } => Vec::new(),
        }
    }

    fn apply(&self, p: &mut Profile) {
        match *self {
            Step::Remove { names, .. } => {
                for r in p.rules_mut().iter_mut() {
                    if r.action().permits() {
                        if let Some(list) = r.names.as_mut() {
                            list.retain(|n| !names.contains(&n.as_str()));
                        }
                        if r.name.as_deref().is_some_and(|n| names.contains(&n)) {
                            r.name = None;
                        }
                    }
                }
                p.rules_mut().retain(|r| r.all_names().next().is_some());
            }
            Step::RemoveArgRule { name, bits, .. } => {
                p.rules_mut().retain(|r| {
                    !(r.all_names().any(|n| n == name)
                        && r.action().permits()
                        && r.conditions().iter().any(|c| {
                            c.op == Op::Eq && c.value & bits != 0 && c.value != u64::from(u32::MAX)
                        }))
                });
            }
            Step::DropCapGated { .. } => {
                p.rules_mut().retain(|r| {
                    !(r.action().permits()
                        && r.includes
                            .as_ref()
                            .is_some_and(|i| i.caps.as_ref().is_some_and(|c| !c.is_empty())))
                });
            }
            Step::DropSubArches { .. } => {
                for e in p.arch_map.iter_mut().flatten() {
                    e.sub_architectures = None;
                }
            }
            Step::Add { rules, .. } => {
                p.rules_mut().extend(rules.iter().map(|r| r.to_rule()));
            }
            Step::Replace { names, rules, .. } => {
                for r in p.rules_mut().iter_mut() {
                    if let Some(list) = r.names.as_mut() {
                        list.retain(|n| !names.contains(&n.as_str()));
                    }
                    if r.name.as_deref().is_some_and(|n| names.contains(&n)) {
                        r.name = None;
                    }
                }
                p.rules_mut().retain(|r| r.all_names().next().is_some());
                p.rules_mut().extend(rules.iter().map(|r| r.to_rule()));
            }
        }
    }
}

/// What a tier starts from.
#[derive(Clone, Copy, Debug)]
pub enum Base {
    /// Docker's default, encoded in this crate.
    DockerDefault,
    /// Another built-in tier.
    Tier(&'static str),
}

/// A built-in profile.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Its name.
    pub name: &'static str,
    /// One line saying what it is for.
    pub summary: &'static str,
    /// Who it is for and what it defends against.
    pub threat_model: &'static str,
    /// What it derives from.
    pub base: Base,
    /// The derivation, applied in order.
    pub steps: &'static [Step],
}

impl Entry {
    /// Builds the profile.
    pub fn profile(&self) -> Profile {
        let mut p = match self.base {
            Base::DockerDefault => docker_default_profile(),
            Base::Tier(t) => get(t)
                .map(|e| e.profile())
                .unwrap_or_else(docker_default_profile),
        };
        for s in self.steps {
            s.apply(&mut p);
        }
        p
    }

    /// The whole chain of steps from Docker's default to this tier, with the tier that adds
    /// each one.
    pub fn lineage(&self) -> Vec<(&'static str, &'static Step)> {
        let mut out = match self.base {
            Base::DockerDefault => Vec::new(),
            Base::Tier(t) => get(t).map(|e| e.lineage()).unwrap_or_default(),
        };
        out.extend(self.steps.iter().map(|s| (self.name, s)));
        out
    }

    /// The step (and tier) that removed `name`, if a step in the lineage touches it.
    pub fn group_for(&self, name: &str) -> Option<(&'static str, &'static Step)> {
        self.lineage()
            .into_iter()
            .rev()
            .find(|(_, s)| s.names().contains(&name))
    }
}

/// An `archMap`: each host architecture with the sub-architectures its filter also covers.
pub(crate) fn arch_map(entries: &[(Arch, &[Arch])]) -> Vec<ArchMapEntry> {
    entries
        .iter()
        .map(|&(a, subs)| ArchMapEntry {
            architecture: a,
            sub_architectures: (!subs.is_empty()).then(|| subs.to_vec()),
            extra: Default::default(),
        })
        .collect()
}

/// The `archMap` entries Docker's and Podman's defaults share: each 64-bit host with its compat
/// ABIs. Docker's default adds riscv64 (23.0) and loongarch64 (29.4.2); Podman's has these.
const COMPAT_ARCH_MAP: &[(Arch, &[Arch])] = &[
    (Arch::X86_64, &[Arch::X86, Arch::X32]),
    (Arch::Aarch64, &[Arch::Arm]),
    (Arch::Mips64, &[Arch::Mips, Arch::Mips64n32]),
    (Arch::Mips64n32, &[Arch::Mips, Arch::Mips64]),
    (Arch::Mipsel64, &[Arch::Mipsel, Arch::Mipsel64n32]),
    (Arch::Mipsel64n32, &[Arch::Mipsel, Arch::Mipsel64]),
    (Arch::S390x, &[Arch::S390]),
];

fn docker_default_profile() -> Profile {
    let mut p = Profile::new(Action::Errno(1));
    let mut map = arch_map(COMPAT_ARCH_MAP);
    map.extend(arch_map(&[(Arch::Riscv64, &[]), (Arch::Loongarch64, &[])]));
    p.arch_map = Some(map);
    let rules = p.rules_mut();
    rules.push(RuleSpec::plain(docker_default::ALLOWED, Action::Allow).to_rule());
    rules.extend(docker_default::RULES.iter().map(|r| r.to_rule()));
    p
}

const MODERATE: &[Step] = &[
    Step::Remove {
        group: "debugging and tracing",
        names: &["ptrace", "process_vm_readv", "process_vm_writev"],
        reason: "reading and writing another process's memory lets a plugin steal secrets from, or inject code into, its siblings",
    },
    Step::Remove {
        group: "performance monitoring",
        names: &["perf_event_open"],
        reason: "perf events expose kernel addresses and side channels and have a long record of privilege-escalation bugs",
    },
    Step::RemoveArgRule {
        group: "ASLR-disabling personality",
        name: "personality",
        bits: 0x0040000,
        reason: "personality(ADDR_NO_RANDOMIZE) switches off address-space randomisation, which exploits rely on",
    },
    Step::Remove {
        group: "kernel interfaces",
        names: &["bpf", "userfaultfd", "add_key", "keyctl", "request_key"],
        reason: "eBPF, userfaultfd and the keyring are large kernel attack surfaces used by most recent container escapes; userfaultfd also makes races easy to win",
    },
    Step::Remove {
        group: "time setting",
        names: &["clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "settimeofday", "stime", "adjtimex"],
        reason: "the clock is shared by the whole host; changing it breaks TLS, logs and schedulers outside the container",
    },
    Step::Remove {
        group: "namespaces",
        names: &["setns", "unshare"],
        reason: "new namespaces turn unprivileged code into namespace-root, the first step of many escapes",
    },
    Step::Remove {
        group: "system operations",
        names: &["reboot", "swapon", "swapoff", "mount", "umount", "umount2", "pivot_root"],
        reason: "mounting, swapping and rebooting act on the host, not on the plugin",
    },
    Step::Remove {
        group: "io_uring",
        names: &["io_uring_setup", "io_uring_enter", "io_uring_register"],
        reason: "io_uring performs I/O without syscalls seccomp can see and has been a rich source of kernel exploits",
    },
    Step::Remove {
        group: "NUMA memory policy",
        names: &["mbind", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages", "move_pages"],
        reason: "moving memory between NUMA nodes affects other tenants and has had exploitable bugs",
    },
    Step::Remove {
        group: "module loading",
        names: &["init_module", "finit_module", "delete_module"],
        reason: "loading kernel code is a full host compromise",
    },
];

const DEBUG: &[Step] = &[Step::Add {
    group: "debugging",
    rules: &[
        RuleSpec::plain(
            &[
                "ptrace",
                "process_vm_readv",
                "process_vm_writev",
                "perf_event_open",
            ],
            Action::Allow,
        ),
        RuleSpec {
            names: &["personality"],
            action: Action::Allow,
            args: &[(0, Op::Eq, 0x0040000, 0)],
            comment: Some("personality(ADDR_NO_RANDOMIZE), as gdb and rr use it"),
            includes: Gate::NONE,
            excludes: Gate::NONE,
        },
    ],
    reason: "debuggers and profilers (gdb, rr, perf, py-spy) need to trace and read their target",
}];

const STRICT: &[Step] = &[Step::Remove {
    group: "rarely needed memory and notification interfaces",
    names: &["remap_file_pages", "memfd_secret", "fanotify_init", "fanotify_mark", "chroot"],
    reason: "obsolete or privileged-in-spirit interfaces with little use in application code and a history of bugs; chroot is an escape primitive when combined with open directory fds",
}];

/// `socket(family, type & 0xf == kind, protocol)` allowed (the type's upper bits are the
/// SOCK_NONBLOCK and SOCK_CLOEXEC flags).
macro_rules! socket_rule {
    ($family:literal, $kind:literal, $protocol:literal, $comment:literal) => {
        RuleSpec {
            names: &["socket"],
            action: Action::Allow,
            args: &[
                (0, Op::Eq, $family, 0),
                (1, Op::MaskedEq, 0xf, $kind),
                (2, Op::Eq, $protocol, 0),
            ],
            comment: Some($comment),
            includes: Gate::NONE,
            excludes: Gate::NONE,
        }
    };
}

/// The sockets a plugin gets: unix (any type), TCP and UDP over IPv4 and IPv6 with the
/// protocol 0 or named (so MPTCP, UDP-Lite, SCTP and DCCP, each its own kernel code, are
/// refused), and route netlink.
const SOCKET_FAMILIES: &[RuleSpec] = &[
    RuleSpec {
        names: &["socket"],
        action: Action::Allow,
        args: &[(0, Op::Eq, 1, 0)],
        comment: Some("AF_UNIX, any type"),
        includes: Gate::NONE,
        excludes: Gate::NONE,
    },
    socket_rule!(2, 1, 0, "AF_INET, SOCK_STREAM, protocol 0"),
    socket_rule!(2, 1, 6, "AF_INET, SOCK_STREAM, IPPROTO_TCP"),
    socket_rule!(2, 2, 0, "AF_INET, SOCK_DGRAM, protocol 0"),
    socket_rule!(2, 2, 17, "AF_INET, SOCK_DGRAM, IPPROTO_UDP"),
    socket_rule!(10, 1, 0, "AF_INET6, SOCK_STREAM, protocol 0"),
    socket_rule!(10, 1, 6, "AF_INET6, SOCK_STREAM, IPPROTO_TCP"),
    socket_rule!(10, 2, 0, "AF_INET6, SOCK_DGRAM, protocol 0"),
    socket_rule!(10, 2, 17, "AF_INET6, SOCK_DGRAM, IPPROTO_UDP"),
    RuleSpec {
        names: &["socket"],
        action: Action::Allow,
        args: &[(0, Op::Eq, 16, 0), (2, Op::Eq, 0, 0)],
        comment: Some("AF_NETLINK, NETLINK_ROUTE only (getaddrinfo and getifaddrs)"),
        includes: Gate::NONE,
        excludes: Gate::NONE,
    },
];

/// `(mode & (S_ISUID | S_ISGID)) == 0`, on the argument that carries the mode.
const fn no_setid(names: &'static [&'static str], mode_arg: u8) -> RuleSpec {
    RuleSpec {
        names,
        action: Action::Allow,
        args: match mode_arg {
            1 => &[(1, Op::MaskedEq, 0o6000, 0)],
            2 => &[(2, Op::MaskedEq, 0o6000, 0)],
            _ => &[(3, Op::MaskedEq, 0o6000, 0)],
        },
        comment: Some("no setuid or setgid bits in the mode"),
        includes: Gate::NONE,
        excludes: Gate::NONE,
    }
}

const NO_SETID_MODES: &[RuleSpec] = &[
    no_setid(&["chmod", "fchmod", "creat", "mknod"], 1),
    no_setid(&["fchmodat", "fchmodat2", "open", "mknodat"], 2),
    no_setid(&["openat"], 3),
    RuleSpec::plain(&["openat2"], Action::Errno(38)),
];

const PLUGIN: &[Step] = &[
    Step::DropSubArches {
        reason: "a plugin built for the host never needs the i386, x32, arm or s390 compat ABIs; each one is a second syscall table to get right and a classic way around argument filters (int $0x80, the x32 bit), so calls through them are killed as a bad architecture",
    },
    Step::DropCapGated {
        reason: "plugins run with every capability dropped; capability-gated allowances are dead weight and would silently widen the tier if a capability were ever granted",
    },
    Step::Replace {
        group: "raw and packet sockets",
        names: &["socket"],
        rules: SOCKET_FAMILIES,
        reason: "raw, packet, vsock, bluetooth, crypto (AF_ALG) and most netlink families, and the less used transports (MPTCP, UDP-Lite, SCTP, DCCP), are kernel attack surface a plugin never needs; unix sockets, TCP and UDP over IPv4 and IPv6, and route netlink remain",
    },
    Step::Replace {
        group: "clone3",
        names: &["clone3"],
        rules: &[RuleSpec::plain(&["clone3"], Action::Errno(38))],
        reason: "clone3 passes its flags in memory where seccomp cannot check them; ENOSYS makes glibc fall back to clone, whose flags are checked",
    },
    Step::Replace {
        group: "setuid and setgid files",
        names: &[
            "chmod", "fchmod", "fchmodat", "fchmodat2", "creat", "open", "openat", "mknod",
            "mknodat", "openat2",
        ],
        rules: NO_SETID_MODES,
        reason: "a plugin that writes a setuid or setgid file into a --bind directory leaves the host an executable that runs with the caller's (or the mapped) uid for anyone who can reach it; modes with S_ISUID or S_ISGID are refused, and openat2, whose mode seccomp cannot see, answers ENOSYS so libc falls back to openat",
    },
    Step::Remove {
        group: "legacy and host-wide interfaces",
        names: &["name_to_handle_at", "vhangup", "acct", "syslog", "sysfs", "uselib", "ustat", "kcmp", "pidfd_getfd"],
        reason: "file handles, accounting, the kernel log and cross-process fd theft have no place in plugin code",
    },
];

/// The catalogue, in the order `profile list` prints it.
pub const ENTRIES: &[Entry] = &[
    Entry {
        name: "docker-default",
        summary: "Docker's default profile (moby/profiles seccomp v0.2.3), decision for decision",
        threat_model: "general containers; the baseline every other tier is measured against",
        base: Base::DockerDefault,
        steps: &[],
    },
    Entry {
        name: "moderate",
        summary: "docker-default minus tracing, kernel interfaces, namespaces, time setting and host operations",
        threat_model: "semi-trusted services: code you ship but that handles untrusted input",
        base: Base::DockerDefault,
        steps: MODERATE,
    },
    Entry {
        name: "debug",
        summary: "moderate plus ptrace, process_vm_*, perf_event_open and personality(ADDR_NO_RANDOMIZE)",
        threat_model: "debugging a plugin under gdb, rr, perf or py-spy; never for production",
        base: Base::Tier("moderate"),
        steps: DEBUG,
    },
    Entry {
        name: "mcp",
        summary: "moderate, for unvetted MCP tools and AI-agent tool servers",
        threat_model: "MCP servers and agent tools you did not write: prompt-injection-driven exfiltration and malicious tool code. Syscall filtering stops kernel attacks and tracing; exfiltration is stopped by the sandbox's other layers (no network by default, read-only filesystem, empty environment), so keep those on",
        base: Base::Tier("moderate"),
        steps: &[],
    },
    Entry {
        name: "strict",
        summary: "moderate minus remap_file_pages, memfd_secret, fanotify and chroot",
        threat_model: "untrusted code that still needs a general-purpose runtime",
        base: Base::Tier("moderate"),
        steps: STRICT,
    },
    Entry {
        name: "plugin",
        summary: "the `jailwright run` default: strict, native ABI only, no capability-gated rules, restricted sockets, no setuid files, clone3 -> ENOSYS",
        threat_model: "untrusted plugins (data-ingest, trading strategies, agent tools) run by `jailwright run` with all capabilities dropped. TIOCSTI and the other terminal requests are refused by the terminal guard that `jailwright run` installs in front of every profile (`explain` names it), not by rules here: an ioctl request filter in a profile needs overlapping allow/deny rules whose precedence libseccomp and jailwright would resolve differently. openat2 answers ENOSYS (its mode is out of seccomp's sight): in containers, runc 1.2.8+ may need openat2 itself, which `jailwright run --backend` diagnoses and `--on-reject compat` adds, giving up that one check",
        base: Base::Tier("strict"),
        steps: PLUGIN,
    },
];

/// A built-in profile by name.
pub fn get(name: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.name == name)
}

/// The built-in names.
pub fn names() -> Vec<&'static str> {
    ENTRIES.iter().map(|e| e.name).collect()
}

/// A built-in profile by name: a tier (`strict`), an engine default (`podman-default`), or one
/// release's engine default (`docker-default@24.0`). `None` when `name` is none of these.
pub fn lookup(name: &str) -> Option<Result<Profile, VersionError>> {
    if let Some(e) = get(name) {
        return Some(Ok(e.profile()));
    }
    if let Some(h) = history::get(name) {
        return Some(Ok(h.newest_profile()));
    }
    history::lookup(name)
}

/// What `lookup` knows, for messages: the tiers, then the engine defaults that have releases.
pub fn known() -> String {
    let mut all = names();
    all.extend(
        history::HISTORIES
            .iter()
            .map(|h| h.base)
            .filter(|b| get(b).is_none()),
    );
    let versioned: Vec<String> = history::HISTORIES
        .iter()
        .map(|h| format!("{}@RELEASE", h.base))
        .collect();
    format!("{}; and {}", all.join(", "), versioned.join(", "))
}

//! Linux capabilities, as `includes.caps` / `excludes.caps` name them.

use std::collections::BTreeSet;

/// Capability names in number order (`CAP_CHOWN` is 0).
pub const CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// A capability, by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Capability(pub u8);

impl Capability {
    /// Parses `CAP_SYS_ADMIN`, `sys_admin` or `SYS_ADMIN`.
    pub fn parse(s: &str) -> Option<Capability> {
        let upper = s.to_ascii_uppercase();
        let full = if upper.starts_with("CAP_") {
            upper
        } else {
            format!("CAP_{upper}")
        };
        CAPABILITIES
            .iter()
            .position(|c| *c == full)
            .map(|i| Capability(i as u8))
    }

    /// The `CAP_*` name.
    pub fn name(self) -> &'static str {
        CAPABILITIES
            .get(usize::from(self.0))
            .copied()
            .unwrap_or("CAP_UNKNOWN")
    }
}

/// A bounding set: the capabilities a container keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CapSet(pub BTreeSet<Capability>);

/// Docker's default bounding set (moby `oci/caps/defaults.go`).
pub const DOCKER_DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// Podman's default bounding set (containers.conf `default_capabilities`).
pub const PODMAN_DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

impl CapSet {
    /// No capabilities (what `--cap-drop ALL` and jailwright's sandbox keep).
    pub fn empty() -> CapSet {
        CapSet::default()
    }

    /// Builds a set from names; unknown names are returned as the error.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<CapSet, String> {
        let mut set = BTreeSet::new();
        for n in names {
            set.insert(Capability::parse(n.as_ref()).ok_or_else(|| n.as_ref().to_string())?);
        }
        Ok(CapSet(set))
    }

    /// Docker's default bounding set.
    pub fn docker_default() -> CapSet {
        CapSet::from_names(DOCKER_DEFAULT_CAPS).unwrap_or_default()
    }

    /// Whether a capability (by name) is in the set; unknown names are never present.
    pub fn contains_name(&self, name: &str) -> bool {
        Capability::parse(name).is_some_and(|c| self.0.contains(&c))
    }

    /// Adds a capability.
    pub fn insert(&mut self, c: Capability) {
        self.0.insert(c);
    }

    /// The names in the set.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|c| c.name()).collect()
    }
}

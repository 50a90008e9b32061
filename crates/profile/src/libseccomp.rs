//! What the libseccomp a runtime links does with a profile's names: which names it resolves on
//! each ABI (a name it does not know is dropped from the filter without a word, so the call
//! gets the default action), and which it resolves to a multiplexed pseudo number (then
//! runc's ENOSYS stub does not count it).
//!
//! The names come from each release's own table (`src/syscalls.csv`, generated into
//! `libseccomp.rows` by `tools/gen-libseccomp-names.py`). A distribution may
//! ship a release with a newer table; the builds jailwright knows are in [`DISTRO_BUILDS`],
//! each with its public source.
//!
//! ```
//! use jailwright_profile::{arch::Arch, libseccomp::Libseccomp};
//! let upstream = Libseccomp::parse("2.5.4").unwrap();
//! assert!(!upstream.knows(Arch::X86_64, "fchmodat2"));
//! let debian = Libseccomp::parse("2.5.4-1+deb12u1").unwrap();
//! assert!(debian.knows(Arch::X86_64, "fchmodat2"));
//! assert!(!debian.knows(Arch::X86_64, "uretprobe"));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::arch::Arch;
use crate::policy::Version;

static ROWS: &str = include_str!("libseccomp.rows");

/// A distribution's build of a libseccomp release whose name table is a later release's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DistroBuild {
    /// The package version (`2.5.4-1+deb12u1`).
    pub package: &'static str,
    /// The upstream release whose table the build carries.
    pub table: Version,
    /// Where that is said.
    pub source: &'static str,
}

/// Distribution builds with a newer table than their release's.
pub const DISTRO_BUILDS: &[DistroBuild] = &[DistroBuild {
    package: "2.5.4-1+deb12u1",
    table: Version(2, 5, 5),
    source: "Debian 12 libseccomp 2.5.4-1+deb12u1 changelog: \"Add support for syscalls up to Linux 6.7\" (https://bugs.debian.org/1071822); libseccomp 2.5.5's table follows Linux 6.7-rc3; confirmed on Debian 12 by resolving names with the installed library",
}];

/// The names libseccomp resolves to a pseudo number on ABIs where the kernel multiplexes them
/// (`socketcall`, `ipc`): x86, s390, s390x, ppc, ppc64 and MIPS o32
/// (`abi_syscall_resolve_name_munge` in libseccomp's `src/syscalls.c`, 2.5.0 to 2.6.1). A
/// rule naming them is added for the multiplexer and the direct call, but runc's ENOSYS stub
/// skips negative numbers, so they never raise its bound.
pub const MULTIPLEXED: &[&str] = &[
    "socket",
    "bind",
    "connect",
    "listen",
    "accept",
    "getsockname",
    "getpeername",
    "socketpair",
    "send",
    "recv",
    "sendto",
    "recvfrom",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "sendmsg",
    "recvmsg",
    "accept4",
    "recvmmsg",
    "sendmmsg",
    "semop",
    "semget",
    "semctl",
    "semtimedop",
    "msgsnd",
    "msgrcv",
    "msgget",
    "msgctl",
    "shmat",
    "shmdt",
    "shmget",
    "shmctl",
];

/// Whether libseccomp multiplexes the socket and IPC calls on `arch` (the kernel has
/// `socketcall` and `ipc` there).
pub fn multiplexes(arch: Arch) -> bool {
    matches!(
        arch,
        Arch::X86
            | Arch::S390
            | Arch::S390x
            | Arch::Ppc
            | Arch::Ppc64
            | Arch::Ppc64le
            | Arch::Mips
            | Arch::Mipsel
    )
}

/// A libseccomp build: its version and the release whose name table it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Libseccomp {
    /// The version it reports (`seccomp_version()`, `runc --version`).
    pub version: Version,
    /// The distribution package, when it is one of [`DISTRO_BUILDS`].
    #[serde(skip)]
    pub package: Option<&'static str>,
    /// The release whose table applies.
    pub table: Version,
}

impl Libseccomp {
    /// The newest release jailwright has the table of.
    pub fn newest() -> Libseccomp {
        let v = *table()
            .releases
            .last()
            .map(|(v, _)| v)
            .unwrap_or(&Version(2, 6, 1));
        Libseccomp {
            version: v,
            package: None,
            table: v,
        }
    }

    /// Parses an upstream version (`2.5.4`) or a known distribution package
    /// (`2.5.4-1+deb12u1`).
    pub fn parse(s: &str) -> Option<Libseccomp> {
        let s = s.trim();
        if let Some(d) = DISTRO_BUILDS.iter().find(|d| d.package == s) {
            return Some(Libseccomp {
                version: Version::parse(s)?,
                package: Some(d.package),
                table: d.table,
            });
        }
        let version = Version::parse(s)?;
        Some(Libseccomp {
            version,
            package: None,
            table: version,
        })
    }

    /// The release whose table decides, clamped to the releases jailwright has: a release
    /// before the first (2.5.0) is read with the first's table, one after the newest with
    /// the newest's.
    fn effective_table(self) -> Version {
        let releases = &table().releases;
        match releases.iter().rev().find(|(v, _)| *v <= self.table) {
            Some((v, _)) => *v,
            None => releases.first().map_or(self.table, |(v, _)| *v),
        }
    }

    /// The kernel whose syscall table this build follows (`5.17` for 2.5.4).
    pub fn kernel(self) -> Option<&'static str> {
        let t = self.effective_table();
        table()
            .releases
            .iter()
            .find(|(v, _)| *v == t)
            .map(|(_, k)| *k)
    }

    /// Whether this build resolves `name` on `arch`. ABIs libseccomp has no table for
    /// resolve nothing.
    pub fn knows(self, arch: Arch, name: &str) -> bool {
        let t = self.effective_table();
        table()
            .since
            .get(&(column(arch), name))
            .is_some_and(|since| *since <= t)
    }

    /// The first release that resolves `name` on `arch`, if any does.
    pub fn first_release(arch: Arch, name: &str) -> Option<Version> {
        table().since.get(&(column(arch), name)).copied()
    }

    /// The newest release that has a table for `arch` and does not resolve `name` there, with
    /// the kernel that table was made from: that kernel had no such call on `arch` (the
    /// tables are made from the kernel's own syscall tables). `None` when the first release
    /// with a table for `arch` already resolves it, or none does.
    pub fn last_release_without(arch: Arch, name: &str) -> Option<(Version, &'static str)> {
        let t = table();
        let col = column(arch);
        let first = *t.since.get(&(col, name))?;
        let abi_since = *t.abi_since.get(col)?;
        t.releases
            .iter()
            .rev()
            .find(|(v, _)| *v < first && *v >= abi_since)
            .copied()
    }

    /// Whether `name` resolves to a multiplexed pseudo number on `arch` (see [`MULTIPLEXED`]).
    pub fn multiplexed(arch: Arch, name: &str) -> bool {
        multiplexes(arch) && MULTIPLEXED.contains(&name)
    }
}

impl fmt::Display for Libseccomp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.package {
            Some(p) => f.write_str(p),
            None => write!(f, "{}", self.version),
        }
    }
}

/// libseccomp's column for an ABI (both endians share one).
fn column(arch: Arch) -> &'static str {
    match arch {
        Arch::Ppc64le => "ppc64",
        Arch::Mipsel => "mips",
        Arch::Mipsel64 => "mips64",
        Arch::Mipsel64n32 => "mips64n32",
        a => a.name(),
    }
}

struct Table {
    /// Releases in order, with the kernel their table follows.
    releases: Vec<(Version, &'static str)>,
    /// (column, name) → the first release that resolves it.
    since: HashMap<(&'static str, &'static str), Version>,
    /// column → the first release with a table for that ABI.
    abi_since: HashMap<&'static str, Version>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Table {
            releases: Vec::new(),
            since: HashMap::new(),
            abi_since: HashMap::new(),
        };
        let mut abi = "";
        for line in ROWS.lines().filter(|l| !l.starts_with('#')) {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("release") => {
                    let v = words.next().and_then(Version::parse);
                    if let (Some(v), Some(k)) = (v, words.next()) {
                        t.releases.push((v, k));
                    }
                }
                Some("abi") => abi = words.next().unwrap_or(""),
                Some(v) => {
                    if let Some(v) = Version::parse(v) {
                        for name in words {
                            t.since.entry((abi, name)).or_insert(v);
                        }
                        let first = t.abi_since.entry(abi).or_insert(v);
                        *first = (*first).min(v);
                    }
                }
                None => {}
            }
        }
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_and_names() {
        let v = |s: &str| Libseccomp::parse(s).unwrap();
        assert_eq!(v("2.5.4").kernel(), Some("5.17"));
        assert_eq!(v("2.5.4-1+deb12u1").kernel(), Some("6.7"));
        assert_eq!(v("2.5.4-1+deb12u1").to_string(), "2.5.4-1+deb12u1");
        assert!(v("2.5.0").knows(Arch::X86_64, "openat"));
        assert!(!v("2.5.1").knows(Arch::X86_64, "close_range"));
        assert!(v("2.5.2").knows(Arch::X86_64, "close_range"));
        // x32's map_shadow_stack came a release after x86_64's.
        assert!(v("2.5.5").knows(Arch::X86_64, "map_shadow_stack"));
        assert!(!v("2.5.5").knows(Arch::X32, "map_shadow_stack"));
        assert!(v("2.5.6").knows(Arch::X32, "map_shadow_stack"));
        assert!(!v("2.6.0").knows(Arch::X86, "uretprobe"));
        // Before the first release jailwright has: read with 2.5.0's table.
        assert!(v("2.4.4").knows(Arch::Aarch64, "openat"));
        assert!(!v("2.4.4").knows(Arch::Aarch64, "close_range"));
        assert!(Libseccomp::newest().knows(Arch::Ppc64le, "openat"));
        assert!(!Libseccomp::newest().knows(Arch::X86_64, "no_such_call"));
        assert!(Libseccomp::multiplexed(Arch::X86, "semget"));
        assert!(!Libseccomp::multiplexed(Arch::X86_64, "semget"));
        assert!(Libseccomp::parse("two").is_none());
        assert_eq!(
            Libseccomp::last_release_without(Arch::X86_64, "close_range"),
            Some((Version(2, 5, 1), "5.8"))
        );
        assert_eq!(
            Libseccomp::last_release_without(Arch::X32, "map_shadow_stack"),
            Some((Version(2, 5, 5), "6.7"))
        );
        // In the first table jailwright has: no bound.
        assert_eq!(
            Libseccomp::last_release_without(Arch::X86_64, "openat"),
            None
        );
        // loongarch64's column starts at 2.6.0: the releases before it say nothing.
        assert_eq!(
            Libseccomp::last_release_without(Arch::Loongarch64, "openat"),
            None
        );
    }
}

//! The host's facts that decide what a profile means and what a sandbox can enforce: the
//! kernel, seccomp's modes and actions, user namespaces, Landlock, the cgroup layout and the
//! legacy `TIOCSTI` switch, read into one value by one module.
//!
//! Everything is read from files under a root (`/` on a real host, a prepared directory in
//! tests); no system call is made, so the one fact that needs one (Landlock's ABI, asked with
//! `landlock_create_ruleset`) is supplied by a crate that makes system calls
//! ([`Host::with_landlock_abi`]). A fact that cannot be read is `None`, never a guess.
//!
//! ```
//! use jailwright_profile::host::Host;
//! let host = Host::read(std::path::Path::new("/"));
//! println!("{} on {}", host.kernel_release, host.arch);
//! ```

use std::path::Path;

use serde::Serialize;

use crate::arch::Arch;
use crate::dialect::KernelVersion;
use crate::engine::Engine;
use crate::libseccomp::Libseccomp;
use crate::policy::Runtime;

/// Seccomp as the kernel offers it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeccompFacts {
    /// This process's `Seccomp:` mode from `/proc/self/status` (absent without
    /// `CONFIG_SECCOMP`).
    pub mode: Option<String>,
    /// `/proc/sys/kernel/seccomp/actions_avail`, word by word (absent without
    /// `CONFIG_SECCOMP_FILTER` or when unreadable).
    pub actions: Option<Vec<String>>,
}

/// What limits user namespaces.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UserNamespaceFacts {
    /// `user.max_user_namespaces` (absent without `CONFIG_USER_NS`).
    pub max: Option<u64>,
    /// Debian's `kernel.unprivileged_userns_clone`, where it exists.
    pub unprivileged_clone: Option<String>,
    /// Ubuntu's `kernel.apparmor_restrict_unprivileged_userns`, where it exists.
    pub apparmor_restrict: Option<String>,
}

/// Landlock.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LandlockFacts {
    /// The kernel's answer to the ABI version query, when a caller that can make the system
    /// call supplied it: the ABI, or why there is none.
    pub abi: Option<Result<u32, String>>,
    /// The active LSMs from securityfs (`/sys/kernel/security/lsm`).
    pub lsms: Option<String>,
}

/// The cgroup layout, from `/proc/self/mountinfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CgroupFacts {
    /// Where cgroup2 is mounted, if it is.
    pub v2_at: Option<String>,
    /// The v1 hierarchies with controllers, each as its comma-separated controllers.
    pub v1: Vec<String>,
    /// The root's `cgroup.subtree_control` (unified layout at `/sys/fs/cgroup` only).
    pub root_subtree_control: Option<String>,
    /// This process's own cgroup (`0::` line of `/proc/self/cgroup`).
    pub own: Option<String>,
    /// Whether this process's cgroup directory is writable by it.
    pub own_writable: bool,
    /// The controllers of the cgroup2 hierarchy of a hybrid layout (its
    /// `cgroup.controllers`), space-separated; empty when it has none.
    pub hybrid_v2_controllers: Option<String>,
}

impl CgroupFacts {
    /// The hybrid layout: v1 hierarchies with controllers beside a cgroup2 mount (systemd's
    /// `/sys/fs/cgroup/unified`). crun 1.8.1 refuses it ("cgroups in hybrid mode not
    /// supported", seen on a Debian 12 host).
    pub fn hybrid(&self) -> bool {
        !self.v1.is_empty() && self.v2_at.is_some()
    }

    /// The cgroup2 controllers that make crun refuse a hybrid layout: crun accepts one only
    /// while its cgroup2 hierarchy has no controllers ("cgroups in hybrid mode not supported,
    /// drop all controllers from cgroupv2", crun commit 934c7280, 0.4 and later; a hierarchy
    /// left with `hugetlb` alone is refused by crun 1.8.1 and accepted once `hugetlb` is
    /// mounted as a v1 hierarchy, probed on Debian 12). `None` when crun has no objection.
    pub fn crun_refuses(&self) -> Option<&str> {
        let c = self.hybrid_v2_controllers.as_deref()?.trim();
        (self.hybrid() && !c.is_empty()).then_some(c)
    }
}

/// The container engine on this host and the runtime it starts containers with, as the engine
/// reports them (asked only when a command needs them: `doctor`, `lint --host`, the container
/// backend).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineFacts {
    /// `docker` or `podman`.
    pub name: String,
    /// The engine's version as it reports it (`20.10.24+dfsg1`).
    pub version: String,
    /// The engine's default OCI runtime with its version when reported (`runc@1.1.5`).
    pub runtime: Runtime,
    /// The libseccomp that runtime links, when it can be told.
    pub libseccomp: Option<Libseccomp>,
}

impl EngineFacts {
    /// The engine's version without distribution suffixes (`20.10.24+dfsg1` → `20.10.24`).
    pub fn version_number(&self) -> &str {
        let end = self
            .version
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(self.version.len());
        &self.version[..end]
    }

    /// The engine in the flags' terms (`docker@20.10.24`).
    pub fn engine(&self) -> Option<Engine> {
        Engine::parse(&format!("{}@{}", self.name, self.version_number()))
    }
}

/// The host, as jailwright sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Host {
    /// The machine's native ABI.
    pub arch: Arch,
    /// `uname -r` (from `/proc/sys/kernel/osrelease`; empty when unreadable).
    pub kernel_release: String,
    /// The release as `X.Y`, when it parses.
    pub kernel: Option<KernelVersion>,
    /// Seccomp.
    pub seccomp: SeccompFacts,
    /// User namespaces.
    pub user_namespaces: UserNamespaceFacts,
    /// Landlock.
    pub landlock: LandlockFacts,
    /// cgroups.
    pub cgroups: CgroupFacts,
    /// `dev.tty.legacy_tiocsti`: whether `TIOCSTI` can push input into a terminal (absent on
    /// kernels before 6.2, where it always can).
    pub legacy_tiocsti: Option<bool>,
    /// The container engine, when a command asked it ([`Host::with_engine`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineFacts>,
}

/// The running kernel's release (`uname -r`), from `/proc/sys/kernel/osrelease` under `root`.
pub fn kernel_release(root: &Path) -> Option<String> {
    read(root, "/proc/sys/kernel/osrelease")
}

fn read(root: &Path, path: &str) -> Option<String> {
    std::fs::read_to_string(root.join(path.trim_start_matches('/')))
        .ok()
        .map(|s| s.trim().to_string())
}

/// The seccomp actions this kernel offers (`actions_avail`), or why they cannot be read.
pub fn seccomp_actions(root: &Path) -> Result<Vec<String>, String> {
    std::fs::read_to_string(root.join("proc/sys/kernel/seccomp/actions_avail"))
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .map_err(|e| format!("cannot read /proc/sys/kernel/seccomp/actions_avail: {e}"))
}

/// Whether this kernel offers `SECCOMP_RET_USER_NOTIF`, which denial reports need (and the
/// reason when not).
pub fn user_notification(root: &Path) -> Result<(), String> {
    match seccomp_actions(root) {
        Ok(a) if a.iter().any(|x| x == "user_notif") => Ok(()),
        Ok(_) => Err("this kernel has no SECCOMP_RET_USER_NOTIF (Linux 5.0+)".into()),
        Err(e) => Err(e),
    }
}

impl Host {
    /// Reads every fact under `root`.
    pub fn read(root: &Path) -> Host {
        let kernel_release = kernel_release(root).unwrap_or_default();
        let status = read(root, "/proc/self/status").unwrap_or_default();
        Host {
            arch: Arch::host(),
            kernel: KernelVersion::parse(&kernel_release),
            kernel_release,
            seccomp: SeccompFacts {
                mode: status
                    .lines()
                    .find_map(|l| l.strip_prefix("Seccomp:"))
                    .map(|s| s.trim().to_string()),
                actions: seccomp_actions(root).ok(),
            },
            user_namespaces: UserNamespaceFacts {
                max: read(root, "/proc/sys/user/max_user_namespaces").and_then(|s| s.parse().ok()),
                unprivileged_clone: read(root, "/proc/sys/kernel/unprivileged_userns_clone"),
                apparmor_restrict: read(
                    root,
                    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
                ),
            },
            landlock: LandlockFacts {
                abi: None,
                lsms: read(root, "/sys/kernel/security/lsm"),
            },
            cgroups: cgroups(root),
            legacy_tiocsti: read(root, "/proc/sys/dev/tty/legacy_tiocsti").map(|s| s == "1"),
            engine: None,
        }
    }

    /// The same facts with what the container engine reported of itself.
    pub fn with_engine(mut self, engine: EngineFacts) -> Host {
        self.engine = Some(engine);
        self
    }

    /// The stack the host gives a profile, in the flags' syntax: `--engine docker@20.10.24
    /// --runtime runc@1.1.5 --kernel 6.18` (what is unknown is left out).
    pub fn stack(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = &self.engine {
            parts.push(format!("--engine {}@{}", e.name, e.version_number()));
            parts.push(format!("--runtime {}", e.runtime));
            if let Some(l) = e.libseccomp {
                parts.push(format!("--libseccomp {l}"));
            }
        }
        if let Some(k) = self.kernel {
            parts.push(format!("--kernel {k}"));
        }
        parts.join(" ")
    }

    /// The same facts with the kernel's answer to the Landlock ABI query.
    pub fn with_landlock_abi(mut self, abi: Result<u32, String>) -> Host {
        self.landlock.abi = Some(abi);
        self
    }

    /// Whether the kernel is at least `major.minor` (false when the release is unknown).
    pub fn kernel_at_least(&self, major: u8, minor: u8) -> bool {
        self.kernel
            .is_some_and(|k| k >= KernelVersion::new(major, minor))
    }

    /// Whether `actions_avail` lists `action` (`None` when it could not be read).
    pub fn seccomp_action(&self, action: &str) -> Option<bool> {
        self.seccomp
            .actions
            .as_ref()
            .map(|a| a.iter().any(|x| x == action))
    }
}

fn cgroups(root: &Path) -> CgroupFacts {
    let mountinfo = read(root, "/proc/self/mountinfo").unwrap_or_default();
    let mut facts = CgroupFacts::default();
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let mount_point = left.split_whitespace().nth(4).unwrap_or("");
        let mut r = right.split_whitespace();
        let fstype = r.next().unwrap_or("");
        let opts = r.nth(1).unwrap_or("");
        if fstype == "cgroup2" {
            facts.v2_at = Some(mount_point.to_string());
        } else if fstype == "cgroup" {
            let ctrl: Vec<&str> = opts
                .split(',')
                .filter(|o| {
                    !matches!(*o, "rw" | "ro" | "nosuid" | "nodev" | "noexec" | "relatime")
                        && !o.starts_with("name=")
                })
                .collect();
            if !ctrl.is_empty() {
                facts.v1.push(ctrl.join(","));
            }
        }
    }
    if let (Some(at), false) = (&facts.v2_at, facts.v1.is_empty()) {
        facts.hybrid_v2_controllers =
            read(root, &format!("{at}/cgroup.controllers")).map(|c| c.trim().to_string());
    }
    if facts.v2_at.as_deref() == Some("/sys/fs/cgroup") && facts.v1.is_empty() {
        facts.root_subtree_control = read(root, "/sys/fs/cgroup/cgroup.subtree_control");
        let own = read(root, "/proc/self/cgroup")
            .and_then(|c| {
                c.lines()
                    .find_map(|l| l.strip_prefix("0::").map(str::to_string))
            })
            .unwrap_or_default();
        let dir = root.join(format!("sys/fs/cgroup{}", own.trim_end_matches('/')));
        facts.own_writable = std::fs::metadata(dir)
            .map(|m| !m.permissions().readonly())
            .unwrap_or(false);
        facts.own = Some(own);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_from_a_prepared_root_and_none_from_an_empty_one() {
        let dir = std::env::temp_dir().join(format!("jw-host-{}", std::process::id()));
        let w = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("proc/sys/kernel/osrelease", "6.8.0-1-amd64\n");
        w("proc/self/status", "Name:\tx\nSeccomp:\t2\n");
        w(
            "proc/sys/kernel/seccomp/actions_avail",
            "kill_process errno user_notif allow\n",
        );
        w("proc/sys/dev/tty/legacy_tiocsti", "0\n");
        w(
            "proc/self/mountinfo",
            "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
        );
        w("sys/fs/cgroup/cgroup.subtree_control", "cpu memory pids\n");
        w("proc/self/cgroup", "0::/user.slice\n");
        std::fs::create_dir_all(dir.join("sys/fs/cgroup/user.slice")).unwrap();
        let h = Host::read(&dir);
        assert_eq!(h.kernel, Some(KernelVersion::new(6, 8)));
        assert!(h.kernel_at_least(6, 2) && !h.kernel_at_least(6, 9));
        assert_eq!(h.seccomp.mode.as_deref(), Some("2"));
        assert_eq!(h.seccomp_action("user_notif"), Some(true));
        assert_eq!(h.seccomp_action("trace"), Some(false));
        assert!(user_notification(&dir).is_ok());
        assert_eq!(h.legacy_tiocsti, Some(false));
        assert_eq!(h.cgroups.v2_at.as_deref(), Some("/sys/fs/cgroup"));
        assert_eq!(
            h.cgroups.root_subtree_control.as_deref(),
            Some("cpu memory pids")
        );
        assert_eq!(h.cgroups.own.as_deref(), Some("/user.slice"));
        assert!(h.cgroups.own_writable);
        assert_eq!(h.landlock.abi, None);
        let h = h.with_landlock_abi(Ok(6));
        assert_eq!(h.landlock.abi, Some(Ok(6)));
        let _ = std::fs::remove_dir_all(&dir);

        let empty = Host::read(&dir.join("nothing-here"));
        assert_eq!((empty.kernel, &empty.seccomp.actions), (None, &None));
        assert_eq!(empty.seccomp_action("user_notif"), None);
        assert!(user_notification(&dir.join("nothing-here")).is_err());
        assert_eq!(empty.legacy_tiocsti, None);
    }

    #[test]
    fn the_stack_line_and_the_cgroup_layout() {
        let dir = std::env::temp_dir().join(format!("jw-host-stack-{}", std::process::id()));
        let w = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
        w(
            "proc/self/mountinfo",
            "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
        );
        let h = Host::read(&dir);
        assert!(h.cgroups.hybrid());
        assert_eq!(
            h.cgroups.crun_refuses(),
            None,
            "no cgroup.controllers to read"
        );
        w("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
        assert_eq!(Host::read(&dir).cgroups.crun_refuses(), Some("hugetlb"));
        w("sys/fs/cgroup/unified/cgroup.controllers", "\n");
        assert_eq!(Host::read(&dir).cgroups.crun_refuses(), None);
        assert_eq!(h.stack(), "--kernel 6.1");
        let engine = EngineFacts {
            name: "docker".into(),
            version: "20.10.24+dfsg1".into(),
            runtime: Runtime::parse("runc@1.1.5").unwrap(),
            libseccomp: Libseccomp::parse("2.5.4-1+deb12u1"),
        };
        assert_eq!(engine.version_number(), "20.10.24");
        let h = h.with_engine(engine);
        assert_eq!(
            h.stack(),
            "--engine docker@20.10.24 --runtime runc@1.1.5 --libseccomp 2.5.4-1+deb12u1 --kernel 6.1"
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert!(!Host::read(&dir).cgroups.hybrid());
        assert_eq!(Host::read(&dir).stack(), "");
    }
}

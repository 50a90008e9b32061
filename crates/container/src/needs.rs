//! What a runtime itself calls after it has loaded the container's filter.
//!
//! A profile must allow these or the runtime cannot start the container. The table is
//! jailwright's own (kept in this crate until the profile crate's lint grows one); each row
//! says where it comes from. `jailwright doctor --probe-runtime` measures the real set and
//! reports differences from this table.

use jailwright_profile::policy::Version;
use jailwright_profile::{Runtime, RuntimeKind};

/// One runtime need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    /// The syscall.
    pub syscall: &'static str,
    /// Needed only when `no_new_privileges` is off (runc then loads the filter before it
    /// drops capabilities and switches user; with it on, right before `execve`).
    pub only_without_nnp: bool,
    /// Oldest runtime version that needs it (None: every version).
    pub since: Option<Version>,
    /// Why.
    pub why: &'static str,
}

const RUNC: &[Need] = &[
    Need { syscall: "execve", only_without_nnp: false, since: None, why: "the runtime's final exec of the command" },
    Need { syscall: "fstatfs", only_without_nnp: false, since: Some(Version(1, 1, 0)), why: "closing inherited fds: checks /proc/self/fd is on procfs (runc 1.1), /proc/thread-self/fd (1.2+)" },
    Need { syscall: "prctl", only_without_nnp: true, since: None, why: "dropping the capability bounding set (PR_CAPBSET_DROP)" },
    Need { syscall: "capget", only_without_nnp: true, since: None, why: "reading capabilities before applying them" },
    Need { syscall: "capset", only_without_nnp: true, since: None, why: "applying the container's capabilities" },
    Need { syscall: "setgroups", only_without_nnp: true, since: None, why: "setting supplementary groups for the container user" },
    Need { syscall: "setuid", only_without_nnp: true, since: None, why: "switching to the container user (probed on runc 1.1.5)" },
    Need { syscall: "setgid", only_without_nnp: true, since: None, why: "switching to the container group (probed on runc 1.1.5)" },
    Need { syscall: "chdir", only_without_nnp: true, since: None, why: "entering the working directory (probed on runc 1.1.5)" },
    Need { syscall: "getcwd", only_without_nnp: true, since: None, why: "checking the working directory is safe (probed on runc 1.1.5)" },
    Need { syscall: "getppid", only_without_nnp: true, since: None, why: "runc init's parent check; denied, runc exits with status 2 (probed on runc 1.1.5)" },
    Need { syscall: "openat2", only_without_nnp: false, since: Some(Version(1, 2, 8)), why: "hardened procfs access (runc 1.2.8, 1.3.3, 1.4.0; runc issues #4984, #4963, #5059)" },
    Need { syscall: "statx", only_without_nnp: false, since: Some(Version(1, 2, 8)), why: "mount id checks on /proc (runc 1.2.8+)" },
];

const CRUN: &[Need] = &[
    Need {
        syscall: "execve",
        only_without_nnp: false,
        since: None,
        why: "the runtime's final exec of the command",
    },
    Need {
        syscall: "capset",
        only_without_nnp: true,
        since: None,
        why: "applying capabilities after the filter (crun without no-new-privileges)",
    },
    Need {
        syscall: "setgroups",
        only_without_nnp: true,
        since: None,
        why: "setting supplementary groups after the filter",
    },
];

/// The table's rows for `runtime`, for a run with or without `no-new-privileges`.
pub fn runtime_needs(runtime: Runtime, no_new_privileges: bool) -> Vec<&'static Need> {
    let table = match runtime.kind {
        RuntimeKind::Runc => RUNC,
        RuntimeKind::Crun => CRUN,
        RuntimeKind::Oci => &[][..],
    };
    table
        .iter()
        .filter(|n| !(n.only_without_nnp && no_new_privileges))
        .filter(|n| match (n.since, runtime.version) {
            (Some(since), Some(v)) => v >= since,
            // Unknown version: assume the newest (needing more is the safe direction).
            _ => true,
        })
        .collect()
}

/// Every syscall name in the table for `runtime`, whatever the settings (the probe's
/// candidates and the table it compares against).
pub fn table_names(runtime: Runtime) -> Vec<&'static str> {
    runtime_needs(runtime, false)
        .iter()
        .map(|n| n.syscall)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nnp_and_versions() {
        let r115 = Runtime {
            kind: RuntimeKind::Runc,
            version: Some(Version(1, 1, 5)),
        };
        let names = |v: Vec<&Need>| v.iter().map(|n| n.syscall).collect::<Vec<_>>();
        assert_eq!(names(runtime_needs(r115, true)), vec!["execve", "fstatfs"]);
        assert_eq!(
            names(runtime_needs(r115, false)),
            vec![
                "execve",
                "fstatfs",
                "prctl",
                "capget",
                "capset",
                "setgroups",
                "setuid",
                "setgid",
                "chdir",
                "getcwd",
                "getppid"
            ]
        );
        let r133 = Runtime {
            kind: RuntimeKind::Runc,
            version: Some(Version(1, 3, 3)),
        };
        assert!(names(runtime_needs(r133, true)).contains(&"openat2"));
    }
}

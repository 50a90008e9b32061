//! The run report of the container backends: the report every backend shares
//! (`jailwright-report`), with what the engine applied mapped onto the same layers as the
//! native sandbox's, so that `run --report` has one shape whatever ran the command.
//!
//! | layer | from |
//! |---|---|
//! | `user-namespace` | the engine's user remapping (`name=userns`/`name=rootless` in `/info`'s `SecurityOptions`, the container's `UsernsMode`) |
//! | `mount-namespace` | every OCI container has its own |
//! | `pid-`, `ipc-`, `uts-`, `cgroup-namespace` | the modes the engine reports for the container (`HostConfig.PidMode`, ... of its inspect) |
//! | `network-namespace` | network mode `none` (or `host` by request) |
//! | `filesystem` | read-only root, the `/tmp` tmpfs, the binds |
//! | `identity` | the user, `cap-drop ALL`, `no-new-privileges` |
//! | `rlimits` | the `nofile`/`nproc` ulimits |
//! | `cgroup` | the pids, memory and CPU limits, and what the daemon said it could not apply |
//! | `landlock` | not applied by the container backends |
//! | `terminal` | no TTY and no stdin: the container holds nothing of the caller's terminal |
//! | `seccomp` | the profile as sent, a compat retry, or no filter by request |

pub use jailwright_report::{Document, Layer, LayerState, LayerStatus, Phase, RunReport, Timings};

use crate::run::{ContainerRun, Limits, Network};

/// How the denials of a container run are observed: they are not.
pub const DENIAL_REPORTING: &str = "unavailable: container runtimes do not report which calls \
                                    their filter refused (run the native backend, or `record`, \
                                    to see them)";

/// The namespace modes the engine reports for a container (`HostConfig` of its inspect; an
/// empty mode is the engine's default, a namespace of the container's own).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Namespaces {
    pub(crate) pid: String,
    pub(crate) ipc: String,
    pub(crate) uts: String,
    pub(crate) cgroup: String,
    pub(crate) user: String,
}

/// What the engine applied to a container that ran.
pub(crate) struct Applied<'a> {
    pub(crate) opts: &'a ContainerRun,
    /// The seccomp layer: as sent, after a compat retry, or unconfined by request.
    pub(crate) seccomp: (LayerState, String),
    /// What the daemon warned about at create.
    pub(crate) daemon_warnings: &'a [String],
    /// The container's namespace modes (None when it could not be inspected).
    pub(crate) namespaces: Option<&'a Namespaces>,
    /// The daemon's `SecurityOptions`.
    pub(crate) security_options: &'a [String],
}

/// Every layer of [`Layer::ALL`], as the engine applied it.
pub(crate) fn layers(a: &Applied) -> Vec<LayerStatus> {
    let o = a.opts;
    let ns = |pick: fn(&Namespaces) -> &str, kind: &str| match a.namespaces {
        Some(n) => namespace(kind, pick(n)),
        None => (
            LayerState::Unavailable("the engine could not be asked (inspect failed)".into()),
            String::new(),
        ),
    };
    Layer::ALL
        .iter()
        .map(|&layer| {
            let (state, detail) = match layer {
                Layer::UserNamespace => user_namespace(a),
                Layer::MountNamespace => (
                    LayerState::Enforced,
                    "the runtime's own mount namespace (every OCI container has one)".into(),
                ),
                Layer::PidNamespace => ns(|n| &n.pid, "PID"),
                Layer::IpcNamespace => ns(|n| &n.ipc, "IPC"),
                Layer::UtsNamespace => ns(|n| &n.uts, "UTS"),
                Layer::CgroupNamespace => ns(|n| &n.cgroup, "cgroup"),
                Layer::NetworkNamespace => match o.network {
                    Network::None => (
                        LayerState::Enforced,
                        "network mode none: a namespace of its own with loopback only".into(),
                    ),
                    Network::Host => (
                        LayerState::Disabled("host network by request".into()),
                        String::new(),
                    ),
                },
                Layer::Filesystem => filesystem(o),
                Layer::Identity => identity(o),
                Layer::Rlimits => rlimits(&o.limits),
                Layer::Cgroup => cgroup(&o.limits, a.daemon_warnings),
                Layer::Landlock => (
                    LayerState::Unavailable(
                        "the container backends do not apply Landlock (the native backend does)"
                            .into(),
                    ),
                    String::new(),
                ),
                Layer::Terminal => (
                    LayerState::Enforced,
                    "no TTY and no stdin: output reaches the caller through the engine's stream; \
                     the container holds no descriptor of the caller's terminal"
                        .into(),
                ),
                Layer::Seccomp => a.seccomp.clone(),
            };
            LayerStatus {
                layer,
                state,
                detail,
            }
        })
        .collect()
}

fn namespace(kind: &str, mode: &str) -> (LayerState, String) {
    match mode {
        "host" => (
            LayerState::Unavailable(format!("the host's {kind} namespace (mode host)")),
            String::new(),
        ),
        m if m.starts_with("container:") || m.starts_with("ns:") => (
            LayerState::Partial(format!("shared: mode {m}")),
            String::new(),
        ),
        "" if kind == "cgroup" => (
            LayerState::Unavailable(
                "the engine reports no cgroup namespace mode (engines before Docker 20.10 share \
                 the host's)"
                    .into(),
            ),
            String::new(),
        ),
        "" => (
            LayerState::Enforced,
            "a namespace of its own (the engine's default mode)".into(),
        ),
        m => (
            LayerState::Enforced,
            format!("a namespace of its own (mode {m})"),
        ),
    }
}

fn user_namespace(a: &Applied) -> (LayerState, String) {
    let mode = a.namespaces.map_or("", |n| n.user.as_str());
    let remap = a
        .security_options
        .iter()
        .find(|s| s.starts_with("name=userns") || s.starts_with("name=rootless"));
    match remap {
        Some(opt) if mode != "host" => (
            LayerState::Enforced,
            format!("the engine remaps users ({opt})"),
        ),
        _ => (
            LayerState::Unavailable(
                "the engine does not remap users: uid 0 in the container would be uid 0 on the \
                 host (the identity layer keeps the command off uid 0)"
                    .into(),
            ),
            String::new(),
        ),
    }
}

fn filesystem(o: &ContainerRun) -> (LayerState, String) {
    let mut detail = Vec::new();
    if let Some(s) = o.tmpfs_tmp {
        detail.push(format!("private tmpfs /tmp ({})", mib(s as i64)));
    }
    for b in &o.binds {
        detail.push(format!(
            "{} {} -> {}",
            if b.read_only { "ro" } else { "rw" },
            b.source.display(),
            b.target
        ));
    }
    if o.read_only_root {
        detail.insert(0, "root filesystem read-only".into());
        (LayerState::Enforced, detail.join("; "))
    } else {
        (
            LayerState::Disabled("writable root filesystem by request".into()),
            detail.join("; "),
        )
    }
}

fn identity(o: &ContainerRun) -> (LayerState, String) {
    let uid = o.user.split(':').next().unwrap_or("");
    let root = uid == "0" || uid == "root";
    let mut gaps = Vec::new();
    if root {
        gaps.push(format!(
            "root ({}) by request; without user-namespace remapping this is host root",
            o.user
        ));
    }
    if !o.no_new_privileges {
        gaps.push("no-new-privileges disabled by request".to_string());
    }
    let detail = format!(
        "runs as {}; cap-drop ALL{}",
        o.user,
        if o.no_new_privileges {
            "; security-opt no-new-privileges"
        } else {
            ""
        }
    );
    if gaps.is_empty() {
        (LayerState::Enforced, detail)
    } else {
        (LayerState::Partial(gaps.join("; ")), detail)
    }
}

fn rlimits(l: &Limits) -> (LayerState, String) {
    let set: Vec<String> = [("nofile", l.nofile), ("nproc", l.nproc)]
        .iter()
        .filter_map(|(n, v)| v.map(|v| format!("{n} {v}")))
        .collect();
    if set.is_empty() {
        (
            LayerState::Disabled("no ulimits asked for: the engine's defaults apply".into()),
            String::new(),
        )
    } else {
        (LayerState::Enforced, set.join(" "))
    }
}

/// The cgroup limits: what is set, what is not, and what the daemon said it could not apply.
fn cgroup(l: &Limits, daemon_warnings: &[String]) -> (LayerState, String) {
    let mut set = Vec::new();
    let mut unset = Vec::new();
    match l.pids {
        Some(p) => set.push(format!("pids {p}")),
        None => unset.push("pids"),
    }
    match l.memory {
        Some(m) => set.push(format!("memory {} (no swap)", mib(m))),
        None => unset.push("memory"),
    }
    match l.cpus {
        Some(c) => set.push(format!("cpus {c}")),
        None => unset.push("cpus"),
    }
    let mut gaps: Vec<String> = daemon_warnings
        .iter()
        .filter(|w| {
            let w = w.to_ascii_lowercase();
            ["limit", "swap", "memory", "pids", "cpu"]
                .iter()
                .any(|k| w.contains(k))
        })
        .map(|w| format!("daemon: {w}"))
        .collect();
    if !unset.is_empty() {
        gaps.insert(0, format!("not limited: {}", unset.join(", ")));
    }
    let detail = set.join(", ");
    if set.is_empty() {
        (LayerState::Unavailable(gaps.join("; ")), detail)
    } else if gaps.is_empty() {
        (LayerState::Enforced, detail)
    } else {
        (LayerState::Partial(gaps.join("; ")), detail)
    }
}

/// `bytes` as MiB when whole, else as bytes.
pub(crate) fn mib(bytes: i64) -> String {
    if bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jailwright_profile::{Action, Profile};

    fn opts() -> ContainerRun {
        ContainerRun::new(
            "img",
            vec!["/bin/true".into()],
            Profile::new(Action::Errno(1)),
        )
    }

    fn state(ls: &[LayerStatus], l: Layer) -> &LayerState {
        &ls.iter().find(|s| s.layer == l).unwrap().state
    }

    #[test]
    fn every_layer_is_reported_once_in_order() {
        let o = opts();
        let n = Namespaces {
            cgroup: "host".into(),
            ipc: "private".into(),
            ..Namespaces::default()
        };
        let a = Applied {
            opts: &o,
            seccomp: (LayerState::Enforced, "profile".into()),
            daemon_warnings: &[],
            namespaces: Some(&n),
            security_options: &["name=seccomp,profile=default".into()],
        };
        let ls = layers(&a);
        let names: Vec<Layer> = ls.iter().map(|l| l.layer).collect();
        assert_eq!(names, Layer::ALL);
        assert_eq!(state(&ls, Layer::PidNamespace), &LayerState::Enforced);
        assert!(
            matches!(state(&ls, Layer::CgroupNamespace), LayerState::Unavailable(r) if r.contains("host"))
        );
        assert!(matches!(
            state(&ls, Layer::UserNamespace),
            LayerState::Unavailable(_)
        ));
        assert_eq!(state(&ls, Layer::Identity), &LayerState::Enforced);
        assert_eq!(state(&ls, Layer::Cgroup), &LayerState::Enforced);
    }

    #[test]
    fn gaps_asked_for_are_named() {
        let mut o = opts();
        o.user = "0:0".into();
        o.limits.memory = None;
        o.network = Network::Host;
        o.read_only_root = false;
        let a = Applied {
            opts: &o,
            seccomp: (
                LayerState::Unavailable("unconfined by request".into()),
                String::new(),
            ),
            daemon_warnings: &["Your kernel does not support swap limit capabilities".into()],
            namespaces: None,
            security_options: &["name=userns".into()],
        };
        let ls = layers(&a);
        assert!(
            matches!(state(&ls, Layer::Identity), LayerState::Partial(r) if r.contains("host root"))
        );
        assert!(
            matches!(state(&ls, Layer::Cgroup), LayerState::Partial(r) if r.contains("not limited: memory") && r.contains("swap"))
        );
        assert!(matches!(
            state(&ls, Layer::NetworkNamespace),
            LayerState::Disabled(_)
        ));
        assert!(matches!(
            state(&ls, Layer::Filesystem),
            LayerState::Disabled(_)
        ));
        assert!(matches!(
            state(&ls, Layer::PidNamespace),
            LayerState::Unavailable(_)
        ));
        assert_eq!(state(&ls, Layer::UserNamespace), &LayerState::Enforced);
    }
}

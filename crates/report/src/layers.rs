//! The hardening layers of a run and how far each is in force.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A hardening layer, as every backend reports it in a [`RunReport`](crate::RunReport) (a
/// container backend maps what the engine applies onto the same layers) and as the native
/// sandbox's callers demand it. Not `non_exhaustive`: a new layer must be mapped by every
/// backend, and their exhaustive matches say where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// User namespace: inside uid/gid mapped to the caller's, capabilities namespaced.
    UserNamespace,
    /// Mount namespace.
    MountNamespace,
    /// PID namespace with a minimal init.
    PidNamespace,
    /// Network namespace (loopback only).
    NetworkNamespace,
    /// IPC namespace.
    IpcNamespace,
    /// UTS namespace (hostname).
    UtsNamespace,
    /// Cgroup namespace.
    CgroupNamespace,
    /// The new root filesystem.
    Filesystem,
    /// Non-root uid/gid, capabilities dropped, no_new_privs, new session.
    Identity,
    /// Resource limits through rlimits.
    Rlimits,
    /// Resource limits through a cgroup.
    Cgroup,
    /// Landlock filesystem restrictions.
    Landlock,
    /// The terminal guard (a filter of its own in front of the profile's, refusing the
    /// terminal requests that inject input, take a terminal over or change its settings) and
    /// the check that the caller's terminal is as it was after the run.
    Terminal,
    /// The seccomp filter.
    Seccomp,
}

impl Layer {
    /// Every layer, in report order.
    pub const ALL: [Layer; 14] = [
        Layer::UserNamespace,
        Layer::MountNamespace,
        Layer::PidNamespace,
        Layer::NetworkNamespace,
        Layer::IpcNamespace,
        Layer::UtsNamespace,
        Layer::CgroupNamespace,
        Layer::Filesystem,
        Layer::Identity,
        Layer::Rlimits,
        Layer::Cgroup,
        Layer::Landlock,
        Layer::Terminal,
        Layer::Seccomp,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Layer::UserNamespace => "user-namespace",
            Layer::MountNamespace => "mount-namespace",
            Layer::PidNamespace => "pid-namespace",
            Layer::NetworkNamespace => "network-namespace",
            Layer::IpcNamespace => "ipc-namespace",
            Layer::UtsNamespace => "uts-namespace",
            Layer::CgroupNamespace => "cgroup-namespace",
            Layer::Filesystem => "filesystem",
            Layer::Identity => "identity",
            Layer::Rlimits => "rlimits",
            Layer::Cgroup => "cgroup",
            Layer::Landlock => "landlock",
            Layer::Terminal => "terminal",
            Layer::Seccomp => "seccomp",
        }
    }

    /// The layer's position in [`Layer::ALL`].
    pub fn index(self) -> u32 {
        Layer::ALL.iter().position(|l| *l == self).unwrap_or(0) as u32
    }

    /// The layer at position `i` of [`Layer::ALL`].
    pub fn from_index(i: u32) -> Option<Layer> {
        Layer::ALL.get(i as usize).copied()
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Layer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        // Exact names first ("cgroup" is the limits layer), then "user"/"userns", "net"/"netns",
        // "pid"/"pidns" ... for the namespaces.
        let short = |l: Layer| match l {
            Layer::NetworkNamespace => Some("net".to_owned()),
            _ => l.name().strip_suffix("-namespace").map(str::to_owned),
        };
        let exact = Layer::ALL.iter().copied().find(|l| l.name() == s);
        let alias = || {
            Layer::ALL.iter().copied().find(|l| {
                short(*l).is_some_and(|n| s == n || s.strip_suffix("ns") == Some(n.as_str()))
                    || (s == "network" && *l == Layer::NetworkNamespace)
            })
        };
        exact.or_else(alias).ok_or_else(|| {
            let names: Vec<&str> = Layer::ALL.iter().map(|l| l.name()).collect();
            format!("unknown layer {s:?} (expected one of {})", names.join(", "))
        })
    }
}

/// How far a layer is enforced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum LayerState {
    /// Fully in force.
    Enforced,
    /// In force with gaps, explained.
    Partial(String),
    /// Not in force, with the reason (a kernel feature missing, a permission missing).
    Unavailable(String),
    /// Not in force because the configuration did not ask for it.
    Disabled(String),
}

impl LayerState {
    /// Whether the layer is at least partially in force.
    pub fn is_active(&self) -> bool {
        matches!(self, LayerState::Enforced | LayerState::Partial(_))
    }

    /// The state's name as serialised: `enforced`, `partial`, `unavailable`, `disabled`.
    pub fn name(&self) -> &'static str {
        match self {
            LayerState::Enforced => "enforced",
            LayerState::Partial(_) => "partial",
            LayerState::Unavailable(_) => "unavailable",
            LayerState::Disabled(_) => "disabled",
        }
    }

    /// Why the layer is not fully in force (empty when it is).
    pub fn reason(&self) -> &str {
        match self {
            LayerState::Enforced => "",
            LayerState::Partial(r) | LayerState::Unavailable(r) | LayerState::Disabled(r) => r,
        }
    }
}

/// One layer's status in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayerStatus {
    /// The layer.
    pub layer: Layer,
    /// Its state.
    #[serde(flatten)]
    pub state: LayerState,
    /// What exactly is in force (values, paths, versions).
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index() {
        for l in Layer::ALL {
            assert_eq!(l.name().parse::<Layer>(), Ok(l));
            assert_eq!(Layer::from_index(l.index()), Some(l));
        }
        assert_eq!("landlock".parse::<Layer>(), Ok(Layer::Landlock));
        assert_eq!("user".parse::<Layer>(), Ok(Layer::UserNamespace));
        assert_eq!("netns".parse::<Layer>(), Ok(Layer::NetworkNamespace));
        assert!("nope".parse::<Layer>().is_err());
    }

    #[test]
    fn a_status_serialises_with_state_and_reason() {
        let s = LayerStatus {
            layer: Layer::Cgroup,
            state: LayerState::Partial("no memory controller".into()),
            detail: "pids 64".into(),
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"layer": "cgroup", "state": "partial",
                "reason": "no memory controller", "detail": "pids 64"})
        );
        assert_eq!(s.state.name(), "partial");
    }
}

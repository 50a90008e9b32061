//! The run report: the same shape as the native sandbox's (`profile`, `command`,
//! `backend`, `exit` with a `kind`, `exit_code`, `layers` with a `state`, `denials`,
//! `timings`), plus what only containers have (`warnings`, `compat_added`).
//!
//! ```json
//! {"profile": "plugin", "command": ["/bin/true"], "backend": "docker",
//!  "exit": {"kind": "code", "code": 0}, "exit_code": 0,
//!  "layers": [{"layer": "seccomp", "state": "enforced", "detail": "..."}, ...],
//!  "denials": [], "warnings": [], "compat_added": [], "timings": {...}}
//! ```

use jailwright_report::Exit;
use serde::Serialize;

/// Whether a hardening layer is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerStatus {
    /// Fully in force.
    Enforced,
    /// In force with a gap the detail names.
    Partial,
    /// Not in force; the detail says why.
    Unavailable,
}

/// One hardening layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// `seccomp`, `network`, `readonly_rootfs`, `capabilities`, `no_new_privileges`, `user`,
    /// `limits`.
    pub layer: &'static str,
    /// Its status (`state` in JSON, as in the native report).
    #[serde(rename = "state")]
    pub status: LayerStatus,
    /// What exactly, or why not.
    pub detail: String,
}

/// Wall-clock time of each phase, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Connecting, pinging and reading `/info` and `/version`.
    pub connect_ms: f64,
    /// `POST /containers/create` (every attempt).
    pub create_ms: f64,
    /// `POST /containers/{id}/start` (every attempt).
    pub start_ms: f64,
    /// From start to exit.
    pub run_ms: f64,
    /// Removing the container(s).
    pub remove_ms: f64,
    /// Everything.
    pub total_ms: f64,
    /// Containers created (2 after a compat or unconfined retry).
    pub attempts: u32,
}

/// The JSON run report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunReport {
    /// The profile as the user named it (`plugin`, `./my.json`).
    pub profile: String,
    /// The command and its arguments.
    pub command: Vec<String>,
    /// `docker` or `podman` (the native sandbox writes `native`).
    pub backend: &'static str,
    /// How it ended (the same type, and JSON, as the native sandbox's).
    pub exit: Exit,
    /// The exit status jailwright passes on ([`Exit::code`]).
    pub exit_code: i32,
    /// One entry per hardening layer.
    pub layers: Vec<Layer>,
    /// Blocked syscalls; container runtimes do not expose them, so always empty here.
    pub denials: Vec<serde_json::Value>,
    /// Everything the user should know (unconfined runs, daemon warnings, OOM kills).
    pub warnings: Vec<String>,
    /// Syscalls a compat retry added to the profile.
    pub compat_added: Vec<String>,
    /// Phase timings.
    pub timings: Timings,
}

impl RunReport {
    /// The report as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The layer named `name`.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.layer == name)
    }
}

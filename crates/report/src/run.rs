//! The report of one run, the same for every backend: how the command ended, each layer's
//! state, what the filter denied, timings and resource use. [`Document`] is the JSON of
//! `jailwright run --report`.

use std::time::Duration;

use serde::Serialize;

use crate::{Exit, Layer, LayerStatus};

/// How a call the filter sent to the supervisor was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "errno")]
pub enum Response {
    /// Fail the call with this errno (positive, e.g. `EPERM`).
    Errno(i32),
    /// Let the kernel run the call. Only safe when the decision does not depend on pointer
    /// arguments, which the plugin can change after the check.
    Continue,
}

/// How many distinct argument vectors a [`Denial`] keeps.
pub const MAX_DISTINCT_ARGS: usize = 16;

/// A system call the filter sent to the supervisor, with how it was answered and how often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Denial {
    /// AUDIT_ARCH of the call.
    pub arch: u32,
    /// System call number (for that arch); for an [`out_of_range`](Denial::out_of_range)
    /// entry, the first such number seen.
    pub nr: i32,
    /// Arguments of the first occurrence.
    pub args: [u64; 6],
    /// The distinct argument vectors seen, in order of first sight, at most
    /// [`MAX_DISTINCT_ARGS`]; `more_args` says when there were more.
    pub distinct_args: Vec<[u64; 6]>,
    /// Whether more distinct argument vectors were seen than are kept.
    pub more_args: bool,
    /// The answer.
    pub response: Response,
    /// How many times this (arch, nr, response) occurred, exactly.
    pub count: u64,
    /// This entry counts every number of this ABI and answer that cannot be a system call of
    /// any ABI (negative other than -1, or past the highest any ABI uses): kept as one entry,
    /// so that a flood of them cannot crowd real system calls out of the report.
    pub out_of_range: bool,
}

/// One phase of a run's set-up or teardown that a backend times on its own (a container
/// engine's create, start and remove).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Phase {
    /// `connect`, `create`, `start`, `remove`, ...
    pub phase: &'static str,
    /// Its wall-clock time, microseconds.
    pub us: u64,
}

/// Wall-clock timings of a run, in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Timings {
    /// From the start of the run to the start of the command.
    pub setup_us: u64,
    /// From the start of the command to its end.
    pub run_us: u64,
    /// The whole run, teardown included.
    pub total_us: u64,
    /// The backend's own phases, when it times them (empty for the native sandbox).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
}

/// Microseconds in `d`, saturating.
pub fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Timings {
    /// Timings of a run whose set-up took `setup` of its `total`.
    pub fn from_durations(setup: Duration, total: Duration) -> Timings {
        Timings {
            setup_us: micros(setup),
            run_us: micros(total.saturating_sub(setup)),
            total_us: micros(total),
            phases: Vec::new(),
        }
    }
}

/// Resources the sandboxed tree used, as far as the backend can tell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// Peak memory in bytes.
    pub peak_memory_bytes: Option<u64>,
    /// Where the peak comes from: `cgroup` (all processes together) or `rusage` (largest
    /// single process).
    pub peak_memory_source: Option<String>,
    /// Whether the memory limit was hit (the kernel's OOM killer ran in the cgroup).
    pub oom_killed: bool,
    /// How many times creating a process or thread failed at the pids limit (a fork bomb
    /// shows here), when a pids cgroup enforced it.
    pub pids_limit_hits: Option<u64>,
    /// User CPU time of the tree, microseconds.
    pub user_cpu_us: Option<u64>,
    /// System CPU time of the tree, microseconds.
    pub system_cpu_us: Option<u64>,
}

/// The report of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// Which backend ran the command: `native`, `docker` or `podman`.
    pub backend: String,
    /// How the command ended.
    pub exit: Exit,
    /// The conventional exit status (see [`Exit::code`]).
    pub exit_code: i32,
    /// Each layer's status, in [`Layer::ALL`] order.
    pub layers: Vec<LayerStatus>,
    /// Calls answered by the supervisor, deduplicated with counts (a container runtime does
    /// not expose them: empty there).
    pub denials: Vec<Denial>,
    /// Timings.
    pub timings: Timings,
    /// Resource use.
    pub resources: Resources,
    /// What the user should know: set-up findings that will probably not work as meant, an
    /// engine's warnings, a run without seccomp by request, an OOM kill.
    pub warnings: Vec<String>,
    /// How many sandboxes or containers were created for the command (2 after a retry with a
    /// compat or no profile).
    pub attempts: u32,
    /// System calls a compat retry added to the profile (the runtime needed them to start).
    pub compat_added: Vec<String>,
}

impl RunReport {
    /// A report with no denials, warnings or retries, and `layers` in [`Layer::ALL`] order.
    pub fn new(
        backend: &str,
        exit: Exit,
        mut layers: Vec<LayerStatus>,
        timings: Timings,
        resources: Resources,
    ) -> RunReport {
        layers.sort_by_key(|l| l.layer.index());
        RunReport {
            backend: backend.to_owned(),
            exit,
            exit_code: exit.code(),
            layers,
            denials: Vec::new(),
            timings,
            resources,
            warnings: Vec::new(),
            attempts: 1,
            compat_added: Vec::new(),
        }
    }

    /// The status of one layer.
    pub fn layer(&self, layer: Layer) -> Option<&LayerStatus> {
        self.layers.iter().find(|l| l.layer == layer)
    }
}

/// The JSON of `jailwright run --report`, for every backend: the profile and command, the
/// [`RunReport`]'s fields, and the denials explained.
#[derive(Debug, Serialize)]
pub struct Document<'a, B: Serialize> {
    /// The profile as the user named it (`plugin`, `./my.json`).
    pub profile: &'a str,
    /// The command and its arguments.
    pub command: &'a [String],
    /// The run.
    #[serde(flatten)]
    pub report: &'a RunReport,
    /// The denials explained (the rule that decided, the fix); `denials` has the raw events.
    pub blocked: &'a [B],
    /// How denials were observed (`user-notification`), or why they could not be.
    pub denial_reporting: String,
    /// What limits the report itself.
    pub notes: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LayerState;

    #[test]
    fn the_document_has_one_shape_for_every_backend() {
        let layers = vec![
            LayerStatus {
                layer: Layer::Seccomp,
                state: LayerState::Enforced,
                detail: "profile plugin".into(),
            },
            LayerStatus {
                layer: Layer::UserNamespace,
                state: LayerState::Unavailable("no remapping".into()),
                detail: String::new(),
            },
        ];
        let mut t = Timings::from_durations(Duration::from_millis(2), Duration::from_millis(5));
        t.phases.push(Phase {
            phase: "create",
            us: 1500,
        });
        let r = RunReport::new(
            "docker",
            Exit::Code { code: 3 },
            layers,
            t,
            Resources::default(),
        );
        assert_eq!(
            r.layers[0].layer,
            Layer::UserNamespace,
            "sorted by Layer::ALL"
        );
        let d = Document::<String> {
            profile: "plugin",
            command: &["/bin/true".into()],
            report: &r,
            blocked: &[],
            denial_reporting: "unavailable".into(),
            notes: &[],
        };
        let v = serde_json::to_value(&d).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, jailwright_testkit::REPORT_KEYS);
        assert_eq!(v["exit_code"], 3);
        assert_eq!(
            v["timings"],
            serde_json::json!({"setup_us": 2000, "run_us": 3000, "total_us": 5000,
                "phases": [{"phase": "create", "us": 1500}]})
        );
    }
}

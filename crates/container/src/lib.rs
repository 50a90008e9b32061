//! Docker and Podman backends for jailwright: run a command in a hardened container with a
//! jailwright seccomp profile, explain every runtime refusal, and check the host.
//!
//! Terms:
//! - a **backend** is a container engine reached through its Docker-compatible socket
//!   ([`Backend::Docker`], [`Backend::Podman`]); jailwright speaks Engine API 1.41 and never
//!   shells out to a CLI;
//! - a **rejection** is the OCI runtime refusing to start a container, usually because the
//!   profile denies a syscall the runtime itself calls after loading the filter
//!   ([`classify`]);
//! - a **layer** is one hardening measure (seccomp, network, read-only root, capabilities,
//!   no-new-privileges, user, limits), reported as enforced, partial or unavailable.
//!
//! jailwright never drops seccomp on its own: a rejection fails (exit 125) unless the caller
//! asked for [`OnReject::Compat`] (one retry with exactly the syscalls the runtime needs, which
//! the report lists) or, by name, [`OnReject::Unconfined`].
//!
//! ```
//! use jailwright_container::{classify, classify_for, RejectKind};
//! use jailwright_profile::Runtime;
//!
//! let message = "OCI runtime create failed: runc create failed: unable to start container \
//!                process: unable to apply bounding set: operation not permitted: unknown";
//! let runc_1_1_5 = Runtime::parse("runc@1.1.5").unwrap();
//! let d = classify_for(message, Some(runc_1_1_5));
//! assert_eq!(d.kind, RejectKind::BoundingSet);
//! assert_eq!(d.missing_syscalls, ["prctl"]);
//! // Not knowing the runtime's version, the diagnosis names what every version needs there.
//! assert_eq!(classify(message).missing_syscalls, ["prctl", "capget"]);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod backend;
pub mod classify;
pub mod doctor;
pub mod error;
pub mod image;
pub mod probe;
pub mod report;
pub mod run;
pub mod stack;

pub use backend::{local_engine, runtime_from, Backend, DaemonInfo};
pub use classify::{classify, classify_for, Diagnosis, RejectKind};
pub use doctor::{check_profile, doctor, Acceptance, Check, CheckStatus, DoctorOptions};
pub use error::ContainerError;
pub use image::{ensure_image, ImageSpec};
pub use jailwright_report::Exit;
pub use probe::{probe_runtime, probe_runtime_with, ProbeMode, ProbeOptions, ProbeResult};
pub use report::{Layer, LayerState, LayerStatus, RunReport, Timings};
pub use run::{run, run_async, Bind, ContainerRun, Limits, Network, OnReject, Output, RunOutcome};
pub use stack::runtime_libseccomp;

//! Export a profile to the places people use it: Docker, Podman, a bare OCI `linux.seccomp`
//! object, a Kubernetes Security Profiles Operator `SeccompProfile`, a systemd unit drop-in,
//! Colima's VM and Docker's `daemon.json`.
//!
//! Every export returns the files to write and notes: what the target cannot express (and
//! what was chosen instead) and the steps to install the files. Formats without
//! `includes`/`excludes` or `archMap` (OCI, Kubernetes, systemd) receive the profile *resolved*
//! for one host ([`ExportOptions::arch`]) and bounding set ([`ExportOptions::caps`]).
//!
//! ```
//! use jailwright_profile::{catalogue, Arch};
//! use jailwright_profile::export::{export, ExportFormat, ExportOptions};
//! let profile = catalogue::get("plugin").unwrap().profile();
//! let out = export(&profile, ExportFormat::Oci, &ExportOptions::new("plugin", Arch::X86_64)).unwrap();
//! assert_eq!(out.files[0].0, "plugin.json");
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::action::{errno_name, Action};
use crate::arch::Arch;
use crate::caps::CapSet;
use crate::dialect::{Dialect, Profile, SyscallRule};
use crate::policy::{resolve, Policy, RuleStatus, Runtime, Target, DEFAULT_KERNEL};
use crate::tables;

mod kubernetes;
mod systemd;

use self::kubernetes::{kubernetes, yq};
use self::systemd::systemd;

/// Where a profile is exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// Docker/Moby JSON (numeric errnos).
    Docker,
    /// Podman JSON (errno names alongside the numbers).
    Podman,
    /// A bare OCI runtime-spec `linux.seccomp` object for one host.
    Oci,
    /// A Security Profiles Operator `SeccompProfile` plus the pod snippet.
    Kubernetes,
    /// A systemd unit drop-in (`SystemCallFilter=` ...).
    Systemd,
    /// The profile plus the `docker:` entry of colima.yaml and the steps to copy it into the VM.
    Colima,
    /// The profile plus the `/etc/docker/daemon.json` snippet making it Docker's default.
    DaemonJson,
}

impl ExportFormat {
    /// Every format, in the order help text lists them.
    pub const ALL: [ExportFormat; 7] = [
        ExportFormat::Docker,
        ExportFormat::Podman,
        ExportFormat::Oci,
        ExportFormat::Kubernetes,
        ExportFormat::Systemd,
        ExportFormat::Colima,
        ExportFormat::DaemonJson,
    ];

    /// The name `--to` accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Docker => "docker",
            ExportFormat::Podman => "podman",
            ExportFormat::Oci => "oci",
            ExportFormat::Kubernetes => "kubernetes",
            ExportFormat::Systemd => "systemd",
            ExportFormat::Colima => "colima",
            ExportFormat::DaemonJson => "daemon-json",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = ExportError;

    /// Accepts the names of [`ExportFormat::as_str`] and `k8s`, `spo`, `daemon.json`,
    /// case-insensitively.
    fn from_str(s: &str) -> Result<ExportFormat, ExportError> {
        let lower = s.trim().to_ascii_lowercase();
        Ok(match lower.as_str() {
            "docker" | "moby" => ExportFormat::Docker,
            "podman" => ExportFormat::Podman,
            "oci" => ExportFormat::Oci,
            "kubernetes" | "k8s" | "spo" => ExportFormat::Kubernetes,
            "systemd" => ExportFormat::Systemd,
            "colima" => ExportFormat::Colima,
            "daemon-json" | "daemon.json" | "daemonjson" | "daemon_json" => {
                ExportFormat::DaemonJson
            }
            _ => return Err(ExportError::UnknownFormat(s.to_string())),
        })
    }
}

/// What an export needs besides the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// The profile's name: file names, the Kubernetes object, Colima's path.
    pub name: String,
    /// The host architecture resolved for (OCI, Kubernetes, systemd).
    pub arch: Arch,
    /// The bounding set resolved for (OCI, Kubernetes, systemd).
    pub caps: CapSet,
    /// For Kubernetes: a namespace, for Security Profiles Operator releases before v0.9.0, whose
    /// profiles were namespaced. `None` (the default) writes a cluster-scoped profile.
    pub namespace: Option<String>,
    /// For Kubernetes: the Security Profiles Operator API to write (default: v1).
    pub spo_api: SpoApi,
}

/// The Security Profiles Operator's `SeccompProfile` API version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpoApi {
    /// `security-profiles-operator.x-k8s.io/v1`, SPO 1.0.0 (June 2026) and later: `errnoRet`
    /// is an integer, argument values are int64 (SPO commits 544f34a46 "api: graduate all CRD
    /// APIs from alpha/beta to v1" and a2e99a722 "api: fix seccomp field types per K8s API
    /// conventions").
    #[default]
    V1,
    /// `v1beta1` as SPO before 1.0.0 served it: `errnoRet` a string, values uint64.
    V1beta1,
}

impl SpoApi {
    /// Parses `v1` or `v1beta1`.
    pub fn parse(s: &str) -> Option<SpoApi> {
        match s {
            "v1" => Some(SpoApi::V1),
            "v1beta1" => Some(SpoApi::V1beta1),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            SpoApi::V1 => "v1",
            SpoApi::V1beta1 => "v1beta1",
        }
    }
}

impl ExportOptions {
    /// Options for `name` on `arch`, with Docker's default bounding set and a cluster-scoped
    /// Kubernetes profile.
    pub fn new(name: &str, arch: Arch) -> ExportOptions {
        ExportOptions {
            name: name.to_string(),
            arch,
            caps: CapSet::docker_default(),
            namespace: None,
            spo_api: SpoApi::V1,
        }
    }
}

/// The result of an export.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Export {
    /// Files to write: suggested file name and contents.
    pub files: Vec<(String, String)>,
    /// What the format could not express (and what was chosen instead), and the steps to
    /// install the files.
    pub notes: Vec<String>,
}

/// Why an export failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The format name is not known.
    #[error("unknown export format `{0}`; use one of docker, podman, oci, kubernetes, systemd, colima, daemon-json")]
    UnknownFormat(String),
    /// The name cannot be used for files or objects.
    #[error("cannot use `{name}` as the exported profile's name: {reason}; pass a name such as `my-profile`")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No syscall table exists for the architecture, so the profile cannot be resolved for it.
    #[error("jailwright has no syscall table for {arch}, so it cannot resolve the profile for it; pick another --arch")]
    NoSyscallTable {
        /// The architecture.
        arch: Arch,
    },
    /// A value the chosen Kubernetes API cannot hold.
    #[error("{path}: the value {value:#x} does not fit SeccompProfile v1's int64 `{field}`; export with --spo-api v1beta1 for a Security Profiles Operator before 1.0.0, or change the rule")]
    ValueTooLarge {
        /// The rule's JSON path.
        path: String,
        /// `value` or `valueTwo`.
        field: &'static str,
        /// The value.
        value: u64,
    },
}

/// Exports `profile` to `fmt`.
pub fn export(
    profile: &Profile,
    fmt: ExportFormat,
    opts: &ExportOptions,
) -> Result<Export, ExportError> {
    check_name(&opts.name, fmt)?;
    if let Some(ns) = &opts.namespace {
        check_name(ns, ExportFormat::Kubernetes)?;
    }
    match fmt {
        ExportFormat::Docker => Ok(docker(profile, opts)),
        ExportFormat::Podman => Ok(podman(profile, opts)),
        ExportFormat::Oci => oci(profile, opts),
        ExportFormat::Kubernetes => kubernetes(profile, opts),
        ExportFormat::Systemd => systemd(profile, opts),
        ExportFormat::Colima => Ok(colima(profile, opts)),
        ExportFormat::DaemonJson => Ok(daemon_json(profile, opts)),
    }
}

fn check_name(name: &str, fmt: ExportFormat) -> Result<(), ExportError> {
    let bad = |reason| {
        Err(ExportError::InvalidName {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return bad("it must be a plain file name, without `/`");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return bad("use only letters, digits, `-`, `_` and `.`");
    }
    if fmt == ExportFormat::Kubernetes {
        let ok = name.len() <= 253
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok {
            return bad("Kubernetes names are lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit (RFC 1123)");
        }
    }
    Ok(())
}

/// The profile in Docker's dialect: Podman's errno strings become the numbers they mean.
fn to_docker(profile: &Profile) -> Profile {
    let mut p = profile.clone();
    if p.default_errno.is_some() {
        p.default_errno_ret = p.default().ret_data();
        p.default_errno = None;
    }
    for r in p.rules_mut() {
        if r.errno.is_some() {
            r.errno_ret = r.action().ret_data();
            r.errno = None;
        }
    }
    p.dialect = Dialect::Docker;
    p
}

fn json_file(opts: &ExportOptions) -> String {
    if opts.name.ends_with(".json") {
        opts.name.clone()
    } else {
        format!("{}.json", opts.name)
    }
}

fn bare_name(opts: &ExportOptions) -> &str {
    opts.name.strip_suffix(".json").unwrap_or(&opts.name)
}

fn docker(profile: &Profile, opts: &ExportOptions) -> Export {
    let p = to_docker(profile);
    let mut notes = Vec::new();
    if profile.default_errno.is_some() || profile.rules().iter().any(|r| r.errno.is_some()) {
        notes.push("Podman's errno names (`defaultErrno`, `errno`) were replaced by the numbers they mean (`defaultErrnoRet`, `errnoRet`), which Docker reads".into());
    }
    notes.push(format!(
        "use it with `docker run --security-opt seccomp={} ...`",
        json_file(opts)
    ));
    Export {
        files: vec![(json_file(opts), p.to_json_pretty())],
        notes,
    }
}

fn podman(profile: &Profile, opts: &ExportOptions) -> Export {
    let mut p = to_docker(profile);
    let mut notes = Vec::new();
    if let Action::Errno(e) = p.default() {
        p.default_errno_ret = Some(u32::from(e));
        p.default_errno = errno_name(u32::from(e)).map(str::to_string);
    }
    for r in p.rules_mut() {
        if let Action::Errno(e) = r.action() {
            r.errno_ret = Some(u32::from(e));
            r.errno = errno_name(u32::from(e)).map(str::to_string);
        }
    }
    p.dialect = Dialect::Podman;
    let with_kernel: Vec<String> = profile
        .rules()
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            [&r.includes, &r.excludes]
                .into_iter()
                .flatten()
                .any(|f| f.min_kernel.is_some())
        })
        .map(|(i, _)| format!("$.syscalls[{i}]"))
        .collect();
    if !with_kernel.is_empty() {
        notes.push(format!(
            "Podman's seccomp package has no `minKernel`: it ignores the kernel condition of {} (an `includes.minKernel` rule then always applies; an `excludes.minKernel` rule is never dropped for the kernel)",
            with_kernel.join(", ")
        ));
    }
    notes.push(format!(
        "use it with `podman run --security-opt seccomp={} ...`, or make it the default with `seccomp_profile = \"/path/to/{}\"` under [containers] in containers.conf",
        json_file(opts),
        json_file(opts)
    ));
    Export {
        files: vec![(json_file(opts), p.to_json_pretty())],
        notes,
    }
}

/// The profile resolved for one host: the filter's ABIs, the rules resolution kept (and those
/// that equal the default, which runc still counts for its ENOSYS stub), without gates.
fn resolved(
    profile: &Profile,
    opts: &ExportOptions,
) -> Result<(Policy, Profile, Vec<String>), ExportError> {
    if tables::table(opts.arch).is_none() {
        return Err(ExportError::NoSyscallTable { arch: opts.arch });
    }
    let target = Target {
        arch: opts.arch,
        caps: opts.caps.clone(),
        kernel: DEFAULT_KERNEL,
        runtime: Runtime::OCI,
        libseccomp: None,
        engine: None,
    };
    let policy = resolve(profile, &target);
    let mut notes = Vec::new();
    let mut out = Profile::new(profile.default());
    out.architectures = Some(policy.arches.iter().map(|a| a.arch).collect());
    out.flags = profile.flags.clone();
    out.listener_path = profile.listener_path.clone();
    out.listener_metadata = profile.listener_metadata.clone();
    out.dialect = Dialect::Oci;
    let covered: Vec<&'static tables::SyscallTable> = policy
        .arches
        .iter()
        .filter_map(|a| tables::table(a.arch))
        .collect();
    let mut dropped = 0usize;
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for (i, rule) in profile.rules().iter().enumerate() {
        match policy.rule_status.get(i) {
            Some(RuleStatus::Kept | RuleStatus::SameAsDefault) => {}
            _ => {
                dropped += 1;
                continue;
            }
        }
        let names: Vec<String> = rule
            .all_names()
            .filter(|n| {
                let known = covered.iter().any(|t| t.lookup(n).is_some());
                if !known {
                    unknown.insert(n.to_string());
                }
                known
            })
            .map(str::to_string)
            .collect();
        if names.is_empty() {
            continue;
        }
        let action = rule.action();
        out.rules_mut().push(SyscallRule {
            names: Some(names),
            name: None,
            action: action.name(),
            errno_ret: match action {
                Action::Errno(e) | Action::Trace(e) => Some(u32::from(e)),
                _ => None,
            },
            errno: None,
            args: rule.args.clone().filter(|a| !a.is_empty()),
            comment: rule.comment.clone().filter(|c| !c.is_empty()),
            includes: None,
            excludes: None,
            extra: Map::new(),
        });
    }
    notes.push(format!(
        "resolved for a {} host with {} ({}): the filter covers {}; {} rule{} whose includes/excludes did not hold there were dropped",
        opts.arch,
        if opts.caps.0.is_empty() { "no capabilities".to_string() } else { format!("the bounding set {}", opts.caps.names().join(" ")) },
        DEFAULT_KERNEL,
        policy.arches.iter().map(|a| a.arch.name()).collect::<Vec<_>>().join(", "),
        dropped,
        if dropped == 1 { "" } else { "s" }
    ));
    if !unknown.is_empty() {
        notes.push(format!(
            "names that are not syscalls on any ABI of this filter were left out: {}",
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    for n in &policy.notes {
        if n.message.contains("index repeats") {
            let at = n
                .source
                .map(|s| format!("$.syscalls[{s}]: "))
                .unwrap_or_default();
            notes.push(format!(
                "{at}{} (kept as written; the runtime applies its own rule)",
                n.message
            ));
        }
    }
    Ok((policy, out, notes))
}

fn oci(profile: &Profile, opts: &ExportOptions) -> Result<Export, ExportError> {
    let (_, p, mut notes) = resolved(profile, opts)?;
    notes.push("this is the `linux.seccomp` object of an OCI config.json: put it there, or pass the file to a runtime that accepts bare profiles".into());
    Ok(Export {
        files: vec![(json_file(opts), p.to_json_pretty())],
        notes,
    })
}

fn vm_path(opts: &ExportOptions) -> String {
    format!("/etc/docker/seccomp/{}", json_file(opts))
}

fn colima(profile: &Profile, opts: &ExportOptions) -> Export {
    let mut base = docker(profile, opts);
    base.notes.retain(|n| !n.starts_with("use it with"));
    let path = vm_path(opts);
    let file = json_file(opts);
    let yaml = format!(
        "# merge into ~/.colima/default/colima.yaml (or run `colima edit`); the docker: block is daemon.json\ndocker:\n  seccomp-profile: {}\n",
        yq(&path)
    );
    base.files.push(("colima.yaml".into(), yaml));
    base.notes.push(format!(
        "steps: `colima ssh -- sudo mkdir -p /etc/docker/seccomp`; `colima ssh -- sudo tee {path} < {file} > /dev/null`; add the docker: entry to colima.yaml (`colima edit`); `colima restart`"
    ));
    base.notes.push("the path is inside the Colima VM, not on the Mac; the profile becomes the default of every container started without --security-opt seccomp=...".into());
    if !has_arch_entry(profile, Arch::Aarch64) {
        base.notes.push("the profile has no aarch64 entry: on Apple Silicon the VM is aarch64, so the filter covers aarch64 alone and 32-bit arm programs are killed (see `jailwright lint`, JW401)".into());
    }
    base
}

fn has_arch_entry(profile: &Profile, arch: Arch) -> bool {
    if let Some(map) = profile.arch_map.as_ref().filter(|m| !m.is_empty()) {
        return map.iter().any(|e| e.architecture == arch);
    }
    profile
        .architectures
        .as_ref()
        .is_none_or(|a| a.is_empty() || a.contains(&arch))
}

fn daemon_json(profile: &Profile, opts: &ExportOptions) -> Export {
    let mut base = docker(profile, opts);
    base.notes.retain(|n| !n.starts_with("use it with"));
    let path = vm_path(opts);
    let mut m = Map::new();
    m.insert("seccomp-profile".into(), Value::from(path.clone()));
    let mut text = serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default();
    text.push('\n');
    base.files.push(("daemon.json".into(), text));
    base.notes.push(format!(
        "steps: `sudo mkdir -p /etc/docker/seccomp`; `sudo cp {} {path}`; merge the \"seccomp-profile\" key into /etc/docker/daemon.json (keep its other keys); `sudo systemctl restart docker`",
        json_file(opts)
    ));
    base.notes.push("the profile becomes the default of every container started without --security-opt seccomp=...; `docker info` lists it under Security Options".into());
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_through_their_names() {
        for f in ExportFormat::ALL {
            assert_eq!(f.as_str().parse::<ExportFormat>().unwrap(), f);
        }
        assert_eq!(
            "k8s".parse::<ExportFormat>().unwrap(),
            ExportFormat::Kubernetes
        );
        assert!("yaml".parse::<ExportFormat>().is_err());
    }

    #[test]
    fn yaml_strings_are_quoted() {
        assert_eq!(yq("a: b"), "\"a: b\"");
        assert_eq!(yq("x\"y\n"), "\"x\\\"y\\n\"");
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("ok-name", ExportFormat::Docker).is_ok());
        assert!(check_name("../x", ExportFormat::Docker).is_err());
        assert!(check_name("", ExportFormat::Docker).is_err());
        assert!(check_name("Upper", ExportFormat::Kubernetes).is_err());
        assert!(check_name("Upper", ExportFormat::Docker).is_ok());
    }
}

//! Which daemon to talk to, and what it says about itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::{ClientVersion, Docker};
use jailwright_profile::{Arch, Runtime, RuntimeKind};
use serde::Serialize;

use crate::classify::{classify, RejectKind};
use crate::error::ContainerError;

/// The Engine API version jailwright speaks: Docker 20.10 and Podman 4's compat API both
/// serve 1.41, and every later daemon still accepts it.
pub const API_VERSION: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// How long connecting and pinging may take before the daemon counts as down.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A container engine reached through its Docker-compatible socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Backend {
    /// dockerd.
    Docker {
        /// Its socket (`/var/run/docker.sock`).
        socket: PathBuf,
    },
    /// `podman system service`.
    Podman {
        /// Its socket (`/run/podman/podman.sock` when rootful).
        socket: PathBuf,
    },
}

impl Backend {
    /// Docker at `$DOCKER_HOST` (a `unix://` address) or `/var/run/docker.sock`.
    pub fn docker_default() -> Backend {
        let socket = std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"));
        Backend::Docker { socket }
    }

    /// Podman at `$CONTAINER_HOST` (a `unix://` address) or `/run/podman/podman.sock`.
    pub fn podman_default() -> Backend {
        let socket = std::env::var("CONTAINER_HOST")
            .ok()
            .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/run/podman/podman.sock"));
        Backend::Podman { socket }
    }

    /// `docker` or `podman`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Docker { .. } => "docker",
            Backend::Podman { .. } => "podman",
        }
    }

    /// The socket path.
    pub fn socket(&self) -> &Path {
        match self {
            Backend::Docker { socket } | Backend::Podman { socket } => socket,
        }
    }

    fn unreachable(&self, message: String) -> ContainerError {
        let mut diagnosis = classify(&message);
        if !matches!(
            diagnosis.kind,
            RejectKind::DaemonDown | RejectKind::SocketPermission
        ) {
            diagnosis = classify(&format!("connection refused: {message}"));
        }
        diagnosis.message = message.clone();
        ContainerError::Unreachable {
            backend: self.name(),
            socket: self.socket().to_path_buf(),
            message,
            diagnosis: Box::new(diagnosis),
        }
    }

    /// Connects and pings, failing within [`CONNECT_TIMEOUT`] when nothing answers.
    pub(crate) async fn connect(&self) -> Result<Docker, ContainerError> {
        let socket = self.socket();
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::UnixStream::connect(socket));
        match probe.await {
            Err(_) => {
                return Err(self.unreachable(format!(
                    "connecting to {} timed out after {} s (connection refused or hung daemon)",
                    socket.display(),
                    CONNECT_TIMEOUT.as_secs()
                )))
            }
            Ok(Err(e)) => {
                let what = match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        format!("no socket at {} (socket not found)", socket.display())
                    }
                    std::io::ErrorKind::PermissionDenied => {
                        format!("connect to socket {}: permission denied", socket.display())
                    }
                    std::io::ErrorKind::ConnectionRefused => {
                        format!("connect to {}: connection refused", socket.display())
                    }
                    _ => format!("connect to {}: {e} (connection refused)", socket.display()),
                };
                return Err(self.unreachable(what));
            }
            Ok(Ok(_)) => {}
        }
        let path = socket.to_string_lossy();
        // Requests carry their own timeouts where they can hang (see `run`); bollard's
        // per-request limit only has to outlast the longest `wait`.
        let docker = Docker::connect_with_unix(&path, 24 * 3600, &API_VERSION)
            .map_err(|e| self.unreachable(error_text(&e)))?;
        match tokio::time::timeout(CONNECT_TIMEOUT, docker.ping()).await {
            Err(_) => Err(self.unreachable(format!(
                "the daemon at {} accepted the connection but did not answer a ping within {} s",
                socket.display(),
                CONNECT_TIMEOUT.as_secs()
            ))),
            Ok(Err(e)) => Err(self.unreachable(error_text(&e))),
            Ok(Ok(_)) => Ok(docker),
        }
    }

    /// Connects and reads `/info` and `/version`.
    pub(crate) async fn info_async(&self) -> Result<(Docker, DaemonInfo), ContainerError> {
        let docker = self.connect().await?;
        let info = timed(self, "info", docker.info()).await?;
        let version = timed(self, "version", docker.version()).await?;
        let arch_raw = info.architecture.clone().unwrap_or_default();
        let default_runtime = info
            .default_runtime
            .clone()
            .unwrap_or_else(|| "runc".into());
        let mut runtimes: Vec<String> = info
            .runtimes
            .as_ref()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        runtimes.sort();
        let mut runtime_version = None;
        for c in version.components.iter().flatten() {
            let name = c.name.to_ascii_lowercase();
            // Docker: {"Name": "runc", "Version": "1.1.5+ds1"}; Podman: {"Name": "OCI
            // Runtime (runc)", "Version": "runc version 1.1.5+ds1\ncommit: ..."}.
            if name == default_runtime || name.contains(&format!("({default_runtime})")) {
                let commit = c
                    .details
                    .as_ref()
                    .and_then(|d| d.get("GitCommit"))
                    .map(|v| v.as_str());
                runtime_version = Some(runtime_version_of(&c.version, commit));
            }
        }
        let server_version = version
            .version
            .clone()
            .or(info.server_version.clone())
            .unwrap_or_default();
        let di = DaemonInfo {
            backend: self.name(),
            arch: arch_from_daemon(&arch_raw),
            arch_raw,
            kernel: info.kernel_version.clone().unwrap_or_default(),
            server_version,
            api_version: version.api_version.clone().unwrap_or_default(),
            default_runtime,
            runtime_version,
            runtimes,
            security_options: info.security_options.clone().unwrap_or_default(),
            cgroup_version: info
                .cgroup_version
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            cgroup_driver: info
                .cgroup_driver
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            os: info.operating_system.clone().unwrap_or_default(),
        };
        Ok((docker, di))
    }

    /// Reads what the daemon says about itself (blocking).
    pub fn info(&self) -> Result<DaemonInfo, ContainerError> {
        block_on(async { self.info_async().await.map(|(_, i)| i) })?
    }
}

/// What a daemon says about itself (`GET /info`, `GET /version`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DaemonInfo {
    /// `docker` or `podman`.
    pub backend: &'static str,
    /// The architecture, as jailwright names it (None when unknown).
    pub arch: Option<Arch>,
    /// The architecture as the daemon spells it (`x86_64`, Podman: `amd64`).
    pub arch_raw: String,
    /// The kernel release.
    pub kernel: String,
    /// The daemon's version.
    pub server_version: String,
    /// The newest API version the daemon serves.
    pub api_version: String,
    /// The OCI runtime containers get unless one is named.
    pub default_runtime: String,
    /// The default runtime's version, from `/version`'s components.
    pub runtime_version: Option<String>,
    /// Every runtime the daemon knows.
    pub runtimes: Vec<String>,
    /// `SecurityOptions` (`name=seccomp,profile=default`).
    pub security_options: Vec<String>,
    /// `1` or `2`.
    pub cgroup_version: String,
    /// `cgroupfs` or `systemd`.
    pub cgroup_driver: String,
    /// The host's OS.
    pub os: String,
}

impl DaemonInfo {
    /// The default runtime in jailwright's terms (`runc@1.1.5`).
    pub fn runtime(&self) -> Runtime {
        runtime_from(&self.default_runtime, self.runtime_version.as_deref())
    }

    /// The engine and its default runtime, as the host facts carry them.
    pub fn engine(&self) -> jailwright_profile::host::EngineFacts {
        jailwright_profile::host::EngineFacts {
            name: self.backend.to_string(),
            version: self.server_version.clone(),
            runtime: self.runtime(),
            libseccomp: crate::stack::runtime_libseccomp(&self.default_runtime),
        }
    }

    /// The daemon's default seccomp profile (`default`, `builtin`, a path), or None when
    /// seccomp is not listed.
    pub fn default_seccomp_profile(&self) -> Option<String> {
        self.security_options.iter().find_map(|o| {
            let mut is_seccomp = false;
            let mut profile = None;
            for kv in o.split(',') {
                match kv.split_once('=') {
                    Some(("name", "seccomp")) => is_seccomp = true,
                    Some(("profile", p)) => profile = Some(p.to_string()),
                    _ => {}
                }
            }
            is_seccomp.then(|| profile.unwrap_or_else(|| "default".into()))
        })
    }
}

/// The runtime's version from an engine's version component: the first line's last word
/// (`runc version 1.1.5+ds1` as Podman passes it on), or the distribution build when the
/// commit names one built from that version (`1.1.5+ds1-1+deb12u1`, on Docker's `GitCommit`
/// or Podman's `commit:` line), which says which patches the runtime carries.
fn runtime_version_of(component: &str, commit: Option<&str>) -> String {
    let v = component.trim();
    let first = v.lines().next().unwrap_or(v);
    let version = first.rsplit(' ').next().unwrap_or(first);
    let commit = commit.or_else(|| v.lines().find_map(|l| l.trim().strip_prefix("commit: ")));
    match commit.map(str::trim) {
        Some(c) if c.len() > version.len() && c.starts_with(version) => c.to_string(),
        _ => version.to_string(),
    }
}

/// A runtime name and version string as jailwright's [`Runtime`].
pub fn runtime_from(name: &str, version: Option<&str>) -> Runtime {
    let lower = name.to_ascii_lowercase();
    let kind = if lower.contains("crun") {
        RuntimeKind::Crun
    } else if lower.contains("runc") {
        RuntimeKind::Runc
    } else {
        RuntimeKind::Oci
    };
    version
        .and_then(|v| Runtime::versioned(kind, v))
        .unwrap_or(Runtime::of(kind))
}

/// Maps a daemon's architecture string (`uname -m` for Docker, Go's name for Podman).
pub fn arch_from_daemon(s: &str) -> Option<Arch> {
    let a = match s {
        "x86_64" | "amd64" => Arch::X86_64,
        "aarch64" | "arm64" => Arch::Aarch64,
        "armv7l" | "armv6l" | "arm" => Arch::Arm,
        "i386" | "i686" | "386" | "x86" => Arch::X86,
        "s390x" => Arch::S390x,
        "ppc64le" => Arch::Ppc64le,
        "ppc64" => Arch::Ppc64,
        "riscv64" => Arch::Riscv64,
        "loongarch64" | "loong64" => Arch::Loongarch64,
        "mips64" => Arch::Mips64,
        "mips64el" | "mips64le" => Arch::Mipsel64,
        _ => return None,
    };
    Some(a)
}

/// The error and its sources on one line.
pub(crate) fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(src) = cur {
        let t = src.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = src.source();
    }
    s
}

/// The daemon's message for an API error, without bollard's "Docker responded with status
/// code N:" wrapping.
pub(crate) fn api_message(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => error_text(other),
    }
}

pub(crate) async fn timed<T, F>(
    backend: &Backend,
    operation: &'static str,
    fut: F,
) -> Result<T, ContainerError>
where
    F: std::future::Future<Output = Result<T, bollard::errors::Error>>,
{
    const LIMIT: u64 = 60;
    match tokio::time::timeout(Duration::from_secs(LIMIT), fut).await {
        Err(_) => Err(ContainerError::DaemonTimeout {
            backend: backend.name(),
            operation,
            seconds: LIMIT,
        }),
        Ok(Err(e)) => Err(ContainerError::Api {
            backend: backend.name(),
            operation,
            message: api_message(&e),
        }),
        Ok(Ok(v)) => Ok(v),
    }
}

/// Runs a future on a fresh current-thread runtime (the blocking API).
pub(crate) fn block_on<F: std::future::Future>(fut: F) -> Result<F::Output, ContainerError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ContainerError::io("cannot start the async runtime", e))?;
    Ok(rt.block_on(fut))
}

/// The container engine on this host that answers first, Docker then Podman (each at its
/// default socket, `DOCKER_HOST` / `CONTAINER_HOST` honoured), as the host facts carry it; or
/// why neither answered.
pub fn local_engine() -> Result<jailwright_profile::host::EngineFacts, String> {
    let mut why = Vec::new();
    for b in [Backend::docker_default(), Backend::podman_default()] {
        match b.info() {
            Ok(info) => return Ok(info.engine()),
            Err(e) => why.push(format!("{}: {e}", b.name())),
        }
    }
    Err(why.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_and_runtime_names() {
        assert_eq!(arch_from_daemon("x86_64"), Some(Arch::X86_64));
        assert_eq!(arch_from_daemon("amd64"), Some(Arch::X86_64));
        assert_eq!(arch_from_daemon("arm64"), Some(Arch::Aarch64));
        assert_eq!(arch_from_daemon("vax"), None);
        let r = runtime_from("runc", Some("1.1.5+ds1"));
        assert_eq!(r.to_string(), "runc@1.1.5");
        assert_eq!(runtime_from("crun", None).kind, RuntimeKind::Crun);
        // A distribution build the table knows is kept: its patches change what runc does.
        let v = runtime_version_of("1.1.5+ds1", Some("1.1.5+ds1-1+deb12u1"));
        assert_eq!(v, "1.1.5+ds1-1+deb12u1");
        let r = runtime_from("runc", Some(&v));
        assert_eq!(r.to_string(), "runc@1.1.5+ds1-1+deb12u1");
        assert_eq!(
            r.version,
            Some(jailwright_profile::policy::Version(1, 1, 5))
        );
        let podman = "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev";
        assert_eq!(runtime_version_of(podman, None), "1.1.5+ds1-1+deb12u1");
        // An upstream build's commit is a hash, not a build of that version.
        assert_eq!(
            runtime_version_of("1.2.5", Some("v1.2.5-0-g59923ef")),
            "1.2.5"
        );
        assert_eq!(runtime_from("runc", Some("1.2.5")).build, None);
    }

    #[test]
    fn seccomp_security_option() {
        let mut i = DaemonInfo {
            backend: "docker",
            arch: None,
            arch_raw: String::new(),
            kernel: String::new(),
            server_version: String::new(),
            api_version: String::new(),
            default_runtime: "runc".into(),
            runtime_version: None,
            runtimes: vec![],
            security_options: vec![
                "name=apparmor".into(),
                "name=seccomp,profile=builtin".into(),
            ],
            cgroup_version: String::new(),
            cgroup_driver: String::new(),
            os: String::new(),
        };
        assert_eq!(i.default_seccomp_profile().as_deref(), Some("builtin"));
        i.security_options.clear();
        assert_eq!(i.default_seccomp_profile(), None);
    }
}

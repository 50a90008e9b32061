//! The builder: collects options, validates them, and runs.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Layer, Mount, Network, SandboxConfig, Stdio};
use crate::error::{ConfigError, Error};
use crate::notify::{Notification, NotifyHandler, Response};
use crate::Outcome;

/// Collects the options of a sandbox; [`build`](SandboxBuilder::build) validates them.
#[must_use]
pub struct SandboxBuilder {
    config: SandboxConfig,
    stdio: [Stdio; 3],
    notify: Option<NotifyHandler>,
}

/// A validated sandbox, ready to [`run`](Sandbox::run).
pub struct Sandbox {
    config: SandboxConfig,
    stdio: [Stdio; 3],
    notify: Option<NotifyHandler>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("config", &self.config)
            .field("stdio", &self.stdio)
            .field("notify", &self.notify.is_some())
            .finish()
    }
}

impl Sandbox {
    /// Starts a builder with the defaults: no command, network none, uid/gid 65534, cwd /tmp,
    /// no user mounts, no limits beyond nofile=1024 and core=0, no filter.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            config: SandboxConfig::default(),
            stdio: [Stdio::Inherit, Stdio::Inherit, Stdio::Inherit],
            notify: None,
        }
    }

    /// Starts a builder from an existing configuration (validated again by `build`).
    pub fn from_config(config: SandboxConfig) -> SandboxBuilder {
        SandboxBuilder {
            config,
            stdio: [Stdio::Inherit, Stdio::Inherit, Stdio::Inherit],
            notify: None,
        }
    }

    /// The validated configuration.
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Runs the command and waits for the whole sandbox to end: it returns once the command
    /// and every process it left behind are dead and reaped. The sandbox's init may still be
    /// tearing its namespaces down at that point; it is reaped on a background thread (or, if
    /// this process exits first, by whatever reaps this process's orphans), unless a cgroup
    /// has to be removed after it, in which case `run` waits for it.
    ///
    /// `Err` means the sandbox could not be set up and the command did not run (exit status
    /// 125 by convention). A command that was not found or not executable is an `Ok` outcome
    /// with [`Exit::ExecFailed`](crate::Exit::ExecFailed) (127/126).
    pub fn run(self) -> Result<Outcome, Error> {
        crate::native::run(&self.config, self.stdio, self.notify)
    }
}

impl SandboxBuilder {
    /// The command and its arguments. A program without a `/` is looked up in the sandbox's
    /// `PATH`.
    pub fn command<S, I, A>(mut self, program: S, args: I) -> Self
    where
        S: AsRef<OsStr>,
        I: IntoIterator<Item = A>,
        A: AsRef<OsStr>,
    {
        self.config.program = program.as_ref().to_owned();
        self.config.args = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        self
    }

    /// Binds host `source` read-only at `target`.
    pub fn ro_bind(mut self, source: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        self.config.mounts.push(Mount::ReadOnlyBind {
            source: source.into(),
            target: target.into(),
        });
        self
    }

    /// Binds host `source` writable at `target` (Landlock allows writes below it).
    pub fn bind(mut self, source: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        self.config.mounts.push(Mount::Bind {
            source: source.into(),
            target: target.into(),
        });
        self
    }

    /// Mounts a private writable tmpfs at `target`.
    pub fn tmpfs(mut self, target: impl Into<PathBuf>) -> Self {
        self.config.mounts.push(Mount::Tmpfs {
            target: target.into(),
        });
        self
    }

    /// Network access (default [`Network::None`]).
    pub fn network(mut self, network: Network) -> Self {
        self.config.network = network;
        self
    }

    /// Sets an environment variable (the environment is otherwise empty apart from
    /// `PATH=/usr/local/bin:/usr/bin:/bin` and `HOME=/tmp`, which this can override).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        let key = key.as_ref().to_owned();
        self.config.env.retain(|(k, _)| *k != key);
        self.config.env.push((key, value.as_ref().to_owned()));
        self
    }

    /// Working directory inside the sandbox (default `/tmp`).
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.cwd = dir.into();
        self
    }

    /// Uid and gid inside the sandbox (default 65534, even when the caller is root).
    pub fn user(mut self, uid: u32, gid: u32) -> Self {
        self.config.uid = uid;
        self.config.gid = gid;
        self
    }

    /// Hostname inside the sandbox (default `jailwright`).
    pub fn hostname(mut self, name: impl Into<String>) -> Self {
        self.config.hostname = name.into();
        self
    }

    /// Makes `/dev/tty` available.
    pub fn dev_tty(mut self, on: bool) -> Self {
        self.config.dev_tty = on;
        self
    }

    /// Shows only [`ETC_MINIMAL`](crate::config::ETC_MINIMAL) of the host's /etc (more can be
    /// bound with [`ro_bind`](Self::ro_bind)).
    pub fn etc_minimal(mut self, on: bool) -> Self {
        self.config.etc_minimal = on;
        self
    }

    /// Memory limit in bytes.
    pub fn memory(mut self, bytes: u64) -> Self {
        self.config.limits.memory = Some(bytes);
        self
    }

    /// Size of `/tmp` and of each tmpfs mount (default: the memory limit when set, else
    /// 512 MiB).
    pub fn tmp_size(mut self, bytes: u64) -> Self {
        self.config.limits.tmp_size = Some(bytes);
        self
    }

    /// Size of `/dev/shm` (default 64 MiB).
    pub fn shm_size(mut self, bytes: u64) -> Self {
        self.config.limits.shm_size = Some(bytes);
        self
    }

    /// Process/thread limit.
    pub fn pids(mut self, n: u64) -> Self {
        self.config.limits.pids = Some(n);
        self
    }

    /// CPU time limit in seconds.
    pub fn cpu_time(mut self, secs: u64) -> Self {
        self.config.limits.cpu_time = Some(secs);
        self
    }

    /// Largest file the command may write, in bytes.
    pub fn file_size(mut self, bytes: u64) -> Self {
        self.config.limits.file_size = Some(bytes);
        self
    }

    /// Open-descriptor limit (default 1024, never above the caller's hard limit).
    pub fn open_files(mut self, n: u64) -> Self {
        self.config.limits.open_files = Some(n);
        self
    }

    /// Wall-clock limit; the whole tree is killed when it passes (exit status 124).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.config.limits.timeout = Some(t);
        self
    }

    /// Demands a layer: if it is unavailable here, the run fails with a setup error instead
    /// of running with less confinement.
    pub fn require(mut self, layer: Layer) -> Self {
        if !self.config.required.contains(&layer) {
            self.config.required.push(layer);
        }
        self
    }

    /// The seccomp filter, installed last, right before `execve`, with TSYNC. Everything the
    /// sandbox does after installing it (write to the status pipe, `sendmsg` of the listener,
    /// `close`, `execve`) must be allowed by it.
    pub fn seccomp(mut self, program: jailwright_bpf::Program) -> Self {
        self.config.seccomp = program;
        self
    }

    /// The terminal guard: a filter installed in front of the profile's, whatever the profile.
    pub fn terminal_guard(mut self, guard: crate::config::TerminalGuard) -> Self {
        self.config.terminal_guard = Some(guard);
        self
    }

    /// Handles the filter's `SECCOMP_RET_USER_NOTIF` decisions on a supervisor thread.
    pub fn on_notify<F>(mut self, handler: F) -> Self
    where
        F: Fn(&Notification) -> Response + Send + Sync + 'static,
    {
        self.notify = Some(Arc::new(handler));
        self
    }

    /// Standard input (default inherit; `Piped` means `/dev/null`).
    pub fn stdin(mut self, s: Stdio) -> Self {
        self.stdio[0] = s;
        self
    }

    /// Standard output (default inherit).
    pub fn stdout(mut self, s: Stdio) -> Self {
        self.stdio[1] = s;
        self
    }

    /// Standard error (default inherit).
    pub fn stderr(mut self, s: Stdio) -> Self {
        self.stdio[2] = s;
        self
    }

    /// Validates the options.
    pub fn build(self) -> Result<Sandbox, Error> {
        validate(&self.config)?;
        Ok(Sandbox {
            config: self.config,
            stdio: self.stdio,
            notify: self.notify,
        })
    }
}

fn no_nul(option: &'static str, s: &OsStr) -> Result<(), ConfigError> {
    if s.as_bytes().contains(&0) {
        Err(ConfigError::new(
            option,
            format!("{s:?} contains a NUL byte"),
        ))
    } else {
        Ok(())
    }
}

fn sandbox_path(option: &'static str, p: &Path) -> Result<(), ConfigError> {
    no_nul(option, p.as_os_str())?;
    if !p.is_absolute() {
        return Err(ConfigError::new(
            option,
            format!("{} is not an absolute path", p.display()),
        ));
    }
    if p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(ConfigError::new(
            option,
            format!("{} contains `..`", p.display()),
        ));
    }
    Ok(())
}

/// Checks a configuration the way `build` does.
pub(crate) fn validate(c: &SandboxConfig) -> Result<(), ConfigError> {
    if c.program.is_empty() {
        return Err(ConfigError::new("command", "no program given"));
    }
    no_nul("command", &c.program)?;
    for a in &c.args {
        no_nul("command", a)?;
    }
    for m in &c.mounts {
        let (option, source) = match m {
            Mount::ReadOnlyBind { source, .. } => ("ro_bind", Some(source)),
            Mount::Bind { source, .. } => ("bind", Some(source)),
            Mount::Tmpfs { .. } => ("tmpfs", None),
        };
        let target = m.target();
        sandbox_path(option, target)?;
        if target.components().count() < 2 {
            return Err(ConfigError::new(
                option,
                "cannot mount over the sandbox root",
            ));
        }
        // Whether the source exists is the run's business (a setup failure, exit 125, as
        // Docker answers a missing bind source): it is resolved when the sandbox is built.
        if let Some(src) = source {
            no_nul(option, src.as_os_str())?;
        }
    }
    for (k, v) in &c.env {
        if k.is_empty() || k.as_bytes().contains(&b'=') {
            return Err(ConfigError::new("env", format!("bad variable name {k:?}")));
        }
        no_nul("env", k)?;
        no_nul("env", v)?;
    }
    sandbox_path("cwd", &c.cwd)?;
    for (option, id) in [("user", c.uid), ("user", c.gid)] {
        if id == u32::MAX {
            return Err(ConfigError::new(option, "id 4294967295 is reserved"));
        }
    }
    if c.hostname.is_empty() || c.hostname.len() > 64 || c.hostname.contains('\0') {
        return Err(ConfigError::new(
            "hostname",
            "must be 1 to 64 bytes without NUL",
        ));
    }
    let l = &c.limits;
    for (option, v) in [
        ("memory", l.memory),
        ("pids", l.pids),
        ("cpu_time", l.cpu_time),
        ("open_files", l.open_files),
    ] {
        if v == Some(0) {
            return Err(ConfigError::new(option, "must be greater than zero"));
        }
    }
    if l.memory.is_some_and(|m| m < 1 << 20) {
        return Err(ConfigError::new("memory", "must be at least 1 MiB"));
    }
    for (option, size) in [("tmp_size", l.tmp_size), ("shm_size", l.shm_size)] {
        if size.is_some_and(|s| s < 1 << 20) {
            return Err(ConfigError::new(option, "must be at least 1 MiB"));
        }
    }
    if l.timeout.is_some_and(|t| t.is_zero()) {
        return Err(ConfigError::new("timeout", "must be greater than zero"));
    }
    if c.seccomp.len() > jailwright_bpf::insn::MAX_INSNS {
        return Err(ConfigError::new(
            "seccomp",
            format!(
                "{} instructions (the kernel takes at most 4096)",
                c.seccomp.len()
            ),
        ));
    }
    if c.required.contains(&Layer::Terminal) && c.terminal_guard.is_none() {
        return Err(ConfigError::new(
            "require",
            "terminal is required but no terminal guard was given",
        ));
    }
    if c.required.contains(&Layer::Seccomp) && c.seccomp.is_empty() {
        return Err(ConfigError::new(
            "require",
            "seccomp is required but no filter was given",
        ));
    }
    if c.required.contains(&Layer::NetworkNamespace) && c.network == Network::Host {
        return Err(ConfigError::new(
            "require",
            "network-namespace is required but the network is host",
        ));
    }
    if c.required.contains(&Layer::Cgroup) && l.memory.is_none() && l.pids.is_none() {
        return Err(ConfigError::new(
            "require",
            "cgroup is required but no memory or pids limit is set",
        ));
    }
    Ok(())
}

/// Parses `SRC[:DST]` as the CLI's `--ro-bind`/`--bind` take it.
pub fn parse_bind(spec: &OsStr) -> (PathBuf, PathBuf) {
    let bytes = spec.as_bytes();
    match bytes.iter().position(|b| *b == b':') {
        Some(i) => (
            PathBuf::from(OsStr::from_bytes(&bytes[..i])),
            PathBuf::from(OsStr::from_bytes(&bytes[i + 1..])),
        ),
        None => (PathBuf::from(spec), PathBuf::from(spec)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(b: SandboxBuilder) -> ConfigError {
        match b.build() {
            Err(Error::Config(e)) => e,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn validation_names_the_option() {
        assert_eq!(err(Sandbox::builder()).option, "command");
        let b = || Sandbox::builder().command("/bin/true", [] as [&str; 0]);
        assert_eq!(err(b().tmpfs("relative")).option, "tmpfs");
        assert_eq!(err(b().tmpfs("/")).option, "tmpfs");
        assert_eq!(err(b().ro_bind("/usr", "relative")).option, "ro_bind");
        assert_eq!(err(b().bind("/tmp", "/a/../b")).option, "bind");
        assert_eq!(err(b().env("A=B", "c")).option, "env");
        assert_eq!(err(b().cwd("tmp")).option, "cwd");
        assert_eq!(err(b().memory(0)).option, "memory");
        assert_eq!(err(b().pids(0)).option, "pids");
        assert_eq!(err(b().timeout(Duration::ZERO)).option, "timeout");
        assert_eq!(err(b().require(Layer::Seccomp)).option, "require");
        assert_eq!(
            err(b().network(Network::Host).require(Layer::NetworkNamespace)).option,
            "require"
        );
        assert!(b().build().is_ok());
    }

    #[test]
    fn bind_specs() {
        assert_eq!(parse_bind(OsStr::new("/a")), ("/a".into(), "/a".into()));
        assert_eq!(parse_bind(OsStr::new("/a:/b")), ("/a".into(), "/b".into()));
    }
}

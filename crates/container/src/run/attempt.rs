//! One attempt to start the container: create it with a seccomp setting, attach, start, wait,
//! collect the output, remove it, and turn a refusal into a diagnosis.

use jailwright_report::{
    ExecFailure, EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, EXIT_SETUP_FAILED, EXIT_TIMED_OUT,
};

use super::*;

/// The seccomp setting of one attempt.
#[derive(Clone, Debug)]
pub(super) enum Seccomp {
    Profile(Box<Profile>),
    Unconfined,
}

pub(super) struct Started {
    pub(super) code: i32,
    pub(super) timed_out: bool,
    pub(super) oom_killed: bool,
    pub(super) stdout: Vec<u8>,
    pub(super) stderr: Vec<u8>,
    /// The runtime's init failed after the start call (first stderr line).
    pub(super) init_failure: Option<String>,
    pub(super) warnings: Vec<String>,
    /// The namespace modes the engine reports for the container.
    pub(super) namespaces: Option<Namespaces>,
    /// The runtime could not execute the command (and its errno).
    pub(super) exec_failure: Option<(ExecFailure, i32)>,
}

pub(super) enum Attempt {
    Started(Started),
    Rejected(Diagnosis),
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub(super) fn container_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "jailwright-{}-{}-{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A temporary profile file for Podman, whose compat API reads `seccomp=` as a path.
pub(super) struct TempProfile(PathBuf);

impl TempProfile {
    pub(super) fn write(json: &str) -> Result<TempProfile, ContainerError> {
        let path = std::env::temp_dir().join(format!("{}.seccomp.json", container_name()));
        std::fs::write(&path, json)
            .map_err(|e| ContainerError::io(format!("cannot write {}", path.display()), e))?;
        Ok(TempProfile(path))
    }
}

impl Drop for TempProfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub(super) struct Ctx<'a> {
    pub(super) docker: Docker,
    pub(super) backend: &'a Backend,
    pub(super) opts: &'a ContainerRun,
    pub(super) clock: Clock,
    /// The runtime that starts the containers (its version selects the needs a refusal is
    /// diagnosed against).
    pub(super) runtime: Runtime,
}

impl Ctx<'_> {
    /// A refusal message of this run's runtime, classified.
    pub(super) fn classify(&self, message: &str) -> Diagnosis {
        classify_for(message, Some(self.runtime))
    }

    pub(super) fn host_config(
        &self,
        seccomp: &Seccomp,
        temp: &mut Option<TempProfile>,
    ) -> Result<HostConfig, ContainerError> {
        let o = self.opts;
        let mut security_opt = Vec::new();
        if o.no_new_privileges {
            security_opt.push("no-new-privileges".to_string());
        }
        match seccomp {
            Seccomp::Unconfined => security_opt.push("seccomp=unconfined".into()),
            Seccomp::Profile(p) => {
                let json = serde_json::to_string(&p.to_value()).unwrap_or_default();
                match self.backend {
                    Backend::Docker { .. } => security_opt.push(format!("seccomp={json}")),
                    Backend::Podman { .. } => {
                        let t = TempProfile::write(&json)?;
                        security_opt.push(format!("seccomp={}", t.0.display()));
                        *temp = Some(t);
                    }
                }
            }
        }
        let mut tmpfs = HashMap::new();
        if let Some(size) = o.tmpfs_tmp {
            tmpfs.insert(
                "/tmp".to_string(),
                format!("rw,nosuid,nodev,size={size},mode=1777"),
            );
        }
        let mut ulimits = Vec::new();
        for (name, v) in [("nofile", o.limits.nofile), ("nproc", o.limits.nproc)] {
            if let Some(v) = v {
                ulimits.push(ResourcesUlimits {
                    name: Some(name.into()),
                    soft: Some(v),
                    hard: Some(v),
                });
            }
        }
        Ok(HostConfig {
            network_mode: Some(match o.network {
                Network::None => "none".into(),
                Network::Host => "host".into(),
            }),
            readonly_rootfs: Some(o.read_only_root),
            tmpfs: (!tmpfs.is_empty()).then_some(tmpfs),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(security_opt),
            pids_limit: o.limits.pids,
            memory: o.limits.memory,
            memory_swap: o.limits.memory,
            nano_cpus: o.limits.cpus.map(|c| (c * 1e9) as i64),
            ulimits: (!ulimits.is_empty()).then_some(ulimits),
            binds: (!o.binds.is_empty()).then(|| {
                o.binds
                    .iter()
                    .map(|b| {
                        format!(
                            "{}:{}:{}",
                            b.source.display(),
                            b.target,
                            if b.read_only { "ro" } else { "rw" }
                        )
                    })
                    .collect()
            }),
            init: o.init.then_some(true),
            runtime: o.runtime.clone(),
            auto_remove: Some(false),
            ..Default::default()
        })
    }

    pub(super) async fn remove(&mut self, name: &str) {
        let t = Instant::now();
        let opts = RemoveContainerOptions {
            force: true,
            v: true,
            link: false,
        };
        // A removal the daemon is slow to acknowledge is retried once; an already-removed
        // container is fine.
        for _ in 0..2 {
            let fut = self.docker.remove_container(name, Some(opts.clone()));
            match tokio::time::timeout(Duration::from_secs(30), fut).await {
                Ok(Ok(())) => break,
                Ok(Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    ..
                })) => break,
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        self.clock.remove += t.elapsed();
    }

    pub(super) async fn attempt(
        &mut self,
        seccomp: &Seccomp,
    ) -> Result<(Attempt, String), ContainerError> {
        let o = self.opts;
        let name = container_name();
        let mut temp = None;
        let host_config = self.host_config(seccomp, &mut temp)?;
        let body = ContainerCreateBody {
            image: Some(o.image.clone()),
            cmd: Some(o.command.clone()),
            env: (!o.env.is_empty())
                .then(|| o.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            working_dir: o.cwd.clone(),
            user: Some(o.user.clone()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            attach_stdin: Some(false),
            open_stdin: Some(false),
            tty: Some(false),
            labels: Some(
                std::iter::once(("org.jailwright.run".to_string(), "1".to_string()))
                    .chain(o.labels.iter().cloned())
                    .collect(),
            ),
            host_config: Some(host_config),
            ..Default::default()
        };
        let t = Instant::now();
        let created = self
            .docker
            .create_container(
                Some(CreateContainerOptions {
                    name: Some(name.clone()),
                    platform: String::new(),
                }),
                body,
            )
            .await;
        self.clock.create += t.elapsed();
        self.clock.attempts += 1;
        let created = match created {
            Ok(c) => c,
            Err(e) => {
                let message = api_message(&e);
                let d = self.classify(&message);
                // Podman creates the container even when a later step fails; be sure.
                self.remove(&name).await;
                if matches!(d.kind, RejectKind::Other) {
                    return Err(ContainerError::Api {
                        backend: self.backend.name(),
                        operation: "create container",
                        message,
                    });
                }
                return Ok((Attempt::Rejected(d), name));
            }
        };
        let result = self.started(&name, &created.id, created.warnings).await;
        self.remove(&name).await;
        drop(temp);
        result.map(|a| (a, name))
    }

    pub(super) async fn started(
        &mut self,
        name: &str,
        id: &str,
        create_warnings: Vec<String>,
    ) -> Result<Attempt, ContainerError> {
        let o = self.opts;
        let backend = self.backend;
        let attach = match timed(
            backend,
            "attach container",
            self.docker.attach_container(
                name,
                // Attached before the start, the stream carries everything. `logs: true` would
                // replay the log as well, and what the container writes while the daemon
                // switches from replay to stream can arrive twice (moby/moby#29285: "switching
                // from logs to stdio stream is always going to be racey").
                Some(AttachContainerOptions {
                    stream: true,
                    stdout: true,
                    stderr: true,
                    stdin: false,
                    logs: false,
                    detach_keys: None,
                }),
            ),
        )
        .await
        {
            Ok(a) => a,
            // Podman prepares (creates) the container when attaching, so the runtime's
            // refusal can arrive here.
            Err(ContainerError::Api { message, .. })
                if self.classify(&message).kind != RejectKind::Other =>
            {
                return Ok(start_failure(self.classify(&message), o));
            }
            Err(e) => return Err(e),
        };
        let pump = tokio::spawn(pump(attach.output, o.output == Output::Capture));

        let t = Instant::now();
        let start = match tokio::time::timeout(
            o.start_timeout,
            self.docker.start_container(name, None),
        )
        .await
        {
            Ok(r) => r.map_err(|e| ContainerError::Api {
                backend: backend.name(),
                operation: "start container",
                message: api_message(&e),
            }),
            Err(_) => {
                pump.abort();
                let killed = kill_stuck_init(id);
                self.clock.start += t.elapsed();
                return Ok(Attempt::Rejected(self.classify(&format!(
                    "the runtime hung while starting the container (no answer within {} s; {killed})",
                    o.start_timeout.as_secs()
                ))));
            }
        };
        self.clock.start += t.elapsed();
        if let Err(ContainerError::Api { message, .. }) = &start {
            pump.abort();
            return Ok(start_failure(self.classify(message), o));
        }
        start?;

        let t = Instant::now();
        let (code, timed_out) = self.wait(name).await?;
        self.clock.run += t.elapsed();
        let (stdout, stderr, err_head) =
            match tokio::time::timeout(Duration::from_secs(5), pump).await {
                Ok(Ok(v)) => v,
                _ => (Vec::new(), Vec::new(), Vec::new()),
            };
        let inspected = self.inspect(name).await;
        let code = match inspected.exit_code {
            Some(c) if !timed_out => c,
            _ => code,
        };
        let first_line = String::from_utf8_lossy(&err_head)
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string();
        let init_failure =
            (code != 0 && !timed_out && runtime_init_line(&first_line, &o.command[0]))
                .then_some(first_line);
        let code = i32::try_from(code).unwrap_or(EXIT_SETUP_FAILED);
        Ok(Attempt::Started(Started {
            code,
            timed_out,
            oom_killed: !timed_out && inspected.oom_killed,
            stdout,
            stderr,
            init_failure,
            warnings: create_warnings,
            namespaces: inspected.namespaces,
            exec_failure: None,
        }))
    }

    /// Waits for the container to stop, killing it when the run's timeout passes first:
    /// its exit status and whether it timed out.
    async fn wait(&self, name: &str) -> Result<(i64, bool), ContainerError> {
        let backend = self.backend;
        let wait = async {
            let mut s = self.docker.wait_container(
                name,
                Some(WaitContainerOptions {
                    condition: "not-running".into(),
                }),
            );
            let api = |message: String| ContainerError::Api {
                backend: backend.name(),
                operation: "wait for container",
                message,
            };
            match s.next().await {
                Some(Ok(r)) => Ok(r.status_code),
                Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                    Ok(code)
                }
                Some(Err(e)) => Err(api(api_message(&e))),
                None => Err(api(
                    "the daemon closed the wait stream without a status".into()
                )),
            }
        };
        let Some(limit) = self.opts.timeout else {
            return Ok((wait.await?, false));
        };
        match tokio::time::timeout(limit, wait).await {
            Ok(r) => Ok((r?, false)),
            Err(_) => {
                let kill = KillContainerOptions {
                    signal: "KILL".into(),
                };
                let _ = tokio::time::timeout(
                    Duration::from_secs(10),
                    self.docker.kill_container(name, Some(kill)),
                )
                .await;
                Ok((i64::from(EXIT_TIMED_OUT), true))
            }
        }
    }

    /// What the engine says of the stopped container (nothing when it does not answer).
    async fn inspect(&self, name: &str) -> Inspected {
        let mut out = Inspected::default();
        let Ok(Ok(i)) = tokio::time::timeout(
            Duration::from_secs(10),
            self.docker.inspect_container(name, None),
        )
        .await
        else {
            return out;
        };
        if let Some(state) = i.state {
            out.oom_killed = state.oom_killed.unwrap_or(false);
            out.exit_code = state.exit_code;
        }
        out.namespaces = i.host_config.map(|h| Namespaces {
            pid: h.pid_mode.unwrap_or_default(),
            ipc: h.ipc_mode.unwrap_or_default(),
            uts: h.uts_mode.unwrap_or_default(),
            cgroup: h.cgroupns_mode.map(|m| m.to_string()).unwrap_or_default(),
            user: h.userns_mode.unwrap_or_default(),
        });
        out
    }
}

/// The facts an inspect of a stopped container gives.
#[derive(Default)]
struct Inspected {
    oom_killed: bool,
    exit_code: Option<i64>,
    namespaces: Option<Namespaces>,
}

/// Copies the container's output as it comes: into buffers when captured, else to this
/// process's stdout and stderr. Returns what was captured and the first 4 KiB of stderr
/// (where a runtime's init failure shows).
async fn pump<S>(mut output: S, capture: bool) -> (Vec<u8>, Vec<u8>, Vec<u8>)
where
    S: futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Unpin,
{
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut err_head = Vec::new();
    let forward = |w: &mut dyn Write, m: &[u8]| {
        let _ = w.write_all(m);
        let _ = w.flush();
    };
    while let Some(Ok(item)) = output.next().await {
        match item {
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                if capture {
                    out.extend_from_slice(&message);
                } else {
                    forward(&mut std::io::stdout().lock(), &message);
                }
            }
            LogOutput::StdErr { message } => {
                if err_head.len() < 4096 {
                    err_head.extend_from_slice(&message[..message.len().min(4096)]);
                }
                if capture {
                    err.extend_from_slice(&message);
                } else {
                    forward(&mut std::io::stderr().lock(), &message);
                }
            }
            LogOutput::StdIn { .. } => {}
        }
    }
    (out, err, err_head)
}

/// What a start (or Podman attach) failure means: 126/127 for a command that cannot be
/// executed or found (as `docker run` reports them), otherwise a rejection.
pub(super) fn start_failure(d: Diagnosis, o: &ContainerRun) -> Attempt {
    // The runtime's message says "no such file or directory" or "permission denied":
    // ENOENT and EACCES, the same numbers on every Linux architecture.
    let (code, failure) = match d.kind {
        RejectKind::CommandNotFound => (EXIT_NOT_FOUND, (ExecFailure::NotFound, 2)),
        RejectKind::NotExecutable => (EXIT_CANNOT_EXECUTE, (ExecFailure::NotExecutable, 13)),
        _ => return Attempt::Rejected(d),
    };
    let line = format!("jailwright: {}: {}", d.cause, d.message);
    let mut stderr = Vec::new();
    if o.output == Output::Capture {
        stderr = format!("{line}\n").into_bytes();
    } else if !o.quiet {
        eprintln!("{line}");
    }
    Attempt::Started(Started {
        code,
        timed_out: false,
        oom_killed: false,
        stdout: Vec::new(),
        stderr,
        init_failure: None,
        warnings: vec![line],
        namespaces: None,
        exec_failure: Some(failure),
    })
}

/// Kills processes in the container's cgroup (a runtime init stuck before the daemon knows
/// its pid). Local daemons only; says what it did.
pub(super) fn kill_stuck_init(id: &str) -> String {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return "no /proc to find the stuck init".into();
    };
    let mut killed = Vec::new();
    for e in dir.flatten() {
        let pid = e.file_name().to_string_lossy().into_owned();
        if pid.parse::<u32>().is_err() {
            continue;
        }
        let cg = std::fs::read_to_string(e.path().join("cgroup")).unwrap_or_default();
        if !id.is_empty() && cg.contains(id) {
            let ok = std::process::Command::new("kill")
                .args(["-KILL", &pid])
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                killed.push(pid);
            }
        }
    }
    if killed.is_empty() {
        "found no stuck process to kill".into()
    } else {
        format!("killed the stuck runtime init, pid {}", killed.join(", "))
    }
}

/// Time spent in each phase of a run, over every attempt.
#[derive(Default)]
pub(super) struct Clock {
    pub(super) create: Duration,
    pub(super) start: Duration,
    pub(super) run: Duration,
    pub(super) remove: Duration,
    /// Containers created.
    pub(super) attempts: u32,
}

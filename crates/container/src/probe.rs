//! `jailwright doctor --probe-runtime`: which syscalls the installed runtime itself needs
//! while it starts a container, found with real throwaway containers.
//!
//! Method: start from Docker's default profile and remove candidate syscalls. The workload
//! is `/bin/true` from a static busybox, so a container whose *command* fails (busybox
//! denied its own syscalls) is told apart from a *runtime* refusal (the start call fails, or
//! the runtime's init writes its error and exits before `execve` succeeds — see
//! [`crate::classify`]). Only runtime refusals count.
//!
//! 1. Each syscall of the built-in runtime-needs table is removed on its own (one container
//!    each), which confirms or refutes the table and records the runtime's exact message.
//! 2. Everything else the default profile allows is removed at once, keeping the needs found
//!    in step 1. If the runtime still starts, step 1 found everything. Otherwise the set is
//!    bisected: a half whose removal starts fine holds no need; a half that fails is split
//!    again down to single syscalls. A failing set whose halves both start fine is reported
//!    as alternatives (the runtime needs one of them).
//!
//! Both settings of `no-new-privileges` are probed (runc loads the filter right before
//! `execve` with it, earlier without it), each in a few dozen containers.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use bollard::query_parameters::{ListContainersOptions, RemoveContainerOptions};
use jailwright_profile::ops::remove_name;
use jailwright_profile::{catalogue, tables, Action, Profile, Runtime, SyscallRule};
use serde::Serialize;

use crate::backend::{block_on, Backend, DaemonInfo};
use crate::error::ContainerError;
use crate::image::{ensure_image_async, ImageSpec};
use crate::run::{run_async, ContainerRun, Output};
use jailwright_profile::lint::{runtime_needs, NeedKind};

/// How to probe.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// The `no-new-privileges` settings to probe (default both: `[true, false]`).
    pub no_new_privileges: Vec<bool>,
    /// Stop bisecting after this long (what was found so far is reported, with a warning).
    pub budget: Duration,
    /// Per-container limit: a runtime that hangs once its filter is loaded counts as refusing.
    pub container_timeout: Duration,
}

impl Default for ProbeOptions {
    fn default() -> ProbeOptions {
        ProbeOptions {
            no_new_privileges: vec![true, false],
            budget: Duration::from_secs(100),
            container_timeout: Duration::from_secs(5),
        }
    }
}

/// What one `no-new-privileges` setting needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProbeMode {
    /// The setting.
    pub no_new_privileges: bool,
    /// Syscalls whose removal alone stops the runtime.
    pub needed: Vec<String>,
    /// Sets the runtime needs one of (removing all fails, removing any half does not).
    pub alternatives: Vec<Vec<String>>,
    /// The runtime's message for each needed syscall when it alone was removed.
    pub messages: Vec<(String, String)>,
}

/// What the probe found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProbeResult {
    /// Every syscall the runtime needed under any probed setting.
    pub needed: Vec<String>,
    /// Per `no-new-privileges` setting.
    pub modes: Vec<ProbeMode>,
    /// The runtime's name and version, as the daemon reports them.
    pub runtime: (String, String),
    /// Differences from the built-in table: (syscall, what differs).
    pub compared_with_table: Vec<(String, String)>,
    /// A profile patch allowing `needed` and the members of every alternative set (merge it
    /// into a profile, or pass its names to `jailwright patch --allow`).
    #[serde(skip)]
    pub patch_profile: Profile,
    /// Containers started.
    pub containers: u32,
    /// Wall-clock time.
    pub elapsed_ms: f64,
    /// Anything incomplete (budget exhausted).
    pub warnings: Vec<String>,
    /// Syscalls assumed needed and never removed ([`ASSUMED`]).
    pub assumed: Vec<String>,
    /// The value of the `org.jailwright.probe` label this probe's containers carried (each
    /// probe has its own, so concurrent probes never count each other's containers).
    pub label: String,
}

enum Trial {
    Started,
    Refused(String),
}

struct Prober<'a> {
    backend: &'a Backend,
    image: String,
    base: Profile,
    nnp: bool,
    opts: &'a ProbeOptions,
    label: String,
    containers: u32,
    deadline: Instant,
}

impl Prober<'_> {
    async fn trial(&mut self, remove: &[String]) -> Result<Trial, ContainerError> {
        let mut p = self.base.clone();
        for n in remove {
            remove_name(&mut p, n);
        }
        let mut o = ContainerRun::new(self.image.clone(), vec!["/bin/true".into()], p);
        o.output = Output::Capture;
        o.quiet = true;
        o.no_new_privileges = self.nnp;
        o.timeout = Some(self.opts.container_timeout);
        o.start_timeout = self.opts.container_timeout;
        o.labels = vec![("org.jailwright.probe".into(), self.label.clone())];
        self.containers += 1;
        let limit = self.opts.container_timeout + Duration::from_secs(15);
        match tokio::time::timeout(limit, run_async(&o, self.backend)).await {
            Err(_) => Ok(Trial::Refused(
                "the runtime hung after loading the filter".into(),
            )),
            Ok(Ok(out)) if out.report.exit == jailwright_report::Exit::TimedOut => Ok(
                Trial::Refused("the container hung after loading the filter".into()),
            ),
            Ok(Ok(_)) => Ok(Trial::Started),
            Ok(Err(ContainerError::Rejected { diagnosis })) => {
                Ok(Trial::Refused(diagnosis.message))
            }
            Ok(Err(e)) => Err(e),
        }
    }

    /// Bisects `set` (whose removal is known to fail), appending single needs and
    /// alternatives.
    async fn bisect(
        &mut self,
        set: Vec<String>,
        found: &mut Vec<(String, String)>,
        alternatives: &mut Vec<Vec<String>>,
        last_message: String,
    ) -> Result<(), ContainerError> {
        if set.len() == 1 {
            found.push((set[0].clone(), last_message));
            return Ok(());
        }
        if Instant::now() > self.deadline {
            alternatives.push(set);
            return Ok(());
        }
        let mid = set.len() / 2;
        let (a, b) = (set[..mid].to_vec(), set[mid..].to_vec());
        let before = found.len() + alternatives.len();
        for half in [a, b] {
            if let Trial::Refused(m) = self.trial(&half).await? {
                Box::pin(self.bisect(half, found, alternatives, m)).await?;
            }
        }
        if found.len() + alternatives.len() == before {
            // Neither half fails alone: confirm once (a flaky start is not a need), then narrow
            // it down to a smallest set the runtime needs one of.
            if let Trial::Refused(_) = self.trial(&set).await? {
                let narrowed = Box::pin(self.minimize(Vec::new(), set.clone())).await?;
                alternatives.push(narrowed.unwrap_or(set));
            }
        }
        Ok(())
    }

    /// A smallest part `m` of `set` such that removing `fixed` and `m` stops the runtime,
    /// given that removing `fixed` and all of `set` does and removing `fixed` alone does not
    /// (delta debugging for "needs one of"). `None` when the budget ran out.
    async fn minimize(
        &mut self,
        fixed: Vec<String>,
        set: Vec<String>,
    ) -> Result<Option<Vec<String>>, ContainerError> {
        if set.len() <= 1 {
            return Ok(Some(set));
        }
        if Instant::now() > self.deadline {
            return Ok(None);
        }
        let mid = set.len() / 2;
        let (a, b) = (set[..mid].to_vec(), set[mid..].to_vec());
        let with = |extra: &[String]| -> Vec<String> {
            fixed.iter().chain(extra.iter()).cloned().collect()
        };
        if let Trial::Refused(_) = self.trial(&with(&a)).await? {
            return Box::pin(self.minimize(fixed, a)).await;
        }
        if let Trial::Refused(_) = self.trial(&with(&b)).await? {
            return Box::pin(self.minimize(fixed, b)).await;
        }
        // One needed element on each side: find the one in `a` with all of `b` removed,
        // then the one in `b` with that part of `a` removed.
        let Some(ma) = Box::pin(self.minimize(with(&b), a)).await? else {
            return Ok(None);
        };
        let Some(mb) = Box::pin(self.minimize(with(&ma), b)).await? else {
            return Ok(None);
        };
        Ok(Some(ma.into_iter().chain(mb).collect()))
    }

    async fn mode(
        &mut self,
        candidates: &[String],
        table: &[&str],
    ) -> Result<ProbeMode, ContainerError> {
        let mut found: Vec<(String, String)> = Vec::new();
        let mut alternatives = Vec::new();
        for name in table {
            if let Trial::Refused(m) = self.trial(&[name.to_string()]).await? {
                found.push((name.to_string(), m));
            }
        }
        let rest: Vec<String> = candidates
            .iter()
            .filter(|c| !found.iter().any(|(f, _)| f == *c))
            .cloned()
            .collect();
        if let Trial::Refused(m) = self.trial(&rest).await? {
            self.bisect(rest, &mut found, &mut alternatives, m).await?;
        }
        found.sort();
        found.dedup_by(|a, b| a.0 == b.0);
        Ok(ProbeMode {
            no_new_privileges: self.nnp,
            needed: found.iter().map(|(n, _)| n.clone()).collect(),
            alternatives,
            messages: found,
        })
    }

    async fn cleanup(&self) {
        let Ok(docker) = self.backend.connect().await else {
            return;
        };
        let filters = std::collections::HashMap::from([(
            "label".to_string(),
            vec![format!("org.jailwright.probe={}", self.label)],
        )]);
        let list = docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filters),
                ..Default::default()
            }))
            .await
            .unwrap_or_default();
        for c in list {
            if let Some(id) = c.id {
                let _ = docker
                    .remove_container(
                        &id,
                        Some(RemoveContainerOptions {
                            force: true,
                            v: true,
                            link: false,
                        }),
                    )
                    .await;
            }
        }
    }
}

/// Syscalls never removed: the Go runtime inside runc's init (and any process) needs them to
/// keep running, and denying them makes the runtime hang rather than fail, which costs a
/// timeout per trial. Reported as assumed, not probed.
pub const ASSUMED: &[&str] = &[
    "futex",
    "nanosleep",
    "clock_gettime",
    "clock_nanosleep",
    "sched_yield",
    "sched_getaffinity",
    "mmap",
    "munmap",
    "mprotect",
    "madvise",
    "brk",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "clone",
    "exit",
    "exit_group",
    "getpid",
    "gettid",
    "tgkill",
    "epoll_create1",
    "epoll_ctl",
    "epoll_pwait",
    "epoll_wait",
    "eventfd2",
    "pipe2",
    "read",
    "write",
    "close",
    "openat",
    "fcntl",
    "fstat",
    "newfstatat",
    "getdents64",
    "lseek",
    "pread64",
    "getrlimit",
    "prlimit64",
    "uname",
    "arch_prctl",
    "set_tid_address",
    "set_robust_list",
    "rseq",
    "getrandom",
    "readlinkat",
    "mincore",
    "wait4",
    "waitid",
];

/// The names the base profile permits that exist on `arch` (the bisection's candidates).
fn candidates(base: &Profile, arch: jailwright_profile::Arch) -> Vec<String> {
    let table = tables::table(arch);
    let mut set = BTreeSet::new();
    for r in base.rules() {
        if r.action().permits() {
            for n in r.all_names() {
                if table.is_some_and(|t| t.lookup(n).is_some()) && !ASSUMED.contains(&n) {
                    set.insert(n.to_string());
                }
            }
        }
    }
    set.into_iter().collect()
}

/// What the runtime-needs table says `runtime` needs on this host's ABI, less the names the
/// probe assumes: the single needs, and the sets of which one is enough (a set with an
/// assumed member cannot be observed by removing names, and is left out).
struct TableNeeds {
    single: Vec<&'static str>,
    one_of: Vec<Vec<&'static str>>,
}

fn table_needs(runtime: Runtime, nnp: bool, arch: jailwright_profile::Arch) -> TableNeeds {
    let host = tables::table(arch);
    let on_host = |n: &&str| host.is_some_and(|t| t.lookup(n).is_some());
    let mut single = BTreeSet::new();
    let mut one_of = Vec::new();
    for need in runtime_needs(runtime, nnp)
        .into_iter()
        .filter(|n| n.condition.is_none())
    {
        let names: Vec<&'static str> = need.syscalls.iter().copied().filter(on_host).collect();
        match need.kind {
            NeedKind::All => single.extend(names.into_iter().filter(|n| !ASSUMED.contains(n))),
            NeedKind::AnyOf if names.iter().any(|n| ASSUMED.contains(n)) => {}
            NeedKind::AnyOf => {
                let mut set = names;
                set.sort_unstable();
                one_of.push(set);
            }
        }
    }
    TableNeeds {
        single: single.into_iter().collect(),
        one_of,
    }
}

/// Where one mode's measured needs and the table disagree, each with the reason.
fn compare(
    mode: &ProbeMode,
    table: &TableNeeds,
    setting: &str,
    runtime: Runtime,
    out: &mut Vec<(String, String)>,
) {
    for n in &mode.needed {
        if !table.single.contains(&n.as_str()) {
            out.push((
                n.clone(),
                format!("needed {setting} but not in jailwright's table for {runtime}"),
            ));
        }
    }
    for n in &table.single {
        if !mode.needed.iter().any(|m| m == n) {
            out.push((
                n.to_string(),
                format!("in jailwright's table for {runtime} but not needed {setting} here"),
            ));
        }
    }
    let measured: Vec<Vec<&str>> = mode
        .alternatives
        .iter()
        .map(|a| {
            let mut v: Vec<&str> = a.iter().map(String::as_str).collect();
            v.sort_unstable();
            v
        })
        .collect();
    for set in &measured {
        if !table.one_of.contains(set) {
            out.push((
                set.join(" | "),
                format!("one of them needed {setting}, but jailwright's table for {runtime} has no such set"),
            ));
        }
    }
    for set in &table.one_of {
        if !measured.contains(set) {
            out.push((
                set.join(" | "),
                format!("one of them in jailwright's table for {runtime}, but removing them all did not stop the start {setting} here"),
            ));
        }
    }
}

/// The profile to merge so the runtime starts: the single needs and every member of each
/// "one of" set (allowing one would do; which one the runtime takes depends on its version
/// and libc).
fn patch_profile(needed: &[String], modes: &[ProbeMode], info: &DaemonInfo) -> Profile {
    let names: BTreeSet<String> = needed
        .iter()
        .cloned()
        .chain(
            modes
                .iter()
                .flat_map(|m| m.alternatives.iter().flatten().cloned()),
        )
        .collect();
    let mut patch = Profile::new(Action::Errno(1));
    if !names.is_empty() {
        let mut rule = SyscallRule::new(names, Action::Allow);
        rule.comment = Some(format!(
            "needed by {} {} while it starts a container (jailwright doctor --probe-runtime)",
            info.default_runtime,
            info.runtime_version.as_deref().unwrap_or("")
        ));
        patch.rules_mut().push(rule);
    }
    patch
}

async fn probe_async(
    backend: &Backend,
    image: Option<&str>,
    opts: &ProbeOptions,
) -> Result<ProbeResult, ContainerError> {
    let t0 = Instant::now();
    let (_, info) = backend.info_async().await?;
    let arch = info
        .arch
        .ok_or_else(|| ContainerError::UnknownArch(info.arch_raw.clone()))?;
    let runtime = info.runtime();
    let image = match image {
        Some(i) => i.to_string(),
        None => ensure_image_async(backend, &ImageSpec::default()).await?,
    };
    let base = catalogue::get("docker-default")
        .map(|e| e.profile())
        .ok_or_else(|| {
            ContainerError::InvalidOptions("no docker-default profile in the catalogue".into())
        })?;
    let cands = candidates(&base, arch);
    let mut prober = Prober {
        backend,
        image,
        base,
        nnp: true,
        opts,
        label: format!("{}-{}", std::process::id(), t0.elapsed().as_nanos()),
        containers: 0,
        deadline: t0 + opts.budget,
    };
    if let Trial::Refused(m) = prober.trial(&[]).await? {
        prober.cleanup().await;
        return Err(ContainerError::InvalidOptions(format!(
            "the runtime refuses Docker's default profile itself ({m}); nothing to probe against"
        )));
    }
    let mut modes = Vec::new();
    let mut compared = Vec::new();
    let mut warnings = Vec::new();
    for &nnp in &opts.no_new_privileges {
        prober.nnp = nnp;
        let table = table_needs(runtime, nnp, arch);
        let table_here: Vec<&str> = table
            .single
            .iter()
            .chain(table.one_of.iter().flatten())
            .copied()
            .filter(|n| cands.iter().any(|c| c == n))
            .collect();
        let mode = match prober.mode(&cands, &table_here).await {
            Ok(m) => m,
            Err(e) => {
                prober.cleanup().await;
                return Err(e);
            }
        };
        let setting = if nnp {
            "with no-new-privileges"
        } else {
            "without no-new-privileges"
        };
        compare(&mode, &table, setting, runtime, &mut compared);
        for alt in &mode.alternatives {
            warnings.push(format!("{setting}: the runtime needs at least one of {} (removing them all stops it; the patch allows them all)", alt.join(", ")));
        }
        modes.push(mode);
    }
    prober.cleanup().await;
    let needed: Vec<String> = modes
        .iter()
        .flat_map(|m| m.needed.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let patch_profile = patch_profile(&needed, &modes, &info);
    Ok(ProbeResult {
        needed,
        modes,
        runtime: (
            info.default_runtime.clone(),
            info.runtime_version.clone().unwrap_or_default(),
        ),
        compared_with_table: compared,
        patch_profile,
        containers: prober.containers,
        elapsed_ms: (t0.elapsed().as_secs_f64() * 1e3).round(),
        warnings,
        assumed: ASSUMED.iter().map(|s| s.to_string()).collect(),
        label: prober.label.clone(),
    })
}

/// Finds which syscalls the daemon's default runtime needs while it starts a container
/// (blocking). `image` defaults to jailwright's busybox image, imported when missing.
pub fn probe_runtime(
    backend: &Backend,
    image: Option<&str>,
) -> Result<ProbeResult, ContainerError> {
    probe_runtime_with(backend, image, &ProbeOptions::default())
}

/// [`probe_runtime`] with options.
pub fn probe_runtime_with(
    backend: &Backend,
    image: Option<&str>,
    opts: &ProbeOptions,
) -> Result<ProbeResult, ContainerError> {
    block_on(probe_async(backend, image, opts))?
}

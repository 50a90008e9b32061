//! The native backend: one `clone` into new namespaces, no helper binaries.
//!
//! Process tree: the caller → init (pid 1 of the new pid namespace; builds the root, then
//! reaps and forwards signals) → the plugin (drops privileges, installs Landlock and seccomp,
//! execs the command). The caller writes the id maps and joins the cgroups between `clone`
//! and a one-byte "go" on the sync pipe; the sandbox reports back through 16-byte records on
//! the status pipe.
//!
//! Init's own exit tears the namespaces down (the mount tree waits for an RCU grace period,
//! the pid namespace for its last task), so the run returns on init's final report — the
//! plugin's status and resource usage, sent once every other process of the sandbox is
//! reaped — and the outcome reaps init when it is dropped (or its caller, about to exit, leaves
//! init to its adopter), unless a cgroup must be removed after it.

mod cgroup;
mod child;
mod layers;
mod plan;
mod record;
mod terminal;

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Instant;

use self::cgroup::Cgroups;
use self::layers::{layer_report, unavailable_reason};
use self::plan::{HostFacts, StdioPlan};
use self::record::{Kind, Record, Stage, State};
use crate::config::{Layer, Mount, Network, SandboxConfig, Stdio, NOBODY};
use crate::error::Error;
use crate::notify::{NotifyHandler, Supervisor};
use crate::report::{ExecFailure, Exit, LayerState, LayerStatus, Resources, RunReport, Timings};
use crate::sys::{self, Errno};
use crate::Outcome;

/// Most bytes kept from each captured stream.
const CAPTURE_LIMIT: usize = 64 << 20;

fn setup_err(stage: &str) -> impl FnOnce(Errno) -> Error + '_ {
    move |e| Error::setup(stage, e.0)
}

/// Kills and reaps init if the run is abandoned halfway.
struct Child {
    pid: libc::pid_t,
    reaped: bool,
}

impl Drop for Child {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = sys::kill(self.pid, libc::SIGKILL);
            let _ = sys::waitpid(self.pid, 0);
        }
    }
}

struct Streams {
    /// Parent ends of captured stdout/stderr.
    readers: [Option<OwnedFd>; 2],
    /// Descriptors the child uses; closed in the parent after clone.
    child_ends: Vec<OwnedFd>,
    plans: [StdioPlan; 3],
}

fn streams(stdio: [Stdio; 3]) -> Result<Streams, Error> {
    let mut s = Streams {
        readers: [None, None],
        child_ends: Vec::new(),
        plans: [StdioPlan::Inherit; 3],
    };
    for (i, st) in stdio.into_iter().enumerate() {
        let fd = match st {
            Stdio::Inherit => continue,
            Stdio::Piped if i > 0 => {
                let (r, w) = sys::pipe().map_err(setup_err("create an output pipe"))?;
                sys::set_nonblocking(r.as_raw_fd()).map_err(setup_err("set O_NONBLOCK"))?;
                s.readers[i - 1] = Some(r);
                w
            }
            Stdio::Null | Stdio::Piped => {
                sys::open(c"/dev/null", libc::O_RDWR, 0).map_err(setup_err("open /dev/null"))?
            }
            Stdio::Fd(fd) => fd,
        };
        s.plans[i] = StdioPlan::Fd(fd.as_raw_fd());
        s.child_ends.push(fd);
    }
    Ok(s)
}

/// Outside ids for the inside ones. A root caller never maps host root into the sandbox: the
/// inside id maps to the same host id, and inside 0 to the host's nobody. An unprivileged
/// caller can only map its own ids.
fn outside_ids(cfg: &SandboxConfig) -> (u32, u32, bool) {
    let (euid, egid) = (sys::geteuid(), sys::getegid());
    if euid == 0 {
        let map = |inside: u32| if inside == 0 { NOBODY } else { inside };
        (map(cfg.uid), map(cfg.gid), true)
    } else {
        (euid, egid, false)
    }
}

/// The writable binds whose directory the sandbox's user cannot write (by its mode bits), each
/// with how to fix it. The sandbox's files are the host's `out_uid`/`out_gid`; an unprivileged
/// caller's supplementary groups stay with it (a user namespace cannot drop them), a root
/// caller's are cleared.
fn unwritable_binds(cfg: &SandboxConfig, out_uid: u32, out_gid: u32, root: bool) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let mut groups = crate::extra_groups();
    groups.push(out_gid);
    cfg.mounts
        .iter()
        .filter_map(|m| match m {
            Mount::Bind { source, target } => Some((source, target)),
            _ => None,
        })
        .filter_map(|(source, target)| {
            let meta = std::fs::metadata(source).ok().filter(|m| m.is_dir())?;
            let mode = meta.mode();
            let writable = if meta.uid() == out_uid {
                mode & 0o200 != 0
            } else if groups.contains(&meta.gid()) {
                mode & 0o020 != 0
            } else {
                mode & 0o002 != 0
            };
            (!writable).then(|| {
                // A root caller's --user UID is host UID (but 0, which is never mapped); an
                // unprivileged caller's sandbox is always its own uid.
                let as_owner = if root && meta.uid() != 0 {
                    format!(", or run as its owner with --user {}", meta.uid())
                } else {
                    String::new()
                };
                format!(
                    "--bind {}:{}: the sandbox's user (host uid {out_uid}, gid {out_gid}) cannot \
                     write it (owner {}:{}, mode {:o}); give it to that user (chown {out_uid} {}) \
                     or make it writable for it (chmod){as_owner}",
                    source.display(),
                    target.display(),
                    meta.uid(),
                    meta.gid(),
                    mode & 0o7777,
                    source.display(),
                )
            })
        })
        .collect()
}

fn write_maps(
    pid: libc::pid_t,
    cfg: &SandboxConfig,
    out_uid: u32,
    out_gid: u32,
    root: bool,
) -> Result<(), Error> {
    let proc = format!("/proc/{pid}");
    let w = |file: &str, text: String| {
        std::fs::write(format!("{proc}/{file}"), text).map_err(|e| Error::Setup {
            stage: format!("write {proc}/{file}"),
            source: e,
        })
    };
    if !root {
        w("setgroups", "deny".into())?;
    }
    w("uid_map", format!("{} {out_uid} 1\n", cfg.uid))?;
    w("gid_map", format!("{} {out_gid} 1\n", cfg.gid))?;
    Ok(())
}

#[derive(Default)]
struct Collected {
    buf: Vec<u8>,
    layers: Vec<(Layer, State, i32)>,
    fail: Option<(u32, u32, i32)>,
    exec_fail: Option<i32>,
    exec_at: Option<Instant>,
    result: Option<i32>,
    /// When the result arrived.
    result_at: Option<Instant>,
    /// Peak RSS (KiB), user and system CPU (µs) of the plugin's tree, as init measured it.
    peak_rss_kib: Option<u64>,
    user_cpu_us: Option<u64>,
    system_cpu_us: Option<u64>,
}

impl Collected {
    fn take(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        let whole = self.buf.len() / record::SIZE * record::SIZE;
        let bytes: Vec<u8> = self.buf.drain(..whole).collect();
        for chunk in bytes.chunks_exact(record::SIZE) {
            let mut b = [0u8; record::SIZE];
            b.copy_from_slice(chunk);
            let r = Record::from_bytes(&b);
            if r.is(Kind::Layer) {
                if let Some(l) = Layer::from_index(r.a) {
                    self.layers.push((l, State::from_u32(r.b), r.c));
                }
            } else if r.is(Kind::Fail) {
                self.fail.get_or_insert((r.a, r.b, r.c));
            } else if r.is(Kind::ExecFail) {
                self.exec_fail = Some(r.c);
            } else if r.is(Kind::Exec) {
                self.exec_at = Some(Instant::now());
            } else if r.is(Kind::Result) {
                self.result = Some(r.a as i32);
                self.result_at = Some(Instant::now());
            } else if r.is(Kind::PeakRss) {
                self.peak_rss_kib = Some(u64::from(r.a));
            } else if r.is(Kind::UserCpu) {
                self.user_cpu_us = Some(u64::from(r.a) * 1_000_000 + u64::from(r.b));
            } else if r.is(Kind::SystemCpu) {
                self.system_cpu_us = Some(u64::from(r.a) * 1_000_000 + u64::from(r.b));
            }
        }
    }
}

/// Reads what is available; returns false at end of file.
fn read_some(fd: RawFd, sink: &mut dyn FnMut(&[u8])) -> bool {
    let mut buf = [0u8; 16384];
    loop {
        match sys::read(fd, &mut buf) {
            Ok(0) => return false,
            Ok(n) => sink(&buf[..n]),
            Err(Errno(libc::EAGAIN)) => return true,
            Err(_) => return false,
        }
    }
}

/// A sandbox init that has reported its plugin's end and is exiting: its exit tears the
/// namespaces down (the mount tree's RCU grace period, the pid namespace), which takes a
/// millisecond or more. Dropping it reaps it on a small thread of its own (in place if no
/// thread can be started).
#[derive(Debug)]
pub(crate) struct Exiting(libc::pid_t);

impl Exiting {
    /// Forgets init without reaping it (the process is about to end; its adopter reaps).
    pub(crate) fn leave(mut self) {
        self.0 = 0;
    }
}

impl Drop for Exiting {
    fn drop(&mut self) {
        let pid = self.0;
        if pid <= 0 {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("jailwright-reap".into())
            .stack_size(64 << 10)
            .spawn(move || {
                let _ = sys::waitpid(pid, 0);
            });
        if spawned.is_err() {
            let _ = sys::waitpid(pid, 0);
        }
    }
}

fn errno_text(e: i32) -> String {
    std::io::Error::from_raw_os_error(e).to_string()
}

/// Runs `cfg` natively.
pub(crate) fn run(
    cfg: &SandboxConfig,
    stdio: [Stdio; 3],
    notify: Option<NotifyHandler>,
) -> Result<Outcome, Error> {
    let start = Instant::now();
    let cgroups = Cgroups::setup(&cfg.limits);
    let (cg_state, cg_detail) = cgroup_layer(cfg, &cgroups)?;
    let host = HostFacts::probe(cgroups.memory, cgroups.pids);
    let mut plan = plan::build(cfg, &host)?;

    let (sync_rd, sync_wr) = sys::pipe().map_err(setup_err("create the sync pipe"))?;
    let (status_rd, status_wr) = sys::pipe().map_err(setup_err("create the status pipe"))?;
    sys::set_nonblocking(status_rd.as_raw_fd()).map_err(setup_err("set O_NONBLOCK"))?;
    let use_notify = notify.is_some() && !plan.filter.is_empty();
    let notify_pair = if use_notify {
        Some(sys::seqpacket_pair().map_err(setup_err("create the notify socket"))?)
    } else {
        None
    };
    let mut io = streams(stdio)?;
    let terminals = terminal::Terminals::save(std::array::from_fn(|i| match io.plans[i] {
        StdioPlan::Inherit => i as RawFd,
        StdioPlan::Fd(fd) => fd,
    }));

    plan.seccomp_flags = libc::SECCOMP_FILTER_FLAG_TSYNC
        | if use_notify {
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER | libc::SECCOMP_FILTER_FLAG_TSYNC_ESRCH
        } else {
            0
        };
    let (out_uid, out_gid, root) = outside_ids(cfg);
    plan.clear_groups = root;
    plan.stdio = io.plans;
    plan.fds.sync_rd = sync_rd.as_raw_fd();
    plan.fds.sync_wr = sync_wr.as_raw_fd();
    plan.fds.status_rd = status_rd.as_raw_fd();
    plan.fds.status_wr = status_wr.as_raw_fd();
    plan.fds.notify_parent = notify_pair.as_ref().map(|(p, _)| p.as_raw_fd());
    plan.fds.notify_child = notify_pair.as_ref().map(|(_, c)| c.as_raw_fd());
    plan.fds.parent_only = io.readers.iter().flatten().map(|r| r.as_raw_fd()).collect();

    let pid =
        sys::clone_process(namespaces(cfg)).map_err(setup_err("clone into new namespaces"))?;
    if pid == 0 {
        child::init_main(&plan);
    }
    let mut child = Child { pid, reaped: false };

    // Parent: drop the child's ends so end-of-file means the sandbox is gone.
    drop(sync_rd);
    drop(status_wr);
    io.child_ends.clear();
    let notify_parent = notify_pair.map(|(p, _c)| p);

    let pidfd = release(pid, cfg, &cgroups, (out_uid, out_gid, root), &sync_wr)?;

    let mut supervisor = match (notify_parent, notify) {
        (Some(sock), Some(handler)) => Some(Supervisor::new(sock, handler)),
        _ => None,
    };

    let deadline = cfg.limits.timeout.map(|t| start + t);
    let mut w = watch(
        &pidfd,
        status_rd.as_raw_fd(),
        &io.readers,
        &mut supervisor,
        deadline,
    )?;
    let exited = w.exited;
    let timed_out = w.timed_out;
    let (init_status, usage, exiting) = reap_or_hand_over(pid, exited || !cgroups.is_empty())?;
    child.reaped = true;
    // Every process of the sandbox is gone: nothing can change the terminals any more.
    let restored = terminals.restore();
    let end = w.col.result_at.unwrap_or_else(Instant::now);
    drop(sync_wr);
    w.drain(status_rd.as_raw_fd(), &io.readers);
    let Watched { col, mut out, .. } = w;

    if let Some(e) = setup_failure(&col, &plan) {
        return Err(e);
    }

    let exit = exit_of(&col, timed_out, init_status)?;

    let layers = layer_report(
        cfg,
        &plan,
        &col,
        (cg_state, cg_detail),
        (&terminals, &restored),
        (out_uid, out_gid, root),
    );
    let (list, denials) = supervisor.map(Supervisor::into_events).unwrap_or_default();
    let resources = resources(&col, usage.as_ref(), &cgroups);
    let setup = col.exec_at.unwrap_or(end).saturating_duration_since(start);
    let mut report = RunReport::new(
        "native",
        exit,
        layers,
        Timings::from_durations(setup, end.saturating_duration_since(start)),
        resources,
    );
    report.denials = denials;
    report.warnings = unwritable_binds(cfg, out_uid, out_gid, root);
    drop(cgroups);
    Ok(Outcome {
        report,
        notifications: list,
        stdout: std::mem::take(&mut out[0]),
        stderr: std::mem::take(&mut out[1]),
        exiting,
    })
}

/// The parent's part of the start: the child's id maps, its cgroup, a pidfd to watch it by,
/// and the byte on the sync pipe that lets it go on.
fn release(
    pid: libc::pid_t,
    cfg: &SandboxConfig,
    cgroups: &Cgroups,
    (out_uid, out_gid, root): (u32, u32, bool),
    sync_wr: &OwnedFd,
) -> Result<OwnedFd, Error> {
    write_maps(pid, cfg, out_uid, out_gid, root)?;
    cgroups.join(pid).map_err(|e| Error::Setup {
        stage: "join the cgroup".into(),
        source: std::io::Error::other(e),
    })?;
    let pidfd = sys::pidfd_open(pid).map_err(setup_err("pidfd_open"))?;
    sys::write(sync_wr.as_raw_fd(), &[1]).map_err(setup_err("start the sandbox"))?;
    Ok(pidfd)
}

/// After init's report: waits for init when it must (it already exited, or a cgroup is to be
/// removed after it) and returns its status and usage; otherwise hands it over to the outcome.
/// Init exits right after its report, but its exit tears the namespaces down (the mount tree's
/// RCU grace period, the pid namespace), which takes a millisecond or more while nothing of
/// the sandbox runs any more; bubblewrap's monitor returns on its pid 1's report the same way.
fn reap_or_hand_over(
    pid: libc::pid_t,
    wait: bool,
) -> Result<(i32, Option<libc::rusage>, Option<Exiting>), Error> {
    if wait {
        let (status, usage) = sys::wait4(pid).map_err(setup_err("wait for the sandbox"))?;
        Ok((status, Some(usage), None))
    } else {
        Ok((0, None, Some(Exiting(pid))))
    }
}

/// The cgroup layer's state and detail; an error when it is required and not in force.
fn cgroup_layer(cfg: &SandboxConfig, cgroups: &Cgroups) -> Result<(LayerState, String), Error> {
    let (state, detail) = cgroups.state.clone().unwrap_or((
        LayerState::Unavailable("not attempted".into()),
        String::new(),
    ));
    if cfg.required.contains(&Layer::Cgroup) && !state.is_active() {
        let reason = match &state {
            LayerState::Unavailable(r) | LayerState::Disabled(r) | LayerState::Partial(r) => {
                r.clone()
            }
            LayerState::Enforced => String::new(),
        };
        return Err(Error::RequiredLayer {
            layer: Layer::Cgroup,
            reason,
        });
    }
    Ok((state, detail))
}

/// The namespaces the sandbox's init is cloned into.
fn namespaces(cfg: &SandboxConfig) -> u64 {
    let mut ns = libc::CLONE_NEWUSER
        | libc::CLONE_NEWNS
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWIPC
        | libc::CLONE_NEWUTS;
    if cfg.network == Network::None {
        ns |= libc::CLONE_NEWNET;
    }
    ns as u64
}

/// How the command ended, from init's records, the timeout and init's own status.
fn exit_of(col: &Collected, timed_out: bool, init_status: i32) -> Result<Exit, Error> {
    Ok(if let Some(errno) = col.exec_fail {
        let failure = if errno == libc::ENOENT || errno == libc::ENOTDIR {
            ExecFailure::NotFound
        } else {
            ExecFailure::NotExecutable
        };
        Exit::ExecFailed { failure, errno }
    } else if let Some(st) = col.result {
        decode(st)
    } else if timed_out {
        Exit::TimedOut
    } else if col.exec_at.is_none() {
        return Err(Error::InitDied {
            status: init_status,
        });
    } else {
        // Init itself was killed from outside (or died): report how.
        decode(init_status)
    })
}

/// What the parent saw while the sandbox ran.
struct Watched {
    col: Collected,
    out: [Vec<u8>; 2],
    status_open: bool,
    readers_open: [bool; 2],
    timed_out: bool,
    exited: bool,
}

impl Watched {
    /// Reads what is left on the status pipe and the captured streams.
    fn drain(&mut self, status_rd: RawFd, readers: &[Option<OwnedFd>; 2]) {
        if self.status_open {
            read_some(status_rd, &mut |d| self.col.take(d));
        }
        for (i, r) in readers.iter().enumerate() {
            if let (Some(r), true) = (r, self.readers_open[i]) {
                let sink = &mut self.out[i];
                read_some(r.as_raw_fd(), &mut |d| {
                    let room = CAPTURE_LIMIT.saturating_sub(sink.len());
                    sink.extend_from_slice(&d[..d.len().min(room)]);
                });
            }
        }
    }
}

/// Waits for the end of the run, reading init's records and the captured output, answering
/// notifications, and killing the sandbox at the deadline. The run is over when init reports
/// the plugin's status (every other process of the sandbox reaped by then) or when init
/// itself is gone.
fn watch(
    pidfd: &OwnedFd,
    status_rd: RawFd,
    readers: &[Option<OwnedFd>; 2],
    supervisor: &mut Option<Supervisor>,
    deadline: Option<Instant>,
) -> Result<Watched, Error> {
    let mut col = Collected::default();
    let mut out: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut status_open = true;
    let mut readers_open = [readers[0].is_some(), readers[1].is_some()];
    let mut timed_out = false;
    let mut exited = false;
    // The run is over when init reports the plugin's status (every other process of the
    // sandbox reaped by then) or when init itself is gone.
    while !exited && col.result.is_none() {
        let mut pfds = vec![libc::pollfd {
            fd: pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        if status_open {
            pfds.push(libc::pollfd {
                fd: status_rd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        for (i, r) in readers.iter().enumerate() {
            if let (Some(r), true) = (r, readers_open[i]) {
                pfds.push(libc::pollfd {
                    fd: r.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
        }
        let notify_fd = supervisor.as_ref().and_then(Supervisor::fd);
        if let Some(fd) = notify_fd {
            pfds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let timeout_ms = match deadline {
            Some(d) if !timed_out => {
                let left = d.saturating_duration_since(Instant::now());
                i32::try_from(left.as_millis().saturating_add(1)).unwrap_or(i32::MAX)
            }
            _ => -1,
        };
        match sys::poll(&mut pfds, timeout_ms) {
            Ok(_) | Err(Errno(libc::EINTR)) => {}
            Err(e) => return Err(Error::setup("poll", e.0)),
        }
        for p in &pfds {
            if p.revents == 0 {
                continue;
            }
            if p.fd == pidfd.as_raw_fd() {
                exited = true;
            } else if Some(p.fd) == notify_fd {
                if let Some(s) = supervisor.as_mut() {
                    s.ready(p.revents);
                }
            } else if p.fd == status_rd {
                status_open = read_some(p.fd, &mut |d| col.take(d));
            } else {
                for (i, r) in readers.iter().enumerate() {
                    if r.as_ref().map(|r| r.as_raw_fd()) == Some(p.fd) {
                        let sink = &mut out[i];
                        readers_open[i] = read_some(p.fd, &mut |d| {
                            let room = CAPTURE_LIMIT.saturating_sub(sink.len());
                            sink.extend_from_slice(&d[..d.len().min(room)]);
                        });
                    }
                }
            }
        }
        if let Some(d) = deadline {
            if !timed_out && !exited && Instant::now() >= d {
                // Killing init makes the kernel kill every process of the pid namespace.
                let _ = sys::pidfd_send_signal(pidfd, libc::SIGKILL);
                timed_out = true;
            }
        }
    }
    Ok(Watched {
        col,
        out,
        status_open,
        readers_open,
        timed_out,
        exited,
    })
}

/// The error for a setup the child reported failed, if it did.
fn setup_failure(col: &Collected, plan: &plan::Plan) -> Option<Error> {
    let (stage, index, errno) = col.fail?;
    let stage = Stage::from_u32(stage);
    if stage == Some(Stage::Required) {
        let layer = Layer::from_index(index).unwrap_or(Layer::Seccomp);
        return Some(Error::RequiredLayer {
            layer,
            reason: unavailable_reason(layer, errno),
        });
    }
    let what = match stage {
        Some(Stage::FsOp) => plan
            .op_names
            .get(index as usize)
            .cloned()
            .unwrap_or_else(|| "filesystem".into()),
        Some(Stage::Rlimit) => format!(
            "setrlimit {}",
            plan.rlimit_names
                .get(index as usize)
                .map_or("?", String::as_str)
        ),
        Some(s) => s.describe().to_owned(),
        None => format!("stage {stage:?}"),
    };
    if stage == Some(Stage::FsOp) && errno == libc::ELOOP {
        return Some(Error::Setup {
            stage: what,
            source: std::io::Error::other(
                "a symbolic link is in the way; links in paths a plugin could have written are \
                 never followed (ELOOP)",
            ),
        });
    }
    Some(Error::setup(what, errno))
}

/// The plugin tree's resource use: what init reported, else init's own rusage; peak memory
/// from the cgroup when there is one.
fn resources(col: &Collected, usage: Option<&libc::rusage>, cgroups: &Cgroups) -> Resources {
    let tv = |t: libc::timeval| (t.tv_sec as u64) * 1_000_000 + t.tv_usec as u64;
    let rss = col
        .peak_rss_kib
        .or_else(|| usage.map(|u| u.ru_maxrss as u64));
    let (peak, source) = match cgroups.peak_memory() {
        Some(p) => (Some(p), Some("cgroup".to_owned())),
        None => (rss.map(|k| k * 1024), rss.map(|_| "rusage".to_owned())),
    };
    Resources {
        peak_memory_bytes: peak,
        peak_memory_source: source,
        oom_killed: cgroups.oom_killed(),
        pids_limit_hits: cgroups.pids_limit_hits(),
        user_cpu_us: col.user_cpu_us.or_else(|| usage.map(|u| tv(u.ru_utime))),
        system_cpu_us: col.system_cpu_us.or_else(|| usage.map(|u| tv(u.ru_stime))),
    }
}

fn decode(status: i32) -> Exit {
    if libc::WIFSIGNALED(status) {
        Exit::Signal {
            signal: libc::WTERMSIG(status),
        }
    } else {
        Exit::Code {
            code: libc::WEXITSTATUS(status),
        }
    }
}

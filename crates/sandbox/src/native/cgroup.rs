//! Cgroup limits: cgroup v2 when the controllers are usable there, otherwise the v1 memory and
//! pids hierarchies (hybrid layouts), otherwise nothing (rlimits stand in, and the report says
//! which).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::Limits;
use crate::report::LayerState;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// One created cgroup directory and the controller it serves.
#[derive(Debug)]
struct Dir {
    path: PathBuf,
    v2: bool,
    memory: bool,
    pids: bool,
}

/// The cgroups created for one run; removed on drop.
#[derive(Debug, Default)]
pub(crate) struct Cgroups {
    dirs: Vec<Dir>,
    /// Layer state and detail for the report.
    pub(crate) state: Option<(LayerState, String)>,
    pub(crate) memory: bool,
    /// Whether a pids cgroup enforces the pids limit.
    pub(crate) pids: bool,
}

struct Mounts {
    v2: Option<PathBuf>,
    v1_memory: Option<PathBuf>,
    v1_pids: Option<PathBuf>,
}

fn find_mounts() -> Mounts {
    let mut m = Mounts {
        v2: None,
        v1_memory: None,
        v1_pids: None,
    };
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return m;
    };
    for line in info.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let fields: Vec<&str> = left.split(' ').collect();
        let rfields: Vec<&str> = right.split(' ').collect();
        let (Some(mnt), Some(fstype), Some(opts)) =
            (fields.get(4), rfields.first(), rfields.get(2))
        else {
            continue;
        };
        let mnt = PathBuf::from(mnt);
        match *fstype {
            "cgroup2" if m.v2.is_none() => m.v2 = Some(mnt),
            "cgroup" => {
                let opts: Vec<&str> = opts.split(',').collect();
                if opts.contains(&"memory") && m.v1_memory.is_none() {
                    m.v1_memory = Some(mnt.clone());
                }
                if opts.contains(&"pids") && m.v1_pids.is_none() {
                    m.v1_pids = Some(mnt);
                }
            }
            _ => {}
        }
    }
    m
}

/// Our own cgroup path in the v2 hierarchy and in the v1 hierarchy of `controller`.
fn own_path(controller: Option<&str>) -> Option<String> {
    let text = fs::read_to_string("/proc/self/cgroup").ok()?;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (id, ctrls, path) = (parts.next()?, parts.next()?, parts.next()?);
        match controller {
            None if id == "0" && ctrls.is_empty() => return Some(path.to_owned()),
            Some(c) if ctrls.split(',').any(|x| x == c) => return Some(path.to_owned()),
            _ => {}
        }
    }
    None
}

fn child_name() -> String {
    format!(
        "jailwright-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn write(path: &Path, value: &str) -> Result<(), String> {
    fs::write(path, value).map_err(|e| format!("write {}: {e}", path.display()))
}

impl Cgroups {
    /// Creates cgroups for the memory and pids limits, as far as this machine allows.
    pub(crate) fn setup(limits: &Limits) -> Cgroups {
        let mut cg = Cgroups::default();
        if limits.memory.is_none() && limits.pids.is_none() {
            cg.state = Some((
                LayerState::Disabled("no memory or pids limit requested".into()),
                String::new(),
            ));
            return cg;
        }
        let mounts = find_mounts();
        let mut want_memory = limits.memory;
        let mut want_pids = limits.pids;
        let mut done = Vec::new();
        let mut why = Vec::new();

        // cgroup v2 first.
        if let (Some(root), Some(own)) = (&mounts.v2, own_path(None)) {
            let parent = root.join(own.trim_start_matches('/'));
            match cg.try_v2(&parent, &mut want_memory, &mut want_pids, &mut done) {
                Ok(()) => {}
                Err(e) => why.push(format!("cgroup v2 at {}: {e}", parent.display())),
            }
        } else {
            why.push("no cgroup v2 hierarchy mounted".to_owned());
        }
        // v1 for whatever v2 could not do.
        if let Some(mem) = want_memory {
            match (&mounts.v1_memory, own_path(Some("memory"))) {
                (Some(root), Some(own)) => {
                    let parent = root.join(own.trim_start_matches('/'));
                    match cg.try_v1(&parent, true, mem) {
                        Ok(d) => {
                            done.push(d);
                            want_memory = None;
                        }
                        Err(e) => why.push(format!("cgroup v1 memory: {e}")),
                    }
                }
                _ => why.push("no cgroup v1 memory hierarchy".to_owned()),
            }
        }
        if let Some(pids) = want_pids {
            match (&mounts.v1_pids, own_path(Some("pids"))) {
                (Some(root), Some(own)) => {
                    let parent = root.join(own.trim_start_matches('/'));
                    match cg.try_v1(&parent, false, pids) {
                        Ok(d) => {
                            done.push(d);
                            want_pids = None;
                        }
                        Err(e) => why.push(format!("cgroup v1 pids: {e}")),
                    }
                }
                _ => why.push("no cgroup v1 pids hierarchy".to_owned()),
            }
        }
        let mut stand_in = Vec::new();
        if want_memory.is_some() {
            stand_in.push("RLIMIT_AS and RLIMIT_DATA stand in for the memory limit");
        }
        if want_pids.is_some() {
            stand_in.push("RLIMIT_NPROC alone stands in for the pids limit");
        }
        let detail = done.join("; ");
        cg.memory = limits.memory.is_some() && want_memory.is_none();
        cg.pids = limits.pids.is_some() && want_pids.is_none();
        let reason = || format!("{} ({})", stand_in.join("; "), why.join("; "));
        cg.state = Some(if stand_in.is_empty() {
            (LayerState::Enforced, detail)
        } else if done.is_empty() {
            (LayerState::Unavailable(reason()), detail)
        } else {
            (LayerState::Partial(reason()), detail)
        });
        cg
    }

    fn try_v2(
        &mut self,
        parent: &Path,
        memory: &mut Option<u64>,
        pids: &mut Option<u64>,
        done: &mut Vec<String>,
    ) -> Result<(), String> {
        let available =
            fs::read_to_string(parent.join("cgroup.subtree_control")).unwrap_or_default();
        let mut enabled: Vec<&str> = available.split_whitespace().collect();
        let wanted: Vec<&str> = [memory.map(|_| "memory"), pids.map(|_| "pids")]
            .into_iter()
            .flatten()
            .filter(|c| !enabled.contains(c))
            .collect();
        if !wanted.is_empty() {
            let controllers =
                fs::read_to_string(parent.join("cgroup.controllers")).unwrap_or_default();
            let offered: Vec<&str> = controllers.split_whitespace().collect();
            let can: Vec<&str> = wanted
                .iter()
                .copied()
                .filter(|c| offered.contains(c))
                .collect();
            if !can.is_empty() {
                let line: Vec<String> = can.iter().map(|c| format!("+{c}")).collect();
                // Fails (EBUSY) in a non-root cgroup that holds processes; then we go without.
                if fs::write(parent.join("cgroup.subtree_control"), line.join(" ")).is_ok() {
                    enabled.extend(can);
                }
            }
        }
        let use_memory = memory.is_some() && enabled.contains(&"memory");
        let use_pids = pids.is_some() && enabled.contains(&"pids");
        if !use_memory && !use_pids {
            return Err("memory and pids controllers are not enabled there".into());
        }
        let path = parent.join(child_name());
        fs::create_dir(&path).map_err(|e| format!("mkdir {}: {e}", path.display()))?;
        self.dirs.push(Dir {
            path: path.clone(),
            v2: true,
            memory: use_memory,
            pids: use_pids,
        });
        if use_memory {
            if let Some(m) = memory.take() {
                write(&path.join("memory.max"), &m.to_string())?;
                let _ = fs::write(path.join("memory.swap.max"), "0");
                done.push(format!("v2 memory.max={m} at {}", path.display()));
            }
        }
        if use_pids {
            if let Some(p) = pids.take() {
                write(&path.join("pids.max"), &p.to_string())?;
                done.push(format!("v2 pids.max={p} at {}", path.display()));
            }
        }
        Ok(())
    }

    fn try_v1(&mut self, parent: &Path, memory: bool, value: u64) -> Result<String, String> {
        let path = parent.join(child_name());
        fs::create_dir(&path).map_err(|e| format!("mkdir {}: {e}", path.display()))?;
        self.dirs.push(Dir {
            path: path.clone(),
            v2: false,
            memory,
            pids: !memory,
        });
        if memory {
            write(&path.join("memory.limit_in_bytes"), &value.to_string())?;
            // Swap counts too when the kernel accounts it.
            let memsw = path.join("memory.memsw.limit_in_bytes");
            if memsw.exists() {
                let _ = fs::write(memsw, value.to_string());
            }
            Ok(format!(
                "v1 memory.limit_in_bytes={value} at {}",
                path.display()
            ))
        } else {
            write(&path.join("pids.max"), &value.to_string())?;
            Ok(format!("v1 pids.max={value} at {}", path.display()))
        }
    }

    /// Moves `pid` (the sandbox's init, before it runs anything) into every cgroup.
    /// Whether no cgroup was created (nothing to remove after the run).
    pub(crate) fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    pub(crate) fn join(&self, pid: i32) -> Result<(), String> {
        for d in &self.dirs {
            write(&d.path.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    /// Peak memory of the whole tree, when a memory cgroup recorded it.
    pub(crate) fn peak_memory(&self) -> Option<u64> {
        let d = self.dirs.iter().find(|d| d.memory)?;
        let file = if d.v2 {
            "memory.peak"
        } else {
            "memory.max_usage_in_bytes"
        };
        fs::read_to_string(d.path.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// How many forks the pids limit refused (`pids.events`, both hierarchies), when a pids
    /// cgroup enforces it.
    pub(crate) fn pids_limit_hits(&self) -> Option<u64> {
        let d = self.dirs.iter().find(|d| d.pids)?;
        let text = fs::read_to_string(d.path.join("pids.events")).ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("max "))
            .and_then(|n| n.trim().parse().ok())
    }

    /// Whether the OOM killer ran in the memory cgroup.
    pub(crate) fn oom_killed(&self) -> bool {
        let Some(d) = self.dirs.iter().find(|d| d.memory) else {
            return false;
        };
        let file = if d.v2 {
            "memory.events"
        } else {
            "memory.oom_control"
        };
        let text = fs::read_to_string(d.path.join(file)).unwrap_or_default();
        text.lines().any(|l| {
            l.strip_prefix("oom_kill ")
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(0)
                > 0
        })
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for d in self.dirs.iter().rev() {
            // The last process may take a moment to leave after it was reaped.
            for _ in 0..50 {
                match fs::remove_dir(&d.path) {
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    _ => break,
                }
            }
        }
    }
}

//! `jailwright doctor`: one screen about what this host and its container engine can enforce.

use std::path::Path;

use jailwright_profile::host::{EngineFacts, Host};
use jailwright_profile::lint::missing_runtime_needs;
use jailwright_profile::{catalogue, resolve, Arch, Profile, Runtime, Target};
use serde::Serialize;

use crate::backend::{block_on, Backend};
use crate::classify::Diagnosis;
use crate::error::ContainerError;
use crate::image::{ensure_image_async, ImageSpec};
use crate::run::{run_async, ContainerRun, Output};

/// A check's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CheckStatus {
    /// Works.
    Ok,
    /// Works with a gap, or could not be checked exactly.
    Warn,
    /// Does not work.
    Fail,
}

/// One line of the doctor's screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked (`kernel`, `seccomp user-notify`, `docker runtime`).
    pub name: String,
    /// The verdict.
    pub status: CheckStatus,
    /// What was found.
    pub detail: String,
    /// What to do (empty when nothing).
    pub advice: String,
}

fn check(
    name: &str,
    status: CheckStatus,
    detail: impl Into<String>,
    advice: impl Into<String>,
) -> Check {
    Check {
        name: name.into(),
        status,
        detail: detail.into(),
        advice: advice.into(),
    }
}

/// What the doctor looks at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DoctorOptions {
    /// The container engine to check as well (None: the host only, for the native sandbox).
    pub backend: Option<Backend>,
    /// The host's facts, as the caller read them (with the Landlock ABI, which needs a system
    /// call this crate does not make); `None`: read here, without the Landlock ABI (the doctor
    /// then reads the active LSMs from securityfs instead).
    pub host: Option<Host>,
}

fn host_checks(host: &Host) -> Vec<Check> {
    let mut v = vec![kernel_check(host)];
    v.extend(seccomp_checks(host));
    v.push(user_namespace_check(host));
    v.push(landlock_check(host));
    v.push(cgroup_check(host));
    // Profiles for this host's architecture.
    v.push(arch_coverage(host.arch, "host"));
    v
}

fn kernel_check(host: &Host) -> Check {
    let (release, arch) = (&host.kernel_release, host.arch);
    match host.kernel {
        Some(k) => check(
            "kernel",
            CheckStatus::Ok,
            format!("Linux {release} ({k}), {arch}"),
            "",
        ),
        None => check(
            "kernel",
            CheckStatus::Warn,
            format!("cannot read the kernel release ({release:?}), {arch}"),
            "mount /proc",
        ),
    }
}

/// The filter mode, user notification and the action cache. The Seccomp field exists with
/// CONFIG_SECCOMP; actions_avail lists what the filter mode supports (CONFIG_SECCOMP_FILTER).
fn seccomp_checks(host: &Host) -> [Check; 3] {
    let filter = match (&host.seccomp.mode, &host.seccomp.actions) {
        (Some(m), Some(a)) if a.iter().any(|x| x == "errno") => check(
            "seccomp filter",
            CheckStatus::Ok,
            format!(
                "filter mode available (actions: {}); this process's mode {m}",
                a.join(" ")
            ),
            "",
        ),
        (Some(m), _) => check(
            "seccomp filter",
            CheckStatus::Warn,
            format!("Seccomp field present (mode {m}) but /proc/sys/kernel/seccomp/actions_avail is unreadable"),
            "check that the kernel has CONFIG_SECCOMP_FILTER=y",
        ),
        (None, _) => check(
            "seccomp filter",
            CheckStatus::Fail,
            "no Seccomp field in /proc/self/status: the kernel has no seccomp",
            "use a kernel built with CONFIG_SECCOMP=y and CONFIG_SECCOMP_FILTER=y; jailwright cannot filter syscalls here",
        ),
    };
    let notify = match host.seccomp_action("user_notif") {
        Some(true) => check(
            "seccomp user-notify",
            CheckStatus::Ok,
            "user_notif is in actions_avail: blocked syscalls can be reported by name",
            "",
        ),
        Some(false) => check(
            "seccomp user-notify",
            CheckStatus::Warn,
            "user_notif is not in actions_avail",
            "blocked-syscall reports fall back to counting; a kernel >= 5.0 supports user notification",
        ),
        None if host.kernel_at_least(5, 0) => check(
            "seccomp user-notify",
            CheckStatus::Warn,
            "inferred available from the kernel version (>= 5.0); actions_avail unreadable",
            "",
        ),
        None => check("seccomp user-notify", CheckStatus::Warn, "kernel older than 5.0: unavailable", "upgrade the kernel for blocked-syscall reports"),
    };
    let cache = if host.kernel_at_least(5, 11) {
        check(
            "seccomp action cache",
            CheckStatus::Ok,
            "inferred from the kernel version (>= 5.11): syscalls a filter always allows skip the filter",
            "",
        )
    } else {
        check(
            "seccomp action cache",
            CheckStatus::Warn,
            "kernel older than 5.11 (inferred): every syscall runs the whole filter",
            "filters cost more per syscall; jailwright's optimizer matters more here",
        )
    };
    [filter, notify, cache]
}

fn user_namespace_check(host: &Host) -> Check {
    let u = &host.user_namespaces;
    let mut notes = Vec::new();
    let mut st = CheckStatus::Ok;
    let mut advice = String::new();
    match u.max {
        Some(0) => {
            st = CheckStatus::Fail;
            notes.push("user.max_user_namespaces = 0".to_string());
            advice = "sysctl -w user.max_user_namespaces=15000".into();
        }
        Some(n) => notes.push(format!("user.max_user_namespaces = {n}")),
        None => {
            st = CheckStatus::Warn;
            notes.push("no /proc/sys/user/max_user_namespaces (CONFIG_USER_NS off?)".into());
        }
    }
    if u.unprivileged_clone.as_deref() == Some("0") {
        st = CheckStatus::Fail;
        notes.push(
            "kernel.unprivileged_userns_clone = 0 (Debian): unprivileged users cannot create one"
                .into(),
        );
        advice = "sysctl -w kernel.unprivileged_userns_clone=1, or run jailwright as root".into();
    } else if let Some(c) = &u.unprivileged_clone {
        notes.push(format!("kernel.unprivileged_userns_clone = {c}"));
    }
    if u.apparmor_restrict.as_deref() == Some("1") {
        if st == CheckStatus::Ok {
            st = CheckStatus::Warn;
        }
        notes.push("kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu 24.04+): unprivileged namespaces are restricted by AppArmor".into());
        advice = "add an AppArmor profile granting `userns` to jailwright, or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0".into();
    }
    Check {
        name: "user namespaces".into(),
        status: st,
        detail: notes.join("; "),
        advice,
    }
}

/// Landlock: the kernel's own answer when we have it, else the active LSMs.
fn landlock_check(host: &Host) -> Check {
    match (&host.landlock.abi, &host.landlock.lsms) {
        (Some(Ok(abi)), _) => check(
            "landlock",
            CheckStatus::Ok,
            format!("ABI {abi} (asked with landlock_create_ruleset): the native sandbox confines writes to /tmp and --bind targets"),
            "",
        ),
        (Some(Err(why)), _) => check(
            "landlock",
            CheckStatus::Warn,
            why.clone(),
            "the native sandbox runs without Landlock and reports it; `--require landlock` makes that an error",
        ),
        (None, Some(l)) if l.split(',').any(|x| x == "landlock") => check(
            "landlock",
            CheckStatus::Ok,
            format!("enabled (LSMs: {l}); the ABI version needs a syscall, the native sandbox reports it"),
            "",
        ),
        (None, Some(l)) => check(
            "landlock",
            CheckStatus::Warn,
            format!("not among the active LSMs ({l})"),
            "boot with lsm=landlock,... (CONFIG_SECURITY_LANDLOCK=y) for filesystem confinement in the native sandbox",
        ),
        (None, None) => check(
            "landlock",
            CheckStatus::Warn,
            "cannot read /sys/kernel/security/lsm (securityfs not mounted)",
            "mount -t securityfs securityfs /sys/kernel/security to check",
        ),
    }
}

fn cgroup_check(host: &Host) -> Check {
    let c = &host.cgroups;
    match (&c.v2_at, c.v1.is_empty()) {
        (Some(at), true) if at == "/sys/fs/cgroup" => {
            let root_ctrl = c.root_subtree_control.clone().unwrap_or_default();
            let own = c.own.clone().unwrap_or_default();
            let writable = c.own_writable;
            let delegated = root_ctrl.contains("memory") && root_ctrl.contains("pids");
            check(
                "cgroups",
                if delegated && writable { CheckStatus::Ok } else { CheckStatus::Warn },
                format!("v2 (unified) at /sys/fs/cgroup; root subtree_control: {root_ctrl:?}; own cgroup {own} {}", if writable { "writable" } else { "not writable" }),
                if delegated && writable { "" } else { "delegate memory and pids to jailwright's cgroup (systemd-run --user -p Delegate=yes), or limits fall back to rlimits" },
            )
        }
        (Some(at), false) => check(
            "cgroups",
            CheckStatus::Warn,
            format!(
                "v1/hybrid: v1 controllers {} plus cgroup2 at {at}{}",
                c.v1.join(" "),
                match c.crun_refuses() {
                    Some(ctrl) => format!(" with controllers {ctrl}"),
                    None => " without controllers".into(),
                }
            ),
            match c.crun_refuses() {
                Some(_) => "Docker with runc works; crun refuses a hybrid layout whose cgroup2 hierarchy has controllers (see the crun row); the native sandbox cannot use cgroup v2 limits and uses rlimits",
                None => "Docker with runc and crun works; the native sandbox cannot use cgroup v2 limits and uses rlimits",
            },
        ),
        (None, false) => check(
            "cgroups",
            CheckStatus::Warn,
            format!("v1 only: {}", c.v1.join(" ")),
            "the native sandbox uses rlimits instead of cgroup v2 limits",
        ),
        (Some(at), true) => check("cgroups", CheckStatus::Warn, format!("cgroup2 mounted at {at}, not /sys/fs/cgroup"), "mount cgroup2 at /sys/fs/cgroup"),
        (None, true) => check(
            "cgroups",
            CheckStatus::Warn,
            "none mounted",
            "mount -t cgroup2 none /sys/fs/cgroup (or install cgroupfs-mount); without cgroups only rlimits limit memory and processes",
        ),
    }
}

/// The daemon's own custom default profile: when it is a file here, whether the daemon's
/// runtime can start a container under it (the stale-profile case: an old profile copied into
/// `daemon.json` or a Colima VM, a newer runc that needs syscalls it blocks).
fn daemon_profile_check(name: &str, path: &str, arch: Arch, runtime: Runtime) -> Check {
    let title = format!("{name} default seccomp");
    let outdated = "containers started without a profile will fail: write a current one with `jailwright export docker-default --to daemon-json` (Docker) or `--to colima` (Colima), or pass `--profile` to every run";
    let profile = match Profile::from_file(Path::new(path)) {
        Ok(p) => p,
        Err(e) if Path::new(path).exists() => {
            return check(
                &title,
                CheckStatus::Fail,
                format!("the daemon's custom default profile {path} does not parse: {e}"),
                outdated,
            )
        }
        Err(_) => {
            return check(
                &title,
                CheckStatus::Warn,
                format!("the daemon uses a custom default profile, {path}, which is not readable here (a remote daemon or a VM)"),
                "if containers fail to start without --profile, the daemon's profile may be outdated: `jailwright export docker-default --to daemon-json` (Docker) or `--to colima` writes a current one; `jailwright doctor --check-profile FILE` tests a copy",
            )
        }
    };
    let target = Target {
        runtime,
        ..Target::docker(arch)
    };
    // The daemon's default profile applies to containers started without
    // no-new-privileges, the daemon's default.
    let missing = missing_runtime_needs(&resolve(&profile, &target), runtime, false);
    if missing.is_empty() {
        return check(
            &title,
            CheckStatus::Ok,
            format!("custom default profile {path}: allows everything {runtime} calls itself while it starts a container"),
            "",
        );
    }
    let names: Vec<&str> = missing
        .iter()
        .flat_map(|(_, n)| n.iter().copied())
        .collect();
    let errors: Vec<String> = missing
        .iter()
        .map(|(need, _)| format!("\"{}\"", need.error))
        .collect();
    check(
        &title,
        CheckStatus::Fail,
        format!(
            "the daemon's custom default profile {path} blocks {} which {runtime} calls while it starts a container; expect {}",
            names.join(", "),
            errors.join(" or ")
        ),
        outdated,
    )
}

fn arch_coverage(arch: Arch, whose: &str) -> Check {
    let uncovered: Vec<&str> = catalogue::ENTRIES
        .iter()
        .filter(|e| {
            let p = e.profile();
            p.arch_map
                .as_ref()
                .filter(|m| !m.is_empty())
                .is_some_and(|m| !m.iter().any(|x| x.architecture == arch))
                && !p.architectures.as_ref().is_some_and(|a| a.contains(&arch))
        })
        .map(|e| e.name)
        .collect();
    let has_table = jailwright_profile::tables::table(arch).is_some();
    if uncovered.is_empty() && has_table {
        check(
            &format!("profiles for {whose} arch"),
            CheckStatus::Ok,
            format!("every built-in profile has an archMap entry for {arch}"),
            "",
        )
    } else {
        check(
            &format!("profiles for {whose} arch"),
            CheckStatus::Fail,
            format!(
                "{arch}: {}{}",
                if uncovered.is_empty() {
                    String::new()
                } else {
                    format!("no archMap entry in {}", uncovered.join(", "))
                },
                if has_table {
                    ""
                } else {
                    "; jailwright has no syscall table for it"
                }
            ),
            format!("add it: `jailwright patch PROFILE --add-arch {arch} -o fixed.json`"),
        )
    }
}

async fn backend_checks(backend: &Backend, host: &Host) -> (Vec<Check>, Option<EngineFacts>) {
    let mut v = Vec::new();
    let name = backend.name();
    let info = match backend.info_async().await {
        Ok((_, i)) => i,
        Err(e) => {
            let advice = e.diagnosis().map(|d| d.fix.clone()).unwrap_or_default();
            v.push(check(
                &format!("{name} daemon"),
                CheckStatus::Fail,
                e.to_string(),
                advice,
            ));
            return (v, None);
        }
    };
    v.push(check(
        &format!("{name} daemon"),
        CheckStatus::Ok,
        format!(
            "reachable at {}; server {} (API {}), {} {}",
            backend.socket().display(),
            info.server_version,
            info.api_version,
            info.os,
            info.kernel
        ),
        "",
    ));
    let rt_detail = format!(
        "default {} {} (from the API); runtimes: {}",
        info.default_runtime,
        info.runtime_version.as_deref().unwrap_or("version unknown"),
        info.runtimes.join(", ")
    );
    v.push(match info.runtime_version {
        Some(_) => check(
            &format!("{name} OCI runtime"),
            CheckStatus::Ok,
            rt_detail,
            "",
        ),
        None => check(
            &format!("{name} OCI runtime"),
            CheckStatus::Warn,
            rt_detail,
            format!(
                "the API does not report the version; `{} --version` tells it",
                info.default_runtime
            ),
        ),
    });
    let refused = (info.cgroup_version == "1")
        .then(|| host.cgroups.crun_refuses())
        .flatten();
    if let (true, Some(ctrl)) = (info.runtimes.iter().any(|r| r == "crun"), refused) {
        let at = host
            .cgroups
            .v2_at
            .as_deref()
            .unwrap_or("/sys/fs/cgroup/unified");
        let mounts: Vec<String> = ctrl
            .split_whitespace()
            .map(|c| format!("mkdir -p /sys/fs/cgroup/{c} && mount -t cgroup -o {c} cgroup /sys/fs/cgroup/{c}"))
            .collect();
        v.push(check(
            &format!("{name} crun"),
            CheckStatus::Warn,
            format!("crun is configured, but the hybrid layout's cgroup2 hierarchy at {at} has controllers ({ctrl}): crun refuses it (\"cgroups in hybrid mode not supported, drop all controllers from cgroupv2\")"),
            format!("bind them to v1 hierarchies as root ({}), use runc, or boot with a pure cgroup v2 layout", mounts.join("; ")),
        ));
    }
    v.push(check(
        &format!("{name} cgroups"),
        if info.cgroup_version == "2" {
            CheckStatus::Ok
        } else {
            CheckStatus::Warn
        },
        format!("cgroup v{} via {}", info.cgroup_version, info.cgroup_driver),
        if info.cgroup_version == "2" {
            ""
        } else {
            "memory and pids limits work on v1; cgroup v2 gives better accounting"
        },
    ));
    v.push(match info.default_seccomp_profile() {
        Some(p) if p == "default" || p == "builtin" => check(
            &format!("{name} default seccomp"),
            CheckStatus::Ok,
            format!("the daemon's own default profile ({p}); jailwright sends its own profile with every run"),
            "",
        ),
        Some(p) => daemon_profile_check(
            name,
            &p,
            info.arch.unwrap_or_else(Arch::host),
            info.runtime(),
        ),
        None => check(
            &format!("{name} default seccomp"),
            CheckStatus::Fail,
            "the daemon does not list seccomp in its security options: containers run unfiltered by default",
            "use a daemon built with seccomp; `jailwright run --backend` refuses to run without it",
        ),
    });
    match info.arch {
        Some(a) => v.push(arch_coverage(a, &format!("{name} daemon"))),
        None => v.push(check(
            &format!("profiles for {name} daemon arch"),
            CheckStatus::Fail,
            format!("unknown daemon architecture {:?}", info.arch_raw),
            "",
        )),
    }
    (v, Some(info.engine()))
}

/// Runs every check for the host and, when given, the backend; the last check names the
/// stack a profile meets here in the flags' syntax (`--engine docker@20.10.24 --runtime
/// runc@1.1.5 --kernel 6.18`).
pub fn doctor(opts: &DoctorOptions) -> Vec<Check> {
    let mut host = opts
        .host
        .clone()
        .unwrap_or_else(|| Host::read(Path::new("/")));
    let mut v = host_checks(&host);
    if let Some(b) = &opts.backend {
        match block_on(backend_checks(b, &host)) {
            Ok((c, engine)) => {
                v.extend(c);
                if let Some(e) = engine {
                    host = host.with_engine(e);
                }
            }
            Err(e) => v.push(check("async runtime", CheckStatus::Fail, e.to_string(), "")),
        }
    }
    v.push(check("stack", CheckStatus::Ok, host.stack(), ""));
    v
}

/// Whether a runtime accepts a profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    /// The runtime started a container with the profile.
    pub accepted: bool,
    /// Why not.
    pub diagnosis: Option<Diagnosis>,
    /// The exit status of `/bin/true` when it ran (non-zero: the profile breaks the command
    /// itself, not the runtime).
    pub exit_code: Option<i32>,
    /// The image used.
    pub image: String,
}

/// Starts a throwaway container running `/bin/true` with `profile` (as jailwright runs
/// containers: no-new-privileges, cap-drop ALL, user 65534) and says whether the runtime
/// accepts it. `image` defaults to jailwright's busybox image, imported when missing.
pub fn check_profile(
    profile: &Profile,
    image: Option<&str>,
    backend: &Backend,
) -> Result<Acceptance, ContainerError> {
    block_on(check_profile_async(profile, image, backend, true))?
}

pub(crate) async fn check_profile_async(
    profile: &Profile,
    image: Option<&str>,
    backend: &Backend,
    no_new_privileges: bool,
) -> Result<Acceptance, ContainerError> {
    let image = match image {
        Some(i) => i.to_string(),
        None => ensure_image_async(backend, &ImageSpec::default()).await?,
    };
    let mut opts = ContainerRun::new(image.clone(), vec!["/bin/true".into()], profile.clone());
    opts.output = Output::Capture;
    opts.quiet = true;
    opts.no_new_privileges = no_new_privileges;
    opts.timeout = Some(std::time::Duration::from_secs(20));
    match run_async(&opts, backend).await {
        Ok(o) => Ok(Acceptance {
            accepted: true,
            diagnosis: None,
            exit_code: Some(o.exit_code()),
            image,
        }),
        Err(ContainerError::Rejected { diagnosis }) => Ok(Acceptance {
            accepted: false,
            diagnosis: Some(*diagnosis),
            exit_code: None,
            image,
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_daemon_profile_is_a_failure_with_the_runtime_error() {
        let dir = std::env::temp_dir().join(format!("jw-daemon-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut p = catalogue::get("docker-default").unwrap().profile();
        jailwright_profile::ops::remove_name(&mut p, "prctl");
        let stale = dir.join("stale.json");
        std::fs::write(&stale, p.to_json_pretty()).unwrap();
        let current = dir.join("current.json");
        std::fs::write(
            &current,
            catalogue::get("docker-default")
                .unwrap()
                .profile()
                .to_json_pretty(),
        )
        .unwrap();
        let runc = Runtime::parse("runc@1.1.5").unwrap();
        let c = daemon_profile_check("docker", stale.to_str().unwrap(), Arch::X86_64, runc);
        assert_eq!(c.status, CheckStatus::Fail, "{c:?}");
        assert!(c.detail.contains("prctl"), "{c:?}");
        assert!(c.detail.contains("unable to apply bounding set"), "{c:?}");
        assert!(c.advice.contains("--to daemon-json"), "{c:?}");
        let c = daemon_profile_check("docker", current.to_str().unwrap(), Arch::X86_64, runc);
        assert_eq!(c.status, CheckStatus::Ok, "{c:?}");
        let c = daemon_profile_check("docker", "/nonexistent/seccomp.json", Arch::X86_64, runc);
        assert_eq!(c.status, CheckStatus::Warn, "{c:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn host_checks_on_a_fake_root() {
        let dir = std::env::temp_dir().join(format!("jw-doctor-{}", std::process::id()));
        let w = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("proc/sys/kernel/osrelease", "5.4.0-100-generic\n");
        w("proc/self/status", "Name:\tx\nSeccomp:\t0\n");
        w(
            "proc/sys/kernel/seccomp/actions_avail",
            "kill_process kill_thread trap errno trace log allow\n",
        );
        w("proc/sys/user/max_user_namespaces", "0\n");
        w(
            "proc/sys/kernel/apparmor_restrict_unprivileged_userns",
            "1\n",
        );
        w("sys/kernel/security/lsm", "lockdown,capability,apparmor\n");
        w("proc/self/mountinfo", "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
        let checks = host_checks(&Host::read(&dir));
        let get = |n: &str| checks.iter().find(|c| c.name == n).unwrap().clone();
        assert_eq!(get("kernel").status, CheckStatus::Ok);
        assert_eq!(get("seccomp filter").status, CheckStatus::Ok);
        assert_eq!(get("seccomp user-notify").status, CheckStatus::Warn);
        assert_eq!(get("seccomp action cache").status, CheckStatus::Warn);
        assert_eq!(get("user namespaces").status, CheckStatus::Fail);
        assert_eq!(get("landlock").status, CheckStatus::Warn);
        // The kernel's own answer wins over securityfs.
        let with = |abi: Result<u32, String>| {
            host_checks(&Host::read(&dir).with_landlock_abi(abi))
                .into_iter()
                .find(|c| c.name == "landlock")
                .unwrap()
        };
        let ok = with(Ok(7));
        assert_eq!(
            (ok.status, ok.detail.starts_with("ABI 7")),
            (CheckStatus::Ok, true),
            "{ok:?}"
        );
        let off = with(Err("not enabled at boot".into()));
        assert_eq!(
            (off.status, off.detail.as_str()),
            (CheckStatus::Warn, "not enabled at boot")
        );
        let cg = get("cgroups");
        assert!(cg.detail.starts_with("v1/hybrid"), "{}", cg.detail);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

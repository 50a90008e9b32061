//! The run report's layers: what each layer enforced in this run, from the plan, init's records
//! and the caller's side, with the reason when one is not in force.

use super::*;

pub(super) fn unavailable_reason(layer: Layer, code: i32) -> String {
    match layer {
        Layer::Landlock => match -code {
            libc::ENOSYS => "landlock is not supported by this kernel".into(),
            libc::EOPNOTSUPP => "landlock is disabled (boot with lsm=...,landlock)".into(),
            e => format!("landlock: {}", errno_text(e)),
        },
        _ => errno_text(code),
    }
}

pub(super) fn layer_report(
    cfg: &SandboxConfig,
    plan: &plan::Plan,
    col: &Collected,
    cgroup: (LayerState, String),
    (terminals, restored): (&terminal::Terminals, &[String]),
    (out_uid, out_gid, root): (u32, u32, bool),
) -> Vec<LayerStatus> {
    let reported = |l: Layer| {
        col.layers
            .iter()
            .rev()
            .find(|(x, _, _)| *x == l)
            .map(|(_, s, c)| (*s, *c))
    };
    Layer::ALL
        .iter()
        .map(|&layer| {
            let (state, detail) = match layer {
                Layer::UserNamespace => user_namespace_status(cfg, out_uid, out_gid, root),
                Layer::MountNamespace => (LayerState::Enforced, "private mount propagation".into()),
                Layer::PidNamespace => (
                    LayerState::Enforced,
                    "init as pid 1 reaps orphans and forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, \
                     SIGUSR1, SIGUSR2"
                        .into(),
                ),
                Layer::NetworkNamespace => match cfg.network {
                    Network::Host => (LayerState::Disabled("--network host".into()), String::new()),
                    _ => match reported(layer) {
                        Some((State::Enforced, _)) => (
                            LayerState::Enforced,
                            "new namespace, loopback only (up)".into(),
                        ),
                        Some((_, e)) => (
                            LayerState::Partial(format!(
                                "loopback could not be brought up: {}",
                                errno_text(e)
                            )),
                            "new namespace, no interface up".into(),
                        ),
                        None => (not_reached(), String::new()),
                    },
                },
                Layer::IpcNamespace => (LayerState::Enforced, String::new()),
                Layer::UtsNamespace => (LayerState::Enforced, format!("hostname {}", cfg.hostname)),
                Layer::CgroupNamespace => match reported(layer) {
                    Some((State::Enforced, _)) => (LayerState::Enforced, String::new()),
                    Some((_, e)) => (LayerState::Unavailable(errno_text(e)), String::new()),
                    None => (not_reached(), String::new()),
                },
                Layer::Filesystem => match reported(layer) {
                    Some((State::Enforced, _)) => (LayerState::Enforced, plan.fs_detail.clone()),
                    Some(_) => (
                        LayerState::Partial(
                            "mount_setattr(2) unavailable: submounts of read-only binds keep the \
                             host's flags"
                                .into(),
                        ),
                        plan.fs_detail.clone(),
                    ),
                    None => (not_reached(), String::new()),
                },
                Layer::Identity => match reported(layer) {
                    Some(_) => (
                        LayerState::Enforced,
                        format!(
                            "uid {} gid {}; all capabilities dropped (bounding 0..={}, ambient, \
                             effective, permitted, inheritable); securebits locked; \
                             no_new_privs; new session; parent-death signal",
                            cfg.uid, cfg.gid, plan.last_cap
                        ),
                    ),
                    None => (not_reached(), String::new()),
                },
                Layer::Rlimits => (LayerState::Enforced, plan.rlimit_names.join(" ")),
                Layer::Cgroup => cgroup.clone(),
                Layer::Landlock => landlock_status(plan, reported(layer)),
                Layer::Terminal => terminal_status(cfg, terminals, restored, reported(layer)),
                Layer::Seccomp => seccomp_status(plan, reported(layer)),
            };
            LayerStatus {
                layer,
                state,
                detail,
            }
        })
        .collect()
}

/// A layer's state as the child reported it: its [`State`] and a code (errno or ABI).
type Reported = Option<(State, i32)>;

fn not_reached() -> LayerState {
    LayerState::Unavailable("the sandbox did not reach this step".into())
}

fn user_namespace_status(
    cfg: &SandboxConfig,
    out_uid: u32,
    out_gid: u32,
    root: bool,
) -> (LayerState, String) {
    let caps: Vec<String> = plan::USER_NS_CAPS
        .iter()
        .map(|(name, v)| format!("{}={v}", name.trim_start_matches("max_")))
        .collect();
    let detail = format!(
        "uid {} -> host {out_uid}, gid {} -> host {out_gid}; {}; per-user caps in the \
         namespace: {}",
        cfg.uid,
        cfg.gid,
        if root {
            "supplementary groups cleared (caller is root)"
        } else {
            "setgroups denied"
        },
        caps.join(" ")
    );
    let extra: Vec<String> = crate::extra_groups()
        .into_iter()
        .map(|g| g.to_string())
        .collect();
    if extra.is_empty() {
        return (LayerState::Enforced, detail);
    }
    (
        LayerState::Partial(format!(
            "the caller's supplementary groups {} stay with the plugin (an unprivileged user \
             namespace cannot drop them: setgroups is denied), so what those groups may read, \
             it may read; run as root or as a user without them, or demand --require \
             no-extra-groups",
            extra.join(" ")
        )),
        detail,
    )
}

fn landlock_status(plan: &plan::Plan, reported: Reported) -> (LayerState, String) {
    let Some((state, code)) = reported else {
        return (not_reached(), String::new());
    };
    if state == State::Unavailable {
        return (
            LayerState::Unavailable(unavailable_reason(Layer::Landlock, code)),
            String::new(),
        );
    }
    let abi = code;
    let writable: Vec<String> = plan
        .writable
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let detail = format!(
        "ABI {abi}: write only below {}; read and execute elsewhere; devices read/write{}",
        writable.join(" "),
        if abi >= 6 {
            "; signals and abstract unix sockets scoped"
        } else {
            ""
        }
    );
    if state == State::Enforced {
        return (LayerState::Enforced, detail);
    }
    (
        LayerState::Partial(format!(
            "ABI {abi} < 6: signals and abstract unix sockets not scoped{}",
            if abi < 3 {
                ", truncate not restricted"
            } else {
                ""
            }
        )),
        detail,
    )
}

fn terminal_status(
    cfg: &SandboxConfig,
    terminals: &terminal::Terminals,
    restored: &[String],
    reported: Reported,
) -> (LayerState, String) {
    let streams = terminals.streams();
    let checked = if streams.is_empty() {
        "no standard stream is a terminal".to_owned()
    } else if restored.is_empty() {
        format!("{} unchanged after the run", streams.join(", "))
    } else {
        format!("after the run: {}", restored.join("; "))
    };
    match (&cfg.terminal_guard, reported) {
        (Some(g), Some(_)) => (
            LayerState::Enforced,
            format!(
                "ioctl {} refused on every descriptor (low 32 bits of the request, as the \
                 kernel reads it); {checked}",
                g.requests.join(" ")
            ),
        ),
        (Some(_), None) => (not_reached(), checked),
        (None, _) => (
            LayerState::Unavailable("no terminal guard given".into()),
            checked,
        ),
    }
}

fn seccomp_status(plan: &plan::Plan, reported: Reported) -> (LayerState, String) {
    if plan.filter.is_empty() {
        return (
            LayerState::Unavailable("no filter given".into()),
            String::new(),
        );
    }
    if reported.is_none() {
        return (not_reached(), String::new());
    }
    let listener = plan.seccomp_flags & libc::SECCOMP_FILTER_FLAG_NEW_LISTENER != 0;
    (
        LayerState::Enforced,
        format!(
            "{} instructions, TSYNC{}",
            plan.filter.len(),
            if listener {
                ", user notifications to the supervisor"
            } else {
                ""
            }
        ),
    )
}

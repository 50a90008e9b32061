//! `doctor`: the host and engine checks, a profile's acceptance by the engine, and the
//! runtime probe, printed.

use std::fmt::Write as _;
use std::path::Path;

use jailwright_container as container;
use jailwright_profile::host::Host;
use jailwright_sandbox as sandbox;

use crate::args::{Backend, Format};
use crate::commands::load;
use crate::commands_run::container_failure;
use crate::output::{emit, json, write_atomic, Table};
use crate::{Failure, EXIT_FINDINGS};

fn backend_for(b: Backend) -> Option<container::Backend> {
    match b {
        Backend::Native => None,
        Backend::Docker => Some(container::Backend::docker_default()),
        Backend::Podman => Some(container::Backend::podman_default()),
    }
}

/// `jailwright doctor`.
pub fn doctor(
    backend: Backend,
    check_profile: Option<&str>,
    probe_runtime: bool,
    image: Option<&str>,
    output: Option<&Path>,
    format: Format,
) -> Result<u8, Failure> {
    if check_profile.is_some() && probe_runtime {
        return Err(Failure::usage(
            "--check-profile and --probe-runtime are separate checks; run one at a time",
        ));
    }
    // The container checks need an engine: docker unless podman was asked for.
    let engine = || backend_for(backend).unwrap_or_else(container::Backend::docker_default);
    if let Some(name) = check_profile {
        let p = load(name)?;
        let b = engine();
        let acc = container::check_profile(&p, image, &b).map_err(|e| container_failure(&e))?;
        if format == Format::Json {
            emit(None, json(&acc)?.as_bytes())?;
        } else {
            let mut s = String::new();
            if acc.accepted {
                let _ = writeln!(
                    s,
                    "OK    {} accepts {name}: a container started with it (image {}, /bin/true exited {})",
                    b.name(),
                    acc.image,
                    acc.exit_code.unwrap_or(-1)
                );
            } else {
                let _ = writeln!(s, "FAIL  {} refuses {name} (image {})", b.name(), acc.image);
                if let Some(d) = &acc.diagnosis {
                    let _ = writeln!(s, "{}", d.clone().with_profile_name(name));
                }
            }
            emit(None, s.as_bytes())?;
        }
        return Ok(if acc.accepted { 0 } else { EXIT_FINDINGS });
    }
    if probe_runtime {
        let b = engine();
        let r = container::probe_runtime(&b, image).map_err(|e| container_failure(&e))?;
        if let Some(path) = output {
            write_atomic(path, r.patch_profile.to_json_pretty().as_bytes())?;
        }
        if format == Format::Json {
            emit(None, json(&r)?.as_bytes())?;
        } else {
            emit(None, probe_text(&r, output).as_bytes())?;
        }
        return Ok(0);
    }
    let checks = container::doctor(&container::DoctorOptions {
        backend: backend_for(backend),
        host: Some(Host::read(Path::new("/")).with_landlock_abi(sandbox::landlock_abi())),
    });
    if format == Format::Json {
        emit(None, json(&checks)?.as_bytes())?;
    } else {
        let mut t = Table::new(["", "CHECK", "FOUND"]);
        for c in &checks {
            let status = match c.status {
                container::CheckStatus::Ok => "OK",
                container::CheckStatus::Warn => "WARN",
                container::CheckStatus::Fail => "FAIL",
            };
            let mut found = c.detail.clone();
            if !c.advice.is_empty() {
                let _ = write!(found, "\n{:>w$}-> {}", "", c.advice, w = 0);
            }
            let mut lines = found.lines();
            t.row([
                status.to_string(),
                c.name.clone(),
                lines.next().unwrap_or("").to_string(),
            ]);
            for l in lines {
                t.row([String::new(), String::new(), l.to_string()]);
            }
        }
        emit(None, t.render().as_bytes())?;
    }
    let failed = checks
        .iter()
        .any(|c| c.status == container::CheckStatus::Fail);
    Ok(if failed { EXIT_FINDINGS } else { 0 })
}

fn probe_text(r: &container::ProbeResult, output: Option<&Path>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "runtime {} {}: {} containers in {:.1} s",
        r.runtime.0,
        r.runtime.1,
        r.containers,
        r.elapsed_ms / 1e3
    );
    for m in &r.modes {
        let _ = writeln!(
            s,
            "\nno-new-privileges {}: needs {}",
            if m.no_new_privileges { "on" } else { "off" },
            if m.needed.is_empty() {
                "nothing beyond the assumed set".to_string()
            } else {
                m.needed.join(", ")
            }
        );
        for alt in &m.alternatives {
            let _ = writeln!(s, "  one of: {}", alt.join(" | "));
        }
        for (sc, msg) in &m.messages {
            let _ = writeln!(s, "  without {sc}: {msg}");
        }
    }
    if !r.assumed.is_empty() {
        let _ = writeln!(s, "\nassumed needed, not probed: {}", r.assumed.join(", "));
    }
    if r.compared_with_table.is_empty() {
        let _ = writeln!(s, "\nthe built-in runtime table agrees");
    } else {
        let _ = writeln!(s, "\ndifferences from the built-in runtime table:");
        for (sc, what) in &r.compared_with_table {
            let _ = writeln!(s, "  {sc}: {what}");
        }
    }
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    match output {
        Some(p) => {
            let _ = writeln!(s, "wrote the patch profile to {}", p.display());
        }
        None => {
            let _ = writeln!(
                s,
                "patch: jailwright patch PROFILE {} -o fixed.json",
                r.needed
                    .iter()
                    .map(|n| format!("--allow {n}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    s
}

//! The profile commands: `profile` (list, show, why, export), `diff`, `stats` and `explain`.

use std::fmt::Write as _;

use jailwright_profile::catalogue;
use jailwright_profile::diff::diff;
use jailwright_profile::ops;
use jailwright_profile::policy::{resolve, Target};
use jailwright_profile::{Arch, Profile};

use crate::args::{Format, ProfileCmd, TargetArgs};
use crate::commands::{load, target};
use crate::output::{emit, json, Table};
use crate::{Failure, EXIT_FINDINGS};

pub(crate) fn profile_cmd(p: ProfileCmd) -> Result<u8, Failure> {
    match p {
        ProfileCmd::List {
            versions: true,
            format,
        } => crate::commands_versions::list(format),
        ProfileCmd::List { format, .. } => list_tiers(format),
        ProfileCmd::Show { name, output } => {
            let p = catalogue::lookup(&name).ok_or_else(|| unknown_builtin(&name))??;
            emit(output.as_deref(), p.to_json_pretty().as_bytes())?;
            Ok(0)
        }
        ProfileCmd::Why { name } if catalogue::get(&name).is_none() => {
            crate::commands_versions::why(&name).ok_or_else(|| unknown_builtin(&name))?
        }
        ProfileCmd::Why { name } => {
            let e = builtin(&name)?;
            let mut out = format!("{}: {}\nfor: {}\n\n", e.name, e.summary, e.threat_model);
            out.push_str("docker-default (moby/profiles seccomp v0.2.3, encoded as data)\n");
            for (tier, step) in e.lineage() {
                let verb = match step {
                    catalogue::Step::Add { .. } => "+",
                    catalogue::Step::Replace { .. } => "~",
                    _ => "-",
                };
                let names = step.names();
                let _ = writeln!(
                    out,
                    "  {verb} [{tier}] {}{}\n      why: {}",
                    step.group(),
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", names.join(", "))
                    },
                    step.reason()
                );
            }
            emit(None, out.as_bytes())?;
            Ok(0)
        }
    }
}

/// A built-in tier by name, or a usage error listing the built-ins.
fn builtin(name: &str) -> Result<&'static catalogue::Entry, Failure> {
    catalogue::get(name).ok_or_else(|| unknown_builtin(name))
}

fn unknown_builtin(name: &str) -> Failure {
    Failure::usage(format!(
        "no built-in profile `{name}`; built-in profiles: {}",
        catalogue::known()
    ))
}

/// `profile list`: the tiers.
fn list_tiers(format: Format) -> Result<u8, Failure> {
    if format == Format::Json {
        let v: Vec<_> = catalogue::ENTRIES
            .iter()
            .map(|e| {
                serde_json::json!({
                    "name": e.name,
                    "summary": e.summary,
                    "threat_model": e.threat_model,
                    "base": match e.base {
                        catalogue::Base::DockerDefault => "docker-default (data)".to_string(),
                        catalogue::Base::Tier(t) => t.to_string(),
                    },
                })
            })
            .collect();
        emit(None, json(&v)?.as_bytes())?;
    } else {
        let mut t = Table::new(["NAME", "BASE", "DESCRIPTION"]);
        for e in catalogue::ENTRIES {
            let base = match e.base {
                catalogue::Base::DockerDefault if e.steps.is_empty() => "-",
                catalogue::Base::DockerDefault => "docker-default",
                catalogue::Base::Tier(t) => t,
            };
            t.row([e.name, base, e.summary]);
        }
        emit(None, t.render().as_bytes())?;
    }
    Ok(0)
}

fn hosts_of(p: &Profile) -> Vec<Arch> {
    match (&p.arch_map, &p.architectures) {
        (Some(m), _) if !m.is_empty() => m.iter().map(|e| e.architecture).collect(),
        (_, Some(a)) if !a.is_empty() => a.clone(),
        _ => vec![Arch::host()],
    }
}

pub(crate) fn diff_cmd(a: &str, b: &str, t: &TargetArgs, format: Format) -> Result<u8, Failure> {
    let (pa, pb) = (load(a)?, load(b)?);
    let base = target(t)?;
    let hosts: Vec<Arch> = if t.arch.is_some() {
        vec![base.arch]
    } else {
        let mut h = hosts_of(&pa);
        for x in hosts_of(&pb) {
            if !h.contains(&x) {
                h.push(x);
            }
        }
        h.retain(|a| jailwright_profile::tables::table(*a).is_some());
        h
    };
    let mut results = Vec::new();
    for host in hosts {
        let tg = Target {
            arch: host,
            ..base.clone()
        };
        let d = diff(&resolve(&pa, &tg), &resolve(&pb, &tg));
        results.push((host, d));
    }
    let differs = results.iter().any(|(_, d)| !d.is_empty());
    if format == Format::Json {
        let v: Vec<_> = results
            .iter()
            .map(|(h, d)| serde_json::json!({"host": h, "diff": d}))
            .collect();
        emit(
            None,
            json(&serde_json::json!({"a": a, "b": b, "caps": base.caps.names(), "hosts": v}))?
                .as_bytes(),
        )?;
    } else {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "A = {a}\nB = {b}\ncaps: {}\n",
            if base.caps.0.is_empty() {
                "none".to_string()
            } else {
                base.caps.names().join(" ")
            }
        );
        for (host, d) in &results {
            if d.is_empty() {
                let _ = writeln!(
                    out,
                    "host {host}: no decision differs ({} syscall numbers compared)",
                    d.compared
                );
                continue;
            }
            let _ = writeln!(
                out,
                "host {host}: {} difference(s)",
                d.syscalls.len() + d.arches.len()
            );
            for ad in &d.arches {
                let _ = writeln!(
                    out,
                    "  {}: {} the filter in A, {} in B",
                    ad.arch,
                    if ad.in_a { "in" } else { "not in" },
                    if ad.in_b { "in" } else { "not" }
                );
            }
            for s in &d.syscalls {
                let _ = writeln!(
                    out,
                    "  {} ({}): A {}; B {}",
                    s.syscall, s.arch, s.a.summary, s.b.summary
                );
            }
        }
        emit(None, out.as_bytes())?;
    }
    Ok(if differs { EXIT_FINDINGS } else { 0 })
}

pub(crate) fn stats_cmd(
    profiles: &[String],
    t: &TargetArgs,
    format: Format,
) -> Result<u8, Failure> {
    let target = target(t)?;
    let only = (t.arch.is_some() || t.host).then_some(target.arch);
    let loaded = profiles
        .iter()
        .map(|n| load(n).map(|p| (n.clone(), ops::stats_for(&p, &target, only))))
        .collect::<Result<Vec<_>, _>>()?;
    if format == Format::Json {
        let v: Vec<_> = loaded
            .iter()
            .map(|(n, s)| serde_json::json!({"profile": n, "stats": s}))
            .collect();
        emit(None, json(&v)?.as_bytes())?;
        return Ok(0);
    }
    let short = |n: &String| {
        std::path::Path::new(n)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| n.clone())
    };
    let mut header = vec![String::new()];
    header.extend(loaded.iter().map(|(n, _)| short(n)));
    let mut t = Table::new(header);
    let mut line = |label: &str, f: &dyn Fn(&ops::Stats) -> String| {
        let mut row = vec![label.to_string()];
        row.extend(loaded.iter().map(|(_, s)| f(s)));
        t.row(row);
    };
    line("rules", &|s| s.rules.to_string());
    line("distinct syscall names", &|s| s.distinct_names.to_string());
    line("unconditionally allowed names", &|s| {
        s.unconditional_allow_names.to_string()
    });
    line("conditional rules", &|s| s.conditional_rules.to_string());
    line("capability-gated rules", &|s| s.cap_gated_rules.to_string());
    line("arch/kernel-gated rules", &|s| {
        s.arch_or_kernel_gated_rules.to_string()
    });
    line("default action", &|s| match &s.default_errno {
        Some(e) => format!("{}({e})", s.default_action),
        None => s.default_action.clone(),
    });
    line("architectures", &|s| s.architectures.len().to_string());
    line("flags", &|s| {
        if s.flags.is_empty() {
            "-".into()
        } else {
            s.flags.join(",")
        }
    });
    let mut arches: Vec<Arch> = Vec::new();
    for (_, s) in &loaded {
        for (a, _) in &s.unconditional_allows_per_arch {
            if !arches.contains(a) {
                arches.push(*a);
            }
        }
    }
    for a in arches {
        line(&format!("allowed always on {a}"), &|s| {
            s.unconditional_allows_per_arch
                .iter()
                .find(|(x, _)| *x == a)
                .map_or("-".into(), |(_, n)| n.to_string())
        });
    }
    emit(None, t.render().as_bytes())?;
    Ok(0)
}

fn parse_args(args: &[String]) -> Result<[u64; 6], Failure> {
    let mut out = [0u64; 6];
    for a in args {
        let (i, v) = a.split_once('=').ok_or_else(|| {
            Failure::usage(format!(
                "--arg expects N=VALUE (e.g. 0=0x7e020000), got `{a}`"
            ))
        })?;
        let i: usize = i
            .trim_start_matches("arg")
            .parse()
            .ok()
            .filter(|i| *i < 6)
            .ok_or_else(|| Failure::usage(format!("--arg index must be 0..=5, got `{i}`")))?;
        let v = parse_u64(v).ok_or_else(|| {
            Failure::usage(format!(
                "--arg value must be a number (decimal, 0x hex or -1), got `{v}`"
            ))
        })?;
        out[i] = v;
    }
    Ok(out)
}

fn parse_u64(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(n) = s.strip_prefix('-') {
        n.parse::<u64>().ok().map(|n| n.wrapping_neg())
    } else {
        s.parse().ok()
    }
}

pub(crate) fn explain_cmd(
    profile: &str,
    syscall: &str,
    abi: Option<&str>,
    args: &[String],
    trace: bool,
    t: &TargetArgs,
    format: Format,
) -> Result<u8, Failure> {
    let p = load(profile)?;
    let tg = target(t)?;
    let arch = match abi {
        Some(a) => a.parse::<Arch>()?,
        None => tg.arch,
    };
    let args = parse_args(args)?;
    let e = ops::explain(&p, &tg, arch, syscall, args)?;
    let trace_text = if trace {
        Some(crate::commands_bpf::trace_text(
            &p,
            &tg,
            arch,
            e.nr.unwrap_or(0),
            args,
        )?)
    } else {
        None
    };
    if format == Format::Json {
        emit(
            None,
            json(&serde_json::json!({"explanation": e, "trace": trace_text}))?.as_bytes(),
        )?;
        return Ok(0);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", e.summary);
    let _ = writeln!(
        out,
        "target: host {} caps [{}] kernel {} runtime {}{}{}",
        tg.arch,
        tg.caps.names().join(" "),
        tg.kernel,
        tg.runtime,
        tg.engine.map_or(String::new(), |e| format!(" engine {e}")),
        tg.libseccomp
            .map_or(String::new(), |l| format!(" libseccomp {l}"))
    );
    if let Some(engine) = tg.engine {
        for n in engine.apply(&p).1 {
            let _ = writeln!(out, "note: {n}");
        }
    }
    if let Some(d) = &e.decided_by {
        let _ = writeln!(out, "decided by {}: {}", d.path, d.rule);
    }
    if !e.others.is_empty() {
        let _ = writeln!(out, "other rules naming {}:", e.syscall);
        for o in &e.others {
            let _ = writeln!(out, "  {}: {}\n      {}", o.path, o.rule, o.verdict);
        }
    }
    if let Some(r) = &e.under_run {
        let _ = writeln!(out, "{r}");
    }
    if let Some(tt) = trace_text {
        let _ = writeln!(out, "\ncompiled filter path:\n{tt}");
    }
    emit(None, out.as_bytes())?;
    Ok(0)
}

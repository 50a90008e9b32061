//! `lint` (and `lint --rules`) and `export`.

use std::fmt::Write as _;
use std::path::Path;

use jailwright_profile::export::{export as export_profile, ExportFormat, ExportOptions, SpoApi};
use jailwright_profile::lint::{lint as lint_profile, LintOptions, Severity, RULES};
use jailwright_profile::{Arch, KernelVersion};

use crate::args::{Format, TargetArgs};
use crate::commands::{host_target, load, parse_engine, parse_libseccomp, parse_runtime, target};
use crate::output::{emit, json, write_atomic};
use crate::{Failure, EXIT_FINDINGS};
use clap::Args;

/// `jailwright lint`: `--rules`, or the profiles against the flags' stack or this host's.
pub fn lint_cmd(a: LintArgs) -> Result<u8, Failure> {
    if a.rules {
        return rules(a.format);
    }
    let mut opts = LintOptions {
        no_new_privileges: a.no_new_privileges,
        ..LintOptions::default()
    };
    if a.host {
        let t = host_target(opts.caps.clone());
        opts.arches = vec![t.arch];
        opts.kernel = t.kernel;
        opts.runtime = t.runtime;
        opts.libseccomp = t.libseccomp;
        opts.engine = t.engine;
    } else {
        opts.runtime = parse_runtime(&a.runtime)?;
        opts.engine = a.engine.as_deref().map(parse_engine).transpose()?;
        opts.libseccomp = a.libseccomp.as_deref().map(parse_libseccomp).transpose()?;
        if let Some(k) = &a.kernel {
            opts.kernel = KernelVersion::parse(k).ok_or_else(|| {
                Failure::usage(format!("--kernel expects X.Y (e.g. 5.15), got `{k}`"))
            })?;
        }
        if !a.arch.is_empty() {
            opts.arches = a
                .arch
                .iter()
                .map(|x| x.parse::<Arch>())
                .collect::<Result<Vec<_>, _>>()?;
        }
    }
    lint(&a.profiles, &opts, a.format)
}

/// `jailwright lint PROFILE...`: exit 1 when any finding is a warning or an error.
fn lint(profiles: &[String], opts: &LintOptions, format: Format) -> Result<u8, Failure> {
    let mut all = Vec::new();
    for name in profiles {
        let p = load(name)?;
        let mut findings = lint_profile(&p, opts);
        // A fix that names the profile (`jailwright rebase PROFILE ...`) names this one.
        for f in &mut findings {
            f.fix = f.fix.replace("PROFILE", name);
        }
        all.push((name.clone(), findings));
    }
    let worst = all
        .iter()
        .flat_map(|(_, f)| f.iter().map(|f| f.severity))
        .min();
    if format == Format::Json {
        let v: Vec<_> = all
            .iter()
            .map(|(n, f)| serde_json::json!({"profile": n, "findings": f}))
            .collect();
        emit(None, json(&v)?.as_bytes())?;
    } else {
        let mut out = String::new();
        for (name, findings) in &all {
            let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
            let _ = writeln!(
                out,
                "{name}: {} error(s), {} warning(s), {} info",
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Info)
            );
            for f in findings {
                let place = match (&f.arch, &f.syscall) {
                    (Some(a), Some(s)) => format!(" [{s} on {a}]"),
                    (None, Some(s)) => format!(" [{s}]"),
                    (Some(a), None) => format!(" [{a}]"),
                    (None, None) => String::new(),
                };
                let _ = writeln!(
                    out,
                    "  {:<7} {} {}{place} at {}\n          {}\n          why: {}\n          fix: {}",
                    f.severity.as_str(),
                    f.id,
                    f.slug,
                    f.path,
                    f.message,
                    f.why,
                    f.fix
                );
            }
        }
        emit(None, out.as_bytes())?;
    }
    Ok(match worst {
        Some(Severity::Error) | Some(Severity::Warning) => EXIT_FINDINGS,
        _ => 0,
    })
}

/// `jailwright lint --rules`: every check, as data.
fn rules(format: Format) -> Result<u8, Failure> {
    if format == Format::Json {
        emit(None, json(&RULES)?.as_bytes())?;
        return Ok(0);
    }
    let mut out = String::new();
    for r in RULES {
        let _ = writeln!(
            out,
            "{} {:<7} {}: {}\n      why: {}\n      fix: {}",
            r.id,
            r.severity.as_str(),
            r.slug,
            r.title,
            r.why,
            r.fix
        );
        if let Some(s) = r.source {
            let _ = writeln!(out, "      source: {s}");
        }
    }
    emit(None, out.as_bytes())?;
    Ok(0)
}

/// `jailwright export`.
pub fn export(
    profile: &str,
    to: &str,
    (name, namespace, spo_api): (Option<String>, Option<String>, &str),
    t: &TargetArgs,
    output: Option<&Path>,
) -> Result<u8, Failure> {
    let p = load(profile)?;
    let fmt: ExportFormat = to.parse().map_err(|_| {
        Failure::usage(format!(
            "--to expects docker, podman, oci, kubernetes, systemd, colima or daemon-json, got `{to}`"
        ))
    })?;
    let tg = target(t)?;
    // a built-in's own name (`docker-default@24.0.9` as `docker-default-24.0.9`), else the
    // file's stem
    let builtin =
        !Path::new(profile).is_file() && jailwright_profile::catalogue::lookup(profile).is_some();
    let default_name = match Path::new(profile).file_stem() {
        Some(stem) if !builtin => stem.to_string_lossy().into_owned(),
        _ => profile.replace('@', "-"),
    };
    let spo_api = SpoApi::parse(spo_api).ok_or_else(|| {
        Failure::usage(format!("--spo-api expects v1 or v1beta1, got `{spo_api}`"))
    })?;
    let opts = ExportOptions {
        name: name.unwrap_or(default_name),
        arch: tg.arch,
        caps: tg.caps,
        namespace,
        spo_api,
    };
    let ex = export_profile(&p, fmt, &opts)?;
    match output {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
            for (file, contents) in &ex.files {
                let path = dir.join(file);
                write_atomic(&path, contents.as_bytes())?;
                eprintln!("wrote {}", path.display());
            }
        }
        None => {
            let mut out = String::new();
            let many = ex.files.len() > 1;
            for (file, contents) in &ex.files {
                if many {
                    let _ = writeln!(out, "# --- {file}");
                }
                out.push_str(contents);
                if !contents.ends_with('\n') {
                    out.push('\n');
                }
            }
            emit(None, out.as_bytes())?;
        }
    }
    for n in &ex.notes {
        eprintln!("note: {n}");
    }
    Ok(0)
}

/// `jailwright lint`'s arguments.
#[derive(Args, Debug)]
pub struct LintArgs {
    /// Profiles to check.
    #[arg(required_unless_present = "rules")]
    pub profiles: Vec<String>,
    /// List every check instead: id, severity, what it checks, why, the usual fix and its
    /// public source.
    #[arg(long, conflicts_with = "profiles")]
    pub rules: bool,
    /// Host architecture to check (repeatable); default: x86_64 and aarch64.
    #[arg(long, conflicts_with = "host")]
    pub arch: Vec<String>,
    /// Runtime and version whose start-up needs to check: runc, crun, runc@1.3.3 (a version
    /// left out means the newest jailwright knows).
    #[arg(long, default_value = "runc", conflicts_with = "host")]
    pub runtime: String,
    /// Check for this machine: its architecture and kernel, and the engine that answers
    /// (Docker, then Podman) with its runtime and the libseccomp that links.
    #[arg(long)]
    pub host: bool,
    /// The engine that hands the profile over: docker or podman, optionally @VERSION
    /// (docker@20.10.24); default: the newest, which reads every field.
    #[arg(long, value_name = "ENGINE[@VERSION]", conflicts_with = "host")]
    pub engine: Option<String>,
    /// The libseccomp the runtime links: a release (2.5.4) or a known distribution build
    /// (2.5.4-1+deb12u1); default: the newest release jailwright has the table of.
    #[arg(long, value_name = "VERSION", conflicts_with = "host")]
    pub libseccomp: Option<String>,
    /// Kernel version for `minKernel` (X.Y); default: 6.12.
    #[arg(long, value_name = "X.Y", conflicts_with = "host")]
    pub kernel: Option<String>,
    /// The container runs with no-new-privileges (`--security-opt no-new-privileges`):
    /// the runtime installs the filter later and needs fewer of its own syscalls.
    #[arg(long)]
    pub no_new_privileges: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

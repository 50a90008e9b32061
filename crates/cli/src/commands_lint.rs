//! `lint` (and `lint --rules`) and `export`.

use std::fmt::Write as _;
use std::path::Path;

use jailwright_container as container;
use jailwright_profile::export::{export as export_profile, ExportFormat, ExportOptions};
use jailwright_profile::host::Host;
use jailwright_profile::lint::{lint as lint_profile, LintOptions, Severity, RULES};
use jailwright_profile::Arch;

use crate::args::{Format, LintArgs, TargetArgs};
use crate::commands::{load, parse_runtime, target};
use crate::output::{emit, json, write_atomic};
use crate::{Failure, EXIT_FINDINGS};

/// `jailwright lint`: `--rules`, or the profiles against the flags' hosts or this one.
pub fn lint_cmd(a: LintArgs) -> Result<u8, Failure> {
    if a.rules {
        return rules(a.format);
    }
    let on = if a.host {
        On::Host
    } else {
        On::Given {
            arch: &a.arch,
            runtime: &a.runtime,
        }
    };
    lint(&a.profiles, on, a.no_new_privileges, a.format)
}

/// What `lint` checks against.
pub enum On<'a> {
    /// The hosts and runtime given on the command line.
    Given {
        /// `--arch` (empty: the default hosts).
        arch: &'a [String],
        /// `--runtime`.
        runtime: &'a str,
    },
    /// This machine (`--host`).
    Host,
}

/// The lint options for `on`: the flags, or this machine's architecture, kernel and engine
/// runtime (said on stderr, with what could not be found).
fn options(on: On<'_>, no_new_privileges: bool) -> Result<LintOptions, Failure> {
    let mut opts = LintOptions {
        no_new_privileges,
        ..LintOptions::default()
    };
    match on {
        On::Given { arch, runtime } => {
            opts.runtime = parse_runtime(runtime)?;
            if !arch.is_empty() {
                opts.arches = arch
                    .iter()
                    .map(|a| a.parse::<Arch>())
                    .collect::<Result<Vec<_>, _>>()?;
            }
        }
        On::Host => {
            let mut host = Host::read(Path::new("/"));
            match container::local_engine() {
                Ok(e) => host = host.with_engine(e),
                Err(why) => eprintln!(
                    "lint: no container engine answered ({why}); checking against {}",
                    opts.runtime
                ),
            }
            opts.arches = vec![host.arch];
            if let Some(k) = host.kernel {
                opts.kernel = k;
            }
            if let Some(e) = &host.engine {
                opts.runtime = e.runtime;
            }
            eprintln!("lint: this host is {} ({})", host.arch, host.stack());
        }
    }
    Ok(opts)
}

/// `jailwright lint PROFILE...`: exit 1 when any finding is a warning or an error.
fn lint(
    profiles: &[String],
    on: On<'_>,
    no_new_privileges: bool,
    format: Format,
) -> Result<u8, Failure> {
    let opts = options(on, no_new_privileges)?;
    let mut all = Vec::new();
    for name in profiles {
        let p = load(name)?;
        all.push((name.clone(), lint_profile(&p, &opts)));
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
    name: Option<String>,
    namespace: Option<String>,
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
    let default_name = Path::new(profile)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| profile.to_string());
    let opts = ExportOptions {
        name: name.unwrap_or(default_name),
        arch: tg.arch,
        caps: tg.caps,
        namespace,
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

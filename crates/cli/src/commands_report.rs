//! `jailwright report`, `stats --format html` and `diff --format html`: profiles compared
//! group by group as one self-contained HTML page.

use std::path::PathBuf;

use clap::Args;
use jailwright_profile::catalogue::group_of;
use jailwright_profile::diff::diff;
use jailwright_profile::lint::{lint, LintOptions};
use jailwright_profile::matrix::matrix;
use jailwright_profile::policy::{resolve, Target};
use jailwright_profile::{Arch, Profile};

use crate::args::{TableFormat, TargetArgs};
use crate::commands::{load, target};
use crate::html::{render, DiffView, Page};
use crate::output::emit;
use crate::Failure;

/// `jailwright report`'s arguments.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Profiles (built-in names or files), one column each.
    #[arg(required = true)]
    pub profiles: Vec<String>,
    /// Write the page here (atomically).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Architectures to compare on, comma-separated (each one's native ABI).
    #[arg(long, value_delimiter = ',', default_value = "x86_64,aarch64")]
    pub arches: Vec<String>,
    /// The two profiles whose differences the page lists, as written among PROFILES
    /// (default: the first two).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub diff: Vec<String>,
    /// The stack and bounding set the decisions are for (`--arch` is not used: see
    /// `--arches`).
    #[command(flatten)]
    pub target: TargetArgs,
}

fn arches(names: &[String]) -> Result<Vec<Arch>, Failure> {
    let mut out = Vec::new();
    for n in names {
        let a = n.parse::<Arch>()?;
        if jailwright_profile::tables::table(a).is_none() {
            return Err(Failure::usage(format!(
                "--arches: jailwright has no syscall table for {a}"
            )));
        }
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

fn loaded(names: &[String]) -> Result<Vec<(String, Profile)>, Failure> {
    names
        .iter()
        .map(|n| load(n).map(|p| (n.clone(), p)))
        .collect()
}

fn context(t: &Target) -> String {
    let caps = if t.caps.0.is_empty() {
        "no capabilities".to_string()
    } else {
        format!("bounding set {}", t.caps.names().join(" "))
    };
    format!(
        "Decisions as runtime {} applies the profiles on kernel {}, with {caps}. Made by jailwright {}.",
        t.runtime,
        t.kernel,
        env!("CARGO_PKG_VERSION")
    )
}

/// What `diff` says of `a` and `b` on each of `arches`, grouped.
fn diff_views(
    a: &(String, Profile),
    b: &(String, Profile),
    arches: &[Arch],
    base: &Target,
) -> Vec<DiffView> {
    arches
        .iter()
        .map(|&arch| {
            let t = Target {
                arch,
                ..base.clone()
            };
            let d = diff(&resolve(&a.1, &t), &resolve(&b.1, &t));
            let mut rows: Vec<(String, String, String, String)> = d
                .syscalls
                .iter()
                .map(|x| {
                    let group = group_of(&x.syscall).map_or("(no group)", |g| g.name);
                    // The host's filter covers its compat ABIs too (x32, i386 on x86_64).
                    let name = if x.arch == arch {
                        x.syscall.clone()
                    } else {
                        format!("{} ({})", x.syscall, x.arch)
                    };
                    (
                        group.to_string(),
                        name,
                        x.a.summary.clone(),
                        x.b.summary.clone(),
                    )
                })
                .collect();
            rows.sort();
            DiffView {
                a: a.0.clone(),
                b: b.0.clone(),
                arch: arch.name().to_string(),
                rows,
            }
        })
        .collect()
}

fn lint_all(
    profiles: &[(String, Profile)],
    arches: &[Arch],
    t: &Target,
) -> Vec<(String, Vec<jailwright_profile::lint::Finding>)> {
    let opts = LintOptions {
        arches: arches.to_vec(),
        caps: t.caps.clone(),
        kernel: t.kernel,
        runtime: t.runtime,
        libseccomp: t.libseccomp,
        engine: t.engine,
        ..LintOptions::default()
    };
    profiles
        .iter()
        .map(|(n, p)| (n.clone(), lint(p, &opts)))
        .collect()
}

/// `jailwright report PROFILE... -o FILE`: groups, differences of two (`--diff`, else the
/// first two), findings.
pub(crate) fn report_cmd(a: &ReportArgs) -> Result<u8, Failure> {
    if a.target.arch.is_some() {
        return Err(Failure::usage(
            "--arch: the report compares several architectures; name them with --arches",
        ));
    }
    let arches = arches(&a.arches)?;
    let base = target(&a.target)?;
    let profiles = loaded(&a.profiles)?;
    let refs: Vec<(String, &Profile)> = profiles.iter().map(|(n, p)| (n.clone(), p)).collect();
    let m = matrix(&refs, &arches, &base);
    let pair = |name: &str| profiles.iter().find(|(n, _)| n == name);
    let diffs = match (a.diff.as_slice(), profiles.as_slice()) {
        ([x, y], _) => match (pair(x), pair(y)) {
            (Some(x), Some(y)) => diff_views(x, y, &arches, &base),
            _ => {
                return Err(Failure::usage(format!(
                    "--diff {x},{y}: name two of the profiles compared ({})",
                    a.profiles.join(", ")
                )))
            }
        },
        ([], [x, y, ..]) => diff_views(x, y, &arches, &base),
        ([], _) => Vec::new(),
        _ => return Err(Failure::usage("--diff expects two profiles, A,B")),
    };
    let page = Page {
        title: format!("Seccomp profiles compared: {}", a.profiles.join(", ")),
        context: context(&base),
        matrix: Some(&m),
        diffs,
        lint: lint_all(&profiles, &arches, &base),
    };
    emit(Some(&a.output), render(&page).as_bytes())?;
    Ok(0)
}

/// The target, and the architectures the HTML formats of `stats` and `diff` show: the one
/// `--arch` names, else x86_64 and aarch64.
fn target_and_arches(t: &TargetArgs) -> Result<(Target, Vec<Arch>), Failure> {
    let base = target(t)?;
    let arches = match t.arch {
        Some(_) => vec![base.arch],
        None => vec![Arch::X86_64, Arch::Aarch64],
    };
    Ok((base, arches))
}

/// `stats` in any format.
pub(crate) fn stats_any(names: &[String], t: &TargetArgs, f: TableFormat) -> Result<u8, Failure> {
    match f.text() {
        Some(f) => crate::commands_profile::stats_cmd(names, t, f),
        None => stats_html(names, t),
    }
}

/// `diff` in any format.
pub(crate) fn diff_any(a: &str, b: &str, t: &TargetArgs, f: TableFormat) -> Result<u8, Failure> {
    match f.text() {
        Some(f) => crate::commands_profile::diff_cmd(a, b, t, f),
        None => diff_html(a, b, t),
    }
}

/// `stats --format html`: the group matrix alone, for the architecture `--arch` names (or
/// x86_64 and aarch64).
fn stats_html(names: &[String], t: &TargetArgs) -> Result<u8, Failure> {
    let (base, arches) = target_and_arches(t)?;
    let profiles = loaded(names)?;
    let refs: Vec<(String, &Profile)> = profiles.iter().map(|(n, p)| (n.clone(), p)).collect();
    let m = matrix(&refs, &arches, &base);
    let page = Page {
        title: format!("Seccomp profile statistics: {}", names.join(", ")),
        context: context(&base),
        matrix: Some(&m),
        diffs: Vec::new(),
        lint: Vec::new(),
    };
    emit(None, render(&page).as_bytes())?;
    Ok(0)
}

/// `diff --format html`: the differences, grouped (exit 1 when there are some, like `diff`).
fn diff_html(a: &str, b: &str, t: &TargetArgs) -> Result<u8, Failure> {
    let (base, arches) = target_and_arches(t)?;
    let profiles = loaded(&[a.to_string(), b.to_string()])?;
    let diffs = diff_views(&profiles[0], &profiles[1], &arches, &base);
    let differs = diffs.iter().any(|d| !d.rows.is_empty());
    let page = Page {
        title: format!("Seccomp profiles: {a} → {b}"),
        context: context(&base),
        matrix: None,
        diffs,
        lint: Vec::new(),
    };
    emit(None, render(&page).as_bytes())?;
    Ok(if differs { crate::EXIT_FINDINGS } else { 0 })
}

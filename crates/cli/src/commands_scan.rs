//! `jailwright scan`: the advisory pre-scan of Python plugin source.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use jailwright_scan::{Options, Report, Severity, ADVISORY};

use crate::output::{emit, json};
use crate::{Failure, EXIT_FINDINGS};

/// `jailwright scan`'s arguments.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Python files (scanned whatever their name) or directories (walked for *.py, without
    /// following symlinks out of them).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A directory the plugin may write to (repeatable); a write to a literal path anywhere
    /// else is a finding. Default: none.
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dirs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ScanFormat,
}

/// Output of `scan`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ScanFormat {
    /// One block per finding (position, severity, id, slug, message, why, fix), a summary
    /// and the advisory.
    #[default]
    Text,
    /// The JSON document of the jailwright-scan crate: advisory, scanned, findings.
    Json,
}

/// `jailwright scan PATH...`: exit 1 when anything was found, 2 when a path cannot be read.
pub fn scan_cmd(args: &ScanArgs) -> Result<u8, Failure> {
    let mut opts = Options::default();
    opts.output_dirs.clone_from(&args.output_dirs);
    let report = jailwright_scan::scan(&args.paths, &opts)?;
    let out = match args.format {
        ScanFormat::Json => json(&report.to_json())?,
        ScanFormat::Text => text(&report),
    };
    emit(None, out.as_bytes())?;
    Ok(if report.findings.is_empty() {
        0
    } else {
        EXIT_FINDINGS
    })
}

/// One block per finding (`path:line:column: severity ID slug: message`, then why and fix),
/// a summary line and the advisory.
fn text(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {} {}: {}\n  why: {}\n  fix: {}",
            f.path, f.line, f.column, f.severity, f.id, f.slug, f.message, f.why, f.fix
        );
    }
    let files = match report.scanned.len() {
        1 => "1 file".to_string(),
        n => format!("{n} files"),
    };
    let _ = writeln!(
        out,
        "scanned {files}: {} error(s), {} warning(s), {} info",
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info)
    );
    let _ = writeln!(out, "{ADVISORY}");
    out
}

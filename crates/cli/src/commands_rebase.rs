//! `jailwright rebase`: a hand-edited profile carried onto a newer base.

use std::path::{Path, PathBuf};

use clap::Args;
use jailwright_profile::rebase::{self, Change, RebaseReport};

use crate::args::Format;
use crate::output::{emit, json, Table};
use crate::{Failure, EXIT_FINDINGS};

/// `jailwright rebase`'s arguments.
#[derive(Args, Debug)]
pub struct RebaseArgs {
    /// The hand-edited profile (a built-in name or a file).
    pub custom: String,
    /// The base it was derived from (a built-in name or a file).
    #[arg(long, value_name = "PROFILE")]
    pub from: String,
    /// The base to carry it onto (a built-in name or a file).
    #[arg(long, value_name = "PROFILE")]
    pub to: String,
    /// Write the rebased profile here (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The report: human (text, on standard error) or json (on standard output when the
    /// profile goes to -o, else on standard error).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `jailwright rebase CUSTOM --from OLD --to NEW`.
pub(crate) fn rebase_cmd(args: &RebaseArgs) -> Result<u8, Failure> {
    let done = rebase::rebase_specs(&args.custom, &args.from, &args.to)?;
    let output = args.output.as_deref();
    emit(output, done.profile.to_json_pretty().as_bytes())?;
    let report = &done.report;
    match args.format {
        Format::Json if output.is_some() => emit(None, json(report)?.as_bytes())?,
        Format::Json => eprint!("{}", json(report)?),
        Format::Human => eprint!("{}", text(args, output, report)),
    }
    Ok(if report.is_clean() { 0 } else { EXIT_FINDINGS })
}

fn changes(title: &str, list: &[Change]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut t = Table::new(["", "", ""]);
    for c in list {
        t.row([
            format!("  {}", c.subject),
            c.kind.to_string(),
            format!("{} -> {}", c.before, c.after),
        ]);
    }
    // the header row is blank: drop it
    let rows = t.render();
    let body = rows.split_once('\n').map_or("", |(_, rest)| rest);
    format!("{title} ({}):\n{body}", list.len())
}

/// The report for people.
fn text(args: &RebaseArgs, output: Option<&Path>, r: &RebaseReport) -> String {
    let mut s = format!(
        "rebased {} from {} onto {}{}\n",
        args.custom,
        args.from,
        args.to,
        output.map_or(String::new(), |p| format!(", written to {}", p.display()))
    );
    s.push_str(&changes("kept: your edits", &r.kept));
    s.push_str(&changes("taken: upstream's changes", &r.taken));
    s.push_str(&changes("both: made the same way on both sides", &r.both));
    if !r.conflicts.is_empty() {
        s.push_str(&format!(
            "conflicts ({}): the output has your side (ours) of each\n",
            r.conflicts.len()
        ));
        for c in &r.conflicts {
            s.push_str(&format!(
                "  {}: {}\n    base:    {}\n    ours:    {}\n    theirs:  {}\n    written: {}\n",
                c.subject, c.why, c.base, c.ours, c.theirs, c.written
            ));
        }
    }
    s.push_str(&match r.conflicts.len() {
        0 => "clean: no conflicts\n".to_string(),
        1 => "1 conflict: your side was written; review it above\n".to_string(),
        n => format!("{n} conflicts: your side was written for each; review them above\n"),
    });
    s
}

//! `record`: arguments into a sandbox configuration, handed to `jailwright_runner::record`;
//! then the profile written and the summary printed.

use std::fmt::Write as _;
use std::path::Path;

use jailwright_profile::Arch;
use jailwright_runner::{self as runner, RecordRequest, SANDBOX_NEEDS};

use crate::args::SandboxArgs;
use crate::commands::load;
use crate::commands_run::{deliver, exit_status, run_failure, Fallback};
use crate::output::{emit, OutputFile, Table};
use crate::sandbox_args::sandbox_builder;
use crate::Failure;

/// `jailwright record`.
pub fn record(
    output: Option<&Path>,
    base: Option<&str>,
    arch: Option<&str>,
    s: &SandboxArgs,
    command: &[String],
) -> Result<u8, Failure> {
    let host = Arch::host();
    if let Some(a) = arch {
        let a: Arch = a.parse()?;
        if a != host {
            return Err(Failure::usage(format!(
                "--arch {a}: record runs the command on this machine, which is {host}; record on a {a} machine (calls through {host}'s compat ABIs are recorded per ABI anyway)"
            )));
        }
    }
    let base_profile = base.map(load).transpose()?;
    // Resolved before the command runs: it may write where the profile goes.
    let output_file = output.map(OutputFile::prepare).transpose()?;
    let (builder, requirements) = sandbox_builder(s, command)?;
    let mut request = RecordRequest::default();
    request.base = base.zip(base_profile.as_ref());
    request.requirements = requirements;
    let mut rec = runner::record(builder, &request).map_err(|e| run_failure(&e))?;
    rec.outcome.leave_init_to_exit();
    let text = rec.profile.to_json_pretty();
    let written = match &output_file {
        Some(file) => deliver(file, "-o", text.as_bytes(), Fallback::Stdout),
        None => {
            emit(None, text.as_bytes())?;
            false
        }
    };
    let mut summary = summary(&rec, base);
    if let (Some(path), true) = (output, written) {
        let _ = writeln!(summary, "wrote {}", path.display());
    }
    eprint!("{summary}");
    Ok(if rec.outcome.report.exit.success() {
        0
    } else {
        exit_status(rec.outcome.exit_code())
    })
}

/// The table of calls seen and what the recording says about itself.
fn summary(rec: &runner::Recording, base: Option<&str>) -> String {
    let mut t = Table::new(["ABI", "SYSCALL", "CALLS", "RULE"]);
    let mut calls = 0u64;
    let mut blocked = Vec::new();
    for sn in &rec.seen {
        calls += sn.count;
        let count = if sn.count == 0 && SANDBOX_NEEDS.contains(&sn.syscall.as_str()) {
            "-".to_string()
        } else {
            sn.count.to_string()
        };
        t.row([
            sn.arch.to_string(),
            sn.syscall.clone(),
            count,
            sn.rule.clone(),
        ]);
        if sn.blocked_by_base {
            blocked.push(format!("{} ({})", sn.syscall, sn.arch));
        }
    }
    let mut summary = t.render();
    let _ = writeln!(
        summary,
        "recorded {} syscalls, {calls} calls, in {:.1} ms; the command exited with {}",
        rec.seen.len(),
        rec.elapsed.as_secs_f64() * 1e3,
        rec.outcome.exit_code()
    );
    let _ = writeln!(
        summary,
        "{} are allowed without being observed: the sandbox itself calls them after installing the filter",
        SANDBOX_NEEDS.join(", ")
    );
    if rec.not_syscalls > 0 {
        let _ = writeln!(
            summary,
            "{} call(s) with numbers that are no system call of their ABI: not in the profile",
            rec.not_syscalls
        );
    }
    if let Some(b) = base {
        if blocked.is_empty() {
            let _ = writeln!(summary, "the base {b} allows every call seen");
        } else {
            let _ = writeln!(
                summary,
                "left out because the base {b} denies them: {}",
                blocked.join(", ")
            );
        }
    }
    if !rec.dangerous.is_empty() {
        let _ = writeln!(
            summary,
            "warning: the recorded profile allows {} dangerous call group(s); review before use \
             (jailwright lint shows all findings):",
            rec.dangerous.len()
        );
        for f in &rec.dangerous {
            let _ = writeln!(summary, "  {} {}: {} ({})", f.id, f.slug, f.message, f.why);
        }
    }
    summary
}

//! `jailwright`: the command-line interface. Raw arguments become validated options here;
//! the work happens in the library crates; only here do errors become exit codes.
#![forbid(unsafe_code)]

mod args;
mod commands;
mod commands_bpf;
mod commands_doctor;
mod commands_edit;
mod commands_lint;
mod commands_profile;
mod commands_rebase;
mod commands_record;
mod commands_report;
mod commands_run;
mod commands_scan;
mod commands_versions;
mod failure_report;
mod html;
mod output;
mod sandbox_args;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Args, FromArgMatches, Parser};

/// Exit status for findings or differences (the convention is `jailwright_report`'s).
pub const EXIT_FINDINGS: u8 = jailwright_report::EXIT_FINDINGS as u8;
/// Exit status for bad input or usage.
pub const EXIT_USAGE: u8 = jailwright_report::EXIT_USAGE as u8;

/// An error that carries its exit status.
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub code: u8,
    /// The message (already complete; printed as `jailwright: error: ...`).
    pub message: String,
}

impl Failure {
    /// Bad input or usage (exit 2).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }
}

/// An error and its chain of sources, `: `-separated.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        message.push_str(&format!(": {s}"));
        src = s.source();
    }
    message
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure::usage(error_chain(&e))
    }
}

/// `jailwright run ...` parsed against the `run` subcommand's definition alone; `None` for any
/// other command line and for every error, help or version request, which the full parser
/// then handles (and reports) as it always does.
///
/// Building the full definition (every subcommand with all its flags) is a measurable part
/// of starting a sandbox; `run` is the command whose start-up matters. The arguments go
/// through the same derived [`args::RunArgs`] definition, so a line that parses here parses
/// to the same value there (the test below checks a set of them).
fn parse_run_only(argv: &[OsString]) -> Option<args::Cli> {
    if argv.get(1).map(OsString::as_os_str) != Some("run".as_ref()) {
        return None;
    }
    let cmd = args::RunArgs::augment_args(clap::Command::new("run"));
    let matches = cmd.try_get_matches_from(&argv[1..]).ok()?;
    let run = args::RunArgs::from_arg_matches(&matches).ok()?;
    Some(args::Cli {
        command: args::Command::Run(run),
    })
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let cli = parse_run_only(&argv).unwrap_or_else(|| args::Cli::parse_from(argv));
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("jailwright: error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use clap::Parser;

    use super::{args, parse_run_only};

    fn argv(line: &[&str]) -> Vec<OsString> {
        std::iter::once("jailwright")
            .chain(line.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn run_parses_alone_as_in_the_full_definition() {
        let lines: &[&[&str]] = &[
            &["run", "--", "/bin/true"],
            &[
                "run",
                "-q",
                "--profile",
                "strict",
                "--",
                "python3",
                "-c",
                "print(1)",
            ],
            &[
                "run",
                "--report",
                "r.json",
                "--network",
                "host",
                "--memory",
                "256m",
                "--pids",
                "64",
                "--cpu-time",
                "3",
                "--timeout",
                "1.5",
                "--ro-bind",
                "/srv:/data",
                "--bind",
                "/tmp/out",
                "--tmpfs",
                "/scratch",
                "--env",
                "A=1",
                "--cwd",
                "/tmp",
                "--user",
                "1000:1000",
                "--require",
                "landlock",
                "--tty",
                "--",
                "sh",
                "-c",
                "echo --profile x",
            ],
            &[
                "run",
                "--backend",
                "docker",
                "--image",
                "alpine",
                "--on-reject",
                "compat",
                "--",
                "true",
            ],
            &["run", "--profile=moderate", "--", "--", "-x"],
        ];
        for line in lines {
            let a = argv(line);
            let fast = parse_run_only(&a).unwrap_or_else(|| panic!("{line:?} takes the fast path"));
            let full = args::Cli::try_parse_from(&a).expect("the full parser accepts it");
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{line:?}");
        }
    }

    #[test]
    fn everything_else_goes_to_the_full_parser() {
        let lines: &[&[&str]] = &[
            &["run"],
            &["run", "--help"],
            &["run", "-h"],
            &["run", "--version"],
            &["run", "--backend", "lxc", "--", "true"],
            &["run", "--bogus", "--", "true"],
            &["run", "/bin/true"],
            &["compile", "plugin"],
            &["--version"],
            &[],
        ];
        for line in lines {
            assert!(parse_run_only(&argv(line)).is_none(), "{line:?}");
        }
    }
}

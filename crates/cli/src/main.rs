//! `jailwright`: the command-line interface. Raw arguments become validated options here;
//! the work happens in the library crates; only here do errors become exit codes.
#![forbid(unsafe_code)]

mod args;
mod commands;
mod commands_bpf;
mod commands_lint;
mod commands_run;
mod output;

use std::process::ExitCode;

use clap::Parser;

/// Exit status for findings or differences.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status for bad input or usage.
pub const EXIT_USAGE: u8 = 2;

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

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Failure {
        let mut message = e.to_string();
        let mut src = e.source();
        while let Some(s) = src {
            message.push_str(&format!(": {s}"));
            src = s.source();
        }
        Failure::usage(message)
    }
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("jailwright: error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

//! Denials as a person reads them: the call decoded, the rule that denied it, the fix.

use jailwright_profile::denial::{call_text, explain_denial};
use jailwright_profile::policy::Policy;
use jailwright_profile::{Action, Arch, Profile};
use jailwright_sandbox::{self as sandbox, Response};
use serde::Serialize;

/// The x32 ABI's syscall-number bit.
const X32_BIT: u32 = 0x4000_0000;

/// A denial explained: which call, the rule that denied it and how to allow it.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Blocked {
    /// The ABI the call came from.
    pub arch: Arch,
    /// The syscall number, as seccomp saw it.
    pub nr: u32,
    /// The syscall's name on that ABI.
    pub syscall: String,
    /// The first call, decoded (`socket(AF_INET, SOCK_STREAM, 0)`).
    pub call: String,
    /// What the profile answered (`ERRNO(EPERM)`).
    pub action: String,
    /// The rule (or default) that decided.
    pub denied_by: String,
    /// How to allow it, as a profile edit.
    pub fix: String,
    /// How many calls.
    pub count: u64,
    /// One line: the call, the answer and the rule.
    pub line: String,
    /// The distinct calls seen, decoded (from at most 16 distinct argument vectors;
    /// `more_args` when there were more; the raw vectors are in the report's `denials`).
    pub calls_seen: Vec<String>,
    /// Whether more distinct argument vectors were seen than `calls_seen` shows.
    pub more_args: bool,
}

/// The ABI a call came from: by `AUDIT_ARCH` token, with the x32 bit on x86_64's token.
pub(crate) fn abi_of(policy: &Policy, token: u32, nr: u32) -> Option<Arch> {
    let mut candidates = policy
        .arches
        .iter()
        .map(|a| a.arch)
        .filter(|a| a.audit_arch() == token);
    if token == Arch::X86_64.audit_arch() && nr & X32_BIT != 0 {
        return candidates.find(|a| *a == Arch::X32).or(Some(Arch::X32));
    }
    candidates.find(|a| *a != Arch::X32).or_else(|| {
        Arch::ALL
            .into_iter()
            .find(|a| a.audit_arch() == token && *a != Arch::X32)
    })
}

/// The report's denials explained against the profile that answered them (the plugin's own
/// filter installs, which were let through, are not denials).
pub(crate) fn explain(
    name: &str,
    profile: &Profile,
    policy: &Policy,
    denials: &[sandbox::Denial],
) -> Vec<Blocked> {
    denials
        .iter()
        .filter(|d| d.response != Response::Continue)
        .filter_map(|d| {
            let nr = d.nr as u32;
            let arch = abi_of(policy, d.arch, nr)?;
            if d.out_of_range {
                return Some(out_of_range(arch, d));
            }
            let x = explain_denial(name, profile, policy, arch, nr, &d.args);
            let mut calls_seen: Vec<String> = Vec::new();
            for args in &d.distinct_args {
                let call = call_text(arch, nr, args);
                if !calls_seen.contains(&call) {
                    calls_seen.push(call);
                }
            }
            Some(Blocked {
                arch,
                nr,
                line: x.line(),
                syscall: x.syscall,
                call: x.call,
                action: x.action.to_string(),
                denied_by: x.denied_by,
                fix: x.fix,
                count: d.count,
                calls_seen,
                more_args: d.more_args,
            })
        })
        .collect()
}

/// The one entry that counts the calls whose numbers no ABI has.
fn out_of_range(arch: Arch, d: &sandbox::Denial) -> Blocked {
    let action = match d.response {
        Response::Errno(e) => Action::Errno(u16::try_from(e).unwrap_or(u16::MAX)).to_string(),
        _ => "CONTINUE".to_string(),
    };
    let call = format!(
        "{} call(s) with numbers no {arch} system call has (first {:#x})",
        d.count, d.nr as u32
    );
    Blocked {
        arch,
        nr: d.nr as u32,
        line: format!("blocked: {call} -> {action} (no system call has these numbers)"),
        syscall: "numbers no ABI has".into(),
        call,
        action,
        denied_by: "no system call has these numbers".into(),
        fix: "none needed: these are not system calls".into(),
        count: d.count,
        calls_seen: Vec::new(),
        more_args: false,
    }
}

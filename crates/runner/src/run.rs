//! One profile, one run: the program, the guard, the notifications answered as the profile
//! answers them, the denials explained.

use std::sync::{Arc, OnceLock};

use jailwright_bpf::{compile, CompileOptions, Program};
use jailwright_profile::policy::{resolve, Policy, Target};
use jailwright_profile::{catalogue, terminal, Action, Arch, Profile};
use jailwright_sandbox::{self as sandbox, Response, Sandbox, SandboxBuilder};

use crate::denials::{self, Blocked};
use crate::error::RunError;
use crate::prebuilt;

/// Syscalls the sandbox itself makes between installing the filter and `execve` (hand the
/// listener to the supervisor, report on the status pipe, close the listener). Every profile
/// used with denial reports must allow them; `record` cannot observe them.
pub const SANDBOX_NEEDS: [&str; 3] = ["sendmsg", "write", "close"];

/// Whether this kernel offers `SECCOMP_RET_USER_NOTIF`, which denial reports need (and the
/// reason when not): the host fact, read from `/`.
pub fn user_notification() -> Result<(), String> {
    jailwright_profile::host::user_notification(std::path::Path::new("/"))
}

/// The terminal guard for `host` (refusing the terminal requests that inject input, take a
/// terminal over or change its settings, whatever the profile), or `None` on an arch whose
/// terminal requests are not the generic ones.
pub fn terminal_guard(host: Arch) -> Result<Option<sandbox::TerminalGuard>, RunError> {
    if !terminal::guards(host) {
        return Ok(None);
    }
    // Precompiled for the common hosts (and proved there by the test suite).
    let program = match prebuilt::get(prebuilt::TERMINAL_GUARD, host) {
        Some(p) => p,
        None => {
            let policy = resolve(&terminal::guard_profile(), &Target::sandbox(host));
            compile(&policy, &prebuilt::terminal_guard_options())
                .map_err(|source| RunError::Internal {
                    what: "the terminal guard",
                    source,
                })?
                .program
        }
    };
    Ok(Some(sandbox::TerminalGuard {
        program,
        requests: terminal::GUARDED
            .iter()
            .map(|g| g.name.to_string())
            .collect(),
    }))
}

/// The profile a run applies: a built-in tier (whose precompiled program starts the sandbox
/// without deriving the tier), or a profile the caller loaded.
#[derive(Clone, Debug)]
pub struct ProfileChoice {
    name: String,
    loaded: Option<Profile>,
}

impl ProfileChoice {
    /// The built-in tier `name`, or `None` when there is no such tier.
    pub fn builtin(name: &str) -> Option<ProfileChoice> {
        catalogue::get(name).map(|e| ProfileChoice {
            name: e.name.to_string(),
            loaded: None,
        })
    }

    /// A profile the caller loaded; `name` (its file, usually) names it in reports.
    pub fn loaded(name: impl Into<String>, profile: Profile) -> ProfileChoice {
        ProfileChoice {
            name: name.into(),
            loaded: Some(profile),
        }
    }

    /// The name reports use.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What the caller insists on; a requirement that cannot be met stops the run before the
/// command starts.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Requirements {
    /// Denials must be reported by name (seccomp user notification).
    pub notify: bool,
    /// The command must not keep the caller's supplementary groups (an unprivileged user
    /// namespace cannot drop them).
    pub no_extra_groups: bool,
}

impl Requirements {
    /// Checks what can be checked before anything is set up.
    pub(crate) fn check(&self, notify: &Result<(), String>) -> Result<(), RunError> {
        if let (true, Err(why)) = (self.notify, notify) {
            return Err(RunError::Unmet {
                requirement: "notify",
                reason: format!("denials cannot be reported by name here: {why}"),
            });
        }
        if self.no_extra_groups {
            let extra: Vec<String> = sandbox::extra_groups()
                .iter()
                .map(|g| g.to_string())
                .collect();
            if !extra.is_empty() {
                return Err(RunError::Unmet {
                    requirement: "no-extra-groups",
                    reason: format!(
                        "this user's supplementary groups {} would stay with the plugin (an \
                         unprivileged user namespace cannot drop them); run as root or as a \
                         user without them",
                        extra.join(" ")
                    ),
                });
            }
        }
        Ok(())
    }
}

/// A finished run: the sandbox's outcome and its denials explained.
#[derive(Debug)]
#[non_exhaustive]
pub struct PluginOutcome {
    /// The sandbox's outcome: exit, layers, raw denials, captured output.
    pub outcome: sandbox::Outcome,
    /// The denials explained, in the order the report lists them.
    pub blocked: Vec<Blocked>,
    /// `Ok` when denials were reported by user notification, else why they could not be.
    pub notify: Result<(), String>,
    /// What limits the report itself (the plugin filtering itself).
    pub notes: Vec<String>,
    profile: String,
    /// The profile and policy derived for the run, if any was (a process that exits right
    /// after the run may `std::mem::forget` the outcome: freeing them only faults back in the
    /// pages they share copy-on-write with the sandbox).
    _derived: Derived,
}

impl PluginOutcome {
    /// How denials were observed (`user-notification`) or why they could not be.
    pub fn denial_reporting(&self) -> String {
        match &self.notify {
            Ok(()) => "user-notification".to_string(),
            Err(why) => {
                format!("unavailable: {why}; denied calls still fail, but are not reported")
            }
        }
    }

    /// The JSON run report (`command` as the caller gave it).
    pub fn report<'a>(&'a self, command: &'a [String]) -> Report<'a> {
        Report {
            profile: &self.profile,
            command,
            report: &self.outcome.report,
            blocked: &self.blocked,
            denial_reporting: self.denial_reporting(),
            notes: &self.notes,
        }
    }
}

/// The JSON run report of the native backend (the shape every backend writes).
pub type Report<'a> = jailwright_report::Document<'a, Blocked>;

/// The profile and its policy for the sandbox target: set at the start for a loaded profile,
/// derived from the catalogue when first needed for a built-in (a built-in run from its
/// precompiled program derives it only when a denial needs answering or explaining).
type Derived = Arc<OnceLock<(Profile, Policy)>>;

/// The profile and policy in `cell`, deriving built-in `name` for `host` if it is empty.
fn derived<'a>(cell: &'a Derived, name: &str, host: Arch) -> &'a (Profile, Policy) {
    cell.get_or_init(|| {
        let profile =
            catalogue::get(name).map_or_else(|| Profile::new(Action::Errno(1)), |e| e.profile());
        let policy = resolve(&profile, &Target::sandbox(host));
        (profile, policy)
    })
}

/// The program for the profile `name`: precompiled for a built-in on the common hosts (when
/// the notification rewrite is wanted, as the table holds it), compiled otherwise. A built-in
/// for the sandbox target is proved by the test suite on every arch with and without the
/// rewrite (see `CompileOptions::verify`); a loaded profile is checked here, before it is
/// installed.
fn program(
    name: &str,
    loaded: bool,
    cell: &Derived,
    host: Arch,
    notify: bool,
) -> Result<Program, RunError> {
    if !loaded && notify {
        if let Some(p) = prebuilt::get(name, host) {
            return Ok(p);
        }
    }
    let (_, policy) = derived(cell, name, host);
    let options = CompileOptions {
        rewrite_errno_to_notify: notify,
        verify: loaded,
        stats: false,
        ..CompileOptions::default()
    };
    compile(policy, &options)
        .map(|c| c.program)
        .map_err(|source| RunError::Compile {
            profile: name.to_string(),
            source,
        })
}

/// Runs the command of `builder` (its options set by the caller) under `choice`, with the
/// terminal guard in front and, where the kernel has user notification, every denial answered
/// as the profile answers it and explained.
pub fn run(
    choice: ProfileChoice,
    builder: SandboxBuilder,
    requirements: &Requirements,
) -> Result<PluginOutcome, RunError> {
    let host = Arch::host();
    let notify = user_notification();
    requirements.check(&notify)?;
    let ProfileChoice { name, loaded } = choice;
    let cell: Derived = Arc::new(OnceLock::new());
    let is_loaded = loaded.is_some();
    if let Some(profile) = loaded {
        let policy = resolve(&profile, &Target::sandbox(host));
        let _ = cell.set((profile, policy));
    }
    let program = program(&name, is_loaded, &cell, host, notify.is_ok())?;
    // The plugin tier sees only what a plugin needs of /etc.
    let mut b = builder.etc_minimal(name == "plugin").seccomp(program);
    if let Some(guard) = terminal_guard(host)? {
        b = b.terminal_guard(guard);
    }
    if notify.is_ok() {
        let cell = Arc::clone(&cell);
        let name = name.clone();
        b = b.on_notify(move |n| {
            // Answer with exactly what the profile says, so the plugin sees no difference.
            let (_, policy) = derived(&cell, &name, host);
            match policy.decide_raw(n.arch, n.nr as u32, &n.args).action {
                Action::Errno(e) => Response::Errno(i32::from(e)),
                // A call the profile allows that the filter still hands over: the plugin
                // installing a seccomp filter of its own (noted in the report).
                a if a.permits() => Response::Continue,
                _ => Response::Errno(1),
            }
        });
    }
    let outcome = b.build().and_then(Sandbox::run)?;
    let blocked = if outcome.report.denials.is_empty() {
        Vec::new()
    } else {
        let (profile, policy) = derived(&cell, &name, host);
        denials::explain(&name, profile, policy, &outcome.report.denials)
    };
    // The plugin's own filters: what they deny outranks a notification, so it is not seen.
    let installs: u64 = outcome
        .report
        .denials
        .iter()
        .filter(|d| d.response == Response::Continue)
        .map(|d| d.count)
        .sum();
    let mut notes = Vec::new();
    if installs > 0 {
        notes.push(format!(
            "the plugin installed a seccomp filter of its own ({installs} time(s)); calls that \
             filter denies are not seen, so they are missing from this report"
        ));
    }
    Ok(PluginOutcome {
        outcome,
        blocked,
        notify,
        notes,
        profile: name,
        _derived: cell,
    })
}

//! `record`: run a command with every call handed to the supervisor, and write the profile
//! that allows exactly what it called.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jailwright_bpf::{compile, CompileOptions};
use jailwright_profile::lint::{lint, Finding, LintOptions};
use jailwright_profile::policy::{resolve, Policy, Target};
use jailwright_profile::record::{self, Observation, Seen};
use jailwright_profile::{tables, Action, Arch, CapSet, Profile, SyscallRule};
use jailwright_sandbox::{self as sandbox, Response, Sandbox, SandboxBuilder};

use crate::denials::abi_of;
use crate::error::RunError;
use crate::run::{terminal_guard, user_notification, Requirements, SANDBOX_NEEDS};

/// What to record against.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct RecordRequest<'a> {
    /// A base profile and its name: calls it denies are answered as it answers them (so the
    /// command takes the path it will take under the recorded profile), and left out.
    pub base: Option<(&'a str, &'a Profile)>,
    /// What the caller insists on.
    pub requirements: Requirements,
}

/// A finished recording.
#[derive(Debug)]
#[non_exhaustive]
pub struct Recording {
    /// The command's outcome.
    pub outcome: sandbox::Outcome,
    /// The profile: the calls seen allowed (with the base's arguments rules where it has
    /// them), everything else denied.
    pub profile: Profile,
    /// Every syscall seen, with its count and rule; the sandbox's own calls after the filter
    /// ([`SANDBOX_NEEDS`]) with count 0 unless the command made them too.
    pub seen: Vec<Seen>,
    /// Calls with numbers that are no system call of their ABI (not in the profile).
    pub not_syscalls: u64,
    /// How long the command ran, set-up included.
    pub elapsed: Duration,
    /// The linter's `dangerous-*` findings on the profile: what the command did that no
    /// plugin should be allowed, to review before use.
    pub dangerous: Vec<Finding>,
}

/// The filter `record` runs under: every call of every ABI of `host` goes to the supervisor,
/// which lets it through and counts it, except the few calls the sandbox makes itself after
/// the filter is installed.
fn recording_profile(host: Arch) -> Profile {
    let mut p = Profile::new(Action::Notify);
    let mut arches = vec![host];
    arches.extend_from_slice(host.default_sub_arches());
    p.architectures = Some(arches);
    p.rules_mut()
        .push(SyscallRule::new(SANDBOX_NEEDS, Action::Allow));
    p
}

/// Calls per (AUDIT_ARCH token, number): the count and up to 64 distinct argument vectors.
type Calls = BTreeMap<(u32, i32), (u64, Vec<[u64; 6]>)>;

/// The [`Calls`] key of the calls whose numbers are no system call of their ABI.
const NOT_A_SYSCALL: i32 = i32::MIN;

/// Most distinct argument vectors kept per syscall.
const MAX_ARGSETS: usize = 64;

/// Runs the command of `builder` (its options set by the caller) and records what it calls.
pub fn record(builder: SandboxBuilder, request: &RecordRequest) -> Result<Recording, RunError> {
    let host = Arch::host();
    let notify = user_notification();
    if let Err(why) = &notify {
        return Err(RunError::Unsupported(format!(
            "record needs seccomp user notification: {why}"
        )));
    }
    request.requirements.check(&notify)?;
    let policy = resolve(&recording_profile(host), &Target::sandbox(host));
    let program = compile(&policy, &CompileOptions::default())
        .map_err(|source| RunError::Internal {
            what: "the recording filter",
            source,
        })?
        .program;
    let calls: Arc<Mutex<Calls>> = Arc::new(Mutex::new(BTreeMap::new()));
    let base_policy = request
        .base
        .map(|(_, p)| resolve(p, &Target::sandbox(host)));
    let mut b =
        builder
            .seccomp(program)
            .on_notify(recorder(&policy, base_policy, Arc::clone(&calls)));
    if let Some(guard) = terminal_guard(host)? {
        b = b.terminal_guard(guard);
    }
    let started = Instant::now();
    let outcome = b.build().and_then(Sandbox::run)?;
    let elapsed = started.elapsed();
    let calls = calls.lock().map(|m| m.clone()).unwrap_or_default();
    let (observed, not_syscalls) = observations(&policy, host, &calls);
    let built = record::build(&observed, host, request.base);
    // What the command did may include what no plugin should be allowed: say so, with the
    // linter's words, rather than write it into an always-allow profile without a word.
    let lint_opts = LintOptions {
        arches: vec![host],
        caps: CapSet::empty(),
        ..Default::default()
    };
    let dangerous = lint(&built.profile, &lint_opts)
        .into_iter()
        .filter(|f| f.slug.starts_with("dangerous-"))
        .collect();
    Ok(Recording {
        outcome,
        profile: built.profile,
        seen: built.seen,
        not_syscalls,
        elapsed,
        dangerous,
    })
}

/// The notification handler: counts every call and lets it through, or (with a base) answers
/// what the base denies as the base answers it; a base that kills gets EPERM, the recorded
/// default. Only numbers that are system calls of an ABI of the filter get an entry of their
/// own, with at most [`MAX_ARGSETS`] argument vectors: a command calling every number there
/// is must not grow the recorder's memory without bound. The rest are one count per ABI.
fn recorder(
    policy: &Policy,
    base: Option<Policy>,
    sink: Arc<Mutex<Calls>>,
) -> impl Fn(&sandbox::Notification) -> Response + Send + Sync + 'static {
    let syscalls: HashSet<(u32, i32)> = policy
        .arches
        .iter()
        .filter_map(|ap| tables::table(ap.arch))
        .flat_map(|t| {
            t.iter()
                .map(move |(_, nr)| (t.arch().audit_arch(), nr as i32))
        })
        .collect();
    move |n| {
        if let Ok(mut m) = sink.lock() {
            let key = if syscalls.contains(&(n.arch, n.nr)) {
                (n.arch, n.nr)
            } else {
                (n.arch, NOT_A_SYSCALL)
            };
            let e = m.entry(key).or_default();
            e.0 += 1;
            if key.1 != NOT_A_SYSCALL && e.1.len() < MAX_ARGSETS && !e.1.contains(&n.args) {
                e.1.push(n.args);
            }
        }
        match base
            .as_ref()
            .map(|p| p.decide_raw(n.arch, n.nr as u32, &n.args).action)
        {
            Some(Action::Errno(e)) => Response::Errno(i32::from(e)),
            Some(a) if !a.permits() => Response::Errno(1),
            _ => Response::Continue,
        }
    }
}

/// The calls as observations (the count spread over the distinct argument vectors, the
/// first carrying the rest), the sandbox's own calls after the filter added unobserved, and
/// how many calls had numbers that are no system call.
fn observations(policy: &Policy, host: Arch, calls: &Calls) -> (Vec<(Observation, u64)>, u64) {
    let mut observed: Vec<(Observation, u64)> = Vec::new();
    let mut not_syscalls = 0u64;
    for ((token, nr), (count, argsets)) in calls {
        if *nr == NOT_A_SYSCALL {
            not_syscalls += count;
            continue;
        }
        let nr = *nr as u32;
        let Some(arch) = abi_of(policy, *token, nr) else {
            continue;
        };
        for (i, args) in argsets.iter().enumerate() {
            let n = if i == 0 {
                count - (argsets.len() as u64 - 1)
            } else {
                1
            };
            observed.push((
                Observation {
                    arch,
                    nr,
                    args: *args,
                },
                n,
            ));
        }
    }
    let table = tables::table(host);
    for name in SANDBOX_NEEDS {
        if let Some(nr) = table.and_then(|t| t.lookup(name)) {
            if !observed.iter().any(|(o, _)| o.arch == host && o.nr == nr) {
                observed.push((
                    Observation {
                        arch: host,
                        nr,
                        args: [0; 6],
                    },
                    0,
                ));
            }
        }
    }
    (observed, not_syscalls)
}

//! What a compile is asked for ([`CompileOptions`]) and what the program must therefore answer
//! for each raw call ([`CompileOptions::expected`], [`abi_for`]): the contract the code
//! generator ([`crate::compile`]) meets and the checker ([`crate::verify`]) proves, kept apart
//! from both so that neither depends on the other for it.

use jailwright_profile::policy::{ArchPolicy, Cond, PolicyRule, X32_SYSCALL_BIT};
use jailwright_profile::{Action, Arch, Decision, Op, Policy, Reason};

/// The errno that tells libc a syscall does not exist (and to fall back).
pub(crate) const ENOSYS: u16 = 38;

/// How to compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    /// What a call from an ABI not in the filter gets. jailwright's default is KILL_PROCESS;
    /// use [`CompileOptions::libseccomp`] for the policy's own (libseccomp's KILL_THREAD).
    pub bad_arch_action: Action,
    /// Range dispatch, decision diagrams and the optimizer passes (default true). Without it:
    /// a linear chain of ranges and of rules, as a naive compiler would emit.
    pub optimize: bool,
    /// Run the equivalence checker on the result (default true).
    ///
    /// Keep it on for every policy that comes from outside the binary (a profile file, a
    /// merged or patched profile): it is what proves the program decides like the policy.
    /// The one place it may be off is a built-in profile ([`jailwright_profile::catalogue`])
    /// resolved for the native sandbox ([`Target::sandbox`](jailwright_profile::Target::sandbox))
    /// of any architecture, with or without `rewrite_errno_to_notify`: compilation is
    /// deterministic, and the test `every_builtin_compiles_verified_for_the_sandbox` (in
    /// `crate::compile`) compiles each of those combinations with the checker on, so a program
    /// built from them at run time is one the checker has already accepted. `jailwright run` relies
    /// on this for built-in profiles only; [`crate::emu::check`] (the kernel's own checks)
    /// runs whatever this says.
    pub verify: bool,
    /// Compile every ERRNO decision as USER_NOTIF, for a supervisor that answers with the
    /// policy's errno, except ENOSYS answers (runc's stub, and rules such as clone3 -> ENOSYS):
    /// those tell libc to fall back to an older call, come on every thread start, and are not
    /// denials anyone acts on, so they stay in the filter and cost no round trip.
    ///
    /// With a supervisor there, the calls that install a seccomp filter
    /// (`seccomp(SECCOMP_SET_MODE_FILTER)`, `prctl(PR_SET_SECCOMP)`), where the policy allows
    /// them outright, go to it too: the supervisor lets them through and the run can say that
    /// the plugin filtered itself (its filter's answers outrank a notification, so what it
    /// denies never reaches the supervisor).
    pub rewrite_errno_to_notify: bool,
    /// Measure the per-ABI path figures of [`Stats::arches`](crate::compile::Stats::arches) (default true). Measuring runs
    /// the program on every syscall number of every ABI, which costs more than compiling;
    /// a caller that only installs the program turns it off and gets an empty `arches`.
    pub stats: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            bad_arch_action: Action::KillProcess,
            optimize: true,
            verify: true,
            rewrite_errno_to_notify: false,
            stats: true,
        }
    }
}

impl CompileOptions {
    /// Options that keep the policy's own bad-arch action, as libseccomp and runc do.
    pub fn libseccomp(policy: &Policy) -> CompileOptions {
        CompileOptions {
            bad_arch_action: policy.bad_arch,
            ..CompileOptions::default()
        }
    }

    /// The action the compiled program returns for a decision of the policy.
    pub fn effective(&self, d: Decision) -> Action {
        match d.reason {
            Reason::BadArch => self.bad_arch_action,
            Reason::EnosysStub { .. } => d.action,
            Reason::Rule { .. } | Reason::Default => self.map(d.action),
        }
    }

    pub(crate) fn map(&self, a: Action) -> Action {
        match a {
            Action::Errno(e) if self.rewrite_errno_to_notify && e != ENOSYS => Action::Notify,
            a => a,
        }
    }

    /// The action the program must return for a raw call (`AUDIT_ARCH` token, number, args).
    pub fn expected(&self, policy: &Policy, token: u32, nr: u32, args: &[u64; 6]) -> Action {
        let d = policy.decide_raw(token, nr, args);
        if self.rewrite_errno_to_notify
            && matches!(d.reason, Reason::Rule { .. })
            && policy
                .arches
                .iter()
                .filter(|ap| ap.arch.audit_arch() == token)
                .any(|ap| observed_install(ap, nr).is_some_and(|op| args[0] as u32 == op))
        {
            return Action::Notify;
        }
        self.effective(d)
    }
}

/// The calls that install a seccomp filter, by name and the operation in their first argument
/// (compared on its low 32 bits, as the kernel reads it): `seccomp(SECCOMP_SET_MODE_FILTER)`
/// and `prctl(PR_SET_SECCOMP)`.
const FILTER_INSTALLS: [(&str, u32); 2] = [("seccomp", 1), ("prctl", 22)];

/// The operation of the filter-installing call `nr` on `ap`, when the policy allows it
/// outright (and so sends it to the supervisor under `rewrite_errno_to_notify`).
fn observed_install(ap: &ArchPolicy, nr: u32) -> Option<u32> {
    let name = jailwright_profile::tables::table(ap.arch)?.name(nr)?;
    let (_, op) = FILTER_INSTALLS.iter().find(|(n, _)| *n == name)?;
    (ap.syscalls.get(&nr)?.unconditional() == Some(Action::Allow)).then_some(*op)
}

/// The policy with each allowed filter-installing call split in two: its operation goes to
/// the supervisor, every other call of it stays allowed. `None` when nothing changes.
pub(crate) fn observe_filter_installs(policy: &Policy) -> Option<Policy> {
    let mut out: Option<Policy> = None;
    for (i, ap) in policy.arches.iter().enumerate() {
        let Some(table) = jailwright_profile::tables::table(ap.arch) else {
            continue;
        };
        let calls = FILTER_INSTALLS.iter().filter_map(|(name, _)| {
            let nr = table.lookup(name)?;
            observed_install(ap, nr).map(|op| (nr, op))
        });
        for (nr, op) in calls {
            let p = out.get_or_insert_with(|| policy.clone());
            if let Some(sp) = p.arches[i].syscalls.get_mut(&nr) {
                let source = sp.rules.first().map_or(0, |r| r.source);
                let cond = |op_: Op, value, value_two| Cond {
                    arg: 0,
                    op: op_,
                    value,
                    value_two,
                };
                sp.rules = vec![
                    PolicyRule {
                        conds: vec![cond(Op::MaskedEq, 0xffff_ffff, u64::from(op))],
                        action: Action::Notify,
                        source,
                    },
                    PolicyRule {
                        conds: vec![cond(Op::Ne, u64::from(op), 0)],
                        action: Action::Allow,
                        source,
                    },
                ];
            }
        }
    }
    out
}

/// The syscall numbers of an ABI's table (x32 with its bit) as spans `(first, last)`:
/// neighbouring numbers closer than 1024 share a span, so ARM's private syscalls at 0x0f0001
/// form their own span rather than a million-number one.
pub fn table_spans(arch: Arch) -> Vec<(u32, u32)> {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    if let Some(t) = jailwright_profile::tables::table(arch) {
        for (_, nr) in t.iter() {
            match spans.last_mut() {
                Some(last) if nr - last.1 <= 1024 => last.1 = nr,
                _ => spans.push((if spans.is_empty() && nr < 1024 { 0 } else { nr }, nr)),
            }
        }
        if arch == Arch::X32 {
            if let Some(first) = spans.first_mut() {
                first.0 = X32_SYSCALL_BIT;
            }
        }
    }
    spans
}

/// The ABI whose table decides a raw call, as [`Policy::decide_raw`] picks it; `Err` with the
/// action when no table does (bad arch, or an x32 number with only the x86_64 stub).
pub fn abi_for<'p>(
    policy: &'p Policy,
    options: &CompileOptions,
    token: u32,
    nr: u32,
) -> Result<&'p ArchPolicy, Action> {
    let mut cands = policy
        .arches
        .iter()
        .filter(|a| a.arch.audit_arch() == token);
    let x86 = token == Arch::X86_64.audit_arch();
    if x86 {
        let cands: Vec<&ArchPolicy> = cands.collect();
        if cands.is_empty() {
            return Err(options.bad_arch_action);
        }
        let x32 = cands.iter().find(|a| a.arch == Arch::X32);
        let x64 = cands.iter().find(|a| a.arch != Arch::X32);
        return match (x86_high(nr), x32, x64) {
            (X86High::X32, Some(x32), _) => Ok(x32),
            (X86High::X32, None, _) if nr == u32::MAX => Err(options.map(policy.default)),
            (X86High::X32, None, _) => Err(options.bad_arch_action),
            (X86High::Above, None, Some(x64)) if x64.enosys_above.is_some() => {
                Err(Action::Errno(ENOSYS))
            }
            (X86High::Above, None, _) => Err(options.bad_arch_action),
            (_, _, Some(x64)) => Ok(x64),
            (_, _, None) => Err(options.bad_arch_action),
        };
    }
    cands
        .find(|a| a.arch != Arch::X32)
        .ok_or(options.bad_arch_action)
}

/// Where a number on the x86_64 token goes (see [`Policy::decide_raw`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum X86High {
    /// Bit 30 set: x32's, -1 included.
    X32,
    /// Bit 31 set, bit 30 clear: no ABI's.
    Above,
    /// An x86_64 number.
    Native,
}

fn x86_high(nr: u32) -> X86High {
    if nr & X32_SYSCALL_BIT != 0 {
        X86High::X32
    } else if nr >= 0x8000_0000 {
        X86High::Above
    } else {
        X86High::Native
    }
}

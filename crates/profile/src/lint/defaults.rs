//! JW3xx: the default action, errno fallbacks, clone3, architectures, compat ABIs and the
//! filter's size.

use super::dangerous::Judge;
use super::*;

/// Syscalls glibc (and other libcs) fall back from only when they answer ENOSYS.
const ENOSYS_FALLBACKS: &[&str] = &[
    "faccessat2",
    "openat2",
    "statx",
    "close_range",
    "epoll_pwait2",
    "fchmodat2",
];

impl Lint<'_> {
    /// JW301, JW302.
    pub(super) fn default_action(&mut self) {
        let default = self.profile.default();
        let path = self.key_path("defaultAction");
        match default {
            Action::Allow | Action::Log => {
                let audit = default == Action::Log
                    || self
                        .profile
                        .flags
                        .iter()
                        .flatten()
                        .any(|f| f == "SECCOMP_FILTER_FLAG_LOG")
                    || self.profile.rules().iter().any(|r| {
                        matches!(r.action(), Action::Log | Action::Notify | Action::Trace(_))
                    });
                let (sev, what) = if audit {
                    (
                        Severity::Warning,
                        "an audit profile: every syscall not listed runs (and is logged or traced)",
                    )
                } else {
                    (
                        Severity::Error,
                        "a deny list: every syscall the profile does not name runs",
                    )
                };
                let message = format!("defaultAction is {default}: {what}");
                self.push(Hit::new(DEFAULT_ALLOW, path, message).severity(sev));
            }
            Action::KillThread | Action::KillProcess | Action::Trap => {
                let message = format!("defaultAction is {default}: any syscall the profile does not allow kills the caller");
                self.push(Hit::new(DEFAULT_KILL, path, message));
            }
            _ => {}
        }
    }

    /// JW303.
    pub(super) fn errno_fallbacks(&mut self) {
        let Action::Errno(e) = self.profile.default() else {
            return;
        };
        if e == 38 {
            return;
        }
        let mut out = Vec::new();
        for p in &self.policies {
            let (Some(ap), Some(table)) = (p.arch(p.host), tables::table(p.host)) else {
                continue;
            };
            let hit: Vec<&str> = ENOSYS_FALLBACKS
                .iter()
                .copied()
                .filter(|n| {
                    table.lookup(n).is_some_and(|nr| {
                        let d = ap.decide(nr, &[0; 6], p.default);
                        d.reason == crate::policy::Reason::Default && !ap.is_conditional(nr)
                    })
                })
                .collect();
            if hit.is_empty() {
                continue;
            }
            let stub = match ap.enosys_above {
                Some(above) => format!(
                    "{}'s ENOSYS stub only answers numbers above {} ({above}), and these are below it",
                    self.opts.runtime,
                    table.name(above).unwrap_or("?")
                ),
                None => format!(
                    "{} has no ENOSYS stub (runc >= 1.0 has one; crun and plain libseccomp do not)",
                    self.opts.runtime
                ),
            };
            out.push((
                p.host,
                format!(
                    "the default answers {} with {}: {stub}",
                    hit.join(", "),
                    Action::Errno(e)
                ),
                hit.join(","),
            ));
        }
        let path = self.default_path();
        for (host, message, names) in out {
            let syscall = (!names.contains(',')).then_some(names.as_str());
            self.push(
                Hit::new(EPERM_FALLBACK, path.clone(), message)
                    .syscall(syscall)
                    .on(host),
            );
        }
    }

    /// JW304, JW305.
    pub(super) fn clone3(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            let (Some(ap), Some(table)) = (p.arch(p.host), tables::table(p.host)) else {
                continue;
            };
            let Some(nr) = table.lookup("clone3") else {
                continue;
            };
            if let Some((path, how)) = self.allowance(p, ap, nr, Judge::Any) {
                out.push((
                    CLONE3_ALLOWED,
                    path,
                    p.host,
                    format!("clone3 is allowed {how}"),
                ));
                continue;
            }
            let d = ap.decide(nr, &[0; 6], p.default);
            if let Action::Errno(e) = d.action {
                if e != 38 {
                    let path = match d.reason {
                        crate::policy::Reason::Rule { source } => self.name_path(source, "clone3"),
                        _ => self.default_path(),
                    };
                    out.push((
                        CLONE3_ERRNO,
                        path,
                        p.host,
                        format!("clone3 is answered with {}", d.action),
                    ));
                }
            }
        }
        for (rule, path, host, message) in out {
            self.push(
                Hit::new(rule, path, message)
                    .syscall(Some("clone3"))
                    .on(host),
            );
        }
    }

    /// JW401.
    pub(super) fn architectures(&mut self) {
        const COMMON: &[(Arch, &str, Arch)] = &[
            (Arch::X86_64, "Intel/AMD servers, PCs and most CI runners", Arch::X86),
            (Arch::Aarch64, "Apple Silicon Macs under Colima, Docker Desktop or Podman machine, AWS Graviton, Ampere", Arch::Arm),
        ];
        let p = self.profile;
        let (key, listed): (&str, Vec<Arch>) =
            if let Some(map) = p.arch_map.as_ref().filter(|m| !m.is_empty()) {
                ("archMap", map.iter().map(|e| e.architecture).collect())
            } else if let Some(list) = p.architectures.as_ref().filter(|l| !l.is_empty()) {
                ("architectures", list.clone())
            } else {
                return;
            };
        for &(arch, hosts, compat) in COMMON {
            if listed.contains(&arch) {
                continue;
            }
            let what = if key == "archMap" {
                format!("archMap has no entry for {arch}: on an {arch} host the filter covers {arch} alone (policy rule 1: a host without an archMap entry gets a native-only filter)")
            } else {
                format!("architectures does not list {}: libseccomp still adds the native ABI, so on an {arch} host the filter covers {arch} plus the listed ABIs, which never occur there (policy rule 1)", arch.scmp_name())
            };
            let path = self.key_path(key);
            let message = format!("{what}; the rules still apply to native {arch} programs, but {compat} (32-bit) programs get the bad-arch action and are killed");
            let why = format!("{arch} is a common container host ({hosts}); the profile is not bypassed there, but 32-bit images and tools that need the {compat} compat ABI die with SIGSYS, and a profile that looks multi-arch silently is not");
            let fix = if key == "archMap" {
                format!("add {{\"architecture\": \"{}\", \"subArchitectures\": [\"{}\"]}} to archMap (leave subArchitectures empty to keep 32-bit programs out)", arch.scmp_name(), compat.scmp_name())
            } else {
                format!("add \"{}\" to architectures", arch.scmp_name())
            };
            self.push(
                Hit::new(MISSING_ARCH, path, message)
                    .on(arch)
                    .why(why)
                    .fix(fix),
            );
        }
    }

    /// JW402.
    pub(super) fn compat_abi(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            if p.host != Arch::X86_64 {
                continue;
            }
            let socket_filtered = p.arch(Arch::X86_64).is_some_and(|ap| {
                tables::table(Arch::X86_64)
                    .and_then(|t| t.lookup("socket"))
                    .is_some_and(|nr| ap.is_conditional(nr))
            });
            for sub in [Arch::X86, Arch::X32] {
                let Some(ap) = p.arch(sub) else { continue };
                let allowed = ap
                    .syscalls
                    .values()
                    .filter(|s| s.unconditional().is_some_and(Action::permits))
                    .count();
                let socketcall = tables::table(sub)
                    .and_then(|t| t.lookup("socketcall"))
                    .is_some_and(|nr| may_run(ap, nr, p.default));
                let mut message = if sub == Arch::X86 {
                    format!("the filter covers the i386 ABI (`int $0x80`) with the same rules: {allowed} syscalls allowed unconditionally there")
                } else {
                    format!("the filter covers the x32 ABI (numbers with bit 0x40000000) with the same rules: {allowed} syscalls allowed unconditionally there")
                };
                if sub == Arch::X86 && socket_filtered && socketcall {
                    message.push_str("; socketcall is allowed on i386, so the argument filter on socket(2) can be bypassed (socketcall passes socket's arguments in memory)");
                }
                out.push((sub, message));
            }
        }
        let path_for = |sub: Arch| -> String {
            if let Some(map) = self.profile.arch_map.as_ref() {
                for (k, e) in map.iter().enumerate() {
                    if e.architecture == Arch::X86_64 {
                        if let Some(j) =
                            e.sub_architectures.iter().flatten().position(|a| *a == sub)
                        {
                            return format!("{}.archMap[{k}].subArchitectures[{j}]", self.root());
                        }
                    }
                }
            }
            if let Some(j) = self
                .profile
                .architectures
                .iter()
                .flatten()
                .position(|a| *a == sub)
            {
                return format!("{}.architectures[{j}]", self.root());
            }
            self.root().to_string()
        };
        let out: Vec<(Arch, String, String)> = out
            .into_iter()
            .map(|(sub, m)| (sub, m, path_for(sub)))
            .collect();
        for (sub, message, path) in out {
            self.push(Hit::new(COMPAT_ABI, path, message).on(Arch::X86_64).fix(format!(
                    "drop {} from the x86_64 sub-architectures unless the container must run {} binaries",
                    sub.scmp_name(),
                    if sub == Arch::X86 { "32-bit" } else { "x32" }
            )));
        }
    }

    /// JW501.
    pub(super) fn size(&mut self) {
        let mut out = Vec::new();
        for p in &self.policies {
            let n = estimate_instructions(p);
            let sev = if n > 4096 {
                Severity::Error
            } else if n > 3000 {
                Severity::Warning
            } else {
                continue;
            };
            out.push((p.host, sev, n));
        }
        let path = self.key_path("syscalls");
        for (host, sev, n) in out {
            let message = format!("the filter is estimated at about {n} BPF instructions (kernel limit: 4096 per filter)");
            self.push(
                Hit::new(FILTER_SIZE, path.clone(), message)
                    .on(host)
                    .severity(sev),
            );
        }
    }
}

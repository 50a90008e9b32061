//! A systemd drop-in: `SystemCallFilter=`, `SystemCallArchitectures=`, `SystemCallErrorNumber=`.

use super::*;

/// systemd's name for an architecture in `SystemCallArchitectures=`.
pub(super) fn systemd_arch(a: Arch) -> Option<&'static str> {
    Some(match a {
        Arch::X86_64 => "x86-64",
        Arch::X86 => "x86",
        Arch::X32 => "x32",
        Arch::Aarch64 => "arm64",
        Arch::Arm => "arm",
        Arch::S390x => "s390x",
        Arch::S390 => "s390",
        Arch::Ppc64le => "ppc64-le",
        Arch::Ppc64 => "ppc64",
        Arch::Ppc => "ppc",
        Arch::Mips => "mips",
        Arch::Mipsel => "mips-le",
        Arch::Mips64 => "mips64",
        Arch::Mipsel64 => "mips64-le",
        Arch::Mips64n32 => "mips64-n32",
        Arch::Mipsel64n32 => "mips64-le-n32",
        Arch::Riscv64 => "riscv64",
        Arch::Loongarch64 => "loongarch64",
        _ => return None,
    })
}

pub(super) fn errno_text(e: u16) -> String {
    errno_name(u32::from(e))
        .map(str::to_string)
        .unwrap_or_else(|| e.to_string())
}

pub(super) fn push_filter_lines(out: &mut String, prefix: &str, names: &BTreeSet<&str>) {
    const PER_LINE: usize = 8;
    let names: Vec<&str> = names.iter().copied().collect();
    for chunk in names.chunks(PER_LINE) {
        out.push_str(&format!("SystemCallFilter={prefix}{}\n", chunk.join(" ")));
    }
}

pub(super) fn systemd(profile: &Profile, opts: &ExportOptions) -> Result<Export, ExportError> {
    let (policy, _, mut notes) = resolved(profile, opts)?;
    let default = policy.default;
    let ByName {
        allowed,
        conditional,
        denied,
    } = by_name(&policy, default);
    let mut unit = String::new();
    unit.push_str(&format!(
        "# systemd drop-in exported by jailwright from `{}` for {} hosts\n# install as /etc/systemd/system/UNIT.service.d/{}.conf, then `systemctl daemon-reload` and restart UNIT\n[Service]\n",
        bare_name(opts),
        opts.arch,
        bare_name(opts)
    ));
    let arches: Vec<&str> = policy
        .arches
        .iter()
        .filter(|a| a.arch != policy.host)
        .filter_map(|a| systemd_arch(a.arch))
        .collect();
    if arches.is_empty() {
        unit.push_str("SystemCallArchitectures=native\n");
    } else {
        unit.push_str(&format!(
            "SystemCallArchitectures=native {}\n",
            arches.join(" ")
        ));
    }
    if default.permits() {
        // Deny list.
        let mut deny: BTreeSet<&str> = denied.keys().copied().collect();
        let cond_names: Vec<&str> = conditional.keys().copied().collect();
        deny.extend(cond_names.iter().copied());
        notes.push(format!(
            "the default action is {default}: written as a deny list (`SystemCallFilter=~...`); every syscall the profile does not name stays allowed"
        ));
        if !deny.is_empty() {
            push_filter_lines(&mut unit, "~", &deny);
        }
        let errnos: BTreeSet<u16> = denied
            .values()
            .filter_map(|a| {
                if let Action::Errno(e) = a {
                    Some(*e)
                } else {
                    None
                }
            })
            .collect();
        if let Some(e) = errnos.iter().next() {
            unit.push_str(&format!("SystemCallErrorNumber={}\n", errno_text(*e)));
            if errnos.len() > 1 {
                notes.push(format!(
                    "systemd has one SystemCallErrorNumber=: every denied syscall answers {} (the profile uses {})",
                    errno_text(*e),
                    errnos.iter().map(|e| errno_text(*e)).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        if !cond_names.is_empty() {
            notes.push(format!(
                "systemd cannot filter arguments; chose to DENY these conditionally-denied syscalls outright (safer than allowing them): {}",
                conditional
                    .iter()
                    .map(|(n, t)| format!("{n} ({t})"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    } else {
        // Allow list.
        push_filter_lines(&mut unit, "", &allowed);
        match default {
            Action::Errno(e) => {
                unit.push_str(&format!("SystemCallErrorNumber={}\n", errno_text(e)));
            }
            Action::KillProcess | Action::KillThread => notes.push(format!(
                "the default is {default}: no SystemCallErrorNumber= is written, so systemd kills the process with SIGSYS (it has no kill-the-thread mode)"
            )),
            other => notes.push(format!(
                "the default {other} has no systemd equivalent: no SystemCallErrorNumber= is written, so systemd kills the process with SIGSYS"
            )),
        }
        if !conditional.is_empty() {
            notes.push(format!(
                "systemd cannot filter arguments; chose to DENY these syscalls, which the profile allows only under conditions (allowing them would widen the profile): {}",
                conditional
                    .iter()
                    .map(|(n, t)| format!("{n} ({t})"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        let other: Vec<String> = denied
            .iter()
            .filter(|(_, a)| **a != default)
            .map(|(n, a)| format!("{n} ({a})"))
            .collect();
        if !other.is_empty() {
            notes.push(format!(
                "systemd has one SystemCallErrorNumber=: these syscalls answer the default errno instead of their own: {}",
                other.join(", ")
            ));
        }
        notes.push("systemd always permits a few syscalls its service manager needs to start the process (see SystemCallFilter= in systemd.exec(5)), even when the profile denies them".into());
    }
    if policy.arches.len() > 1 {
        notes.push("SystemCallFilter= names apply to every ABI in SystemCallArchitectures=, each resolving them through its own table, as the profile's rules do".into());
    }
    Ok(Export {
        files: vec![(format!("{}.conf", bare_name(opts)), unit)],
        notes,
    })
}

/// What the profile does with each name, across every ABI of the filter (systemd resolves
/// names per ABI itself): always allowed, allowed or denied under conditions (with the rules as
/// text), or denied with an action other than the default.
fn by_name(policy: &Policy, default: Action) -> ByName {
    let mut allowed: BTreeSet<&str> = BTreeSet::new();
    let mut conditional: BTreeMap<&str, String> = BTreeMap::new();
    let mut denied: BTreeMap<&str, Action> = BTreeMap::new();
    for ap in &policy.arches {
        for sp in ap.syscalls.values() {
            if sp.rules.is_empty() {
                continue;
            }
            match sp.unconditional() {
                Some(a) if a.permits() => {
                    allowed.insert(sp.name);
                }
                Some(a) => {
                    if a != default {
                        denied.insert(sp.name, a);
                    }
                }
                None => {
                    let text = sp
                        .rules
                        .iter()
                        .map(|r| {
                            let conds: Vec<String> =
                                r.conds.iter().map(ToString::to_string).collect();
                            format!("{} when {}", r.action, conds.join(" && "))
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    conditional.insert(sp.name, text);
                }
            }
        }
    }
    for n in &allowed {
        conditional.remove(n);
        denied.remove(n);
    }
    ByName {
        allowed,
        conditional,
        denied,
    }
}

/// What [`by_name`] finds.
struct ByName {
    allowed: BTreeSet<&'static str>,
    conditional: BTreeMap<&'static str, String>,
    denied: BTreeMap<&'static str, Action>,
}

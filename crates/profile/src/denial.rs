//! Blocked-syscall reports: which call was denied, with its arguments decoded, the rule that
//! denied it, and how to allow it.

use crate::action::{errno_name, Action};
use crate::arch::Arch;
use crate::catalogue;
use crate::dialect::Profile;
use crate::ops::rule_summary;
use crate::policy::{resolve, Policy, Reason, Target};
use crate::tables;

/// A denied call, explained.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Denial {
    /// The ABI of the call.
    pub arch: Arch,
    /// The syscall number.
    pub nr: u32,
    /// Its name (`nr N` when unknown).
    pub syscall: String,
    /// The call with decoded arguments: `ptrace(PTRACE_TRACEME)`.
    pub call: String,
    /// What the filter returned.
    pub action: Action,
    /// What denied it: the rule, the group, or the default.
    pub denied_by: String,
    /// How to allow it.
    pub fix: String,
}

impl Denial {
    /// The one-line form: `blocked: ptrace(PTRACE_TRACEME) -> EPERM (plugin: debugging
    /// and tracing). To allow: --profile debug, or jailwright patch plugin --allow ptrace -o my.json`.
    pub fn line(&self) -> String {
        let result = match self.action {
            Action::Errno(e) => {
                errno_name(u32::from(e)).map_or(format!("errno {e}"), str::to_string)
            }
            other => other.to_string(),
        };
        format!(
            "blocked: {} -> {} ({}). To allow: {}",
            self.call, result, self.denied_by, self.fix
        )
    }
}

/// The call as the user reads it (`unshare(CLONE_NEWUSER)`); a number that is no syscall of
/// `arch` is said as such, not decoded as a call.
pub fn call_text(arch: Arch, nr: u32, args: &[u64; 6]) -> String {
    match tables::table(arch).and_then(|t| t.name(nr)) {
        Some(name) => decode_call(name, args),
        None if nr == u32::MAX => {
            "syscall(-1) (no system call: the number a tracer sets to skip a call)".to_string()
        }
        None => format!("syscall({nr:#x}) (not a system call of {arch})"),
    }
}

/// Explains a denied call. `profile_name` is what the user passed (`plugin` or a path).
pub fn explain_denial(
    profile_name: &str,
    profile: &Profile,
    policy: &Policy,
    arch: Arch,
    nr: u32,
    args: &[u64; 6],
) -> Denial {
    let decision = policy.decide(arch, nr, args);
    let name = tables::table(arch)
        .and_then(|t| t.name(nr))
        .map_or_else(|| format!("nr {nr}"), str::to_string);
    let call = call_text(arch, nr, args);
    let builtin = catalogue::get(profile_name);
    let group = builtin.and_then(|e| e.group_for(&name));
    let denied_by = match (decision.reason, group) {
        (_, Some((tier, step))) => format!("{tier}: {}", step.group()),
        (Reason::Rule { source }, None) => format!(
            "{profile_name}: rule syscalls[{source}] {}",
            rule_summary(&profile.rules()[source])
        ),
        (Reason::Default, None) => format!("{profile_name}: default action, no rule allows it"),
        (Reason::EnosysStub { above }, None) => {
            format!("{profile_name}: newer than every syscall the profile names (> {above})")
        }
        (Reason::BadArch, None) => format!("{arch} ABI not allowed"),
    };
    let mut fixes = Vec::new();
    if builtin.is_some() {
        if let Some(t) = tier_allowing(arch, nr, args) {
            fixes.push(format!("--profile {t}"));
        }
    }
    if !name.starts_with("nr ") {
        fixes.push(format!(
            "jailwright patch {profile_name} --allow {name} -o my.json"
        ));
    }
    Denial {
        arch,
        nr,
        syscall: name,
        call,
        action: decision.action,
        denied_by,
        fix: if fixes.is_empty() {
            "record the plugin with `jailwright record` to see what it needs".into()
        } else {
            fixes.join(", or ")
        },
    }
}

/// The first built-in tier (least permissive first) that allows this call with no
/// capabilities.
fn tier_allowing(arch: Arch, nr: u32, args: &[u64; 6]) -> Option<&'static str> {
    let host = match arch {
        Arch::X86 | Arch::X32 => Arch::X86_64,
        Arch::Arm => Arch::Aarch64,
        Arch::S390 => Arch::S390x,
        a => a,
    };
    tier_policies(host)
        .iter()
        .find(|(_, p)| p.decide(arch, nr, args).action.permits())
        .map(|(t, _)| *t)
}

/// The built-in tiers, least permissive first, resolved for the sandbox on `host`: once per
/// host and process (a run explaining thousands of denials asks for each of them).
fn tier_policies(host: Arch) -> &'static [(&'static str, Policy)] {
    const TIERS: [&str; 6] = [
        "plugin",
        "strict",
        "mcp",
        "moderate",
        "debug",
        "docker-default",
    ];
    static CACHE: [std::sync::OnceLock<Vec<(&'static str, Policy)>>; Arch::ALL.len()] =
        [const { std::sync::OnceLock::new() }; Arch::ALL.len()];
    let slot = Arch::ALL.iter().position(|&a| a == host).unwrap_or(0);
    CACHE[slot].get_or_init(|| {
        TIERS
            .iter()
            .filter_map(|&t| {
                let e = catalogue::get(t)?;
                Some((e.name, resolve(&e.profile(), &Target::sandbox(host))))
            })
            .collect()
    })
}

fn flags(v: u64, table: &[(u64, &str)]) -> String {
    let mut parts = Vec::new();
    let mut rest = v;
    for &(bit, name) in table {
        if bit != 0 && v & bit == bit {
            parts.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 || parts.is_empty() {
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

fn clone_flags(v: u64) -> String {
    let signal = match v & 0xff {
        0 => None,
        17 => Some("SIGCHLD".to_string()),
        n => Some(format!("signal {n}")),
    };
    let rest = v & !0xff;
    match (rest, signal) {
        (0, Some(sig)) => sig,
        (_, Some(sig)) => format!("{}|{sig}", flags(rest, CLONE)),
        (_, None) => flags(rest, CLONE),
    }
}

fn lookup(v: u64, table: &[(u64, &str)]) -> String {
    table
        .iter()
        .find(|(k, _)| *k == v)
        .map_or_else(|| format!("{v:#x}"), |(_, n)| (*n).to_string())
}

const PTRACE: &[(u64, &str)] = &[
    (0, "PTRACE_TRACEME"),
    (1, "PTRACE_PEEKTEXT"),
    (2, "PTRACE_PEEKDATA"),
    (4, "PTRACE_POKETEXT"),
    (5, "PTRACE_POKEDATA"),
    (7, "PTRACE_CONT"),
    (8, "PTRACE_KILL"),
    (12, "PTRACE_GETREGS"),
    (16, "PTRACE_ATTACH"),
    (17, "PTRACE_DETACH"),
    (0x4206, "PTRACE_SEIZE"),
];
const AF: &[(u64, &str)] = &[
    (0, "AF_UNSPEC"),
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (10, "AF_INET6"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (38, "AF_ALG"),
    (40, "AF_VSOCK"),
    (31, "AF_BLUETOOTH"),
    (44, "AF_XDP"),
];
const SOCK: &[(u64, &str)] = &[
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (5, "SOCK_SEQPACKET"),
];
const CLONE: &[(u64, &str)] = &[
    (0x0000_0100, "CLONE_VM"),
    (0x0000_0200, "CLONE_FS"),
    (0x0000_0400, "CLONE_FILES"),
    (0x0000_0800, "CLONE_SIGHAND"),
    (0x0000_2000, "CLONE_PTRACE"),
    (0x0000_4000, "CLONE_VFORK"),
    (0x0000_8000, "CLONE_PARENT"),
    (0x0001_0000, "CLONE_THREAD"),
    (0x0002_0000, "CLONE_NEWNS"),
    (0x0004_0000, "CLONE_SYSVSEM"),
    (0x0008_0000, "CLONE_SETTLS"),
    (0x0010_0000, "CLONE_PARENT_SETTID"),
    (0x0020_0000, "CLONE_CHILD_CLEARTID"),
    (0x0080_0000, "CLONE_UNTRACED"),
    (0x0100_0000, "CLONE_CHILD_SETTID"),
    (0x0200_0000, "CLONE_NEWCGROUP"),
    (0x0400_0000, "CLONE_NEWUTS"),
    (0x0800_0000, "CLONE_NEWIPC"),
    (0x1000_0000, "CLONE_NEWUSER"),
    (0x2000_0000, "CLONE_NEWPID"),
    (0x4000_0000, "CLONE_NEWNET"),
    (0x8000_0000, "CLONE_IO"),
];
const PERSONALITY: &[(u64, &str)] = &[
    (0x0040000, "ADDR_NO_RANDOMIZE"),
    (0x0020000, "UNAME26"),
    (0x0400000, "READ_IMPLIES_EXEC"),
    (0x0000008, "PER_LINUX32"),
];

/// Formats a call with the arguments that matter for the syscall decoded.
pub fn decode_call(name: &str, a: &[u64; 6]) -> String {
    let args: Vec<String> = match name {
        "ptrace" => vec![lookup(a[0], PTRACE)],
        "socket" => vec![
            lookup(a[0], AF),
            format!(
                "{}{}",
                lookup(a[1] & 0xf, SOCK),
                if a[1] & !0xf != 0 {
                    format!("|{:#x}", a[1] & !0xf)
                } else {
                    String::new()
                }
            ),
            a[2].to_string(),
        ],
        // clone's low byte is the exit signal (CSIGNAL), not a flag.
        "clone" => vec![clone_flags(a[0])],
        "unshare" => vec![flags(a[0], CLONE)],
        "personality" if a[0] == 0xffff_ffff => vec!["0xffffffff (query)".into()],
        "personality" => vec![flags(a[0], PERSONALITY)],
        "ioctl" => vec![
            a[0].to_string(),
            match a[1] & 0xffff_ffff {
                0x5412 => "TIOCSTI".into(),
                0x541c => "TIOCLINUX".into(),
                v => format!("{v:#x}"),
            },
        ],
        "kill" | "tkill" => vec![a[0].to_string(), a[1].to_string()],
        "keyctl" | "prctl" | "bpf" | "mount" | "umount2" | "setns" | "reboot"
        | "io_uring_setup" | "userfaultfd" | "perf_event_open" | "kexec_load" | "init_module"
        | "finit_module" | "open_by_handle_at" | "chroot" | "pivot_root" => Vec::new(),
        _ => Vec::new(),
    };
    format!("{name}({})", args.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nr(name: &str) -> u32 {
        tables::table(Arch::X86_64).unwrap().lookup(name).unwrap()
    }

    #[test]
    fn ptrace_under_plugin_names_the_group_and_the_debug_tier() {
        let p = catalogue::get("plugin").unwrap().profile();
        let pol = resolve(&p, &Target::sandbox(Arch::X86_64));
        let d = explain_denial("plugin", &p, &pol, Arch::X86_64, nr("ptrace"), &[0; 6]);
        assert_eq!(
            d.line(),
            "blocked: ptrace(PTRACE_TRACEME) -> EPERM (moderate: debugging and tracing). To allow: --profile debug, or jailwright patch plugin --allow ptrace -o my.json"
        );
    }

    #[test]
    fn decodes_sockets_and_clone_flags() {
        assert_eq!(
            decode_call("socket", &[17, 3, 768, 0, 0, 0]),
            "socket(AF_PACKET, SOCK_RAW, 768)"
        );
        assert_eq!(
            decode_call("clone", &[0x1000_0000 | 0x0002_0000, 0, 0, 0, 0, 0]),
            "clone(CLONE_NEWNS|CLONE_NEWUSER)"
        );
        assert_eq!(
            decode_call("clone", &[0x1000_0000 | 17, 0, 0, 0, 0, 0]),
            "clone(CLONE_NEWUSER|SIGCHLD)"
        );
        assert_eq!(decode_call("clone", &[17, 0, 0, 0, 0, 0]), "clone(SIGCHLD)");
        assert_eq!(
            decode_call("personality", &[0x0040000, 0, 0, 0, 0, 0]),
            "personality(ADDR_NO_RANDOMIZE)"
        );
    }

    #[test]
    fn file_profiles_get_a_patch_suggestion() {
        let p = catalogue::get("plugin").unwrap().profile();
        let pol = resolve(&p, &Target::sandbox(Arch::X86_64));
        let d = explain_denial("my.json", &p, &pol, Arch::X86_64, nr("keyctl"), &[0; 6]);
        assert!(
            d.line().contains("jailwright patch my.json --allow keyctl"),
            "{}",
            d.line()
        );
        assert!(d.denied_by.contains("default"), "{}", d.denied_by);
    }
}

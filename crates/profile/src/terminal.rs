//! The terminal guard: the terminal `ioctl` requests a sandboxed plugin must never make, as a
//! profile that a sandbox installs in front of whatever profile it runs.
//!
//! A plugin's standard streams are often the caller's terminal. Whatever the profile, a
//! plugin must not be able to push input into that terminal (`TIOCSTI`, `TIOCLINUX`'s
//! selection paste), make it its controlling terminal or redirect the console to it
//! (`TIOCSCTTY`, `TIOCCONS`, `TIOCSPGRP`, `TIOCVHANGUP`), or leave it changed after the run
//! (termios, window size, line discipline, exclusive mode, flow control, break, modem and
//! serial settings). Reading and writing the terminal, and every query (`TCGETS`,
//! `TIOCGWINSZ`, ...), stay allowed.
//!
//! The kernel reads the request as a 32-bit `unsigned int` (`SYSCALL_DEFINE3(ioctl, unsigned
//! int fd, unsigned int cmd, ...)` in fs/ioctl.c), so the guard compares the low 32 bits
//! only: `TIOCSTI | 1 << 32` is `TIOCSTI` to the kernel and to the guard.
//!
//! The values are those of include/uapi/asm-generic/ioctls.h, which x86, arm, arm64, RISC-V,
//! s390 and LoongArch use; POWER, MIPS, SPARC and others number their terminal requests
//! differently and get no guard ([`guards`] says which).
//!
//! ```
//! use jailwright_profile::{terminal, Arch};
//!
//! assert_eq!(terminal::guarded(Arch::X86_64, 0x5412).unwrap().name, "TIOCSTI");
//! assert_eq!(terminal::guarded(Arch::X86_64, 0x1_0000_5412).unwrap().name, "TIOCSTI");
//! assert!(terminal::guarded(Arch::X86_64, 0x5401).is_none()); // TCGETS: a query
//! ```

use crate::action::{Action, Op};
use crate::arch::Arch;
use crate::dialect::{ArgCond, Profile, SyscallRule};

/// One refused request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuardedRequest {
    /// Its name in the kernel's headers.
    pub name: &'static str,
    /// Its value (include/uapi/asm-generic/ioctls.h).
    pub value: u32,
    /// What a plugin could do with it.
    pub why: &'static str,
}

const INJECT: &str =
    "pushes input into the terminal, which the caller's shell reads after the plugin ends";
const STEAL: &str = "takes the terminal or the console over";
const STATE: &str = "changes the terminal's settings, which outlive the plugin";

macro_rules! requests {
    ($($name:ident = $value:expr, $why:expr;)*) => {
        /// Every request the guard refuses, by value.
        pub const GUARDED: &[GuardedRequest] = &[
            $(GuardedRequest { name: stringify!($name), value: $value, why: $why },)*
        ];
    };
}

requests! {
    TIOCSTI = 0x5412, INJECT;
    TIOCLINUX = 0x541c, "pastes the console selection as input, among other console controls";
    TIOCSCTTY = 0x540e, STEAL;
    TIOCCONS = 0x541d, STEAL;
    TIOCSPGRP = 0x5410, STEAL;
    TIOCVHANGUP = 0x5437, STEAL;
    TCSETS = 0x5402, STATE;
    TCSETSW = 0x5403, STATE;
    TCSETSF = 0x5404, STATE;
    TCSETA = 0x5406, STATE;
    TCSETAW = 0x5407, STATE;
    TCSETAF = 0x5408, STATE;
    TCSETS2 = 0x402c_542b, STATE;
    TCSETSW2 = 0x402c_542c, STATE;
    TCSETSF2 = 0x402c_542d, STATE;
    TCSETX = 0x5433, STATE;
    TCSETXF = 0x5434, STATE;
    TCSETXW = 0x5435, STATE;
    TIOCSLCKTRMIOS = 0x5457, STATE;
    TIOCSWINSZ = 0x5414, STATE;
    TIOCSETD = 0x5423, "changes the terminal's line discipline, which outlives the plugin";
    TIOCEXCL = 0x540c, "makes the terminal exclusive: nothing else can open it after the plugin ends";
    TIOCNXCL = 0x540d, STATE;
    TCXONC = 0x540a, "suspends the terminal's output or input";
    TCFLSH = 0x540b, "discards what the caller typed ahead";
    TIOCSBRK = 0x5427, "holds a break condition on the line";
    TIOCMSET = 0x5418, STATE;
    TIOCMBIS = 0x5416, STATE;
    TIOCMBIC = 0x5417, STATE;
    TIOCSSOFTCAR = 0x541a, STATE;
    TIOCSSERIAL = 0x541f, STATE;
    TIOCSRS485 = 0x542f, STATE;
    TIOCPKT = 0x5420, STATE;
}

/// The errno a guarded request gets.
pub const ERRNO: u16 = 1;

/// Whether the guard covers `arch`: its terminal requests are the generic ones.
pub fn guards(arch: Arch) -> bool {
    matches!(
        arch,
        Arch::X86_64
            | Arch::X86
            | Arch::X32
            | Arch::Aarch64
            | Arch::Arm
            | Arch::Riscv64
            | Arch::S390x
            | Arch::S390
            | Arch::Loongarch64
    )
}

/// The guarded request `request` is on `arch` (compared as the kernel does, on the low 32
/// bits), if any.
pub fn guarded(arch: Arch, request: u64) -> Option<&'static GuardedRequest> {
    if !guards(arch) {
        return None;
    }
    let low = request as u32;
    GUARDED.iter().find(|g| g.value == low)
}

/// The guard as a profile: everything allowed but `ioctl` with a guarded request, which gets
/// `EPERM`. Its `archMap` gives a host its 32-bit ABIs (x86 and x32 on x86_64, arm on
/// aarch64, s390 on s390x), as a sandbox on that host sees them.
pub fn guard_profile() -> Profile {
    let mut p = Profile::new(Action::Allow);
    p.arch_map = Some(crate::catalogue::arch_map(&[
        (Arch::X86_64, &[Arch::X86, Arch::X32]),
        (Arch::Aarch64, &[Arch::Arm]),
        (Arch::S390x, &[Arch::S390]),
        (Arch::Riscv64, &[]),
        (Arch::Loongarch64, &[]),
    ]));
    for g in GUARDED {
        let mut rule = SyscallRule::new(["ioctl"], Action::Errno(ERRNO));
        rule.args = Some(vec![ArgCond::new(
            1,
            Op::MaskedEq,
            0xffff_ffff,
            u64::from(g.value),
        )]);
        rule.comment = Some(format!("{}: {}", g.name, g.why));
        p.rules_mut().push(rule);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{resolve, Target};
    use crate::tables;

    #[test]
    fn values_are_unique_and_queries_are_not_guarded() {
        let mut v: Vec<u32> = GUARDED.iter().map(|g| g.value).collect();
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), GUARDED.len());
        for query in [0x5401, 0x5405, 0x5413, 0x540f, 0x541b, 0x5424, 0x5421] {
            assert!(guarded(Arch::X86_64, query).is_none(), "{query:#x}");
        }
        assert!(guarded(Arch::Ppc64le, 0x5412).is_none());
    }

    #[test]
    fn the_profile_refuses_each_request_on_every_abi_of_the_host_and_ignores_the_high_word() {
        for host in [Arch::X86_64, Arch::Aarch64, Arch::Riscv64, Arch::S390x] {
            let policy = resolve(&guard_profile(), &Target::sandbox(host));
            assert!(!policy.arches.is_empty());
            for ap in &policy.arches {
                let nr = tables::table(ap.arch).unwrap().lookup("ioctl").unwrap();
                for g in GUARDED {
                    for high in [0u64, 1 << 32, 0xffff_ffff << 32] {
                        let args = [0, high | u64::from(g.value), 0, 0, 0, 0];
                        let d = policy.decide(ap.arch, nr, &args);
                        assert_eq!(d.action, Action::Errno(ERRNO), "{} {}", ap.arch, g.name);
                    }
                }
                let d = policy.decide(ap.arch, nr, &[0, 0x5401, 0, 0, 0, 0]);
                assert_eq!(d.action, Action::Allow, "{} TCGETS", ap.arch);
                let read = tables::table(ap.arch).unwrap().lookup("read").unwrap();
                assert_eq!(policy.decide(ap.arch, read, &[0; 6]).action, Action::Allow);
            }
        }
    }
}

//! Architectures as seccomp sees them.
//!
//! Three spellings exist for the same architecture and all three appear in real profiles:
//! libseccomp's (`SCMP_ARCH_X86_64`, used in `architectures` and `archMap`), Go's
//! (`amd64`, used in `includes.arches` / `excludes.arches`, naming the *host*), and the
//! kernel's `AUDIT_ARCH_*` token that a BPF filter compares `seccomp_data.arch` against.

use std::fmt;
use std::str::FromStr;

/// A seccomp architecture (an ABI, strictly: x32 and x86_64 are different ABIs of one CPU).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Arch {
    /// 64-bit x86.
    X86_64,
    /// 32-bit x86 (i386), also the `int $0x80` ABI on x86_64 hosts.
    X86,
    /// The x32 ABI: x86_64 registers, 32-bit pointers; numbers carry bit 0x40000000.
    X32,
    /// 64-bit ARM.
    Aarch64,
    /// 32-bit ARM (EABI).
    Arm,
    /// 64-bit RISC-V.
    Riscv64,
    /// 64-bit IBM Z.
    S390x,
    /// 31-bit IBM Z.
    S390,
    /// 64-bit little-endian POWER.
    Ppc64le,
    /// 64-bit big-endian POWER.
    Ppc64,
    /// 32-bit POWER.
    Ppc,
    /// MIPS o32, big endian.
    Mips,
    /// MIPS o32, little endian.
    Mipsel,
    /// MIPS n64, big endian.
    Mips64,
    /// MIPS n64, little endian.
    Mipsel64,
    /// MIPS n32, big endian.
    Mips64n32,
    /// MIPS n32, little endian.
    Mipsel64n32,
    /// 64-bit LoongArch.
    Loongarch64,
    /// 32-bit PA-RISC (no syscall table in jailwright).
    Parisc,
    /// 64-bit PA-RISC (no syscall table in jailwright).
    Parisc64,
    /// Motorola 68k (no syscall table in jailwright).
    M68k,
    /// SuperH little endian (no syscall table in jailwright).
    Sh,
    /// SuperH big endian (no syscall table in jailwright).
    Sheb,
}

const AUDIT_ARCH_64BIT: u32 = 0x8000_0000;
const AUDIT_ARCH_LE: u32 = 0x4000_0000;
const AUDIT_ARCH_MIPS64_N32: u32 = 0x2000_0000;

impl Arch {
    /// Every architecture jailwright knows by name, in a stable order.
    pub const ALL: [Arch; 23] = [
        Arch::X86_64,
        Arch::X86,
        Arch::X32,
        Arch::Aarch64,
        Arch::Arm,
        Arch::Riscv64,
        Arch::S390x,
        Arch::S390,
        Arch::Ppc64le,
        Arch::Ppc64,
        Arch::Ppc,
        Arch::Mips,
        Arch::Mipsel,
        Arch::Mips64,
        Arch::Mipsel64,
        Arch::Mips64n32,
        Arch::Mipsel64n32,
        Arch::Loongarch64,
        Arch::Parisc,
        Arch::Parisc64,
        Arch::M68k,
        Arch::Sh,
        Arch::Sheb,
    ];

    /// libseccomp's name, as written in `architectures` and `archMap`.
    pub fn scmp_name(self) -> &'static str {
        match self {
            Arch::X86_64 => "SCMP_ARCH_X86_64",
            Arch::X86 => "SCMP_ARCH_X86",
            Arch::X32 => "SCMP_ARCH_X32",
            Arch::Aarch64 => "SCMP_ARCH_AARCH64",
            Arch::Arm => "SCMP_ARCH_ARM",
            Arch::Riscv64 => "SCMP_ARCH_RISCV64",
            Arch::S390x => "SCMP_ARCH_S390X",
            Arch::S390 => "SCMP_ARCH_S390",
            Arch::Ppc64le => "SCMP_ARCH_PPC64LE",
            Arch::Ppc64 => "SCMP_ARCH_PPC64",
            Arch::Ppc => "SCMP_ARCH_PPC",
            Arch::Mips => "SCMP_ARCH_MIPS",
            Arch::Mipsel => "SCMP_ARCH_MIPSEL",
            Arch::Mips64 => "SCMP_ARCH_MIPS64",
            Arch::Mipsel64 => "SCMP_ARCH_MIPSEL64",
            Arch::Mips64n32 => "SCMP_ARCH_MIPS64N32",
            Arch::Mipsel64n32 => "SCMP_ARCH_MIPSEL64N32",
            Arch::Loongarch64 => "SCMP_ARCH_LOONGARCH64",
            Arch::Parisc => "SCMP_ARCH_PARISC",
            Arch::Parisc64 => "SCMP_ARCH_PARISC64",
            Arch::M68k => "SCMP_ARCH_M68K",
            Arch::Sh => "SCMP_ARCH_SH",
            Arch::Sheb => "SCMP_ARCH_SHEB",
        }
    }

    /// The short lower-case name jailwright prints and accepts (`x86_64`, `aarch64`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::X86 => "x86",
            Arch::X32 => "x32",
            Arch::Aarch64 => "aarch64",
            Arch::Arm => "arm",
            Arch::Riscv64 => "riscv64",
            Arch::S390x => "s390x",
            Arch::S390 => "s390",
            Arch::Ppc64le => "ppc64le",
            Arch::Ppc64 => "ppc64",
            Arch::Ppc => "ppc",
            Arch::Mips => "mips",
            Arch::Mipsel => "mipsel",
            Arch::Mips64 => "mips64",
            Arch::Mipsel64 => "mipsel64",
            Arch::Mips64n32 => "mips64n32",
            Arch::Mipsel64n32 => "mipsel64n32",
            Arch::Loongarch64 => "loongarch64",
            Arch::Parisc => "parisc",
            Arch::Parisc64 => "parisc64",
            Arch::M68k => "m68k",
            Arch::Sh => "sh",
            Arch::Sheb => "sheb",
        }
    }

    /// Go's `GOARCH`-style name used by `includes.arches` / `excludes.arches` (moby's
    /// `seccomp_linux.go` compares these against the host).
    pub fn go_name(self) -> &'static str {
        match self {
            Arch::X86_64 => "amd64",
            Arch::Aarch64 => "arm64",
            Arch::Mipsel => "mipsle",
            Arch::Mipsel64 => "mips64le",
            Arch::Mips64n32 => "mips64p32",
            Arch::Mipsel64n32 => "mips64p32le",
            Arch::Loongarch64 => "loong64",
            // Go spells the others as jailwright does.
            _ => self.name(),
        }
    }

    /// The `AUDIT_ARCH_*` value the kernel puts in `seccomp_data.arch`.
    pub fn audit_arch(self) -> u32 {
        const EM_386: u32 = 3;
        const EM_68K: u32 = 4;
        const EM_MIPS: u32 = 8;
        const EM_PARISC: u32 = 15;
        const EM_PPC: u32 = 20;
        const EM_PPC64: u32 = 21;
        const EM_S390: u32 = 22;
        const EM_ARM: u32 = 40;
        const EM_SH: u32 = 42;
        const EM_X86_64: u32 = 62;
        const EM_AARCH64: u32 = 183;
        const EM_RISCV: u32 = 243;
        const EM_LOONGARCH: u32 = 258;
        match self {
            Arch::X86_64 | Arch::X32 => EM_X86_64 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Arch::X86 => EM_386 | AUDIT_ARCH_LE,
            Arch::Aarch64 => EM_AARCH64 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Arch::Arm => EM_ARM | AUDIT_ARCH_LE,
            Arch::Riscv64 => EM_RISCV | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Arch::S390x => EM_S390 | AUDIT_ARCH_64BIT,
            Arch::S390 => EM_S390,
            Arch::Ppc64le => EM_PPC64 | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Arch::Ppc64 => EM_PPC64 | AUDIT_ARCH_64BIT,
            Arch::Ppc => EM_PPC,
            Arch::Mips => EM_MIPS,
            Arch::Mipsel => EM_MIPS | AUDIT_ARCH_LE,
            Arch::Mips64 => EM_MIPS | AUDIT_ARCH_64BIT,
            Arch::Mipsel64 => EM_MIPS | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Arch::Mips64n32 => EM_MIPS | AUDIT_ARCH_64BIT | AUDIT_ARCH_MIPS64_N32,
            Arch::Mipsel64n32 => EM_MIPS | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE | AUDIT_ARCH_MIPS64_N32,
            Arch::Loongarch64 => EM_LOONGARCH | AUDIT_ARCH_64BIT | AUDIT_ARCH_LE,
            Arch::Parisc => EM_PARISC,
            Arch::Parisc64 => EM_PARISC | AUDIT_ARCH_64BIT,
            Arch::M68k => EM_68K,
            Arch::Sh => EM_SH | AUDIT_ARCH_LE,
            Arch::Sheb => EM_SH,
        }
    }

    /// Whether a filter compares syscall arguments as 64-bit values for this ABI. On 32-bit
    /// ABIs a filter compares only the low word (libseccomp truncates the rule's value the
    /// same way). x32 and MIPS n32 count as 32-bit, as libseccomp treats them
    /// (`ARCH_SIZE_32` in arch-x32.c and arch-mips64n32.c): their registers are 64 bits wide
    /// but their `int`/`long`/pointer arguments are 32, and runc's filter compares the low
    /// word only.
    pub fn is_64bit_args(self) -> bool {
        matches!(
            self,
            Arch::X86_64
                | Arch::Aarch64
                | Arch::Riscv64
                | Arch::S390x
                | Arch::Ppc64le
                | Arch::Ppc64
                | Arch::Mips64
                | Arch::Mipsel64
                | Arch::Loongarch64
                | Arch::Parisc64
        )
    }

    /// Whether the ABI is little endian (where the low word of an argument sits first).
    pub fn is_little_endian(self) -> bool {
        self.audit_arch() & AUDIT_ARCH_LE != 0
    }

    /// The sub-architectures Docker's default `archMap` lists for this native arch; used
    /// when a profile names only `architectures` and jailwright builds a multi-ABI filter.
    pub fn default_sub_arches(self) -> &'static [Arch] {
        match self {
            Arch::X86_64 => &[Arch::X86, Arch::X32],
            Arch::Aarch64 => &[Arch::Arm],
            Arch::S390x => &[Arch::S390],
            Arch::Mips64 => &[Arch::Mips, Arch::Mips64n32],
            Arch::Mipsel64 => &[Arch::Mipsel, Arch::Mipsel64n32],
            Arch::Ppc64 => &[Arch::Ppc],
            _ => &[],
        }
    }

    /// The architecture of the machine jailwright was built for.
    pub fn host() -> Arch {
        match std::env::consts::ARCH {
            "x86" => Arch::X86,
            "aarch64" => Arch::Aarch64,
            "arm" => Arch::Arm,
            "riscv64" => Arch::Riscv64,
            "s390x" => Arch::S390x,
            "powerpc64" if cfg!(target_endian = "little") => Arch::Ppc64le,
            "powerpc64" => Arch::Ppc64,
            "powerpc" => Arch::Ppc,
            "mips" if cfg!(target_endian = "little") => Arch::Mipsel,
            "mips" => Arch::Mips,
            "mips64" if cfg!(target_endian = "little") => Arch::Mipsel64,
            "mips64" => Arch::Mips64,
            "loongarch64" => Arch::Loongarch64,
            _ => Arch::X86_64,
        }
    }

    /// Parses libseccomp's spelling only (`SCMP_ARCH_X86_64`), as profiles must use it.
    pub fn from_scmp_name(s: &str) -> Option<Arch> {
        Arch::ALL.into_iter().find(|a| a.scmp_name() == s)
    }

    /// Parses a Go-style host name as used by `includes.arches` (`amd64`, `arm64`, ...).
    pub fn from_go_name(s: &str) -> Option<Arch> {
        Arch::ALL.into_iter().find(|a| a.go_name() == s)
    }
}

impl serde::Serialize for Arch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an architecture name jailwright does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown architecture `{0}`; expected one of: x86_64, x86, x32, aarch64, arm, riscv64, s390x, s390, ppc64le, ppc64, ppc, mips, mipsel, mips64, mipsel64, mips64n32, mipsel64n32, loongarch64")]
pub struct UnknownArch(pub String);

impl FromStr for Arch {
    type Err = UnknownArch;

    /// Accepts every spelling users type: `x86_64`, `amd64`, `SCMP_ARCH_X86_64`, `arm64`,
    /// `i386`, `i686`, `x86`, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let bare = lower.strip_prefix("scmp_arch_").unwrap_or(&lower);
        let alias = match bare {
            "amd64" | "x86-64" => Some(Arch::X86_64),
            "i386" | "i686" | "ia32" | "386" => Some(Arch::X86),
            "arm64" => Some(Arch::Aarch64),
            "armhf" | "armv7" | "armel" => Some(Arch::Arm),
            "loong64" => Some(Arch::Loongarch64),
            "ppc64el" => Some(Arch::Ppc64le),
            _ => None,
        };
        alias
            .or_else(|| Arch::ALL.into_iter().find(|a| a.name() == bare))
            .or_else(|| Arch::ALL.into_iter().find(|a| a.go_name() == bare))
            .ok_or_else(|| UnknownArch(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_tokens_match_linux_headers() {
        assert_eq!(Arch::X86_64.audit_arch(), 0xc000_003e);
        assert_eq!(Arch::X86.audit_arch(), 0x4000_0003);
        assert_eq!(Arch::X32.audit_arch(), 0xc000_003e);
        assert_eq!(Arch::Aarch64.audit_arch(), 0xc000_00b7);
        assert_eq!(Arch::Arm.audit_arch(), 0x4000_0028);
        assert_eq!(Arch::Riscv64.audit_arch(), 0xc000_00f3);
        assert_eq!(Arch::S390x.audit_arch(), 0x8000_0016);
        assert_eq!(Arch::S390.audit_arch(), 0x0000_0016);
        assert_eq!(Arch::Ppc64le.audit_arch(), 0xc000_0015);
        assert_eq!(Arch::Mipsel64n32.audit_arch(), 0xe000_0008);
        assert_eq!(Arch::Loongarch64.audit_arch(), 0xc000_0102);
    }

    #[test]
    fn every_spelling_parses() {
        for a in Arch::ALL {
            assert_eq!(a.name().parse::<Arch>().unwrap(), a);
            assert_eq!(a.scmp_name().parse::<Arch>().unwrap(), a);
            assert_eq!(Arch::from_scmp_name(a.scmp_name()), Some(a));
            assert_eq!(Arch::from_go_name(a.go_name()), Some(a));
        }
        assert_eq!("amd64".parse::<Arch>().unwrap(), Arch::X86_64);
        assert_eq!("arm64".parse::<Arch>().unwrap(), Arch::Aarch64);
        assert!("vax".parse::<Arch>().is_err());
    }
}

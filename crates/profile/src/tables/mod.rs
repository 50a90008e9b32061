//! Syscall tables: the name ⇄ number maps of every ABI jailwright compiles filters for.
//!
//! A *syscall number* here is exactly the value the kernel puts in `seccomp_data.nr` for that
//! ABI, so a BPF filter can compare against it unchanged:
//! - x32 numbers carry `__X32_SYSCALL_BIT` (0x4000_0000): x32 `read` is 0x4000_0000, x32
//!   `execve` is 0x4000_0000 | 520;
//! - MIPS numbers carry the ABI offset: o32 from 4000, n64 from 5000, n32 from 6000;
//! - 32-bit ARM's private syscalls (`breakpoint`, `cacheflush`, `usr26`, `usr32`, `set_tls`,
//!   `get_tls`) sit at 0x0f_0001..=0x0f_0006.
//!
//! Each table lists every row of the kernel's table for that ABI, including names the kernel
//! keeps only as reserved slots (`afs_syscall`, `tuxcall`, MIPS `reserved177`, ...), because a
//! profile may name them and the kernel still dispatches (and seccomp still sees) the number.
//!
//! Where the numbers come from is pinned in [`TABLE_SOURCE`]: the `syscalls` crate for the
//! ABIs it covers, and hand-derived static tables (`x32.rs`, `s390.rs`, `mips_n32.rs`, each with
//! a "do not edit" header naming the kernel file) for the rest. Adding or changing an entry is
//! a deliberate act: the `tables` integration test pins the per-arch counts.
//!
//! ```
//! use jailwright_profile::arch::Arch;
//! use jailwright_profile::tables;
//!
//! let x32 = tables::table(Arch::X32).unwrap();
//! assert_eq!(x32.lookup("execve"), Some(0x4000_0000 | 520));
//! assert_eq!(x32.name(0x4000_0000), Some("read"));
//! assert_eq!(tables::suggest("opnat"), Some("openat"));
//! ```

mod mips_n32;
mod s390;
mod x32;

use std::sync::OnceLock;

use crate::arch::Arch;

/// Where every table's numbers come from, with the kernel version they describe.
pub const TABLE_SOURCE: &str = "syscalls crate 0.8.1 (Linux v6.18 syscall tables) for x86_64, \
x86, aarch64, arm, riscv64, s390x, ppc, ppc64, ppc64le, mips o32, mips n64 and loongarch64; \
hand-derived from Linux v6.18 for x32 (arch/x86/entry/syscalls/syscall_64.tbl, abi common + \
x32, | 0x40000000), s390 (arch/s390/kernel/syscalls/syscall.tbl, abi common + 32), mips n32 \
(arch/mips/kernel/syscalls/syscall_n32.tbl, + 6000) and the ARM private syscalls \
(arch/arm/include/uapi/asm/unistd.h, 0x0f0000 + n)";

/// `__X32_SYSCALL_BIT`: every x32 syscall number carries it.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;
/// `__NR_N32_Linux`: the first MIPS n32 syscall number.
const MIPS_N32_BASE: u32 = 6000;
/// 32-bit ARM's private syscalls, `__ARM_NR_BASE` (0x0f0000) + n for EABI.
const ARM_PRIVATE: &[(&str, u32)] = &[
    ("breakpoint", 0x0f_0001),
    ("cacheflush", 0x0f_0002),
    ("usr26", 0x0f_0003),
    ("usr32", 0x0f_0004),
    ("set_tls", 0x0f_0005),
    ("get_tls", 0x0f_0006),
];

/// One ABI's syscall table: names and the numbers seccomp sees for them.
#[derive(Debug)]
pub struct SyscallTable {
    arch: Arch,
    /// Sorted by number; numbers are unique.
    by_nr: Box<[(&'static str, u32)]>,
    /// The same entries sorted by name; names are unique.
    by_name: Box<[(&'static str, u32)]>,
}

impl SyscallTable {
    fn new(arch: Arch, entries: impl IntoIterator<Item = (&'static str, u32)>) -> SyscallTable {
        let mut by_nr: Vec<(&'static str, u32)> = entries.into_iter().collect();
        by_nr.sort_unstable_by_key(|&(_, nr)| nr);
        let mut by_name = by_nr.clone();
        by_name.sort_unstable_by_key(|&(name, _)| name);
        debug_assert!(
            by_nr.windows(2).all(|w| w[0].1 != w[1].1),
            "{arch}: duplicate number"
        );
        debug_assert!(
            by_name.windows(2).all(|w| w[0].0 != w[1].0),
            "{arch}: duplicate name"
        );
        SyscallTable {
            arch,
            by_nr: by_nr.into_boxed_slice(),
            by_name: by_name.into_boxed_slice(),
        }
    }

    /// The architecture (ABI) this table is for.
    pub fn arch(&self) -> Arch {
        self.arch
    }

    /// The number the kernel puts in `seccomp_data.nr` for `name` on this ABI, or `None` when
    /// the ABI has no syscall of that name.
    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.by_name
            .binary_search_by(|&(n, _)| n.cmp(name))
            .ok()
            .map(|i| self.by_name[i].1)
    }

    /// The name of syscall number `nr` (as seen in `seccomp_data.nr`), or `None` when the
    /// number is unassigned on this ABI.
    pub fn name(&self, nr: u32) -> Option<&'static str> {
        self.by_nr
            .binary_search_by_key(&nr, |&(_, n)| n)
            .ok()
            .map(|i| self.by_nr[i].0)
    }

    /// The highest syscall number in the table.
    pub fn max_nr(&self) -> u32 {
        self.by_nr.last().map_or(0, |&(_, nr)| nr)
    }

    /// All `(name, number)` pairs, sorted by number.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u32)> + '_ {
        self.by_nr.iter().copied()
    }

    /// The number of syscalls in the table.
    pub fn len(&self) -> usize {
        self.by_nr.len()
    }

    /// Whether the table has no syscalls (never true for a table [`table`] returns).
    pub fn is_empty(&self) -> bool {
        self.by_nr.is_empty()
    }
}

/// Strips the `r#` that the `syscalls` crate's names keep for Rust keywords (`r#break`).
fn bare(name: &'static str) -> &'static str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// Every syscall of one of the `syscalls` crate's arch modules.
///
/// Not `Sysno::iter()`: in 0.8.1 it stops before the last syscall of each table (its `next()`
/// loops while `id < last().id()`), which would drop `file_setattr`. Probing every number from
/// the first to the last with `Sysno::new` visits them all.
macro_rules! from_crate {
    ($module:ident) => {{
        use syscalls::$module::Sysno;
        (Sysno::first().id()..=Sysno::last().id())
            .filter_map(|id| Sysno::new(id as usize))
            .map(|s| (bare(s.name()), s.id() as u32))
    }};
}

/// The arches with a table, in the order of their slot in [`TABLES`].
const TABLE_ARCHES: [Arch; 18] = [
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
];

static TABLES: [OnceLock<SyscallTable>; TABLE_ARCHES.len()] =
    [const { OnceLock::new() }; TABLE_ARCHES.len()];

fn build(arch: Arch) -> SyscallTable {
    match arch {
        Arch::X86_64 => SyscallTable::new(arch, from_crate!(x86_64)),
        Arch::X86 => SyscallTable::new(arch, from_crate!(x86)),
        Arch::X32 => SyscallTable::new(
            arch,
            x32::X32.iter().map(|&(n, nr)| (n, nr | X32_SYSCALL_BIT)),
        ),
        Arch::Aarch64 => SyscallTable::new(arch, from_crate!(aarch64)),
        Arch::Arm => SyscallTable::new(arch, from_crate!(arm).chain(ARM_PRIVATE.iter().copied())),
        Arch::Riscv64 => SyscallTable::new(arch, from_crate!(riscv64)),
        Arch::S390x => SyscallTable::new(arch, from_crate!(s390x)),
        Arch::S390 => SyscallTable::new(arch, s390::S390.iter().copied()),
        Arch::Ppc64le | Arch::Ppc64 => SyscallTable::new(arch, from_crate!(powerpc64)),
        Arch::Ppc => SyscallTable::new(arch, from_crate!(powerpc)),
        // The crate's MIPS numbers already include the 4000 (o32) and 5000 (n64) offsets.
        Arch::Mips | Arch::Mipsel => SyscallTable::new(arch, from_crate!(mips)),
        Arch::Mips64 | Arch::Mipsel64 => SyscallTable::new(arch, from_crate!(mips64)),
        Arch::Mips64n32 | Arch::Mipsel64n32 => SyscallTable::new(
            arch,
            mips_n32::MIPS_N32
                .iter()
                .map(|&(n, nr)| (n, nr + MIPS_N32_BASE)),
        ),
        Arch::Loongarch64 => SyscallTable::new(arch, from_crate!(loongarch64)),
        _ => unreachable!("{arch} has no syscall table"),
    }
}

/// The syscall table for `arch`, built on first use; `None` for the arches jailwright has no
/// table for (PA-RISC, m68k, SuperH).
pub fn table(arch: Arch) -> Option<&'static SyscallTable> {
    let slot = TABLE_ARCHES.iter().position(|&a| a == arch)?;
    Some(TABLES[slot].get_or_init(|| build(arch)))
}

fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Box<[&'static str]>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut all: Vec<&'static str> = TABLE_ARCHES
            .iter()
            .filter_map(|&a| table(a))
            .flat_map(|t| t.by_name.iter().map(|&(n, _)| n))
            .collect();
        all.sort_unstable();
        all.dedup();
        all.into_boxed_slice()
    })
}

/// Every syscall name known on at least one ABI, sorted and without duplicates.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    names().iter().copied()
}

/// The known syscall name closest to `name`, for a "did you mean" hint.
///
/// Returns `None` when `name` is itself a known name or nothing is close. "Close" means an
/// edit distance (Levenshtein) of at most 2 (at most 1 for names of 4 characters or fewer),
/// ties broken by sharing the first character, then alphabetically; failing that, the one
/// known name that `name` is a prefix of (of 4 characters or more). Case is ignored.
pub fn suggest(name: &str) -> Option<&'static str> {
    let names = names();
    let wanted = name.to_ascii_lowercase();
    if names.binary_search(&wanted.as_str()).is_ok() {
        return None;
    }
    let limit = if wanted.chars().count() <= 4 { 1 } else { 2 };
    let first = wanted.chars().next();
    let best = names
        .iter()
        .filter_map(|&n| {
            let d = edit_distance(&wanted, n, limit)?;
            Some((d, n.chars().next() != first, n))
        })
        .min();
    if let Some((_, _, n)) = best {
        return Some(n);
    }
    if wanted.len() >= 4 {
        let mut extending = names.iter().filter(|n| n.starts_with(wanted.as_str()));
        if let (Some(&only), None) = (extending.next(), extending.next()) {
            return Some(only);
        }
    }
    None
}

/// Levenshtein distance between `a` and `b`, or `None` when it exceeds `limit`.
fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().min().is_some_and(|&m| m > limit) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("openat", "openat", 2), Some(0));
        assert_eq!(edit_distance("opnat", "openat", 2), Some(1));
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
        assert_eq!(edit_distance("", "ab", 2), Some(2));
    }

    #[test]
    fn raw_identifiers_are_stripped() {
        assert_eq!(bare("r#break"), "break");
        assert_eq!(table(Arch::X86).unwrap().lookup("break"), Some(17));
        assert!(all_names().all(|n| !n.starts_with("r#")));
    }
}

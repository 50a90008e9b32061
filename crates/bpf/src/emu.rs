//! An interpreter for seccomp classic BPF, the kernel's filter checker, and an emulator of the
//! kernel's constant-action cache.
//!
//! **Data layout.** A filter reads `struct seccomp_data` (`nr` at 0, `arch` at 4,
//! `instruction_pointer` at 8, `args[6]` at 16 + 8·i) as 32-bit words in the byte order of the
//! *kernel running the filter* (the host), whatever the ABI of the calling task: an s390
//! (31-bit) task on an s390x kernel still sees big-endian 64-bit `args`. So the emulator takes
//! an [`Endian`]: with [`Endian::Little`] the low word of `args[i]` is at `16 + 8·i`, with
//! [`Endian::Big`] at `20 + 8·i`. For a 32-bit kernel the args are still 64-bit fields in
//! `seccomp_data`, with the value in the low word.

use crate::insn::{op, Insn, Program, MAX_INSNS, SECCOMP_DATA_LEN};

/// Byte order of the kernel that runs a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Endian {
    /// x86, ARM, RISC-V, ppc64le, mipsel, LoongArch.
    Little,
    /// s390x, ppc64, mips.
    Big,
}

impl Endian {
    /// The byte order of a kernel of `arch`.
    pub fn of(arch: jailwright_profile::Arch) -> Endian {
        if arch.is_little_endian() {
            Endian::Little
        } else {
            Endian::Big
        }
    }

    /// Offset of the low 32 bits of `args[i]`.
    pub fn arg_lo(self, i: u8) -> u32 {
        crate::insn::OFF_ARGS + 8 * u32::from(i) + if self == Endian::Big { 4 } else { 0 }
    }

    /// Offset of the high 32 bits of `args[i]`.
    pub fn arg_hi(self, i: u8) -> u32 {
        crate::insn::OFF_ARGS + 8 * u32::from(i) + if self == Endian::Big { 0 } else { 4 }
    }
}

/// What the kernel hands a filter: `struct seccomp_data`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SeccompData {
    /// The syscall number as the ABI passes it (x32 numbers with bit 0x40000000).
    pub nr: u32,
    /// The `AUDIT_ARCH_*` token.
    pub arch: u32,
    /// The instruction pointer at the time of the call.
    pub instruction_pointer: u64,
    /// The six arguments.
    pub args: [u64; 6],
}

impl SeccompData {
    /// A call with number `nr` from ABI token `arch` and arguments `args`.
    pub fn new(arch: u32, nr: u32, args: [u64; 6]) -> SeccompData {
        SeccompData {
            nr,
            arch,
            instruction_pointer: 0,
            args,
        }
    }

    /// The 64 bytes of the structure as a kernel of byte order `endian` lays them out.
    pub fn to_bytes(&self, endian: Endian) -> [u8; 64] {
        let mut b = [0u8; 64];
        let w32 = |v: u32| match endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        let w64 = |v: u64| match endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        b[0..4].copy_from_slice(&w32(self.nr));
        b[4..8].copy_from_slice(&w32(self.arch));
        b[8..16].copy_from_slice(&w64(self.instruction_pointer));
        for (i, a) in self.args.iter().enumerate() {
            b[16 + 8 * i..24 + 8 * i].copy_from_slice(&w64(*a));
        }
        b
    }

    /// The 32-bit word at byte offset `k` (4-aligned, < 64), as `ld [k]` reads it.
    pub fn word(&self, k: u32, endian: Endian) -> u32 {
        let b = self.to_bytes(endian);
        let k = k as usize;
        let w = [b[k], b[k + 1], b[k + 2], b[k + 3]];
        match endian {
            Endian::Little => u32::from_le_bytes(w),
            Endian::Big => u32::from_be_bytes(w),
        }
    }
}

/// Why the kernel would refuse a program.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// Empty, or longer than 4096 instructions.
    #[error("the program has {0} instructions; the kernel takes 1 to 4096")]
    Length(usize),
    /// An opcode seccomp does not allow.
    #[error("instruction {pc}: opcode {code:#06x} is not allowed in a seccomp filter")]
    Opcode {
        /// Instruction index.
        pc: usize,
        /// The opcode.
        code: u16,
    },
    /// A load outside `seccomp_data` or not 4-aligned.
    #[error("instruction {pc}: load at offset {k} is misaligned or outside seccomp_data")]
    Load {
        /// Instruction index.
        pc: usize,
        /// The offset.
        k: u32,
    },
    /// A jump past the end.
    #[error("instruction {pc}: jump leaves the program")]
    Jump {
        /// Instruction index.
        pc: usize,
    },
    /// Division by constant zero, a shift of 32 or more, or a scratch slot out of range.
    #[error("instruction {pc}: invalid constant {k}")]
    Constant {
        /// Instruction index.
        pc: usize,
        /// The constant.
        k: u32,
    },
    /// A scratch slot read before any path stored it.
    #[error("instruction {pc}: scratch memory M[{k}] may be read before it is written")]
    UninitMem {
        /// Instruction index.
        pc: usize,
        /// The slot.
        k: u32,
    },
    /// The last instruction is not a return.
    #[error("the last instruction is not a return")]
    NoReturn,
}

/// Checks `program` as the kernel does when it is installed (`bpf_check_classic` followed by
/// `seccomp_check_filter`).
pub fn check(program: &Program) -> Result<(), CheckError> {
    let insns = &program.insns;
    let len = insns.len();
    if len == 0 || len > MAX_INSNS {
        return Err(CheckError::Length(len));
    }
    for (pc, i) in insns.iter().enumerate() {
        let code = i.code;
        let allowed = matches!(
            code,
            0x20 /* ld w abs */ | 0x80 /* ld w len */ | 0x81 /* ldx w len */
            | 0x06 | 0x16 /* ret k, ret a */
            | 0x00 | 0x01 /* ld imm, ldx imm */
            | 0x07 | 0x87 /* tax, txa */
            | 0x60 | 0x61 /* ld mem, ldx mem */
            | 0x02 | 0x03 /* st, stx */
            | 0x05 /* ja */
            | 0x84 /* neg */
        ) || (code & 0x07 == op::ALU
            && matches!(
                code & 0xf0,
                op::ADD
                    | op::SUB
                    | op::MUL
                    | op::DIV
                    | op::AND
                    | op::OR
                    | op::XOR
                    | op::LSH
                    | op::RSH
            )
            && code & !0xf8 == op::ALU)
            || (code & 0x07 == op::JMP
                && matches!(code & 0xf0, op::JEQ | op::JGT | op::JGE | op::JSET)
                && code & !0xf8 == op::JMP);
        if !allowed {
            return Err(CheckError::Opcode { pc, code });
        }
        match code {
            0x20 if i.k >= SECCOMP_DATA_LEN || i.k & 3 != 0 => {
                return Err(CheckError::Load { pc, k: i.k })
            }
            0x60 | 0x61 | 0x02 | 0x03 if i.k >= 16 => {
                return Err(CheckError::Constant { pc, k: i.k })
            }
            0x34 if i.k == 0 => return Err(CheckError::Constant { pc, k: i.k }),
            0x64 | 0x74 if i.k >= 32 => return Err(CheckError::Constant { pc, k: i.k }),
            0x05 if u64::from(i.k) >= (len - pc - 1) as u64 => return Err(CheckError::Jump { pc }),
            0x05 => {}
            c if c & 0x07 == op::JMP
                && (pc + usize::from(i.jt) + 1 >= len || pc + usize::from(i.jf) + 1 >= len) =>
            {
                return Err(CheckError::Jump { pc })
            }
            _ => {}
        }
    }
    if !matches!(insns[len - 1].code, 0x06 | 0x16) {
        return Err(CheckError::NoReturn);
    }
    check_mem(insns)
}

/// The kernel's `check_load_and_stores`: every scratch read must follow a write on all paths.
fn check_mem(insns: &[Insn]) -> Result<(), CheckError> {
    if !insns.iter().any(|i| matches!(i.code, 0x60 | 0x61)) {
        return Ok(());
    }
    let mut masks = vec![0xffffu16; insns.len()];
    let mut valid = 0u16;
    for (pc, i) in insns.iter().enumerate() {
        valid &= masks[pc];
        match i.code {
            0x02 | 0x03 => valid |= 1 << i.k,
            0x60 | 0x61 if valid & (1 << i.k) == 0 => {
                return Err(CheckError::UninitMem { pc, k: i.k })
            }
            0x05 => {
                masks[pc + 1 + i.k as usize] &= valid;
                valid = 0xffff;
            }
            c if c & 0x07 == op::JMP => {
                masks[pc + 1 + usize::from(i.jt)] &= valid;
                masks[pc + 1 + usize::from(i.jf)] &= valid;
                valid = 0xffff;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Why a run failed (only programs that [`check`] rejects can fail).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The program does not pass the kernel's checks.
    #[error(transparent)]
    Invalid(#[from] CheckError),
}

/// The result of one run: the return value and the instructions executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// What the filter returned (`SECCOMP_RET_*` | data).
    pub ret: u32,
    /// Indices of the executed instructions, in order.
    pub trace: Vec<usize>,
}

/// Runs a program the caller knows to be valid; `None` only for programs [`check`] rejects.
fn exec(
    program: &Program,
    data: &SeccompData,
    endian: Endian,
    mut visit: impl FnMut(usize),
) -> Option<u32> {
    let insns = &program.insns;
    let bytes = data.to_bytes(endian);
    let word = |k: u32| -> Option<u32> {
        let k = k as usize;
        let w: [u8; 4] = bytes.get(k..k + 4)?.try_into().ok()?;
        Some(match endian {
            Endian::Little => u32::from_le_bytes(w),
            Endian::Big => u32::from_be_bytes(w),
        })
    };
    let (mut a, mut x) = (0u32, 0u32);
    let mut mem = [0u32; 16];
    let mut pc = 0usize;
    loop {
        let i = *insns.get(pc)?;
        visit(pc);
        pc += 1;
        let src = if i.code & op::X != 0 { x } else { i.k };
        match i.code & 0x07 {
            op::LD => {
                a = match i.code {
                    0x20 => word(i.k)?,
                    0x80 => SECCOMP_DATA_LEN,
                    0x00 => i.k,
                    0x60 => *mem.get(i.k as usize)?,
                    _ => return None,
                }
            }
            op::LDX => {
                x = match i.code {
                    0x81 => SECCOMP_DATA_LEN,
                    0x01 => i.k,
                    0x61 => *mem.get(i.k as usize)?,
                    _ => return None,
                }
            }
            op::ST => *mem.get_mut(i.k as usize)? = a,
            op::STX => *mem.get_mut(i.k as usize)? = x,
            op::ALU => {
                a = match i.code & 0xf0 {
                    op::ADD => a.wrapping_add(src),
                    op::SUB => a.wrapping_sub(src),
                    op::MUL => a.wrapping_mul(src),
                    op::DIV => {
                        if src == 0 {
                            return Some(0);
                        }
                        a / src
                    }
                    op::OR => a | src,
                    op::AND => a & src,
                    op::XOR => a ^ src,
                    op::LSH => a.checked_shl(src).unwrap_or(0),
                    op::RSH => a.checked_shr(src).unwrap_or(0),
                    op::NEG => a.wrapping_neg(),
                    _ => return None,
                }
            }
            op::JMP => {
                let off = match i.code & 0xf0 {
                    op::JA => i.k as usize,
                    jop => {
                        let taken = match jop {
                            op::JEQ => a == src,
                            op::JGT => a > src,
                            op::JGE => a >= src,
                            op::JSET => a & src != 0,
                            _ => return None,
                        };
                        usize::from(if taken { i.jt } else { i.jf })
                    }
                };
                pc = pc.checked_add(off)?;
            }
            op::RET => {
                return match i.code {
                    0x06 => Some(i.k),
                    0x16 => Some(a),
                    _ => None,
                }
            }
            _ => {
                match i.code {
                    0x07 => x = a,
                    0x87 => a = x,
                    _ => return None,
                };
            }
        }
    }
}

/// Checks `program` like the kernel, then runs it on `data`.
pub fn run(program: &Program, data: &SeccompData, endian: Endian) -> Result<u32, RunError> {
    check(program)?;
    Ok(run_unchecked(program, data, endian))
}

/// Runs a program that has passed [`check`] (the equivalence checker checks once, then runs
/// many times). Returns KILL_PROCESS (0x80000000) if the program is in fact invalid.
pub fn run_unchecked(program: &Program, data: &SeccompData, endian: Endian) -> u32 {
    exec(program, data, endian, |_| {}).unwrap_or(0x8000_0000)
}

/// Runs a checked program and counts the instructions executed.
pub fn run_counted(program: &Program, data: &SeccompData, endian: Endian) -> (u32, usize) {
    let mut n = 0;
    let ret = exec(program, data, endian, |_| n += 1).unwrap_or(0x8000_0000);
    (ret, n)
}

/// Checks `program`, runs it on `data` and returns the executed instruction indices (for
/// `jailwright explain --trace`).
pub fn trace(program: &Program, data: &SeccompData, endian: Endian) -> Result<Run, RunError> {
    check(program)?;
    let mut trace = Vec::new();
    let ret = exec(program, data, endian, |pc| trace.push(pc)).unwrap_or(0x8000_0000);
    Ok(Run { ret, trace })
}

/// The kernel's `seccomp_is_const_allow` (kernel/seccomp.c, 5.11+): whether the filter
/// returns ALLOW for syscall `nr` of ABI token `arch` using only `ld nr`, `ld arch`,
/// `jeq/jge/jgt/jset #k`, `ja`, `and #k` and `ret #k`, i.e. whatever the arguments are. The
/// kernel then records `nr` in its per-arch allow bitmap and never runs the filter for it
/// again. It builds bitmaps only for the native and compat ABI tokens and numbers below the
/// table size, so x32 numbers (bit 0x40000000) are never cached.
pub fn is_const_allow(program: &Program, arch: u32, nr: u32) -> bool {
    let insns = &program.insns;
    let mut reg = 0u32;
    let mut pc = 0usize;
    while let Some(i) = insns.get(pc) {
        match i.code {
            0x20 => match i.k {
                0 => reg = nr,
                4 => reg = arch,
                _ => return false,
            },
            0x06 => return i.k == 0x7fff_0000,
            0x05 => pc += i.k as usize,
            0x15 | 0x35 | 0x25 | 0x45 => {
                let taken = match i.code {
                    0x15 => reg == i.k,
                    0x35 => reg >= i.k,
                    0x25 => reg > i.k,
                    _ => reg & i.k != 0,
                };
                pc += usize::from(if taken { i.jt } else { i.jf });
            }
            0x54 => reg &= i.k,
            _ => return false,
        }
        pc += 1;
    }
    false
}

/// The kernel's allow bitmap for one ABI token: which of the numbers `0..count` are cached.
pub fn cache_bitmap(program: &Program, arch: u32, count: u32) -> Vec<bool> {
    (0..count)
        .map(|nr| is_const_allow(program, arch, nr))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prog(v: &[Insn]) -> Program {
        Program { insns: v.to_vec() }
    }

    #[test]
    fn checker_table() {
        let ret = Insn::ret(0x7fff_0000);
        let cases: Vec<(Vec<Insn>, Result<(), CheckError>)> = vec![
            (vec![], Err(CheckError::Length(0))),
            (vec![ret], Ok(())),
            (vec![Insn::ld_abs(4), ret], Ok(())),
            (
                vec![Insn::ld_abs(2), ret],
                Err(CheckError::Load { pc: 0, k: 2 }),
            ),
            (
                vec![Insn::ld_abs(64), ret],
                Err(CheckError::Load { pc: 0, k: 64 }),
            ),
            (vec![Insn::ld_abs(0)], Err(CheckError::NoReturn)),
            (
                vec![Insn::jump(op::JEQ, 1, 1, 0), ret],
                Err(CheckError::Jump { pc: 0 }),
            ),
            (vec![Insn::jump(op::JEQ, 1, 0, 0), ret], Ok(())),
            (vec![Insn::ja(1), ret], Err(CheckError::Jump { pc: 0 })),
            (
                vec![Insn::new(0x30, 0, 0, 0), ret],
                Err(CheckError::Opcode { pc: 0, code: 0x30 }),
            ),
            (
                vec![Insn::new(0x94, 0, 0, 3), ret],
                Err(CheckError::Opcode { pc: 0, code: 0x94 }),
            ),
            (
                vec![Insn::new(0x34, 0, 0, 0), ret],
                Err(CheckError::Constant { pc: 0, k: 0 }),
            ),
            (
                vec![Insn::new(0x60, 0, 0, 3), ret],
                Err(CheckError::UninitMem { pc: 0, k: 3 }),
            ),
            (
                vec![Insn::new(0x02, 0, 0, 3), Insn::new(0x60, 0, 0, 3), ret],
                Ok(()),
            ),
            (
                vec![Insn::new(0x0e, 0, 0, 0)],
                Err(CheckError::Opcode { pc: 0, code: 0x0e }),
            ),
        ];
        for (insns, want) in cases {
            assert_eq!(check(&prog(&insns)), want, "{insns:?}");
        }
    }

    #[test]
    fn runs_and_traces() {
        // ld arch; jeq x86_64 ? next : kill; ld args[0] hi; ret A
        let p = prog(&[
            Insn::ld_abs(4),
            Insn::jump(op::JEQ, 0xc000_003e, 0, 2),
            Insn::ld_abs(Endian::Little.arg_hi(0)),
            Insn::new(op::RET | op::A, 0, 0, 0),
            Insn::ret(0x8000_0000),
        ]);
        let d = SeccompData::new(0xc000_003e, 1, [0x1234_5678_9abc_def0, 0, 0, 0, 0, 0]);
        let r = trace(&p, &d, Endian::Little).unwrap();
        assert_eq!(r.ret, 0x1234_5678);
        assert_eq!(r.trace, vec![0, 1, 2, 3]);
        let r = trace(&p, &d, Endian::Big).unwrap();
        assert_eq!(
            r.ret, 0x9abc_def0,
            "big endian: offset 20 holds the low word"
        );
        let d = SeccompData::new(0x4000_0003, 1, [0; 6]);
        assert_eq!(trace(&p, &d, Endian::Little).unwrap().trace, vec![0, 1, 4]);
    }

    #[test]
    fn const_allow_table() {
        let p = prog(&[
            Insn::ld_abs(4),
            Insn::jump(op::JEQ, 0xc000_003e, 0, 4),
            Insn::ld_abs(0),
            Insn::jump(op::JGE, 10, 1, 0),
            Insn::ret(0x7fff_0000),
            Insn::ld_abs(16),
            Insn::ret(0x0005_0001),
        ]);
        let tok = 0xc000_003e;
        assert!(is_const_allow(&p, tok, 3));
        assert!(!is_const_allow(&p, tok, 10), "loads an argument");
        assert!(!is_const_allow(&p, 0x4000_0003, 3), "returns ERRNO");
        assert_eq!(cache_bitmap(&p, tok, 12).iter().filter(|b| **b).count(), 10);
    }
}

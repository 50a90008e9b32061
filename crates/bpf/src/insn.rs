//! The classic BPF instruction (`struct sock_filter`) and a program of them.

/// One classic BPF instruction, laid out like the kernel's `struct sock_filter`
/// (`#[repr(C)]`: `u16 code; u8 jt; u8 jf; u32 k`, 8 bytes, 4-aligned), so a slice of them can
/// be handed to `seccomp(2)` as it is.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Insn {
    /// Opcode (class | size | mode, or class | op | source).
    pub code: u16,
    /// Jump offset if the condition is true (relative to the next instruction).
    pub jt: u8,
    /// Jump offset if the condition is false.
    pub jf: u8,
    /// The constant operand.
    pub k: u32,
}

impl Insn {
    /// Builds an instruction.
    pub const fn new(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
        Insn { code, jt, jf, k }
    }

    /// The 8 bytes the kernel takes for this instruction, in host byte order.
    pub fn to_bytes(self) -> [u8; 8] {
        let mut b = [0u8; 8];
        b[0..2].copy_from_slice(&self.code.to_ne_bytes());
        b[2] = self.jt;
        b[3] = self.jf;
        b[4..8].copy_from_slice(&self.k.to_ne_bytes());
        b
    }
}

/// A complete seccomp filter program, ready to install.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Program {
    /// The instructions, in order.
    pub insns: Vec<Insn>,
}

impl Program {
    /// The program as the byte string `bwrap --seccomp` and `seccomp(2)` take.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.insns.iter().flat_map(|i| i.to_bytes()).collect()
    }

    /// Number of instructions.
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    /// Whether the program is empty.
    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }
}

/// Classic BPF opcode parts (`linux/bpf_common.h`, `linux/filter.h`).
pub mod op {
    /// Instruction class: load into A.
    pub const LD: u16 = 0x00;
    /// Instruction class: load into X.
    pub const LDX: u16 = 0x01;
    /// Instruction class: store A.
    pub const ST: u16 = 0x02;
    /// Instruction class: store X.
    pub const STX: u16 = 0x03;
    /// Instruction class: arithmetic.
    pub const ALU: u16 = 0x04;
    /// Instruction class: jump.
    pub const JMP: u16 = 0x05;
    /// Instruction class: return.
    pub const RET: u16 = 0x06;
    /// Instruction class: register transfer.
    pub const MISC: u16 = 0x07;
    /// Size: 32-bit word.
    pub const W: u16 = 0x00;
    /// Size: 16-bit half word.
    pub const H: u16 = 0x08;
    /// Size: byte.
    pub const B: u16 = 0x10;
    /// Mode: immediate.
    pub const IMM: u16 = 0x00;
    /// Mode: absolute offset into the data.
    pub const ABS: u16 = 0x20;
    /// Mode: indirect (X + k).
    pub const IND: u16 = 0x40;
    /// Mode: scratch memory.
    pub const MEM: u16 = 0x60;
    /// Mode: data length.
    pub const LEN: u16 = 0x80;
    /// Mode: IP header length (socket filters only).
    pub const MSH: u16 = 0xa0;
    /// ALU: add.
    pub const ADD: u16 = 0x00;
    /// ALU: subtract.
    pub const SUB: u16 = 0x10;
    /// ALU: multiply.
    pub const MUL: u16 = 0x20;
    /// ALU: divide.
    pub const DIV: u16 = 0x30;
    /// ALU: or.
    pub const OR: u16 = 0x40;
    /// ALU: and.
    pub const AND: u16 = 0x50;
    /// ALU: left shift.
    pub const LSH: u16 = 0x60;
    /// ALU: right shift.
    pub const RSH: u16 = 0x70;
    /// ALU: negate.
    pub const NEG: u16 = 0x80;
    /// ALU: modulo (not allowed in seccomp).
    pub const MOD: u16 = 0x90;
    /// ALU: exclusive or.
    pub const XOR: u16 = 0xa0;
    /// Jump: always.
    pub const JA: u16 = 0x00;
    /// Jump: if equal.
    pub const JEQ: u16 = 0x10;
    /// Jump: if greater (unsigned).
    pub const JGT: u16 = 0x20;
    /// Jump: if greater or equal (unsigned).
    pub const JGE: u16 = 0x30;
    /// Jump: if any bit set.
    pub const JSET: u16 = 0x40;
    /// Source: the constant k.
    pub const K: u16 = 0x00;
    /// Source: register X.
    pub const X: u16 = 0x08;
    /// Return source: register A.
    pub const A: u16 = 0x10;
    /// Misc: copy A to X.
    pub const TAX: u16 = 0x00;
    /// Misc: copy X to A.
    pub const TXA: u16 = 0x80;
}

/// `offsetof(struct seccomp_data, nr)`.
pub const OFF_NR: u32 = 0;
/// `offsetof(struct seccomp_data, arch)`.
pub const OFF_ARCH: u32 = 4;
/// `offsetof(struct seccomp_data, instruction_pointer)`.
pub const OFF_IP: u32 = 8;
/// `offsetof(struct seccomp_data, args)`.
pub const OFF_ARGS: u32 = 16;
/// `sizeof(struct seccomp_data)`.
pub const SECCOMP_DATA_LEN: u32 = 64;
/// The kernel's per-filter instruction limit (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;

impl Insn {
    /// `ld [k]`: load the 32-bit word at offset `k` of `seccomp_data`.
    pub const fn ld_abs(k: u32) -> Insn {
        Insn::new(op::LD | op::W | op::ABS, 0, 0, k)
    }

    /// `and #k`.
    pub const fn and(k: u32) -> Insn {
        Insn::new(op::ALU | op::AND | op::K, 0, 0, k)
    }

    /// A conditional jump `j<op> #k` with relative offsets (`op` is [`op::JEQ`], ...).
    pub const fn jump(jop: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn::new(op::JMP | jop | op::K, jt, jf, k)
    }

    /// `ja +k`.
    pub const fn ja(k: u32) -> Insn {
        Insn::new(op::JMP | op::JA, 0, 0, k)
    }

    /// `ret #k`.
    pub const fn ret(k: u32) -> Insn {
        Insn::new(op::RET | op::K, 0, 0, k)
    }

    /// Parses the kernel's 8-byte form (host byte order).
    pub fn from_bytes(b: [u8; 8]) -> Insn {
        Insn {
            code: u16::from_ne_bytes([b[0], b[1]]),
            jt: b[2],
            jf: b[3],
            k: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
}

impl Program {
    /// Parses the kernel's byte form (8 bytes per instruction, host byte order); `None` when
    /// the length is not a multiple of 8.
    pub fn from_bytes(bytes: &[u8]) -> Option<Program> {
        if bytes.len() & 7 != 0 {
            return None;
        }
        let insns = bytes
            .chunks_exact(8)
            .map(|c| Insn::from_bytes(c.try_into().expect("chunk of 8")))
            .collect();
        Some(Program { insns })
    }

    /// The program as a C `struct sock_filter` array initialiser.
    pub fn to_c(&self, name: &str) -> String {
        let mut s = format!("struct sock_filter {name}[] = {{\n");
        for i in &self.insns {
            s.push_str(&format!(
                "\t{{ 0x{:02x}, {}, {}, 0x{:08x} }},\n",
                i.code, i.jt, i.jf, i.k
            ));
        }
        s.push_str("};\n");
        s
    }
}

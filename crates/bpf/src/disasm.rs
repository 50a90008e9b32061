//! A disassembler in the spirit of libseccomp's `scmp_bpf_disasm`: one line per
//! instruction with its index, the raw fields, and a readable form with jump targets as
//! labels (`L0012`), loads named after the `seccomp_data` field and return values as
//! actions.
//!
//! ```text
//!  line  OP   JT   JF   K
//! =================================
//!  0000: 0x20 0x00 0x00 0x00000004   ld  [4] (arch)
//!  0001: 0x15 0x00 0x05 0xc000003e   jeq #0xc000003e  true:L0002 false:L0007
//!  0006: 0x06 0x00 0x00 0x7fff0000   ret ALLOW
//! ```

use jailwright_profile::Action;

use crate::emu::Endian;
use crate::insn::{op, Insn, Program};

/// The readable name of a load offset.
fn field(k: u32, endian: Endian) -> String {
    match k {
        0 => "nr".into(),
        4 => "arch".into(),
        8 | 12 => {
            let hi = (k == 12) == (endian == Endian::Little);
            format!("ip {}", if hi { "hi" } else { "lo" })
        }
        16..=63 => {
            let i = (k - 16) / 8;
            let first = (k - 16) & 7 == 0;
            let lo = first == (endian == Endian::Little);
            format!("args[{i}] {}", if lo { "lo" } else { "hi" })
        }
        _ => "?".into(),
    }
}

/// The action a return value stands for, as `ALLOW`, `ERRNO(38)`, `TRACE(1)`.
pub fn ret_name(k: u32) -> String {
    match Action::from_ret_value(k) {
        Some(Action::Errno(e)) => format!("ERRNO({e})"),
        Some(Action::Trace(d)) => format!("TRACE({d})"),
        Some(a) => a.to_string(),
        None => format!("{k:#010x}"),
    }
}

/// The readable form of instruction `pc` (without the raw fields).
pub fn insn_text(insn: Insn, pc: usize, endian: Endian) -> String {
    let Insn { code, jt, jf, k } = insn;
    let label = |off: usize| format!("L{:04}", pc + 1 + off);
    let alu = |name: &str| {
        if code & op::X != 0 {
            format!("{name} x")
        } else {
            format!("{name} #{k:#x}")
        }
    };
    match code {
        0x20 => format!("ld  [{k}] ({})", field(k, endian)),
        0x80 => "ld  #len".into(),
        0x81 => "ldx #len".into(),
        0x00 => format!("ld  #{k:#x}"),
        0x01 => format!("ldx #{k:#x}"),
        0x60 => format!("ld  M[{k}]"),
        0x61 => format!("ldx M[{k}]"),
        0x02 => format!("st  M[{k}]"),
        0x03 => format!("stx M[{k}]"),
        0x07 => "tax".into(),
        0x87 => "txa".into(),
        0x06 => format!("ret {}", ret_name(k)),
        0x16 => "ret a".into(),
        0x05 => format!("ja  {}", label(k as usize)),
        0x84 => "neg".into(),
        c if c & 0x07 == op::ALU => {
            let name = match c & 0xf0 {
                op::ADD => "add",
                op::SUB => "sub",
                op::MUL => "mul",
                op::DIV => "div",
                op::OR => "or",
                op::AND => "and",
                op::LSH => "lsh",
                op::RSH => "rsh",
                op::MOD => "mod",
                op::XOR => "xor",
                _ => "alu?",
            };
            alu(name)
        }
        c if c & 0x07 == op::JMP => {
            let name = match c & 0xf0 {
                op::JEQ => "jeq",
                op::JGT => "jgt",
                op::JGE => "jge",
                op::JSET => "jset",
                _ => "j?",
            };
            let src = if c & op::X != 0 {
                "x".to_string()
            } else {
                format!("#{k:#x}")
            };
            format!(
                "{name:<4}{src}  true:{} false:{}",
                label(usize::from(jt)),
                label(usize::from(jf))
            )
        }
        _ => format!("??? code={code:#06x}"),
    }
}

/// Disassembles a program, one line per instruction, with a header like libseccomp's.
pub fn disassemble(program: &Program, endian: Endian) -> String {
    let mut s = String::from(" line  OP   JT   JF   K\n=================================\n");
    for (pc, i) in program.insns.iter().enumerate() {
        s.push_str(&format!(
            " L{pc:04}: 0x{:02x} 0x{:02x} 0x{:02x} 0x{:08x}   {}\n",
            i.code,
            i.jt,
            i.jf,
            i.k,
            insn_text(*i, pc, endian)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let p = Program {
            insns: vec![
                Insn::ld_abs(4),
                Insn::jump(op::JEQ, 0xc000_003e, 0, 1),
                Insn::ret(0x7fff_0000),
                Insn::ret(0x0005_0026),
            ],
        };
        let text = disassemble(&p, Endian::Little);
        assert!(
            text.contains(" L0000: 0x20 0x00 0x00 0x00000004   ld  [4] (arch)"),
            "{text}"
        );
        assert!(
            text.contains("jeq #0xc000003e  true:L0002 false:L0003"),
            "{text}"
        );
        assert!(text.contains("ret ALLOW"));
        assert!(text.contains("ret ERRNO(38)"));
        assert_eq!(field(20, Endian::Little), "args[0] hi");
        assert_eq!(field(20, Endian::Big), "args[0] lo");
    }
}

//! Classic BPF for seccomp: compilation from a resolved policy, optimisation, emulation,
//! disassembly and verification.
//!
//! - [`compile`] turns a [`jailwright_profile::Policy`] into one [`Program`] for all its ABIs
//!   and proves it equal to the policy ([`verify`]);
//! - [`emu`] runs programs like the kernel (and checks them like the kernel, and emulates the
//!   kernel's constant-action cache);
//! - [`disasm`] prints them;
//! - [`opt`] holds the bytecode optimizer passes.
//!
//! ```
//! use jailwright_profile::{catalogue, resolve, Action, Arch, Target};
//! use jailwright_bpf::{compile, emu, CompileOptions};
//! let profile = catalogue::get("docker-default").unwrap().profile();
//! let policy = resolve(&profile, &Target::docker(Arch::X86_64));
//! let compiled = compile(&policy, &CompileOptions::default()).unwrap();
//! // keyctl (250) is denied with EPERM on x86_64
//! let call = emu::SeccompData::new(Arch::X86_64.audit_arch(), 250, [0; 6]);
//! let ret = emu::run(&compiled.program, &call, compiled.endian).unwrap();
//! assert_eq!(Action::from_ret_value(ret), Some(Action::Errno(1)));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod compile;
pub mod disasm;
mod dispatch;
pub mod emu;
mod hash;
pub mod insn;
pub mod opt;
mod options;
pub mod verify;

pub use compile::{compile, ArchStats, CompileError, CompileOptions, Compiled, Contributor, Stats};
pub use disasm::disassemble;
pub use emu::{Endian, SeccompData};
pub use insn::{Insn, Program};
pub use verify::{compare, verify, Comparison, Difference, VerifyError};

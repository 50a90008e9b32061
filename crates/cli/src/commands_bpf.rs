//! `compile` and `explain --trace`.

use std::fmt::Write as _;
use std::path::Path;

use jailwright_bpf::{compile, disassemble, emu, CompileOptions, Compiled};
use jailwright_profile::policy::{resolve, Target};
use jailwright_profile::{Action, Arch, Profile};

use crate::args::{CompileFormat, TargetArgs};
use crate::commands::{load, target};
use crate::output::{emit, json};
use crate::Failure;

/// Parses `--bad-arch`.
pub fn parse_action(s: &str) -> Result<Action, Failure> {
    let l = s.to_ascii_lowercase().replace('_', "-");
    Ok(match l.as_str() {
        "kill-process" | "kill" => Action::KillProcess,
        "kill-thread" => Action::KillThread,
        "trap" => Action::Trap,
        "allow" => Action::Allow,
        "log" => Action::Log,
        _ => match l.strip_prefix("errno=").or_else(|| l.strip_prefix("errno-")) {
            Some(e) => Action::Errno(
                jailwright_profile::action::errno_number(e).ok_or_else(|| {
                    Failure::usage(format!("unknown errno `{e}` in --bad-arch"))
                })? as u16,
            ),
            None => {
                return Err(Failure::usage(format!(
                    "--bad-arch expects kill-process, kill-thread, trap, log, allow or errno=NAME, got `{s}`"
                )))
            }
        },
    })
}

/// Compiles a profile for a target.
pub fn compile_profile(
    p: &Profile,
    tg: &Target,
    opts: &CompileOptions,
) -> Result<Compiled, Failure> {
    let policy = resolve(p, tg);
    Ok(compile(&policy, opts)?)
}

fn stats_text(c: &Compiled) -> String {
    let s = &c.stats;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "instructions: {} (kernel limit 4096)\ncompile: {:.3} ms, verify: {:.3} ms over {} inputs, optimizer rounds: {}",
        s.instructions,
        s.compile_time.as_secs_f64() * 1e3,
        s.verify_time.as_secs_f64() * 1e3,
        s.verified_inputs,
        s.optimizer_rounds
    );
    let mut t = crate::output::Table::new([
        "ABI",
        "NUMBERS",
        "MAX PATH",
        "MEAN PATH",
        "MEAN FILTERED",
        "ALLOWED ALWAYS",
        "CACHEABLE",
        "ARG-CHECKED",
        "RANGES",
    ]);
    for a in &s.arches {
        t.row([
            a.arch.to_string(),
            format!("{}..={}", a.first_nr, a.last_nr),
            a.max_path.to_string(),
            format!("{:.2}", a.mean_path),
            format!("{:.2}", a.filtered_mean_path),
            a.unconditional_allows.to_string(),
            a.cacheable.to_string(),
            a.conditional.to_string(),
            a.ranges.to_string(),
        ]);
    }
    out.push_str(&t.render());
    out
}

/// `jailwright compile`.
#[allow(clippy::too_many_arguments)]
pub fn compile_cmd(
    profile: &str,
    t: &TargetArgs,
    format: CompileFormat,
    want_stats: bool,
    no_optimize: bool,
    bad_arch: &str,
    output: Option<&Path>,
) -> Result<u8, Failure> {
    let p = load(profile)?;
    let tg = target(t)?;
    let opts = CompileOptions {
        bad_arch_action: parse_action(bad_arch)?,
        optimize: !no_optimize,
        ..CompileOptions::default()
    };
    let c = compile_profile(&p, &tg, &opts)?;
    let bytes = match format {
        CompileFormat::Raw => c.program.to_bytes(),
        CompileFormat::Disasm => {
            let mut s = disassemble(&c.program, c.endian);
            if want_stats {
                s.push('\n');
                s.push_str(&stats_text(&c));
            }
            s.into_bytes()
        }
        CompileFormat::C => {
            let mut s = format!(
                "/* jailwright compile {profile} --arch {}: {} instructions */\n#include <linux/filter.h>\n\nstatic struct sock_filter filter[] = {{\n",
                tg.arch, c.program.len()
            );
            for i in &c.program.insns {
                let _ = writeln!(
                    s,
                    "\t{{ 0x{:04x}, {}, {}, 0x{:08x} }},",
                    i.code, i.jt, i.jf, i.k
                );
            }
            s.push_str("};\n\nstatic struct sock_fprog prog = {\n\t.len = sizeof(filter) / sizeof(filter[0]),\n\t.filter = filter,\n};\n");
            s.into_bytes()
        }
        CompileFormat::Json => json(&serde_json::json!({
            "profile": profile,
            "arch": tg.arch,
            "instructions": c.program.insns,
            "stats": c.stats,
        }))?
        .into_bytes(),
    };
    emit(output, &bytes)?;
    if want_stats && !matches!(format, CompileFormat::Disasm | CompileFormat::Json) {
        eprint!("{}", stats_text(&c));
    }
    Ok(0)
}

/// The instructions the compiled filter executes for one call, as text.
pub fn trace_text(
    p: &Profile,
    tg: &Target,
    abi: Arch,
    nr: u32,
    args: [u64; 6],
) -> Result<String, Failure> {
    let c = compile_profile(p, tg, &CompileOptions::libseccomp(&resolve(p, tg)))?;
    let data = emu::SeccompData::new(abi.audit_arch(), nr, args);
    let steps = emu::trace(&c.program, &data, c.endian)
        .map_err(|e| Failure::usage(format!("the compiled filter failed to run: {e}")))?;
    let mut out = String::new();
    for pc in &steps.trace {
        let _ = writeln!(
            out,
            "  {}",
            jailwright_bpf::disasm::insn_text(c.program.insns[*pc], *pc, c.endian)
        );
    }
    let _ = write!(
        out,
        "  ({} instructions executed of {})",
        steps.trace.len(),
        c.program.len()
    );
    Ok(out)
}

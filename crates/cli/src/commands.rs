//! One function per command: validated options in, rendered output and an exit status out.

use clap::CommandFactory;
use jailwright_profile::engine::Engine;
use jailwright_profile::host::Host;
use jailwright_profile::libseccomp::Libseccomp;
use jailwright_profile::policy::{Runtime, Target};
use jailwright_profile::{Arch, CapSet, Capability, KernelVersion, Profile};

use crate::args::{CapBase, Cli, Command, TargetArgs};
use crate::output::emit;
use crate::Failure;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Profile(p) => crate::commands_profile::profile_cmd(p),
        Command::Lint(args) => crate::commands_lint::lint_cmd(args),
        Command::Scan(args) => crate::commands_scan::scan_cmd(&args),
        Command::Diff {
            a,
            b,
            target,
            format,
        } => crate::commands_report::diff_any(&a, &b, &target, format),
        Command::Stats {
            profiles,
            target,
            format,
        } => crate::commands_report::stats_any(&profiles, &target, format),
        Command::Report(args) => crate::commands_report::report_cmd(&args),
        Command::Explain {
            profile,
            syscall,
            abi,
            args,
            trace,
            target,
            format,
        } => crate::commands_profile::explain_cmd(
            &profile,
            &syscall,
            abi.as_deref(),
            &args,
            trace,
            &target,
            format,
        ),
        Command::Patch {
            profile,
            allow,
            deny,
            errno,
            add_arch,
            default_errno,
            output,
        } => crate::commands_edit::patch_cmd(
            &profile,
            allow,
            deny,
            &errno,
            &add_arch,
            default_errno,
            output.as_deref(),
        ),
        Command::Merge { profiles, output } => {
            crate::commands_edit::merge_cmd(&profiles, output.as_deref())
        }
        Command::Rebase(args) => crate::commands_rebase::rebase_cmd(&args),
        Command::Export {
            profile,
            to,
            name,
            namespace,
            spo_api,
            target,
            output,
        } => crate::commands_lint::export(
            &profile,
            &to,
            (name, namespace, &spo_api),
            &target,
            output.as_deref(),
        ),
        Command::Compile {
            profile,
            target,
            format,
            stats,
            no_optimize,
            bad_arch,
            output,
        } => crate::commands_bpf::compile_cmd(
            &profile,
            &target,
            format,
            stats,
            no_optimize,
            &bad_arch,
            output.as_deref(),
        ),
        Command::Run(args) => crate::commands_run::run(args),
        Command::Record {
            output,
            base,
            arch,
            sandbox,
            command,
        } => crate::commands_record::record(
            output.as_deref(),
            base.as_deref(),
            arch.as_deref(),
            &sandbox,
            &command,
        ),
        Command::Doctor {
            backend,
            check_profile,
            probe_runtime,
            image,
            output,
            format,
        } => crate::commands_doctor::doctor(
            backend,
            check_profile.as_deref(),
            probe_runtime,
            image.as_deref(),
            output.as_deref(),
            format,
        ),
        Command::Completions { shell } => completions(shell),
    }
}

/// `jailwright completions SHELL`.
fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "jailwright", &mut buf);
    emit(None, &buf)?;
    Ok(0)
}

/// Loads a profile by built-in name or path, with an exit-2 error.
pub fn load(name: &str) -> Result<Profile, Failure> {
    Ok(jailwright_profile::load(name)?)
}

/// Builds a target from the flags.
pub fn target(t: &TargetArgs) -> Result<Target, Failure> {
    let arch = match &t.arch {
        Some(a) => a.parse::<Arch>()?,
        None => Arch::host(),
    };
    let mut caps = match t.caps_base {
        CapBase::Docker => CapSet::docker_default(),
        CapBase::None => CapSet::empty(),
        CapBase::All => {
            CapSet::from_names(jailwright_profile::caps::CAPABILITIES).unwrap_or_default()
        }
    };
    for c in &t.caps {
        caps.insert(Capability::parse(c).ok_or_else(|| {
            Failure::usage(format!(
                "unknown capability `{c}`; use a name from capabilities(7) such as CAP_SYS_ADMIN"
            ))
        })?);
    }
    let kernel = match &t.kernel {
        Some(k) => KernelVersion::parse(k).ok_or_else(|| {
            Failure::usage(format!("--kernel expects X.Y (e.g. 5.15), got `{k}`"))
        })?,
        None => KernelVersion::running().unwrap_or(jailwright_profile::policy::DEFAULT_KERNEL),
    };
    if t.host {
        return Ok(host_target(caps));
    }
    let runtime = parse_runtime(&t.runtime)?;
    let engine = t.engine.as_deref().map(parse_engine).transpose()?;
    let libseccomp = t.libseccomp.as_deref().map(parse_libseccomp).transpose()?;
    Ok(Target {
        arch,
        caps,
        kernel,
        runtime,
        libseccomp,
        engine,
    })
}

/// This machine's stack with the bounding set `caps`; what it found goes to stderr.
pub fn host_target(caps: CapSet) -> Target {
    let mut host = Host::read(std::path::Path::new("/"));
    match jailwright_container::local_engine() {
        Ok(e) => host = host.with_engine(e),
        Err(why) => eprintln!("jailwright: no container engine answered ({why})"),
    }
    eprintln!(
        "jailwright: this host: --arch {} {}",
        host.arch,
        host.stack()
    );
    let e = host.engine.as_ref();
    Target {
        arch: host.arch,
        caps,
        kernel: host
            .kernel
            .unwrap_or(jailwright_profile::policy::DEFAULT_KERNEL),
        runtime: e.map_or(Runtime::RUNC, |e| e.runtime),
        libseccomp: e.and_then(|e| e.libseccomp),
        engine: e.and_then(|e| e.engine()),
    }
}

/// Parses `--engine`.
pub fn parse_engine(s: &str) -> Result<Engine, Failure> {
    Engine::parse(s).ok_or_else(|| {
        Failure::usage(format!(
            "--engine expects docker or podman, optionally with @VERSION (docker@20.10.24), got `{s}`"
        ))
    })
}

/// Parses `--libseccomp`.
pub fn parse_libseccomp(s: &str) -> Result<Libseccomp, Failure> {
    Libseccomp::parse(s).ok_or_else(|| {
        Failure::usage(format!(
            "--libseccomp expects a version such as 2.5.4 or a distribution build such as 2.5.4-1+deb12u1, got `{s}`"
        ))
    })
}

/// Parses `--runtime`.
pub fn parse_runtime(s: &str) -> Result<Runtime, Failure> {
    Runtime::parse(s).ok_or_else(|| {
        Failure::usage(format!(
            "--runtime expects runc, crun or oci, optionally with @VERSION (runc@1.3.3), got `{s}`"
        ))
    })
}

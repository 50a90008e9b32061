//! The command-line definition: one source for `--help`, completions and parsing.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::commands_lint::LintArgs;
pub use crate::sandbox_args::{NetworkArg, SandboxArgs};

/// Make seccomp profiles correct, fast and understandable, and run untrusted plugins safely.
///
/// Wherever a PROFILE is accepted, a built-in name (`jailwright profile list`) or a file path
/// works. Exit status: 0 ok, 1 findings or differences, 2 bad input or usage.
#[derive(Parser, Debug)]
#[command(name = "jailwright", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of report commands.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// Tables for people.
    #[default]
    #[value(alias = "text")]
    Human,
    /// JSON for machines.
    Json,
}

/// Output format of `stats` and `diff`.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TableFormat {
    /// Tables for people.
    #[default]
    #[value(alias = "text")]
    Human,
    /// JSON for machines.
    Json,
    /// One self-contained HTML page (what `report` makes, for these profiles only).
    Html,
}

impl TableFormat {
    /// The text formats' [`Format`]; `None` for HTML.
    pub fn text(self) -> Option<Format> {
        match self {
            TableFormat::Human => Some(Format::Human),
            TableFormat::Json => Some(Format::Json),
            TableFormat::Html => None,
        }
    }
}

/// The target a profile is resolved for.
#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// Host architecture (x86_64, aarch64, s390x, ...); default: this machine's.
    #[arg(long, conflicts_with = "host")]
    pub arch: Option<String>,
    /// Add a capability to the bounding set (repeatable), e.g. CAP_SYS_ADMIN.
    #[arg(long = "cap", value_name = "CAP")]
    pub caps: Vec<String>,
    /// The bounding set the --cap flags add to.
    #[arg(long, value_enum, default_value_t = CapBase::Docker)]
    pub caps_base: CapBase,
    /// Kernel version for `minKernel` (X.Y); default: the running kernel.
    #[arg(long, value_name = "X.Y", conflicts_with = "host")]
    pub kernel: Option<String>,
    /// Runtime semantics: runc, crun or oci, optionally @VERSION (runc@1.3.3); default: runc,
    /// the newest version jailwright knows.
    #[arg(long, default_value = "runc")]
    pub runtime: String,
    /// The engine that hands the profile to the runtime: docker or podman, optionally
    /// @VERSION (docker@20.10.24); default: the newest, which reads every field.
    #[arg(long, value_name = "ENGINE[@VERSION]", conflicts_with = "host")]
    pub engine: Option<String>,
    /// The libseccomp the runtime links: a release (2.5.4) or a known distribution build
    /// (2.5.4-1+deb12u1); names it does not resolve are dropped. Default: the newest release
    /// jailwright has the table of.
    #[arg(long, value_name = "VERSION", conflicts_with = "host")]
    pub libseccomp: Option<String>,
    /// Take the architecture, kernel, engine, runtime and libseccomp from this machine (the
    /// engine that answers: Docker, then Podman).
    #[arg(long)]
    pub host: bool,
}

/// Starting bounding set.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapBase {
    /// Docker's default bounding set.
    Docker,
    /// No capabilities (`--cap-drop ALL`, jailwright's sandbox).
    None,
    /// Every capability (`--privileged`).
    All,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List or show the built-in profiles.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Find mistakes, dangers and runtime incompatibilities in profiles.
    Lint(LintArgs),
    /// Scan Python plugin source for imports and calls a sandboxed plugin should not need, and
    /// for signs of an escape attempt. Advisory: the sandbox, not the scan, is the boundary.
    ///
    /// Exit status: 0 nothing found, 1 findings, 2 a path that cannot be read.
    Scan(crate::commands_scan::ScanArgs),
    /// Show where two profiles decide differently.
    Diff {
        /// First profile.
        a: String,
        /// Second profile.
        b: String,
        /// Compare for this host only (default: every host either profile names).
        #[command(flatten)]
        target: TargetArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TableFormat,
    },
    /// Side-by-side statistics.
    Stats {
        /// Profiles.
        #[arg(required = true)]
        profiles: Vec<String>,
        /// The stack the counts are for (--arch limits them to one architecture).
        #[command(flatten)]
        target: TargetArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TableFormat,
    },
    /// Compare profiles group by group (file I/O, processes, networking, ...) on several
    /// architectures, with the differences of the first two and every profile's lint
    /// findings, as one self-contained HTML page (no network needed to view it).
    Report(crate::commands_report::ReportArgs),
    /// Explain the decision for one syscall: the rule that made it, and why others did not.
    Explain {
        /// Profile.
        profile: String,
        /// Syscall name (or number).
        syscall: String,
        /// The ABI of the call when it differs from the host (x86, x32 on an x86_64 host).
        #[arg(long)]
        abi: Option<String>,
        /// An argument value, ARG=VALUE (decimal or 0x hex), repeatable.
        #[arg(long = "arg", value_name = "N=VALUE")]
        args: Vec<String>,
        /// Also show the instructions the compiled filter executes for this call.
        #[arg(long)]
        trace: bool,
        /// Target.
        #[command(flatten)]
        target: TargetArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Change a profile: allow, deny, set errnos, add architectures.
    Patch {
        /// Profile to start from.
        profile: String,
        /// Allow a syscall unconditionally (replaces every rule naming it).
        #[arg(long, value_name = "NAME")]
        allow: Vec<String>,
        /// Leave a syscall to the default action (removes every rule naming it).
        #[arg(long, value_name = "NAME")]
        deny: Vec<String>,
        /// Make a syscall return an errno, NAME=ERRNO (clone3=ENOSYS).
        #[arg(long, value_name = "NAME=ERRNO")]
        errno: Vec<String>,
        /// Add an architecture (with its usual sub-architectures in an archMap).
        #[arg(long, value_name = "ARCH")]
        add_arch: Vec<String>,
        /// Set the default errno (EPERM, ENOSYS, ...).
        #[arg(long, value_name = "ERRNO")]
        default_errno: Option<String>,
        /// Write here (atomically) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Merge profiles into one that allows what any of them allows.
    Merge {
        /// Profiles (the first gives the default action).
        #[arg(required = true, num_args = 2..)]
        profiles: Vec<String>,
        /// Write here (atomically) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Carry a hand-edited profile onto a newer base (three-way: your edits kept, upstream's
    /// changes taken); what both changed differently is a conflict, and your side is written.
    ///
    /// Exit status: 0 clean, 1 conflicts (the profile is still written), 2 bad input.
    Rebase(crate::commands_rebase::RebaseArgs),
    /// Convert a profile for Docker, Podman, OCI, Kubernetes, systemd or Colima.
    Export {
        /// Profile.
        profile: String,
        /// Target format.
        #[arg(long, value_name = "FORMAT")]
        to: String,
        /// Name used in Kubernetes and Colima output (default: the profile's).
        #[arg(long)]
        name: Option<String>,
        /// Kubernetes: put the SeccompProfile in this namespace (Security Profiles Operator
        /// releases before v0.9.0 had namespaced profiles); default: cluster-scoped.
        #[arg(long)]
        namespace: Option<String>,
        /// Kubernetes: the Security Profiles Operator API, v1 (operator 1.0.0 and later) or
        /// v1beta1 (before 1.0.0: errnoRet as a string).
        #[arg(long, value_name = "VERSION", default_value = "v1")]
        spo_api: String,
        /// Target for formats that need a resolved profile (oci, kubernetes, systemd).
        #[command(flatten)]
        target: TargetArgs,
        /// Write files into this directory (atomically) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Compile a profile to seccomp BPF.
    Compile {
        /// Profile.
        profile: String,
        /// Target.
        #[command(flatten)]
        target: TargetArgs,
        /// Output: raw (bytes for the kernel / bwrap --seccomp), disasm, c, json.
        #[arg(long, value_enum, default_value_t = CompileFormat::Disasm)]
        format: CompileFormat,
        /// Print compile statistics (to standard error when the output is raw).
        #[arg(long)]
        stats: bool,
        /// Skip the optimizer (for comparison).
        #[arg(long)]
        no_optimize: bool,
        /// Action for calls from ABIs the filter does not cover.
        #[arg(long, default_value = "kill-process")]
        bad_arch: String,
        /// Write here (atomically) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run a command in the sandbox: namespaces, read-only system directories, no network,
    /// no capabilities, limits, landlock and the seccomp profile; denials reported by name.
    ///
    /// Whatever the profile, the command cannot push input into a terminal, take one over or
    /// change its settings (raw mode, echo off, window size, line discipline): those ioctl
    /// requests get EPERM, and every terminal stream is put back as it was after the run.
    ///
    /// Exit status: the command's own; 128+N when killed by signal N; 124 on timeout; 125
    /// when the sandbox could not be set up; 126/127 cannot execute / not found.
    Run(RunArgs),
    /// Run a command with a permissive filter and write the smallest profile allowing what it
    /// did.
    Record {
        /// Write the profile here (atomically); default: standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Never allow more than this tier or profile allows.
        #[arg(long)]
        base: Option<String>,
        /// Record for this architecture (default: this machine's).
        #[arg(long)]
        arch: Option<String>,
        /// Sandbox options.
        #[command(flatten)]
        sandbox: SandboxArgs,
        /// The command and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Check this machine: kernel, seccomp, namespaces, landlock, cgroups, Docker/Podman.
    Doctor {
        /// Which backend to check.
        #[arg(long, value_enum, default_value_t = Backend::Native)]
        backend: Backend,
        /// Start a throwaway container with this profile and say whether the runtime accepts it.
        #[arg(long, value_name = "PROFILE")]
        check_profile: Option<String>,
        /// Find which syscalls the container runtime needs while starting a container.
        #[arg(long)]
        probe_runtime: bool,
        /// Image for --check-profile / --probe-runtime (default: a busybox image jailwright builds).
        #[arg(long)]
        image: Option<String>,
        /// Write the --probe-runtime patch profile here.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print shell completions.
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
}

/// Output of `compile`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileFormat {
    /// The bytes the kernel takes (8 per instruction, host byte order).
    Raw,
    /// Readable disassembly with labels.
    Disasm,
    /// A C `struct sock_filter` array.
    C,
    /// Instructions and statistics as JSON.
    Json,
}

/// Where `run` runs the command.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// jailwright's own sandbox (no daemon, no image).
    Native,
    /// A Docker container (through the Engine API).
    Docker,
    /// A Podman container (through its Docker-compatible API).
    Podman,
}

/// What to do when a container runtime refuses the profile.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnReject {
    /// Stop with the diagnosis (exit 125).
    Fail,
    /// Retry once with exactly the syscalls the runtime needs added, and say which.
    Compat,
    /// Retry without seccomp. Only when asked for by name; warns loudly every time.
    Unconfined,
}

/// `jailwright run`'s arguments.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Profile: a built-in name or a file.
    #[arg(long, default_value = "plugin")]
    pub profile: String,
    /// Where to run.
    #[arg(long, value_enum, default_value_t = Backend::Native)]
    pub backend: Backend,
    /// Image (docker and podman backends).
    #[arg(long)]
    pub image: Option<String>,
    /// What to do when the container runtime refuses the profile.
    #[arg(long, value_enum, default_value_t = OnReject::Fail)]
    pub on_reject: OnReject,
    /// Write a JSON run report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Print nothing of jailwright's own (denials still go into --report).
    #[arg(long, short)]
    pub quiet: bool,
    /// Sandbox options.
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

/// `jailwright profile ...`
#[derive(Subcommand, Debug)]
pub enum ProfileCmd {
    /// List the built-in profiles.
    List {
        /// List Docker's and Podman's defaults release by release instead: each version
        /// (`docker-default@24.0.9` works wherever a profile is taken), the releases that
        /// shipped it, and what changed from the version before, with the source.
        #[arg(long)]
        versions: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write a built-in profile as Docker JSON (`docker-default@25.0` for a release's).
    Show {
        /// Name.
        name: String,
        /// Write here (atomically) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Show how a built-in profile derives from its base, group by group, with reasons (for
    /// `docker-default@25.0`, the upstream changes between it and the newest).
    Why {
        /// Name.
        name: String,
    },
}

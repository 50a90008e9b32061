//! The fixed-size records the sandbox writes to the parent on the status pipe. Each is 16
//! bytes, so a write is atomic and needs no allocation.

/// What a record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Kind {
    /// a = layer index, b = [`State`], c = detail code.
    Layer = 1,
    /// a = [`Stage`], b = index within the stage, c = errno. Setup failed.
    Fail = 2,
    /// c = errno of the last execve attempt.
    ExecFail = 3,
    /// The plugin is about to call execve.
    Exec = 4,
    /// a = the plugin's raw wait status (from init, at the end, after every other process of
    /// the sandbox was reaped). Nothing follows it.
    Result = 5,
    /// a = peak resident set of the largest process of the plugin's tree, KiB (sent by init
    /// just before [`Kind::Result`]).
    PeakRss = 6,
    /// a = seconds, b = microseconds of user CPU time of the plugin's tree.
    UserCpu = 7,
    /// a = seconds, b = microseconds of system CPU time of the plugin's tree.
    SystemCpu = 8,
}

/// Layer state codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum State {
    Enforced = 0,
    Partial = 1,
    Unavailable = 2,
}

impl State {
    pub(crate) fn from_u32(v: u32) -> State {
        match v {
            0 => State::Enforced,
            1 => State::Partial,
            _ => State::Unavailable,
        }
    }
}

/// Setup stages, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Stage {
    Groups = 1,
    SecureBits,
    Setresgid,
    Setresuid,
    Pdeathsig,
    Hostname,
    MakePrivate,
    RootTmpfs,
    OldRootDir,
    PivotRoot,
    FsOp,
    Signals,
    Fork,
    Stdio,
    Setsid,
    Rlimit,
    Bounding,
    Ambient,
    Capset,
    NoNewPrivs,
    Cwd,
    Landlock,
    Seccomp,
    SendListener,
    Required,
    TerminalGuard,
}

impl Stage {
    const ALL: [Stage; 26] = [
        Stage::Groups,
        Stage::SecureBits,
        Stage::Setresgid,
        Stage::Setresuid,
        Stage::Pdeathsig,
        Stage::Hostname,
        Stage::MakePrivate,
        Stage::RootTmpfs,
        Stage::OldRootDir,
        Stage::PivotRoot,
        Stage::FsOp,
        Stage::Signals,
        Stage::Fork,
        Stage::Stdio,
        Stage::Setsid,
        Stage::Rlimit,
        Stage::Bounding,
        Stage::Ambient,
        Stage::Capset,
        Stage::NoNewPrivs,
        Stage::Cwd,
        Stage::Landlock,
        Stage::Seccomp,
        Stage::SendListener,
        Stage::Required,
        Stage::TerminalGuard,
    ];

    pub(crate) fn from_u32(v: u32) -> Option<Stage> {
        Stage::ALL.iter().copied().find(|s| *s as u32 == v)
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Stage::Groups => "clear supplementary groups",
            Stage::SecureBits => "set securebits",
            Stage::Setresgid => "setresgid",
            Stage::Setresuid => "setresuid",
            Stage::Pdeathsig => "set the parent-death signal",
            Stage::Hostname => "sethostname",
            Stage::MakePrivate => "make mounts private",
            Stage::RootTmpfs => "mount the root tmpfs",
            Stage::OldRootDir => "create the old-root directory",
            Stage::PivotRoot => "pivot_root",
            Stage::FsOp => "filesystem",
            Stage::Signals => "set the signal mask",
            Stage::Fork => "fork the plugin",
            Stage::Stdio => "set up standard streams",
            Stage::Setsid => "setsid",
            Stage::Rlimit => "setrlimit",
            Stage::Bounding => "drop the capability bounding set",
            Stage::Ambient => "clear ambient capabilities",
            Stage::Capset => "capset",
            Stage::NoNewPrivs => "set no_new_privs",
            Stage::Cwd => "chdir to the working directory",
            Stage::Landlock => "landlock",
            Stage::Seccomp => "install the seccomp filter",
            Stage::SendListener => "send the seccomp listener",
            Stage::Required => "required layer",
            Stage::TerminalGuard => "install the terminal guard",
        }
    }
}

/// One record: kind and three values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) kind: u32,
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) c: i32,
}

/// Size of a record on the pipe.
pub(crate) const SIZE: usize = 16;

impl Record {
    pub(crate) fn new(kind: Kind, a: u32, b: u32, c: i32) -> Record {
        Record {
            kind: kind as u32,
            a,
            b,
            c,
        }
    }

    pub(crate) fn to_bytes(self) -> [u8; SIZE] {
        let mut out = [0u8; SIZE];
        out[0..4].copy_from_slice(&self.kind.to_ne_bytes());
        out[4..8].copy_from_slice(&self.a.to_ne_bytes());
        out[8..12].copy_from_slice(&self.b.to_ne_bytes());
        out[12..16].copy_from_slice(&self.c.to_ne_bytes());
        out
    }

    pub(crate) fn from_bytes(b: &[u8; SIZE]) -> Record {
        let w = |i: usize| [b[i], b[i + 1], b[i + 2], b[i + 3]];
        Record {
            kind: u32::from_ne_bytes(w(0)),
            a: u32::from_ne_bytes(w(4)),
            b: u32::from_ne_bytes(w(8)),
            c: i32::from_ne_bytes(w(12)),
        }
    }

    pub(crate) fn is(&self, k: Kind) -> bool {
        self.kind == k as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let r = Record::new(Kind::Fail, Stage::FsOp as u32, 7, -3);
        assert_eq!(Record::from_bytes(&r.to_bytes()), r);
        for s in Stage::ALL {
            assert_eq!(Stage::from_u32(s as u32), Some(s));
        }
    }
}

//! Actions (what a filter returns) and comparison operators, in their profile spelling and
//! their meaning.

use std::fmt;

/// The action names a profile may use (`SCMP_ACT_*`). A name alone is not a decision: ERRNO
/// and TRACE take their number from `errnoRet` / `errno`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionName {
    /// `SCMP_ACT_KILL`: kill the calling thread (libseccomp's historical name).
    Kill,
    /// `SCMP_ACT_KILL_PROCESS`: kill the whole process.
    KillProcess,
    /// `SCMP_ACT_KILL_THREAD`: kill the calling thread.
    KillThread,
    /// `SCMP_ACT_TRAP`: deliver SIGSYS.
    Trap,
    /// `SCMP_ACT_ERRNO`: fail the call with an errno.
    Errno,
    /// `SCMP_ACT_TRACE`: notify a ptrace tracer.
    Trace,
    /// `SCMP_ACT_ALLOW`: run the call.
    Allow,
    /// `SCMP_ACT_LOG`: run the call and log it.
    Log,
    /// `SCMP_ACT_NOTIFY`: ask a user-space supervisor.
    Notify,
}

impl ActionName {
    /// Every action name.
    pub const ALL: [ActionName; 9] = [
        ActionName::Kill,
        ActionName::KillProcess,
        ActionName::KillThread,
        ActionName::Trap,
        ActionName::Errno,
        ActionName::Trace,
        ActionName::Allow,
        ActionName::Log,
        ActionName::Notify,
    ];

    /// The profile spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionName::Kill => "SCMP_ACT_KILL",
            ActionName::KillProcess => "SCMP_ACT_KILL_PROCESS",
            ActionName::KillThread => "SCMP_ACT_KILL_THREAD",
            ActionName::Trap => "SCMP_ACT_TRAP",
            ActionName::Errno => "SCMP_ACT_ERRNO",
            ActionName::Trace => "SCMP_ACT_TRACE",
            ActionName::Allow => "SCMP_ACT_ALLOW",
            ActionName::Log => "SCMP_ACT_LOG",
            ActionName::Notify => "SCMP_ACT_NOTIFY",
        }
    }

    /// Parses the profile spelling.
    pub fn parse(s: &str) -> Option<ActionName> {
        ActionName::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The semantic action, given the number from `errnoRet`/`errno` when there is one.
    /// ERRNO without a number means EPERM and TRACE without one means TRACE(1), as runc does.
    pub fn with_ret(self, ret: Option<u32>) -> Action {
        match self {
            ActionName::Kill | ActionName::KillThread => Action::KillThread,
            ActionName::KillProcess => Action::KillProcess,
            ActionName::Trap => Action::Trap,
            ActionName::Errno => Action::Errno(ret.unwrap_or(1) as u16),
            ActionName::Trace => Action::Trace(ret.unwrap_or(1) as u16),
            ActionName::Allow => Action::Allow,
            ActionName::Log => Action::Log,
            ActionName::Notify => Action::Notify,
        }
    }
}

impl fmt::Display for ActionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a filter decides for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "action", content = "data", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// Kill the process (`SECCOMP_RET_KILL_PROCESS`).
    KillProcess,
    /// Kill the thread (`SECCOMP_RET_KILL_THREAD`).
    KillThread,
    /// Send SIGSYS (`SECCOMP_RET_TRAP`).
    Trap,
    /// Return `-errno` (`SECCOMP_RET_ERRNO`).
    Errno(u16),
    /// Ask the user-space notifier (`SECCOMP_RET_USER_NOTIF`).
    Notify,
    /// Stop for a ptrace tracer (`SECCOMP_RET_TRACE`).
    Trace(u16),
    /// Log and allow (`SECCOMP_RET_LOG`).
    Log,
    /// Allow (`SECCOMP_RET_ALLOW`).
    Allow,
}

impl Action {
    /// The 32-bit value a seccomp filter returns for this action.
    pub fn ret_value(self) -> u32 {
        match self {
            Action::KillProcess => 0x8000_0000,
            Action::KillThread => 0x0000_0000,
            Action::Trap => 0x0003_0000,
            Action::Errno(e) => 0x0005_0000 | u32::from(e),
            Action::Notify => 0x7fc0_0000,
            Action::Trace(d) => 0x7ff0_0000 | u32::from(d),
            Action::Log => 0x7ffc_0000,
            Action::Allow => 0x7fff_0000,
        }
    }

    /// Decodes a filter return value (the inverse of [`Action::ret_value`]); `None` for values
    /// no action produces.
    pub fn from_ret_value(v: u32) -> Option<Action> {
        let data = (v & 0xffff) as u16;
        Some(match v & 0xffff_0000 {
            0x8000_0000 => Action::KillProcess,
            0x0000_0000 => Action::KillThread,
            0x0003_0000 => Action::Trap,
            0x0005_0000 => Action::Errno(data),
            0x7fc0_0000 => Action::Notify,
            0x7ff0_0000 => Action::Trace(data),
            0x7ffc_0000 => Action::Log,
            0x7fff_0000 => Action::Allow,
            _ => return None,
        })
    }

    /// Whether the call goes ahead (ALLOW or LOG).
    pub fn permits(self) -> bool {
        matches!(self, Action::Allow | Action::Log)
    }

    /// The profile spelling of this action's name.
    pub fn name(self) -> ActionName {
        match self {
            Action::KillProcess => ActionName::KillProcess,
            Action::KillThread => ActionName::KillThread,
            Action::Trap => ActionName::Trap,
            Action::Errno(_) => ActionName::Errno,
            Action::Notify => ActionName::Notify,
            Action::Trace(_) => ActionName::Trace,
            Action::Log => ActionName::Log,
            Action::Allow => ActionName::Allow,
        }
    }

    /// The number that goes in `errnoRet` for this action, if any.
    pub fn ret_data(self) -> Option<u32> {
        match self {
            Action::Errno(e) | Action::Trace(e) => Some(u32::from(e)),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::KillProcess => f.write_str("KILL_PROCESS"),
            Action::KillThread => f.write_str("KILL_THREAD"),
            Action::Trap => f.write_str("TRAP"),
            Action::Errno(e) => match errno_name(u32::from(*e)) {
                Some(n) => write!(f, "ERRNO({n})"),
                None => write!(f, "ERRNO({e})"),
            },
            Action::Notify => f.write_str("NOTIFY"),
            Action::Trace(d) => write!(f, "TRACE({d})"),
            Action::Log => f.write_str("LOG"),
            Action::Allow => f.write_str("ALLOW"),
        }
    }
}

/// Argument comparison operators (`SCMP_CMP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Op {
    /// `arg != value`
    Ne,
    /// `arg < value` (unsigned)
    Lt,
    /// `arg <= value` (unsigned)
    Le,
    /// `arg == value`
    Eq,
    /// `arg >= value` (unsigned)
    Ge,
    /// `arg > value` (unsigned)
    Gt,
    /// `(arg & value) == valueTwo`
    MaskedEq,
}

impl Op {
    /// Every operator.
    pub const ALL: [Op; 7] = [Op::Ne, Op::Lt, Op::Le, Op::Eq, Op::Ge, Op::Gt, Op::MaskedEq];

    /// The profile spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Ne => "SCMP_CMP_NE",
            Op::Lt => "SCMP_CMP_LT",
            Op::Le => "SCMP_CMP_LE",
            Op::Eq => "SCMP_CMP_EQ",
            Op::Ge => "SCMP_CMP_GE",
            Op::Gt => "SCMP_CMP_GT",
            Op::MaskedEq => "SCMP_CMP_MASKED_EQ",
        }
    }

    /// Parses the profile spelling.
    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Evaluates the comparison: `value_two` is only used by MASKED_EQ.
    pub fn eval(self, arg: u64, value: u64, value_two: u64) -> bool {
        match self {
            Op::Ne => arg != value,
            Op::Lt => arg < value,
            Op::Le => arg <= value,
            Op::Eq => arg == value,
            Op::Ge => arg >= value,
            Op::Gt => arg > value,
            Op::MaskedEq => arg & value == value_two,
        }
    }

    /// A short symbol for tables (`==`, `<`, `&`).
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::MaskedEq => "&",
        }
    }
}

/// Linux errno names and numbers (the generic numbering used by x86, arm, riscv, s390,
/// ppc and loongarch; MIPS, SPARC, Alpha and PA-RISC renumber some of them).
pub const ERRNOS: &[(&str, u32)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EAGAIN", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("ENOTBLK", 15),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EXDEV", 18),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("ETXTBSY", 26),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EROFS", 30),
    ("EMLINK", 31),
    ("EPIPE", 32),
    ("EDOM", 33),
    ("ERANGE", 34),
    ("EDEADLK", 35),
    ("ENAMETOOLONG", 36),
    ("ENOLCK", 37),
    ("ENOSYS", 38),
    ("ENOTEMPTY", 39),
    ("ELOOP", 40),
    ("ENOMSG", 42),
    ("EIDRM", 43),
    ("ENOSTR", 60),
    ("ENODATA", 61),
    ("ETIME", 62),
    ("ENOSR", 63),
    ("EREMOTE", 66),
    ("ENOLINK", 67),
    ("EPROTO", 71),
    ("EBADMSG", 74),
    ("EOVERFLOW", 75),
    ("EILSEQ", 84),
    ("EUSERS", 87),
    ("ENOTSOCK", 88),
    ("EDESTADDRREQ", 89),
    ("EMSGSIZE", 90),
    ("EPROTOTYPE", 91),
    ("ENOPROTOOPT", 92),
    ("EPROTONOSUPPORT", 93),
    ("ESOCKTNOSUPPORT", 94),
    ("EOPNOTSUPP", 95),
    ("EPFNOSUPPORT", 96),
    ("EAFNOSUPPORT", 97),
    ("EADDRINUSE", 98),
    ("EADDRNOTAVAIL", 99),
    ("ENETDOWN", 100),
    ("ENETUNREACH", 101),
    ("ENETRESET", 102),
    ("ECONNABORTED", 103),
    ("ECONNRESET", 104),
    ("ENOBUFS", 105),
    ("EISCONN", 106),
    ("ENOTCONN", 107),
    ("ESHUTDOWN", 108),
    ("ETOOMANYREFS", 109),
    ("ETIMEDOUT", 110),
    ("ECONNREFUSED", 111),
    ("EHOSTDOWN", 112),
    ("EHOSTUNREACH", 113),
    ("EALREADY", 114),
    ("EINPROGRESS", 115),
    ("ESTALE", 116),
    ("EDQUOT", 122),
    ("ECANCELED", 125),
    ("EOWNERDEAD", 130),
    ("ENOTRECOVERABLE", 131),
    ("ERFKILL", 132),
    ("EHWPOISON", 133),
];

/// The number for an errno name (`"ENOSYS"` → 38). Also accepts a decimal number.
pub fn errno_number(name: &str) -> Option<u32> {
    let upper = name.to_ascii_uppercase();
    match upper.as_str() {
        "EWOULDBLOCK" => return Some(11),
        "EDEADLOCK" => return Some(35),
        "ENOTSUP" => return Some(95),
        _ => {}
    }
    ERRNOS
        .iter()
        .find(|(n, _)| *n == upper)
        .map(|(_, v)| *v)
        .or_else(|| name.parse::<u32>().ok().filter(|v| *v <= 4095))
}

/// The name for an errno number (38 → `"ENOSYS"`).
pub fn errno_name(n: u32) -> Option<&'static str> {
    ERRNOS.iter().find(|(_, v)| *v == n).map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ret_values_round_trip() {
        for a in [
            Action::KillProcess,
            Action::KillThread,
            Action::Trap,
            Action::Errno(38),
            Action::Notify,
            Action::Trace(7),
            Action::Log,
            Action::Allow,
        ] {
            assert_eq!(Action::from_ret_value(a.ret_value()), Some(a));
        }
        assert_eq!(Action::Errno(1).ret_value(), 0x0005_0001);
        assert_eq!(Action::from_ret_value(0x1234_0000), None);
    }

    #[test]
    fn runc_defaults_for_missing_numbers() {
        assert_eq!(ActionName::Errno.with_ret(None), Action::Errno(1));
        assert_eq!(ActionName::Trace.with_ret(None), Action::Trace(1));
        assert_eq!(ActionName::Kill.with_ret(None), Action::KillThread);
    }

    #[test]
    fn masked_eq_is_and_then_compare() {
        assert!(Op::MaskedEq.eval(0x11, 0x7e02_0000, 0));
        assert!(!Op::MaskedEq.eval(0x1000_0000, 0x7e02_0000, 0));
        assert!(Op::MaskedEq.eval(0xff, 0x0f, 0x0f));
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_number("ENOSYS"), Some(38));
        assert_eq!(errno_number("eperm"), Some(1));
        assert_eq!(errno_number("22"), Some(22));
        assert_eq!(errno_number("EBOGUS"), None);
        assert_eq!(errno_name(38), Some("ENOSYS"));
    }
}

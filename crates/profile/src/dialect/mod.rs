//! The profile as written: a faithful model of Docker/Moby, Podman and OCI seccomp JSON.
//!
//! Every field the runtimes read is modelled, absent and empty are kept apart (Podman writes
//! `"args": []`, Docker omits it), and keys jailwright does not know are kept in `extra`, so a
//! profile read and written again is the same JSON.

use serde_json::{Map, Value};

use crate::action::{errno_number, Action, ActionName, Op};
use crate::arch::Arch;
use crate::error::{ParseError, Problem};

mod parse;
mod write;

use self::parse::{as_object, parse_profile, strip_position};
use self::write::{arches_value, extend, rule_value, strings_value};

/// A kernel version as `minKernel` spells it: `"X.Y"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KernelVersion {
    /// Major number.
    pub major: u8,
    /// Minor number.
    pub minor: u8,
}

impl KernelVersion {
    /// Builds a version.
    pub const fn new(major: u8, minor: u8) -> KernelVersion {
        KernelVersion { major, minor }
    }

    /// Parses `"X.Y"` (also `"X.Y.Z..."` from `uname -r`, ignoring the rest) where X and Y are
    /// 0..=255 and the version is not `0.0`.
    pub fn parse(s: &str) -> Option<KernelVersion> {
        let mut parts = s.trim().split(['.', '-', '+']);
        let major = parts.next()?.parse::<u8>().ok()?;
        let minor_s = parts.next()?;
        let minor = minor_s.parse::<u8>().ok()?;
        if major == 0 && minor == 0 {
            return None;
        }
        Some(KernelVersion { major, minor })
    }

    /// The running kernel's version, from `/proc/sys/kernel/osrelease`.
    pub fn running() -> Option<KernelVersion> {
        crate::host::kernel_release(std::path::Path::new("/"))
            .and_then(|s| KernelVersion::parse(&s))
    }
}

impl serde::Serialize for KernelVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Which dialect a profile was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    /// Docker/Moby JSON (`archMap`, `includes`/`excludes`, numeric errnos).
    Docker,
    /// Podman's: Docker's plus string `defaultErrno` / `errno`.
    Podman,
    /// A bare OCI runtime-spec `linux.seccomp` object.
    Oci,
    /// An OCI `config.json`; the profile is its `linux.seccomp`.
    OciConfig,
}

/// One `archMap` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchMapEntry {
    /// The native architecture this entry is for.
    pub architecture: Arch,
    /// The ABIs the filter also covers on that host (`null` and absent are both `None`).
    pub sub_architectures: Option<Vec<Arch>>,
    /// Keys jailwright does not model, kept verbatim.
    pub extra: Map<String, Value>,
}

/// `includes` / `excludes`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Capability names (`CAP_SYS_ADMIN`).
    pub caps: Option<Vec<String>>,
    /// Go-style host architecture names (`amd64`, `arm64`, `s390x`).
    pub arches: Option<Vec<String>>,
    /// The kernel version the filter compares against.
    pub min_kernel: Option<KernelVersion>,
    /// Keys jailwright does not model, kept verbatim.
    pub extra: Map<String, Value>,
}

impl Filter {
    /// Whether the filter says nothing (`{}` or all lists empty).
    pub fn is_empty(&self) -> bool {
        self.caps.as_ref().is_none_or(|c| c.is_empty())
            && self.arches.as_ref().is_none_or(|a| a.is_empty())
            && self.min_kernel.is_none()
    }
}

/// One argument condition.
#[derive(Clone, Debug, PartialEq)]
pub struct ArgCond {
    /// The argument index, 0..=5.
    pub index: u8,
    /// The value compared against (the mask for MASKED_EQ).
    pub value: u64,
    /// The second value (what the masked argument must equal for MASKED_EQ); `None` when the
    /// key is absent.
    pub value_two: Option<u64>,
    /// The operator.
    pub op: Op,
    /// Keys jailwright does not model, kept verbatim.
    pub extra: Map<String, Value>,
}

impl ArgCond {
    /// Builds a condition.
    pub fn new(index: u8, op: Op, value: u64, value_two: u64) -> ArgCond {
        ArgCond {
            index,
            value,
            value_two: Some(value_two),
            op,
            extra: Map::new(),
        }
    }

    /// Whether an argument value satisfies the condition.
    pub fn matches(&self, arg: u64) -> bool {
        self.op.eval(arg, self.value, self.value_two.unwrap_or(0))
    }
}

/// One entry of `syscalls[]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SyscallRule {
    /// `names` as written (`None` when the key is absent).
    pub names: Option<Vec<String>>,
    /// The old singular `name`.
    pub name: Option<String>,
    /// The action name.
    pub action: ActionName,
    /// `errnoRet`.
    pub errno_ret: Option<u32>,
    /// Podman's `errno` string; wins over `errnoRet`.
    pub errno: Option<String>,
    /// `args` as written.
    pub args: Option<Vec<ArgCond>>,
    /// `comment`.
    pub comment: Option<String>,
    /// `includes`.
    pub includes: Option<Filter>,
    /// `excludes`.
    pub excludes: Option<Filter>,
    /// Keys jailwright does not model, kept verbatim.
    pub extra: Map<String, Value>,
}

impl SyscallRule {
    /// Whether `includes` or `excludes` gates the rule (capabilities, architectures, kernel).
    pub fn is_gated(&self) -> bool {
        [&self.includes, &self.excludes]
            .into_iter()
            .any(|f| f.as_ref().is_some_and(|f| !f.is_empty()))
    }

    /// A rule for `names` with `action` and nothing else.
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>, action: Action) -> SyscallRule {
        SyscallRule {
            names: Some(names.into_iter().map(Into::into).collect()),
            name: None,
            action: action.name(),
            errno_ret: action.ret_data(),
            errno: None,
            args: None,
            comment: None,
            includes: None,
            excludes: None,
            extra: Map::new(),
        }
    }

    /// The syscall names this rule covers (`names`, then `name`).
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .flatten()
            .map(String::as_str)
            .chain(self.name.as_deref())
    }

    /// The action this rule returns: Podman's `errno` string wins over `errnoRet`.
    pub fn action(&self) -> Action {
        let ret = self
            .errno
            .as_deref()
            .and_then(errno_number)
            .or(self.errno_ret);
        self.action.with_ret(ret)
    }

    /// The rule's conditions (empty when there are none).
    pub fn conditions(&self) -> &[ArgCond] {
        self.args.as_deref().unwrap_or(&[])
    }
}

/// A seccomp profile in any dialect.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// `defaultAction`.
    pub default_action: ActionName,
    /// `defaultErrnoRet`.
    pub default_errno_ret: Option<u32>,
    /// Podman's `defaultErrno`; wins over `defaultErrnoRet`.
    pub default_errno: Option<String>,
    /// `architectures` (OCI and old Docker).
    pub architectures: Option<Vec<Arch>>,
    /// `archMap` (Docker).
    pub arch_map: Option<Vec<ArchMapEntry>>,
    /// `flags` (`SECCOMP_FILTER_FLAG_*`).
    pub flags: Option<Vec<String>>,
    /// `listenerPath` (where a NOTIFY listener fd is sent).
    pub listener_path: Option<String>,
    /// `listenerMetadata`.
    pub listener_metadata: Option<String>,
    /// `syscalls`.
    pub syscalls: Option<Vec<SyscallRule>>,
    /// Keys jailwright does not model, kept verbatim.
    pub extra: Map<String, Value>,
    /// The dialect it was read as.
    pub dialect: Dialect,
}

/// The seccomp filter flags runc and crun accept.
pub const KNOWN_FLAGS: &[&str] = &[
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
];

impl Profile {
    /// An empty profile with a default action.
    pub fn new(default: Action) -> Profile {
        Profile {
            default_action: default.name(),
            default_errno_ret: default.ret_data(),
            default_errno: None,
            architectures: None,
            arch_map: None,
            flags: None,
            listener_path: None,
            listener_metadata: None,
            syscalls: Some(Vec::new()),
            extra: Map::new(),
            dialect: Dialect::Docker,
        }
    }

    /// The default action: Podman's `defaultErrno` wins over `defaultErrnoRet`.
    pub fn default(&self) -> Action {
        let ret = self
            .default_errno
            .as_deref()
            .and_then(errno_number)
            .or(self.default_errno_ret);
        self.default_action.with_ret(ret)
    }

    /// The rules (empty when `syscalls` is absent).
    pub fn rules(&self) -> &[SyscallRule] {
        self.syscalls.as_deref().unwrap_or(&[])
    }

    /// Mutable access to the rules, creating the list when absent.
    pub fn rules_mut(&mut self) -> &mut Vec<SyscallRule> {
        self.syscalls.get_or_insert_with(Vec::new)
    }

    /// Parses JSON text. `origin` names the input in errors (a path, or `docker-default`).
    pub fn from_json(text: &str, origin: &str) -> Result<Profile, ParseError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ParseError::Syntax {
            origin: origin.to_string(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })?;
        Profile::from_value(&value).map_err(|p| p.at(origin, text))
    }

    /// Reads and parses a file.
    pub fn from_file(path: &std::path::Path) -> Result<Profile, ParseError> {
        let text = std::fs::read_to_string(path).map_err(|source| ParseError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Profile::from_json(&text, &path.display().to_string())
    }

    /// Converts a JSON value: a profile object, or an OCI `config.json` holding one at
    /// `linux.seccomp`.
    pub fn from_value(value: &Value) -> Result<Profile, Problem> {
        let obj = as_object(
            value,
            "$",
            "a JSON object with `defaultAction` and `syscalls`",
        )?;
        let is_config = !obj.contains_key("defaultAction")
            && (obj.contains_key("ociVersion") || obj.contains_key("linux"));
        if is_config {
            let linux = obj.get("linux").ok_or_else(|| {
                Problem::new(
                    "$",
                    "an OCI config.json with `linux.seccomp`",
                    "this config.json has no `linux` object",
                    "add a `linux.seccomp` object, or pass a bare seccomp profile",
                )
            })?;
            let linux = as_object(linux, "$.linux", "an object")?;
            let seccomp = linux.get("seccomp").ok_or_else(|| {
                Problem::new(
                    "$.linux",
                    "a `seccomp` object",
                    "this config.json has no seccomp profile",
                    "add `linux.seccomp`, or pass a bare seccomp profile",
                )
            })?;
            let mut p = parse_profile(seccomp, "$.linux.seccomp")?;
            p.dialect = Dialect::OciConfig;
            return Ok(p);
        }
        parse_profile(value, "$")
    }

    /// The profile as JSON, in the dialect it was read as (an OCI config.json is written as its
    /// bare `linux.seccomp` object). Key order follows Docker's.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("defaultAction".into(), self.default_action.as_str().into());
        if let Some(v) = self.default_errno_ret {
            m.insert("defaultErrnoRet".into(), v.into());
        }
        if let Some(v) = &self.default_errno {
            m.insert("defaultErrno".into(), v.clone().into());
        }
        if let Some(a) = &self.architectures {
            m.insert("architectures".into(), arches_value(a));
        }
        if let Some(am) = &self.arch_map {
            let entries = am
                .iter()
                .map(|e| {
                    let mut o = Map::new();
                    o.insert("architecture".into(), e.architecture.scmp_name().into());
                    o.insert(
                        "subArchitectures".into(),
                        e.sub_architectures
                            .as_ref()
                            .map_or(Value::Null, |s| arches_value(s)),
                    );
                    extend(&mut o, &e.extra);
                    Value::Object(o)
                })
                .collect();
            m.insert("archMap".into(), Value::Array(entries));
        }
        if let Some(f) = &self.flags {
            m.insert("flags".into(), strings_value(f));
        }
        if let Some(v) = &self.listener_path {
            m.insert("listenerPath".into(), v.clone().into());
        }
        if let Some(v) = &self.listener_metadata {
            m.insert("listenerMetadata".into(), v.clone().into());
        }
        if let Some(rules) = &self.syscalls {
            m.insert(
                "syscalls".into(),
                Value::Array(rules.iter().map(rule_value).collect()),
            );
        }
        extend(&mut m, &self.extra);
        Value::Object(m)
    }

    /// The profile as pretty JSON text with a trailing newline.
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_value()).unwrap_or_default();
        s.push('\n');
        s
    }
}

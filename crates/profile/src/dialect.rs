//! The profile as written: a faithful model of Docker/Moby, Podman and OCI seccomp JSON.
//!
//! Every field the runtimes read is modelled, absent and empty are kept apart (Podman writes
//! `"args": []`, Docker omits it), and keys jailwright does not know are kept in `extra`, so a
//! profile read and written again is the same JSON.

use serde_json::{Map, Value};

use crate::action::{errno_number, Action, ActionName, Op};
use crate::arch::Arch;
use crate::error::{ParseError, Problem};

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
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .and_then(|s| KernelVersion::parse(&s))
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

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn extend(dst: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (k, v) in extra {
        dst.insert(k.clone(), v.clone());
    }
}

fn arches_value(a: &[Arch]) -> Value {
    Value::Array(a.iter().map(|a| Value::from(a.scmp_name())).collect())
}

fn strings_value(s: &[String]) -> Value {
    Value::Array(s.iter().map(|s| Value::from(s.as_str())).collect())
}

fn filter_value(f: &Filter) -> Value {
    let mut o = Map::new();
    if let Some(c) = &f.caps {
        o.insert("caps".into(), strings_value(c));
    }
    if let Some(a) = &f.arches {
        o.insert("arches".into(), strings_value(a));
    }
    if let Some(k) = &f.min_kernel {
        o.insert("minKernel".into(), k.to_string().into());
    }
    extend(&mut o, &f.extra);
    Value::Object(o)
}

fn rule_value(r: &SyscallRule) -> Value {
    let mut o = Map::new();
    if let Some(n) = &r.names {
        o.insert("names".into(), strings_value(n));
    }
    if let Some(n) = &r.name {
        o.insert("name".into(), n.clone().into());
    }
    o.insert("action".into(), r.action.as_str().into());
    if let Some(args) = &r.args {
        let a = args
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("index".into(), c.index.into());
                m.insert("value".into(), c.value.into());
                if let Some(v2) = c.value_two {
                    m.insert("valueTwo".into(), v2.into());
                }
                m.insert("op".into(), c.op.as_str().into());
                extend(&mut m, &c.extra);
                Value::Object(m)
            })
            .collect();
        o.insert("args".into(), Value::Array(a));
    }
    if let Some(c) = &r.comment {
        o.insert("comment".into(), c.clone().into());
    }
    if let Some(f) = &r.includes {
        o.insert("includes".into(), filter_value(f));
    }
    if let Some(f) = &r.excludes {
        o.insert("excludes".into(), filter_value(f));
    }
    if let Some(e) = r.errno_ret {
        o.insert("errnoRet".into(), e.into());
    }
    if let Some(e) = &r.errno {
        o.insert("errno".into(), e.clone().into());
    }
    extend(&mut o, &r.extra);
    Value::Object(o)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn as_object<'a>(
    v: &'a Value,
    path: &str,
    expected: &str,
) -> Result<&'a Map<String, Value>, Problem> {
    v.as_object().ok_or_else(|| {
        Problem::new(
            path,
            expected,
            &format!("found {}", type_name(v)),
            "write a JSON object here",
        )
    })
}

fn as_str<'a>(v: &'a Value, path: &str, expected: &str) -> Result<&'a str, Problem> {
    v.as_str().ok_or_else(|| {
        Problem::new(
            path,
            expected,
            &format!("found {}", type_name(v)),
            "write a JSON string here",
        )
    })
}

fn as_u64(v: &Value, path: &str, expected: &str) -> Result<u64, Problem> {
    v.as_u64().ok_or_else(|| {
        Problem::new(
            path,
            expected,
            &format!("found {}", describe(v)),
            "write a non-negative integer (up to 18446744073709551615) without quotes",
        )
    })
}

fn describe(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        other => type_name(other).to_string(),
    }
}

/// `null` counts as absent, as in Go.
fn opt<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn string_list(v: &Value, path: &str, what: &str) -> Result<Vec<String>, Problem> {
    let arr = v.as_array().ok_or_else(|| {
        Problem::new(
            path,
            &format!("an array of {what}"),
            &format!("found {}", type_name(v)),
            "write a JSON array of strings, e.g. [\"a\", \"b\"]",
        )
    })?;
    arr.iter()
        .enumerate()
        .map(|(i, s)| as_str(s, &format!("{path}[{i}]"), what).map(str::to_string))
        .collect()
}

fn scmp_arch(v: &Value, path: &str) -> Result<Arch, Problem> {
    let s = as_str(v, path, "an architecture name like \"SCMP_ARCH_X86_64\"")?;
    Arch::from_scmp_name(s).ok_or_else(|| {
        let hint = match s.parse::<Arch>() {
            Ok(a) => format!("write \"{}\"", a.scmp_name()),
            Err(_) => "use a libseccomp name such as SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, SCMP_ARCH_S390X, SCMP_ARCH_RISCV64".to_string(),
        };
        Problem::new(
            path,
            "an architecture name like \"SCMP_ARCH_X86_64\"",
            &format!("unknown architecture {s:?}"),
            &hint,
        )
    })
}

fn arch_list(v: &Value, path: &str) -> Result<Vec<Arch>, Problem> {
    let arr = v.as_array().ok_or_else(|| {
        Problem::new(
            path,
            "an array of architecture names",
            &format!("found {}", type_name(v)),
            "write e.g. [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"]",
        )
    })?;
    arr.iter()
        .enumerate()
        .map(|(i, a)| scmp_arch(a, &format!("{path}[{i}]")))
        .collect()
}

fn action_name(v: &Value, path: &str) -> Result<ActionName, Problem> {
    let s = as_str(v, path, "an action name like \"SCMP_ACT_ERRNO\"")?;
    ActionName::parse(s).ok_or_else(|| {
        let upper = s.to_ascii_uppercase();
        let guess = ActionName::ALL
            .into_iter()
            .find(|a| a.as_str() == upper || a.as_str().ends_with(&format!("_{upper}")));
        let hint = match guess {
            Some(g) => format!("did you mean \"{g}\"?"),
            None => "use one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY".into(),
        };
        Problem::new(path, "an action name", &format!("unknown action {s:?}"), &hint)
    })
}

fn errno_string(v: &Value, path: &str) -> Result<String, Problem> {
    let s = as_str(v, path, "an errno name like \"ENOSYS\"")?;
    if errno_number(s).is_none() {
        return Err(Problem::new(
            path,
            "an errno name like \"EPERM\" or \"ENOSYS\"",
            &format!("unknown errno {s:?}"),
            "use a Linux errno name (EPERM, ENOSYS, EACCES, EINVAL, ...)",
        ));
    }
    Ok(s.to_string())
}

fn errno_ret(v: &Value, path: &str) -> Result<u32, Problem> {
    let n = as_u64(v, path, "an errno number such as 1 (EPERM) or 38 (ENOSYS)")?;
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= 0xffff)
        .ok_or_else(|| {
            Problem::new(
                path,
                "an errno number 0..=65535",
                &format!("found {n}"),
                "seccomp carries 16 bits of data; use a Linux errno such as 1 (EPERM)",
            )
        })
}

fn parse_filter(v: &Value, path: &str) -> Result<Filter, Problem> {
    let obj = as_object(v, path, "an object with `caps`, `arches` or `minKernel`")?;
    let mut f = Filter::default();
    for (k, val) in obj {
        let p = format!("{path}.{k}");
        match k.as_str() {
            "caps" if !val.is_null() => {
                let caps = string_list(val, &p, "capability names")?;
                for (i, c) in caps.iter().enumerate() {
                    if crate::caps::Capability::parse(c).is_none() {
                        return Err(Problem::new(
                            &format!("{p}[{i}]"),
                            "a capability name like \"CAP_SYS_ADMIN\"",
                            &format!("unknown capability {c:?}"),
                            "use a name from capabilities(7), with the CAP_ prefix",
                        ));
                    }
                }
                f.caps = Some(caps);
            }
            "arches" if !val.is_null() => {
                let arches = string_list(val, &p, "Go architecture names")?;
                for (i, a) in arches.iter().enumerate() {
                    if Arch::from_go_name(a).is_none() {
                        let hint = match a.parse::<Arch>() {
                            Ok(arch) => format!("write \"{}\" (includes/excludes use Go's names for the host)", arch.go_name()),
                            Err(_) => "use a Go architecture name: amd64, arm64, arm, x86, x32, s390x, s390, ppc64le, riscv64, loong64, mips64, ...".into(),
                        };
                        return Err(Problem::new(
                            &format!("{p}[{i}]"),
                            "a Go architecture name like \"amd64\"",
                            &format!("unknown architecture {a:?}"),
                            &hint,
                        ));
                    }
                }
                f.arches = Some(arches);
            }
            "minKernel" if !val.is_null() => {
                let s = as_str(val, &p, "a kernel version like \"4.8\"")?;
                let k = KernelVersion::parse(s).filter(|_| {
                    let mut it = s.split('.');
                    it.next().is_some() && it.next().is_some() && it.next().is_none()
                });
                f.min_kernel = Some(k.ok_or_else(|| {
                    Problem::new(
                        &p,
                        "a kernel version \"X.Y\" with X and Y in 0..=255, not \"0.0\"",
                        &format!("found {s:?}"),
                        "write e.g. \"5.8\"",
                    )
                })?);
            }
            _ => {
                f.extra.insert(k.clone(), val.clone());
            }
        }
    }
    Ok(f)
}

fn parse_arg(v: &Value, path: &str) -> Result<ArgCond, Problem> {
    let obj = as_object(v, path, "an argument condition {index, value, op}")?;
    let index_v = obj.get("index").ok_or_else(|| {
        Problem::new(
            path,
            "an `index` key",
            "the condition has no `index`",
            "add \"index\": N where N is the argument number 0..=5",
        )
    })?;
    let index = as_u64(index_v, &format!("{path}.index"), "an argument index 0..=5")?;
    if index > 5 {
        return Err(Problem::new(
            &format!("{path}.index"),
            "an argument index 0..=5",
            &format!("found {index}"),
            "syscalls take at most six arguments, numbered 0 to 5",
        ));
    }
    let value = match opt(obj, "value") {
        Some(v) => as_u64(v, &format!("{path}.value"), "an unsigned 64-bit value")?,
        None => 0,
    };
    let value_two = match opt(obj, "valueTwo") {
        Some(v) => Some(as_u64(
            v,
            &format!("{path}.valueTwo"),
            "an unsigned 64-bit value",
        )?),
        None => None,
    };
    let op_v = obj.get("op").ok_or_else(|| {
        Problem::new(
            path,
            "an `op` key",
            "the condition has no `op`",
            "add \"op\": \"SCMP_CMP_EQ\" (or NE, LT, LE, GE, GT, MASKED_EQ)",
        )
    })?;
    let op_s = as_str(
        op_v,
        &format!("{path}.op"),
        "an operator like \"SCMP_CMP_EQ\"",
    )?;
    let op = Op::parse(op_s).ok_or_else(|| {
        let upper = op_s.to_ascii_uppercase();
        let guess = Op::ALL
            .into_iter()
            .find(|o| o.as_str() == upper || o.as_str().ends_with(&format!("_{upper}")));
        let hint = match guess {
            Some(g) => format!("did you mean \"{}\"?", g.as_str()),
            None => "use one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ".into(),
        };
        Problem::new(
            &format!("{path}.op"),
            "a comparison operator",
            &format!("unknown operator {op_s:?}"),
            &hint,
        )
    })?;
    let mut extra = Map::new();
    for (k, val) in obj {
        if !matches!(k.as_str(), "index" | "value" | "valueTwo" | "op") {
            extra.insert(k.clone(), val.clone());
        }
    }
    Ok(ArgCond {
        index: index as u8,
        value,
        value_two,
        op,
        extra,
    })
}

fn parse_rule(v: &Value, path: &str) -> Result<SyscallRule, Problem> {
    let obj = as_object(v, path, "a rule object with `names` and `action`")?;
    let names = match opt(obj, "names") {
        Some(n) => Some(string_list(n, &format!("{path}.names"), "syscall names")?),
        None => obj.get("names").map(|_| Vec::new()),
    };
    let name = match opt(obj, "name") {
        Some(n) => Some(as_str(n, &format!("{path}.name"), "a syscall name")?.to_string()),
        None => None,
    };
    if name.is_some() && names.as_ref().is_some_and(|n| !n.is_empty()) {
        return Err(Problem::new(
            path,
            "either `name` or `names`",
            "the rule has both `name` and `names`",
            "Docker refuses this; move the `name` value into the `names` list and delete `name`",
        ));
    }
    let action_v = obj.get("action").ok_or_else(|| {
        Problem::new(
            path,
            "an `action` key",
            "the rule has no `action`",
            "add \"action\": \"SCMP_ACT_ALLOW\" (or another SCMP_ACT_*)",
        )
    })?;
    let action = action_name(action_v, &format!("{path}.action"))?;
    let errno_ret = match opt(obj, "errnoRet") {
        Some(e) => Some(errno_ret(e, &format!("{path}.errnoRet"))?),
        None => None,
    };
    let errno = match opt(obj, "errno") {
        Some(e) => Some(errno_string(e, &format!("{path}.errno"))?),
        None => None,
    };
    let args = match obj.get("args") {
        Some(Value::Null) | None => None,
        Some(a) => {
            let p = format!("{path}.args");
            let arr = a.as_array().ok_or_else(|| {
                Problem::new(
                    &p,
                    "an array of argument conditions",
                    &format!("found {}", type_name(a)),
                    "write [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]",
                )
            })?;
            Some(
                arr.iter()
                    .enumerate()
                    .map(|(i, c)| parse_arg(c, &format!("{p}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
    };
    let comment = match opt(obj, "comment") {
        Some(c) => Some(as_str(c, &format!("{path}.comment"), "a string")?.to_string()),
        None => None,
    };
    let includes = match opt(obj, "includes") {
        Some(f) => Some(parse_filter(f, &format!("{path}.includes"))?),
        None => None,
    };
    let excludes = match opt(obj, "excludes") {
        Some(f) => Some(parse_filter(f, &format!("{path}.excludes"))?),
        None => None,
    };
    let mut extra = Map::new();
    for (k, val) in obj {
        if !matches!(
            k.as_str(),
            "names"
                | "name"
                | "action"
                | "errnoRet"
                | "errno"
                | "args"
                | "comment"
                | "includes"
                | "excludes"
        ) {
            extra.insert(k.clone(), val.clone());
        }
    }
    Ok(SyscallRule {
        names,
        name,
        action,
        errno_ret,
        errno,
        args,
        comment,
        includes,
        excludes,
        extra,
    })
}

fn parse_profile(v: &Value, path: &str) -> Result<Profile, Problem> {
    let obj = as_object(v, path, "a seccomp profile object")?;
    let da = obj.get("defaultAction").ok_or_else(|| {
        Problem::new(
            path,
            "a `defaultAction` key",
            "the profile has no `defaultAction`",
            "add \"defaultAction\": \"SCMP_ACT_ERRNO\" (what happens to syscalls no rule names)",
        )
    })?;
    let default_action = action_name(da, &format!("{path}.defaultAction"))?;
    let default_errno_ret = match opt(obj, "defaultErrnoRet") {
        Some(e) => Some(errno_ret(e, &format!("{path}.defaultErrnoRet"))?),
        None => None,
    };
    let default_errno = match opt(obj, "defaultErrno") {
        Some(e) => Some(errno_string(e, &format!("{path}.defaultErrno"))?),
        None => None,
    };
    let architectures = match opt(obj, "architectures") {
        Some(a) => Some(arch_list(a, &format!("{path}.architectures"))?),
        None => None,
    };
    let arch_map = match opt(obj, "archMap") {
        Some(am) => {
            let p = format!("{path}.archMap");
            let arr = am.as_array().ok_or_else(|| {
                Problem::new(
                    &p,
                    "an array of {architecture, subArchitectures}",
                    &format!("found {}", type_name(am)),
                    "write [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\"]}]",
                )
            })?;
            let mut entries = Vec::with_capacity(arr.len());
            for (i, e) in arr.iter().enumerate() {
                let ep = format!("{p}[{i}]");
                let eo = as_object(e, &ep, "an object with `architecture`")?;
                let a = eo.get("architecture").ok_or_else(|| {
                    Problem::new(
                        &ep,
                        "an `architecture` key",
                        "the entry has no `architecture`",
                        "add \"architecture\": \"SCMP_ARCH_X86_64\"",
                    )
                })?;
                let architecture = scmp_arch(a, &format!("{ep}.architecture"))?;
                let sub_architectures = match opt(eo, "subArchitectures") {
                    Some(s) => Some(arch_list(s, &format!("{ep}.subArchitectures"))?),
                    None => None,
                };
                let mut extra = Map::new();
                for (k, val) in eo {
                    if k != "architecture" && k != "subArchitectures" {
                        extra.insert(k.clone(), val.clone());
                    }
                }
                entries.push(ArchMapEntry {
                    architecture,
                    sub_architectures,
                    extra,
                });
            }
            Some(entries)
        }
        None => None,
    };
    if architectures.as_ref().is_some_and(|a| !a.is_empty())
        && arch_map.as_ref().is_some_and(|a| !a.is_empty())
    {
        return Err(Problem::new(
            path,
            "either `architectures` or `archMap`",
            "the profile has both `architectures` and `archMap`",
            "Docker refuses this; keep `archMap` (it says which ABIs each host covers) and delete `architectures`",
        ));
    }
    let flags = match opt(obj, "flags") {
        Some(f) => {
            let p = format!("{path}.flags");
            let flags = string_list(f, &p, "seccomp filter flags")?;
            for (i, fl) in flags.iter().enumerate() {
                if !KNOWN_FLAGS.contains(&fl.as_str()) {
                    return Err(Problem::new(
                        &format!("{p}[{i}]"),
                        "a seccomp filter flag",
                        &format!("unknown flag {fl:?}"),
                        &format!("use one of {}", KNOWN_FLAGS.join(", ")),
                    ));
                }
            }
            Some(flags)
        }
        None => None,
    };
    let listener_path = match opt(obj, "listenerPath") {
        Some(s) => Some(as_str(s, &format!("{path}.listenerPath"), "a socket path")?.to_string()),
        None => None,
    };
    let listener_metadata = match opt(obj, "listenerMetadata") {
        Some(s) => Some(as_str(s, &format!("{path}.listenerMetadata"), "a string")?.to_string()),
        None => None,
    };
    let syscalls = match opt(obj, "syscalls") {
        Some(s) => {
            let p = format!("{path}.syscalls");
            let arr = s.as_array().ok_or_else(|| {
                Problem::new(
                    &p,
                    "an array of rules",
                    &format!("found {}", type_name(s)),
                    "write [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]",
                )
            })?;
            Some(
                arr.iter()
                    .enumerate()
                    .map(|(i, r)| parse_rule(r, &format!("{p}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
        None => None,
    };
    let mut extra = Map::new();
    for (k, val) in obj {
        if !matches!(
            k.as_str(),
            "defaultAction"
                | "defaultErrnoRet"
                | "defaultErrno"
                | "architectures"
                | "archMap"
                | "flags"
                | "listenerPath"
                | "listenerMetadata"
                | "syscalls"
        ) {
            extra.insert(k.clone(), val.clone());
        }
    }
    let podman = default_errno.is_some()
        || syscalls
            .iter()
            .flatten()
            .any(|r: &SyscallRule| r.errno.is_some());
    let dialect = if podman {
        Dialect::Podman
    } else if arch_map.is_none()
        && syscalls
            .iter()
            .flatten()
            .all(|r| r.includes.is_none() && r.excludes.is_none())
        && architectures.is_some()
    {
        Dialect::Oci
    } else {
        Dialect::Docker
    };
    Ok(Profile {
        default_action,
        default_errno_ret,
        default_errno,
        architectures,
        arch_map,
        flags,
        listener_path,
        listener_metadata,
        syscalls,
        extra,
        dialect,
    })
}

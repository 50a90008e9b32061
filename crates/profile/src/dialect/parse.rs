//! Reading a profile from JSON: every value checked, with the JSON path and what was
//! expected in each error.

use super::*;

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(super) fn as_object<'a>(
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

pub(super) fn as_str<'a>(v: &'a Value, path: &str, expected: &str) -> Result<&'a str, Problem> {
    v.as_str().ok_or_else(|| {
        Problem::new(
            path,
            expected,
            &format!("found {}", type_name(v)),
            "write a JSON string here",
        )
    })
}

pub(super) fn as_u64(v: &Value, path: &str, expected: &str) -> Result<u64, Problem> {
    v.as_u64().ok_or_else(|| {
        Problem::new(
            path,
            expected,
            &format!("found {}", describe(v)),
            "write a non-negative integer (up to 18446744073709551615) without quotes",
        )
    })
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        other => type_name(other).to_string(),
    }
}

/// `null` counts as absent, as in Go.
pub(super) fn opt<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

pub(super) fn string_list(v: &Value, path: &str, what: &str) -> Result<Vec<String>, Problem> {
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

pub(super) fn scmp_arch(v: &Value, path: &str) -> Result<Arch, Problem> {
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

pub(super) fn arch_list(v: &Value, path: &str) -> Result<Vec<Arch>, Problem> {
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

pub(super) fn action_name(v: &Value, path: &str) -> Result<ActionName, Problem> {
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

pub(super) fn errno_string(v: &Value, path: &str) -> Result<String, Problem> {
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

pub(super) fn errno_ret(v: &Value, path: &str) -> Result<u32, Problem> {
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

pub(super) fn parse_filter(v: &Value, path: &str) -> Result<Filter, Problem> {
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

pub(super) fn parse_arg(v: &Value, path: &str) -> Result<ArgCond, Problem> {
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

pub(super) fn parse_rule(v: &Value, path: &str) -> Result<SyscallRule, Problem> {
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

pub(super) fn parse_profile(v: &Value, path: &str) -> Result<Profile, Problem> {
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
        Some(am) => Some(parse_arch_map(am, &format!("{path}.archMap"))?),
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
        Some(f) => Some(parse_flags(f, &format!("{path}.flags"))?),
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
        Some(s) => Some(parse_rules(s, &format!("{path}.syscalls"))?),
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
    let dialect = dialect_of(
        default_errno.is_some(),
        arch_map.is_some(),
        architectures.is_some(),
        syscalls.as_deref(),
    );
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

/// `archMap`: each entry's architecture and sub-architectures, unknown keys kept.
fn parse_arch_map(am: &Value, p: &str) -> Result<Vec<ArchMapEntry>, Problem> {
    let arr = am.as_array().ok_or_else(|| {
        Problem::new(
            p,
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
    Ok(entries)
}

/// `flags`: each one a flag the runtimes know.
fn parse_flags(f: &Value, p: &str) -> Result<Vec<String>, Problem> {
    let flags = string_list(f, p, "seccomp filter flags")?;
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
    Ok(flags)
}

/// `syscalls`: every rule.
fn parse_rules(s: &Value, p: &str) -> Result<Vec<SyscallRule>, Problem> {
    let arr = s.as_array().ok_or_else(|| {
        Problem::new(
            p,
            "an array of rules",
            &format!("found {}", type_name(s)),
            "write [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]",
        )
    })?;
    arr.iter()
        .enumerate()
        .map(|(i, r)| parse_rule(r, &format!("{p}[{i}]")))
        .collect()
}

/// Which runtime's dialect the profile is written in: Podman's errno spellings, plain OCI
/// (`architectures`, no `archMap`, no `includes`/`excludes`), else Docker's.
fn dialect_of(
    default_errno: bool,
    has_arch_map: bool,
    has_architectures: bool,
    syscalls: Option<&[SyscallRule]>,
) -> Dialect {
    let rules = syscalls.unwrap_or(&[]);
    if default_errno || rules.iter().any(|r| r.errno.is_some()) {
        Dialect::Podman
    } else if !has_arch_map
        && rules
            .iter()
            .all(|r| r.includes.is_none() && r.excludes.is_none())
        && has_architectures
    {
        Dialect::Oci
    } else {
        Dialect::Docker
    }
}

pub(super) fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

//! A profile back to JSON, keeping every key as it was read.

use super::*;

pub(super) fn extend(dst: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (k, v) in extra {
        dst.insert(k.clone(), v.clone());
    }
}

pub(super) fn arches_value(a: &[Arch]) -> Value {
    Value::Array(a.iter().map(|a| Value::from(a.scmp_name())).collect())
}

pub(super) fn strings_value(s: &[String]) -> Value {
    Value::Array(s.iter().map(|s| Value::from(s.as_str())).collect())
}

pub(super) fn filter_value(f: &Filter) -> Value {
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

pub(super) fn rule_value(r: &SyscallRule) -> Value {
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

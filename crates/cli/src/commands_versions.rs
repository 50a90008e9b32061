//! The engine defaults release by release: `profile list --versions` and `profile why` for
//! `docker-default@RELEASE` and `podman-default`.

use std::fmt::Write as _;

use jailwright_profile::catalogue::history::{self, Change, History, ProfileVersion};

use crate::args::Format;
use crate::output::{emit, json, Table};
use crate::Failure;

/// The name a version is loaded by: `docker-default@25.0.3`, or the base for an unreleased
/// newest.
fn name(h: &History, v: &ProfileVersion) -> String {
    if v.releases.is_empty() {
        h.base.to_string()
    } else {
        format!("{}@{}", h.base, v.label())
    }
}

/// Which releases shipped `v`, in words.
fn releases(h: &History, v: &ProfileVersion) -> String {
    match (v.releases.is_empty(), v.after) {
        (false, _) => format!("releases {}", v.windows()),
        (true, Some(after)) => format!("newer than every {} release; after {after}", h.engine),
        (true, None) => format!("in no {} release", h.engine),
    }
}

/// One change, with its source on the version's release line (and, when that commit came
/// without a pull request, the first one that did).
fn change_line(v: &ProfileVersion, c: &Change) -> String {
    let Some(s) = v.source_of(c) else {
        return c.summary.to_string();
    };
    let mut shown = vec![s.to_string()];
    if s.pr.is_none() {
        shown.extend(
            c.sources
                .iter()
                .find(|x| x.pr.is_some())
                .map(ToString::to_string),
        );
    }
    format!("{} ({})", c.summary, shown.join("; "))
}

/// `profile list --versions`.
pub(crate) fn list(format: Format) -> Result<u8, Failure> {
    if format == Format::Json {
        let v: Vec<_> = history::HISTORIES.iter().map(|h| history_json(h)).collect();
        emit(None, json(&v)?.as_bytes())?;
        return Ok(0);
    }
    let mut out = String::new();
    for h in history::HISTORIES {
        let newest = match h.version(h.newest) {
            Some(v) if !v.releases.is_empty() => format!("= {}", name(h, v)),
            Some(v) => format!(
                "is newer than every release (after {})",
                v.after.unwrap_or("-")
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{}: {}'s default profile by release, from {}\n`{}` {newest}",
            h.base, h.engine, h.file, h.base,
        );
        let mut t = Table::new(["VERSION", "RELEASES", "AFTER", "CHANGES (SOURCE)"]);
        for v in h.versions {
            let after = v.after.unwrap_or("-");
            let mut lines: Vec<String> = v.changes.iter().map(|c| change_line(v, c)).collect();
            if lines.is_empty() {
                lines.push("the oldest version here".to_string());
            }
            let mut first = [name(h, v), v.windows(), after.to_string()];
            for line in lines {
                let cells = std::mem::take(&mut first);
                t.row(cells.into_iter().chain([line]));
            }
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    emit(None, out.as_bytes())?;
    Ok(0)
}

fn history_json(h: &History) -> serde_json::Value {
    let versions: Vec<_> = h
        .versions
        .iter()
        .map(|v| {
            let changes: Vec<_> = v
                .changes
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.id,
                        "summary": c.summary,
                        "reason": c.reason,
                        "first_releases": h.first_releases(c).iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "sources": c.sources,
                    })
                })
                .collect();
            let releases: Vec<_> = v
                .releases
                .iter()
                .map(|(a, b)| [a.to_string(), b.to_string()])
                .collect();
            serde_json::json!({
                "name": name(h, v),
                "label": v.label(),
                "releases": releases,
                "after": v.after,
                "changes": changes,
            })
        })
        .collect();
    serde_json::json!({
        "base": h.base,
        "engine": h.engine,
        "file": h.file,
        "newest": h.newest,
        "versions": versions,
    })
}

/// `profile why` for an engine default or one of its releases; `None` when `name` is neither.
pub(crate) fn why(name_or_release: &str) -> Option<Result<u8, Failure>> {
    let (base, request) = match name_or_release.split_once('@') {
        Some((b, r)) => (b, Some(r)),
        None => (name_or_release, None),
    };
    let h = history::get(base)?;
    Some(why_in(h, request))
}

fn why_in(h: &'static History, request: Option<&str>) -> Result<u8, Failure> {
    let newest = h
        .version(h.newest)
        .ok_or_else(|| Failure::usage(format!("{}: no newest version", h.base)))?;
    let (release, v) = match request {
        Some(r) => {
            let (release, v) = h.resolve(r)?;
            (Some(release), v)
        }
        None => (None, newest),
    };
    let mut out = match release {
        Some(r) => format!("{}@{r}: {}'s default profile in {r}", h.base, h.engine),
        None => format!("{}: {}'s newest default profile", h.base, h.engine),
    };
    let _ = writeln!(out, " = {} ({})\n", name(h, v), releases(h, v));
    let path = h.path(v).map_err(Failure::usage)?;
    if path.is_empty() {
        let _ = writeln!(out, "{} is encoded as data: {}", name(h, newest), h.file);
    } else {
        let _ = writeln!(out, "{} ({}), then:", name(h, newest), releases(h, newest));
    }
    for (forward, c) in path {
        let _ = writeln!(
            out,
            "  {} [{}] {}\n      why: {}\n      source: {}",
            if forward { "+" } else { "undo" },
            c.id,
            c.summary,
            c.reason,
            c.sources
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    emit(None, out.as_bytes())?;
    Ok(0)
}

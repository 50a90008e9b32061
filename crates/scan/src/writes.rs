//! File writes: which calls write, the path they write when the source spells it out, and
//! whether that path is under an allowed output directory.
//!
//! A path is *literal* when it is built only from string literals, `pathlib.Path(...)`, `/`
//! and `os.path.join`, possibly through names bound once to such a value (`OUT =
//! Path("/out")`). Paths are compared as text, after `.` and `..` are folded (`/out/../etc`
//! is `/etc`); symlinks on the host are not looked at.

use tree_sitter::Node;

use crate::names::Names;
use crate::rules::{Rule, WRITE_COMPUTED_PATH, WRITE_OUTSIDE_OUTPUT_DIR, WRITE_SYSTEM_PATH};
use crate::syntax::{argument, ident, nodes, string_value, unparen};

/// How deep a path expression is followed (`Path(A) / "b" / "c"`, names of names).
const MAX_PATH_DEPTH: usize = 16;

/// Top-level directories (and deeper ones) no data plugin writes to.
const SYSTEM_DIRS: &[&[&str]] = &[
    &["etc"],
    &["proc"],
    &["sys"],
    &["dev"],
    &["boot"],
    &["root"],
    &["usr"],
    &["bin"],
    &["sbin"],
    &["lib"],
    &["lib32"],
    &["lib64"],
    &["libx32"],
    &["run"],
    &["var", "run"],
    &["var", "spool"],
];

/// Functions that open a file by path with a mode argument (position 1, or `mode=`).
const OPENERS: &[&str] = &[
    "builtins.open",
    "io.open",
    "codecs.open",
    "gzip.open",
    "bz2.open",
    "lzma.open",
];

/// `os.open` flags that make it write.
const WRITE_FLAGS: &[&str] = &[
    "O_WRONLY",
    "O_RDWR",
    "O_CREAT",
    "O_APPEND",
    "O_TRUNC",
    "O_TMPFILE",
];

/// Constructors of path objects.
const PATH_TYPES: &[&str] = &[
    "pathlib.Path",
    "pathlib.PurePath",
    "pathlib.PosixPath",
    "pathlib.PurePosixPath",
];

/// A path as far as the source tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathValue {
    /// Spelled out: folded components, and whether it starts at `/`.
    Literal { absolute: bool, parts: Vec<String> },
    /// Known only at run time.
    Computed,
}

impl PathValue {
    fn from_text(text: &str) -> PathValue {
        let absolute = text.starts_with('/');
        let mut parts: Vec<String> = Vec::new();
        for p in text.split('/') {
            match p {
                "" | "." => {}
                ".." if parts.last().is_some_and(|l| l != "..") => {
                    parts.pop();
                }
                ".." if absolute => {}
                other => parts.push(other.to_string()),
            }
        }
        PathValue::Literal { absolute, parts }
    }

    /// `self / other`, as pathlib and os.path.join do it (an absolute `other` replaces).
    fn join(self, other: PathValue) -> PathValue {
        match (self, other) {
            (
                PathValue::Literal { absolute, parts },
                PathValue::Literal {
                    absolute: false,
                    parts: more,
                },
            ) => {
                let mut text = if absolute {
                    "/".to_string()
                } else {
                    String::new()
                };
                text.push_str(&parts.join("/"));
                if !text.is_empty() && !text.ends_with('/') {
                    text.push('/');
                }
                text.push_str(&more.join("/"));
                PathValue::from_text(&text)
            }
            (PathValue::Literal { .. }, lit @ PathValue::Literal { .. }) => lit,
            _ => PathValue::Computed,
        }
    }

    /// The path as text (`/etc/passwd`, `out/a.csv`, `.`).
    pub(crate) fn display(&self) -> String {
        match self {
            PathValue::Literal { absolute, parts } => {
                let joined = parts.join("/");
                match (absolute, joined.is_empty()) {
                    (true, _) => format!("/{joined}"),
                    (false, true) => ".".to_string(),
                    (false, false) => joined,
                }
            }
            PathValue::Computed => "(computed)".to_string(),
        }
    }

    fn is_under(&self, dir: &PathValue) -> bool {
        match (self, dir) {
            (
                PathValue::Literal { absolute, parts },
                PathValue::Literal {
                    absolute: dir_absolute,
                    parts: dir_parts,
                },
            ) => absolute == dir_absolute && parts.starts_with(dir_parts),
            _ => false,
        }
    }
}

/// The allowed output directories, folded.
pub(crate) struct OutputDirs(Vec<PathValue>);

impl OutputDirs {
    pub(crate) fn new<'p>(dirs: impl IntoIterator<Item = &'p std::path::Path>) -> OutputDirs {
        OutputDirs(
            dirs.into_iter()
                .map(|d| PathValue::from_text(&d.to_string_lossy()))
                .collect(),
        )
    }

    fn describe(&self) -> String {
        if self.0.is_empty() {
            return "no --output-dir was given".to_string();
        }
        let list: Vec<String> = self.0.iter().map(PathValue::display).collect();
        format!("allowed: {}", list.join(", "))
    }
}

/// The path a call writes to, when it writes: `open(p, "w")`, `os.open(p, O_WRONLY)`,
/// `Path(p).write_text(...)`, `Path(p).open("a")`, `.touch()`, `.mkdir()`.
pub(crate) fn written_path<'a>(
    call: Node<'a>,
    callee: &[String],
    names: &Names<'a>,
    src: &[u8],
) -> Option<PathValue> {
    let is = |list: &[&str]| callee.iter().any(|c| list.contains(&c.as_str()));
    if is(OPENERS) {
        let mode = argument(call, 1, Some("mode"), src)?;
        if !write_mode(mode, src) {
            return None;
        }
        let path = argument(call, 0, Some("file"), src)?;
        return Some(path_value(path, names, src, 0).unwrap_or(PathValue::Computed));
    }
    if is(&["os.open"]) {
        let flags = argument(call, 1, Some("flags"), src)?;
        let writes = nodes(flags)
            .any(|n| n.kind() == "identifier" && WRITE_FLAGS.contains(&ident(n, src).as_str()));
        if !writes {
            return None;
        }
        let path = argument(call, 0, Some("path"), src)?;
        return Some(path_value(path, names, src, 0).unwrap_or(PathValue::Computed));
    }
    let function = call.child_by_field_name("function")?;
    if function.kind() != "attribute" {
        return None;
    }
    let method = ident(function.child_by_field_name("attribute")?, src);
    let writes = match method.as_str() {
        "write_text" | "write_bytes" | "touch" | "mkdir" => true,
        "open" => argument(call, 0, Some("mode"), src).is_some_and(|m| write_mode(m, src)),
        _ => false,
    };
    if !writes {
        return None;
    }
    // only a receiver that is recognizably a path: `handle.write_text` may be anything
    path_value(function.child_by_field_name("object")?, names, src, 0)
}

/// Whether a mode argument is a literal that writes (`w`, `a`, `x` or `+`).
fn write_mode(mode: Node<'_>, src: &[u8]) -> bool {
    string_value(mode, src).is_some_and(|m| m.contains(['w', 'a', 'x', '+']))
}

/// The path an expression stands for; `None` when it is not recognizably a path.
fn path_value<'a>(
    node: Node<'a>,
    names: &Names<'a>,
    src: &[u8],
    depth: usize,
) -> Option<PathValue> {
    if depth > MAX_PATH_DEPTH {
        return Some(PathValue::Computed);
    }
    let node = unparen(node);
    match node.kind() {
        "string" | "concatenated_string" => Some(match string_value(node, src) {
            Some(text) => PathValue::from_text(&text),
            None => PathValue::Computed,
        }),
        "identifier" => {
            let value = names.constant(&ident(node, src))?;
            path_value(value, names, src, depth + 1)
        }
        "binary_operator" => {
            let op = node.child_by_field_name("operator")?;
            if op.kind() != "/" {
                return None;
            }
            let left = path_value(node.child_by_field_name("left")?, names, src, depth + 1)?;
            let right = node
                .child_by_field_name("right")
                .and_then(|r| path_value(r, names, src, depth + 1))
                .unwrap_or(PathValue::Computed);
            Some(left.join(right))
        }
        "call" => {
            let callee = names.resolve(node.child_by_field_name("function")?);
            let joins = callee
                .iter()
                .any(|c| PATH_TYPES.contains(&c.as_str()) || c == "os.path.join");
            if !joins {
                return None;
            }
            let args = node.child_by_field_name("arguments")?;
            let mut value = PathValue::from_text(".");
            let mut cursor = args.walk();
            for a in args.named_children(&mut cursor) {
                let part = match a.kind() {
                    "comment" => continue,
                    "list_splat" | "dictionary_splat" | "keyword_argument" => PathValue::Computed,
                    _ => path_value(a, names, src, depth + 1).unwrap_or(PathValue::Computed),
                };
                value = value.join(part);
            }
            Some(value)
        }
        _ => None,
    }
}

/// The rule a write breaks, with the message's tail, if it breaks one.
pub(crate) fn judge(path: &PathValue, allowed: &OutputDirs) -> Option<(&'static Rule, String)> {
    if let PathValue::Literal {
        absolute: true,
        parts,
    } = path
    {
        if SYSTEM_DIRS
            .iter()
            .any(|d| parts.starts_with(&d.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
        {
            return Some((&WRITE_SYSTEM_PATH, format!("writes {}", path.display())));
        }
    }
    match path {
        PathValue::Computed => Some((
            &WRITE_COMPUTED_PATH,
            "writes to a path computed at run time".to_string(),
        )),
        lit if allowed.0.iter().any(|d| lit.is_under(d)) => None,
        lit => Some((
            &WRITE_OUTSIDE_OUTPUT_DIR,
            format!(
                "writes {}, outside the output directories ({})",
                lit.display(),
                allowed.describe()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fold_like_the_kernel_reads_them() {
        let cases = [
            ("/etc/passwd", "/etc/passwd"),
            ("/out/../etc/./passwd", "/etc/passwd"),
            ("/../../etc", "/etc"),
            ("a/../../b", "../b"),
            ("", "."),
            ("//out//x", "/out/x"),
        ];
        for (text, want) in cases {
            assert_eq!(PathValue::from_text(text).display(), want, "{text}");
        }
        let joined = PathValue::from_text("/out").join(PathValue::from_text("/etc/x"));
        assert_eq!(joined.display(), "/etc/x");
        let joined = PathValue::from_text(".").join(PathValue::from_text("a.csv"));
        assert_eq!(joined.display(), "a.csv");
        let joined = PathValue::from_text("/out").join(PathValue::from_text("../x"));
        assert_eq!(joined.display(), "/x");
        let joined = PathValue::from_text("/out").join(PathValue::from_text("a.csv"));
        assert_eq!(joined.display(), "/out/a.csv");
        assert_eq!(
            PathValue::from_text("/out").join(PathValue::Computed),
            PathValue::Computed
        );
    }

    #[test]
    fn judged_against_system_and_output_dirs() {
        let out = OutputDirs::new([
            std::path::Path::new("/out"),
            std::path::Path::new("results"),
        ]);
        let rule = |p: &str| judge(&PathValue::from_text(p), &out).map(|(r, _)| r.slug);
        assert_eq!(rule("/out/a.csv"), None);
        assert_eq!(rule("results/a.csv"), None);
        assert_eq!(rule("/output/a.csv"), Some("write-outside-output-dir"));
        assert_eq!(rule("/out/../tmp/x"), Some("write-outside-output-dir"));
        assert_eq!(rule("/out/../etc/passwd"), Some("write-system-path"));
        assert_eq!(rule("/proc/self/mem"), Some("write-system-path"));
        assert_eq!(rule("/var/spool/cron/root"), Some("write-system-path"));
        assert_eq!(rule("/var/tmp/x"), Some("write-outside-output-dir"));
        assert_eq!(rule("etc/passwd"), Some("write-outside-output-dir"));
        assert_eq!(
            judge(&PathValue::Computed, &out).map(|(r, _)| r.slug),
            Some("write-computed-path")
        );
    }
}

//! An advisory pre-scan of Python plugin source: the imports and calls a sandboxed plugin
//! should not need, and the constructs that signal an escape attempt.
//!
//! **Advisory** means exactly that: code can be computed, encoded or downloaded at run time,
//! and no scan of source sees it all. The sandbox, not the scan, is the boundary; the scan
//! tells a reviewer where to look ([`ADVISORY`]).
//!
//! # Terms
//!
//! - The source is parsed with tree-sitter's Python grammar, never matched with patterns. A
//!   file that does not parse is a finding ([`rules::SYNTAX_ERROR`], at the first error), and
//!   what the parser recovered is still checked.
//! - A **resolved name** is the canonical dotted name an expression stands for in its file:
//!   after `import subprocess as sp`, `sp.run` is `subprocess.run`; after `from os import
//!   system`, `system` is `os.system`; `posix.system` is `os.system`; `getattr(os, "system")`,
//!   `__import__("os").system` and `sys.modules["os"].system` are `os.system` too. Imports and
//!   plain assignments anywhere in the file count everywhere in it (the scan ignores control
//!   flow and scopes, which errs towards reporting).
//! - A **literal** is a string literal (implicit concatenation and escapes included; an
//!   f-string with replacement fields, `+` and anything else is *computed*). `eval`, `exec`
//!   and `compile` of a literal are not findings themselves: the literal is scanned as Python
//!   and what it holds is reported at the call (literals in literals three levels deep; one
//!   deeper is a finding).
//! - A **write** is `open` (and `io`, `codecs`, `gzip`, `bz2`, `lzma` `open`) with a literal
//!   mode containing `w`, `a`, `x` or `+`, `os.open` with a writing flag, or
//!   `write_text`/`write_bytes`/`touch`/`mkdir`/`open` in a writing mode on a path object. Its
//!   path is literal when built from literals with `pathlib.Path`, `/` and `os.path.join`,
//!   directly or through a name bound once (`OUT = Path("/out")`).
//! - Positions are 1-based; columns count characters.
//!
//! The rules are data: [`RULES`] (id, slug, severity, title, why, fix).
//!
//! # JSON
//!
//! [`Report::to_json`] writes this document (`jailwright scan --format json`); its fields are
//! stable, new ones may be added:
//!
//! ```json
//! {
//!   "advisory": "<ADVISORY>",
//!   "scanned": ["plugins/a.py", "plugins/b.py"],
//!   "findings": [
//!     {
//!       "path": "plugins/a.py",
//!       "line": 3,
//!       "column": 1,
//!       "id": "JWS101",
//!       "slug": "ctypes-import",
//!       "severity": "warning",
//!       "message": "`import ctypes` imports ctypes",
//!       "why": "...",
//!       "fix": "..."
//!     }
//!   ]
//! }
//! ```
//!
//! `severity` is `error`, `warning` or `info`; findings are ordered by file (in `scanned`
//! order), then line, column and id.
//!
//! # Example
//!
//! ```
//! use jailwright_scan::{scan_source, Options};
//!
//! let src = b"import subprocess as sp\nsp.run(['id'])\n";
//! let findings = scan_source("plugin.py", src, &Options::default()).unwrap();
//! let ids: Vec<_> = findings.iter().map(|f| (f.line, f.column, f.id)).collect();
//! assert_eq!(ids, [(1, 1, "JWS104"), (2, 1, "JWS204")]);
//! assert_eq!(findings[1].message, "`sp.run(['id'])` calls subprocess.run");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod check;
mod files;
mod names;
pub mod rules;
mod source;
mod syntax;
mod writes;

use std::path::{Path, PathBuf};

pub use rules::{Rule, Severity, RULES};

/// What every report says: the scan is advisory.
pub const ADVISORY: &str = "this scan is advisory: source can hide code (computed, encoded or fetched at run time); the sandbox, not the scan, is the boundary";

/// The size over which a file is not read (a [`rules::NOT_SCANNED`] finding instead).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// The largest source the parser is given, whatever [`Options::max_file_bytes`] says
/// (tree-sitter counts bytes in 32 bits); a larger one is a [`rules::NOT_SCANNED`] finding.
pub const MAX_SOURCE_BYTES: u64 = 1 << 30;

/// What to scan against.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Directories a plugin may write to; a literal write path elsewhere is a finding.
    /// Default: none.
    pub output_dirs: Vec<PathBuf>,
    /// Files over this many bytes (at most [`MAX_SOURCE_BYTES`]) are not read.
    pub max_file_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            output_dirs: Vec::new(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The file, as given or as found under a given directory.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The rule's id (`JWS101`).
    pub id: &'static str,
    /// The rule's slug (`ctypes-import`).
    pub slug: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// What was found, naming the construct as written.
    pub message: String,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

impl Finding {
    fn new(
        path: &str,
        line: usize,
        column: usize,
        rule: &'static Rule,
        message: String,
    ) -> Finding {
        Finding {
            path: path.to_string(),
            line,
            column,
            id: rule.id,
            slug: rule.slug,
            severity: rule.severity,
            message,
            why: rule.why,
            fix: rule.fix,
        }
    }
}

/// The result of a scan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The files read, in order.
    pub scanned: Vec<String>,
    /// What was found, by file in `scanned` order, then by position.
    pub findings: Vec<Finding>,
}

impl Report {
    /// How many findings have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The JSON document described in the crate docs.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "advisory": ADVISORY,
            "scanned": self.scanned,
            "findings": self.findings,
        })
    }
}

/// Why a scan could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A path could not be read (missing, not permitted, ...).
    #[error("cannot read {} (expected a Python file or a directory of them)", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A directory holds no `*.py` file.
    #[error("{} holds no .py files: give a Python file or a directory that holds some", path.display())]
    NoPythonFiles {
        /// The directory.
        path: PathBuf,
    },
    /// A path is neither a file nor a directory.
    #[error("{} is neither a file nor a directory: give a Python file or a directory of them", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The Python grammar does not fit the tree-sitter library it was built with.
    #[error("the Python grammar cannot be loaded")]
    Grammar(#[source] tree_sitter::LanguageError),
    /// The parser returned no tree.
    #[error("the parser gave up on {path}")]
    Parse {
        /// The file.
        path: String,
    },
}

/// Scans files and directories (walked for `*.py`, sorted; symlinks out of a directory are
/// not followed). A path that cannot be read, or a directory without Python files, is an
/// error; everything about the files' contents is a finding.
pub fn scan<P: AsRef<Path>>(paths: &[P], opts: &Options) -> Result<Report, ScanError> {
    let mut report = Report::default();
    let limit = opts.max_file_bytes.min(MAX_SOURCE_BYTES);
    for p in paths {
        for s in files::sources(p.as_ref())? {
            let (path, skipped) = match s {
                files::Source::File(path) => (path, None),
                files::Source::Skipped(path, why) => (path, Some(why)),
            };
            let name = path.display().to_string();
            if report.scanned.contains(&name) {
                continue;
            }
            let bytes = match skipped {
                Some(why) => Err(why),
                None => files::read(&path, limit)?
                    .ok_or_else(|| format!("over the size limit of {limit} bytes")),
            };
            match bytes {
                Ok(bytes) => {
                    report.findings.extend(scan_source(&name, &bytes, opts)?);
                    report.scanned.push(name);
                }
                Err(why) => report.findings.push(Finding::new(
                    &name,
                    1,
                    1,
                    &rules::NOT_SCANNED,
                    format!("the file was not read: {why}"),
                )),
            }
        }
    }
    Ok(report)
}

/// Scans one file's bytes (`path` only labels the findings).
pub fn scan_source(path: &str, source: &[u8], opts: &Options) -> Result<Vec<Finding>, ScanError> {
    if source.len() as u64 > MAX_SOURCE_BYTES {
        let message =
            format!("the file was not read: over the size limit of {MAX_SOURCE_BYTES} bytes");
        return Ok(vec![Finding::new(path, 1, 1, &rules::NOT_SCANNED, message)]);
    }
    let mut parser = syntax::parser().map_err(ScanError::Grammar)?;
    let tree = parser.parse(source, None).ok_or_else(|| ScanError::Parse {
        path: path.to_string(),
    })?;
    let root = tree.root_node();
    let dirs = writes::OutputDirs::new(opts.output_dirs.iter().map(PathBuf::as_path));
    let mut hits = check::check(root, source, &dirs, 0);
    hits.extend(source::syntax_error(root, source));
    hits.extend(source::encoding(root, source));
    hits.sort_by(|a, b| {
        (a.line, a.column, a.rule.id, &a.message).cmp(&(b.line, b.column, b.rule.id, &b.message))
    });
    hits.dedup();
    Ok(hits
        .into_iter()
        .map(|h| Finding::new(path, h.line, h.column, h.rule, h.message))
        .collect())
}

//! Rendering helpers: aligned tables, JSON, atomic file writes.

use std::io::Write;
use std::path::Path;

use crate::Failure;

/// A plain-text table with aligned columns.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with a header row.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        Table {
            rows: vec![header.into_iter().map(Into::into).collect()],
        }
    }

    /// Adds a row.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// Renders with two spaces between columns; the last column is not padded.
    pub fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for r in &self.rows {
            let mut line = String::new();
            for (c, cell) in r.iter().enumerate() {
                if c + 1 == r.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}  ", w = widths[c]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(v: &T) -> Result<String, Failure> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

/// Writes `bytes` to `path` atomically (a temporary file in the same directory, then rename),
/// or to standard output when `path` is `None`.
pub fn emit(path: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|_| out.flush())
                .map_err(|e| Failure::usage(format!("cannot write to standard output: {e}")))
        }
        Some(p) => write_atomic(p, bytes),
    }
}

/// Writes a file atomically: never leaves a partial file behind.
///
/// A regular file (or a symlink to one: the link stays, the file it names is replaced) is
/// written to a temporary file beside it, then renamed over it, keeping its permissions.
/// Anything else that exists — a device such as `/dev/null`, a FIFO, `/dev/stdout` — is
/// written into as it is: a rename would replace the device node with a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        Failure::usage(format!(
            "cannot write {}: {e}; check that the directory exists and is writable",
            path.display()
        ))
    };
    let existing = std::fs::metadata(path).ok();
    if let Some(meta) = &existing {
        if !meta.is_file() {
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut f| f.write_all(bytes))
                .map_err(fail);
        }
    }
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if is_link {
        std::fs::canonicalize(path).map_err(fail)?
    } else {
        path.to_path_buf()
    };
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let res = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            if let Some(meta) = &existing {
                f.set_permissions(meta.permissions())?;
            }
            f.write_all(bytes).and_then(|_| f.sync_all())
        })
        .and_then(|_| std::fs::rename(&tmp, &target));
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

//! Finding and reading the files to scan: a file named on the command line is scanned
//! whatever its name; a directory is walked for `*.py` files in sorted order, without
//! following symlinks out of it.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::ScanError;

/// One thing to scan.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A file to read.
    File(PathBuf),
    /// A file the scan will not read, and why.
    Skipped(PathBuf, String),
}

/// The files under `path`, in scan order.
pub(crate) fn sources(path: &Path) -> Result<Vec<Source>, ScanError> {
    let read_err = |source| ScanError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(read_err)?;
    if meta.is_file() {
        return Ok(vec![Source::File(path.to_path_buf())]);
    }
    if !meta.is_dir() {
        return Err(ScanError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let root = fs::canonicalize(path).map_err(read_err)?;
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries = Vec::new();
        let listing = fs::read_dir(&dir).map_err(|source| ScanError::Read {
            path: dir.clone(),
            source,
        })?;
        for e in listing {
            let e = e.map_err(|source| ScanError::Read {
                path: dir.clone(),
                source,
            })?;
            entries.push(e.path());
        }
        entries.sort();
        let mut subdirs = Vec::new();
        for p in entries {
            let kind = fs::symlink_metadata(&p).map_err(|source| ScanError::Read {
                path: p.clone(),
                source,
            })?;
            let kind = kind.file_type();
            if kind.is_dir() {
                subdirs.push(p);
            } else if kind.is_symlink() {
                out.extend(symlink(&p, &root));
            } else if kind.is_file() && is_python(&p) {
                out.push(Source::File(p));
            }
        }
        // sorted, depth first: a directory's files, then its subdirectories in order
        stack.extend(subdirs.into_iter().rev());
    }
    if out.is_empty() {
        return Err(ScanError::NoPythonFiles {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

fn is_python(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "py")
}

/// A symlink met in a walk: scanned when it is a `.py` name for a file inside the root; a
/// `.py` name or a directory outside the root is reported as not scanned; the rest (a
/// directory inside, which the walk reaches directly) is left alone.
fn symlink(link: &Path, root: &Path) -> Option<Source> {
    let target = fs::canonicalize(link).ok();
    let inside = target.as_ref().is_some_and(|t| t.starts_with(root));
    let is_dir = target.as_ref().is_some_and(|t| t.is_dir());
    match (inside, is_dir) {
        (true, false) if is_python(link) => Some(Source::File(link.to_path_buf())),
        (true, _) => None,
        (false, _) if is_python(link) || is_dir => {
            let why = match &target {
                Some(t) => format!(
                    "a symlink to {}, outside the scanned directory",
                    t.display()
                ),
                None => "a symlink whose target cannot be read".to_string(),
            };
            Some(Source::Skipped(link.to_path_buf(), why))
        }
        (false, _) => None,
    }
}

/// A file's bytes, or `None` when it is over `limit` bytes.
pub(crate) fn read(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, ScanError> {
    let err = |source| ScanError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(err)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

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

/// Writes a file atomically: never leaves a partial file behind ([`OutputFile`], prepared
/// and written at once).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    OutputFile::prepare(path)?
        .write(bytes)
        .map_err(|why| Failure::usage(format!("cannot write {}: {why}", path.display())))
}

/// An output file, resolved before anything untrusted runs and written after.
///
/// `jailwright run --report FILE` and `record -o FILE` write after the plugin has run, often
/// as root, and FILE may sit in a directory the plugin could write (a `--bind`). So the path
/// is resolved when the command starts, following the caller's own symbolic links as the
/// caller means them, and the directory is held open; the write then happens relative to that
/// directory and follows nothing:
/// - a regular file (or nothing yet) is written to a new temporary file beside it (created
///   exclusively, never through a link), then renamed over it, keeping its permissions; if
///   the name has become a symbolic link or anything but a regular file since, the write is
///   refused;
/// - a device, FIFO or socket that existed when the command started (`/dev/stdout`,
///   `/dev/null`, a FIFO with a reader) is written into, never blocking for long: a FIFO whose
///   reader has not come within 2 seconds is refused, and so is a reader that stops reading
///   for 2 seconds.
#[derive(Debug)]
pub struct OutputFile {
    path: std::path::PathBuf,
    kind: OutputKind,
}

#[derive(Debug)]
enum OutputKind {
    Replace {
        dir: std::fs::File,
        name: std::ffi::OsString,
        mode: Option<u32>,
    },
    Stream(std::fs::File),
}

/// How long a write into a FIFO or socket may wait for its reader.
const STREAM_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

impl OutputFile {
    /// Resolves `path` now: the directory of the file it names, or the device it is.
    pub fn prepare(path: &Path) -> Result<OutputFile, Failure> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let fail = |e: std::io::Error| {
            Failure::usage(format!(
                "cannot write {}: {e}; check that the directory exists and is writable",
                path.display()
            ))
        };
        let kind = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(Failure::usage(format!(
                    "cannot write {}: it is a directory; name a file",
                    path.display()
                )))
            }
            Ok(m) if !m.is_file() => {
                // A FIFO opens for writing only once it has a reader: give one the same
                // patience as a slow reader, never more.
                let deadline = std::time::Instant::now() + STREAM_PATIENCE;
                let f = loop {
                    let opened = std::fs::OpenOptions::new()
                        .write(true)
                        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
                        .open(path);
                    match opened {
                        Ok(f) => break f,
                        Err(e)
                            if e.raw_os_error() == Some(libc::ENXIO)
                                && std::time::Instant::now() < deadline =>
                        {
                            std::thread::sleep(std::time::Duration::from_millis(5));
                        }
                        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                            return Err(Failure::usage(format!(
                                "cannot write {}: it is a FIFO that nothing reads; start the reader first",
                                path.display()
                            )))
                        }
                        Err(e) => return Err(fail(e)),
                    }
                };
                OutputKind::Stream(f)
            }
            Ok(m) => {
                let real = std::fs::canonicalize(path).map_err(fail)?;
                Self::replace(&real, Some(m.mode() & 0o7777)).map_err(fail)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Self::replace(path, None).map_err(fail)?
            }
            Err(e) => return Err(fail(e)),
        };
        Ok(OutputFile {
            path: path.to_path_buf(),
            kind,
        })
    }

    fn replace(file: &Path, mode: Option<u32>) -> std::io::Result<OutputKind> {
        use std::os::unix::fs::OpenOptionsExt;
        let name = file
            .file_name()
            .ok_or_else(|| std::io::Error::other("no file name"))?
            .to_owned();
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(dir)?;
        Ok(OutputKind::Replace { dir, name, mode })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes`; `Err` says why nothing was written.
    pub fn write(&self, bytes: &[u8]) -> Result<(), String> {
        match &self.kind {
            OutputKind::Stream(f) => write_stream(f, bytes),
            OutputKind::Replace { dir, name, mode } => replace_in(dir, name, *mode, bytes),
        }
    }
}

fn write_stream(mut f: &std::fs::File, mut bytes: &[u8]) -> Result<(), String> {
    let deadline = std::time::Instant::now() + STREAM_PATIENCE;
    while !bytes.is_empty() {
        match f.write(bytes) {
            Ok(0) => return Err("the reader went away".into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if std::time::Instant::now() >= deadline {
                    return Err(format!(
                        "its reader stopped reading ({} bytes left after {} s)",
                        bytes.len(),
                        STREAM_PATIENCE.as_secs()
                    ));
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// Writes `bytes` as `name` in `dir` through a new temporary file, following no link.
fn replace_in(
    dir: &std::fs::File,
    name: &std::ffi::OsStr,
    mode: Option<u32>,
    bytes: &[u8],
) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    // The directory as it was opened, whatever has been renamed or replaced since.
    let base = std::path::PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
    let target = base.join(name);
    match std::fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() => {
            let to = std::fs::read_link(&target)
                .map(|t| format!(" (to {})", t.display()))
                .unwrap_or_default();
            return Err(format!(
                "it has become a symbolic link{to} since the command started; not following it"
            ));
        }
        Ok(m) if !m.is_file() => {
            let what = match m.file_type() {
                t if t.is_dir() => "a directory",
                t if t.is_fifo() => "a FIFO",
                t if t.is_socket() => "a socket",
                t if t.is_char_device() || t.is_block_device() => "a device",
                _ => "not a regular file",
            };
            return Err(format!(
                "it has become {what} since the command started; only a regular file is replaced"
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.to_string()),
    }
    let stem = name.to_string_lossy();
    let mut last = None;
    for attempt in 0..16u32 {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
            ^ attempt.wrapping_mul(0x9e37_79b9);
        let tmp = base.join(format!(".{stem}.{}.{nonce:08x}.tmp", std::process::id()));
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode.unwrap_or(0o644))
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp);
        let mut f = match created {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                last = Some(e);
                continue;
            }
            Err(e) => return Err(e.to_string()),
        };
        let done = (|| {
            if let Some(m) = mode {
                // Exactly the old mode (the umask applied to the creation).
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(std::fs::Permissions::from_mode(m))?;
            }
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &target)
        })();
        return done.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            e.to_string()
        });
    }
    Err(last.map_or_else(|| "no temporary name".into(), |e| e.to_string()))
}

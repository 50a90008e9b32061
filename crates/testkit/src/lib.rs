//! Helpers shared by the integration tests of the sandbox, CLI and container crates: skipping,
//! privilege checks, the unprivileged re-run of a test, the real-world fixture profiles, and a
//! Podman API service.
//!
//! A test that needs a missing kernel feature or tool prints `SKIP: <reason>` and returns.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Set in the environment of a test re-run as uid 65534 by [`both`].
pub const UNPRIV_ENV: &str = "JAILWRIGHT_TEST_UNPRIVILEGED";

/// Prints the line the suite greps for when a test could not run here.
pub fn skip(reason: &str) {
    println!("SKIP: {reason}");
}

/// Whether this process runs as root (read from /proc: the tests need no libc for it).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Whether `path` exists.
pub fn have(path: &str) -> bool {
    Path::new(path).exists()
}

/// The directory of the real-world fixture profiles (`docker-default.json`,
/// `podman-default.json`): `JAILWRIGHT_FIXTURES` when set (at run time, or when the test was
/// built), else the `shared/fixtures` directory beside the repository.
pub fn fixture_dir() -> PathBuf {
    std::env::var_os("JAILWRIGHT_FIXTURES")
        .map(PathBuf::from)
        .or_else(|| option_env!("JAILWRIGHT_FIXTURES").map(PathBuf::from))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"))
}

/// The path of one fixture profile in [`fixture_dir`].
pub fn fixture_path(name: &str) -> PathBuf {
    fixture_dir().join(name)
}

/// Whether this is the unprivileged re-run that [`both`] starts.
pub fn unprivileged_variant() -> bool {
    std::env::var_os(UNPRIV_ENV).is_some()
}

/// Runs `body` here, and when the suite runs as root, also runs the test `name` (this same
/// test) as uid 65534 by re-executing the test binary under `setpriv`.
pub fn both(name: &str, body: impl FnOnce()) {
    body();
    if unprivileged_variant() || !is_root() {
        return;
    }
    let Some(setpriv) = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| have(p))
    else {
        return skip("setpriv not installed: unprivileged variant not run");
    };
    let exe = std::env::current_exe().expect("current exe");
    let result = Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(UNPRIV_ENV, "1")
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .expect("run setpriv");
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        result.status.success() && stdout.contains("1 passed"),
        "unprivileged run of {name} failed ({})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        result.status
    );
    println!("unprivileged variant of {name} passed");
}

/// Starts Podman's Docker-compatible API service on the unix socket `socket` (cgroupfs and
/// runc, as this machine's Podman needs), with its output discarded. The caller stops it.
pub fn podman_service(socket: &Path) -> std::io::Result<Child> {
    Command::new("podman")
        .args([
            "--cgroup-manager=cgroupfs",
            "--runtime",
            "runc",
            "system",
            "service",
            "--time=0",
        ])
        .arg(format!("unix://{}", socket.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// The keys of a `--report` JSON document, in the order both backends write them: the one
/// list the report's own test and the backends' tests hold the output to.
pub const REPORT_KEYS: &[&str] = &[
    "profile",
    "command",
    "backend",
    "exit",
    "exit_code",
    "layers",
    "denials",
    "timings",
    "resources",
    "warnings",
    "attempts",
    "compat_added",
    "blocked",
    "denial_reporting",
    "notes",
];

/// The built-in tiers every test that walks the catalogue must find, Docker's default first.
pub const TIERS: &[&str] = &[
    "docker-default",
    "moderate",
    "debug",
    "mcp",
    "strict",
    "plugin",
];

/// A fresh directory for one test under the system's temporary directory, removed when
/// dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory whose name carries `tag`, this process's id and a counter.
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("jw-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create a temporary directory");
        TempDir(p)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `rel` inside the directory (creating parent directories) and
    /// returns the file's path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        std::fs::write(&p, contents).expect("write a test file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

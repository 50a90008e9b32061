//! The libseccomp an OCI runtime on this host links, as far as it can be told without linking
//! libseccomp here: the version the runtime reports (`runc --version` prints `libseccomp:
//! 2.5.4`), and, when the runtime links the system library, the distribution package that
//! provides it (a distribution may ship a release with a newer name table, see
//! [`jailwright_profile::libseccomp::DISTRO_BUILDS`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use jailwright_profile::libseccomp::Libseccomp;

/// Where a runtime named in the engine's configuration is found.
fn find(runtime: &str) -> Option<PathBuf> {
    if runtime.contains('/') {
        return Some(PathBuf::from(runtime));
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain([
            "/usr/sbin",
            "/usr/bin",
            "/usr/local/sbin",
            "/usr/local/bin",
            "/sbin",
            "/bin",
        ])
        .map(|d| Path::new(d).join(runtime))
        .find(|p| p.is_file());
    found
}

/// The package version of Debian's (or Ubuntu's) `libseccomp2`, from dpkg's status file.
fn dpkg_libseccomp() -> Option<String> {
    let status = std::fs::read_to_string("/var/lib/dpkg/status").ok()?;
    let para = status.split("\n\n").find(|p| {
        p.lines().any(|l| l == "Package: libseccomp2") && p.contains("Status: install ok installed")
    })?;
    para.lines()
        .find_map(|l| l.strip_prefix("Version: "))
        .map(str::to_string)
}

/// The libseccomp `runtime` (`runc`, `crun`, a path) links, or `None` when it cannot be told.
pub fn runtime_libseccomp(runtime: &str) -> Option<Libseccomp> {
    let bin = find(
        runtime
            .trim_start_matches("io.containerd.")
            .split('.')
            .next()
            .unwrap_or(runtime),
    )
    .or_else(|| find(runtime))?;
    let out = Command::new(&bin).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let reported = text
        .lines()
        .find_map(|l| l.strip_prefix("libseccomp:"))
        .map(|v| v.trim().to_string());
    // A runtime that links the system library (its NEEDED names it) gets that library's
    // package, when the package is the same release.
    let dynamic = std::fs::read(&bin)
        .map(|b| b.windows(15).any(|w| w == b"libseccomp.so.2"))
        .unwrap_or(false);
    let package = dynamic.then(dpkg_libseccomp).flatten();
    match (reported, package) {
        (Some(r), Some(p)) if p.starts_with(&r) => {
            Libseccomp::parse(&p).or_else(|| Libseccomp::parse(&r))
        }
        (Some(r), _) => Libseccomp::parse(&r),
        (None, Some(p)) => Libseccomp::parse(&p),
        (None, None) => None,
    }
}

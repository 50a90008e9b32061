//! The kernel-release facts: generated from the pinned syscalls(2) page, and consistent with
//! libseccomp's tables, which were made from named kernels independently of the page.

use std::path::PathBuf;
use std::process::Command;

use jailwright_profile::arch::Arch;
use jailwright_profile::dialect::KernelVersion;
use jailwright_profile::kernel_names::{added_in, kernel_lacks};
use jailwright_profile::libseccomp::Libseccomp;
use jailwright_profile::lint::{lint, Finding, LintOptions};
use jailwright_profile::tables;
use jailwright_profile::{Action, Filter, SyscallRule};

mod support;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn generate(input: &std::path::Path, out: &std::path::Path) -> (Option<i32>, String) {
    let o = Command::new("python3")
        .arg(repo().join("tools/gen-kernel-syscalls.py"))
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(out)
        .arg("--check")
        .output()
        .expect("run python3 tools/gen-kernel-syscalls.py");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_committed_rows_are_the_generator_s_output_on_the_pinned_page() {
    let (code, err) = generate(
        &repo().join("tools/man-pages/syscalls.2"),
        &repo().join("crates/profile/src/kernel.rows"),
    );
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_page_without_its_table_is_refused() {
    let dir = std::env::temp_dir().join(format!("jw-kn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = std::fs::read_to_string(repo().join("tools/man-pages/syscalls.2")).unwrap();
    let broken = dir.join("syscalls.2");
    std::fs::write(&broken, page.replace("\n.TS\n", "\n")).unwrap();
    let (code, err) = generate(&broken, &repo().join("crates/profile/src/kernel.rows"));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no table"), "{err}");
}

/// Two independent sources, one claim each way: a name syscalls(2) dates to release R or
/// earlier is in every libseccomp table made from R or later (where the kernel still has it
/// on that ABI), and no table made from R has a name the page dates after R.
#[test]
fn the_page_and_libseccomp_s_tables_agree() {
    let releases = [
        "2.5.0", "2.5.1", "2.5.2", "2.5.3", "2.5.4", "2.5.5", "2.5.6", "2.6.0", "2.6.1",
    ];
    let mut compared = 0;
    for arch in [Arch::X86_64, Arch::Aarch64, Arch::X86] {
        let table = tables::table(arch).unwrap();
        for r in releases {
            let lsc = Libseccomp::parse(r).unwrap();
            let made_from = KernelVersion::parse(lsc.kernel().unwrap()).unwrap();
            for (name, _) in table.iter() {
                let Some(added) = added_in(name) else {
                    continue;
                };
                let added = KernelVersion::parse(added).unwrap();
                compared += 1;
                if added <= made_from {
                    assert!(
                        lsc.knows(arch, name),
                        "{arch:?}: syscalls(2) dates {name} to {added}, but libseccomp {r} (Linux {made_from}) lacks it"
                    );
                } else {
                    assert!(
                        !lsc.knows(arch, name),
                        "{arch:?}: libseccomp {r} (Linux {made_from}) has {name}, which syscalls(2) dates to {added}"
                    );
                }
            }
        }
    }
    assert!(compared > 5000, "{compared}");
}

/// What lacks a call on the kernel this runs on is only what was removed before it: every
/// other name of its own ABI's table is there.
#[test]
fn the_running_kernel_lacks_only_removed_calls() {
    let Some(running) = KernelVersion::running() else {
        return eprintln!("SKIP: no kernel version");
    };
    let table = tables::table(Arch::host()).unwrap();
    let lacking: Vec<String> = table
        .iter()
        .filter_map(|(n, _)| kernel_lacks(Arch::host(), n, running).map(|l| format!("{n}: {l}")))
        .collect();
    if running >= KernelVersion::new(6, 18) {
        for l in &lacking {
            assert!(l.contains("removed in"), "{l}");
        }
    }
    let k = |s| KernelVersion::parse(s).unwrap();
    // Docker's default of 25.0 allows calls a 5.4 kernel does not have.
    for (name, kernel) in [
        ("close_range", "5.4"),
        ("clone3", "5.2"),
        ("faccessat2", "5.7"),
    ] {
        assert!(
            kernel_lacks(Arch::X86_64, name, k(kernel)).is_some(),
            "{name} {kernel}"
        );
    }
}

fn jw110(p: &jailwright_profile::Profile, kernel: &str) -> Vec<Finding> {
    let opts = LintOptions {
        kernel: KernelVersion::parse(kernel).unwrap(),
        ..LintOptions::default()
    };
    lint(p, &opts)
        .into_iter()
        .filter(|f| f.id == "JW110")
        .collect()
}

/// Docker's default on an old kernel: one finding for its big allow rule, naming the calls
/// that kernel lacks with the reason; none on the kernels that have them all.
#[test]
fn lint_names_the_allowed_calls_an_old_kernel_lacks() {
    let p = support::fixture("docker-default.json");
    let f = jw110(&p, "5.4");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].path, "$.syscalls[0]");
    assert!(
        f[0].message.starts_with("Linux 5.4 lacks "),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message
            .contains("close_range (added in Linux 5.9, per syscalls(2))"),
        "{}",
        f[0].message
    );
    // Not proven for 6.1 (libseccomp's tables jump from 5.17 to 6.7): not reported.
    assert!(!jw110(&p, "6.1")[0].message.contains("cachestat"));
    assert!(jw110(&p, "6.18").is_empty());
}

/// A single name is reported at its own path; a denied call, and a rule the kernel gate
/// keeps out of the filter, are not reported at all.
#[test]
fn one_name_a_denial_and_a_gated_rule() {
    let mut p = jailwright_profile::Profile::new(Action::Errno(1));
    p.rules_mut()
        .push(SyscallRule::new(["read", "openat2"], Action::Allow));
    p.rules_mut()
        .push(SyscallRule::new(["close_range"], Action::Errno(38)));
    let mut gated = SyscallRule::new(["faccessat2"], Action::Allow);
    gated.includes = Some(Filter {
        min_kernel: Some(KernelVersion::new(5, 8)),
        ..Filter::default()
    });
    p.rules_mut().push(gated);
    let f = jw110(&p, "5.4");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].path, "$.syscalls[0].names[1]");
    assert_eq!(f[0].syscall.as_deref(), Some("openat2"));
    assert!(
        f[0].message.contains("has no `openat2` on x86_64"),
        "{}",
        f[0].message
    );
    assert!(jw110(&p, "5.6").is_empty());
}

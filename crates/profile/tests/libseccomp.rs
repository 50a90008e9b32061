//! The libseccomp name table is the generator's output on the pinned release tables, byte for
//! byte, and a changed input is noticed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn generate(inputs: &Path, out: &Path, check: bool) -> (Option<i32>, String) {
    let mut c = Command::new("python3");
    c.arg(repo().join("tools/gen-libseccomp-names.py"))
        .arg("--inputs")
        .arg(inputs)
        .arg("--out")
        .arg(out);
    if check {
        c.arg("--check");
    }
    let o = c
        .output()
        .expect("run python3 tools/gen-libseccomp-names.py");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_committed_table_is_the_generator_s_output_on_the_pinned_releases() {
    let committed = repo().join("crates/profile/src/libseccomp.rows");
    let (code, err) = generate(&repo().join("tools/libseccomp-syscalls"), &committed, true);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_changed_release_table_is_drift_and_a_forgotten_name_an_error() {
    let dir = std::env::temp_dir().join(format!("jw-lsc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = repo().join("tools/libseccomp-syscalls");
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "csv") {
            std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
    }
    // 2.6.1 no longer resolving x86_64's openat: the format cannot say so, so it is an error.
    let newest = dir.join("v2.6.1.csv");
    let text = std::fs::read_to_string(&newest).unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("openat,"))
        .unwrap()
        .to_string();
    let mut fields: Vec<&str> = row.split(',').collect();
    fields[3] = "PNR"; // x86_64 (after x86 and x86_kver)
    std::fs::write(&newest, text.replace(&row, &fields.join(","))).unwrap();
    let (code, err) = generate(&dir, &dir.join("out.rows"), false);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("x86_64 no longer resolves openat"), "{err}");
    // The newest release resolving one more name on x86_64: the committed table is stale.
    let row = text
        .lines()
        .find(|l| l.starts_with("socketcall,"))
        .unwrap()
        .to_string();
    let mut fields: Vec<&str> = row.split(',').collect();
    assert_eq!(fields[3], "PNR");
    fields[3] = "999";
    std::fs::write(&newest, text.replace(&row, &fields.join(","))).unwrap();
    let committed = repo().join("crates/profile/src/libseccomp.rows");
    let (code, err) = generate(&dir, &committed, true);
    assert_eq!(code, Some(1), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

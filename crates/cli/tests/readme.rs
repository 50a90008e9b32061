//! The README's tour is real: every `$ command` in its ```console blocks runs here, from the
//! workspace root, and the lines shown under it must appear in its output (stdout and stderr
//! together), in order. A line `...` stands for any number of lines; `...` inside a line stands
//! for any text. Blocks that need Docker or bubblewrap are skipped, saying so, when those are
//! missing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> String {
    jailwright_testkit::fixture_dir().display().to_string()
}

struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn examples(readme: &str) -> Vec<Vec<Example>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<Example>> = None;
    for (i, l) in readme.lines().enumerate() {
        match &mut current {
            None if l.starts_with("```console") => current = Some(Vec::new()),
            None => {}
            Some(_) if l.starts_with("```") => blocks.extend(current.take()),
            Some(b) => match l.strip_prefix("$ ") {
                Some(cmd) => b.push(Example {
                    line: i + 1,
                    command: cmd.to_string(),
                    expected: Vec::new(),
                }),
                None => {
                    if let Some(e) = b.last_mut() {
                        e.expected.push(l.trim_end().to_string());
                    }
                }
            },
        }
    }
    blocks
}

/// Whether `pattern` (with `...` as a wildcard) matches `line` entirely.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("...").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let mut rest = line;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Whether the expected lines (with `...` gaps) describe the actual output.
fn output_matches(expected: &[String], actual: &[&str]) -> bool {
    fn go(e: &[String], a: &[&str]) -> bool {
        match e.split_first() {
            None => a.is_empty(),
            Some((first, rest)) if first == "..." => (0..=a.len()).any(|skip| go(rest, &a[skip..])),
            Some((first, rest)) => !a.is_empty() && line_matches(first, a[0]) && go(rest, &a[1..]),
        }
    }
    go(expected, actual)
}

fn available(what: &str) -> bool {
    match what {
        "docker" => Command::new("docker")
            .args(["version", "--format", "{{.Server.Version}}"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "bwrap" => Path::new("/usr/bin/bwrap").exists(),
        "python3" => Path::new("/usr/bin/python3").exists(),
        _ => true,
    }
}

#[test]
fn readme_tour_is_real() {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let blocks = examples(&text);
    assert!(blocks.len() >= 10, "the tour lost its examples");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_jailwright"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for block in &blocks {
        let needs: Vec<&str> = ["docker", "bwrap", "python3"]
            .into_iter()
            .filter(|w| block.iter().any(|e| e.command.contains(w)))
            .collect();
        if let Some(missing) = needs.iter().find(|w| !available(w)) {
            println!(
                "SKIP: README block at line {} needs {missing}",
                block[0].line
            );
            continue;
        }
        for e in block {
            let cmd = &e.command;
            let out = Command::new("bash")
                .arg("-c")
                .arg(format!("{{ {cmd}\n}} 2>&1"))
                .current_dir(root())
                .env("PATH", &path)
                .env("FIXTURES", fixtures())
                .output()
                .expect("run bash");
            ran += 1;
            let actual = String::from_utf8_lossy(&out.stdout);
            let lines: Vec<&str> = actual.lines().map(str::trim_end).collect();
            let lines: Vec<&str> = match lines.iter().rposition(|l| !l.is_empty()) {
                Some(last) => lines[..=last].to_vec(),
                None => Vec::new(),
            };
            if !output_matches(&e.expected, &lines) {
                failures.push(format!(
                    "README.md:{}: $ {}\n--- expected\n{}\n--- actual\n{}",
                    e.line,
                    e.command,
                    e.expected.join("\n"),
                    lines.join("\n")
                ));
            }
        }
    }
    assert!(ran > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn matcher_understands_gaps_and_wildcards() {
    let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(output_matches(
        &e(&["a", "...", "c"]),
        &["a", "b", "b", "c"]
    ));
    assert!(!output_matches(&e(&["a", "c"]), &["a", "b", "c"]));
    assert!(output_matches(&e(&["x ... z"]), &["x yy z"]));
    assert!(!output_matches(&e(&["x ... z"]), &["x yy q"]));
    assert!(output_matches(&e(&["...", "last"]), &["1", "2", "last"]));
    assert!(!output_matches(&e(&["first"]), &["first", "more"]));
    assert!(output_matches(&e(&[]), &[]));
}

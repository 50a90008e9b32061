//! The workspace keeps the shape its ARCHITECTURE.md promises: no source file in
//! `crates/*/src` over 800 lines (400 in the CLI; the generated syscall tables aside) and no function over 120
//! lines outside tests. A reader can hold any file and any function in the head; a change that
//! grows one past the limit fails here and says which.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 120;
/// The CLI is glue over the library crates: its files stay smaller.
const MAX_CLI_FILE_LINES: usize = 400;

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "generated") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crates/*/src/**/*.rs` file.
fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for c in std::fs::read_dir(crates_dir()).unwrap().flatten() {
        rust_files(&c.path().join("src"), &mut files);
    }
    files.sort();
    assert!(files.len() > 50, "found only {} source files", files.len());
    files
}

/// The text with comments, string, byte-string, raw-string and character literals blanked
/// out (line breaks kept), so that braces can be counted.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, bytes: &[u8]| {
        for &c in bytes {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < b.len() {
        let rest = &b[i..];
        let end = if rest.starts_with(b"//") {
            rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len())
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            let mut j = 0;
            loop {
                if j >= rest.len() {
                    break j;
                }
                if rest[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break j;
                    }
                } else {
                    j += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(rest, i == 0 || !ident(b[i - 1])) {
            let open = rest.iter().position(|&c| c == b'"').unwrap() + 1;
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            rest[open..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(rest.len(), |p| open + p + close.len())
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1).min(rest.len())
        } else if rest[0] == b'\'' {
            char_literal(rest).unwrap_or(0)
        } else {
            0
        };
        if end == 0 {
            out.push(b[i] as char);
            i += 1;
        } else {
            blank(&mut out, &rest[..end]);
            i += end;
        }
    }
    out
}

fn ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `r"`, `r#"`, `br##"` ... at the start of `s` (when not inside an identifier): the number
/// of `#`s.
fn raw_string_start(s: &[u8], at_word_start: bool) -> Option<usize> {
    if !at_word_start {
        return None;
    }
    let s = s.strip_prefix(b"b").unwrap_or(s);
    let s = s.strip_prefix(b"r")?;
    let hashes = s.iter().take_while(|&&c| c == b'#').count();
    (s.get(hashes) == Some(&b'"')).then_some(hashes)
}

/// The length of a character literal at the start of `s` (`'x'`, `'\n'`, `'\u{1F600}'`), or
/// `None` for a lifetime.
fn char_literal(s: &[u8]) -> Option<usize> {
    if s.get(1) == Some(&b'\\') {
        let close = s[2..].iter().position(|&c| c == b'\'')?;
        return Some(close + 3);
    }
    let text = std::str::from_utf8(&s[1..s.len().min(6)])
        .unwrap_or_else(|e| std::str::from_utf8(&s[1..1 + e.valid_up_to()]).unwrap_or(""));
    let c = text.chars().next()?;
    (text[c.len_utf8()..].starts_with('\'')).then(|| 2 + c.len_utf8())
}

/// Functions of `text` (tests excluded: everything from the first `#[cfg(test)]` on) with
/// their first line and length in lines.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(text);
    let lines: Vec<&str> = code.lines().collect();
    let end = lines
        .iter()
        .position(|l| l.trim_start().starts_with("#[cfg(test)]"))
        .unwrap_or(lines.len());
    let mut out = Vec::new();
    let mut i = 0;
    while i < end {
        let Some(name) = fn_name(lines[i]) else {
            i += 1;
            continue;
        };
        let (mut depth, mut opened, mut j) = (0i64, false, i);
        'scan: while j < lines.len() {
            for c in lines[j].chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened => break 'scan,
                    _ => {}
                }
                if opened && depth == 0 {
                    break 'scan;
                }
            }
            j += 1;
        }
        if opened {
            out.push((name, i + 1, j - i + 1));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The name of the function a line declares, if it does.
fn fn_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().peekable();
    while let Some(w) = words.next() {
        match w {
            "fn" => {
                let name = words.next()?;
                let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
                return Some(name[..end].to_string());
            }
            "pub" | "const" | "async" | "unsafe" | "extern" | "\"C\"" => {}
            w if w.starts_with("pub(") => {}
            _ => return None,
        }
    }
    None
}

#[test]
fn no_file_over_800_lines_and_no_function_over_120() {
    let mut too_long = Vec::new();
    let mut counted = 0;
    for f in sources() {
        let text = std::fs::read_to_string(&f).unwrap();
        let name = f.strip_prefix(crates_dir()).unwrap().display().to_string();
        let n = text.lines().count();
        let max = if name.starts_with("cli/") {
            MAX_CLI_FILE_LINES
        } else {
            MAX_FILE_LINES
        };
        if n > max {
            too_long.push(format!("{name}: {n} lines (at most {max})"));
        }
        for (func, line, len) in functions(&text) {
            counted += 1;
            if len > MAX_FN_LINES {
                too_long.push(format!(
                    "{name}:{line}: fn {func} is {len} lines (at most {MAX_FN_LINES})"
                ));
            }
        }
    }
    assert!(counted > 500, "found only {counted} functions");
    assert!(too_long.is_empty(), "split these:\n{}", too_long.join("\n"));
}

#[test]
fn the_function_finder_sees_what_hides_braces() {
    let text = r##"
fn a() {
    let s = "}}}";
    let r = r#"{ "json": [ } "#;
    let c = '}';
    let l: &'static str = "x";
    // }
    /* } /* nested } */ */
}
pub(crate) async fn b(x: u8) -> u8
where
    u8: Copy,
{
    x
}
fn decl();
#[cfg(test)]
mod tests {
    fn c() {}
}
"##;
    let f = functions(text);
    assert_eq!(
        f,
        vec![("a".to_string(), 2, 8), ("b".to_string(), 10, 6)],
        "{}",
        code_only(text)
    );
}

//! Checks on a file as a whole: whether it parses, whether it is UTF-8, and what encoding it
//! declares (PEP 263).

use tree_sitter::Node;

use crate::check::Hit;
use crate::rules::{SOURCE_ENCODING, SYNTAX_ERROR};
use crate::syntax::{nodes, position, snippet, text};

/// The first place the parser could not make sense of, if any.
pub(crate) fn syntax_error(root: Node<'_>, src: &[u8]) -> Option<Hit> {
    if !root.has_error() {
        return None;
    }
    let bad = nodes(root).find(|n| n.is_error() || n.is_missing())?;
    let (line, column) = position(bad, src);
    let message = if bad.is_missing() {
        format!(
            "the file does not parse as Python: `{}` expected here",
            bad.kind()
        )
    } else {
        format!(
            "the file does not parse as Python from `{}`",
            snippet(bad, src)
        )
    };
    Some(Hit {
        line,
        column,
        rule: &SYNTAX_ERROR,
        message,
    })
}

/// The encoding a coding comment on the first two lines declares, with the comment.
fn declared_encoding<'t>(root: Node<'t>, src: &[u8]) -> Option<(String, Node<'t>)> {
    let mut cursor = root.walk();
    let comments: Vec<Node<'t>> = root
        .children(&mut cursor)
        .take_while(|n| n.start_position().row < 2)
        .filter(|n| n.kind() == "comment")
        .collect();
    for c in comments {
        let line_start = c.start_byte().saturating_sub(c.start_position().column);
        let before = src.get(line_start..c.start_byte()).unwrap_or_default();
        if !before.iter().all(|b| matches!(b, b' ' | b'\t' | b'\x0c')) {
            continue;
        }
        if let Some(name) = coding_cookie(&text(c, src)) {
            return Some((name, c));
        }
    }
    None
}

/// The encoding named by a comment in the PEP 263 form (`coding[:=]\s*([-\w.]+)`).
fn coding_cookie(comment: &str) -> Option<String> {
    for (at, _) in comment.match_indices("coding") {
        let rest = &comment[at + "coding".len()..];
        let Some(rest) = rest.strip_prefix([':', '=']) else {
            continue;
        };
        let name: String = rest
            .trim_start_matches([' ', '\t'])
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        if !name.is_empty() {
            return Some(name);
        }
    }
    None
}

/// Whether Python reads a file declared in this encoding as the scan does (as UTF-8).
fn reads_as_utf8(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('_', "-");
    n == "utf-8" || n == "utf8" || n.starts_with("utf-8-") || n == "ascii" || n == "us-ascii"
}

/// Findings about the encoding: a declaration the scan does not read as Python does, or
/// bytes that are not UTF-8 in a file declaring nothing (Python refuses such a file).
pub(crate) fn encoding(root: Node<'_>, src: &[u8]) -> Option<Hit> {
    match declared_encoding(root, src) {
        Some((name, comment)) if !reads_as_utf8(&name) => {
            let (line, column) = position(comment, src);
            Some(Hit {
                line,
                column,
                rule: &SOURCE_ENCODING,
                message: format!(
                    "`{}` declares the file's encoding as {name}",
                    snippet(comment, src)
                ),
            })
        }
        Some(_) => None,
        None => {
            let bad = std::str::from_utf8(src).err()?.valid_up_to();
            let before = &src[..bad];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            Some(Hit {
                line,
                column,
                rule: &SYNTAX_ERROR,
                message: format!(
                    "byte 0x{:02x} is not UTF-8 and the file declares no encoding (Python refuses it)",
                    src[bad]
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_as_pep_263_reads_them() {
        assert_eq!(
            coding_cookie("# -*- coding: utf-7 -*-").as_deref(),
            Some("utf-7")
        );
        assert_eq!(
            coding_cookie("# vim: set fileencoding=latin-1 :").as_deref(),
            Some("latin-1")
        );
        assert_eq!(
            coding_cookie("#coding:unicode_escape").as_deref(),
            Some("unicode_escape")
        );
        assert_eq!(coding_cookie("# coding is fun"), None);
        assert!(reads_as_utf8("UTF_8"));
        assert!(reads_as_utf8("utf-8-sig"));
        assert!(!reads_as_utf8("utf-7"));
        assert!(!reads_as_utf8("latin-1"));
    }
}

//! Small helpers over tree-sitter's Python tree: node text, positions, string literals, call
//! arguments and a preorder walk. None of them recurses: nesting depth is the input's to choose.

use std::borrow::Cow;

use tree_sitter::{Node, TreeCursor};
use unicode_normalization::UnicodeNormalization;

/// How many characters of source a message quotes before cutting it short.
const SNIPPET_CHARS: usize = 60;

/// A node met in a walk, with where it sits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Visit<'t> {
    /// The node.
    pub node: Node<'t>,
    /// Its parent, when the walk's root is not the node itself.
    pub parent: Option<Node<'t>>,
    /// The field the node fills in its parent (`function` of a `call`), if any.
    pub field: Option<&'static str>,
}

/// Every node of a subtree, parents before children, in source order.
pub(crate) struct Preorder<'t> {
    cursor: TreeCursor<'t>,
    ancestors: Vec<Node<'t>>,
    done: bool,
}

impl<'t> Preorder<'t> {
    pub(crate) fn new(root: Node<'t>) -> Self {
        Preorder {
            cursor: root.walk(),
            ancestors: Vec::new(),
            done: false,
        }
    }
}

impl<'t> Iterator for Preorder<'t> {
    type Item = Visit<'t>;

    fn next(&mut self) -> Option<Visit<'t>> {
        if self.done {
            return None;
        }
        let visit = Visit {
            node: self.cursor.node(),
            parent: self.ancestors.last().copied(),
            field: self.cursor.field_name(),
        };
        if self.cursor.goto_first_child() {
            self.ancestors.push(visit.node);
        } else {
            while !self.cursor.goto_next_sibling() {
                if !self.cursor.goto_parent() {
                    self.done = true;
                    break;
                }
                self.ancestors.pop();
            }
        }
        Some(visit)
    }
}

/// Every node of a subtree, parents before children.
pub(crate) fn nodes(root: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    Preorder::new(root).map(|v| v.node)
}

/// A parser for Python.
pub(crate) fn parser() -> Result<tree_sitter::Parser, tree_sitter::LanguageError> {
    let mut p = tree_sitter::Parser::new();
    p.set_language(&tree_sitter_python::LANGUAGE.into())?;
    Ok(p)
}

/// The source text of a node (invalid UTF-8 replaced).
pub(crate) fn text<'s>(node: Node<'_>, src: &'s [u8]) -> Cow<'s, str> {
    let bytes = src.get(node.byte_range()).unwrap_or_default();
    String::from_utf8_lossy(bytes)
}

/// An identifier as Python sees it: NFKC-normalized (PEP 3131), so `ｅｖａｌ` is `eval`.
pub(crate) fn ident(node: Node<'_>, src: &[u8]) -> String {
    let t = text(node, src);
    if t.is_ascii() {
        t.into_owned()
    } else {
        t.nfkc().collect()
    }
}

/// The 1-based line and column (in characters) where a node starts.
pub(crate) fn position(node: Node<'_>, src: &[u8]) -> (usize, usize) {
    let p = node.start_position();
    let start = node.start_byte().min(src.len());
    let line_start = start.saturating_sub(p.column);
    let column = String::from_utf8_lossy(&src[line_start..start])
        .chars()
        .count();
    (p.row + 1, column + 1)
}

/// A node's text on one line (runs of white space as one space), cut at
/// [`SNIPPET_CHARS`] characters.
pub(crate) fn snippet(node: Node<'_>, src: &[u8]) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text(node, src).split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count == SNIPPET_CHARS {
                out.push_str("...");
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

/// Drops redundant parentheses: `((x))` is `x`.
pub(crate) fn unparen(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" && node.named_child_count() == 1 {
        match node.named_child(0) {
            Some(inner) if inner.kind() != "yield" => node = inner,
            _ => break,
        }
    }
    node
}

/// The value of a string literal (`"a"`, `'a' "b"`, `b"a"`, `r"\d"`, an f-string without
/// replacement fields), escapes decoded; `None` for anything computed at run time or that the
/// scan cannot decode exactly (`\N{...}`).
pub(crate) fn string_value(node: Node<'_>, src: &[u8]) -> Option<String> {
    let node = unparen(node);
    match node.kind() {
        "string" => one_string(node, src),
        "concatenated_string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for part in node.named_children(&mut cursor) {
                out.push_str(&one_string(part, src)?);
            }
            Some(out)
        }
        _ => None,
    }
}

fn one_string(node: Node<'_>, src: &[u8]) -> Option<String> {
    if node.kind() != "string" || node.has_error() {
        return None;
    }
    let mut start = None;
    let mut end = None;
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "string_start" => start = Some(child),
            "string_end" => end = Some(child),
            "interpolation" => return None,
            _ => {}
        }
    }
    let (start, end) = (start?, end?);
    let prefix = text(start, src).to_ascii_lowercase();
    let content = String::from_utf8_lossy(src.get(start.end_byte()..end.start_byte())?);
    if prefix.contains('r') {
        return Some(content.into_owned());
    }
    unescape(&content, prefix.contains('b'))
}

/// Decodes Python's backslash escapes (`\u` and `\U` only in text strings).
fn unescape(s: &str, bytes: bool) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let simple = match e {
            '\n' => Some(None),
            '\\' | '\'' | '"' => Some(Some(e)),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(decoded) = simple {
            out.extend(decoded);
            continue;
        }
        match e {
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v)?);
            }
            'x' => out.push(hex(&mut chars, 2)?),
            'u' if !bytes => out.push(hex(&mut chars, 4)?),
            'U' if !bytes => out.push(hex(&mut chars, 8)?),
            'N' if !bytes => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

fn hex(chars: &mut impl Iterator<Item = char>, n: usize) -> Option<char> {
    let mut v: u32 = 0;
    for _ in 0..n {
        v = v.checked_mul(16)? + chars.next()?.to_digit(16)?;
    }
    char::from_u32(v)
}

/// A call's argument: the `index`th positional one, or the keyword argument `keyword`.
pub(crate) fn argument<'t>(
    call: Node<'t>,
    index: usize,
    keyword: Option<&str>,
    src: &[u8],
) -> Option<Node<'t>> {
    let args = call.child_by_field_name("arguments")?;
    if args.kind() != "argument_list" {
        return None;
    }
    let mut positional = 0;
    let mut cursor = args.walk();
    for a in args.named_children(&mut cursor) {
        match a.kind() {
            "keyword_argument" => {
                let name = a.child_by_field_name("name").map(|n| ident(n, src));
                if keyword.is_some() && name.as_deref() == keyword {
                    return a.child_by_field_name("value");
                }
            }
            "comment" | "list_splat" | "dictionary_splat" => {}
            _ => {
                if positional == index {
                    return Some(a);
                }
                positional += 1;
            }
        }
    }
    None
}

/// Whether a call has any argument at all (a splat counts).
pub(crate) fn has_arguments(call: Node<'_>) -> bool {
    call.child_by_field_name("arguments")
        .is_some_and(|a| a.named_child_count() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> tree_sitter::Tree {
        parser().unwrap().parse(src, None).unwrap()
    }

    /// The value of the module's only expression.
    fn value(src: &str) -> Option<String> {
        let tree = parse(src);
        let stmt = tree.root_node().named_child(0).unwrap();
        string_value(stmt.named_child(0).unwrap(), src.as_bytes())
    }

    #[test]
    fn literals_decode_as_python_does() {
        assert_eq!(value(r#""os""#).as_deref(), Some("os"));
        assert_eq!(value(r#"'o' "s""#).as_deref(), Some("os"));
        assert_eq!(value(r#""o\x73""#).as_deref(), Some("os"));
        assert_eq!(value(r#""\157\163""#).as_deref(), Some("os"));
        assert_eq!(value(r#""\u006fs""#).as_deref(), Some("os"));
        assert_eq!(value(r#"b"\u006f""#).as_deref(), Some("\\u006f"));
        assert_eq!(value(r#"r"\x73""#).as_deref(), Some("\\x73"));
        assert_eq!(value(r#"("o" 's')"#).as_deref(), Some("os"));
        assert_eq!(value(r#"f"os""#).as_deref(), Some("os"));
        assert_eq!(value("'''a\\\nb'''").as_deref(), Some("ab"));
        assert_eq!(value(r#"f"o{s}""#), None);
        assert_eq!(value(r#""o" + "s""#), None);
        assert_eq!(value(r#""\N{LATIN SMALL LETTER O}""#), None);
        assert_eq!(value("x"), None);
    }

    #[test]
    fn positions_count_characters() {
        let src = "é = 1; x = 2\n  y";
        let tree = parse(src);
        let mut found = Vec::new();
        for n in nodes(tree.root_node()) {
            if n.kind() == "identifier" {
                found.push((
                    text(n, src.as_bytes()).into_owned(),
                    position(n, src.as_bytes()),
                ));
            }
        }
        assert_eq!(
            found,
            [
                ("é".to_string(), (1, 1)),
                ("x".to_string(), (1, 8)),
                ("y".to_string(), (2, 3))
            ]
        );
    }

    #[test]
    fn snippets_are_one_short_line() {
        let src = format!("f(a,\n    b)\n{}", "x".repeat(100));
        let tree = parse(&src);
        let root = tree.root_node();
        let call = root.named_child(0).unwrap().named_child(0).unwrap();
        assert_eq!(snippet(call, src.as_bytes()), "f(a, b)");
        let long = root.named_child(1).unwrap();
        assert_eq!(
            snippet(long, src.as_bytes()),
            format!("{}...", "x".repeat(60))
        );
    }

    #[test]
    fn identifiers_are_normalized() {
        let src = "ｅｖａｌ";
        let tree = parse(src);
        let id = nodes(tree.root_node())
            .find(|n| n.kind() == "identifier")
            .unwrap();
        assert_eq!(ident(id, src.as_bytes()), "eval");
    }
}

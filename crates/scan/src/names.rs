//! What the names of one file stand for: imports and aliases, resolved to canonical dotted
//! names (`sp.run` is `subprocess.run` after `import subprocess as sp`).
//!
//! The scan is flow-insensitive and file-wide: every binding of a name anywhere in the file
//! counts everywhere, and a name bound several ways stands for all of them. That errs towards
//! reporting: `run = subprocess.run` in one function makes `run(...)` a subprocess call in all.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use tree_sitter::Node;

use crate::syntax::{argument, ident, nodes, string_value, unparen};

/// How many assignments deep an alias is followed (`a = b`, `b = os`, ...).
const MAX_ALIAS_DEPTH: usize = 8;
/// How deeply nested an expression is followed (`getattr(getattr(x, "a"), "b")`, ...).
const MAX_RESOLVE_DEPTH: usize = 8;
/// How many meanings one name may have before the rest are dropped.
const MAX_CANDIDATES: usize = 32;

/// The builtins whose calls the scan looks at. A bare name among these stands for the builtin
/// unless the file imports that name (a plugin can rebind `exec` in one function and call the
/// real one elsewhere; an import is taken as shadowing it everywhere).
const BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "__import__",
    "open",
    "getattr",
    "setattr",
    "delattr",
    "vars",
];

/// The names bound in one file.
pub(crate) struct Names<'a> {
    src: &'a [u8],
    /// Local name -> dotted names it was imported as.
    imports: HashMap<String, Vec<String>>,
    /// Local name -> right-hand sides of its plain assignments (`name = value`, `name := value`).
    assigned: HashMap<String, Vec<Node<'a>>>,
    /// Local names bound in any other way (parameters, loop targets, `def`, `global`, ...).
    other: HashMap<String, u32>,
    /// Modules imported with `*`.
    star: Vec<String>,
    cache: RefCell<HashMap<String, Rc<[String]>>>,
}

impl<'a> Names<'a> {
    /// Collects the bindings of the tree under `root`.
    pub(crate) fn collect(root: Node<'a>, src: &'a [u8]) -> Names<'a> {
        let mut names = Names {
            src,
            imports: HashMap::new(),
            assigned: HashMap::new(),
            other: HashMap::new(),
            star: Vec::new(),
            cache: RefCell::new(HashMap::new()),
        };
        for node in nodes(root) {
            names.visit(node);
        }
        names
    }

    fn visit(&mut self, node: Node<'a>) {
        let field = |f: &str| node.child_by_field_name(f);
        match node.kind() {
            "import_statement" => self.import(node),
            "import_from_statement" => self.import_from(node),
            "assignment" => {
                let mut value = field("right");
                while let Some(v) = value.filter(|v| v.kind() == "assignment") {
                    value = v.child_by_field_name("right");
                }
                match (field("left"), value) {
                    (Some(l), Some(v)) if l.kind() == "identifier" => self.assign(l, v),
                    (Some(l), _) => self.bind_targets(l),
                    _ => {}
                }
            }
            "named_expression" => {
                if let (Some(l), Some(v)) = (field("name"), field("value")) {
                    self.assign(l, v);
                }
            }
            "augmented_assignment" | "for_statement" | "for_in_clause" => {
                if let Some(l) = field("left") {
                    self.bind_targets(l);
                }
            }
            "function_definition" | "class_definition" => {
                if let Some(n) = field("name") {
                    self.bind_other(n);
                }
            }
            "as_pattern_target" | "parameters" | "lambda_parameters" | "global_statement"
            | "nonlocal_statement" | "delete_statement" => self.bind_targets(node),
            "except_clause" => {
                if let Some(a) = field("alias") {
                    self.bind_targets(a);
                }
            }
            _ => {}
        }
    }

    fn import(&mut self, node: Node<'a>) {
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            match name.kind() {
                // `import a.b` binds `a`
                "dotted_name" => {
                    if let Some(first) = name.named_child(0) {
                        let first = ident(first, self.src);
                        self.imports.entry(first.clone()).or_default().push(first);
                    }
                }
                "aliased_import" => {
                    let target = name.child_by_field_name("name");
                    let alias = name.child_by_field_name("alias");
                    if let (Some(t), Some(a)) = (target, alias) {
                        let t = dotted(t, self.src);
                        self.imports.entry(ident(a, self.src)).or_default().push(t);
                    }
                }
                _ => {}
            }
        }
    }

    fn import_from(&mut self, node: Node<'a>) {
        let Some(module) = node.child_by_field_name("module_name") else {
            return;
        };
        if module.kind() != "dotted_name" {
            return; // a relative import: the plugin's own package
        }
        let module = dotted(module, self.src);
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == "wildcard_import" {
                self.star.push(module.clone());
            }
        }
        for name in node.children_by_field_name("name", &mut cursor) {
            let (target, local) = match name.kind() {
                "dotted_name" => (Some(name), Some(name)),
                "aliased_import" => (
                    name.child_by_field_name("name"),
                    name.child_by_field_name("alias"),
                ),
                _ => (None, None),
            };
            if let (Some(t), Some(l)) = (target, local) {
                let full = format!("{module}.{}", dotted(t, self.src));
                self.imports
                    .entry(dotted(l, self.src))
                    .or_default()
                    .push(full);
            }
        }
    }

    fn assign(&mut self, name: Node<'a>, value: Node<'a>) {
        self.assigned
            .entry(ident(name, self.src))
            .or_default()
            .push(value);
    }

    fn bind_other(&mut self, name: Node<'a>) {
        *self.other.entry(ident(name, self.src)).or_default() += 1;
    }

    /// Every identifier a target binds: `a`, `a, (b, *c)`, parameters; not the names inside
    /// `x.attr` or `x[i]` (those bind nothing) nor default values and annotations.
    fn bind_targets(&mut self, target: Node<'a>) {
        let mut stack = vec![target];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "identifier" => self.bind_other(n),
                "attribute" | "subscript" | "call" | "type" => {}
                "default_parameter" | "typed_default_parameter" | "keyword_argument" => {
                    stack.extend(n.child_by_field_name("name"));
                }
                _ => {
                    let mut cursor = n.walk();
                    stack.extend(n.named_children(&mut cursor));
                }
            }
        }
    }

    /// The value a name has when it is bound exactly once, by a plain assignment.
    pub(crate) fn constant(&self, name: &str) -> Option<Node<'a>> {
        match self.assigned.get(name).map(Vec::as_slice) {
            Some([value]) if !self.other.contains_key(name) && !self.imports.contains_key(name) => {
                Some(*value)
            }
            _ => None,
        }
    }

    /// The canonical dotted names an expression may stand for: `sp.run` after
    /// `import subprocess as sp` is `subprocess.run`; `getattr(os, "system")` is `os.system`;
    /// `__import__("os")` is `os`; `sys.modules["os"]` is `os`. Empty when it is none.
    pub(crate) fn resolve(&self, node: Node<'a>) -> Vec<String> {
        self.resolve_at(node, 0)
    }

    fn resolve_at(&self, node: Node<'a>, depth: usize) -> Vec<String> {
        if depth > MAX_RESOLVE_DEPTH {
            return Vec::new();
        }
        let mut parts = Vec::new();
        let mut n = unparen(node);
        while n.kind() == "attribute" {
            match (
                n.child_by_field_name("object"),
                n.child_by_field_name("attribute"),
            ) {
                (Some(o), Some(a)) => {
                    parts.push(ident(a, self.src));
                    n = unparen(o);
                }
                _ => return Vec::new(),
            }
        }
        let bases: Vec<String> = match n.kind() {
            "identifier" => self.name(&ident(n, self.src), depth).to_vec(),
            "call" => self.call_result(n, depth),
            "subscript" => self.item(n, depth),
            _ => Vec::new(),
        };
        let tail: String = parts.iter().rev().map(|p| format!(".{p}")).collect();
        let mut out: Vec<String> = Vec::new();
        for b in bases {
            let full = canonical(&format!("{b}{tail}"));
            if !out.contains(&full) && out.len() < MAX_CANDIDATES {
                out.push(full);
            }
        }
        out
    }

    /// What a bare name stands for (memoized; a cycle of aliases stands for nothing more).
    fn name(&self, name: &str, depth: usize) -> Rc<[String]> {
        if let Some(hit) = self.cache.borrow().get(name) {
            return hit.clone();
        }
        if depth >= MAX_ALIAS_DEPTH {
            return Rc::from(Vec::new());
        }
        self.cache
            .borrow_mut()
            .insert(name.to_string(), Rc::from(Vec::new()));
        let mut out: Vec<String> = Vec::new();
        let mut add = |s: String| {
            let s = canonical(&s);
            if !out.contains(&s) && out.len() < MAX_CANDIDATES {
                out.push(s);
            }
        };
        for target in self.imports.get(name).into_iter().flatten() {
            add(target.clone());
        }
        for value in self.assigned.get(name).into_iter().flatten() {
            for r in self.resolve_at(*value, depth + 1) {
                add(r);
            }
        }
        // an import of the same name shadows the builtin on purpose (`from re import compile`);
        // any other binding may be local to a function, so the builtin stays a meaning too
        if BUILTINS.contains(&name) && !self.imports.contains_key(name) {
            add(format!("builtins.{name}"));
        }
        if name == "__builtins__" || name == "__builtin__" {
            add("builtins".to_string());
        }
        let bound = self.imports.contains_key(name)
            || self.assigned.contains_key(name)
            || self.other.contains_key(name);
        if !bound {
            for m in &self.star {
                add(format!("{m}.{name}"));
            }
        }
        let out: Rc<[String]> = Rc::from(out);
        self.cache
            .borrow_mut()
            .insert(name.to_string(), out.clone());
        out
    }

    /// What a call returns, when it is a module or an attribute: `__import__("a.b")` is `a`,
    /// `importlib.import_module("a.b")` is `a.b`, `getattr(x, "y")` is `x.y`.
    fn call_result(&self, call: Node<'a>, depth: usize) -> Vec<String> {
        let Some(function) = call.child_by_field_name("function") else {
            return Vec::new();
        };
        let callee = self.resolve_at(function, depth + 1);
        let literal = |i: usize, kw: &str| {
            argument(call, i, Some(kw), self.src).and_then(|a| string_value(a, self.src))
        };
        let mut out = Vec::new();
        for c in &callee {
            match c.as_str() {
                "builtins.__import__" | "importlib.__import__" => {
                    if let Some(m) = literal(0, "name") {
                        let from = argument(call, 3, Some("fromlist"), self.src).is_some();
                        out.push(if from {
                            m.clone()
                        } else {
                            top_level(&m).to_string()
                        });
                    }
                }
                "importlib.import_module" => out.extend(literal(0, "name")),
                "builtins.getattr" => {
                    if let (Some(obj), Some(attr)) =
                        (argument(call, 0, None, self.src), literal(1, "name"))
                    {
                        for o in self.resolve_at(obj, depth + 1) {
                            out.push(format!("{o}.{attr}"));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// What `x["key"]` stands for: `sys.modules["os"]` is `os`, `__builtins__["eval"]` is
    /// `builtins.eval`.
    fn item(&self, subscript: Node<'a>, depth: usize) -> Vec<String> {
        let value = subscript.child_by_field_name("value");
        let key = subscript
            .child_by_field_name("subscript")
            .and_then(|k| string_value(k, self.src));
        let (Some(value), Some(key)) = (value, key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in self.resolve_at(value, depth + 1) {
            match v.as_str() {
                "sys.modules" => out.push(key.clone()),
                "builtins" | "builtins.__dict__" => out.push(format!("builtins.{key}")),
                _ => {}
            }
        }
        out
    }
}

/// A `dotted_name` node as text, each part normalized.
fn dotted(node: Node<'_>, src: &[u8]) -> String {
    if node.kind() == "identifier" {
        return ident(node, src);
    }
    let mut cursor = node.walk();
    let parts: Vec<String> = node
        .named_children(&mut cursor)
        .map(|p| ident(p, src))
        .collect();
    parts.join(".")
}

/// The first part of a dotted name.
pub(crate) fn top_level(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// A dotted name with its module spelled the way the rules spell it: `posix.system` is
/// `os.system`, `__builtins__.eval` is `builtins.eval`, `cPickle.loads` is `pickle.loads`.
pub(crate) fn canonical(name: &str) -> String {
    let (top, rest) = match name.split_once('.') {
        Some((t, r)) => (t, Some(r)),
        None => (name, None),
    };
    let top = match top {
        "posix" | "nt" => "os",
        "__builtin__" | "__builtins__" => "builtins",
        "_socket" => "socket",
        "_ctypes" => "ctypes",
        "cPickle" | "_pickle" => "pickle",
        "_posixsubprocess" => "subprocess",
        "_io" => "io",
        other => other,
    };
    match rest {
        Some(r) => format!("{top}.{r}"),
        None => top.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the last expression statement of `src` resolves to.
    fn resolve_last(src: &str) -> Vec<String> {
        let tree = crate::syntax::parser().unwrap().parse(src, None).unwrap();
        let root = tree.root_node();
        let names = Names::collect(root, src.as_bytes());
        let last = root.named_child(root.named_child_count() - 1).unwrap();
        names.resolve(last.named_child(0).unwrap())
    }

    #[test]
    fn aliases_resolve_to_canonical_names() {
        let cases: &[(&str, &[&str])] = &[
            ("import subprocess as sp\nsp.run", &["subprocess.run"]),
            ("from os import system\nsystem", &["os.system"]),
            ("from ctypes import CDLL as L\nL", &["ctypes.CDLL"]),
            ("import os.path\nos.path.join", &["os.path.join"]),
            ("import posix\nposix.system", &["os.system"]),
            ("import os\ns = os.system\ns", &["os.system"]),
            ("import os\na = b = os\nb.fork", &["os.fork"]),
            ("m = __import__('os')\nm.system", &["os.system"]),
            ("__import__('os.path').path", &["os.path"]),
            (
                "import importlib\nimportlib.import_module('os.path')",
                &["os.path"],
            ),
            ("import os\ngetattr(os, 'sys' 'tem')", &["os.system"]),
            ("import sys\nsys.modules['os'].popen", &["os.popen"]),
            ("__builtins__['eval']", &["builtins.eval"]),
            ("from os import *\nsystem", &["os.system"]),
            ("from os import *\nsystem = 1\nsystem", &[]),
            ("eval", &["builtins.eval"]),
            ("def eval(): pass\neval", &["builtins.eval"]),
            ("from re import compile\ncompile", &["re.compile"]),
            ("a = b\nb = a\na.x", &[]),
            ("from . import os\nos.system", &[]),
            ("x.y", &[]),
        ];
        for (src, want) in cases {
            assert_eq!(resolve_last(src), *want, "{src}");
        }
    }

    #[test]
    fn constants_are_names_bound_once() {
        let src = "A = '/out'\nB = 1\nB = 2\ndef f(C): pass\nC = 3\nfor D in x: pass\nD = 4\n";
        let tree = crate::syntax::parser().unwrap().parse(src, None).unwrap();
        let names = Names::collect(tree.root_node(), src.as_bytes());
        assert!(names.constant("A").is_some());
        for n in ["B", "C", "D", "E"] {
            assert!(names.constant(n).is_none(), "{n}");
        }
    }
}

//! The checks over one parsed file: imports, references and calls (on their resolved dotted
//! names), stores that tamper with the interpreter, and writes.

use tree_sitter::Node;

use crate::names::{top_level, Names};
use crate::rules::*;
use crate::syntax::{
    argument, has_arguments, ident, parser, position, snippet, string_value, Preorder, Visit,
};
use crate::writes::{judge, written_path, OutputDirs};

/// How many string literals deep `exec("exec('...')")` is followed.
const MAX_NESTING: usize = 3;

/// Dotted names whose references are findings (`*`: any name starting so; otherwise the
/// name itself or anything under it).
const REFERENCES: &[(&Rule, &[&str])] = &[
    (&OS_SHELL, &["os.system", "os.popen"]),
    (&OS_EXEC, &["os.exec*", "os.spawn*", "os.posix_spawn*"]),
    (&PROCESS_FORK, &["os.fork", "os.forkpty", "pty.fork"]),
    (
        &SUBPROCESS_CALL,
        &[
            "subprocess.run",
            "subprocess.Popen",
            "subprocess.call",
            "subprocess.check_call",
            "subprocess.check_output",
            "subprocess.getoutput",
            "subprocess.getstatusoutput",
            "subprocess.fork_exec",
            "asyncio.create_subprocess_exec",
            "asyncio.create_subprocess_shell",
            "asyncio.subprocess.create_subprocess_exec",
            "asyncio.subprocess.create_subprocess_shell",
        ],
    ),
    (&PTY_SPAWN, &["pty.spawn"]),
    (
        &RAW_SOCKET,
        &[
            "socket.socket",
            "socket.create_connection",
            "socket.create_server",
            "socket.socketpair",
            "socket.fromfd",
        ],
    ),
    (
        &NATIVE_CODE,
        &[
            "ctypes.CDLL",
            "ctypes.PyDLL",
            "ctypes.WinDLL",
            "ctypes.OleDLL",
            "ctypes.cdll",
            "ctypes.pydll",
            "ctypes.windll",
            "ctypes.oledll",
            "ctypes.pythonapi",
            "ctypes.CFUNCTYPE",
            "ctypes.PYFUNCTYPE",
            "ctypes.WINFUNCTYPE",
            "ctypes.LibraryLoader",
            "cffi.FFI",
        ],
    ),
    (
        &UNSAFE_DESERIALIZATION,
        &[
            "pickle.load",
            "pickle.loads",
            "pickle.Unpickler",
            "marshal.load",
            "marshal.loads",
            "dill.load",
            "dill.loads",
            "dill.Unpickler",
            "cloudpickle.load",
            "cloudpickle.loads",
            "shelve.open",
        ],
    ),
    (
        &SYS_MODULES_TAMPERING,
        &[
            "sys.modules.__setitem__",
            "sys.modules.__delitem__",
            "sys.modules.update",
            "sys.modules.pop",
            "sys.modules.popitem",
            "sys.modules.setdefault",
            "sys.modules.clear",
        ],
    ),
    (
        &IMPORT_HOOK,
        &[
            "sys.meta_path.append",
            "sys.meta_path.insert",
            "sys.meta_path.extend",
            "sys.meta_path.__setitem__",
            "sys.meta_path.__iadd__",
            "sys.path_hooks.append",
            "sys.path_hooks.insert",
            "sys.path_hooks.extend",
            "sys.path_hooks.__setitem__",
            "sys.path_hooks.__iadd__",
        ],
    ),
    (
        &BUILTINS_TAMPERING,
        &[
            "builtins.__setitem__",
            "builtins.__delitem__",
            "builtins.update",
            "builtins.setdefault",
            "builtins.__dict__.__setitem__",
            "builtins.__dict__.__delitem__",
            "builtins.__dict__.update",
            "builtins.__dict__.pop",
            "builtins.__dict__.setdefault",
            "builtins.__dict__.clear",
        ],
    ),
];

/// Modules whose attributes looked up by a computed name are a finding.
const SENSITIVE_MODULES: &[&str] = &[
    "os",
    "sys",
    "builtins",
    "subprocess",
    "pty",
    "socket",
    "ctypes",
    "cffi",
    "importlib",
    "pickle",
    "marshal",
    "dill",
    "shelve",
    "multiprocessing",
];

/// One finding in a file, before it is given the file's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub line: usize,
    pub column: usize,
    pub rule: &'static Rule,
    pub message: String,
}

/// Runs every check over the tree under `root`.
pub(crate) fn check(root: Node<'_>, src: &[u8], dirs: &OutputDirs, nesting: usize) -> Vec<Hit> {
    let mut c = Checker {
        src,
        names: Names::collect(root, src),
        dirs,
        nesting,
        hits: Vec::new(),
    };
    for v in Preorder::new(root) {
        c.visit(v);
    }
    c.hits
}

struct Checker<'a, 'o> {
    src: &'a [u8],
    names: Names<'a>,
    dirs: &'o OutputDirs,
    nesting: usize,
    hits: Vec<Hit>,
}

impl<'a> Checker<'a, '_> {
    fn hit(&mut self, at: Node<'_>, rule: &'static Rule, message: String) {
        let (line, column) = position(at, self.src);
        self.hits.push(Hit {
            line,
            column,
            rule,
            message,
        });
    }

    fn quote(&self, node: Node<'_>) -> String {
        format!("`{}`", snippet(node, self.src))
    }

    fn visit(&mut self, v: Visit<'a>) {
        let node = v.node;
        match node.kind() {
            "import_statement" | "import_from_statement" => self.import(node),
            "call" => self.call(node),
            "assignment" | "augmented_assignment" => {
                if let Some(left) = node.child_by_field_name("left") {
                    self.store(left, "assigning to");
                }
            }
            "delete_statement" => {
                let mut cursor = node.walk();
                let targets: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for t in targets {
                    self.store(t, "deleting");
                }
            }
            _ => {}
        }
        if matches!(
            node.kind(),
            "identifier" | "attribute" | "subscript" | "call"
        ) && is_load_root(&v)
        {
            self.reference(v);
        }
    }

    fn import(&mut self, stmt: Node<'a>) {
        let mut modules = Vec::new();
        if stmt.kind() == "import_from_statement" {
            modules.extend(
                stmt.child_by_field_name("module_name")
                    .filter(|m| m.kind() == "dotted_name"),
            );
        } else {
            let mut cursor = stmt.walk();
            for name in stmt.children_by_field_name("name", &mut cursor) {
                modules.extend(match name.kind() {
                    "aliased_import" => name.child_by_field_name("name"),
                    _ => Some(name),
                });
            }
        }
        for m in modules {
            let module = crate::syntax::text(m, self.src)
                .split_whitespace()
                .collect::<String>();
            if let Some(rule) = import_rule(top_level(&module)) {
                let message = format!("{} imports {module}", self.quote(stmt));
                self.hit(stmt, rule, message);
            }
        }
    }

    fn call(&mut self, call: Node<'a>) {
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        let callee = self.names.resolve(function);
        let is = |names: &[&str]| callee.iter().find(|c| names.contains(&c.as_str())).cloned();
        if is(&[
            "builtins.__import__",
            "importlib.__import__",
            "importlib.import_module",
        ])
        .is_some()
        {
            self.dynamic_import(call);
        }
        if let Some(f) = is(&["builtins.eval", "builtins.exec", "builtins.compile"]) {
            self.dynamic_code(call, f.trim_start_matches("builtins."));
        }
        if let Some(path) = written_path(call, &callee, &self.names, self.src) {
            if let Some((rule, tail)) = judge(&path, self.dirs) {
                let message = format!("{} {tail}", self.quote(call));
                self.hit(call, rule, message);
            }
        }
        if is(&["builtins.getattr", "builtins.vars"]).is_some() {
            self.lookup(call);
        }
        if is(&["builtins.setattr", "builtins.delattr"]).is_some() {
            self.set_attribute(call);
        }
    }

    fn dynamic_import(&mut self, call: Node<'a>) {
        match argument(call, 0, Some("name"), self.src) {
            Some(arg) => match string_value(arg, self.src) {
                Some(module) => {
                    if let Some(rule) = import_rule(top_level(&module)) {
                        let message = format!("{} imports {module}", self.quote(call));
                        self.hit(call, rule, message);
                    }
                }
                None => {
                    let message = format!(
                        "{} imports a module whose name is computed at run time",
                        self.quote(call)
                    );
                    self.hit(call, &DYNAMIC_IMPORT, message);
                }
            },
            None if has_arguments(call) => {
                let message = format!(
                    "{} imports a module named by unpacked arguments",
                    self.quote(call)
                );
                self.hit(call, &DYNAMIC_IMPORT, message);
            }
            None => {}
        }
    }

    fn dynamic_code(&mut self, call: Node<'a>, function: &str) {
        let code = argument(call, 0, Some("source"), self.src).map(|a| string_value(a, self.src));
        let why = match code {
            Some(Some(code)) if self.nesting < MAX_NESTING => return self.nested(&code, call),
            Some(Some(_)) => "code nested in string literals deeper than the scan follows",
            _ if has_arguments(call) => "code computed at run time",
            _ => return,
        };
        let message = format!("{} calls {function} on {why}", self.quote(call));
        self.hit(call, &DYNAMIC_CODE, message);
    }

    /// Scans code given as a string literal to exec/eval/compile, reporting what it finds at
    /// the call.
    fn nested(&mut self, code: &str, call: Node<'a>) {
        let Some(tree) = parser().ok().and_then(|mut p| p.parse(code, None)) else {
            return;
        };
        let inner = check(
            tree.root_node(),
            code.as_bytes(),
            self.dirs,
            self.nesting + 1,
        );
        for h in inner {
            let message = format!(
                "in the code string run by {}: {}",
                self.quote(call),
                h.message
            );
            self.hit(call, h.rule, message);
        }
    }

    /// `getattr(__builtins__, ...)`, `vars(builtins)`, `getattr(os, name)`.
    fn lookup(&mut self, call: Node<'a>) {
        let Some(obj) = argument(call, 0, Some("object"), self.src) else {
            return;
        };
        let targets = self.names.resolve(obj);
        let computed_name = argument(call, 1, Some("name"), self.src)
            .is_some_and(|n| string_value(n, self.src).is_none());
        let builtins = targets
            .iter()
            .any(|t| t == "builtins" || t == "builtins.__dict__");
        let message = if builtins {
            format!("{} looks a builtin up by name", self.quote(call))
        } else if let Some(m) = targets
            .iter()
            .find(|t| SENSITIVE_MODULES.contains(&t.as_str()))
            .filter(|_| computed_name)
        {
            format!(
                "{} looks up an attribute of {m} by a name computed at run time",
                self.quote(call)
            )
        } else {
            return;
        };
        self.hit(call, &COMPUTED_LOOKUP, message);
    }

    /// `setattr(builtins, ...)`, `delattr(sys, "modules")`.
    fn set_attribute(&mut self, call: Node<'a>) {
        let Some(obj) = argument(call, 0, Some("obj"), self.src) else {
            return;
        };
        let name =
            argument(call, 1, Some("name"), self.src).and_then(|n| string_value(n, self.src));
        for t in self.names.resolve(obj) {
            let rule = match &name {
                _ if t == "builtins" || t == "builtins.__dict__" => Some(&BUILTINS_TAMPERING),
                Some(n) => store_rule(&format!("{t}.{n}")),
                None => None,
            };
            if let Some(rule) = rule {
                let message = format!("{} {}", self.quote(call), effect(rule));
                self.hit(call, rule, message);
                return;
            }
        }
    }

    /// An assignment or deletion target: `builtins.open = f`, `sys.modules["os"] = fake`.
    fn store(&mut self, target: Node<'a>, verb: &str) {
        let mut stack = vec![target];
        while let Some(t) = stack.pop() {
            let rule = match t.kind() {
                "pattern_list"
                | "tuple_pattern"
                | "list_pattern"
                | "expression_list"
                | "tuple"
                | "list"
                | "parenthesized_expression" => {
                    let mut cursor = t.walk();
                    stack.extend(t.named_children(&mut cursor));
                    continue;
                }
                "identifier" if ident(t, self.src) == "__builtins__" => Some(&BUILTINS_TAMPERING),
                "attribute" => self.names.resolve(t).iter().find_map(|n| store_rule(n)),
                "subscript" => t
                    .child_by_field_name("value")
                    .map(|v| self.names.resolve(v))
                    .unwrap_or_default()
                    .iter()
                    .find_map(|n| container_rule(n)),
                _ => None,
            };
            if let Some(rule) = rule {
                let message = format!("{verb} {} {}", self.quote(t), effect(rule));
                self.hit(t, rule, message);
            }
        }
    }

    /// A name, attribute chain or item read: `os.system`, `sp.run(...)`, `ctypes.pythonapi`.
    fn reference(&mut self, v: Visit<'a>) {
        let node = v.node;
        let called = v
            .parent
            .filter(|p| p.kind() == "call" && v.field == Some("function"));
        if called.is_none() && node.kind() == "identifier" {
            return; // `api` after `api = ctypes.pythonapi`: reported where it was bound
        }
        for name in self.names.resolve(node) {
            let rule = REFERENCES
                .iter()
                .find(|(_, patterns)| patterns.iter().any(|p| matches(&name, p)))
                .map(|(r, _)| *r);
            if let Some(rule) = rule {
                let message = match called {
                    Some(call) => format!("{} calls {name}", self.quote(call)),
                    None => format!("{} refers to {name}", self.quote(node)),
                };
                self.hit(node, rule, message);
                return;
            }
        }
        if node.kind() == "subscript" {
            let value = node
                .child_by_field_name("value")
                .map(|v| self.names.resolve(v))
                .unwrap_or_default();
            if value
                .iter()
                .any(|t| t == "builtins" || t == "builtins.__dict__")
            {
                let message = format!("{} looks a builtin up by name", self.quote(node));
                self.hit(node, &COMPUTED_LOOKUP, message);
            }
        }
    }
}

/// Whether a name matches a pattern of [`REFERENCES`].
fn matches(name: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
    }
}

/// The rule an assignment to (or deletion of) this dotted name breaks.
fn store_rule(name: &str) -> Option<&'static Rule> {
    match name {
        "sys.modules" => Some(&SYS_MODULES_TAMPERING),
        "sys.meta_path" | "sys.path_hooks" => Some(&IMPORT_HOOK),
        n if n.starts_with("builtins.") => Some(&BUILTINS_TAMPERING),
        _ => None,
    }
}

/// The rule an item assignment (or deletion) in this container breaks.
fn container_rule(name: &str) -> Option<&'static Rule> {
    match name {
        "builtins" | "builtins.__dict__" => Some(&BUILTINS_TAMPERING),
        "sys.modules" => Some(&SYS_MODULES_TAMPERING),
        "sys.meta_path" | "sys.path_hooks" => Some(&IMPORT_HOOK),
        _ => None,
    }
}

/// What a tampering store does, for its message.
fn effect(rule: &Rule) -> &'static str {
    if rule.id == SYS_MODULES_TAMPERING.id {
        "changes what later imports return"
    } else if rule.id == IMPORT_HOOK.id {
        "changes where later imports find their code"
    } else {
        "changes the builtins of the whole interpreter"
    }
}

/// Whether a node is read (not bound, not a part of a bigger chain): the places a reference
/// finding is reported.
fn is_load_root(v: &Visit<'_>) -> bool {
    let Some(parent) = v.parent else {
        return true;
    };
    let bound = matches!(
        (parent.kind(), v.field),
        (
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause",
            Some("left")
        ) | ("named_expression", Some("name"))
            | (
                "keyword_argument"
                    | "default_parameter"
                    | "typed_default_parameter"
                    | "function_definition"
                    | "class_definition",
                Some("name")
            )
            | (
                "attribute"
                    | "dotted_name"
                    | "aliased_import"
                    | "relative_import"
                    | "global_statement"
                    | "nonlocal_statement"
                    | "parameters"
                    | "lambda_parameters"
                    | "typed_parameter"
                    | "list_splat_pattern"
                    | "dictionary_splat_pattern"
                    | "pattern_list"
                    | "tuple_pattern"
                    | "list_pattern"
                    | "as_pattern_target"
                    | "delete_statement",
                _
            )
    );
    !bound
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns_match_at_dots() {
        assert!(matches("os.system", "os.system"));
        assert!(matches("ctypes.cdll.LoadLibrary", "ctypes.cdll"));
        assert!(!matches("pickle.loads", "pickle.load"));
        assert!(matches("os.execvp", "os.exec*"));
        assert!(!matches("os.environ", "os.exec*"));
    }
}

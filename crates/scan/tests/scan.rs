//! The scan end to end on real-looking plugins: a clean data-ingest plugin gives nothing, each
//! hostile one gives exactly the expected rules at the expected places, and no input makes
//! the scan panic.

use std::path::{Path, PathBuf};

use jailwright_scan::{scan, scan_source, Finding, Options, ScanError};
use jailwright_testkit::TempDir;

fn plugin(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/plugins")
        .join(name)
}

fn with_output_dir(dir: &str) -> Options {
    let mut o = Options::default();
    o.output_dirs.push(dir.into());
    o
}

/// (line, column, id) of every finding, printed in full when a test fails.
fn places(findings: &[Finding]) -> Vec<(usize, usize, &'static str)> {
    findings.iter().map(|f| (f.line, f.column, f.id)).collect()
}

fn show(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}: {}\n",
                f.path, f.line, f.column, f.id, f.slug, f.message
            )
        })
        .collect()
}

#[track_caller]
fn expect(name: &str, opts: &Options, want: &[(usize, usize, &str)]) -> Vec<Finding> {
    let report = scan(&[plugin(name)], opts).expect("scan");
    assert_eq!(report.scanned.len(), 1);
    assert_eq!(
        places(&report.findings),
        want,
        "{name}:\n{}",
        show(&report.findings)
    );
    report.findings
}

fn src(text: &str) -> Vec<Finding> {
    scan_source("t.py", text.as_bytes(), &Options::default()).expect("scan")
}

#[track_caller]
fn expect_src(text: &str, want: &[(usize, usize, &str)]) -> Vec<Finding> {
    let found = src(text);
    assert_eq!(places(&found), want, "{text}\n---\n{}", show(&found));
    found
}

#[test]
fn clean_ingest_plugin_has_no_findings() {
    expect("clean_ingest.py", &with_output_dir("/out"), &[]);
}

#[test]
fn clean_plugin_writes_are_reported_without_its_output_dir() {
    let found = expect(
        "clean_ingest.py",
        &Options::default(),
        &[(38, 5, "JWS402"), (39, 5, "JWS402"), (40, 10, "JWS402")],
    );
    assert!(
        found[1].message.contains("writes /out/summary.json"),
        "{}",
        found[1].message
    );
    assert!(
        found[1].message.contains("no --output-dir was given"),
        "{}",
        found[1].message
    );
}

#[test]
fn ctypes_syscall_through_libc() {
    let found = expect(
        "libc_syscall.py",
        &Options::default(),
        &[
            (2, 1, "JWS101"),
            (3, 1, "JWS101"),
            (5, 8, "JWS207"),
            (13, 11, "JWS207"),
        ],
    );
    assert!(found[2]
        .message
        .starts_with("`ctypes.CDLL(ctypes.util.find_library(\"c\")"));
    assert!(found[2].message.ends_with("calls ctypes.CDLL"));
    assert_eq!(
        found[3].message,
        "`ctypes.pythonapi` refers to ctypes.pythonapi"
    );
}

#[test]
fn reverse_shell_with_socket_subprocess_and_system() {
    let found = expect(
        "reverse_shell.py",
        &Options::default(),
        &[
            (2, 1, "JWS105"),
            (3, 1, "JWS104"),
            (7, 9, "JWS206"),
            (10, 5, "JWS204"),
            (11, 5, "JWS201"),
        ],
    );
    assert_eq!(
        found[2].message,
        "`socket.socket(socket.AF_INET, socket.SOCK_STREAM)` calls socket.socket"
    );
    assert_eq!(found[4].slug, "os-shell");
    assert_eq!(found[4].severity.as_str(), "error");
}

#[test]
fn computed_code_and_module_names() {
    let found = expect(
        "loader.py",
        &Options::default(),
        &[(7, 5, "JWS209"), (8, 9, "JWS208"), (13, 5, "JWS101")],
    );
    assert_eq!(
        found[0].message,
        "`exec(base64.b64decode(PAYLOAD))` calls exec on code computed at run time"
    );
    assert_eq!(
        found[1].message,
        "`__import__(\"o\" + \"s\")` imports a module whose name is computed at run time"
    );
    assert_eq!(
        found[2].message,
        "in the code string run by `exec(\"import ctypes\")`: `import ctypes` imports ctypes"
    );
}

#[test]
fn unpickling_through_aliases() {
    let found = expect(
        "unpickle.py",
        &Options::default(),
        &[
            (1, 1, "JWS108"),
            (2, 1, "JWS107"),
            (6, 13, "JWS210"),
            (7, 10, "JWS210"),
        ],
    );
    assert_eq!(found[2].message, "`p.loads(blob)` calls pickle.loads");
    assert_eq!(found[3].message, "`l(code)` calls marshal.loads");
}

#[test]
fn tampering_with_modules_builtins_and_import_hooks() {
    let found = expect(
        "tamper.py",
        &Options::default(),
        &[
            (5, 1, "JWS302"),
            (6, 5, "JWS302"),
            (7, 1, "JWS302"),
            (8, 1, "JWS301"),
            (9, 1, "JWS301"),
            (10, 10, "JWS211"),
            (11, 1, "JWS303"),
        ],
    );
    assert_eq!(
        found[0].message,
        "assigning to `sys.modules['os']` changes what later imports return"
    );
    assert_eq!(
        found[3].message,
        "assigning to `builtins.open` changes the builtins of the whole interpreter"
    );
}

#[test]
fn aliasing_tricks_resolve() {
    let found = expect(
        "aliasing.py",
        &Options::default(),
        &[
            (1, 1, "JWS104"),
            (3, 1, "JWS101"),
            (4, 1, "JWS113"),
            (6, 7, "JWS204"),
            (10, 5, "JWS204"),
            (11, 5, "JWS201"),
            (12, 5, "JWS207"),
            (13, 5, "JWS204"),
            (14, 5, "JWS201"),
            (15, 5, "JWS201"),
        ],
    );
    let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
    assert!(messages.contains(&"`system(\"id\")` calls os.system"));
    assert!(messages.contains(&"`L(None)` calls ctypes.CDLL"));
    assert!(messages.contains(&"`posix.system(\"id\")` calls os.system"));
    assert!(messages.contains(&"`getattr(__import__(\"os\"), \"popen\")(\"id\")` calls os.popen"));
}

#[test]
fn writes_to_system_paths_elsewhere_and_computed() {
    let found = expect(
        "persist.py",
        &with_output_dir("/out"),
        &[
            (7, 10, "JWS401"),
            (9, 5, "JWS401"),
            (10, 5, "JWS401"),
            (11, 5, "JWS402"),
            (12, 5, "JWS403"),
        ],
    );
    assert_eq!(
        found[0].message,
        "`open(\"/etc/passwd\", \"a\")` writes /etc/passwd"
    );
    assert!(found[1].message.ends_with("writes /etc/cron.d/job"));
    assert!(found[2].message.ends_with("writes /proc/self/mem"));
    assert_eq!(found[4].severity.as_str(), "info");
}

#[test]
fn syntax_error_is_a_finding_at_the_first_error() {
    let found = expect("broken.py", &Options::default(), &[(4, 1, "JWS001")]);
    assert!(found[0]
        .message
        .starts_with("the file does not parse as Python"));
    // what the parser recovered is still checked
    expect_src(
        "import ctypes\ndef f(:\n    pass\n",
        &[(1, 1, "JWS101"), (2, 7, "JWS001")],
    );
    let missing = expect_src("x = (1,\n", &[(1, 1, "JWS001")]);
    assert!(missing[0].message.starts_with("the file does not parse"));
}

#[test]
fn every_import_form_is_seen() {
    expect_src(
        "import os, ctypes\nimport ctypes.util as cu\nfrom ctypes import CDLL\nfrom ctypes.util import find_library\nfrom os import path\nfrom . import subprocess\n",
        &[(1, 1, "JWS101"), (2, 1, "JWS101"), (3, 1, "JWS101"), (4, 1, "JWS101")],
    );
    expect_src(
        "import cffi, pty, importlib, marshal, cPickle, dill, shelve, multiprocessing.pool, mmap, fcntl, resource, nt, _socket\n",
        &[
            (1, 1, "JWS102"),
            (1, 1, "JWS103"),
            (1, 1, "JWS105"),
            (1, 1, "JWS106"),
            (1, 1, "JWS107"),
            (1, 1, "JWS108"),
            (1, 1, "JWS108"),
            (1, 1, "JWS108"),
            (1, 1, "JWS109"),
            (1, 1, "JWS110"),
            (1, 1, "JWS111"),
            (1, 1, "JWS112"),
            (1, 1, "JWS113"),
        ],
    );
    // plain modules a data plugin uses are fine
    expect_src(
        "import os, sys, json, csv, statistics, pathlib, re, math, datetime, builtins\n",
        &[],
    );
}

#[test]
fn literal_dynamic_imports_are_imports() {
    let found = expect_src(
        "import importlib\nm = importlib.import_module('subprocess')\n__import__('os')\n",
        &[(1, 1, "JWS106"), (2, 5, "JWS104")],
    );
    assert_eq!(
        found[1].message,
        "`importlib.import_module('subprocess')` imports subprocess"
    );
    expect_src("__import__(*names)\n", &[(1, 1, "JWS208")]);
    expect_src(
        "from importlib import import_module as im\nim(name)\n",
        &[(1, 1, "JWS106"), (2, 1, "JWS208")],
    );
}

#[test]
fn process_calls() {
    expect_src(
        "import os, pty, asyncio\nos.execv('/bin/sh', ['sh'])\nos.spawnlp(os.P_WAIT, 'ls')\nos.posix_spawnp('sh', ['sh'], {})\nos.fork()\npty.spawn('/bin/sh')\nasyncio.create_subprocess_shell('id')\nos.popen('id')\nos.getcwd()\n",
        &[
            (1, 1, "JWS103"),
            (2, 1, "JWS202"),
            (3, 1, "JWS202"),
            (4, 1, "JWS202"),
            (5, 1, "JWS203"),
            (6, 1, "JWS205"),
            (7, 1, "JWS204"),
            (8, 1, "JWS201"),
        ],
    );
}

#[test]
fn code_hidden_in_literals_and_names() {
    // a wildcard import
    expect_src("from os import *\nsystem('id')\n", &[(2, 1, "JWS201")]);
    // a name bound once to a module, and a module taken out of sys.modules
    expect_src(
        "import sys\nm = __import__('os')\nm.system('id')\nsys.modules['os'].popen('id')\n",
        &[(3, 1, "JWS201"), (4, 1, "JWS201")],
    );
    // identifiers are NFKC-normalized as Python does: fullwidth `exec` is exec
    expect_src("ｅｘｅｃ(payload)\n", &[(1, 1, "JWS209")]);
    // escapes in a literal module name
    expect_src("__import__('\\x63types')\n", &[(1, 1, "JWS101")]);
    // literals inside literals, down to a limit
    let found = expect_src(
        "exec(\"exec('import os; os.system(1)')\")\n",
        &[(1, 1, "JWS201")],
    );
    assert!(found[0].message.starts_with("in the code string run by `exec(\"exec('import os; os.system(1)')\")`: in the code string run by"));
    let mut code = "import os".to_string();
    for _ in 0..4 {
        code = format!("exec({code:?})");
    }
    let found = expect_src(&code, &[(1, 1, "JWS209")]);
    assert!(found[0]
        .message
        .ends_with("calls exec on code nested in string literals deeper than the scan follows"));
    expect_src("e = exec\ne(payload)\n", &[(2, 1, "JWS209")]);
    expect_src("eval('1 + 1')\ncompile('x', 'f', 'eval')\n", &[]);
    expect_src("compile(source, 'f', 'exec')\n", &[(1, 1, "JWS209")]);
    // a utf-7 coding declaration hides code from any UTF-8 reader
    let found = expect_src("# -*- coding: utf-7 -*-\nx = 1\n", &[(1, 1, "JWS002")]);
    assert_eq!(
        found[0].message,
        "`# -*- coding: utf-7 -*-` declares the file's encoding as utf-7"
    );
    expect_src("# -*- coding: utf-8 -*-\nx = 1\n", &[]);
}

#[test]
fn builtins_reached_indirectly() {
    expect_src(
        "import builtins\nsetattr(builtins, 'open', f)\n__builtins__.__dict__['open'] = f\nvars(builtins)\nb = __builtins__['eval']\ngetattr(__builtins__, 'eval')(code)\n",
        &[
            (2, 1, "JWS301"),
            (3, 1, "JWS301"),
            (4, 1, "JWS211"),
            (5, 5, "JWS211"),
            (6, 1, "JWS209"),
            (6, 1, "JWS211"),
        ],
    );
    expect_src(
        "import os\nf = getattr(os, name)\ng = getattr(os, 'getcwd')\n",
        &[(2, 5, "JWS211")],
    );
    expect_src(
        "import sys\nsys.modules = {}\nsys.path_hooks.append(h)\nsys.modules.get('os')\n",
        &[(2, 1, "JWS302"), (3, 1, "JWS303")],
    );
}

#[test]
fn writes_through_path_objects_and_flags() {
    let opts = with_output_dir("/out");
    let found = |text: &str| places(&scan_source("t.py", text.as_bytes(), &opts).unwrap());
    assert_eq!(found("import os\nos.open('/etc/shadow', os.O_WRONLY | os.O_APPEND)\nos.open('/etc/shadow', os.O_RDONLY)\n"), [(2, 1, "JWS401")]);
    assert_eq!(
        found(
            "from pathlib import Path\nPath('/out', 'a.csv').write_text(t)\nPath('/out') / name\n"
        ),
        []
    );
    assert_eq!(
        found("from pathlib import Path\n(Path('/out') / name).write_bytes(b)\n"),
        [(2, 1, "JWS403")]
    );
    assert_eq!(
        found("from pathlib import Path\nPath('/out/../../etc/x').touch()\n"),
        [(2, 1, "JWS401")]
    );
    assert_eq!(
        found("import os.path\nopen(os.path.join('/out', '/root/.ssh/authorized_keys'), 'a')\n"),
        [(2, 1, "JWS401")]
    );
    assert_eq!(found("with open('/out/x', 'r+') as f: pass\nopen('/var/tmp/x', 'x')\nopen('/var/tmp/x', mode)\n"), [(2, 1, "JWS402")]);
    assert_eq!(
        found("handle.write_text(t)\nopen(f'/out/{n}', 'w')\n"),
        [(2, 1, "JWS403")]
    );
}

#[test]
fn directories_are_walked_sorted_and_symlinks_stay_inside() {
    let d = TempDir::new("scan-walk");
    d.write("b.py", "import ctypes\n");
    d.write("a.py", "x = 1\n");
    d.write("sub/c.py", "import pty\n");
    d.write("notes.txt", "import ctypes\n");
    let outside = TempDir::new("scan-outside");
    let secret = outside.write("evil.py", "import socket\n");
    std::os::unix::fs::symlink(&secret, d.path().join("link.py")).unwrap();
    std::os::unix::fs::symlink(d.path().join("a.py"), d.path().join("same.py")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.path().join("outdir")).unwrap();
    let report = scan(&[d.path()], &Options::default()).unwrap();
    let root = d.path().display().to_string();
    let rel = |s: &String| s.strip_prefix(&root).unwrap().to_string();
    let scanned: Vec<String> = report.scanned.iter().map(rel).collect();
    assert_eq!(scanned, ["/a.py", "/b.py", "/same.py", "/sub/c.py"]);
    let found: Vec<(String, &str)> = report
        .findings
        .iter()
        .map(|f| (rel(&f.path), f.id))
        .collect();
    assert_eq!(
        found,
        [
            ("/b.py".to_string(), "JWS101"),
            ("/link.py".to_string(), "JWS003"),
            ("/outdir".to_string(), "JWS003"),
            ("/sub/c.py".to_string(), "JWS103"),
        ]
    );
    assert!(report.findings[1]
        .message
        .contains("outside the scanned directory"));
    // the same file twice is scanned once
    let twice = scan(
        &[d.path().join("b.py"), d.path().join("b.py")],
        &Options::default(),
    )
    .unwrap();
    assert_eq!(twice.scanned.len(), 1);
    assert_eq!(twice.findings.len(), 1);
}

#[test]
fn unreadable_paths_are_errors_naming_them() {
    let d = TempDir::new("scan-errors");
    let missing = d.path().join("missing.py");
    let e = scan(&[&missing], &Options::default()).unwrap_err();
    assert!(matches!(e, ScanError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("missing.py"), "{e}");
    d.write("empty/readme.txt", "no python here");
    let e = scan(&[d.path().join("empty")], &Options::default()).unwrap_err();
    assert!(matches!(e, ScanError::NoPythonFiles { .. }), "{e:?}");
    assert!(e.to_string().contains("holds no .py files"), "{e}");
}

#[test]
fn unreadable_file_is_a_read_error() {
    jailwright_testkit::both("unreadable_file_is_a_read_error", || {
        if jailwright_testkit::is_root() {
            return jailwright_testkit::skip(
                "root reads any file: the unprivileged re-run checks this",
            );
        }
        use std::os::unix::fs::PermissionsExt;
        let d = TempDir::new("scan-perm");
        let p = d.write("secret.py", "x = 1\n");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        let e = scan(&[d.path()], &Options::default()).unwrap_err();
        assert!(matches!(e, ScanError::Read { .. }), "{e:?}");
        assert!(e.to_string().contains("secret.py"), "{e}");
    });
}

#[test]
fn large_files_are_reported_not_read() {
    let d = TempDir::new("scan-large");
    let p = d.write("big.py", "x = 1\n".repeat(100));
    let mut opts = Options::default();
    opts.max_file_bytes = 100;
    let report = scan(&[&p], &opts).unwrap();
    assert!(report.scanned.is_empty());
    assert_eq!(places(&report.findings), [(1, 1, "JWS003")]);
    assert!(report.findings[0]
        .message
        .contains("over the size limit of 100 bytes"));
    // any limit is capped at what the parser can take, and an unbounded one still reads
    opts.max_file_bytes = u64::MAX;
    assert_eq!(scan(&[&p], &opts).unwrap().scanned.len(), 1);
}

// ---- no input makes the scan panic -------------------------------------------------------

#[test]
fn invalid_utf8_is_a_finding_not_a_panic() {
    let found = scan_source(
        "t.py",
        b"import os\nx = '\xff\xfe'\nos.system(x)\n",
        &Options::default(),
    )
    .unwrap();
    assert_eq!(places(&found), [(2, 6, "JWS001"), (3, 1, "JWS201")]);
    assert!(found[0].message.contains("0xff is not UTF-8"));
    // declared latin-1: a finding about the declaration, not about the bytes
    let found = scan_source(
        "t.py",
        b"# coding: latin-1\nx = '\xe9'\n",
        &Options::default(),
    )
    .unwrap();
    assert_eq!(places(&found), [(1, 1, "JWS002")]);
    for bytes in [
        &b"\xff\xff\xff"[..],
        b"\0\0import\0",
        b"\xc3",
        b"'''\xf0\x9f",
        b"",
    ] {
        scan_source("t.py", bytes, &Options::default()).unwrap();
    }
}

#[test]
fn ten_megabytes_scan() {
    // a plugin that carries its reference data: a 10 MB literal, then code
    let mut text = String::from("DATA = \"\"\"\\\n");
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!("{i},{}.5,item-{i}\n", i * 3));
        i += 1;
    }
    text.push_str("\"\"\"\n");
    let data_lines = text.lines().count();
    for f in 0..1000 {
        text.push_str(&format!(
            "def f{f}(rows):\n    return [r['price'] for r in rows if r]\n"
        ));
    }
    text.push_str("import subprocess\n");
    assert!(text.len() > 10 * 1024 * 1024);
    let found = src(&text);
    assert_eq!(places(&found), [(data_lines + 2001, 1, "JWS104")]);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 5000;
    let cases = [
        format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth)),
        format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth)),
        format!("x = {}{}\n", "f(".repeat(depth), ")".repeat(depth)),
        format!(
            "x = {}os{}\n",
            "getattr(".repeat(depth),
            ", 'a')".repeat(depth)
        ),
        format!("x = os{}\n", ".a".repeat(depth)),
        format!("x = {}\n", vec!["1"; depth].join(" + ")),
        format!("open(Path('/out'){}, 'w')\n", " / 'a'".repeat(depth)),
        format!("x = {}\n", "not ".repeat(depth)),
        format!("x = {}1{}\n", "(".repeat(depth), ""),
        format!(
            "{}pass\n",
            (0..200)
                .map(|i| format!("{}if x:\n", " ".repeat(i)))
                .collect::<String>()
        ),
    ];
    for text in &cases {
        src(text);
    }
    // an alias chain longer than the scan follows, and a cycle
    let chain: String = (0..200).map(|i| format!("a{} = a{}\n", i + 1, i)).collect();
    src(&format!("import os\na0 = os\n{chain}a200.system('x')\n"));
    src("a = b\nb = a\na.system()\n");
    // nested exec strings stop at a limit (each level doubles the backslashes)
    let mut code = "import os".to_string();
    for _ in 0..10 {
        code = format!("exec({code:?})");
    }
    src(&code);
}

#[test]
fn mutated_plugins_scan_without_panics() {
    // a fixed xorshift: the same mutants on every run
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let specials: &[&[u8]] = &[
        b"(", b")", b"\"", b"'''", b"\\", b"\n", b"\t", b"\xff", b"\0", b"f\"{", b":", b"exec(",
        b"import ",
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins");
    let mut originals: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    originals.sort();
    let opts = with_output_dir("/out");
    for original in &originals {
        for _ in 0..60 {
            let mut m = original.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % (m.len() + 1);
                match next() % 3 {
                    0 => m.truncate(at),
                    1 => {
                        let s = specials[(next() as usize) % specials.len()];
                        m.splice(at..at, s.iter().copied());
                    }
                    _ => {
                        let end = (at + (next() as usize) % 16).min(m.len());
                        m.drain(at..end);
                    }
                }
            }
            let found = scan_source("m.py", &m, &opts).expect("any bytes scan");
            let lines = m.split(|&b| b == b'\n').count();
            for f in &found {
                assert!(f.line >= 1 && f.line <= lines && f.column >= 1, "{f:?}");
            }
        }
    }
}

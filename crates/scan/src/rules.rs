//! Every check the scan makes, as data ([`RULES`]): id, slug, severity, what it flags, why it
//! matters and the usual fix. A finding names the exact construct; the rest it takes from its
//! rule.
//!
//! Ids by family: `JWS0xx` the file itself, `JWS1xx` imports, `JWS2xx` calls, `JWS3xx`
//! tampering with the interpreter, `JWS4xx` file writes.

/// How serious a finding is. For the scan, an error is a construct that runs other programs
/// or native code, reaches the network, runs code the scan cannot see or tampers with the
/// interpreter (the usual shape of an escape attempt); a warning, a module or construct a
/// sandboxed plugin should not need; info, worth knowing and often harmless.
pub use jailwright_report::Severity;

/// One check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Rule {
    /// The stable id (`JWS101`).
    pub id: &'static str,
    /// The stable slug (`ctypes-import`).
    pub slug: &'static str,
    /// How serious a finding of this rule is.
    pub severity: Severity,
    /// What it flags, in a line.
    pub title: &'static str,
    /// Why a finding matters.
    pub why: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal $slug:literal $sev:ident, $title:literal, why: $why:literal, fix: $fix:literal;)*) => {
        $(
            #[doc = $title]
            pub const $name: Rule = Rule {
                id: $id,
                slug: $slug,
                severity: Severity::$sev,
                title: $title,
                why: $why,
                fix: $fix,
            };
        )*
        /// Every rule, in id order.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    SYNTAX_ERROR = "JWS001" "syntax-error" Warning,
        "a file that does not parse as Python, or is not valid UTF-8 without declaring an encoding",
        why: "the scan sees the code around a syntax error only as far as the parser could recover, so constructs next to it may go unreported (Python itself refuses the file, unless the scan's grammar lags the interpreter)",
        fix: "fix the syntax (or the encoding) and scan again";
    SOURCE_ENCODING = "JWS002" "source-encoding" Warning,
        "a coding declaration (PEP 263) naming an encoding other than UTF-8 or ASCII",
        why: "the scan reads the file as UTF-8 while Python decodes it with the declared codec; with utf-7, utf-16 or unicode_escape the code Python runs is not the text the scan read, a known way to hide code from reviewers and scanners",
        fix: "save the file as UTF-8 and remove the coding line";
    NOT_SCANNED = "JWS003" "not-scanned" Warning,
        "a file the scan did not read: over the size limit, or a symlink to a file outside the scanned directory",
        why: "nothing in it was checked, yet Python imports it like any other module",
        fix: "keep plugin sources small and inside the plugin's directory; scan the target directly if it is meant to be there";
    CTYPES_IMPORT = "JWS101" "ctypes-import" Warning,
        "an import of ctypes (or _ctypes)",
        why: "ctypes calls any C function of any shared library, including libc's syscall(), and reads and writes raw memory: everything the interpreter would refuse is one call away",
        fix: "remove it: a plugin that processes data needs no foreign function interface; if a native library is really needed, the host should provide it as a reviewed Python module";
    CFFI_IMPORT = "JWS102" "cffi-import" Warning,
        "an import of cffi",
        why: "cffi loads shared libraries and calls their functions (FFI.dlopen, FFI.cdef) and compiles C code, with the same reach as ctypes",
        fix: "remove it; ask the host for a reviewed module instead of calling native code from the plugin";
    PTY_IMPORT = "JWS103" "pty-import" Warning,
        "an import of pty",
        why: "pty forks processes onto pseudo-terminals; pty.spawn(\"/bin/sh\") is the usual way to turn a foothold into an interactive shell",
        fix: "remove it: a plugin has no use for a terminal";
    SUBPROCESS_IMPORT = "JWS104" "subprocess-import" Warning,
        "an import of subprocess (or _posixsubprocess)",
        why: "subprocess runs other programs: whatever the plugin cannot do in Python it can ask a shell, curl or a compiler to do",
        fix: "remove it and do the work in Python; a tool the plugin really needs belongs to the host, which can run it outside the plugin";
    SOCKET_IMPORT = "JWS105" "socket-import" Warning,
        "an import of socket (or _socket)",
        why: "socket opens raw network endpoints (TCP, UDP, Unix, packet sockets): exfiltration, reverse shells, talking to local daemons; a data plugin gets its input from files the host provides",
        fix: "remove it; let the host fetch what the plugin needs and hand it over as input";
    IMPORTLIB_IMPORT = "JWS106" "importlib-import" Warning,
        "an import of importlib",
        why: "importlib imports modules by names computed at run time and loads code from arbitrary files and bytes, hiding from a scan which modules the plugin uses",
        fix: "import the modules the plugin needs with plain import statements";
    MARSHAL_IMPORT = "JWS107" "marshal-import" Warning,
        "an import of marshal",
        why: "marshal turns bytes into code objects, the usual vehicle for running bytecode that no source scan ever sees",
        fix: "remove it; store data as JSON or CSV";
    PICKLE_IMPORT = "JWS108" "pickle-import" Warning,
        "an import of pickle, cPickle, _pickle, dill, cloudpickle or shelve",
        why: "unpickling calls whatever callables the data names (os.system included): loading a pickle is running code, and a plugin that carries one carries code the scan cannot read",
        fix: "use JSON, CSV or another format that holds only data";
    MULTIPROCESSING_IMPORT = "JWS109" "multiprocessing-import" Warning,
        "an import of multiprocessing",
        why: "multiprocessing forks and spawns interpreters, passes pickles between them and opens sockets and shared memory; a plugin does not need its own processes inside the sandbox",
        fix: "remove it; process the data in one process (the sandbox limits processes anyway)";
    MMAP_IMPORT = "JWS110" "mmap-import" Warning,
        "an import of mmap",
        why: "mmap maps anonymous memory with PROT_EXEC and maps files shared; with ctypes it is the usual way to place and run shellcode",
        fix: "read files with open() instead";
    FCNTL_IMPORT = "JWS111" "fcntl-import" Warning,
        "an import of fcntl",
        why: "fcntl issues raw fcntl() and ioctl() requests on file descriptors, including terminal ioctls such as TIOCSTI that push input into the terminal the plugin was started from",
        fix: "remove it: a plugin reading and writing files needs no raw descriptor control";
    RESOURCE_IMPORT = "JWS112" "resource-import" Warning,
        "an import of resource",
        why: "resource reads and changes the process's limits (setrlimit, prlimit): probing the sandbox's limits or raising soft limits up to the hard ones",
        fix: "remove it; the sandbox sets the limits";
    POSIX_IMPORT = "JWS113" "posix-import" Warning,
        "an import of posix or nt, the C modules behind os",
        why: "posix.system is os.system under another name: importing the backend directly is a way to call process and file functions without writing `os`",
        fix: "use os (whose dangerous calls the scan reports), or nothing";
    OS_SHELL = "JWS201" "os-shell" Error,
        "a call of os.system or os.popen",
        why: "both hand a command line to /bin/sh: any program on the system runs with the plugin's rights",
        fix: "do the work in Python instead of a shell command";
    OS_EXEC = "JWS202" "os-exec" Error,
        "a call of os.exec*, os.spawn* or os.posix_spawn*",
        why: "these replace the plugin with another program or start one: the sandbox stays, but the plugin's reviewed code no longer decides what runs",
        fix: "do the work in Python; a program the plugin needs should be run by the host";
    PROCESS_FORK = "JWS203" "process-fork" Warning,
        "a call of os.fork, os.forkpty or pty.fork",
        why: "a data plugin has no reason for child processes; forking is how a plugin outlives its own run or races the host",
        fix: "remove it and process the data in one process";
    SUBPROCESS_CALL = "JWS204" "subprocess-call" Error,
        "a call into subprocess (run, Popen, call, check_output, getoutput, ...) or asyncio.create_subprocess_*",
        why: "it runs another program, with a shell when asked: whatever the plugin cannot do in Python it can ask another program to do",
        fix: "do the work in Python; a tool the plugin really needs belongs to the host";
    PTY_SPAWN = "JWS205" "pty-spawn" Error,
        "a call of pty.spawn",
        why: "pty.spawn runs a program on a new pseudo-terminal wired to the plugin's streams; pty.spawn(\"/bin/sh\") is the textbook upgrade of a reverse shell",
        fix: "remove it";
    RAW_SOCKET = "JWS206" "raw-socket" Error,
        "a call of socket.socket, socket.create_connection, socket.create_server, socket.socketpair or socket.fromfd",
        why: "a socket talks to the network or to local daemons (Docker's socket, D-Bus): exfiltration, command and control, lateral movement",
        fix: "remove it; the host fetches data and hands it over as input";
    NATIVE_CODE = "JWS207" "native-code" Error,
        "loading or calling native code: ctypes.CDLL, ctypes.cdll, ctypes.PyDLL, ctypes.pythonapi, ctypes.CFUNCTYPE, cffi.FFI, ...",
        why: "a loaded library's functions run as machine code with no interpreter in between: libc's syscall(), mprotect() or the interpreter's own C API (pythonapi) reach anything the process can",
        fix: "remove it; no data plugin needs to call C directly";
    DYNAMIC_IMPORT = "JWS208" "dynamic-import" Error,
        "__import__ or importlib.import_module with a module name that is not a string literal",
        why: "a computed module name (\"o\" + \"s\", a decoded string) hides from any scan which module the plugin loads: a classic way around import checks",
        fix: "import the module with a plain import statement";
    DYNAMIC_CODE = "JWS209" "dynamic-code" Error,
        "eval, exec or compile of code that is not a string literal",
        why: "code built at run time (base64-decoded, downloaded, assembled from pieces) runs without ever being seen by a reviewer or a scan",
        fix: "write the code out in the plugin; to read data, use json.loads or ast.literal_eval";
    UNSAFE_DESERIALIZATION = "JWS210" "unsafe-deserialization" Error,
        "a call of pickle.load(s), pickle.Unpickler, marshal.load(s), dill.load(s) or shelve.open",
        why: "loading a pickle runs the callables it names and loading marshal data yields code objects: the bytes decide what runs, not the plugin's source",
        fix: "read data with json, csv or another format that holds only data";
    COMPUTED_LOOKUP = "JWS211" "computed-lookup" Warning,
        "getattr or vars on the builtins, or getattr with a computed name on a module such as os or subprocess",
        why: "looking functions up by name (getattr(__builtins__, \"ev\" + \"al\")) hides from any scan which function is called",
        fix: "call the function by its name";
    BUILTINS_TAMPERING = "JWS301" "builtins-tampering" Error,
        "assigning to, deleting from or setattr on builtins / __builtins__",
        why: "replacing open, print or __import__ for the whole interpreter subverts every other piece of code in it, the host's harness included",
        fix: "define the function in the plugin's own module instead of patching the builtins";
    SYS_MODULES_TAMPERING = "JWS302" "sys-modules-tampering" Error,
        "assigning to, deleting from or updating sys.modules",
        why: "putting a fake module into sys.modules (or removing a real one) changes what every later import in the interpreter returns, the host's included",
        fix: "import modules normally and leave sys.modules alone";
    IMPORT_HOOK = "JWS303" "import-hook" Error,
        "changing sys.meta_path or sys.path_hooks",
        why: "an import hook decides where every later import's code comes from: it can serve any module from any bytes, hidden from a scan",
        fix: "remove the hook; import modules normally";
    WRITE_SYSTEM_PATH = "JWS401" "write-system-path" Error,
        "open() for writing (or Path.write_text, ...) of a literal path under /etc, /proc, /sys, /dev, /boot, /root, /usr, /bin, /sbin, /lib*, /run or /var/spool",
        why: "no data plugin writes there; writing /etc/passwd, /proc/self/mem, /proc/sys or a device is the shape of an escape or persistence attempt",
        fix: "write results under the output directory the host gives the plugin";
    WRITE_OUTSIDE_OUTPUT_DIR = "JWS402" "write-outside-output-dir" Warning,
        "open() for writing (or Path.write_text, ...) of a literal path outside every --output-dir",
        why: "a plugin should write only where the host collects its results; a write elsewhere leaves files behind or overwrites the host's",
        fix: "write under the output directory, or pass that directory with --output-dir if it is one";
    WRITE_COMPUTED_PATH = "JWS403" "write-computed-path" Info,
        "open() for writing (or Path.write_text, ...) of a path computed at run time",
        why: "the scan cannot tell where the file goes; a computed part can even be absolute (Path(\"/out\") / \"/etc/x\" is /etc/x) or climb out with ..",
        fix: "build output paths from a literal output directory and literal file names, or check the final path in the plugin before writing";
}

/// The import rule for a module (by its top-level name as written), if any.
pub fn import_rule(top: &str) -> Option<&'static Rule> {
    Some(match top {
        "ctypes" | "_ctypes" => &CTYPES_IMPORT,
        "cffi" | "_cffi_backend" => &CFFI_IMPORT,
        "pty" => &PTY_IMPORT,
        "subprocess" | "_posixsubprocess" => &SUBPROCESS_IMPORT,
        "socket" | "_socket" => &SOCKET_IMPORT,
        "importlib" => &IMPORTLIB_IMPORT,
        "marshal" => &MARSHAL_IMPORT,
        "pickle" | "cPickle" | "_pickle" | "dill" | "cloudpickle" | "shelve" => &PICKLE_IMPORT,
        "multiprocessing" => &MULTIPROCESSING_IMPORT,
        "mmap" => &MMAP_IMPORT,
        "fcntl" => &FCNTL_IMPORT,
        "resource" => &RESOURCE_IMPORT,
        "posix" | "nt" => &POSIX_IMPORT,
        _ => return None,
    })
}

/// Looks a rule up by id or slug.
pub fn rule(id_or_slug: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.id == id_or_slug || r.slug == id_or_slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_slugs_are_unique_and_sorted() {
        for w in RULES.windows(2) {
            assert!(w[0].id < w[1].id, "{} before {}", w[0].id, w[1].id);
        }
        for (i, a) in RULES.iter().enumerate() {
            for b in &RULES[i + 1..] {
                assert_ne!(a.slug, b.slug);
            }
            assert!(a
                .slug
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c == b'-' || c.is_ascii_digit()));
            assert!(!a.why.is_empty() && !a.fix.is_empty());
        }
    }

    #[test]
    fn lookup_by_id_and_slug() {
        assert_eq!(rule("JWS101"), Some(&CTYPES_IMPORT));
        assert_eq!(rule("os-shell"), Some(&OS_SHELL));
        assert_eq!(rule("JWS999"), None);
        assert_eq!(import_rule("os"), None);
        assert_eq!(import_rule("cPickle"), Some(&PICKLE_IMPORT));
    }
}

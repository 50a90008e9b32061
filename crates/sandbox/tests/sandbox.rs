//! Real-kernel tests of the native sandbox: legitimate workloads, exit-status conventions, and
//! one hostile check per layer. Tests named `unpriv_*` also run as uid 65534 (re-executing
//! this binary under `setpriv`) when the suite runs as root.
//!
//! A test that needs a missing kernel feature or tool prints `SKIP: <reason>` and returns.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use jailwright_bpf::{Insn, Program};
use jailwright_sandbox::{
    Error, ExecFailure, Exit, Layer, LayerState, Network, Outcome, Response, Sandbox,
    SandboxBuilder, Stdio,
};
use jailwright_testkit::{both, have, skip};

/// Serialises the resource-hungry tests (bombs, spinners) so they do not starve each other.
static HEAVY: Mutex<()> = Mutex::new(());

const PYTHON: &str = "/usr/bin/python3";

/// A builder with captured output and a safety timeout.
fn sb() -> SandboxBuilder {
    Sandbox::builder()
        .stdout(Stdio::Piped)
        .stderr(Stdio::Piped)
        .timeout(Duration::from_secs(60))
}

fn run(b: SandboxBuilder) -> Outcome {
    match b.build().and_then(Sandbox::run) {
        Ok(o) => o,
        Err(e) => panic!("sandbox failed: {e}"),
    }
}

fn sh(script: &str) -> Outcome {
    run(sb().command("/bin/sh", ["-c", script]))
}

fn out(o: &Outcome) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Outcome) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_ok(o: &Outcome) {
    assert!(
        o.exit().success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.exit(),
        out(o),
        err(o)
    );
}

/// A fresh host directory under /tmp, world-accessible so the sandbox user can use it.
fn tempdir(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("jw-test-{tag}-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("create temp dir");
    fs::set_permissions(&d, fs::Permissions::from_mode(0o777)).expect("chmod temp dir");
    d
}

// BPF building blocks for hand-written filters.
const LD_W_ABS: u16 = 0x20;
const JEQ_K: u16 = 0x15;
const RET_K: u16 = 0x06;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

fn allow_all() -> Program {
    Program {
        insns: vec![Insn::new(RET_K, 0, 0, RET_ALLOW)],
    }
}

/// ptrace -> ERRNO(EPERM); getppid -> USER_NOTIF; everything else allowed.
fn test_filter() -> Program {
    Program {
        insns: vec![
            Insn::new(LD_W_ABS, 0, 0, 4),
            Insn::new(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
            Insn::new(RET_K, 0, 0, RET_ALLOW),
            Insn::new(LD_W_ABS, 0, 0, 0),
            Insn::new(JEQ_K, 0, 1, libc::SYS_ptrace as u32),
            Insn::new(RET_K, 0, 0, RET_ERRNO | libc::EPERM as u32),
            Insn::new(JEQ_K, 0, 1, libc::SYS_getppid as u32),
            Insn::new(RET_K, 0, 0, RET_USER_NOTIF),
            Insn::new(RET_K, 0, 0, RET_ALLOW),
        ],
    }
}

/// The report's entry for the getppid calls [`test_filter`] notifies.
fn getppid_denial(o: &Outcome) -> &jailwright_sandbox::Denial {
    o.report
        .denials
        .iter()
        .find(|d| d.nr == libc::SYS_getppid as i32)
        .expect("getppid denial reported")
}

// ---------------------------------------------------------------------------------------------
// Legitimate workloads

#[test]
fn unpriv_echo_and_layers() {
    both("unpriv_echo_and_layers", || {
        let o = run(sb().command("sh", ["-c", "echo hi"]).seccomp(allow_all()));
        assert_ok(&o);
        assert_eq!(out(&o), "hi\n");
        // Every layer but the ones this configuration does not ask for or that depend on the
        // host (cgroup namespace and limits, Landlock, the terminal guard).
        let host_dependent = [
            Layer::CgroupNamespace,
            Layer::Cgroup,
            Layer::Landlock,
            Layer::Terminal,
        ];
        for l in Layer::ALL
            .into_iter()
            .filter(|l| !host_dependent.contains(l))
        {
            let s = o.report.layer(l).expect("layer reported");
            assert_eq!(s.state, LayerState::Enforced, "{l}: {s:?}");
        }
        let json = serde_json::to_value(&o.report).expect("report serialises");
        assert_eq!(json["exit"]["kind"], "code");
        assert_eq!(json["exit_code"], 0);
        assert_eq!(
            json["layers"].as_array().map(Vec::len),
            Some(Layer::ALL.len())
        );
        assert!(json["timings"]["total_us"].as_u64().is_some());
    });
}

#[test]
fn unpriv_python_stdlib_workload() {
    if !have(PYTHON) {
        return skip("python3 not installed");
    }
    both("unpriv_python_stdlib_workload", || {
        let script = r#"
import json, sqlite3, hashlib, threading, subprocess
db = sqlite3.connect("/tmp/t.db")
db.execute("create table t (x)")
db.executemany("insert into t values (?)", [(i,) for i in range(100)])
total = db.execute("select sum(x) from t").fetchone()[0]
results = []
def work(i):
    results.append(hashlib.sha256(str(i).encode()).hexdigest()[:4])
threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
sub = subprocess.run(["sh", "-c", "echo sub"], capture_output=True, text=True).stdout.strip()
print(json.dumps({"total": total, "threads": len(results), "sub": sub}))
"#;
        let o = run(sb().command("python3", ["-c", script]).seccomp(allow_all()));
        assert_ok(&o);
        assert_eq!(
            out(&o).trim(),
            r#"{"total": 4950, "threads": 8, "sub": "sub"}"#
        );
    });
}

#[test]
fn fork_exec_wait_and_pipes() {
    let o = sh("sh -c 'exit 3'; echo $?; echo abc | tr a-z A-Z; (sleep 0.1; echo child) & wait");
    assert_ok(&o);
    assert_eq!(out(&o), "3\nABC\nchild\n");
}

#[test]
fn tmp_is_private_and_writable() {
    let marker = tempdir("tmp-marker");
    let o = sh(&format!(
        "echo data > /tmp/f && cat /tmp/f && test ! -e {} && echo private",
        marker.display()
    ));
    assert_ok(&o);
    assert_eq!(out(&o), "data\nprivate\n");
    let _ = fs::remove_dir_all(marker);
}

#[test]
fn unpriv_ro_bind_input_and_bind_output() {
    both("unpriv_ro_bind_input_and_bind_output", || {
        let input = tempdir("in");
        let output = tempdir("out");
        fs::write(input.join("data.txt"), "payload\n").expect("write input");
        let o = run(sb().ro_bind(&input, "/in").bind(&output, "/out").command(
            "/bin/sh",
            [
                "-c",
                "cat /in/data.txt > /out/result.txt && echo ok; \
                         echo x > /in/new.txt || echo ro-refused",
            ],
        ));
        assert_ok(&o);
        assert_eq!(out(&o), "ok\nro-refused\n");
        assert_eq!(
            fs::read_to_string(output.join("result.txt"))
                .ok()
                .as_deref(),
            Some("payload\n")
        );
        assert!(!input.join("new.txt").exists());
        let _ = fs::remove_dir_all(input);
        let _ = fs::remove_dir_all(output);
    });
}

#[test]
fn env_is_clean() {
    std::env::set_var("JW_HOST_SECRET", "hunter2");
    let o = run(sb()
        .env("GREETING", "hello")
        .command("/bin/sh", ["-c", "env | sort"]));
    assert_ok(&o);
    let env = out(&o);
    assert!(!env.contains("hunter2"), "host environment leaked:\n{env}");
    assert!(env.contains("GREETING=hello\n"));
    assert!(env.contains("HOME=/tmp\n"));
    assert!(env.contains("PATH=/usr/local/bin:/usr/bin:/bin\n"));
}

// ---------------------------------------------------------------------------------------------
// Exit statuses

#[test]
fn exit_codes_follow_the_convention() {
    let own = sh("exit 7");
    assert_eq!(own.exit(), Exit::Code { code: 7 });
    assert_eq!(own.exit_code(), 7);

    let missing = run(sb().command("no-such-command-jw", [] as [&str; 0]));
    assert!(matches!(
        missing.exit(),
        Exit::ExecFailed {
            failure: ExecFailure::NotFound,
            ..
        }
    ));
    assert_eq!(missing.exit_code(), 127);

    let not_exec = run(sb().command("/etc/passwd", [] as [&str; 0]));
    assert!(matches!(
        not_exec.exit(),
        Exit::ExecFailed {
            failure: ExecFailure::NotExecutable,
            ..
        }
    ));
    assert_eq!(not_exec.exit_code(), 126);

    let killed = sh("kill -9 $$");
    assert_eq!(killed.exit(), Exit::Signal { signal: 9 });
    assert_eq!(killed.exit_code(), 137);
}

#[test]
fn timeout_kills_the_whole_tree() {
    let _g = HEAVY.lock();
    let o = run(sb().timeout(Duration::from_millis(300)).command(
        "/bin/sh",
        ["-c", "sleep 30 & sleep 30 & while :; do :; done"],
    ));
    assert_eq!(o.exit(), Exit::TimedOut);
    assert_eq!(o.exit_code(), 124);
}

#[test]
fn orphans_are_reaped_when_the_plugin_exits() {
    // A background child that would outlive the plugin: init kills and reaps it, so the run
    // ends when the plugin does (the 60 s timeout would otherwise fire).
    let o = sh("sleep 60 & echo started");
    assert_ok(&o);
    assert_eq!(out(&o), "started\n");
}

#[test]
fn setup_failure_is_an_error_with_exit_125() {
    // A file bound over a directory cannot be mounted.
    let dir = tempdir("setup");
    let file = dir.join("f");
    fs::write(&file, "x").expect("write");
    let r = Sandbox::builder()
        .ro_bind(&file, "/usr")
        .command("/bin/true", [] as [&str; 0])
        .build()
        .and_then(Sandbox::run);
    match r {
        Err(e @ Error::Setup { .. }) => {
            assert_eq!(e.exit_code(), 125);
            assert!(e.to_string().contains("/usr"), "{e}");
        }
        other => panic!("expected a setup error, got {other:?}"),
    }
    let _ = fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Hostile checks, one per layer

#[test]
fn unpriv_host_filesystem_is_invisible_and_read_only() {
    both("unpriv_host_filesystem_is_invisible_and_read_only", || {
        let o = sh(
            "for p in /root /home /var /run /var/run /work /boot /sys; do \
                      test -e $p && echo visible:$p; done; \
                    echo x > /etc/jw-test 2>/dev/null && echo wrote-etc; \
                    echo x > /usr/jw-test 2>/dev/null && echo wrote-usr; \
                    mkdir /newdir 2>/dev/null && echo wrote-root; \
                    echo x > /dev/jw 2>/dev/null && echo wrote-dev; \
                    ls /",
        );
        assert_ok(&o);
        let text = out(&o);
        assert!(
            !text.contains("visible:") && !text.contains("wrote-"),
            "{text}"
        );
        let mut entries: Vec<&str> = text.lines().collect();
        entries.sort();
        for e in &entries {
            assert!(
                [
                    "bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp",
                    "usr"
                ]
                .contains(e),
                "unexpected entry /{e} in the sandbox root"
            );
        }
    });
}

#[test]
fn unpriv_old_root_is_gone_before_the_plugin_starts() {
    // The plugin must never see the old root, not by path, not in mountinfo. Repeated, because
    // a wrong order of the detach and the plugin's start would show only sometimes.
    both("unpriv_old_root_is_gone_before_the_plugin_starts", || {
        for _ in 0..20 {
            let o = sh("ls -a /; echo ---; cat /proc/self/mountinfo");
            assert_ok(&o);
            let text = out(&o);
            let (listing, mountinfo) = text.split_once("---\n").expect("separator");
            assert!(
                !listing.lines().any(|l| l.contains("oldroot")),
                "old root directory visible:\n{listing}"
            );
            for line in mountinfo.lines() {
                let point = line.split(' ').nth(4).unwrap_or("");
                assert!(
                    !point.contains("oldroot"),
                    "old root still mounted: {line}\n{mountinfo}"
                );
            }
            // The host's own mounts (this test's cwd's file system among them) are not there.
            assert!(mountinfo.lines().count() < 40, "{mountinfo}");
        }
    });
}

#[test]
fn streams_reach_end_of_file_when_the_run_returns() {
    // The run returns before init has finished exiting; nothing of the sandbox (init
    // included) may still hold the plugin's output open by then.
    for _ in 0..10 {
        let (reader, writer) = std::io::pipe().expect("pipe");
        let o = run(Sandbox::builder()
            .stdout(Stdio::Fd(writer.into()))
            .timeout(Duration::from_secs(60))
            .command("/bin/echo", ["hello"]));
        assert_ok(&o);
        let fd = std::os::fd::AsRawFd::as_raw_fd(&reader);
        // SAFETY: fcntl on a descriptor this test owns.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        // SAFETY: as above.
        assert_eq!(
            unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) },
            0
        );
        let mut got = Vec::new();
        let mut r = &reader;
        match std::io::Read::read_to_end(&mut r, &mut got) {
            Ok(_) => assert_eq!(got, b"hello\n"),
            Err(e) => panic!("output not at end of file when the run returned: {e}"),
        }
    }
}

#[test]
fn host_file_cannot_be_written_through_a_read_only_bind() {
    let dir = tempdir("hostfile");
    let file = dir.join("keep.txt");
    fs::write(&file, "original").expect("write");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).expect("chmod");
    let o = run(sb().ro_bind(&file, "/data/keep.txt").command(
        "/bin/sh",
        ["-c", "echo evil > /data/keep.txt; chmod 777 /data/keep.txt; rm -f /data/keep.txt; cat /data/keep.txt"],
    ));
    assert_eq!(out(&o), "original");
    assert_eq!(fs::read_to_string(&file).ok().as_deref(), Some("original"));
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn unpriv_host_processes_invisible_and_unsignallable() {
    both("unpriv_host_processes_invisible_and_unsignallable", || {
        let mut host = Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn host sleep");
        let pid = host.id();
        let o = sh(&format!(
            "kill -0 {pid} 2>/dev/null && echo signalled; \
             test -e /proc/{pid} && echo visible; \
             ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '"
        ));
        let _ = host.kill();
        let _ = host.wait();
        assert_ok(&o);
        let text = out(&o);
        assert!(
            !text.contains("signalled") && !text.contains("visible"),
            "{text}"
        );
        let pids: Vec<u32> = text
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        assert!(pids.contains(&1), "init is pid 1: {text}");
        // Init is a copy of the caller: its command line and environment must not leak.
        std::env::set_var("JW_INIT_SECRET", "s3cr3t");
        let o = sh("cat /proc/1/cmdline; cat /proc/1/environ 2>/dev/null; \\
                    readlink /proc/1/exe 2>/dev/null; echo end");
        assert_eq!(
            out(&o).replace('\0', ""),
            "end\n",
            "init leaks the caller's details"
        );
        assert!(pids.iter().all(|p| *p < 100), "host pids visible: {text}");
    });
}

#[test]
fn unpriv_proc_sys_and_sysrq_not_writable() {
    both("unpriv_proc_sys_and_sysrq_not_writable", || {
        let o = sh(
            "echo evil > /proc/sys/kernel/hostname 2>/dev/null && echo wrote-sys; \
                    if [ -e /proc/sysrq-trigger ]; then echo h > /proc/sysrq-trigger 2>/dev/null \
                    && echo wrote-sysrq; else echo no-sysrq; fi; hostname",
        );
        let text = out(&o);
        assert!(!text.contains("wrote-"), "{text}");
        if text.contains("no-sysrq") {
            skip("this kernel has no /proc/sysrq-trigger; only /proc/sys checked");
        }
        assert!(text.ends_with("jailwright\n"), "{text}");
    });
}

#[test]
fn unpriv_network_is_loopback_only() {
    if !have(PYTHON) {
        return skip("python3 not installed");
    }
    both("unpriv_network_is_loopback_only", || {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let port = listener.local_addr().expect("addr").port();
        let dir = tempdir("unix");
        let path = dir.join("host.sock");
        let _unix = std::os::unix::net::UnixListener::bind(&path).expect("unix listen");
        let script = format!(
            r#"
import socket
print(sorted(name for _, name in socket.if_nameindex()))
for what, fam, addr in [("tcp", socket.AF_INET, ("127.0.0.1", {port})),
                        ("unix", socket.AF_UNIX, "{path}")]:
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(addr)
        print(what, "connected")
    except OSError as e:
        print(what, "refused", e.errno)
"#,
            path = path.display()
        );
        let o = run(sb().command(PYTHON, ["-c", &script]));
        assert_ok(&o);
        let text = out(&o);
        assert!(text.starts_with("['lo']\n"), "{text}");
        assert!(
            text.contains("tcp refused") && text.contains("unix refused"),
            "{text}"
        );
        let _ = fs::remove_dir_all(dir);
    });
}

#[test]
fn network_host_is_reported_disabled() {
    let o = run(sb()
        .network(Network::Host)
        .command("/bin/true", [] as [&str; 0]));
    assert_ok(&o);
    assert!(matches!(
        o.report.layer(Layer::NetworkNamespace).map(|l| &l.state),
        Some(LayerState::Disabled(_))
    ));
}

#[test]
fn unpriv_identity_has_no_privileges() {
    both("unpriv_identity_has_no_privileges", || {
        let o = sh(
            "grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status",
        );
        assert_ok(&o);
        let text = out(&o);
        let field = |name: &str| -> String {
            text.lines()
                .find(|l| l.starts_with(name))
                .map(|l| {
                    l[name.len()..]
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        };
        for cap in ["CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"] {
            assert_eq!(field(cap), "0000000000000000", "{cap}\n{text}");
        }
        assert_eq!(field("NoNewPrivs:"), "1");
        assert_eq!(field("Uid:"), "65534 65534 65534 65534");
        assert_eq!(field("Gid:"), "65534 65534 65534 65534");
        assert_eq!(field("Groups:"), "");
    });
}

#[test]
fn identity_cannot_be_regained_as_inside_root() {
    // Even as uid 0 inside the namespace, exec grants nothing (securebits NOROOT, locked).
    let o = run(sb().user(0, 0).command(
        "/bin/sh",
        ["-c", "grep -E '^(Uid|CapEff|CapPrm):' /proc/self/status; unshare -U true 2>/dev/null && echo unshared"],
    ));
    let text = out(&o);
    assert!(text.contains("CapEff:\t0000000000000000"), "{text}");
    assert!(text.contains("CapPrm:\t0000000000000000"), "{text}");
}

#[test]
fn unpriv_fork_bomb_is_stopped_by_the_pids_limit() {
    if !have(PYTHON) {
        return skip("python3 not installed");
    }
    both("unpriv_fork_bomb_is_stopped_by_the_pids_limit", || {
        let _g = HEAVY.lock();
        let script = r#"
import os, sys, time
n = 0
try:
    while n < 1000:
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as e:
    print("stopped", n, e.errno)
    sys.stdout.flush()
    os._exit(0)
print("survived", n)
"#;
        let o = run(sb().pids(16).command(PYTHON, ["-c", script]));
        assert_ok(&o);
        let text = out(&o);
        let n: u32 = text
            .strip_prefix("stopped ")
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("fork bomb not stopped: {text} {}", err(&o)));
        assert!(n < 16, "{text}");
        // With a pids cgroup the refused fork is counted (RLIMIT_NPROC, the backstop, is set
        // higher so the cgroup is what refuses); without one nothing counts it.
        let cg = o.report.layer(Layer::Cgroup).expect("cgroup layer");
        let hits = o.report.resources.pids_limit_hits;
        if cg.state == LayerState::Enforced && cg.detail.contains("pids.max") {
            assert!(hits.is_some_and(|h| h >= 1), "{hits:?} {cg:?}");
        } else {
            assert_eq!(hits, None, "{cg:?}");
        }
    });
}

#[test]
fn unpriv_memory_bomb_is_stopped_by_the_memory_limit() {
    if !have(PYTHON) {
        return skip("python3 not installed");
    }
    both("unpriv_memory_bomb_is_stopped_by_the_memory_limit", || {
        let _g = HEAVY.lock();
        let script =
            "x = []\nwhile len(x) < 256:\n    x.append(bytearray(8 << 20))\nprint('survived')";
        let o = run(sb().memory(128 << 20).command(PYTHON, ["-c", script]));
        assert!(!o.exit().success(), "memory bomb survived: {}", out(&o));
        assert!(!out(&o).contains("survived"));
        assert_ne!(o.exit(), Exit::TimedOut);
        let cg = o.report.layer(Layer::Cgroup).expect("cgroup layer");
        let rl = o.report.layer(Layer::Rlimits).expect("rlimits layer");
        // Either the cgroup enforced it, or the report names the rlimit that stood in.
        if cg.state == LayerState::Enforced {
            assert!(cg.detail.contains("memory"), "{cg:?}");
        } else {
            assert!(rl.detail.contains("as="), "{rl:?}");
            assert!(format!("{:?}", cg.state).contains("RLIMIT_AS"), "{cg:?}");
        }
        println!("memory bomb ended with {:?}; cgroup {:?}", o.exit(), cg);
    });
}

#[test]
fn cpu_time_limit_stops_a_spinner() {
    let _g = HEAVY.lock();
    let o = run(sb()
        .cpu_time(1)
        .command("/bin/sh", ["-c", "while :; do :; done"]));
    assert!(
        matches!(o.exit(), Exit::Signal { signal } if signal == libc::SIGXCPU || signal == libc::SIGKILL),
        "{:?}",
        o.exit()
    );
}

// ---------------------------------------------------------------------------------------------
// Seccomp

#[test]
fn unpriv_seccomp_errno_and_user_notification() {
    if !have(PYTHON) {
        return skip("python3 not installed");
    }
    both("unpriv_seccomp_errno_and_user_notification", || {
        let script = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.ptrace(0, 0, 0, 0)
print("ptrace", r, ctypes.get_errno())
ctypes.set_errno(0)
r = libc.syscall(110)
print("getppid", r, ctypes.get_errno())
"#;
        let o = run(sb()
            .seccomp(test_filter())
            .on_notify(|n| {
                if n.nr == libc::SYS_getppid as i32 {
                    Response::Errno(libc::ENOMSG)
                } else {
                    Response::Errno(libc::EPERM)
                }
            })
            .command(PYTHON, ["-c", script]));
        assert_ok(&o);
        assert_eq!(
            out(&o),
            format!("ptrace -1 {}\ngetppid -1 {}\n", libc::EPERM, libc::ENOMSG)
        );
        assert!(
            o.notifications
                .iter()
                .any(|(n, r)| n.nr == libc::SYS_getppid as i32
                    && n.arch == AUDIT_ARCH_X86_64
                    && *r == Response::Errno(libc::ENOMSG)),
            "{:?}",
            o.notifications
        );
        assert!(getppid_denial(&o).count >= 1);
        let s = o.report.layer(Layer::Seccomp).expect("seccomp layer");
        assert_eq!(s.state, LayerState::Enforced);
        assert!(s.detail.contains("user notifications"), "{s:?}");
    });
}

/// Notifications are answered by the same loop that drains the captured output: a plugin
/// that fills its stdout pipe between thousands of notified calls neither stalls nor loses
/// output or events.
#[test]
fn unpriv_notifications_and_a_full_output_pipe_share_one_loop() {
    if !have(PYTHON) {
        return skip("python3 not installed");
    }
    both(
        "unpriv_notifications_and_a_full_output_pipe_share_one_loop",
        || {
            let script = r#"
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
chunk = b"x" * 65536
for i in range(2000):
    libc.syscall(110)
    if i % 50 == 0:
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
print("done")
"#;
            let o = run(sb()
                .seccomp(test_filter())
                .on_notify(|_| Response::Errno(libc::ENOMSG))
                .timeout(Duration::from_secs(30))
                .command(PYTHON, ["-c", script]));
            assert_ok(&o);
            assert_eq!(o.stdout.len(), 40 * 65536 + "done\n".len());
            assert!(o.stdout.ends_with(b"done\n"));
            let d = getppid_denial(&o);
            assert_eq!(d.count, 2000, "{d:?}");
        },
    );
}

/// The minimal /etc holds copies of the host's small files, byte for byte, and nothing
/// outside its list.
#[test]
fn unpriv_minimal_etc_copies_the_listed_files() {
    both("unpriv_minimal_etc_copies_the_listed_files", || {
        let o = run(sb()
            .etc_minimal(true)
            .command("/bin/sh", ["-c", "cat /etc/passwd; echo ===; ls -A /etc"]));
        assert_ok(&o);
        let text = out(&o);
        let (passwd, listing) = text.split_once("===\n").expect("both parts");
        assert_eq!(
            passwd,
            fs::read_to_string("/etc/passwd").expect("host passwd")
        );
        for name in listing.lines() {
            assert!(
                jailwright_sandbox::ETC_MINIMAL
                    .iter()
                    .any(|e| e.split('/').next() == Some(name)),
                "/etc/{name} is not in the minimal list"
            );
        }
        assert!(listing.lines().any(|n| n == "ld.so.cache"), "{listing}");
    });
}

#[test]
fn seccomp_without_filter_is_reported_unavailable() {
    let o = sh("true");
    assert_ok(&o);
    assert_eq!(
        o.report.layer(Layer::Seccomp).map(|l| l.state.clone()),
        Some(LayerState::Unavailable("no filter given".into()))
    );
}

#[test]
fn require_landlock_either_runs_enforced_or_fails_setup() {
    let r = sb()
        .require(Layer::Landlock)
        .command("/bin/true", [] as [&str; 0])
        .build()
        .and_then(Sandbox::run);
    match r {
        Ok(o) => {
            assert_ok(&o);
            assert!(o
                .report
                .layer(Layer::Landlock)
                .is_some_and(|l| l.state.is_active()));
        }
        Err(Error::RequiredLayer {
            layer: Layer::Landlock,
            reason,
        }) => {
            skip(&format!("landlock unavailable here: {reason}"));
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn landlock_denies_writes_outside_the_writable_paths() {
    // /proc/self/comm is writable by its owner as far as mounts and permissions go; only
    // Landlock (read-only everywhere but /tmp, /dev/shm and the writable mounts) refuses it.
    let o = run(sb().tmpfs("/scratch").command(
        "/bin/sh",
        [
            "-c",
            "echo a > /scratch/ok && echo scratch-ok; echo b > /dev/shm/ok && echo shm-ok; \
             echo evil > /proc/self/comm 2>/dev/null && echo wrote-comm; true",
        ],
    ));
    assert_ok(&o);
    let landlock = o.report.layer(Layer::Landlock).expect("landlock layer");
    if !landlock.state.is_active() {
        return skip(&format!("landlock unavailable: {:?}", landlock.state));
    }
    assert_eq!(out(&o), "scratch-ok\nshm-ok\n");
}

#[test]
fn stdout_to_a_caller_file() {
    let dir = tempdir("stdout");
    let path = dir.join("out.txt");
    let file = fs::File::create(&path).expect("create");
    let o = run(Sandbox::builder()
        .stdout(Stdio::Fd(file.into()))
        .command("/bin/sh", ["-c", "echo to-file"]));
    assert_ok(&o);
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("reopen");
    let _ = f.flush();
    assert_eq!(fs::read_to_string(&path).ok().as_deref(), Some("to-file\n"));
    let _ = fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Lifetime

/// Host pids whose command line contains `needle`.
fn host_pids_with(needle: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmd) = fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(needle) {
                out.push(pid);
            }
        }
    }
    out
}

#[test]
fn sandbox_dies_with_its_caller() {
    const NEEDLE: &str = "4242.4242";
    if std::env::var_os("JW_DIE_HELPER").is_some() {
        // Helper mode: the caller that will be SIGKILLed while its sandbox sleeps.
        let _ = Sandbox::builder()
            .command("/bin/sleep", [NEEDLE])
            .build()
            .and_then(Sandbox::run);
        return;
    }
    let exe = std::env::current_exe().expect("current exe");
    let mut helper = Command::new(exe)
        .args(["sandbox_dies_with_its_caller", "--exact", "--nocapture"])
        .env("JW_DIE_HELPER", "1")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn helper");
    let mut seen = false;
    for _ in 0..500 {
        if !host_pids_with(NEEDLE).is_empty() {
            seen = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = helper.kill();
    let _ = helper.wait();
    assert!(seen, "the sandboxed sleep never started");
    // The kernel delivers the parent-death signal to init, and killing init kills the pid
    // namespace: the sleep must disappear without anyone reaping it by hand.
    let mut left = host_pids_with(NEEDLE);
    for _ in 0..500 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        left = host_pids_with(NEEDLE);
    }
    assert!(
        left.is_empty(),
        "sandboxed processes outlived their caller: {left:?}"
    );
}

//! The CLI end to end: every command through the real binary, each test in a fresh
//! directory, expected and actual output printed on failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_jailwright");

fn fixture(name: &str) -> String {
    jailwright_testkit::fixture_path(name).display().to_string()
}

/// A fresh directory for one test.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "jw-cli-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> String {
        let p = self.path(rel);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The result of one invocation.
struct Run {
    args: Vec<String>,
    out: Output,
}

impl Run {
    fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn show(&self) -> String {
        format!(
            "jailwright {}\nexit {}\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }
    #[track_caller]
    fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code(), code, "{}", self.show());
        self
    }
    #[track_caller]
    fn expect_stdout(&self, needle: &str) -> &Run {
        assert!(
            self.stdout().contains(needle),
            "expected in stdout: {needle:?}\n{}",
            self.show()
        );
        self
    }
    #[track_caller]
    fn expect_stderr(&self, needle: &str) -> &Run {
        assert!(
            self.stderr().contains(needle),
            "expected in stderr: {needle:?}\n{}",
            self.show()
        );
        self
    }
}

fn jw(args: &[&str]) -> Run {
    jw_in(Path::new("/"), args)
}

fn jw_in(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("JW_TEST_SECRET")
        .output()
        .expect("run jailwright");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        out,
    }
}

/// Writes `base` patched with `flags` to `out`.
fn patch_to(out: &Path, base: &str, flags: &[&str]) {
    let mut args = vec!["patch", base];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["-o", out.to_str().unwrap()]);
    jw(&args).expect_code(0);
}

/// Whether a tool the test needs is installed (saying so when it is not).
fn have(path: &str) -> bool {
    let found = Path::new(path).exists();
    if !found {
        println!("SKIP: {path} is not installed");
    }
    found
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn docker_up() -> bool {
    let up = Path::new("/var/run/docker.sock").exists()
        && Command::new("docker")
            .args(["version", "--format", "{{.Server.Version}}"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !up {
        println!("SKIP: the Docker engine is not reachable");
    }
    up
}

// ---- profiles ---------------------------------------------------------------------------

#[test]
fn profile_list_and_show() {
    let r = jw(&["profile", "list"]);
    r.expect_code(0);
    for &name in jailwright_testkit::TIERS {
        r.expect_stdout(name);
    }
    let list = json(&jw(&["profile", "list", "--format", "json"]).stdout());
    assert_eq!(list.as_array().map(Vec::len), Some(6), "{list}");
    let d = Dir::new("show");
    let out = d.path("plugin.json");
    jw(&["profile", "show", "plugin", "-o", out.to_str().unwrap()]).expect_code(0);
    let v = json(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(v["defaultAction"], "SCMP_ACT_ERRNO");
    jw(&["profile", "why", "plugin"])
        .expect_code(0)
        .expect_stdout("strict");
    jw(&["profile", "show", "nope"]).expect_code(2);
}

#[test]
fn diff_between_docker_releases_says_what_an_upgrade_changes() {
    let upgrade = [
        "docker-default@24.0.9",
        "docker-default@28.3.0",
        "--arch",
        "x86_64",
    ];
    let r = jw(&[&["diff"], &upgrade[..], &["--kernel", "6.12"]].concat());
    r.expect_code(1)
        .expect_stdout("A = docker-default@24.0.9\nB = docker-default@28.3.0\n");
    // 25.0.0 refused io_uring (moby 891241e7e7)
    for name in ["io_uring_setup", "io_uring_enter", "io_uring_register"] {
        r.expect_stdout(&format!(
            "  {name} (x86_64): A ALLOW always; B ERRNO(EPERM) (default)\n"
        ));
    }
    // 25.0.3 allowed Linux 6.7's calls (never in a 24.0 release: runc's stub answers there)
    // and 28.2.0 Linux 6.13's
    for name in [
        "cachestat",
        "fchmodat2",
        "futex_wait",
        "map_shadow_stack",
        "listmount",
        "statmount",
        "mseal",
    ] {
        r.expect_stdout(&format!(
            "  {name} (x86_64): A ERRNO(ENOSYS) (runc stub); B ALLOW always\n"
        ));
    }
    // lsm_* only with CAP_SYS_ADMIN (moby 148a19b6d6)
    r.expect_stdout(
        "  lsm_list_modules (x86_64): A ERRNO(ENOSYS) (runc stub); B ERRNO(EPERM) (default)\n",
    );
    let admin = jw(&[
        &["diff"],
        &upgrade[..],
        &["--kernel", "6.12", "--cap", "CAP_SYS_ADMIN"],
    ]
    .concat());
    admin.expect_code(1).expect_stdout(
        "  lsm_list_modules (x86_64): A ERRNO(ENOSYS) (runc stub); B ALLOW always\n",
    );
    // what both allow does not show: name_to_handle_at (allowed since 24.0.3), socket (AF_VSOCK
    // refused in both; AF_ALG only from 29.4.2)
    for same in ["name_to_handle_at", "socket ", "clone3", "ptrace"] {
        assert!(!r.stdout().contains(same), "{same}\n{}", r.show());
    }
    // and 28.2.0 to 29.4.1 shipped one profile
    jw(&[
        "diff",
        "docker-default@28.3.0",
        "docker-default@29.4.1",
        "--kernel",
        "6.12",
    ])
    .expect_code(0)
    .expect_stdout("host x86_64: no decision differs");
    // 29.4.2 refused AF_ALG (38) besides AF_VSOCK
    jw(&["diff", "docker-default@29.4.1", "docker-default@29.7.2", "--arch", "x86_64", "--kernel", "6.12"])
        .expect_code(1)
        .expect_stdout("  socket (x86_64): A ALLOW when arg0 != 0x28; else ERRNO(EPERM); B ALLOW when arg0 < 0x26; ALLOW when arg0 == 0x27; ALLOW when arg0 > 0x28; else ERRNO(EPERM)\n");
}

#[test]
fn releases_are_listed_shown_and_explained_and_an_unknown_one_is_exit_2() {
    let r = jw(&["profile", "list", "--versions"]);
    r.expect_code(0)
        .expect_stdout("`docker-default` = docker-default@29.4.3")
        .expect_stdout("io_uring_setup, io_uring_enter and io_uring_register refused (the default, EPERM) (moby/moby 891241e7e7, https://github.com/moby/moby/pull/46762)")
        .expect_stdout("https://github.com/containers/container-libs/pull/601");
    let row = |name: &str| -> Vec<String> {
        let out = r.stdout();
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_default();
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        row("docker-default@23.0.10")[1..3],
        ["23.0.10-18", "23.0.7"],
        "{}",
        r.show()
    );
    assert_eq!(row("docker-default@23.0.7")[1], "23.0.7-9, 24.0.3-9");
    assert_eq!(row("podman-default@5.8.0")[1..3], ["5.8.0-2", "5.5.0"]);
    let list = json(&jw(&["profile", "list", "--versions", "--format", "json"]).stdout());
    assert_eq!(list[0]["base"], "docker-default");
    assert_eq!(
        list[0]["versions"].as_array().map(Vec::len),
        Some(14),
        "{list}"
    );
    assert_eq!(
        list[1]["versions"].as_array().map(Vec::len),
        Some(8),
        "{list}"
    );
    assert_eq!(
        list[0]["versions"][9]["changes"][0]["first_releases"][0],
        "25.0.0"
    );
    let show = json(
        &jw(&["profile", "show", "docker-default@25.0"])
            .expect_code(0)
            .stdout(),
    );
    let allowed: Vec<&str> = show["syscalls"][0]["names"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(allowed.contains(&"cachestat") && !allowed.contains(&"io_uring_setup"));
    assert!(
        !allowed.contains(&"listmount"),
        "25.0.17 is older than 28.2.0"
    );
    jw(&["profile", "why", "docker-default@24.0"])
        .expect_code(0)
        .expect_stdout("docker-default@24.0.9: Docker Engine's default profile in 24.0.9 = docker-default@23.0.7")
        .expect_stdout("  undo [io-uring]");
    jw(&["profile", "why", "podman-default"])
        .expect_code(0)
        .expect_stdout("after 5.8.0");
    for args in [
        &["explain", "docker-default@19.03", "read"][..],
        &["diff", "docker-default@99", "docker-default"],
        &["profile", "show", "docker-default@24.0.10"],
        &["compile", "podman-default@3.4", "--arch", "x86_64"],
    ] {
        jw(args).expect_code(2).expect_stderr("known releases: ");
    }
    jw(&["stats", "plugin@1"])
        .expect_code(2)
        .expect_stderr("`@RELEASE` is for docker-default and podman-default only");
    jw(&["compile", "docker-default@20.10.0", "--arch", "x86_64"]).expect_code(0);
    jw(&["export", "docker-default@24.0.9", "--to", "kubernetes"])
        .expect_code(0)
        .expect_stdout("  name: \"docker-default-24.0.9\"");
    jw(&["lint", "podman-default@5.2"]).expect_stdout("podman-default@5.2");
}

#[test]
fn diff_docker_default_matches_mobys_file_with_and_without_capabilities() {
    let moby = fixture("docker-default.json");
    for caps in [
        &[][..],
        &["--cap", "CAP_SYS_ADMIN"][..],
        &["--cap", "CAP_SYS_PTRACE", "--cap", "CAP_BPF"][..],
        &["--caps-base", "none"][..],
        &["--caps-base", "all"][..],
    ] {
        let mut args = vec!["diff", "docker-default", moby.as_str()];
        args.extend_from_slice(caps);
        let r = jw(&args);
        r.expect_code(0);
        for host in ["x86_64", "aarch64", "s390x", "riscv64", "loongarch64"] {
            r.expect_stdout(&format!("host {host}: no decision differs"));
        }
    }
}

#[test]
fn diff_reports_decision_differences_with_exit_1() {
    let r = jw(&["diff", "docker-default", "plugin", "--arch", "x86_64"]);
    r.expect_code(1).expect_stdout("ptrace");
    let j = json(
        &jw(&[
            "diff",
            "docker-default",
            "plugin",
            "--arch",
            "x86_64",
            "--format",
            "json",
        ])
        .stdout(),
    );
    assert!(j.to_string().contains("ptrace"), "{j}");
}

#[test]
fn explain_clone3_names_the_rule_and_follows_capabilities() {
    jw(&["explain", "docker-default", "clone3", "--arch", "x86_64"])
        .expect_code(0)
        .expect_stdout("clone3 on x86_64: ERRNO(ENOSYS)")
        .expect_stdout("$.syscalls[");
    jw(&[
        "explain",
        "docker-default",
        "clone3",
        "--arch",
        "x86_64",
        "--cap",
        "CAP_SYS_ADMIN",
    ])
    .expect_code(0)
    .expect_stdout("clone3 on x86_64: ALLOW")
    .expect_stdout("includes caps CAP_SYS_ADMIN");
}

/// arm64's 79 is `newfstatat` (the call behind every `stat`); jailwright once named it
/// `fstatat`, so Docker's `newfstatat` matched nothing there and the filter denied it.
#[test]
fn explain_newfstatat_on_aarch64_is_allowed() {
    jw(&[
        "explain",
        "docker-default",
        "newfstatat",
        "--arch",
        "aarch64",
    ])
    .expect_code(0)
    .expect_stdout("newfstatat on aarch64: ALLOW");
    jw(&["explain", "docker-default", "79", "--arch", "aarch64"])
        .expect_code(0)
        .expect_stdout("newfstatat on aarch64: ALLOW");
    jw(&["explain", "docker-default", "fstatat", "--arch", "aarch64"])
        .expect_code(2)
        .expect_stderr("`fstatat` is not a syscall on aarch64; did you mean `newfstatat`?");
    jw(&[
        "explain",
        "docker-default",
        "clock_gettime64",
        "--arch",
        "aarch64",
    ])
    .expect_code(2)
    .expect_stderr("not a syscall on aarch64");
}

#[test]
fn explain_names_the_terminal_guard_for_terminal_requests() {
    // TIOCSTI with the high word set: the kernel reads 32 bits, so does the guard.
    jw(&[
        "explain",
        "plugin",
        "ioctl",
        "--arch",
        "x86_64",
        "--arg",
        "1=0x100005412",
    ])
    .expect_code(0)
    .expect_stdout("the terminal guard, in front of every profile, refuses TIOCSTI with EPERM");
    let r = jw(&[
        "explain", "plugin", "ioctl", "--arch", "x86_64", "--arg", "1=0x5401",
    ]);
    r.expect_code(0);
    assert!(!r.stdout().contains("terminal guard"), "TCGETS is a query");
}

/// Every value `run --help` lists for `--require` is accepted (the list once named values the
/// parser refused), and the report's layer names are too.
#[test]
fn every_require_value_in_the_help_works() {
    let help = jw(&["run", "--help"]).stdout();
    let text: String = help
        .split("--require <LAYER>")
        .nth(1)
        .expect("--require in run --help")
        .split("--tty")
        .next()
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let listed = text
        .split("(repeatable): ")
        .nth(1)
        .expect("the list of values")
        .split(" (the report's")
        .next()
        .unwrap();
    let mut values: Vec<String> = listed.split(", ").map(str::to_string).collect();
    assert!(values.len() >= 14, "{values:?}");
    values.extend(["notify", "no-extra-groups"].map(String::from));
    values.extend(["user-namespace", "network-namespace", "seccomp"].map(String::from));
    for v in &values {
        let r = jw(&["run", "--require", v, "--memory", "256m", "--", "/bin/true"]);
        let err = r.stderr();
        assert!(
            !err.contains("unknown layer") && r.code() != 2,
            "--require {v}: {err}"
        );
    }
    jw(&["run", "--require", "bogus", "--", "/bin/true"])
        .expect_code(2)
        .expect_stderr("unknown layer");
}

#[test]
fn explain_trace_shows_the_compiled_path() {
    let r = jw(&[
        "explain",
        "docker-default",
        "personality",
        "--arch",
        "x86_64",
        "--arg",
        "0=0xffffffff",
        "--trace",
    ]);
    r.expect_code(0)
        .expect_stdout("compiled filter path:")
        .expect_stdout("ld  [4] (arch)")
        .expect_stdout("ret ALLOW");
    let line = r
        .stdout()
        .lines()
        .find(|l| l.contains("instructions executed of"))
        .map(str::to_string)
        .unwrap_or_default();
    let executed: usize = line
        .trim()
        .trim_start_matches('(')
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(executed <= 16, "path of personality: {line}");
}

#[test]
fn stats_of_the_real_world_defaults() {
    let r = jw(&[
        "stats",
        &fixture("docker-default.json"),
        &fixture("podman-default.json"),
    ]);
    r.expect_code(0);
    let stdout = r.stdout();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("unconditionally allowed names"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(line[line.len() - 2..], ["361", "374"], "{}", r.show());
    r.expect_stdout("SCMP_ACT_ERRNO(EPERM)")
        .expect_stdout("SCMP_ACT_ERRNO(ENOSYS)");
}

#[test]
fn lint_quotes_runc_errors_for_a_profile_missing_runtime_needs() {
    let d = Dir::new("lint");
    let broken = d.path("broken.json");
    patch_to(
        &broken,
        "docker-default",
        &[
            "--deny",
            "openat2",
            "--deny",
            "close_range",
            "--deny",
            "fstatfs",
            "--deny",
            "capget",
        ],
    );
    let r = jw(&["lint", broken.to_str().unwrap(), "--runtime", "runc@1.3.3"]);
    r.expect_code(1)
        .expect_stdout("JW601")
        .expect_stdout("unable to apply bounding set: operation not permitted")
        .expect_stdout("unsafe procfs detected: openat2")
        .expect_stdout("error closing exec fds");
    let r = jw(&["lint", broken.to_str().unwrap(), "--runtime", "runc@1.2.0"]);
    r.expect_stdout("ensure /proc/thread-self/fd is on procfs: operation not permitted")
        .expect_stdout("after the filter, with or without no-new-privileges (runc 1.2.0 to 1.2.7, 1.3.0 to 1.3.2)");
    let j = json(
        &jw(&[
            "lint",
            broken.to_str().unwrap(),
            "--runtime",
            "runc@1.3.3",
            "--format",
            "json",
        ])
        .stdout(),
    );
    assert!(j.to_string().contains("\"JW601\""), "{j}");
    // With no-new-privileges the filter comes after the capability drop: capget is no longer
    // a need, the procfs hardening still is.
    let r = jw(&[
        "lint",
        broken.to_str().unwrap(),
        "--runtime",
        "runc@1.3.3",
        "--no-new-privileges",
    ]);
    r.expect_code(1)
        .expect_stdout("unsafe procfs detected: openat2")
        .expect_stdout("with no-new-privileges on");
    assert!(
        !r.stdout().contains("unable to apply bounding set"),
        "{}",
        r.show()
    );
}

#[test]
fn lint_finds_no_error_in_docker_default() {
    let r = jw(&["lint", "docker-default", "--runtime", "runc@1.3.3"]);
    r.expect_stdout("docker-default: 0 error(s)");
    assert!(!r.stdout().contains("  error "), "{}", r.show());
}

#[test]
fn patch_merge_export() {
    let d = Dir::new("patch");
    let p = d.path("nsjail.json");
    jw(&[
        "patch",
        "docker-default",
        "--allow",
        "clone",
        "-o",
        p.to_str().unwrap(),
    ])
    .expect_code(0)
    .expect_stderr("clone");
    jw(&[
        "explain",
        p.to_str().unwrap(),
        "clone",
        "--arg",
        "0=0x10000000",
    ])
    .expect_stdout("ALLOW");
    jw(&[
        "explain",
        "docker-default",
        "clone",
        "--arg",
        "0=0x10000000",
    ])
    .expect_stdout("ERRNO(EPERM)");
    let m = d.path("merged.json");
    jw(&["merge", "plugin", "debug", "-o", m.to_str().unwrap()]);
    jw(&["explain", m.to_str().unwrap(), "ptrace"]).expect_stdout("ALLOW");
    for to in [
        "docker",
        "podman",
        "oci",
        "kubernetes",
        "systemd",
        "colima",
        "daemon-json",
    ] {
        jw(&["export", "plugin", "--to", to]).expect_code(0);
    }
    jw(&["export", "plugin", "--to", "kubernetes"])
        .expect_stdout("kind: SeccompProfile")
        .expect_stdout("localhostProfile:");
    jw(&["export", "plugin", "--to", "systemd"])
        .expect_stdout("SystemCallFilter=")
        .expect_stdout("SystemCallArchitectures=");
    jw(&["export", "plugin", "--to", "colima"]).expect_stdout("seccomp-profile");
    jw(&["export", "plugin", "--to", "nope"]).expect_code(2);
    jw(&[
        "export",
        "plugin",
        "--to",
        "kubernetes",
        "--spo-api",
        "v1beta1",
    ])
    .expect_code(0)
    .expect_stdout("apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n")
    .expect_stdout("errnoRet: \"38\"");
    jw(&["export", "plugin", "--to", "kubernetes", "--spo-api", "v2"]).expect_code(2);
}

#[test]
fn bad_input_names_the_file_and_place_and_exits_2() {
    let d = Dir::new("bad");
    let f = d.write(
        "bad.json",
        "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_NOPE\" } ]\n}\n",
    );
    for cmd in [
        vec!["lint", f.as_str()],
        vec!["stats", f.as_str()],
        vec!["explain", f.as_str(), "read"],
        vec!["compile", f.as_str()],
        vec!["run", "--profile", f.as_str(), "--", "/bin/true"],
    ] {
        let r = jw(&cmd);
        r.expect_code(2)
            .expect_stderr("bad.json")
            .expect_stderr("SCMP_ACT_NOPE");
        assert!(!r.stderr().contains("panicked"), "{}", r.show());
    }
    let t = d.write(
        "trailing.json",
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\",}\n",
    );
    jw(&["lint", t.as_str()])
        .expect_code(2)
        .expect_stderr("trailing.json")
        .expect_stderr("1:");
    jw(&["lint", "/nonexistent/profile.json"]).expect_code(2);
    // A failed command never leaves a partial output file behind.
    let out = d.path("out.json");
    jw(&[
        "patch",
        f.as_str(),
        "--allow",
        "clone",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect_code(2);
    assert!(!out.exists());
    jw(&["run", "--memory", "lots", "--", "/bin/true"]).expect_code(2);
    jw(&["run", "--tmp-size", "10k", "--", "/bin/true"])
        .expect_code(2)
        .expect_stderr("--tmp-size: must be at least 1 MiB");
    jw(&["run", "--shm-size", "lots", "--", "/bin/true"])
        .expect_code(2)
        .expect_stderr("--shm-size expects bytes");
    jw(&["run", "--require", "nope", "--", "/bin/true"]).expect_code(2);
}

/// A bind source that does not exist is a setup failure (125, as Docker answers it), with
/// the path named; it once exited 2 like a usage error.
#[test]
fn missing_bind_source_is_a_setup_failure() {
    let d = Dir::new("setup-failure");
    let report = d.path("report.json");
    for opt in ["--ro-bind", "--bind"] {
        jw(&[
            "run",
            opt,
            "/nonexistent-jw:/x",
            "--report",
            report.to_str().unwrap(),
            "--",
            "/bin/true",
        ])
        .expect_code(125)
        .expect_stderr("bind source /nonexistent-jw: No such file or directory");
        // The report says what failed, at which stage, and what to do.
        let r = json(&std::fs::read_to_string(&report).unwrap());
        assert_eq!(r["error"]["kind"], "setup-failed", "{r}");
        assert_eq!(r["error"]["stage"], "bind source /nonexistent-jw", "{r}");
        assert!(
            r["error"]["fix"].as_str().unwrap().contains("create it"),
            "{r}"
        );
        assert!(r.get("exit").is_none(), "{r}");
    }
}

#[test]
fn output_into_a_fifo_or_through_a_symlink_keeps_what_is_there() {
    // `-o /dev/null` once replaced the device with a regular file (temp file + rename): an
    // existing path that is not a regular file is written into, never renamed over. A FIFO
    // stands in for a device here (no root needed, and the host's /dev/null is not at risk).
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let d = Dir::new("outputs");
    let fifo = d.path("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).expect("read the fifo"))
    };
    jw(&["profile", "show", "plugin", "-o", fifo.to_str().unwrap()]).expect_code(0);
    // Checked before joining: a replaced FIFO would leave the reader waiting for a writer.
    let kind = fs::symlink_metadata(&fifo).expect("stat fifo").file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    let text = reader.join().expect("reader");
    assert!(text.contains("\"defaultAction\""), "{text}");

    // A symlink to a regular file: the link stays a link, the file gets the new content and
    // keeps its mode.
    let real = d.write("real.json", "old");
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).expect("chmod");
    let link = d.path("link.json");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    jw(&["profile", "show", "plugin", "-o", link.to_str().unwrap()]).expect_code(0);
    assert!(fs::symlink_metadata(&link)
        .expect("stat link")
        .file_type()
        .is_symlink());
    let content = fs::read_to_string(&real).expect("read real");
    assert!(content.contains("\"defaultAction\""), "{content}");
    let mode = fs::metadata(&real).expect("stat real").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

// ---- compile ----------------------------------------------------------------------------

#[test]
fn compile_stats_meet_the_size_and_cache_targets() {
    let r = jw(&[
        "compile",
        "docker-default",
        "--arch",
        "x86_64",
        "--stats",
        "--format",
        "json",
    ]);
    r.expect_code(0);
    let j = json(&r.stdout());
    let insns = j["instructions"].as_array().map_or(usize::MAX, Vec::len);
    assert!(insns <= 300, "{insns} instructions");
    let abis = j["stats"]["arches"].as_array().cloned().unwrap_or_default();
    assert_eq!(abis.len(), 3, "x86_64 + x86 + x32: {j}");
    for a in &abis {
        assert!(a["unconditional_allows"].as_u64().unwrap() > 0, "{a}");
        assert_eq!(a["cacheable"], a["unconditional_allows"], "{a}");
    }
    let x64 = abis.iter().find(|a| a["arch"] == "x86_64").expect("x86_64");
    assert!(x64["max_path"].as_u64().unwrap() <= 16, "{x64}");
    let text = jw(&["compile", "docker-default", "--arch", "x86_64", "--stats"]);
    text.expect_stdout("ld  [4] (arch)")
        .expect_stdout("CACHEABLE");
    jw(&[
        "compile",
        "docker-default",
        "--arch",
        "aarch64",
        "--format",
        "c",
    ])
    .expect_code(0)
    .expect_stdout("struct sock_filter");
}

#[test]
fn raw_filter_loads_in_bwrap_and_behaves_as_the_policy_says() {
    if !have("/usr/bin/bwrap") {
        return;
    }
    let d = Dir::new("raw");
    let raw = d.path("dd.bpf");
    jw(&[
        "compile",
        "docker-default",
        "--format",
        "raw",
        "-o",
        raw.to_str().unwrap(),
    ])
    .expect_code(0);
    let bytes = std::fs::read(&raw).unwrap();
    assert_eq!(bytes.len() % 8, 0);
    let script = format!(
        "exec 9<{}; bwrap --ro-bind / / --dev /dev --proc /proc --seccomp 9 /bin/sh -c 'echo allowed; busybox unshare -U true 2>&1; echo unshare=$?'",
        raw.display()
    );
    let out = Command::new("/bin/sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("allowed"), "{text}");
    assert!(text.contains("unshare=1"), "unshare must be denied: {text}");
    assert!(text.contains("Operation not permitted"), "{text}");
}

// ---- run --------------------------------------------------------------------------------

#[test]
fn run_hello_and_exit_codes() {
    if !have("/usr/bin/python3") {
        return;
    }
    jw(&["run", "--", "python3", "-c", "print('hello')"])
        .expect_code(0)
        .expect_stdout("hello");
    jw(&["run", "--", "/bin/sh", "-c", "exit 3"]).expect_code(3);
    jw(&["run", "--", "/bin/sh", "-c", "kill -9 $$"]).expect_code(137);
    jw(&["run", "--timeout", "0.5", "--", "/bin/sleep", "30"])
        .expect_code(124)
        .expect_stderr("timed out");
    jw(&["run", "--", "/no/such/program"])
        .expect_code(127)
        .expect_stderr("not found in the sandbox");
    jw(&["run", "--", "/etc/passwd"]).expect_code(126);
}

#[test]
fn run_works_as_an_unprivileged_user() {
    let is_root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if !is_root
        || !Path::new("/usr/bin/setpriv").exists()
        || !Path::new("/usr/bin/python3").exists()
    {
        return println!("SKIP: needs root (to become uid 65534), setpriv and python3");
    }
    // A copy of the binary the unprivileged user can surely reach.
    let d = Dir::new("unpriv");
    let _ = Command::new("chmod")
        .args(["0755", d.0.to_str().unwrap()])
        .status();
    let bin = d.path("jailwright");
    std::fs::copy(BIN, &bin).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args([
            "run",
            "--",
            "python3",
            "-c",
            "import os, ctypes; print('hello', os.getuid()); ctypes.CDLL(None).ptrace(0, 0, 0, 0)",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "hello 65534\n", "{stderr}");
    assert!(
        stderr.contains("blocked: ptrace(PTRACE_TRACEME) -> EPERM"),
        "{stderr}"
    );
}

#[test]
fn run_reports_a_blocked_syscall_with_the_fix() {
    if !have("/usr/bin/python3") {
        return;
    }
    let d = Dir::new("blocked");
    let report = d.path("report.json");
    let r = jw(&[
        "run",
        "--report",
        report.to_str().unwrap(),
        "--",
        "python3",
        "-c",
        "import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.ptrace(0, 0, 0, 0), ctypes.get_errno())",
    ]);
    r.expect_code(0)
        .expect_stdout("-1 1\n")
        .expect_stderr("blocked: ptrace(PTRACE_TRACEME) -> EPERM")
        .expect_stderr("To allow: --profile debug, or jailwright patch plugin --allow ptrace");
    let j = json(&std::fs::read_to_string(&report).unwrap());
    let layers = j["layers"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = layers.iter().filter_map(|l| l["layer"].as_str()).collect();
    for l in [
        "user-namespace",
        "mount-namespace",
        "pid-namespace",
        "network-namespace",
        "filesystem",
        "identity",
        "rlimits",
        "cgroup",
        "landlock",
        "seccomp",
    ] {
        assert!(names.contains(&l), "layer {l} missing: {names:?}");
    }
    for l in &layers {
        assert!(l["state"].is_string(), "{l}");
    }
    let seccomp = layers.iter().find(|l| l["layer"] == "seccomp").unwrap();
    assert_eq!(seccomp["state"], "enforced", "{seccomp}");
    let blocked = j["blocked"].as_array().cloned().unwrap_or_default();
    let ptrace = blocked
        .iter()
        .find(|b| b["syscall"] == "ptrace")
        .unwrap_or_else(|| panic!("ptrace not in blocked: {j}"));
    assert_eq!(ptrace["action"], "ERRNO(EPERM)");
    assert!(ptrace["count"].as_u64().unwrap() >= 1);
    assert_eq!(j["exit_code"], 0);
    // --quiet prints nothing of jailwright's own, and the report still lists the denial.
    let r = jw(&[
        "run",
        "--quiet",
        "--report",
        report.to_str().unwrap(),
        "--",
        "python3",
        "-c",
        "import ctypes; ctypes.CDLL(None).ptrace(0, 0, 0, 0)",
    ]);
    r.expect_code(0);
    assert_eq!(r.stderr(), "", "{}", r.show());
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("\"ptrace\""));
}

#[test]
fn run_options_binds_env_cwd_user() {
    let d = Dir::new("opts");
    let input = d.path("in");
    let output = d.path("out");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    std::fs::write(input.join("data.txt"), "payload\n").unwrap();
    // the sandbox user must be able to write the output directory
    let _ = Command::new("chmod")
        .args(["0777", output.to_str().unwrap()])
        .status();
    let ro = format!("{}:/in", input.display());
    let rw = format!("{}:/out", output.display());
    let r = jw(&[
        "run",
        "--ro-bind",
        &ro,
        "--bind",
        &rw,
        "--env",
        "GREETING=hi",
        "--cwd",
        "/in",
        "--",
        "/bin/sh",
        "-c",
        "cat data.txt; echo $GREETING; id -u; cp data.txt /out/copy.txt; echo x > /in/new 2>/dev/null || echo ro-refused",
    ]);
    r.expect_code(0)
        .expect_stdout("payload\nhi\n65534\nro-refused\n");
    assert_eq!(
        std::fs::read_to_string(output.join("copy.txt")).unwrap(),
        "payload\n"
    );
    assert!(!input.join("new").exists());
    jw(&[
        "run",
        "--user",
        "1000:1000",
        "--",
        "/bin/sh",
        "-c",
        "id -u; id -g",
    ])
    .expect_code(0)
    .expect_stdout("1000\n1000\n");
    // the environment is empty apart from PATH and HOME
    let r = jw(&["run", "--", "/usr/bin/env"]);
    r.expect_code(0);
    let mut keys: Vec<String> = r
        .stdout()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        .collect();
    keys.sort();
    assert_eq!(keys, ["HOME", "PATH"], "{}", r.show());
}

#[test]
fn run_docker_backend() {
    if !docker_up() {
        return;
    }
    let d = Dir::new("docker");
    let report = d.path("report.json");
    jw(&[
        "run",
        "--backend",
        "docker",
        "--report",
        report.to_str().unwrap(),
        "--",
        "/bin/sh",
        "-c",
        "echo from-container; id -u; exit 5",
    ])
    .expect_code(5)
    .expect_stdout("from-container\n65534\n");
    let j = json(&std::fs::read_to_string(&report).unwrap());
    assert_eq!(j["backend"], "docker", "{j}");
    assert!(j["layers"].as_array().is_some_and(|l| !l.is_empty()), "{j}");
    assert_eq!(
        j["exit"],
        serde_json::json!({"kind": "code", "code": 5}),
        "{j}"
    );
    // the same shape as the native report
    let native = d.path("native.json");
    jw(&[
        "run",
        "--report",
        native.to_str().unwrap(),
        "--",
        "/bin/sh",
        "-c",
        "exit 5",
    ])
    .expect_code(5);
    let n = json(&std::fs::read_to_string(&native).unwrap());
    for &key in jailwright_testkit::REPORT_KEYS {
        assert!(
            j.get(key).is_some() && n.get(key).is_some(),
            "{key}: {j}\n{n}"
        );
    }
    assert_eq!(j["exit"], n["exit"]);
    for l in j["layers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(n["layers"].as_array().unwrap())
    {
        assert!(
            l["layer"].is_string() && l["state"].is_string() && l["detail"].is_string(),
            "{l}"
        );
    }
    // A profile without what runc needs (with no-new-privileges, which jailwright always
    // sets, runc 1.1 loads the filter after its capability drop but before it checks
    // /proc/self/fd with fstatfs): refused with the diagnosis, fixed by compat.
    let broken = d.path("no-fstatfs.json");
    patch_to(&broken, "plugin", &["--deny", "fstatfs"]);
    let refused = d.path("refused.json");
    let run = jw(&[
        "run",
        "--backend",
        "docker",
        "--profile",
        broken.to_str().unwrap(),
        "--report",
        refused.to_str().unwrap(),
        "--",
        "/bin/true",
    ]);
    run.expect_code(125).expect_stderr("fstatfs");
    // The refusal as data: the runtime's words, the cause, the fix, the syscalls; the cause
    // is said once on standard error.
    let r = json(&std::fs::read_to_string(&refused).unwrap());
    let e = &r["error"];
    assert_eq!(e["kind"], "runtime-rejected", "{r}");
    assert_eq!(r["exit_code"], 125, "{r}");
    assert_eq!(e["missing_syscalls"], serde_json::json!(["fstatfs"]), "{r}");
    assert!(
        e["runtime_message"].as_str().unwrap().contains("procfs"),
        "{r}"
    );
    assert!(
        e["fix"].as_str().unwrap().contains("--allow fstatfs"),
        "{r}"
    );
    let cause = e["cause"].as_str().unwrap();
    let stderr = String::from_utf8_lossy(&run.out.stderr);
    assert_eq!(stderr.matches(cause).count(), 1, "{stderr}");
    jw(&[
        "run",
        "--backend",
        "docker",
        "--profile",
        broken.to_str().unwrap(),
        "--on-reject",
        "compat",
        "--",
        "/bin/true",
    ])
    .expect_code(0)
    .expect_stderr("fstatfs");
}

#[test]
fn run_podman_backend_through_its_docker_compatible_socket() {
    if !have("/usr/bin/podman") {
        return;
    }
    let d = Dir::new("podman");
    let sock = d.path("podman.sock");
    let mut service = jailwright_testkit::podman_service(&sock).unwrap();
    let host = format!("unix://{}", sock.display());
    let podman = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .env("CONTAINER_HOST", &host)
            .output()
            .unwrap();
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            out,
        }
    };
    let t = std::time::Instant::now();
    while !sock.exists() && t.elapsed() < std::time::Duration::from_secs(15) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let r = podman(&[
        "run",
        "--backend",
        "podman",
        "--",
        "/bin/sh",
        "-c",
        "echo podman-ok; id -u; grep NoNewPrivs /proc/self/status | tr -d '\\t'",
    ]);
    let _ = service.kill();
    let _ = service.wait();
    if !sock.exists() {
        return println!("SKIP: podman system service did not come up");
    }
    r.expect_code(0)
        .expect_stdout("podman-ok\n65534\nNoNewPrivs:1\n");
}

// ---- record -----------------------------------------------------------------------------

#[test]
fn record_writes_a_profile_the_command_runs_under_and_never_widens_the_base() {
    if !have("/usr/bin/python3") {
        return;
    }
    let d = Dir::new("record");
    let out = d.path("rec.json");
    let script = "import json, hashlib, threading, subprocess, ctypes\n\
                  t = threading.Thread(target=lambda: None); t.start(); t.join()\n\
                  subprocess.run(['/bin/true'], check=True)\n\
                  ctypes.CDLL(None).ptrace(0, 0, 0, 0)\n\
                  print(json.dumps({'h': hashlib.sha256(b'x').hexdigest()[:8]}))";
    let r = jw(&[
        "record",
        "-o",
        out.to_str().unwrap(),
        "--base",
        "plugin",
        "--",
        "python3",
        "-c",
        script,
    ]);
    r.expect_code(0)
        .expect_stdout("{\"h\": \"2d711642\"}")
        .expect_stderr("recorded ")
        .expect_stderr("left out because the base plugin denies them: ptrace");
    let profile = std::fs::read_to_string(&out).unwrap();
    let j = json(&profile);
    assert!(!profile.contains("\"ptrace\""), "{profile}");
    assert!(profile.contains("\"execve\""), "{profile}");
    assert!(j["syscalls"].as_array().is_some_and(|s| !s.is_empty()));
    // clone is recorded with an argument rule (no namespace flags), not a plain allow.
    jw(&[
        "explain",
        out.to_str().unwrap(),
        "clone",
        "--arg",
        "0=0x10000000",
    ])
    .expect_stdout("ERRNO");
    // the recorded profile runs the same command
    jw(&[
        "run",
        "--profile",
        out.to_str().unwrap(),
        "--",
        "python3",
        "-c",
        script,
    ])
    .expect_code(0)
    .expect_stdout("{\"h\": \"2d711642\"}");
    // and blocks what the command never did
    jw(&[
        "run",
        "--profile",
        out.to_str().unwrap(),
        "--",
        "python3",
        "-c",
        "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(('127.0.0.1', 9))",
    ])
    .expect_stderr("blocked: ");
    jw(&["record", "--arch", "aarch64", "--", "/bin/true"]).expect_code(2);
}

// ---- doctor -----------------------------------------------------------------------------

#[test]
fn doctor_native() {
    let r = jw(&["doctor"]);
    assert!(r.code() == 0 || r.code() == 1, "{}", r.show());
    for check in [
        "kernel",
        "seccomp filter",
        "seccomp user-notify",
        "user namespaces",
        "landlock",
        "cgroups",
    ] {
        r.expect_stdout(check);
    }
    let j = json(&jw(&["doctor", "--format", "json"]).stdout());
    let checks = j.as_array().cloned().unwrap_or_default();
    assert!(checks
        .iter()
        .all(|c| ["OK", "WARN", "FAIL"].contains(&c["status"].as_str().unwrap_or(""))));
}

#[test]
fn doctor_docker_and_check_profile() {
    if !docker_up() {
        return;
    }
    let r = jw(&["doctor", "--backend", "docker"]);
    r.expect_stdout("docker daemon")
        .expect_stdout("docker OCI runtime");
    jw(&["doctor", "--backend", "docker", "--check-profile", "plugin"])
        .expect_code(0)
        .expect_stdout("OK");
    let d = Dir::new("check");
    let broken = d.path("no-fstatfs.json");
    patch_to(&broken, "plugin", &["--deny", "fstatfs"]);
    jw(&[
        "doctor",
        "--backend",
        "docker",
        "--check-profile",
        broken.to_str().unwrap(),
    ])
    .expect_code(1)
    .expect_stdout("FAIL")
    .expect_stdout("fstatfs");
}

#[test]
fn completions_and_help() {
    jw(&["completions", "bash"])
        .expect_code(0)
        .expect_stdout("jailwright");
    for cmd in [
        "profile", "lint", "diff", "stats", "explain", "patch", "merge", "export", "compile",
        "run", "record", "doctor",
    ] {
        jw(&[cmd, "--help"]).expect_code(0).expect_stdout("Usage:");
    }
    jw(&["frobnicate"]).expect_code(2);
}

#[test]
fn lint_rules_lists_every_check_as_data() {
    let v = json(
        &jw(&["lint", "--rules", "--format", "json"])
            .expect_code(0)
            .stdout(),
    );
    let rules = v.as_array().expect("an array of rules");
    assert_eq!(rules.len(), jailwright_profile::lint::RULES.len());
    for r in rules {
        for key in ["id", "slug", "severity", "title", "why", "fix"] {
            assert!(r[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {r}");
        }
    }
    let ptrace = rules.iter().find(|r| r["id"] == "JW201").expect("JW201");
    assert!(
        ptrace["source"].as_str().unwrap().contains("ptrace.2"),
        "{ptrace}"
    );
    jw(&["lint", "--rules"])
        .expect_code(0)
        .expect_stdout("JW601 error   runtime-init-needs");
    jw(&["lint", "--rules", "docker-default"]).expect_code(2);
}

#[test]
fn lint_host_checks_this_machine_s_stack() {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let kernel: String = release.split('.').take(2).collect::<Vec<_>>().join(".");
    let arch = std::env::consts::ARCH;
    let r = jw(&["lint", "--host", "docker-default"]);
    r.expect_stderr(&format!("this host: --arch {arch} "))
        .expect_stderr(&format!("--kernel {kernel}"));
    // Findings name the host, never an architecture the flag did not select.
    let v = json(&jw(&["lint", "--host", "--format", "json", "docker-default"]).stdout());
    for f in v[0]["findings"].as_array().unwrap() {
        assert!(f["arch"].is_null() || f["arch"] == arch, "{f}");
    }
    if std::path::Path::new("/var/run/docker.sock").exists() {
        // The engine that answers gives the runtime and its version.
        let info = Command::new("docker")
            .args(["version", "--format", "{{.Server.Version}}"])
            .output();
        if let Some(o) = info.ok().filter(|o| o.status.success()) {
            let v = String::from_utf8_lossy(&o.stdout);
            let number: String = v
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            r.expect_stderr(&format!("--engine docker@{number} --runtime "));
        }
    }
    jw(&["lint", "--host", "--arch", "x86_64", "docker-default"]).expect_code(2);
}

#[test]
fn doctor_ends_with_the_stack_in_the_flags_syntax() {
    let v = json(&jw(&["doctor", "--format", "json"]).stdout());
    let last = v.as_array().unwrap().last().unwrap();
    assert_eq!(last["name"], "stack", "{last}");
    assert!(
        last["detail"].as_str().unwrap().contains("--kernel "),
        "{last}"
    );
}

#[test]
fn the_engine_and_libseccomp_flags_change_what_a_profile_decides() {
    let podman = jailwright_testkit::fixture_path("podman-default.json");
    let podman = podman.to_str().unwrap();
    // Podman's default answers unnamed calls ENOSYS; Docker before 23.0 drops defaultErrnoRet.
    let explain = |extra: &[&str]| {
        let mut a = vec!["explain", podman, "add_key", "--arch", "x86_64"];
        a.extend_from_slice(extra);
        jw(&a).expect_code(0).stdout()
    };
    assert!(explain(&["--engine", "podman"]).starts_with("add_key on x86_64: ERRNO(ENOSYS)"));
    let old = explain(&["--engine", "docker@20.10.24"]);
    assert!(old.starts_with("add_key on x86_64: ERRNO(EPERM)"), "{old}");
    assert!(old.contains("does not read `defaultErrnoRet`"), "{old}");
    assert!(explain(&["--engine", "docker@23.0.0"]).contains("ERRNO(ENOSYS)"));
    // A name libseccomp 2.5.4 does not know is dropped: the default decides.
    let e = |extra: &[&str]| {
        let mut a = vec!["explain", "docker-default", "uretprobe", "--arch", "x86_64"];
        a.extend_from_slice(extra);
        jw(&a).expect_code(0).stdout()
    };
    assert!(e(&[]).starts_with("uretprobe on x86_64: ALLOW"));
    let old = e(&["--libseccomp", "2.5.4"]);
    assert!(old.starts_with("uretprobe on x86_64: ERRNO(EPERM) by the default action"));
    assert!(
        old.contains("not applied to uretprobe: libseccomp 2.5.4 does not resolve it on x86_64 (libseccomp 2.5.6 is the first release that does)"),
        "{old}"
    );
    assert!(e(&["--libseccomp", "2.6.0"]).starts_with("uretprobe on x86_64: ALLOW"));
    // stats counts what the stack allows: 14 of Docker's newest x86_64 names are unknown
    // to libseccomp 2.5.4 (2.5.4 follows Linux 5.17).
    let allowed = |extra: &[&str]| {
        let mut a = vec![
            "stats",
            "docker-default",
            "--arch",
            "x86_64",
            "--format",
            "json",
        ];
        a.extend_from_slice(extra);
        json(&jw(&a).expect_code(0).stdout())[0]["stats"]["unconditional_allows_per_arch"][0][1]
            .as_u64()
            .unwrap()
    };
    assert_eq!(allowed(&[]), 306);
    assert_eq!(allowed(&["--libseccomp", "2.5.4"]), 292);
    assert_eq!(allowed(&["--libseccomp", "2.6.1"]), 306);
    jw(&["explain", "docker-default", "read", "--engine", "lxc"]).expect_code(2);
    jw(&["explain", "docker-default", "read", "--libseccomp", "two"]).expect_code(2);
    jw(&[
        "explain",
        "docker-default",
        "read",
        "--host",
        "--arch",
        "x86_64",
    ])
    .expect_code(2);
}

// ---- rebase -----------------------------------------------------------------------------

/// The committed rebase case: `tests/rebase/base.json`, a `custom.json` derived from it by
/// hand edits, and `new.json` with upstream's changes, copied into `d` (so that the report,
/// which names its inputs, reads the same wherever the checkout is).
fn rebase_case(d: &Dir) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rebase");
    for f in ["base.json", "custom.json", "new.json"] {
        fs::copy(src.join(f), d.path(f)).unwrap();
    }
}

/// `jailwright rebase CUSTOM --from FROM --to TO EXTRA...` run in `d`.
fn rebase_in(d: &Dir, [custom, from, to]: [&str; 3], extra: &[&str]) -> Run {
    let mut args = vec!["rebase", custom, "--from", from, "--to", to];
    args.extend_from_slice(extra);
    jw_in(&d.0, &args)
}

/// The committed case's inputs.
const CASE: [&str; 3] = ["custom.json", "base.json", "new.json"];

/// Compares `got` with the golden file `tests/rebase/NAME`; `UPDATE_GOLDEN=1` rewrites it.
#[track_caller]
fn golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rebase")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&path, got).unwrap();
    }
    let want = fs::read_to_string(&path).expect("golden file; run with UPDATE_GOLDEN=1");
    assert_eq!(
        got, want,
        "{name} changed; if intended, rerun with UPDATE_GOLDEN=1"
    );
}

/// The files in `d`, sorted: what a command left behind.
fn files_in(d: &Dir) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(&d.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn rebase_with_conflicts_writes_ours_lists_both_sides_and_exits_1() {
    let d = Dir::new("rebase");
    rebase_case(&d);
    let r = rebase_in(&d, CASE, &["-o", "rebased.json", "--format", "text"]);
    r.expect_code(1)
        .expect_stderr("conflicts (3): the output has your side (ours) of each")
        .expect_stderr("3 conflicts: your side was written for each");
    assert_eq!(r.stdout(), "", "{}", r.show());
    let profile = fs::read_to_string(d.path("rebased.json")).unwrap();
    golden("expected-profile.json", &profile);
    golden("expected-report.txt", &r.stderr());
    // The output is a profile jailwright reads back.
    jw_in(&d.0, &["lint", "rebased.json"]).expect_stdout("rebased.json");
    // Every conflict has the base, both sides and what was written.
    let r = rebase_in(&d, CASE, &["-o", "rebased.json", "--format", "json"]);
    r.expect_code(1);
    golden("expected-report.json", &r.stdout());
    let report = json(&r.stdout());
    let conflicts = report["conflicts"].as_array().unwrap();
    let subjects: Vec<String> = conflicts
        .iter()
        .map(|c| {
            c.get("syscall")
                .or(c.get("field"))
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(subjects, ["defaultAction", "ptrace", "socket"]);
    for c in conflicts {
        for key in ["base", "ours", "theirs"] {
            assert!(c[key].as_str().is_some_and(|s| !s.is_empty()), "{c}");
        }
        assert_eq!(c["written"], "ours");
        assert_ne!(c["ours"], c["theirs"]);
    }
    // Without -o: the profile on standard output, the JSON report on standard error.
    let r = rebase_in(&d, CASE, &["--format", "json"]);
    r.expect_code(1);
    assert_eq!(r.stdout(), profile);
    assert_eq!(json(&r.stderr()), report);
    assert_eq!(
        files_in(&d),
        ["base.json", "custom.json", "new.json", "rebased.json"]
    );
}

#[test]
fn rebase_of_docker_default_edits_onto_the_built_in_default_is_clean() {
    use jailwright_profile::ops::remove_name;
    use jailwright_profile::{catalogue, Profile};
    let d = Dir::new("rebase-docker");
    let current = catalogue::get("docker-default").unwrap().profile();
    // The old default: io_uring allowed, no cachestat, fchmodat2, listmount or statmount.
    let mut old = current.clone();
    let allow = old.rules_mut()[0].names.as_mut().unwrap();
    allow.retain(|n| !["cachestat", "fchmodat2", "listmount", "statmount"].contains(&n.as_str()));
    allow.extend(["io_uring_enter", "io_uring_register", "io_uring_setup"].map(String::from));
    // The user's copy: no ptrace, no personality, clone without the mask, keyctl allowed.
    let mut custom = old.clone();
    remove_name(&mut custom, "ptrace");
    remove_name(&mut custom, "personality");
    for r in custom.rules_mut() {
        if r.names.as_deref() == Some(&["clone".to_string()])
            && r.conditions().first().is_some_and(|c| c.index == 0)
        {
            r.args = None;
        }
    }
    custom
        .rules_mut()
        .push(jailwright_profile::SyscallRule::new(
            ["keyctl"],
            jailwright_profile::Action::Allow,
        ));
    let old_path = d.write("old.json", &old.to_json_pretty());
    let custom_path = d.write("custom.json", &custom.to_json_pretty());
    let out = d.path("rebased.json");
    let r = jw(&[
        "rebase",
        &custom_path,
        "--from",
        &old_path,
        "--to",
        "docker-default",
        "-o",
        out.to_str().unwrap(),
    ]);
    r.expect_code(0)
        .expect_stderr("kept: your edits (4):")
        .expect_stderr("taken: upstream's changes (7):")
        .expect_stderr("clean: no conflicts");
    for line in [
        "  clone ",
        "  keyctl ",
        "  personality ",
        "  ptrace ",
        "  io_uring_setup ",
        "  statmount ",
    ] {
        r.expect_stderr(line);
    }
    let rebased = Profile::from_file(&out).unwrap();
    let names = |p: &Profile, n: &str| {
        p.rules()
            .iter()
            .filter(|r| r.all_names().any(|x| x == n))
            .count()
    };
    assert_eq!(names(&rebased, "ptrace"), 0);
    assert_eq!(names(&rebased, "personality"), 0);
    assert_eq!(names(&rebased, "io_uring_setup"), 0);
    assert_eq!(names(&rebased, "statmount"), 1);
    // keyctl joins the allow list; clone keeps its capability and s390 rules.
    assert!(rebased.rules()[0].all_names().any(|n| n == "keyctl"));
    assert_eq!(names(&rebased, "clone"), 3);
    jw(&[
        "explain",
        out.to_str().unwrap(),
        "clone",
        "--arch",
        "x86_64",
        "--arg",
        "0=0x10000000",
    ])
    .expect_code(0)
    .expect_stdout("ALLOW");
    jw(&[
        "explain",
        out.to_str().unwrap(),
        "keyctl",
        "--arch",
        "x86_64",
    ])
    .expect_stdout("ALLOW");
    jw(&[
        "explain",
        out.to_str().unwrap(),
        "cachestat",
        "--arch",
        "x86_64",
    ])
    .expect_stdout("ALLOW");
    // The same change on both sides: the new base as the custom profile has no conflict.
    let r = jw(&[
        "rebase",
        "docker-default",
        "--from",
        &old_path,
        "--to",
        "docker-default",
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    r.expect_code(0);
    let report = json(&r.stdout());
    assert_eq!(report["both"].as_array().unwrap().len(), 7, "{report}");
    for key in ["kept", "taken", "conflicts"] {
        assert_eq!(report[key], Value::Array(Vec::new()), "{report}");
    }
}

#[test]
fn rebase_bad_input_exits_2_and_leaves_the_output_alone() {
    let d = Dir::new("rebase-bad");
    rebase_case(&d);
    d.write("rebased.json", "what was there\n");
    d.write(
        "broken.json",
        "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [,]\n}\n",
    );
    d.write(
        "invalid.json",
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOPE\"}]}\n",
    );
    let cases: [([&str; 3], &[&str]); 4] = [
        (
            ["broken.json", "base.json", "new.json"],
            &[
                "cannot load the custom profile",
                "broken.json:3:16",
                "invalid JSON",
            ],
        ),
        (
            ["custom.json", "missing.json", "new.json"],
            &["cannot load the old base", "cannot read missing.json"],
        ),
        (
            ["custom.json", "base.json", "invalid.json"],
            &[
                "cannot load the new base",
                "invalid.json",
                "$.syscalls[0].action",
                "SCMP_ACT_NOPE",
            ],
        ),
        (
            ["custom.json", "base.json", "no-such-tier"],
            &["no built-in profile or file named `no-such-tier`"],
        ),
    ];
    for (inputs, messages) in cases {
        let r = rebase_in(&d, inputs, &["-o", "rebased.json"]);
        r.expect_code(2);
        for m in messages {
            r.expect_stderr(m);
        }
        assert!(!r.stderr().contains("panicked"), "{}", r.show());
        assert_eq!(
            fs::read_to_string(d.path("rebased.json")).unwrap(),
            "what was there\n"
        );
    }
    // Nothing is created on bad input, and an output that cannot be written is an error.
    rebase_in(
        &d,
        ["broken.json", "base.json", "new.json"],
        &["-o", "fresh.json"],
    )
    .expect_code(2);
    rebase_in(&d, CASE, &["-o", "no/such/dir.json"])
        .expect_code(2)
        .expect_stderr("no/such/dir.json");
    assert_eq!(
        files_in(&d),
        [
            "base.json",
            "broken.json",
            "custom.json",
            "invalid.json",
            "new.json",
            "rebased.json"
        ]
    );
    // A good run then replaces the file whole, leaving no temporary file beside it.
    rebase_in(&d, CASE, &["-o", "rebased.json"]).expect_code(1);
    let written = fs::read_to_string(d.path("rebased.json")).unwrap();
    assert!(
        written.starts_with("{\n") && written.ends_with("}\n"),
        "{written}"
    );
    json(&written);
    assert_eq!(files_in(&d).len(), 6, "{:?}", files_in(&d));
}

// ---- scan -------------------------------------------------------------------------------

const HOSTILE_PLUGIN: &str = "import subprocess as sp\n\ndef go():\n    sp.run(['id'])\n";
const CLEAN_PLUGIN: &str =
    "import json\nfrom pathlib import Path\n\nPath('/out/r.json').write_text(json.dumps({}))\n";

#[test]
fn scan_exit_status_is_0_clean_1_findings_2_bad_input() {
    let d = Dir::new("scan-codes");
    d.write("clean.py", CLEAN_PLUGIN);
    d.write("hostile.py", HOSTILE_PLUGIN);
    fs::create_dir(d.path("empty")).unwrap();
    d.write("empty/notes.txt", "import ctypes\n");
    jw_in(&d.0, &["scan", "--output-dir", "/out", "clean.py"])
        .expect_code(0)
        .expect_stdout("scanned 1 file: 0 error(s), 0 warning(s), 0 info\n")
        .expect_stdout("the sandbox, not the scan, is the boundary");
    // without its output directory, the clean plugin's write is a finding
    jw_in(&d.0, &["scan", "clean.py"])
        .expect_code(1)
        .expect_stdout(
            "clean.py:4:1: warning JWS402 write-outside-output-dir: `Path('/out/r.json')",
        );
    let run = jw_in(&d.0, &["scan", "hostile.py"]);
    run.expect_code(1);
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "hostile.py:1:1: warning JWS104 subprocess-import: `import subprocess as sp` imports subprocess",
        "{}",
        run.show()
    );
    assert!(
        lines[1].starts_with("  why: subprocess runs other programs"),
        "{}",
        run.show()
    );
    assert!(lines[2].starts_with("  fix: "), "{}", run.show());
    assert_eq!(
        lines[3],
        "hostile.py:4:5: error JWS204 subprocess-call: `sp.run(['id'])` calls subprocess.run"
    );
    assert_eq!(lines[6], "scanned 1 file: 1 error(s), 1 warning(s), 0 info");
    assert!(lines[7].ends_with("the sandbox, not the scan, is the boundary"));
    assert_eq!(lines.len(), 8, "{}", run.show());
    // a directory: every .py file in it, sorted
    jw_in(&d.0, &["scan", "--output-dir", "/out", "."])
        .expect_code(1)
        .expect_stdout("scanned 2 files: 1 error(s), 1 warning(s), 0 info");
    for (args, needle) in [
        (
            &["scan", "missing.py"][..],
            "cannot read missing.py (expected a Python file or a directory of them)",
        ),
        (&["scan", "empty"][..], "empty holds no .py files"),
        (&["scan", "clean.py", "missing.py"][..], "missing.py"),
        (&["scan", "--format", "xml", "clean.py"][..], "xml"),
        (&["scan"][..], "PATH"),
    ] {
        let run = jw_in(&d.0, args);
        run.expect_code(2).expect_stderr(needle);
        assert!(run.stdout().is_empty(), "{}", run.show());
    }
}

#[test]
fn scan_json_has_the_documented_shape() {
    let d = Dir::new("scan-json");
    d.write("b.py", HOSTILE_PLUGIN);
    d.write("a.py", CLEAN_PLUGIN);
    let run = jw_in(
        &d.0,
        &["scan", "--format", "json", "--output-dir", "/out", "."],
    );
    run.expect_code(1);
    let v = json(&run.stdout());
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["advisory", "scanned", "findings"], "{}", run.show());
    assert!(v["advisory"]
        .as_str()
        .unwrap()
        .contains("the sandbox, not the scan, is the boundary"));
    assert_eq!(v["scanned"], serde_json::json!(["./a.py", "./b.py"]));
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{}", run.show());
    let f = &findings[1];
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["path", "line", "column", "id", "slug", "severity", "message", "why", "fix"]
    );
    assert_eq!(f["path"], "./b.py");
    assert_eq!(f["line"], 4);
    assert_eq!(f["column"], 5);
    assert_eq!(f["id"], "JWS204");
    assert_eq!(f["slug"], "subprocess-call");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["message"], "`sp.run(['id'])` calls subprocess.run");
    assert!(f["why"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(f["fix"].as_str().is_some_and(|s| !s.is_empty()));
    // nothing found: an empty list, exit 0
    let run = jw_in(
        &d.0,
        &["scan", "--format", "json", "--output-dir", "/out", "a.py"],
    );
    run.expect_code(0);
    assert_eq!(json(&run.stdout())["findings"], serde_json::json!([]));
}

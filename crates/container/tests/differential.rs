//! The filters the container runtimes here really install, read back from live containers
//! with `PTRACE_SECCOMP_GET_FILTER`, against jailwright's compile of the same profile for the
//! stack that installed them (engine, runtime, libseccomp, kernel): every x86_64, x32 and
//! i386 number, the arguments the rules test, and foreign architectures must get the same
//! answer from both.

mod support {
    pub mod dump;
}

use std::process::Command;

use jailwright_bpf::{compare, compile, CompileOptions, Endian, Program};
use jailwright_profile::libseccomp::Libseccomp;
use jailwright_profile::{
    resolve, Arch, CapSet, Capability, KernelVersion, Profile, Runtime, Target,
};

/// A container engine's CLI and the busybox image it has.
struct Engine {
    cli: &'static str,
    /// Options before `run` (Podman: its cgroup manager and runtime).
    global: Vec<String>,
    /// Options of `run` (Podman: rlimits within this process's hard limits).
    run: Vec<String>,
    image: String,
    /// The stack that installs the filters.
    stack: Stack,
}

/// The engine, its runtime, the libseccomp that runtime links, the kernel.
#[derive(Clone, Copy)]
struct Stack {
    engine: jailwright_profile::engine::Engine,
    runtime: Runtime,
    libseccomp: Option<Libseccomp>,
    kernel: KernelVersion,
}

impl std::fmt::Display for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--engine {} --runtime {} --libseccomp {} --kernel {}",
            self.engine,
            self.runtime,
            self.libseccomp.map_or("?".into(), |l| l.to_string()),
            self.kernel
        )
    }
}

fn sh(cmd: &mut Command) -> Result<String, String> {
    let o = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
}

impl Engine {
    /// The filter `profile` becomes in a container of this engine.
    fn real_filter(&self, profile: &str, sys_admin: bool) -> Result<Program, String> {
        let dir = std::env::temp_dir().join(format!("jw-diff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("profile.json");
        std::fs::write(&path, profile).unwrap();
        let mut run = Command::new(self.cli);
        run.args(&self.global)
            .args(["run", "-d", "--network", "none"])
            .args(&self.run);
        if sys_admin {
            run.args(["--cap-add", "SYS_ADMIN"]);
        }
        let id = sh(run
            .arg("--security-opt")
            .arg(format!("seccomp={}", path.display()))
            .args([&self.image, "sleep", "120"]))?;
        let result = sh(Command::new(self.cli).args(&self.global).args([
            "inspect",
            "-f",
            "{{.State.Pid}}",
            &id,
        ]))
        .and_then(|pid| match pid.parse::<i32>() {
            Ok(pid) if pid > 0 => support::dump::filters(pid),
            _ => {
                let logs = Command::new(self.cli)
                    .args(&self.global)
                    .args(["logs", &id])
                    .output();
                let text = logs
                    .map(|o| String::from_utf8_lossy(&[o.stdout, o.stderr].concat()).into_owned())
                    .unwrap_or_default();
                Err(format!(
                    "the container is not running (pid {pid}): {}",
                    text.trim()
                ))
            }
        });
        let _ = sh(Command::new(self.cli)
            .args(&self.global)
            .args(["rm", "-f", &id]));
        let mut filters = result?;
        if filters.len() != 1 {
            return Err(format!("{} filters installed, expected one", filters.len()));
        }
        Ok(filters.remove(0))
    }
}

/// `crun` as the engines here run it, with its version from `crun --version`; `None` (and a
/// SKIP line) when it is missing or would refuse this host's cgroup layout.
fn crun() -> Option<Runtime> {
    if let Some(ctrl) = jailwright_profile::host::Host::read(std::path::Path::new("/"))
        .cgroups
        .crun_refuses()
    {
        eprintln!(
            "SKIP: crun refuses this host's hybrid cgroup layout (cgroup2 controllers: {ctrl})"
        );
        return None;
    }
    let out = sh(Command::new("crun").arg("--version")).ok()?;
    let v = out.lines().next()?.split_whitespace().nth(2)?;
    Runtime::parse(&format!("crun@{v}"))
}

/// Docker with its default runtime (`None`) or with `runtime` (`--runtime crun`).
fn docker(runtime: Option<&str>) -> Option<Engine> {
    let b = jailwright_container::Backend::docker_default();
    let info = match b.info() {
        Ok(i) => i,
        Err(e) => {
            eprintln!("SKIP: docker is unreachable: {e}");
            return None;
        }
    };
    let image =
        jailwright_container::ensure_image(&b, &jailwright_container::ImageSpec::default()).ok()?;
    let host = info.engine();
    let (run, runtime, libseccomp) = match runtime {
        None => (Vec::new(), host.runtime, host.libseccomp),
        Some(r) => (
            vec!["--runtime".to_string(), r.to_string()],
            crun()?,
            jailwright_container::runtime_libseccomp(r),
        ),
    };
    Some(Engine {
        cli: "docker",
        global: Vec::new(),
        run,
        image,
        stack: Stack {
            engine: host.engine()?,
            runtime,
            libseccomp,
            kernel: KernelVersion::running()?,
        },
    })
}

/// Podman's CLI with `runtime` and cgroupfs, the busybox image imported when missing.
fn podman(runtime: &str) -> Option<Engine> {
    let global: Vec<String> = ["--cgroup-manager=cgroupfs", "--runtime", runtime]
        .map(String::from)
        .to_vec();
    let version =
        match sh(Command::new("podman").args(["version", "--format", "{{.Client.Version}}"])) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("SKIP: podman is not usable: {e}");
                return None;
            }
        };
    let (tar, tag) =
        jailwright_container::image::rootfs_tar(&jailwright_container::ImageSpec::default())
            .ok()?;
    if sh(Command::new("podman")
        .args(&global)
        .args(["image", "exists", &tag]))
    .is_err()
    {
        let mut c = Command::new("podman")
            .args(&global)
            .args(["import", "-", &tag])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        std::io::Write::write_all(c.stdin.as_mut()?, &tar).ok()?;
        drop(c.stdin.take());
        if !c.wait().ok()?.success() {
            eprintln!("SKIP: podman could not import the busybox image");
            return None;
        }
    }
    // Podman asks for rlimits above what this machine allows a container here; 1024 open
    // files and processes are within them and enough for busybox to sleep.
    let run = [
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
    ]
    .map(String::from)
    .to_vec();
    let stack_runtime = if runtime == "crun" {
        crun()?
    } else {
        let out = sh(Command::new(runtime).arg("--version")).ok()?;
        let v = out.lines().next()?.split_whitespace().nth(2)?;
        let commit = out.lines().find_map(|l| l.strip_prefix("commit: "));
        // A distribution build (`commit: 1.1.5+ds1-1+deb12u1`) says which patches it carries.
        let v = commit.filter(|c| c.starts_with(v)).unwrap_or(v);
        Runtime::parse(&format!("{runtime}@{v}"))?
    };
    Some(Engine {
        cli: "podman",
        global,
        run,
        image: tag,
        stack: Stack {
            engine: jailwright_profile::engine::Engine::parse(&format!("podman@{version}"))?,
            runtime: stack_runtime,
            libseccomp: jailwright_container::runtime_libseccomp(runtime),
            kernel: KernelVersion::running()?,
        },
    })
}

/// A profile of the corpus: its name, its JSON, and whether the container gets CAP_SYS_ADMIN.
struct Case {
    name: &'static str,
    json: String,
    sys_admin: bool,
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(jailwright_testkit::fixture_path(name)).expect("read a fixture profile")
}

/// The names Docker's default allows unconditionally, with `arch_prctl` (static busybox sets
/// its thread pointer with it) and `clone`: enough for runc to start a container and busybox
/// to sleep, so the other shapes differ only in what they test.
fn base_names() -> Vec<String> {
    let p = jailwright_profile::catalogue::get("docker-default")
        .unwrap()
        .profile();
    p.rules()[0]
        .all_names()
        .chain(["arch_prctl", "clone"])
        .map(str::to_string)
        .collect()
}

fn corpus() -> Vec<Case> {
    let names = serde_json::to_string(&base_names()).unwrap();
    let shaped = |name: &'static str, head: &str, extra: &str| Case {
        name,
        json: format!(
            r#"{{{head} "syscalls": [{{"names": {names}, "action": "SCMP_ACT_ALLOW"}}{extra}]}}"#
        ),
        sys_admin: false,
    };
    let mut v = vec![
        Case {
            name: "docker-default",
            json: fixture("docker-default.json"),
            sys_admin: false,
        },
        Case {
            name: "docker-default+SYS_ADMIN",
            json: fixture("docker-default.json"),
            sys_admin: true,
        },
        Case {
            name: "podman-default",
            json: fixture("podman-default.json"),
            sys_admin: false,
        },
        Case {
            name: "podman-default+SYS_ADMIN",
            json: fixture("podman-default.json"),
            sys_admin: true,
        },
    ];
    v.push(shaped(
        "no architectures",
        r#""defaultAction": "SCMP_ACT_ERRNO","#,
        "",
    ));
    v.push(shaped(
        "x86_64 without x32",
        r#""defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],"#,
        "",
    ));
    v.push(shaped(
        "x86_64, x86 and x32 listed",
        r#""defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],"#,
        "",
    ));
    v.push(shaped(
        "archMap without the host",
        r#""defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],"#,
        "",
    ));
    v.push(shaped(
        "ERRNO default with defaultErrnoRet 38",
        r#""defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],"#,
        "",
    ));
    v.push(shaped(
        "LOG and TRACE actions, errnoRet",
        r#""defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],"#,
        r#", {"names": ["acct", "syslog"], "action": "SCMP_ACT_LOG"}, {"names": ["quotactl", "lookup_dcookie"], "action": "SCMP_ACT_TRACE"}, {"names": ["vhangup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}, {"names": ["kcmp"], "action": "SCMP_ACT_KILL"}"#,
    ));
    v.push(shaped(
        "arguments with masks and comparisons",
        r#""defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],"#,
        r#", {"names": ["unshare"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}, {"names": ["setns"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 100, "op": "SCMP_CMP_LT"}]}, {"names": ["mincore"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22, "args": [{"index": 2, "value": 4096, "op": "SCMP_CMP_GE"}]}, {"names": ["sethostname"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 64, "op": "SCMP_CMP_LE"}]}"#,
    ));
    v.push(shaped(
        "repeated argument index (runc ORs them)",
        r#""defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],"#,
        r#", {"names": ["setdomainname"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]}"#,
    ));
    v.push(shaped(
        "names newer than the linked libseccomp",
        r#""defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],"#,
        r#", {"names": ["mseal", "listmount", "statmount", "uretprobe", "lsm_list_modules"], "action": "SCMP_ACT_ALLOW"}"#,
    ));
    v.push(shaped(
        "a rule the same as the default",
        r#""defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],"#,
        r#", {"names": ["mount", "umount2"], "action": "SCMP_ACT_ERRNO"}, {"names": ["reboot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}"#,
    ));
    v.push(i386_era());
    v
}

/// A profile of Docker 1.12's time: x86_64, x86 and x32 listed, names up to the calls of
/// kernel 4.x only, the i386 socket and IPC calls by their direct names.
fn i386_era() -> Case {
    let old: Vec<String> = base_names()
        .into_iter()
        .filter(|n| {
            jailwright_profile::tables::table(Arch::X86)
                .and_then(|t| t.lookup(n))
                .is_none_or(|nr| nr <= 384)
        })
        .filter(|n| {
            !matches!(
                n.as_str(),
                "clone3"
                    | "close_range"
                    | "openat2"
                    | "faccessat2"
                    | "statx"
                    | "rseq"
                    | "io_pgetevents"
                    | "pidfd_open"
                    | "pidfd_send_signal"
                    | "pkey_alloc"
                    | "pkey_free"
                    | "pkey_mprotect"
            )
        })
        .collect();
    Case {
        name: "i386-era",
        json: format!(
            r#"{{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [{{"names": {}, "action": "SCMP_ACT_ALLOW"}}]}}"#,
            serde_json::to_string(&old).unwrap()
        ),
        sys_admin: false,
    }
}

/// Every profile of the corpus on `engine`: the differences, as lines (none when it agrees).
fn run_corpus(e: &Engine) -> Vec<String> {
    let st = e.stack;
    println!("{}: stack {st}", e.cli);
    let mut failures = Vec::new();
    for case in corpus() {
        let profile = Profile::from_json(&case.json, case.name).unwrap();
        let real = match e.real_filter(&case.json, case.sys_admin) {
            Ok(p) => p,
            Err(err) => {
                failures.push(format!(
                    "{} {}: no filter read back: {err}",
                    e.cli, case.name
                ));
                continue;
            }
        };
        let mut caps = CapSet::docker_default();
        if case.sys_admin {
            caps.insert(Capability::parse("CAP_SYS_ADMIN").unwrap());
        }
        let target = Target {
            arch: Arch::X86_64,
            caps,
            kernel: st.kernel,
            runtime: st.runtime,
            libseccomp: st.libseccomp,
            engine: Some(st.engine),
        };
        let policy = resolve(&profile, &target);
        let ours = compile(&policy, &CompileOptions::libseccomp(&policy))
            .unwrap()
            .program;
        let abis = [Arch::X86_64, Arch::X32, Arch::X86];
        let c = compare(&real, &ours, &policy, &abis, Endian::Little);
        println!(
            "{} {}: {} inputs, {} differences",
            e.cli,
            case.name,
            c.inputs,
            c.differences.len()
        );
        if !c.differences.is_empty() {
            let shown: Vec<String> = c
                .differences
                .iter()
                .take(12)
                .map(|d| {
                    format!(
                        "  {} {:#x} {} args {:x?}: the runtime installed {}, jailwright {}",
                        d.abi, d.nr, d.name, d.args, d.a, d.b
                    )
                })
                .collect();
            failures.push(format!(
                "{} {} ({st}): {} differences\n{}",
                e.cli,
                case.name,
                c.differences.len(),
                shown.join("\n")
            ));
        }
    }
    failures
}

#[test]
fn docker_s_real_filters_decide_as_jailwright_says() {
    let Some(d) = docker(None) else { return };
    let failures = run_corpus(&d);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn docker_with_crun_s_real_filters_decide_as_jailwright_says() {
    let Some(d) = docker(Some("crun")) else {
        return;
    };
    let failures = run_corpus(&d);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn podman_s_real_filters_decide_as_jailwright_says() {
    let Some(p) = podman("runc") else { return };
    let failures = run_corpus(&p);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn podman_with_crun_s_real_filters_decide_as_jailwright_says() {
    let Some(p) = podman("crun") else { return };
    let failures = run_corpus(&p);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

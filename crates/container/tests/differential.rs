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
    image: String,
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
        run.args(["run", "-d", "--network", "none"]);
        if sys_admin {
            run.args(["--cap-add", "SYS_ADMIN"]);
        }
        let id = sh(run
            .arg("--security-opt")
            .arg(format!("seccomp={}", path.display()))
            .args([&self.image, "sleep", "120"]))?;
        let result = sh(Command::new(self.cli).args(["inspect", "-f", "{{.State.Pid}}", &id]))
            .and_then(|pid| match pid.parse::<i32>() {
                Ok(pid) if pid > 0 => support::dump::filters(pid),
                _ => {
                    let logs = Command::new(self.cli).args(["logs", &id]).output();
                    let text = logs
                        .map(|o| {
                            String::from_utf8_lossy(&[o.stdout, o.stderr].concat()).into_owned()
                        })
                        .unwrap_or_default();
                    Err(format!(
                        "the container is not running (pid {pid}): {}",
                        text.trim()
                    ))
                }
            });
        let _ = sh(Command::new(self.cli).args(["rm", "-f", &id]));
        let mut filters = result?;
        if filters.len() != 1 {
            return Err(format!("{} filters installed, expected one", filters.len()));
        }
        Ok(filters.remove(0))
    }
}

impl Engine {
    /// The engine, its default runtime, the libseccomp that runtime links, the kernel.
    fn stack(
        &self,
    ) -> (
        jailwright_profile::engine::Engine,
        Runtime,
        Option<Libseccomp>,
        KernelVersion,
    ) {
        let info = jailwright_container::Backend::docker_default()
            .info()
            .unwrap();
        let host = info.engine();
        let engine =
            jailwright_profile::engine::Engine::parse(&format!("docker@{}", host.version_number()))
                .unwrap();
        let lsc = jailwright_container::runtime_libseccomp(&info.default_runtime);
        let kernel = KernelVersion::running().unwrap();
        (engine, host.runtime, lsc, kernel)
    }
}

fn docker() -> Option<Engine> {
    let b = jailwright_container::Backend::docker_default();
    if let Err(e) = b.info() {
        eprintln!("SKIP: docker is unreachable: {e}");
        return None;
    }
    let image =
        jailwright_container::ensure_image(&b, &jailwright_container::ImageSpec::default()).ok()?;
    Some(Engine {
        cli: "docker",
        image,
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

#[test]
fn docker_s_real_filters_decide_as_jailwright_says() {
    let Some(d) = docker() else { return };
    let (engine, runtime, lsc, kernel) = d.stack();
    println!(
        "stack: --engine {engine} --runtime {runtime} --libseccomp {} --kernel {kernel}",
        lsc.map_or("?".into(), |l| l.to_string())
    );
    let mut failures = Vec::new();
    for case in corpus() {
        let profile = Profile::from_json(&case.json, case.name).unwrap();
        let real = match d.real_filter(&case.json, case.sys_admin) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: no filter read back: {e}", case.name));
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
            kernel,
            runtime,
            libseccomp: lsc,
            engine: Some(engine),
        };
        let policy = resolve(&profile, &target);
        let ours = compile(&policy, &CompileOptions::libseccomp(&policy))
            .unwrap()
            .program;
        let c = compare(
            &real,
            &ours,
            &policy,
            &[Arch::X86_64, Arch::X32, Arch::X86],
            Endian::Little,
        );
        println!(
            "{}: {} inputs, {} differences",
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
                        "  {} {:#x} {} args {:x?}: runc installed {}, jailwright {}",
                        d.abi, d.nr, d.name, d.args, d.a, d.b
                    )
                })
                .collect();
            failures.push(format!(
                "{}: {} differences\n{}",
                case.name,
                c.differences.len(),
                shown.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! The linter's runtime needs against real starts: Docker's default profile with each of its
//! syscalls removed, one at a time, started under the Docker engine here with `/bin/true`,
//! with its default runtime (runc) and with crun.
//! A removal that stops the runtime (the engine reports exit 125, or the runtime's own exec
//! fails) must be exactly a removal `lint` reports as a runtime need for the detected stack;
//! a removal that only breaks the workload (busybox itself) is neither.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use jailwright_container::{ensure_image, Backend, ImageSpec};
use jailwright_profile::lint::{lint, runtime_needs, LintOptions};
use jailwright_profile::{Arch, KernelVersion, Profile};

fn docker_default() -> Profile {
    let path = jailwright_testkit::fixture_path("docker-default.json");
    Profile::from_json(
        &std::fs::read_to_string(&path).unwrap(),
        "docker-default.json",
    )
    .unwrap()
}

fn without(p: &Profile, name: &str) -> Profile {
    let mut p = p.clone();
    jailwright_profile::ops::remove_name(&mut p, name);
    p
}

/// Whether `profile` stops the runtime from starting `/bin/true` (the workload's own
/// failures do not count), with what the engine printed.
fn runtime_refuses(image: &str, runtime: &[&str], path: &Path) -> (bool, String) {
    let o = Command::new("docker")
        .args(["run", "--rm", "--network", "none"])
        .args(runtime)
        .arg("--security-opt")
        .arg(format!("seccomp={}", path.display()))
        .args([image, "/bin/true"])
        .output()
        .expect("run docker");
    let text = String::from_utf8_lossy(&[o.stdout, o.stderr].concat()).into_owned();
    // 125: the engine or the runtime failed before the workload ran; runc reports a failed
    // exec of the entrypoint as `exec PATH: ERROR` after the start, crun as `exec container
    // process `PATH`: ERROR`. With no-new-privileges runc fails after the start, prints its
    // error on the container's stderr and exits 1: busybox's `true` itself exits 0, or 127
    // from its libc's start-up, or by a signal, so exit 1 with a message is the runtime.
    let code = o.status.code();
    let refused = code == Some(125)
        || (code == Some(1) && !text.trim().is_empty())
        || text.contains("exec /bin/true: operation not permitted")
        || text.contains("exec container process");
    (refused, text.lines().last().unwrap_or("").to_string())
}

/// Starts of a removal that stops the runtime only when a signal reaches it after the
/// filter: tried at most this often, with the container's CPU throttled so the runtime's
/// threads are preempted (a probe here failed 12 of 30 such starts without rt_sigreturn).
const INTERMITTENT_TRIES: usize = 60;

/// Whether a removal whose need is intermittent stops the runtime in some start: the first
/// refusal's last line, `None` when every try started.
fn provoke(image: &str, runtime: &[&str], path: &Path) -> Option<String> {
    let mut flags = runtime.to_vec();
    flags.extend(["--cpus", "0.01"]);
    (0..INTERMITTENT_TRIES).find_map(|_| {
        let (refused, last) = runtime_refuses(image, &flags, path);
        refused.then_some(last)
    })
}

#[test]
fn lint_names_exactly_the_removals_that_stop_runc() {
    check(None, false);
}

#[test]
fn lint_names_exactly_the_removals_that_stop_crun() {
    check(Some("crun"), false);
}

/// With `--security-opt no-new-privileges` the runtimes load the filter just before the
/// exec: fewer of their own calls go through it.
#[test]
fn lint_names_exactly_the_removals_that_stop_runc_with_no_new_privileges() {
    check(None, true);
}

#[test]
fn lint_names_exactly_the_removals_that_stop_crun_with_no_new_privileges() {
    check(Some("crun"), true);
}

/// Every removal under Docker with its default runtime (`None`) or with `runtime`, with
/// no-new-privileges on or off.
fn check(runtime: Option<&str>, nnp: bool) {
    let b = Backend::docker_default();
    let info = match b.info() {
        Ok(i) => i,
        Err(e) => return eprintln!("SKIP: docker is unreachable: {e}"),
    };
    let image = ensure_image(&b, &ImageSpec::default()).expect("import the busybox image");
    let mut host = info.engine();
    let mut flags: Vec<&str> = Vec::new();
    if let Some(r) = runtime {
        let h = jailwright_profile::host::Host::read(Path::new("/"));
        if let Some(ctrl) = h.cgroups.crun_refuses() {
            return eprintln!(
                "SKIP: {r} refuses this host's cgroup layout (cgroup2 controllers: {ctrl})"
            );
        }
        if !info.runtimes.iter().any(|n| n == r) {
            return eprintln!("SKIP: the engine has no runtime {r}");
        }
        let out = Command::new(r)
            .arg("--version")
            .output()
            .expect("runtime --version");
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        let version = out.lines().next().and_then(|l| l.split_whitespace().nth(2));
        host.runtime = jailwright_container::runtime_from(r, version);
        host.libseccomp = jailwright_container::runtime_libseccomp(r);
        flags = vec!["--runtime", r];
    }
    if nnp {
        flags.extend(["--security-opt", "no-new-privileges"]);
    }
    let opts = LintOptions {
        arches: vec![Arch::host()],
        runtime: host.runtime,
        libseccomp: host.libseccomp,
        engine: host.engine(),
        kernel: KernelVersion::running().unwrap(),
        no_new_privileges: nnp,
        ..LintOptions::default()
    };
    println!("stack: {}", {
        let h = jailwright_profile::host::Host::read(Path::new("/")).with_engine(host.clone());
        h.stack()
    });
    // The needs that stop only some starts (a signal returning after the filter).
    let intermittent: BTreeSet<&str> = runtime_needs(opts.runtime, nnp)
        .iter()
        .filter(|n| n.step.intermittent())
        .flat_map(|n| n.syscalls.iter().copied())
        .collect();
    let base = docker_default();
    let names: Vec<String> = base
        .rules()
        .iter()
        .flat_map(|r| r.all_names())
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let dir = std::env::temp_dir().join(format!(
        "jw-needs-{}-{nnp}-{}",
        runtime.unwrap_or("default"),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let queue = Mutex::new(names.clone());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some(name) = queue.lock().unwrap().pop() else {
                    break;
                };
                let p = without(&base, &name);
                let path = dir.join(format!("{name}.json"));
                std::fs::write(&path, p.to_json_pretty()).unwrap();
                let (mut refused, mut last) = runtime_refuses(&image, &flags, &path);
                let flagged = lint(&p, &opts)
                    .iter()
                    .any(|f| f.id == "JW601" && f.syscall.as_deref() == Some(name.as_str()));
                // One start proves nothing for a need that stops only some starts.
                if flagged && !refused && intermittent.contains(name.as_str()) {
                    if let Some(l) = provoke(&image, &flags, &path) {
                        (refused, last) = (true, format!("some starts: {l}"));
                    }
                }
                results.lock().unwrap().push((name, refused, flagged, last));
            });
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    let results = results.into_inner().unwrap();
    assert_eq!(results.len(), names.len());
    let refused: Vec<&str> = results
        .iter()
        .filter(|r| r.1)
        .map(|r| r.0.as_str())
        .collect();
    println!(
        "{} removals, {} stop the runtime: {}",
        results.len(),
        refused.len(),
        refused.join(" ")
    );
    let wrong: Vec<String> = results
        .iter()
        .filter(|(_, refused, flagged, _)| refused != flagged)
        .map(|(n, refused, _, last)| {
            if *refused {
                format!("false negative: without {n} the runtime does not start ({last}), lint is quiet")
            } else {
                format!("false positive: lint says the runtime needs {n}, but it starts without it")
            }
        })
        .collect();
    assert!(
        !refused.is_empty(),
        "no removal stopped the runtime: the check would prove nothing"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

//! What an engine drops from a profile before its runtime sees it, as `resolve` applies it:
//! each fact against the profiles of the releases it concerns.

use jailwright_profile::engine::Engine;
use jailwright_profile::policy::Target;
use jailwright_profile::{load, resolve, tables, Action, Arch, KernelVersion, Profile};

fn decide(p: &Profile, engine: &str, kernel: KernelVersion, syscall: &str) -> Action {
    let mut t = Target::docker(Arch::X86_64);
    t.engine = Engine::parse(engine);
    assert!(t.engine.is_some(), "{engine}");
    t.kernel = kernel;
    let nr = tables::table(Arch::X86_64)
        .unwrap()
        .lookup(syscall)
        .unwrap();
    resolve(p, &t).decide(Arch::X86_64, nr, &[0; 6]).action
}

const NEW_KERNEL: KernelVersion = KernelVersion::new(6, 12);

#[test]
fn docker_before_20_10_10_ignores_a_rules_errno_ret() {
    // 20.10.10 brought both the clone3 ENOSYS rule and the code that passes errnoRet on
    let p = load("docker-default@20.10.10").unwrap();
    assert_eq!(
        decide(&p, "docker@20.10.9", NEW_KERNEL, "clone3"),
        Action::Errno(1)
    );
    assert_eq!(
        decide(&p, "docker@20.10.10", NEW_KERNEL, "clone3"),
        Action::Errno(38)
    );
    assert_eq!(
        decide(&p, "docker", NEW_KERNEL, "clone3"),
        Action::Errno(38)
    );
    let (_, notes) = Engine::parse("docker@20.10.9").unwrap().apply(&p);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("errnoRet") && notes[0].contains("567c01f6d1"),
        "{notes:?}"
    );
    // a profile with no per-rule errnoRet is handed over whole
    let old = load("docker-default@20.10.4").unwrap();
    assert!(Engine::parse("docker@20.10.0")
        .unwrap()
        .apply(&old)
        .1
        .is_empty());
}

#[test]
fn podman_ignores_min_kernel() {
    let p = load("docker-default").unwrap();
    let old_kernel = KernelVersion::new(4, 7);
    // Docker's ptrace rule applies from kernel 4.8; Podman applies it on any kernel
    assert_eq!(decide(&p, "docker", old_kernel, "ptrace"), Action::Errno(1));
    assert_eq!(decide(&p, "podman", old_kernel, "ptrace"), Action::Allow);
    assert_eq!(
        decide(&p, "podman@4.0.0", old_kernel, "ptrace"),
        Action::Allow
    );
    assert_eq!(decide(&p, "podman", NEW_KERNEL, "ptrace"), Action::Allow);
    let (seen, notes) = Engine::parse("podman@5.8.2").unwrap().apply(&p);
    assert!(
        notes.len() == 1 && notes[0].contains("minKernel"),
        "{notes:?}"
    );
    assert!(seen
        .rules()
        .iter()
        .flat_map(|r| [&r.includes, &r.excludes])
        .flatten()
        .all(|f| f.min_kernel.is_none()));
    // and Podman's own profile has none to drop
    let podman = load("podman-default").unwrap();
    assert!(Engine::parse("podman").unwrap().apply(&podman).1.is_empty());
}

#[test]
fn docker_ignores_podmans_errno_names() {
    let mut p = Profile::new(Action::Errno(1));
    let mut rule = jailwright_profile::SyscallRule::new(["getpid"], Action::Errno(1));
    rule.errno_ret = None;
    rule.errno = Some("ENOSYS".into());
    p.rules_mut().push(rule);
    assert_eq!(
        decide(&p, "podman", NEW_KERNEL, "getpid"),
        Action::Errno(38)
    );
    // the rule then equals the default: no rule, the default's EPERM
    assert_eq!(decide(&p, "docker", NEW_KERNEL, "getpid"), Action::Errno(1));
    let (_, notes) = Engine::parse("docker").unwrap().apply(&p);
    assert!(notes[0].contains("`errno`"), "{notes:?}");
}

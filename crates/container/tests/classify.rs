//! The classifier on real runtime messages: runc 1.1.5's (checked against real failures on
//! Debian 12's runc, Docker's default minus one syscall, no-new-privileges off), newer runc's
//! (from its sources and issues #4984, #4963, #5059), and the failures that are not the
//! profile's. And the property the classifier is built for: for every need of the runtime
//! table, at every version it names, the message the table says the runtime prints is
//! diagnosed as that need, so the linter and the classifier cannot disagree.

use jailwright_container::{classify, classify_for, RejectKind};
use jailwright_profile::runtime::RUNTIME_NEEDS;
use jailwright_profile::Runtime;

#[test]
fn runc_1_1_5_messages() {
    let runc_1_1_5 = Runtime::parse("runc@1.1.5+ds1-1+deb12u1");
    let wrap = |m: &str| {
        format!("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: {m}: unknown")
    };
    let cases = [
        (
            "unable to apply bounding set: operation not permitted",
            RejectKind::BoundingSet,
            "prctl",
        ),
        (
            "error closing exec fds: ensure /proc/self/fd is on procfs: operation not permitted",
            RejectKind::ProcfsFdCheck,
            "fstatfs",
        ),
        ("operation not permitted", RejectKind::Caps, "capget"),
        (
            "unable to apply caps: operation not permitted",
            RejectKind::Caps,
            "capset",
        ),
        (
            "unable to setup user: setgroups: operation not permitted",
            RejectKind::Setgroups,
            "setgroups",
        ),
    ];
    for (m, kind, sys) in cases {
        let d = classify_for(&wrap(m), runc_1_1_5);
        assert_eq!(d.kind, kind, "{m}");
        assert_eq!(d.missing_syscalls, vec![sys], "{m}");
        assert!(d.fix.contains(&format!("--allow {sys}")), "{}", d.fix);
        assert_eq!(d.message, format!("unable to start container process: {m}"));
    }
    assert!(classify(&wrap("operation not permitted"))
        .cause
        .contains("ambiguous"));
    // Docker's default minus rt_sigreturn: runc's init crashed on a signal before the start.
    let d = classify_for(
        "docker: Error response from daemon: cannot start a stopped process: unknown",
        runc_1_1_5,
    );
    assert_eq!(d.missing_syscalls, vec!["rt_sigreturn"]);
    assert!(d.cause.contains("signal"), "{}", d.cause);
}

/// crun 1.8.1's refusals under Docker 20.10.24, as the engine printed them here for Docker's
/// default minus one syscall.
#[test]
fn crun_1_8_1_messages() {
    let crun = Runtime::parse("crun@1.8.1");
    let wrap = |m: &str| {
        format!("docker: Error response from daemon: failed to create shim task: OCI runtime create failed: {m}: unknown")
    };
    let cases = [
        (
            "prctl drop bounding: Operation not permitted",
            RejectKind::BoundingSet,
            vec!["prctl"],
        ),
        (
            "cannot setresuid to 0: Operation not permitted",
            RejectKind::SetUser,
            vec!["setresgid", "setresuid"],
        ),
        (
            "capset: Operation not permitted",
            RejectKind::Caps,
            vec!["capset"],
        ),
        (
            "read from the init process",
            RejectKind::InitSync,
            vec!["write", "rt_sigaction", "rt_sigprocmask"],
        ),
    ];
    for (m, kind, names) in cases {
        let d = classify_for(&wrap(m), crun);
        assert_eq!((d.kind, d.missing_syscalls), (kind, names), "{m}");
    }
    let d = classify_for(
        "docker: Error response from daemon: cannot start a stopped process: unknown",
        crun,
    );
    assert_eq!(
        (d.kind, d.missing_syscalls),
        (RejectKind::InitSync, vec!["pselect6"])
    );
    let d = classify_for(
        r#"{"msg":"exec container process `/bin/true`: Operation not permitted","level":"error"}"#,
        crun,
    );
    assert_eq!(
        (d.kind, d.missing_syscalls),
        (RejectKind::ExecveEperm, vec!["execve"])
    );
}

#[test]
fn newer_runc_and_init_lines() {
    assert_eq!(classify("error closing exec fds: ensure /proc/thread-self/fd is on procfs: operation not permitted").kind, RejectKind::ProcfsFdCheck);
    let d = classify("unable to start container process: unsafe procfs detected: openat2 /proc/self/fd: operation not permitted");
    assert_eq!(d.kind, RejectKind::UnsafeProcfs);
    assert_eq!(d.missing_syscalls, vec!["openat2"]);
    assert_eq!(
        classify("could not get mount id: operation not permitted").kind,
        RejectKind::MountId
    );
    assert_eq!(
        classify("ensure /proc/self/fd is on procfs: operation not permitted").kind,
        RejectKind::ProcfsFdCheck
    );
    let d = classify("exec /bin/true: operation not permitted");
    assert_eq!(
        (d.kind, d.missing_syscalls),
        (RejectKind::ExecveEperm, vec!["execve"])
    );
}

#[test]
fn other_failures() {
    let w = |m: &str| {
        format!("failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: {m}: unknown")
    };
    assert_eq!(
        classify(&w(
            "exec: \"/nosuch\": stat /nosuch: no such file or directory"
        ))
        .kind,
        RejectKind::CommandNotFound
    );
    assert_eq!(
        classify(&w("exec: \"nosuch\": executable file not found in $PATH")).kind,
        RejectKind::CommandNotFound
    );
    assert_eq!(
        classify(&w("exec: \"/etc\": permission denied")).kind,
        RejectKind::NotExecutable
    );
    assert_eq!(
        classify("No such image: nope:1").kind,
        RejectKind::ImageMissing
    );
    assert_eq!(
        classify("nope: image not known").kind,
        RejectKind::ImageMissing
    );
    assert_eq!(classify("failed to create shim task: OCI runtime create failed: cgroups in hybrid mode not supported, drop all controllers from cgroupv2: unknown").kind, RejectKind::CgroupLayout);
    assert_eq!(
        classify("connect: connection refused").kind,
        RejectKind::DaemonDown
    );
    assert_eq!(
        classify("dial unix /var/run/docker.sock: connect: permission denied").kind,
        RejectKind::SocketPermission
    );
    let d = classify("error adding seccomp rule: unknown syscall \"foo_bar\"");
    assert_eq!(d.kind, RejectKind::UnknownSyscallName);
    assert!(d.fix.contains("--deny foo_bar"), "{}", d.fix);
    assert_eq!(classify("").kind, RejectKind::Other);
    assert_eq!(classify("\u{0}\u{ffff}").kind, RejectKind::Other);
    let d =
        classify(&w("unable to apply caps: operation not permitted")).with_profile_name("plugin");
    assert!(d
        .fix
        .contains("jailwright patch plugin --allow capset -o fixed.json"));
}

/// Every need the runtime table gives a message for, at the first and the last version it
/// applies to, is what that message is diagnosed as: a seccomp refusal naming every syscall
/// of the need (and, where versions overlap, nothing a need of that version does not name).
#[test]
fn every_need_s_message_is_diagnosed_as_that_need_at_every_version() {
    let mut checked = 0;
    for need in RUNTIME_NEEDS.iter().filter(|n| !n.signatures.is_empty()) {
        let bounds = need
            .versions
            .iter()
            .flat_map(|&(from, to)| [Some(from), Some(to.unwrap_or(from))]);
        for version in bounds.chain([None]) {
            let runtime = Runtime {
                version,
                ..Runtime::of(need.runtime)
            };
            let d = classify_for(need.error, Some(runtime));
            assert!(
                d.kind.is_seccomp(),
                "{} {version:?}: {:?} for {:?}",
                need.runtime,
                d.kind,
                need.error
            );
            for s in need.syscalls {
                assert!(
                    d.missing_syscalls.contains(s),
                    "{} {version:?}: {:?} does not name {s}: {:?}",
                    need.runtime,
                    need.error,
                    d.missing_syscalls
                );
            }
            if let Some(v) = version {
                let named_by_a_need_of_v = |s: &&str| {
                    RUNTIME_NEEDS.iter().any(|n| {
                        n.runtime == need.runtime && n.applies_to(v) && n.syscalls.contains(s)
                    })
                };
                assert!(
                    d.missing_syscalls.iter().all(named_by_a_need_of_v),
                    "{} {v}: {:?} names what no need of that version has: {:?}",
                    need.runtime,
                    need.error,
                    d.missing_syscalls
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} checks");
}

//! The engine defaults by release: every version the catalogue builds decides like the file
//! its releases shipped (pinned in `tools/default-profiles/`, provably unmodified), releases
//! resolve to the version that shipped them, and every change cites where it was made.

mod support;

use std::path::{Path, PathBuf};

use jailwright_profile::catalogue::history::{self, History, ProfileVersion, VersionError};
use jailwright_profile::policy::Target;
use jailwright_profile::{
    catalogue, load, resolve, tables, Action, Arch, CapSet, ParseError, Profile,
};
use support::{assert_same_decisions, cap_sets, fixture};

fn pinned_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/default-profiles")
}

/// The rows of the README's table: (file, git blob id).
fn listed() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(pinned_dir().join("README.md")).unwrap();
    readme
        .lines()
        .filter(|l| l.starts_with("| docker/") || l.starts_with("| podman/"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[5].to_string())
        })
        .collect()
}

/// Git's id of a blob: SHA-1 of `blob <length>\0<content>`.
fn git_blob_id(content: &[u8]) -> String {
    let mut h = sha1_smol::Sha1::new();
    h.update(format!("blob {}\0", content.len()).as_bytes());
    h.update(content);
    h.digest().to_string()
}

#[test]
fn git_blob_id_is_gits() {
    // `printf 'hello\n' | git hash-object --stdin`, and the empty blob
    assert_eq!(
        git_blob_id(b"hello\n"),
        "ce013625030ba8dba906f756967f9e9ca394464a"
    );
    assert_eq!(git_blob_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

/// The directory of `h`'s pinned files: `docker`, `podman`.
fn dir_of(h: &History) -> &'static str {
    h.base.trim_end_matches("-default")
}

#[test]
fn pinned_files_are_the_upstream_bytes() {
    let rows = listed();
    for (file, blob) in &rows {
        let content = std::fs::read(pinned_dir().join(file)).unwrap();
        assert_eq!(&git_blob_id(&content), blob, "{file} differs from upstream");
    }
    // one file a version, the newest aside (it is the fixture), and nothing else
    let mut wanted = Vec::new();
    for h in history::HISTORIES {
        for v in h.versions.iter().filter(|v| v.label() != h.newest) {
            wanted.push(format!("{}/v{}.json", dir_of(h), v.label()));
        }
        for e in std::fs::read_dir(pinned_dir().join(dir_of(h)))
            .unwrap()
            .flatten()
        {
            let name = format!("{}/{}", dir_of(h), e.file_name().to_string_lossy());
            assert!(
                rows.iter().any(|(f, _)| *f == name),
                "{name} is not in the README"
            );
        }
    }
    let mut files: Vec<String> = rows.into_iter().map(|(f, _)| f).collect();
    files.sort();
    wanted.sort();
    assert_eq!(files, wanted);
}

/// The upstream file of `version`: the fixture for the newest, else the pinned file named after
/// its first release.
fn upstream(h: &History, version: &ProfileVersion) -> Profile {
    if version.label() == h.newest {
        return fixture(&format!("{}.json", h.base));
    }
    let path = pinned_dir().join(format!("{}/v{}.json", dir_of(h), version.label()));
    Profile::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Requires version `label` of `h` to decide like its upstream file.
fn decides_like_its_file(h: &History, label: &str) {
    let v = h
        .version(label)
        .unwrap_or_else(|| panic!("{} has no version {label}", h.base));
    let ours = h.profile(v).unwrap_or_else(|e| panic!("{e}"));
    let theirs = upstream(h, v);
    let mut caps = cap_sets(&theirs);
    for c in cap_sets(&ours) {
        if !caps.contains(&c) {
            caps.push(c);
        }
    }
    let mut with_sys_admin = CapSet::docker_default();
    with_sys_admin.insert(jailwright_profile::Capability::parse("CAP_SYS_ADMIN").unwrap());
    assert!(caps.contains(&CapSet::docker_default()) && caps.contains(&with_sys_admin));
    let what = format!("{}@{label}", h.base);
    let hosts = [Arch::X86_64, Arch::Aarch64];
    let compared = assert_same_decisions(&ours, &theirs, &hosts, &caps, &what);
    assert!(
        compared > 10_000,
        "{what}: compared only {compared} numbers"
    );
    assert_eq!(ours.default(), theirs.default(), "{what}");
    let arches = |p: &Profile| -> Vec<Arch> {
        p.arch_map
            .iter()
            .flatten()
            .map(|e| e.architecture)
            .collect()
    };
    assert_eq!(arches(&ours), arches(&theirs), "{what}: archMap hosts");
}

/// One test a version, so that a failure names it and the versions run in parallel.
macro_rules! versions_decide_like_their_files {
    ($($test:ident: $history:ident $label:literal,)*) => {
        $(
            #[test]
            fn $test() {
                decides_like_its_file(&history::$history, $label);
            }
        )*

        #[test]
        fn every_version_has_its_comparison() {
            let tested = [$((history::$history.base, $label)),*];
            let mut all = 0;
            for h in history::HISTORIES {
                for v in h.versions {
                    let label = v.label();
                    assert!(tested.contains(&(h.base, label.as_str())), "{}@{label} is not compared", h.base);
                    all += 1;
                }
            }
            assert_eq!(tested.len(), all);
        }
    };
}

versions_decide_like_their_files! {
    docker_20_10_0_decides_like_its_file: DOCKER "20.10.0",
    docker_20_10_4_decides_like_its_file: DOCKER "20.10.4",
    docker_20_10_10_decides_like_its_file: DOCKER "20.10.10",
    docker_20_10_18_decides_like_its_file: DOCKER "20.10.18",
    docker_20_10_22_decides_like_its_file: DOCKER "20.10.22",
    docker_20_10_26_decides_like_its_file: DOCKER "20.10.26",
    docker_23_0_0_decides_like_its_file: DOCKER "23.0.0",
    docker_23_0_7_decides_like_its_file: DOCKER "23.0.7",
    docker_23_0_10_decides_like_its_file: DOCKER "23.0.10",
    docker_25_0_0_decides_like_its_file: DOCKER "25.0.0",
    docker_25_0_3_decides_like_its_file: DOCKER "25.0.3",
    docker_28_2_0_decides_like_its_file: DOCKER "28.2.0",
    docker_29_4_2_decides_like_its_file: DOCKER "29.4.2",
    docker_29_4_3_decides_like_the_fixture: DOCKER "29.4.3",
    podman_4_0_0_decides_like_its_file: PODMAN "4.0.0",
    podman_4_1_0_decides_like_its_file: PODMAN "4.1.0",
    podman_4_2_0_decides_like_its_file: PODMAN "4.2.0",
    podman_5_0_0_decides_like_its_file: PODMAN "5.0.0",
    podman_5_2_0_decides_like_its_file: PODMAN "5.2.0",
    podman_5_5_0_decides_like_its_file: PODMAN "5.5.0",
    podman_5_8_0_decides_like_its_file: PODMAN "5.8.0",
    podman_unreleased_decides_like_the_fixture: PODMAN "unreleased",
}

#[test]
fn the_newest_docker_release_is_docker_default() {
    let newest = catalogue::get("docker-default").unwrap().profile();
    for name in [
        "docker-default@29.7.2",
        "docker-default@29.7",
        "docker-default@29",
        "docker-default@29.4.3",
    ] {
        assert_eq!(load(name).unwrap(), newest, "{name}");
    }
    assert_ne!(load("docker-default@29.4.2").unwrap(), newest);
    assert_eq!(
        load("podman-default").unwrap(),
        history::PODMAN.newest_profile()
    );
}

#[test]
fn every_known_release_is_in_exactly_one_version() {
    for h in history::HISTORIES {
        let mut releases = 0;
        for &(major, minor, first, last) in h.lines {
            for patch in first..=last {
                let r = jailwright_profile::policy::Version(major, minor, patch);
                let holders: Vec<String> = h
                    .versions
                    .iter()
                    .filter(|v| v.contains(r))
                    .map(|v| v.label())
                    .collect();
                assert_eq!(holders.len(), 1, "{} {r}: {holders:?}", h.base);
                let (resolved, v) = h.resolve(&r.to_string()).unwrap();
                assert_eq!((resolved, v.label()), (r, holders[0].clone()));
                releases += 1;
            }
        }
        // and every window starts and ends on a release
        for v in h.versions {
            for &(a, b) in v.releases {
                for end in [a, b] {
                    assert!(h.resolve(&end.to_string()).is_ok(), "{} {end}", h.base);
                }
            }
        }
        assert!(releases > 50, "{}: {releases} releases", h.base);
    }
}

#[test]
fn a_version_names_a_release_line_or_a_release() {
    let label = |req: &str| {
        history::DOCKER
            .resolve(req)
            .map(|(r, v)| (r.to_string(), v.label()))
    };
    assert_eq!(label("28.3.0").unwrap(), ("28.3.0".into(), "28.2.0".into()));
    assert_eq!(label("24.0").unwrap(), ("24.0.9".into(), "23.0.7".into()));
    assert_eq!(
        label("v24.0.2").unwrap(),
        ("24.0.2".into(), "23.0.0".into())
    );
    assert_eq!(
        label("23.0.10").unwrap(),
        ("23.0.10".into(), "23.0.10".into())
    );
    assert_eq!(label("23.0").unwrap(), ("23.0.18".into(), "23.0.10".into()));
    assert_eq!(
        label("20.10.22").unwrap(),
        ("20.10.22".into(), "20.10.22".into())
    );
    assert_eq!(
        label("20.10.23").unwrap(),
        ("20.10.23".into(), "20.10.18".into())
    );
    assert_eq!(label("25").unwrap(), ("25.0.17".into(), "25.0.3".into()));
    let podman = |req: &str| {
        history::PODMAN
            .resolve(req)
            .map(|(r, v)| (r.to_string(), v.label()))
    };
    assert_eq!(podman("4.9").unwrap(), ("4.9.5".into(), "4.2.0".into()));
    assert_eq!(podman("5.8.2").unwrap(), ("5.8.2".into(), "5.8.0".into()));
    for unknown in ["19.03", "99", "27.0.0", "24.0.10", "20.10.28"] {
        match label(unknown) {
            Err(VersionError::Unknown { known, .. }) => {
                assert!(
                    known.starts_with("20.10.0-27, 23.0.0-18, 24.0.0-9"),
                    "{known}"
                );
                assert!(known.ends_with("29.7.0-2"), "{known}");
            }
            other => panic!("{unknown}: {other:?}"),
        }
    }
    for bad in ["", "24.x", "24..1", "24.0.1.2", "latest", "-1"] {
        assert!(
            matches!(label(bad), Err(VersionError::Syntax { .. })),
            "{bad}"
        );
    }
}

#[test]
fn load_names_what_is_wrong_with_a_version() {
    let err = load("docker-default@19.03").unwrap_err();
    assert!(
        matches!(err, ParseError::Version(VersionError::Unknown { .. })),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("Docker Engine has no release 19.03") && text.contains("20.10.0-27"),
        "{text}"
    );
    let err = load("plugin@1").unwrap_err();
    assert!(
        matches!(err, ParseError::Version(VersionError::NotVersioned { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("`@RELEASE` is for docker-default and podman-default only"),
        "{err}"
    );
    let err = load("podman-default@3.4").unwrap_err();
    assert!(err.to_string().contains("4.0.0-3"), "{err}");
    let err = load("no-such-profile").unwrap_err();
    assert!(err.to_string().contains("podman-default"), "{err}");
}

fn decide_on(arch: Arch, name: &str, caps: &[&str], syscall: &str, args: [u64; 6]) -> Action {
    let p = load(name).unwrap();
    let mut t = Target::docker(Arch::X86_64);
    for c in caps {
        t.caps
            .insert(jailwright_profile::Capability::parse(c).unwrap());
    }
    let nr = tables::table(arch).unwrap().lookup(syscall).unwrap();
    resolve(&p, &t).decide(arch, nr, &args).action
}

/// The decision for `syscall` on x86_64 under release `version` of Docker's default.
fn docker(version: &str, caps: &[&str], syscall: &str, args: [u64; 6]) -> Action {
    decide_on(
        Arch::X86_64,
        &format!("docker-default@{version}"),
        caps,
        syscall,
        args,
    )
}

const EPERM: Action = Action::Errno(1);
const ENOSYS: Action = Action::Errno(38);
const NONE: [u64; 6] = [0; 6];

#[test]
fn docker_releases_decide_as_their_changes_say() {
    assert_eq!(docker("24.0.9", &[], "io_uring_setup", NONE), Action::Allow);
    assert_eq!(
        docker("23.0.18", &[], "io_uring_setup", NONE),
        Action::Allow
    );
    assert_eq!(docker("25.0.0", &[], "io_uring_setup", NONE), EPERM);
    let vsock = [40, 1, 0, 0, 0, 0];
    assert_eq!(docker("20.10.21", &[], "socket", vsock), Action::Allow);
    assert_eq!(docker("20.10.22", &[], "socket", vsock), EPERM);
    assert_eq!(docker("20.10.23", &[], "socket", vsock), Action::Allow);
    assert_eq!(docker("23.0.0", &[], "socket", vsock), EPERM);
    // cachestat is newer than every syscall 23.0.9 names: runc's stub answers ENOSYS
    assert_eq!(docker("23.0.9", &[], "cachestat", NONE), ENOSYS);
    assert_eq!(docker("23.0.10", &[], "cachestat", NONE), Action::Allow);
    assert_eq!(
        docker("24.0.9", &[], "cachestat", NONE),
        ENOSYS,
        "no 24.0 release has the February 2024 backport"
    );
    assert_eq!(docker("25.0.2", &[], "cachestat", NONE), ENOSYS);
    assert_eq!(docker("25.0.3", &[], "cachestat", NONE), Action::Allow);
    assert_eq!(docker("20.10.9", &[], "clone3", NONE), EPERM);
    assert_eq!(docker("20.10.10", &[], "clone3", NONE), ENOSYS);
    assert_eq!(docker("20.10.25", &[], "name_to_handle_at", NONE), EPERM);
    assert_eq!(
        docker("20.10.26", &[], "name_to_handle_at", NONE),
        Action::Allow
    );
    assert_eq!(docker("24.0.2", &[], "name_to_handle_at", NONE), EPERM);
    assert_eq!(
        docker("24.0.3", &[], "name_to_handle_at", NONE),
        Action::Allow
    );
    assert_eq!(
        docker("28.1.1", &["CAP_SYS_ADMIN"], "lsm_list_modules", NONE),
        ENOSYS,
        "newer than every syscall 28.1.1 names: runc's stub"
    );
    assert_eq!(docker("28.2.0", &[], "lsm_list_modules", NONE), EPERM);
    assert_eq!(
        docker("28.2.0", &["CAP_SYS_ADMIN"], "lsm_list_modules", NONE),
        Action::Allow
    );
    let alg = [38, 5, 0, 0, 0, 0];
    assert_eq!(docker("29.4.1", &[], "socket", alg), Action::Allow);
    assert_eq!(docker("29.4.2", &[], "socket", alg), EPERM);
    let socketcall = |v: &str| {
        decide_on(
            Arch::X86,
            &format!("docker-default@{v}"),
            &[],
            "socketcall",
            [1, 0, 0, 0, 0, 0],
        )
    };
    assert_eq!(socketcall("29.4.1"), Action::Allow);
    assert_eq!(socketcall("29.4.2"), ENOSYS);
    assert_eq!(socketcall("29.4.3"), Action::Allow);
}

#[test]
fn podman_releases_decide_as_their_changes_say() {
    let podman = |v: &str, caps: &[&str], syscall: &str| {
        let name = if v.is_empty() {
            "podman-default".to_string()
        } else {
            format!("podman-default@{v}")
        };
        decide_on(Arch::X86_64, &name, caps, syscall, NONE)
    };
    assert_eq!(podman("4.0", &[], "ptrace"), EPERM);
    assert_eq!(podman("4.1", &[], "ptrace"), Action::Allow);
    assert_eq!(podman("4.1", &[], "landlock_create_ruleset"), ENOSYS);
    assert_eq!(podman("4.2", &[], "landlock_create_ruleset"), Action::Allow);
    assert_eq!(podman("5.1", &[], "fchmodat2"), Action::Allow);
    assert_eq!(podman("5.1", &[], "futex_waitv"), ENOSYS);
    assert_eq!(podman("5.2", &[], "futex_waitv"), EPERM);
    assert_eq!(podman("5.8", &[], "futex_waitv"), EPERM);
    assert_eq!(podman("", &[], "futex_waitv"), Action::Allow);
    // perf_event_open: CAP_SYS_ADMIN alone allowed it before 5.2, neither alone in 5.2 to 5.8
    // (the EPERM rule without CAP_SYS_ADMIN names it), either after 5.8
    assert_eq!(
        podman("5.1", &["CAP_SYS_ADMIN"], "perf_event_open"),
        Action::Allow
    );
    assert_eq!(podman("5.2", &["CAP_SYS_ADMIN"], "perf_event_open"), ENOSYS);
    assert_eq!(podman("5.2", &["CAP_PERFMON"], "perf_event_open"), EPERM);
    assert_eq!(
        podman("5.8", &["CAP_SYS_ADMIN", "CAP_PERFMON"], "perf_event_open"),
        Action::Allow
    );
    assert_eq!(
        podman("", &["CAP_SYS_ADMIN"], "perf_event_open"),
        Action::Allow
    );
    assert_eq!(
        podman("", &["CAP_PERFMON"], "perf_event_open"),
        Action::Allow
    );
    assert_eq!(
        podman("5.4", &["CAP_SYS_ADMIN"], "fanotify_init"),
        Action::Allow
    );
    assert_eq!(podman("5.4", &[], "fanotify_init"), EPERM);
    assert_eq!(podman("5.5", &[], "fanotify_init"), Action::Allow);
    let vsock = |v: &str| {
        decide_on(
            Arch::X86_64,
            &format!("podman-default@{v}"),
            &[],
            "socket",
            [40, 1, 0, 0, 0, 0],
        )
    };
    assert_eq!(vsock("5.7"), Action::Allow);
    assert_eq!(vsock("5.8"), EPERM);
}

#[test]
fn every_change_cites_its_public_source() {
    for h in history::HISTORIES {
        let mut labels: Vec<String> = h.versions.iter().map(|v| v.label()).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), h.versions.len(), "{}: labels repeat", h.base);
        assert!(h.version(h.newest).is_some(), "{}", h.base);
        for v in h.versions {
            assert!(
                v.after.is_none_or(|a| h.version(a).is_some()),
                "{} {}",
                h.base,
                v.label()
            );
            assert_eq!(
                v.after.is_none(),
                v.changes.is_empty(),
                "{} {}",
                h.base,
                v.label()
            );
            for c in v.changes {
                assert!(c.summary.len() > 10 && c.reason.len() > 10, "{}", c.id);
                assert!(!c.sources.is_empty(), "{}", c.id);
                assert_eq!(
                    h.first_releases(c).is_empty(),
                    v.releases.is_empty(),
                    "{}",
                    c.id
                );
                for s in c.sources {
                    assert!(
                        s.commit.len() == 10 && s.commit.bytes().all(|b| b.is_ascii_hexdigit()),
                        "{}: commit {}",
                        c.id,
                        s.commit
                    );
                    if let Some(pr) = s.pr {
                        let prefix = format!("https://github.com/{}/pull/", s.repo);
                        let number = pr
                            .strip_prefix(&prefix)
                            .unwrap_or_else(|| panic!("{}: {pr}", c.id));
                        assert!(number.parse::<u32>().is_ok(), "{}: {pr}", c.id);
                    }
                }
                assert!(v.source_of(c).is_some());
            }
        }
    }
    // the source shown for a version is the one on its release line
    let v = history::DOCKER.version("23.0.10").unwrap();
    let s = v.source_of(&v.changes[0]).unwrap();
    assert_eq!(
        (s.commit, s.pr),
        (
            "b9f01eea45",
            Some("https://github.com/moby/moby/pull/47346")
        )
    );
}

//! Drift tests for the syscall tables: pinned sizes, known numbers, internal consistency, and
//! coverage of the names in Docker's default profile.

use std::collections::BTreeSet;
use std::path::PathBuf;

use jailwright_profile::arch::Arch;
use jailwright_profile::tables::{self, SyscallTable, TABLE_SOURCE};

const X32_BIT: u32 = 0x4000_0000;

/// The arches that have a table, with the number of entries pinned. A change here means the
/// tables changed (a `syscalls` upgrade or a regenerated hand table): update deliberately.
const PINNED_LEN: &[(Arch, usize)] = &[
    (Arch::X86_64, 383),
    (Arch::X86, 459),
    (Arch::X32, 372),
    (Arch::Aarch64, 325),
    (Arch::Arm, 428), // 422 from the syscalls crate + 6 ARM private syscalls
    (Arch::Riscv64, 326),
    (Arch::S390x, 388),
    (Arch::S390, 440),
    (Arch::Ppc64le, 422),
    (Arch::Ppc64, 422),
    (Arch::Ppc, 450),
    (Arch::Mips, 443),
    (Arch::Mipsel, 443),
    (Arch::Mips64, 373),
    (Arch::Mipsel64, 373),
    (Arch::Mips64n32, 397),
    (Arch::Mipsel64n32, 397),
    (Arch::Loongarch64, 321),
];

fn t(arch: Arch) -> &'static SyscallTable {
    tables::table(arch).unwrap_or_else(|| panic!("no table for {arch}"))
}

#[test]
fn pinned_sizes() {
    for &(arch, len) in PINNED_LEN {
        let table = t(arch);
        assert_eq!(table.arch(), arch);
        assert_eq!(table.len(), len, "{arch}: entry count drifted");
        assert!(!table.is_empty());
    }
    let with_table: Vec<Arch> = Arch::ALL
        .into_iter()
        .filter(|&a| tables::table(a).is_some())
        .collect();
    let pinned: Vec<Arch> = PINNED_LEN.iter().map(|&(a, _)| a).collect();
    assert_eq!(with_table, pinned, "every arch with a table must be pinned");
}

#[test]
fn arches_without_a_table() {
    for arch in [
        Arch::Parisc,
        Arch::Parisc64,
        Arch::M68k,
        Arch::Sh,
        Arch::Sheb,
    ] {
        assert!(tables::table(arch).is_none(), "{arch}");
    }
}

#[test]
fn known_numbers() {
    let cases: &[(Arch, &str, u32)] = &[
        (Arch::X86_64, "read", 0),
        (Arch::X86_64, "execve", 59),
        (Arch::X86_64, "arch_prctl", 158),
        (Arch::X86_64, "clone3", 435),
        (Arch::X86_64, "openat2", 437),
        (Arch::X86_64, "file_setattr", 469),
        (Arch::X86, "socketcall", 102),
        (Arch::X86, "break", 17),
        (Arch::X86, "execve", 11),
        (Arch::X32, "read", X32_BIT),
        (Arch::X32, "execve", X32_BIT | 520),
        (Arch::X32, "rt_sigaction", X32_BIT | 512),
        (Arch::X32, "pwritev2", X32_BIT | 547),
        (Arch::X32, "openat", X32_BIT | 257),
        (Arch::X32, "clone3", X32_BIT | 435),
        (Arch::Aarch64, "openat", 56),
        (Arch::Aarch64, "read", 63),
        (Arch::Aarch64, "clone3", 435),
        (Arch::Arm, "read", 3),
        (Arch::Arm, "socket", 281),
        (Arch::Arm, "arm_fadvise64_64", 270),
        (Arch::Arm, "breakpoint", 0x0f_0001),
        (Arch::Arm, "cacheflush", 0x0f_0002),
        (Arch::Arm, "set_tls", 0x0f_0005),
        (Arch::Riscv64, "read", 63),
        (Arch::Riscv64, "riscv_flush_icache", 259),
        (Arch::S390x, "read", 3),
        (Arch::S390x, "getuid", 199),
        (Arch::S390x, "select", 142),
        (Arch::S390, "read", 3),
        (Arch::S390, "getuid", 24),
        (Arch::S390, "getuid32", 199),
        (Arch::S390, "_newselect", 142),
        (Arch::S390, "fstatat64", 293),
        (Arch::S390, "clock_gettime64", 403),
        (Arch::S390, "s390_runtime_instr", 342),
        (Arch::Ppc64le, "read", 3),
        (Arch::Ppc64le, "swapcontext", 249),
        (Arch::Ppc64le, "openat", 286),
        (Arch::Ppc, "read", 3),
        (Arch::Mips, "read", 4003),
        (Arch::Mipsel, "read", 4003),
        (Arch::Mips64, "read", 5000),
        (Arch::Mipsel64, "read", 5000),
        (Arch::Mips64n32, "read", 6000),
        (Arch::Mipsel64n32, "read", 6000),
        (Arch::Mips64n32, "fcntl64", 6212),
        (Arch::Mips64n32, "clone3", 6435),
        (Arch::Loongarch64, "read", 63),
        (Arch::Loongarch64, "clone3", 435),
        // The generic table's 64-bit ABIs: 79 is newfstatat (what glibc and musl call for
        // stat, lstat and fstatat), 80 fstat.
        (Arch::Aarch64, "newfstatat", 79),
        (Arch::Aarch64, "fstat", 80),
        (Arch::Riscv64, "newfstatat", 79),
        (Arch::Loongarch64, "newfstatat", 79),
        (Arch::Loongarch64, "fstat", 80),
        // arm64's extra ABIs (arch/arm64/kernel/Makefile.syscalls).
        (Arch::Aarch64, "renameat", 38),
        (Arch::Aarch64, "getrlimit", 163),
        (Arch::Aarch64, "memfd_secret", 447),
        (Arch::Mips64, "set_mempolicy_home_node", 5450),
        (Arch::X32, "map_shadow_stack", X32_BIT | 453),
    ];
    for &(arch, name, nr) in cases {
        assert_eq!(t(arch).lookup(name), Some(nr), "{arch} {name}");
        assert_eq!(t(arch).name(nr), Some(name), "{arch} {nr:#x}");
    }
    let absent: &[(Arch, &str)] = &[
        (Arch::X86_64, "socketcall"),
        (Arch::X32, "rt_sigaction_64"),
        (Arch::Aarch64, "open"),
        (Arch::S390, "select"),
        (Arch::S390x, "_newselect"),
        (Arch::Loongarch64, "open"),
        // Regression: the 32-bit-only rows of the generic table are not on its 64-bit ABIs,
        // and no 64-bit ABI spells 79 `fstatat`.
        (Arch::Aarch64, "fstatat"),
        (Arch::Aarch64, "fstatat64"),
        (Arch::Aarch64, "clock_gettime64"),
        (Arch::Aarch64, "futex_time64"),
        (Arch::Riscv64, "clock_gettime64"),
        (Arch::Loongarch64, "clock_gettime64"),
        (Arch::Loongarch64, "fstatat"),
        // LoongArch adds no ABI to the generic table's: no renameat, rlimit or memfd_secret.
        (Arch::Loongarch64, "renameat"),
        (Arch::Loongarch64, "getrlimit"),
        (Arch::Loongarch64, "memfd_secret"),
        // arm's kernel name for 341 is arm_sync_file_range; libseccomp knows no other.
        (Arch::Arm, "sync_file_range2"),
    ];
    for &(arch, name) in absent {
        assert_eq!(t(arch).lookup(name), None, "{arch} {name}");
    }
    // The 64-bit-only rows of syscall_64.tbl are not reachable from x32.
    for nr in [
        13, 15, 16, 19, 20, 45, 46, 47, 54, 55, 59, 101, 322, 327, 328,
    ] {
        assert_eq!(t(Arch::X32).name(X32_BIT | nr), None, "x32 {nr}");
    }
}

#[test]
fn table_source_names_the_versions() {
    assert!(
        TABLE_SOURCE.contains("gen-syscall-tables"),
        "{TABLE_SOURCE}"
    );
    assert!(TABLE_SOURCE.contains("Linux v6.18"), "{TABLE_SOURCE}");
}

#[test]
fn tables_are_sorted_and_round_trip() {
    for &(arch, _) in PINNED_LEN {
        let table = t(arch);
        let entries: Vec<(&str, u32)> = table.iter().collect();
        assert_eq!(entries.len(), table.len(), "{arch}");
        assert!(
            entries.windows(2).all(|w| w[0].1 < w[1].1),
            "{arch}: iter() not strictly sorted by number"
        );
        assert_eq!(table.max_nr(), entries.last().unwrap().1, "{arch}: max_nr");
        for (name, nr) in entries {
            assert_eq!(table.lookup(name), Some(nr), "{arch} {name}");
            assert_eq!(table.name(nr), Some(name), "{arch} {nr}");
            assert!(!name.is_empty() && !name.starts_with("r#"), "{arch} {name}");
        }
    }
}

#[test]
fn abi_number_ranges() {
    let within = |arch: Arch, lo: u32, hi: u32| {
        assert!(
            t(arch).iter().all(|(_, nr)| (lo..hi).contains(&nr)),
            "{arch}: number outside {lo}..{hi}"
        );
    };
    within(Arch::X32, X32_BIT, X32_BIT + 548);
    within(Arch::Mips, 4000, 5000);
    within(Arch::Mips64, 5000, 6000);
    within(Arch::Mips64n32, 6000, 7000);
    within(Arch::X86_64, 0, 512);
    // The x32-only numbers name the same syscalls as the x86_64 64-bit-only rows.
    for nr in 512..=547 {
        let name = t(Arch::X32).name(X32_BIT | nr).expect("x32-only number");
        let native = t(Arch::X86_64).lookup(name).expect("x86_64 has it");
        assert_eq!(t(Arch::X32).name(X32_BIT | native), None, "{name}");
    }
    // Endianness variants share numbers.
    for (a, b) in [
        (Arch::Mips, Arch::Mipsel),
        (Arch::Mips64, Arch::Mipsel64),
        (Arch::Mips64n32, Arch::Mipsel64n32),
        (Arch::Ppc64, Arch::Ppc64le),
    ] {
        assert!(t(a).iter().eq(t(b).iter()), "{a} vs {b}");
    }
}

#[test]
fn all_names_is_the_sorted_union() {
    let names: Vec<&str> = tables::all_names().collect();
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "sorted, deduplicated"
    );
    let union: BTreeSet<&str> = PINNED_LEN
        .iter()
        .flat_map(|&(a, _)| t(a).iter().map(|(n, _)| n))
        .collect();
    assert!(names.iter().copied().eq(union.iter().copied()));
    for name in [
        "socketcall",
        "arch_prctl",
        "cacheflush",
        "fstatat64",
        "_newselect",
    ] {
        assert!(names.binary_search(&name).is_ok(), "{name}");
    }
}

#[test]
fn suggestions() {
    assert_eq!(tables::suggest("opnat"), Some("openat"));
    assert_eq!(tables::suggest("ptrce"), Some("ptrace"));
    assert_eq!(
        tables::suggest("sched_setafinity"),
        Some("sched_setaffinity")
    );
    assert_eq!(tables::suggest("OPENAT2"), None, "known, ignoring case");
    assert_eq!(tables::suggest("openat"), None, "known");
    assert_eq!(tables::suggest("clock_gettim"), Some("clock_gettime"));
    assert_eq!(
        tables::suggest("landlock_create"),
        Some("landlock_create_ruleset")
    );
    assert_eq!(tables::suggest("xyzzy"), None);
    assert_eq!(tables::suggest("io_uring"), None, "ambiguous prefix");
}

fn docker_default() -> serde_json::Value {
    let path = PathBuf::from(option_env!("JAILWRIGHT_FIXTURES").unwrap_or(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures"
    )))
    .join("docker-default.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn rule_names(rule: &serde_json::Value) -> Vec<&str> {
    rule["names"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n.as_str()).collect())
        .unwrap_or_default()
}

/// The ABIs a filter built on `host` covers (the host's arch plus Docker's sub-arches).
fn filter_arches(go_host: &str) -> Vec<Arch> {
    let host = Arch::from_go_name(go_host).unwrap_or_else(|| panic!("host {go_host}"));
    std::iter::once(host)
        .chain(host.default_sub_arches().iter().copied())
        .collect()
}

/// Names in Docker's default that are header aliases rather than syscall-table rows. The kernel
/// defines `__NR_sync_file_range2` as `__NR_arm_sync_file_range` on 32-bit ARM; libseccomp
/// resolves the alias there, jailwright's tables (kernel table rows only) do not.
const HEADER_ALIASES: &[(&str, Arch)] = &[("sync_file_range2", Arch::Arm)];

#[test]
fn docker_default_names_resolve() {
    let profile = docker_default();
    let rules = profile["syscalls"].as_array().expect("syscalls array");
    let names: BTreeSet<&str> = rules.iter().flat_map(rule_names).collect();

    // Every name exists in at least one kernel table.
    for name in &names {
        let known = PINNED_LEN.iter().any(|&(a, _)| t(a).lookup(name).is_some());
        assert!(known, "{name} resolves on no arch");
    }

    // A rule Docker keeps only on some hosts names syscalls of those hosts' filters.
    for rule in rules {
        let Some(hosts) = rule["includes"]["arches"].as_array() else {
            continue;
        };
        for name in rule_names(rule) {
            for host in hosts.iter().filter_map(|h| h.as_str()) {
                let arches = filter_arches(host);
                let resolves = arches.iter().any(|&a| t(a).lookup(name).is_some());
                let alias = HEADER_ALIASES
                    .iter()
                    .any(|&(n, a)| n == name && arches.contains(&a));
                assert!(resolves || alias, "{name} resolves on none of {arches:?}");
            }
        }
    }

    // How many of the profile's names each ABI lacks (32-bit-only names on 64-bit ABIs, legacy
    // names on the generic-table ABIs, other arches' private calls). Pinned to catch drift in
    // the tables or the fixture.
    let missing_pinned: &[(Arch, usize)] = &[
        (Arch::X86_64, 75),
        (Arch::X86, 21),
        (Arch::X32, 79),
        (Arch::Aarch64, 119),
        (Arch::Arm, 32),
        (Arch::Riscv64, 118),
        (Arch::S390x, 77),
        (Arch::S390, 25),
        (Arch::Ppc64le, 68),
        (Arch::Ppc64, 68),
        (Arch::Ppc, 40),
        (Arch::Mips, 43),
        (Arch::Mipsel, 43),
        (Arch::Mips64, 85),
        (Arch::Mipsel64, 85),
        (Arch::Mips64n32, 61),
        (Arch::Mipsel64n32, 61),
        (Arch::Loongarch64, 123),
    ];
    for &(arch, pinned) in missing_pinned {
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| t(arch).lookup(n).is_none())
            .collect();
        assert_eq!(missing.len(), pinned, "{arch}: unresolved {missing:?}");
    }

    // The calls every container needs resolve on every ABI.
    for name in [
        "read",
        "write",
        "openat",
        "close",
        "exit_group",
        "execve",
        "futex",
    ] {
        for &(arch, _) in PINNED_LEN {
            assert!(t(arch).lookup(name).is_some(), "{arch} {name}");
        }
    }
}

#[test]
fn cross_check_with_libseccomp_when_available() {
    // `scmp_sys_resolver` (libseccomp's tools) is optional; skip, saying why, when absent.
    let probe = std::process::Command::new("scmp_sys_resolver")
        .args(["-a", "x86_64", "read"])
        .output();
    let Ok(out) = probe else {
        eprintln!("skipped: scmp_sys_resolver not installed");
        return;
    };
    if !out.status.success() {
        eprintln!("skipped: scmp_sys_resolver failed");
        return;
    }
    let resolve = |arch: &str, name: &str| -> Option<i64> {
        let out = std::process::Command::new("scmp_sys_resolver")
            .args(["-a", arch, name])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    for (arch, scmp) in [
        (Arch::X86_64, "x86_64"),
        (Arch::X86, "x86"),
        (Arch::Aarch64, "aarch64"),
        (Arch::Arm, "arm"),
    ] {
        for name in ["read", "openat", "clone", "socket", "execve"] {
            let ours = t(arch).lookup(name).map(i64::from);
            let theirs = resolve(scmp, name).filter(|&n| n >= 0);
            if let (Some(o), Some(l)) = (ours, theirs) {
                assert_eq!(o, l, "{arch} {name}: jailwright vs libseccomp");
            }
        }
    }
}

#[test]
fn suggestions_use_the_abis_own_spelling() {
    let cases: &[(Arch, &str, Option<&str>)] = &[
        (Arch::Aarch64, "fstatat", Some("newfstatat")),
        (Arch::X86_64, "fstatat", Some("newfstatat")),
        (Arch::X86, "fstatat", Some("fstatat64")),
        (Arch::Arm, "llseek", Some("_llseek")),
        (Arch::Aarch64, "umount", Some("umount2")),
        (Arch::Aarch64, "clock_gettime64", Some("clock_gettime")),
        (Arch::Aarch64, "opnat", Some("openat")),
        (Arch::Aarch64, "openat", None),
    ];
    for &(arch, name, want) in cases {
        assert_eq!(t(arch).suggest(name), want, "{arch} {name}");
    }
}

/// The kernel files the committed tables are generated from (see tools/syscall-tables).
const PINNED_LINUX: (&str, &str) = ("tools/syscall-tables/linux-v6.18", "v6.18");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the table generator on `linux` into `out`; its exit status and stderr.
fn generate(linux: &std::path::Path, out: &std::path::Path) -> (Option<i32>, String) {
    let o = std::process::Command::new("python3")
        .arg(repo().join("tools/gen-syscall-tables.py"))
        .arg(linux)
        .args(["--version", PINNED_LINUX.1, "--no-audit", "--out"])
        .arg(out)
        .output()
        .expect("run python3 tools/gen-syscall-tables.py");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("jw-tables-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_generator_reproduces_the_committed_tables_from_the_pinned_kernel_files() {
    let out = scratch("gen");
    let (code, err) = generate(&repo().join(PINNED_LINUX.0), &out);
    assert_eq!(code, Some(0), "{err}");
    let committed = files(&repo().join("crates/profile/src/tables/generated"));
    let generated = files(&out);
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&generated), names(&committed));
    for ((name, g), (_, c)) in generated.iter().zip(&committed) {
        assert!(
            g == c,
            "{name}: the generator's output differs from the committed table"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_generator_check_fails_when_an_input_changes() {
    // A copy of the pinned files with one x86_64 number changed: --check against the committed
    // tables must fail and name the table, so a stale table cannot pass.
    let tree = scratch("tree");
    let src = repo().join(PINNED_LINUX.0);
    let copy = std::process::Command::new("cp")
        .arg("-a")
        .arg(src.join("arch"))
        .arg(src.join("scripts"))
        .arg(&tree)
        .status()
        .unwrap();
    assert!(copy.success());
    let tbl = tree.join("arch/x86/entry/syscalls/syscall_64.tbl");
    let text = std::fs::read_to_string(&tbl).unwrap();
    assert!(
        text.contains("\n39\tcommon\tgetpid\t"),
        "getpid row not found"
    );
    std::fs::write(
        &tbl,
        text.replace("\n39\tcommon\tgetpid\t", "\n39\tcommon\tgetpidx\t"),
    )
    .unwrap();
    let o = std::process::Command::new("python3")
        .arg(repo().join("tools/gen-syscall-tables.py"))
        .arg(&tree)
        .args(["--version", PINNED_LINUX.1, "--no-audit", "--check"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("drift in x86_64.rows"), "{err}");
    // Bad input is an error with the file and line, exit 2.
    std::fs::write(&tbl, "39 common\n").unwrap();
    let (code, err) = generate(&tree, &scratch("bad"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("syscall_64.tbl:1: expected"), "{err}");
    let _ = std::fs::remove_dir_all(&tree);
}

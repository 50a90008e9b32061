//! The comparison report rendered by a real browser: headless Chromium loads the page from
//! disk, runs its script, and the test reads the DOM it built — every group row, every
//! profile column, counts equal to `stats --format json`, a group expanded with a call's
//! decision and deciding rule — and keeps a screenshot as a CI artefact.

use std::path::{Path, PathBuf};
use std::process::Command;

use jailwright_profile::catalogue::groups;
use scraper::{Html, Selector};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_jailwright");
const TIERS: [&str; 7] = [
    "moderate",
    "debug",
    "mcp",
    "strict",
    "plugin",
    "docker-default",
    "podman-default",
];

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

/// Where the artefacts go: `target/artifacts/` (kept by CI).
fn artifacts() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn jw(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run jailwright")
}

/// The DOM Chromium built for `url` after running the page's script.
fn dom(browser: &str, url: &str) -> String {
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ])
        .output()
        .expect("run chromium");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

#[test]
fn the_report_renders_in_chromium_with_every_group_profile_and_count() {
    let Some(browser) = chromium() else {
        return println!("SKIP: chromium is not installed");
    };
    let out = artifacts().join("report.html");
    let mut args = vec!["report"];
    args.extend(TIERS);
    args.extend(["--arches", "x86_64,aarch64", "-o", out.to_str().unwrap()]);
    let o = jw(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&out).unwrap();
    // Self-contained: nothing is fetched.
    for needle in ["<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!page.contains(needle), "{needle}");
    }
    let url = format!("file://{}#expand=x86_64:file-io", out.display());
    let doc = Html::parse_document(&dom(browser, &url));
    assert!(
        doc.select(&sel("html[data-ready=true]")).next().is_some(),
        "the script did not run"
    );
    for arch in ["x86_64", "aarch64"] {
        let table = doc
            .select(&sel(&format!("table.matrix[data-arch={arch}]")))
            .next()
            .unwrap_or_else(|| panic!("no matrix for {arch}"));
        let cols: Vec<String> = table
            .select(&sel("thead th[data-profile]"))
            .map(|th| th.value().attr("data-profile").unwrap().to_string())
            .collect();
        assert_eq!(cols, TIERS, "{arch}");
        let rows: Vec<&str> = table
            .select(&sel("tr.group"))
            .map(|tr| tr.value().attr("data-group").unwrap())
            .collect();
        let want: Vec<&str> = groups().iter().map(|g| g.id).collect();
        assert_eq!(rows, want, "{arch}");
        // The allowed counts over all groups are what `stats` counts.
        let mut stats_args = vec!["stats", "--format", "json", "--arch", arch];
        stats_args.extend(TIERS);
        let stats: Value = serde_json::from_slice(&jw(&stats_args).stdout).unwrap();
        for (i, p) in TIERS.iter().enumerate() {
            let s = &stats[i]["stats"]["unconditional_allows_per_arch"][0];
            assert_eq!(s[0], arch);
            let totals = table
                .select(&sel(&format!("tr.totals td[data-profile=\"{p}\"] .counts")))
                .next()
                .unwrap();
            let allowed: u64 = totals
                .value()
                .attr("data-allowed")
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(Some(allowed), s[1].as_u64(), "{p} on {arch}");
            // Each group's counts add up to its number of calls on this ABI.
            let sum: u64 = ["allowed", "conditional", "denied", "killed", "other"]
                .iter()
                .map(|k| {
                    totals
                        .value()
                        .attr(&format!("data-{k}"))
                        .unwrap()
                        .parse::<u64>()
                        .unwrap()
                })
                .sum();
            let table_len = jailwright_profile::tables::table(arch.parse().unwrap())
                .unwrap()
                .len();
            assert_eq!(sum as usize, table_len, "{p} on {arch}");
        }
    }
    // The group the address named is open, with openat's cell for `plugin` and the panel
    // showing the rule `explain` names.
    let open = doc
        .select(&sel("tr.syscalls#g-x86_64-file-io"))
        .next()
        .unwrap();
    assert!(open.value().attr("hidden").is_none(), "not expanded");
    let button = doc
        .select(&sel("button.expand[aria-controls=g-x86_64-file-io]"))
        .next()
        .unwrap();
    assert_eq!(button.value().attr("aria-expanded"), Some("true"));
    let cell = open
        .select(&sel("tr[data-syscall=openat] td.call[data-profile=plugin]"))
        .next()
        .unwrap();
    assert_eq!(cell.value().attr("data-cls"), Some("conditional"));
    let strings: Vec<String> =
        serde_json::from_str(&doc.select(&sel("#strings")).next().unwrap().inner_html()).unwrap();
    let rule = &strings[cell
        .value()
        .attr("data-r")
        .unwrap()
        .parse::<usize>()
        .unwrap()];
    let explain: Value = serde_json::from_slice(
        &jw(&[
            "explain", "plugin", "openat", "--arch", "x86_64", "--format", "json",
        ])
        .stdout,
    )
    .unwrap();
    let path = explain["explanation"]["decided_by"]["path"]
        .as_str()
        .unwrap();
    assert!(rule.starts_with(&format!("{path}: ")), "{rule} vs {path}");
    let panel: String = doc
        .select(&sel("#details"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(panel.contains("decided by"), "{panel}");
    // The differences of the first two, and each profile's findings.
    assert!(doc.select(&sel("#diff table.diff")).next().is_some());
    assert_eq!(
        doc.select(&sel("#lint h3[data-profile]")).count(),
        TIERS.len()
    );
    // A screenshot for people (kept by CI; not compared pixel by pixel).
    let png = artifacts().join("report.png");
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,1800",
            &format!("--screenshot={}", png.display()),
            &format!("file://{}#expand=x86_64:networking", out.display()),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
}

#[test]
fn stats_and_diff_as_html_and_bad_input() {
    let o = jw(&[
        "stats", "--format", "html", "--arch", "x86_64", "strict", "plugin",
    ]);
    assert!(o.status.success());
    let page = String::from_utf8(o.stdout).unwrap();
    let doc = Html::parse_document(&page);
    assert_eq!(doc.select(&sel("table.matrix")).count(), 1);
    let o = jw(&[
        "diff", "--format", "html", "--arch", "x86_64", "strict", "plugin",
    ]);
    assert_eq!(o.status.code(), Some(1), "differences exit 1 like diff");
    let doc = Html::parse_document(&String::from_utf8(o.stdout).unwrap());
    assert!(doc.select(&sel("table.diff tr[data-syscall]")).count() > 0);
    let o = jw(&["diff", "--format", "html", "plugin", "plugin"]);
    assert_eq!(o.status.code(), Some(0));
    // --diff picks the pair; it must name two of the profiles compared.
    let page = std::env::temp_dir().join(format!("jw-report-{}.html", std::process::id()));
    let p = page.to_str().unwrap();
    let o = jw(&[
        "report",
        "moderate",
        "strict",
        "plugin",
        "--diff",
        "plugin,moderate",
        "--arches",
        "x86_64",
        "-o",
        p,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = Html::parse_document(&std::fs::read_to_string(&page).unwrap());
    let heading: String = doc
        .select(&sel("#diff h3"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        heading.starts_with("plugin → moderate on x86_64"),
        "{heading}"
    );
    let _ = std::fs::remove_file(&page);
    for bad in ["plugin,debug", "plugin", "plugin,strict,moderate"] {
        let o = jw(&[
            "report", "moderate", "strict", "plugin", "--diff", bad, "-o", p,
        ]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--diff"),
            "{bad}"
        );
    }
    let o = jw(&["report", "plugin", "--arches", "vax", "-o", "/tmp/x.html"]);
    assert_eq!(o.status.code(), Some(2));
    let o = jw(&["report", "plugin", "--arch", "x86_64", "-o", "/tmp/x.html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--arches"));
}

//! `jailwright run --backend docker` (this crate's `run`) against plain `docker run` with
//! equivalent flags, same image, same command (`/bin/true`), N runs each, interleaved.
//!
//! ```text
//! cargo run --release -p jailwright-container --example docker_run [-- N]
//! ```

use std::time::{Duration, Instant};

use jailwright_container::{ensure_image, run, Backend, ContainerRun, ImageSpec, Output};

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p = |q: f64| ms(v[((v.len() as f64 - 1.0) * q).round() as usize]);
    (p(0.5), p(0.9), ms(v[0]))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let backend = Backend::docker_default();
    let info = backend.info()?;
    let image = ensure_image(&backend, &ImageSpec::default())?;
    let profile = jailwright_profile::load("plugin")?;
    let file = std::env::temp_dir().join(format!("jw-bench-{}.json", std::process::id()));
    std::fs::write(&file, profile.to_json_pretty())?;

    let mut opts = ContainerRun::new(image.clone(), vec!["/bin/true".into()], profile);
    opts.profile_name = "plugin".into();
    opts.output = Output::Capture;
    opts.quiet = true;
    let l = opts.limits;
    let docker_args: Vec<String> = [
        "run",
        "--rm",
        "--network",
        "none",
        "--read-only",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        "--security-opt".into(),
        format!("seccomp={}", file.display()),
        "--user".into(),
        opts.user.clone(),
        "--tmpfs".into(),
        format!(
            "/tmp:rw,nosuid,nodev,size={},mode=1777",
            opts.tmpfs_tmp.unwrap_or(64 << 20)
        ),
        "--pids-limit".into(),
        l.pids.unwrap_or(256).to_string(),
        "--memory".into(),
        l.memory.unwrap_or(512 << 20).to_string(),
        "--memory-swap".into(),
        l.memory.unwrap_or(512 << 20).to_string(),
        "--cpus".into(),
        l.cpus.unwrap_or(1.0).to_string(),
        "--ulimit".into(),
        "nofile=1024:1024".into(),
        "--ulimit".into(),
        "nproc=1024:1024".into(),
        image.clone(),
        "/bin/true".into(),
    ])
    .collect();

    // Warm up both paths once.
    run(&opts, &backend)?;
    std::process::Command::new("docker")
        .args(&docker_args)
        .output()?;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let t = Instant::now();
        let o = run(&opts, &backend)?;
        ours.push(t.elapsed());
        assert_eq!(o.exit_code(), 0);
        let t = Instant::now();
        let s = std::process::Command::new("docker")
            .args(&docker_args)
            .status()?;
        theirs.push(t.elapsed());
        assert!(s.success());
    }
    let _ = std::fs::remove_file(&file);
    println!(
        "Docker {} ({} {}), image {image}, command /bin/true, N={n} each, interleaved\n",
        info.server_version,
        info.default_runtime,
        info.runtime_version.unwrap_or_default()
    );
    println!("| path | median ms | p90 ms | min ms |");
    println!("|---|---:|---:|---:|");
    let (m1, p1, lo1) = stats(ours);
    let (m2, p2, lo2) = stats(theirs);
    println!(
        "| jailwright run (Engine API, attach+start+wait+remove) | {m1:.1} | {p1:.1} | {lo1:.1} |"
    );
    println!("| docker run --rm (CLI, equivalent flags) | {m2:.1} | {p2:.1} | {lo2:.1} |");
    println!("\njailwright / docker median: {:.2}", m1 / m2);
    println!(
        "\ndocker {}",
        docker_args
            .join(" ")
            .replace(&file.display().to_string(), "plugin.json")
    );
    Ok(())
}

//! Runs a command in the default sandbox and prints the JSON report to stderr:
//! `cargo run -p jailwright-sandbox --example run -- CMD [ARGS]...`
use jailwright_sandbox::Sandbox;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: run CMD [ARGS]...");
        std::process::exit(2);
    };
    match Sandbox::builder()
        .command(program, args)
        .build()
        .and_then(Sandbox::run)
    {
        Ok(o) => {
            if let Ok(json) = serde_json_report(&o.report) {
                eprintln!("{json}");
            }
            std::process::exit(o.exit_code());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}

fn serde_json_report(r: &jailwright_sandbox::RunReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(r)
}

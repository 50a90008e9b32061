//! Prints the compile statistics of a catalogue profile: `cargo run --example stats -- docker-default x86_64`.
use jailwright_bpf::{compile, disassemble, CompileOptions};
use jailwright_profile::{resolve, Arch, Target};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("docker-default", |s| s.as_str());
    let arch: Arch = args
        .get(2)
        .map_or("x86_64", |s| s.as_str())
        .parse()
        .unwrap();
    let profile = jailwright_profile::load(name).unwrap();
    let policy = resolve(&profile, &Target::docker(arch));
    let c = compile(&policy, &CompileOptions::default()).unwrap();
    if args.iter().any(|a| a == "--disasm") {
        print!("{}", disassemble(&c.program, c.endian));
    }
    println!("{:#?}", c.stats);
}

//! Fuzz the Python source scan: any bytes give findings, never a panic or an error, and every
//! finding has a position in the file.
#![no_main]

use jailwright_scan::{scan_source, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut opts = Options::default();
    opts.output_dirs.push("/out".into());
    let findings = scan_source("fuzz.py", data, &opts).expect("any bytes scan");
    let lines = data.split(|&b| b == b'\n').count();
    for f in &findings {
        assert!(f.line >= 1 && f.line <= lines.max(1) && f.column >= 1, "{f:?}");
    }
});

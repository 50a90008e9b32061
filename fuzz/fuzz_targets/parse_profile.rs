//! Fuzz the profile parser: any bytes either parse or give an error; never a panic. A profile
//! that parses must survive a write/read round trip and resolve on every table arch.
#![no_main]

use jailwright_profile::{resolve, tables, Arch, Profile, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Profile::from_json(text, "fuzz") {
        let again = Profile::from_json(&p.to_json_pretty(), "fuzz").expect("round trip");
        assert_eq!(again.to_json_pretty(), p.to_json_pretty());
        for a in Arch::ALL.into_iter().filter(|a| tables::table(*a).is_some()) {
            let _ = resolve(&p, &Target::docker(a));
        }
    }
});

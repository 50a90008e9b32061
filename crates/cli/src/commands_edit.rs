//! The commands that edit profiles: `patch` and `merge`.

use std::path::Path;

use jailwright_profile::ops::{self, Patch};
use jailwright_profile::Arch;

use crate::commands::load;
use crate::output::emit;
use crate::{Failure, EXIT_FINDINGS};

/// `jailwright patch`.
pub(crate) fn patch_cmd(
    profile: &str,
    allow: Vec<String>,
    deny: Vec<String>,
    errno: &[String],
    add_arch: &[String],
    default_errno: Option<String>,
    output: Option<&Path>,
) -> Result<u8, Failure> {
    let mut p = load(profile)?;
    let errno = errno
        .iter()
        .map(|e| {
            e.split_once('=')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "--errno expects NAME=ERRNO (e.g. clone3=ENOSYS), got `{e}`"
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let add_arch = add_arch
        .iter()
        .map(|a| a.parse::<Arch>())
        .collect::<Result<Vec<_>, _>>()?;
    let log = ops::patch(
        &mut p,
        &Patch {
            allow,
            deny,
            errno,
            add_arch,
            default_errno,
        },
    )?;
    for l in &log {
        eprintln!("patched: {l}");
    }
    emit(output, p.to_json_pretty().as_bytes())?;
    Ok(0)
}

/// `jailwright merge`.
pub(crate) fn merge_cmd(profiles: &[String], output: Option<&Path>) -> Result<u8, Failure> {
    let loaded = profiles
        .iter()
        .map(|n| load(n).map(|p| (n.clone(), p)))
        .collect::<Result<Vec<_>, _>>()?;
    let (merged, conflicts) = ops::merge(&loaded);
    for c in &conflicts {
        eprintln!("conflict: {}: {}", c.syscall, c.message);
    }
    emit(output, merged.to_json_pretty().as_bytes())?;
    Ok(if conflicts.is_empty() {
        0
    } else {
        EXIT_FINDINGS
    })
}

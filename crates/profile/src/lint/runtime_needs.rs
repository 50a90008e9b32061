//! JW4xx: what the container runtime itself needs of the profile (the table lives in
//! [`crate::runtime`]).

use super::*;

impl Lint<'_> {
    /// JW601.
    pub(super) fn runtime_needs(&mut self) {
        let runtime = self.opts.runtime;
        if runtime.kind == RuntimeKind::Oci {
            return;
        }
        let checked = match (runtime.version, effective_version(runtime)) {
            (None, Some(v)) => format!(
                " (the runtime's version was not given: checked against {}@{v}, the newest jailwright knows; pass --runtime {}@VERSION for yours)",
                runtime, runtime
            ),
            _ => String::new(),
        };
        let mut out = Vec::new();
        for p in &self.policies {
            for (need, missing) in missing_runtime_needs(p, runtime, self.opts.no_new_privileges) {
                let list = missing.join(", ");
                let alternatives = if need.kind == NeedKind::AnyOf {
                    format!(
                        " (it falls back between {}; allowing {} is enough)",
                        need.syscalls.join(" and "),
                        missing.join(", ")
                    )
                } else {
                    String::new()
                };
                out.push((
                    p.host,
                    missing.clone(),
                    format!(
                        "{} cannot start a container under this profile: it calls {list} itself {} ({}){alternatives}, and the user sees \"{}\"{checked}",
                        runtime_name(runtime),
                        need.when(),
                        versions_text(need),
                        need.error
                    ),
                    format!(
                        "allow {list}: add {} to the unconditional allow rule (source: {}; {})",
                        quote_list(&missing),
                        need.source,
                        need.probe
                    ),
                ));
            }
        }
        let why = if self.opts.no_new_privileges {
            format!("with no-new-privileges on, the runtime installs the filter just before it execs the entrypoint, so what it does from there (closing inherited file descriptors, its procfs checks, the exec, its own threads) goes through the profile; {RUNC_INIT_ORDER}")
        } else {
            format!("{} (with --security-opt no-new-privileges it installs the filter just before exec, and needs fewer: lint --no-new-privileges); {RUNC_INIT_ORDER}", RUNTIME_NEEDS_RULE.why)
        };
        let path = self.key_path("syscalls");
        for (host, missing, message, fix) in out {
            let syscall = (missing.len() == 1).then_some(missing[0]);
            self.push(
                Hit::new(RUNTIME_NEEDS_RULE, path.clone(), message)
                    .syscall(syscall)
                    .on(host)
                    .why(why.clone())
                    .fix(fix),
            );
        }
    }
}

//! The Security Profiles Operator's `SeccompProfile` (Kubernetes).

use super::*;

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
pub(super) fn yq(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

pub(super) fn kubernetes(profile: &Profile, opts: &ExportOptions) -> Result<Export, ExportError> {
    const SPO_ARCHES: &[Arch] = &[
        Arch::X86,
        Arch::X86_64,
        Arch::X32,
        Arch::Arm,
        Arch::Aarch64,
        Arch::Mips,
        Arch::Mips64,
        Arch::Mips64n32,
        Arch::Mipsel,
        Arch::Mipsel64,
        Arch::Mipsel64n32,
        Arch::Ppc,
        Arch::Ppc64,
        Arch::Ppc64le,
        Arch::S390,
        Arch::S390x,
        Arch::Parisc,
        Arch::Parisc64,
        Arch::Riscv64,
    ];
    let (_, p, mut notes) = resolved(profile, opts)?;
    let name = bare_name(opts);
    let mut y = String::new();
    y.push_str(&format!(
        "# Security Profiles Operator SeccompProfile, exported by jailwright for {} hosts\n",
        opts.arch
    ));
    y.push_str(&format!(
        "apiVersion: security-profiles-operator.x-k8s.io/{}\n",
        opts.spo_api.name()
    ));
    y.push_str("kind: SeccompProfile\n");
    y.push_str("metadata:\n");
    y.push_str(&format!("  name: {}\n", yq(name)));
    if let Some(ns) = &opts.namespace {
        y.push_str(&format!("  namespace: {}\n", yq(ns)));
    }
    y.push_str("spec:\n");
    y.push_str(&format!(
        "  defaultAction: {}\n",
        yq(p.default_action.as_str())
    ));
    let default = p.default();
    if let Action::Errno(e) = default {
        if e != 1 {
            notes.push(format!(
                "the default answers {default}, but SeccompProfile has no `defaultErrnoRet`: runtimes will answer unlisted syscalls with EPERM instead (glibc then does not fall back from newer syscalls); list the syscalls that must see ENOSYS in an SCMP_ACT_ERRNO rule with errnoRet {e}"
            ));
        }
    }
    if let Action::Trace(d) = default {
        if d != 1 {
            notes.push(format!("the default TRACE data {d} cannot be expressed (no `defaultErrnoRet`); TRACE(1) will be used"));
        }
    }
    let arches: Vec<Arch> = p.architectures.clone().unwrap_or_default();
    let (ok, missing): (Vec<Arch>, Vec<Arch>) =
        arches.into_iter().partition(|a| SPO_ARCHES.contains(a));
    if !missing.is_empty() {
        notes.push(format!(
            "SeccompProfile's schema does not accept {}: left out of `architectures` (the node's native ABI is still covered by libseccomp)",
            missing.iter().map(|a| a.scmp_name()).collect::<Vec<_>>().join(", ")
        ));
    }
    if !ok.is_empty() {
        y.push_str("  architectures:\n");
        for a in &ok {
            y.push_str(&format!("    - {}\n", yq(a.scmp_name())));
        }
    }
    if let Some(flags) = p.flags.as_ref().filter(|f| !f.is_empty()) {
        y.push_str("  flags:\n");
        for f in flags {
            y.push_str(&format!("    - {}\n", yq(f)));
        }
    }
    if let Some(lp) = &p.listener_path {
        y.push_str(&format!("  listenerPath: {}\n", yq(lp)));
    }
    if let Some(lm) = &p.listener_metadata {
        y.push_str(&format!("  listenerMetadata: {}\n", yq(lm)));
    }
    let comments = p.rules().iter().filter(|r| r.comment.is_some()).count();
    yaml_rules(&mut y, &p, opts.spo_api)?;
    if comments > 0 {
        notes.push(format!(
            "SeccompProfile has no per-rule comments: {comments} comment(s) were left out"
        ));
    }
    let local = match &opts.namespace {
        Some(ns) => format!("operator/{ns}/{name}.json"),
        None => format!("operator/{name}.json"),
    };
    let pod = pod_snippet(&local);
    notes.push(match opts.spo_api {
        SpoApi::V1 => "apiVersion is security-profiles-operator.x-k8s.io/v1 (Security Profiles Operator 1.0.0 and later); for an older operator export with --spo-api v1beta1".into(),
        SpoApi::V1beta1 => "apiVersion is security-profiles-operator.x-k8s.io/v1beta1 with errnoRet as a string, as the Security Profiles Operator served it before 1.0.0".into(),
    });
    notes.push(if opts.namespace.is_some() {
        format!("namespaced profile (Security Profiles Operator before v0.9.0): the operator installs it on every node as {local} under the kubelet's seccomp directory")
    } else {
        format!("cluster-scoped profile (Security Profiles Operator v0.9.0 and later): the operator installs it on every node as {local} under the kubelet's seccomp directory; for releases before v0.9.0 export with a namespace, giving operator/<namespace>/{name}.json")
    });
    notes.push(format!(
        "steps: `kubectl apply -f {name}.seccompprofile.yaml`; wait for `kubectl get seccompprofile {name}` to show Installed; then add the securityContext snippet to the workload"
    ));
    Ok(Export {
        files: vec![
            (format!("{name}.seccompprofile.yaml"), y),
            (format!("{name}.pod-securitycontext.yaml"), pod),
        ],
        notes,
    })
}

/// The rules as SeccompProfile's `spec.syscalls`, typed as `api` has them.
fn yaml_rules(y: &mut String, p: &Profile, api: SpoApi) -> Result<(), ExportError> {
    if p.rules().is_empty() {
        y.push_str("  syscalls: []\n");
    } else {
        y.push_str("  syscalls:\n");
        for (i, r) in p.rules().iter().enumerate() {
            y.push_str(&format!("    - action: {}\n", yq(r.action.as_str())));
            match (r.errno_ret, api) {
                (Some(e), SpoApi::V1) => y.push_str(&format!("      errnoRet: {e}\n")),
                (Some(e), SpoApi::V1beta1) => {
                    y.push_str(&format!("      errnoRet: {}\n", yq(&e.to_string())))
                }
                (None, _) => {}
            }
            y.push_str("      names:\n");
            for n in r.all_names() {
                y.push_str(&format!("        - {}\n", yq(n)));
            }
            if !r.conditions().is_empty() {
                y.push_str("      args:\n");
                for (j, c) in r.conditions().iter().enumerate() {
                    if api == SpoApi::V1 {
                        for (field, v) in [("value", Some(c.value)), ("valueTwo", c.value_two)] {
                            if let Some(value) = v.filter(|v| i64::try_from(*v).is_err()) {
                                return Err(ExportError::ValueTooLarge {
                                    path: format!("$.syscalls[{i}].args[{j}]"),
                                    field,
                                    value,
                                });
                            }
                        }
                    }
                    y.push_str(&format!("        - index: {}\n", c.index));
                    y.push_str(&format!("          value: {}\n", c.value));
                    if let Some(v2) = c.value_two {
                        y.push_str(&format!("          valueTwo: {v2}\n"));
                    }
                    y.push_str(&format!("          op: {}\n", yq(c.op.as_str())));
                }
            }
        }
    }
    Ok(())
}

/// The workload's side: the `securityContext` that points at the installed profile.
fn pod_snippet(local: &str) -> String {
    let mut pod = String::new();
    pod.push_str("# the pod (or container) side: add under spec: of the Pod, or spec.template.spec: of a Deployment\n");
    pod.push_str("securityContext:\n");
    pod.push_str("  seccompProfile:\n");
    pod.push_str("    type: Localhost\n");
    pod.push_str(&format!("    localhostProfile: {}\n", yq(local)));
    pod
}

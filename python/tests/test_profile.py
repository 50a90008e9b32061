"""lint and diff through the bundled binary's JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

import jailwright


def test_lint_finds_an_unknown_syscall_and_runtime_needs(tmp_path: Path) -> None:
    p = tmp_path / "p.json"
    p.write_text(
        '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": '
        '[{"names": ["read", "write", "no_such_call"], "action": "SCMP_ACT_ALLOW"}]}'
    )
    findings = jailwright.lint(p, runtime="runc", arch="x86_64")
    by_slug = {f.slug: f for f in findings}
    assert "runtime-init-needs" in by_slug, [f.slug for f in findings]
    f = by_slug["runtime-init-needs"]
    assert f.severity == "error" and f.id.startswith("JW") and f.fix and f.why
    assert any(f.syscall == "no_such_call" for f in findings), findings


def test_lint_of_a_builtin_has_no_errors() -> None:
    findings = jailwright.lint("plugin", arch=["x86_64", "aarch64"])
    assert all(f.severity != "error" for f in findings), findings


def test_lint_of_a_bad_profile_raises(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text('{"defaultAction":')
    with pytest.raises(jailwright.ProfileError, match="invalid JSON"):
        jailwright.lint(p)


def test_diff_names_the_syscalls() -> None:
    d = jailwright.diff("moderate", "strict", arch="x86_64")
    assert d.a == "moderate" and d.b == "strict" and d.differs
    [host] = d.hosts
    assert host.host == "x86_64" and host.compared > 0
    chroot = [x for x in host.differences if x.syscall == "chroot"]
    assert chroot and chroot[0].a.startswith("ALLOW") and chroot[0].b.startswith("ERRNO")
    same = jailwright.diff("strict", "strict", arch="x86_64")
    assert not same.differs


def test_profile_load_patch_save_and_reload(tmp_path: Path) -> None:
    p = jailwright.Profile.load("plugin")
    assert p.name == "plugin" and p.data["defaultAction"] == "SCMP_ACT_ERRNO"
    q = p.patch(allow=["keyctl"], deny=["ptrace"], errno={"mount": "EACCES"})
    assert q is not p and q != p
    allowed = {n for r in q.data["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
    assert "keyctl" in allowed and "ptrace" not in allowed
    f = tmp_path / "custom.json"
    q.save(f)
    assert jailwright.Profile.load(f) == q
    # What the patch did, decided by the CLI's own diff.
    d = p.diff(q, arch="x86_64")
    changed = {x.syscall for h in d.hosts for x in h.differences}
    assert {"keyctl", "mount"} <= changed
    with pytest.raises(jailwright.ProfileError, match="no_such_call"):
        p.patch(allow=["no_such_call"])
    with pytest.raises(jailwright.ProfileError, match="missing.json"):
        jailwright.Profile.load(tmp_path / "missing.json")


def test_profile_merge_export_and_lint() -> None:
    a = jailwright.Profile.load("strict")
    b = jailwright.Profile.load("plugin")
    m = jailwright.Profile.merge(a, b)
    # The merge allows what either allows: nothing b allows is a difference from b that denies.
    for h in m.diff(b, arch="x86_64").hosts:
        for x in h.differences:
            assert "ALLOW" in x.a, x
    k8s = b.export("kubernetes", name="plugin")
    assert "kind: SeccompProfile" in k8s and "security-profiles-operator.x-k8s.io/v1" in k8s
    oci = b.export("oci")
    assert '"defaultAction"' in oci
    with pytest.raises(jailwright.UsageError, match="--to expects"):
        b.export("nope")
    assert not [f for f in b.lint() if f.severity == "error"]
    with pytest.raises(ValueError):
        jailwright.Profile.merge(a)

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

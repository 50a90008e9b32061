"""The container backends through Python: results, the runtime's refusal as
``RuntimeRejected``, and ``on_reject="compat"``. Skipped when no engine is reachable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import jailwright


def _docker_up() -> bool:
    if not os.path.exists("/var/run/docker.sock"):
        return False
    p = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, check=False)
    return p.returncode == 0


needs_docker = pytest.mark.skipif(not _docker_up(), reason="the Docker engine is not reachable")


@needs_docker
def test_a_container_run_is_a_result_like_a_native_one() -> None:
    r = jailwright.run(["/bin/sh", "-c", "echo from-container; id -u; exit 3"], backend="docker")
    assert r.returncode == 3
    assert r.stdout == b"from-container\n65534\n"
    assert r.backend == "docker"
    net = r.layer("network-namespace")
    assert net is not None and net.state == "enforced"
    assert r.compat_added == ()


@needs_docker
def test_the_runtime_s_refusal_is_runtime_rejected_and_compat_fixes_it(tmp_path: Path) -> None:
    # Every runtime execs the command itself, through the profile: without execve it cannot.
    broken = tmp_path / "no-execve.json"
    jailwright.Profile.load("plugin").patch(deny=["execve"]).save(broken)
    with pytest.raises(jailwright.RuntimeRejected) as e:
        jailwright.run(["/bin/true"], backend="docker", profile=broken)
    err = e.value
    assert err.returncode == 125
    assert err.missing_syscalls == ("execve",)
    assert "operation not permitted" in err.runtime_message.lower()
    assert "--allow execve" in err.fix
    assert err.cause and err.cause in err.message
    r = jailwright.run(["/bin/true"], backend="docker", profile=broken, on_reject="compat")
    assert r.returncode == 0
    assert r.compat_added == ("execve",)


@needs_docker
def test_an_image_that_is_not_there_is_a_setup_error() -> None:
    with pytest.raises(jailwright.SetupError) as e:
        jailwright.run(["/bin/true"], backend="docker", image="jailwright-no-such-image:none")
    assert e.value.returncode == 125
    assert "jailwright-no-such-image" in e.value.message

"""Real runs of the bundled binary: results, denials, timeouts, errors, big outputs,
concurrency."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from pathlib import Path

import pytest

import jailwright

# Resolved inside the sandbox, which sees the host's /usr (not a virtual environment).
PY = "python3"
PTRACE = "import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.ptrace(0, 0, 0, 0), ctypes.get_errno())"


def test_binary_is_the_installed_one_not_path() -> None:
    b = jailwright.binary()
    assert os.path.isabs(b) and os.access(b, os.X_OK)
    # Not a PATH lookup: the package finds it through its own installation.
    assert "JAILWRIGHT_BINARY" not in os.environ


def test_a_result_with_stdout_and_layers() -> None:
    r = jailwright.run([PY, "-c", "import sys; print('hello'); print('oops', file=sys.stderr)"])
    assert r.returncode == 0 and r.ok
    assert r.stdout == b"hello\n"
    assert r.stderr == b"oops\n"
    assert not r.timed_out
    assert r.denials == ()
    seccomp = r.layer("seccomp")
    assert seccomp is not None and seccomp.state == "enforced"
    assert {l.name for l in r.layers} >= {"user-namespace", "filesystem", "seccomp", "landlock"}
    assert r.duration > 0


def test_a_plugins_nonzero_exit_is_a_result() -> None:
    r = jailwright.run([PY, "-c", "import sys; sys.exit(3)"])
    assert r.returncode == 3 and not r.ok
    # The CLI's own statuses too: 2 and 125 from the plugin are results, not exceptions.
    assert jailwright.run([PY, "-c", "import sys; sys.exit(2)"]).returncode == 2
    assert jailwright.run([PY, "-c", "import sys; sys.exit(125)"]).returncode == 125
    assert jailwright.run(["/no/such/program"]).returncode == 127


def test_a_denial_by_name_with_rule_and_fix() -> None:
    r = jailwright.run([PY, "-c", PTRACE])
    assert r.returncode == 0
    assert r.stdout == b"-1 1\n"  # EPERM
    [d] = [d for d in r.denials if d.name == "ptrace"]
    assert d.number == 101 or d.arch != "x86_64"
    assert d.count >= 1
    assert len(d.args) == 6 and d.args[0] == 0  # PTRACE_TRACEME
    assert d.call == "ptrace(PTRACE_TRACEME)"
    assert d.action == "ERRNO(EPERM)"
    assert d.rule and "--allow ptrace" in d.fix
    # Under a profile that allows it, no denial.
    r = jailwright.run([PY, "-c", PTRACE], profile="debug")
    assert not [d for d in r.denials if d.name == "ptrace"]


def test_timeout_kills_and_says_so() -> None:
    r = jailwright.run([PY, "-c", "import time; print('start', flush=True); time.sleep(30)"], timeout=0.5)
    assert r.timed_out
    assert r.returncode == 124
    assert r.stdout == b"start\n"
    assert r.duration < 10


def test_options_env_cwd_input_binds(shared_dir: Path) -> None:
    tmp_path = shared_dir
    (tmp_path / "in.txt").write_text("data")
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    code = (
        "import os, sys; print(os.environ['GREETING'], os.getcwd(), sys.stdin.read(), "
        "open('/data/in.txt').read()); open('/out/w', 'w').write('ok')"
    )
    r = jailwright.run(
        [PY, "-c", code],
        env={"GREETING": "hi"},
        cwd="/tmp",
        input=b"stdin-bytes",
        ro_binds=[(tmp_path, "/data")],
        binds=[f"{out}:/out"],
        memory="256m",
        pids=64,
    )
    assert r.stdout == b"hi /tmp stdin-bytes data\n", r.stderr
    assert (out / "w").read_text() == "ok"
    cgroup = r.layer("cgroup")
    rlimits = r.layer("rlimits")
    assert cgroup is not None and rlimits is not None


def test_profile_error_names_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_BOGUS"}]}')
    with pytest.raises(jailwright.ProfileError) as e:
        jailwright.run(["/bin/true"], profile=bad)
    assert str(bad) in e.value.message
    assert "$.syscalls[0].action" in e.value.message
    assert "SCMP_ACT_ALLOW" in e.value.message  # the fix: the names that work
    assert e.value.returncode == 2
    with pytest.raises(jailwright.ProfileError, match="no built-in profile or file named"):
        jailwright.run(["/bin/true"], profile="no-such-profile")


def test_usage_error_names_the_option() -> None:
    with pytest.raises(jailwright.UsageError, match="--memory"):
        jailwright.run(["/bin/true"], memory="lots")
    with pytest.raises(jailwright.UsageError, match="--cwd"):
        jailwright.run(["/bin/true"], cwd="relative")
    with pytest.raises(jailwright.UsageError, match="--on-reject applies to --backend docker or podman"):
        jailwright.run(["/bin/true"], on_reject="compat")


def test_setup_error_has_the_stage(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(jailwright.SetupError) as e:
        jailwright.run(["/bin/true"], ro_binds=[(missing, "/x")])
    assert e.value.returncode == 125
    assert e.value.stage == f"bind source {missing}"
    assert e.value.fix is not None and "create it" in e.value.fix
    assert isinstance(e.value, jailwright.Error)
    with pytest.raises(jailwright.UsageError, match="unknown layer"):
        jailwright.run(["/bin/true"], require=["no-such-layer"])


def test_exception_hierarchy() -> None:
    for cls in (jailwright.ProfileError, jailwright.SetupError, jailwright.UsageError, jailwright.RuntimeRejected, jailwright.BinaryNotFound):
        assert issubclass(cls, jailwright.Error)


def test_binary_override_is_explicit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAILWRIGHT_BINARY", str(tmp_path / "nothing"))
    with pytest.raises(jailwright.BinaryNotFound):
        jailwright.run(["/bin/true"])


def test_100_mb_of_stdout_and_stderr_without_deadlock() -> None:
    code = (
        "import sys; b = b'x' * (1 << 20)\n"
        "for _ in range(100): sys.stdout.buffer.write(b); sys.stderr.buffer.write(b[:4096])"
    )
    r = jailwright.run([PY, "-c", code], timeout=120)
    assert r.returncode == 0, r.stderr[-500:]
    assert len(r.stdout) == 100 << 20
    assert len(r.stderr) == 100 * 4096


def test_8_concurrent_runs_from_threads() -> None:
    def one(i: int) -> jailwright.RunResult:
        return jailwright.run([PY, "-c", f"import time; time.sleep(0.3); print({i})"])

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        results = list(ex.map(one, range(8)))
    assert [r.stdout for r in results] == [f"{i}\n".encode() for i in range(8)]
    assert all(r.returncode == 0 for r in results)


def test_8_concurrent_runs_from_asyncio() -> None:
    async def main() -> list[jailwright.RunResult]:
        return await asyncio.gather(
            *(jailwright.run_async([PY, "-c", f"import sys; print({i}); sys.exit({i})"]) for i in range(8))
        )

    results = asyncio.run(main())
    assert [r.stdout for r in results] == [f"{i}\n".encode() for i in range(8)]
    assert [r.returncode for r in results] == list(range(8))


def test_run_async_has_the_same_result_and_errors() -> None:
    async def main() -> jailwright.RunResult:
        return await jailwright.run_async([PY, "-c", PTRACE], input=b"", timeout=30)

    r = asyncio.run(main())
    assert r.stdout == b"-1 1\n"
    assert [d.name for d in r.denials] == ["ptrace"]
    with pytest.raises(jailwright.ProfileError):
        asyncio.run(jailwright.run_async(["/bin/true"], profile="no-such-profile"))
    r = asyncio.run(jailwright.run_async([PY, "-c", "import time; time.sleep(30)"], timeout=0.5))
    assert r.timed_out and r.returncode == 124


def test_tmpfs_user_network_sizes_and_cpu_time() -> None:
    code = (
        "import os\n"
        "open('/scratch/f', 'w').write('x')\n"
        "print(os.getuid(), os.getgid())\n"
        "print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]))\n"
        "st = os.statvfs('/tmp'); print(st.f_blocks * st.f_frsize)\n"
    )
    r = jailwright.run([PY, "-c", code], tmpfs=["/scratch"], user="1000:1001", tmp_size="8m", shm_size="4m")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0] == "1000 1001"
    assert lines[1] == "['lo']"
    assert int(lines[2]) == 8 << 20
    # A CPU-bound loop is stopped by the CPU-time limit (SIGXCPU, then SIGKILL).
    r = jailwright.run([PY, "-c", "while True: pass"], cpu_time=1, timeout=60)
    assert not r.timed_out
    assert r.returncode in (128 + 24, 128 + 9), r.returncode
    with pytest.raises(jailwright.UsageError, match="--network"):
        jailwright.run(["/bin/true"], network="wifi")

"""Streaming output of long plugins, and cancellation of asyncio runs."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import uuid
from pathlib import Path
from typing import List

import pytest

import jailwright

PY = "python3"

# Prints "ready", then waits (up to 60 s) for the host to create `go` in the shared directory,
# then prints "done": it finishes early only if "ready" reached the host while it ran.
HANDSHAKE = (
    "import os, sys, time\n"
    "print('ready', flush=True)\n"
    "for _ in range(600):\n"
    "    if os.path.exists('/shared/go'): break\n"
    "    time.sleep(0.1)\n"
    "print('done' if os.path.exists('/shared/go') else 'no go', flush=True)\n"
    "print('err-line', file=sys.stderr, flush=True)\n"
)


def test_stdout_reaches_the_callback_while_the_plugin_runs(shared_dir: Path) -> None:
    tmp_path = shared_dir
    chunks: List[bytes] = []

    def on_stdout(chunk: bytes) -> None:
        chunks.append(chunk)
        if b"ready" in b"".join(chunks):
            (tmp_path / "go").touch()

    r = jailwright.run([PY, "-c", HANDSHAKE], ro_binds=[(tmp_path, "/shared")], on_stdout=on_stdout, timeout=120)
    assert r.returncode == 0, r.stderr
    assert b"".join(chunks) == b"ready\ndone\n"
    # The streamed stream is not kept; the other one is.
    assert r.stdout == b""
    assert r.stderr == b"err-line\n"


def test_both_streams_to_callbacks_from_asyncio(shared_dir: Path) -> None:
    tmp_path = shared_dir
    out: List[bytes] = []
    err: List[bytes] = []

    def on_stdout(chunk: bytes) -> None:
        out.append(chunk)
        if b"ready" in b"".join(out):
            (tmp_path / "go").touch()

    async def main() -> jailwright.RunResult:
        return await jailwright.run_async(
            [PY, "-c", HANDSHAKE], ro_binds=[(tmp_path, "/shared")], on_stdout=on_stdout, on_stderr=err.append, timeout=120
        )

    r = asyncio.run(main())
    assert r.returncode == 0
    assert b"".join(out) == b"ready\ndone\n" and b"".join(err) == b"err-line\n"
    assert r.stdout == r.stderr == b""


def test_a_failing_callback_stops_the_plugin_and_is_raised() -> None:
    class Stop(Exception):
        pass

    def on_stdout(chunk: bytes) -> None:
        raise Stop(chunk)

    marker = f"jw-stream-{uuid.uuid4().hex}"
    with pytest.raises(Stop):
        jailwright.run(["/bin/sh", "-c", f"echo first; sleep 60; echo {marker}"], on_stdout=on_stdout)
    assert not _running(marker)


def _running(marker: str) -> bool:
    return subprocess.run(["pgrep", "-f", marker], stdout=subprocess.DEVNULL, check=False).returncode == 0


def test_cancelling_run_async_kills_the_sandbox() -> None:
    marker = f"jw-cancel-{uuid.uuid4().hex}"
    started = threading.Event()

    async def main() -> None:
        task = asyncio.ensure_future(
            jailwright.run_async(["/bin/sh", "-c", f"echo up; sleep 60; echo {marker}"], on_stdout=lambda c: started.set())
        )
        for _ in range(600):
            if started.is_set():
                break
            await asyncio.sleep(0.05)
        assert started.is_set() and _running(marker)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    # The CLI was killed; the sandbox dies with it.
    for _ in range(100):
        if not _running(marker):
            break
        threading.Event().wait(0.05)
    assert not _running(marker)

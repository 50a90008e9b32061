"""``run`` and ``run_async``: the bundled CLI's ``run`` with ``--report``, read back as a
:class:`RunResult`; the CLI's own failures (exit 2, 125 without a report) as exceptions."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import tempfile
import time
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

from ._binary import binary
from ._errors import Error, ProfileError, SetupError, UsageError
from ._types import RunResult, run_result

StrPath = Union[str, "os.PathLike[str]"]
Bind = Union[StrPath, Tuple[StrPath, StrPath]]

EXIT_USAGE = 2
EXIT_SETUP_FAILED = 125
ERROR_PREFIX = "jailwright: error: "


def _bind(spec: Bind) -> str:
    if isinstance(spec, tuple):
        src, dst = spec
        return f"{os.fspath(src)}:{os.fspath(dst)}"
    return os.fspath(spec)


def _command(
    argv: Sequence[StrPath],
    report: str,
    profile: StrPath,
    ro_binds: Sequence[Bind],
    binds: Sequence[Bind],
    env: Optional[Mapping[str, str]],
    cwd: Optional[str],
    timeout: Optional[float],
    memory: Union[int, str, None],
    pids: Optional[int],
    on_reject: str,
    require: Sequence[str],
) -> list[str]:
    if isinstance(argv, (str, bytes)) or not argv:
        raise TypeError("argv must be a non-empty sequence of arguments, e.g. ['python3', '-c', 'print(1)']")
    if on_reject != "fail":
        raise ValueError(
            f"on_reject={on_reject!r} applies to the container backends; the native backend only fails"
        )
    cmd = [binary(), "run", "--quiet", "--report", report, "--profile", os.fspath(profile)]
    for b in ro_binds:
        cmd += ["--ro-bind", _bind(b)]
    for b in binds:
        cmd += ["--bind", _bind(b)]
    for k, v in (env or {}).items():
        if not k or "=" in k:
            raise ValueError(f"env: bad variable name {k!r}")
        cmd += ["--env", f"{k}={v}"]
    if cwd is not None:
        cmd += ["--cwd", cwd]
    if timeout is not None:
        cmd += ["--timeout", repr(float(timeout))]
    if memory is not None:
        cmd += ["--memory", str(memory)]
    if pids is not None:
        cmd += ["--pids", str(int(pids))]
    for r in require:
        cmd += ["--require", r]
    cmd.append("--")
    cmd += [os.fspath(a) for a in argv]
    return cmd


def _error(code: int, stderr: bytes) -> Error:
    """The CLI's own failure (no report was written) as an exception."""
    text = stderr.decode("utf-8", "replace")
    # The message is everything from the error line on (a diagnosis may follow on more lines).
    start = text.find(ERROR_PREFIX)
    message = (text[start + len(ERROR_PREFIX):] if start >= 0 else text).strip()
    message = message or f"jailwright exited {code}"
    if code == EXIT_USAGE:
        # Option errors name the option first (`--memory expects ...`); the rest are the
        # profile's (its file, the place in it, the fix).
        cls = UsageError if message.startswith("--") else ProfileError
        return cls(message, returncode=code, stderr=text)
    if code == EXIT_SETUP_FAILED:
        stage = None
        m = re.search(r"setup failed at (.+?): ", message) or re.match(r"(--require \S+): ", message)
        if m:
            stage = m.group(1)
        fix = None
        f = re.search(r"(?im)^\s*(?:fix|to fix|hint)\s*:\s*(.+)$", message)
        if f:
            fix = f.group(1).strip()
        return SetupError(message, returncode=code, stderr=text, stage=stage, fix=fix)
    return Error(f"jailwright exited {code} without a run report: {message}", returncode=code, stderr=text)


def _result(code: int, stdout: bytes, stderr: bytes, report_path: str, started: float) -> RunResult:
    duration = time.monotonic() - started
    try:
        with open(report_path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raw = b""
    if not raw:
        raise _error(code, stderr)
    report: Any = json.loads(raw)
    return run_result(report, stdout, stderr, duration)


def run(
    argv: Sequence[StrPath],
    *,
    profile: StrPath = "plugin",
    ro_binds: Sequence[Bind] = (),
    binds: Sequence[Bind] = (),
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
    timeout: Optional[float] = None,
    memory: Union[int, str, None] = None,
    pids: Optional[int] = None,
    input: Optional[bytes] = None,
    on_reject: str = "fail",
    require: Sequence[str] = (),
) -> RunResult:
    """Run ``argv`` in the native sandbox under ``profile`` and return how it went.

    ``ro_binds``/``binds``: host paths, ``"SRC[:DST]"`` or ``(src, dst)``; ``env``: the
    sandbox's variables; ``cwd``: the working directory inside; ``timeout``: seconds of wall
    clock after which the whole tree is killed (``timed_out``); ``memory``: bytes (or
    ``"256m"``); ``pids``: process limit; ``input``: standard input (default: none);
    ``require``: layers the run must have (else :class:`SetupError`).

    Raises :class:`ProfileError`, :class:`UsageError` or :class:`SetupError` when the command
    could not be run; a non-zero exit of the command itself is a result.
    """
    with tempfile.TemporaryDirectory(prefix="jailwright-") as d:
        report = os.path.join(d, "report.json")
        cmd = _command(argv, report, profile, ro_binds, binds, env, cwd, timeout, memory, pids, on_reject, require)
        started = time.monotonic()
        p = subprocess.run(
            cmd,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
        )
        return _result(p.returncode, p.stdout, p.stderr, report, started)


async def run_async(
    argv: Sequence[StrPath],
    *,
    profile: StrPath = "plugin",
    ro_binds: Sequence[Bind] = (),
    binds: Sequence[Bind] = (),
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
    timeout: Optional[float] = None,
    memory: Union[int, str, None] = None,
    pids: Optional[int] = None,
    input: Optional[bytes] = None,
    on_reject: str = "fail",
    require: Sequence[str] = (),
) -> RunResult:
    """:func:`run` for asyncio: the same arguments, result and exceptions."""
    with tempfile.TemporaryDirectory(prefix="jailwright-") as d:
        report = os.path.join(d, "report.json")
        cmd = _command(argv, report, profile, ro_binds, binds, env, cwd, timeout, memory, pids, on_reject, require)
        started = time.monotonic()
        p = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            out, err = await p.communicate(input)
        except BaseException:
            # Cancelled or failed while waiting: do not leave the CLI running.
            if p.returncode is None:
                p.kill()
                await p.wait()
            raise
        assert p.returncode is not None
        return _result(p.returncode, out, err, report, started)

"""``run`` and ``run_async``: the bundled CLI's ``run`` with ``--report``, read back as a
:class:`RunResult`; a run that never started its command as an exception built from the
report's ``error`` (or, when there is no report, from what the CLI said)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import IO, Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union

from ._binary import binary
from ._errors import Error, ProfileError, RuntimeRejected, SetupError, UsageError
from ._types import RunResult, run_result

StrPath = Union[str, "os.PathLike[str]"]
Bind = Union[StrPath, Tuple[StrPath, StrPath]]
#: Receives a stream's bytes as they arrive (``on_stdout``, ``on_stderr``).
Callback = Callable[[bytes], None]

EXIT_USAGE = 2
ERROR_PREFIX = "jailwright: error: "
CHUNK = 65536


@dataclass(frozen=True)
class _Options:
    profile: StrPath
    ro_binds: Sequence[Bind]
    binds: Sequence[Bind]
    env: Optional[Mapping[str, str]]
    cwd: Optional[str]
    timeout: Optional[float]
    memory: Union[int, str, None]
    pids: Optional[int]
    backend: str
    image: Optional[str]
    on_reject: str
    require: Sequence[str]
    tmpfs: Sequence[str]
    network: str
    user: Union[int, str, None]
    tmp_size: Union[int, str, None]
    shm_size: Union[int, str, None]
    cpu_time: Optional[int]


def _bind(spec: Bind) -> str:
    if isinstance(spec, tuple):
        src, dst = spec
        return f"{os.fspath(src)}:{os.fspath(dst)}"
    return os.fspath(spec)


def _command(argv: Sequence[StrPath], report: str, o: _Options) -> List[str]:
    if isinstance(argv, (str, bytes)) or not argv:
        raise TypeError("argv must be a non-empty sequence of arguments, e.g. ['python3', '-c', 'print(1)']")
    cmd = [binary(), "run", "--quiet", "--report", report, "--profile", os.fspath(o.profile)]
    cmd += ["--backend", o.backend, "--on-reject", o.on_reject]
    if o.image is not None:
        cmd += ["--image", o.image]
    for b in o.ro_binds:
        cmd += ["--ro-bind", _bind(b)]
    for b in o.binds:
        cmd += ["--bind", _bind(b)]
    for k, v in (o.env or {}).items():
        if not k or "=" in k:
            raise ValueError(f"env: bad variable name {k!r}")
        cmd += ["--env", f"{k}={v}"]
    if o.cwd is not None:
        cmd += ["--cwd", o.cwd]
    if o.timeout is not None:
        cmd += ["--timeout", repr(float(o.timeout))]
    if o.memory is not None:
        cmd += ["--memory", str(o.memory)]
    if o.pids is not None:
        cmd += ["--pids", str(int(o.pids))]
    for r in o.require:
        cmd += ["--require", r]
    for t in o.tmpfs:
        cmd += ["--tmpfs", t]
    cmd += ["--network", o.network]
    for flag, value in (("--user", o.user), ("--tmp-size", o.tmp_size), ("--shm-size", o.shm_size)):
        if value is not None:
            cmd += [flag, str(value)]
    if o.cpu_time is not None:
        cmd += ["--cpu-time", str(int(o.cpu_time))]
    cmd.append("--")
    cmd += [os.fspath(a) for a in argv]
    return cmd


def _error(code: int, stderr: bytes) -> Error:
    """The CLI's own failure when it wrote no report, from what it said."""
    text = stderr.decode("utf-8", "replace")
    # The message is everything from the error line on (a diagnosis may follow on more lines).
    start = text.find(ERROR_PREFIX)
    message = (text[start + len(ERROR_PREFIX):] if start >= 0 else text).strip()
    message = message or f"jailwright exited {code}"
    if code == EXIT_USAGE:
        # The argument parser's own errors (`error: invalid value ...`) and option errors
        # naming the option first (`--memory expects ...`) are usage errors; the rest are the
        # profile's (its file, the place in it, the fix).
        cls = UsageError if start < 0 or message.startswith("--") else ProfileError
        return cls(message, returncode=code, stderr=text)
    return Error(f"jailwright exited {code} without a run report: {message}", returncode=code, stderr=text)


def _cli(args: Sequence[str], ok: Sequence[int] = (0,)) -> bytes:
    """Standard output of the bundled CLI run with ``args``; an exit status not in ``ok`` is
    the exception for what it said."""
    p = subprocess.run(
        [binary(), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False
    )
    if p.returncode not in ok:
        raise _error(p.returncode, p.stderr)
    return p.stdout


def _report_error(error: Any, code: int, stderr: bytes) -> Error:
    """The exception for a report whose run never started its command."""
    text = stderr.decode("utf-8", "replace")
    message = str(error.get("message", "")) or f"jailwright exited {code}"
    if error.get("kind") == "runtime-rejected":
        return RuntimeRejected(
            message,
            returncode=code,
            stderr=text,
            runtime_message=str(error.get("runtime_message") or ""),
            cause=str(error.get("cause") or ""),
            fix=str(error.get("fix") or ""),
            missing_syscalls=tuple(str(s) for s in error.get("missing_syscalls", [])),
        )

    def opt(key: str) -> Optional[str]:
        return None if error.get(key) is None else str(error[key])

    return SetupError(
        message, returncode=code, stderr=text, stage=opt("stage"), cause=opt("cause"), fix=opt("fix")
    )


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
    if "error" in report:
        raise _report_error(report["error"], code, stderr)
    return run_result(report, stdout, stderr, duration)


class _Pumps:
    """Reads a process's output on threads: to a callback as it comes, or into a buffer; a
    callback's exception kills the process and is raised once the process is gone."""

    def __init__(self, p: "subprocess.Popen[bytes]") -> None:
        self.p = p
        self.failure: Optional[BaseException] = None
        self.threads: List[threading.Thread] = []

    def start(self, target: Callable[..., None], *args: Any) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self.threads.append(t)

    def read(self, stream: IO[bytes], callback: Optional[Callback], buf: bytearray) -> None:
        read1 = getattr(stream, "read1", stream.read)
        while True:
            chunk = read1(CHUNK)
            if not chunk:
                return
            if callback is None:
                buf.extend(chunk)
            elif self.failure is None:
                try:
                    callback(chunk)
                except BaseException as e:  # noqa: BLE001 - raised again in the caller's thread
                    self.failure = e
                    self.p.kill()

    def write(self, stream: IO[bytes], data: bytes) -> None:
        try:
            stream.write(data)
        except (BrokenPipeError, OSError):
            pass  # the command stopped reading: what it read is its input
        finally:
            try:
                stream.close()
            except OSError:
                pass

    def join(self) -> None:
        for t in self.threads:
            t.join()
        if self.failure is not None:
            raise self.failure


def _communicate(
    cmd: List[str], input: Optional[bytes], on_stdout: Optional[Callback], on_stderr: Optional[Callback]
) -> Tuple[int, bytes, bytes]:
    stdin = subprocess.PIPE if input is not None else subprocess.DEVNULL
    p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if on_stdout is None and on_stderr is None:
        out, err = p.communicate(input)
        return p.returncode, out, err
    assert p.stdout is not None and p.stderr is not None
    out_buf, err_buf = bytearray(), bytearray()
    pumps = _Pumps(p)
    try:
        if input is not None:
            assert p.stdin is not None
            pumps.start(pumps.write, p.stdin, input)
        pumps.start(pumps.read, p.stdout, on_stdout, out_buf)
        pumps.start(pumps.read, p.stderr, on_stderr, err_buf)
        p.wait()
    except BaseException:
        p.kill()
        p.wait()
        raise
    finally:
        pumps.join()
    return p.returncode, bytes(out_buf), bytes(err_buf)


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
    backend: str = "native",
    image: Optional[str] = None,
    on_reject: str = "fail",
    require: Sequence[str] = (),
    on_stdout: Optional[Callback] = None,
    on_stderr: Optional[Callback] = None,
    tmpfs: Sequence[str] = (),
    network: str = "none",
    user: Union[int, str, None] = None,
    tmp_size: Union[int, str, None] = None,
    shm_size: Union[int, str, None] = None,
    cpu_time: Optional[int] = None,
) -> RunResult:
    """Run ``argv`` in a sandbox under ``profile`` and return how it went.

    ``ro_binds``/``binds``: host paths, ``"SRC[:DST]"`` or ``(src, dst)``; ``env``: the
    sandbox's variables; ``cwd``: the working directory inside; ``timeout``: seconds of wall
    clock after which the whole tree is killed (``timed_out``); ``memory``: bytes (or
    ``"256m"``); ``pids``: process limit; ``input``: standard input (default: none);
    ``require``: layers the run must have (else :class:`SetupError`); ``tmpfs``: empty
    directories to mount; ``network``: ``"none"`` (loopback only) or ``"host"``; ``user``:
    ``uid[:gid]`` inside (default 65534); ``tmp_size``/``shm_size``: sizes of ``/tmp`` (and
    each tmpfs) and ``/dev/shm``; ``cpu_time``: CPU seconds (native only).

    ``backend``: ``"native"`` (jailwright's own sandbox), ``"docker"`` or ``"podman"`` (a
    container of ``image``; default a small busybox image jailwright imports itself);
    ``on_reject``: what to do when the container runtime refuses the profile: ``"fail"``
    (:class:`RuntimeRejected`), ``"compat"`` (retry once with exactly the syscalls the runtime
    needs added, listed in ``compat_added``) or ``"unconfined"`` (retry without seccomp).

    ``on_stdout``/``on_stderr``: called with each chunk of that stream as it arrives (from
    another thread), for long plugins; that stream is then not kept in the result.

    Raises :class:`ProfileError`, :class:`UsageError`, :class:`SetupError` or
    :class:`RuntimeRejected` when the command could not be run; a non-zero exit of the
    command itself is a result.
    """
    o = _Options(
        profile, ro_binds, binds, env, cwd, timeout, memory, pids, backend, image, on_reject, require,
        tmpfs, network, user, tmp_size, shm_size, cpu_time,
    )
    with tempfile.TemporaryDirectory(prefix="jailwright-") as d:
        report = os.path.join(d, "report.json")
        cmd = _command(argv, report, o)
        started = time.monotonic()
        code, out, err = _communicate(cmd, input, on_stdout, on_stderr)
        return _result(code, out, err, report, started)


async def _read_async(stream: "asyncio.StreamReader", callback: Optional[Callback], buf: bytearray) -> None:
    while True:
        chunk = await stream.read(CHUNK)
        if not chunk:
            return
        if callback is None:
            buf.extend(chunk)
        else:
            callback(chunk)


async def _write_async(stream: "asyncio.StreamWriter", data: bytes) -> None:
    try:
        stream.write(data)
        await stream.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the command stopped reading
    finally:
        stream.close()


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
    backend: str = "native",
    image: Optional[str] = None,
    on_reject: str = "fail",
    require: Sequence[str] = (),
    on_stdout: Optional[Callback] = None,
    on_stderr: Optional[Callback] = None,
    tmpfs: Sequence[str] = (),
    network: str = "none",
    user: Union[int, str, None] = None,
    tmp_size: Union[int, str, None] = None,
    shm_size: Union[int, str, None] = None,
    cpu_time: Optional[int] = None,
) -> RunResult:
    """:func:`run` for asyncio: the same arguments, result and exceptions (callbacks are
    called on the event loop). Cancelling it kills the sandbox and everything in it."""
    o = _Options(
        profile, ro_binds, binds, env, cwd, timeout, memory, pids, backend, image, on_reject, require,
        tmpfs, network, user, tmp_size, shm_size, cpu_time,
    )
    with tempfile.TemporaryDirectory(prefix="jailwright-") as d:
        report = os.path.join(d, "report.json")
        cmd = _command(argv, report, o)
        started = time.monotonic()
        p = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert p.stdout is not None and p.stderr is not None
        out, err = bytearray(), bytearray()
        tasks = [_read_async(p.stdout, on_stdout, out), _read_async(p.stderr, on_stderr, err)]
        if input is not None:
            assert p.stdin is not None
            tasks.append(_write_async(p.stdin, input))
        try:
            await asyncio.gather(*tasks)
            code = await p.wait()
        except BaseException:
            # Cancelled, or a callback failed: do not leave the sandbox running.
            if p.returncode is None:
                p.kill()
                await p.wait()
            raise
        return _result(code, bytes(out), bytes(err), report, started)

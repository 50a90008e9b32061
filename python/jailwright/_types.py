"""Typed results, read from the JSON the CLI writes (``run --report``, ``--format json``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

Json = Dict[str, Any]


@dataclass(frozen=True)
class Denial:
    """A system call the profile denied, explained.

    ``name``/``number``/``arch``: the call and its ABI (``x86_64``); ``args``: the six raw
    arguments of its first occurrence; ``count``: how many times it was made; ``rule``: the
    rule (or default action) that denied it; ``fix``: how to allow it; ``call``: the first call
    decoded (``ptrace(PTRACE_TRACEME)``); ``action``: the answer (``ERRNO(EPERM)``).
    """

    name: str
    number: int
    arch: str
    args: Tuple[int, ...]
    count: int
    rule: str
    fix: str
    call: str
    action: str


@dataclass(frozen=True)
class Layer:
    """One hardening layer: ``state`` is ``enforced``, ``partial``, ``unavailable`` or
    ``disabled``; ``reason`` says why it is not enforced; ``detail`` what is in force."""

    name: str
    state: str
    detail: str
    reason: str = ""


@dataclass(frozen=True)
class RunResult:
    """A finished run. A plugin's non-zero exit is a result: see ``returncode``.

    ``returncode`` follows the CLI's convention: the command's own exit code, 128+N when signal
    N killed it, 124 when the timeout did, 126/127 when it could not be executed / was not
    found. ``duration`` is the wall-clock time of the whole call in seconds; ``report`` the
    run report as the CLI wrote it. A stream given to a callback (``on_stdout``,
    ``on_stderr``) went there as it came and is empty here. ``compat_added``: the syscalls
    ``on_reject="compat"`` added for the container runtime.
    """

    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool
    denials: Tuple[Denial, ...]
    layers: Tuple[Layer, ...]
    duration: float
    warnings: Tuple[str, ...]
    report: Mapping[str, Any]
    backend: str = "native"
    compat_added: Tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the command exited with 0."""
        return self.returncode == 0

    def layer(self, name: str) -> Optional[Layer]:
        """The layer of this name (``seccomp``, ``landlock``, ...), if reported."""
        return next((l for l in self.layers if l.name == name), None)


@dataclass(frozen=True)
class Finding:
    """A lint finding: ``id`` (``JW201``), ``slug``, ``severity`` (``error``, ``warning``,
    ``info``), ``path`` (JSON path in the profile), the ``syscall`` and host ``arch`` it
    concerns when it does, ``message``, ``why`` and ``fix``."""

    id: str
    slug: str
    severity: str
    path: str
    syscall: Optional[str]
    arch: Optional[str]
    message: str
    why: str
    fix: str


@dataclass(frozen=True)
class Difference:
    """One system call the two profiles decide differently on ``arch``: ``a`` and ``b`` say
    how each treats it."""

    arch: str
    syscall: str
    number: int
    a: str
    b: str


@dataclass(frozen=True)
class HostDiff:
    """The differences for one host architecture; ``missing_arches`` lists the ABIs only one
    profile covers as ``(arch, in_a, in_b)``; ``compared`` how many numbers were compared."""

    host: str
    differences: Tuple[Difference, ...]
    missing_arches: Tuple[Tuple[str, bool, bool], ...]
    compared: int


@dataclass(frozen=True)
class DiffResult:
    """Where profiles ``a`` and ``b`` decide differently, host by host."""

    a: str
    b: str
    caps: Tuple[str, ...]
    hosts: Tuple[HostDiff, ...]

    @property
    def differs(self) -> bool:
        """Whether any decision or covered ABI differs."""
        return any(h.differences or h.missing_arches for h in self.hosts)


def _args_of(report: Json, nr: int, count: int) -> Tuple[int, ...]:
    """The raw arguments of the first occurrence of call ``nr`` (the report's ``denials``)."""
    raw = [
        d
        for d in report.get("denials", [])
        if d.get("nr") == nr and d.get("response", {}).get("action") != "continue"
    ]
    exact = [d for d in raw if d.get("count") == count] or raw
    return tuple(int(a) for a in exact[0].get("args", [])) if exact else ()


def run_result(
    report: Json, stdout: bytes, stderr: bytes, duration: float
) -> RunResult:
    """A result from the run report."""
    denials = tuple(
        Denial(
            name=str(b["syscall"]),
            number=int(b["nr"]),
            arch=str(b["arch"]),
            args=_args_of(report, int(b["nr"]), int(b["count"])),
            count=int(b["count"]),
            rule=str(b.get("denied_by", "")),
            fix=str(b.get("fix", "")),
            call=str(b.get("call", "")),
            action=str(b.get("action", "")),
        )
        for b in report.get("blocked", [])
    )
    layers = tuple(
        Layer(
            name=str(l["layer"]),
            state=str(l["state"]),
            detail=str(l.get("detail", "")),
            reason=str(l.get("reason", "")),
        )
        for l in report.get("layers", [])
    )
    return RunResult(
        returncode=int(report["exit_code"]),
        stdout=stdout,
        stderr=stderr,
        timed_out=report.get("exit", {}).get("kind") == "timed_out",
        denials=denials,
        layers=layers,
        duration=duration,
        warnings=tuple(str(w) for w in report.get("warnings", [])),
        report=report,
        backend=str(report.get("backend", "native")),
        compat_added=tuple(str(s) for s in report.get("compat_added", [])),
    )


def findings(doc: List[Json]) -> List[Finding]:
    """The findings of ``lint --format json``."""
    return [
        Finding(
            id=str(f["id"]),
            slug=str(f["slug"]),
            severity=str(f["severity"]),
            path=str(f["path"]),
            syscall=None if f.get("syscall") is None else str(f["syscall"]),
            arch=None if f.get("arch") is None else str(f["arch"]),
            message=str(f["message"]),
            why=str(f["why"]),
            fix=str(f["fix"]),
        )
        for p in doc
        for f in p["findings"]
    ]


def _treatment(t: Any) -> str:
    return str(t["summary"]) if isinstance(t, dict) else str(t)


def diff_result(doc: Json) -> DiffResult:
    """The result of ``diff --format json``."""
    hosts = []
    for h in doc["hosts"]:
        d = h["diff"]
        hosts.append(
            HostDiff(
                host=str(h["host"]),
                differences=tuple(
                    Difference(
                        arch=str(x["arch"]),
                        syscall=str(x["syscall"]),
                        number=int(x["nr"]),
                        a=_treatment(x["a"]),
                        b=_treatment(x["b"]),
                    )
                    for x in d.get("syscalls", [])
                ),
                missing_arches=tuple(
                    (str(x["arch"]), bool(x["in_a"]), bool(x["in_b"]))
                    for x in d.get("arches", [])
                ),
                compared=int(d.get("compared", 0)),
            )
        )
    return DiffResult(
        a=str(doc["a"]),
        b=str(doc["b"]),
        caps=tuple(str(c) for c in doc.get("caps", [])),
        hosts=tuple(hosts),
    )

"""``scan``: the bundled CLI's advisory pre-scan of Python plugin source, as typed findings."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Sequence, Tuple, Union

from ._errors import ProfileError, UsageError
from ._run import StrPath, _cli

EXIT_FINDINGS = 1


@dataclass(frozen=True)
class ScanFinding:
    """Something in a plugin's source that a sandboxed plugin should not need, or that
    signals an escape attempt: where (``path``, 1-based ``line`` and ``column``), ``id``
    (``JWS204``), ``slug`` (``subprocess-call``), ``severity``, ``message``, ``why``, ``fix``."""

    path: str
    line: int
    column: int
    id: str
    slug: str
    severity: str
    message: str
    why: str
    fix: str


@dataclass(frozen=True)
class ScanResult:
    """The files scanned and what was found. ``advisory`` says what the scan is not: source
    can hide code, so the sandbox, not the scan, is the boundary."""

    advisory: str
    scanned: Tuple[str, ...]
    findings: Tuple[ScanFinding, ...]

    @property
    def clean(self) -> bool:
        """Whether nothing was found."""
        return not self.findings


def scan(paths: Union[StrPath, Sequence[StrPath]], *, output_dirs: Sequence[str] = ()) -> ScanResult:
    """Scans Python files (a directory: every ``*.py`` under it) with a real Python parser.

    ``output_dirs``: where the plugin may write (paths as the plugin sees them, ``/output``);
    a write elsewhere is a finding. Findings are advice: run the plugin in the sandbox anyway.
    Raises :class:`UsageError` when a path cannot be read.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not paths:
        raise ValueError("scan needs at least one path")
    args = ["scan", "--format", "json"]
    for d in output_dirs:
        args += ["--output-dir", d]
    args += ["--", *(os.fspath(p) for p in paths)]
    try:
        doc = json.loads(_cli(args, (0, EXIT_FINDINGS)))
    except ProfileError as e:
        # scan has no profile: what it refuses (exit 2) is a path.
        raise UsageError(e.message, returncode=e.returncode, stderr=e.stderr) from e
    return ScanResult(
        advisory=str(doc["advisory"]),
        scanned=tuple(str(s) for s in doc["scanned"]),
        findings=tuple(
            ScanFinding(
                path=str(f["path"]),
                line=int(f["line"]),
                column=int(f["column"]),
                id=str(f["id"]),
                slug=str(f["slug"]),
                severity=str(f["severity"]),
                message=str(f["message"]),
                why=str(f["why"]),
                fix=str(f["fix"]),
            )
            for f in doc["findings"]
        ),
    )

"""``lint`` and ``diff``: the CLI's ``--format json`` read back as typed results."""

from __future__ import annotations

import json
import os
from typing import Any, List, Optional, Sequence, Union

from ._run import StrPath, _cli
from ._types import DiffResult, Finding, diff_result, findings

EXIT_FINDINGS = 1


def _json(args: List[str]) -> Any:
    return json.loads(_cli(args, (0, EXIT_FINDINGS)))


def lint(
    profile: StrPath,
    runtime: Optional[str] = None,
    arch: Union[str, Sequence[str], None] = None,
) -> List[Finding]:
    """The findings for ``profile`` (a built-in name or a file): mistakes, dangers and what
    stops ``runtime`` (``runc``, ``crun``, ``runc@1.3.3``; default the newest runc) from starting
    a container under it, on each ``arch`` (default x86_64 and aarch64).

    Raises :class:`ProfileError` when the profile cannot be loaded.
    """
    args = ["lint", "--format", "json"]
    if runtime is not None:
        args += ["--runtime", runtime]
    for a in [arch] if isinstance(arch, str) else (arch or ()):
        args += ["--arch", a]
    args += ["--", os.fspath(profile)]
    return findings(_json(args))


def diff(a: StrPath, b: StrPath, *, arch: Optional[str] = None) -> DiffResult:
    """Where profiles ``a`` and ``b`` decide differently, for every host either names (or
    only ``arch``)."""
    args = ["diff", "--format", "json"]
    if arch is not None:
        args += ["--arch", arch]
    args += ["--", os.fspath(a), os.fspath(b)]
    return diff_result(_json(args))

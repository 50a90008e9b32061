"""Where the ``jailwright`` binary is: the one installed with this package.

``JAILWRIGHT_BINARY`` overrides it explicitly (a path, or a name looked up in ``PATH``). Without
it, only the binary the wheel installed is used: never one that merely happens to be on
``PATH``.
"""

from __future__ import annotations

import functools
import os
import shutil
import sysconfig
from importlib import metadata
from typing import List, Optional

from ._errors import BinaryNotFound

ENV = "JAILWRIGHT_BINARY"
NAME = "jailwright"


@functools.lru_cache(maxsize=None)
def _installed() -> Optional[str]:
    """The binary the wheel installed: listed in the distribution's RECORD, else in the
    interpreter's scripts directory."""
    candidates: List[str] = []
    try:
        files = metadata.distribution(NAME).files or []
    except metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == NAME and len(f.parts) > 1 and f.parts[-2] in ("bin", "scripts", "Scripts"):
            candidates.append(str(f.locate()))
    for scheme_path in (sysconfig.get_path("scripts"),):
        if scheme_path:
            candidates.append(os.path.join(scheme_path, NAME))
    for c in candidates:
        p = os.path.realpath(c)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def binary() -> str:
    """The absolute path of the ``jailwright`` binary this package runs."""
    override = os.environ.get(ENV)
    if override:
        found = override if os.sep in override else shutil.which(override)
        if found is None or not os.access(found, os.X_OK):
            raise BinaryNotFound(f"{ENV}={override}: no executable file there")
        return os.path.abspath(found)
    p = _installed()
    if p is None:
        raise BinaryNotFound(
            "the jailwright binary installed with this package is missing; reinstall it "
            f"(python3 -m pip install --force-reinstall jailwright) or set {ENV} to a binary"
        )
    return p

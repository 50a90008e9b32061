"""Run untrusted plugins in jailwright's native sandbox and check seccomp profiles, with
typed results.

>>> import jailwright
>>> r = jailwright.run(["python3", "-c", "print('hi')"])
>>> r.returncode, r.stdout
(0, b'hi\\n')

Everything runs the ``jailwright`` binary installed with this package (``JAILWRIGHT_BINARY``
names another explicitly).
"""

from ._binary import binary
from ._errors import BinaryNotFound, Error, ProfileError, RuntimeRejected, SetupError, UsageError
from ._model import Profile
from ._profile import diff, lint
from ._run import run, run_async
from ._scan import ScanFinding, ScanResult, scan
from ._types import Denial, Difference, DiffResult, Finding, HostDiff, Layer, RunResult

__all__ = [
    "BinaryNotFound",
    "Denial",
    "DiffResult",
    "Difference",
    "Error",
    "Finding",
    "HostDiff",
    "Layer",
    "Profile",
    "ProfileError",
    "RunResult",
    "RuntimeRejected",
    "ScanFinding",
    "ScanResult",
    "SetupError",
    "UsageError",
    "binary",
    "diff",
    "lint",
    "run",
    "run_async",
    "scan",
]

"""The package is typed: mypy --strict finds nothing in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import jailwright

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "jailwright")


def test_py_typed_ships_with_the_installed_package() -> None:
    installed = os.path.dirname(jailwright.__file__)
    assert os.path.isfile(os.path.join(installed, "py.typed"))


def test_mypy_strict(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    # The source tree, and the installed package as a user's code sees it.
    for target in (["--no-incremental", PACKAGE], ["--no-incremental", "-p", "jailwright"]):
        p = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", *target],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert p.returncode == 0, p.stdout + p.stderr

"""Fixtures the test files share."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory the sandbox's user (65534) can reach (pytest's tmp_path is private)."""
    d = Path(tempfile.mkdtemp(prefix="jailwright-test-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d)

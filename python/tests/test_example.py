"""The worked example, examples/python-plugin-host: a fresh run prints the summary its README
shows (the count of refused forks aside, which differs from run to run)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python-plugin-host"


def _normalise(summary: Any) -> Any:
    text = json.dumps(summary, indent=2)
    return json.loads(re.sub(r"\d+ forks refused", "N forks refused", text))


def test_the_example_host_prints_what_its_readme_shows(shared_dir: Path) -> None:
    out = shared_dir / "out"
    p = subprocess.run(
        [sys.executable, str(EXAMPLE / "host.py"), str(EXAMPLE / "plugins"), str(EXAMPLE / "input.txt"), str(out)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert p.returncode == 1, p.stderr.decode()
    summary = json.loads(p.stdout)
    assert json.loads((out / "summary.json").read_text()) == summary
    readme = (EXAMPLE / "README.md").read_text()
    shown = json.loads(re.search(r"```json\n(.*?)\n```", readme, re.S).group(1))  # type: ignore[union-attr]
    assert _normalise(summary) == _normalise(shown)
    by_name = {r["plugin"]: r for r in summary["plugins"]}
    hostile = by_name["hostile.py"]
    assert {d["syscall"] for d in hostile["denied"]} >= {"ptrace", "mount", "unshare"}
    assert hostile["returncode"] == 124
    assert (out / "word_count" / "top_words.json").exists()
    assert (out / "line_stats" / "line_stats.csv").exists()

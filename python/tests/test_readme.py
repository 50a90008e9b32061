"""The README's Python snippet runs as printed."""

import pathlib
import re
import subprocess
import sys


def test_the_readme_snippet_prints_what_the_readme_says(tmp_path: pathlib.Path) -> None:
    readme = pathlib.Path(__file__).resolve().parents[2] / "README.md"
    section = readme.read_text().split("### From Python", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    printed = re.search(r"```text\n(.*?)```", section, re.S)
    assert code and printed, "the README's Python section has a snippet and its output"
    out = subprocess.run(
        [sys.executable, "-c", code.group(1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == printed.group(1)

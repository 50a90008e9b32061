"""The pre-scan through Python, on real-looking plugins: true positives where they are, and
nothing on clean code."""

from __future__ import annotations

from pathlib import Path

import pytest

import jailwright

CLEAN = '''"""Daily volume-weighted average price per symbol, from a CSV of trades."""
import csv
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path("/output")

def main(src: str) -> None:
    totals = defaultdict(list)
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            totals[row["symbol"]].append((float(row["price"]), int(row["qty"])))
    vwap = {s: sum(p * q for p, q in t) / sum(q for _, q in t) for s, t in totals.items()}
    (OUT / "vwap.json").write_text(json.dumps(vwap, indent=2))
    with open("/output/stats.txt", "w") as f:
        f.write(str(statistics.mean(vwap.values())))

if __name__ == "__main__":
    main(sys.argv[1])
'''

HOSTILE = '''import base64, ctypes
import subprocess as sp
from os import system
import pickle

def strategy(data):
    libc = ctypes.CDLL(None)
    libc.syscall(272, 0x10000000)
    sp.run(["curl", "http://example.invalid"])
    system("id")
    exec(base64.b64decode(data))
    mod = __import__("o" + "s")
    state = pickle.loads(data)
    open("/etc/cron.d/x", "w").write("* * * * * root sh")
    return state
'''


def test_a_clean_plugin_has_no_findings(tmp_path: Path) -> None:
    f = tmp_path / "vwap.py"
    f.write_text(CLEAN)
    r = jailwright.scan(f, output_dirs=["/output"])
    assert r.clean, r.findings
    assert r.scanned == (str(f),)
    assert "the sandbox, not the scan, is the boundary" in r.advisory


def test_a_hostile_plugin_is_named_line_by_line(tmp_path: Path) -> None:
    (tmp_path / "plugins").mkdir()
    f = tmp_path / "plugins" / "strategy.py"
    f.write_text(HOSTILE)
    (tmp_path / "plugins" / "clean.py").write_text(CLEAN)
    r = jailwright.scan(tmp_path / "plugins", output_dirs=["/output"])
    assert len(r.scanned) == 2
    found = {(x.line, x.slug) for x in r.findings}
    for line, slug in [
        (1, "ctypes-import"),
        (2, "subprocess-import"),
        (4, "pickle-import"),
        (7, "native-code"),
        (9, "subprocess-call"),
        (10, "os-shell"),
        (11, "dynamic-code"),
        (12, "dynamic-import"),
        (13, "unsafe-deserialization"),
        (14, "write-system-path"),
    ]:
        assert (line, slug) in found, (line, slug, sorted(found))
    assert {x.path for x in r.findings} == {str(f)}
    shell = next(x for x in r.findings if x.slug == "os-shell")
    assert shell.column == 5 and shell.severity == "error" and shell.fix


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(jailwright.UsageError, match="cannot read"):
        jailwright.scan(tmp_path / "missing.py")

#!/usr/bin/env python3
"""What the Python API adds to a run: `jailwright.run(["/bin/true"])` against the CLI the
package ships, started by `subprocess` the way a host without the package would, both with
and without the run report the API reads. The three ways are shuffled together (a fixed
seed) so a change of machine load does not favour one. Prints median, mean and p90 in ms.

Run it with the interpreter the package is installed in:
    VENV/bin/python bench/python_overhead.py [RUNS]
"""
import random
import statistics
import subprocess
import sys
import tempfile
import time

import jailwright
from jailwright._binary import binary


def main(argv):
    runs = int(argv[0]) if argv else 200
    cli = str(binary())
    report = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    ways = {
        "cli run -- /bin/true": lambda: subprocess.run(
            [cli, "run", "--", "/bin/true"], check=True, capture_output=True
        ),
        "cli run -q --report F -- /bin/true": lambda: subprocess.run(
            [cli, "run", "-q", "--report", report, "--", "/bin/true"],
            check=True,
            capture_output=True,
        ),
        "jailwright.run([/bin/true])": lambda: jailwright.run(["/bin/true"]),
    }
    for f in list(ways.values()) * 5:  # warm-up
        f()
    order = [k for k in ways for _ in range(runs)]
    random.Random(7).shuffle(order)
    times = {k: [] for k in ways}
    for k in order:
        t0 = time.perf_counter()
        ways[k]()
        times[k].append((time.perf_counter() - t0) * 1e3)
    print(f"{runs} runs each, shuffled; ms")
    print(f"{'':38} {'median':>8} {'mean':>8} {'p90':>8}")
    for k, v in times.items():
        v.sort()
        p90 = v[int(len(v) * 0.9)]
        print(f"{k:38} {statistics.median(v):8.2f} {statistics.mean(v):8.2f} {p90:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

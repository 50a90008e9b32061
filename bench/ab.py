#!/usr/bin/env python3
"""Start-up of two jailwright binaries side by side: `BIN run -- /bin/true` for each, the runs
of both shuffled together (a fixed seed) so that a change of machine load during the
measurement does not favour one binary. Prints median, mean and p90 in ms.

Usage: bench/ab.py RUNS LABEL_A=BIN_A LABEL_B=BIN_B [-- COMMAND...]
       (default command: run -- /bin/true)
"""
import random
import statistics
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 3 or any("=" not in a for a in argv[1:3]):
        print(__doc__, file=sys.stderr)
        return 2
    runs = int(argv[0])
    rest = argv[argv.index("--") + 1:] if "--" in argv else ["run", "--", "/bin/true"]
    cmds = {}
    for spec in argv[1:3]:
        label, binary = spec.split("=", 1)
        cmds[label] = [binary] + rest
    order = [k for k in cmds for _ in range(runs)]
    random.Random(7).shuffle(order)
    for k in list(cmds) * 5:  # warm-up
        subprocess.run(cmds[k], check=True)
    times = {k: [] for k in cmds}
    for k in order:
        start = time.perf_counter()
        subprocess.run(cmds[k], check=True)
        times[k].append((time.perf_counter() - start) * 1e3)
    print("| binary | median ms | mean ms | p90 ms | runs |")
    print("|---|---:|---:|---:|---:|")
    for k, v in times.items():
        v.sort()
        print(f"| {k} | {statistics.median(v):.2f} | {statistics.mean(v):.2f} "
              f"| {v[int(0.9 * (len(v) - 1))]:.2f} | {len(v)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

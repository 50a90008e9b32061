"""Line-length statistics of the input, as CSV in the output directory."""

import csv
import pathlib
import statistics
import sys

src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
lengths = [len(line) for line in src.read_text(encoding="utf-8").splitlines()]
with open(out / "line_stats.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["lines", "mean", "median", "longest"])
    w.writerow([len(lengths), round(statistics.mean(lengths), 1), statistics.median(lengths), max(lengths)])
print(f"{len(lengths)} lines")

"""Summarise the prices in every CSV file of the input directory.

The host mounts the input at /in (read-only) and collects results from /out.
"""
import csv
import json
import os
import statistics
import sys
from pathlib import Path

INPUT_DIR = Path("/in")
OUTPUT_DIR = Path("/out")
COLUMN = os.environ.get("PRICE_COLUMN", "price")


def read_rows(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def summarise(rows, column):
    values = [float(r[column]) for r in rows if r.get(column)]
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "stdev": statistics.pstdev(values),
    }


def main():
    summary = {}
    for path in sorted(INPUT_DIR.glob("*.csv")):
        summary[path.stem] = summarise(read_rows(path), COLUMN)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / "summary.json").write_text(json.dumps(summary, indent=2))
    with open(OUTPUT_DIR / "counts.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "count"])
        for name, s in summary.items():
            writer.writerow([name, s["count"]])
    print(f"{len(summary)} files summarised", file=sys.stderr)


if __name__ == "__main__":
    main()

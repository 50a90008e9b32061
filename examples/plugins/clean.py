"""A data-ingest plugin: summarises the prices in every CSV file of its input.

The host mounts the input at /in (read-only) and collects results from /out:
    jailwright scan --output-dir /out examples/plugins/clean.py
"""
import csv
import json
import statistics
from pathlib import Path

INPUT_DIR = Path("/in")
OUTPUT_DIR = Path("/out")


def prices(path):
    with path.open(newline="") as f:
        return [float(row["price"]) for row in csv.DictReader(f) if row.get("price")]


def main():
    summary = {}
    for path in sorted(INPUT_DIR.glob("*.csv")):
        values = prices(path)
        summary[path.stem] = {
            "count": len(values),
            "median": statistics.median(values) if values else None,
        }
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / "summary.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()

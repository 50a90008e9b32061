"""A plugin host: runs every plugin of a folder on one input file, each in its own jailwright
sandbox (the input read-only, an output directory of its own, no network, limits), and
writes one JSON summary of what each did and what the sandbox refused it.

    python3 host.py PLUGINS_DIR INPUT_FILE OUT_DIR

The summary goes to OUT_DIR/summary.json and to standard output; each plugin's files are in
OUT_DIR/<plugin>/. Exit status: 0 when every plugin succeeded, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
from typing import Any, Dict, List

import jailwright

# The sandbox's user (uid 65534) must be able to write its output directory.
SANDBOX_UID = 65534
# Every plugin's limits: wall-clock seconds, memory, processes and threads.
TIMEOUT, MEMORY, PIDS = 10, "256m", 32


def output_dir(root: pathlib.Path, name: str) -> pathlib.Path:
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(d, SANDBOX_UID, SANDBOX_UID)
    return d


def run_plugin(plugin: pathlib.Path, input_file: pathlib.Path, out: pathlib.Path) -> Dict[str, Any]:
    # The advisory first layer: what the source shows (code can hide more; the sandbox is the
    # boundary, so every plugin runs in it whatever the scan says).
    scan = jailwright.scan(plugin, output_dirs=["/output"])
    r = jailwright.run(
        ["python3", "/plugin/main.py", "/input/data", "/output"],
        profile="plugin",
        ro_binds=[(plugin, "/plugin/main.py"), (input_file, "/input/data")],
        binds=[(out, "/output")],
        timeout=TIMEOUT,
        memory=MEMORY,
        pids=PIDS,
    )
    resources = r.report.get("resources", {})
    limits = []
    if r.timed_out:
        limits.append(f"timeout: killed after {TIMEOUT} s")
    if resources.get("pids_limit_hits"):
        limits.append(f"process limit ({PIDS}): {resources['pids_limit_hits']} forks refused")
    if resources.get("oom_killed"):
        limits.append(f"memory limit ({MEMORY}): killed")
    return {
        "plugin": plugin.name,
        "scan": [f"{f.line}:{f.column} {f.severity} {f.id} {f.slug}" for f in scan.findings],
        "ok": r.ok,
        "returncode": r.returncode,
        "stdout": r.stdout.decode("utf-8", "replace").splitlines()[:12],
        "outputs": sorted(p.name for p in out.iterdir()),
        "denied": [{"syscall": d.name, "count": d.count, "rule": d.rule} for d in r.denials],
        "limits_hit": limits,
    }


def main(argv: List[str]) -> int:
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[-4], file=sys.stderr)
        return 2
    plugins, input_file, root = pathlib.Path(argv[1]), pathlib.Path(argv[2]).resolve(), pathlib.Path(argv[3])
    results = []
    for plugin in sorted(plugins.glob("*.py")):
        out = output_dir(root, plugin.stem)
        try:
            results.append(run_plugin(plugin.resolve(), input_file, out.resolve()))
        except jailwright.Error as e:
            # The sandbox could not be set up: the plugin never ran.
            results.append({"plugin": plugin.name, "ok": False, "error": e.message})
    summary = json.dumps({"input": input_file.name, "plugins": results}, indent=2)
    (root / "summary.json").write_text(summary + "\n")
    print(summary)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

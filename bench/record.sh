#!/usr/bin/env bash
# What recording costs: the same small Python workload plain, under `strace -f -c`, under
# `jailwright run` (the sandbox alone) and under `jailwright record`, measured together by
# hyperfine (3 rounds, the order reversed every other round).
#
# Usage (from anywhere): bench/record.sh [RUNS]         default 30 runs per command (a multiple of 3)
# JAILWRIGHT=/path/to/jailwright measures that binary instead of the release build
# (tools/build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

runs=${1:-30}
bench_init

# Hashes and serialises 20000 strings: imports, allocation, a few hundred syscalls.
workload='import json, hashlib; d = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(20000)]; json.dumps(d)'
py=/usr/bin/python3

echo "machine: $(machine); $("$jw" --version); $($py --version); $(strace -V | head -1); $(hyperfine --version)"
"$jw" record -o "$work/x.json" -- "$py" -c "$workload" 2>&1 | tail -3 | head -1
wait_for_quiet 0.6
echo "load before: $(load_now)"
hyperfine_rounds 3 $((runs / 3)) "$work/record" \
    "$py -c '$workload'" \
    "strace -f -c -o /dev/null $py -c '$workload'" \
    "$jw run -- $py -c '$workload'" \
    "$jw record -o $work/x.json -- $py -c '$workload'"
echo "load after: $(load_now)"
echo
hyperfine_table "$work/record" \
    'python3 (plain)' \
    '`strace -f -c -o /dev/null` python3' \
    '`jailwright run --` python3 (sandbox, no recording)' \
    '`jailwright record -o x.json --` python3'

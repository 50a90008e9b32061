#!/usr/bin/env bash
# The same plugin command on the native sandbox and on the Docker backend, measured together by
# hyperfine (2 rounds, the order reversed in the second; both with the `plugin` profile and no
# network).
#
# Usage (from anywhere): bench/backends.sh [RUNS]       default 20 runs per command (even)
# JAILWRIGHT=/path/to/jailwright measures that binary instead of the release build
# (tools/build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

runs=${1:-20}
bench_init

echo "machine: $(machine); $("$jw" --version); Docker $(docker version --format '{{.Server.Version}}'); $(hyperfine --version)"
# Builds the test image if missing, outside the measurement.
"$jw" run -q --backend docker -- /bin/true
wait_for_quiet 0.6
echo "load before: $(load_now)"
hyperfine_rounds 2 $((runs / 2)) "$work/backends" \
    "$jw run -- /bin/true" "$jw run --backend docker -- /bin/true"
echo "load after: $(load_now)"
echo
hyperfine_table "$work/backends" \
    '`jailwright run -- /bin/true` (native)' \
    '`jailwright run --backend docker -- /bin/true`'

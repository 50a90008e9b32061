#!/usr/bin/env bash
# Regenerates docs/report.png, the README's picture of a comparison report: the five tiers
# and Docker's and Podman's defaults on x86_64 and aarch64, the networking group expanded.
# Needs a built CLI (cargo build --release) and chromium.
# Usage: tools/report-screenshot.sh [path/to/jailwright]
set -euo pipefail
cd "$(dirname "$0")/.."
jw=${1:-target/release/jailwright}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$jw" report moderate debug mcp strict plugin docker-default podman-default \
  --arches x86_64,aarch64 -o "$out/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1100 \
  --screenshot="$out/report.png" "file://$out/report.html#expand=x86_64:networking" 2>/dev/null
mkdir -p docs
mv "$out/report.png" docs/report.png
echo "wrote docs/report.png"

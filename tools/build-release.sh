#!/usr/bin/env bash
# Builds jailwright as released (static-pie, for this machine's architecture; see
# tools/release-env.sh) and prints the binary's path.
# Usage: tools/build-release.sh [more cargo build options]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/release-env.sh
cargo build --release -p jailwright "$@" </dev/null >&2
printf '%s\n' "$PWD/target/$CARGO_BUILD_TARGET/release/jailwright"

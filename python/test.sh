#!/bin/sh
# Builds and installs the package into a fresh virtual environment (the wheel carries the
# CLI built from this workspace) and runs its tests, mypy --strict included.
# Usage: python/test.sh [pytest args...]   (VENV=dir to keep the environment elsewhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-$(mktemp -d)/venv}
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "$here[test]"
cd "$(dirname "$venv")"
"$venv/bin/python" -m pytest -q "$here/tests" "$@"

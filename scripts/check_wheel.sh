#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtualenv offline (--no-index, its dependencies
# from wheels of the versions the running environment has), and scan the bundled example.
# Usage: scripts/check_wheel.sh [PYTHON]   (default: .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
python="${1:-.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" .
# The exact versions installed here (not iacguard itself, not the dev tools' extras).
"$python" -m pip freeze --exclude-editable --exclude iacguard > "$work/installed.txt"
# Wheels of them: downloaded, or built where the registry has only a source archive
# (ruamel.yaml.clibz, for one), so the install below needs no network and no compiler.
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/deps" -r "$work/installed.txt"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --no-index --find-links "$work/deps" "$work"/dist/iacguard-*.whl
cd "$work"
"$work/venv/bin/iacguard" --version
set +e
"$work/venv/bin/iacguard" scan "$repo/examples/platform" --format json > report.json
code=$?
set -e
[ "$code" = 1 ] || { echo "check_wheel: expected exit 1 (findings), got $code" >&2; exit 1; }
"$work/venv/bin/python" -c "import json; r = json.load(open('report.json')); \
assert r['summary']['findings'] > 0 and not r['errors'], r['errors']; \
print('check_wheel: ok,', r['summary']['findings'], 'findings from the installed wheel')"

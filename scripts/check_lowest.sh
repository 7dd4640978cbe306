#!/usr/bin/env bash
# Install iacguard with every direct dependency at the lowest version pyproject.toml admits
# (its `>=` bounds), then scan the bundled example and run the tests that exercise each
# dependency. With scripts/check_wheel.sh (the newest versions) both ends of the ranges are
# tried. Usage: scripts/check_lowest.sh [PYTHON]   (default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${1:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# One `name==lowest` line per dependency (extras dropped: their own bounds apply).
"$python" - > "$work/lowest.txt" <<'PY'
import re, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
for spec in project["dependencies"]:
    name = re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0]
    low = re.search(r">=\s*([\w.]+)", spec)
    if low:
        print(f"{name}=={low.group(1)}")
PY
cat "$work/lowest.txt"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --constraint "$work/lowest.txt" ".[test]"
"$work/venv/bin/pip" check
set +e
"$work/venv/bin/iacguard" scan examples/platform --format json > "$work/report.json"
code=$?
set -e
[ "$code" = 1 ] || { echo "check_lowest: expected exit 1 (findings), got $code" >&2; exit 1; }
"$work/venv/bin/python" -c "import json, sys; r = json.load(open(sys.argv[1])); \
assert r['summary']['findings'] > 0 and not r['errors'], r['errors']; \
print('check_lowest: example ok,', r['summary']['findings'], 'findings')" "$work/report.json"
# The tests of what each dependency does for us: CLI and reports (rich, pydantic), YAML
# (ruamel), Terraform (python-hcl2, re2), Helm, plugins (pluggy), the platforms (httpx).
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider -x \
  tests/test_cli.py tests/cli tests/test_kubernetes_loader.py tests/terraform tests/helm/test_helm_engines.py \
  tests/test_plugins.py tests/github tests/gitlab tests/formats

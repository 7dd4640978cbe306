"""The three Helm engine states: helm-python-sdk (the default), a `helm` binary on PATH
without the SDK, and neither. Absence is simulated by masking the import; the binary is the
real one when installed, else a stand-in that renders with the SDK in its own process and
records how it was called (so the plumbing is checked either way)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.config import build_config
from iacguard.engine import scan
from iacguard.model import ScanResult
from iacguard.plugin import make_plugins

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "platform"
CHART_FILE = "charts/storefront/templates/service.yaml"

FAKE_HELM = '''#!{python}
"""A stand-in for `helm template`: renders with helm-python-sdk, prints Helm's format."""
import json, os, sys
log = os.environ.get("FAKE_HELM_LOG") or {log!r}
with open(log, "a") as out:
    out.write(json.dumps({{"argv": sys.argv[1:], "plugins": os.environ.get("HELM_PLUGINS")}}) + "\\n")
args = sys.argv[1:]
assert args[0] == "template"
name, chart = args[1], args[2]
namespace = args[args.index("--namespace") + 1]
values = json.load(open(args[args.index("--values") + 1]))
import helm_python as helm
with helm.Chart.load(chart) as c:
    rendered = c.render(values, name=name, namespace=namespace, is_install=True)
for key, text in sorted(rendered.items()):
    print("---\\n# Source: " + key + "\\n" + text)
'''


def _scan() -> ScanResult:
    result, _ = scan(make_plugins(), build_config({}, {}), [EXAMPLE])
    return result


def _keys(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.rule_id, f.location.path, f.location.start_line) for f in result.findings}


@pytest.fixture
def without_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "helm_python", None)  # `import helm_python` fails


def test_sdk_is_the_default_engine() -> None:
    from iacguard_builtin.helm import engines

    assert engines.engine() == "sdk"
    result = _scan()
    assert result.errors == []
    assert ("LB002", CHART_FILE, 6) in _keys(result)


def test_without_sdk_or_binary_each_chart_is_one_clear_finding(
        without_sdk: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `helm` anywhere
    result = _scan()
    assert result.errors == []  # nothing crashed
    not_rendered = [f for f in result.findings if "no Helm engine is available" in f.message]
    # One for the chart directory, one at the helm_release that renders it.
    assert sorted((f.rule_id, f.location.path) for f in not_rendered) == [
        ("PARSE002", "charts/storefront/Chart.yaml"), ("PARSE002", "terraform/main.tf")]
    # The root's Terraform findings are all still there.
    with_sdk = _keys(_scan_with_sdk(monkeypatch))
    terraform = {k for k in with_sdk if k[1].startswith("terraform/")}
    assert terraform <= _keys(result)
    assert not any(k[1].startswith("charts/storefront/templates/") for k in _keys(result))


def _scan_with_sdk(monkeypatch: pytest.MonkeyPatch) -> ScanResult:
    with monkeypatch.context() as m:
        m.delitem(sys.modules, "helm_python", raising=False)
        m.setenv("PATH", os.environ.get("PATH", ""))
        return _scan()


def test_without_sdk_a_helm_binary_renders(without_sdk: None, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    log = tmp_path / "helm.log"
    real = shutil.which("helm")
    if real is None:
        fake = tmp_path / "bin" / "helm"
        fake.parent.mkdir()
        fake.write_text(FAKE_HELM.format(python=sys.executable, log=str(log)), encoding="utf-8")
        fake.chmod(0o755)
        monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    from iacguard_builtin.helm import engines

    assert engines.engine() == "binary"
    result = _scan()
    assert result.errors == []
    expected = _keys(_scan_with_sdk(monkeypatch))
    assert _keys(result) == expected and ("LB002", CHART_FILE, 6) in expected
    if real is None:
        calls = [json.loads(line) for line in log.read_text().splitlines()]
        assert calls and all(c["argv"][0] == "template" and "--dependency-update" not in c["argv"]
                             and c["plugins"] and not c["plugins"].startswith(str(Path.home()))
                             for c in calls)


def test_pure_python_helpers_match_the_sdk() -> None:
    import helm_python as helm
    from iacguard_builtin.helm import engines

    for expression in ("a.b=1,c=true", "l[1]=x", r"a.b\.c=v", "x={1,b}", "s=01", "n=null",
                       r"a=x\,y", "l[0].n=1"):
        assert engines.parse_set_string(expression) == helm.parse_set_string(expression)
    text = "image:\n  tag: '1.0'\nreplicas: 2\nenabled: true\nlist: [a, b]\n"
    assert engines.values_from_yaml(text) == helm.values_from_yaml(text)
    chart = EXAMPLE / "charts" / "storefront"
    assert [(d["name"], d["status"]) for d in engines.dependency_list(chart)] == [
        (d["name"], "ok" if d["status"] in ("ok", "unpacked") else "missing")
        for d in helm.dependency_list(str(chart))]


def test_template_output_is_split_by_source() -> None:
    from iacguard_builtin.helm.engines import split_template_output

    text = ("---\n# Source: c/crds/w.yaml\nkind: CustomResourceDefinition\n"
            "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/a.yaml\nkind: B\n")
    manifests, crds = split_template_output(text)
    assert manifests == {"c/templates/a.yaml": "kind: A\n---\nkind: B\n"}
    assert crds == {"c/crds/w.yaml": "kind: CustomResourceDefinition\n"}


def test_an_installed_sdk_whose_library_does_not_load_is_no_engine(tmp_path: Path) -> None:
    """The Alpine state: pip found no musllinux wheel, installed helm-python-sdk's sdist,
    which builds without its native library, so `import helm_python` raises the SDK's
    HelmLibraryError. Reproduced here with HELM_C_LIB naming a file that is no library (the
    SDK tries it first). The scan must go on exactly as with no SDK, saying why."""
    not_a_library = tmp_path / "libhelm_c.so"
    not_a_library.write_text("not an ELF file\n", encoding="utf-8")
    empty_path = tmp_path / "bin"
    empty_path.mkdir()  # no `helm` binary either
    env = {**os.environ, "HELM_C_LIB": str(not_a_library), "PATH": str(empty_path)}
    proc = subprocess.run([sys.executable, "-m", "iacguard", "scan", str(EXAMPLE), "-f", "json",
                           "--no-cache"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr  # findings, not a crash
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    not_rendered = [f for f in report["findings"] if "no Helm engine is available" in f["message"]]
    assert sorted(f["location"]["path"] for f in not_rendered) == [
        "charts/storefront/Chart.yaml", "terraform/main.tf"]
    assert all("native library does not load" in f["message"] for f in not_rendered)
    # The Terraform findings are those of a scan with a working engine.
    with_sdk = {(f.rule_id, f.location.path, f.location.start_line) for f in _scan().findings
                if f.location.path.startswith("terraform/")}
    assert with_sdk <= {(f["rule_id"], f["location"]["path"], f["location"]["start_line"])
                        for f in report["findings"]}

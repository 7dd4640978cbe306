"""Which Helm engine renders charts, and what stands in for its helpers without it.

helm-python-sdk (Helm's Go engine, in-process) is the default where its wheels install. It
has none for musl (Alpine) or glibc older than 2.28, so its absence must break nothing:
then a `helm` binary on PATH renders (`helm template`: local chart, no plugins, no
dependency update, no network), else each chart is one clear "not rendered" finding. The
helpers the loader needs besides rendering (values files, `--set` strings, the dependency
list) have pure-Python equivalents here for the same reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

Engine = Literal["sdk", "binary", "none"]
HELM_BINARY = "helm"
NO_ENGINE = ("chart not rendered: no Helm engine is available (install helm-python-sdk, "
             "`pip install helm-python-sdk`, or put a `helm` binary on PATH)")


def no_engine_message() -> str:
    """NO_ENGINE, with the reason the SDK is out when it is installed but cannot load."""
    problem = sdk_problem()
    if problem is None or problem.endswith("not installed"):
        return NO_ENGINE
    return f"{NO_ENGINE}; {problem}"
_SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)


class HelmUnavailable(RuntimeError):
    """Raised by a helper when neither engine can answer (the caller reports it)."""


def sdk_problem() -> str | None:
    """Why the SDK cannot render here, or None when it can.

    Importing `helm_python` loads its native library. Where pip found no wheel for the
    platform (Alpine's musl, glibc < 2.28) it installs the sdist, which builds without the
    library unless Go is present; the import then raises the SDK's own `HelmLibraryError`,
    not ImportError. Either way the SDK is simply not an engine here.
    """
    try:
        import helm_python  # noqa: F401
    except ImportError:
        return "helm-python-sdk is not installed"
    except Exception:  # HelmLibraryError: no library, or one built for another libc or machine
        # Not the SDK's text: it names local paths, and the finding's fingerprint must not.
        return ("helm-python-sdk is installed but its native library does not load on this "
                "system (no build for its libc or architecture)")
    return None


def sdk_available() -> bool:
    return sdk_problem() is None


def helm_binary() -> str | None:
    return shutil.which(HELM_BINARY)


def engine() -> Engine:
    if sdk_available():
        return "sdk"
    return "binary" if helm_binary() else "none"


# -- helpers without the SDK ----------------------------------------------------------
def values_from_yaml(text: str) -> dict[str, Any]:
    """A values file; `ValueError` (with the line) when it is not a YAML mapping."""
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(f"invalid YAML{line}: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"a values file must be a mapping, not a {type(data).__name__}")
    return data


def _scalar(text: str) -> Any:
    """`helm --set` typing: true/false/null and integers are typed, the rest is a string."""
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.fullmatch(r"-?(0|[1-9]\d*)", text):
        return int(text)
    return text


def _split(text: str, sep: str) -> list[str]:
    """Split on `sep` outside `{...}` and not after a backslash; escapes are kept."""
    parts, current, depth, escaped = [], "", 0, False
    for char in text:
        if escaped:
            current += char
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == sep and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_set_string(expression: str) -> dict[str, Any]:
    """`a.b=1,list[0]=x,c={p,q}` as `helm --set` parses it (the common forms)."""
    out: dict[str, Any] = {}
    for assignment in _split(expression, ","):
        key, sep, raw = assignment.partition("=")
        if not sep or not key:
            raise ValueError(f"key {assignment!r} has no value")
        value: Any = ([_scalar(_unescape(v)) for v in _split(raw[1:-1], ",")]
                      if raw.startswith("{") and raw.endswith("}") else _scalar(_unescape(raw)))
        node: Any = out
        parts = [_unescape(p) for p in _split(key, ".")]
        for depth, part in enumerate(parts):
            match = re.fullmatch(r"(.+?)\[(\d+)\]", part)
            last = depth == len(parts) - 1
            if match:
                name, index = match.group(1), int(match.group(2))
                items = node.setdefault(name, [])
                if not isinstance(items, list):
                    raise ValueError(f"{key!r}: {name!r} is not a list")
                items.extend([None] * (index + 1 - len(items)))
                if last:
                    items[index] = value
                else:
                    items[index] = items[index] if isinstance(items[index], dict) else {}
                    node = items[index]
            elif last:
                node[part] = value
            else:
                child = node.get(part)
                if child is None:
                    child = node[part] = {}
                elif not isinstance(child, dict):
                    raise ValueError(f"{key!r}: {part!r} is not a mapping")
                node = child
    return out


def dependency_list(chart_dir: Path) -> list[dict[str, Any]]:
    """Declared dependencies and whether `charts/` holds them (`ok` or `missing`)."""
    declared: list[Any] = []
    for name in ("Chart.yaml", "requirements.yaml"):
        file = chart_dir / name
        if file.is_file():
            try:
                data = YAML(typ="safe").load(file.read_text(encoding="utf-8"))
            except (OSError, YAMLError, UnicodeDecodeError):
                continue
            if isinstance(data, dict) and isinstance(data.get("dependencies"), list):
                declared = data["dependencies"]
                break
    charts = chart_dir / "charts"
    present = {p.name for p in charts.iterdir()} if charts.is_dir() else set()
    listed = []
    for dep in declared:
        if not isinstance(dep, dict):
            continue
        name = str(dep.get("name", ""))
        found = name in present or any(p.startswith(f"{name}-") and p.endswith(".tgz")
                                       for p in present)
        listed.append({"name": name, "version": dep.get("version"),
                       "repository": dep.get("repository"), "status": "ok" if found else "missing"})
    return listed


# -- the helpers, through the SDK where it is installed --------------------------------
def parse_set(expression: str) -> dict[str, Any]:
    """A `--set` string; `ValueError` when it is malformed."""
    if not sdk_available():
        return parse_set_string(expression)
    import helm_python as helm

    try:
        parsed: dict[str, Any] = helm.parse_set_string(expression)
    except helm.HelmError as exc:
        raise ValueError(str(exc)) from None
    return parsed


def list_dependencies(chart_dir: Path) -> list[dict[str, Any]]:
    """The chart's dependencies and their status; `ValueError` when the chart does not load."""
    if not sdk_available():
        return dependency_list(chart_dir)
    import helm_python as helm

    try:
        listed: list[dict[str, Any]] = helm.dependency_list(str(chart_dir))
    except helm.HelmError as exc:
        raise ValueError(str(exc)) from None
    return listed


# -- rendering with the binary --------------------------------------------------------
def split_template_output(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """`helm template` output by its `# Source: chart/templates/x.yaml` markers: manifests
    and CRDs keyed by the chart-prefixed file (as the SDK keys them)."""
    manifests: dict[str, str] = {}
    crds: dict[str, str] = {}
    for document in re.split(r"^---\s*$", text, flags=re.MULTILINE):
        match = _SOURCE.search(document)
        if match is None or not document.strip():
            continue
        key = match.group(1).strip()
        body = document[match.end():].lstrip("\n")
        target = crds if "/crds/" in f"/{key}" else manifests
        target[key] = (target[key] + "---\n" + body) if key in target else body
    return manifests, crds


def render_with_binary(chart_dir: Path, values: dict[str, Any], *, release_name: str,
                       namespace: str, timeout: float) -> tuple[dict[str, str], dict[str, str]]:
    """Render with `helm template`; `RuntimeError` with Helm's message when it fails."""
    binary = helm_binary()
    if binary is None:
        raise HelmUnavailable(no_engine_message())
    import json

    with tempfile.TemporaryDirectory(prefix="iacguard-helm-") as home:
        values_file = Path(home) / "values.json"  # JSON is YAML: no re-typing of values
        values_file.write_text(json.dumps(values), encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": home,
               # No plugins, no repositories, no cache from the user's setup.
               "HELM_PLUGINS": str(Path(home) / "plugins"),
               "HELM_CACHE_HOME": str(Path(home) / "cache"),
               "HELM_CONFIG_HOME": str(Path(home) / "config"),
               "HELM_DATA_HOME": str(Path(home) / "data")}
        proc = subprocess.run(
            [binary, "template", release_name, str(chart_dir), "--namespace", namespace,
             "--values", str(values_file), "--include-crds"],
            capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().removeprefix("Error: ") or
                           f"helm template exited with code {proc.returncode}")
    return split_template_output(proc.stdout)

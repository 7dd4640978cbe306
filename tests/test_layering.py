"""The layering, enforced: the core imports no plugin, and plugins import each other only
through documented public modules (a plugin's `api` module, or the `iacguard_builtin.cloud` library).

Every built-in plugin is a subpackage of `iacguard_builtin`; the plugin an import reaches is the
subpackage it names."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILTIN = "iacguard_builtin"
PLUGINS = REPO / "plugins" / BUILTIN
PUBLIC_LIBRARIES = {"cloud"}  # whole plugins that are public libraries


def _imports(file: Path) -> list[tuple[int, str]]:
    tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import name`: the name may be a module of the package
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _plugin_of(file: Path) -> str:
    return file.relative_to(PLUGINS).parts[0]


def _plugin_imported(name: str) -> str | None:
    """The plugin (or other iacguard_* package) an import reaches; None for the core and the rest."""
    parts = name.split(".")
    if parts[0] == BUILTIN:
        return parts[1] if len(parts) > 1 else BUILTIN
    return parts[0] if parts[0].startswith("iacguard_") else None


def test_core_imports_no_plugin() -> None:
    offending = [f"{f.relative_to(REPO)}:{line} imports {name}"
                 for f in sorted((REPO / "iacguard").rglob("*.py"))
                 for line, name in _imports(f) if _plugin_imported(name) is not None]
    assert offending == []


def test_plugins_use_each_other_only_through_public_modules() -> None:
    offending = []
    files = sorted(f for f in PLUGINS.rglob("*.py") if f.parent != PLUGINS)
    assert len({_plugin_of(f) for f in files}) >= 10  # the walk sees the plugins
    for file in files:
        own = _plugin_of(file)
        for line, name in _imports(file):
            plugin = _plugin_imported(name)
            if plugin is None or plugin == own or plugin in PUBLIC_LIBRARIES:
                continue
            api = f"{BUILTIN}.{plugin}.api" if name.startswith(f"{BUILTIN}.") else f"{plugin}.api"
            if name == api or name.startswith(f"{api}."):
                continue
            offending.append(f"{file.relative_to(REPO)}:{line} imports {name}")
    assert offending == []


def test_public_modules_are_documented() -> None:
    for api in sorted(PLUGINS.glob("*/api.py")):
        doc = ast.get_docstring(ast.parse(api.read_text(encoding="utf-8")))
        assert doc and "public" in doc.lower(), f"{api.relative_to(REPO)} needs a docstring"

"""The layering, enforced: the core imports no plugin, and plugins import each other only
through documented public modules (a plugin's `api` module, or the `iacguard_cloud` library)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PUBLIC_LIBRARIES = {"iacguard_cloud"}  # whole packages that are public libraries


def _imports(file: Path) -> list[tuple[int, str]]:
    tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if "." in node.module:
                found.append((node.lineno, node.module))
            else:  # `from package import module`: each name may be a module of the package
                found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _package_of(file: Path) -> str:
    return file.relative_to(REPO / "plugins").parts[0]


def test_core_imports_no_plugin() -> None:
    offending = [f"{f.relative_to(REPO)}:{line} imports {name}"
                 for f in sorted((REPO / "iacguard").rglob("*.py"))
                 for line, name in _imports(f) if name.split(".")[0].startswith("iacguard_")]
    assert offending == []


def test_plugins_use_each_other_only_through_public_modules() -> None:
    offending = []
    for file in sorted((REPO / "plugins").rglob("*.py")):
        own = _package_of(file)
        for line, name in _imports(file):
            top = name.split(".")[0]
            if not top.startswith("iacguard_") or top == own or top in PUBLIC_LIBRARIES:
                continue
            if name == f"{top}.api":
                continue
            offending.append(f"{file.relative_to(REPO)}:{line} imports {name}")
    assert offending == []


def test_public_modules_are_documented() -> None:
    for api in sorted((REPO / "plugins").glob("*/api.py")):
        doc = ast.get_docstring(ast.parse(api.read_text(encoding="utf-8")))
        assert doc and "public" in doc.lower(), f"{api.relative_to(REPO)} needs a docstring"

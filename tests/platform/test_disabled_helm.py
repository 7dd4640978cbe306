"""`--disable-plugin helm` really disables chart rendering: a Terraform `helm_release` is then
an unresolved input, and the root's Terraform findings are unaffected."""

from __future__ import annotations

from pathlib import Path

from iacguard.model import ScanResult
from iacguard.plugin import make_plugins

from helpers import marks, scan

PLATFORM = Path(__file__).resolve().parents[2] / "examples" / "platform"


def test_a_helm_release_is_not_rendered_without_the_helm_plugin() -> None:
    with_helm, _ = scan(make_plugins(), PLATFORM)
    without, graph = scan(make_plugins(blocked=["helm"]), PLATFORM)
    assert not any(r.format == "helm" for r in graph.resources())
    assert any(path.startswith("charts/") for path, _, _ in marks(with_helm))
    assert not any(path.startswith("charts/") for path, _, _ in marks(without))

    def terraform(result: ScanResult) -> set[tuple[str, int, str]]:
        return {m for m in marks(result) if m[0].startswith("terraform/")}

    assert terraform(without) == terraform(with_helm) | {("terraform/main.tf", 57, "PARSE003")}
    (note,) = [f for f in without.findings if f.rule_id == "PARSE003"]
    assert "helm_release.storefront" in note.message and "no plugin renders Helm charts" in note.message
    assert without.errors == []

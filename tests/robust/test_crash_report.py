"""A `loader-crashed` report names the plugin whose hook raised and shows where it failed."""

from __future__ import annotations

from pathlib import Path

from iacguard.loading import ChartRequest, Claim, LoadContext, LoadResult
from iacguard.model import SourceSpan
from iacguard.plugin import hookimpl, make_plugins

from helpers import scan, write


def _innermost_helper(depth: int) -> None:
    if depth == 0:
        raise KeyError("values.image")
    _innermost_helper(depth - 1)


class ChartsLoader:  # claims *.chart files and asks whoever renders charts
    @staticmethod
    @hookimpl(tryfirst=True)
    def iacguard_claim(path: Path, ctx: LoadContext) -> Claim | None:
        return Claim("charts-loader", path) if path.suffix == ".chart" else None

    @staticmethod
    @hookimpl(tryfirst=True)
    def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
        if claim.loader != "charts-loader":
            return None
        request = ChartRequest(chart_dir=claim.path.parent, profile="p",
                               origin=SourceSpan(file=str(claim.path), precision="file"))
        return ctx.render_chart(request)


class BrokenRenderer:
    @staticmethod
    @hookimpl(tryfirst=True)
    def iacguard_render_chart(request: ChartRequest, ctx: LoadContext) -> LoadResult | None:
        _innermost_helper(12)  # deeper than the four frames a report keeps
        return None


def test_the_crash_names_the_plugin_that_raised_and_its_innermost_frames(tmp_path: Path) -> None:
    write(tmp_path, {"x.chart": "", "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"})
    plugins = make_plugins([ChartsLoader, BrokenRenderer])
    result, _ = scan(plugins, tmp_path)
    (error,) = result.errors
    assert (error.kind, error.path, error.plugin) == ("loader-crashed", "x.chart", "BrokenRenderer")
    head, *frames = error.message.splitlines()
    assert head == "KeyError: 'values.image' (in plugin BrokenRenderer)"
    assert "_innermost_helper" in frames[-3] and frames[-2].strip() == "raise KeyError(\"values.image\")"
    assert "pluggy" not in "".join(frames)


class Recursing:
    @staticmethod
    @hookimpl(tryfirst=True)
    def iacguard_claim(path: Path, ctx: LoadContext) -> Claim | None:
        return Claim("recursing", path) if path.suffix == ".loop" else None

    @staticmethod
    @hookimpl(tryfirst=True)
    def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
        def down(n: int) -> int:
            return down(n + 1) + 1
        down(0)
        return None


def test_python_recursion_wording_never_reaches_users(tmp_path: Path) -> None:
    write(tmp_path, {"a.loop": ""})
    result, _ = scan(make_plugins([Recursing]), tmp_path)
    (error,) = result.errors
    assert error.message.splitlines()[0] == (
        "RecursionError: the input nests or recurses too deeply for Python's stack (in plugin Recursing)")

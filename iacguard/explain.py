"""`iacguard explain`: a policy's documentation as Markdown, shown on the terminal through
rich (headings, lists, links) or printed raw (`--format markdown`)."""

from __future__ import annotations

import sys
from typing import Any

from iacguard.model import PolicyMeta


def policy_markdown(meta: PolicyMeta, effective: dict[str, tuple[Any, Any]] | None = None) -> str:
    """A policy's documentation; `effective` gives (value, default) per parameter when the
    configuration set some (`iacguard explain` in a repository)."""
    lines = [f"# {meta.id} {meta.name}", "", f"**{meta.title}**", "",
             f"Category `{meta.category}`, severity `{meta.severity.label}`"
             + ("" if meta.enabled else " (off by default)") + ".", "",
             "## Why is this bad?", "", meta.rationale.strip(), "",
             "## Remediation", "", meta.remediation.strip()]
    if meta.params and effective is None:
        lines += ["", "## Parameters (defaults)", ""]
        lines += [f"- `{name}`: `{value!r}`" for name, value in meta.params.items()]
    elif meta.params and effective is not None:
        lines += ["", "## Parameters (effective; the default where configuration differs)", ""]
        lines += [f"- `{name}`: `{value!r}`" + ("" if value == default else f" (default `{default!r}`)")
                  for name, (value, default) in effective.items()]
    if meta.references:
        lines += ["", "## References", ""] + [f"- <{ref}>" for ref in meta.references]
    return "\n".join(lines) + "\n"


def print_explanation(meta: PolicyMeta, fmt: str,
                      effective: dict[str, tuple[Any, Any]] | None = None) -> None:
    text = policy_markdown(meta, effective)
    if fmt == "markdown":
        sys.stdout.write(text)
        return
    from rich.console import Console  # only this command draws with rich
    from rich.markdown import Markdown

    console = Console(file=sys.stdout, soft_wrap=False, width=None if sys.stdout.isatty() else 100)
    console.print(Markdown(text, hyperlinks=False))

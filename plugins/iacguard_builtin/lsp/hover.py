"""Hover on a flagged range: the finding, its rule's documentation (the text of `iacguard
explain`) and, for Terraform, the evaluated value and where it came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iacguard.explain import policy_markdown
from iacguard.model import Provenance, Resource
from iacguard.values import MISSING, get, is_unknown, pointer
from iacguard_builtin.lsp.analysis import Issue, Snapshot


def _shown(value: Any) -> str:
    if is_unknown(value):
        return "(known after apply)"
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def _described(resource: Resource, parts: tuple[str | int, ...], prov: Provenance,
               snap: Snapshot) -> str:
    value = get(resource.body, parts, MISSING)
    shown = "" if value is MISSING else f"`{_shown(value)}` — "
    where = ""
    if prov.span is not None and f":{prov.span.start_line}" not in prov.description:
        where = f", {_rel(prov.span.file, snap)}:{prov.span.start_line}"
    return f"{shown}{prov.description}{where} (`{pointer(parts)}`)"


def provenance_lines(resource: Resource, path: tuple[str | int, ...], snap: Snapshot) -> list[str]:
    """`true — default of var.public_endpoint in variables.tf:3` for the value at `path` (or
    the longest prefix of it with a recorded provenance), else for the values below it that
    have one (a finding on a block); the value where it was written otherwise."""
    parts = list(path)
    while parts:
        prov = resource.provenance.get(pointer(parts))
        if prov is not None:
            return [_described(resource, tuple(parts), prov, snap)]
        parts.pop()
    prefix = pointer(path)
    below = sorted(k for k in resource.provenance if not prefix or k.startswith(prefix + "/"))
    if below:
        return [_described(resource, _parts(k), resource.provenance[k], snap) for k in below]
    if not path:
        return []
    value = get(resource.body, path, MISSING)
    if value is MISSING:
        return [f"`{prefix}` is not set (the provider default applies)"]
    span = resource.span_for(path)
    return [f"`{_shown(value)}` — written in {_rel(span.file, snap)}:{span.start_line} (`{prefix}`)"]


def _parts(ptr: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~")
                 for p in ptr.split("/"))


def _rel(file: str, snap: Snapshot) -> str:
    try:
        return Path(file).relative_to(snap.root).as_posix()
    except ValueError:
        return file


def hover_text(issues: list[Issue], snap: Snapshot) -> str:
    parts: list[str] = []
    for issue in issues:
        f = issue.finding
        block = [f"**{f.rule_id} {f.rule_name}** ({f.severity.label}): {f.message}"]
        if issue.resource is not None and issue.resource.format == "terraform":
            block += [f"Value: {line}" for line in provenance_lines(issue.resource, issue.path, snap)]
        meta = snap.catalogue.get(f.rule_id)
        if meta is not None:
            block.append(policy_markdown(meta).rstrip())
        parts.append("\n\n".join(block))
    return "\n\n---\n\n".join(parts)

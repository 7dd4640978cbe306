"""Suppressions: one syntax in every input, read and matched in one place.

    # iacguard:ignore RULE[,RULE...] [until=YYYY-MM-DD] reason...     (HCL also // and /* */)
    # iacguard:ignore RULE[key] reason...                              (one count/for_each instance)
    metadata.annotations["iacguard.io/ignore"]: "RULE: reason; RULE2: until=2025-01-01 reason"

RULE is a policy id, name, alias or category. Loaders only report where comments were written
(`LoadResult.comments`); this module parses them and decides which findings they cover:
a comment on the line of, or in the run of comment lines right above, the finding's line, its
resource's first line (the block or document) or a block that produced the resource (a
Terraform `module` call, `Resource.enclosing`). A Helm field set from a values file is located
at the values line, so a comment there covers what that value renders.

A suppression without a reason, past its expiry, or one the organisation's rules forbid does
not suppress; it is reported itself (`invalid-suppression`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from iacguard.config import SuppressionRules
from iacguard.model import Comment, Finding, PolicyMeta, Resource

DIRECTIVE = re.compile(r"iacguard:ignore\b(.*)$", re.DOTALL)
ANNOTATION = "iacguard.io/ignore"
_RULE = re.compile(r"^([A-Za-z0-9_\-]+)(?:\[(.+)\])?$")
_UNTIL = re.compile(r"^until=(\S+)$")
_INSTANCE_KEY = re.compile(r"\[([^\[\]]+)\]$")


@dataclass(frozen=True)
class Written:
    """One suppression as written: where (path relative to the scan root, line), for what."""

    kind: str  # "inline" | "annotation"
    path: str
    line: int
    rules: tuple[tuple[str, str | None], ...]  # (rule, instance key)
    reason: str
    expires: dt.date | None
    problem: str | None  # why it cannot be read (then it never suppresses)
    own_line: bool = True

    def names(self) -> str:
        return ", ".join(r if k is None else f"{r}[{k}]" for r, k in self.rules)


def parse_directive(text: str, *, kind: str, path: str, line: int,
                    own_line: bool = True) -> Written | None:
    """`text` is a comment's text; None when it is no `iacguard:ignore` directive."""
    match = DIRECTIVE.search(text)
    if match is None:
        return None
    body = match.group(1).split(" #", 1)[0].strip()
    return _parse_body(body, kind=kind, path=path, line=line, own_line=own_line)


def _parse_body(body: str, *, kind: str, path: str, line: int, own_line: bool) -> Written:
    tokens = body.split()
    problem: str | None = None
    rules: list[tuple[str, str | None]] = []
    if tokens:
        for part in tokens.pop(0).split(","):
            rule = _RULE.match(part.strip())
            if rule is None:
                problem = f"cannot read the rule {part!r}"
            else:
                key = rule.group(2)
                rules.append((rule.group(1), key.strip("\"'") if key else None))
    else:
        problem = "names no rule"
    expires: dt.date | None = None
    reason_tokens: list[str] = []
    for token in tokens:
        until = _UNTIL.match(token)
        if until is None:
            reason_tokens.append(token)
            continue
        try:
            expires = dt.date.fromisoformat(until.group(1))
        except ValueError:
            problem = f"cannot read the expiry {until.group(1)!r} (write until=YYYY-MM-DD)"
    reason = " ".join(reason_tokens).strip(" -:")
    if problem is None and not reason:
        problem = "has no reason (write the reason after the rule)"
    return Written(kind, path, line, tuple(rules), reason, expires, problem, own_line)


def parse_annotation(value: str, *, path: str, line: int) -> list[Written]:
    """`RULE: reason; RULE2: until=YYYY-MM-DD reason`."""
    out = []
    for entry in (e.strip() for e in value.split(";")):
        if not entry:
            continue
        rule, _, reason = entry.partition(":")
        out.append(_parse_body(f"{rule.strip()} {reason.strip()}", kind="annotation", path=path,
                               line=line, own_line=True))
    return out


def annotation_of(resource: Resource) -> str | None:
    metadata = resource.body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    value = annotations.get(ANNOTATION) if isinstance(annotations, dict) else None
    return value if isinstance(value, str) else None


def rule_keys(meta: PolicyMeta) -> set[str]:
    return {meta.id, meta.name, meta.category, *meta.aliases}


def instance_key(address: str | None) -> str | None:
    if not address:
        return None
    match = _INSTANCE_KEY.search(address)
    return match.group(1).strip("\"'") if match else None


def covers(written: Written, finding: Finding, keys: set[str]) -> bool:
    for rule, key in written.rules:
        if rule in keys and (key is None or key == instance_key(finding.resource.address)):
            return True
    return False


def violation_of_rules(written: Written, rules: SuppressionRules, meta_keys: list[set[str]],
                       today: dt.date) -> str | None:
    """Why this suppression does not suppress, or None."""
    if written.problem is not None:
        return f"suppression {written.problem}"
    unknown = [rule for rule, _ in written.rules if not any(rule in k for k in meta_keys)]
    if unknown:
        return f"suppression names no known policy, name or category: {', '.join(unknown)}"
    if written.expires is not None and written.expires < today:
        return f"suppression of {written.names()} expired on {written.expires.isoformat()}"
    allow = rules.allow_inline_suppressions
    if allow is False:
        return "inline suppressions are not allowed by the configuration's rules"
    if isinstance(allow, list):
        allowed = set(allow)
        # A rule may be suppressed inline when it, or any policy it names, is on the list.
        for rule, _ in written.rules:
            named = [k for k in meta_keys if rule in k]
            if rule not in allowed and not any(k & allowed for k in named):
                return f"{rule} may not be suppressed inline (allowed: {', '.join(allow)})"
    if rules.require_expiry and written.expires is None:
        return "suppression needs an expiry (until=YYYY-MM-DD) by the configuration's rules"
    if rules.max_suppression_days is not None and written.expires is not None:
        days = (written.expires - today).days
        if days > rules.max_suppression_days:
            return (f"suppression expires in {days} days, more than the "
                    f"{rules.max_suppression_days} the configuration's rules allow")
    return None


def comment_directives(comments: Iterable[Comment], relpath: Callable[[str], str]) -> list[Written]:
    """Every directive in `comments` (`relpath`: absolute path -> reported path)."""
    out = []
    for c in comments:
        written = parse_directive(c.text, kind="inline", path=relpath(c.file), line=c.line,
                                  own_line=c.own_line)
        if written is not None:
            out.append(written)
    return out

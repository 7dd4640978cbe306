"""The finding pipeline: the one place between checks and output.

    violations, load problems -> findings -> merged across variants -> masked -> unique, sorted

Every finding is built here (file and line from the resource's source map, fingerprint from
rule + resource identity + logical path), so suppressions, baselines, severity overrides and
diff filtering plug in as further `Stage`s of `FindingPipeline` rather than once per loader
(suppressions and baselines: `suppression_stage.SuppressionStage`, added after `unique`).

Fingerprints never depend on lines, on list positions, or on the order units were loaded:
- a violation: rule | resource id | logical path | key (resource ids are built from the
  repository-relative path and the object's logical identity);
- a load problem: rule | file | message (identical problems of one file are one finding,
  the other places listed as related locations);
- a finding several variants (values profiles, overlays) report identically: the variant is
  left out, so adding a profile does not change it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from iacguard.model import (
    Finding,
    Location,
    PolicyMeta,
    Resource,
    ResourceRef,
    Severity,
    SourceSpan,
    Violation,
)
from iacguard.values import is_unknown, pointer

SENSITIVE = "(sensitive)"


def fingerprint(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Located:
    """How the pipeline turns spans into reported locations (relative to the scan root).

    Reported values are immutable, so findings that name the same place or the same resource
    share one `Location` or `ResourceRef` (a large file's objects have several findings
    each, many at the same field)."""

    relpath: Callable[[Path], str]
    # file -> reported path: tens of thousands of spans name a few hundred files, and
    # `relpath` (pathlib, os.path.relpath) was a fifth of a warm corpus scan.
    _paths: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _locations: dict[tuple[str, int, int, int, int, str], Location] = field(
        default_factory=dict, compare=False, repr=False)
    _refs: dict[tuple[str, str, str, str, str | None, str | None], ResourceRef] = field(
        default_factory=dict, compare=False, repr=False)

    def path_of(self, file: str) -> str:
        known = self._paths.get(file)
        if known is None:
            known = self._paths[file] = self.relpath(Path(file))
        return known

    def location(self, span: SourceSpan) -> Location:
        key = (span.file, span.start_line, span.end_line, span.start_col, span.end_col,
               span.precision)
        location = self._locations.get(key)
        if location is None:
            location = self._locations[key] = Location(
                path=self.path_of(span.file),
                start_line=span.start_line,
                end_line=max(span.end_line, span.start_line),
                start_col=span.start_col,
                end_col=span.end_col,
                precision=span.precision,
            )
        return location

    def ref(self, resource: Resource) -> ResourceRef:
        """`ref(resource)`, shared by the findings on that resource."""
        key = (resource.id, resource.kind, resource.name, resource.format, resource.namespace,
               resource.address)
        found = self._refs.get(key)
        if found is None:
            found = self._refs[key] = ref(resource)
        return found


@dataclass
class Candidate:
    """A finding on its way through the pipeline, with what later stages may need."""

    finding: Finding
    resource: Resource | None = None  # None for load problems
    variant_identity: str | None = None  # set when a variant produced it
    # The logical path inside `resource` the violation names (editors fix and explain it).
    path: tuple[str | int, ...] = ()
    # The violation's related resources and paths (`Finding.related` are their locations):
    # what a value of theirs came from can be the cause a pull-request comment points at.
    related: tuple[tuple[Resource, tuple[str | int, ...]], ...] = ()


def ref(resource: Resource) -> ResourceRef:
    return ResourceRef(id=resource.id, kind=resource.kind, name=resource.name,
                       format=resource.format, namespace=resource.namespace,
                       address=resource.address)


def from_violation(meta: PolicyMeta, severity: Severity, violation: Violation,
                   where: Located) -> Candidate:
    resource = violation.resource
    at = pointer(violation.path)
    identity = f"{meta.id}|{resource.id}|{at}|{violation.key}"
    finding = Finding(
        rule_id=meta.id,
        rule_name=meta.name,
        category=meta.category,
        severity=violation.severity if violation.severity is not None else severity,
        title=meta.title,
        message=violation.message,
        resource=where.ref(resource),
        location=where.location(resource.span_at(at)),
        related=[where.location(r.span_for(p)) for r, p in violation.related],
        fingerprint=fingerprint(identity),
        context=dict(sorted(resource.context.items())),
    )
    variant = None
    if resource.variant is not None:
        variant = (f"{meta.id}|{resource.format}|{resource.kind}|{resource.namespace}|"
                   f"{resource.name}|{at}|{violation.key}")
    return Candidate(finding, resource, variant, violation.path, violation.related)


def from_problem(meta: PolicyMeta, severity: Severity, span: SourceSpan, message: str,
                 where: Located) -> Candidate:
    location = where.location(span)
    resource = ResourceRef(id=f"file:{location.path}", kind="File", name=location.path,
                           format="file")
    return Candidate(Finding(
        rule_id=meta.id, rule_name=meta.name, category=meta.category, severity=severity,
        title=meta.title, message=message, resource=resource, location=location,
        fingerprint=fingerprint(f"{meta.id}|{resource.id}|{message}"),
    ))


# -- stages ------------------------------------------------------------------------------
Stage = Callable[[list[Candidate]], list[Candidate]]


def merge_variants(candidates: list[Candidate]) -> list[Candidate]:
    """One finding for what several variants report identically (same rule, object, place and
    message), its context listing every variant's value (e.g. `profile: ci-a, default`).

    Where variants disagree (different messages), each keeps its own fingerprint.
    """
    groups: dict[tuple[str, str, int, str], list[Candidate]] = {}
    out: list[Candidate] = []
    for c in candidates:
        if c.variant_identity is None:
            out.append(c)
            continue
        loc = c.finding.location
        groups.setdefault((c.variant_identity, loc.path, loc.start_line, c.finding.message),
                          []).append(c)
    groups_of = Counter(key[0] for key in groups)  # groups per identity, counted once
    for (identity, path, _, _), members in groups.items():
        members = sorted(members, key=lambda m: (sorted(m.finding.context.items()),
                                                 m.finding.resource.id))
        context: dict[str, str] = {}
        for key in sorted({k for m in members for k in m.finding.context}):
            values = sorted({m.finding.context[key] for m in members if key in m.finding.context})
            context[key] = ", ".join(values)
        first = members[0]
        unique = groups_of[identity] == 1
        fp = fingerprint(f"{identity}|{path}") if unique else first.finding.fingerprint
        out.append(Candidate(first.finding.model_copy(update={"context": context, "fingerprint": fp}),
                             first.resource, identity, first.path, first.related))
    return out


def _sensitive_texts(resource: Resource) -> list[str]:
    texts: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)
        elif value is not None and not is_unknown(value) and not isinstance(value, bool):
            text = str(value)
            if len(text) >= 1:
                texts.add(text)

    for ptr in resource.sensitive:
        node: Any = resource.body
        for part in [p for p in ptr.split("/") if p]:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = None
                break
        collect(node)
    return sorted(texts, key=len, reverse=True)  # longest first: no partial masking


def mask_text(text: str, resource: Resource) -> str:
    """`text` with every value `resource` marks sensitive replaced by "(sensitive)"."""
    return masked(text, _sensitive_texts(resource) if resource.sensitive else [])


def masked(text: str, secrets: list[str]) -> str:
    """`text` with each of `secrets` (longest first) replaced by \"(sensitive)\"."""
    for secret in secrets:
        text = text.replace(f'"{secret}"', SENSITIVE).replace(secret, SENSITIVE)
    return text


MIN_GRAPH_WIDE_SECRET = 4  # shorter ones ("22", "true") are masked in their own resource only


def graph_secrets(resources: Iterable[Resource]) -> list[str]:
    """Every sensitive value of every resource, longest first (masking a two-character value
    in every message of the scan would garble unrelated findings)."""
    found = {t for r in resources if r.sensitive for t in _sensitive_texts(r)
             if len(t) >= MIN_GRAPH_WIDE_SECRET}
    return sorted(found, key=lambda t: (-len(t), t))


def _masked_finding(finding: Finding, mask: Callable[[str], str]) -> Finding:
    """`finding` with `mask` applied to its message and to the resource names it prints."""
    ref = finding.resource
    masked_ref = ref.model_copy(update={
        key: mask(value) for key in ("id", "name", "namespace", "address")
        if isinstance(value := getattr(ref, key), str)})
    return finding.model_copy(update={"message": mask(finding.message), "resource": masked_ref})


def mask_sensitive(candidates: list[Candidate]) -> list[Candidate]:
    """Values a loader marked sensitive never reach a message, nor the resource's id, name or
    address a report prints (a name built from a secret): policies judged the real value,
    reports say "(sensitive)"."""
    return [c if c.resource is None or not c.resource.sensitive else
            replace(c, finding=_masked_finding(c.finding, partial(mask_text, resource=c.resource)))
            for c in candidates]


def mask_graph_wide(secrets: list[str]) -> Stage:
    """A scope-wide finding names other resources than its own (`2 public LoadBalancer
    Services: a, b`): this stage masks every sensitive value of the graph (`graph_secrets`)."""
    def stage(candidates: list[Candidate]) -> list[Candidate]:
        if not secrets:
            return candidates
        return [replace(c, finding=_masked_finding(c.finding, partial(masked, secrets=secrets)))
                for c in candidates]
    return stage


def unique(candidates: list[Candidate]) -> list[Candidate]:
    """One finding per fingerprint: the first place, the others as related locations."""
    by_fp: dict[str, Candidate] = {}
    for c in sorted(candidates, key=lambda c: c.finding.sort_key()):
        kept = by_fp.get(c.finding.fingerprint)
        if kept is None:
            by_fp[c.finding.fingerprint] = c
        elif c.finding.location != kept.finding.location and c.resource is None:
            related = [*kept.finding.related, c.finding.location]
            kept.finding = kept.finding.model_copy(update={"related": related})
    return list(by_fp.values())


DEFAULT_STAGES: tuple[Stage, ...] = (merge_variants, mask_sensitive, unique)


@dataclass
class FindingPipeline:
    stages: list[Stage] = field(default_factory=lambda: list(DEFAULT_STAGES))

    def run(self, candidates: Iterable[Candidate]) -> list[Finding]:
        current = list(candidates)
        for stage in self.stages:
            current = stage(current)
        return sorted((c.finding for c in current), key=Finding.sort_key)


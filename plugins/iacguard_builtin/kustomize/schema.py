"""The shape of a kustomization file, as far as iacguard reads it.

A number where kustomize wants a list (`resources: 3`) is reported as a `parse-error` at the
key's line before anything is built, never a crash: kustomize would refuse the file too.
Unknown keys are allowed (kustomize has many, and grows); only the keys that name files,
patches, generators and charts are typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from iacguard.loading import LoadProblem
from iacguard.model import SourceSpan
from iacguard.values import pointer

StrList = list[str] | None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Patch(_Open):
    path: str | None = None
    patch: str | None = None
    target: dict[str, Any] | None = None


class Generator(_Open):
    name: str | None = None
    files: StrList = None
    envs: StrList = None
    env: str | None = None
    literals: StrList = None


class HelmChart(_Open):
    name: str | None = None
    repo: str | None = None
    version: str | None = None
    releaseName: str | None = None
    namespace: str | None = None
    valuesFile: str | None = None
    valuesInline: dict[str, Any] | None = None


class HelmGlobals(_Open):
    chartHome: str | None = None


class KustomizationSchema(_Open):
    resources: StrList = None
    bases: StrList = None
    components: StrList = None
    crds: StrList = None
    configurations: StrList = None
    generators: StrList = None
    transformers: StrList = None
    validators: StrList = None
    patches: list[Patch] | None = None
    patchesStrategicMerge: StrList = None
    patchesJson6902: list[Patch] | None = None
    configMapGenerator: list[Generator] | None = None
    secretGenerator: list[Generator] | None = None
    helmCharts: list[HelmChart] | None = None
    helmGlobals: HelmGlobals | None = None


def schema_problem(file: str, data: dict[str, Any],
                   source_map: Mapping[str, SourceSpan]) -> LoadProblem | None:
    """The first key of `data` whose value has the wrong type, at its line; `None` if none."""
    try:
        KustomizationSchema.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [part for part in error["loc"] if isinstance(part, str | int)]
        line = None
        for depth in range(len(loc), 0, -1):  # the deepest key the file writes
            span = source_map.get(pointer(loc[:depth]))
            if span is not None:
                line = span.start_line
                break
        where = ".".join(str(p) for p in loc)
        span = (SourceSpan(file=file, precision="file") if line is None else
                SourceSpan(file=file, start_line=line, end_line=line, precision="exact"))
        return LoadProblem(span=span, rule="unparseable-file",
                           message=f"invalid kustomization: {where}: {error['msg']}")
    return None

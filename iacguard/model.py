"""The data that crosses every boundary: sources, resources, edges, policies, findings.

Pure pydantic, no I/O. Loaders produce `Resource`s, linkers produce `Edge`s, checks
produce `Violation`s, and the engine turns violations into `Finding`s.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    field_validator,
    model_validator,
)

from iacguard.values import Path, pointer


class Severity(enum.IntEnum):
    """Ordered so that thresholds are comparisons (`sev >= Severity.HIGH`)."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r} (one of: {names})") from None


# Categories come from the catalogue (`categories.yaml` beside the policies), so a policy
# pack can add its own; the catalogue checks every policy's category against them.
Category = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceSpan(_Frozen):
    """A region of a file. Lines and columns are 1-based; `file` is absolute.

    `precision` says how much to trust the region: `exact` (the field itself),
    `block` (the enclosing object or template), `file` (only the file is known).
    """

    file: str
    start_line: int = 1
    start_col: int = 1
    end_line: int = 1
    end_col: int = 1
    precision: Literal["exact", "block", "file"] = "exact"


Precision = Literal["exact", "block", "file"]
_FIELD = 32  # bits per position in a packed mark
_MASK = (1 << _FIELD) - 1


class SourceMap(Mapping[str, SourceSpan]):
    """JSON pointers inside a body -> where they were written in one file, kept compact.

    A map of a whole parsed document holds tens of spans per object; building a pydantic
    `SourceSpan` for each would dominate the memory of a large scan, while a finding asks
    for a handful. So each pointer keeps its four positions (start line and column, end line
    and column, 1-based) packed in one int, and the span is built when it is asked for.
    Read it as any `Mapping[str, SourceSpan]` (`get`, `in`, `items()`); `Resource.span_for`
    is still the one place that turns a logical path into a span.
    """

    __slots__ = ("_marks", "file", "precision")

    def __init__(self, file: str, precision: Precision = "exact",
                 marks: dict[str, int] | None = None) -> None:
        self.file = file
        self.precision: Precision = precision
        self._marks: dict[str, int] = {} if marks is None else marks

    def add(self, ptr: str, start_line: int, start_col: int, end_line: int, end_col: int) -> None:
        """Record (or replace) the region of `ptr`."""
        if (start_line | start_col | end_line | end_col) >> _FIELD or \
                min(start_line, start_col, end_line, end_col) < 0:
            raise ValueError(f"position out of range for {ptr!r}")
        self._marks[ptr] = (((start_line << _FIELD | start_col) << _FIELD | end_line)
                            << _FIELD | end_col)

    def _span(self, mark: int) -> SourceSpan:
        return SourceSpan(file=self.file, start_line=mark >> 3 * _FIELD,
                          start_col=mark >> 2 * _FIELD & _MASK, end_line=mark >> _FIELD & _MASK,
                          end_col=mark & _MASK, precision=self.precision)

    def __getitem__(self, ptr: str) -> SourceSpan:
        return self._span(self._marks[ptr])

    def get(self, ptr: str, default: Any = None) -> Any:
        mark = self._marks.get(ptr)
        return default if mark is None else self._span(mark)

    def __contains__(self, ptr: object) -> bool:
        return ptr in self._marks

    def __iter__(self) -> Iterator[str]:
        return iter(self._marks)

    def __len__(self) -> int:
        return len(self._marks)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SourceMap):
            return (self.file, self.precision, self._marks) == \
                (other.file, other.precision, other._marks)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dict it stands for

    def __repr__(self) -> str:
        return f"SourceMap({self.file!r}, {len(self._marks)} pointers)"

    def children(self, prefix: str) -> dict[str, SourceMap]:
        """The pointers under each child of `prefix` (`items` -> `{"0": map of items/0/...}`),
        re-rooted at that child: one pass over the map, whatever the number of children."""
        head = prefix + "/" if prefix else ""
        out: dict[str, SourceMap] = {}
        for ptr, mark in self._marks.items():
            if not ptr.startswith(head):
                continue
            child, sep, rest = ptr[len(head):].partition("/")
            if not sep:
                continue
            sub = out.get(child)
            if sub is None:
                sub = out[child] = SourceMap(self.file, self.precision)
            sub._marks[rest] = mark
        return out


_SPANS: TypeAdapter[dict[str, SourceSpan]] = TypeAdapter(dict[str, SourceSpan])


def _source_map(value: Any) -> Mapping[str, SourceSpan]:
    """A `SourceMap` as it is (built by a loader, trusted); anything else validated as a
    dict of spans."""
    return value if isinstance(value, SourceMap) else _SPANS.validate_python(value)


# A resource's source map: a compact `SourceMap` or a plain dict of spans (loaders that
# assemble spans from several files); serialised as the dict it stands for.
SourceMapping = Annotated[
    Mapping[str, SourceSpan], PlainValidator(_source_map),
    PlainSerializer(lambda value: {k: v.model_dump() for k, v in value.items()}),
]


class Provenance(_Frozen):
    """Where an evaluated value came from, e.g. a variable default or a tfvars file."""

    kind: Literal[
        "literal",
        "default",
        "provider-default",
        "variable-default",
        "tfvars",
        "cli",
        "environment",
        "module-input",
        "values",
        "computed",
    ]
    description: str
    span: SourceSpan | None = None


class Comment(_Frozen):
    """A comment a loader saw: its text (without `#`, `//` or `/* */`) at a 1-based line of
    `file` (an absolute path). `own_line`: nothing but the comment on that line, so it may
    speak for the line below it. Loaders report them (`LoadResult.comments`, through
    `iacguard.comments.comments_read`); the core decides what they mean."""

    file: str
    line: int
    text: str
    own_line: bool


class Reference(_Frozen):
    """An outgoing reference a loader saw while loading (resolved to an edge when linking).

    Keeping references on the resource, rather than edges in the loader, keeps loading a pure
    function of the files: the graph is re-linked from them after any unit is re-loaded.
    """

    path: str  # pointer of the attribute that holds the reference
    target: str  # id of the referenced resource
    expression: str = ""  # as written, e.g. `aws_subnet.private[*].id`


class Resource(_Frozen):
    """One object in the graph: a Kubernetes object, a Terraform resource instance, ...

    `id` is unique within a scan and stable across runs and line shifts (it is built from
    the file path relative to the scan root and the object's logical identity).
    `body` is plain normalised data (dicts, lists, scalars, and `values.Unknown`);
    `source_map` maps JSON-pointer paths inside `body` to where they were written.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    id: str
    kind: str
    name: str
    format: str
    namespace: str | None = None
    address: str | None = None
    api_version: str | None = None
    variant: str | None = None
    # The deployment scope: the resources that deploy together (one Terraform root, one
    # rendered chart profile, one kustomize build, one folder of loose manifests). Set by the
    # engine from the unit; linking and scope-wide policies never cross scopes.
    scope: str | None = None
    body: dict[str, Any] = Field(default_factory=dict)
    origin: SourceSpan
    source_map: SourceMapping = Field(default_factory=dict)
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    context: dict[str, str] = Field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    # JSON pointers (as `source_map` keys) inside `body` whose values are sensitive (a
    # Terraform plan's `*_sensitive` marks, values of root variables declared `sensitive`):
    # policies judge the real value, every output shows "(sensitive)" for it and below it.
    sensitive: tuple[str, ...] = ()
    # Spans of the blocks that produced this resource, outermost first (the `module` calls of
    # a Terraform resource inside modules): comments written at them apply to it too.
    enclosing: tuple[SourceSpan, ...] = ()

    def span_for(self, path: Path) -> SourceSpan:
        """The most precise known span for `path`: its longest mapped prefix, else origin."""
        return self.span_at(pointer(path))

    def span_at(self, ptr: str) -> SourceSpan:
        """`span_for` of the path whose pointer is `ptr`."""
        while ptr:  # an escaped step holds no `/`: each cut drops one step
            span = self.source_map.get(ptr)
            if span is not None:
                return span
            ptr = ptr[:max(ptr.rfind("/"), 0)]
        return self.origin

    @property
    def display_name(self) -> str:
        if self.address:
            return self.address
        if self.namespace:
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


class EdgeKind(enum.StrEnum):
    """The well-known typed relations between resources. A plugin that draws another kind
    declares it through `iacguard_edge_kinds`; the graph refuses undeclared kinds."""

    REFERENCES = "references"  # Terraform expression reference
    MODULE_CALL = "module-call"  # Terraform module instance -> resources it creates
    SELECTS = "selects"  # Service / NetworkPolicy -> pods by label selector
    ROUTES_TO = "routes-to"  # Ingress -> Service backend
    BINDS_ROLE = "binds-role"  # (Cluster)RoleBinding -> (Cluster)Role
    BINDS_SUBJECT = "binds-subject"  # (Cluster)RoleBinding -> ServiceAccount
    RUNS_AS = "runs-as"  # workload -> ServiceAccount
    DEPLOYS = "deploys"  # helm_release / Helm chart -> rendered objects
    TARGETS_CLUSTER = "targets-cluster"  # Kubernetes object -> cluster resource
    ATTACHED_TO = "attached-to"  # security group -> instance / node group


class Edge(_Frozen):
    source: str
    target: str
    kind: str  # an `EdgeKind` or a kind a plugin declared
    origin: SourceSpan | None = None
    attrs: dict[str, Any] = Field(default_factory=dict)


TEMPLATE_PREFIX = "template/"


class PolicyMeta(_Frozen):
    """A policy as written in the catalogue (`policies/<category>/<name>/policy.yaml`)."""

    id: str = Field(pattern=r"^[A-Z]{2,5}\d{3}$")
    name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    category: Category
    severity: Severity
    title: str
    # The code behind the policy: a registered check, or a check template (a generic check
    # the policy parameterises, no Python; registered as the check `template/<name>`).
    check: str = ""
    template: str | None = Field(default=None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    aliases: list[str] = Field(default_factory=list)
    # The resource kinds the check is dispatched to (`CheckContext.resources()`); empty or
    # `"*"`: every kind (checks that reason over the whole graph).
    applies_to: list[str] = Field(default_factory=list)
    rationale: str
    remediation: str
    references: list[str] = Field(default_factory=list)
    directory: str | None = None  # where the policy was read from; its fixtures are beside it

    @field_validator("severity", mode="before")
    @classmethod
    def _parse_severity(cls, value: Any) -> Severity:
        return Severity.parse(value)

    @model_validator(mode="before")
    @classmethod
    def _check_or_template(cls, data: Any) -> Any:
        """A templated policy runs the check `template/<name>`; `check` says so."""
        if not isinstance(data, dict):
            return data
        template, check = data.get("template"), data.get("check")
        if template is not None and check:
            raise ValueError("give either check or template, not both")
        if template is None and not check:
            raise ValueError("give check (a registered check) or template (a check template)")
        if template is not None:
            return {**data, "check": f"{TEMPLATE_PREFIX}{template}"}
        return data

    @property
    def check_name(self) -> str:
        """The registered check that runs the policy."""
        return self.check

    @property
    def kinds(self) -> frozenset[str] | None:
        """The kinds the check is dispatched to; None: every kind."""
        if not self.applies_to or "*" in self.applies_to:
            return None
        return frozenset(self.applies_to)

    @field_validator("remediation")
    @classmethod
    def _remediation_is_a_sentence(cls, value: str) -> str:
        if not value.strip().endswith("."):
            raise ValueError("remediation must end with a period")
        return value


class Violation(_Frozen):
    """What a check reports: a resource, a logical path inside it, and a message.

    The engine, not the check, turns the path into a file and line.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    resource: Resource
    path: tuple[str | int, ...] = ()
    message: str
    related: tuple[tuple[Resource, tuple[str | int, ...]], ...] = ()
    # Extra identity for the fingerprint when one path can carry several violations.
    key: str = ""
    severity: Severity | None = None  # overrides the policy's severity (escalation)

    @classmethod
    def at(
        cls,
        resource: Resource,
        path: Iterable[str | int],
        message: str,
        *,
        related: Iterable[tuple[Resource, Iterable[str | int]]] = (),
        key: str = "",
        severity: Severity | None = None,
    ) -> Violation:
        return cls(
            resource=resource,
            path=tuple(path),
            message=message,
            related=tuple((r, tuple(p)) for r, p in related),
            key=key,
            severity=severity,
        )


class Location(_Frozen):
    """A span as reported: `path` relative to the scan root, POSIX separators."""

    path: str
    start_line: int
    end_line: int
    start_col: int = 1
    end_col: int = 1
    precision: Literal["exact", "block", "file"] = "exact"


class ResourceRef(_Frozen):
    id: str
    kind: str
    name: str
    format: str
    namespace: str | None = None
    address: str | None = None


class Suppression(_Frozen):
    """Why a finding does not count: an inline comment, a Kubernetes annotation or a baseline
    entry. `path`/`line` say where it was written (relative to the scan root)."""

    kind: Literal["inline", "annotation", "baseline"]
    reason: str
    rule: str  # as written: an id, a name or a category (the fingerprint for a baseline)
    expires: str | None = None  # YYYY-MM-DD
    path: str
    line: int = 1


class Finding(_Frozen):
    rule_id: str
    rule_name: str
    category: Category
    severity: Severity
    title: str
    message: str
    resource: ResourceRef
    location: Location
    related: list[Location] = Field(default_factory=list)
    fingerprint: str
    context: dict[str, str] = Field(default_factory=dict)
    suppression: Suppression | None = None  # suppressed: reported, never failing

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.start_line, loc.start_col, self.rule_id, self.fingerprint)


class ScanError(_Frozen):
    """Something that went wrong in iacguard or its plugins (not in the scanned input).

    Any error makes the scan exit with code 2.
    """

    kind: Literal["check-crashed", "loader-crashed", "linker-crashed", "tool-missing", "config"]
    message: str
    path: str | None = None
    plugin: str | None = None

    @property
    def first_line(self) -> str:
        """The message's first line (the kind when the message is empty): what one-line
        reports show."""
        return next((line for line in self.message.splitlines() if line.strip()), self.kind)


class ScanResult(_Frozen):
    """Everything a reporter needs. Findings are sorted (path, line, rule) for stable output."""

    version: str
    root: str
    findings: list[Finding]
    errors: list[ScanError]
    policies: list[PolicyMeta]
    files_scanned: int
    resources: int
    fail_on: Severity
    stats: dict[str, int] = Field(default_factory=dict)  # loaders' counts, summed over units

    def policy(self, rule_id: str) -> PolicyMeta | None:
        return next((p for p in self.policies if p.id == rule_id), None)

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity >= self.fail_on and f.suppression is None]

    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is not None]

    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.failing() else 0

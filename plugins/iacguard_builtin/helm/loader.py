"""Load a Helm chart directory: render every values profile and map objects to templates.

Profiles (each rendered and scanned separately, labelled in findings' context):

- `default`: the chart's values plus the CLI values (`--helm-values`, `--helm-set`);
- one per `ci/*-values.yaml` the chart ships (name = file stem), chart values + that file;
- one per entry of the `helm_profiles` option (`.iacguard.yaml`:
  `options: {helm_profiles: {prod: [values-prod.yaml]}}`, files relative to the chart). A
  configured profile applies to each chart that has all its files; a chart that has only
  some of them gets an `unresolved-input` problem.

CLI values apply on top of every profile (they describe the deployment, the profile the
variant). `render_values_profile` is the reusable core: any loader holding a chart path, a
values dict and a profile name (a Terraform `helm_release`) can call it.
"""

from __future__ import annotations

import bisect
import io
import re
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from iacguard.config import Config
from iacguard.loading import LoadContext, LoadProblem, LoadResult
from iacguard.model import Provenance, Resource, SourceSpan
from iacguard.nesting import yaml_too_deep
from iacguard.values import deep_merge, get, pointer
from iacguard_builtin.helm import engines
from iacguard_builtin.helm.guards import MAX_CHART_BYTES, chart_size_problem, escaping_symlinks
from iacguard_builtin.helm.render import VALUES_TYPE_MISMATCH, render_chart
from iacguard_builtin.helm.sourcemap import KeyLine, TemplateMapper, ValuesFile
from iacguard_builtin.helm.worker import Rendered, RenderError
from iacguard_builtin.kubernetes.api import CLUSTER_SCOPED_KINDS, load_text

CHART_FILE = "Chart.yaml"
DEFAULT_PROFILE = "default"
DEFAULT_NAMESPACE = "default"
ProblemRule = Literal["unparseable-file", "render-failed", "unresolved-input"]
RENDERED_SEPARATOR = re.compile(r"^---\s*$", re.MULTILINE)


@dataclass(frozen=True)
class HelmOptions:
    values_files: tuple[Path, ...] = ()
    sets: tuple[str, ...] = ()
    release_name: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    profiles: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, options: dict[str, Any]) -> tuple[HelmOptions, list[str]]:
        """The options, and what is wrong with them (reported, never guessed around)."""
        errors: list[str] = []

        def str_list(key: str) -> list[str]:
            value = options.get(key)
            if value is None:
                return []
            if isinstance(value, str):
                return [value]
            if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
                return [str(v) for v in value]
            errors.append(f"option {key} must be a list of strings")
            return []

        profiles: dict[str, tuple[str, ...]] = {}
        raw = options.get("helm_profiles")
        if raw is not None and not isinstance(raw, dict):
            errors.append("option helm_profiles must map profile names to lists of values files")
        for name, files in (raw or {}).items() if isinstance(raw, dict) else ():
            listed = [files] if isinstance(files, str) else files
            if not isinstance(listed, list) or not listed or not all(isinstance(f, str) for f in listed):
                errors.append(f"option helm_profiles.{name} must be a list of values files")
                continue
            profiles[str(name)] = tuple(listed)
        opts = cls(
            values_files=tuple(Path(p).resolve() for p in str_list("helm_values")),
            sets=tuple(str_list("helm_set")),
            release_name=str(options.get("helm_release_name") or "") or None,
            namespace=str(options.get("helm_namespace") or DEFAULT_NAMESPACE),
            profiles=profiles,
        )
        return opts, errors


@dataclass(frozen=True)
class Profile:
    name: str
    files: tuple[Path, ...]  # chart-shipped or configured values files, in order


def is_chart_dir(path: Path, ctx: LoadContext) -> bool:
    return ctx.fs.is_dir(path) and ctx.fs.is_file(path / CHART_FILE)


def _span(file: Path, line: int | None = None, column: int | None = None) -> SourceSpan:
    if line is None:
        return SourceSpan(file=str(file), precision="file")
    return SourceSpan(file=str(file), start_line=line, end_line=line, start_col=column or 1,
                      precision="exact")


def _problem(file: Path, message: str, line: int | None = None, column: int | None = None,
             rule: ProblemRule = "render-failed") -> LoadProblem:
    return LoadProblem(span=_span(file, line, column), message=message, rule=rule)


def _leaf_paths(data: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from _leaf_paths(value, (*prefix, str(key)))
    else:
        yield prefix


def _profiles(chart_dir: Path, opts: HelmOptions,
              ctx: LoadContext) -> tuple[list[Profile], list[LoadProblem]]:
    profiles = [Profile(DEFAULT_PROFILE, ())]
    problems: list[LoadProblem] = []
    ci = chart_dir / "ci"
    if ctx.fs.is_dir(ci):
        for file in ctx.fs.glob(ci, "*-values.yaml"):
            profiles.append(Profile(file.name[: -len(".yaml")], (file,)))
    for name, files in sorted(opts.profiles.items()):
        paths = tuple(chart_dir / f for f in files)
        present = [p for p in paths if ctx.fs.is_file(p)]
        if len(present) == len(paths) and paths:
            profiles.append(Profile(name, paths))
        elif present:
            missing = ", ".join(str(p.relative_to(chart_dir)) for p in paths if p not in present)
            problems.append(_problem(chart_dir / CHART_FILE, f"values profile {name!r} is not "
                                     f"rendered: missing {missing}", rule="unresolved-input"))
    return profiles, problems


def _too_deep(file: Path, text: str) -> LoadProblem | None:
    """Values nested past the cap: Helm's reader would return them, and Python's JSON decoder
    (between the SDK and us, and to the render worker) would recurse past its stack."""
    deep = yaml_too_deep(text)
    if deep is None:
        return None
    return _problem(file, f"invalid values file: {deep.message}", deep.line, deep.column)


def _read_values(file: Path, ctx: LoadContext) -> tuple[dict[str, Any], LoadProblem | None]:
    """A values file parsed by Helm's own YAML reader (so types match a real install), or by
    a YAML reader without helm-python-sdk."""
    try:
        size = ctx.fs.size(file)
        if size > MAX_CHART_BYTES:
            return {}, _problem(file, f"values file too large to read ({size} bytes > {MAX_CHART_BYTES})")
        text = ctx.fs.read_text(file)
    except (OSError, UnicodeDecodeError) as exc:
        return {}, _problem(file, f"cannot read values file: {exc}")
    deep = _too_deep(file, text)
    if deep is not None:
        return {}, deep
    if not engines.sdk_available():
        try:
            return engines.values_from_yaml(text), None
        except ValueError as exc:
            line = re.search(r"line (\d+)", str(exc))
            return {}, _problem(file, f"invalid values file: {exc}", int(line.group(1)) if line else None)
    import helm_python as helm

    try:
        return helm.values_from_yaml(text), None
    except helm.HelmError as exc:
        line = re.search(r"line (\d+)", str(exc))
        return {}, _problem(file, f"invalid values file: {exc}", int(line.group(1)) if line else None)


def _cli_sets(sets: Sequence[str], chart_file: Path) -> tuple[dict[str, Any], list[LoadProblem]]:
    merged: dict[str, Any] = {}
    problems: list[LoadProblem] = []
    for expression in sets:
        try:
            merged = deep_merge(merged, engines.parse_set(expression))
        except ValueError as exc:
            problems.append(_problem(chart_file, f"invalid --helm-set {expression!r}: {exc}"))
    return merged, problems


def _missing_dependencies(chart_dir: Path, values: dict[str, Any], ctx: LoadContext) -> list[LoadProblem]:
    """Declared dependencies Helm would not find in `charts/` (it never downloads here)."""
    try:
        with ctx.fs.materialize(chart_dir) as on_disk:
            listed = engines.list_dependencies(on_disk)
    except ValueError:
        return []  # the chart does not load at all: the render reports it
    declared_in = chart_dir / CHART_FILE
    chart_text = ctx.fs.read_text(declared_in, errors="replace")
    if "dependencies" not in chart_text and ctx.fs.is_file(chart_dir / "requirements.yaml"):
        declared_in = chart_dir / "requirements.yaml"
    meta = ValuesFile.read(declared_in, ctx)
    declared = meta.data.get("dependencies") if meta and isinstance(meta.data, dict) else None
    problems: list[LoadProblem] = []
    for dep in listed:
        status = str(dep.get("status", ""))
        if status in ("ok", "unpacked"):
            continue
        name = str(dep.get("name", "?"))
        index, entry = next(((i, d) for i, d in enumerate(declared or [])
                             if isinstance(d, dict) and d.get("name") == name), (None, {}))
        span = None
        if meta is not None and index is not None:
            span = meta.source_map.get(pointer(["dependencies", index, "name"]))
        line = span.start_line if span else None
        where = f"{dep.get('repository') or 'no repository'} {dep.get('version') or ''}".strip()
        condition = str(entry.get("condition") or "")
        enabled = [get(values, tuple(c.strip().split("."))) for c in condition.split(",") if c.strip()]
        if enabled and all(v is False for v in enabled):
            problems.append(_problem(declared_in, f"dependency {name!r} ({where}) is not vendored in "
                                     f"charts/, but {condition} is false so nothing is missing",
                                     line, rule="unresolved-input"))
            continue
        problems.append(_problem(
            declared_in,
            f"dependency {name!r} ({where}) is {status} in charts/: its objects are not scanned "
            "(run `helm dependency build` and scan again; iacguard never downloads charts)",
            line,
        ))
    return problems


def _template_source(chart_dir: Path, rel: str, ctx: LoadContext) -> tuple[Path, str | None, tuple[str, ...]]:
    """The file a rendered key came from, its text, and its subchart values prefix."""
    parts = rel.split("/")
    prefix: list[str] = []
    base = chart_dir
    while len(parts) > 2 and parts[0] == "charts":
        sub = parts[1]
        prefix.append(sub)
        if not ctx.fs.is_dir(base / "charts" / sub):
            # A packaged subchart: only the archive is on disk.
            archives = ctx.fs.glob(base / "charts", f"{sub}-*.tgz") or ctx.fs.glob(base / "charts", "*.tgz")
            if not archives:
                return chart_dir / CHART_FILE, None, tuple(prefix)
            member = _archive_member(archives[0], "/".join([sub, *parts[2:]]), ctx)
            return archives[0], member, tuple(prefix)
        base = base / "charts" / sub
        parts = parts[2:]
    path = base.joinpath(*parts)
    try:
        return path, ctx.fs.read_text(path), tuple(prefix)
    except (OSError, UnicodeDecodeError):
        return path, None, tuple(prefix)


MAX_ARCHIVED_TEMPLATE_BYTES = 5 * 1024 * 1024


def _archive_member(archive: Path, name: str, ctx: LoadContext) -> str | None:
    """A template's text inside a packaged subchart, read (not extracted) to find the values
    it uses; `None` when it is not there, too large, or not text."""
    try:
        with tarfile.open(fileobj=io.BytesIO(ctx.fs.read_bytes(archive)), mode="r:gz") as tar:
            member = tar.getmember(name)
            if not member.isfile() or member.size > MAX_ARCHIVED_TEMPLATE_BYTES:
                return None
            data = tar.extractfile(member)
            return data.read().decode("utf-8") if data is not None else None
    except (OSError, KeyError, tarfile.TarError, UnicodeDecodeError, EOFError):
        return None


def _body_paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from _body_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*prefix, index)
            yield from _body_paths(value, (*prefix, index))


def _with_release_namespace(resource: Resource, namespace: str) -> Resource:
    """Helm installs namespaced objects without a namespace into the release namespace."""
    if resource.namespace is not None or resource.kind in CLUSTER_SCOPED_KINDS:
        return resource
    new_id = resource.id.replace(f":{resource.kind}:-/", f":{resource.kind}:{namespace}/", 1)
    return resource.model_copy(update={"namespace": namespace, "id": new_id})


@dataclass
class ProfileOutput:
    """One rendered profile: its objects, problems found in the output, or the render error."""

    resources: list[Resource] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    error: RenderError | None = None


def render_values_profile(
    chart_dir: Path,
    values: dict[str, Any],
    profile: str,
    ctx: LoadContext,
    *,
    release_name: str | None = None,
    namespace: str = DEFAULT_NAMESPACE,
    values_files: Sequence[Path] = (),
    set_values: dict[str, Any] | None = None,
    chart_rel: str | None = None,
) -> ProfileOutput:
    """Render one profile of a chart into resources (ids, variant and context carry it).

    `values` are the user values (chart defaults are applied by Helm); `values_files` are
    the files they came from, in override order, used only to point fields at the line
    that set them; `set_values` are the `--set` values (never pointed at a file).
    """
    if chart_rel is None:
        chart_rel = ctx.relpath(chart_dir)
        chart_rel = chart_dir.name if chart_rel == "." else chart_rel
    rendered = _render(chart_dir, values, ctx, release_name=release_name or _chart_name(chart_dir, ctx),
                       namespace=namespace)
    out = ProfileOutput()
    if rendered.error is not None:
        out.error = rendered.error
        return out
    variant = f"{chart_rel}@{profile}"
    context = {"chart": chart_rel, "profile": profile}
    files = [vf for vf in (ValuesFile.read(p, ctx) for p in (chart_dir / "values.yaml", *values_files)) if vf]
    set_paths = set(_leaf_paths(set_values)) if set_values else set()
    sub_values: dict[tuple[str, ...], list[ValuesFile]] = {}
    for rel, text in rendered.manifests.items():
        source, template_text, prefix = _template_source(chart_dir, rel, ctx)
        if prefix not in sub_values:
            own = []
            sub_dir = chart_dir.joinpath(*[p for s in prefix for p in ("charts", s)])
            sub_file = ValuesFile.read(sub_dir / "values.yaml", ctx, prefix) if prefix else None
            if sub_file is not None:
                own.append(sub_file)
            sub_values[prefix] = own + files
        mapper = TemplateMapper(source, template_text, sub_values[prefix], prefix, set_paths)
        out.resources.extend(_objects(text, source, mapper, ctx, variant, context,
                                      f"helm:{variant}:{rel}", namespace, out.problems))
    for rel, text in rendered.crds.items():
        source, _, _ = _template_source(chart_dir, rel, ctx)
        if source.suffix == ".tgz" or not ctx.fs.is_file(source):
            mapper = TemplateMapper(source, None, [], (), set())
            out.resources.extend(_objects(text, source, mapper, ctx, variant, context,
                                          f"helm:{variant}:{rel}", namespace, out.problems))
            continue
        # CRD files are not templates: their parsed lines are the real ones.
        loaded = load_text(text, source, ctx, format="helm", variant=variant, context=context,
                           id_prefix=f"helm:{variant}:{rel}")
        if loaded is not None:
            out.resources.extend(loaded.resources)
            out.problems.extend(loaded.problems)
    return out


def _objects(text: str, source: Path, mapper: TemplateMapper, ctx: LoadContext, variant: str,
             context: dict[str, str], id_prefix: str, namespace: str,
             problems: list[LoadProblem]) -> list[Resource]:
    loaded = load_text(text, source, ctx, format="helm", variant=variant, context=context,
                       id_prefix=id_prefix)
    if loaded is None:
        return []
    for problem in loaded.problems:
        problems.append(_problem(source, f"template renders invalid YAML (line "
                                 f"{problem.span.start_line} of its output): {problem.message}"))
    # Rendered documents, in order, paired with the template's `---` regions.
    starts = [1] + [text.count("\n", 0, m.start()) + 2 for m in RENDERED_SEPARATOR.finditer(text)]
    non_empty = [i for i, seg in enumerate(RENDERED_SEPARATOR.split(text)) if seg.strip()]
    position = {segment: index for index, segment in enumerate(non_empty)}
    counts = len(non_empty)
    resources: list[Resource] = []
    per_segment: dict[int, int] = {}  # objects seen so far in each rendered document
    for resource in loaded.resources:
        segment = bisect.bisect_right(starts, resource.origin.start_line) - 1
        index = position.get(segment, 0)
        nth = per_segment[segment] = per_segment.get(segment, -1) + 1
        region = mapper.region_for(index, counts, resource.body)
        if any(k.chain == ("items",) for k in region):
            # An item of a `kind: List` document: the template writes its keys under `items:`.
            smap, provenance = _map_list_item(mapper, resource.body, nth, region)
        else:
            smap, provenance = mapper.map_object(list(_body_paths(resource.body)), resource.body, region)
        origin = mapper.origin(region)
        if not region:
            # The template writes no key of its own (`tpl (toYaml .)` over `extraObjects`):
            # the object is written out in a values file.
            pasted = mapper.map_from_values(list(_body_paths(resource.body)), resource.body)
            if pasted is not None:
                origin, smap, provenance = pasted
        updated = resource.model_copy(update={"origin": origin, "source_map": smap,
                                              "provenance": provenance})
        resources.append(_with_release_namespace(updated, namespace))
    return resources


def _map_list_item(mapper: TemplateMapper, body: dict[str, Any], nth: int,
                   region: list[KeyLine]) -> tuple[dict[str, SourceSpan], dict[str, Provenance]]:
    """Map the `nth` item of a rendered List through its place in the List document."""
    wrapped: dict[str, Any] = {"items": [{}] * nth + [body]}
    head = ("items", nth)
    paths = [head, *((*head, *path) for path in _body_paths(body))]
    smap, provenance = mapper.map_object(paths, wrapped, region)
    prefix = pointer(list(head)) + "/"
    return ({k[len(prefix):]: v for k, v in smap.items() if k.startswith(prefix)},
            {k[len(prefix):]: v for k, v in provenance.items() if k.startswith(prefix)})


def _render(chart_dir: Path, values: dict[str, Any], ctx: LoadContext, *, release_name: str,
            namespace: str) -> Rendered:
    """Render the chart as `ctx.fs` serves it; the error names a file of the real chart."""
    with ctx.fs.materialize(chart_dir) as on_disk:
        rendered = render_chart(on_disk, values, release_name=release_name, namespace=namespace)
        error = rendered.error
        if on_disk != chart_dir and error is not None and error.file is not None:
            try:
                real = chart_dir / error.file.relative_to(on_disk)
            except ValueError:
                real = error.file
            rendered.error = RenderError(error.message.replace(str(on_disk), str(chart_dir)), real,
                                         error.line, error.column)
    return rendered


def _chart_name(chart_dir: Path, ctx: LoadContext) -> str:
    meta = ValuesFile.read(chart_dir / CHART_FILE, ctx)
    name = meta.data.get("name") if meta and isinstance(meta.data, dict) else None
    return str(name) if name else chart_dir.name


MAX_MESSAGE_CHARS = 600


def _one_line(message: str) -> str:
    """Helm's message on one line, its middle cut when long: a recursive `include` nests
    one "error calling include" per level (100 KB), and the cause is at the end."""
    text = " ".join(part.strip() for part in message.strip().splitlines())
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    head = MAX_MESSAGE_CHARS // 2
    return f"{text[:head]} ... {text[-(MAX_MESSAGE_CHARS - head):]}"


def render_error_problem(error: RenderError, chart_dir: Path, profile: str,
                         values_files: Sequence[Path] = (), ctx: LoadContext | None = None) -> LoadProblem:
    """The `render-failed` problem for a failed profile, at the template or values line
    Helm's message names (for callers of `render_values_profile` outside this loader)."""
    file, line, column = _locate(error, chart_dir, values_files,
                                 ctx or LoadContext(root=chart_dir, config=Config()))
    return _problem(file, f"chart does not render (values profile {profile}): "
                    f"{_one_line(error.message)}", line, column)


def _locate(error: RenderError, chart_dir: Path, values_files: Sequence[Path],
            ctx: LoadContext) -> tuple[Path, int | None, int | None]:
    if error.file is not None:
        return error.file, error.line, error.column
    mismatch = VALUES_TYPE_MISMATCH.search(error.message)
    if mismatch:
        for file in reversed([chart_dir / "values.yaml", *values_files]):
            vf = ValuesFile.read(file, ctx)
            span = vf.source_map.get(pointer(mismatch.group(1).split("."))) if vf else None
            if span is not None:
                return file, span.start_line, span.start_col
    return chart_dir / CHART_FILE, None, None


def chart_files(chart_dir: Path, ctx: LoadContext) -> list[Path]:
    """Every file of the chart: the unit owns them all (values, templates, subcharts).
    A symlink that dangles or loops is no file (and cannot be resolved by whoever owns it)."""
    return [p for p in ctx.fs.walk_files(chart_dir) if not ctx.fs.is_symlink(p) or ctx.fs.is_file(p)]


def load_chart(chart_dir: Path, ctx: LoadContext) -> LoadResult:
    """Claim and load in one step (the legacy `iacguard_collect` answer): the chart's
    resources, every file of the chart consumed, nothing below it walked."""
    result = render_chart_dir(chart_dir, ctx)
    result.consumed = [*chart_files(chart_dir, ctx), *result.consumed]
    result.descend = False
    return result


def render_chart_dir(chart_dir: Path, ctx: LoadContext) -> LoadResult:
    """The resources of every values profile of a chart directory (see the module doc)."""
    opts, option_errors = HelmOptions.from_config(ctx.config.options)
    chart_file = chart_dir / CHART_FILE
    result = LoadResult()
    result.problems.extend(_problem(chart_file, f"chart not rendered as configured: {e}")
                           for e in option_errors)
    if engines.engine() == "none":  # one finding for the chart, not one per values profile
        result.problems.append(_problem(chart_file, engines.no_engine_message()))
        return result
    escaping = escaping_symlinks(chart_dir, ctx.fs)
    too_large = chart_size_problem(chart_dir, ctx.fs)
    if escaping or too_large:
        message = too_large or ("chart not rendered: symlinks point outside the chart, dangle or loop ("
                                + ", ".join(ctx.relpath(p) for p in escaping) + ")")
        result.problems.append(_problem(chart_file, message))
        return result
    cli_files: list[Path] = []
    cli_values: dict[str, Any] = {}
    for file in opts.values_files:
        data, problem = _read_values(file, ctx)
        if problem:
            result.problems.append(problem)
        cli_values = deep_merge(cli_values, data)
        cli_files.append(file)
    set_values, set_problems = _cli_sets(opts.sets, chart_file)
    result.problems.extend(set_problems)
    profiles, profile_problems = _profiles(chart_dir, opts, ctx)
    result.problems.extend(profile_problems)
    defaults_file = chart_dir / "values.yaml"
    if ctx.fs.is_file(defaults_file):
        deep = _too_deep(defaults_file, ctx.fs.read_text(defaults_file, errors="replace"))
        if deep is not None:  # every profile would trip over it
            result.problems.append(deep)
            return result
    chart_defaults, _ = _read_values(defaults_file, ctx) if ctx.fs.is_file(defaults_file) else ({}, None)
    effective = deep_merge(chart_defaults, deep_merge(cli_values, set_values))
    result.problems.extend(_missing_dependencies(chart_dir, effective, ctx))
    # One problem per distinct error, naming every profile that hit it.
    errors: dict[tuple[str, int | None, str], list[str]] = {}
    for profile in profiles:
        values: dict[str, Any] = {}
        bad = False
        for file in profile.files:
            data, problem = _read_values(file, ctx)
            if problem:
                result.problems.append(problem)
                bad = True
            values = deep_merge(values, data)
        if bad:
            continue
        values = deep_merge(deep_merge(values, cli_values), set_values)
        files = [*profile.files, *cli_files]
        output = render_values_profile(chart_dir, values, profile.name, ctx,
                                       release_name=opts.release_name, namespace=opts.namespace,
                                       values_files=files, set_values=set_values)
        result.resources.extend(output.resources)
        result.problems.extend(output.problems)
        if output.error is not None:
            file, line, _ = _locate(output.error, chart_dir, files, ctx)
            errors.setdefault((str(file), line, _one_line(output.error.message)), []).append(profile.name)
    for (file_name, line, message), names in errors.items():
        result.problems.append(_problem(Path(file_name), f"chart does not render (values profile "
                                        f"{', '.join(names)}): {message}", line))
    # Profiles that share a template share its problems: report each once.
    result.problems = list(dict.fromkeys(result.problems))
    return result

"""image: containers run a fixed image, not whatever `latest` points at today."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.model import Violation
from iacguard.values import get, is_unknown
from iacguard_builtin.k8s_policies.pods import describe, pods


@dataclass(frozen=True)
class ImageRef:
    repository: str  # registry and path, without tag or digest
    tag: str | None
    digest: str | None

    @property
    def registry(self) -> str | None:
        """The registry host, if the reference names one (`docker.io` is implied otherwise)."""
        first, _, rest = self.repository.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            return first
        return None

    @property
    def path(self) -> str:
        """The repository without its registry host."""
        registry = self.registry
        return self.repository[len(registry) + 1:] if registry else self.repository


def parse_image(reference: str) -> ImageRef:
    name, _, digest = reference.strip().partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        tag = last.split(":", 1)[1]
        name = name[: len(name) - len(tag) - 1]
    return ImageRef(name, tag or None, digest or None)


def is_placeholder(reference: str) -> bool:
    """Unrendered template text (`${IMAGE}`, `{{ .image }}`): nothing to judge yet."""
    return any(marker in reference for marker in ("${", "{{", "$(")) or not reference.strip()


class ImageParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Also flag images pinned only by tag (tags can be moved); a digest pins the content.
    require_digest: bool = False


def unpinned_image(ctx: CheckContext[ImageParams]) -> Iterator[Violation]:
    for pod in pods(ctx.graph):
        for container in pod.containers():
            path = (*container.path, "image")
            image = get(pod.workload.body, path)
            where = describe(container)
            if is_unknown(image):
                yield from ctx.unresolved(pod.workload, path, f"{where} image")
                continue
            if not isinstance(image, str) or is_placeholder(image):
                continue
            ref = parse_image(image)
            if ref.digest:
                continue
            if ref.tag is None:
                yield Violation.at(pod.workload, path,
                                   f"{where} image {image} has no tag (pulls latest)")
            elif ref.tag == "latest":
                yield Violation.at(pod.workload, path, f"{where} image {image} uses the latest tag")
            elif ctx.params.require_digest:
                yield Violation.at(pod.workload, path,
                                   f"{where} image {image} is pinned by tag only (no @sha256 digest)")

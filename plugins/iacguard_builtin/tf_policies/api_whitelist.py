"""api-whitelist: the Kubernetes API endpoint is private, or public only to allow-listed CIDRs.

`cluster_api_open_to_world` flags endpoints reachable from anywhere: no allow-list, an
empty one where the provider then allows everything, or one containing a /0 (which is
not an allow-list). `cluster_api_cidr_not_approved` judges the remaining entries with
`CidrPolicy` (approved CIDRs, or a minimum prefix length) so that office /32s pass and
`0.0.0.0/1` does not. World-reachable is the cloud library's rule (`iacguard_builtin.cloud.cidrs`):
a /0, or entries that together cover the whole address space (`0.0.0.0/1` + `128.0.0.0/1`,
which API001 reports, and API002 reports each entry as overly broad).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from iacguard.checks import CheckContext, NoParams
from iacguard.graph import ResourceGraph
from iacguard.model import Resource, Violation
from iacguard.values import MISSING, as_list, is_unknown
from iacguard_builtin.cloud.cidrs import is_world, world_entries
from iacguard_builtin.cloud.clusters import AKS, EKS, GKE
from iacguard_builtin.cloud.settings import Attr, attr, blocks, fmt, origin
from iacguard_builtin.tf_policies.common import CidrPolicy

WORLD = ["0.0.0.0/0"]


@dataclass(frozen=True)
class Endpoint:
    """A cluster's public API endpoint and its allow-list, or why it is not public."""

    cluster: Resource
    public: Attr | None  # the setting that makes it public (None: not public / unresolved)
    unresolved: Attr | None
    # (path, value) of each allow-list entry; `None` means there is no allow-list at all.
    entries: list[tuple[tuple[str | int, ...], object]] | None
    allow_list: Attr | None  # the allow-list attribute, for messages and defaults



def _entries(setting: Attr, item_key: str | None = None
             ) -> list[tuple[tuple[str | int, ...], object]]:
    found: list[tuple[tuple[str | int, ...], object]] = []
    for i, item in enumerate(as_list(setting.value)):
        if item_key is None:
            found.append(((*setting.path, i), item))
        elif isinstance(item, dict):
            found.append(((*setting.path, i, item_key), item.get(item_key)))
    return found


def _eks(cluster: Resource) -> Endpoint:
    public = attr(cluster, ("vpc_config", 0, "endpoint_public_access"), True)
    flag = public.flag()
    if flag is None:
        return Endpoint(cluster, None, public, None, None)
    if not flag:
        return Endpoint(cluster, None, None, None, None)
    cidrs = attr(cluster, ("vpc_config", 0, "public_access_cidrs"), WORLD)
    if is_unknown(cidrs.value):
        return Endpoint(cluster, public, cidrs, None, cidrs)
    if not cidrs.present or not as_list(cidrs.value):  # AWS computes an empty list as 0.0.0.0/0
        return Endpoint(cluster, public, None, None, cidrs)
    return Endpoint(cluster, public, None, _entries(cidrs), cidrs)


def _gke(cluster: Resource) -> Endpoint:
    private = attr(cluster, ("private_cluster_config", 0, "enable_private_endpoint"), False)
    flag = private.flag()
    if flag is None:
        return Endpoint(cluster, None, private, None, None)
    if flag:
        return Endpoint(cluster, None, None, None, None)
    man = attr(cluster, ("master_authorized_networks_config",))
    if not man.present or not as_list(man.value):
        # A dynamic block with no instances is an empty list: the block is not there either.
        where = man.where if not man.present else "no block instance"
        return Endpoint(cluster, private, None, None, Attr(cluster, man.path, MISSING, False, where))
    blocks_attr = attr(cluster, ("master_authorized_networks_config", 0, "cidr_blocks"), [])
    if is_unknown(blocks_attr.value):
        return Endpoint(cluster, private, blocks_attr, None, blocks_attr)
    # An enabled config with no CIDR blocks admits no external address: that is private.
    return Endpoint(cluster, private, None, _entries(blocks_attr, "cidr_block"), blocks_attr)


def _aks(cluster: Resource) -> Endpoint:
    private = attr(cluster, ("private_cluster_enabled",), False)
    flag = private.flag()
    if flag is None:
        return Endpoint(cluster, None, private, None, None)
    if flag:
        return Endpoint(cluster, None, None, None, None)
    ranges = attr(cluster, ("api_server_access_profile", 0, "authorized_ip_ranges"))
    if not ranges.present:
        ranges = attr(cluster, ("api_server_authorized_ip_ranges",), [])
        if not ranges.present:
            ranges = attr(cluster, ("api_server_access_profile", 0, "authorized_ip_ranges"), [])
    if is_unknown(ranges.value):
        return Endpoint(cluster, private, ranges, None, ranges)
    if not as_list(ranges.value):  # no authorized ranges: every address is authorized
        return Endpoint(cluster, private, None, None, ranges)
    return Endpoint(cluster, private, None, _entries(ranges), ranges)


KINDS = {EKS: _eks, GKE: _gke, AKS: _aks}


def endpoints(graph: ResourceGraph) -> Iterator[Endpoint]:
    for kind, judge in KINDS.items():
        for cluster in graph.resources(kind):
            yield judge(cluster)


def cluster_api_open_to_world(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for ep in endpoints(ctx.graph):
        if ep.unresolved is not None:
            yield from ctx.unresolved(ep.cluster, ep.unresolved.at,
                                      f"{ep.cluster.display_name} {ep.unresolved.describe()}")
            continue
        if ep.public is None:
            continue
        assert ep.allow_list is not None
        if ep.entries is None:
            yield Violation.at(
                ep.cluster, ep.allow_list.at,
                f"the Kubernetes API of {ep.cluster.display_name} is reachable from the whole "
                f"internet: {ep.public.describe()} and {ep.allow_list.describe()}")
            continue
        for path, value in ep.entries:
            if is_unknown(value):
                # Name the unknown: `var.home_cidr (not declared)` is not "known after apply".
                yield from ctx.unresolved(ep.cluster, path, f"{ep.cluster.display_name} allow-list "
                                          f"entry = {fmt(value)}")
        world = world_entries([value for _, value in ep.entries])
        for i in world:
            path, value = ep.entries[i]
            others = ", ".join(fmt(ep.entries[j][1]) for j in world if j != i)
            whole = "the whole internet" if is_world(value) else f"together with {others} the whole internet"
            yield Violation.at(
                ep.cluster, path,
                f"the Kubernetes API of {ep.cluster.display_name} allows {fmt(value)} "
                f"({origin(ep.cluster, path)}), {whole}, which is not an allow-list "
                f"({ep.public.describe()})", key=str(path))


def cluster_api_cidr_not_approved(ctx: CheckContext[CidrPolicy]) -> Iterator[Violation]:
    for ep in endpoints(ctx.graph):
        if ep.public is None:
            continue
        for path, value in ep.entries or []:
            if is_unknown(value) or is_world(value) or not isinstance(value, str):
                continue
            reason = ctx.params.judge(value)
            if reason is not None:
                yield Violation.at(
                    ep.cluster, path,
                    f"the public Kubernetes API of {ep.cluster.display_name} allows "
                    f"{fmt(value)} ({origin(ep.cluster, path)}): {reason}", key=str(path))
        if ep.cluster.kind == GKE:
            for path, _ in blocks(ep.cluster, "master_authorized_networks_config"):
                gcp = attr(ep.cluster, (*path, "gcp_public_cidrs_access_enabled"))
                if gcp.flag():
                    yield Violation.at(
                        ep.cluster, gcp.at,
                        f"the public Kubernetes API of {ep.cluster.display_name} allows every "
                        f"Google Cloud public address: {gcp.describe()}")

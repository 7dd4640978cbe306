"""metadata-protection: pods must not reach the node's cloud credentials through metadata.

AWS: IMDSv2 (`http_tokens = "required"`, provider default "optional") and a PUT response
hop limit that stops at the node. GKE: Workload Identity's metadata server
(`GKE_METADATA`), which is the default only when the cluster has a workload pool.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext, NoParams
from iacguard.graph import ResourceGraph
from iacguard.model import Resource, Violation
from iacguard.values import get, is_unknown
from iacguard_builtin.cloud.aws_nodes import (
    INSTANCE,
    LAUNCH_CONFIGURATION,
    LAUNCH_TEMPLATE,
    looks_like_node,
    node_instances,
    node_launch_templates,
)
from iacguard_builtin.cloud.clusters import GKE, GKE_NODE_POOL, clusters_of_pool
from iacguard_builtin.cloud.settings import Attr, attr, block_label, blocks, fmt

IMDS_HOSTS = (LAUNCH_TEMPLATE, INSTANCE, LAUNCH_CONFIGURATION)


def _region_default(graph: ResourceGraph) -> Attr | None:
    """The account/region default set by `aws_ec2_instance_metadata_defaults`, if scanned."""
    for defaults in graph.resources("aws_ec2_instance_metadata_defaults"):
        tokens = attr(defaults, ("http_tokens",))
        if tokens.present:
            return tokens
    return None


def _endpoint_disabled(resource: Resource) -> bool:
    return bool(get(resource.body, ("metadata_options", 0, "http_endpoint")) == "disabled")


def imds_v1_allowed(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    region = _region_default(ctx.graph)
    node_templates = {t.id for t in node_launch_templates(ctx.graph)}
    for host in ctx.graph.resources(IMDS_HOSTS):
        if _endpoint_disabled(host):
            continue
        tokens = attr(host, ("metadata_options", 0, "http_tokens"), "optional")
        if not tokens.present and region is not None:
            tokens = Attr(host, tokens.path, region.value, False,
                          f"region default from {region.resource.display_name}")
        if is_unknown(tokens.value):
            yield from ctx.unresolved(host, tokens.at, f"{host.display_name} {tokens.describe()}")
            continue
        if tokens.value != "required":
            role = "node " if host.id in node_templates or looks_like_node(host) else ""
            yield Violation.at(
                host, tokens.at,
                f"{role}{host.display_name} serves IMDSv1: {tokens.describe('metadata_options.http_tokens')}"
                "; any SSRF or pod on the host can read the instance role's credentials")


class HopLimitParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # 1 keeps the token on the node; 2 lets pods on the node network reach IMDS.
    max_hop_limit: int = 1


def imds_hop_limit_reaches_pods(ctx: CheckContext[HopLimitParams]) -> Iterator[Violation]:
    nodes = node_launch_templates(ctx.graph) + node_instances(ctx.graph)
    for host in nodes:
        if _endpoint_disabled(host):
            continue
        limit = attr(host, ("metadata_options", 0, "http_put_response_hop_limit"))
        if not limit.present:
            continue  # the AMI decides; explicit settings are what we can judge
        if is_unknown(limit.value):
            yield from ctx.unresolved(host, limit.at, f"{host.display_name} {limit.describe()}")
            continue
        try:
            value = int(limit.value)
        except (TypeError, ValueError):
            continue
        if value > ctx.params.max_hop_limit:
            yield Violation.at(
                host, limit.at,
                f"{host.display_name} lets metadata tokens travel {value} hops: "
                f"{limit.describe('metadata_options.http_put_response_hop_limit')}, so containers "
                f"reach the node's credentials (allowed: {ctx.params.max_hop_limit})")


# -- GKE ----------------------------------------------------------------------------------

SAFE_MODES = {"GKE_METADATA", "GKE_METADATA_SERVER"}


def _workload_identity(cluster: Resource) -> bool:
    pool = get(cluster.body, ("workload_identity_config", 0, "workload_pool"))
    return (isinstance(pool, str) and bool(pool)) or is_unknown(pool)


def _node_config_mode(owner: Resource, base: tuple[str | int, ...]) -> Attr:
    mode = attr(owner, (*base, "node_config", 0, "workload_metadata_config", 0, "mode"))
    if not mode.present:
        mode = attr(owner, (*base, "node_config", 0, "workload_metadata_config", 0, "node_metadata"))
    return mode


def _judge_mode(ctx: CheckContext[NoParams], owner: Resource, base: tuple[str | int, ...],
                cluster: Resource | None, subject: str) -> Iterator[Violation]:
    mode = _node_config_mode(owner, base)
    if mode.present:
        if is_unknown(mode.value):
            yield from ctx.unresolved(owner, mode.at, f"{subject} {mode.describe()}")
        elif str(mode.value) not in SAFE_MODES:
            yield Violation.at(owner, mode.at, f"{subject} exposes the node's metadata to pods: "
                               f"{mode.describe('workload_metadata_config.mode')}")
        return
    if cluster is None or cluster.body.get("enable_autopilot") is True:
        return
    if _workload_identity(cluster):
        return  # node pools default to GKE_METADATA once the cluster has a workload pool
    yield Violation.at(
        owner, mode.at,
        f"{subject} exposes the node's metadata to pods: workload_metadata_config.mode is not set "
        f"and {cluster.display_name} has no workload_identity_config, so the default is "
        f"{fmt('GCE_METADATA')}")


def gke_node_metadata_exposed(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    graph = ctx.graph
    for cluster in graph.resources(GKE):
        # Inline node_pool blocks replace the default pool, as remove_default_node_pool does.
        if cluster.body.get("remove_default_node_pool") is not True and not blocks(cluster, "node_pool"):
            yield from _judge_mode(ctx, cluster, (), cluster,
                                   f"default node pool of {cluster.display_name}")
        for path, _ in blocks(cluster, "node_pool"):
            yield from _judge_mode(ctx, cluster, path, cluster,
                                   f"{block_label(cluster, path)} of {cluster.display_name}")
    for pool in graph.resources(GKE_NODE_POOL):
        clusters = clusters_of_pool(graph, pool)
        yield from _judge_mode(ctx, pool, (), clusters[0] if clusters else None,
                               f"node pool {pool.display_name}")


def gke_legacy_metadata_endpoints(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    graph = ctx.graph
    owners: list[tuple[Resource, tuple[str | int, ...]]] = []
    for cluster in graph.resources(GKE):
        owners.append((cluster, ()))
        owners += [(cluster, path) for path, _ in blocks(cluster, "node_pool")]
    owners += [(pool, ()) for pool in graph.resources(GKE_NODE_POOL)]
    for owner, base in owners:
        setting = attr(owner, (*base, "node_config", 0, "metadata", "disable-legacy-endpoints"))
        if setting.present and not is_unknown(setting.value) and \
                str(setting.value).strip().lower() == "false":
            yield Violation.at(owner, setting.at,
                               f"{owner.display_name} re-enables the legacy (v0.1/v1beta1) metadata "
                               f"endpoints that need no header: {setting.describe()}")

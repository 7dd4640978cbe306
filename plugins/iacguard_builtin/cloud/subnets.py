"""Whether an AWS subnet is public, answered on the graph.

All hops follow `references` edges, so a subnet is public through `map_public_ip_on_launch`
or through the route table it is associated with (explicitly, or the VPC's main route
table) sending the world to an internet gateway: a default route, or routes that together
cover the whole address space (`0.0.0.0/1` + `128.0.0.0/1`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacguard.graph import ResourceGraph
from iacguard.model import Resource
from iacguard_builtin.cloud.cidrs import world_entries
from iacguard_builtin.cloud.references import referenced, referrers
from iacguard_builtin.cloud.settings import attr, blocks

SUBNET = "aws_subnet"
ROUTE_TABLE = "aws_route_table"
INTERNET_GATEWAY = "aws_internet_gateway"
DESTINATIONS = ("cidr_block", "destination_cidr_block", "ipv6_cidr_block", "destination_ipv6_cidr_block")


@dataclass(frozen=True)
class SubnetExposure:
    """Why a subnet is public (`reasons` empty = private), or that it is unresolved."""

    reasons: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

    @property
    def public(self) -> bool:
        return bool(self.reasons)


def _gateway(graph: ResourceGraph, holder: Resource, route_path: tuple[str | int, ...],
             route: dict[str, Any]) -> str | None:
    """The internet gateway a route goes to, if it goes to one."""
    gateways = referenced(graph, holder, (*route_path, "gateway_id"), {INTERNET_GATEWAY})
    if gateways:
        return gateways[0].display_name
    gateway = route.get("gateway_id")
    return gateway if isinstance(gateway, str) and gateway.startswith("igw-") else None


def route_table_igw_routes(graph: ResourceGraph, table: Resource) -> list[str]:
    """Routes that send the world to an internet gateway, inline (`route`) or as `aws_route`."""
    routes: list[tuple[str, str, str]] = []  # (destination, gateway, where it is written)
    holders = [(table, path, route) for path, route in blocks(table, "route")]
    holders += [(r, (), r.body) for r in referrers(graph, table, {"aws_route"}, ("route_table_id",))]
    for holder, path, route in holders:
        gateway = _gateway(graph, holder, path, route)
        if gateway is None:
            continue
        for key in DESTINATIONS:
            destination = route.get(key)
            if isinstance(destination, str):
                routes.append((destination, gateway, holder.display_name))
    return [f"{where}: {destination} -> {gateway}" for i, (destination, gateway, where)
            in enumerate(routes) if i in world_entries([d for d, _, _ in routes])]


def _route_tables_of(graph: ResourceGraph, subnet: Resource) -> list[Resource]:
    """Explicitly associated route tables, else the VPC's main route table if it is known."""
    tables: list[Resource] = []
    for assoc in referrers(graph, subnet, {"aws_route_table_association"}, ("subnet_id",)):
        tables += referenced(graph, assoc, ("route_table_id",), {ROUTE_TABLE})
    if tables:
        return tables
    for vpc in referenced(graph, subnet, ("vpc_id",), {"aws_vpc"}):
        for main in referrers(graph, vpc, {"aws_main_route_table_association"}, ("vpc_id",)):
            tables += referenced(graph, main, ("route_table_id",), {ROUTE_TABLE})
        # aws_default_route_table adopts the VPC's main table; it references the VPC's
        # default_route_table_id attribute, i.e. an edge to the VPC.
        tables += referrers(graph, vpc, {"aws_default_route_table"})
    return tables


def subnet_exposure(graph: ResourceGraph, subnet: Resource) -> SubnetExposure:
    reasons: list[str] = []
    unresolved: list[str] = []
    mapping = attr(subnet, ("map_public_ip_on_launch",), False)
    flag = mapping.flag()
    if flag is None:
        unresolved.append(f"{subnet.display_name}: {mapping.describe()}")
    elif flag:
        reasons.append(f"{subnet.display_name} has {mapping.describe()}")
    for table in _route_tables_of(graph, subnet):
        for route in route_table_igw_routes(graph, table):
            reasons.append(f"{subnet.display_name} routes to the internet ({route})")
    return SubnetExposure(tuple(reasons), tuple(unresolved))

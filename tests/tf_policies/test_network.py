"""private-nodes and bastion-access: graph reachability through subnets, route tables and SGs."""

from __future__ import annotations

from iacguard_builtin.tf_policies.bastion import (
    BastionParams,
    NodeBastionParams,
    admin_port_not_from_bastion,
    admin_port_open_to_world,
    bastion_open_to_world,
)
from iacguard_builtin.tf_policies.private_nodes import node_group_in_public_subnet, node_public_ip

from iacguard.model import Edge, Resource
from iacguard.values import Unknown
from tf_policies.builder import paths, ref, run, tf

VPC = tf("aws_vpc", "main", {"cidr_block": "10.0.0.0/16"})
IGW = tf("aws_internet_gateway", "gw", {"vpc_id": Unknown("aws_vpc.main.id")})


def _network(subnet_body: dict[str, object]) -> tuple[list[Resource], list[Edge]]:
    """A node group in one subnet whose route table sends 0.0.0.0/0 to an IGW."""
    subnet = tf("aws_subnet", "a", {"vpc_id": Unknown("id"), **subnet_body},
                address="aws_subnet.a[0]")
    table = tf("aws_route_table", "public", {
        "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": Unknown("aws_internet_gateway.gw.id")}]})
    assoc = tf("aws_route_table_association", "a",
               {"subnet_id": Unknown("id"), "route_table_id": Unknown("id")})
    group = tf("aws_eks_node_group", "ng", {"subnet_ids": [Unknown("aws_subnet.a[0].id")]})
    edges = [ref(group, "subnet_ids/0", subnet), ref(assoc, "subnet_id", subnet),
             ref(assoc, "route_table_id", table), ref(table, "route/0/gateway_id", IGW),
             ref(subnet, "vpc_id", VPC)]
    return [VPC, IGW, subnet, table, assoc, group], edges


def test_node_group_in_subnet_public_only_through_its_route_table_fails() -> None:
    resources, edges = _network({"cidr_block": "10.0.1.0/24"})
    found = run(node_group_in_public_subnet, resources, edges)
    assert paths(found) == [("aws_eks_node_group.ng", ("subnet_ids",))]
    assert "aws_route_table.public: 0.0.0.0/0 -> aws_internet_gateway.gw" in found[0].message


def test_node_group_in_private_subnet_passes() -> None:
    resources, edges = _network({"cidr_block": "10.0.1.0/24"})
    without_igw_route = [e for e in edges if e.attrs["path"] != "route/0/gateway_id"]
    assert run(node_group_in_public_subnet, resources, without_igw_route) == []


def test_main_route_table_of_the_vpc_counts_when_no_association() -> None:
    subnet = tf("aws_subnet", "b", {"vpc_id": Unknown("id")})
    main = tf("aws_route_table", "main", {})
    route = tf("aws_route", "default", {"route_table_id": Unknown("id"),
                                         "destination_cidr_block": "0.0.0.0/0",
                                         "gateway_id": Unknown("id")})
    main_assoc = tf("aws_main_route_table_association", "m",
                    {"vpc_id": Unknown("id"), "route_table_id": Unknown("id")})
    group = tf("aws_eks_node_group", "ng", {"subnet_ids": [Unknown("id")]})
    edges = [ref(group, "subnet_ids/0", subnet), ref(subnet, "vpc_id", VPC),
             ref(main_assoc, "vpc_id", VPC), ref(main_assoc, "route_table_id", main),
             ref(route, "route_table_id", main), ref(route, "gateway_id", IGW)]
    found = run(node_group_in_public_subnet, [VPC, IGW, subnet, main, route, main_assoc, group], edges)
    assert len(found) == 1 and "aws_route.default" in found[0].message


def test_subnet_mapping_public_ips_fails_and_unknown_is_unresolved() -> None:
    public = tf("aws_subnet", "pub", {"map_public_ip_on_launch": True})
    unknown = tf("aws_subnet", "unk", {"map_public_ip_on_launch": Unknown("var.public")})
    group = tf("aws_eks_node_group", "ng", {"subnet_ids": [Unknown("a"), Unknown("b")]})
    found = run(node_group_in_public_subnet, [public, unknown, group],
                [ref(group, "subnet_ids/0", public), ref(group, "subnet_ids/1", unknown)])
    assert len(found) == 2
    assert "map_public_ip_on_launch = true (literal)" in found[0].message
    assert "unresolved" in found[1].message


def test_gke_private_cluster_block_alone_is_not_private_nodes() -> None:
    block_only = tf("google_container_cluster", "a", {"private_cluster_config": [{}]})
    private = tf("google_container_cluster", "b",
                 {"private_cluster_config": [{"enable_private_nodes": True}]})
    pool = tf("google_container_node_pool", "p", {"cluster": Unknown("id"),
                                                   "network_config": [{"enable_private_nodes": False}]})
    inherit = tf("google_container_node_pool", "q", {"cluster": Unknown("id")})
    found = run(node_public_ip, [block_only, private, pool, inherit],
                [ref(pool, "cluster", private), ref(inherit, "cluster", block_only)])
    assert paths(found) == [
        ("google_container_cluster.a", ("private_cluster_config", 0)),
        ("google_container_node_pool.p", ("network_config", 0, "enable_private_nodes")),
        ("google_container_node_pool.q", ()),
    ]


def test_aks_every_node_pool() -> None:
    cluster = tf("azurerm_kubernetes_cluster", "k", {"default_node_pool": [{"name": "system"}]})
    pool = tf("azurerm_kubernetes_cluster_node_pool", "user", {"enable_node_public_ip": True})
    found = run(node_public_ip, [cluster, pool])
    assert paths(found) == [("azurerm_kubernetes_cluster_node_pool.user", ("enable_node_public_ip",))]


def test_launch_template_of_node_group_with_public_ip() -> None:
    lt = tf("aws_launch_template", "nodes",
            {"network_interfaces": [{"associate_public_ip_address": True}]})
    other = tf("aws_launch_template", "web",
               {"network_interfaces": [{"associate_public_ip_address": True}]})
    group = tf("aws_eks_node_group", "ng", {"launch_template": [{"id": Unknown("id")}]})
    found = run(node_public_ip, [lt, other, group], [ref(group, "launch_template/0/id", lt)])
    assert paths(found) == [("aws_launch_template.nodes",
                             ("network_interfaces", 0, "associate_public_ip_address"))]


# -- bastion ----------------------------------------------------------------------------------

def _sg(name: str, ingress: list[dict[str, object]] | None = None) -> Resource:
    return tf("aws_security_group", name, {"name": name, **({"ingress": ingress} if ingress else {})})


def test_ssh_from_world_fails_except_on_the_bastion() -> None:
    world = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
    app = _sg("app", [world])
    jump = _sg("jump", [world])
    host = tf("aws_instance", "jump", {"tags": {"Name": "prod-bastion"}})
    found = run(admin_port_open_to_world, [app, jump, host],
                [ref(host, "vpc_security_group_ids/0", jump)], params=BastionParams())
    assert paths(found) == [("aws_security_group.app", ("ingress", 0, "cidr_blocks", 0))]
    assert '22 (SSH) from "0.0.0.0/0" (literal)' in found[0].message


def test_port_ranges_and_all_protocols_cover_admin_ports() -> None:
    sg = _sg("wide", [{"from_port": 0, "to_port": 0, "protocol": "-1", "ipv6_cidr_blocks": ["::/0"]},
                      {"from_port": 3000, "to_port": 4000, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
                      {"from_port": 22, "to_port": 22, "protocol": "udp", "cidr_blocks": ["0.0.0.0/0"]}])
    rule = tf("aws_security_group_rule", "kubelet", {"type": "ingress", "from_port": 10000,
                                                     "to_port": 11000, "protocol": "tcp",
                                                     "cidr_blocks": ["0.0.0.0/0"]})
    found = run(admin_port_open_to_world, [sg, rule], [ref(rule, "security_group_id", sg)],
                params=BastionParams())
    assert paths(found) == [("aws_security_group.wide", ("ingress", 0, "ipv6_cidr_blocks", 0)),
                            ("aws_security_group.wide", ("ingress", 1, "cidr_blocks", 0)),
                            ("aws_security_group_rule.kubelet", ("cidr_blocks", 0))]


def test_node_group_remote_access_without_source_groups() -> None:
    open_ = tf("aws_eks_node_group", "open", {"remote_access": [{"ec2_ssh_key": "ops"}]})
    closed = tf("aws_eks_node_group", "closed", {"remote_access": [
        {"ec2_ssh_key": "ops", "source_security_group_ids": [Unknown("id")]}]})
    found = run(admin_port_open_to_world, [open_, closed], params=BastionParams())
    assert paths(found) == [("aws_eks_node_group.open", ("remote_access", 0))]


def test_gcp_firewall_default_source_is_world_and_iap_passes() -> None:
    default = tf("google_compute_firewall", "ssh", {"allow": [{"protocol": "tcp", "ports": ["22"]}]})
    iap = tf("google_compute_firewall", "iap", {"allow": [{"protocol": "tcp", "ports": ["22"]}],
                                                "source_ranges": ["35.235.240.0/20"]})
    found = run(admin_port_open_to_world, [default, iap], params=BastionParams())
    assert paths(found) == [("google_compute_firewall.ssh", ())]
    assert 'source_ranges = ["0.0.0.0/0"] (provider default)' in found[0].message


def test_azure_nsg_internet_rdp() -> None:
    nsg = tf("azurerm_network_security_group", "n", {"security_rule": [
        {"name": "rdp", "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
         "destination_port_range": "3389", "source_address_prefix": "Internet"},
        {"name": "https", "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
         "destination_port_range": "443", "source_address_prefix": "*"}]})
    found = run(admin_port_open_to_world, [nsg], params=BastionParams())
    assert paths(found) == [("azurerm_network_security_group.n",
                             ("security_rule", 0, "source_address_prefix"))]


def _node_sg_with_ssh_from(source: Resource | None, path: str) -> tuple[list[Resource], list[Edge]]:
    nodes = _sg("eks-nodes")
    rule = tf("aws_security_group_rule", "ssh", {
        "type": "ingress", "from_port": 22, "to_port": 22, "protocol": "tcp",
        "source_security_group_id": Unknown("id")})
    bastion_sg = _sg("jump")
    host = tf("aws_instance", "bastion", {"subnet_id": Unknown("id")})
    subnet = tf("aws_subnet", "mgmt", {"cidr_block": "10.0.250.0/24"})
    edges = [ref(rule, "security_group_id", nodes), ref(host, "vpc_security_group_ids/0", bastion_sg),
             ref(host, "subnet_id", subnet)]
    if path:
        edges.append(ref(rule, path, source if source is not None else bastion_sg))
    return [nodes, rule, bastion_sg, host, subnet], edges


def test_ssh_to_nodes_from_the_bastion_security_group_passes() -> None:
    resources, edges = _node_sg_with_ssh_from(None, "source_security_group_id")
    assert run(admin_port_not_from_bastion, resources, edges,
               params=NodeBastionParams()) == []


def test_ssh_to_nodes_from_another_security_group_fails() -> None:
    other = _sg("ci-runners")
    resources, edges = _node_sg_with_ssh_from(other, "source_security_group_id")
    found = run(admin_port_not_from_bastion, [*resources, other], edges,
                params=NodeBastionParams())
    assert paths(found) == [("aws_security_group_rule.ssh", ("source_security_group_id",))]
    assert "aws_security_group.ci-runners" in found[0].message
    assert "aws_security_group.jump" in found[0].message


def test_ssh_to_nodes_by_cidr_must_be_the_bastion_subnet() -> None:
    nodes = _sg("eks-nodes", [
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["10.0.250.0/28"]},
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/16"]},
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}])
    host = tf("aws_instance", "bastion", {"subnet_id": Unknown("id")})
    subnet = tf("aws_subnet", "mgmt", {"cidr_block": "10.0.250.0/24"})
    found = run(admin_port_not_from_bastion, [nodes, host, subnet], [ref(host, "subnet_id", subnet)],
                params=NodeBastionParams())
    # the world-open rule is admin-port-open-to-world's finding, not this one's
    assert paths(found) == [("aws_security_group.eks-nodes", ("ingress", 1, "cidr_blocks", 0))]


def test_unknown_admin_source_on_nodes_is_unresolved() -> None:
    nodes = _sg("eks-nodes")
    rule = tf("aws_vpc_security_group_ingress_rule", "ssh", {
        "security_group_id": Unknown("id"), "ip_protocol": "tcp", "from_port": 22, "to_port": 22,
        "referenced_security_group_id": Unknown("var.admin_sg has no value")})
    found = run(admin_port_not_from_bastion, [nodes, rule], [ref(rule, "security_group_id", nodes)],
                params=NodeBastionParams())
    assert paths(found) == [("aws_vpc_security_group_ingress_rule.ssh", ("referenced_security_group_id",))]
    assert "unresolved" in found[0].message


def test_gke_inline_node_pool_overriding_to_public() -> None:
    cluster = tf("google_container_cluster", "c", {
        "private_cluster_config": [{"enable_private_nodes": True}],
        "node_pool": [{"name": "a"}, {"name": "b", "network_config": [{"enable_private_nodes": False}]}]})
    assert paths(run(node_public_ip, [cluster])) == [
        ("google_container_cluster.c", ("node_pool", 1, "network_config", 0, "enable_private_nodes"))]


def test_bastion_itself_must_be_allow_listed() -> None:
    world = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
    office = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["84.17.33.0/24"]}
    app, jump, jump2 = _sg("app", [world]), _sg("jump", [world]), _sg("jump2", [office])
    host = tf("aws_instance", "jump", {"tags": {"Role": "bastion"}})
    found = run(bastion_open_to_world, [app, jump, jump2, host],
                [ref(host, "vpc_security_group_ids/0", jump), ref(host, "vpc_security_group_ids/1", jump2)],
                params=BastionParams())
    assert paths(found) == [("aws_security_group.jump", ("ingress", 0, "cidr_blocks", 0))]
    assert found[0].message.startswith("bastion security group aws_security_group.jump allows 22 (SSH)")


def test_gke_node_ssh_must_come_from_iap_or_the_bastion_vm() -> None:
    cluster = tf("google_container_cluster", "c", {"node_config": [{"tags": ["nodes"]}]})
    subnet = tf("google_compute_subnetwork", "mgmt", {"ip_cidr_range": "10.10.0.0/28"})
    vm = tf("google_compute_instance", "jump", {"name": "ops-bastion", "network_interface": [
        {"subnetwork": Unknown("id")}], "service_account": [{"email": "jump@p.iam.gserviceaccount.com"}]})

    def fw(name: str, **body: object) -> Resource:
        return tf("google_compute_firewall", name, {"allow": [{"protocol": "tcp", "ports": ["22"]}],
                                                   "target_tags": ["nodes"], **body})

    rules = [fw("iap", source_ranges=["35.235.240.0/20"]), fw("vm", source_ranges=["10.10.0.0/28"]),
             fw("sa", source_service_accounts=["jump@p.iam.gserviceaccount.com"]),
             fw("vpc", source_ranges=["10.0.0.0/8"]), fw("ci", source_tags=["ci"]),
             fw("world", source_ranges=["0.0.0.0/0"]),
             tf("google_compute_firewall", "other", {"allow": [{"protocol": "tcp"}],
                                                     "target_tags": ["db"], "source_ranges": ["10.0.0.0/8"]})]
    found = run(admin_port_not_from_bastion, [cluster, subnet, vm, *rules],
                [ref(vm, "network_interface/0/subnetwork", subnet)], params=NodeBastionParams())
    assert paths(found) == [("google_compute_firewall.vpc", ("source_ranges", 0)),
                            ("google_compute_firewall.ci", ("source_tags", 0))]

"""A hand-written plan of `fixtures/pair` (nested modules, `for_each` module instances with
string keys, `count` instances, three modules defining `aws_security_group.sg`, a deleted
resource, unknown and sensitive values), loaded beside its configuration."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from plan.tfplan import Res, plan, write

from iacguard.model import EdgeKind, Resource, ScanResult
from iacguard.plugin import Plugins
from iacguard.values import Unknown

from helpers import scan

PAIR = Path(__file__).parent / "fixtures" / "pair"
SECRET = "hunter2-secret"
USER_DATA = "s3cr3t-user-data"


def _sg(address: str, port: int, cidr: str, name: str, actions: tuple[str, ...] = ("create",)) -> Res:
    rule = {"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": [cidr],
            "description": "", "ipv6_cidr_blocks": [], "prefix_list_ids": [],
            "security_groups": [], "self": False}
    return Res(address, {"name": name, "ingress": [rule], "egress": [], "tags": None},
               actions=actions, after_unknown={"id": True, "arn": True})


def _node(address: str) -> Res:
    return Res(address, {"ami": "ami-123", "user_data": USER_DATA,
                         "metadata_options": [{"http_tokens": "optional", "http_endpoint": "enabled"}]},
               after_unknown={"id": True, "vpc_security_group_ids": True},
               after_sensitive={"user_data": True})


APP_MODULE: dict[str, Any] = {
    "resources": [
        {"address": "aws_security_group.sg", "mode": "managed", "type": "aws_security_group",
         "name": "sg", "expressions": {"name": {"constant_value": "app"}}},
        {"address": "aws_instance.node", "mode": "managed", "type": "aws_instance", "name": "node",
         "count_expression": {"constant_value": 2},
         "expressions": {"ami": {"constant_value": "ami-123"},
                         "vpc_security_group_ids": {"references": ["aws_security_group.sg.id",
                                                                   "aws_security_group.sg"]}}},
    ],
    "module_calls": {"inner": {"source": "../inner", "module": {"resources": [
        {"address": "aws_security_group.sg", "mode": "managed", "type": "aws_security_group",
         "name": "sg", "expressions": {}}]}}},
    "variables": {"cidr": {}},
}
CONFIGURATION: dict[str, Any] = {"root_module": {
    "resources": [
        {"address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
         "expressions": {"engine": {"constant_value": "postgres"},
                         "password": {"references": ["var.db_password"]}}},
        {"address": "kubernetes_service.web", "mode": "managed", "type": "kubernetes_service",
         "name": "web", "expressions": {}},
    ],
    "module_calls": {
        "app": {"source": "./modules/app", "for_each_expression": {"constant_value": {}},
                "module": APP_MODULE},
        "edge": {"source": "./modules/edge", "module": {"resources": [
            {"address": "aws_security_group.sg", "mode": "managed", "type": "aws_security_group",
             "name": "sg", "expressions": {}}]}},
    },
    "variables": {"db_password": {"sensitive": True}},
}}


def pair_plan() -> dict[str, Any]:
    resources = [
        Res("aws_db_instance.db", {"engine": "postgres", "username": "app", "password": SECRET},
            after_sensitive={"password": True}),
        Res("kubernetes_service.web", {
            "metadata": [{"name": "web", "namespace": "shop", "labels": None, "annotations": None}],
            "spec": [{"type": "LoadBalancer", "port": [{"port": 80, "node_port": None}],
                      "load_balancer_source_ranges": None, "external_ips": None}],
            "wait_for_load_balancer": True}),
        # the deleted group is open to the world, and must not be checked
        _sg("aws_security_group.legacy", 22, "0.0.0.0/0", "legacy", actions=("delete",)),
        _sg("module.edge.aws_security_group.sg", 3389, "0.0.0.0/0", "edge", actions=("no-op",)),
    ]
    for key in ("x", "y"):
        app = f'module.app["{key}"]'
        resources.append(_sg(f"{app}.aws_security_group.sg", 22, "0.0.0.0/0", "app"))
        resources.append(_sg(f"{app}.module.inner.aws_security_group.sg", 443, "10.0.0.0/8", "inner"))
        # three instances: the configuration's count is 2, the plan (a larger var) has 3
        resources.extend(_node(f"{app}.aws_instance.node[{i}]") for i in range(3))
    return plan(resources, configuration=CONFIGURATION, variables={"db_password": SECRET},
                prior=[_sg("aws_security_group.legacy", 22, "0.0.0.0/0", "legacy")])


@pytest.fixture()
def pair(tmp_path: Path) -> Path:
    root = tmp_path / "pair"
    shutil.copytree(PAIR, root)
    write(root / "tfplan.json", pair_plan())
    return root


def _findings(result: ScanResult) -> set[tuple[str, str, str, int, str]]:
    return {(f.rule_id, f.resource.address or "", f.location.path, f.location.start_line,
             f.context.get("mapping", "")) for f in result.findings}


def _by_address(graph: Any) -> dict[str, Resource]:
    return {r.address: r for r in graph.resources() if r.id.startswith("tfplan:")}


def test_findings_point_at_the_hcl_that_the_evaluator_expanded(plugins: Plugins, pair: Path) -> None:
    result, _ = scan(plugins, pair / "tfplan.json")
    app, edge = "modules/app/main.tf", "modules/edge/main.tf"
    assert _findings(result) == {
        ("LB001", "kubernetes_service.web", "main.tf", 28, "exact"),
        ("SEC101", "aws_db_instance.db", "main.tf", 19, "exact"),
        ("BAS001", 'module.app["x"].aws_security_group.sg', app, 9, "exact"),
        ("BAS001", 'module.app["y"].aws_security_group.sg', app, 9, "exact"),
        ("BAS001", "module.edge.aws_security_group.sg", edge, 7, "exact"),
        *{("META001", f'module.app["{k}"].aws_instance.node[{i}]', app, 18, "exact")
          for k in "xy" for i in (0, 1)},
        # node[2] exists only in the plan: the block of `aws_instance.node`, not an attribute
        *{("META001", f'module.app["{k}"].aws_instance.node[2]', app, 13, "block") for k in "xy"},
    }


def test_exact_mappings_agree_with_scanning_the_hcl(plugins: Plugins, pair: Path) -> None:
    from_plan, _ = scan(plugins, pair / "tfplan.json")
    (pair / "tfplan.json").unlink()
    from_hcl, _ = scan(plugins, pair)
    exact = {(rule, address, path, line) for rule, address, path, line, how in _findings(from_plan)
             if how == "exact" and rule != "SEC101"}  # the HCL password is a variable, unknown
    assert exact == {(f.rule_id, f.resource.address or "", f.location.path, f.location.start_line)
                     for f in from_hcl.findings}


def test_shape_unknowns_sensitive_and_references(plugins: Plugins, pair: Path) -> None:
    _, graph = scan(plugins, pair / "tfplan.json")
    resources = _by_address(graph)
    assert "aws_security_group.legacy" not in resources  # deleted by the plan
    node = resources['module.app["y"].aws_instance.node[0]']
    assert node.kind == "aws_instance" and node.format == "terraform"
    assert node.body["metadata_options"] == [{"http_tokens": "optional", "http_endpoint": "enabled"}]
    assert node.body["vpc_security_group_ids"] == Unknown("aws_security_group.sg.id")
    assert isinstance(node.body["id"], Unknown)
    assert node.sensitive == ("user_data",)
    assert node.context["module"] == 'module.app["y"]'
    inner = resources['module.app["x"].module.inner.aws_security_group.sg']
    assert inner.context["module"] == 'module.app["x"] > module.inner'
    assert resources["aws_db_instance.db"].sensitive == ("password",)
    edges = {(graph.get(e.source).address, graph.get(e.target).address)
             for e in graph.edges(kind=EdgeKind.REFERENCES)
             if e.source.startswith("tfplan:") and "aws_instance" in e.source}
    assert edges == {(f'module.app["{k}"].aws_instance.node[{i}]', f'module.app["{k}"].aws_security_group.sg')
                     for k in "xy" for i in range(3)}
    service = resources["kubernetes_service.web"]
    assert (service.kind, service.namespace) == ("Service", "shop")
    assert service.body["spec"]["type"] == "LoadBalancer"


def test_only_changes_skips_what_the_plan_leaves_alone(plugins: Plugins, pair: Path) -> None:
    result, _ = scan(plugins, pair / "tfplan.json", options={"plan_only_changes": True})
    assert "module.edge.aws_security_group.sg" not in {f.resource.address for f in result.findings}
    assert ("BAS001", 'module.app["x"].aws_security_group.sg') in {
        (f.rule_id, f.resource.address) for f in result.findings}


def test_without_configuration_findings_point_into_the_plan(plugins: Plugins, tmp_path: Path) -> None:
    file = write(tmp_path / "tfplan.json", pair_plan())
    result, _ = scan(plugins, file)
    lines = file.read_text().splitlines()
    for finding in result.findings:
        assert finding.location.path == "tfplan.json"
        assert finding.context["mapping"] == "unmapped"
        assert f'"address": "{finding.resource.address}"'.replace('"', "") in \
            lines[finding.location.start_line - 1].replace('\\"', '"').replace('"', "")


def test_config_dir_option(plugins: Plugins, pair: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "ci"
    elsewhere.mkdir()
    moved = elsewhere / "plan.json"
    (pair / "tfplan.json").rename(moved)
    result, _ = scan(plugins, moved, options={"plan_config_dir": str(pair)})
    assert {f.context["mapping"] for f in result.findings} == {"exact", "block"}


def test_the_summary_counts_unmapped_plan_resources(plugins: Plugins, pair: Path, tmp_path: Path) -> None:
    mapped, graph = scan(plugins, pair / "tfplan.json")
    plan_resources = len(_by_address(graph))
    unmapped = sum(1 for r in _by_address(graph).values() if r.context["mapping"] == "unmapped")
    assert mapped.stats == {"plan_resources": plan_resources, "plan_resources_unmapped": unmapped}
    assert unmapped < plan_resources
    (tmp_path / "alone").mkdir()
    alone = write(tmp_path / "alone" / "tfplan.json", pair_plan())
    assert scan(plugins, alone)[0].stats == {"plan_resources": plan_resources,
                                             "plan_resources_unmapped": plan_resources}


def test_a_plan_beside_its_configuration_stands_for_it(plugins: Plugins, pair: Path) -> None:
    """Scanning a root that holds its own plan checks it once, through the plan (planned values,
    findings mapped to the .tf lines), not a second time as HCL."""
    whole, graph = scan(plugins, pair)
    assert not any(r.id.startswith("tf:") for r in graph.resources())
    assert _findings(whole) == _findings(scan(plugins, pair / "tfplan.json")[0])

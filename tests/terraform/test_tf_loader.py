"""The Terraform loader on small fixtures: expansion, modules, variables, unknowns, edges, lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from iacguard_builtin.terraform.loader import called_directories, collect

from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.loading import LoadContext, LoadResult
from iacguard.model import EdgeKind, Resource
from iacguard.plugin import Plugins
from iacguard.values import Unknown

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load(name: str, root: Path | None = None, **options: Any) -> LoadResult:
    directory = FIXTURES / name
    ctx = LoadContext(root=root or directory, config=build_config({}, {"options": options}))
    result = collect(directory, ctx)
    assert result is not None
    return result


def by_address(result: LoadResult) -> dict[str, Resource]:
    return {r.address or r.id: r for r in result.resources}


def line_of(file: Path, needle: str, after: int = 0) -> int:
    for number, line in enumerate(file.read_text().splitlines(), start=1):
        if number > after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {file}")


def references(resource: Resource) -> list[dict[str, str]]:
    return [r.model_dump() for r in resource.references]


# -- expansion --------------------------------------------------------------------------------
def test_count_for_each_and_resource_shape() -> None:
    resources = by_address(load("expansion"))
    assert {a for a in resources if a.startswith("aws_subnet")} == {
        "aws_subnet.private[0]", "aws_subnet.private[1]"}
    subnet = resources["aws_subnet.private[1]"]
    assert subnet.id == "tf:.:aws_subnet.private[1]"
    assert (subnet.kind, subnet.name, subnet.format, subnet.namespace) == (
        "aws_subnet", "private", "terraform", None)
    assert subnet.body["availability_zone"] == "eu-west-1b"
    assert subnet.body["cidr_block"] == "10.0.2.0/24"  # cidrsubnet(..., count.index + 1)
    assert subnet.body["vpc_id"] == Unknown("aws_vpc.main.id")
    blue = resources['aws_eks_node_group.x["blue"]']
    green = resources['aws_eks_node_group.x["green"]']
    assert blue.body["node_group_name"] == "ng-blue"
    assert blue.body["scaling_config"] == [{"desired_size": 2, "max_size": 3, "min_size": 1}]
    assert green.body["scaling_config"][0]["desired_size"] == 1
    assert blue.body["labels"] == {"eu-west-1a": 0, "eu-west-1b": 1}  # for expression to a map
    web = resources['aws_instance.web["b"]']
    assert web.body["instance_type"] == "t3.small"
    assert web.body["tags"] == {"Name": "EU-WEST-1A-EU-WEST-1B"}
    assert web.body["user_data"] == "#!/bin/bash\necho prod\nopen 443\nopen 22\n"
    assert not any(a.startswith("aws_eip") for a in resources)  # count = 0
    assert "count" not in subnet.body and "for_each" not in blue.body
    assert resources["aws_vpc.main"].body["tags"] == {"Name": "prod-net"}  # locals out of order


def test_dynamic_blocks_and_nested_block_lists() -> None:
    resources = by_address(load("expansion"))
    sg = resources["aws_security_group.bastion"]
    assert sg.body["ingress"] == [
        {"description": "https", "from_port": 443, "to_port": 443, "protocol": "tcp",
         "cidr_blocks": ["0.0.0.0/0"]},
        {"description": "ssh", "from_port": 22, "to_port": 22, "protocol": "tcp",
         "cidr_blocks": ["10.0.0.0/8"]},
    ]
    assert sg.body["egress"][0]["protocol"] == "-1"
    cluster = resources["aws_eks_cluster.main"]
    assert cluster.body["vpc_config"][0]["endpoint_public_access"] is False
    assert cluster.body["vpc_config"][0]["subnet_ids"] == [
        Unknown("aws_subnet.private[0].id"), Unknown("aws_subnet.private[1].id")]


def test_source_lines_of_attributes_and_nested_blocks() -> None:
    resources = by_address(load("expansion"))
    main = FIXTURES / "expansion" / "main.tf"
    cluster = resources["aws_eks_cluster.main"]
    start = line_of(main, 'resource "aws_eks_cluster" "main"')
    assert cluster.origin.start_line == start and cluster.origin.precision == "block"
    assert cluster.origin.file == str(main)
    span = cluster.span_for(("vpc_config", 0, "endpoint_public_access"))
    assert span.start_line == line_of(main, "endpoint_public_access  = false")
    assert cluster.source_map["vpc_config/0"].start_line == line_of(main, "vpc_config {", start)
    sg = resources["aws_security_group.bastion"]
    # dynamic content lines map into the content block
    assert sg.source_map["ingress/1/cidr_blocks"].start_line == line_of(main, "cidr_blocks = port.key")


def test_reference_edges_through_splats_and_attributes(plugins: Plugins) -> None:
    root = FIXTURES / "expansion"
    session = open_session(plugins, build_config({}, {}), [root])
    session.load([root])
    _, graph = session.check()
    edges = {(e.source, e.target, e.attrs["path"]) for e in graph.edges(EdgeKind.REFERENCES)}
    assert ("tf:.:aws_eks_cluster.main", "tf:.:aws_subnet.private[0]", "vpc_config/0/subnet_ids") in edges
    assert ("tf:.:aws_eks_cluster.main", "tf:.:aws_subnet.private[1]", "vpc_config/0/subnet_ids") in edges
    assert ('tf:.:aws_eks_node_group.x["blue"]', "tf:.:aws_subnet.private[1]", "subnet_ids") in edges
    rule = graph.get("tf:.:aws_security_group_rule.r")
    [edge] = [e for e in graph.out_edges(rule, EdgeKind.REFERENCES)
              if e.attrs["path"] == "source_security_group_id"]
    assert edge.target == "tf:.:aws_security_group.bastion"
    assert edge.attrs["expression"] == "aws_security_group.bastion.id"
    assert not graph.out_edges("tf:.:aws_vpc.main", EdgeKind.REFERENCES)
    # through a data source (not itself in the graph)
    policy = graph.get("tf:.:aws_iam_policy.p")
    assert [(e.target, e.attrs["path"]) for e in graph.out_edges(policy)] == [
        ("tf:.:aws_vpc.main", "policy")]
    assert policy.body["policy"] == Unknown("data.aws_iam_policy_document.p.json")
    assert not [r for r in graph.resources() if "aws_iam_policy_document" in r.id]
    # inside an object literal, the edge names the element's path
    legacy = {e.attrs["path"]: e for e in graph.out_edges("tf:.:aws_security_group.legacy")}
    assert set(legacy) == {"vpc_id", "ingress/0/security_groups"}
    assert legacy["ingress/0/security_groups"].target == "tf:.:aws_security_group.bastion"
    assert legacy["ingress/0/security_groups"].attrs["expression"] == "[aws_security_group.bastion.id]"


# -- modules ---------------------------------------------------------------------------------
def test_module_inputs_outputs_and_instances() -> None:
    resources = by_address(load("modules"))
    default = resources['module.ng["default"].aws_eks_node_group.this']
    spot = resources['module.ng["spot"].aws_eks_node_group.this']
    single = resources["module.single.aws_eks_node_group.this"]
    assert default.id == 'tf:.:module.ng["default"].aws_eks_node_group.this'
    assert default.body["scaling_config"][0]["desired_size"] == 2
    assert spot.body["scaling_config"][0]["desired_size"] == 1
    assert single.body["scaling_config"][0]["desired_size"] == 3  # module variable default
    assert single.body["cluster_name"] == "other"
    assert default.body["disk_size"] == 20  # optional(number, 20) in the variable's type
    assert default.context == {"module": 'module.ng["default"]'}
    launch = resources['module.ng["spot"].module.launch.aws_launch_template.this']
    assert launch.context["module"] == 'module.ng["spot"] > module.launch'
    assert launch.body["name"] == "demo-nodes"
    cluster = resources["aws_eks_cluster.main"]
    assert "module" not in cluster.context
    assert cluster.body["vpc_config"][0]["endpoint_public_access"] is True  # module output
    assert cluster.body["role_arn"] == Unknown("module.single.aws_iam_role.this.arn")
    # resources of a module point into the module's own files
    module_main = FIXTURES / "modules" / "modules" / "node_group" / "main.tf"
    assert default.origin.file == str(module_main)
    assert default.span_for(("scaling_config", 0, "desired_size")).start_line == line_of(
        module_main, "desired_size = var.size")


def test_references_cross_module_boundaries() -> None:
    resources = by_address(load("modules"))
    cluster = resources["aws_eks_cluster.main"]
    assert references(cluster) == [{"path": "role_arn", "expression": "module.single.role_arn",
                                    "target": "tf:.:module.single.aws_iam_role.this"}]
    launch = resources["module.single.module.launch.aws_launch_template.this"]
    assert [r["target"] for r in references(launch)] == ["tf:.:module.single.aws_iam_role.this"]


def test_module_provenance() -> None:
    resources = by_address(load("modules"))
    single = resources["module.single.aws_eks_node_group.this"]
    prov = single.provenance["scaling_config/0/desired_size"]
    assert prov.kind == "variable-default"
    assert prov.description == "default of var.size in modules/node_group/variables.tf:7"
    assert single.provenance["cluster_name"].kind == "module-input"
    assert single.provenance["cluster_name"].description == (
        "input cluster_name of module.single in main.tf:17")
    cluster = resources["aws_eks_cluster.main"]
    assert cluster.provenance["name"].description == "default of var.cluster_name in main.tf:3"
    # each.value carries the provenance of the for_each collection
    group = resources['aws_autoscaling_group.g["blue"]']
    assert group.body["max_size"] == 4
    assert group.provenance["max_size"].description == "default of var.groups in main.tf:31"


def test_called_modules_are_not_roots() -> None:
    root = FIXTURES / "modules"
    called = called_directories(root)
    assert (root / "modules" / "node_group").resolve() in called
    # a caller the scan excludes does not count
    assert (root / "modules" / "node_group").resolve() not in called_directories(root, ("main.tf",))
    ctx = LoadContext(root=root, config=build_config({}, {}))
    result = collect(root / "modules" / "node_group", ctx)
    assert result is not None
    assert result.resources == [] and result.descend
    assert {p.name for p in result.consumed} == {"main.tf", "variables.tf"}


def test_recursive_modules_are_cut() -> None:
    result = load("recursive")
    assert [r.address for r in result.resources] == ["module.a.aws_vpc.a"]
    [problem] = result.problems
    assert "recursive module" in problem.message
    assert problem.span.file.endswith("modules/b/main.tf") and problem.span.start_line == 1


# -- variables ----------------------------------------------------------------------------------
def test_tfvars_precedence() -> None:
    extra = str(FIXTURES / "tfvars_extra" / "extra.tfvars")
    result = load("tfvars", tf_var_files=[extra], tf_vars=["from_cli=cli", "count_n=2"])
    resources = by_address(result)
    assert set(resources) >= {"null_resource.values[0]", "null_resource.values[1]"}
    assert resources["null_resource.values[0]"].body["triggers"] == {
        "from_default": "default", "from_tfvars": "tfvars", "from_auto_a": "auto_a",
        "from_auto_b": "auto_b", "from_var_file": "var_file", "from_cli": "cli"}
    cluster = resources["aws_eks_cluster.c"]
    assert cluster.provenance["name"].kind == "tfvars"
    assert cluster.provenance["name"].description == "from_auto_b in b.auto.tfvars:1"
    assert cluster.provenance["role_arn"].description == "from_tfvars in terraform.tfvars:1"
    assert {p.name for p in result.consumed} >= {"terraform.tfvars", "a.auto.tfvars", "b.auto.tfvars",
                                                  "terraform.tfvars.json"}
    assert resources["aws_security_group.json"].body["description"] == "a,B"


def test_cli_var_provenance_and_no_options() -> None:
    resources = by_address(load("tfvars", tf_vars=["from_auto_b=x"]))
    assert resources["aws_eks_cluster.c"].body["name"] == "x"
    assert resources["aws_eks_cluster.c"].provenance["name"].kind == "cli"
    plain = by_address(load("tfvars"))
    assert plain["null_resource.values[0]"].body["triggers"]["from_cli"] == "auto_b"
    assert "null_resource.values[1]" not in plain


def test_environment_variables_only_when_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_VAR_from_default", "env")
    off = by_address(load("tfvars"))
    assert off["null_resource.values[0]"].body["triggers"]["from_default"] == "default"
    on = by_address(load("tfvars", tf_env_vars=True))
    assert on["null_resource.values[0]"].body["triggers"]["from_default"] == "env"


# -- unknowns and problems ------------------------------------------------------------------------
def test_unknown_propagation() -> None:
    result = load("unknowns")
    resources = by_address(result)
    subnet = resources["aws_subnet.a"]
    assert subnet.body["vpc_id"] == "vpc-123"  # a data source's arguments are known
    assert subnet.body["ipv6_cidr_block"] == Unknown("data.aws_vpc.shared.ipv6_cidr_block")
    assert subnet.body["cidr_block"] == Unknown("var.cidr has no value")  # through cidrsubnet()
    assert subnet.body["tags"] == {"Name": Unknown("var.cidr has no value")}  # through a template
    vpc_config = resources["aws_eks_cluster.c"].body["vpc_config"][0]
    assert vpc_config["endpoint_public_access"] == Unknown("var.public has no value")  # conditional
    assert vpc_config["public_access_cidrs"] == []  # `unknown && false` is false
    # a count that cannot be known still yields the resource, with an unknown index
    assert "aws_instance.maybe[*]" in resources
    # a dynamic block over an unknown collection is unknown as a whole (not an empty list)
    assert resources["aws_security_group.dyn"].body["ingress"] == Unknown("var.rules has no value")
    # the same for a module instance
    eip = resources["module.per_zone[*].aws_eip.zone"]
    assert eip.body["tags"] == {"Index": Unknown("count/for_each of module.per_zone")}
    assert result.problems == []


def test_local_cycle_is_a_problem() -> None:
    result = load("cycle")
    [vpc] = result.resources
    assert isinstance(vpc.body["cidr_block"], Unknown)
    assert vpc.body["tags"] == {"Name": "fine"}
    [problem] = result.problems
    assert "cycle" in problem.message and problem.span.start_line in (2, 3)


def test_syntax_error_keeps_the_rest_of_the_module() -> None:
    result = load("syntax")
    [problem] = result.problems
    assert problem.rule == "unparseable-file"
    assert problem.span.file.endswith("broken.tf") and problem.span.start_line == 4
    [cluster] = result.resources
    assert cluster.address == "aws_eks_cluster.legacy"  # unquoted label
    assert cluster.body == {"name": "legacy", "role_arn": "arn:${literal}"}  # "${..}" and $$


def test_files_outside_the_scan_root_are_not_read() -> None:
    result = load("outside/root")
    [instance] = result.resources
    assert isinstance(instance.body["user_data"], Unknown)
    assert instance.body["tags"] == {"inside": "inside"}
    [problem] = result.problems
    assert "outside the scan root" in problem.message and problem.span.start_line == 3


def test_tf_json_files() -> None:
    bucket, cluster = load("jsonroot").resources
    assert bucket.address == "aws_s3_bucket.logs"
    assert bucket.body == {"bucket": "logs-dev", "tags": {"Env": "DEV"}}
    # objects with argument-like keys are nested blocks, maps stay maps, dynamic expands
    assert cluster.body == {"name": "c", "tags": {"team": "a"},
                            "vpc_config": [{"endpoint_public_access": False}],
                            "encryption_config": [{"resources": ["secrets"]}]}


# -- kubernetes_* -----------------------------------------------------------------------------------
def test_kubernetes_resources_take_the_manifest_shape() -> None:
    result = load("k8s")
    resources = by_address(result)
    deployment = resources["kubernetes_deployment.app"]
    assert deployment.id == "tf:.:kubernetes_deployment.app:Deployment:web/app"
    assert (deployment.kind, deployment.namespace, deployment.format) == ("Deployment", "web", "terraform")
    pod = deployment.body["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True and pod["automountServiceAccountToken"] is False
    [container] = pod["containers"]
    assert container["securityContext"]["privileged"] is True
    assert container["securityContext"]["capabilities"] == {"add": ["NET_ADMIN"]}
    assert container["ports"] == [{"containerPort": 80}]
    assert deployment.body["spec"]["selector"] == {"matchLabels": {"app_name": "app"}}
    main = FIXTURES / "k8s" / "main.tf"
    span = deployment.span_for(("spec", "template", "spec", "containers", 0, "securityContext",
                                "privileged"))
    assert span.start_line == line_of(main, "privileged                = true")
    binding = resources["kubernetes_cluster_role_binding_v1.admin"]
    assert binding.kind == "ClusterRoleBinding"
    assert binding.body["roleRef"]["name"] == "cluster-admin"
    assert binding.body["subjects"] == [
        {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"}]
    assert resources["helm_release.ingress"].kind == "helm_release"
    manifest = resources["kubernetes_manifest.sa"]
    assert manifest.id == "tf:.:kubernetes_manifest.sa:ServiceAccount:ci/builder"
    assert manifest.body["automountServiceAccountToken"] is True
    assert manifest.span_for(("automountServiceAccountToken",)).start_line == line_of(
        main, "automountServiceAccountToken = true")
    assert len(result.resources) == 5


def test_kubernetes_blocks_written_as_attributes() -> None:
    pod = by_address(load("k8s"))["kubernetes_pod.old_style"]
    [container] = pod.body["spec"]["containers"]
    assert container == {"name": "c", "image": "busybox", "securityContext": {"privileged": True}}
    main = FIXTURES / "k8s" / "main.tf"
    span = pod.span_for(("spec", "containers", 0, "securityContext", "privileged"))
    assert span.start_line == line_of(main, "privileged = true", line_of(main, '"old_style"'))


# -- functions and expressions ---------------------------------------------------------------------
def test_builtin_functions_and_expressions() -> None:
    result = load("functions")
    values = by_address(result)["terraform_data.f"].body["input"]
    expected = {
        "merge": {"a": 1, "b": 3, "c": 4}, "concat": [1, 2, 3], "lookup": "default",
        "try": "fallback", "can": False, "coalesce": "first", "coalescelist": ["b"],
        "compact": ["x", "y", "x"], "contains": True, "length": 4, "element": "y",
        "flatten": [1, 2, 3], "keys": ["a", "z"], "values": [2, 1], "toset": ["", "x", "y"],
        "tostring": "5", "tonumber": 2.5, "tobool": True, "json": '{"a":null,"b":[1,true]}',
        "jsondecode": [1, 2], "yaml": "a: 1\n", "format": 'a-007-"q"-true', "join": "a,b",
        "split": ["a", "b"], "replace": "a_b_c", "regex_repl": "abc#", "case": "abcDe",
        "cidrsubnet": "10.0.32.0/20", "cidrhost": "10.0.1.5", "distinct": [1, 2],
        "zipmap": {"a": 1, "b": 2}, "setunion": ["a", "b"], "range": [1, 3, 5],
        "minmax": [1, 3, 4], "affixes": [True, True], "one": "only", "truth": [True, False],
        "for_list": ["0a", "1b"], "for_map": {"B": 20}, "group": {"a": ["a1", "a2"], "b": ["b1"]},
        "splat_ids": [Unknown('aws_subnet.s["one"].id'), Unknown('aws_subnet.s["two"].id')],
        "arith": [2, 3.5, 14, 20, -1, False], "compare": [True, True, False, True],
        "template": "yes-ab", "unknownfn": Unknown("function uuid() is not evaluated"),
        "textfile": "Hello ops!\n- a\n- b\n", "heredoc": "line 1\n  kept ${x}\n",
    }
    assert values == expected
    assert result.problems == []


def test_elements_of_literal_maps_have_their_own_lines() -> None:
    resources = by_address(load("expansion"))
    main = FIXTURES / "expansion" / "main.tf"
    vpc = resources["aws_vpc.main"]
    assert vpc.span_for(("tags", "Name")).start_line == line_of(main, "Name = local.prefix")


def test_a_file_given_alone_is_a_module_of_its_own() -> None:
    directory = FIXTURES / "syntax"
    ctx = LoadContext(root=directory, config=build_config({}, {}))
    result = collect(directory / "good.tf", ctx)
    assert result is not None and result.problems == []  # broken.tf is not part of it
    [cluster] = result.resources
    assert cluster.id == "tf:good.tf:aws_eks_cluster.legacy"
    assert result.consumed == [directory / "good.tf"]
    assert collect(directory / "missing.txt", ctx) is None


def test_vendored_registry_modules_are_used(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n  cidr = "10.1.0.0/16"\n}\n\n'
        'resource "aws_eks_cluster" "c" {\n  name = module.vpc.name\n}\n')
    vendored = tmp_path / ".terraform" / "modules" / "vpc"
    vendored.mkdir(parents=True)
    (vendored / "main.tf").write_text(
        'variable "cidr" {}\nresource "aws_vpc" "this" {\n  cidr_block = var.cidr\n}\n'
        'output "name" {\n  value = "vpc-${var.cidr}"\n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "vpc", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws",
         "Dir": ".terraform/modules/vpc"}]}))
    result = collect(tmp_path, LoadContext(root=tmp_path, config=build_config({}, {})))
    assert result is not None and result.problems == []
    resources = by_address(result)
    assert resources["module.vpc.aws_vpc.this"].body == {"cidr_block": "10.1.0.0/16"}
    assert resources["aws_eks_cluster.c"].body == {"name": "vpc-10.1.0.0/16"}


def test_override_files_merge_into_their_blocks() -> None:
    result = load("override")
    [cluster] = result.resources
    assert result.problems == []
    assert cluster.body == {"name": "overridden", "role_arn": "arn", "vpc_config": [
        {"endpoint_public_access": False, "endpoint_private_access": True}]}
    assert cluster.source_map["name"].file.endswith("main_override.tf")

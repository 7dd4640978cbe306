"""The Terraform loader on the third-party corpus: loads everything, and evaluates known facts.

The facts below were checked by hand against the corpus files (see the comments).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from iacguard_builtin.terraform.loader import collect

from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.loading import LoadContext, LoadResult
from iacguard.model import EdgeKind, Resource
from iacguard.plugin import Plugins
from iacguard.values import Unknown


def _load(root: Path, directory: Path) -> LoadResult:
    result = collect(directory, LoadContext(root=root, config=build_config({}, {})))
    assert result is not None
    return result


def _resource(result: LoadResult, address: str) -> Resource:
    found = [r for r in result.resources if r.address == address]
    assert found, sorted(r.address or r.id for r in result.resources)
    return found[0]


def test_whole_terraform_corpus_loads_without_errors(plugins: Plugins, corpus: Path) -> None:
    root = corpus / "terraform"
    session = open_session(plugins, build_config({}, {}), [root])
    session.load([root])
    result, graph = session.check()
    assert result.errors == []
    assert len(list(graph.resources(["aws_eks_cluster"]))) >= 10
    assert any(True for _ in graph.edges(EdgeKind.REFERENCES))
    for unit in session.units.values():
        for problem in unit.result.problems:
            assert Path(problem.span.file).is_file() and problem.span.start_line >= 1, problem


def test_terragoat_eks_cluster(corpus: Path) -> None:
    # terragoat/terraform/aws/eks.tf: vpc_config sets only endpoint_private_access = true
    root = corpus / "terraform" / "terragoat"
    aws = next(p.parent for p in root.rglob("eks.tf") if p.parent.name == "aws")
    cluster = _resource(_load(root, aws), "aws_eks_cluster.eks_cluster")
    [vpc_config] = cluster.body["vpc_config"]
    assert vpc_config["endpoint_private_access"] is True
    assert "endpoint_public_access" not in vpc_config  # provider default, not filled in
    assert "enabled_cluster_log_types" not in cluster.body and "encryption_config" not in cluster.body
    span = cluster.span_for(("vpc_config", 0, "endpoint_private_access"))
    assert "endpoint_private_access" in Path(span.file).read_text().splitlines()[span.start_line - 1]


def test_eks_module_defaults_through_an_example(corpus: Path) -> None:
    # terraform-aws-eks/examples/eks-auto-mode/main.tf calls "../.." with
    # endpoint_public_access = true (line 37); endpoint_private_access and
    # endpoint_public_access_cidrs come from the module's variable defaults.
    root = corpus / "terraform" / "terraform-aws-eks"
    result = _load(root, root / "examples" / "eks-auto-mode")
    cluster = _resource(result, "module.eks.aws_eks_cluster.this[0]")
    assert cluster.id == "tf:examples/eks-auto-mode:module.eks.aws_eks_cluster.this[0]"
    assert cluster.context["module"] == "module.eks"
    [vpc_config] = cluster.body["vpc_config"]
    assert vpc_config["endpoint_public_access"] is True
    assert vpc_config["endpoint_private_access"] is True
    assert vpc_config["public_access_cidrs"] == ["0.0.0.0/0"]
    assert cluster.body["enabled_cluster_log_types"] == ["audit", "api", "authenticator"]
    private = cluster.provenance["vpc_config/0/endpoint_private_access"]
    assert private.kind == "variable-default"
    assert private.description.startswith("default of var.endpoint_private_access in variables.tf:")
    public = cluster.provenance["vpc_config/0/endpoint_public_access"]
    assert public.kind == "module-input"
    assert public.description == (
        "input endpoint_public_access of module.eks in examples/eks-auto-mode/main.tf:37")
    assert cluster.origin.file == str(root / "main.tf")
    # `module "disabled_eks" { create = false }` creates nothing
    assert not [r for r in result.resources if (r.address or "").startswith("module.disabled_eks.")]
    # the registry VPC module is reported, and its outputs are unknown
    assert isinstance(vpc_config["subnet_ids"], Unknown)
    assert any(p.message == "module not available offline: terraform-aws-modules/vpc/aws. Run "
               "`terraform init` in the root to download it; iacguard then reads it from "
               ".terraform/modules (it never downloads modules itself)"
               and p.rule == "unresolved-input" for p in result.problems)


def test_called_module_directory_yields_nothing_itself(corpus: Path) -> None:
    root = corpus / "terraform" / "terraform-aws-eks"
    result = _load(root, root)
    assert result.resources == [] and result.descend
    assert root / "main.tf" in result.consumed


def test_gke_private_cluster_through_a_vendored_module(corpus: Path, tmp_path: Path) -> None:
    # examples/simple_zonal_private calls the registry copy of modules/private-cluster with
    # enable_private_nodes = true, enable_private_endpoint = true and a master CIDR; the
    # module turns them into a dynamic private_cluster_config block (cluster.tf:655).
    repo = corpus / "terraform" / "terraform-google-kubernetes-engine"
    example = tmp_path / "example"
    shutil.copytree(repo / "examples" / "simple_zonal_private", example)
    manifest = example / ".terraform" / "modules" / "modules.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "gke", "Dir": str(repo / "modules" / "private-cluster"),
         "Source": "terraform-google-modules/kubernetes-engine/google//modules/private-cluster"},
    ]}))
    result = _load(example, example)
    cluster = _resource(result, "module.gke.google_container_cluster.primary")
    [private] = cluster.body["private_cluster_config"]
    assert private["enable_private_nodes"] is True
    assert private["enable_private_endpoint"] is True
    assert private["master_ipv4_cidr_block"] == "172.16.0.0/28"
    span = cluster.span_for(("private_cluster_config", 0, "enable_private_nodes"))
    assert span.file == str(repo / "modules" / "private-cluster" / "cluster.tf")
    assert "enable_private_nodes" in Path(span.file).read_text().splitlines()[span.start_line - 1]
    assert cluster.body["name"] == "simple-zonal-private-cluster"


def test_gke_private_cluster_module_as_its_own_root(corpus: Path) -> None:
    # Nothing in the corpus calls modules/private-cluster by a local path, so it is a root;
    # its variable default enable_private_nodes = true applies.
    root = corpus / "terraform" / "terraform-google-kubernetes-engine"
    result = _load(root, root / "modules" / "private-cluster")
    cluster = _resource(result, "google_container_cluster.primary")
    assert cluster.body["private_cluster_config"][0]["enable_private_nodes"] is True
    assert cluster.body["private_cluster_config"][0]["enable_private_endpoint"] is False


def test_microservices_demo_uses_its_tfvars(corpus: Path) -> None:
    # terraform.tfvars sets memorystore = false, so the count-guarded Redis instance
    # (memorystore.tf) is not created; the cluster is Autopilot with the default name.
    root = corpus / "terraform" / "microservices-demo-gke"
    result = _load(root, root)
    cluster = _resource(result, "google_container_cluster.my_cluster")
    assert cluster.body["name"] == "online-boutique"
    assert cluster.body["enable_autopilot"] is True
    assert not [r for r in result.resources if r.kind == "google_redis_instance"]
    assert root / "terraform.tfvars" in result.consumed


def test_terragoat_gke_and_aks(corpus: Path) -> None:
    # terragoat/terraform/gcp/gke.tf: legacy ABAC on, logging "none", 0.0.0.0/0 master network;
    # azure/aks.tf: kube_dashboard enabled, RBAC disabled; names from var.environment.
    root = corpus / "terraform" / "terragoat"
    gcp = next(p.parent for p in root.rglob("gke.tf") if p.parent.name == "gcp")
    gke = _resource(_load(root, gcp), "google_container_cluster.workload_cluster")
    assert gke.body["enable_legacy_abac"] is True
    assert gke.body["logging_service"] == "none"
    assert gke.body["master_authorized_networks_config"] == [
        {"cidr_blocks": [{"cidr_block": "0.0.0.0/0"}]}]
    assert "private_cluster_config" not in gke.body
    assert gke.body["name"] == "terragoat-dev-cluster"
    assert gke.provenance["name"].kind == "variable-default"
    azure = next(p.parent for p in root.rglob("aks.tf") if p.parent.name == "azure")
    aks = _resource(_load(root, azure), "azurerm_kubernetes_cluster.k8s_cluster")
    assert aks.body["addon_profile"][0]["kube_dashboard"] == [{"enabled": True}]
    assert aks.body["role_based_access_control"] == [{"enabled": False}]

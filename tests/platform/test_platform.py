"""One graph across formats: Terraform deploys Helm charts and Kubernetes objects onto clusters."""

from __future__ import annotations

from pathlib import Path

from iacguard.model import EdgeKind
from iacguard.plugin import Plugins

from helpers import scan, write

REPO = Path(__file__).resolve().parents[2]
EKS_FIXTURE = (REPO / "policies" / "internal-lb" / "service-exposed-on-public-nodes" / "fail"
               / "helm-release-on-public-eks")

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "service:\n  type: ClusterIP\nreplicas: 1\nimage: nginx:1.27\n",
    "charts/web/templates/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n"
        "        - name: web\n          image: {{ .Values.image }}\n"),
}


def _short(resource_id: str) -> str:
    return resource_id.rsplit(":", 2)[-2] + ":" + resource_id.rsplit(":", 1)[-1]


def test_terraform_deploys_chart_onto_its_cluster(plugins: Plugins) -> None:
    _, graph = scan(plugins, EKS_FIXTURE)
    deploys = [(e.source, graph.get(e.target)) for e in graph.edges(EdgeKind.DEPLOYS)]
    assert [(s, t.kind, t.namespace, t.name, t.format) for s, t in deploys] == [
        ("tf:.:helm_release.web", "Service", "shop", "storefront", "helm")]
    service = deploys[0][1]
    assert service.body["spec"]["type"] == "LoadBalancer"  # from the Terraform `set` block
    targets = {(graph.get(e.source).kind, graph.get(e.source).name, e.attrs["how"])
               for e in graph.edges(EdgeKind.TARGETS_CLUSTER)}
    assert ("Service", "storefront", "the only cluster of its Terraform root module") in targets
    assert ("Service", "debug", "the only cluster of its Terraform root module") in targets
    assert ("helm_release", "web", "the only cluster of its Terraform root module") in targets
    # Terraform kubernetes_service and manifest Services share one kind.
    assert {r.format for r in graph.resources("Service")} == {"helm", "terraform"}


def test_release_values_documents_then_set_blocks(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {**CHART, "main.tf": """
resource "helm_release" "web" {
  name   = "shop"
  chart  = "./charts/web"
  values = [yamlencode({ replicas = 2, image = "nginx:latest" }), "replicas: 3"]
  set {
    name  = "replicas"
    value = 4
  }
}
resource "helm_release" "remote" {
  name       = "ingress"
  repository = "https://kubernetes.github.io/ingress-nginx"
  chart      = "ingress-nginx"
}
"""})
    result, graph = scan(plugins, tmp_path)
    (deployment,) = [r for r in graph.resources("Deployment") if r.context.get("helm_release")]
    assert deployment.body["spec"]["replicas"] == 4
    assert deployment.body["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:latest"
    notes = [f for f in result.findings if f.rule_id == "PARSE003"]
    assert [(n.location.path, n.location.start_line) for n in notes] == [("main.tf", 14)]
    assert "cannot be rendered offline" in notes[0].message
    image = [f for f in result.findings if f.rule_id == "IMG001"
             and f.context.get("helm_release") == "helm_release.web"]
    assert image and image[0].context["terraform_root"] == "."


TWO_CLUSTERS = """
resource "google_container_cluster" "prod" {
  name     = "prod"
  location = "europe-west1"
}
resource "azurerm_kubernetes_cluster" "lab" {
  name = "lab"
  default_node_pool {
    name                   = "default"
    node_public_ip_enabled = true
  }
}
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n"


def test_clusters_are_not_guessed_but_can_be_configured(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"infra/main.tf": TWO_CLUSTERS, "apps/lab/svc.yaml": SERVICE,
                     "apps/prod/svc.yaml": SERVICE})
    _, graph = scan(plugins, tmp_path)
    assert list(graph.edges(EdgeKind.TARGETS_CLUSTER)) == []  # two clusters: no guess
    options = {"clusters": {"apps/lab/*": "azurerm_kubernetes_cluster.lab",
                            "apps/prod/*": "google_container_cluster.prod"}}
    result, graph = scan(plugins, tmp_path, options=options)
    targets = {(Path(graph.get(e.source).origin.file).parent.name, graph.get(e.target).name)
               for e in graph.edges(EdgeKind.TARGETS_CLUSTER)}
    assert targets == {("lab", "lab"), ("prod", "prod")}
    lb002 = sorted((f.location.path, f.message.split(" of cluster ")[1].split(". ")[0])
                   for f in result.findings if f.rule_id == "LB002")
    # Both clusters have public nodes (GKE without private nodes, AKS with node public IPs).
    assert lb002 == [("apps/lab/svc.yaml", "azurerm_kubernetes_cluster.lab"),
                     ("apps/prod/svc.yaml", "google_container_cluster.prod")]


def test_cluster_decides_which_cloud_annotations_count(plugins: Plugins, tmp_path: Path) -> None:
    gke_internal = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: reports\n  annotations:\n"
                    "    networking.gke.io/load-balancer-type: Internal\nspec:\n  type: LoadBalancer\n")
    write(tmp_path / "gke", {"main.tf": 'resource "google_container_cluster" "c" {\n  name = "c"\n}\n',
                             "svc.yaml": gke_internal})
    write(tmp_path / "eks", {"main.tf": 'resource "aws_eks_cluster" "c" {\n  name = "c"\n}\n',
                             "svc.yaml": gke_internal})
    on_gke, _ = scan(plugins, tmp_path / "gke", select=["LB001"])
    assert on_gke.findings == []
    on_eks, _ = scan(plugins, tmp_path / "eks", select=["LB001"])
    (finding,) = on_eks.findings
    # On EKS the GKE annotation means nothing; the message names the cluster and AWS's keys.
    assert "on cluster aws_eks_cluster.c" in finding.message
    assert "aws-load-balancer-internal" in finding.message and "networking.gke.io" not in finding.message

"""Hand-verified expectations for the cloud policies on the Terraform corpus (real code).

Skips without the corpus, and while the Terraform loader yields no resources for it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from iacguard.model import ScanResult
from iacguard.plugin import Plugins

from helpers import scan

pytestmark = pytest.mark.skipif(importlib.util.find_spec("iacguard_builtin.terraform.loader") is None,
                                reason="the Terraform loader plugin is not built yet")

# (file relative to terragoat/, line, policy id), each read off the corpus by hand.
TERRAGOAT = {
    # aws_eks_cluster.eks_cluster sets only endpoint_private_access: public to 0.0.0.0/0 by default
    ("aws/eks.tf", 122, "API001"),
    ("aws/eks.tf", 118, "AUD001"),  # no enabled_cluster_log_types
    ("aws/eks.tf", 118, "ENC001"),  # no encryption_config
    ("gcp/gke.tf", 19, "API001"),  # master authorized network 0.0.0.0/0
    ("gcp/gke.tf", 12, "CLH101"),  # enable_legacy_abac = true
    ("gcp/gke.tf", 8, "AUD001"),  # logging_service = "none"
    # no private_cluster_config: the default pool is removed, so the finding is on the pool
    # that inherits the public default
    ("gcp/gke.tf", 24, "PN002"),
    ("azure/aks.tf", 19, "DASH101"),  # kube_dashboard { enabled = true }
    ("azure/aks.tf", 23, "CLH101"),  # role_based_access_control { enabled = false }
    ("azure/aks.tf", 1, "API001"),  # neither private nor authorized ranges
    ("azure/networking.tf", 80, "BAS001"),  # NSG rule AllowSSH from "*"
    ("gcp/networks.tf", 22, "BAS001"),  # firewall allow_all from 0.0.0.0/0
    ("aws/lambda.tf", 45, "SEC101"),  # AKIA... access key in environment variables
}


def _scan(plugins: Plugins, path: Path) -> ScanResult:
    result, _ = scan(plugins, path)
    if result.resources == 0:
        pytest.skip(f"the Terraform loader produced no resources for {path}")
    assert result.errors == []
    return result


def test_terragoat_findings(plugins: Plugins, corpus: Path) -> None:
    result = _scan(plugins, corpus / "terraform" / "terragoat")
    found = {(f.location.path, f.location.start_line, f.rule_id) for f in result.findings}
    assert found >= TERRAGOAT, sorted(TERRAGOAT - found)
    by_key = {(f.location.path, f.location.start_line, f.rule_id): f for f in result.findings}
    assert "(provider default)" in by_key[("aws/eks.tf", 122, "API001")].message
    assert '"0.0.0.0/0" (literal)' in by_key[("gcp/gke.tf", 19, "API001")].message


def test_hardened_gke_module_is_not_flagged_on_what_it_hardens(plugins: Plugins, corpus: Path) -> None:
    # modules/private-cluster defaults to private nodes, no basic auth, no client certificate,
    # no legacy ABAC, no dashboard and GKE_METADATA on node pools. (safer-cluster wraps
    # ../beta-private-cluster, which is not part of the corpus, so it yields no cluster.)
    module = corpus / "terraform" / "terraform-google-kubernetes-engine" / "modules" / "private-cluster"
    result = _scan(plugins, module)
    hardened = {"PN002", "CLH101", "CLH102", "DASH101", "META003", "META004", "BAS001"}
    assert [f for f in result.findings if f.rule_id in hardened] == []
    # what it does not harden by default: master_authorized_networks = [] renders no
    # dynamic block, so the public endpoint is open to all (Checkov CKV_GCP_20 passes it)
    assert ("cluster.tf", 22, "API001") in {
        (f.location.path, f.location.start_line, f.rule_id) for f in result.findings}
    # ... while the root (public-cluster) module, with the same defaults otherwise, has public nodes
    root = _scan(plugins, module.parents[1])
    assert any(f.rule_id == "PN002" and f.location.path == "cluster.tf" for f in root.findings)

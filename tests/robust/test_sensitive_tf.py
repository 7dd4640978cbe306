"""Values derived from `sensitive = true` variables and outputs never reach any output —
reports and graph drawings, ids and names included — while policies still judge them."""

from __future__ import annotations

import json
from pathlib import Path

from iacguard.plugin import Plugins
from iacguard.reporting import RenderOptions

from helpers import scan, write

ROOT = """\
variable "admin_cidr" {
  type      = string
  default   = "0.0.0.0/0"
  sensitive = true
}
variable "secret_name" {
  default   = "topsecretname"
  sensitive = true
}
locals {
  cidr = var.admin_cidr
}
module "names" {
  source = "./names"
}
resource "aws_security_group" "ssh" {
  name = "ssh"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [local.cidr]
  }
}
resource "kubernetes_service" "svc" {
  metadata {
    name = var.secret_name
  }
  spec {
    type = "LoadBalancer"
    port {
      port = 80
    }
  }
}
resource "kubernetes_service" "other" {
  metadata {
    name = module.names.hidden
  }
  spec {
    type = "LoadBalancer"
    port {
      port = 80
    }
  }
}
"""
MODULE = """\
output "hidden" {
  value     = "hiddenoutputname"
  sensitive = true
}
"""
SECRETS = ("topsecretname", "hiddenoutputname")  # "0.0.0.0/0" is in policy texts: see below


def test_sensitive_values_are_masked_in_every_output(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": ROOT, "names/main.tf": MODULE})
    result, graph = scan(plugins, tmp_path)
    assert result.errors == []
    rules = {(f.rule_id, f.resource.name) for f in result.findings}
    assert {r for r, _ in rules} >= {"LB001"}
    assert ("LB001", "(sensitive)") in rules
    ssh = [f for f in result.findings if f.resource.address == "aws_security_group.ssh"
           and "allows 22" in f.message]
    assert len(ssh) == 1 and "from (sensitive)" in ssh[0].message  # judged on the real value
    reporters = plugins.register_reporters()
    outputs = {name: reporters.get(name)(result, RenderOptions(color=False)) for name in reporters.names()}
    outputs |= {f"graph-{name}": reporters.drawing(name)(graph, result)
                for name in reporters.drawing_names()}
    assert {"text", "json", "sarif", "graph-html", "graph-dot", "graph-json"} <= set(outputs)
    leaks = {(name, secret) for name, text in outputs.items() for secret in SECRETS if secret in text}
    assert leaks == set()
    graph_json = json.loads(outputs["graph-json"])
    shown = [f["message"] for f in graph_json["findings"]] + [f.message for f in result.findings]
    assert [m for m in shown if "0.0.0.0/0" in m] == []

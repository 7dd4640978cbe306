"""A small tree of every format (Terraform root + module + tfvars, a chart with a values file,
a manifest, a kustomization), for cache and `--jobs` tests."""

from __future__ import annotations

from pathlib import Path

from helpers import write

FILES = {
    "tf/main.tf": 'variable "cidr" {\n  type = string\n}\n\nmodule "net" {\n  source = "./modules/net"\n'
                  '  cidr   = var.cidr\n}\n',
    "tf/terraform.tfvars": 'cidr = "10.0.0.0/8"\n',
    "tf/modules/net/main.tf": 'variable "cidr" {}\n\nresource "aws_security_group" "ssh" {\n'
                              '  name = "ssh"\n  ingress {\n    from_port   = 22\n    to_port     = 22\n'
                              '    protocol    = "tcp"\n    cidr_blocks = [var.cidr]\n  }\n}\n',
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "chart/values.yaml": "privileged: false\nimage: nginx:1.27\n",
    "chart/templates/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n"
        "    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
        "    spec:\n      containers:\n        - name: web\n          image: {{ .Values.image }}\n"
        "          securityContext:\n            privileged: {{ .Values.privileged }}\n"),
    "k8s/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: lone\nspec:\n  containers:\n"
                    "    - name: app\n      image: busybox:1.36\n",
    "k8s/broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: tabs\n",
    "kust/kustomization.yaml": "resources:\n  - cm.yaml\n",
    "kust/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n",
}


def mixed_tree(root: Path) -> Path:
    return write(root, FILES)

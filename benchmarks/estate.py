"""Scaling curve: a generated estate of 1k / 2.5k / 5k / 10k resources (Terraform roots calling
modules with for_each, manifest bundles, a few Helm charts), scanned cold; time and peak memory.

    .venv/bin/python benchmarks/estate.py [--sizes 1000,2500,5000,10000] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import timed

MODULE = '''variable "name" {}
variable "cidr" {}

resource "aws_security_group" "this" {
  name = var.name
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "${var.name}-logs"
}

resource "aws_iam_role" "svc" {
  name               = "${var.name}-svc"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}
'''

ROOT = '''locals {{
  services = {{ {services} }}
}}

module "svc" {{
  source   = "../../modules/service"
  for_each = local.services
  name     = each.key
  cidr     = each.value
}}
'''

DEPLOYMENT = '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{n}
  namespace: team-{team}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{n}}}
  template:
    metadata:
      labels: {{app: app-{n}}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:{n}
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
---
apiVersion: v1
kind: Service
metadata:
  name: app-{n}
  namespace: team-{team}
spec:
  selector: {{app: app-{n}}}
  ports: [{{port: 80, targetPort: 8080}}]
'''

CHART_TEMPLATE = '''{{{{- range $i := until (int .Values.count) }}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ $.Release.Name }}}}-{{{{ $i }}}}
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: "{{{{ $.Values.image }}}}"
{{{{- end }}}}
'''


def generate(root: Path, size: int) -> None:
    """About `size` resources: 40 % Terraform (3 per module instance), 50 % manifests, 10 % charts."""
    (root / "modules" / "service").mkdir(parents=True)
    (root / "modules" / "service" / "main.tf").write_text(MODULE)
    instances = size * 40 // 100 // 3
    per_root = 25
    for r in range(0, instances, per_root):
        names = ", ".join(f'"svc-{r + i}" = "10.{(r + i) % 250}.0.0/16"'
                          for i in range(min(per_root, instances - r)))
        target = root / "roots" / f"root-{r // per_root}"
        target.mkdir(parents=True)
        (target / "main.tf").write_text(ROOT.format(services=names))
    manifests = size * 50 // 100 // 2
    per_file = 20
    for f in range(0, manifests, per_file):
        target = root / "manifests" / f"team-{f // 200}"
        target.mkdir(parents=True, exist_ok=True)
        docs = [DEPLOYMENT.format(n=f + i, team=f // 200) for i in range(min(per_file, manifests - f))]
        (target / f"apps-{f // per_file}.yaml").write_text("---\n".join(docs))
    charts = 4
    for c in range(charts):
        chart = root / "charts" / f"chart-{c}"
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: chart-{c}\nversion: 0.1.0\n")
        (chart / "values.yaml").write_text(f"count: {size * 10 // 100 // charts}\nimage: web:1\n")
        (chart / "templates" / "deploy.yaml").write_text(CHART_TEMPLATE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2500,5000,10000")
    parser.add_argument("--jobs", default=None)
    args = parser.parse_args()
    jobs = ["--jobs", args.jobs] if args.jobs else []
    print(f"{'target':>7} {'resources':>9} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'s/1k res':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="iacguard-estate-") as tmp:
            root = Path(tmp)
            generate(root, size)
            command = [sys.executable, "-m", "iacguard", "scan", "--format", "json", "--no-fail",
                       "--quiet", "--no-cache", *jobs, str(root)]
            wall, peak, cpu = timed(command)
            report = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
            resources = report["summary"]["resources"]
        per_k = wall / resources * 1000
        print(f"{size:>7} {resources:>9} {wall:>8.2f} {cpu:>8.2f} {peak:>9.0f} {per_k:>9.2f}")
    print(f"\ncommand: {' '.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

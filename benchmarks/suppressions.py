"""Cost of suppressions: comment scanning and the suppression stage on a generated estate.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/suppressions.py [--files 2000] [--repeat 3]

Writes N Kubernetes manifests (a privileged pod each, every other one with an
`iacguard:ignore` comment) and N Terraform files, then times load + check with the
suppression stage as shipped and the suppression stage alone, and prints a table.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.findings import Located
from iacguard.loading import LoadContext
from iacguard.plugin import make_plugins

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web-{n}
spec:
  containers:
    - name: web
      image: nginx
      securityContext:
{comment}        privileged: true
"""
RULE = """{comment}resource "aws_security_group_rule" "ssh_{n}" {{
  type        = "ingress"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
  security_group_id = "sg-1"
}}
"""


def estate(root: Path, files: int) -> None:
    for n in range(files):
        yaml_comment = "        # iacguard:ignore PSC001 node agent\n" if n % 2 else ""
        tf_comment = "# iacguard:ignore BAS001 lab account\n" if n % 2 else ""
        (root / f"pod-{n}.yaml").write_text(POD.format(n=n, comment=yaml_comment))
        (root / "tf").mkdir(exist_ok=True)
        (root / "tf" / f"rule-{n}.tf").write_text(RULE.format(n=n, comment=tf_comment))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plugins = make_plugins()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        estate(root, args.files)
        config = build_config({}, {"select": ["PSC001", "BAS001"]})
        scans, stages = [], []
        for _ in range(args.repeat):
            session = open_session(plugins, config, [root])
            start = time.perf_counter()
            session.load([root])
            result, graph = session.check()
            scans.append(time.perf_counter() - start)
            where = Located(LoadContext(session.root, config).relpath)
            stage = session._suppression_stage(graph, where)
            start = time.perf_counter()
            stage([])  # parsing and indexing every directive, no candidates
            stages.append(time.perf_counter() - start)
        comments = sum(len(u.result.comments) for u in session.units.values())
        suppressed = len(result.suppressed())
    print(f"command: .venv/bin/python benchmarks/suppressions.py --files {args.files} "
          f"--repeat {args.repeat}")
    print("| files | comments | findings | suppressed | load+check s (median) | "
          "directive parsing s (median) |")
    print("|---|---|---|---|---|---|")
    print(f"| {2 * args.files} | {comments} | {len(result.findings)} | {suppressed} | "
          f"{statistics.median(scans):.2f} | {statistics.median(stages):.3f} |")


if __name__ == "__main__":
    main()

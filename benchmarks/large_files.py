"""Large single files: a multi-document manifest bundle just under the 20 MiB manifest limit
and a 50 MB `terraform show -json` plan, each scanned alone; time and peak memory.

    .venv/bin/python benchmarks/large_files.py [--files bundle,plan] [--scale 1] [--repeat 1]
    .venv/bin/python benchmarks/large_files.py --scale 0.1 --profile 25

`--scale 0.1` writes files a tenth of the size (quick runs); `--repeat N` prints medians;
`--profile N` also scans each file in this process under cProfile (`--jobs 1`) and prints
the N functions with the most own time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
from pathlib import Path

from measure import timed

DOC = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{n}\n  namespace: ns-{ns}\n"
       "spec:\n  selector:\n    matchLabels: {{app: app-{n}}}\n  template:\n    metadata:\n"
       "      labels: {{app: app-{n}}}\n    spec:\n      containers:\n        - name: app\n"
       "          image: registry.example.com/app:{n}\n          args: [--port=8080, --verbose]\n"
       "          env:\n            - {{name: MODE, value: production}}\n")


def bundle(path: Path, limit: int = 20 * 1024 * 1024 - 4096) -> int:
    count, size = 0, 0
    with path.open("w") as out:
        while True:
            doc = "---\n" + DOC.format(n=count, ns=count % 50)
            if size + len(doc) > limit:
                return count
            out.write(doc)
            size += len(doc)
            count += 1


def plan(path: Path, target: int = 50 * 1000 * 1000) -> int:
    """Security groups and buckets in planned_values and resource_changes, about `target` bytes."""
    resources, changes = [], []
    size, n = 0, 0
    while size < target:
        values = {"name": f"sg-{n}", "description": "x" * 200, "ingress": [
            {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"],
             "description": "https", "ipv6_cidr_blocks": [], "prefix_list_ids": [],
             "security_groups": [], "self": False}]}
        address = f"aws_security_group.sg{n}"
        resources.append({"address": address, "mode": "managed", "type": "aws_security_group",
                          "name": f"sg{n}", "provider_name": "registry.terraform.io/hashicorp/aws",
                          "schema_version": 1, "values": values, "sensitive_values": {}})
        changes.append({"address": address, "mode": "managed", "type": "aws_security_group",
                        "name": f"sg{n}", "provider_name": "registry.terraform.io/hashicorp/aws",
                        "change": {"actions": ["create"], "before": None, "after": values,
                                   "after_unknown": {"id": True}, "before_sensitive": False,
                                   "after_sensitive": {}}})
        size += 2 * len(json.dumps(values)) + 400
        n += 1
    doc = {"format_version": "1.2", "terraform_version": "1.9.5",
           "planned_values": {"root_module": {"resources": resources}},
           "resource_changes": changes, "configuration": {"root_module": {}},
           "applyable": True, "complete": True, "errored": False}
    path.write_text(json.dumps(doc))
    return n


def profiled(folder: Path, top: int) -> str:
    """The `top` functions by own time of one cold `--jobs 1` scan of `folder`."""
    from iacguard import cli

    profile = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()):
        profile.runcall(cli.main, ["scan", "--format", "json", "--no-fail", "--quiet",
                                   "--no-cache", "--jobs", "1", str(folder)])
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(top)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:start + top + 1]) + "\n"


MAKERS = {"bundle": ("bundle.yaml", bundle, 20 * 1024 * 1024 - 4096),
          "plan": ("plan.json", plan, 50 * 1000 * 1000)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", default="bundle,plan", help="which files: bundle, plan")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--repeat", type=int, default=1, help="runs per file (medians)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile each scan in-process: the N functions with most own time")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.files.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in MAKERS]
    if unknown:
        parser.error(f"unknown file {', '.join(unknown)} (one of: {', '.join(MAKERS)})")
    print(f"{'file':<28} {'MB':>6} {'objects':>8} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory(prefix="iacguard-large-") as tmp:
        for key in chosen:
            name, make, size = MAKERS[key]
            folder = Path(tmp) / key
            folder.mkdir()
            target = folder / name
            objects = make(target, int(size * args.scale))
            runs = [timed([sys.executable, "-m", "iacguard", "scan", "--format", "json",
                           "--no-fail", "--quiet", "--no-cache", str(folder)])
                    for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            cpu = statistics.median(r[2] for r in runs)
            mb = target.stat().st_size / 1e6
            print(f"{name:<28} {mb:>6.1f} {objects:>8} {wall:>8.2f} {cpu:>8.2f} {peak:>9.0f}")
            if args.profile:
                print(profiled(folder, args.profile))
    print(f"\ncommand: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

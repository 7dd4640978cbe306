"""A plan finding mapped to HCL honours the suppressions written in the HCL."""

from __future__ import annotations

from pathlib import Path

from plan.tfplan import Res, plan
from plan.tfplan import write as write_plan
from supp_helpers import SSH_RULE, scan_json, write

VALUES = {"type": "ingress", "from_port": 22, "to_port": 22, "protocol": "tcp",
          "cidr_blocks": ["0.0.0.0/0"], "security_group_id": "sg-1"}


def test_comments_above_a_module_call_and_a_block_reach_the_plan(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "main.tf": ('# iacguard:ignore BAS001 vendor module, exception SEC-4\n'
                    'module "net" {\n  source = "./modules/net"\n}\n\n'
                    "# iacguard:ignore admin-port-open-to-world break-glass rule\n"
                    + SSH_RULE.replace('"ssh"', '"root"')
                    + SSH_RULE.replace('"ssh"', '"open"')),
        "modules/net/main.tf": SSH_RULE,
    })
    planned = write_plan(repo / "tfplan.json", plan([
        Res("module.net.aws_security_group_rule.ssh", VALUES),
        Res("aws_security_group_rule.root", VALUES),
        Res("aws_security_group_rule.open", VALUES)]))
    code, report = scan_json(tmp_path, str(planned), "--select", "BAS001")
    assert code == 1
    found = {(f["resource"]["address"], f["context"]["mapping"], f.get("suppression", {}).get("line"))
             for f in report["findings"] if f["rule_id"] == "BAS001"}
    assert found == {("module.net.aws_security_group_rule.ssh", "exact", 1),
                     ("aws_security_group_rule.root", "exact", 6),
                     ("aws_security_group_rule.open", "exact", None)}

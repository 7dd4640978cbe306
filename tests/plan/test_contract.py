"""The plan loader through the claim/load contract, reading only through `ctx.fs`."""

from __future__ import annotations

import json
from pathlib import Path

from iacguard_builtin.plan import plan as planfile
from iacguard_builtin.plan import plugin
from plan.tfplan import Res, plan

from iacguard.config import build_config
from iacguard.fs import FileSystem
from iacguard.loading import LoadContext

GROUP = Res('module.a["x.y"].aws_security_group.g', {"name": "g"})


def test_claim_and_load_read_an_unsaved_buffer(tmp_path: Path) -> None:
    buffer = tmp_path / "out.json"  # not on disk: an editor's unsaved file
    fs = FileSystem(overlays={buffer: json.dumps(plan([GROUP])).encode()}).recording()
    ctx = LoadContext(root=tmp_path, config=build_config({}, {}), fs=fs)
    claim = plugin.iacguard_claim(buffer, ctx)
    assert claim is not None
    assert (claim.loader, claim.owns, claim.descend) == ("terraform-plan", (buffer,), False)
    result = plugin.iacguard_load(claim, ctx)
    assert result is not None and not result.problems
    assert [r.address for r in result.resources] == [GROUP.address]
    assert fs.inputs is not None and buffer in fs.inputs.files_read()
    assert plugin.iacguard_load(type(claim)("kubernetes", buffer), ctx) is None


def test_directories_and_other_files_are_not_claimed(tmp_path: Path) -> None:
    (tmp_path / "values.json").write_text('{"replicas": 2}')
    ctx = LoadContext(root=tmp_path, config=build_config({}, {}))
    assert plugin.iacguard_claim(tmp_path, ctx) is None
    assert plugin.iacguard_claim(tmp_path / "values.json", ctx) is None


def test_addresses_with_dotted_keys() -> None:
    (record,) = planfile.read_plan(plan([GROUP])).resources
    assert (record.module_address, record.type, record.name) == ('module.a["x.y"]', "aws_security_group", "g")
    assert record.config_address == "module.a.aws_security_group.g"


def test_module_address_from_the_address_alone() -> None:
    doc = plan([GROUP])
    for change in doc["resource_changes"]:
        del change["module_address"]
    (record,) = planfile.read_plan(doc).resources
    assert record.module_address == 'module.a["x.y"]'


def test_kubernetes_provider_resources_are_manifests(tmp_path: Path) -> None:
    from iacguard.plugin import make_plugins

    from helpers import scan

    container = {"name": "c", "image": "nginx:1.27", "port": [], "env": [],
                 "security_context": [{"privileged": True, "run_as_user": None, "capabilities": []}]}
    deployment = Res("kubernetes_deployment.web", {
        "metadata": [{"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": None}],
        "spec": [{"replicas": "1", "selector": [{"match_labels": {"app": "web"}, "match_expressions": []}],
                  "template": [{"metadata": [{"labels": {"app": "web"}}],
                                "spec": [{"init_container": [], "volume": [], "container": [container]}]}]}],
        "wait_for_rollout": True}, after_unknown={"id": True})
    file = tmp_path / "tfplan.json"
    file.write_text(json.dumps(plan([deployment])))
    result, graph = scan(make_plugins(), file)
    (resource,) = graph.resources()
    assert (resource.kind, resource.namespace, resource.name, resource.format) == \
        ("Deployment", "shop", "web", "terraform")
    containers = resource.body["spec"]["template"]["spec"]["containers"]
    assert containers[0]["securityContext"] == {"privileged": True}
    assert "PSC001" in {f.rule_id for f in result.findings}

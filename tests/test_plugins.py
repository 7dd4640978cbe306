"""Plugins: a third-party package is picked up from its entry point with no configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard import hookspecs
from iacguard.errors import PluginLoadError
from iacguard.plugin import make_plugins

from helpers import write

EXTERNAL_PLUGIN = '''
from iacguard import hookimpl, Violation


def forbid_configmaps(ctx):
    for resource in ctx.graph.resources("ConfigMap"):
        yield Violation.at(resource, ("metadata", "name"), f"ConfigMap {resource.name} is forbidden")


@hookimpl
def iacguard_register_checks(registry):
    registry.add("forbid-configmaps", forbid_configmaps)


@hookimpl
def iacguard_policy_dirs():
    from importlib.resources import files
    return [files("acme_policies") / "catalogue"]
'''

POLICY = """\
id: ACME001
name: configmap-present
category: secrets
severity: low
title: ConfigMaps are forbidden here
check: forbid-configmaps
rationale: A test policy from a third-party pack.
remediation: Remove the ConfigMap.
"""


def _install_fake_distribution(site: Path, body: str = EXTERNAL_PLUGIN) -> None:
    write(site, {
        "acme_policies/__init__.py": body,
        "acme_policies/catalogue/secrets/configmap-present/policy.yaml": POLICY,
        "acme_policies-1.2.3.dist-info/METADATA": "Metadata-Version: 2.1\nName: acme-policies\n"
                                                   "Version: 1.2.3\n",
        "acme_policies-1.2.3.dist-info/entry_points.txt": "[iacguard]\nacme = acme_policies\n",
    })


def _iacguard(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "iacguard.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_third_party_plugin_is_discovered(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install_fake_distribution(site)
    listing = _iacguard(site, "plugins")
    assert listing.returncode == 0
    assert "acme             acme-policies 1.2.3" in listing.stdout
    write(tmp_path / "scan", {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"})
    scanned = _iacguard(site, "scan", str(tmp_path / "scan"), "--format", "json")
    assert scanned.returncode == 1
    assert '"rule_id": "ACME001"' in scanned.stdout and '"start_line": 4' in scanned.stdout
    blocked = _iacguard(site, "--disable-plugin", "acme", "scan", str(tmp_path / "scan"))
    assert blocked.returncode == 0


def test_broken_plugin_fails_loudly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install_fake_distribution(site, body="raise RuntimeError('boom at import')\n")
    result = _iacguard(site, "plugins")
    assert result.returncode == 2
    assert "plugin 'acme' failed to load: boom at import" in result.stderr


def test_hook_typo_is_rejected() -> None:
    class Typo:
        @staticmethod
        def iacguard_colect(path: object) -> None:  # misspelt hook name
            return None

    from iacguard import hookimpl

    Typo.iacguard_colect = hookimpl(Typo.iacguard_colect)  # type: ignore[method-assign]
    with pytest.raises(PluginLoadError, match="iacguard_colect"):
        make_plugins([Typo()], entry_points=False)


def test_every_hookspec_is_documented() -> None:
    specs = [getattr(hookspecs, n) for n in dir(hookspecs) if n.startswith("iacguard_")]
    assert len(specs) >= 5
    for spec in specs:
        assert spec.__doc__ and len(spec.__doc__.strip()) > 40, spec.__name__

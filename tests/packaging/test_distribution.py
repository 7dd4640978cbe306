"""What the wheel ships, the container image, and the install from a built wheel."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {"iacguard", "iacguard_builtin", "iacguard_policies"}  # the built-in plugins are subpackages
# Policy fixtures are data of the catalogue (`iacguard.testing` runs them for policy packs).
FIXTURE = re.compile(r"^iacguard_policies/[a-z0-9-]+/[a-z0-9-]+/(pass|fail)/")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                           "--wheel-dir", str(out), str(REPO)], capture_output=True, text=True,
                          timeout=600, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot build the wheel here (no setuptools>=77 reachable): {proc.stderr[-300:]}")
    (built,) = out.glob("iacguard-*.whl")
    return zipfile.ZipFile(built)


def test_wheel_contents_are_the_packages_licence_and_catalogue(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert {n.split("/")[0] for n in names} == PACKAGES | {dist_info}
    assert f"{dist_info}/licenses/LICENSE" in names
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/"))
                or "/tests/" in n or "__pycache__" in n]
    # Fixtures only where the catalogue keeps them, beside a policy.yaml.
    data = [n for n in names if not n.endswith((".py", "py.typed")) and dist_info not in n]
    stray = [n for n in data if not FIXTURE.match(n)
             and not re.match(r"^iacguard_policies/([a-z0-9-]+/)*[a-z0-9-]+\.(yaml|md)$", n)
             and not n.startswith("iacguard_builtin/reporters/vendor/")]
    assert stray == []
    assert any(FIXTURE.match(n) for n in data)


def test_pypi_description_opens_with_install_and_a_scan(wheel: zipfile.ZipFile) -> None:
    metadata = wheel.read(next(n for n in wheel.namelist() if n.endswith("METADATA"))).decode()
    description = metadata.split("\n\n", 1)[1]
    first_block = description[description.index("```sh"):description.index("```\n", 10)]
    assert first_block.splitlines()[1:3] == ["pip install iacguard",
                                             "iacguard scan path/to/your/infrastructure"]
    assert "License-Expression: Apache-2.0" in metadata and "Project-URL: Changelog" in metadata
    assert "Classifier: Programming Language :: Python :: 3.11" in metadata


@pytest.mark.wheel
def test_wheel_installs_into_a_fresh_virtualenv_and_scans() -> None:
    """Heavy (a venv and every dependency): `pytest -m wheel`, and once in `.ci/run`."""
    proc = subprocess.run(["bash", str(REPO / "scripts" / "check_wheel.sh"), sys.executable],
                          capture_output=True, text=True, timeout=1200, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "check_wheel: ok," in proc.stdout


DOCKER = shutil.which("docker")


def _docker_works() -> bool:
    if DOCKER is None:
        return False
    return subprocess.run([DOCKER, "info"], capture_output=True, timeout=60, check=False).returncode == 0


@pytest.mark.skipif(not _docker_works(), reason="docker is not installed or its daemon is not reachable")
def test_container_image_builds_and_scans() -> None:
    assert DOCKER is not None
    tag = "iacguard-smoke:test"
    build = subprocess.run([DOCKER, "build", "-q", "-t", tag, str(REPO)], capture_output=True,
                           text=True, timeout=1800, check=False)
    assert build.returncode == 0, build.stderr[-2000:]
    run = subprocess.run([DOCKER, "run", "--rm", "-v", f"{REPO / 'examples'}:/src:ro", tag,
                          "scan", "/src/platform", "--quiet"], capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 1 and "iacguard: failed:" in run.stdout, run.stderr[-2000:]
    user = subprocess.run([DOCKER, "run", "--rm", "--entrypoint", "id", tag, "-u"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert user.stdout.strip() == "10001"


def test_dockerfile_pins_its_base_and_drops_root() -> None:
    text = (REPO / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)", text, re.MULTILINE)
    assert base and re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base.group(1))
    assert re.search(r"^USER (?!root)\S+", text, re.MULTILINE)
    assert 'ENTRYPOINT ["iacguard"]' in text

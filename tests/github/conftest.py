from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from github.fake_github import FakeGitHub, served
from github.hub import TOKEN, Hub, fake_time


@pytest.fixture()
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hub]:
    prefix = getattr(request, "param", "")
    fake = FakeGitHub(token=TOKEN, prefix=prefix, lines={
        "src/app.tf": {3, 4, 5, 6, 10}, "k8s/service.yaml": {1, 2, 3, 4, 5, 6, 7, 8},
        "k8s/deploy.yaml": {20, 21}})
    with served(fake) as api_url:
        yield Hub(fake, api_url, fake_time(), tmp_path)


"""The fake GitLab, served per test (see `gitlab_lab`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_gitlab import FakeGitLab, serving
from gitlab_lab import BOT, BOT_TOKEN, DIFF, IID, OTHER, OTHER_TOKEN, PROJECT, REFS, Lab

from fake_time import FakeTime


@pytest.fixture
def lab() -> Iterator[Lab]:
    fake = FakeGitLab(project=PROJECT, iid=IID, diff_refs=dict(REFS), diff=DIFF,
                      tokens={BOT_TOKEN: BOT, OTHER_TOKEN: OTHER})
    with serving(fake) as url:
        yield Lab(fake, url, FakeTime())

"""Every registered output format renders an internal error whose message is empty (or
only whitespace) and says which kind it was, instead of crashing the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from synthetic import finding, result

from iacguard.model import ScanError
from iacguard.plugin import make_plugins
from iacguard.reporting import RenderOptions

REPORTERS = make_plugins().register_reporters()


@pytest.mark.parametrize("name", REPORTERS.names())
@pytest.mark.parametrize("message", ["", "  \n\n"])
def test_an_error_without_a_message_is_reported(name: str, message: str, tmp_path: Path) -> None:
    scanned = result([finding()], tmp_path,
                     errors=[ScanError(kind="check-crashed", message=message, plugin="x")])
    text = REPORTERS.get(name)(scanned, RenderOptions())
    assert text
    if name not in ("json", "sarif", "gitlab", "rdjson"):  # those keep the raw message field
        assert "check-crashed" in text


def test_first_line_skips_blank_lines() -> None:
    assert ScanError(kind="config", message="\n  \nbad key\nmore").first_line == "bad key"
    assert ScanError(kind="config", message="").first_line == "config"

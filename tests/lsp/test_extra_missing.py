"""`iacguard lsp` without the `lsp` extra: a clear error and exit 2, not a traceback."""

from __future__ import annotations

import subprocess
import sys

BLOCK_PYGLS = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pygls", "lsprotocol"):
            raise ImportError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, Block())
from iacguard.cli import main
sys.exit(main(["lsp"]))
"""


def test_lsp_without_the_extra_says_how_to_install_it() -> None:
    done = subprocess.run([sys.executable, "-c", BLOCK_PYGLS], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 2
    assert "pip install 'iacguard[lsp]'" in done.stderr
    assert "Traceback" not in done.stderr

"""Deterministic renders: sprig's random and clock functions overridden in the template source.

Helm's engine (in helm-python-sdk) takes no seed and no clock, and `Chart.render` offers no
function overrides, so a chart that generates a password with `randAlphaNum`, an id with
`uuidv4` or a label with `now | date` renders differently on every run (different ids,
messages, fingerprints). Changing the rendered *output* would hide real differences; instead
the render worker loads a copy of the chart whose template *actions* call fixed stand-ins
(same arity, same type, line numbers unchanged):

- `randAlphaNum N`, `randAlpha N`, `randAscii N` -> N times "x"; `randNumeric N` -> N times "1";
  `randBytes N` -> base64 of N "x"; `randInt MIN MAX` -> MIN;
- `uuidv4` -> "00000000-0000-4000-8000-000000000000";
- `now` -> 2000-01-01T00:00:00Z (so `now | date "2006-01-02"`, `dateInZone` ... are fixed).

Not covered (documented in docs/SECURITY.md): key and certificate generators (`genCA`,
`genPrivateKey`, `genSelfSignedCert`, `genSignedCert`), salted hashes (`bcrypt`, `htpasswd`),
`encryptAES`, `ago`, and templates inside packaged (`.tgz`) subcharts.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FIXED_UUID = "00000000-0000-4000-8000-000000000000"
STAND_INS = {
    "randAlphaNum": 'include "iacguard.fixed-letters"',
    "randAlpha": 'include "iacguard.fixed-letters"',
    "randAscii": 'include "iacguard.fixed-letters"',
    "randNumeric": 'include "iacguard.fixed-digits"',
    "randBytes": 'include "iacguard.fixed-bytes"',
    "randInt": "min",
    "uuidv4": f'"{FIXED_UUID}"',
    "now": '(toDate "2006-01-02" "2000-01-01")',
}
HELPERS_FILE = "_iacguard_deterministic.tpl"
HELPERS = (
    '{{- define "iacguard.fixed-letters" -}}{{ repeat (int .) "x" }}{{- end -}}\n'
    '{{- define "iacguard.fixed-digits" -}}{{ repeat (int .) "1" }}{{- end -}}\n'
    '{{- define "iacguard.fixed-bytes" -}}{{ repeat (int .) "x" | b64enc }}{{- end -}}\n'
)
_ACTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_LITERAL = re.compile(r'"(?:\\.|[^"\\])*"|`[^`]*`|\'(?:\\.|[^\'\\])*\'')
# A function name, not a field (`.Values.now`), a variable (`$now`) or part of a longer name.
_NAME = re.compile(r"(?<![\w.$])(" + "|".join(sorted(STAND_INS, key=len, reverse=True)) + r")(?![\w])")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")


def _rewrite_code(code: str) -> str:
    return _NAME.sub(lambda m: STAND_INS[m.group(1)], code)


def rewrite_action(action: str) -> str:
    """One `{{ ... }}` action with its function calls replaced, string literals untouched."""
    out, last = [], 0
    for literal in _LITERAL.finditer(action):
        out.append(_rewrite_code(action[last:literal.start()]))
        out.append(literal.group(0))
        last = literal.end()
    out.append(_rewrite_code(action[last:]))
    return "".join(out)


def rewrite_template(text: str) -> str:
    if not _NAME.search(text):
        return text
    return _ACTION.sub(lambda m: rewrite_action(m.group(0)), text)


def _templates(chart: Path) -> Iterator[Path]:
    """Template files of the chart and its unpacked subcharts (not following symlinks)."""
    for path in sorted(chart.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.suffix in TEMPLATE_SUFFIXES \
                and "templates" in path.relative_to(chart).parts:
            yield path


@contextmanager
def deterministic_chart(chart_dir: Path) -> Iterator[Path]:
    """`chart_dir`, or a temporary copy with the stand-ins when a template needs them."""
    if not chart_dir.is_dir():
        yield chart_dir  # a packaged chart: rendered as it is
        return
    needing = [p for p in _templates(chart_dir)
               if _NAME.search(p.read_text(encoding="utf-8", errors="replace"))]
    if not needing:
        yield chart_dir
        return
    with tempfile.TemporaryDirectory(prefix="iacguard-chart-") as tmp:
        copy = Path(tmp) / chart_dir.name
        shutil.copytree(chart_dir, copy, symlinks=True)
        for path in needing:
            target = copy / path.relative_to(chart_dir)
            target.write_text(rewrite_template(path.read_text(encoding="utf-8", errors="replace")),
                              encoding="utf-8")
        (copy / "templates").mkdir(exist_ok=True)
        (copy / "templates" / HELPERS_FILE).write_text(HELPERS, encoding="utf-8")
        yield copy

"""Charts that use sprig's random and clock functions render the same on every run."""

from __future__ import annotations

from pathlib import Path

from iacguard_builtin.helm.deterministic import FIXED_UUID, rewrite_template
from iacguard_builtin.reporters.json_report import render as render_json

from iacguard.plugin import Plugins
from iacguard.reporting import RenderOptions

from helpers import scan, write

SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: pw-{{ randAlphaNum 5 | lower }}
  labels:
    id: {{ uuidv4 | quote }}
    day: {{ now | date "2006-01-02" | quote }}
    shard: {{ randInt 3 9 | quote }}
    word: {{ "now randAlphaNum" | quote }}
    field: {{ .Values.now | quote }}
stringData:
  password: {{ randAlphaNum 16 | quote }}
  pin: {{ randNumeric 4 | quote }}
"""


def test_random_and_clock_functions_are_fixed(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
                     "c/values.yaml": "now: from-values\n", "c/templates/secret.yaml": SECRET})
    first, graph = scan(plugins, tmp_path)
    second, _ = scan(plugins, tmp_path)
    assert first.errors == []
    options = RenderOptions(color=False)
    assert render_json(first, options) == render_json(second, options)
    (secret,) = [r for r in graph.resources() if r.kind == "Secret"]
    assert secret.name == "pw-xxxxx"
    assert secret.body["metadata"]["labels"] == {"id": FIXED_UUID, "day": "2000-01-01", "shard": "3",
                                                 "word": "now randAlphaNum", "field": "from-values"}
    assert secret.body["stringData"] == {"password": "x" * 16, "pin": "1111"}


def test_rewrite_keeps_lines_fields_variables_and_literals() -> None:
    text = "a: {{ $now := now }}{{ .now }}\nb: {{ `randInt` }} {{ randBytes 2 }}\nc: now\n"
    assert rewrite_template(text) == ('a: {{ $now := (toDate "2006-01-02" "2000-01-01") }}{{ .now }}\n'
                                      'b: {{ `randInt` }} {{ include "iacguard.fixed-bytes" 2 }}\n'
                                      "c: now\n")

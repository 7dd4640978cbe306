"""Where a run's reports go: several `--output FORMAT[=FILE]` in one run (the console and
files together, as CI needs), each rendered once from the same result."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from iacguard.errors import IacguardError
from iacguard.model import ScanResult
from iacguard.reporting import DEFAULT_WIDTH, RenderOptions, ReporterRegistry

# Reports are written in slices of this many characters: a stream encodes what it is given
# at once, and a large report would otherwise be held once more, as bytes.
WRITE_SLICE = 1 << 20


class OutputError(IacguardError):
    pass


@dataclass(frozen=True)
class Output:
    format: str
    path: Path | None  # None: the console (stdout)


def parse_outputs(values: list[str], default_format: str, known: list[str]) -> list[Output]:
    """`--output` values: `FORMAT=FILE`, `FORMAT` (the console) or `FILE` (in `--format`).

    No `--output` at all: `--format` on the console. A bare value that is a format name is
    the console; write `./NAME` for a file of that name.
    """
    outputs: list[Output] = []
    for value in values or [default_format]:
        name, sep, file = value.partition("=")
        if sep and name in known:
            if not file:
                raise OutputError(f"--output {value!r}: no file after '=' (FORMAT=FILE)")
            outputs.append(Output(name, Path(file)))
        elif sep and "/" not in name and os.sep not in name:
            raise OutputError(f"--output {value!r}: unknown format {name!r} "
                              f"(one of: {', '.join(known)})")
        elif value in known:
            outputs.append(Output(value, None))
        else:
            outputs.append(Output(default_format, Path(value)))
    if default_format not in known:
        raise OutputError(f"unknown format {default_format!r} (one of: {', '.join(known)})")
    console = [o for o in outputs if o.path is None]
    if len(console) > 1:
        raise OutputError("only one output can go to the console: give the others a file "
                          f"(FORMAT=FILE), not {', '.join(o.format for o in console)}")
    files = [o.path for o in outputs if o.path is not None]
    if len(set(files)) != len(files):
        raise OutputError("two outputs write to the same file")
    return outputs


def console_width() -> int:
    """The terminal's width when stdout is one, else a fixed width (reproducible files)."""
    if sys.stdout.isatty():
        return max(shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns - 1, 40)
    return DEFAULT_WIDTH


def write_outputs(outputs: list[Output], reporters: ReporterRegistry, result: ScanResult,
                  console: RenderOptions, files: RenderOptions) -> None:
    """Render each output; files first, so a closed console pipe cannot lose them."""
    for output in sorted(outputs, key=lambda o: o.path is None):
        options = console if output.path is None else files
        text = reporters.get(output.format)(result, options)
        if output.path is None:
            for start in range(0, len(text), WRITE_SLICE):
                sys.stdout.write(text[start:start + WRITE_SLICE])
            sys.stdout.flush()
        else:
            try:
                with output.path.open("w", encoding="utf-8") as out:
                    for start in range(0, len(text), WRITE_SLICE):
                        out.write(text[start:start + WRITE_SLICE])
            except OSError as exc:
                raise OutputError(f"cannot write {output.path}: {exc.strerror or exc}") from exc


def report_errors(result: ScanResult) -> None:
    """Each internal error on stderr, one line each (the reports carry them in full)."""
    for error in result.errors:
        where = f" ({error.path})" if error.path else ""
        print(f"iacguard: error: {error.kind}{where}: {error.message.splitlines()[0]}",
              file=sys.stderr)

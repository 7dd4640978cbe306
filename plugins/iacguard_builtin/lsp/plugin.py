"""Adds `iacguard lsp`. The server's dependencies are the `lsp` extra, imported only when the
command runs, so every other command works without them."""

from __future__ import annotations

import argparse
import sys

from iacguard.plugin import hookimpl, make_plugins

MISSING_EXTRA = ("iacguard lsp needs the language-server dependencies: "
                 "pip install 'iacguard[lsp]'")


def run(args: argparse.Namespace) -> int:
    try:
        from iacguard_builtin.lsp.server import build_server
    except ImportError as exc:
        print(f"iacguard: error: {MISSING_EXTRA} ({exc})", file=sys.stderr)
        return 2
    plugins = make_plugins(blocked=list(args.disable_plugin))
    build_server(plugins).start_io()
    return 0


@hookimpl
def iacguard_add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lsp = subparsers.add_parser(
        "lsp", help="run as a language server over stdio (diagnostics, hover, fixes)",
        description="Language server over stdio: diagnostics while you type for Terraform, "
        "Kubernetes manifests, Helm charts and kustomizations, with hover and quick fixes. "
        "The workspace root is the editor's; its .iacguard.yaml applies.")
    lsp.add_argument("--stdio", action="store_true",
                     help="use stdio (the default and only transport; accepted for editors that pass it)")
    lsp.set_defaults(run=run)

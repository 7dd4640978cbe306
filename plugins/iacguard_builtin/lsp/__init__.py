"""iacguard as a language server (`iacguard lsp`): diagnostics, hover and fixes while typing.

A thin layer over `iacguard.engine.Session`: the editor's buffers become file-system overlays,
so loading, linking, policies and configuration are exactly those of `iacguard scan`.
"""

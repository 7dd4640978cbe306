"""The `iacguard pr` command: diff-aware pull-request review (see plugin.py)."""

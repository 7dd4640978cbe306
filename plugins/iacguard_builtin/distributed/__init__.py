"""`iacguard scan-many`: one scan per repository on a Dask distributed cluster (optional extra
`iacguard[distributed]`; nothing in the core depends on it)."""

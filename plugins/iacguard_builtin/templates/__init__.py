"""Check templates: generic, parameterised checks a `policy.yaml` uses without Python.

The public surface for policy packs and other plugins is `iacguard_builtin.templates.api`.
"""

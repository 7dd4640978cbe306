"""The built-in policy catalogue: data only (`<category>/<name>/policy.yaml` + fixtures).

Registered through the `iacguard` entry-point group like any policy pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable

from iacguard.plugin import hookimpl


@hookimpl
def iacguard_policy_dirs() -> Sequence[Traversable]:
    return [files(__name__)]

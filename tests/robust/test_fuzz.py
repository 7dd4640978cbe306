"""Property-based fuzzing of every loader, with a small example budget (the campaign that
runs for minutes is `benchmarks/fuzz.py`). The invariants are listed in `fuzz_cases`."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from iacguard.plugin import Plugins

from fuzz_cases import TARGETS, Files, violations

# Examples per target: small, so that the whole file stays well under 30 s of CPU; Helm and
# Kustomize cases start a render worker or a kustomize build each, so they get fewer.
BUDGET = {"kubernetes": 10, "terraform": 10, "plan": 8, "kustomize": 3, "helm": 3}
def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_no_input_breaks_an_invariant(plugins: Plugins, target: str) -> None:
    @fuzz_settings(BUDGET[target])
    @given(TARGETS[target]())
    def case(files: Files) -> None:
        assert violations(plugins, files) == []

    case()

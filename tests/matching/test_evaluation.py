"""The synthetic evaluation (bench/evaluate_matching.py), small: zero true or gap claims judged inconsistent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from matching.matcher import Status

_PATH = Path(__file__).resolve().parents[2] / "bench" / "evaluate_matching.py"


@pytest.fixture(scope="module")
def evaluation():  # noqa: ANN201
    spec = importlib.util.spec_from_file_location("evaluate_matching", _PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("interval_min", "seed"), [(30.0, 3), (10.0, 11)])
def test_no_true_or_gap_claim_is_inconsistent(evaluation, interval_min: float, seed: int) -> None:  # noqa: ANN001
    counts, n_points, rows = evaluation.evaluate(interval_min=interval_min, seed=seed)
    assert n_points > 1000 and len(rows) > 50
    for truth in ("true", "gap", "before_first"):
        assert counts[(truth, Status.INCONSISTENT)] == 0, evaluation.format_matrix(counts)
    assert counts[("before_first", Status.NO_DATA)] == sum(counts[("before_first", s)] for s in Status)
    # The matcher is not vacuous: it confirms most true claims and rules out some far-away false ones.
    true_total = sum(counts[("true", s)] for s in Status)
    assert counts[("true", Status.CONSISTENT)] >= 0.7 * true_total
    assert counts[("false_far", Status.INCONSISTENT)] > 0
    assert counts[("false_far", Status.CONSISTENT)] == 0 and counts[("false_near", Status.CONSISTENT)] == 0

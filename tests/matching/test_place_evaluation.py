"""The place-resolution evaluation (bench/evaluate_places.py): its name lists and its scoring."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from matching.gazetteer import Gazetteer

_PATH = Path(__file__).resolve().parents[2] / "bench" / "evaluate_places.py"


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("evaluate_places", _PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def test_name_lists_are_large_enough_and_disjoint() -> None:
    evaluation = _module()
    development = evaluation.load_cases(evaluation.NAMES_DIR / "names_dev.csv")
    hidden = evaluation.load_cases(evaluation.NAMES_DIR / "names_hidden.csv")
    assert len(development) + len(hidden) >= 300
    assert 0.25 <= len(hidden) / (len(development) + len(hidden)) <= 0.35
    assert not {case.text for case in development} & {case.text for case in hidden}
    second = evaluation.load_cases(evaluation.NAMES_DIR / "names_hidden2.csv")  # written before re-tuning
    third = evaluation.load_cases(evaluation.NAMES_DIR / "names_hidden3.csv")  # after one run of the second
    assert len(second) >= 100 and len(third) >= 100
    earlier = {case.text.casefold() for case in development + hidden}
    assert not {case.text.casefold() for case in second} & earlier
    assert not {case.text.casefold() for case in third} & (
        earlier | {case.text.casefold() for case in second}
    )
    fourth = evaluation.load_cases(evaluation.NAMES_DIR / "names_hidden4.csv")  # before the fourth round
    assert len(fourth) >= 250
    assert not {case.text.casefold() for case in fourth} & (
        earlier | {case.text.casefold() for case in second + third}
    )
    families = {case.family for case in development}
    assert {"dutch", "english", "french", "arabic", "persian", "misspelling"} <= families


def test_every_intended_place_exists(gazetteer: Gazetteer) -> None:
    evaluation = _module()
    # ids only: the held-out names are never looked up here
    for name in (
        "names_dev.csv",
        "names_hidden.csv",
        "names_hidden2.csv",
        "names_hidden3.csv",
        "names_hidden4.csv",
    ):
        for case in evaluation.load_cases(evaluation.NAMES_DIR / name):
            assert gazetteer.get(case.intended_id).id == case.intended_id, case


def test_scoring_counts_ranks_and_silent_errors(gazetteer: Gazetteer) -> None:
    evaluation = _module()
    cases = [
        evaluation.Case("Halab", "geonames:170063", "Aleppo", None, "arabic"),  # right
        evaluation.Case(
            "Halab", "geonames:170654", "Damascus (on purpose wrong)", None, "test"
        ),  # far, unflagged
    ]
    outcomes = evaluation.evaluate(gazetteer, cases)
    assert outcomes[0].rank == 1 and not outcomes[0].silent_far_error
    assert outcomes[1].rank is None and outcomes[1].silent_far_error and outcomes[1].wrong_top1_km > 200
    table = evaluation.report(outcomes, "test")
    assert "50.0% (1)" in table and "Damascus (on purpose wrong)" in table


def test_every_tuning_file_exists_and_a_summary_row_counts_what_it_says(gazetteer: Gazetteer) -> None:
    evaluation = _module()
    assert "names_hidden9.csv" not in evaluation.TUNING_FILES  # a held-out set is never a tuning file
    for name in evaluation.TUNING_FILES:
        assert (evaluation.NAMES_DIR / name).is_file(), name
    cases = [
        evaluation.Case("Halab", "geonames:170063", "Aleppo", None, "arabic"),
        evaluation.Case(
            "Halab", "geonames:292223", "Dubai", None, "test"
        ),  # wrong on purpose: far, unflagged
    ]
    row = evaluation.summary_row("two.csv", evaluation.evaluate(gazetteer, cases))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:5] == ["`two.csv` (2)", "50.0% (1)", "50.0% (1)", "0 (0)", "1"]

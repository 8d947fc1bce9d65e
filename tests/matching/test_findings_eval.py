"""A small run of the findings evaluation (bench/findings_eval) in CI: zero true or gap claims judged
against the applicant, and the recall and accuracy floors of issue 16, on four tuning journeys."""

from __future__ import annotations

from bench.findings_eval.run import evaluate, summarise


def test_findings_evaluation_small() -> None:
    outcomes, _seconds = evaluate((1, 2, 3, 4))
    summary = summarise(outcomes)
    assert summary.claims >= 300
    assert summary.false_against == 0, [
        (outcome.account.claim, outcome.finding.explanation_en)
        for outcome in outcomes
        if outcome.false_against
    ]
    assert summary.contradicted >= 40
    assert summary.recall >= 0.9, summary
    assert summary.accuracy >= 0.9, summary
    kinds = {outcome.account.claim.kind for outcome in outcomes}
    assert len(kinds) == 5  # every claim kind is in the account
    assert {"en", "nl"} == {outcome.account.language for outcome in outcomes}

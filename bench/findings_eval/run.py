"""Evaluate the findings on generated journeys and accounts; print the confusion matrix and per-kind rows.

    PYTHONPATH=. /work/main/.venv/bin/python -m bench.findings_eval.run --seeds 1-20
    PYTHONPATH=. /work/main/.venv/bin/python -m bench.findings_eval.run --hidden

Tuning seeds are 1–20. The hidden seeds (``HIDDEN_SEEDS``) are never looked at while tuning the matcher;
they are run once, for the report (bench/README.md says when). Rows are labels from the records alone
(``oracle``), columns the matcher's statuses. The criteria: no true claim and no claim in a data gap
judged "inconsistent" or "only by air" (false against = 0); at least 90 % of false claims the records
contradict found (inconsistent or only by air); at least 90 % of all findings acceptable for their label.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from bench.findings_eval.accounts import AccountClaim, make_account
from bench.findings_eval.journeys import make_journey, make_records
from bench.findings_eval.oracle import ACCEPTABLE, AGAINST, label
from matching.matcher import Finding, Status, match_claims

TUNING_SEEDS = tuple(range(1, 21))
HIDDEN_SEEDS = tuple(range(9_001, 9_026))
LABELS = ("supported", "contradicted", "air_only", "undetermined", "gap", "before_first_record")
STATUSES = tuple(status.value for status in Status)


@dataclass(frozen=True, slots=True)
class Outcome:
    account: AccountClaim
    label: str
    finding: Finding

    @property
    def status(self) -> str:
        return self.finding.status.value

    @property
    def acceptable(self) -> bool:
        return self.status in ACCEPTABLE[self.label]

    @property
    def false_against(self) -> bool:
        """A true claim, or one in a data gap, judged against the applicant."""
        return self.status in AGAINST and (self.account.truth or self.label in ("gap", "before_first_record"))

    @property
    def contradicted_false(self) -> bool:
        return not self.account.truth and self.label in ("contradicted", "air_only")


def evaluate(seeds: tuple[int, ...]) -> tuple[list[Outcome], float]:
    outcomes: list[Outcome] = []
    matching_s = 0.0
    for seed in seeds:
        journey = make_journey(seed)
        records = make_records(journey)
        first = float(records.time_utc_s[0]) if len(records) else journey.end_s
        account = make_account(journey, first)
        started = time.perf_counter()
        findings = match_claims([item.claim for item in account], records)
        matching_s += time.perf_counter() - started
        outcomes += [
            Outcome(item, label(item.claim, records), finding)
            for item, finding in zip(account, findings, strict=True)
        ]
    return outcomes, matching_s


@dataclass(frozen=True, slots=True)
class Summary:
    claims: int
    false_against: int
    contradicted: int
    found: int
    acceptable: int

    @property
    def recall(self) -> float:
        return self.found / self.contradicted if self.contradicted else 1.0

    @property
    def accuracy(self) -> float:
        return self.acceptable / self.claims if self.claims else 1.0


def summarise(outcomes: list[Outcome]) -> Summary:
    contradicted = [outcome for outcome in outcomes if outcome.contradicted_false]
    return Summary(
        claims=len(outcomes),
        false_against=sum(outcome.false_against for outcome in outcomes),
        contradicted=len(contradicted),
        found=sum(outcome.status in AGAINST for outcome in contradicted),
        acceptable=sum(outcome.acceptable for outcome in outcomes),
    )


def report(outcomes: list[Outcome], title: str, seconds: float) -> str:
    lines = [f"### {title}", ""]
    summary = summarise(outcomes)
    journeys = len({outcome.account.claim.id.split("-")[0] for outcome in outcomes})
    lines.append(
        f"{journeys} journeys, {summary.claims} claims; matching took {seconds:.2f} s in all. "
        f"**False against (true or gap claims judged inconsistent / only by air): {summary.false_against}**; "
        f"contradicted false claims found: {summary.found}/{summary.contradicted} = {summary.recall:.1%}; "
        f"acceptable findings: {summary.acceptable}/{summary.claims} = {summary.accuracy:.1%}."
    )
    lines += ["", "Confusion matrix (rows: label from the records and truth; columns: status):", ""]
    header = "| label | truth | " + " | ".join(STATUSES) + " | acceptable |"
    lines += [header, "|" + "---|" * (len(STATUSES) + 3)]
    cells: dict[tuple[str, bool], Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        cells[(outcome.label, outcome.account.truth)][outcome.status] += 1
    for name in LABELS:
        for truth in (True, False):
            counter = cells.get((name, truth))
            if not counter:
                continue
            total = sum(counter.values())
            good = sum(count for status, count in counter.items() if status in ACCEPTABLE[name])
            lines.append(
                f"| {name} | {'true' if truth else 'false'} | "
                + " | ".join(str(counter.get(status, 0)) for status in STATUSES)
                + f" | {good}/{total} |"
            )
    lines += ["", "Per kind and per phrase form:", ""]
    lines += ["| group | claims | false against | contradicted found | acceptable |", "|---|---|---|---|---|"]
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[f"kind {outcome.account.claim.kind.value}"].append(outcome)
        groups[f"form {outcome.account.phrase_form}"].append(outcome)
        groups[f"situation {outcome.account.situation}"].append(outcome)
        groups[f"language {outcome.account.language}"].append(outcome)
        if not outcome.account.claim.place_confirmed:
            groups["place not confirmed (candidates)"].append(outcome)
        if outcome.account.on_route is not None:
            groups[f"false place {'on' if outcome.account.on_route else 'off'} the route"].append(outcome)
    for name in sorted(groups):
        part = summarise(groups[name])
        lines.append(
            f"| {name} | {part.claims} | {part.false_against} | {part.found}/{part.contradicted} | "
            f"{part.accuracy:.1%} |"
        )
    return "\n".join(lines)


def _seeds(text: str) -> tuple[int, ...]:
    if "-" in text:
        first, last = text.split("-")
        return tuple(range(int(first), int(last) + 1))
    return tuple(int(part) for part in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-20", help="tuning seeds, e.g. 1-20 or 3,5,8")
    parser.add_argument("--hidden", action="store_true", help="run the hidden seeds (the held-out report)")
    arguments = parser.parse_args()
    seeds = HIDDEN_SEEDS if arguments.hidden else _seeds(arguments.seeds)
    outcomes, seconds = evaluate(seeds)
    title = "Hidden seeds (held out)" if arguments.hidden else f"Tuning seeds {seeds[0]}–{seeds[-1]}"
    print(report(outcomes, title, seconds))


if __name__ == "__main__":
    main()

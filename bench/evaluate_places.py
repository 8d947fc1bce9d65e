"""Place-resolution evaluation: names as applicants write them -> the place they meant.

Usage (from the repository root)::

    python bench/evaluate_places.py                    # the development names (bench/places/names_dev.csv)
    python bench/evaluate_places.py --hidden           # the first held-out names (now tuning names too)
    python bench/evaluate_places.py --hidden2          # the second held-out names (run once; now tuning)
    python bench/evaluate_places.py --hidden3          # the third held-out names (run once; now tuning)
    python bench/evaluate_places.py --hidden4          # the fourth held-out names (run once; now tuning)
    python bench/evaluate_places.py --hidden5          # the fifth held-out names (run once; now tuning)
    python bench/evaluate_places.py --hidden6          # the sixth held-out names: run once, at the end
    python bench/evaluate_places.py --hidden7          # the seventh held-out names (run once; now tuning)
    python bench/evaluate_places.py --hidden8          # the eighth held-out names (run once; now tuning)
    python bench/evaluate_places.py --hidden9          # the ninth held-out names: run once, at the end
    python bench/evaluate_places.py --all-tuning       # every tuning file in turn, a summary row each
    python bench/evaluate_places.py --names FILE.csv   # any names file of the same columns
    python bench/evaluate_places.py --cache-dir DIR    # where the gazetteer index is (built if missing)

Each row of the CSV: the text as written, the intended place id (``geonames:…``, ``curated:…`` or
``country:…``), a label, the country the applicant named (optional) and the family of the spelling
(dutch, french, arabic, persian, misspelling, …). The names were written by hand, not taken from the
gazetteer. Scores: top-1 and top-3 accuracy, how many results were flagged ambiguous, and the wrong
top-1 answers more than 50 km from the intended place that were *not* flagged ambiguous (the errors
that would silently change a finding). Timing: per lookup, after a warm-up lookup that loads the fuzzy
index into memory.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matching.gazetteer import Gazetteer, default_cache_dir  # noqa: E402
from matching.place_candidates import PlaceResolution, gap_km  # noqa: E402

NAMES_DIR = Path(__file__).resolve().parent / "places"
FAR_KM = 50.0


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    intended_id: str
    label: str
    claimed_country: str | None
    family: str


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    resolution: PlaceResolution
    rank: int | None  # 1-based rank of the intended place, None if not among the candidates
    wrong_top1_km: float | None  # distance of a wrong top-1 from the intended place
    seconds: float

    @property
    def silent_far_error(self) -> bool:
        return (
            self.rank != 1
            and not self.resolution.ambiguous
            and (self.wrong_top1_km is None or self.wrong_top1_km > FAR_KM)
        )


def load_cases(path: Path) -> list[Case]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Case(
                text=row["text"],
                intended_id=row["intended_id"],
                label=row["intended_label"],
                claimed_country=row["claimed_country"] or None,
                family=row["family"],
            )
            for row in csv.DictReader(handle)
        ]


def evaluate(gazetteer: Gazetteer, cases: list[Case]) -> list[Outcome]:
    gazetteer.lookup("warm-up Gaziantepp")  # loads the fuzzy index once
    outcomes = []
    for case in cases:
        started = time.perf_counter()
        resolution = gazetteer.lookup(case.text, country=case.claimed_country)
        seconds = time.perf_counter() - started
        ids = [candidate.place.id for candidate in resolution.candidates]
        rank = ids.index(case.intended_id) + 1 if case.intended_id in ids else None
        wrong_km = None
        if rank != 1 and resolution.best is not None:
            wrong_km = gap_km(resolution.best.place, gazetteer.get(case.intended_id))
        outcomes.append(Outcome(case, resolution, rank, wrong_km, seconds))
    return outcomes


def report(outcomes: list[Outcome], title: str) -> str:
    total = len(outcomes)
    top1 = sum(1 for o in outcomes if o.rank == 1)
    top3 = sum(1 for o in outcomes if o.rank is not None and o.rank <= 3)
    ambiguous = sum(1 for o in outcomes if o.resolution.ambiguous)
    ambiguous_right = sum(1 for o in outcomes if o.resolution.ambiguous and o.rank == 1)
    silent = [o for o in outcomes if o.silent_far_error]
    times_ms = sorted(o.seconds * 1000 for o in outcomes)
    p95 = times_ms[min(len(times_ms) - 1, int(0.95 * len(times_ms)))]
    lines = [
        f"### {title}",
        "",
        "| names | top-1 | top-3 | flagged ambiguous (of which top-1 right) | wrong top-1 > 50 km, not flagged "
        "| lookup median / p95 / max |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {total} | {top1 / total:.1%} ({top1}) | {top3 / total:.1%} ({top3}) | {ambiguous} ({ambiguous_right}) "
        f"| {len(silent)} | {statistics.median(times_ms):.2f} / {p95:.2f} / {times_ms[-1]:.1f} ms |",
        "",
    ]
    families = Counter(o.case.family for o in outcomes)
    right = Counter(o.case.family for o in outcomes if o.rank == 1)
    lines.append("| family | names | top-1 |")
    lines.append("| --- | ---: | ---: |")
    for family, count in sorted(families.items(), key=lambda item: -item[1]):
        lines.append(f"| {family} | {count} | {right[family] / count:.0%} |")
    lines.append("")
    misses = [o for o in outcomes if o.rank != 1]
    if misses:
        lines.append("Not first (text → intended: rank; top-1 given; ambiguous?):")
        for o in misses:
            best = o.resolution.best
            given = f"{best.place.name} ({best.place.country_iso2}, {best.place.id})" if best else "nothing"
            far = f", {o.wrong_top1_km:.0f} km off" if o.wrong_top1_km is not None else ""
            lines.append(
                f"- {o.case.text!r} → {o.case.label}: rank {o.rank or '—'}; {given}{far}; "
                f"{'ambiguous' if o.resolution.ambiguous else 'NOT flagged'}"
            )
    return "\n".join(lines)


#: The held-out names files by option (``--hidden``, ``--hidden2`` …): each was run once, on its round's final code.
HELD_OUT = {
    "hidden": ("names_hidden.csv", "First"),
    **{
        f"hidden{number}": (f"names_hidden{number}.csv", ordinal)
        for number, ordinal in enumerate(
            ("Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth"), start=2
        )
    },
}
#: The names files tuned on so far (a held-out set becomes a tuning set once run and looked at; the ninth is the
#: newest held-out set): ``--all-tuning`` runs them all.
TUNING_FILES = ("names_dev.csv", *(file for flag, (file, _ordinal) in HELD_OUT.items() if flag != "hidden9"))


def summary_row(name: str, outcomes: list[Outcome]) -> str:
    """One table row: names, top-1, top-3, flags (top-1 right among them), silent far errors, lookup times."""
    total = len(outcomes)
    top1 = sum(1 for o in outcomes if o.rank == 1)
    top3 = sum(1 for o in outcomes if o.rank is not None and o.rank <= 3)
    ambiguous = sum(1 for o in outcomes if o.resolution.ambiguous)
    ambiguous_right = sum(1 for o in outcomes if o.resolution.ambiguous and o.rank == 1)
    silent = sum(1 for o in outcomes if o.silent_far_error)
    times_ms = sorted(o.seconds * 1000 for o in outcomes)
    p95 = times_ms[min(len(times_ms) - 1, int(0.95 * len(times_ms)))]
    return (
        f"| `{name}` ({total}) | {top1 / total:.1%} ({top1}) | {top3 / total:.1%} ({top3}) "
        f"| {ambiguous} ({ambiguous_right}) | {silent} "
        f"| {statistics.median(times_ms):.2f} / {p95:.1f} / {times_ms[-1]:.0f} ms |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for flag, (_file, ordinal) in HELD_OUT.items():
        parser.add_argument(
            f"--{flag}", action="store_true", help=f"evaluate the {ordinal.lower()} held-out names (run once)"
        )
    parser.add_argument(
        "--all-tuning",
        action="store_true",
        help="every tuning file in turn, one index opened once: one summary row each",
    )
    parser.add_argument("--names", type=Path, default=None, help="a names CSV of the same columns")
    parser.add_argument("--cache-dir", type=Path, default=None, help="gazetteer index directory")
    parser.add_argument("--show-ambiguous", action="store_true", help="list the results flagged ambiguous")
    args = parser.parse_args(argv)
    if args.all_tuning:
        gazetteer = Gazetteer.open(args.cache_dir or default_cache_dir())
        print(
            "| names | top-1 | top-3 | flagged ambiguous (top-1 right) | wrong top-1 > 50 km, not flagged "
            "| lookup median / p95 / max |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name in TUNING_FILES:
            print(summary_row(name, evaluate(gazetteer, load_cases(NAMES_DIR / name))))
        return 0
    held_out = [flag for flag in HELD_OUT if getattr(args, flag)]
    if args.names is not None:
        path, title = args.names, f"Names ({args.names.name})"
    elif held_out:
        file, ordinal = HELD_OUT[held_out[0]]
        path, title = NAMES_DIR / file, f"{ordinal} held-out names ({file})"
    else:
        path, title = NAMES_DIR / "names_dev.csv", "Development names (names_dev.csv)"
    gazetteer = Gazetteer.open(args.cache_dir or default_cache_dir())
    outcomes = evaluate(gazetteer, load_cases(path))
    print(report(outcomes, title))
    if args.show_ambiguous:
        print("\nFlagged ambiguous:")
        for o in outcomes:
            if o.resolution.ambiguous:
                names = ", ".join(
                    f"{c.place.name} ({c.place.country_iso2}) {c.score:.1f}"
                    for c in o.resolution.candidates
                    if c.place.id in o.resolution.ambiguous_ids
                )
                print(f"- {o.case.text!r} (rank {o.rank}): {names}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

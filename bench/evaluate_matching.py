"""Evaluation of the claim matcher on a synthetic journey with known truth.

Builds a Syria -> Netherlands journey (stays, bus and boat legs with records, a flight without any,
a five-day phone-off gap, night-time gaps, position noise, multipath outliers and a rare far-off
Wi-Fi misfix), then claims of five kinds of truth:

- ``true``: what happened (stays as date ranges, arrival days, "around" days, months);
- ``gap``: true claims that fall in the phone-off gap;
- ``before_first``: true claims before the device's first record;
- ``false_far``: places hundreds of km from where the device was, on days with records;
- ``false_near``: places 50–100 km away (a fast boat could have made it between fixes).

Prints a confusion matrix (truth x status). The requirement: zero ``true``, ``gap`` or
``before_first`` claims judged inconsistent.

    /work/venv/bin/python bench/evaluate_matching.py [--interval-min 5] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from matching.claims import Claim, ClaimKind
from matching.matcher import Status, match_claims
from matching.places import Place, PlaceKind
from matching.points import MatchPoints
from matching.time_phrases import TimeInterval, parse_time_phrase
from matching.zones import zone_at

CITIES: dict[str, tuple[float, float, float]] = {  # lat, lon, extent radius m
    "Damascus": (33.513, 36.292, 15_000),
    "Homs": (34.727, 36.723, 10_000),
    "Aleppo": (36.202, 37.159, 15_000),
    "Gaziantep": (37.066, 37.383, 12_000),
    "Izmir": (38.413, 27.138, 15_000),
    "Mytilene": (39.108, 26.555, 4_000),
    "Athens": (37.984, 23.728, 12_000),
    "Larissa": (39.639, 22.419, 6_000),
    "Thessaloniki": (40.640, 22.944, 10_000),
    "Idomeni": (41.125, 22.512, 2_500),
    "Belgrade": (44.804, 20.465, 12_000),
    "Röszke": (46.188, 20.037, 3_000),
    "Vienna": (48.208, 16.372, 15_000),
    "Ter Apel": (52.872, 7.072, 1_500),
    # places never visited, for false claims
    "Berlin": (52.524, 13.411, 15_000),
    "Rome": (41.894, 12.483, 15_000),
    "Sofia": (42.698, 23.322, 12_000),
    "Chios": (38.400, 26.000, 30_000),
    "Ayvalik": (39.319, 26.693, 4_000),
    "Patras": (38.246, 21.735, 8_000),
    "Skopje": (41.996, 21.431, 10_000),
    "Budapest": (47.498, 19.040, 15_000),
}
FAR_ALTERNATIVES = ["Berlin", "Rome", "Sofia", "Budapest", "Damascus"]
NEAR_ALTERNATIVES = {"Mytilene": "Ayvalik", "Izmir": "Chios", "Athens": "Patras", "Thessaloniki": "Skopje"}

MONTH_EN = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December"]  # fmt: skip
MONTH_NL = ["", "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
            "oktober", "november", "december"]  # fmt: skip


@dataclass(frozen=True)
class Segment:
    """Truth: where the person (and device) was from start to end. ``records`` False = phone off/flight."""

    start: datetime
    end: datetime
    from_city: str
    to_city: str  # same as from_city for a stay
    records: bool


def place(name: str) -> Place:
    lat, lon, radius_m = CITIES[name]
    return Place(
        id=f"synthetic:{name}",
        name=name,
        kind=PlaceKind.CITY,
        country_iso2=None,
        lat=lat,
        lon=lon,
        extent_radius_m=radius_m,
        population=None,
        source="synthetic evaluation",
        matched_name=name,
        timezone=zone_at(lat, lon),
    )


def journey(start: datetime) -> list[Segment]:
    plan = [
        ("stay", "Aleppo", 6),
        ("move", "Gaziantep", 0.15),
        ("stay", "Gaziantep", 4),
        ("move", "Izmir", 0.7),
        ("stay", "Izmir", 8),
        ("move", "Mytilene", 0.35),
        ("stay", "Mytilene", 20),
        ("move", "Athens", 0.5),
        ("stay", "Athens", 10),
        ("off", "Athens", 2),  # phone off: still in Athens
        ("offmove", "Larissa", 0.2),
        ("off", "Larissa", 1),
        ("offmove", "Thessaloniki", 0.1),
        ("off", "Thessaloniki", 2),
        ("stay", "Thessaloniki", 3),
        ("move", "Idomeni", 0.1),
        ("stay", "Idomeni", 2),
        ("move", "Belgrade", 0.6),
        ("stay", "Belgrade", 4),
        ("move", "Röszke", 0.15),
        ("stay", "Röszke", 1),
        ("move", "Vienna", 0.3),
        ("stay", "Vienna", 2),
        ("flight", "Ter Apel", 0.2),
        ("stay", "Ter Apel", 10),
    ]
    segments: list[Segment] = []
    when = start
    current = "Aleppo"
    for action, city, days in plan:
        end = when + timedelta(days=days)
        if action in ("stay", "off"):
            segments.append(Segment(when, end, city, city, action == "stay"))
        else:
            segments.append(Segment(when, end, current, city, action == "move"))
        current = city
        when = end
    return segments


def position_at(segment: Segment, when: datetime) -> tuple[float, float]:
    a = CITIES[segment.from_city]
    b = CITIES[segment.to_city]
    fraction = (when - segment.start) / (segment.end - segment.start)
    return a[0] + (b[0] - a[0]) * fraction, a[1] + (b[1] - a[1]) * fraction


def generate_points(segments: list[Segment], *, interval_min: float, seed: int) -> MatchPoints:
    rng = np.random.default_rng(seed)
    times: list[float] = []
    lats: list[float] = []
    lons: list[float] = []
    accuracies: list[float] = []
    step = timedelta(minutes=interval_min)
    for segment in segments:
        if not segment.records:
            continue
        when = segment.start
        while when < segment.end:
            local_hour = (when.hour + 2) % 24
            if local_hour >= 1 and local_hour < 6 and rng.random() < 0.9:  # phone mostly silent at night
                when += step
                continue
            if rng.random() < 0.15:  # missing fix
                when += step
                continue
            lat, lon = position_at(segment, when)
            if segment.from_city == segment.to_city:  # wandering around town
                lat += rng.normal(0, 0.02)
                lon += rng.normal(0, 0.02)
            accuracy = float(rng.choice([15.0, 30.0, 65.0, 150.0, 800.0, 1500.0]))
            noise_m = rng.normal(0, 1) * min(accuracy, 300.0)
            lat += noise_m / 111_000
            if rng.random() < 0.005:  # multipath outlier, 2-20 km off
                lat += rng.uniform(2, 20) / 111 * rng.choice([-1, 1])
            if rng.random() < 0.0005:  # Wi-Fi misfix: an access point that moved country
                lat += rng.uniform(5, 10) * rng.choice([-1, 1])
            jitter_s = rng.uniform(-30, 30)
            times.append((when + timedelta(seconds=jitter_s)).timestamp())
            lats.append(float(np.clip(lat, -89.9, 89.9)))
            lons.append(lon)
            accuracies.append(accuracy)
            when += step
    return MatchPoints.from_arrays(
        time_utc_s=times,
        lat=lats,
        lon=lons,
        accuracy_m=accuracies,
        record_id=list(range(1, len(times) + 1)),
        clock_uncertainty_s=5.0,
    )


def _local_date(when: datetime, zone: str) -> date:
    return when.astimezone(ZoneInfo(zone)).date()


def _phrase_day(day: date, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return f"{day.day} {MONTH_EN[day.month]} {day.year}"
    return f"{day.day} {MONTH_NL[day.month]} {day.year}"


def _phrase_range(first: date, last: date, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return f"from {first.day} {MONTH_EN[first.month]} {first.year} to {last.day} {MONTH_EN[last.month]} {last.year}"
    return f"van {first.day} {MONTH_NL[first.month]} {first.year} tot {last.day} {MONTH_NL[last.month]} {last.year}"


def _interval(text: str) -> TimeInterval:
    result = parse_time_phrase(text)
    if not isinstance(result, TimeInterval):
        raise AssertionError(f"evaluation phrase not understood: {text!r}: {result.reason_en}")
    return result


def generate_claims(segments: list[Segment], *, seed: int) -> list[tuple[Claim, str]]:
    rng = np.random.default_rng(seed + 1)
    claims: list[tuple[Claim, str]] = []

    def add(kind: ClaimKind, city: str, text: str, truth: str) -> None:
        claims.append((Claim(f"c{len(claims) + 1}", kind, place(city), _interval(text)), truth))

    first = segments[0].start
    add(ClaimKind.STAYED, "Damascus", f"{first.year - 1}", "before_first")
    add(
        ClaimKind.PASSED_THROUGH,
        "Homs",
        f"{MONTH_EN[(first - timedelta(days=20)).month]} {first.year}",
        "before_first",
    )
    add(ClaimKind.DEPARTED, "Damascus", _phrase_day((first - timedelta(days=3)).date(), rng), "before_first")
    for segment in segments:
        if segment.from_city != segment.to_city:
            continue
        zone = place(segment.from_city).timezone or "UTC"
        # Whole local days strictly inside the stay.
        first_day = _local_date(segment.start, zone) + timedelta(days=1)
        last_day = _local_date(segment.end, zone) - timedelta(days=1)
        truth = "true" if segment.records else "gap"
        arrival_day = _local_date(segment.start + timedelta(hours=1), zone)
        add(ClaimKind.ARRIVED, segment.from_city, _phrase_day(arrival_day, rng), truth)
        if last_day >= first_day:
            add(ClaimKind.STAYED, segment.from_city, _phrase_range(first_day, last_day, rng), truth)
            middle = first_day + (last_day - first_day) / 2
            word = "around" if rng.random() < 0.5 else "rond"
            month = MONTH_EN[middle.month] if word == "around" else MONTH_NL[middle.month]
            add(
                ClaimKind.PASSED_THROUGH,
                segment.from_city,
                f"{word} {middle.day} {month} {middle.year}",
                truth,
            )
            add(ClaimKind.PASSED_THROUGH, segment.from_city, f"{MONTH_EN[middle.month]} {middle.year}", truth)
            if segment.records:
                day = first_day
                while day <= last_day:
                    far = FAR_ALTERNATIVES[int(rng.integers(len(FAR_ALTERNATIVES)))]
                    if _distance_km(segment.from_city, far) > 500:
                        add(ClaimKind.STAYED, far, _phrase_day(day, rng), "false_far")
                    if segment.from_city in NEAR_ALTERNATIVES:
                        add(
                            ClaimKind.STAYED,
                            NEAR_ALTERNATIVES[segment.from_city],
                            _phrase_day(day, rng),
                            "false_near",
                        )
                    day += timedelta(days=3)
    # passed through Larissa during the phone-off gap
    for segment in segments:
        if segment.to_city == "Larissa" and segment.from_city != segment.to_city:
            add(
                ClaimKind.PASSED_THROUGH,
                "Larissa",
                _phrase_day(_local_date(segment.end, "Europe/Athens"), rng),
                "gap",
            )
    return claims


def _distance_km(a: str, b: str) -> float:
    lat1, lon1, _ = CITIES[a]
    lat2, lon2, _ = CITIES[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def evaluate(*, interval_min: float = 5.0, seed: int = 7) -> tuple[Counter, int, list]:
    """Run the evaluation; returns (counts of (truth, status), number of points, findings with truth)."""
    segments = journey(datetime(2022, 9, 1, 6, 0, tzinfo=UTC))
    points = generate_points(segments, interval_min=interval_min, seed=seed)
    labelled = generate_claims(segments, seed=seed)
    findings = match_claims([claim for claim, _ in labelled], points)
    counts: Counter = Counter()
    rows = []
    for (claim, truth), finding in zip(labelled, findings, strict=True):
        counts[(truth, finding.status)] += 1
        rows.append((claim, truth, finding))
    return counts, len(points), rows


def format_matrix(counts: Counter) -> str:
    truths = ["true", "gap", "before_first", "false_far", "false_near"]
    statuses = list(Status)
    header = f"| {'truth':<13}| " + " | ".join(f"{s.value:>12}" for s in statuses) + " |"
    lines = [header, "|" + "-" * 14 + "|" + "|".join("-" * 14 for _ in statuses) + "|"]
    for truth in truths:
        lines.append(f"| {truth:<13}| " + " | ".join(f"{counts[(truth, s)]:>12}" for s in statuses) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--interval-min", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    counts, n_points, rows = evaluate(interval_min=args.interval_min, seed=args.seed)
    print(f"synthetic journey: {n_points} points, {len(rows)} claims (seed {args.seed})\n")
    print(format_matrix(counts))
    wrong = [
        row
        for row in rows
        if row[1] in ("true", "gap", "before_first") and row[2].status is Status.INCONSISTENT
    ]
    print(f"\ntrue/gap/before-first claims judged inconsistent: {len(wrong)} (must be 0)")
    for claim, truth, finding in wrong:
        print(
            f"  {claim.id} {truth} {claim.kind} {claim.place.name} {claim.time.text!r}: {finding.explanation_en}"
        )


if __name__ == "__main__":
    main()

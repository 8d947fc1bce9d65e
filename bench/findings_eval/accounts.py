"""Accounts: the claims an applicant makes about a journey, phrased as applicants phrase them.

Each claim is written as text (English or Dutch: exact dates, "from 3 to 17 March", months, seasons,
"around 10 May", early/mid/late, a year) and read by ``matching.time_phrases.parse_time_phrase`` — the
same reading the caseworker's screen uses. Place texts are the names applicants use (alternative and
misspelt ones, ``places.EvalPlace.names``); the claim carries the resolved place.

Per journey: for each stop a true claim and a false one (the place swapped for one 300–1,500 km from
wherever the device truly was during the whole claimed period; on the route — a stop visited at
another time — or off it), a true and a false border crossing per leg that crosses a border, claims
inside data gaps, claims before the first record, and some claims whose place is not confirmed (an
extra plausible candidate). ``truth`` is what really happened; the evaluation's *labels* come from the
records alone (``oracle``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from bench.findings_eval.journeys import DAY, Journey, distance_m
from bench.findings_eval.places import CROSSINGS, OFF_ROUTE, STOPS, EvalPlace
from matching.claims import Claim, ClaimKind
from matching.time_phrases import TimeInterval, parse_time_phrase

MONTHS_EN = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]  # fmt: skip
MONTHS_NL = ["", "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december"]  # fmt: skip
SEASONS = {
    3: ("spring", "voorjaar"),
    6: ("summer", "zomer"),
    9: ("autumn", "herfst"),
    12: ("winter", "winter"),
}
FALSE_MIN_M = 300_000.0
FALSE_MAX_M = 1_500_000.0


@dataclass(frozen=True, slots=True)
class AccountClaim:
    claim: Claim
    truth: bool
    situation: str  # stop | crossing | gap | before_first_record
    phrase_form: str  # exact_range | date | around | month | part | season | year
    on_route: bool | None  # for false claims: the place is another stop of this journey
    language: str


def _local_date(seconds: float, zone: str) -> date:
    return datetime.fromtimestamp(seconds, tz=UTC).astimezone(ZoneInfo(zone)).date()


def _day_text(day: date, language: str, rng: np.random.Generator) -> str:
    if language == "nl":
        return f"{day.day} {MONTHS_NL[day.month]} {day.year}" if rng.random() < 0.7 else f"{day:%d-%m-%Y}"
    return (
        f"{day.day} {MONTHS_EN[day.month]} {day.year}"
        if rng.random() < 0.6
        else f"{MONTHS_EN[day.month]} {day.day}, {day.year}"
    )


def phrase(form: str, first: date, last: date, language: str, rng: np.random.Generator) -> str:
    """A time phrase of the given form about local dates ``first`` (and ``last`` for a range)."""
    nl = language == "nl"
    if form == "date":
        return ("op " if nl else "on ") + _day_text(first, language, rng)
    if form == "around":
        return ("rond " if nl else "around ") + _day_text(first, language, rng)
    if form == "exact_range":
        if first.month == last.month and first.year == last.year:
            month = MONTHS_NL[first.month] if nl else MONTHS_EN[first.month]
            if nl:
                return f"van {first.day} tot {last.day} {month} {first.year}"
            return (
                f"from {first.day} to {last.day} {month} {first.year}"
                if rng.random() < 0.7
                else (f"{first.day}-{last.day} {month} {first.year}")
            )
        return (
            ("van " if nl else "from ")
            + _day_text(first, language, rng)
            + (" tot " if nl else " to ")
            + _day_text(last, language, rng)
        )
    if form == "month":
        month = MONTHS_NL[first.month] if nl else MONTHS_EN[first.month]
        return f"in {month} {first.year}"
    if form == "part":
        part = 0 if first.day <= 10 else (1 if first.day <= 20 else 2)
        words = (("begin", "half", "eind") if nl else ("early", "mid", "late"))[part]
        month = MONTHS_NL[first.month] if nl else MONTHS_EN[first.month]
        return f"{words} {month} {first.year}"
    if form == "season":
        start_month = {12: 12, 1: 12, 2: 12}.get(first.month, 3 * (first.month // 3))
        year = first.year - 1 if first.month in (1, 2) else first.year
        names = SEASONS[start_month]
        return f"{names[1] if nl else names[0]} {year}"
    if form == "year":
        return f"in {first.year}"
    raise ValueError(form)


def _interval(text: str) -> TimeInterval | None:
    result = parse_time_phrase(text)
    return result if isinstance(result, TimeInterval) else None


def _period_s(interval: TimeInterval, zone: str) -> tuple[float, float]:
    start, end = interval.to_utc(zone)
    return start.timestamp(), end.timestamp()


def _all_places() -> list[tuple[EvalPlace, bool]]:
    return [(place, False) for place in OFF_ROUTE] + [(place, True) for place in STOPS.values()]


def _false_place(
    journey: Journey,
    start_s: float,
    end_s: float,
    visited: set[str],
    rng: np.random.Generator,
    pool: list[EvalPlace],
) -> tuple[EvalPlace, bool] | None:
    """A place 300–1,500 km from every true position of the device during [start_s, end_s)."""
    times = np.arange(start_s, end_s + 1, 1_800.0)
    lat, lon = journey.position_at(times)
    options = []
    for place in pool:
        distance = distance_m(place.lat, place.lon, lat, lon)
        if distance.min() - place.radius_m >= FALSE_MIN_M and distance.max() <= FALSE_MAX_M:
            options.append((place, place.key in visited))
    if not options:
        return None
    on_route = [option for option in options if option[1]]
    off_route = [option for option in options if not option[1]]
    group = on_route if on_route and (not off_route or rng.random() < 0.5) else off_route
    return group[int(rng.integers(len(group)))]


def make_account(journey: Journey, records_first_s: float) -> list[AccountClaim]:
    rng = np.random.default_rng(journey.seed + 20_000)
    visited = {stay.place.key for stay in journey.stays}
    pool = list(OFF_ROUTE) + list(STOPS.values())
    claims: list[AccountClaim] = []

    def add(
        kind: ClaimKind,
        place: EvalPlace,
        form: str,
        first: date,
        last: date,
        truth: bool,
        situation: str,
        on_route: bool | None = None,
        countries: tuple[str, str] | None = None,
    ) -> Claim | None:
        language = "nl" if rng.random() < 0.5 else "en"
        text = phrase(form, first, last, language, rng)
        interval = _interval(text)
        if interval is None:
            return None
        candidates: tuple = ()
        confirmed = True
        if rng.random() < 0.1:
            other = pool[int(rng.integers(len(pool)))]
            if other.key != place.key:
                candidates, confirmed = (other.place(),), False
        claim = Claim(
            id=f"j{journey.seed}-{len(claims)}",
            kind=kind,
            place=place.place(),
            time=interval,
            from_country=countries[0] if countries else None,
            to_country=countries[1] if countries else None,
            place_text=place.names[int(rng.integers(len(place.names)))],
            candidates=candidates,
            place_confirmed=confirmed,
        )
        claims.append(AccountClaim(claim, truth, situation, form, on_route, language))
        return claim

    def add_false(kind: ClaimKind, form: str, first: date, last: date, situation: str, zone: str) -> None:
        language_probe = _interval(phrase(form, first, last, "en", rng))
        if language_probe is None:
            return
        start_s, end_s = _period_s(language_probe, zone)
        chosen = _false_place(journey, start_s, end_s, visited, rng, pool)
        if chosen is None:
            return
        place, on_route = chosen
        add(kind, place, form, first, last, False, situation, on_route)

    for stay in journey.stays:
        place = stay.place
        zone = place.zone
        start_day = _local_date(stay.start_s, zone)
        end_day = _local_date(stay.end_s, zone)
        some_day = _local_date(float(rng.uniform(stay.start_s, stay.end_s)), zone)
        length_days = (end_day - start_day).days
        forms = ["date", "around", "month", "part", "season", "year"]
        kinds = [ClaimKind.STAYED, ClaimKind.PASSED_THROUGH]
        if length_days >= 3:
            forms += ["exact_range", "exact_range"]
        for _ in range(2):
            form = forms[int(rng.integers(len(forms)))]
            first = last = some_day
            kind = kinds[int(rng.integers(len(kinds)))]
            if form == "exact_range":
                kind = ClaimKind.STAYED
                inner_first = start_day + timedelta(days=1)
                inner_last = end_day - timedelta(days=1)
                span = (inner_last - inner_first).days
                first = inner_first + timedelta(days=int(rng.integers(0, max(span // 3, 0) + 1)))
                last = inner_last - timedelta(days=int(rng.integers(0, max(span // 3, 0) + 1)))
                if last <= first:
                    last = first + timedelta(days=1)
                    if last > inner_last:
                        continue
            if form == "around":
                first = last = some_day + timedelta(days=int(rng.integers(-2, 3)))
            if form in ("season", "year") and rng.random() < 0.5:
                continue  # the coarsest periods are rarer in accounts
            add(kind, place, form, first, last, True, "stop")
            add_false(kind, form, first, last, "stop", zone)
        add(ClaimKind.ARRIVED, place, "date", start_day, start_day, True, "stop")
        add(ClaimKind.DEPARTED, place, "date", end_day, end_day, True, "stop")
        false_kind = ClaimKind.ARRIVED if rng.random() < 0.5 else ClaimKind.DEPARTED
        chosen_day = start_day if false_kind is ClaimKind.ARRIVED else end_day
        add_false(false_kind, "date", chosen_day, chosen_day, "stop", zone)

    for leg in journey.legs:
        if leg.crossing is None or leg.crossing_s is None:
            continue
        countries = (leg.origin.country, leg.destination.country)
        day = _local_date(leg.crossing_s, leg.crossing.zone)
        add(ClaimKind.CROSSED_BORDER, leg.crossing, "date", day, day, True, "crossing", countries=countries)
        probe = _interval(phrase("date", day, day, "en", rng))
        if probe is None:
            continue
        start_s, end_s = _period_s(probe, leg.crossing.zone)
        others = [(pair, crossing) for pair, crossing in CROSSINGS.items() if pair != countries]
        times = np.arange(start_s, end_s + 1, 1_800.0)
        lat, lon = journey.position_at(times)
        fitting = [
            (pair, crossing)
            for pair, crossing in others
            if FALSE_MIN_M <= distance_m(crossing.lat, crossing.lon, lat, lon).min()
            and distance_m(crossing.lat, crossing.lon, lat, lon).max() <= FALSE_MAX_M
        ]
        if fitting:
            pair, crossing = fitting[int(rng.integers(len(fitting)))]
            add(ClaimKind.CROSSED_BORDER, crossing, "date", day, day, False, "crossing", None, countries=pair)

    for gap_start, gap_end in journey.gaps:
        if gap_end - gap_start < 2.5 * DAY or gap_end < records_first_s:
            continue
        middle = float(rng.uniform(gap_start + DAY, gap_end - 1.5 * DAY))
        lat, lon = journey.position_at(np.array([middle]))
        nearest = min(STOPS.values(), key=lambda place: float(distance_m(place.lat, place.lon, lat, lon)[0]))
        if float(distance_m(nearest.lat, nearest.lon, lat, lon)[0]) > nearest.radius_m:
            continue  # travelling that day: no true stop to claim
        day = _local_date(middle, nearest.zone)
        add(ClaimKind.PASSED_THROUGH, nearest, "date", day, day, True, "gap")
        add_false(ClaimKind.STAYED, "date", day, day, "gap", nearest.zone)

    if records_first_s - journey.start_s > 2 * DAY:
        middle = float(rng.uniform(journey.start_s, records_first_s - 1.5 * DAY))
        lat, lon = journey.position_at(np.array([middle]))
        nearest = min(STOPS.values(), key=lambda place: float(distance_m(place.lat, place.lon, lat, lon)[0]))
        if float(distance_m(nearest.lat, nearest.lon, lat, lon)[0]) <= nearest.radius_m:
            day = _local_date(middle, nearest.zone)
            add(ClaimKind.STAYED, nearest, "date", day, day, True, "before_first_record")
            add_false(ClaimKind.PASSED_THROUGH, "date", day, day, "before_first_record", nearest.zone)
    return [claim for claim in claims if not math.isnan(claim.claim.place.lat)]

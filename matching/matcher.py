"""Claims against the device's records: one finding per claim, with evidence both ways.

Statuses (LEGAL 12–20; see matching/README.md for the user-facing text, en + nl):

- ``consistent``: records place the device at the place (within twice their accuracy plus the
  place's extent) within the claimed interval (widened by each record's clock uncertainty). A
  *strict* stay (both ends stated, ``Claim.strict``) further needs records at the place leaving no
  stretch of the period longer than ``stay_max_unobserved_s`` without one; excursions in between do
  not count against it. A border crossing needs a record within ``border_reach_m`` of the border
  between the two countries (or at the named crossing) and the countries in the order from → to.
- ``inconsistent``: only when the records make the claim impossible by any means: not by surface
  travel at ``max_surface_speed_mps`` and not by a flight between the airports nearest to each end
  (``matching.travel.FlightModel``), after widening positions, clocks and the time phrase; or, for a
  strict stay, the *away rule*: records more than ``strict_far_m`` away on at least
  ``strict_min_far_days`` separate days, spread over the period (no stretch without one longer than
  ``strict_max_uncovered_share`` of it), and no record within ``strict_near_m`` of the place during
  the period. A single record that is an impossible jump is disregarded; records that contradict each
  other make the result ``inconclusive``.
- ``only_by_air``: impossible by surface travel, possible by a flight. Never shown as consistent,
  never hidden in inconclusive.
- ``no_data``: before the device's first own record, or no record near in time. Never against the
  applicant.
- ``inconclusive``: everything else.
- ``not_judged``: the claim could not be judged at all (place not found, relative time phrase, an
  invalid claim): ``not_judged_finding`` builds it so that a finding set holds every claim.

A vague stay (a month, season, "around ...", a year) is judged as presence at some moment; its finding
reports the share of the period's days with a record at the place. Every finding carries the near miss
(``matching.near_miss``) and, where travel was needed, the minimum average speed and the mode it
implies. While the place is not confirmed, every plausible candidate is judged and the finding most
favourable to the applicant is kept, naming the candidates (LEGAL 20).

Never a score or an aggregate: each claim stands alone. The records locate the device, not the person.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from matching.claim_rows import (
    EARTH_RADIUS_M,
    ClaimRows,
    Prepared,
    RowSource,
    SharedRowSource,
    _radius_edge_distance_m,
    prepare,
)
from matching.claims import Claim, ClaimKind
from matching.errors import MatchingError
from matching.near_miss import NEAREST_SLACK_M, NearMiss, NearMissSearch
from matching.places import PlaceKind
from matching.points import MatchPoints
from matching.travel import FlightModel, TravelMode, airport, mode_for_speed, mode_words, nearest_airports

HALF_EARTH_CIRCUMFERENCE_M = math.pi * EARTH_RADIUS_M


class Status(enum.StrEnum):
    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"
    ONLY_BY_AIR = "only_by_air"
    NO_DATA = "no_data"
    INCONCLUSIVE = "inconclusive"
    NOT_JUDGED = "not_judged"


# Most favourable to the applicant first: used to choose among place candidates (LEGAL 20).
_FAVOURABLE = {
    Status.CONSISTENT: 0,
    Status.INCONCLUSIVE: 1,
    Status.NO_DATA: 2,
    Status.NOT_JUDGED: 3,
    Status.ONLY_BY_AIR: 4,
    Status.INCONSISTENT: 5,
}


@dataclass(frozen=True, slots=True)
class MatchParameters:
    """Every tolerance the matcher uses (all generous on purpose; units in the names)."""

    at_place_accuracy_factor: float = 2.0
    impossibility_accuracy_factor: float = 5.0
    impossibility_margin_m: float = 5_000.0
    accuracy_floor_m: float = 50.0
    unknown_accuracy_m: float = 5_000.0
    max_surface_speed_mps: float = 90.0  # 324 km/h: faster than any road, boat or most trains
    # The screening bound (a flight at 900 km/h straight from the record, 30 min overhead, no airport):
    # a lower bound of every travel time below, used to skip records and as the first impossibility test.
    max_air_speed_mps: float = 250.0
    flight_overhead_s: float = 1_800.0
    flight: FlightModel = FlightModel()
    stay_absence_tolerance_s: float = 86_400.0
    stay_max_unobserved_s: float = 172_800.0
    strict_far_m: float = 100_000.0  # the away rule of a strict stay (lower-bound distance)
    strict_near_m: float = 50_000.0
    strict_min_far_days: int = 2
    strict_max_uncovered_share: float = 0.5
    border_reach_m: float = 25_000.0  # within this of the border between the two countries = at the border
    border_order_slack_s: float = 3 * 86_400.0  # records this far around a crossing show the order
    country_border_tolerance_m: float = 5_000.0  # Natural Earth 1:10m borders are 1–5 km off
    country_time_slack_s: float = 3 * 3_600.0  # a country may span several time zones
    max_evidence: int = 10

    def travel_time_s(self, distance_m: np.ndarray) -> np.ndarray:
        """Screening lower bound in seconds to cover ``distance_m`` (>= 0; 0 m takes 0 s)."""
        distance = np.asarray(distance_m, dtype=np.float64)
        surface = distance * (1.0 / self.max_surface_speed_mps)
        flight = distance * (1.0 / self.max_air_speed_mps)
        flight += self.flight_overhead_s
        return np.minimum(surface, flight, out=surface)

    @property
    def near_window_s(self) -> float:
        """Longest trip on Earth under the speed model: records further away in time can never decide."""
        return float(self.travel_time_s(np.array([HALF_EARTH_CIRCUMFERENCE_M]))[0])


@dataclass(frozen=True, slots=True)
class Evidence:
    """One record cited for or against a claim.

    ``distance_m``: from the record to the edge of the place (0 = inside). ``time_difference_s``:
    record time minus the claimed interval (negative before it, 0 within, positive after).
    ``travel_time_needed_s`` is the screening lower bound of the travel time between record and place
    after widening every uncertainty.
    """

    record_id: int
    time_utc: datetime
    distance_m: float
    time_difference_s: float
    accuracy_m: float
    travel_time_needed_s: float


@dataclass(frozen=True, slots=True)
class UncertaintyUsed:
    """The named uncertainty components that went into a finding."""

    position_accuracy_m: float  # largest accuracy among the cited records (after floor/unknown default)
    at_place_accuracy_factor: float
    impossibility_accuracy_factor: float
    impossibility_margin_m: float
    place_extent_m: float | None  # radius; None for a country (its polygon, ± country_border_tolerance_m)
    country_border_tolerance_m: float | None
    time_phrase_width_s: float
    time_zone: str
    clock_uncertainty_s: float  # largest clock uncertainty among the records considered
    max_surface_speed_mps: float
    max_air_speed_mps: float
    flight_overhead_s: float
    flight_cruise_speed_mps: float = 250.0
    airport_departure_s: float = 3_600.0
    airport_arrival_s: float = 1_800.0


@dataclass(frozen=True, slots=True)
class TravelNeeded:
    """What travel a claim needed: the minimum average speed, the mode it implies, and the flight.

    ``minimum_speed_mps``: the lowest average speed (widened distances) at which the device could have
    been at the place as claimed, given the records around it (None: infinite — no time at all).
    ``departure_airport``/``arrival_airport``: IATA codes of the airports nearest to the records and to
    the place, when a flight was considered.
    """

    minimum_speed_mps: float | None
    mode: TravelMode
    departure_airport: str | None = None
    arrival_airport: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """The result for one claim. Data only; the UI and the PDF render it.

    ``strict``: judged as presence for the whole period (a stay with both ends stated).
    ``observed_share``: share of the period's days with a record at the place (``days_at_place`` of
    ``days_in_period``; ``days_with_records`` had any record). ``place_used``: the place (name) the
    finding is about; ``candidates_considered``: every plausible place judged while the place was not
    confirmed (``place_confirmed``). ``country_order_seen``: for a border crossing, whether records show
    the from-country before the to-country.
    """

    claim_id: str
    status: Status
    evidence_for: tuple[Evidence, ...]
    evidence_against: tuple[Evidence, ...]
    records_for_count: int
    records_against_count: int
    interval_start_utc: datetime | None
    interval_end_utc: datetime | None
    uncertainty: UncertaintyUsed | None
    explanation_en: str
    explanation_nl: str
    disregarded_record_ids: tuple[int, ...] = ()
    route_version: str | None = None
    strict: bool = False
    near_miss: NearMiss | None = None
    near_miss_en: str = ""
    near_miss_nl: str = ""
    travel: TravelNeeded | None = None
    observed_share: float | None = None
    days_at_place: int | None = None
    days_with_records: int | None = None
    days_in_period: int | None = None
    place_used: str = ""
    candidates_considered: tuple[str, ...] = ()
    place_confirmed: bool = True
    country_order_seen: bool | None = None
    not_judged_reason_en: str = ""
    not_judged_reason_nl: str = ""


_DEVICE_NOT_PERSON_EN = "The records locate the device, not the person."
_DEVICE_NOT_PERSON_NL = "De gegevens tonen waar het toestel was, niet waar de persoon was."


def not_judged_finding(
    claim_id: str, reason_en: str, reason_nl: str, *, route_version: str | None = None, place_text: str = ""
) -> Finding:
    """The finding for a claim that could not be judged (place not found, relative time phrase, invalid
    claim): listed with its reason, never silently left out (LEGAL 20)."""
    return Finding(
        claim_id=claim_id,
        status=Status.NOT_JUDGED,
        evidence_for=(),
        evidence_against=(),
        records_for_count=0,
        records_against_count=0,
        interval_start_utc=None,
        interval_end_utc=None,
        uncertainty=None,
        explanation_en=f"Not judged: {reason_en} This says nothing for or against the applicant.",
        explanation_nl=f"Niet beoordeeld: {reason_nl} Dit zegt niets voor of tegen de aanvrager.",
        route_version=route_version,
        place_used=place_text,
        not_judged_reason_en=reason_en,
        not_judged_reason_nl=reason_nl,
    )


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)


def _duration_en(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 5_400:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86_400:.1f} days"


def _duration_nl(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 5_400:
        return f"{seconds / 60:.0f} minuten"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} uur".replace(".", ",")
    return f"{seconds / 86_400:.1f} dagen".replace(".", ",")


def _gap_en(seconds: float) -> str:
    days = seconds / 86_400
    if days >= 0.95:
        count = max(round(days), 1)
        return f"{count} day{'s' if count != 1 else ''}"
    return _duration_en(seconds)


def _gap_nl(seconds: float) -> str:
    days = seconds / 86_400
    if days >= 0.95:
        count = max(round(days), 1)
        return f"{count} dag{'en' if count != 1 else ''}"
    return _duration_nl(seconds)


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres < 100_000 else f"{metres / 1000:.0f} km"


def _km_nl(metres: float) -> str:
    return _km(metres).replace(".", ",")


_MONTH_NL = ["", "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december"]  # fmt: skip


def _date_en(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def _date_nl(value: datetime) -> str:
    return f"{value.day} {_MONTH_NL[value.month]} {value.year}"


@functools.lru_cache(maxsize=512)
def _zone(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def near_miss_text(
    near: NearMiss, place_name: str, zone: str, start_s: float, end_s: float
) -> tuple[str, str]:
    """The near-miss line in English and Dutch; gaps in calendar days at the place (local dates) when the
    record fell on another day than the period's first or last day, else in hours."""
    tz = _zone(zone)
    first_day = _utc(start_s).astimezone(tz).date()
    last_day = _utc(max(end_s - 1.0, start_s)).astimezone(tz).date()
    en: list[str] = []
    nl: list[str] = []
    if near.last_at_place_before_utc is not None and near.gap_before_period_s is not None:
        local = near.last_at_place_before_utc.astimezone(tz)
        days = (first_day - local.date()).days
        gap_en = _gap_en(days * 86_400.0) if days >= 1 else _duration_en(near.gap_before_period_s)
        gap_nl = _gap_nl(days * 86_400.0) if days >= 1 else _duration_nl(near.gap_before_period_s)
        en.append(
            f"the device was at {place_name} until {_date_en(local)}, {gap_en} before the stated period"
        )
        nl.append(f"het toestel was in {place_name} tot {_date_nl(local)}, {gap_nl} vóór de genoemde periode")
    if near.first_at_place_after_utc is not None and near.gap_after_period_s is not None:
        local = near.first_at_place_after_utc.astimezone(tz)
        days = (local.date() - last_day).days
        gap_en = _gap_en(days * 86_400.0) if days >= 1 else _duration_en(near.gap_after_period_s)
        gap_nl = _gap_nl(days * 86_400.0) if days >= 1 else _duration_nl(near.gap_after_period_s)
        en.append(f"it was at {place_name} again from {_date_en(local)}, {gap_en} after it")
        nl.append(f"het was weer in {place_name} vanaf {_date_nl(local)}, {gap_nl} erna")
    if not en:
        en.append(f"the device has no record at {place_name} outside the stated period")
        nl.append(f"het toestel heeft buiten de genoemde periode geen gegeven in {place_name}")
    if near.nearest_in_period_m is not None:
        if near.nearest_in_period_m <= 0:
            en.append(f"during the period it came within the extent of {place_name}")
            nl.append(f"tijdens de periode kwam het binnen de omvang van {place_name}")
        else:
            en.append(f"during the period it came no nearer than {_km(near.nearest_in_period_m)}")
            nl.append(f"tijdens de periode kwam het niet dichterbij dan {_km_nl(near.nearest_in_period_m)}")
    else:
        en.append("it has no records during the period")
        nl.append("het heeft geen gegevens tijdens de periode")
    return (
        "Near miss: " + "; ".join(en) + ".",
        "Bijna-treffer: " + "; ".join(nl) + ".",
    )


@dataclass(frozen=True, slots=True)
class _ClaimWindow:
    start_s: float
    end_s: float
    zone: str
    width_s: float


def _claim_window(claim: Claim, params: MatchParameters) -> _ClaimWindow:
    start, end = claim.interval_utc()
    start_s, end_s = start.timestamp(), end.timestamp()
    if claim.place.kind is PlaceKind.COUNTRY:
        start_s -= params.country_time_slack_s
        end_s += params.country_time_slack_s
    return _ClaimWindow(start_s, end_s, claim.zone, end_s - start_s)


def match_claims(
    claims: Sequence[Claim],
    points: MatchPoints,
    *,
    params: MatchParameters | None = None,
    route_version: str | None = None,
) -> list[Finding]:
    """One finding per claim, in the order given (see module docstring for the statuses).

    ``points`` are the device's records (clock-corrected UTC). A claim whose place is not confirmed is
    judged for each plausible candidate and the finding most favourable to the applicant is kept.
    Raises MatchingError for a claim that cannot be evaluated at all (e.g. a country place while
    country geometry is unavailable).
    """
    params = params or MatchParameters()
    check_parameters(params)
    prepared = prepare(points, params)
    return _match_with_candidates(claims, prepared, params, route_version, None)


def _variants(claim: Claim) -> list[Claim]:
    """The claim once per plausible place (the place itself first)."""
    if claim.place_confirmed or not claim.candidates:
        return [claim]
    seen = {claim.place.id}
    variants = [dataclasses.replace(claim, candidates=(), place_confirmed=True)]
    for candidate in claim.candidates:
        if candidate.id in seen:
            continue
        seen.add(candidate.id)
        variants.append(dataclasses.replace(claim, place=candidate, candidates=(), place_confirmed=True))
    return variants


def _match_with_candidates(
    claims: Sequence[Claim],
    data: Prepared,
    params: MatchParameters,
    route_version: str | None,
    row_source: RowSource | None,
) -> list[Finding]:
    expanded: list[Claim] = []
    owner: list[int] = []
    for index, claim in enumerate(claims):
        for variant in _variants(claim):
            expanded.append(variant)
            owner.append(index)
    if len(expanded) == len(claims):
        return _match_prepared(claims, data, params, route_version, row_source)
    findings = _match_prepared(expanded, data, params, route_version, None)
    grouped: list[list[Finding]] = [[] for _ in claims]
    for index, finding in zip(owner, findings, strict=True):
        grouped[index].append(finding)
    return [_combine(claims[index], group) for index, group in enumerate(grouped)]


def _combine(claim: Claim, findings: list[Finding]) -> Finding:
    """The finding most favourable to the applicant among the candidates (inconsistent only if every
    candidate is), naming every candidate considered."""
    if len(findings) == 1 and claim.place_confirmed:
        return findings[0]
    names = tuple(finding.place_used for finding in findings)
    best = min(findings, key=lambda finding: _FAVOURABLE[finding.status])
    en = (
        f"The place is not confirmed; {len(names)} plausible place(s) were judged ({', '.join(names)}) and the "
        f"result most favourable to the applicant is given, for {best.place_used}. "
    )
    nl = (
        f"De plaats is niet bevestigd; {len(names)} mogelijke plaats(en) zijn beoordeeld ({', '.join(names)}) "
        f"en de uitkomst die het gunstigst is voor de aanvrager wordt gegeven, voor {best.place_used}. "
    )
    return dataclasses.replace(
        best,
        explanation_en=en + best.explanation_en,
        explanation_nl=nl + best.explanation_nl,
        candidates_considered=names,
        place_confirmed=False,
    )


def _match_prepared(
    claims: Sequence[Claim],
    data: Prepared,
    params: MatchParameters,
    route_version: str | None,
    row_source: RowSource | None,
) -> list[Finding]:
    """Findings for claims against prepared points; ``row_source`` None shares work between claims at
    one place (``SharedRowSource``), a test may pass a straightforward one to compare with."""
    near_s = params.near_window_s
    windows = [_claim_window(claim, params) for claim in claims]
    intervals = np.array([(window.start_s, window.end_s) for window in windows], dtype=np.float64).reshape(
        -1, 2
    )
    cores = _core_slices(intervals, data, near_s)
    if row_source is None:
        shared = SharedRowSource(data, params)
        order = shared.plan(claims, cores, intervals)
        row_source = shared
    else:
        order = list(range(len(claims)))
    search = NearMissSearch(data)
    findings: list[Finding | None] = [None] * len(claims)
    for index in order:
        findings[index] = _match_one(
            index,
            claims[index],
            windows[index],
            cores[index],
            data,
            params,
            route_version,
            row_source,
            near_s,
            search,
        )
    return findings  # type: ignore[return-value]


def _core_slices(intervals: np.ndarray, data: Prepared, near_s: float) -> list[tuple[int, int] | None]:
    """Per claim (rows of ``intervals``: t0, t1): records [lo, hi) that can bear on the claimed interval
    plus one on each side; None when there is no data for the claim (no records, the claim ends before
    the first record, nothing near in time)."""
    n = len(data.t)
    if n == 0:
        return [None] * len(intervals)
    t0, t1 = intervals[:, 0], intervals[:, 1]
    near_lo = np.searchsorted(data.t, t0 - near_s - data.max_clock_s, "left")
    near_hi = np.searchsorted(data.t, t1 + near_s + data.max_clock_s, "right")
    lo = np.maximum(np.searchsorted(data.t, t0 - data.max_clock_s, "left") - 1, 0)
    hi = np.minimum(np.searchsorted(data.t, t1 + data.max_clock_s, "right") + 1, n)
    no_data = (t1 < data.t[0] - data.clock_s[0]) | (near_lo >= near_hi)
    return [
        None if empty else (start, end)
        for empty, start, end in zip(no_data.tolist(), lo.tolist(), hi.tolist(), strict=True)
    ]


def _rows_between(times: np.ndarray, t0: float, t1: float) -> int:
    first, end = np.searchsorted(times, [t0, t1], "left")
    return int(end - first)


def _unique_cells(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions rounded to 0.01° (≤ 0.8 km from the original), unique, with the inverse index."""
    key = np.round(lat * 100).astype(np.int64) * 100_000 + np.round(lon * 100).astype(np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return np.round(lat[first], 2), np.round(lon[first], 2), inverse.reshape(-1)


_CELL_SLACK_M = 800.0


def _distance_to_country_cells(iso2: str, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Lower bound of the distance to a country (m), computed once per 0.01° cell."""
    from matching.geography import distance_to_country_m

    if len(lat) == 0:
        return np.zeros(0)
    cell_lat, cell_lon, inverse = _unique_cells(lat, lon)
    distance = np.maximum(distance_to_country_m(iso2, cell_lat, cell_lon) - _CELL_SLACK_M, 0.0)
    return distance[inverse]


def border_rows(claim: Claim, data: Prepared, lo: int, hi: int, params: MatchParameters) -> ClaimRows:
    """Rows for a border crossing: the distance is to the land border between the two countries
    (``matching.geography.distance_to_border_m``, a lower bound; without a land border, the larger of the
    distances to either country less the border tolerance), less ``border_reach_m``, or to the named
    crossing place if nearer."""
    rows = slice(lo, hi)
    lat, lon = data.lat[rows], data.lon[rows]
    from_distance = _distance_to_country_cells(claim.from_country or "", lat, lon)
    to_distance = _distance_to_country_cells(claim.to_country or "", lat, lon)
    border = np.maximum(
        np.maximum(from_distance, to_distance) - params.country_border_tolerance_m - params.border_reach_m,
        0.0,
    )
    if claim.place.kind is not PlaceKind.COUNTRY:
        named = _radius_edge_distance_m(claim.place, data.unit_x[rows], data.unit_y[rows], data.unit_z[rows])
        border = np.minimum(border, named)
    lower_bound = np.maximum(border - data.impossibility_widening_m[rows], 0.0)
    return ClaimRows(
        rows=np.arange(lo, hi),
        t=data.t[rows],
        clock_s=data.clock_s[rows],
        accuracy_m=data.accuracy_m[rows],
        distance_m=border,
        at_place=border <= data.at_tolerance_m[rows],
        travel_s=params.travel_time_s(lower_bound),
    )


_MAX_ORDER_ROWS = 20_000


def _country_order(
    claim: Claim, data: Prepared, t0: float, t1: float, params: MatchParameters
) -> bool | None:
    """Whether records around a crossing show the from-country before the to-country (None: the records
    do not show both countries). Countries of records by the Natural Earth polygons."""
    first = int(np.searchsorted(data.t, t0 - params.border_order_slack_s, "left"))
    end = int(np.searchsorted(data.t, t1 + params.border_order_slack_s, "right"))
    if end <= first:
        return None
    step = max((end - first) // _MAX_ORDER_ROWS, 1)
    rows = slice(first, end, step)
    from routing.geography import countries_of

    countries = countries_of(data.lat[rows], data.lon[rows])
    t = data.t[rows]
    only_from = countries == (claim.from_country or "").upper()
    only_to = countries == (claim.to_country or "").upper()
    if not only_from.any() or not only_to.any():
        return None
    return bool(t[only_from].min() < t[only_to].max())


def _minimum_speed(
    t: np.ndarray,
    lower_bound: np.ndarray,
    clock: np.ndarray,
    t0: float,
    t1: float,
    lo: int,
    hi: int,
    n: int,
    strict: bool,
    far_pair: np.ndarray | None,
) -> float:
    """Lowest average speed (m/s, widened distances and clocks) at which the device could have been at
    the place as claimed: at some moment of [t0, t1] between two consecutive records, or — for a strict
    stay — back at the place between every two consecutive records of the period (inf: no time)."""
    if len(t) == 0:
        return 0.0
    before_t = t - clock  # a record may have been earlier ...
    after_t = t + clock  # ... or later than its time, by its clock uncertainty
    if strict:
        inside = (t >= t0) & (t < t1)
        away = inside & (lower_bound > 0)
        if not away.any():
            return 0.0
        index = np.flatnonzero(inside)
        if len(index) < 2:
            return 0.0
        pair_distance = lower_bound[index[:-1]] + lower_bound[index[1:]]
        elapsed = after_t[index[1:]] - before_t[index[:-1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = np.where(pair_distance > 0, pair_distance / np.maximum(elapsed, 0.0), 0.0)
        speed[np.isnan(speed)] = 0.0
        return float(speed.max())
    # only the pairs whose span can touch [t0, t1]
    first = max(int(np.searchsorted(after_t, t0, "left")) - 1, 0)
    end = max(int(np.searchsorted(before_t, t1, "right")), first + 1)
    pairs = slice(first, min(end, len(t) - 1))
    tb, db = before_t[:-1][pairs], lower_bound[:-1][pairs]
    ta, da = after_t[1:][pairs], lower_bound[1:][pairs]
    low = np.maximum(tb, t0)
    high = np.minimum(ta, t1)
    # A pair needs at least (db + da) / (ta - tb): compute the exact speed only for the pairs whose bound
    # can beat the best exact speed found so far.
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = (db + da) / (ta - tb)
    bound[(db + da) == 0] = 0.0
    bound[(low > high) | np.isnan(bound)] = np.inf
    if far_pair is not None:
        bound[far_pair[pairs]] = np.inf
    best = math.inf
    if len(bound):
        count = min(16, len(bound))
        first_candidates = np.argpartition(bound, count - 1)[:count]
        best = _pair_speeds(tb, db, ta, da, low, high, first_candidates)
        rest = np.flatnonzero(bound < best)
        if len(rest):
            best = min(best, _pair_speeds(tb, db, ta, da, low, high, rest))
    if lo == 0 and after_t[0] > t0:  # before the first record: only the way to it counts
        best = min(best, float(lower_bound[0] / (after_t[0] - t0)) if lower_bound[0] > 0 else 0.0)
    if hi == n and t1 > before_t[-1]:  # after the last record: only the way from it counts
        best = min(best, float(lower_bound[-1] / (t1 - before_t[-1])) if lower_bound[-1] > 0 else 0.0)
    return best


def _pair_speeds(
    tb: np.ndarray,
    db: np.ndarray,
    ta: np.ndarray,
    da: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    index: np.ndarray,
) -> float:
    """Lowest exact speed over the chosen pairs: be at the place at the best moment in [low, high]."""
    tb, db, ta, da, low, high = tb[index], db[index], ta[index], da[index], low[index], high[index]
    with np.errstate(divide="ignore", invalid="ignore"):
        moment = tb + (ta - tb) * (db / (db + da))  # where both ways take equally long
        # fmax/fmin skip nan: a nan moment (0 / 0) becomes the earliest allowed moment
        moment = np.fmin(np.fmax(moment, low), high)
        # 0 / 0 (no distance, no time) is nan and means no speed; d / 0 is inf
        speeds = np.fmax(db / (moment - tb), da / (ta - moment))
    speeds[np.isnan(speeds)] = 0.0
    speeds[low > high] = np.inf
    return float(speeds.min()) if len(speeds) else math.inf


def _day_counts(times: np.ndarray, at_place: np.ndarray, t0: float, t1: float) -> tuple[int, int, int]:
    """(days at the place, days with any record, days in the period), days counted from the start."""
    days_in_period = max(int(math.ceil((t1 - t0) / 86_400.0 - 1e-9)), 1)
    first, end = np.searchsorted(times, [t0, t1], "left")
    day = ((times[first:end] - t0) * (1.0 / 86_400.0)).astype(np.int64)
    np.minimum(day, days_in_period - 1, out=day)  # times[first:] >= t0, so day >= 0
    recorded = np.zeros(days_in_period, dtype=bool)
    recorded[day] = True
    present = np.zeros(days_in_period, dtype=bool)
    present[day[at_place[first:end]]] = True
    return int(present.sum()), int(recorded.sum()), days_in_period


def _away_rule(
    times: np.ndarray,
    lower_bound: np.ndarray,
    t0: float,
    t1: float,
    nearest_m: float | None,
    params: MatchParameters,
) -> tuple[bool, int]:
    """The away rule of a strict stay: (applies, number of far days). See the module docstring."""
    if nearest_m is not None and nearest_m <= params.strict_near_m:
        return False, 0
    inside = (times >= t0) & (times < t1)
    far = inside & (lower_bound > params.strict_far_m)
    far_times = times[far]
    days = len(np.unique(np.floor((far_times - t0) / 86_400.0)))
    if days < params.strict_min_far_days:
        return False, days
    uncovered = float(np.diff(np.r_[t0, far_times, t1]).max())
    return uncovered <= params.strict_max_uncovered_share * (t1 - t0), days


@dataclass(frozen=True, slots=True)
class _Details:
    """What every judged finding reports besides its status (see ``Finding``)."""

    observed_share: float
    days_at_place: int
    days_with_records: int
    days_in_period: int
    travel: TravelNeeded


class _Verdict(enum.Enum):
    POSSIBLE = "possible"
    ONLY_BY_AIR = "only_by_air"
    IMPOSSIBLE = "impossible"  # not even by the screening bound
    IMPOSSIBLE_BY_AIR = "impossible_by_air"  # not by surface, not by a flight between airports
    AWAY = "away"  # the away rule of a strict stay


def _match_one(
    index: int,
    claim: Claim,
    window: _ClaimWindow,
    core: tuple[int, int] | None,
    data: Prepared,
    params: MatchParameters,
    route_version: str | None,
    row_source: RowSource,
    near: float,
    search: NearMissSearch,
) -> Finding:
    t0, t1 = window.start_s, window.end_s
    n = len(data.t)
    crossing = claim.kind is ClaimKind.CROSSED_BORDER
    strict = claim.strict
    place_name = claim.place.name
    place_extent = (
        None if claim.place.kind is PlaceKind.COUNTRY else float(claim.place.extent_radius_m or 0.0)
    )
    border_tolerance = params.country_border_tolerance_m if claim.place.kind is PlaceKind.COUNTRY else None
    near_miss: NearMiss | None = None
    near_en = near_nl = ""

    def set_near_miss(known: tuple[int, float] | None, exact: bool = False) -> None:
        nonlocal near_miss, near_en, near_nl
        near_miss = search.near_miss(claim.place, t0, t1, known_nearest=known, known_exact=exact)
        near_en, near_nl = near_miss_text(near_miss, place_name, window.zone, t0, t1)

    def finish(
        status: Status,
        en: str,
        nl: str,
        evidence_for: tuple[Evidence, ...] = (),
        evidence_against: tuple[Evidence, ...] = (),
        for_count: int = 0,
        against_count: int = 0,
        accuracy_used: float = 0.0,
        clock_used: float = 0.0,
        disregarded: tuple[int, ...] = (),
        details: _Details | None = None,
        country_order_seen: bool | None = None,
    ) -> Finding:
        tail_en = f" {near_en}" if near_en else ""
        tail_nl = f" {near_nl}" if near_nl else ""
        return Finding(
            claim_id=claim.id,
            status=status,
            evidence_for=evidence_for,
            evidence_against=evidence_against,
            records_for_count=for_count,
            records_against_count=against_count,
            interval_start_utc=_utc(t0),
            interval_end_utc=_utc(t1),
            uncertainty=UncertaintyUsed(
                position_accuracy_m=accuracy_used,
                at_place_accuracy_factor=params.at_place_accuracy_factor,
                impossibility_accuracy_factor=params.impossibility_accuracy_factor,
                impossibility_margin_m=params.impossibility_margin_m,
                place_extent_m=place_extent,
                country_border_tolerance_m=border_tolerance,
                time_phrase_width_s=window.width_s,
                time_zone=window.zone,
                clock_uncertainty_s=clock_used,
                max_surface_speed_mps=params.max_surface_speed_mps,
                max_air_speed_mps=params.max_air_speed_mps,
                flight_overhead_s=params.flight_overhead_s,
                flight_cruise_speed_mps=params.flight.cruise_speed_mps,
                airport_departure_s=params.flight.airport_departure_s,
                airport_arrival_s=params.flight.airport_arrival_s,
            ),
            explanation_en=f"{en}{tail_en} {_DEVICE_NOT_PERSON_EN}",
            explanation_nl=f"{nl}{tail_nl} {_DEVICE_NOT_PERSON_NL}",
            disregarded_record_ids=disregarded,
            route_version=route_version,
            strict=strict,
            near_miss=near_miss,
            near_miss_en=near_en,
            near_miss_nl=near_nl,
            place_used=place_name,
            place_confirmed=claim.place_confirmed,
            country_order_seen=country_order_seen,
            travel=details.travel if details else None,
            observed_share=details.observed_share if details else None,
            days_at_place=details.days_at_place if details else None,
            days_with_records=details.days_with_records if details else None,
            days_in_period=details.days_in_period if details else None,
        )

    # --- no data: nothing at all, before the first own record, or nothing near in time
    if n:
        if t1 < data.t[0] - data.clock_s[0] or core is None:
            set_near_miss(None)
    if n == 0:
        return finish(
            Status.NO_DATA,
            "The device has no usable records of its own, so it cannot say anything about this claim.",
            "Het toestel heeft geen bruikbare eigen gegevens; het kan niets zeggen over deze verklaring.",
        )
    if t1 < data.t[0] - data.clock_s[0]:
        return finish(
            Status.NO_DATA,
            f"The claimed time ends before the device's first own record ({_utc(data.t[0]):%Y-%m-%d %H:%M} UTC): "
            "this is outside what the phone can say.",
            f"De geclaimde tijd eindigt vóór het eerste eigen gegeven van het toestel "
            f"({_utc(data.t[0]):%Y-%m-%d %H:%M} UTC): dit valt buiten wat de telefoon kan zeggen.",
        )
    if core is None:
        return finish(
            Status.NO_DATA,
            f"The device has no records in or within {_duration_en(near)} of the claimed time, so it cannot "
            "say anything about this claim.",
            f"Het toestel heeft geen gegevens in of binnen {_duration_nl(near)} van de geclaimde tijd; het "
            "kan niets zeggen over deze verklaring.",
        )

    # --- the records evaluated: the core slice, with blocks certainly far from or at the place reduced
    lo, hi = core
    selection: ClaimRows = (
        border_rows(claim, data, lo, hi, params) if crossing else row_source(index, claim, lo, hi, t0, t1)
    )
    t = selection.t
    clock = selection.clock_s
    accuracy = selection.accuracy_m
    distance = selection.distance_m
    at_place = selection.at_place
    travel = selection.travel_s
    row_index = selection.rows
    lower_bound = np.maximum(distance - data.impossibility_widening_m[row_index], 0.0)
    in_interval = (t + clock >= t0) & (t - clock < t1)
    inside_rows = np.flatnonzero((t >= t0) & (t < t1))
    if crossing or not len(inside_rows):
        set_near_miss(None)
    else:
        nearest_position = int(inside_rows[np.argmin(distance[inside_rows])])
        set_near_miss(
            (int(row_index[nearest_position]), float(distance[nearest_position])),
            exact=selection.far_pair is None and len(inside_rows) == _rows_between(data.t, t0, t1),
        )
    for_index = (in_interval & at_place).nonzero()[0]
    for_count = len(for_index) + selection.at_skipped_in_interval
    days_at, days_recorded, days_total = _day_counts(t, at_place, t0, t1)

    def evidence(indices: np.ndarray) -> tuple[Evidence, ...]:
        chosen = np.asarray(indices[: params.max_evidence], dtype=np.int64)
        columns = zip(
            data.record_id[row_index[chosen]].tolist(),
            t[chosen].tolist(),
            distance[chosen].tolist(),
            accuracy[chosen].tolist(),
            travel[chosen].tolist(),
            strict=True,
        )
        return tuple(
            Evidence(
                record_id=record_id,
                time_utc=_utc(time_s),
                distance_m=round(distance_m, 1),
                # time difference to the claimed interval: negative before, 0 within, positive after
                time_difference_s=round(
                    time_s - t0 if time_s < t0 else (time_s - t1 if time_s >= t1 else 0.0), 1
                ),
                accuracy_m=accuracy_m,
                travel_time_needed_s=round(travel_s, 1),
            )
            for record_id, time_s, distance_m, accuracy_m, travel_s in columns
        )

    def windows(travel_s: np.ndarray) -> tuple[bool, float]:
        return _possible_windows(t, travel_s, clock, t0, t1, lo, hi, n, strict, selection.far_pair)

    # A strict stay fails on absence only beyond short absences and beyond a share of the period, so
    # that excursions and trips within a true stay never make it impossible.
    absence_limit_s = max(params.stay_absence_tolerance_s, params.strict_max_uncovered_share * (t1 - t0))

    def fails(result: tuple[bool, float]) -> bool:
        possible, longest = result
        return (not possible) or (strict and longest > absence_limit_s)

    at_some_moment = for_count > 0 and not strict
    screening = (True, 0.0) if at_some_moment else windows(travel)
    longest_impossible_s = screening[1]
    verdict = _Verdict.POSSIBLE
    departure: str | None = None
    arrival: str | None = None
    if fails(screening):
        verdict = _Verdict.IMPOSSIBLE
    elif not at_some_moment:
        surface = lower_bound / params.max_surface_speed_mps
        surface_result = windows(surface)
        if fails(surface_result):
            airport_index, airport_m = nearest_airports(data.lat[row_index], data.lon[row_index])
            place_airport_index, place_airport_m = nearest_airports(
                np.array([claim.place.lat]), np.array([claim.place.lon])
            )
            place_reach = 0.0 if place_extent is None else float(place_airport_m[0]) - place_extent
            record_reach = np.maximum(airport_m - data.impossibility_widening_m[row_index], 0.0)
            flight = params.flight.door_to_door_s(lower_bound, record_reach, max(place_reach, 0.0))
            air_result = windows(np.minimum(surface, flight))
            verdict = _Verdict.IMPOSSIBLE_BY_AIR if fails(air_result) else _Verdict.ONLY_BY_AIR
            longest_impossible_s = (
                air_result[1] if verdict is _Verdict.IMPOSSIBLE_BY_AIR else surface_result[1]
            )
            arrival = airport(int(place_airport_index[0])).iata
            inside = np.flatnonzero(in_interval)
            reference = int(inside[0]) if len(inside) else int(np.argmin(np.abs(t - t0)))
            departure = airport(int(airport_index[reference])).iata
    far_days = 0
    if strict and verdict in (_Verdict.POSSIBLE, _Verdict.ONLY_BY_AIR) and for_count == 0:
        nearest_m = near_miss.nearest_in_period_m if near_miss else None
        if nearest_m is not None:  # the nearest distance is exact only to within NEAREST_SLACK_M
            nearest_m = max(nearest_m - NEAREST_SLACK_M, 0.0)
        if (in_interval & (lower_bound <= params.strict_near_m)).any():
            nearest_m = 0.0
        applies, far_days = _away_rule(t, lower_bound, t0, t1, nearest_m, params)
        if applies:
            verdict = _Verdict.AWAY

    speed = (
        0.0
        if at_some_moment
        else _minimum_speed(t, lower_bound, clock, t0, t1, lo, hi, n, strict, selection.far_pair)
    )
    mode = mode_for_speed(speed, params.max_surface_speed_mps)
    travel_needed = TravelNeeded(
        minimum_speed_mps=round(speed, 2) if math.isfinite(speed) else None,
        mode=mode,
        departure_airport=departure,
        arrival_airport=arrival,
    )
    speed_en = (
        f"minimum average speed needed: {speed * 3.6:.0f} km/h ({mode_words(mode, 'en')})"
        if math.isfinite(speed)
        else "there was no time at all to travel"
    )
    speed_nl = (
        f"minimaal benodigde gemiddelde snelheid: {speed * 3.6:.0f} km/u ({mode_words(mode, 'nl')})"
        if math.isfinite(speed)
        else "er was helemaal geen tijd om te reizen"
    )
    details = _Details(round(days_at / days_total, 3), days_at, days_recorded, days_total, travel_needed)

    away_in_interval = (in_interval & ~at_place).nonzero()[0]
    away_count = len(away_in_interval) + selection.far_skipped_in_interval
    first_disregarded, last_disregarded = np.searchsorted(
        data.disregarded_t, [t0 - near, t1 + near], side="left"
    )
    disregarded = tuple(int(record) for record in data.disregarded_id[first_disregarded:last_disregarded])
    slice_conflict = data.any_conflict(lo, max(hi - 1, lo))
    clock_used = float(clock.max()) if len(clock) else 0.0

    if verdict is not _Verdict.POSSIBLE:
        ruling_out = lower_bound > 0
        against_count = int(np.count_nonzero(ruling_out & in_interval)) + selection.far_skipped_in_interval
        if verdict is not _Verdict.AWAY:
            against_count = int(np.count_nonzero(ruling_out)) + selection.far_skipped
        order = _ruling_out_evidence(ruling_out, t, t0, t1, params.max_evidence)
        accuracy_used = float(accuracy[order[: params.max_evidence]].max()) if len(order) else 0.0
        cited = (evidence(for_index), evidence(order), for_count, against_count, accuracy_used, clock_used)
        if slice_conflict:
            return finish(
                Status.INCONCLUSIVE,
                f"Some records around the claimed time place the device too far from {place_name} to have been "
                "there, but those records also contradict each other (an impossible jump between them, e.g. a "
                "clock or position error), so no conclusion is drawn.",
                f"Sommige gegevens rond de geclaimde tijd plaatsen het toestel te ver van {place_name} om er "
                "te zijn geweest, maar die gegevens spreken elkaar ook tegen (een onmogelijke sprong, bijv. een "
                "klok- of positiefout), dus er wordt geen conclusie getrokken.",
                *cited,
                disregarded,
                details=details,
            )
        if verdict is _Verdict.AWAY:
            return finish(
                Status.INCONSISTENT,
                f"The claim is a stay for the whole stated period, but on {far_days} separate days of it the "
                f"device was recorded more than {_km(params.strict_far_m)} from {place_name}, spread over the "
                f"period, and never within {_km(params.strict_near_m)} of it.",
                f"De verklaring is een verblijf gedurende de hele genoemde periode, maar op {far_days} "
                f"verschillende dagen daarvan is het toestel meer dan {_km_nl(params.strict_far_m)} van "
                f"{place_name} vastgelegd, verspreid over de periode, en nooit binnen "
                f"{_km_nl(params.strict_near_m)} ervan.",
                *cited,
                disregarded,
                details=details,
            )
        if verdict is _Verdict.ONLY_BY_AIR:
            return finish(
                Status.ONLY_BY_AIR,
                f"No surface travel (at most {params.max_surface_speed_mps * 3.6:.0f} km/h) could have brought the "
                f"device to {place_name} as claimed, given the records around it; a flight could "
                f"(e.g. {departure} → {arrival}, with at least {_duration_en(params.flight.overhead_s)} at the "
                f"airports); {speed_en}. The claim is consistent only if the journey was made by air.",
                f"Geen verplaatsing over land of water (hoogstens {params.max_surface_speed_mps * 3.6:.0f} km/u) kan "
                f"het toestel zoals verklaard in {place_name} hebben gebracht, gezien de gegevens eromheen; een "
                f"vlucht wel (bijv. {departure} → {arrival}, met minstens {_duration_nl(params.flight.overhead_s)} "
                f"op de luchthavens); {speed_nl}. De verklaring klopt alleen als de reis per vliegtuig is gemaakt.",
                *cited,
                disregarded,
                details=details,
            )
        by_air_en = (
            f"not even a flight between the airports nearest to each end ({departure} → {arrival}, at "
            f"{params.flight.cruise_speed_mps * 3.6:.0f} km/h with {_duration_en(params.flight.overhead_s)} at the "
            "airports)"
            if verdict is _Verdict.IMPOSSIBLE_BY_AIR
            else f"not even a flight straight from the recorded position at {params.max_air_speed_mps * 3.6:.0f} "
            f"km/h with only {_duration_en(params.flight_overhead_s)} for take-off and landing"
        )
        by_air_nl = (
            f"zelfs geen vlucht tussen de luchthavens die het dichtst bij elk eind liggen ({departure} → "
            f"{arrival}, met {params.flight.cruise_speed_mps * 3.6:.0f} km/u en "
            f"{_duration_nl(params.flight.overhead_s)} op de luchthavens)"
            if verdict is _Verdict.IMPOSSIBLE_BY_AIR
            else f"zelfs geen vlucht rechtstreeks vanaf de vastgelegde positie met "
            f"{params.max_air_speed_mps * 3.6:.0f} km/u en maar {_duration_nl(params.flight_overhead_s)} voor "
            "opstijgen en landen"
        )
        if strict and longest_impossible_s > absence_limit_s and for_count:
            en = (
                f"The claim is a stay for the whole stated period, but the records show the device could not have "
                f"been at {place_name} for {_duration_en(longest_impossible_s)} of it (more than the "
                f"{_duration_en(absence_limit_s)} allowed for absences): not by surface "
                f"travel and {by_air_en}, after widening every uncertainty; {speed_en}."
            )
            nl = (
                f"De verklaring is een verblijf gedurende de hele genoemde periode, maar volgens de gegevens kan "
                f"het toestel {_duration_nl(longest_impossible_s)} daarvan niet in {place_name} zijn geweest (meer "
                f"dan de {_duration_nl(absence_limit_s)} die voor afwezigheid is "
                f"toegestaan): niet over land en {by_air_nl}, na het ruimer nemen van elke onzekerheid; {speed_nl}."
            )
        else:
            en = (
                f"The device could not have been at {place_name} as claimed, given the records before, during and "
                f"after the claimed time: not by surface travel and {by_air_en}, after widening every "
                f"uncertainty; {speed_en}."
            )
            nl = (
                f"Het toestel kan niet zoals verklaard in {place_name} zijn geweest, gezien de gegevens ervoor, "
                f"tijdens en erna: niet over land en {by_air_nl}, na het ruimer nemen van elke onzekerheid; "
                f"{speed_nl}."
            )
        return finish(Status.INCONSISTENT, en, nl, *cited, disregarded, details=details)

    accuracy_for = float(accuracy[for_index[: params.max_evidence]].max()) if for_count else 0.0
    vague_en = vague_nl = ""
    if claim.kind is ClaimKind.STAYED and not strict:
        vague_en = (
            f" The period is not bounded at both ends, so the claim is read as a stay at some time within it; "
            f"the records show the device at {place_name} on {days_at} of the {days_total} day(s) of the period "
            f"(records on {days_recorded} day(s))."
        )
        vague_nl = (
            f" De periode heeft geen genoemd begin en eind, dus de verklaring wordt gelezen als een verblijf op "
            f"enig moment daarbinnen; de gegevens tonen het toestel in {place_name} op {days_at} van de "
            f"{days_total} dag(en) van de periode (gegevens op {days_recorded} dag(en))."
        )
    if for_count and not strict:
        order_seen: bool | None = None
        if crossing:
            order_seen = _country_order(claim, data, t0, t1, params)
            if not order_seen:
                direction_en = (
                    "the records around it do not show both countries"
                    if order_seen is None
                    else f"the records show {claim.to_country} before {claim.from_country}, the other direction"
                )
                direction_nl = (
                    "de gegevens eromheen tonen niet beide landen"
                    if order_seen is None
                    else f"de gegevens tonen {claim.to_country} vóór {claim.from_country}, de andere richting"
                )
                return finish(
                    Status.INCONCLUSIVE,
                    f"{for_count} record(s) place the device at the border between {claim.from_country} and "
                    f"{claim.to_country} (within {_km(params.border_reach_m)}) or at {place_name} within the "
                    f"claimed time, but {direction_en}.",
                    f"{for_count} gegeven(s) plaatsen het toestel aan de grens tussen {claim.from_country} en "
                    f"{claim.to_country} (binnen {_km_nl(params.border_reach_m)}) of in {place_name} binnen de "
                    f"geclaimde tijd, maar {direction_nl}.",
                    evidence(for_index),
                    evidence(away_in_interval),
                    for_count,
                    away_count,
                    accuracy_for,
                    clock_used,
                    disregarded,
                    country_order_seen=order_seen,
                    details=details,
                )
            return finish(
                Status.CONSISTENT,
                f"{for_count} record(s) place the device at the border between {claim.from_country} and "
                f"{claim.to_country} (within {_km(params.border_reach_m)}) or at {place_name} within the claimed "
                f"time, and the records show {claim.from_country} before {claim.to_country}.",
                f"{for_count} gegeven(s) plaatsen het toestel aan de grens tussen {claim.from_country} en "
                f"{claim.to_country} (binnen {_km_nl(params.border_reach_m)}) of in {place_name} binnen de "
                f"geclaimde tijd, en de gegevens tonen {claim.from_country} vóór {claim.to_country}.",
                evidence(for_index),
                evidence(away_in_interval),
                for_count,
                away_count,
                accuracy_for,
                clock_used,
                disregarded,
                country_order_seen=True,
                details=details,
            )
        return finish(
            Status.CONSISTENT,
            f"{for_count} record(s) place the device at {place_name} within the claimed time "
            f"(within twice their stated accuracy plus the extent of the place).{vague_en}",
            f"{for_count} gegeven(s) plaatsen het toestel in {place_name} binnen de geclaimde tijd "
            f"(binnen tweemaal de opgegeven nauwkeurigheid plus de omvang van de plaats).{vague_nl}",
            evidence(for_index),
            evidence(away_in_interval),
            for_count,
            away_count,
            accuracy_for,
            clock_used,
            disregarded,
            details=details,
        )
    if strict and for_count:
        at_times = np.clip(t[for_index], t0, t1)
        unobserved = float(np.diff(np.r_[t0, at_times, t1]).max())
        if unobserved <= params.stay_max_unobserved_s:
            away_en = (
                f" {away_count} record(s) in the period are elsewhere (excursions between records at the place)."
                if away_count
                else ""
            )
            away_nl = (
                f" {away_count} gegeven(s) in de periode liggen elders (uitstapjes tussen gegevens op de plaats)."
                if away_count
                else ""
            )
            return finish(
                Status.CONSISTENT,
                f"{for_count} record(s) within the claimed period place the device at {place_name}, and no "
                f"stretch of the period longer than {_duration_en(unobserved)} is without such a record.{away_en}",
                f"{for_count} gegeven(s) binnen de geclaimde periode plaatsen het toestel in {place_name}, en geen "
                f"deel van de periode langer dan {_duration_nl(unobserved)} is zonder zo'n gegeven.{away_nl}",
                evidence(for_index),
                evidence(away_in_interval),
                for_count,
                away_count,
                accuracy_for,
                clock_used,
                disregarded,
                details=details,
            )
        reasons_en, reasons_nl = [], []
        if away_count:
            reasons_en.append(f"{away_count} record(s) in the period are not at the place")
            reasons_nl.append(f"{away_count} gegeven(s) in de periode liggen niet op de plaats")
        reasons_en.append(f"{_duration_en(unobserved)} of the period has no record at the place")
        reasons_nl.append(f"{_duration_nl(unobserved)} van de periode heeft geen gegeven op de plaats")
        if longest_impossible_s > 0:
            reasons_en.append(
                f"the device could not have been there for {_duration_en(longest_impossible_s)} (a short absence)"
            )
            reasons_nl.append(
                f"het toestel kan er {_duration_nl(longest_impossible_s)} niet zijn geweest (korte afwezigheid)"
            )
        return finish(
            Status.INCONCLUSIVE,
            f"{for_count} record(s) place the device at {place_name} during the claimed stay, but "
            f"{'; '.join(reasons_en)}. This neither confirms nor contradicts the whole stay.",
            f"{for_count} gegeven(s) plaatsen het toestel in {place_name} tijdens het geclaimde verblijf, "
            f"maar {'; '.join(reasons_nl)}. Dit bevestigt noch weerspreekt het hele verblijf.",
            evidence(for_index),
            evidence(away_in_interval),
            for_count,
            away_count,
            max(accuracy_for, float(accuracy[away_in_interval[: params.max_evidence]].max(initial=0.0))),
            clock_used,
            disregarded,
            details=details,
        )
    if away_count == 0:
        return finish(
            Status.INCONCLUSIVE,
            f"The device has no records within the claimed time; the records before and after it leave enough "
            f"time to have been at {place_name} ({speed_en}), so they neither confirm nor contradict the claim.",
            f"Het toestel heeft geen gegevens binnen de geclaimde tijd; de gegevens ervoor en erna laten genoeg "
            f"tijd om in {place_name} te zijn geweest ({speed_nl}), dus ze bevestigen noch weerspreken de "
            "verklaring.",
            (),
            evidence(np.flatnonzero(~in_interval)),
            0,
            0,
            float(accuracy.max()),
            clock_used,
            disregarded,
            details=details,
        )
    nearest = float(distance[away_in_interval].min())
    return finish(
        Status.INCONCLUSIVE,
        f"{away_count} record(s) within the claimed time place the device elsewhere (nearest "
        f"{_km(nearest)} from {place_name}), but there was time to travel to {place_name} within the claimed "
        f"time ({speed_en}), so the records neither confirm nor contradict the claim.",
        f"{away_count} gegeven(s) binnen de geclaimde tijd plaatsen het toestel elders (dichtstbij "
        f"{_km_nl(nearest)} van {place_name}), maar er was tijd om binnen de geclaimde tijd naar {place_name} "
        f"te reizen ({speed_nl}), dus de gegevens bevestigen noch weerspreken de verklaring.",
        (),
        evidence(_closest(away_in_interval, distance[away_in_interval], params.max_evidence)),
        0,
        away_count,
        float(accuracy[away_in_interval[: params.max_evidence]].max()),
        clock_used,
        disregarded,
        details=details,
    )


def _possible_windows(
    t: np.ndarray,
    travel: np.ndarray,
    clock: np.ndarray,
    t0: float,
    t1: float,
    lo: int,
    hi: int,
    n: int,
    stayed: bool,
    far_pair: np.ndarray | None,
) -> tuple[bool, float]:
    """(could the device be at the place at some moment of [t0, t1], longest stretch it could not).

    Between consecutive records i, j the device could be at the place in [t_i + travel_i - clock_i,
    t_j - travel_j + clock_j]; before the first and after the last record, without limit.
    """
    starts = t + travel - clock  # earliest arrival after each record
    ends = t - travel + clock  # latest departure to reach each record
    window_start = starts[:-1]
    window_end = ends[1:]
    if far_pair is not None:
        # Pairs that jump over the inner records of a far-away block: no window (see claim_rows.classify_blocks).
        window_start = np.where(far_pair, np.inf, window_start)
    if lo == 0:
        window_start = np.r_[-np.inf, window_start]
        window_end = np.r_[ends[0], window_end]
    if hi == n:
        window_start = np.r_[window_start, starts[-1]]
        window_end = np.r_[window_end, np.inf]
    clipped_start = np.maximum(window_start, t0)
    clipped_end = np.minimum(window_end, t1)
    possible = (window_start <= window_end) & (clipped_start <= clipped_end)
    if not possible.any():
        return False, max(t1 - t0, 0.0)
    if not stayed:
        return True, 0.0
    return True, _longest_uncovered(clipped_start[possible], clipped_end[possible], t0, t1)


def _ruling_out_evidence(
    ruling_out: np.ndarray, t: np.ndarray, t0: float, t1: float, count: int
) -> np.ndarray:
    """The records that rule a claim out, to cite (indices into the slice, in time order): the last one
    before the interval, the first ones within it, and the first one after it."""
    first_inside = int(np.searchsorted(t, t0, "left"))
    after_inside = int(np.searchsorted(t, t1, "left"))
    before = ruling_out[:first_inside].nonzero()[0][-1:]
    within = ruling_out[first_inside:after_inside].nonzero()[0][: max(count - 2, 1)] + first_inside
    after = ruling_out[after_inside:].nonzero()[0][:1] + after_inside
    return np.concatenate([before, within, after]).astype(np.int64)[:count]


def _closest(indices: np.ndarray, keys: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` indices with the smallest keys, in key order (ties by index)."""
    if len(indices) > count:
        chosen = np.argpartition(keys, count)[:count]
        indices, keys = indices[chosen], keys[chosen]
    return indices[np.lexsort((indices, keys))]


def _longest_uncovered(starts: np.ndarray, ends: np.ndarray, t0: float, t1: float) -> float:
    """Longest part of [t0, t1] not covered by the union of [starts, ends] (all already clipped)."""
    if len(starts) == 0:
        return max(t1 - t0, 0.0)
    order = np.argsort(starts, kind="stable")
    starts = starts[order]
    ends = np.maximum.accumulate(ends[order])
    gaps = np.r_[starts[0] - t0, starts[1:] - ends[:-1], t1 - ends[-1]]
    return float(max(gaps.max(), 0.0))


def check_parameters(params: MatchParameters) -> None:
    """Raise MatchingError if parameters would make the matcher harsher than physics allows."""
    if params.max_air_speed_mps < 200 or params.max_surface_speed_mps < 30:
        raise MatchingError("speed limits below 200 m/s (air) or 30 m/s (surface) are not plausible maxima")
    if params.impossibility_accuracy_factor < params.at_place_accuracy_factor:
        raise MatchingError("impossibility_accuracy_factor must be at least at_place_accuracy_factor")

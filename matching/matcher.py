"""Claims against the device's records: one finding per claim, with evidence both ways.

Statuses (LEGAL 12–16; see matching/README.md for the user-facing text):

- ``consistent``: records place the device at the place (within twice their accuracy plus the
  place's extent) within the claimed interval (widened by each record's clock uncertainty). For
  ``stayed``: every record in the period is at the place, and the records at the place leave no
  stretch of the period longer than ``stay_max_unobserved_s`` unobserved.
- ``inconsistent``: only when the records make the claim physically impossible. For each record we
  take a generous lower bound of its distance to the place (distance minus the place's extent, minus
  ``impossibility_accuracy_factor`` × accuracy, minus ``impossibility_margin_m``) and the shortest
  time any plausible means could cover it (the faster of surface travel at ``max_surface_speed_mps``
  and a flight at ``max_air_speed_mps`` after ``flight_overhead_s``). Between consecutive records the
  device could have been at the place only in the window [t_i + travel_i − clock_i,
  t_j − travel_j + clock_j]. A claim "at some moment" is impossible when no such window touches the
  interval; a ``stayed`` claim when no window does, or when the device could not have been there for
  a stretch longer than ``stay_absence_tolerance_s``. Records that are themselves impossible jumps
  from both neighbours are disregarded (a single wrong fix is not evidence), and when the records
  around the claim contradict each other the result is ``inconclusive``, never ``inconsistent``.
- ``no_data``: the claim lies before the device's first own record, or no record is nearer in time
  than the longest trip on Earth under the speed model. Never counts against the applicant.
- ``inconclusive``: everything else (records near but not at the place, partial coverage, ...).

Never a score or an aggregate: each claim stands alone. The records locate the device, not the person.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from matching.claim_rows import (
    EARTH_RADIUS_M,
    ClaimRows,
    Prepared,
    RowSource,
    SharedRowSource,
    prepare,
)
from matching.claims import Claim, ClaimKind
from matching.errors import MatchingError
from matching.places import PlaceKind
from matching.points import MatchPoints

HALF_EARTH_CIRCUMFERENCE_M = math.pi * EARTH_RADIUS_M


class Status(enum.StrEnum):
    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"
    NO_DATA = "no_data"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True)
class MatchParameters:
    """Every tolerance the matcher uses (all generous on purpose; units in the names)."""

    at_place_accuracy_factor: float = 2.0
    impossibility_accuracy_factor: float = 5.0
    impossibility_margin_m: float = 5_000.0
    accuracy_floor_m: float = 50.0
    unknown_accuracy_m: float = 5_000.0
    max_surface_speed_mps: float = 90.0  # 324 km/h: faster than any road, boat or most trains
    max_air_speed_mps: float = 250.0  # 900 km/h jet cruise, from the last record straight to the place
    flight_overhead_s: float = 1_800.0  # 30 min for take-off, climb, descent, landing — no check-in
    stay_absence_tolerance_s: float = 86_400.0
    stay_max_unobserved_s: float = 172_800.0
    country_border_tolerance_m: float = 5_000.0  # Natural Earth 1:10m borders are 1–5 km off
    country_time_slack_s: float = 3 * 3_600.0  # a country may span several time zones
    max_evidence: int = 10

    def travel_time_s(self, distance_m: np.ndarray) -> np.ndarray:
        """Shortest plausible time in seconds to cover ``distance_m`` (>= 0; 0 m takes 0 s)."""
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
    ``travel_time_needed_s`` is the shortest plausible travel time between record and place after
    widening every uncertainty (the basis of an impossibility).
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


@dataclass(frozen=True, slots=True)
class Finding:
    """The result for one claim. Data only; the UI and the PDF render it."""

    claim_id: str
    status: Status
    evidence_for: tuple[Evidence, ...]
    evidence_against: tuple[Evidence, ...]
    records_for_count: int
    records_against_count: int
    interval_start_utc: datetime
    interval_end_utc: datetime
    uncertainty: UncertaintyUsed
    explanation_en: str
    explanation_nl: str
    disregarded_record_ids: tuple[int, ...] = ()
    route_version: str | None = None


_DEVICE_NOT_PERSON_EN = "The records locate the device, not the person."
_DEVICE_NOT_PERSON_NL = "De gegevens tonen waar het toestel was, niet waar de persoon was."


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


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres < 100_000 else f"{metres / 1000:.0f} km"


def _km_nl(metres: float) -> str:
    return _km(metres).replace(".", ",")


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

    ``points`` are the device's records (clock-corrected UTC). Raises MatchingError for a claim that
    cannot be evaluated at all (e.g. a country place while country geometry is unavailable).
    """
    params = params or MatchParameters()
    check_parameters(params)
    prepared = prepare(points, params)
    return _match_prepared(claims, prepared, params, route_version, None)


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
) -> Finding:
    t0, t1 = window.start_s, window.end_s
    n = len(data.t)
    place_extent = (
        None if claim.place.kind is PlaceKind.COUNTRY else float(claim.place.extent_radius_m or 0.0)
    )
    border_tolerance = params.country_border_tolerance_m if claim.place.kind is PlaceKind.COUNTRY else None

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
    ) -> Finding:
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
            ),
            explanation_en=f"{en} {_DEVICE_NOT_PERSON_EN}",
            explanation_nl=f"{nl} {_DEVICE_NOT_PERSON_NL}",
            disregarded_record_ids=disregarded,
            route_version=route_version,
        )

    # --- no data: nothing at all, before the first own record, or nothing near in time
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
    selection: ClaimRows = row_source(index, claim, lo, hi, t0, t1)
    t = selection.t
    clock = selection.clock_s
    accuracy = selection.accuracy_m
    distance = selection.distance_m
    at_place = selection.at_place
    travel = selection.travel_s
    in_interval = (t + clock >= t0) & (t - clock < t1)
    for_index = (in_interval & at_place).nonzero()[0]
    for_count = len(for_index) + selection.at_skipped_in_interval
    stayed = claim.kind is ClaimKind.STAYED

    row_index = selection.rows

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

    if not stayed and for_count:
        # At the place at some moment: possible by definition, no need for the travel windows.
        possible_somewhere, longest_impossible_s = True, 0.0
    else:
        possible_somewhere, longest_impossible_s = _possible_windows(
            t,
            travel,
            clock,
            t0,
            t1,
            lo,
            hi,
            n,
            stayed,
            selection.far_pair,
        )
    away_in_interval = (in_interval & ~at_place).nonzero()[0]
    away_count = len(away_in_interval) + selection.far_skipped_in_interval
    first_disregarded, last_disregarded = np.searchsorted(
        data.disregarded_t, [t0 - near, t1 + near], side="left"
    )
    disregarded = tuple(int(record) for record in data.disregarded_id[first_disregarded:last_disregarded])
    slice_conflict = data.any_conflict(lo, max(hi - 1, lo))
    place_name = claim.place.name
    clock_used = float(clock.max()) if len(clock) else 0.0

    impossible = (not possible_somewhere) or (
        stayed and longest_impossible_s > params.stay_absence_tolerance_s
    )
    if impossible:
        # The records that rule it out: those whose travel time closes the windows.
        ruling_out = travel > 0
        against_count = int(np.count_nonzero(ruling_out)) + selection.far_skipped
        order = _ruling_out_evidence(ruling_out, t, t0, t1, params.max_evidence)
        accuracy_used = float(accuracy[order[: params.max_evidence]].max()) if len(order) else 0.0
        if slice_conflict:
            return finish(
                Status.INCONCLUSIVE,
                f"Some records around the claimed time place the device too far from {place_name} to have been "
                "there, but those records also contradict each other (an impossible jump between them, e.g. a "
                "clock or position error), so no conclusion is drawn.",
                f"Sommige gegevens rond de geclaimde tijd plaatsen het toestel te ver van {place_name} om er "
                "te zijn geweest, maar die gegevens spreken elkaar ook tegen (een onmogelijke sprong, bijv. een "
                "klok- of positiefout), dus er wordt geen conclusie getrokken.",
                evidence(for_index),
                evidence(order),
                for_count,
                against_count,
                accuracy_used,
                clock_used,
                disregarded,
            )
        if not possible_somewhere:
            en = (
                f"Even at the fastest plausible travel (a flight at {params.max_air_speed_mps * 3.6:.0f} km/h "
                f"with only {_duration_en(params.flight_overhead_s)} for take-off and landing) and after widening "
                f"every uncertainty, the device could not have been at {place_name} at any moment of the claimed "
                "time, given the records before, during and after it."
            )
            nl = (
                f"Zelfs met de snelst denkbare verplaatsing (een vlucht met {params.max_air_speed_mps * 3.6:.0f} "
                f"km/u en maar {_duration_nl(params.flight_overhead_s)} voor opstijgen en landen) en na het "
                f"ruimer nemen van elke onzekerheid kan het toestel op geen enkel moment van de geclaimde tijd in "
                f"{place_name} zijn geweest, gezien de gegevens ervoor, tijdens en erna."
            )
        else:
            en = (
                f"The claim is a stay for the whole period, but the records show the device could not have been "
                f"at {place_name} for {_duration_en(longest_impossible_s)} of it (more than the "
                f"{_duration_en(params.stay_absence_tolerance_s)} allowed for short absences), even at the fastest "
                "plausible travel and after widening every uncertainty."
            )
            nl = (
                f"De verklaring is een verblijf gedurende de hele periode, maar volgens de gegevens kan het "
                f"toestel {_duration_nl(longest_impossible_s)} daarvan niet in {place_name} zijn geweest (meer dan "
                f"de {_duration_nl(params.stay_absence_tolerance_s)} die voor korte afwezigheid is toegestaan), "
                "zelfs met de snelst denkbare verplaatsing en na het ruimer nemen van elke onzekerheid."
            )
        return finish(
            Status.INCONSISTENT,
            en,
            nl,
            evidence(for_index),
            evidence(order),
            for_count,
            against_count,
            accuracy_used,
            clock_used,
            disregarded,
        )

    accuracy_for = float(accuracy[for_index[: params.max_evidence]].max()) if for_count else 0.0
    if for_count and not stayed:
        return finish(
            Status.CONSISTENT,
            f"{for_count} record(s) place the device at {place_name} within the claimed time "
            f"(within twice their stated accuracy plus the extent of the place).",
            f"{for_count} gegeven(s) plaatsen het toestel in {place_name} binnen de geclaimde tijd "
            f"(binnen tweemaal de opgegeven nauwkeurigheid plus de omvang van de plaats).",
            evidence(for_index),
            evidence(away_in_interval),
            for_count,
            away_count,
            accuracy_for,
            clock_used,
            disregarded,
        )
    if stayed and for_count:
        at_times = np.clip(t[for_index], t0, t1)
        unobserved = float(np.diff(np.r_[t0, at_times, t1]).max())
        if away_count == 0 and unobserved <= params.stay_max_unobserved_s:
            return finish(
                Status.CONSISTENT,
                f"All {for_count} record(s) within the claimed period place the device at {place_name}, "
                f"and no stretch of the period longer than {_duration_en(unobserved)} is without such a record.",
                f"Alle {for_count} gegeven(s) binnen de geclaimde periode plaatsen het toestel in "
                f"{place_name}, en geen deel van de periode langer dan {_duration_nl(unobserved)} is zonder "
                "zo'n gegeven.",
                evidence(for_index),
                (),
                for_count,
                0,
                accuracy_for,
                clock_used,
                disregarded,
            )
        reasons_en, reasons_nl = [], []
        if away_count:
            reasons_en.append(f"{away_count} record(s) in the period are not at the place")
            reasons_nl.append(f"{away_count} gegeven(s) in de periode liggen niet op de plaats")
        if unobserved > params.stay_max_unobserved_s:
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
        )
    if away_count == 0:
        return finish(
            Status.INCONCLUSIVE,
            f"The device has no records within the claimed time; the records before and after it leave enough "
            f"time to have been at {place_name}, so they neither confirm nor contradict the claim.",
            f"Het toestel heeft geen gegevens binnen de geclaimde tijd; de gegevens ervoor en erna laten genoeg "
            f"tijd om in {place_name} te zijn geweest, dus ze bevestigen noch weerspreken de verklaring.",
            (),
            evidence(np.flatnonzero(~in_interval)),
            0,
            0,
            float(accuracy.max()),
            clock_used,
            disregarded,
        )
    nearest = float(distance[away_in_interval].min())
    return finish(
        Status.INCONCLUSIVE,
        f"{away_count} record(s) within the claimed time place the device elsewhere (nearest "
        f"{_km(nearest)} from {place_name}), but there was time to travel to {place_name} within the claimed "
        "time, so the records neither confirm nor contradict the claim.",
        f"{away_count} gegeven(s) binnen de geclaimde tijd plaatsen het toestel elders (dichtstbij "
        f"{_km_nl(nearest)} van {place_name}), maar er was tijd om binnen de geclaimde tijd naar {place_name} "
        "te reizen, dus de gegevens bevestigen noch weerspreken de verklaring.",
        (),
        evidence(_closest(away_in_interval, distance[away_in_interval], params.max_evidence)),
        0,
        away_count,
        float(accuracy[away_in_interval[: params.max_evidence]].max()),
        clock_used,
        disregarded,
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

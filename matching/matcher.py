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

from matching.claims import Claim, ClaimKind
from matching.errors import MatchingError
from matching.geography import distance_to_country_m
from matching.places import PlaceKind
from matching.points import MatchPoints

EARTH_RADIUS_M = 6_371_008.8
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


def _haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: float | np.ndarray, lon2: float | np.ndarray):  # noqa: ANN202
    phi1 = np.radians(lat1)
    phi2 = np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2) - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass(frozen=True, eq=False)
class _Prepared:
    """Usable points after disregarding isolated impossible jumps, with per-point tolerances."""

    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    accuracy_m: np.ndarray
    clock_s: np.ndarray
    record_id: np.ndarray
    conflict_after: np.ndarray  # True if the jump from point i to i+1 is itself impossible
    disregarded_t: np.ndarray
    disregarded_id: np.ndarray
    max_clock_s: float
    unit_x: np.ndarray  # unit vectors on the sphere, for fast great-circle distances
    unit_y: np.ndarray
    unit_z: np.ndarray
    at_tolerance_m: np.ndarray  # at_place_accuracy_factor x accuracy
    impossibility_widening_m: np.ndarray  # impossibility_accuracy_factor x accuracy + margin
    blocks: _Blocks


BLOCK_SIZE = 32


@dataclass(frozen=True, eq=False)
class _Blocks:
    """Summaries of consecutive runs of BLOCK_SIZE points, to skip runs that are certainly far away.

    For block k (points k*B .. k*B+B-1): the centre (unit vector) and the angular radius in metres of a
    cap containing every point, the largest step between consecutive points inside it, and the largest
    clock uncertainty and impossibility widening of its points.
    """

    centre_x: np.ndarray
    centre_y: np.ndarray
    centre_z: np.ndarray
    cap_radius_m: np.ndarray
    max_inner_step_s: np.ndarray
    max_clock_s: np.ndarray
    max_widening_m: np.ndarray
    min_at_tolerance_m: np.ndarray
    span_s: np.ndarray


def _block_summaries(
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    clock: np.ndarray,
    widening: np.ndarray,
    at_tolerance: np.ndarray,
) -> _Blocks:
    count = len(t) // BLOCK_SIZE  # only full blocks; the tail is always evaluated point by point
    size = count * BLOCK_SIZE
    shape = (count, BLOCK_SIZE)
    bx, by, bz = (a[:size].reshape(shape) for a in (x, y, z))
    cx, cy, cz = bx.mean(axis=1), by.mean(axis=1), bz.mean(axis=1)
    norm = np.sqrt(cx * cx + cy * cy + cz * cz)
    norm[norm == 0] = 1.0
    cx, cy, cz = cx / norm, cy / norm, cz / norm
    dots = bx * cx[:, None] + by * cy[:, None] + bz * cz[:, None]
    cap = np.arccos(np.clip(dots.min(axis=1), -1.0, 1.0)) * EARTH_RADIUS_M + 1.0  # +1 m for rounding
    steps = np.diff(t[:size].reshape(shape), axis=1).max(axis=1) if count else np.zeros(0)
    return _Blocks(
        centre_x=cx,
        centre_y=cy,
        centre_z=cz,
        cap_radius_m=cap,
        max_inner_step_s=steps,
        max_clock_s=clock[:size].reshape(shape).max(axis=1),
        max_widening_m=widening[:size].reshape(shape).max(axis=1),
        min_at_tolerance_m=at_tolerance[:size].reshape(shape).min(axis=1),
        span_s=t[BLOCK_SIZE - 1 : size : BLOCK_SIZE] - t[0:size:BLOCK_SIZE],
    )


def _effective_accuracy(points: MatchPoints, params: MatchParameters) -> np.ndarray:
    accuracy = np.where(np.isfinite(points.accuracy_m), points.accuracy_m, params.unknown_accuracy_m)
    return np.maximum(accuracy, params.accuracy_floor_m)


def _pair_conflicts(
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    accuracy: np.ndarray,
    clock: np.ndarray,
    params: MatchParameters,
) -> np.ndarray:
    """conflict[i]: moving from point i to point i+1 is impossible even with every uncertainty widened."""
    if len(t) < 2:
        return np.zeros(max(len(t) - 1, 0), dtype=bool)
    widen = params.impossibility_accuracy_factor * accuracy + params.impossibility_margin_m
    distance = _haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) - widen[:-1] - widen[1:]
    needed = params.travel_time_s(np.maximum(distance, 0.0))
    available = (t[1:] - t[:-1]) + clock[:-1] + clock[1:]
    return needed > available


def _prepare(points: MatchPoints, params: MatchParameters) -> _Prepared:
    keep = np.flatnonzero(points.usable)
    t = points.time_utc_s[keep]
    lat = points.lat[keep]
    lon = points.lon[keep]
    accuracy = _effective_accuracy(points, params)[keep]
    clock = points.clock_uncertainty_s[keep]
    record_id = points.record_id[keep]
    conflict = _pair_conflicts(t, lat, lon, accuracy, clock, params)
    spike = np.zeros(len(t), dtype=bool)
    candidates = (
        np.flatnonzero(conflict[:-1] & conflict[1:]) + 1 if len(t) >= 3 else np.zeros(0, dtype=np.int64)
    )
    if len(candidates):
        # A spike: impossible from both neighbours, while the neighbours agree with each other.
        before, after = candidates - 1, candidates + 1
        widen = params.impossibility_accuracy_factor * accuracy + params.impossibility_margin_m
        gap_m = _haversine_m(lat[before], lon[before], lat[after], lon[after]) - widen[before] - widen[after]
        needed = params.travel_time_s(np.maximum(gap_m, 0.0))
        neighbours_agree = needed <= (t[after] - t[before]) + clock[before] + clock[after]
        spike[candidates[neighbours_agree]] = True
    if spike.any():
        disregarded_t, disregarded_id = t[spike], record_id[spike]
        kept = ~spike
        t, lat, lon, accuracy, clock, record_id = (a[kept] for a in (t, lat, lon, accuracy, clock, record_id))
        if np.any(spike[1:] & spike[:-1]):  # adjacent spikes: recompute every pair
            conflict = _pair_conflicts(t, lat, lon, accuracy, clock, params)
        else:
            # The pair bridging each removed spike is one whose neighbours agree: no conflict.
            spikes = np.flatnonzero(spike)
            bridged = conflict.copy()
            bridged[spikes - 1] = False
            keep_pair = np.ones(len(conflict), dtype=bool)
            keep_pair[spikes] = False
            conflict = bridged[keep_pair]
    else:
        disregarded_t, disregarded_id = np.empty(0), np.empty(0, dtype=np.int64)
    phi = np.radians(lat)
    lam = np.radians(lon)
    cos_phi = np.cos(phi)
    unit_x, unit_y, unit_z = cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)
    widening = params.impossibility_accuracy_factor * accuracy + params.impossibility_margin_m
    at_tolerance = params.at_place_accuracy_factor * accuracy
    return _Prepared(
        unit_x=unit_x,
        unit_y=unit_y,
        unit_z=unit_z,
        at_tolerance_m=at_tolerance,
        impossibility_widening_m=widening,
        blocks=_block_summaries(t, unit_x, unit_y, unit_z, clock, widening, at_tolerance),
        t=t,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy,
        clock_s=clock,
        record_id=record_id,
        conflict_after=conflict,
        disregarded_t=disregarded_t,
        disregarded_id=disregarded_id,
        max_clock_s=float(clock.max()) if len(clock) else 0.0,
    )


def _edge_distance_m(
    claim: Claim, data: _Prepared, rows: slice | np.ndarray, params: MatchParameters
) -> np.ndarray:
    """Distance in metres from each point of the slice to the edge of the claimed place (0 inside)."""
    place = claim.place
    if place.kind is PlaceKind.COUNTRY:
        iso2 = place.country_iso2 or ""
        distance = distance_to_country_m(iso2, data.lat[rows], data.lon[rows])
        return np.maximum(distance - params.country_border_tolerance_m, 0.0)
    phi = math.radians(place.lat)
    lam = math.radians(place.lon)
    dot = (
        data.unit_x[rows] * (math.cos(phi) * math.cos(lam))
        + data.unit_y[rows] * (math.cos(phi) * math.sin(lam))
        + data.unit_z[rows] * math.sin(phi)
    )
    np.clip(dot, -1.0, 1.0, out=dot)
    distance = np.arccos(dot)
    distance *= EARTH_RADIUS_M
    distance -= float(place.extent_radius_m or 0.0)
    return np.maximum(distance, 0.0, out=distance)


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
    prepared = _prepare(points, params)
    return [_match_one(claim, prepared, params, route_version) for claim in claims]


def _match_one(claim: Claim, data: _Prepared, params: MatchParameters, route_version: str | None) -> Finding:
    window = _claim_window(claim, params)
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
    near = params.near_window_s
    near_lo = int(np.searchsorted(data.t, t0 - near - data.max_clock_s, "left"))
    near_hi = int(np.searchsorted(data.t, t1 + near + data.max_clock_s, "right"))
    if near_lo >= near_hi:
        return finish(
            Status.NO_DATA,
            f"The device has no records in or within {_duration_en(near)} of the claimed time, so it cannot "
            "say anything about this claim.",
            f"Het toestel heeft geen gegevens in of binnen {_duration_nl(near)} van de geclaimde tijd; het "
            "kan niets zeggen over deze verklaring.",
        )

    # --- core slice: records that can bear on the interval, plus one on each side
    lo = max(int(np.searchsorted(data.t, t0 - data.max_clock_s, "left")) - 1, 0)
    hi = min(int(np.searchsorted(data.t, t1 + data.max_clock_s, "right")) + 1, n)
    selection = _rows_to_evaluate(claim, data, lo, hi, t0, t1, params)
    rows = selection.rows
    t = data.t[rows]
    clock = data.clock_s[rows]
    accuracy = data.accuracy_m[rows]
    distance = _edge_distance_m(claim, data, rows, params)
    at_place = distance <= data.at_tolerance_m[rows]
    lower_bound = np.maximum(distance - data.impossibility_widening_m[rows], 0.0)
    travel = params.travel_time_s(lower_bound)
    in_interval = (t + clock >= t0) & (t - clock < t1)
    for_index = np.flatnonzero(in_interval & at_place)
    for_count = len(for_index) + selection.at_skipped_in_interval
    stayed = claim.kind is ClaimKind.STAYED

    row_index = np.arange(lo, hi) if isinstance(rows, slice) else rows

    def time_difference(i: int) -> float:
        return float(t[i] - t0 if t[i] < t0 else (t[i] - t1 if t[i] >= t1 else 0.0))

    def evidence(indices: np.ndarray) -> tuple[Evidence, ...]:
        return tuple(
            Evidence(
                record_id=int(data.record_id[row_index[i]]),
                time_utc=_utc(t[i]),
                distance_m=round(float(distance[i]), 1),
                time_difference_s=round(time_difference(int(i)), 1),
                accuracy_m=float(accuracy[i]),
                travel_time_needed_s=round(float(travel[i]), 1),
            )
            for i in indices[: params.max_evidence]
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
    away_in_interval = np.flatnonzero(in_interval & ~at_place)
    away_count = len(away_in_interval) + selection.far_skipped_in_interval
    first_disregarded, last_disregarded = np.searchsorted(
        data.disregarded_t, [t0 - near, t1 + near], side="left"
    )
    disregarded = tuple(int(record) for record in data.disregarded_id[first_disregarded:last_disregarded])
    slice_conflict = bool(data.conflict_after[lo : max(hi - 1, lo)].any())
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


MIN_ROWS_FOR_BLOCKS = 16 * BLOCK_SIZE


@dataclass(frozen=True, eq=False)
class _Rows:
    rows: slice | np.ndarray
    far_pair: np.ndarray | None  # pair (rows[i], rows[i+1]) jumps over the inner rows of a far block
    far_skipped_in_interval: int = 0
    far_skipped: int = 0
    at_skipped_in_interval: int = 0


def _rows_to_evaluate(
    claim: Claim, data: _Prepared, lo: int, hi: int, t0: float, t1: float, params: MatchParameters
) -> _Rows:
    """Rows of [lo, hi) to evaluate one by one; whole blocks that are certainly decided are skipped.

    - A *far* block: every point is so far from the place that no window between two consecutive
      points can be open (twice the smallest travel time exceeds the largest step plus twice the
      largest clock uncertainty). Only its first and last point are kept and the pair between them is
      closed: the same result as evaluating every point. Skipped points count as records away.
    - An *at* block: every point is at the place (upper bound of the distance within the smallest
      at-place tolerance) and the block spans at most ``stay_max_unobserved_s``. Only its first and
      last point are kept; the pair between them keeps its ordinary window (travel time 0 at both
      ends), which equals the union of the inner windows. Skipped points count as records at the place.
    """
    whole = _Rows(slice(lo, hi), None)
    if hi - lo < MIN_ROWS_FOR_BLOCKS or claim.place.kind is PlaceKind.COUNTRY:
        return whole
    blocks = data.blocks
    first_block = -(-lo // BLOCK_SIZE)
    end_block = min(hi // BLOCK_SIZE, len(blocks.centre_x))
    if end_block <= first_block:
        return whole
    phi = math.radians(claim.place.lat)
    lam = math.radians(claim.place.lon)
    k = slice(first_block, end_block)
    dot = (
        blocks.centre_x[k] * (math.cos(phi) * math.cos(lam))
        + blocks.centre_y[k] * (math.cos(phi) * math.sin(lam))
        + blocks.centre_z[k] * math.sin(phi)
    )
    centre_distance = np.arccos(np.clip(dot, -1.0, 1.0)) * EARTH_RADIUS_M
    radius = float(claim.place.extent_radius_m or 0.0)
    nearest_edge = centre_distance - blocks.cap_radius_m[k] - radius
    farthest_edge = centre_distance + blocks.cap_radius_m[k] - radius
    lower_bound = np.maximum(nearest_edge - blocks.max_widening_m[k], 0.0)
    smallest_travel = params.travel_time_s(lower_bound)
    far = (lower_bound > 0) & (2 * smallest_travel > blocks.max_inner_step_s[k] + 2 * blocks.max_clock_s[k])
    at = (farthest_edge <= blocks.min_at_tolerance_m[k]) & (blocks.span_s[k] <= params.stay_max_unobserved_s)
    if not far.any() and not at.any():
        return whole
    base = first_block * BLOCK_SIZE
    far_blocks = np.flatnonzero(far)
    at_blocks = np.flatnonzero(at)
    other_blocks = np.flatnonzero(~far & ~at)
    far_first = far_blocks * BLOCK_SIZE + base
    parts = [
        np.arange(lo, base),
        (other_blocks[:, None] * BLOCK_SIZE + np.arange(BLOCK_SIZE)[None, :]).ravel() + base,
        far_first,
        far_first + BLOCK_SIZE - 1,
        at_blocks * BLOCK_SIZE + base,
        at_blocks * BLOCK_SIZE + base + BLOCK_SIZE - 1,
        np.arange(end_block * BLOCK_SIZE, hi),
    ]
    rows = np.concatenate(parts)
    marker = np.zeros(len(rows), dtype=bool)
    offset = len(parts[0]) + len(parts[1])
    marker[offset : offset + len(far_first)] = True
    order = np.argsort(rows, kind="stable")
    rows, marker = rows[order], marker[order]
    # Skipped rows within the interval (widened by the largest clock uncertainty: counts for the text).
    inside_from = int(np.searchsorted(data.t, t0 - data.max_clock_s, "left"))
    inside_to = int(np.searchsorted(data.t, t1 + data.max_clock_s, "left"))

    def inner_inside(block_indices: np.ndarray) -> int:
        inner_from = block_indices * BLOCK_SIZE + base + 1
        overlap = np.minimum(inner_from + BLOCK_SIZE - 2, inside_to) - np.maximum(inner_from, inside_from)
        return int(np.maximum(overlap, 0).sum())

    return _Rows(
        rows=rows,
        far_pair=marker[:-1],
        far_skipped_in_interval=inner_inside(far_blocks),
        far_skipped=len(far_blocks) * (BLOCK_SIZE - 2),
        at_skipped_in_interval=inner_inside(at_blocks),
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
        # Pairs that jump over the inner records of a far-away block: no window (see _rows_to_evaluate).
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
    before = np.flatnonzero(ruling_out[:first_inside])[-1:]
    within = np.flatnonzero(ruling_out[first_inside:after_inside])[: max(count - 2, 1)] + first_inside
    after = np.flatnonzero(ruling_out[after_inside:])[:1] + after_inside
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

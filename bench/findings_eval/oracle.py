"""Labels from the records alone: what the phone's records can say about a claim.

Written independently of ``matching.matcher`` (plain loops over records, great-circle distances, no
block skipping, no travel model beyond one flight rule), so that the evaluation does not grade the
matcher against itself. A claim's label:

- ``before_first_record``: the claimed period ends before the phone's first record.
- ``gap``: no record inside the claimed period.
- ``supported``: a record at the place (within its radius plus twice the accuracy, 2 km for an unknown
  one) inside the period; for a stay with both ends stated, such records leave no 48 h of the period
  without one; for a border crossing, a record within 30 km of the crossing point, and records in the
  from-country before records in the to-country (Natural Earth countries, ``routing.geography``).
- ``contradicted``: every record from a day before to a day after the period is ≥ 250 km from the
  place, and no two consecutive records around the period leave time to go there and back, neither
  over land at 324 km/h nor by a flight (the nearer distance / 900 km/h + 2 h, each way); for a stay
  with both ends stated, instead: records on at least half of the period's days and on ≥ 2 days, all
  ≥ 250 km away.
- ``air_only``: as contradicted, but some pair of records leaves time for a flight there and back.
- ``undetermined``: anything else (sparse records, records near but not at the place).

With place candidates the claim is ``supported`` if it is for any candidate, ``contradicted`` only if
it is for all. Each label has the statuses a correct finding may have (``ACCEPTABLE``).
"""

from __future__ import annotations

import numpy as np

from bench.findings_eval.journeys import DAY, distance_m
from matching.claims import Claim, ClaimKind
from matching.places import Place
from matching.points import MatchPoints

FAR_M = 250_000.0
CROSSING_REACH_M = 30_000.0
FLIGHT_MPS = 250.0
SURFACE_MPS = 90.0
FLIGHT_OVERHEAD_S = 7_200.0

ACCEPTABLE: dict[str, set[str]] = {
    "supported": {"consistent"},
    "contradicted": {"inconsistent", "only_by_air"},
    "air_only": {"inconsistent", "only_by_air"},
    "before_first_record": {"no_data"},
    "gap": {"inconclusive", "no_data"},
    "undetermined": {"inconclusive", "no_data"},
}
AGAINST = {"inconsistent", "only_by_air"}


def _order_seen(claim: Claim, records: MatchPoints, start_s: float, end_s: float) -> bool:
    from routing.geography import countries_of

    window = (records.time_utc_s >= start_s - 3 * DAY) & (records.time_utc_s < end_s + 3 * DAY)
    if not window.any():
        return False
    countries = countries_of(records.lat[window], records.lon[window])
    times = records.time_utc_s[window]
    in_from = times[countries == claim.from_country]
    in_to = times[countries == claim.to_country]
    return bool(len(in_from) and len(in_to) and in_from.min() < in_to.max())


def _label_for_place(claim: Claim, place: Place, records: MatchPoints) -> str:
    start, end = claim.interval_utc()
    start_s, end_s = start.timestamp(), end.timestamp()
    times = records.time_utc_s
    if len(times) == 0 or end_s < times[0]:
        return "before_first_record"
    inside = (times >= start_s) & (times < end_s)
    if not inside.any():
        return "gap"
    accuracy = np.where(np.isfinite(records.accuracy_m), records.accuracy_m, 2_000.0)
    distance = distance_m(place.lat, place.lon, records.lat, records.lon)
    radius = float(place.extent_radius_m or 0.0)
    crossing = claim.kind is ClaimKind.CROSSED_BORDER
    reach = max(radius, CROSSING_REACH_M) if crossing else radius
    at = distance <= reach + 2 * np.maximum(accuracy, 50.0)
    strict = claim.strict
    at_inside = times[inside & at]
    if len(at_inside):
        if crossing:
            return "supported" if _order_seen(claim, records, start_s, end_s) else "undetermined"
        if not strict:
            return "supported"
        holes = np.diff(np.r_[start_s, at_inside, end_s])
        return "supported" if holes.max() <= 2 * DAY else "undetermined"
    around = (times >= start_s - DAY) & (times < end_s + DAY)
    if (distance[around] < FAR_M).any():
        return "undetermined"
    if strict:
        days = np.unique(np.floor((times[inside] - start_s) / DAY))
        period_days = max(round((end_s - start_s) / DAY), 1)
        return "contradicted" if len(days) >= max(2, period_days / 2) else "undetermined"
    # some moment of the period: is there a pair of consecutive records with time to go there and back?
    first = max(int(np.searchsorted(times, start_s, "left")) - 1, 0)
    last = min(int(np.searchsorted(times, end_s, "left")), len(times) - 1)
    if first == 0 and times[0] > start_s:
        return "undetermined"  # the device may have been there before its first record
    if last == len(times) - 1 and times[-1] < end_s:
        return "undetermined"
    by_air = False
    for index in range(first, last):
        nearer = min(distance[index], distance[index + 1])
        elapsed = times[index + 1] - times[index]
        if elapsed >= 2 * nearer / SURFACE_MPS:
            return "undetermined"
        if elapsed >= 2 * (nearer / FLIGHT_MPS + FLIGHT_OVERHEAD_S):
            by_air = True
    return "air_only" if by_air else "contradicted"


def label(claim: Claim, records: MatchPoints) -> str:
    places = [claim.place] if claim.place_confirmed else [claim.place, *claim.candidates]
    labels = [_label_for_place(claim, place, records) for place in places]
    if "supported" in labels:
        return "supported"
    if all(item in ("contradicted", "air_only") for item in labels):
        return "air_only" if "air_only" in labels else "contradicted"
    for item in ("before_first_record", "gap"):
        if item in labels:
            return item
    return "undetermined"

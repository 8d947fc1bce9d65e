"""Visits: the time spent at one *place* (a town, a camp, an island), as a caseworker reads a journey.

A stay (``stays.py``) is a period within ~200 m of one spot. People speak in places: "we were in
Gaziantep from 20 March to 10 April" covers a dozen stays (hotel, a friend's flat, the bus station) and
the day trips in between. A *visit* groups them, and it is also what a phone with one photo a day still
shows: records at the same place on consecutive days, with nothing elsewhere in between.

How (one pass over *anchors* in time order; everything else is numpy):

1. Anchors. Each stay is one anchor. Points outside stays are split into *chains* at gaps longer than
   ``chain_gap_s``. A chain that touches no stay and is small (extent ≤ ``rest_extent_m``, or at most
   ``sparse_chain_max_points`` points) is a photo, a burst of photos, a short check-in: each of its points
   is a *rest* anchor — evidence that the person was there — unless the chain was reached from the record
   before it and left for the record after it at ``transit_speed_mps`` or faster (a fix every two hours on
   a bus is travel, not a visit to each village it passes). Every other point outside stays is movement;
   movement is summarised in bins of ``movement_bin_s`` (position = mean of the bin).
2. A visit starts at a stay or rest anchor. Its place radius comes from the place there
   (:func:`place_radius_m`: by settlement size, else ``default_place_radius_m``). Its centre is the mean of
   its stay and rest anchors.
3. Following anchors within the radius (and not in another country) belong to the visit. Anchors outside
   it start a possible *excursion*; the excursion is folded into the visit when the phone comes back within
   the radius, the time observed away is at most ``max_excursion_s`` and the time from the last anchor at
   the place to the first one back is at most ``max_excursion_bracket_s`` (``established_excursion_bracket_s``
   once the visit has lasted ``established_visit_s``: a phone with a photo a day that shows a day trip
   leaves a silence of up to two nights around it), with no anchor in another country.
   Otherwise the visit ends at its last stay or rest anchor, and the anchors after it are read again as the
   start of what came next. Two anchors at the place with nothing in between and more than ``max_gap_s``
   apart also end a visit (a long silence is not assumed to have been spent in one place). A second,
   backward look joins a visit that ended on an excursion with the next visit at the same place; records
   away on either side of a night (``night_gap_s``) are two day trips unless they are at one place with a
   stay among them (then the night was spent there). Last, a visit of one record on the way between the
   visits before and after it, less than a night from one of them, is dropped: a photo taken in passing
   (``passing_detour_share``).
4. Each visit reports its time span (first to last stay/rest record — arrival and departure movement at
   the edge of town are not counted), the share of that span observed (time between consecutive records at
   most ``chain_gap_s`` apart), records, days with records, sources (artifact id × fix kind) and its
   excursions, each with start, end, greatest distance from the visit centre and its records.

Units: seconds (UTC epoch), metres, WGS84 degrees. Calendar days are UTC days.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from routing.errors import ParameterError
from routing.geodesy import to_xyz_m, xyz_to_latlon
from routing.points import seconds_to_utc
from routing.stays import StayArrays

SECONDS_PER_DAY = 86_400.0

#: Place kinds (as the gazetteer names them) that are small by nature whatever their population.
SMALL_PLACE_KINDS = frozenset({"camp", "border_crossing"})


@dataclass(frozen=True)
class NamedPlace:
    """A named place near a position, as a gazetteer returns it: name, population (None: unknown), kind."""

    name: str
    population: int | None = None
    kind: str | None = None


@dataclass(frozen=True)
class VisitParameters:
    """Visit thresholds (see module docstring and routing/README.md for the reasons)."""

    default_place_radius_m: float = 10_000.0
    small_place_radius_m: float = 3_000.0
    #: (minimum population, radius in metres), ascending; the last row whose minimum is met applies
    radius_by_population_m: tuple[tuple[int, float], ...] = (
        (0, 3_000.0),
        (10_000, 5_000.0),
        (100_000, 10_000.0),
        (1_000_000, 20_000.0),
    )
    max_gap_s: float = 4 * SECONDS_PER_DAY
    max_excursion_s: float = 14 * 3600.0
    max_excursion_bracket_s: float = 30 * 3600.0
    #: a visit already this long tolerates a longer silence around an excursion (sparse phones)
    established_visit_s: float = SECONDS_PER_DAY
    established_excursion_bracket_s: float = 4 * SECONDS_PER_DAY
    #: a silence this long between records away (no stay among them) separates two day trips
    night_gap_s: float = 8 * 3600.0
    chain_gap_s: float = 3600.0
    rest_extent_m: float = 1_000.0
    #: a record reached from the previous one and left for the next one at least this fast is in transit
    transit_speed_mps: float = 3.0
    sparse_chain_max_points: int = 3
    #: a visit of one record on the way between the visits before and after it (the detour through it at
    #: most this share of their distance, or ``passing_detour_min_m``) and within ``night_gap_s`` of one
    #: of them is a photo taken while passing through, not a visit
    passing_detour_share: float = 0.2
    passing_detour_min_m: float = 2_000.0
    movement_bin_s: float = 600.0

    def __post_init__(self) -> None:
        if self.default_place_radius_m <= 0 or self.small_place_radius_m <= 0:
            raise ParameterError("place radii must be positive")
        if not self.radius_by_population_m or any(r <= 0 for _, r in self.radius_by_population_m):
            raise ParameterError("radius_by_population_m needs at least one row with a positive radius")
        minima = [m for m, _ in self.radius_by_population_m]
        if minima != sorted(minima):
            raise ParameterError("radius_by_population_m must be sorted by minimum population")
        if self.max_excursion_s < 0 or self.max_excursion_bracket_s < self.max_excursion_s:
            raise ParameterError("need 0 <= max_excursion_s <= max_excursion_bracket_s")
        if self.established_excursion_bracket_s < self.max_excursion_bracket_s:
            raise ParameterError("established_excursion_bracket_s must be >= max_excursion_bracket_s")
        if self.passing_detour_share < 0 or self.passing_detour_min_m < 0:
            raise ParameterError("passing_detour_share and passing_detour_min_m must be >= 0")
        if self.max_gap_s <= 0 or self.chain_gap_s <= 0 or self.movement_bin_s <= 0:
            raise ParameterError("max_gap_s, chain_gap_s and movement_bin_s must be positive")


@dataclass(frozen=True)
class Excursion:
    """Time away from a visit's place that came back: observed span, greatest distance, records, stays."""

    start_utc: datetime
    end_utc: datetime
    max_distance_m: float
    n_records: int
    stay_indices: tuple[int, ...]

    @property
    def duration_s(self) -> float:
        return (self.end_utc - self.start_utc).total_seconds()


@dataclass(frozen=True)
class VisitSource:
    """Records of one artifact and fix kind inside a visit."""

    artifact_id: str
    fix_kind: str
    n_records: int


@dataclass(frozen=True)
class Visit:
    """Time at one place. ``stay_indices`` are the stays at the place (stays on excursions are listed with
    their excursion). ``observed_share`` is None for a visit of one instant (a single record)."""

    lat: float
    lon: float
    place_radius_m: float
    start_utc: datetime
    end_utc: datetime
    observed_s: float
    observed_share: float | None
    longest_gap_s: float
    n_records: int
    days_with_records: int
    days: int
    first_record_id: int
    last_record_id: int
    stay_indices: tuple[int, ...]
    excursions: tuple[Excursion, ...]
    sources: tuple[VisitSource, ...] = field(default=())

    @property
    def duration_s(self) -> float:
        return (self.end_utc - self.start_utc).total_seconds()


def place_radius_m(place: NamedPlace | None, *, parameters: VisitParameters | None = None) -> float:
    """Radius of a visit seeded near ``place``: small kinds (camp, border crossing) get
    ``small_place_radius_m``, towns with a known population the row of ``radius_by_population_m``,
    anything else ``default_place_radius_m``."""
    params = parameters or VisitParameters()
    if place is None:
        return params.default_place_radius_m
    if place.kind in SMALL_PLACE_KINDS:
        return params.small_place_radius_m
    if place.population is None or place.population <= 0:
        return params.default_place_radius_m
    radius = params.radius_by_population_m[0][1]
    for minimum, row_radius in params.radius_by_population_m:
        if place.population >= minimum:
            radius = row_radius
    return radius


_STAY, _REST, _MOVE = 0, 1, 2


@dataclass(frozen=True, eq=False)
class _Anchors:
    kind: np.ndarray
    first: np.ndarray  # first point index
    last: np.ndarray  # last point index (inclusive)
    xyz: np.ndarray  # (na, 3) metres
    stay: np.ndarray  # stay number for stay anchors, -1 otherwise
    country: list[str]


def detect_visits(
    *,
    time_s: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    stays: StayArrays,
    record_id: np.ndarray | None = None,
    country: np.ndarray | None = None,
    stay_country: np.ndarray | None = None,
    artifact: np.ndarray | None = None,
    artifact_ids: tuple[str, ...] = ("unknown",),
    fix_kind: np.ndarray | None = None,
    fix_kinds: tuple[str, ...] = ("unknown",),
    stay_place_radius_m: np.ndarray | None = None,
    place_radius_at_m: Callable[[float, float], float] | None = None,
    parameters: VisitParameters | None = None,
) -> tuple[Visit, ...]:
    """Visits in time-sorted usable points (UTC epoch seconds, WGS84 degrees) and their stays.

    ``stays`` must come from :func:`routing.stays.detect_stays_arrays` on the same arrays. Optional:
    ``record_id`` per point (default: the index), ``country`` per point and ``stay_country`` per stay
    (ISO codes, "" unknown/sea: a visit never takes in another country), ``artifact``/``fix_kind`` codes
    into ``artifact_ids``/``fix_kinds`` (for the sources), the place radius per stay
    (``stay_place_radius_m``, NaN unknown) and for other positions (``place_radius_at_m(lat, lon)``).
    """
    params = parameters or VisitParameters()
    t = np.asarray(time_s, dtype=np.float64)
    n = len(t)
    if n and np.any(np.diff(t) < 0):
        raise ParameterError("time_s must be sorted ascending")
    if len(stays.point_stay) != n:
        raise ParameterError("stays must be detected on the same points (point_stay length differs)")
    if n == 0:
        return ()
    xyz = to_xyz_m(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64))
    anchors = _anchors(t, xyz, stays, country, stay_country, params)
    groups = _group(t, anchors, stays, stay_place_radius_m, place_radius_at_m, params)
    return _visit_objects(
        t=t,
        xyz=xyz,
        anchors=anchors,
        groups=groups,
        record_id=np.arange(n) if record_id is None else np.asarray(record_id),
        artifact=np.zeros(n, dtype=np.int64) if artifact is None else np.asarray(artifact, dtype=np.int64),
        artifact_ids=artifact_ids,
        fix_kind=np.zeros(n, dtype=np.int64) if fix_kind is None else np.asarray(fix_kind, dtype=np.int64),
        fix_kinds=fix_kinds,
        params=params,
    )


# ---------------------------------------------------------------------- step 1: anchors
def _anchors(
    t: np.ndarray,
    xyz: np.ndarray,
    stays: StayArrays,
    country: np.ndarray | None,
    stay_country: np.ndarray | None,
    params: VisitParameters,
) -> _Anchors:
    n = len(t)
    in_stay = stays.point_stay >= 0
    chain_start = np.flatnonzero(np.r_[True, np.diff(t) > params.chain_gap_s])
    chain_size = np.diff(np.r_[chain_start, n])
    chain_has_stay = np.maximum.reduceat(in_stay.astype(np.int8), chain_start) > 0
    extent_sq = np.zeros(len(chain_start))
    for axis in range(3):
        spread = np.maximum.reduceat(xyz[:, axis], chain_start) - np.minimum.reduceat(
            xyz[:, axis], chain_start
        )
        extent_sq += spread**2
    rest_chain = ~chain_has_stay & (
        (extent_sq <= params.rest_extent_m**2) | (chain_size <= params.sparse_chain_max_points)
    )
    # a chain reached and left at travel speed is a record in transit (a fix every two hours on a bus)
    chain_end = np.r_[chain_start[1:], n] - 1
    speed_in = np.zeros(len(chain_start))
    speed_out = np.zeros(len(chain_start))
    if len(chain_start) > 1:
        before, first = chain_end[:-1], chain_start[1:]
        step = np.linalg.norm(xyz[first] - xyz[before], axis=1)
        speed_in[1:] = step / np.maximum(t[first] - t[before], 1.0)
        speed_out[:-1] = speed_in[1:]
    rest_chain &= ~((speed_in >= params.transit_speed_mps) & (speed_out >= params.transit_speed_mps))
    point_chain = np.repeat(np.arange(len(chain_start)), chain_size)
    rest_point = rest_chain[point_chain] & ~in_stay
    moving = ~in_stay & ~rest_point

    # movement: consecutive moving points in the same time bin, one anchor each
    move_index = np.flatnonzero(moving)
    if len(move_index):
        bin_number = np.floor(t[move_index] / params.movement_bin_s).astype(np.int64)
        breaks = np.r_[True, (np.diff(bin_number) != 0) | (np.diff(move_index) != 1)]
        group_start = np.flatnonzero(breaks)
        group_size = np.diff(np.r_[group_start, len(move_index)])
        move_first = move_index[group_start]
        move_last = move_index[group_start + group_size - 1]
        move_xyz = np.add.reduceat(xyz[move_index], group_start, axis=0) / group_size[:, None]
    else:
        move_first = move_last = np.zeros(0, dtype=np.int64)
        move_xyz = np.zeros((0, 3))
    rest_index = np.flatnonzero(rest_point)
    k = len(stays)
    stay_xyz = to_xyz_m(stays.lat, stays.lon) if k else np.zeros((0, 3))

    first = np.r_[stays.first_index, rest_index, move_first].astype(np.int64)
    last = np.r_[stays.last_index, rest_index, move_last].astype(np.int64)
    kind = np.r_[np.full(k, _STAY), np.full(len(rest_index), _REST), np.full(len(move_first), _MOVE)]
    centre = np.vstack((stay_xyz, xyz[rest_index], move_xyz))
    stay = np.r_[np.arange(k), np.full(len(rest_index) + len(move_first), -1)].astype(np.int64)
    order = np.argsort(first, kind="stable")
    if country is not None:
        point_country = np.asarray(country, dtype=object)
        own = point_country[first]
        if stay_country is not None and k:
            own[:k] = np.asarray(stay_country, dtype=object)
        anchor_country = [str(c) if c else "" for c in own[order].tolist()]
    else:
        anchor_country = [""] * len(first)
    return _Anchors(
        kind=kind[order],
        first=first[order],
        last=last[order],
        xyz=centre[order],
        stay=stay[order],
        country=anchor_country,
    )


# ---------------------------------------------------------------------- steps 2-3: one pass over anchors
@dataclass
class _Group:
    seed: int
    radius_m: float
    country: str
    sum_xyz: list[float]
    count: int
    last_at: int
    last_rest: int
    stays: list[int] = field(default_factory=list)
    excursions: list[tuple[int, int]] = field(default_factory=list)


def _group(
    t: np.ndarray,
    anchors: _Anchors,
    stays: StayArrays,
    stay_place_radius_m: np.ndarray | None,
    place_radius_at_m: Callable[[float, float], float] | None,
    params: VisitParameters,
) -> list[_Group]:
    kind = anchors.kind.tolist()
    start = t[anchors.first].tolist()
    end = t[anchors.last].tolist()
    x, y, z = (anchors.xyz[:, a].tolist() for a in range(3))
    stay = anchors.stay.tolist()
    country = anchors.country
    na = len(kind)
    max_gap = params.max_gap_s
    max_away = params.max_excursion_s
    short_bracket = params.max_excursion_bracket_s
    long_bracket = params.established_excursion_bracket_s
    established = params.established_visit_s

    def radius_at(a: int) -> float:
        if kind[a] == _STAY and stay_place_radius_m is not None:
            value = float(stay_place_radius_m[stay[a]])
            if np.isfinite(value) and value > 0:
                return value
        if place_radius_at_m is not None:
            la, lo = xyz_to_latlon(np.array([[x[a], y[a], z[a]]]))
            value = float(place_radius_at_m(float(la[0]), float(lo[0])))
            if np.isfinite(value) and value > 0:
                return value
        return params.default_place_radius_m

    def open_group(a: int) -> _Group:
        group = _Group(
            seed=a,
            radius_m=radius_at(a),
            country=country[a],
            sum_xyz=[x[a], y[a], z[a]],
            count=1,
            last_at=a,
            last_rest=a,
        )
        if kind[a] == _STAY:
            group.stays.append(stay[a])
        return group

    groups: list[_Group] = []
    current: _Group | None = None
    pending = -1  # first anchor of the excursion under way
    a = 0
    while a < na:
        if current is None:
            if kind[a] != _MOVE:
                current = open_group(a)
                pending = -1
            a += 1
            continue
        inverse = 1.0 / current.count
        dx = x[a] - current.sum_xyz[0] * inverse
        dy = y[a] - current.sum_xyz[1] * inverse
        dz = z[a] - current.sum_xyz[2] * inverse
        foreign = bool(country[a]) and bool(current.country) and country[a] != current.country
        at_place = not foreign and dx * dx + dy * dy + dz * dz <= current.radius_m * current.radius_m
        since_seed = end[current.last_at] - start[current.seed]
        max_bracket = long_bracket if since_seed >= established else short_bracket
        if at_place:
            if pending >= 0:
                if start[a] - end[current.last_at] > max_bracket:
                    groups.append(current)  # came back, but too late to call it an excursion
                    current, a = None, pending
                    continue
                current.excursions.append((pending, a - 1))
                pending = -1
            elif start[a] - end[current.last_at] > max_gap:
                groups.append(current)
                current = None
                continue  # this anchor may start the next visit
            current.last_at = a
            if kind[a] != _MOVE:
                current.last_rest = a
                current.sum_xyz[0] += x[a]
                current.sum_xyz[1] += y[a]
                current.sum_xyz[2] += z[a]
                current.count += 1
                if kind[a] == _STAY:
                    current.stays.append(stay[a])
            a += 1
            continue
        if pending < 0:
            pending = a
        if foreign or end[a] - start[pending] > max_away or end[a] - end[current.last_at] > max_bracket:
            groups.append(current)
            current, a = None, pending
            continue
        a += 1
        if a == na and pending >= 0:
            groups.append(current)  # the data end while away: what follows the visit is read again
            current, a = None, pending
    if current is not None:
        groups.append(current)
    joined = _join_across_excursions(groups, kind, start, end, x, y, z, country, params)
    return _without_passing_records(joined, kind, start, end, x, y, z, params)


def _join_across_excursions(
    groups: list[_Group],
    kind: list[int],
    start: list[float],
    end: list[float],
    x: list[float],
    y: list[float],
    z: list[float],
    country: list[str],
    params: VisitParameters,
) -> list[_Group]:
    """Second look (step 3, backwards): a visit that ended on an excursion before it was established is
    joined with a later visit at the same place when that one is established and the time away qualifies
    as an excursion (a day trip photographed on the second day of a long stay). Visits in between that
    lie wholly inside the excursion are taken into it."""
    joined: list[_Group] = []
    for group in groups:
        target = -1
        episodes: list[tuple[int, int]] = []
        for back in range(len(joined) - 1, -1, -1):
            candidate = joined[back]
            if start[group.seed] - end[candidate.last_rest] > params.established_excursion_bracket_s:
                break
            episodes = _excursions_between(candidate, group, kind, start, end, x, y, z, country, params)
            if episodes:
                target = back
                break
        if target < 0:
            joined.append(group)
            continue
        base = joined[target]
        base.excursions.extend(episodes)
        base.excursions.extend(group.excursions)
        base.stays.extend(group.stays)
        for axis in range(3):
            base.sum_xyz[axis] += group.sum_xyz[axis]
        base.count += group.count
        base.last_at, base.last_rest = group.last_at, group.last_rest
        del joined[target + 1 :]
    return joined


def _without_passing_records(
    groups: list[_Group],
    kind: list[int],
    start: list[float],
    end: list[float],
    x: list[float],
    y: list[float],
    z: list[float],
    params: VisitParameters,
) -> list[_Group]:
    """Step 3, last: a visit of a single record that lies on the way from the visit before it to the visit
    after it, and is not a night away from both, is a photo taken in passing (from the bus between two
    towns): it is dropped as a visit (the record stays a route point). Its neighbours are judged as they
    were found, so two such records in a row are both dropped."""
    if len(groups) < 3:
        return groups
    centres = [[v / group.count for v in group.sum_xyz] for group in groups]
    keep = [True] * len(groups)
    for index in range(1, len(groups) - 1):
        group = groups[index]
        if group.count != 1 or kind[group.seed] != _REST or group.excursions:
            continue
        before, after = groups[index - 1], groups[index + 1]
        if start[group.seed] - end[before.last_rest] > params.night_gap_s and (
            start[after.seed] - end[group.last_rest] > params.night_gap_s
        ):
            continue  # a night or more on both sides: it may have been a stop of its own
        here, previous, following = centres[index], centres[index - 1], centres[index + 1]
        direct = math.dist(previous, following)
        detour = math.dist(previous, here) + math.dist(here, following) - direct
        if detour <= max(params.passing_detour_min_m, params.passing_detour_share * direct):
            keep[index] = False
    return [group for group, kept in zip(groups, keep, strict=True) if kept]


def _excursions_between(
    first: _Group,
    second: _Group,
    kind: list[int],
    start: list[float],
    end: list[float],
    x: list[float],
    y: list[float],
    z: list[float],
    country: list[str],
    params: VisitParameters,
) -> list[tuple[int, int]]:
    """The excursions (anchor ranges) that would join ``first`` and ``second`` into one visit, or []."""
    established = params.established_visit_s
    first_span = end[first.last_rest] - start[first.seed]
    second_span = end[second.last_rest] - start[second.seed]
    if max(first_span, second_span) < established:
        return []
    if first.country and second.country and first.country != second.country:
        return []
    radius = min(first.radius_m, second.radius_m)
    centre = [v / first.count for v in first.sum_xyz]
    other = [v / second.count for v in second.sum_xyz]
    if sum((a - b) ** 2 for a, b in zip(centre, other, strict=True)) > radius * radius:
        return []
    away = []
    for a in range(first.last_rest + 1, second.seed):
        outside = (x[a] - centre[0]) ** 2 + (y[a] - centre[1]) ** 2 + (
            z[a] - centre[2]
        ) ** 2 > radius * radius
        if outside or (country[a] and first.country and country[a] != first.country):
            away.append(a)
        elif kind[a] != _MOVE:
            return []  # a record at rest at the place in between: the forward pass ended the visit there
    if not away:
        return []  # nothing elsewhere in between: the silence rule (max_gap_s) ended the visit
    if any(country[a] and first.country and country[a] != first.country for a in away):
        return []
    # a night's silence between records away splits them into day trips on consecutive days, each judged
    # on its own, when nothing says the night was spent away: no stay among the records away (a sparse
    # phone), or the records before and after the silence are at different places (farther apart than
    # the place radius: the person did not wake up where they went to sleep, so slept at the visit's place)
    no_stay_away = all(kind[a] != _STAY for a in away)
    episodes = [[away[0], away[0]]]
    for a in away[1:]:
        before = episodes[-1][1]
        night = start[a] - end[before] >= params.night_gap_s
        if night and (
            no_stay_away
            or (x[a] - x[before]) ** 2 + (y[a] - y[before]) ** 2 + (z[a] - z[before]) ** 2 > radius * radius
        ):
            episodes.append([a, a])
        else:
            episodes[-1][1] = a
    if any(end[last] - start[first_away] > params.max_excursion_s for first_away, last in episodes):
        return []
    return [(first_away, last) for first_away, last in episodes]


# ---------------------------------------------------------------------- step 4: statistics
def _visit_objects(
    *,
    t: np.ndarray,
    xyz: np.ndarray,
    anchors: _Anchors,
    groups: list[_Group],
    record_id: np.ndarray,
    artifact: np.ndarray,
    artifact_ids: tuple[str, ...],
    fix_kind: np.ndarray,
    fix_kinds: tuple[str, ...],
    params: VisitParameters,
) -> tuple[Visit, ...]:
    gaps = np.diff(t)
    observed_cumulative = np.r_[0.0, np.cumsum(np.where(gaps <= params.chain_gap_s, gaps, 0.0))]
    day = np.floor(t / SECONDS_PER_DAY).astype(np.int64)
    day_change_cumulative = np.r_[0, np.cumsum(np.diff(day) != 0)]
    n_fix = max(len(fix_kinds), 1)
    source_code = artifact * n_fix + fix_kind
    visits = []
    for group in groups:
        first = int(anchors.first[group.seed])
        last = int(anchors.last[group.last_rest])
        centre = np.asarray(group.sum_xyz) / group.count
        duration = float(t[last] - t[first])
        observed = float(observed_cumulative[last] - observed_cumulative[first])
        counts = np.bincount(source_code[first : last + 1])
        sources = tuple(
            VisitSource(
                artifact_id=artifact_ids[code // n_fix] if code // n_fix < len(artifact_ids) else "unknown",
                fix_kind=fix_kinds[code % n_fix] if code % n_fix < len(fix_kinds) else "unknown",
                n_records=int(counts[code]),
            )
            for code in np.flatnonzero(counts).tolist()
        )
        excursions = []
        for away_first, away_last in group.excursions:
            p0 = int(anchors.first[away_first])
            p1 = int(anchors.last[away_last])
            if p1 > last:
                continue  # came back only in passing, after the last record at rest: departure
            offset = xyz[p0 : p1 + 1] - centre
            reach = float(np.sqrt(np.einsum("ij,ij->i", offset, offset).max()))
            excursion_stays = anchors.stay[away_first : away_last + 1]
            excursions.append(
                Excursion(
                    start_utc=seconds_to_utc(float(t[p0])),
                    end_utc=seconds_to_utc(float(t[p1])),
                    max_distance_m=reach,
                    n_records=p1 - p0 + 1,
                    stay_indices=tuple(int(s) for s in excursion_stays[excursion_stays >= 0]),
                )
            )
        lat, lon = xyz_to_latlon(centre[None, :])
        visits.append(
            Visit(
                lat=float(lat[0]),
                lon=float(lon[0]),
                place_radius_m=group.radius_m,
                start_utc=seconds_to_utc(float(t[first])),
                end_utc=seconds_to_utc(float(t[last])),
                observed_s=observed,
                observed_share=observed / duration if duration > 0 else None,
                longest_gap_s=float(gaps[first:last].max()) if last > first else 0.0,
                n_records=last - first + 1,
                days_with_records=int(day_change_cumulative[last] - day_change_cumulative[first]) + 1,
                days=int(day[last] - day[first]) + 1,
                first_record_id=int(record_id[first]),
                last_record_id=int(record_id[last]),
                stay_indices=tuple(group.stays),
                excursions=tuple(excursions),
                sources=sources,
            )
        )
    return tuple(visits)


def visits_at(
    visits: tuple[Visit, ...],
    *,
    lat: float,
    lon: float,
    radius_m: float,
    start_s: float,
    end_s: float,
) -> list[tuple[int, float]]:
    """Visits overlapping [start_s, end_s] (UTC epoch seconds) whose centre lies within the visit's place
    radius plus ``radius_m`` of (lat, lon): (visit index, distance of its centre in metres), in time order.
    For the evidence of a claim about a place ("stayed in Gaziantep 20 March – 10 April")."""
    if not visits:
        return []
    centres = to_xyz_m(np.array([v.lat for v in visits]), np.array([v.lon for v in visits]))
    distance = np.linalg.norm(centres - to_xyz_m(np.array([lat]), np.array([lon])), axis=1)
    found = []
    for index, visit in enumerate(visits):
        overlaps = visit.start_utc.timestamp() <= end_s and visit.end_utc.timestamp() >= start_s
        if overlaps and distance[index] <= visit.place_radius_m + radius_m:
            found.append((index, float(distance[index])))
    return found

"""A generated journey and ~300 claims that exercise every path of the matcher.

Used to check that speed shortcuts give exactly the same findings as the straightforward evaluation:
dense and sparse sampling (blocks skipped and not), stays and moves, a flight and a phone-off gap
without records, isolated wrong fixes (disregarded) and adjacent ones (kept), a clock jump (records
that contradict each other), unknown accuracy, unusable rows, per-row clock uncertainty from 1 s to
2 hours, and claims of every kind and time width before, during, in the gap and after the records.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from matching.claims import Claim, ClaimKind
from matching.places import Place, PlaceKind
from matching.points import MatchPoints
from matching.time_phrases import Granularity, TimeInterval

# name: (lat, lon, extent radius m, IANA zone)
CITIES: dict[str, tuple[float, float, float, str]] = {
    "Aleppo": (36.202, 37.159, 15_000.0, "Asia/Damascus"),
    "Gaziantep": (37.066, 37.383, 12_000.0, "Europe/Istanbul"),
    "Izmir": (38.413, 27.138, 15_000.0, "Europe/Istanbul"),
    "Mytilene": (39.108, 26.555, 4_000.0, "Europe/Athens"),
    "Athens": (37.984, 23.728, 12_000.0, "Europe/Athens"),
    "Thessaloniki": (40.640, 22.944, 10_000.0, "Europe/Athens"),
    "Belgrade": (44.804, 20.465, 12_000.0, "Europe/Belgrade"),
    "Vienna": (48.208, 16.372, 15_000.0, "Europe/Vienna"),
    "Ter Apel": (52.872, 7.072, 1_500.0, "Europe/Amsterdam"),
    # never visited
    "Berlin": (52.524, 13.411, 15_000.0, "Europe/Berlin"),
    "Rome": (41.894, 12.483, 15_000.0, "Europe/Rome"),
    "Chios": (38.400, 26.000, 30_000.0, "Europe/Athens"),
    "Ayvalik": (39.319, 26.693, 4_000.0, "Europe/Istanbul"),
}
COUNTRY_OF = {"Aleppo": "SY", "Gaziantep": "TR", "Izmir": "TR", "Mytilene": "GR", "Athens": "GR",
              "Thessaloniki": "GR", "Belgrade": "RS", "Vienna": "AT", "Ter Apel": "NL", "Berlin": "DE",
              "Rome": "IT", "Chios": "GR", "Ayvalik": "TR"}  # fmt: skip
START = datetime(2023, 3, 1, 6, 0, tzinfo=UTC)

# (action, city, days, sampling step s): stays wander around town, moves go in a straight line,
# "flight" and "off" produce no records (the device moves or stays unobserved).
PLAN: list[tuple[str, str, float, float]] = [
    ("stay", "Aleppo", 5, 120),
    ("move", "Gaziantep", 0.15, 60),
    ("stay", "Gaziantep", 4, 30),
    ("move", "Izmir", 0.7, 60),
    ("stay", "Izmir", 7, 20),
    ("move", "Mytilene", 0.3, 30),
    ("stay", "Mytilene", 14, 45),
    ("move", "Athens", 0.5, 60),
    ("stay", "Athens", 8, 15),
    ("off", "Athens", 3, 0),
    ("stay", "Thessaloniki", 3, 300),
    ("move", "Belgrade", 0.6, 60),
    ("stay", "Belgrade", 4, 30),
    ("move", "Vienna", 0.4, 60),
    ("stay", "Vienna", 2, 40),
    ("flight", "Ter Apel", 0.2, 0),
    ("stay", "Ter Apel", 6, 25),
]


def _place(name: str) -> Place:
    lat, lon, radius_m, zone = CITIES[name]
    return Place(f"journey:{name}", name, PlaceKind.CITY, COUNTRY_OF[name], lat, lon, radius_m, None,
                 "synthetic journey", name, timezone=zone)  # fmt: skip


def make_journey_points(seed: int) -> MatchPoints:
    """About 100,000 points over ~57 days (see the module docstring for what they contain)."""
    rng = np.random.default_rng(seed)
    times, lats, lons = [], [], []
    when = START.timestamp()
    current = "Aleppo"
    for action, city, days, step_s in PLAN:
        end = when + days * 86_400
        a, b = CITIES[current], CITIES[city]
        if step_s:
            t = (
                np.arange(when, end, step_s)
                + rng.uniform(-0.3, 0.3, int(np.ceil((end - when) / step_s)))[
                    : len(np.arange(when, end, step_s))
                ]
            )
            local_hour = ((t // 3600) + 2) % 24
            keep = ~((local_hour >= 1) & (local_hour < 6) & (rng.random(len(t)) < 0.9))  # quiet nights
            keep &= rng.random(len(t)) >= 0.1  # missing fixes
            t = t[keep]
            fraction = (t - when) / (end - when)
            lat = a[0] + (b[0] - a[0]) * fraction
            lon = a[1] + (b[1] - a[1]) * fraction
            if action == "stay":
                lat = lat + rng.normal(0, 0.02, len(t))
                lon = lon + rng.normal(0, 0.02, len(t))
            times.append(t)
            lats.append(lat)
            lons.append(lon)
        current = city
        when = end
    t = np.concatenate(times)
    lat = np.concatenate(lats)
    lon = np.concatenate(lons)
    n = len(t)
    accuracy = rng.choice([10.0, 15.0, 30.0, 65.0, 150.0, 800.0, 1500.0, np.nan], n)
    # multipath outliers 2-20 km off, and isolated far misfixes (Wi-Fi access point in another country)
    lat = lat + (rng.random(n) < 0.004) * rng.uniform(2, 20, n) / 111 * rng.choice([-1, 1], n)
    far = rng.random(n) < 0.0004
    lat[far] += rng.uniform(4, 9, int(far.sum())) * rng.choice([-1, 1], int(far.sum()))
    # two adjacent misfixes (not isolated: both kept) in Izmir
    izmir = int(np.searchsorted(t, START.timestamp() + 12 * 86_400))
    lat[izmir : izmir + 2] += 7.0
    # forty records in Berlin in the middle of the Mytilene stay (records that contradict each other)
    jump = int(np.searchsorted(t, START.timestamp() + 20.2 * 86_400))
    lat[jump : jump + 40] = CITIES["Berlin"][0]
    lon[jump : jump + 40] = CITIES["Berlin"][1]
    clock = np.full(n, 5.0)
    clock[(t > START.timestamp() + 9 * 86_400) & (t < START.timestamp() + 16 * 86_400)] = 90.0
    clock[(t > START.timestamp() + 30 * 86_400) & (t < START.timestamp() + 33 * 86_400)] = 7_200.0
    clock[rng.random(n) < 0.01] = 1.0
    usable = rng.random(n) >= 0.02
    return MatchPoints.from_arrays(
        time_utc_s=t,
        lat=np.clip(lat, -89.9, 89.9),
        lon=lon,
        accuracy_m=accuracy,
        record_id=np.arange(1, n + 1) * 3,
        clock_uncertainty_s=clock,
        usable=usable,
    )


def make_journey_claims(seed: int, count: int = 300) -> list[Claim]:
    """``count`` claims of every kind and width, at visited and never-visited places."""
    rng = np.random.default_rng(seed + 1)
    names = list(CITIES)
    kinds = list(ClaimKind)
    first_day = date(2023, 2, 20)  # some claims before the first record
    claims = []
    for i in range(count):
        name = names[int(rng.integers(len(names)))]
        kind = kinds[int(rng.integers(len(kinds)))]
        day = first_day + timedelta(days=int(rng.integers(0, 75)))
        roll = rng.random()
        if roll < 0.35:
            interval = TimeInterval(day, day, Granularity.DAY, "", "")
        elif roll < 0.6:
            interval = TimeInterval(
                day, day + timedelta(days=int(rng.integers(1, 12))), Granularity.RANGE, "", ""
            )
        elif roll < 0.75:
            moment = datetime(
                day.year, day.month, day.day, int(rng.integers(0, 23)), int(rng.integers(0, 59))
            )
            width = timedelta(minutes=int(rng.choice([60, 120, 240])))
            interval = TimeInterval(moment, moment + width, Granularity.MINUTE, "", "")
        elif roll < 0.92:
            month_start = day.replace(day=1)
            month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            interval = TimeInterval(month_start, month_end, Granularity.MONTH, "", "")
        else:
            interval = TimeInterval(
                day, day + timedelta(days=int(rng.integers(20, 92))), Granularity.SEASON, "", ""
            )
        from_country = to_country = None
        if kind is ClaimKind.CROSSED_BORDER:
            to_country = COUNTRY_OF[name]
            from_country = "TR" if to_country != "TR" else "SY"
        claims.append(
            Claim(f"j{i}", kind, _place(name), interval, from_country=from_country, to_country=to_country)
        )
    return claims

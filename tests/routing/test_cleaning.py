from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from extractor.records import Observation, TimeSource
from routing.cleaning import ClockEvidence, PointFlag, clean_points, flag_reasons
from routing.points import PointTable
from tests.routing.builders import ATHENS, T0, JourneyBuilder, make_record, offset


def test_duplicates_across_artifacts_are_merged_keeping_every_source() -> None:
    records = []
    for minute in range(10):
        moment = T0 + timedelta(minutes=minute)
        lat, lon = offset(*ATHENS, 100.0 * minute, 0.0)
        records.append(make_record(moment, lat, lon, accuracy_m=15.0, artifact_id="android.fused"))
        records.append(
            make_record(
                moment + timedelta(seconds=2),
                *offset(lat, lon, 8.0, 0.0),
                accuracy_m=40.0,
                artifact_id="google.takeout",
            )
        )
    table = PointTable.from_records(records, record_ids=list(range(100, 120)))
    cleaned = clean_points(table)
    duplicate = (cleaned.flags & PointFlag.DUPLICATE) != 0
    assert duplicate.sum() == 10
    # the takeout copies (worse accuracy) point to the fused fixes; nothing is deleted
    takeout = np.array([table.artifact_ids[a] == "google.takeout" for a in table.artifact])
    assert np.array_equal(duplicate, takeout)
    representatives = cleaned.duplicate_of[duplicate]
    assert all(table.artifact_ids[table.artifact[r]] == "android.fused" for r in representatives)
    assert len(cleaned.points) == 20


def test_same_artifact_points_close_in_time_are_not_duplicates() -> None:
    records = [make_record(T0 + timedelta(seconds=s), *ATHENS, artifact_id="android.fused") for s in (0, 3)]
    assert not (clean_points(PointTable.from_records(records)).flags & PointFlag.DUPLICATE).any()


def test_single_multipath_outlier_is_flagged_but_not_its_neighbours() -> None:
    journey = JourneyBuilder(seed=3, interval_s=30).stay(*ATHENS, hours=1, jitter_m=50)
    table = journey.table()
    lat = table.lat.copy()
    lon = table.lon.copy()
    lat[60], lon[60] = offset(*ATHENS, 4000.0, 1500.0)
    noisy = PointTable.from_arrays(time_s=table.time_s, lat=lat, lon=lon, accuracy_m=table.accuracy_m)
    cleaned = clean_points(noisy)
    outliers = np.flatnonzero(cleaned.flags & (PointFlag.OUTLIER_SPEED | PointFlag.OUTLIER_SPIKE))
    assert outliers.tolist() == [60]
    assert "multipath" in " ".join(flag_reasons(int(cleaned.flags[60])))


def test_real_fast_travel_is_not_an_outlier() -> None:
    journey = JourneyBuilder(interval_s=60).stay(*ATHENS, hours=1).move(ATHENS, (38.5, 23.0), hours=1.5)
    cleaned = clean_points(journey.table())
    assert cleaned.usable.all()


def test_wrong_clock_week_flags_only_device_clock_times_in_that_week() -> None:
    start = datetime(2016, 3, 1, tzinfo=UTC)
    records = []
    for day in range(21):
        moment = start + timedelta(days=day, hours=12)
        records.append(make_record(moment, *ATHENS, time_source=TimeSource.DEVICE_CLOCK, artifact_id="exif"))
        records.append(
            make_record(moment + timedelta(hours=1), *ATHENS, time_source=TimeSource.GNSS, artifact_id="gnss")
        )
    week = (start + timedelta(days=7), start + timedelta(days=14))
    cleaned = clean_points(PointTable.from_records(records), clock=ClockEvidence(suspect_intervals=(week,)))
    suspect = (cleaned.flags & PointFlag.CLOCK_SUSPECT_PERIOD) != 0
    assert suspect.sum() == 7
    times = cleaned.points.time_s[suspect]
    assert (times >= week[0].timestamp()).all() and (times <= week[1].timestamp()).all()
    assert (cleaned.points.time_source[suspect] == cleaned.points.time_source[0]).all()


def test_impossible_clock_times_are_flagged_with_reasons() -> None:
    extraction = datetime(2016, 4, 1, tzinfo=UTC)
    records = [
        make_record(datetime(1970, 1, 2, tzinfo=UTC), *ATHENS),
        make_record(datetime(2014, 6, 1, tzinfo=UTC), *ATHENS),
        make_record(datetime(2016, 3, 15, tzinfo=UTC), *ATHENS),
        make_record(datetime(2017, 1, 1, tzinfo=UTC), *ATHENS),
    ]
    clock = ClockEvidence(
        device_first_seen_utc=datetime(2015, 1, 1, tzinfo=UTC), extraction_time_utc=extraction
    )
    cleaned = clean_points(PointTable.from_records(records), clock=clock)
    assert cleaned.flags[0] & PointFlag.CLOCK_BEFORE_2007 and cleaned.flags[0] & PointFlag.CLOCK_BEFORE_DEVICE
    assert cleaned.flags[1] == PointFlag.CLOCK_BEFORE_DEVICE
    assert cleaned.flags[2] == 0
    assert cleaned.flags[3] == PointFlag.CLOCK_FUTURE
    assert flag_reasons(int(cleaned.flags[3])) == ["time after the extraction"]


def test_received_points_are_context_only() -> None:
    records = [make_record(T0, *ATHENS), make_record(T0 + timedelta(minutes=1), *ATHENS)]
    table = PointTable.from_arrays(
        time_s=np.array([r.time_utc.timestamp() for r in records]),
        lat=np.array([r.lat for r in records]),
        lon=np.array([r.lon for r in records]),
        observation=[Observation.OWN, Observation.RECEIVED],
    )
    cleaned = clean_points(table)
    assert cleaned.usable.tolist() == [True, False]
    assert cleaned.counts()["RECEIVED"] == 1

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from extractor.records import FixKind, Observation
from routing.errors import PointTableError
from routing.points import DEFAULT_ACCURACY_M, FIX_KINDS, PointTable
from tests.routing.builders import T0, make_record


def test_from_records_sorts_by_time_and_fills_default_accuracy_per_fix_kind() -> None:
    records = [
        make_record(T0 + timedelta(minutes=5), 41.0, 29.0, accuracy_m=None, fix_kind=FixKind.CELL),
        make_record(T0, 41.0, 29.0, accuracy_m=12.0),
        make_record(T0 + timedelta(minutes=1), 41.0, 29.0, accuracy_m=None, fix_kind=FixKind.WIFI),
    ]
    table = PointTable.from_records(records, record_ids=[30, 10, 20])
    assert table.record_id.tolist() == [10, 20, 30]
    assert table.accuracy_m.tolist() == [
        12.0,
        DEFAULT_ACCURACY_M[FixKind.WIFI],
        DEFAULT_ACCURACY_M[FixKind.CELL],
    ]
    assert table.accuracy_known.tolist() == [True, False, False]
    assert [FIX_KINDS[c] for c in table.fix_kind] == [FixKind.GNSS, FixKind.WIFI, FixKind.CELL]
    assert table.time_utc(0) == T0


def test_from_dataframe_round_trips_through_to_dataframe() -> None:
    frame = pd.DataFrame(
        {
            "time_utc": pd.to_datetime(["2016-03-01T10:00:00Z", "2016-03-01T09:00:00Z"], utc=True),
            "lat": [40.0, 41.0],
            "lon": [20.0, 21.0],
            "accuracy_m": [np.nan, 5.0],
            "observation": ["received", "own"],
            "artifact_id": ["ios.photos", "ios.routined"],
            "record_id": [7, 8],
        }
    )
    table = PointTable.from_dataframe(frame)
    assert table.record_id.tolist() == [8, 7]
    back = table.to_dataframe()
    assert back["observation"].tolist() == [Observation.OWN.value, Observation.RECEIVED.value]
    assert back["artifact_id"].tolist() == ["ios.routined", "ios.photos"]
    assert back["time_utc"].iloc[0] == pd.Timestamp("2016-03-01T09:00:00Z")


def test_naive_times_and_bad_values_are_rejected() -> None:
    with pytest.raises(PointTableError):
        PointTable.from_dataframe(
            pd.DataFrame({"time_utc": pd.to_datetime(["2016-03-01 10:00"]), "lat": [1.0], "lon": [1.0]})
        )
    with pytest.raises(PointTableError):
        PointTable.from_arrays(time_s=np.array([0.0]), lat=np.array([95.0]), lon=np.array([0.0]))
    with pytest.raises(PointTableError):
        PointTable.from_arrays(
            time_s=np.array([0.0]), lat=np.array([1.0]), lon=np.array([1.0]), fix_kind=["satellite"]
        )


def test_columns_are_read_only() -> None:
    table = PointTable.from_arrays(
        time_s=np.array([1.0, 2.0]), lat=np.array([1.0, 1.0]), lon=np.array([2.0, 2.0])
    )
    with pytest.raises(ValueError):
        table.lat[0] = 5.0

"""Route versions in columnar form: written once, read back exactly, encrypted, checked, erasable; old JSON
versions still read. Records load as columns with the exact stored times. SQLite and PostgreSQL."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import select

from casework.state import AppState
from routing.points import PointTable
from routing.route import build_route, route_to_dict, route_to_geojson
from store.errors import EvidenceIntegrityError, EvidenceKeyDestroyed
from store.location_rows import _load_with_orm, insert_location_rows, load_location_columns
from store.models import RouteVersion
from store.route_store import (
    POINTS_FORMAT,
    StoredPoints,
    decode_points,
    encode_points,
    forget_case,
    load_points,
    load_route,
    write_route_version,
)
from tests.store.route_builders import journey_points, make_case_with_job, record_rows


def _route(n_points: int, seed: int = 3):  # type: ignore[no-untyped-def]
    points = journey_points(n_points, seed)
    table = PointTable.from_arrays(**points)
    return build_route(table)


def _same_route(a, b) -> None:  # type: ignore[no-untyped-def]
    assert json.dumps(route_to_dict(a), sort_keys=True) == json.dumps(route_to_dict(b), sort_keys=True)


def test_columnar_round_trip_is_exact_encrypted_and_checked(state: AppState) -> None:
    route = _route(6_000)
    assert len(route.stays) >= 4 and route.flags.any()  # a real route: stays, and points set aside
    with state.session_factory.begin() as session:
        case_id, _job, _custody = make_case_with_job(session, "V-COLUMNS")
        row = write_route_version(
            session,
            state.evidence,
            case_id=case_id,
            version=1,
            route=route,
            geojson=route_to_geojson(route),
            code_version="test",
        )
        row_id = row.id
    forget_case(case_id)  # read from disk, not from the cache the write filled
    with state.session_factory() as session:
        row = session.get(RouteVersion, row_id)
        assert row is not None
        assert row.points_format == POINTS_FORMAT and "points" not in row.route
        assert row.route["statistics"]["points"] == 6_000 and row.route["stays"]
        assert len(json.dumps(row.route)) < 60_000  # the summary is small; the points live in the blob
        _same_route(load_route(session, state.evidence, row), route)
        blob = state.evidence.blob_path(case_id, row.points_blob)
        sealed = blob.read_bytes()
        assert b"ARROW1" not in sealed and b"Europe/Istanbul" not in sealed  # encrypted at rest
        assert row.points_bytes is not None and len(sealed) > row.points_bytes > 0

        # tampering with the stored points is detected on load (hash re-checked)
        forget_case(case_id)
        damaged = bytearray(sealed)
        damaged[len(damaged) // 2] ^= 0x01
        blob.write_bytes(bytes(damaged))
        with pytest.raises(EvidenceIntegrityError):
            load_points(session, state.evidence, row)
        blob.write_bytes(sealed)
        assert len(load_points(session, state.evidence, row)) == 6_000  # now cached

    # crypto-erasure: once the case key is gone, no read succeeds, cached or not
    with state.session_factory.begin() as session:
        state.evidence.destroy_case(session, case_id)
    with state.session_factory() as session:
        row = session.get(RouteVersion, row_id)
        assert row is not None
        with pytest.raises(EvidenceKeyDestroyed):
            load_points(session, state.evidence, row)


def test_versions_written_as_json_are_still_read(state: AppState) -> None:
    route = _route(2_000, seed=5)
    with state.session_factory.begin() as session:
        case_id, _job, _custody = make_case_with_job(session, "V-LEGACY")
        stored = json.loads(json.dumps(route_to_dict(route), allow_nan=False))
        row = RouteVersion(
            case_id=case_id,
            version=1,
            parameters=stored["parameters"],
            code_version="old",
            records_count=len(route.points),
            route=stored,
            geojson=route_to_geojson(route),
        )
        session.add(row)
        session.flush()
        row_id = row.id
    with state.session_factory() as session:
        row = session.scalars(select(RouteVersion).where(RouteVersion.id == row_id)).one()
        assert row.points_blob is None
        _same_route(load_route(session, state.evidence, row), route)
        points = load_points(session, state.evidence, row)
        assert np.array_equal(points.flags, route.flags)
        assert points.time_zone.values()[:50] == route.point_time_zone.astype(str).tolist()[:50]


def test_encoding_keeps_every_column_and_label() -> None:
    route = _route(3_000, seed=11)
    points = StoredPoints.from_route(route)
    back = decode_points(encode_points(points))
    for name in ("time_s", "lat", "lon", "accuracy_m", "altitude_m"):
        assert np.array_equal(getattr(back, name), getattr(points, name), equal_nan=True), name
    for name in ("accuracy_known", "record_id", "duplicate_of", "flags"):
        assert np.array_equal(getattr(back, name), getattr(points, name)), name
    for name in ("fix_kind", "time_source", "observation", "artifact_id", "country", "time_zone"):
        assert getattr(back, name).values() == getattr(points, name).values(), name
    assert back.point_table().observation.tolist() == route.points.observation.tolist()


def test_bulk_insert_and_column_load_keep_exact_times(state: AppState) -> None:
    points = journey_points(3_000, seed=2)
    points["time_s"][0] = -1.5  # before 1970, with a fraction
    points["time_s"] = np.sort(points["time_s"])
    with state.session_factory.begin() as session:
        case_id, job_id, custody_id = make_case_with_job(session, "V-BULK")
        insert_location_rows(session, record_rows(case_id, job_id, custody_id, points))
    with state.session_factory() as session:
        fast = load_location_columns(session, case_id)
        reference = _load_with_orm(session, case_id)  # datetime per row, then .timestamp()
    assert len(fast["record_id"]) == 3_000
    for name, column in reference.items():
        if column.dtype == object:
            assert fast[name].tolist() == column.tolist(), name
        else:
            assert np.array_equal(fast[name], column, equal_nan=True), name
    assert fast["time_s"][0] == -1.5
    assert np.isnan(fast["accuracy_m"]).sum() == np.isnan(points["accuracy_m"]).sum() > 0


def test_coded_column_load_gives_the_same_point_table(state: AppState) -> None:
    """The route build's loader (numbers and coded strings, no object per row) equals the object-column
    path, for records in time order and for a table handed over out of order."""
    from routing.points import PointTable
    from store.location_rows import load_location_codes

    points = journey_points(4_000, seed=3)
    with state.session_factory.begin() as session:
        case_id, job_id, custody_id = make_case_with_job(session, "V-CODED")
        insert_location_rows(session, record_rows(case_id, job_id, custody_id, points))
    with state.session_factory() as session:
        columns = load_location_columns(session, case_id)
        loaded = load_location_codes(session, case_id)
        assert load_location_codes(session, case_id + 1000) is None
    assert loaded is not None
    numbers, labelled = loaded
    reference = PointTable.from_arrays(**columns)
    fast = PointTable.from_labelled(**numbers, **labelled)
    for name in ("time_s", "lat", "lon", "accuracy_m", "altitude_m"):
        assert np.array_equal(getattr(fast, name), getattr(reference, name), equal_nan=True), name
    for name in ("accuracy_known", "fix_kind", "time_source", "observation", "record_id", "artifact"):
        assert np.array_equal(getattr(fast, name), getattr(reference, name)), name
    assert fast.artifact_ids == reference.artifact_ids
    reverse = slice(None, None, -1)
    shuffled = PointTable.from_labelled(
        **{name: column[reverse].copy() for name, column in numbers.items()},
        **{name: (codes[reverse].copy(), labels) for name, (codes, labels) in labelled.items()},
    )
    assert np.array_equal(shuffled.time_s, reference.time_s)
    assert set(shuffled.record_id.tolist()) == set(reference.record_id.tolist())
    assert np.array_equal(
        shuffled.fix_kind[np.argsort(shuffled.record_id)], reference.fix_kind[np.argsort(reference.record_id)]
    )

"""A location record names its custody item's own case and job, and a custody item with records cannot be
deleted from under them — on PostgreSQL by statement-level checks (migration h18_0001, issue 18), on SQLite
by foreign keys. Bulk inserts go through ``insert_location_rows`` as the extraction's do."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from casework.state import AppState
from store.location_rows import INSERT_COLUMNS, insert_location_rows
from store.models import CustodyRecord, LocationRow
from tests.store.route_builders import make_case_with_job

# insert_location_rows writes through the driver's own cursor, so its errors arrive unwrapped
REFUSED = (DBAPIError, sqlite3.IntegrityError, psycopg.errors.IntegrityError)


def _row(case_id: int, job_id: int, custody_id: int, k: int = 0) -> tuple[object, ...]:
    values = {
        "case_id": case_id,
        "job_id": job_id,
        "custody_id": custody_id,
        "time_utc": datetime(2024, 3, 1, 12, 0, k, tzinfo=UTC),
        "lat": 36.2,
        "lon": 37.1,
        "accuracy_m": 10.0,
        "altitude_m": None,
        "fix_kind": "gnss",
        "time_source": "gnss",
        "observation": "point",
        "artifact_id": "timeline",
        "source_path": "Timeline.json",
        "source_sha256": "0" * 64,
        "row_ref": f"#{k}",
        "note": None,
        "clock_offset_applied_s": 0.0,
    }
    return tuple(values[name] for name in INSERT_COLUMNS)


def _count(state: AppState, case_id: int) -> int:
    with state.session_factory() as session:
        return int(session.scalar(select(func.count()).where(LocationRow.case_id == case_id)) or 0)


def test_records_must_name_their_custody_items_case_and_job(state: AppState) -> None:
    with state.session_factory.begin() as session:
        case_a, job_a, custody_a = make_case_with_job(session, "V-CHECK-A")
        case_b, job_b, custody_b = make_case_with_job(session, "V-CHECK-B")
    with state.session_factory.begin() as session:
        insert_location_rows(session, (_row(case_a, job_a, custody_a, k) for k in range(20)))
    assert _count(state, case_a) == 20
    postgresql = state.engine.dialect.name == "postgresql"
    wrong_rows = [
        _row(case_a, job_a, custody_a + custody_b + 1000),  # no such custody item
    ]
    if postgresql:  # stricter than the foreign keys SQLite keeps: the three must belong together
        wrong_rows += [_row(case_b, job_a, custody_a), _row(case_a, job_b, custody_a)]
    for wrong in wrong_rows:
        with pytest.raises(REFUSED):
            with state.session_factory.begin() as session:
                insert_location_rows(session, [_row(case_a, job_a, custody_a, 30), wrong])
    assert _count(state, case_a) == 20 and _count(state, case_b) == 0  # nothing of a refused batch landed


def test_custody_item_with_records_is_not_deleted_from_under_them(state: AppState) -> None:
    with state.session_factory.begin() as session:
        case_id, job_id, custody_id = make_case_with_job(session, "V-CHECK-C")
    with state.session_factory.begin() as session:
        insert_location_rows(session, (_row(case_id, job_id, custody_id, k) for k in range(5)))
    if state.engine.dialect.name == "postgresql":  # refused, where the foreign key cascaded silently
        with pytest.raises(REFUSED, match="still has location records"):
            with state.session_factory.begin() as session:
                session.execute(delete(CustodyRecord).where(CustodyRecord.id == custody_id))
        assert _count(state, case_id) == 5
    with state.session_factory.begin() as session:  # the order deletion uses: records, then custody
        session.execute(delete(LocationRow).where(LocationRow.case_id == case_id))
        session.execute(delete(CustodyRecord).where(CustodyRecord.id == custody_id))
    assert _count(state, case_id) == 0

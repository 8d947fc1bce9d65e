"""Building a route reads the case's records in a read transaction (issue 18): while the records are being
loaded — a million of them take seconds — another writer takes SQLite's write lock at once (the audit
sequencer and every other writer go on), and on PostgreSQL the loading transaction is READ ONLY. Only adding
the new version holds a write transaction. Checked on every path that builds a route: after a job (device
history, route, re-match) and ``POST /route/rebuild``.

SQLite: a progress handler on the service's connections runs while a statement executes; from inside the
record query it tries ``BEGIN IMMEDIATE`` on a second connection with no busy timeout (it fails at once if
the service holds the write lock). PostgreSQL: the driver's cursor class asks ``transaction_read_only``
before each query that reads the location records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from casework.route_versions import after_job
from casework.state import AppState
from store.location_rows import insert_location_rows
from tests.store.route_builders import journey_points, make_case_with_job, record_rows

N_POINTS = 20_000
PROGRESS_STEPS = 20_000  # SQLite VM steps between probes: a few dozen probes while the records are read


@contextmanager
def probing(state: AppState) -> Iterator[list[Any]]:
    """Probe results while the block runs: True (another writer could start / read-only transaction), or
    what went wrong."""
    results: list[Any] = []
    engine = state.engine
    if engine.dialect.name == "sqlite":
        path = state.settings.resolved_database_url().removeprefix("sqlite:///")

        def probe() -> int:
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                results.append(True)
            except sqlite3.OperationalError as exc:
                results.append(str(exc))
            finally:
                other.close()
            return 0  # go on with the statement

        def checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            dbapi_connection.set_progress_handler(probe, PROGRESS_STEPS)

        def checkin(dbapi_connection: Any, _record: Any) -> None:
            if dbapi_connection is not None:
                dbapi_connection.set_progress_handler(None, 0)

    else:
        import psycopg

        class ProbingCursor(psycopg.Cursor):  # type: ignore[type-arg]
            def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
                text = str(query if isinstance(query, str) else getattr(query, "text", query))
                if "location_records" in text and text.lstrip().upper().startswith("SELECT"):
                    with psycopg.Cursor(self.connection) as plain:
                        plain.execute("SHOW transaction_read_only")
                        row = plain.fetchone()
                    results.append(True if row and row[0] == "on" else f"read-write transaction: {text[:60]}")
                return super().execute(query, *args, **kwargs)

        def checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            dbapi_connection.cursor_factory = ProbingCursor

        def checkin(dbapi_connection: Any, _record: Any) -> None:
            if dbapi_connection is not None:
                dbapi_connection.cursor_factory = psycopg.Cursor

    engine.pool.dispose()  # connections made before the probe get none: start from new ones
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield results
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)
        engine.pool.dispose()


def _case(state: AppState, reference: str) -> tuple[int, int]:
    points = journey_points(N_POINTS, seed=18)
    with state.session_factory.begin() as session:
        case_id, job_id, custody_id = make_case_with_job(session, reference)
        insert_location_rows(session, record_rows(case_id, job_id, custody_id, points))
    state.extras["nearest_place"] = lambda lat, lon: None  # place names play no part here
    return case_id, job_id


def _assert_read_without_write_lock(state: AppState, results: list[Any]) -> None:
    expected = 3 if state.engine.dialect.name == "sqlite" else 1  # PostgreSQL: one probe per query
    assert len(results) >= expected, f"the records were not read while probing ({len(results)} probes)"
    refused = [r for r in results if r is not True]
    assert not refused, f"{len(refused)} of {len(results)} probes: {refused[0]}"


def test_route_after_a_job_reads_the_records_without_the_write_lock(state: AppState) -> None:
    case_id, job_id = _case(state, "V-READS-1")
    with probing(state) as results:
        after_job(state, case_id, job_id)
    _assert_read_without_write_lock(state, results)
    with state.session_factory() as session:
        from sqlalchemy import func, select

        from store.models import RouteVersion

        assert session.scalar(select(func.count()).where(RouteVersion.case_id == case_id)) == 1


def test_route_rebuild_request_reads_the_records_without_the_write_lock(
    state: AppState,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    reviewer = client_for("reviewer")
    case_id, _job_id = _case(state, "V-READS-2")
    with probing(state) as results:
        response = reviewer.post(f"/api/v1/cases/{case_id}/route/rebuild")
    assert response.status_code == 200, response.text
    assert response.json() == {"version": 1, "records": N_POINTS}
    _assert_read_without_write_lock(state, results)


def test_probe_sees_a_write_lock(state: AppState) -> None:
    """The probe can fail: records read inside a write transaction are seen as holding the lock."""
    case_id, _job_id = _case(state, "V-READS-3")
    from store.location_rows import load_location_columns

    with probing(state) as results, state.session_factory.begin() as session:
        assert len(load_location_columns(session, case_id)["record_id"]) == N_POINTS
    assert results and all(r is not True for r in results), results

"""A large item (a Timeline export) commits in parts, so SQLite's write lock is never held for long; an
interruption between its parts leaves it incomplete, and resume removes it and acquires it again (issue 18)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

import store.job_sink as job_sink
from casework.state import AppState
from extractor.records import CustodyItem, FixKind, LocationRecord, TimeSource
from store.job_sink import DbJobSink
from store.models import CustodyRecord, LocationRow
from tests.store.route_builders import make_case_with_job

PART = 100


def _records(count: int) -> list[LocationRecord]:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    return [
        LocationRecord(
            time_utc=start + timedelta(seconds=30 * k),
            lat=36.2 + k * 1e-5,
            lon=37.1,
            accuracy_m=20.0,
            fix_kind=FixKind.GNSS,
            time_source=TimeSource.GNSS,
            artifact_id="timeline",
            source_path="Timeline.json",
            source_sha256="0" * 64,
            row_ref=f"#{k}",
        )
        for k in range(count)
    ]


def _commit(sink: DbJobSink, tmp_path: Path, key: str, records: list[LocationRecord]) -> None:
    staged = tmp_path / f"{key}.bin"
    data = key.encode() * 10
    staged.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    sink.commit_item(
        item_key=key,
        custody=CustodyItem(
            device_path=f"/sdcard/{key}",
            size=len(data),
            mtime=None,
            sha256_acquired=digest,
            bytes_acquired=len(data),
            sha256_whole_file=digest,
            artifact_id="timeline",
            acquired_at=datetime.now(UTC),
            method="file",
        ),
        staged_file=staged,
        records=records,
        dropped_outside_window=0,
    )


def _sink(state: AppState, tmp_path: Path, reference: str) -> DbJobSink:
    with state.session_factory.begin() as session:
        case_id, job_id, _custody = make_case_with_job(session, reference)
    return DbJobSink(
        state.session_factory, state.evidence, job_id=job_id, case_id=case_id, data_dir=tmp_path / "data"
    )


def _counts(state: AppState, sink: DbJobSink, key: str) -> tuple[int, int]:
    with state.session_factory() as session:
        custody_ids = list(
            session.scalars(
                select(CustodyRecord.id).where(
                    CustodyRecord.job_id == sink.job_id, CustodyRecord.item_key == key
                )
            )
        )
        records = session.scalar(
            select(func.count()).select_from(LocationRow).where(LocationRow.custody_id.in_(custody_ids))
        )
    return len(custody_ids), int(records or 0)


def test_a_large_item_commits_in_short_transactions(state: AppState, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(job_sink, "SPLIT_RECORDS", PART)
    sink = _sink(state, tmp_path, "V-PARTS-1")
    commits: list[int] = []

    def on_commit(_connection) -> None:  # type: ignore[no-untyped-def]
        commits.append(1)

    event.listen(state.engine, "commit", on_commit)
    try:
        _commit(sink, tmp_path, "small", _records(40))
        _commit(sink, tmp_path, "tl-export", _records(3 * PART + 50))
        sink.flush()
    finally:
        event.remove(state.engine, "commit", on_commit)
    assert _counts(state, sink, "small") == (1, 40)
    assert _counts(state, sink, "tl-export") == (1, 3 * PART + 50)
    assert len(commits) >= 5  # the small item, then the large one in four parts
    assert {"small", "tl-export"} <= sink.done_item_keys()


def test_parts_are_smaller_on_sqlite(state: AppState, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On SQLite each part holds the only write lock that every reader's audit entry needs: its parts are
    ``SQLITE_PART_RECORDS`` long; PostgreSQL keeps ``SPLIT_RECORDS`` (issue 18)."""
    monkeypatch.setattr(job_sink, "SPLIT_RECORDS", 3 * PART)
    monkeypatch.setattr(job_sink, "SQLITE_PART_RECORDS", PART)
    monkeypatch.setattr(job_sink, "PART_PAUSE_S", 0.0)
    sink = _sink(state, tmp_path, "V-PARTS-3")
    commits: list[int] = []

    def on_commit(_connection) -> None:  # type: ignore[no-untyped-def]
        commits.append(1)

    _commit(sink, tmp_path, "tl-export", _records(6 * PART))
    event.listen(state.engine, "commit", on_commit)
    try:
        sink.flush()
    finally:
        event.remove(state.engine, "commit", on_commit)
    assert _counts(state, sink, "tl-export") == (1, 6 * PART)
    parts = 6 if state.engine.dialect.name == "sqlite" else 2
    assert len(commits) == parts  # one transaction per part (no progress was pending)


def test_an_interrupted_large_item_is_removed_and_acquired_again(  # type: ignore[no-untyped-def]
    state: AppState, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(job_sink, "SPLIT_RECORDS", PART)
    sink = _sink(state, tmp_path, "V-PARTS-2")
    calls = {"n": 0}
    real_insert = job_sink.insert_location_rows

    def dies_on_the_third_part(session, rows):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("power cut between the parts")
        real_insert(session, rows)

    monkeypatch.setattr(job_sink, "insert_location_rows", dies_on_the_third_part)
    _commit(sink, tmp_path, "tl-export", _records(4 * PART))
    with pytest.raises(OSError):
        sink.flush()
    monkeypatch.setattr(job_sink, "insert_location_rows", real_insert)
    assert _counts(state, sink, "tl-export") == (1, 2 * PART)  # two parts committed, then the interruption

    resumed = DbJobSink(
        state.session_factory,
        state.evidence,
        job_id=sink.job_id,
        case_id=sink.case_id,
        data_dir=tmp_path / "data",
    )
    assert "tl-export" not in resumed.done_item_keys()  # incomplete: acquired again
    assert _counts(state, resumed, "tl-export") == (0, 0)  # and its partial rows are gone
    _commit(resumed, tmp_path, "tl-export", _records(4 * PART))
    resumed.flush()
    assert _counts(state, resumed, "tl-export") == (1, 4 * PART)  # recorded once, whole
    assert "tl-export" in resumed.done_item_keys()

"""A database that stays locked answers 503 with Retry-After — for reads and writes, never a 500 — and
nothing half-done is left: the refused write did not happen, the refused read returned no data. On
SQLite (another process holds the write lock) and PostgreSQL (another session holds the chain head).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from casework.settings import Settings
from store.audit import PG_CHAIN_LOCK_ID


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"db_busy_timeout_ms": 300})


@contextmanager
def locked(settings: Settings) -> Iterator[None]:
    url = settings.resolved_database_url()
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:lock)"), {"lock": PG_CHAIN_LOCK_ID})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:lock)"), {"lock": PG_CHAIN_LOCK_ID})
            connection.commit()
    engine.dispose()


def test_locked_database_is_a_503_with_retry_after_then_works_again(state, client_for) -> None:
    auditor, intake = client_for("auditor"), client_for("intake")
    with locked(state.settings):
        read = auditor.get("/api/v1/audit")
        write = intake.post("/api/v1/cases", json={"reference": "V-BUSY-1"})
    for response in (read, write):
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "1"
        assert "try again" in response.json()["detail"]
    assert intake.post("/api/v1/cases", json={"reference": "V-BUSY-1"}).status_code == 201  # not a 409
    entries = auditor.get("/api/v1/audit").json()
    assert [e["action"] for e in entries].count("case.create") == 1
    verified = auditor.get("/api/v1/audit/verify").json()
    assert verified["ok"] is True, verified["problems"]

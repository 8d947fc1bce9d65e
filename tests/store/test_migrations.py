"""Migrations upgrade an empty database step by step, on SQLite and PostgreSQL, and 0002 downgrades cleanly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from store.db import make_engine
from store.migrate import alembic_config, upgrade
from tests.conftest import BACKENDS, PG_ADMIN_URL, pg_enabled


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    if not pg_enabled():
        pytest.skip("PostgreSQL tests run when REISROUTE_TEST_PG is set")
    name = f"reisroute_m_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _job_columns(engine) -> dict[str, dict]:  # noqa: ANN001
    return {c["name"]: c for c in inspect(engine).get_columns("extraction_jobs")}


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head())


def _revision(engine) -> str:  # noqa: ANN001
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def test_device_history_migration_up_down_up(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine, "0001")
        assert _revision(engine) == "0001" and "device_history" not in _job_columns(engine)
        upgrade(engine, "0002")
        columns = _job_columns(engine)
        assert _revision(engine) == "0002"
        assert columns["device_history"]["nullable"] is True
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert "device_history" not in _job_columns(engine) and _revision(engine) == "0001"
        upgrade(engine)
        assert "device_history" in _job_columns(engine)
    finally:
        engine.dispose()


def _audit_columns(engine) -> set[str]:  # noqa: ANN001
    return {c["name"] for c in inspect(engine).get_columns("audit_entries")}


def _insert_legacy_rows(engine, count: int) -> None:  # noqa: ANN001
    """Rows as the code before keyed chaining wrote them: unkeyed SHA-256, no chain_version column."""
    from datetime import UTC, datetime

    from store.audit import GENESIS_HASH, entry_hash

    prev = GENESIS_HASH
    with engine.begin() as connection:
        for seq in range(1, count + 1):
            at = datetime(2026, 11, 30, 12, 0, seq, tzinfo=UTC)
            digest = entry_hash(
                seq=seq,
                at=at,
                actor="old",
                role="admin",
                case_id=None,
                action="legacy.action",
                object_type="",
                object_id="",
                reason="",
                details={},
                prev_hash=prev,
            )
            connection.execute(
                text(
                    "INSERT INTO audit_entries (seq, at, actor, role, case_id, action, object_type, object_id, "
                    "reason, details, prev_hash, hash) VALUES (:seq, :at, 'old', 'admin', NULL, 'legacy.action', "
                    "'', '', '', '{}', :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": at if connection.dialect.name == "postgresql" else at.replace(tzinfo=None),
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest


def test_keyed_audit_migration_keeps_and_seals_old_rows(empty_database_url: str, tmp_path: Path) -> None:
    from casework.settings import Settings
    from casework.state import build_state
    from store import audit
    from store.db import unit_of_work
    from tests.conftest import TEST_AUDIT_KEY

    engine = make_engine(empty_database_url)
    try:
        upgrade(engine, "0002")
        _insert_legacy_rows(engine, 3)
        upgrade(engine)
        assert _revision(engine) == _head_revision()
        assert {"chain_version", "key_id"} <= _audit_columns(engine)
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT chain_version FROM audit_entries")).scalars().all()
        assert versions == [1, 1, 1]
        with pytest.raises(Exception, match="append-only"):  # the rebuilt table kept its triggers
            with engine.begin() as connection:
                connection.execute(text("UPDATE audit_entries SET actor = 'x' WHERE seq = 1"))

        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=empty_database_url,
            run_worker=False,
            audit_key=TEST_AUDIT_KEY,
            audit_checkpoint_dir=tmp_path / "checkpoints",
        )
        state = build_state(settings, migrate=False)  # the first keyed start seals the old rows
        with unit_of_work(state.session_factory) as session:
            audit.append(session, actor="new", role="admin", action="keyed.action")
        log = state.extras["audit_log"]
        log.close()
        with state.session_factory() as session:
            result = log.verify(session)
        assert result.ok and result.unkeyed_entries == 3 and result.head_seq == 4, result.problems

        # an unkeyed entry appended after the seal is a forgery
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_entries (seq, at, actor, role, action, object_type, object_id, reason, "
                    "details, prev_hash, hash, chain_version) VALUES (5, :at, 'x', 'admin', 'forged', '', '', "
                    "'', '{}', :prev, :hash, 1)"
                ),
                {"at": "2026-12-01 10:00:00", "prev": result.head_hash, "hash": "f" * 64},
            )
        with state.session_factory() as session:
            forged = log.verify(session)
        assert not forged.ok and forged.first_broken_seq == 5
        state.engine.dispose()

        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        assert _revision(engine) == "0002" and "chain_version" not in _audit_columns(engine)
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM audit_entries WHERE seq = 1"))
        upgrade(engine)
        assert "chain_version" in _audit_columns(engine)
    finally:
        engine.dispose()


def _route_columns(engine) -> set[str]:  # noqa: ANN001
    return {c["name"] for c in inspect(engine).get_columns("route_versions")}


def test_route_points_migration_up_down_up(empty_database_url: str) -> None:
    """0003 adds the columnar points blob columns to route versions; old JSON versions stay readable."""
    engine = make_engine(empty_database_url)
    blob_columns = {"points_blob", "points_sha256", "points_format", "points_bytes"}
    try:
        upgrade(engine, "0002")
        assert not blob_columns & _route_columns(engine)
        upgrade(engine, "0003_route_points")
        assert blob_columns <= _route_columns(engine)
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        assert not blob_columns & _route_columns(engine) and _revision(engine) == "0002"
        upgrade(engine)
        assert blob_columns <= _route_columns(engine)
    finally:
        engine.dispose()


def test_stations_migration_up_down_up(empty_database_url: str) -> None:
    """h15_0001 adds the central evidence table, stations, the job's station and the case key's wrapping key,
    and downgrades cleanly."""
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine, "h13a_0001")
        upgrade(engine, "h15_0001")
        tables = set(inspect(engine).get_table_names())
        assert {"evidence_chunks", "stations"} <= tables
        assert "station" in _job_columns(engine)
        assert "wrapped_by" in {c["name"] for c in inspect(engine).get_columns("case_keys")}
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "h13a_0001")
        assert not {"evidence_chunks", "stations"} & set(inspect(engine).get_table_names())
        assert "station" not in _job_columns(engine)
        upgrade(engine)
        assert "station" in _job_columns(engine)
    finally:
        engine.dispose()


def test_location_row_checks_migration_up_down_up(empty_database_url: str) -> None:
    """h18_0001: on PostgreSQL the three foreign keys of location_records give way to statement-level checks
    (tests/store/test_location_row_checks.py), and come back on downgrade; SQLite keeps its keys."""
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine, "h18_0001")
        postgresql = engine.dialect.name == "postgresql"
        assert len(inspect(engine).get_foreign_keys("location_records")) == (0 if postgresql else 3)
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "h15_0001")
        assert len(inspect(engine).get_foreign_keys("location_records")) == 3
        upgrade(engine)
        assert _revision(engine) == _head_revision()
        assert len(inspect(engine).get_foreign_keys("location_records")) == (0 if postgresql else 3)
    finally:
        engine.dispose()

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

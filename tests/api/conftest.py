"""Fixtures of tests/api: the private PostgreSQL cluster of the fault tests (tests/api/private_pg.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.private_pg import PrivatePostgres, pg_app_fixture, private_pg_fixture


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    yield from private_pg_fixture()


@pytest.fixture
def pg_app(private_pg: PrivatePostgres, tmp_path: Path, gazetteer_dir: Path, password_hash: str):  # type: ignore[no-untyped-def]
    yield from pg_app_fixture(private_pg, tmp_path, gazetteer_dir, password_hash)

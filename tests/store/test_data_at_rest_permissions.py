"""Issue 13, finding 7 (first half): the database, its WAL and the evidence blobs are 0600 in a 0700 data
directory. Before: a world-readable (0644) SQLite file. Also an older data directory is tightened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from casework.settings import Settings
from casework.state import build_state
from store.db import unit_of_work
from store.models import Case, User
from tests.conftest import TEST_AUDIT_KEY


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():  # type: ignore[no-untyped-def]
    previous = os.umask(0o022)  # what a default shell gives
    yield
    os.umask(previous)


def test_data_directory_database_and_evidence_are_private(tmp_path: Path, loose_umask) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    left_behind = data_dir / "evidence" / "old"
    left_behind.mkdir(parents=True)
    (left_behind / "blob").write_bytes(b"old blob")
    (left_behind / "blob").chmod(0o644)
    assert _mode(left_behind / "blob") == 0o644

    settings = Settings(
        data_dir=data_dir,
        run_worker=False,
        audit_key=TEST_AUDIT_KEY,
        audit_checkpoint_dir=tmp_path / "checkpoints",
    )
    state = build_state(settings)
    try:
        with unit_of_work(state.session_factory) as session:
            user = User(username="someone", password_hash="x", roles=["intake_officer"])
            session.add(user)
            session.flush()
            case = Case(reference="V-PERMS", created_by=user.id)
            session.add(case)
            session.flush()
            case_id = case.id
        with unit_of_work(state.session_factory) as session:
            key = state.evidence.ensure_case_key(session, case_id)
        blob_name, _, _ = state.evidence.put_bytes(key, case_id, b"coordinates 36.2,37.1")
        database = data_dir / "reisroute.sqlite3"
        assert database.exists() and (data_dir / "reisroute.sqlite3-wal").exists()
        assert _mode(data_dir) == 0o700
        for path in (
            database,
            data_dir / "reisroute.sqlite3-wal",
            state.evidence.blob_path(case_id, blob_name),
        ):
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
        assert _mode(left_behind / "blob") == 0o600 and _mode(left_behind) == 0o700
        for root, directories, files in os.walk(data_dir):
            for name in directories:
                assert _mode(Path(root, name)) & 0o077 == 0, Path(root, name)
            for name in files:
                assert _mode(Path(root, name)) & 0o077 == 0, Path(root, name)
    finally:
        state.extras["audit_log"].close()
        state.engine.dispose()

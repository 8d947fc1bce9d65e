"""A private PostgreSQL cluster for fault tests (issue 13): initdb in a temp dir, its own port and socket.

The shared server on 5432 is never touched. ``private_pg`` gives a started cluster the test may stop, start
and restart at will; ``pg_app`` the app on it (migrated, the test users added, no background worker).
The fixtures are registered for tests/api in tests/api/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import build_state, create_app
from casework.settings import Settings
from casework.teams import ensure_team
from store.db import make_engine, unit_of_work
from store.migrate import upgrade
from store.models import User
from tests.conftest import TEAM_MEMBERS, TEAM_NAME, TEST_AUDIT_KEY, USERS

PG_BIN = Path(os.environ.get("REISROUTE_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """A throw-away cluster this test owns: start, stop, restart it at will."""

    def __init__(self, root: Path) -> None:
        self.root, self.port, self.data = root, _free_port(), root / "data"
        # initdb refuses to run as root: run the server as the postgres system user then
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(root, "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, timeout=120)

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-m", "fast", *extra, action
        )

    @property
    def log_file(self) -> str:
        return str(self.root / "server.log")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


def private_pg_fixture() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL binaries not found in {PG_BIN} (set REISROUTE_PG_BIN)")
    # its own temp dir straight under /tmp: the postgres user cannot enter pytest's root-only folders
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="reisroute-pg-")))
    server.pg_ctl("start", "-l", server.log_file)
    try:
        yield server
    finally:
        subprocess.run([*server.prefix, str(PG_BIN / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(server.root, ignore_errors=True)


def pg_app_fixture(server: PrivatePostgres, tmp_path: Path, gazetteer_dir: Path, password_hash: str):  # type: ignore[no-untyped-def]
    engine = make_engine(server.url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=server.url,
        run_worker=False,
        gazetteer_dir=gazetteer_dir,
        audit_key=TEST_AUDIT_KEY,
        audit_checkpoint_dir=tmp_path / "audit-checkpoints",
    )
    state = build_state(settings, migrate=False)
    with unit_of_work(state.session_factory) as session:
        for username, role in USERS.items():
            session.add(User(username=username, password_hash=password_hash, roles=[role.value]))
        session.flush()
        ensure_team(session, TEAM_NAME, [name for name in TEAM_MEMBERS if name in USERS])  # need-to-know
    yield create_app(settings, state=state)
    state.engine.dispose()


def photo_zip(path: Path, photos: int, *, padding_kib: int = 48) -> dict[str, str]:
    """A zip of ``photos`` geotagged JPEGs (random bytes after EOI make them bigger); returns each member's
    SHA-256 by member name: the input's known content."""
    import hashlib
    import random
    import zipfile

    from tests.extractor.artifacts.fixtures import make_exif, make_jpeg

    noise = random.Random(13)
    content: dict[str, str] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as bundle:
        for index in range(photos):
            exif = make_exif(
                lat=37.98 + index / 10_000,
                lon=23.72,
                local_time_text=f"2024:03:01 {10 + index // 3600:02d}:{index // 60 % 60:02d}:{index % 60:02d}",
                offset_text="+02:00",
            )
            blob = make_jpeg(exif) + noise.randbytes(padding_kib * 1024)
            name = f"sdcard/DCIM/Camera/IMG_{index:04d}.jpg"
            bundle.writestr(name, blob)
            content[name] = hashlib.sha256(blob).hexdigest()
    return content

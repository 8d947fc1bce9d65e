"""Faults, measured (issue 13), short CI version: PostgreSQL restarted under the API.

A private PostgreSQL cluster (initdb in a temp dir, its own port and socket: the shared server on 5432 is
never touched) backs the app. Requests keep coming while the server is stopped and while it restarts: each
answer is 200 or 503 with ``Retry-After`` — never a 500 — and once the server is back the next requests
succeed without restarting the app. Skips only when the PostgreSQL binaries are absent.
Worker killed mid-job and cable pulled: tests/api/test_extraction_kill.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import build_state, create_app
from casework.settings import Settings
from store.db import make_engine, unit_of_work
from store.migrate import upgrade
from store.models import User
from tests.conftest import TEST_AUDIT_KEY, USERS, sign_in

PG_BIN = Path(os.environ.get("REISROUTE_PG_BIN", "/usr/lib/postgresql/15/bin"))
pytestmark = [pytest.mark.pg, pytest.mark.slow, pytest.mark.timeout(300)]


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
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL binaries not found in {PG_BIN} (set REISROUTE_PG_BIN)")
    # its own temp dir straight under /tmp: the postgres user cannot enter pytest's root-only folders
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="reisroute-pg-")))
    server.pg_ctl("start", "-l", str(server.root / "server.log"))
    try:
        yield server
    finally:
        subprocess.run([*server.prefix, str(PG_BIN / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def pg_app(private_pg: PrivatePostgres, tmp_path: Path, gazetteer_dir: Path, password_hash: str):  # type: ignore[no-untyped-def]
    engine = make_engine(private_pg.url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=private_pg.url,
        run_worker=False,
        gazetteer_dir=gazetteer_dir,
        audit_key=TEST_AUDIT_KEY,
        audit_checkpoint_dir=tmp_path / "audit-checkpoints",
    )
    state = build_state(settings, migrate=False)
    with unit_of_work(state.session_factory) as session:
        for username, role in USERS.items():
            session.add(User(username=username, password_hash=password_hash, roles=[role.value]))
    yield create_app(settings, state=state)
    state.engine.dispose()


def _hammer(client: TestClient, stop: threading.Event, answers: list[tuple[int, str | None]]) -> None:
    while not stop.is_set():
        response = client.get("/api/v1/cases")
        answers.append((response.status_code, response.headers.get("Retry-After")))
        time.sleep(0.02)


def test_postgresql_stopped_and_restarted_under_requests(private_pg: PrivatePostgres, pg_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(pg_app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {sign_in(client, 'intake')}"
        assert client.get("/api/v1/cases").status_code == 200
        answers: list[tuple[int, str | None]] = []
        stop = threading.Event()
        hammer = threading.Thread(target=_hammer, args=(client, stop, answers), daemon=True)
        hammer.start()
        try:
            time.sleep(0.3)
            private_pg.pg_ctl("stop")  # mid-request: requests are in flight when the server goes
            time.sleep(1.0)
            down = len(answers)
            private_pg.pg_ctl("start", "-l", str(private_pg.root / "server.log"))
            back_at = time.monotonic()
            while time.monotonic() - back_at < 30 and (not answers or answers[-1][0] != 200):
                time.sleep(0.05)
            recovered_s = time.monotonic() - back_at
            time.sleep(0.3)
            private_pg.pg_ctl("restart", "-l", str(private_pg.root / "server.log"))  # a restart in one go
            time.sleep(1.0)
        finally:
            stop.set()
            hammer.join(timeout=30)
        statuses = [status for status, _ in answers]
        print(
            f"faults: {len(answers)} requests, {statuses.count(503)} answered 503, recovered in {recovered_s:.2f} s"
        )
        assert 500 not in statuses and set(statuses) <= {200, 503}, sorted(set(statuses))
        assert all(retry for status, retry in answers if status == 503), "a 503 without Retry-After"
        assert statuses.count(503) >= 1 and down < len(answers), "the stop was not observed"
        assert statuses[-1] == 200 and recovered_s < 30
        assert client.get("/api/v1/cases").status_code == 200  # the same app, no restart


# --- evidence disk full ---------------------------------------------------------------------------------


def _mount_small_tmpfs(target: Path, size_kib: int) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(target)],
        capture_output=True,
        timeout=30,
    )
    return result.returncode == 0


def _photo_zip(path: Path, photos: int) -> None:
    import random
    import zipfile

    from tests.extractor.artifacts.fixtures import make_exif, make_jpeg

    noise = random.Random(13)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as bundle:
        for index in range(photos):
            exif = make_exif(
                lat=37.98 + index / 1000,
                lon=23.72,
                local_time_text=f"2024:03:01 10:{index:02d}:00",
                offset_text="+02:00",
            )
            padding = bytes(noise.getrandbits(8) for _ in range(48 * 1024))  # after EOI: a bigger photo
            bundle.writestr(f"sdcard/DCIM/Camera/IMG_{index:04d}.jpg", make_jpeg(exif) + padding)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_evidence_disk_full_pauses_the_job_and_commits_nothing_half_written(state, client_for) -> None:  # type: ignore[no-untyped-def]
    from store.evidence import verify_case_evidence
    from tests.api.job_helpers import open_gate_case, run_job, start_job, stored

    evidence_dir = state.settings.data_dir / "evidence"
    if not _mount_small_tmpfs(evidence_dir, 384):
        pytest.skip("needs root and mount(8) to put the evidence store on a small tmpfs")
    try:
        imports = state.settings.data_dir / "imports"
        imports.mkdir(parents=True, exist_ok=True)
        _photo_zip(imports / "photos.zip", photos=40)  # ~2 MB of photos for a 384 KiB evidence disk
        intake, authoriser = client_for("intake"), client_for("authoriser")
        case_id, device_id, authorisation_id = open_gate_case(
            intake, authoriser, "V-DISK-1", platform="offline"
        )
        job_id = start_job(
            intake, case_id, device_id, authorisation_id, {"kind": "archive", "path": "photos.zip"}
        )
        job = run_job(state, intake, job_id)
        assert job["state"] == "interrupted", job
        assert "evidence store full" in job["error"], job["error"]
        custody, rows = stored(state, job_id)
        # whatever was committed before the disk filled is whole: every custody row's blob decrypts and
        # matches its hash; a row for a blob that was cut short would fail here
        with state.session_factory() as session:
            verified = verify_case_evidence(session, state.evidence, case_id)
        assert verified["ok"], verified
        assert len(custody) < 40
        print(
            f"faults: disk full after {len(custody)} of 40 items committed whole; job interrupted: {job['error']}"
        )
        # room again (the same disk grown, as an operator would free space): the job resumes and completes
        subprocess.run(["mount", "-o", "remount,size=64m", str(evidence_dir)], check=True, timeout=30)
        job = run_job(state, intake, job_id)
        assert job["state"] == "completed", job
        custody, rows = stored(state, job_id)
        assert len(custody) == 40 and len(rows) == 40, (len(custody), len(rows))
        with state.session_factory() as session:
            verified = verify_case_evidence(session, state.evidence, case_id)
        assert verified["ok"] and verified["items_checked"] == 40, verified
    finally:
        subprocess.run(["umount", "-l", str(evidence_dir)], capture_output=True, timeout=30)

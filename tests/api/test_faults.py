"""Faults, measured (issue 13), short CI version: PostgreSQL restarted under the API.

A private PostgreSQL cluster (tests/api/private_pg.py: initdb in a temp dir, its own port and socket: the
shared server on 5432 is never touched) backs the app. Requests keep coming while the server is stopped and while it restarts: each
answer is 200 or 503 with ``Retry-After`` — never a 500 — and once the server is back the next requests
succeed without restarting the app. Skips only when the PostgreSQL binaries are absent.
PostgreSQL restarted mid-job: tests/api/test_fault_pg_mid_job.py. Worker killed mid-job and cable pulled:
tests/api/test_extraction_kill.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.private_pg import PrivatePostgres, photo_zip
from tests.conftest import sign_in

pytestmark = [pytest.mark.pg, pytest.mark.slow, pytest.mark.timeout(300)]


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
            private_pg.pg_ctl("start", "-l", private_pg.log_file)
            back_at = time.monotonic()
            while time.monotonic() - back_at < 30 and (not answers or answers[-1][0] != 200):
                time.sleep(0.05)
            recovered_s = time.monotonic() - back_at
            time.sleep(0.3)
            private_pg.pg_ctl("restart", "-l", private_pg.log_file)  # a restart in one go
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
        photo_zip(imports / "photos.zip", photos=40)  # ~2 MB of photos for a 384 KiB evidence disk
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

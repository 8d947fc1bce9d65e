"""Faults, measured (issue 13): PostgreSQL restarted (``pg_ctl restart -m fast``) while an extraction job runs.

An offline import (a zip of geotagged photos) runs in a worker thread against a private PostgreSQL cluster
(tests/api/private_pg.py; the shared server is never touched), committing in small batches. Once a few
batches are in, the server is restarted. The job either rides through or ends ``interrupted`` with a clear
error and only whole batches committed; the worker's next pass completes it, and the case then holds exactly
the input's known content: one custody row per photo with the photo's SHA-256, one record each. Requests
made meanwhile answer 200 or 503 with ``Retry-After``, never 500.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import store.job_sink as job_sink
from casework.jobs.worker import JobWorker
from store.models import CustodyRecord, ExtractionJob
from tests.api.job_helpers import open_gate_case, start_job, stored
from tests.api.private_pg import PrivatePostgres, photo_zip
from tests.conftest import sign_in

pytestmark = [pytest.mark.pg, pytest.mark.slow, pytest.mark.timeout(180)]
PHOTOS = 3000  # ~1 ms an item: an import of a few seconds
PADDING_KIB = 2
BATCH_ITEMS = 100
RESTART_AFTER_ITEMS = 500  # a few batches committed, most of the job still to come


def _committed(state, job_id: int) -> int:  # type: ignore[no-untyped-def]
    with state.session_factory() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(CustodyRecord).where(CustodyRecord.job_id == job_id)
            )
            or 0
        )


def test_postgresql_restarted_mid_job_resumes_to_the_input(
    private_pg: PrivatePostgres, pg_app, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(job_sink, "BATCH_ITEMS", BATCH_ITEMS)
    monkeypatch.setattr(job_sink, "BATCH_SECONDS", 3600.0)  # batches by count only: whole batches are known
    state = pg_app.state.reisroute
    imports = state.settings.data_dir / "imports"
    imports.mkdir(parents=True, exist_ok=True)
    known = photo_zip(imports / "photos.zip", photos=PHOTOS, padding_kib=PADDING_KIB)

    with TestClient(pg_app, raise_server_exceptions=False) as intake, TestClient(pg_app) as authoriser:
        intake.headers["Authorization"] = f"Bearer {sign_in(intake, 'intake')}"
        authoriser.headers["Authorization"] = f"Bearer {sign_in(authoriser, 'authoriser')}"
        case_id, device_id, authorisation_id = open_gate_case(
            intake, authoriser, "V-PG-MID-JOB", platform="offline"
        )
        job_id = start_job(
            intake, case_id, device_id, authorisation_id, {"kind": "archive", "path": "photos.zip"}
        )

        worker = JobWorker(state, retry_delay_s=0)
        passes: list[bool] = []
        failure: list[BaseException] = []

        def one_pass() -> None:
            try:
                passes.append(worker.run_once())
            except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                failure.append(exc)

        answers: list[int] = []
        no_retry_after: list[str] = []
        stop = threading.Event()

        def poll_job() -> None:  # an officer watching the job page meanwhile
            while not stop.is_set():
                answer = intake.get(f"/api/v1/jobs/{job_id}")
                answers.append(answer.status_code)
                if answer.status_code == 503 and not answer.headers.get("Retry-After"):
                    no_retry_after.append(answer.text)
                time.sleep(0.05)

        poller = threading.Thread(target=poll_job, daemon=True)
        started = time.monotonic()
        runner = threading.Thread(target=one_pass, daemon=True)
        runner.start()
        poller.start()
        try:
            deadline = time.monotonic() + 60
            while _committed(state, job_id) < RESTART_AFTER_ITEMS:
                assert runner.is_alive(), f"the job ended before the restart: {failure or passes}"
                assert time.monotonic() < deadline, "the job never reached the restart point"
                time.sleep(0.02)
            before_restart = _committed(state, job_id)
            restart_at = time.monotonic()
            private_pg.pg_ctl("restart", "-l", private_pg.log_file)
            restart_s = time.monotonic() - restart_at
            runner.join(timeout=90)
            assert not runner.is_alive(), "the worker pass hung after the restart"
            assert not failure, f"the worker pass raised: {failure[0]!r}"
            first_pass_s = time.monotonic() - started
            job = intake.get(f"/api/v1/jobs/{job_id}").json()
            first_state, first_error = job["state"], job.get("error")
            custody, rows = stored(state, job_id)
            after_first = len(custody)
            if first_state == "interrupted":
                # resumable: a clear error, and only whole batches committed (a batch never half-written)
                assert "database" in (first_error or "").lower(), first_error
                assert after_first % BATCH_ITEMS == 0 and len(rows) == after_first, (after_first, len(rows))
                assert after_first < PHOTOS
            else:
                assert first_state == "completed", job  # rode through
            resumed_at = datetime.now(UTC)
            if first_state == "interrupted":
                assert worker.run_once()  # the worker's next pass
            with state.session_factory() as session:
                finished_at = session.get(ExtractionJob, job_id).finished_at  # type: ignore[union-attr]
            resume_s = (
                finished_at - resumed_at
            ).total_seconds()  # to completed, without the route build after
        finally:
            stop.set()
            poller.join(timeout=30)

        job = intake.get(f"/api/v1/jobs/{job_id}").json()
        assert job["state"] == "completed", job
        custody, rows = stored(state, job_id)
        assert sorted(c.sha256_acquired for c in custody) == sorted(
            known.values()
        )  # nothing lost, nothing twice
        assert len(custody) == PHOTOS and len(rows) == PHOTOS, (len(custody), len(rows))
        assert sorted(round(r.lat, 6) for r in rows) == sorted(
            round(37.98 + i / 10_000, 6) for i in range(PHOTOS)
        )
        assert 500 not in answers and set(answers) <= {200, 503}, sorted(set(answers))
        assert not no_retry_after, f"a 503 without Retry-After: {no_retry_after[0]}"
        print(
            f"faults: restart after {before_restart} of {PHOTOS} items committed (batches of {BATCH_ITEMS}), "
            f"pg_ctl restart {restart_s:.2f} s; first pass {first_state} after {first_pass_s:.1f} s with "
            f"{after_first} items committed whole (error: {first_error}); "
            f"{'resumed and completed in ' + format(resume_s, '.1f') + ' s' if first_state == 'interrupted' else 'rode through'}; "
            f"{len(custody)} custody rows, {len(rows)} records, hashes equal the input's; "
            f"{len(answers)} job polls meanwhile: {answers.count(200)} × 200, {answers.count(503)} × 503, 0 × 500"
        )

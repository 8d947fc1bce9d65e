"""Batched commits survive a kill: a worker process is killed (SIGKILL) while items wait in an uncommitted
batch; on restart the job resumes and the case holds exactly what an uninterrupted run gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.jobs.worker import JobWorker
from extractor.simulator.adb_server import SimulatorConfig, start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from store.models import CustodyRecord, ExtractionJob, LocationRow
from tests.legal_basis.helpers import approved_case

WINDOW = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}
ROOT = Path(__file__).resolve().parents[2]
BATCH_ITEMS = 25
pytestmark = [pytest.mark.device, pytest.mark.slow]

WORKER_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import store.job_sink as job_sink

    job_sink.BATCH_ITEMS = int(sys.argv[4])
    job_sink.BATCH_SECONDS = 3600.0  # commits by count only: what is pending at the kill is known

    from api.app import build_state
    from casework.settings import Settings
    from casework.jobs.worker import JobWorker

    settings = Settings(
        data_dir=Path(sys.argv[1]), database_url=sys.argv[2], run_worker=False, gazetteer_dir=Path(sys.argv[3])
    )
    JobWorker(build_state(settings, migrate=False), retry_delay_s=0).run_once()
    """
)


@pytest.fixture(scope="module")
def phone(tmp_path_factory):  # type: ignore[no-untyped-def]
    return build_phone(tmp_path_factory.mktemp("kill-phone"), photos=60, timeline_points=3000, seed=8)


def _start_job(intake, authoriser, reference: str, serial: str, port: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    case_id, device_id, authorisation_id = approved_case(
        intake, authoriser, reference, serial=serial, **WINDOW
    )
    response = intake.post(
        f"/api/v1/cases/{case_id}/jobs",
        json={
            "authorisation_id": authorisation_id,
            "device_id": device_id,
            "source": {"kind": "adb", "host": "127.0.0.1", "port": port},
        },
    )
    assert response.status_code == 202, response.text
    return case_id, int(response.json()["id"])


def test_kill_with_a_pending_batch_then_resume_is_exact(state, client_for, phone) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser = client_for("intake"), client_for("authoriser")

    clean_simulator = start_adb_simulator(phone.root, port=0)
    try:
        clean_case, clean_job = _start_job(
            intake, authoriser, "V-KILL-CLEAN", phone.serial, clean_simulator.port
        )
        assert JobWorker(state, retry_delay_s=0).run_once()
    finally:
        clean_simulator.stop()
    assert intake.get(f"/api/v1/jobs/{clean_job}").json()["state"] == "completed"

    timeline_bytes = phone.host_path(phone.timeline_device_path or "").stat().st_size
    # the phone stops answering in the middle of Timeline.json, after every photo head was committed or
    # was waiting in the batch: the worker hangs there until it is killed
    stalling = start_adb_simulator(
        phone.root,
        port=0,
        config=SimulatorConfig(stall_after_bytes=60_000 + timeline_bytes // 2, misbehave_connections=1),
    )
    try:
        case_id, job_id = _start_job(intake, authoriser, "V-KILL", phone.serial, stalling.port)
        script = Path(state.settings.data_dir) / "worker_once.py"
        script.write_text(WORKER_SCRIPT)
        worker = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                str(script),
                str(state.settings.data_dir),
                state.settings.resolved_database_url(),
                str(state.settings.resolved_gazetteer_dir()),
                str(BATCH_ITEMS),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 120
        sent, quiet_since = -1, time.monotonic()
        while not stalling.requested("sync:RECV") or time.monotonic() - quiet_since < 1.0:
            assert worker.poll() is None, "the worker ended before the phone stalled"
            assert time.monotonic() < deadline, "the phone never reached the stall"
            if stalling.bytes_sent_total != sent:  # the phone still sends: not stalled yet
                sent, quiet_since = stalling.bytes_sent_total, time.monotonic()
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

        with state.session_factory() as session:
            committed = session.scalar(
                select(func.count()).select_from(CustodyRecord).where(CustodyRecord.job_id == job_id)
            )
            clean_items = session.scalar(
                select(func.count()).select_from(CustodyRecord).where(CustodyRecord.job_id == clean_job)
            )
            assert session.get(ExtractionJob, job_id).state == "running"  # type: ignore[union-attr]
        # whole batches only: the items acquired after the last batch were lost with the process
        assert committed is not None and clean_items is not None
        assert 0 < committed < clean_items and committed % BATCH_ITEMS == 0, (committed, clean_items)

        restarted = JobWorker(state, retry_delay_s=0)
        assert restarted.recover_orphans() == 1
        assert restarted.run_once()  # the phone answers on its second connection
    finally:
        stalling.stop()
    assert intake.get(f"/api/v1/jobs/{job_id}").json()["state"] == "completed"

    with state.session_factory() as session:

        def custody(case: int) -> list[tuple[str, str]]:
            return sorted(
                (c.device_path, c.sha256_acquired)
                for c in session.scalars(select(CustodyRecord).where(CustodyRecord.case_id == case))
            )

        def records(case: int) -> list[tuple]:
            return sorted(
                (r.source_path, r.row_ref, r.lat, r.lon)
                for r in session.scalars(select(LocationRow).where(LocationRow.case_id == case))
            )

        assert custody(case_id) == custody(clean_case)  # nothing lost, nothing twice
        assert records(case_id) == records(clean_case)
        assert len(records(case_id)) > 3_000

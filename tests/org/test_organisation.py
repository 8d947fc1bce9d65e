"""The organisation, run for real: PostgreSQL, the central API (uvicorn in its own process) and two intake
stations (``reisroute worker --station NAME`` processes with their own data directories and no shared
filesystem), each with its own simulated Android phone speaking the ADB wire protocol.

Two phones are extracted at the two stations at the same time; the central service re-verifies every hash,
renders the PDF from evidence it never saw being written, and deletes one case provably everywhere (its blobs
gone from the central store, its key destroyed, nothing of it in a station's directory). A station killed in
the middle of a job is shown dead and its job is resumed by the same station when it comes back, or released by
an admin to the other station.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from casework.security import hash_password
from casework.teams import ensure_team
from extractor.simulator.adb_server import RunningSimulator, SimulatorConfig, start_adb_simulator
from extractor.simulator.phone_builder import PhoneManifest, build_phone
from legal_basis.roles import Role
from store.db import make_engine
from store.keys import write_key_file
from store.migrate import upgrade
from store.models import CaseKey, CustodyRecord, EvidenceChunk, User
from tests.conftest import PASSWORD, PG_ADMIN_URL, TEST_AUDIT_KEY, pg_enabled
from tests.legal_basis.helpers import approved_case

pytestmark = [
    pytest.mark.pg,
    pytest.mark.device,
    pytest.mark.slow,
    # four processes, two phones and the first gazetteer build on a shared 2-core machine: 4 min at load 5
    pytest.mark.timeout(1200),
    pytest.mark.skipif(
        not pg_enabled(), reason="the organisation test runs on PostgreSQL (REISROUTE_TEST_PG)"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
WINDOW = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}
PEOPLE = {
    "intake": Role.INTAKE_OFFICER,
    "authoriser": Role.AUTHORISING_OFFICIAL,
    "caseworker": Role.CASEWORKER,
    "reviewer": Role.LEGAL_REVIEWER,
    "auditor": Role.COMPLIANCE_AUDITOR,
    "admin": Role.ADMIN,
}
TEAM_ROLES = {Role.INTAKE_OFFICER, Role.AUTHORISING_OFFICIAL, Role.CASEWORKER, Role.LEGAL_REVIEWER}
DEAD_AFTER_S = 3.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(what: str, check: Callable[[], Any], *, timeout_s: float = 180.0, every_s: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every_s)


@dataclass
class Organisation:
    root: Path
    database_url: str
    base_env: dict[str, str]
    api_url: str
    clients: dict[str, httpx.Client]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def data_dir(self, name: str) -> Path:
        return self.root / name / "data"

    def env_for(self, name: str, **extra: str) -> dict[str, str]:
        return {
            **self.base_env,
            "REISROUTE_DATA_DIR": str(self.data_dir(name)),
            "REISROUTE_AUDIT_CHECKPOINT_DIR": str(self.root / name / "audit-checkpoints"),
            **extra,
        }

    def start_station(self, name: str) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "api.cli", "worker", "--station", name, "--poll-s", "0.2"],
            cwd=ROOT,
            env=self.env_for(name),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def stop(self, name: str, *, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        process.wait(timeout=60)

    def stations(self) -> dict[str, dict[str, Any]]:
        response = self.clients["admin"].get("/api/v1/admin/stations")
        assert response.status_code == 200, response.text
        return {s["name"]: s for s in response.json()["stations"]}

    def job(self, job_id: int) -> dict[str, Any]:
        response = self.clients["intake"].get(f"/api/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def open_case(self, reference: str, phone: PhoneManifest) -> tuple[int, int, int]:
        return approved_case(
            self.clients["intake"],  # type: ignore[arg-type]
            self.clients["authoriser"],  # type: ignore[arg-type]
            reference,
            serial=phone.serial,
            **WINDOW,
        )

    def start_job(self, case: tuple[int, int, int], port: int, station: str) -> int:
        case_id, device_id, authorisation_id = case
        response = self.clients["intake"].post(
            f"/api/v1/cases/{case_id}/jobs",
            json={
                "authorisation_id": authorisation_id,
                "device_id": device_id,
                "station": station,
                "source": {"kind": "adb", "host": "127.0.0.1", "port": port},
            },
        )
        assert response.status_code == 202, response.text
        assert response.json()["station"] == station
        return int(response.json()["id"])


@pytest.fixture(scope="module")
def organisation(tmp_path_factory: pytest.TempPathFactory, gazetteer_dir: Path) -> Iterator[Organisation]:
    root = tmp_path_factory.mktemp("organisation")
    name = f"reisroute_org_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(database_url)
    upgrade(engine)
    password_hash = hash_password(PASSWORD)
    with engine.begin() as connection:
        for username, role in PEOPLE.items():
            connection.execute(
                User.__table__.insert().values(
                    username=username,
                    full_name=username,
                    password_hash=password_hash,
                    roles=[role.value],
                    active=True,
                    created_at=datetime.now().astimezone(),
                )
            )
    with Session(engine) as session, session.begin():
        # need-to-know: the case people are one team, so each sees the cases its creator made
        ensure_team(session, "intake team", [u for u, r in PEOPLE.items() if r in TEAM_ROLES])
    engine.dispose()
    # the organisation key lives apart from every data directory (here: a "secrets" mount of its own)
    key_file = root / "secrets" / "organisation.key"
    write_key_file(key_file)
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("REISROUTE_") or key in ("REISROUTE_TEST_PG", "REISROUTE_TEST_PG_URL")
    }
    base_env.update(
        {
            "PYTHONPATH": str(ROOT),
            "REISROUTE_DATABASE_URL": database_url,
            "REISROUTE_AUDIT_KEY": TEST_AUDIT_KEY,
            "REISROUTE_ORGANISATION_KEY_FILE": str(key_file),
            "REISROUTE_EVIDENCE_STORE": "database",
            "REISROUTE_GAZETTEER_DIR": str(gazetteer_dir),  # the session's index (built on first use)
            "REISROUTE_STATION_HEARTBEAT_S": "0.5",
            "REISROUTE_STATION_DEAD_AFTER_S": str(DEAD_AFTER_S),
            "REISROUTE_DB_POOL_SIZE": "4",
        }
    )
    port = _free_port()
    org = Organisation(
        root=root,
        database_url=database_url,
        base_env=base_env,
        api_url=f"http://127.0.0.1:{port}",
        clients={},
    )
    api_log = open(root / "central-api.log", "ab")  # noqa: SIM115
    central = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=org.env_for("central", REISROUTE_RUN_WORKER="false"),
        stdout=api_log,
        stderr=subprocess.STDOUT,
    )
    org.processes["central"] = central
    try:

        def healthy() -> bool:
            assert central.poll() is None, (root / "central-api.log").read_text()
            try:
                return httpx.get(f"{org.api_url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        _wait("the central API", healthy, timeout_s=120)
        for username in PEOPLE:
            client = httpx.Client(base_url=org.api_url, timeout=600)  # matching builds the gazetteer once
            response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
            org.clients[username] = client
        yield org
    finally:
        for client in org.clients.values():
            client.close()
        for process in org.processes.values():
            process.terminate()
        for process in org.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        api_log.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _phone(root: Path, name: str, seed: int) -> PhoneManifest:
    return build_phone(root / name, photos=600, timeline_points=20_000, seed=seed, photo_bytes=60_000)


def _files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_two_stations_one_central_service(organisation: Organisation) -> None:
    org = organisation
    phones = {"north": _phone(org.root, "phone-north", 21), "south": _phone(org.root, "phone-south", 22)}
    simulators: dict[str, RunningSimulator] = {
        station: start_adb_simulator(phone.root, port=0) for station, phone in phones.items()
    }
    try:
        cases = {
            station: org.open_case(f"V-ORG-{station.upper()}", phone) for station, phone in phones.items()
        }
        # both jobs wait in the queue before either station runs: the stations then work side by side
        jobs = {
            station: org.start_job(cases[station], simulators[station].port, station) for station in phones
        }
        assert {org.job(j)["state"] for j in jobs.values()} == {"queued"}
        for station in phones:
            org.start_station(station)
        _wait(
            "both stations alive",
            lambda: all(org.stations().get(s, {}).get("alive") for s in phones),
            timeout_s=120,
        )

        def both_finished() -> bool:
            states = {org.job(j)["state"] for j in jobs.values()}
            assert not states & {"failed", "cancelled"}, [org.job(j) for j in jobs.values()]
            return states == {"completed"}

        _wait("both extractions", both_finished, timeout_s=400, every_s=0.5)
    finally:
        for simulator in simulators.values():
            simulator.stop()

    north, south = org.job(jobs["north"]), org.job(jobs["south"])
    # at the same time: each job started before the other finished
    assert north["started_at"] < south["finished_at"] and south["started_at"] < north["finished_at"], (
        north,
        south,
    )
    # each station claimed only its own job (the worker id in the audit log names the process)
    audit = org.clients["auditor"].get("/api/v1/compliance/audit", params={"action": "job.completed"})
    assert audit.status_code in (200, 404)

    # the central service re-verifies every hash of each station's job from the central store
    engine = make_engine(org.database_url)
    try:
        for station, (case_id, _device, _authorisation) in cases.items():
            response = org.clients["reviewer"].get(f"/api/v1/cases/{case_id}/evidence/verify")
            assert response.status_code == 200, response.text
            result = response.json()
            assert result["ok"] is True and result["evidence_store"] == "database", result
            kept = [item for item in result["items"] if item["status"] != "not_kept_outside_window"]
            assert kept and all(item["status"] == "verified" for item in kept), result["failures"]
            assert {item["job_id"] for item in result["items"]} == {jobs[station]}
            with engine.connect() as connection:
                custody = connection.scalar(
                    select(func.count()).select_from(CustodyRecord).where(CustodyRecord.case_id == case_id)
                )
            assert len(result["items"]) == custody and result["items_checked"] == len(kept)

        # no station keeps evidence of its own: the blobs live only in the central store
        for station in phones:
            data_dir = org.data_dir(station)
            assert not _files_under(data_dir / "evidence"), f"station {station} wrote evidence locally"
            assert not _files_under(data_dir / "staging"), f"station {station} left staged bytes"

        # the central service renders the PDF from the central evidence (route points included)
        case_id = cases["north"][0]
        last = phones["north"].stays[-1]
        response = org.clients["caseworker"].post(
            f"/api/v1/cases/{case_id}/claims",
            json={
                "kind": "arrived",
                "place_text": last.place,
                "time_text": f"{last.start_utc:%B %Y}",
                "position": 0,
            },
        )
        assert response.status_code == 201, response.text
        response = org.clients["caseworker"].post(f"/api/v1/cases/{case_id}/match")
        assert response.status_code == 200, response.text
        finding_set_id = response.json()["finding_set_id"]
        response = org.clients["reviewer"].post(
            f"/api/v1/cases/{case_id}/finding-sets/{finding_set_id}/release",
            json={"note": "Checked against the custody report"},
        )
        assert response.status_code == 200, response.text
        response = org.clients["caseworker"].get(f"/api/v1/cases/{case_id}/report.pdf")
        assert response.status_code == 200, response.text
        assert response.content.startswith(b"%PDF") and len(response.content) > 10_000

        # delete one case, provably everywhere
        deleted, kept_case = cases["south"][0], cases["north"][0]
        with engine.connect() as connection:
            chunks_before = connection.scalar(
                select(func.count()).select_from(EvidenceChunk).where(EvidenceChunk.case_id == deleted)
            )
        assert chunks_before
        response = org.clients["authoriser"].post(
            f"/api/v1/cases/{deleted}/delete", json={"reason": "retention period ended"}
        )
        assert response.status_code == 200, response.text
        with engine.connect() as connection:
            assert not connection.scalar(
                select(func.count()).select_from(EvidenceChunk).where(EvidenceChunk.case_id == deleted)
            )
            assert (
                connection.scalar(select(func.count()).select_from(CaseKey).where(CaseKey.case_id == deleted))
                == 0
            )
            proof = connection.execute(
                text("SELECT deletion_proof FROM cases WHERE id = :id"), {"id": deleted}
            ).scalar_one()
            kept_chunks = connection.scalar(
                select(func.count()).select_from(EvidenceChunk).where(EvidenceChunk.case_id == kept_case)
            )
        assert (
            proof["evidence_store"] == "database" and proof["blobs_deleted"] > 0 and proof["key_fingerprint"]
        )
        assert kept_chunks  # the other case is untouched ...
        response = org.clients["reviewer"].get(f"/api/v1/cases/{kept_case}/evidence/verify")
        assert response.status_code == 200 and response.json()["ok"] is True
        # ... and the deleted one can no longer be read by anyone: no key anywhere
        response = org.clients["reviewer"].get(f"/api/v1/cases/{deleted}/evidence/verify")
        assert 400 <= response.status_code < 500, response.text
        for name in ("north", "south", "central"):
            assert not _files_under(org.data_dir(name) / "evidence")
    finally:
        engine.dispose()
    for station in phones:
        org.stop(station)
    assert {s["state"] for s in org.stations().values()} == {"stopped"}


def _start_stalling_job(
    org: Organisation, reference: str, station: str, seed: int
) -> tuple[int, RunningSimulator]:
    phone = _phone(org.root, f"phone-{reference}", seed)
    timeline_bytes = phone.host_path(phone.timeline_device_path or "").stat().st_size
    # the first connection stops answering in the middle of Timeline.json; the next ones behave
    simulator = start_adb_simulator(
        phone.root,
        port=0,
        config=SimulatorConfig(stall_after_bytes=60_000 * 600 + timeline_bytes // 2, misbehave_connections=1),
    )
    job_id = org.start_job(org.open_case(reference, phone), simulator.port, station)
    return job_id, simulator


def _kill_when_stalled(org: Organisation, station: str, job_id: int, simulator: RunningSimulator) -> None:
    sent, quiet_since = -1, time.monotonic()

    def stalled() -> bool:
        nonlocal sent, quiet_since
        if simulator.bytes_sent_total != sent:
            sent, quiet_since = simulator.bytes_sent_total, time.monotonic()
        return org.job(job_id)["state"] == "running" and sent > 0 and time.monotonic() - quiet_since > 1.0

    _wait(f"station {station} stalled mid-job", stalled, timeout_s=240)
    org.stop(station, sig=signal.SIGKILL)


def test_a_dead_station_resumes_its_job_or_an_admin_releases_it(organisation: Organisation) -> None:
    org = organisation
    # 1. the station dies mid-job and comes back: it resumes its own job, committed items skipped
    job_id, simulator = _start_stalling_job(org, "V-ORG-RESUME", "east", 31)
    try:
        org.start_station("east")
        _kill_when_stalled(org, "east", job_id, simulator)
        _wait("east shown dead", lambda: org.stations()["east"]["state"] == "dead", timeout_s=30)
        assert org.stations()["east"]["jobs_running"] == 1
        org.start_station("east")
        _wait("east resumed", lambda: org.job(job_id)["state"] == "completed", timeout_s=300, every_s=0.5)
        assert org.job(job_id)["attempts"] >= 2
    finally:
        simulator.stop()
    org.stop("east")

    # 2. the station dies and stays dead: an admin releases its job to another station, which finishes it
    job_id, simulator = _start_stalling_job(org, "V-ORG-RELEASE", "west", 32)
    try:
        org.start_station("west")
        _kill_when_stalled(org, "west", job_id, simulator)
        admin = org.clients["admin"]
        refused = admin.post(f"/api/v1/admin/jobs/{job_id}/release", json={"station": "west"})
        assert refused.status_code == 409, refused.text  # already pinned there: say so, change nothing
        _wait("west shown dead", lambda: org.stations()["west"]["state"] == "dead", timeout_s=30)
        not_admin = org.clients["intake"].post(
            f"/api/v1/admin/jobs/{job_id}/release", json={"station": "east"}
        )
        assert not_admin.status_code == 403
        response = admin.post(f"/api/v1/admin/jobs/{job_id}/release", json={"station": "east"})
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "interrupted" and response.json()["station"] == "east"
        org.start_station("east")
        _wait("east finished west's job", lambda: org.job(job_id)["state"] == "completed", timeout_s=300)
        result = (
            org.clients["reviewer"].get(f"/api/v1/cases/{org.job(job_id)['case_id']}/evidence/verify").json()
        )
        assert result["ok"] and all(i["status"] != "failed" for i in result["items"])
    finally:
        simulator.stop()
    org.stop("east")

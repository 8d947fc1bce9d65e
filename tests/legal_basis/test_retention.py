"""Retention ends in deletion you can prove: the key is destroyed, blobs and derived data are gone, the
audit log keeps the proof, and the evidence is unreadable afterwards (crypto-erasure)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.jobs.worker import JobWorker
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from store.errors import EvidenceKeyDestroyed
from store.models import AuditEntry, CaseKey, CustodyRecord, LocationRow, RouteVersion
from tests.legal_basis.helpers import approved_case

WINDOW = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}
pytestmark = pytest.mark.device


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    return build_phone(tmp_path_factory.mktemp("retention-phone"), photos=12, timeline_points=100, seed=3)


def _extract(client_for, state, phone, reference: str) -> tuple[int, int]:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        case_id, device_id, authorisation_id = approved_case(
            intake, authoriser, reference, serial=phone.serial, **WINDOW
        )
        response = intake.post(
            f"/api/v1/cases/{case_id}/jobs",
            json={
                "authorisation_id": authorisation_id,
                "device_id": device_id,
                "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
            },
        )
        assert response.status_code == 202
        assert JobWorker(state, retry_delay_s=0).run_once()
    finally:
        simulator.stop()
    return case_id, authorisation_id


def _count(state, model, case_id: int) -> int:
    with state.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(model.case_id == case_id)) or 0


def test_end_of_retention_deletes_provably(client_for, state, phone) -> None:
    case_id, _ = _extract(client_for, state, phone, "V-RET-1")
    with state.session_factory() as session:
        blob = session.scalars(select(CustodyRecord).where(CustodyRecord.case_id == case_id)).first()
        key = state.evidence.case_key(session, case_id)
    assert _count(state, LocationRow, case_id) > 0
    blob_path = state.evidence.blob_path(case_id, blob.blob_name)
    assert blob_path.exists()

    authoriser = client_for("authoriser")
    assert (
        client_for("caseworker").post(f"/api/v1/cases/{case_id}/delete", json={"reason": "x"}).status_code
        == 403
    )
    response = authoriser.post(f"/api/v1/cases/{case_id}/delete", json={"reason": "retention period ended"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "deleted"

    for model in (LocationRow, CustodyRecord, RouteVersion, CaseKey):
        assert _count(state, model, case_id) == 0, model.__tablename__
    assert not blob_path.exists()
    with state.session_factory() as session, pytest.raises(EvidenceKeyDestroyed):
        state.evidence.case_key(session, case_id)
    # even a copy of the blob kept elsewhere is useless without the key … and the old key no longer exists
    # in the store; the proof in the audit log names what was destroyed
    with state.session_factory() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.action == "case.delete_data")
        ).one()
    assert entry.details["blobs_deleted"] >= 1
    assert len(entry.details["key_fingerprint"]) == 64
    assert entry.details["rows_deleted"]["location_records"] > 0
    assert len(key) == 32
    # the rows that stay are a tombstone: nothing in them names the phone, its files or the reasons given
    from store.models import Authorisation, ConsentRecord, Device, ExtractionJob

    with state.session_factory() as session:
        kept = [
            *session.scalars(select(Device).where(Device.case_id == case_id)),
            *session.scalars(select(ExtractionJob).where(ExtractionJob.case_id == case_id)),
            *session.scalars(select(Authorisation).where(Authorisation.case_id == case_id)),
            *session.scalars(select(ConsentRecord).where(ConsentRecord.case_id == case_id)),
        ]
        audit_details = [
            e.details for e in session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id))
        ]
        text = " ".join(repr({c.name: getattr(row, c.name) for c in row.__table__.columns}) for row in kept)
    assert kept and phone.serial not in text and "DCIM" not in text and "Interpreter" not in text
    assert "No travel documents" not in text  # the necessity given, free text
    # the audit log outlives the case: it never held the serial or the device's file names
    assert phone.serial not in repr(audit_details)
    # the audit trail itself is kept and still verifies
    assert client_for("auditor").get("/api/v1/audit/verify").json()["ok"] is True
    # nothing more can be done with the case
    response = client_for("intake").post(f"/api/v1/cases/{case_id}/devices", json={"platform": "android"})
    assert response.status_code == 409


def test_consent_withdrawal_stops_and_deletes(client_for, state, phone) -> None:
    case_id, authorisation_id = _extract(client_for, state, phone, "V-RET-2")
    assert _count(state, LocationRow, case_id) > 0
    intake = client_for("intake")
    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/withdraw-consent",
        json={"reason": "applicant withdrew consent"},
    )
    assert response.status_code == 200, response.text
    assert _count(state, LocationRow, case_id) == 0
    assert _count(state, CaseKey, case_id) == 0
    gate = intake.get(f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/gate").json()
    assert not gate["may_start"] and "consent_withdrawn" in {c["code"] for c in gate["unmet"]}

"""Issue 13, finding 6: after ``POST /cases/{id}/delete`` nothing identifying is left in the database
files. Before: the job's identity, params and log, the device, authorisation, consent and notice rows
stayed, and the case's coordinates were in SQLite's free pages and the WAL. The test scans the raw bytes of
the SQLite file and its -wal for the phone's serial and for one of the case's coordinates."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from sqlalchemy import select

from store.models import Authorisation, ConsentRecord, Device, ExtractionJob, InformationNotice, LocationRow
from tests.api.hardening_helpers import released_case

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _raw_bytes(database: Path) -> bytes:
    parts = [database, database.with_name(database.name + "-wal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def _needles(serial: str, lat: float, lon: float) -> dict[str, bytes]:
    return {
        "serial": serial.encode(),
        "latitude (REAL)": struct.pack(">d", lat),  # SQLite stores a REAL as a big-endian double
        "longitude (REAL)": struct.pack(">d", lon),
        "latitude (text)": repr(lat).encode(),
    }


def test_deleting_a_case_leaves_no_serial_or_coordinate_in_the_files(  # type: ignore[no-untyped-def]
    state, users, client_for, tmp_path, gazetteer_dir, settings
) -> None:
    case = released_case(state, client_for, tmp_path, gazetteer_dir, "V-DELETE-1")
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    with state.session_factory() as session:
        lat, lon = session.execute(
            select(LocationRow.lat, LocationRow.lon).where(LocationRow.case_id == case.case_id).limit(1)
        ).one()
        job = session.get(ExtractionJob, case.job_id)
        assert job is not None and job.identity and job.log
    needles = _needles(case.phone.serial, lat, lon)
    before = _raw_bytes(database)
    assert all(needle in before for needle in needles.values())  # the scan can find what it looks for

    authoriser = client_for("authoriser")
    response = authoriser.post(f"/api/v1/cases/{case.case_id}/delete", json={"reason": "retention ended"})
    assert response.status_code == 200, response.text

    left = _raw_bytes(database)
    found = [name for name, needle in needles.items() if needle in left]
    assert not found, f"still in the database files after deletion: {found}"
    wal = database.with_name(database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed and truncated

    # the rows that stay are the tombstone the policy names, nothing identifying
    with state.session_factory() as session:
        job = session.get(ExtractionJob, case.job_id)
        assert job is not None and job.identity is None and job.params == {} and job.log == []
        device = session.scalars(select(Device).where(Device.case_id == case.case_id)).one()
        assert device.serial is None and device.make == "" and device.seal_number is None
        for authorisation in session.scalars(
            select(Authorisation).where(Authorisation.case_id == case.case_id)
        ):
            assert authorisation.purpose.startswith("[erased") and authorisation.milder_means == []
        for row in session.scalars(select(ConsentRecord).where(ConsentRecord.case_id == case.case_id)):
            assert row.interpreter is None
        for notice in session.scalars(
            select(InformationNotice).where(InformationNotice.case_id == case.case_id)
        ):
            assert notice.interpreter is None

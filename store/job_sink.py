"""The database-backed ``JobSink``: each acquired item commits atomically (encrypted bytes, custody, records).

If the process dies between encrypting a blob and committing its row, the orphan blob is unreadable noise
without a custody row; the item is simply acquired again on resume. Nothing is ever half-recorded.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from extractor.records import ClockReading, CustodyItem, LocationRecord
from extractor.sink import ArtifactOutcome
from extractor.sources.base import DeviceIdentity
from store import audit
from store.errors import EvidenceIntegrityError
from store.evidence import EvidenceStore
from store.models import CustodyRecord, ExtractionJob, LocationRow
from store.types import fingerprint, utcnow

INSERT_BATCH = 5000
OUTSIDE_WINDOW_NOT_KEPT = ""  # blob_name of an item whose every record lay outside the authorised window


def clock_to_dict(reading: ClockReading) -> dict[str, Any]:
    return {
        "host_before": reading.host_before.isoformat(),
        "device_time": reading.device_time.isoformat(),
        "host_after": reading.host_after.isoformat(),
        "device_timezone": reading.device_timezone,
        "offset_s": reading.offset_s,
        "uncertainty_s": reading.uncertainty_s,
    }


class DbJobSink:
    def __init__(
        self,
        factory: sessionmaker[Session],
        evidence: EvidenceStore,
        *,
        job_id: int,
        case_id: int,
        data_dir: Path,
        actor: str = "worker",
        clock_offset_s: float = 0.0,
    ) -> None:
        self._factory = factory
        self._evidence = evidence
        self.job_id = job_id
        self.case_id = case_id
        self._staging = Path(data_dir) / "staging" / f"job-{int(job_id)}"
        self._actor = actor
        self.clock_offset_s = clock_offset_s
        with self._factory.begin() as session:
            self._key = evidence.ensure_case_key(session, case_id)

    # --- JobSink -----------------------------------------------------------------------------------------
    def staging_dir(self) -> Path:
        self._staging.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self._staging

    def done_item_keys(self) -> set[str]:
        with self._factory() as session:
            return set(
                session.scalars(select(CustodyRecord.item_key).where(CustodyRecord.job_id == self.job_id))
            )

    def commit_item(
        self,
        *,
        item_key: str,
        custody: CustodyItem,
        staged_file: Path,
        records: Sequence[LocationRecord],
        dropped_outside_window: int,
    ) -> None:
        if not records and dropped_outside_window > 0:
            # Minimisation (LEGAL 6): everything this item holds lies outside the authorised window. Its hash,
            # size and path stay in the chain of custody; its bytes are not kept.
            blob_name, plaintext_sha256 = OUTSIDE_WINDOW_NOT_KEPT, custody.sha256_acquired
        else:
            blob_name, plaintext_sha256, _size = self._evidence.put_file(self._key, self.case_id, staged_file)
        if plaintext_sha256 != custody.sha256_acquired:
            raise EvidenceIntegrityError(
                f"{custody.device_path}: bytes changed between acquisition and storage "
                f"({custody.sha256_acquired} vs {plaintext_sha256})"
            )
        with self._factory.begin() as session:
            row = CustodyRecord(
                case_id=self.case_id,
                job_id=self.job_id,
                item_key=item_key,
                device_path=custody.device_path,
                size=custody.size,
                mtime=custody.mtime,
                sha256_acquired=custody.sha256_acquired,
                bytes_acquired=custody.bytes_acquired,
                sha256_whole_file=custody.sha256_whole_file,
                artifact_id=custody.artifact_id,
                method=custody.method,
                acquired_at=custody.acquired_at,
                blob_name=blob_name,
                records_count=len(records),
                dropped_outside_window=dropped_outside_window,
            )
            session.add(row)
            session.flush()
            self._insert_records(session, row.id, records)
        staged_file.unlink(missing_ok=True)

    def _insert_records(self, session: Session, custody_id: int, records: Sequence[LocationRecord]) -> None:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(
                {
                    "case_id": self.case_id,
                    "job_id": self.job_id,
                    "custody_id": custody_id,
                    "time_utc": record.time_utc,
                    "lat": record.lat,
                    "lon": record.lon,
                    "accuracy_m": record.accuracy_m,
                    "altitude_m": record.altitude_m,
                    "fix_kind": str(record.fix_kind),
                    "time_source": str(record.time_source),
                    "observation": str(record.observation),
                    "artifact_id": record.artifact_id,
                    "source_path": record.source_path,
                    "source_sha256": record.source_sha256,
                    "row_ref": record.row_ref,
                    "note": record.note,
                    "clock_offset_applied_s": self.clock_offset_s
                    if str(record.time_source) == "device_clock"
                    else 0.0,
                }
            )
            if len(batch) >= INSERT_BATCH:
                session.execute(insert(LocationRow), batch)
                batch = []
        if batch:
            session.execute(insert(LocationRow), batch)

    def record_identity(self, identity: DeviceIdentity) -> None:
        with self._factory.begin() as session:
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            job.identity = dataclasses.asdict(identity)
            audit.append(
                session,
                actor=self._actor,
                role="system",
                action="job.identity",
                case_id=self.case_id,
                object_type="job",
                object_id=self.job_id,
                details={"identity": identity_for_audit(identity)},
            )

    def record_clock(self, reading: ClockReading, *, phase: str) -> None:
        with self._factory.begin() as session:
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            clock = dict(job.clock or {})
            readings = list(clock.get(phase + "_readings", []))
            readings.append(clock_to_dict(reading))
            clock[phase + "_readings"] = readings
            clock[phase] = clock_to_dict(reading)
            job.clock = clock

    def record_outcomes(self, outcomes: Sequence[ArtifactOutcome]) -> None:
        with self._factory.begin() as session:
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            job.outcomes = [dataclasses.asdict(o) for o in outcomes]

    def report_progress(
        self, *, items_done: int, items_total: int, bytes_done: int, bytes_total: int
    ) -> None:
        with self._factory.begin() as session:
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            job.items_done, job.items_total = items_done, items_total
            job.bytes_done, job.bytes_total = bytes_done, bytes_total
            job.heartbeat_at = utcnow()

    def is_cancelled(self) -> bool:
        with self._factory() as session:
            return bool(
                session.scalar(select(ExtractionJob.cancel_requested).where(ExtractionJob.id == self.job_id))
            )

    def log(self, message: str, *, at: datetime | None = None) -> None:
        with self._factory.begin() as session:
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            job.log = [*list(job.log or [])[-499:], {"at": (at or utcnow()).isoformat(), "message": message}]

    def clean_staging(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)


def identity_for_audit(identity: DeviceIdentity) -> dict[str, object]:
    """The identity as the audit log keeps it: what kind of device, and fingerprints of what names it (the
    serial, UDID, IMEI and device name go with the case data at deletion; the audit log stays)."""
    return {
        "platform": identity.platform,
        "manufacturer": identity.manufacturer,
        "model": identity.model,
        "os_version": identity.os_version,
        "serial_fingerprint": fingerprint(identity.serial),
        **{f"{key}_fingerprint": fingerprint(value) for key, value in identity.extra},
    }

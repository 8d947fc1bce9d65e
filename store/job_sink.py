"""The database-backed ``JobSink``: acquired items commit atomically in batches (encrypted bytes, custody,
records).

Each item's bytes are encrypted into the evidence store at once, without an fsync of their own; the item's
custody row and records wait in memory. Every :data:`BATCH_ITEMS` items, :data:`BATCH_RECORDS` records or
:data:`BATCH_SECONDS` seconds (and whenever the runner calls :meth:`DbJobSink.flush`: at the end, on a
lost device, before outcomes are recorded) the batch becomes durable: one ``syncfs`` of the evidence
store, then one transaction with every custody row (one multi-row insert) and every record (``executemany``
on SQLite, ``COPY`` on PostgreSQL), with the job's progress and log lines.

If the process dies before a batch commits, its blobs are unreadable noise without a custody row and its
items are simply acquired again on resume: an item is recorded whole or not at all, never twice.

An item with more than :data:`SPLIT_RECORDS` records (a Timeline export of a million points) is not
inserted in one transaction: on SQLite that would hold the database's only write lock for seconds, and every
reader's audit entry would wait behind it. Its custody row and first records commit together, the rest in
transactions of :data:`SPLIT_RECORDS` records (on SQLite :data:`SQLITE_PART_RECORDS`, with a pause of
:data:`PART_PAUSE_S` between them so that a writer waiting for the lock gets it). Until its last part has committed such an item is
*incomplete*; ``done_item_keys`` (called on every start and resume) finds an incomplete item by counting its
records against the custody row's ``records_count``, removes its rows and lets it be acquired again — so
resume stays exact. Only these large items can be incomplete: smaller ones still commit whole.
Cancellation is read from the database at most every :data:`CANCEL_CHECK_INTERVAL_S` seconds.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from extractor.records import ClockReading, CustodyItem, LocationRecord
from extractor.sink import ArtifactOutcome
from extractor.sources.base import DeviceIdentity
from store import audit
from store.errors import EvidenceIntegrityError
from store.evidence import EvidenceStore
from store.location_rows import insert_location_rows
from store.models import CustodyRecord, ExtractionJob, LocationRow
from store.types import fingerprint, utcnow

BATCH_ITEMS = 500
BATCH_RECORDS = 200_000
BATCH_SECONDS = 2.0
SPLIT_RECORDS = 50_000  # larger items commit in parts of this many records (short write transactions)
# On SQLite a part holds the database's only write lock, and every reader's audit entry waits for it: parts
# there are smaller (about 50 ms of inserting on the 2-core test machine instead of 0.3-0.4 s, issue 18).
SQLITE_PART_RECORDS = 10_000
# Pause between two parts on SQLite: a writer waiting on busy_timeout retries after sleeps that grow from
# 1 ms to 25 ms over its first ~130 ms of waiting (then 50-100 ms), so a pause longer than 25 ms lets a
# waiting audit batch in before the job takes the lock again.
PART_PAUSE_S = 0.03
CANCEL_CHECK_INTERVAL_S = 0.5
LOG_LINES_KEPT = 500
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


@dataclasses.dataclass(slots=True)
class _PendingItem:
    custody: dict[str, Any]  # CustodyRecord column values
    records: Sequence[LocationRecord]


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
            self._sqlite = session.get_bind().dialect.name == "sqlite"
        self._pending: list[_PendingItem] = []
        self._pending_keys: set[str] = set()
        self._pending_records = 0
        self._pending_since = 0.0
        self._unsynced_blobs = False
        self._pending_progress: dict[str, Any] | None = None
        self._pending_log: list[dict[str, str]] = []
        self._cancel_checked_at = float("-inf")
        self._cancelled = False

    # --- JobSink -----------------------------------------------------------------------------------------
    def staging_dir(self) -> Path:
        self._staging.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self._staging

    def done_item_keys(self) -> set[str]:
        """Items committed, or waiting in the current batch (they commit with it or are acquired again)."""
        with self._factory() as session:
            rows = session.execute(
                select(CustodyRecord.id, CustodyRecord.item_key, CustodyRecord.records_count).where(
                    CustodyRecord.job_id == self.job_id
                )
            ).all()
            incomplete = [
                row.id
                for row in rows
                if row.records_count > SPLIT_RECORDS
                and session.scalar(
                    select(func.count()).where(
                        LocationRow.case_id == self.case_id, LocationRow.custody_id == row.id
                    )
                )
                != row.records_count
            ]
        if incomplete:
            self._remove_incomplete(incomplete)
        committed = {row.item_key for row in rows if row.id not in incomplete}
        return committed | self._pending_keys

    def _remove_incomplete(self, custody_ids: list[int]) -> None:
        """Remove the rows of large items whose parts did not all commit (they are acquired again)."""
        with self._factory.begin() as session:
            session.execute(
                delete(LocationRow).where(
                    LocationRow.case_id == self.case_id, LocationRow.custody_id.in_(custody_ids)
                )
            )
            session.execute(delete(CustodyRecord).where(CustodyRecord.id.in_(custody_ids)))
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            line = {
                "at": utcnow().isoformat(),
                "message": f"{len(custody_ids)} item(s) only partly recorded before an interruption: "
                "acquiring them again",
            }
            job.log = [*list(job.log or []), line][-LOG_LINES_KEPT:]

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
            blob_name, plaintext_sha256, _size = self._evidence.put_file(
                self._key, self.case_id, staged_file, durable=False
            )
            self._unsynced_blobs = True
        if plaintext_sha256 != custody.sha256_acquired:
            raise EvidenceIntegrityError(
                f"{custody.device_path}: bytes changed between acquisition and storage "
                f"({custody.sha256_acquired} vs {plaintext_sha256})"
            )
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(
            _PendingItem(
                custody={
                    "case_id": self.case_id,
                    "job_id": self.job_id,
                    "item_key": item_key,
                    "device_path": custody.device_path,
                    "size": custody.size,
                    "mtime": custody.mtime,
                    "sha256_acquired": custody.sha256_acquired,
                    "bytes_acquired": custody.bytes_acquired,
                    "sha256_whole_file": custody.sha256_whole_file,
                    "artifact_id": custody.artifact_id,
                    "method": custody.method,
                    "acquired_at": custody.acquired_at,
                    "blob_name": blob_name,
                    "records_count": len(records),
                    "dropped_outside_window": dropped_outside_window,
                },
                records=records,
            )
        )
        self._pending_keys.add(item_key)
        self._pending_records += len(records)
        staged_file.unlink(missing_ok=True)
        if self._batch_due():
            self.flush()

    def _batch_due(self) -> bool:
        return bool(self._pending) and (
            len(self._pending) >= BATCH_ITEMS
            or self._pending_records >= BATCH_RECORDS
            or time.monotonic() - self._pending_since >= BATCH_SECONDS
        )

    def flush(self) -> None:
        """Make the waiting items durable and commit them, with the progress and log lines held back."""
        if not self._pending and self._pending_progress is None and not self._pending_log:
            return
        if self._unsynced_blobs:
            self._evidence.sync(self.case_id)  # the blobs are on disk before any row names them
        whole = [item for item in self._pending if len(item.records) <= SPLIT_RECORDS]
        large = [item for item in self._pending if len(item.records) > SPLIT_RECORDS]
        if whole:
            with self._factory.begin() as session:
                self._insert_items(session, whole)
                if not large:
                    self._write_progress(session)
        for item in large:
            self._insert_in_parts(item)
        if large or not whole:
            with self._factory.begin() as session:
                self._write_progress(session)
        self._pending.clear()
        self._pending_keys.clear()
        self._pending_records = 0
        self._unsynced_blobs = False
        self._pending_progress = None
        self._pending_log = []

    def _part_records(self) -> int:
        return min(SPLIT_RECORDS, SQLITE_PART_RECORDS) if self._sqlite else SPLIT_RECORDS

    def _insert_items(
        self, session: Session, items: Sequence[_PendingItem], first: int = SPLIT_RECORDS
    ) -> list[int]:
        ids = list(
            session.scalars(
                insert(CustodyRecord).returning(CustodyRecord.id, sort_by_parameter_order=True),
                [item.custody for item in items],
            ).all()
        )
        insert_location_rows(
            session,
            (
                row
                for custody_id, item in zip(ids, items, strict=True)
                for row in self._record_rows(custody_id, item.records[:first])
            ),
        )
        return ids

    def _insert_in_parts(self, item: _PendingItem) -> None:
        """A large item: custody row and first part in one transaction, then one per part (see module doc)."""
        part = self._part_records()
        with self._factory.begin() as session:
            (custody_id,) = self._insert_items(session, [item], first=part)
        for start in range(part, len(item.records), part):
            if self._sqlite:
                time.sleep(PART_PAUSE_S)
            with self._factory.begin() as session:
                insert_location_rows(
                    session, self._record_rows(custody_id, item.records[start : start + part])
                )

    def _write_progress(self, session: Session) -> None:
        if self._pending_progress is None and not self._pending_log:
            return
        job = session.get(ExtractionJob, self.job_id)
        assert job is not None
        if self._pending_progress is not None:
            for name, value in self._pending_progress.items():
                setattr(job, name, value)
        if self._pending_log:
            job.log = [*list(job.log or []), *self._pending_log][-LOG_LINES_KEPT:]

    def _record_rows(self, custody_id: int, records: Sequence[LocationRecord]) -> Iterator[tuple[Any, ...]]:
        offset = self.clock_offset_s
        return (
            (
                self.case_id,
                self.job_id,
                custody_id,
                record.time_utc,
                record.lat,
                record.lon,
                record.accuracy_m,
                record.altitude_m,
                str(record.fix_kind),
                str(record.time_source),
                str(record.observation),
                record.artifact_id,
                record.source_path,
                record.source_sha256,
                record.row_ref,
                record.note,
                record.clock_offset_applied_s
                if record.clock_offset_applied_s is not None
                else (offset if str(record.time_source) == "device_clock" else 0.0),
            )
            for record in records
        )

    def record_identity(self, identity: DeviceIdentity) -> None:
        self.flush()
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
        self.flush()
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
        self.flush()
        with self._factory.begin() as session:
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            job.outcomes = [dataclasses.asdict(o) for o in outcomes]

    def report_progress(
        self, *, items_done: int, items_total: int, bytes_done: int, bytes_total: int
    ) -> None:
        progress = {
            "items_done": items_done,
            "items_total": items_total,
            "bytes_done": bytes_done,
            "bytes_total": bytes_total,
            "heartbeat_at": utcnow(),
        }
        if self._pending:  # held back to commit with the batch it counts
            self._pending_progress = progress
            if self._batch_due():
                self.flush()
            return
        self._pending_progress = None
        with self._factory.begin() as session:
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            for name, value in progress.items():
                setattr(job, name, value)

    def is_cancelled(self) -> bool:
        """Whether cancellation was requested (read from the database at most every
        :data:`CANCEL_CHECK_INTERVAL_S` seconds; once cancelled, always cancelled)."""
        now = time.monotonic()
        if self._cancelled or now - self._cancel_checked_at < CANCEL_CHECK_INTERVAL_S:
            return self._cancelled
        self._cancel_checked_at = now
        with self._factory() as session:
            self._cancelled = bool(
                session.scalar(select(ExtractionJob.cancel_requested).where(ExtractionJob.id == self.job_id))
            )
        return self._cancelled

    def log(self, message: str, *, at: datetime | None = None) -> None:
        line = {"at": (at or utcnow()).isoformat(), "message": message}
        if self._pending:  # held back to commit with the batch it belongs to
            self._pending_log.append(line)
            return
        with self._factory.begin() as session:
            job = session.get(ExtractionJob, self.job_id)
            assert job is not None
            job.log = [*list(job.log or []), *self._pending_log, line][-LOG_LINES_KEPT:]
        self._pending_log = []

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

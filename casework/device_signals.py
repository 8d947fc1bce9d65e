"""After a job: signs that the phone changed hands or was reset (LEGAL 16), stored on the job and stated as
limitations.

Device-side signals are read again from the evidence store (decrypted, hash re-checked) rather than kept from
the acquisition run, so they can be recomputed for any finished job. The data-derived sign ("data starts
abruptly") uses the job's kept records and the file times of its chain of custody.

Minimisation: a device-side signal dated before the authorised window is stored without its date — it only
says the phone was set up before the window, which is all the window needs.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.state import AppState
from extractor.artifacts.android.device_history import SPEC as ANDROID_DEVICE_HISTORY
from extractor.artifacts.android.device_history import device_history_signals
from extractor.artifacts.spec import AcquiredItem, ParseContext
from extractor.history_signals import DeviceHistorySignal, SignalKind, data_start_signals
from extractor.records import Observation
from store import audit
from store.db import open_session
from store.models import Authorisation, CustodyRecord, ExtractionJob, LocationRow

log = logging.getLogger("reisroute.device_history")
DEVICE_HISTORY_ARTIFACTS = (ANDROID_DEVICE_HISTORY.id,)


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _offset_s(job: ExtractionJob) -> float:
    start = (job.clock or {}).get("start") or {}
    return float(start.get("offset_s") or 0.0)


def compute_job_signals(state: AppState, session: Session, job: ExtractionJob) -> list[DeviceHistorySignal]:
    """Every device-history signal of one finished job (pure reading; nothing is written)."""
    import io

    offset_s = _offset_s(job)
    ctx = ParseContext(device_timezone=_zone((job.identity or {}).get("timezone")))
    rows = list(
        session.scalars(
            select(CustodyRecord)
            .where(CustodyRecord.job_id == job.id, CustodyRecord.artifact_id.in_(DEVICE_HISTORY_ARTIFACTS))
            .order_by(CustodyRecord.id)
        )
    )
    signals: list[DeviceHistorySignal] = []
    if rows:
        key = state.evidence.case_key(session, job.case_id)
        for row in rows:
            data = state.evidence.read_verified(key, job.case_id, row.blob_name, row.sha256_acquired)
            item = AcquiredItem(
                device_path=row.device_path,
                sha256=row.sha256_acquired,
                size=row.size,
                mtime=row.mtime,
                opener=lambda data=data: io.BytesIO(data),  # type: ignore[misc]
            )
            signals += device_history_signals(item, ctx, clock_offset_s=offset_s)
    first_own = session.scalar(
        select(func.min(LocationRow.time_utc)).where(
            LocationRow.job_id == job.id, LocationRow.observation == Observation.OWN.value
        )
    )
    oldest_file = session.scalar(
        select(func.min(CustodyRecord.mtime)).where(
            CustodyRecord.job_id == job.id, CustodyRecord.mtime.is_not(None)
        )
    )
    authorisation = session.get(Authorisation, job.authorisation_id)
    signals += data_start_signals(
        first_own_record_utc=first_own,
        oldest_file_time_utc=oldest_file - timedelta(seconds=offset_s) if oldest_file is not None else None,
        window_start_utc=authorisation.window_start if authorisation is not None else None,
        setup_times_utc=[
            s.time_utc for s in signals if s.kind in (SignalKind.FIRST_BOOT, SignalKind.STORAGE_INITIALISED)
        ],
    )
    return signals


def signal_record(signal: DeviceHistorySignal, window_start: datetime | None) -> dict[str, Any]:
    """What is stored on the job: the signal, or only that it lies before the authorised window."""
    if window_start is None or signal.time_utc >= window_start:
        return {**signal.to_dict(), "before_window": False}
    day = window_start.strftime("%Y-%m-%d")
    return {
        "kind": signal.kind.value,
        "time_utc": None,
        "before_window": True,
        "evidence": signal.evidence,
        "confidence": signal.confidence.value,
        "source_sha256": signal.source_sha256,
        "note_en": f"The phone was set up or last reset before the authorised period (which starts {day}); "
        "its exact date is outside the authorisation and is not shown. No reset is seen within the period.",
        "note_nl": f"De telefoon is ingesteld of voor het laatst gereset vóór de gemachtigde periode (die begint "
        f"op {day}); de precieze datum valt buiten de machtiging en wordt niet getoond. Binnen de periode is "
        "geen reset te zien.",
    }


def record_device_history(state: AppState, job_id: int, *, actor: str = "pipeline") -> list[dict[str, Any]]:
    """Compute the job's signals and store them on the job (with an audit entry); returns what was stored."""
    with open_session(state.session_factory, read_only=True) as session:  # reading: no write lock held
        job = session.get(ExtractionJob, job_id)
        if job is None:
            raise LookupError(f"job {job_id} does not exist")
        authorisation = session.get(Authorisation, job.authorisation_id)
        window_start = authorisation.window_start if authorisation is not None else None
        signals = compute_job_signals(state, session, job)
    stored = [signal_record(s, window_start) for s in sorted(signals, key=lambda s: s.time_utc)]
    with state.session_factory.begin() as session:
        job = session.get(ExtractionJob, job_id)
        assert job is not None
        job.device_history = stored
        audit.append(
            session,
            actor=actor,
            role="system",
            action="job.device_history",
            case_id=job.case_id,
            object_type="job",
            object_id=job_id,
            details={"signals": [s["kind"] for s in stored]},
        )
    return stored


def device_history_limitations(session: Session, case_id: int) -> list[dict[str, str]]:
    """The case's device-history signals, and the device facts a job could not read (clock, time zone,
    serial, OS version: issue 12), as bilingual limitation lines (LEGAL 14, 16), without repeats."""
    lines: list[dict[str, str]] = []
    seen: set[str] = set()
    for job in session.scalars(
        select(ExtractionJob).where(ExtractionJob.case_id == case_id).order_by(ExtractionJob.id)
    ):
        for fact in (job.scope or {}).get("missing_device_facts") or []:
            en = fact.get("en_long") or fact.get("en") or fact.get("code")
            if en and en not in seen:
                seen.add(en)
                lines.append({"en": en, "nl": fact.get("nl_long") or fact.get("nl") or en})
        for signal in job.device_history or []:
            if signal.get("note_en") and signal["note_en"] not in seen:
                seen.add(signal["note_en"])
                lines.append({"en": signal["note_en"], "nl": signal.get("note_nl") or signal["note_en"]})
    return lines

"""Builders for compliance tests: a long audit chain inserted in bulk (hashes by ``store.audit``), and jobs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from store import audit
from store.db import unit_of_work
from store.models import AuditEntry, ExtractionJob
from store.types import utcnow

ACTIONS = ("case.read", "route.read", "findings.read", "job.create", "claim.create", "consent.record")
ROLES = ("caseworker", "legal_reviewer", "intake_officer", "compliance_auditor")


def seed_chain(
    factory: sessionmaker[Session],
    count: int,
    *,
    start: datetime,
    step: timedelta = timedelta(seconds=30),
    data_dir: Path | None = None,
    batch_size: int = 10_000,
) -> tuple[int, str]:
    """Append ``count`` entries after the current head in one transaction, linking each to the one before.

    Each entry's hash comes from ``store.audit.entry_hash`` exactly as ``audit.append`` computes it, so
    ``audit.verify_chain`` accepts the result; a checkpoint of the new head is written when ``data_dir`` is given.
    """
    with unit_of_work(factory) as session:
        seq, prev = audit.head(session)
        rows: list[dict[str, Any]] = []
        for number in range(count):
            seq += 1
            fields: dict[str, Any] = {
                "seq": seq,
                "at": start + step * number,
                "actor": f"user{number % 37}",
                "role": ROLES[number % len(ROLES)],
                "case_id": 1 + number % 500,
                "action": ACTIONS[number % len(ACTIONS)],
                "object_type": "case",
                "object_id": str(1 + number % 500),
                "reason": "compliance-audit" if number % 11 == 0 else "",
                "details": json.loads(json.dumps({"n": number})),
                "prev_hash": prev,
            }
            fields["hash"] = audit.entry_hash(**fields)
            prev = fields["hash"]
            rows.append(fields)
            if len(rows) >= batch_size:
                session.connection().execute(insert(AuditEntry.__table__), rows)
                rows = []
        if rows:
            session.connection().execute(insert(AuditEntry.__table__), rows)
    if data_dir is not None:
        audit.write_anchor(audit.anchor_path(data_dir), seq, prev)
    return seq, prev


def add_job(
    session: Session,
    *,
    case_id: int,
    device_id: int,
    authorisation_id: int,
    created_by: int,
    state: str,
    started_at: datetime | None,
    finished_at: datetime | None = None,
) -> ExtractionJob:
    """A job row as the worker leaves it (the extraction itself is tested elsewhere)."""
    job = ExtractionJob(
        case_id=case_id,
        device_id=device_id,
        authorisation_id=authorisation_id,
        kind="archive",
        state=state,
        created_by=created_by,
        created_at=started_at or utcnow(),
        started_at=started_at,
        finished_at=finished_at,
    )
    session.add(job)
    session.flush()
    return job

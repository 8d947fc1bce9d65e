"""The chain of custody of a job as a manifest: every acquired item, and one SHA-256 over them all."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import CustodyRecord


def custody_manifest(session: Session, job_id: int) -> tuple[list[dict[str, Any]], str]:
    rows = session.scalars(
        select(CustodyRecord).where(CustodyRecord.job_id == job_id).order_by(CustodyRecord.id)
    )
    items = [
        {
            "device_path": r.device_path,
            "size": r.size,
            "mtime": r.mtime.isoformat() if r.mtime else None,
            "sha256_acquired": r.sha256_acquired,
            "bytes_acquired": r.bytes_acquired,
            "sha256_whole_file": r.sha256_whole_file,
            "artifact_id": r.artifact_id,
            "method": r.method,
            "acquired_at": r.acquired_at.isoformat(),
            "records": r.records_count,
            "bytes_kept": bool(r.blob_name),
            "dropped_outside_window": r.dropped_outside_window,
        }
        for r in rows
    ]
    digest = hashlib.sha256(json.dumps(items, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return items, digest

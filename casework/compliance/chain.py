"""The chain's state beside the explorer: the verification result and the latest checkpoint (anchor).

A full walk of a long chain takes seconds (every entry is re-hashed), so the result of the last full walk is
kept (per process) with the head it reached, and later requests check only the entries appended since: each
new entry's hash and its link to the one before, and every checkpoint written since. ``full=True`` walks the
whole chain again, through ``store.audit.verify_chain``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.compliance.hashing import recompute_hash, row_fields
from store import audit
from store.errors import StoreError
from store.models import AuditEntry
from store.types import utcnow


@dataclass(frozen=True, slots=True)
class ChainStatus:
    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: str
    anchors_checked: int
    first_broken_seq: int | None
    problems: list[str]
    latest_anchor: dict[str, Any] | None
    full_check_at: datetime  # when the whole chain was last walked
    incremental_entries: int = 0  # entries checked since that walk


@dataclass
class ChainCache:
    """The last result, shared by the requests of one process."""

    status: ChainStatus | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def latest_checkpoint(data_dir: Path) -> dict[str, Any] | None:
    """The newest anchor (seq, hash, at) — the one place to adapt when checkpoints become signed."""
    anchors = audit.read_anchors(audit.anchor_path(data_dir))
    if not anchors:
        return None
    newest = max(anchors, key=lambda anchor: anchor.seq)
    return {"seq": newest.seq, "hash": newest.hash, "at": newest.at}


def _full(session: Session, data_dir: Path) -> ChainStatus:
    anchors = audit.read_anchors(audit.anchor_path(data_dir))
    result = audit.verify_chain(session, anchors=anchors)
    return ChainStatus(
        ok=result.ok,
        entries_checked=result.entries_checked,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        anchors_checked=result.anchors_checked,
        first_broken_seq=result.first_broken_seq,
        problems=list(result.problems),
        latest_anchor=latest_checkpoint(data_dir),
        full_check_at=utcnow(),
    )


def _since(session: Session, data_dir: Path, previous: ChainStatus) -> ChainStatus:
    """Check only what was appended after ``previous`` reached its head (and the anchors written since)."""
    problems = list(previous.problems)
    first_broken = previous.first_broken_seq
    expected, prev_hash, checked = previous.head_seq + 1, previous.head_hash, 0
    seen: dict[int, str] = {}
    anchors = [a for a in audit.read_anchors(audit.anchor_path(data_dir)) if a.seq > previous.head_seq]
    wanted = {a.seq for a in anchors}

    def broken(seq: int, message: str) -> None:
        nonlocal first_broken
        first_broken = seq if first_broken is None else first_broken
        problems.append(message)

    for row in session.scalars(
        select(AuditEntry).where(AuditEntry.seq > previous.head_seq).order_by(AuditEntry.seq)
    ):
        checked += 1
        fields = row_fields(row)
        if row.seq != expected:
            broken(expected, f"entry {expected} is missing (next entry found is {row.seq}): deleted")
        if row.prev_hash != prev_hash:
            broken(row.seq, f"entry {row.seq} does not link to the entry before it: inserted or reordered")
        if recompute_hash(fields, _session_key(session)) != row.hash:
            broken(row.seq, f"entry {row.seq} content does not match its hash: edited")
        if row.seq in wanted:
            seen[row.seq] = row.hash
        prev_hash, expected = row.hash, row.seq + 1
    head_seq = expected - 1
    for anchor in anchors:
        if anchor.seq > head_seq:
            broken(
                head_seq + 1,
                f"anchor at entry {anchor.seq} ({anchor.at}) is beyond the chain head {head_seq}",
            )
        elif seen.get(anchor.seq) != anchor.hash:
            broken(anchor.seq, f"entry {anchor.seq} differs from its anchor written at {anchor.at}")
    return replace(
        previous,
        ok=not problems,
        entries_checked=previous.entries_checked + checked,
        head_seq=head_seq,
        head_hash=prev_hash,
        anchors_checked=previous.anchors_checked + len(anchors),
        first_broken_seq=first_broken,
        problems=problems,
        latest_anchor=latest_checkpoint(data_dir),
        incremental_entries=previous.incremental_entries + checked,
    )


def chain_status(
    session: Session, data_dir: Path, cache: ChainCache | None = None, *, full: bool = False
) -> ChainStatus:
    if cache is None:
        return _full(session, data_dir)
    with cache.lock:
        if full or cache.status is None:
            cache.status = _full(session, data_dir)
        else:
            cache.status = _since(session, data_dir, cache.status)
        return cache.status


def _session_key(session: Session) -> audit.AuditKey | None:
    """The running service's audit key (the session's audit log holds it); None outside the service."""
    try:
        return audit.audit_log_of(session).key
    except StoreError:
        return None

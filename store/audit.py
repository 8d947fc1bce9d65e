"""The append-only, hash-chained audit log.

Each entry's hash covers its sequence number, its content and the previous entry's hash, so editing,
deleting or inserting an entry breaks every later link. ``prev_hash`` and ``seq`` are unique, so two writers
racing for the same position cannot fork the chain: one of them fails and retries.

Cutting entries off the end leaves a valid but shorter chain; that is caught by anchors — the head
(seq, hash) appended to a checkpoint file outside the database after every commit, and printed in reports.

There is deliberately no function here that updates or deletes an entry; database triggers refuse both.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, sessionmaker

from store.models import AuditEntry
from store.types import utcnow

GENESIS_HASH = "0" * 64
ANCHOR_FILE_NAME = "audit-anchors.jsonl"

APPEND_ONLY_TRIGGERS_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
)
APPEND_ONLY_TRIGGERS_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries",
    "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()",
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change()",
)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    role: str,
    case_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    reason: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    body = _canonical(
        {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "role": role,
            "case_id": case_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "reason": reason,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _hash_of_row(row: AuditEntry) -> str:
    return entry_hash(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        role=row.role,
        case_id=row.case_id,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        reason=row.reason,
        details=row.details or {},
        prev_hash=row.prev_hash,
    )


def append(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    case_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction (it commits with the action it records, or not at all)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Serialise writers on the chain head; released at commit/rollback.
        session.execute(text("SELECT pg_advisory_xact_lock(724311)"))
    session.flush()
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    at = utcnow()
    clean_details = json.loads(_canonical(details or {}))
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        role=role,
        case_id=case_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        details=clean_details,
        prev_hash=prev_hash,
    )
    entry.hash = _hash_of_row(entry)
    session.add(entry)
    session.flush()
    session.info["audit_head"] = (entry.seq, entry.hash)
    return entry


# --- anchors -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    at: str


def anchor_path(data_dir: Path) -> Path:
    return Path(data_dir) / ANCHOR_FILE_NAME


def write_anchor(path: Path, seq: int, digest: str) -> None:
    """Append the head to the checkpoint file (O_APPEND; fsync so a crash cannot lose an anchor)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = _canonical({"seq": seq, "hash": digest, "at": utcnow().isoformat()}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_anchors(path: Path) -> list[Anchor]:
    if not path.exists():
        return []
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            anchors.append(Anchor(seq=int(raw["seq"]), hash=str(raw["hash"]), at=str(raw["at"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"anchor file {path} line {number} is unreadable: {exc}") from exc
    return anchors


def install_anchor_hook(factory: sessionmaker[Session], data_dir: Path) -> None:
    """After every commit that appended audit entries, anchor the new head outside the database."""
    path = anchor_path(data_dir)

    @event.listens_for(factory, "after_commit")
    def _anchor(session: Session) -> None:
        head = session.info.pop("audit_head", None)
        if head is not None:
            write_anchor(path, head[0], head[1])

    @event.listens_for(factory, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop("audit_head", None)


# --- verification --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: str
    anchors_checked: int
    first_broken_seq: int | None = None
    problems: list[str] = field(default_factory=list)


def iter_entries(session: Session, *, batch_size: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch_size)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session, *, anchors: list[Anchor] | None = None) -> VerifyResult:
    """Walk the chain; report the first broken link. Anchors catch entries cut off the end."""
    problems: list[str] = []
    first_broken: int | None = None
    expected_seq = 1
    prev = GENESIS_HASH
    count = 0
    hashes_by_seq: dict[int, str] = {}
    wanted = {a.seq for a in anchors or []}

    def broken(seq: int, message: str) -> None:
        nonlocal first_broken
        if first_broken is None:
            first_broken = seq
        problems.append(message)

    for row in iter_entries(session):
        count += 1
        if row.seq != expected_seq:
            broken(expected_seq, f"entry {expected_seq} is missing (next entry found is {row.seq}): deleted")
        if row.prev_hash != prev:
            broken(row.seq, f"entry {row.seq} does not link to the entry before it: inserted or reordered")
        recomputed = _hash_of_row(row)
        if recomputed != row.hash:
            broken(row.seq, f"entry {row.seq} content does not match its hash: edited")
        if row.seq in wanted:
            hashes_by_seq[row.seq] = row.hash
        prev = row.hash
        expected_seq = row.seq + 1
    head_seq = expected_seq - 1
    for anchor in anchors or []:
        if anchor.seq > head_seq:
            broken(
                head_seq + 1,
                f"anchor at entry {anchor.seq} ({anchor.at}) is beyond the chain head {head_seq}: "
                "entries were cut off the end",
            )
        elif hashes_by_seq.get(anchor.seq) != anchor.hash:
            broken(anchor.seq, f"entry {anchor.seq} differs from its anchor written at {anchor.at}")
    return VerifyResult(
        ok=not problems,
        entries_checked=count,
        head_seq=head_seq,
        head_hash=prev,
        anchors_checked=len(anchors or []),
        first_broken_seq=first_broken,
        problems=problems,
    )


def head(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)

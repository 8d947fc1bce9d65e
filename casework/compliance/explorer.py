"""The audit explorer: every entry across cases, filtered, paged newest-first by ``seq`` (keyset).

Keyset paging (``seq < before_seq ORDER BY seq DESC LIMIT n``) costs the same on page 1 and page 2,000:
each filter column has an index ending in ``seq`` (migration ``c17a_0003``), so a page is one index range
scan. The total is counted once per query (indexed too) and may be skipped by the caller.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, not_, select
from sqlalchemy.orm import Session, aliased

from casework.compliance.actions import CASE_READ_ACTIONS, action_words
from casework.errors import CaseworkError
from store.models import AuditEntry

MAX_PAGE_SIZE = 500


class ExplorerError(CaseworkError):
    """The explorer query is malformed (e.g. a period that ends before it starts)."""


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the compliance officer filters on; ``None`` / empty means "any".

    ``action`` matches exactly, or every action under a prefix when it ends in ``.`` or ``*``
    (``job.`` → ``job.create``, ``job.failed``, …). ``reads_without_reason`` keeps only reads of case data
    that carry no reason and were made by someone who took no other part in that case (outside its workflow).
    """

    since: datetime | None = None
    until: datetime | None = None
    case_id: int | None = None
    actor: str | None = None
    role: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    reads_without_reason: bool = False

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ExplorerError("the period must end after it starts")

    def as_details(self) -> dict[str, Any]:
        """The filter as it is written into the audit entry of the read or export."""
        return {
            key: (value.isoformat() if isinstance(value, datetime) else value)
            for key, value in asdict(self).items()
            if value not in (None, "", False)
        }


def apply_filter(query: Select[Any], flt: AuditFilter, *, dialect: str = "sqlite") -> Select[Any]:
    """``flt`` as WHERE conditions. ``dialect`` picks how an action prefix is matched (see below)."""
    conditions = []
    if flt.since is not None:
        conditions.append(AuditEntry.at >= flt.since)
    if flt.until is not None:
        conditions.append(AuditEntry.at < flt.until)
    if flt.case_id is not None:
        conditions.append(AuditEntry.case_id == flt.case_id)
    if flt.actor:
        conditions.append(AuditEntry.actor == flt.actor)
    if flt.role:
        conditions.append(AuditEntry.role == flt.role)
    if flt.action:
        if flt.action.endswith(("*", ".")):
            prefix = flt.action.rstrip("*")
            if dialect == "sqlite":
                # SQLite compares bytewise: a range on the (action, seq) index, which LIKE would not use
                conditions.append(and_(AuditEntry.action >= prefix, AuditEntry.action < prefix + "\uffff"))
            else:
                # a linguistic collation (PostgreSQL) may order '.' anywhere: match the prefix itself
                conditions.append(AuditEntry.action.startswith(prefix, autoescape=True))
        else:
            conditions.append(AuditEntry.action == flt.action)
    if flt.object_type:
        conditions.append(AuditEntry.object_type == flt.object_type)
    if flt.object_id:
        conditions.append(AuditEntry.object_id == flt.object_id)
    if flt.reads_without_reason:
        other = aliased(AuditEntry)
        took_part = exists().where(
            other.case_id == AuditEntry.case_id,
            other.actor == AuditEntry.actor,
            other.action.not_in(sorted(CASE_READ_ACTIONS)),
        )
        conditions += [
            AuditEntry.action.in_(sorted(CASE_READ_ACTIONS)),
            AuditEntry.case_id.is_not(None),
            AuditEntry.reason == "",
            not_(took_part),
        ]
    return query.where(*conditions) if conditions else query


@dataclass(frozen=True, slots=True)
class EntryView:
    seq: int
    at: datetime
    actor: str
    role: str
    case_id: int | None
    action: str
    action_label: dict[str, str]
    object_type: str
    object_id: str
    reason: str
    details: dict[str, Any]
    is_case_read: bool
    prev_hash: str
    hash: str


def entry_view(row: AuditEntry) -> EntryView:
    return EntryView(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        role=row.role,
        case_id=row.case_id,
        action=row.action,
        action_label=action_words(row.action),
        object_type=row.object_type,
        object_id=row.object_id,
        reason=row.reason,
        details=dict(row.details or {}),
        is_case_read=row.action in CASE_READ_ACTIONS,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[EntryView]
    total: int | None
    newer_than: int | None  # pass as ``after_seq`` for the previous (newer) page; None: this is the newest
    older_than: int | None  # pass as ``before_seq`` for the next (older) page; None: this is the oldest


def search(
    session: Session,
    flt: AuditFilter,
    *,
    limit: int = 50,
    before_seq: int | None = None,
    after_seq: int | None = None,
    count_total: bool = True,
) -> AuditPage:
    """One page, newest first. ``before_seq``: entries older than it; ``after_seq``: the page just newer."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ExplorerError(f"a page holds 1 to {MAX_PAGE_SIZE} entries, not {limit}")
    if before_seq is not None and after_seq is not None:
        raise ExplorerError("page either before a seq or after one, not both")
    dialect = session.get_bind().dialect.name
    query = apply_filter(select(AuditEntry), flt, dialect=dialect)
    if after_seq is not None:
        rows = list(
            session.scalars(query.where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit + 1))
        )
        more_newer = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        more_older = True  # we came from an older page
    else:
        if before_seq is not None:
            query = query.where(AuditEntry.seq < before_seq)
        rows = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit + 1)))
        more_older = len(rows) > limit
        rows = rows[:limit]
        more_newer = before_seq is not None and _exists_newer(session, flt, rows, before_seq)
    total = None
    if count_total:
        total = int(
            session.scalar(apply_filter(select(func.count()).select_from(AuditEntry), flt, dialect=dialect))
            or 0
        )
    entries = [entry_view(row) for row in rows]
    return AuditPage(
        entries=entries,
        total=total,
        newer_than=entries[0].seq if entries and more_newer else None,
        older_than=entries[-1].seq if entries and more_older else None,
    )


def _exists_newer(session: Session, flt: AuditFilter, rows: list[AuditEntry], before_seq: int) -> bool:
    boundary = rows[0].seq if rows else before_seq - 1
    dialect = session.get_bind().dialect.name
    query = (
        apply_filter(select(AuditEntry.seq), flt, dialect=dialect).where(AuditEntry.seq > boundary).limit(1)
    )
    return session.scalar(query) is not None

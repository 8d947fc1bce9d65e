"""The compliance officer's view (issue 17): audit explorer, self-proving exports, retention watch,
statistics per period and the register of processing. Thin: parse, authorise, call casework, audit the read.

Every read here is itself audited: the explorer page (``audit.explore``), the chain check (``audit.verify``),
an export with the SHA-256 of the file handed out (``audit.export``), the retention watch, the statistics and
the register.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.deps import CASE_READERS, ReadRoute, SessionDep, StateDep, allow
from api.params import QueryId, QuerySeq
from api.reports.register import render_register
from casework.compliance import chain as chain_check
from casework.compliance import explorer, export, register, retention_watch, statistics
from casework.compliance.reading import read_only_session
from legal_basis.roles import Role
from legal_basis.services import Actor, record
from store.types import utcnow

router = APIRouter(route_class=ReadRoute, prefix="/api/v1/compliance", tags=["compliance"])
COMPLIANCE = allow(Role.COMPLIANCE_AUDITOR)
ComplianceActor = Annotated[Actor, Depends(COMPLIANCE)]


# --- schemas ---------------------------------------------------------------------------------------------


class AuditEntryView(BaseModel):
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


class AuditPageRead(BaseModel):
    entries: list[AuditEntryView]
    total: int | None
    newer_than: int | None
    older_than: int | None
    filter: dict[str, Any]


class AnchorRead(BaseModel):
    seq: int
    hash: str
    at: str


class ChainStatusRead(BaseModel):
    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: str
    anchors_checked: int
    first_broken_seq: int | None
    problems: list[str]
    latest_anchor: AnchorRead | None
    full_check_at: datetime
    incremental_entries: int
    checked_at: datetime
    seconds: float


class CaseRetentionRead(BaseModel):
    case_id: int
    reference: str
    state: str
    due_at: datetime
    basis: str
    ground_id: str | None
    retention_days: int | None
    first_acquired_at: datetime | None
    days_left: float
    deleted_at: datetime | None = None
    deletion_proof: dict[str, Any] | None = None


class RetentionRead(BaseModel):
    checked_at: datetime
    due_soon_days: int
    policy: str
    alarm: bool
    overdue: list[CaseRetentionRead]
    due_soon: list[CaseRetentionRead]
    deleted: list[CaseRetentionRead]
    retained_count: int


class TableRead(BaseModel):
    code: str
    columns: list[str]
    rows: list[dict[str, Any]]


class StatisticsRead(BaseModel):
    since: datetime
    until: datetime
    tables: list[TableRead]


class ReadReasonRead(BaseModel):
    code: str
    en: str
    nl: str


# --- helpers ---------------------------------------------------------------------------------------------


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def audit_filter(
    since: Annotated[
        datetime | None, Query(description="Entries at or after (UTC when no zone is given)")
    ] = None,
    until: Annotated[datetime | None, Query(description="Entries before (UTC when no zone is given)")] = None,
    case_id: QueryId = None,
    actor: str | None = None,
    role: str | None = None,
    action: Annotated[str | None, Query(description="Exact code, or a prefix ending in '.' or '*'")] = None,
    object_type: str | None = None,
    object_id: str | None = None,
    reads_without_reason: Annotated[
        bool,
        Query(description="Only reads of case data without a reason, by someone outside the case's workflow"),
    ] = False,
) -> explorer.AuditFilter:
    return explorer.AuditFilter(
        since=_utc(since),
        until=_utc(until),
        case_id=case_id,
        actor=actor or None,
        role=role or None,
        action=action or None,
        object_type=object_type or None,
        object_id=object_id or None,
        reads_without_reason=reads_without_reason,
    )


FilterDep = Annotated[explorer.AuditFilter, Depends(audit_filter)]


def _download(content: bytes, media_type: str, file_name: str) -> Response:
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file_name}"',
            "X-Content-SHA256": hashlib.sha256(content).hexdigest(),
        },
    )


# --- routes ----------------------------------------------------------------------------------------------


@router.get("/audit", response_model=AuditPageRead)
def explore(
    session: SessionDep,
    actor: ComplianceActor,
    flt: FilterDep,
    before_seq: QuerySeq = None,
    after_seq: QuerySeq = None,
    limit: Annotated[int, Query(ge=1, le=explorer.MAX_PAGE_SIZE)] = 50,
    count: Annotated[bool, Query(description="Count all matching entries (one indexed count)")] = True,
) -> AuditPageRead:
    page = explorer.search(
        session, flt, limit=limit, before_seq=before_seq, after_seq=after_seq, count_total=count
    )
    record(
        session,
        actor,
        "audit.explore",
        case_id=flt.case_id,
        details={
            "filter": flt.as_details(),
            "before_seq": before_seq,
            "after_seq": after_seq,
            "shown": [page.entries[-1].seq, page.entries[0].seq] if page.entries else [],
            "count": len(page.entries),
        },
    )
    return AuditPageRead(
        entries=[AuditEntryView(**asdict(entry)) for entry in page.entries],
        total=page.total,
        newer_than=page.newer_than,
        older_than=page.older_than,
        filter=flt.as_details(),
    )


@router.get("/chain", response_model=ChainStatusRead)
def chain(
    session: SessionDep,
    state: StateDep,
    actor: ComplianceActor,
    full: Annotated[
        bool, Query(description="Walk the whole chain again, not only what was appended since")
    ] = False,
) -> ChainStatusRead:
    started = utcnow()
    cache = state.extras.setdefault("compliance_chain", chain_check.ChainCache())
    session.commit()  # end this request's transaction (and its SQLite write lock) before the long read
    with read_only_session(state.engine) as reader:
        status = chain_check.chain_status(reader, state.settings.data_dir, cache, full=full)
    seconds = (utcnow() - started).total_seconds()
    record(
        session,
        actor,
        "audit.verify",
        details={
            "ok": status.ok,
            "head_seq": status.head_seq,
            "first_broken_seq": status.first_broken_seq,
            "full": full or status.incremental_entries == 0,
        },
    )
    values = asdict(status)
    anchor = values.pop("latest_anchor")
    return ChainStatusRead(
        **values,
        latest_anchor=AnchorRead(**anchor) if anchor else None,
        checked_at=started,
        seconds=round(seconds, 3),
    )


@router.get(
    "/audit/export",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}, "description": "The export file"}},
)
def export_entries(
    session: SessionDep,
    state: StateDep,
    actor: ComplianceActor,
    flt: FilterDep,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the query parameter's name
) -> Response:
    session.commit()  # end this request's transaction (and its SQLite write lock) before the long read
    with read_only_session(state.engine) as reader:
        result = export.build_export(
            reader,
            flt,
            data_dir=state.settings.data_dir,
            export_format=format,
            exported_by={"actor": actor.username, "role": str(actor.role)},
            now=utcnow(),
        )
    record(
        session,
        actor,
        "audit.export",
        case_id=flt.case_id,
        object_type="audit_export",
        object_id=result.sha256[:16],
        details={
            "filter": flt.as_details(),
            "format": format,
            "count": result.count,
            "first_seq": result.first_seq,
            "last_seq": result.last_seq,
            "sha256": result.sha256,
        },
    )
    return _download(result.content, result.media_type, result.file_name)


@router.get("/retention", response_model=RetentionRead)
def retention(
    session: SessionDep,
    state: StateDep,
    actor: ComplianceActor,
    due_soon_days: Annotated[int, Query(ge=1, le=365)] = retention_watch.DUE_SOON_DAYS,
) -> RetentionRead:
    report = retention_watch.retention_report(
        session, state.policy, now=utcnow(), due_soon_days=due_soon_days
    )
    record(
        session,
        actor,
        "compliance.retention",
        details={"overdue": [c.case_id for c in report.overdue], "due_soon": len(report.due_soon)},
    )
    return RetentionRead(
        checked_at=report.checked_at,
        due_soon_days=report.due_soon_days,
        policy=report.policy,
        alarm=report.alarm,
        overdue=[CaseRetentionRead(**asdict(c)) for c in report.overdue],
        due_soon=[CaseRetentionRead(**asdict(c)) for c in report.due_soon],
        deleted=[CaseRetentionRead(**asdict(c)) for c in report.deleted],
        retained_count=len(report.retained),
    )


@router.get(
    "/statistics",
    response_model=StatisticsRead,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"}},
)
def period_statistics(
    session: SessionDep,
    state: StateDep,
    actor: ComplianceActor,
    since: datetime | None = None,
    until: datetime | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the query parameter's name
) -> Any:
    end = _utc(until) or utcnow()
    start = _utc(since) or end - timedelta(days=91)
    if end <= start:
        raise explorer.ExplorerError("the period must end after it starts")
    result = statistics.period_statistics(session, state.policy, since=start, until=end)
    record(
        session,
        actor,
        "compliance.statistics.export" if format == "csv" else "compliance.statistics",
        details={"since": start.isoformat(), "until": end.isoformat()},
    )
    if format == "csv":
        content = statistics.statistics_csv(result).encode("utf-8")
        stamp = f"{start:%Y%m%d}-{end:%Y%m%d}"
        return _download(content, "text/csv; charset=utf-8", f"processing-statistics-{stamp}.csv")
    return StatisticsRead(
        since=result.since,
        until=result.until,
        tables=[TableRead(code=t.code, columns=list(t.columns), rows=t.rows) for t in result.tables],
    )


@router.get(
    "/register.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The register of processing (PDF)"}},
)
def register_pdf(
    session: SessionDep, state: StateDep, actor: ComplianceActor, language: Literal["nl", "en"] = "nl"
) -> Response:
    session.commit()  # end this request's transaction (and its SQLite write lock) before reading and drawing
    with read_only_session(state.engine) as reader:
        facts = register.register_facts(reader, state.policy, now=utcnow())
    pdf = render_register(facts, language=language)
    digest = hashlib.sha256(pdf).hexdigest()
    record(
        session,
        actor,
        "compliance.register",
        object_type="register",
        object_id=f"{facts.policy_id}@{facts.policy_version}",
        details={"language": language, "sha256": digest, "audit_head_seq": facts.audit_head_seq},
    )
    return _download(pdf, "application/pdf", f"register-of-processing-{facts.policy_id}-{language}.pdf")


@router.get("/read-reasons", response_model=list[ReadReasonRead])
def read_reasons(state: StateDep, actor: Annotated[Actor, Depends(CASE_READERS)]) -> list[ReadReasonRead]:
    """The policy's reason codes for reading a case outside its own workflow (send one as ``X-Reason``)."""
    return [ReadReasonRead(code=r.code, en=r.en, nl=r.nl) for r in state.policy.read_reasons]

"""Retention watch: which cases are due for deletion, which are overdue, and which were deleted on time.

A case's deletion date (``due_at``) is, in this order of precedence:

1. one day after its consent was withdrawn, when earlier than the rest — withdrawal starts deletion, which
   must follow without undue delay (LEGAL 2, 7; ``WITHDRAWAL_DELETION_DAYS``);
2. the case's own ``retention_until`` when one was set;
3. otherwise the first time data was acquired for it (the earliest extraction job that started) plus the
   retention period of that job's legal ground in the policy (``retention_days``; the policy's
   ``retention_days_default`` when the ground is no longer in the policy).

A case from which nothing was ever acquired, without a retention date or a withdrawn consent, holds no
evidence to delete and is not watched. A case whose data was deleted is reported with its deletion proof, on time or late.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from legal_basis.policy import Policy
from store.models import Authorisation, Case, ConsentRecord, ExtractionJob

DUE_SOON_DAYS = 30
WITHDRAWAL_DELETION_DAYS = 1
RetentionState = Literal["overdue", "due_soon", "retained", "deleted_on_time", "deleted_late"]


@dataclass(frozen=True, slots=True)
class CaseRetention:
    case_id: int
    reference: str
    state: RetentionState
    due_at: datetime
    basis: str  # withdrawn_consent | retention_until | policy_ground
    ground_id: str | None
    retention_days: int | None
    first_acquired_at: datetime | None
    days_left: float  # negative: overdue by that many days
    deleted_at: datetime | None = None
    deletion_proof: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class RetentionReport:
    checked_at: datetime
    due_soon_days: int
    policy: str
    overdue: list[CaseRetention] = field(default_factory=list)
    due_soon: list[CaseRetention] = field(default_factory=list)
    retained: list[CaseRetention] = field(default_factory=list)
    deleted: list[CaseRetention] = field(default_factory=list)

    @property
    def alarm(self) -> bool:
        return bool(self.overdue)


def _due(
    case: Case, jobs: list[ExtractionJob], grounds: dict[int, str], withdrawn: list[datetime], policy: Policy
) -> tuple[datetime, str, str | None, int | None, datetime | None] | None:
    starts = [(job.started_at, job) for job in jobs if job.started_at is not None]
    first_at, first = min(starts, key=lambda item: item[0]) if starts else (None, None)
    candidates: list[tuple[datetime, str, str | None, int | None]] = []
    if case.retention_until is not None:
        candidates.append((case.retention_until, "retention_until", None, None))
    elif first is not None and first_at is not None:
        ground_id = grounds.get(first.authorisation_id)
        ground = policy.ground(ground_id) if ground_id else None
        retention_days = ground.retention_days if ground is not None else policy.retention_days_default
        candidates.append(
            (first_at + timedelta(days=retention_days), "policy_ground", ground_id, retention_days)
        )
    if withdrawn:
        candidates.append(
            (min(withdrawn) + timedelta(days=WITHDRAWAL_DELETION_DAYS), "withdrawn_consent", None, None)
        )
    if not candidates:
        return None
    due_at, basis, due_ground, days = min(candidates, key=lambda item: item[0])
    return due_at, basis, due_ground, days, first_at


def retention_report(
    session: Session, policy: Policy, *, now: datetime, due_soon_days: int = DUE_SOON_DAYS
) -> RetentionReport:
    report = RetentionReport(checked_at=now, due_soon_days=due_soon_days, policy=policy.full_version)
    jobs_by_case: dict[int, list[ExtractionJob]] = {}
    for job in session.scalars(select(ExtractionJob)):
        jobs_by_case.setdefault(job.case_id, []).append(job)
    grounds = dict(session.execute(select(Authorisation.id, Authorisation.ground_id)).all())
    withdrawn_by_case: dict[int, list[datetime]] = {}
    for case_id, withdrawn_at in session.execute(
        select(ConsentRecord.case_id, ConsentRecord.withdrawn_at).where(
            ConsentRecord.withdrawn_at.is_not(None)
        )
    ):
        withdrawn_by_case.setdefault(case_id, []).append(withdrawn_at)  # type: ignore[arg-type]
    for case in session.scalars(select(Case).order_by(Case.id)):
        due = _due(case, jobs_by_case.get(case.id, []), grounds, withdrawn_by_case.get(case.id, []), policy)
        if due is None:
            continue
        due_at, basis, ground_id, days, first = due
        days_left = (due_at - now).total_seconds() / 86400
        common: dict[str, Any] = {
            "case_id": case.id,
            "reference": case.reference,
            "due_at": due_at,
            "basis": basis,
            "ground_id": ground_id,
            "retention_days": days,
            "first_acquired_at": first,
            "days_left": round(days_left, 2),
        }
        if case.deleted_at is not None:
            state: RetentionState = "deleted_on_time" if case.deleted_at <= due_at else "deleted_late"
            report.deleted.append(
                CaseRetention(
                    state=state, deleted_at=case.deleted_at, deletion_proof=case.deletion_proof, **common
                )
            )
        elif due_at <= now:
            report.overdue.append(CaseRetention(state="overdue", **common))
        elif due_at <= now + timedelta(days=due_soon_days):
            report.due_soon.append(CaseRetention(state="due_soon", **common))
        else:
            report.retained.append(CaseRetention(state="retained", **common))
    report.overdue.sort(key=lambda item: item.due_at)
    report.due_soon.sort(key=lambda item: item.due_at)
    return report

"""The facts of the register of processing (AVG/GDPR art. 30), derived from the policy and the data.

Nothing here is written by hand: the purposes and legal grounds, the categories of data, the retention
periods and the conditions that act as safeguards come from the policy in force; the recipients (roles) come
from the users and from who actually read case data according to the audit log; the volumes from the store.
When the policy or the data change, the register changes with them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.compliance.actions import CASE_READ_ACTIONS
from casework.compliance.retention_watch import retention_report
from extractor.artifacts.spec import NEVER_ACQUIRABLE
from legal_basis.policy import Policy
from legal_basis.roles import ALL_ROLES
from store import audit
from store.models import AuditEntry, Authorisation, Case, ExtractionJob, User


@dataclass(frozen=True, slots=True)
class GroundActivity:
    """One processing activity: reading a phone under one legal ground of the policy."""

    ground_id: str
    statute: str
    title_en: str
    title_nl: str
    rationale: str
    requires_consent: bool
    requires_information_notice: bool
    requires_milder_means: bool
    categories: tuple[str, ...]
    permitted_evaluations: tuple[str, ...]  # purpose binding: what the data may be evaluated for
    evaluator_roles: tuple[str, ...]  # roles that may see the results (empty: every role the app allows)
    max_window_days: int
    max_validity_days: int
    retention_days: int
    authorisations_requested: int
    authorisations_approved: int
    extractions: int
    extractions_completed: int


@dataclass(frozen=True, slots=True)
class Recipient:
    role: str
    active_users: int
    case_reads: int  # reads of case data recorded in the audit log under this role


@dataclass(frozen=True, slots=True)
class RegisterFacts:
    generated_at: datetime
    policy_id: str
    policy_version: str
    policy_title_en: str
    policy_title_nl: str
    policy_sha256: str
    information_notice_version: str
    retention_days_default: int
    activities: tuple[GroundActivity, ...]
    never_acquired: tuple[str, ...]
    recipients: tuple[Recipient, ...]
    cases_total: int
    cases_deleted: int
    retention_overdue: int
    retention_due_soon: int
    audit_head_seq: int
    audit_head_hash: str
    safeguards: tuple[str, ...]  # codes; the document gives each its words


def _policy_digest(policy: Policy) -> str:
    try:
        return hashlib.sha256(Path(policy.source_file).read_bytes()).hexdigest()
    except OSError:
        return ""


def register_facts(session: Session, policy: Policy, *, now: datetime) -> RegisterFacts:
    requested = dict(
        session.execute(select(Authorisation.ground_id, func.count()).group_by(Authorisation.ground_id)).all()
    )
    approved = dict(
        session.execute(
            select(Authorisation.ground_id, func.count())
            .where(Authorisation.decided_by.is_not(None), Authorisation.status.in_(["approved", "withdrawn"]))
            .group_by(Authorisation.ground_id)
        ).all()
    )
    jobs: dict[str, list[str]] = {}
    for ground_id, state in session.execute(
        select(Authorisation.ground_id, ExtractionJob.state).join(
            Authorisation, Authorisation.id == ExtractionJob.authorisation_id
        )
    ):
        jobs.setdefault(ground_id, []).append(state)
    activities = tuple(
        GroundActivity(
            ground_id=ground.id,
            statute=ground.statute,
            title_en=ground.title_en,
            title_nl=ground.title_nl,
            rationale=ground.rationale,
            requires_consent=ground.requires_consent,
            requires_information_notice=ground.requires_information_notice,
            requires_milder_means=ground.requires_milder_means,
            categories=tuple(sorted(str(c) for c in ground.allowed_categories)),
            permitted_evaluations=tuple(sorted(str(e) for e in ground.permitted_evaluations)),
            evaluator_roles=tuple(sorted(ground.evaluator_roles)),
            max_window_days=ground.max_window_days,
            max_validity_days=ground.max_validity_days,
            retention_days=ground.retention_days,
            authorisations_requested=int(requested.get(ground.id, 0)),
            authorisations_approved=int(approved.get(ground.id, 0)),
            extractions=len(jobs.get(ground.id, [])),
            extractions_completed=jobs.get(ground.id, []).count("completed"),
        )
        for ground in policy.grounds
    )
    users_per_role: dict[str, int] = {}
    for roles in session.scalars(select(User.roles).where(User.active.is_(True))):
        for role in roles or []:
            users_per_role[role] = users_per_role.get(role, 0) + 1
    reads = dict(
        session.execute(
            select(AuditEntry.role, func.count())
            .where(AuditEntry.action.in_(sorted(CASE_READ_ACTIONS)))
            .group_by(AuditEntry.role)
        ).all()
    )
    recipients = tuple(
        Recipient(
            role=str(role), active_users=users_per_role.get(str(role), 0), case_reads=int(reads.get(role, 0))
        )
        for role in ALL_ROLES
    )
    retention = retention_report(session, policy, now=now)
    head_seq, head_hash = audit.head(session)
    safeguards = ["two_person_authorisation", "scope_and_window", "never_acquired", "release_by_reviewer"]
    if any(g.requires_consent for g in policy.grounds):
        safeguards.append("consent")
    if any(g.requires_information_notice for g in policy.grounds):
        safeguards.append("information_notice")
    if any(g.requires_milder_means for g in policy.grounds):
        safeguards.append("milder_means")
    safeguards += ["evidence_encrypted", "crypto_erasure", "hash_chained_audit", "read_reasons"]
    return RegisterFacts(
        generated_at=now,
        policy_id=policy.policy_id,
        policy_version=policy.version,
        policy_title_en=policy.title_en,
        policy_title_nl=policy.title_nl,
        policy_sha256=_policy_digest(policy),
        information_notice_version=policy.information_notice_version,
        retention_days_default=policy.retention_days_default,
        activities=activities,
        never_acquired=tuple(sorted(str(c) for c in NEVER_ACQUIRABLE)),
        recipients=recipients,
        cases_total=int(session.scalar(select(func.count()).select_from(Case)) or 0),
        cases_deleted=int(
            session.scalar(select(func.count()).select_from(Case).where(Case.deleted_at.is_not(None))) or 0
        ),
        retention_overdue=len(retention.overdue),
        retention_due_soon=len(retention.due_soon),
        audit_head_seq=head_seq,
        audit_head_hash=head_hash,
        safeguards=tuple(safeguards),
    )

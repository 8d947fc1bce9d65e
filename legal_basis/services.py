"""Case, device, authorisation, consent, notice, release and retention operations.

Services never commit: the caller's unit of work commits the action together with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from legal_basis.errors import Conflict, NotFound, NotPermitted
from legal_basis.gate import (
    AuthorisationFacts,
    ConsentFacts,
    NoticeFacts,
    UnmetCondition,
    extraction_conditions,
    known_categories,
)
from legal_basis.policy import Policy
from legal_basis.roles import Role
from store import audit
from store.models import (
    Authorisation,
    Case,
    CaseAssignment,
    ConsentRecord,
    Device,
    ExtractionJob,
    FindingSet,
    InformationNotice,
    TeamMember,
)
from store.types import fingerprint, utcnow


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    username: str
    role: Role


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    case_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    details: dict[str, object] | None = None,
) -> None:
    """Append the audit entry; without a reason of its own it records the request's (a read's ``X-Reason``)."""
    audit.append(
        session,
        actor=actor.username,
        role=str(actor.role),
        action=action,
        case_id=case_id,
        object_type=object_type,
        object_id=object_id,
        reason=reason or str(session.info.get("request_reason") or ""),
        details=dict(details or {}),
    )


# --- cases and devices ---------------------------------------------------------------------------------


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    return case


def create_case(
    session: Session, actor: Actor, *, reference: str, title: str = "", team_id: int | None = None
) -> Case:
    """A new case, assigned to its creator and to one team of the creator's (need-to-know, issue 13): the
    team named by ``team_id``, else the creator's only team; a creator in several teams must name one."""
    reference = reference.strip()
    if not reference:
        raise Conflict("a case needs the applicant reference (e.g. V-number)")
    if session.scalar(select(Case.id).where(Case.reference == reference)) is not None:
        raise Conflict(f"a case with reference {reference!r} already exists")
    own_teams = list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == actor.user_id)))
    if team_id is not None and team_id not in own_teams:
        raise NotPermitted(f"you are not a member of team {team_id}", ["need_to_know"])
    if team_id is None and len(own_teams) > 1:
        raise Conflict(f"you are in {len(own_teams)} teams: name the case's team (team_id)")
    team_id = team_id if team_id is not None else (own_teams[0] if own_teams else None)
    case = Case(reference=reference, title=title, created_by=actor.user_id)
    session.add(case)
    session.flush()
    session.add(CaseAssignment(case_id=case.id, user_id=actor.user_id, assigned_by=actor.username))
    if team_id is not None:
        session.add(CaseAssignment(case_id=case.id, team_id=team_id, assigned_by=actor.username))
    record(
        session,
        actor,
        "case.create",
        case_id=case.id,
        object_type="case",
        object_id=case.id,
        details={"reference": reference, "team_id": team_id},
    )
    return case


def register_device(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    platform: str,
    make: str,
    model: str,
    serial: str | None,
    seal_number: str | None,
    notes: str = "",
) -> Device:
    case = get_case(session, case_id)
    _require_open(case)
    if platform not in {"android", "ios", "offline"}:
        raise Conflict(f"platform must be android, ios or offline, not {platform!r}")
    device = Device(
        case_id=case_id,
        platform=platform,
        make=make,
        model=model,
        serial=serial,
        seal_number=seal_number,
        notes=notes,
        registered_by=actor.user_id,
    )
    session.add(device)
    session.flush()
    record(
        session,
        actor,
        "device.register",
        case_id=case_id,
        object_type="device",
        object_id=device.id,
        # the audit log outlives the case: it names the device by fingerprint, never by serial
        details={"platform": platform, "serial_fingerprint": fingerprint(serial), "seal": bool(seal_number)},
    )
    return device


def _require_open(case: Case) -> None:
    if case.status != "open":
        raise Conflict(f"case {case.id} is {case.status}: no further processing")


# --- authorisations ------------------------------------------------------------------------------------


def request_authorisation(
    session: Session,
    actor: Actor,
    policy: Policy,
    case_id: int,
    *,
    device_id: int | None,
    ground_id: str,
    purpose: str,
    necessity: str,
    milder_means: list[dict[str, str]],
    categories: list[str],
    window_start: datetime,
    window_end: datetime,
    valid_days: int | None = None,
) -> Authorisation:
    case = get_case(session, case_id)
    _require_open(case)
    ground = policy.ground(ground_id)
    if ground is None:
        raise Conflict(
            f"legal ground {ground_id!r} is not in the policy {policy.full_version}; "
            f"choose one of {[g.id for g in policy.grounds]}"
        )
    unknown = sorted(set(categories) - known_categories())
    if unknown:
        raise Conflict(f"unknown data categories: {unknown}")
    if window_end <= window_start:
        raise Conflict("the date window must end after it starts")
    if device_id is not None:
        device = session.get(Device, device_id)
        if device is None or device.case_id != case_id:
            raise NotFound(f"device {device_id} does not belong to case {case_id}")
    validity = min(valid_days or ground.max_validity_days, ground.max_validity_days)
    now = utcnow()
    authorisation = Authorisation(
        case_id=case_id,
        device_id=device_id,
        policy_version=policy.full_version,
        ground_id=ground_id,
        purpose=purpose,
        necessity=necessity,
        milder_means=milder_means,
        categories=sorted(set(categories)),
        window_start=window_start,
        window_end=window_end,
        valid_until=now + timedelta(days=validity),
        requested_by=actor.user_id,
        requested_at=now,
    )
    session.add(authorisation)
    session.flush()
    record(
        session,
        actor,
        "authorisation.request",
        case_id=case_id,
        object_type="authorisation",
        object_id=authorisation.id,
        reason=purpose,
        details={
            "ground": ground_id,
            "policy": policy.full_version,
            "categories": authorisation.categories,
            "window": [window_start.isoformat(), window_end.isoformat()],
        },
    )
    return authorisation


def get_authorisation(session: Session, authorisation_id: int) -> Authorisation:
    authorisation = session.get(Authorisation, authorisation_id)
    if authorisation is None:
        raise NotFound(f"authorisation {authorisation_id} does not exist")
    return authorisation


def decide_authorisation(
    session: Session, actor: Actor, authorisation_id: int, *, approve: bool, reason: str
) -> Authorisation:
    authorisation = get_authorisation(session, authorisation_id)
    if authorisation.status != "requested":
        raise Conflict(f"authorisation {authorisation_id} is already {authorisation.status}")
    if authorisation.requested_by == actor.user_id:
        record(
            session,
            actor,
            "authorisation.decide.refused_same_person",
            case_id=authorisation.case_id,
            object_type="authorisation",
            object_id=authorisation_id,
            reason=reason,
        )
        raise NotPermitted(
            "the requester cannot decide on their own authorisation: another authorising official must",
            ["same_approver"],
        )
    authorisation.status = "approved" if approve else "refused"
    authorisation.decided_by = actor.user_id
    authorisation.decided_at = utcnow()
    authorisation.decision_reason = reason
    record(
        session,
        actor,
        "authorisation.approve" if approve else "authorisation.refuse",
        case_id=authorisation.case_id,
        object_type="authorisation",
        object_id=authorisation_id,
        reason=reason,
    )
    return authorisation


def record_consent(
    session: Session,
    actor: Actor,
    authorisation_id: int,
    *,
    language: str,
    interpreter: str | None,
    refusal_without_consequence_explained: bool,
    given: bool,
    given_at: datetime,
) -> ConsentRecord:
    authorisation = get_authorisation(session, authorisation_id)
    _require_open(get_case(session, authorisation.case_id))
    consent = ConsentRecord(
        case_id=authorisation.case_id,
        authorisation_id=authorisation_id,
        language=language,
        interpreter=interpreter,
        refusal_without_consequence_explained=refusal_without_consequence_explained,
        given=given,
        given_at=given_at,
        recorded_by=actor.user_id,
    )
    session.add(consent)
    session.flush()
    record(
        session,
        actor,
        "consent.record",
        case_id=authorisation.case_id,
        object_type="consent",
        object_id=consent.id,
        details={"given": given, "language": language, "interpreter": interpreter},
    )
    return consent


def withdraw_consent(session: Session, actor: Actor, authorisation_id: int, *, reason: str) -> list[int]:
    """Withdrawal stops processing (authorisation withdrawn, running jobs cancelled) and starts deletion.

    Returns the ids of jobs asked to stop. The caller then runs ``delete_case_data``.
    """
    authorisation = get_authorisation(session, authorisation_id)
    consents = session.scalars(
        select(ConsentRecord).where(
            ConsentRecord.authorisation_id == authorisation_id, ConsentRecord.withdrawn_at.is_(None)
        )
    ).all()
    if not consents:
        raise Conflict(f"authorisation {authorisation_id} has no active consent to withdraw")
    now = utcnow()
    for consent in consents:
        consent.withdrawn_at = now
        consent.withdrawal_recorded_by = actor.user_id
    authorisation.status = "withdrawn"
    jobs = session.scalars(
        select(ExtractionJob).where(
            ExtractionJob.authorisation_id == authorisation_id,
            ExtractionJob.state.in_(["queued", "running", "interrupted"]),
        )
    ).all()
    for job in jobs:
        job.cancel_requested = True
        if job.state in ("queued", "interrupted"):
            job.state = "cancelled"
    record(
        session,
        actor,
        "consent.withdraw",
        case_id=authorisation.case_id,
        object_type="authorisation",
        object_id=authorisation_id,
        reason=reason,
        details={"jobs_stopped": [j.id for j in jobs]},
    )
    return [j.id for j in jobs]


def record_notice(
    session: Session,
    actor: Actor,
    policy: Policy,
    case_id: int,
    *,
    language: str,
    interpreter: str | None,
    given_at: datetime,
) -> InformationNotice:
    _require_open(get_case(session, case_id))
    if not language.strip():
        raise Conflict("state the language the notice was given in")
    notice = InformationNotice(
        case_id=case_id,
        language=language,
        interpreter=interpreter,
        given_at=given_at,
        notice_version=policy.information_notice_version,
        recorded_by=actor.user_id,
    )
    session.add(notice)
    session.flush()
    record(
        session,
        actor,
        "notice.record",
        case_id=case_id,
        object_type="notice",
        object_id=notice.id,
        details={"language": language, "version": notice.notice_version},
    )
    return notice


# --- the gate ------------------------------------------------------------------------------------------


def gate_for(
    session: Session,
    policy: Policy,
    authorisation_id: int | None,
    *,
    case_id: int,
    device_id: int | None,
    requested_categories: list[str] | None = None,
    now: datetime | None = None,
) -> list[UnmetCondition]:
    """Load the facts from the store and ask the pure gate. Empty list = extraction may start."""
    case = get_case(session, case_id)
    authorisation = session.get(Authorisation, authorisation_id) if authorisation_id is not None else None
    if authorisation is not None and authorisation.case_id != case_id:
        authorisation = None
    facts = None
    consents: list[ConsentFacts] = []
    if authorisation is not None:
        facts = AuthorisationFacts(
            id=authorisation.id,
            case_id=authorisation.case_id,
            device_id=authorisation.device_id,
            status=authorisation.status,
            ground_id=authorisation.ground_id,
            purpose=authorisation.purpose,
            necessity=authorisation.necessity,
            milder_means=tuple(authorisation.milder_means or ()),
            categories=frozenset(authorisation.categories or ()),
            window_start=authorisation.window_start,
            window_end=authorisation.window_end,
            valid_until=authorisation.valid_until,
            requested_by=authorisation.requested_by,
            decided_by=authorisation.decided_by,
        )
        consents = [
            ConsentFacts(
                authorisation_id=c.authorisation_id,
                given=c.given,
                language=c.language,
                refusal_without_consequence_explained=c.refusal_without_consequence_explained,
                withdrawn=c.withdrawn_at is not None,
            )
            for c in session.scalars(
                select(ConsentRecord).where(ConsentRecord.authorisation_id == authorisation.id)
            )
        ]
    notices = [
        NoticeFacts(language=n.language)
        for n in session.scalars(select(InformationNotice).where(InformationNotice.case_id == case_id))
    ]
    requested = frozenset(
        requested_categories
        if requested_categories is not None
        else (authorisation.categories if authorisation else [])
    )
    return extraction_conditions(
        policy=policy,
        authorisation=facts,
        consents=consents,
        notices=notices,
        requested_categories=requested,
        device_id=device_id,
        case_open=case.status == "open",
        now=now or utcnow(),
    )


# --- release -------------------------------------------------------------------------------------------


def release_findings(session: Session, actor: Actor, finding_set_id: int, *, note: str) -> FindingSet:
    finding_set = session.get(FindingSet, finding_set_id)
    if finding_set is None:
        raise NotFound(f"finding set {finding_set_id} does not exist")
    if finding_set.released_at is not None:
        raise Conflict(f"finding set {finding_set_id} was already released")
    finding_set.released_by = actor.user_id
    finding_set.released_at = utcnow()
    finding_set.release_note = note
    record(
        session,
        actor,
        "findings.release",
        case_id=finding_set.case_id,
        object_type="finding_set",
        object_id=finding_set_id,
        reason=note,
    )
    return finding_set

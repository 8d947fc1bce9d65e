"""Work queues of the signed-in role (issue 14): what waits for this person, by name, never by user number.

- ``awaiting_my_approval`` (authorising officials): requested authorisations this person did not request
  (LEGAL: nobody approves their own request).
- ``awaiting_release`` (legal reviewers, caseworkers): cases whose latest finding set is not released.
- ``jobs_running`` (intake officers, caseworkers, administrators): extractions queued, running or interrupted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import access
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.models import Authorisation, Case, ExtractionJob, FindingSet, User

APPROVERS = frozenset({Role.AUTHORISING_OFFICIAL})
RELEASE_WATCHERS = frozenset({Role.LEGAL_REVIEWER, Role.CASEWORKER})
JOB_WATCHERS = frozenset({Role.INTAKE_OFFICER, Role.CASEWORKER, Role.ADMIN})
OPEN_JOB_STATES = ("queued", "running", "interrupted")


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(ids)))
    return {uid: (full or username) for uid, full, username in rows}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def queues(session: Session, actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """The queues this actor's role works from (only those; an empty list is an empty queue)."""
    result: dict[str, list[dict[str, Any]]] = {}
    # need-to-know: only the cases assigned to the actor (directly or through a team)
    visible = select(Case.id).where(access.visible_cases(actor))
    references = dict(
        session.execute(select(Case.id, Case.reference).where(access.visible_cases(actor))).all()
    )
    if actor.role in APPROVERS:
        rows = list(
            session.scalars(
                select(Authorisation)
                .where(
                    Authorisation.status == "requested",
                    Authorisation.requested_by != actor.user_id,
                    Authorisation.case_id.in_(visible),
                )
                .order_by(Authorisation.requested_at)
            )
        )
        names = _names(session, {r.requested_by for r in rows})
        result["awaiting_my_approval"] = [
            {
                "case_id": r.case_id,
                "reference": references.get(r.case_id, ""),
                "authorisation_id": r.id,
                "requested_by": names.get(r.requested_by, ""),
                "since": _iso(r.requested_at),
            }
            for r in rows
        ]
    if actor.role in RELEASE_WATCHERS:
        latest = (
            select(FindingSet.case_id, func.max(FindingSet.id).label("set_id"))
            .group_by(FindingSet.case_id)
            .subquery()
        )
        rows_f = list(
            session.scalars(
                select(FindingSet)
                .join(latest, latest.c.set_id == FindingSet.id)
                .where(FindingSet.released_at.is_(None), FindingSet.case_id.in_(visible))
                .order_by(FindingSet.created_at)
            )
        )
        result["awaiting_release"] = [
            {
                "case_id": r.case_id,
                "reference": references.get(r.case_id, ""),
                "finding_set_id": r.id,
                "since": _iso(r.created_at),
            }
            for r in rows_f
        ]
    if actor.role in JOB_WATCHERS:
        rows_j = list(
            session.scalars(
                select(ExtractionJob)
                .where(ExtractionJob.state.in_(OPEN_JOB_STATES), ExtractionJob.case_id.in_(visible))
                .order_by(ExtractionJob.created_at)
            )
        )
        names = _names(session, {r.created_by for r in rows_j})
        result["jobs_running"] = [
            {
                "case_id": r.case_id,
                "reference": references.get(r.case_id, ""),
                "job_id": r.id,
                "state": r.state,
                "started_by": names.get(r.created_by, ""),
                "since": _iso(r.started_at or r.created_at),
                "items_done": r.items_done,
                "items_total": r.items_total,
            }
            for r in rows_j
        ]
    return result

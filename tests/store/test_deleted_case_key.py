"""A deleted case never gets a new evidence key (found in the two-station test under load: a route build that
was still running when the case was deleted gave the case a fresh key after its key had been destroyed)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.route_versions import rebuild_route
from casework.state import AppState
from legal_basis.retention import delete_case_data
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.errors import EvidenceKeyDestroyed
from store.location_rows import insert_location_rows
from store.models import CaseKey
from tests.store.route_builders import journey_points, make_case_with_job, record_rows

ACTOR = Actor(user_id=1, username="authoriser", role=Role.AUTHORISING_OFFICIAL)


def _keys(state: AppState, case_id: int) -> int:
    with state.session_factory() as session:
        return int(
            session.scalar(select(func.count()).select_from(CaseKey).where(CaseKey.case_id == case_id)) or 0
        )


def test_no_new_key_for_a_deleted_case(state: AppState) -> None:
    points = journey_points(2_000, seed=5)
    with state.session_factory.begin() as session:
        case_id, job_id, custody_id = make_case_with_job(session, "V-DELETED-KEY")
        insert_location_rows(session, record_rows(case_id, job_id, custody_id, points))
    assert rebuild_route(state, case_id) is not None
    assert _keys(state, case_id) == 1
    with state.session_factory.begin() as session:
        delete_case_data(session, ACTOR, state.evidence, case_id, reason="retention period ended")
    assert _keys(state, case_id) == 0

    with pytest.raises(EvidenceKeyDestroyed), state.session_factory.begin() as session:
        state.evidence.ensure_case_key(session, case_id)
    assert _keys(state, case_id) == 0


def test_a_case_kept_open_after_its_data_was_deleted_may_get_a_new_key(state: AppState) -> None:
    """A withdrawn consent deletes the data but keeps the case open (a new authorisation may follow)."""
    with state.session_factory.begin() as session:
        case_id, _job_id, _custody_id = make_case_with_job(session, "V-KEPT-OPEN")
        state.evidence.ensure_case_key(session, case_id)
    with state.session_factory.begin() as session:
        delete_case_data(
            session, ACTOR, state.evidence, case_id, reason="consent withdrawn", keep_case_open=True
        )
    assert _keys(state, case_id) == 0
    with state.session_factory.begin() as session:
        state.evidence.ensure_case_key(session, case_id)
    assert _keys(state, case_id) == 1

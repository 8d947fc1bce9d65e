"""Retention watch: overdue cases make `reisroute retention check` exit non-zero; the API shows the alarm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app as cli
from legal_basis.retention import delete_case_data
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.db import unit_of_work
from store.models import ConsentRecord, User
from store.types import utcnow
from tests.compliance.seeding import add_job
from tests.legal_basis.helpers import approved_case

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def run_check(monkeypatch, state) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REISROUTE_DATA_DIR", str(state.settings.data_dir))
    monkeypatch.setenv("REISROUTE_DATABASE_URL", state.settings.resolved_database_url())
    monkeypatch.setenv("REISROUTE_GAZETTEER_DIR", str(state.settings.resolved_gazetteer_dir()))
    result = CliRunner().invoke(cli, ["retention", "check"])
    return result.exit_code, result.output


def test_overdue_cases_fail_the_check_until_deleted(client_for, state, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser, auditor = client_for("intake"), client_for("authoriser"), client_for("auditor")
    retention_days = state.policy.grounds[0].retention_days
    now = utcnow()
    started_days_ago = {
        "V-RET-OVERDUE": retention_days + 35,
        "V-RET-SOON": retention_days - 15,
        "V-RET-FRESH": 10,
        "V-RET-WITHDRAWN": 5,
        "V-RET-ONTIME": retention_days - 100,
    }
    ids = {}
    with unit_of_work(state.session_factory) as session:
        intake_id = session.scalar(select(User.id).where(User.username == "intake"))
    for number, (reference, days) in enumerate(started_days_ago.items()):
        case_id, device_id, authorisation_id = approved_case(intake, authoriser, reference, f"R{number}")
        ids[reference] = case_id
        with unit_of_work(state.session_factory) as session:
            started = now - timedelta(days=days)
            add_job(
                session,
                case_id=case_id,
                device_id=device_id,
                authorisation_id=authorisation_id,
                created_by=intake_id,
                state="completed",
                started_at=started,
                finished_at=started + timedelta(minutes=20),
            )
            if reference == "V-RET-WITHDRAWN":  # withdrawn two days ago, and the deletion never ran
                for consent in session.scalars(select(ConsentRecord).where(ConsentRecord.case_id == case_id)):
                    consent.withdrawn_at = now - timedelta(days=2)
    approved_case(intake, authoriser, "V-RET-NOTHING", "R9")  # nothing acquired: nothing to delete

    code, output = run_check(monkeypatch, state)
    assert code == 1, output
    assert f"OVERDUE  case {ids['V-RET-OVERDUE']} V-RET-OVERDUE" in output
    assert (
        f"OVERDUE  case {ids['V-RET-WITHDRAWN']} V-RET-WITHDRAWN" in output and "withdrawn_consent" in output
    )
    assert f"due soon case {ids['V-RET-SOON']} V-RET-SOON" in output
    assert "V-RET-FRESH" not in output and "V-RET-NOTHING" not in output
    assert "2 overdue, 1 due within 30 days" in output

    page = auditor.get("/api/v1/compliance/retention").json()
    assert page["alarm"] is True
    assert [c["reference"] for c in page["overdue"]] == ["V-RET-OVERDUE", "V-RET-WITHDRAWN"]
    overdue = page["overdue"][0]
    assert overdue["basis"] == "policy_ground" and overdue["retention_days"] == retention_days
    assert -36 < overdue["days_left"] < -34
    assert [c["reference"] for c in page["due_soon"]] == ["V-RET-SOON"]

    # delete: the overdue ones late, one more on time; the check passes, the deletions keep their proof
    with unit_of_work(state.session_factory) as session:
        actor = Actor(user_id=intake_id, username="intake", role=Role.INTAKE_OFFICER)
        for reference in ("V-RET-OVERDUE", "V-RET-WITHDRAWN", "V-RET-ONTIME"):
            delete_case_data(session, actor, state.evidence, ids[reference], reason="retention period ended")
    code, output = run_check(monkeypatch, state)
    assert code == 0, output
    assert "0 overdue, 1 due within 30 days" in output
    page = auditor.get("/api/v1/compliance/retention").json()
    assert page["alarm"] is False
    deleted = {c["reference"]: c for c in page["deleted"]}
    assert deleted["V-RET-OVERDUE"]["state"] == "deleted_late"
    assert deleted["V-RET-WITHDRAWN"]["state"] == "deleted_late"
    assert deleted["V-RET-ONTIME"]["state"] == "deleted_on_time"
    assert deleted["V-RET-ONTIME"]["deletion_proof"]["reason"] == "retention period ended"
    # the scheduler's run and the page's read are both in the audit log
    actions = auditor.get("/api/v1/compliance/audit", params={"action": "compliance.retention"}).json()
    assert {e["actor"] for e in actions["entries"]} == {"cli", "auditor"}

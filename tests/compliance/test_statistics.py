"""Statistics per period: extractions per ground and outcome, consent, decisions with reasons, releases per
status, time from extraction to release, deletions on time vs late — as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from legal_basis.roles import Role
from legal_basis.services import Actor, release_findings
from store.db import unit_of_work
from store.models import ClaimRow, FindingRow, FindingSet, User
from store.types import utcnow
from tests.compliance.seeding import add_job
from tests.legal_basis.helpers import GROUND, approved_case, authorisation_body, consent_body, new_case

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def table(payload: dict, code: str) -> list[dict]:  # type: ignore[type-arg]
    return next(t for t in payload["tables"] if t["code"] == code)["rows"]


def test_statistics_of_a_period(client_for, state) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser, auditor = client_for("intake"), client_for("authoriser"), client_for("auditor")
    now = utcnow()
    case_a, device_a, auth_a = approved_case(intake, authoriser, "V-STAT-1", "T1")
    case_b, device_b, auth_b = approved_case(intake, authoriser, "V-STAT-2", "T2")
    # a refused request, with its reason, and a refused consent
    case_c, device_c = new_case(intake, "V-STAT-3", "T3")
    auth_c = intake.post(
        f"/api/v1/cases/{case_c}/authorisations", json=authorisation_body(device_id=device_c)
    ).json()["id"]
    response = authoriser.post(
        f"/api/v1/cases/{case_c}/authorisations/{auth_c}/refuse",
        json={"reason": "Milder means not exhausted"},
    )
    assert response.status_code == 200, response.text
    response = intake.post(
        f"/api/v1/cases/{case_c}/authorisations/{auth_c}/consent", json=consent_body(given=False)
    )
    assert response.status_code == 201, response.text

    with unit_of_work(state.session_factory) as session:
        intake_id = session.scalar(select(User.id).where(User.username == "intake"))
        reviewer_id = session.scalar(select(User.id).where(User.username == "reviewer"))
        add_job(
            session,
            case_id=case_a,
            device_id=device_a,
            authorisation_id=auth_a,
            created_by=intake_id,
            state="completed",
            started_at=now - timedelta(hours=25),
            finished_at=now - timedelta(hours=24),
        )
        add_job(
            session,
            case_id=case_b,
            device_id=device_b,
            authorisation_id=auth_b,
            created_by=intake_id,
            state="failed",
            started_at=now - timedelta(hours=5),
            finished_at=now - timedelta(hours=4),
        )
        add_job(
            session,
            case_id=case_b,
            device_id=device_b,
            authorisation_id=auth_b,
            created_by=intake_id,
            state="completed",
            started_at=now - timedelta(hours=2),
            finished_at=now - timedelta(hours=1),
        )
        # one finding set per case, released now by the legal reviewer: 24 h after case A's extraction, 1 h
        # after case B's
        reviewer = Actor(user_id=reviewer_id, username="reviewer", role=Role.LEGAL_REVIEWER)
        for case_id, statuses in (
            (case_a, ["consistent", "consistent", "inconsistent", "no_data"]),
            (case_b, ["consistent", "inconclusive"]),
        ):
            finding_set = FindingSet(case_id=case_id, code_version="test")
            session.add(finding_set)
            session.flush()
            for position, status in enumerate(statuses):
                claim = ClaimRow(
                    case_id=case_id,
                    position=position,
                    kind="stayed",
                    place_text="Athene",
                    time_text="mei 2024",
                    created_by=intake_id,
                )
                session.add(claim)
                session.flush()
                session.add(
                    FindingRow(finding_set_id=finding_set.id, claim_id=claim.id, status=status, data={})
                )
            release_findings(session, reviewer, finding_set.id, note="checked")
    # case D's consent is withdrawn: processing stops and its data is deleted (on time)
    case_d, _, auth_d = approved_case(intake, authoriser, "V-STAT-4", "T4")
    response = intake.post(
        f"/api/v1/cases/{case_d}/authorisations/{auth_d}/withdraw-consent", json={"reason": "applicant asked"}
    )
    assert response.status_code == 200, response.text

    period = {
        "since": (now - timedelta(days=2)).isoformat(),
        "until": (now + timedelta(minutes=5)).isoformat(),
    }
    payload = auditor.get("/api/v1/compliance/statistics", params=period).json()
    assert table(payload, "extractions") == [
        {"ground_id": GROUND, "state": "completed", "count": 2},
        {"ground_id": GROUND, "state": "failed", "count": 1},
    ]
    consent = {r["outcome"]: r["count"] for r in table(payload, "consent")}
    assert consent == {"given": 3, "refused": 1, "withdrawn": 1}
    decisions = {(r["status"], r["ground_id"]): r["count"] for r in table(payload, "authorisation_decisions")}
    # the withdrawn authorisation was approved first: it now counts under its present state
    assert decisions == {("approved", GROUND): 2, ("withdrawn", GROUND): 1, ("refused", GROUND): 1}
    assert table(payload, "refusal_reasons") == [{"reason": "Milder means not exhausted", "count": 1}]
    released = {r["status"]: r["count"] for r in table(payload, "findings_released")}
    assert released == {"consistent": 3, "inconsistent": 1, "no_data": 1, "inconclusive": 1}
    assert table(payload, "releases") == [{"releases": 2, "cases_deleted_since": 0}]
    timing = table(payload, "extraction_to_release_hours")[0]
    assert timing["releases"] == 2 and timing["min"] == pytest.approx(1.0, abs=0.01)
    assert timing["max"] == pytest.approx(24.0, abs=0.01)
    deletions = {r["state"]: r["count"] for r in table(payload, "deletions")}
    assert deletions == {"deleted_on_time": 1, "deleted_late": 0}

    # a period before all of it is empty
    earlier = {
        "since": (now - timedelta(days=30)).isoformat(),
        "until": (now - timedelta(days=20)).isoformat(),
    }
    empty = auditor.get("/api/v1/compliance/statistics", params=earlier).json()
    assert table(empty, "extractions") == [] and table(empty, "findings_released") == []

    # the same figures as CSV, and both reads audited
    response = auditor.get("/api/v1/compliance/statistics", params={**period, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert ["extractions", GROUND, "completed", "2"] in rows
    assert ["refusal_reasons", "Milder means not exhausted", "1"] in rows
    actions = [
        e["action"]
        for e in auditor.get("/api/v1/compliance/audit", params={"action": "compliance.statistics"}).json()[
            "entries"
        ]
    ]
    assert actions.count("compliance.statistics") == 2
    exports = auditor.get(
        "/api/v1/compliance/audit", params={"action": "compliance.statistics.export"}
    ).json()
    assert len(exports["entries"]) == 1
    assert intake.get("/api/v1/compliance/statistics").status_code == 403

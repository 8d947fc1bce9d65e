"""The whole legal gate through the HTTP API, and each missing condition named in the refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from store.models import Authorisation
from tests.legal_basis.helpers import authorisation_body, consent_body, new_case


def gate(client, case_id: int, authorisation_id: int) -> dict:
    response = client.get(f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/gate")
    assert response.status_code == 200, response.text
    return response.json()


def codes(result: dict) -> set[str]:
    return {c["code"] for c in result["unmet"]}


def test_full_gate_flow(client_for) -> None:
    intake = client_for("intake")
    authoriser = client_for("authoriser")
    dual = client_for("dual", "intake_officer")
    dual_as_authoriser = client_for("dual", "authorising_official")

    case_id, device_id = new_case(intake)
    # the dual-role user requests ...
    response = dual.post(
        f"/api/v1/cases/{case_id}/authorisations", json=authorisation_body(device_id=device_id)
    )
    assert response.status_code == 201, response.text
    authorisation_id = response.json()["id"]
    assert codes(gate(intake, case_id, authorisation_id)) >= {
        "not_approved",
        "consent_missing",
        "notice_missing",
    }

    # ... and cannot approve their own request, even holding the authorising role
    response = dual_as_authoriser.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve", json={"reason": "ok"}
    )
    assert response.status_code == 403
    assert "same_approver" in response.json()["conditions"]

    # an intake officer cannot approve at all
    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve", json={"reason": "x"}
    )
    assert response.status_code == 403

    response = authoriser.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve",
        json={"reason": "Milder means exhausted"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert codes(gate(intake, case_id, authorisation_id)) == {"consent_missing", "notice_missing"}

    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/consent", json=consent_body()
    )
    assert response.status_code == 201
    assert codes(gate(intake, case_id, authorisation_id)) == {"notice_missing"}

    response = intake.post(
        f"/api/v1/cases/{case_id}/notices", json={"language": "ar", "given_at": datetime.now(UTC).isoformat()}
    )
    assert response.status_code == 201
    result = gate(intake, case_id, authorisation_id)
    assert result == {"may_start": True, "unmet": []}

    # withdrawal stops it again and names why
    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/withdraw-consent",
        json={"reason": "applicant withdrew at interview"},
    )
    assert response.status_code == 200, response.text
    assert {"withdrawn", "consent_withdrawn"} <= codes(gate(intake, case_id, authorisation_id))


def _approved(intake, authoriser, reference: str, **overrides) -> tuple[int, int]:
    case_id, device_id = new_case(intake, reference)
    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations", json=authorisation_body(device_id=device_id, **overrides)
    )
    authorisation_id = response.json()["id"]
    authoriser.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve", json={"reason": "ok"}
    )
    intake.post(
        f"/api/v1/cases/{case_id}/notices", json={"language": "fa", "given_at": datetime.now(UTC).isoformat()}
    )
    return case_id, authorisation_id


def test_no_consent_is_named(client_for) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    case_id, authorisation_id = _approved(intake, authoriser, "V-1")
    assert codes(gate(intake, case_id, authorisation_id)) == {"consent_missing"}


def test_consent_refused_or_incomplete_is_named(client_for) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    case_id, authorisation_id = _approved(intake, authoriser, "V-2")
    intake.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/consent", json=consent_body(given=False)
    )
    assert codes(gate(intake, case_id, authorisation_id)) == {"consent_missing"}
    intake.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/consent",
        json=consent_body(refusal_without_consequence_explained=False),
    )
    assert codes(gate(intake, case_id, authorisation_id)) == {"consent_incomplete"}


def test_expired_is_named(client_for, state) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    case_id, authorisation_id = _approved(intake, authoriser, "V-3")
    intake.post(f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/consent", json=consent_body())
    with state.session_factory.begin() as session:
        session.execute(
            update(Authorisation)
            .where(Authorisation.id == authorisation_id)
            .values(valid_until=datetime.now(UTC) - timedelta(minutes=1))
        )
    assert codes(gate(intake, case_id, authorisation_id)) == {"expired"}


def test_category_outside_ground_and_missing_milder_means(client_for) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    case_id, authorisation_id = _approved(
        intake, authoriser, "V-4", categories=["location", "message_content"], milder_means=[]
    )
    intake.post(f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/consent", json=consent_body())
    assert codes(gate(intake, case_id, authorisation_id)) == {
        "category_not_allowed",
        "milder_means_missing",
        "category_never_acquirable",
    }


def test_refused_authorisation_is_named(client_for) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    case_id, device_id = new_case(intake, "V-5")
    authorisation_id = intake.post(
        f"/api/v1/cases/{case_id}/authorisations", json=authorisation_body(device_id=device_id)
    ).json()["id"]
    response = authoriser.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/refuse",
        json={"reason": "Documents suffice"},
    )
    assert response.json()["status"] == "refused"
    assert "refused" in codes(gate(intake, case_id, authorisation_id))
    again = authoriser.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve", json={"reason": "x"}
    )
    assert again.status_code == 409


def test_unknown_ground_refused_at_request(client_for) -> None:
    intake = client_for("intake")
    case_id, device_id = new_case(intake, "V-6")
    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations",
        json=authorisation_body(device_id=device_id, ground_id="blanket-search"),
    )
    assert response.status_code == 409
    assert "blanket-search" in response.json()["detail"]

"""Events that answer with an error are still in the audit log: failed sign-ins (401) and refusals (403),
with the case they concerned. Both land even though the request's own transaction rolls back."""

from __future__ import annotations


def _entries(auditor, action: str) -> list[dict]:  # noqa: ANN001
    return [e for e in auditor.get("/api/v1/audit", params={"limit": 1000}).json() if e["action"] == action]


def test_failed_sign_ins_are_audited(anonymous, client_for) -> None:
    for username in ("intake", "nobody-of-that-name"):
        response = anonymous.post("/api/v1/auth/token", data={"username": username, "password": "wrong"})
        assert response.status_code == 401
    failed = _entries(client_for("auditor"), "auth.sign_in_failed")
    assert [e["actor"] for e in failed] == ["intake", "nobody-of-that-name"]


def test_refusals_on_case_data_are_audited_with_the_case(client_for) -> None:
    intake, caseworker, auditor = client_for("intake"), client_for("caseworker"), client_for("auditor")
    case_id = intake.post("/api/v1/cases", json={"reference": "V-403"}).json()["id"]
    assert intake.get(f"/api/v1/cases/{case_id}/findings").status_code == 403  # role gate
    assert caseworker.get(f"/api/v1/cases/{case_id}/findings").status_code in (403, 404)
    assert intake.get("/api/v1/audit/verify").status_code == 403
    denied = _entries(auditor, "access.denied")
    by_actor = {(e["actor"], e["object_id"]): e for e in denied}
    gate = by_actor[("intake", "GET /api/v1/cases/{case_id}/findings")]
    assert gate["case_id"] == case_id and gate["role"] == "intake_officer"
    assert "may not" in gate["reason"]
    assert ("intake", "GET /api/v1/audit/verify") in by_actor
    assert auditor.get("/api/v1/audit/verify").json()["ok"] is True

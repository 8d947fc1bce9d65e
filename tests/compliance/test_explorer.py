"""The audit explorer through the API: filters, keyset pages, words for actions, reads audited, reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import catalogue
from store import audit
from tests.compliance.seeding import seed_chain
from tests.legal_basis.helpers import approved_case

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def all_pages(client, **params) -> list[dict]:  # type: ignore[no-untyped-def]
    entries, before = [], None
    while True:
        query = {**params, "limit": 7, **({"before_seq": before} if before else {})}
        response = client.get("/api/v1/compliance/audit", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        entries += page["entries"]
        if page["older_than"] is None:
            return entries
        before = page["older_than"]


def test_explorer_filters_pages_and_labels(client_for, state) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser, auditor = client_for("intake"), client_for("authoriser"), client_for("auditor")
    case_a, _, _ = approved_case(intake, authoriser, "V-EXP-1", "S1")
    case_b, _, _ = approved_case(intake, authoriser, "V-EXP-2", "S2")
    with state.session_factory() as session:
        head_seq = audit.head(session)[0]

    # everything, newest first, paged by seq without overlap or loss
    everything = all_pages(auditor, until=(datetime.now(UTC) + timedelta(minutes=1)).isoformat())
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)
    assert set(range(1, head_seq + 1)) <= set(seqs)

    # by case, actor, role and action (exact and by prefix)
    for entry in all_pages(auditor, case_id=case_a):
        assert entry["case_id"] == case_a
    approvals = all_pages(auditor, action="authorisation.approve")
    assert {e["case_id"] for e in approvals} == {case_a, case_b}
    assert all(e["actor"] == "authoriser" and e["role"] == "authorising_official" for e in approvals)
    by_prefix = all_pages(auditor, action="authorisation.")
    assert {e["action"] for e in by_prefix} >= {"authorisation.request", "authorisation.approve"}
    assert all(e["action"].startswith("authorisation.") for e in by_prefix)
    assert {e["actor"] for e in all_pages(auditor, actor="intake")} == {"intake"}
    assert {e["role"] for e in all_pages(auditor, role="intake_officer")} == {"intake_officer"}
    objects = all_pages(auditor, object_type="case", object_id=str(case_b))
    assert objects and {e["action"] for e in objects} >= {"case.create"}

    # words from the catalogue, in both languages
    approve = approvals[0]
    assert approve["action_label"] == {
        "en": catalogue.label("audit_action", "authorisation.approve", "en"),
        "nl": catalogue.label("audit_action", "authorisation.approve", "nl"),
    }
    assert approve["action_label"]["nl"] != approve["action_label"]["en"]

    # the period filter: nothing in the future; a page's total is the count of the filter
    future = auditor.get(
        "/api/v1/compliance/audit", params={"since": (datetime.now(UTC) + timedelta(days=1)).isoformat()}
    ).json()
    assert future["entries"] == [] and future["total"] == 0
    page = auditor.get("/api/v1/compliance/audit", params={"action": "case.create"}).json()
    assert page["total"] == 2

    # every explorer read is itself audited, with its filter
    explored = auditor.get(
        "/api/v1/compliance/audit", params={"action": "audit.explore", "limit": 500}
    ).json()
    assert explored["total"] >= 10
    assert any(e["details"]["filter"].get("action") == "case.create" for e in explored["entries"])

    # previous page (newer) returns exactly the page before
    first = auditor.get("/api/v1/compliance/audit", params={"action": "authorisation.", "limit": 2}).json()
    second = auditor.get(
        "/api/v1/compliance/audit",
        params={"action": "authorisation.", "limit": 2, "before_seq": first["older_than"]},
    ).json()
    back = auditor.get(
        "/api/v1/compliance/audit",
        params={"action": "authorisation.", "limit": 2, "after_seq": second["newer_than"]},
    ).json()
    assert [e["seq"] for e in back["entries"]] == [e["seq"] for e in first["entries"]]

    # only the compliance auditor
    assert intake.get("/api/v1/compliance/audit").status_code == 403
    assert client_for("admin").get("/api/v1/compliance/audit").status_code == 403


@SQLITE
def test_chain_status_beside_the_explorer(client_for, state) -> None:  # type: ignore[no-untyped-def]
    auditor = client_for("auditor")
    status = auditor.get("/api/v1/compliance/chain").json()
    assert status["ok"] is True and status["head_seq"] >= 1
    assert status["latest_anchor"] is not None and status["latest_anchor"]["seq"] <= status["head_seq"]
    # a cut-off end is caught by the anchors: simulate by an anchor beyond the head
    audit.write_anchor(audit.anchor_path(state.settings.data_dir), status["head_seq"] + 50, "f" * 64)
    broken = auditor.get("/api/v1/compliance/chain").json()
    assert broken["ok"] is False and broken["first_broken_seq"] is not None
    assert broken["latest_anchor"]["seq"] == status["head_seq"] + 50


def test_reads_outside_the_workflow_and_their_reasons(client_for, state) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser = client_for("intake"), client_for("authoriser")
    auditor, reviewer = client_for("auditor"), client_for("reviewer")
    case_id, _, _ = approved_case(intake, authoriser, "V-READ-1", "S9")
    assert intake.get(f"/api/v1/cases/{case_id}").status_code == 200  # within the workflow: took part
    assert reviewer.get(f"/api/v1/cases/{case_id}").status_code == 200  # no part in the case, no reason
    reason = "Nalevingscontrole: steekproef Q4 é"  # non-ASCII, sent URL-encoded as the page does
    from urllib.parse import quote

    response = auditor.get(f"/api/v1/cases/{case_id}", headers={"X-Reason": quote(reason)})
    assert response.status_code == 200
    response = auditor.get(f"/api/v1/cases/{case_id}/devices", params={"reason": "compliance-audit"})
    assert response.status_code == 200

    reads = auditor.get(
        "/api/v1/compliance/audit", params={"case_id": case_id, "action": "case.read", "limit": 50}
    ).json()["entries"]
    assert {e["reason"] for e in reads if e["actor"] == "auditor"} == {reason}
    unexplained = auditor.get(
        "/api/v1/compliance/audit", params={"case_id": case_id, "reads_without_reason": True, "limit": 500}
    ).json()["entries"]
    assert [(e["actor"], e["action"]) for e in unexplained] == [("reviewer", "case.read")]
    assert all(e["is_case_read"] for e in unexplained)
    # the policy's reason codes are offered to readers
    codes = [r["code"] for r in reviewer.get("/api/v1/compliance/read-reasons").json()]
    assert "compliance-audit" in codes


@SQLITE
def test_keyset_pages_stay_fast_at_100000_entries(client_for, state) -> None:  # type: ignore[no-untyped-def]
    import time

    auditor = client_for("auditor")
    seed_chain(state.session_factory, 100_000, start=datetime(2026, 1, 1, tzinfo=UTC))
    timings = {}
    for name, params in {
        "newest": {},
        "actor": {"actor": "user5"},
        "case": {"case_id": 42},
        "action": {"action": "route.read"},
        "role+period": {
            "role": "legal_reviewer",
            "since": "2026-01-10T00:00:00Z",
            "until": "2026-01-20T00:00:00Z",
        },
        "deep": {"before_seq": 1000},
    }.items():
        started = time.perf_counter()
        response = auditor.get("/api/v1/compliance/audit", params={**params, "limit": 50})
        timings[name] = time.perf_counter() - started
        assert response.status_code == 200, response.text
        assert response.json()["entries"], name
    assert max(timings.values()) < 1.0, timings


@SQLITE
def test_bulk_seed_is_a_valid_chain_and_new_entries_are_checked_incrementally(client_for, state) -> None:  # type: ignore[no-untyped-def]
    auditor = client_for("auditor")
    seed_chain(
        state.session_factory, 300, start=datetime(2026, 1, 1, tzinfo=UTC), data_dir=state.settings.data_dir
    )
    full = auditor.get("/api/v1/compliance/chain", params={"full": True}).json()
    assert full["ok"] is True and full["incremental_entries"] == 0 and full["entries_checked"] >= 300
    auditor.get(
        "/api/v1/compliance/audit"
    )  # appends audit.explore (and the chain read appended audit.verify)
    later = auditor.get("/api/v1/compliance/chain").json()
    assert later["ok"] is True and later["full_check_at"] == full["full_check_at"]
    assert later["incremental_entries"] >= 2 and later["head_seq"] >= full["head_seq"] + 2
    with state.session_factory() as session:
        assert audit.verify_chain(session).ok


@SQLITE
def test_incremental_check_catches_a_forged_entry_appended_after_the_full_walk(client_for, state) -> None:  # type: ignore[no-untyped-def]
    from store.models import AuditEntry

    auditor = client_for("auditor")
    assert auditor.get("/api/v1/compliance/chain", params={"full": True}).json()["ok"] is True
    with state.session_factory() as session:
        seq, _ = audit.head(session)
    with state.session_factory.begin() as session:  # written past the service, straight into the table
        session.add(
            AuditEntry(
                seq=seq + 1,
                at=datetime.now(UTC),
                actor="intruder",
                role="admin",
                case_id=None,
                action="case.read",
                object_type="",
                object_id="",
                reason="",
                details={},
                prev_hash="a" * 64,
                hash="b" * 64,
            )
        )
    status = auditor.get("/api/v1/compliance/chain").json()
    assert status["ok"] is False and status["first_broken_seq"] == seq + 1
    assert status["incremental_entries"] >= 1
    assert any(f"entry {seq + 1}" in problem for problem in status["problems"])

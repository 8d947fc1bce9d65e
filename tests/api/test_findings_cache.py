"""A finding set's findings are serialised once per serving process (issue 18); its release fields and the
reader's gate are fresh on every read: a set read by the reviewer before release (so cached) reaches the
caseworker released, with the same findings; a new set is not answered from the old one's cache; every read is
audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store.models import AuditEntry
from tests.api.hardening_helpers import released_case

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_cached_findings_keep_release_fresh_and_follow_the_set(  # type: ignore[no-untyped-def]
    state, users, client_for, tmp_path, gazetteer_dir
) -> None:
    case = released_case(state, client_for, tmp_path, gazetteer_dir, "V-FINDINGS-CACHE")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    base = f"/api/v1/cases/{case.case_id}"
    released = caseworker.get(f"{base}/findings").json()
    assert released["id"] == case.finding_set_id and released["released"] is True and released["findings"]

    draft = reviewer.post(f"{base}/match").json()["finding_set_id"]
    before = reviewer.get(f"{base}/findings").json()  # the reviewer reads the draft: its findings get cached
    assert before["id"] == draft and before["released"] is False and before["released_at"] is None
    assert caseworker.get(f"{base}/findings").json()["id"] == case.finding_set_id  # the draft is not his yet

    reviewer.post(f"{base}/finding-sets/{draft}/release", json={"note": "checked"}).raise_for_status()
    after = caseworker.get(f"{base}/findings").json()
    assert after["id"] == draft and after["released"] is True and after["release_note"] == "checked"
    assert after["findings"] == before["findings"]
    assert [f["claim_id"] for f in after["findings"]] != [] and released["findings"] is not after["findings"]
    old = reviewer.get(f"{base}/findings", params={"finding_set_id": case.finding_set_id}).json()
    assert old["id"] == case.finding_set_id and old["findings"] == released["findings"]

    with state.session_factory() as session:
        reads = session.scalar(
            select(func.count()).where(
                AuditEntry.case_id == case.case_id, AuditEntry.action == "findings.read"
            )
        )
    assert reads == 5

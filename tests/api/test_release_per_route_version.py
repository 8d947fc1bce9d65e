"""Issue 13, finding 4: the release gate holds per route version. Before: after a reviewer rebuilt the route,
the caseworker saw the new, unreleased version. Now the caseworker keeps the released version until a
finding set on the new version is released."""

from __future__ import annotations

import pytest

from tests.api.hardening_helpers import released_case

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_rebuilt_route_reaches_the_caseworker_only_once_released(  # type: ignore[no-untyped-def]
    state, users, client_for, tmp_path, gazetteer_dir
) -> None:
    case = released_case(state, client_for, tmp_path, gazetteer_dir, "V-RELEASE-VERSION")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    base = f"/api/v1/cases/{case.case_id}"
    assert caseworker.get(f"{base}/route").json()["properties"]["version"] == 1

    rebuilt = reviewer.post(f"{base}/route/rebuild", json={"stays": {"radius_m": 400.0}})
    assert rebuilt.status_code == 200, rebuilt.text
    assert rebuilt.json()["version"] == 2
    assert reviewer.get(f"{base}/route").json()["properties"]["version"] == 2

    # the caseworker: still version 1 everywhere, version 2 refused by name
    assert caseworker.get(f"{base}/route").json()["properties"]["version"] == 1
    assert caseworker.get(f"{base}/route/summary").json()["version"] == 1
    assert [v["version"] for v in caseworker.get(f"{base}/route/versions").json()] == [1]
    assert caseworker.get(f"{base}/route/points").json()["version"] == 1
    assert caseworker.get(f"{base}/route/points/page").json()["version"] == 1
    refused = caseworker.get(f"{base}/route", params={"version": 2})
    assert refused.status_code == 403, refused.text
    assert refused.json()["conditions"] == ["route_version_not_released"]
    assert "juridisch toetser" in refused.json()["detail_nl"]
    assert caseworker.get(f"{base}/route/points", params={"version": 2}).status_code == 403
    assert caseworker.get(f"{base}/findings").json()["id"] == case.finding_set_id

    # matching on version 2 gives a draft: nothing new for the caseworker until it is released
    draft = caseworker.post(f"{base}/match").json()["finding_set_id"]
    assert caseworker.get(f"{base}/route").json()["properties"]["version"] == 1
    assert caseworker.get(f"{base}/findings").json()["id"] == case.finding_set_id
    released = reviewer.post(f"{base}/finding-sets/{draft}/release", json={"note": "version 2 checked"})
    assert released.status_code == 200, released.text
    assert caseworker.get(f"{base}/route").json()["properties"]["version"] == 2
    assert [v["version"] for v in caseworker.get(f"{base}/route/versions").json()] == [1, 2]
    assert caseworker.get(f"{base}/findings").json()["id"] == draft

"""Work queues (issue 14): "awaiting my approval", "awaiting release", "jobs running", people by name; through
the API for each role and on the rendered case list in Debian's chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from casework.jobs.worker import JobWorker
from store.db import unit_of_work
from store.models import User
from tests.api.job_helpers import WINDOW_2024, open_gate_case, start_job
from tests.legal_basis.helpers import authorisation_body
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import sign_in

NAMES = {"intake": "Ingrid de Vries", "authoriser": "Aylin Şahin", "authoriser2": "Bram Visser"}


def _names(state) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(state.session_factory) as session:
        for username, full_name in NAMES.items():
            session.execute(update(User).where(User.username == username).values(full_name=full_name))


def _requested(intake, reference: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    case_id = intake.post("/api/v1/cases", json={"reference": reference, "title": "Queue"}).json()["id"]
    device = {"platform": "android", "serial": "Q1", "seal_number": "BAG-1"}
    device_id = intake.post(f"/api/v1/cases/{case_id}/devices", json=device).json()["id"]
    body = authorisation_body(device_id=device_id, **WINDOW_2024)
    response = intake.post(f"/api/v1/cases/{case_id}/authorisations", json=body)
    assert response.status_code == 201, response.text
    return case_id, response.json()["id"]


def test_queues_per_role_with_names(client_for, state) -> None:  # type: ignore[no-untyped-def]
    _names(state)
    intake, authoriser, authoriser2 = (
        client_for("intake"),
        client_for("authoriser"),
        client_for("authoriser2"),
    )
    case_id, authorisation_id = _requested(intake, "V-QUEUE-1")
    mine = authoriser.get("/api/v1/queues").json()
    assert set(mine) == {"awaiting_my_approval"}
    assert [(q["reference"], q["requested_by"]) for q in mine["awaiting_my_approval"]] == [
        ("V-QUEUE-1", NAMES["intake"])
    ]
    # need-to-know: an approver outside the case's team neither sees it queued nor can decide it
    assert authoriser2.get("/api/v1/queues").json()["awaiting_my_approval"] == []
    path = f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve"
    assert authoriser2.post(path, json={"reason": "Necessary"}).status_code == 404
    # once decided it leaves every approver's queue
    response = authoriser.post(path, json={"reason": "Necessary"})
    assert response.status_code == 200, response.text
    assert authoriser.get("/api/v1/queues").json()["awaiting_my_approval"] == []

    # a job queued, then claimed by a worker: in the jobs queue with who started it
    gate_case, device_id, gate_authorisation = open_gate_case(
        intake, authoriser, "V-QUEUE-2", platform="android", serial="Q2"
    )
    job_id = start_job(intake, gate_case, device_id, gate_authorisation, {"kind": "adb", "port": 9})
    jobs = intake.get("/api/v1/queues").json()["jobs_running"]
    assert [(j["job_id"], j["state"], j["started_by"]) for j in jobs] == [(job_id, "queued", NAMES["intake"])]
    assert JobWorker(state, retry_delay_s=0).claim() is not None
    assert intake.get("/api/v1/queues").json()["jobs_running"][0]["state"] == "running"
    reviewer = client_for("reviewer")
    assert set(reviewer.get("/api/v1/queues").json()) == {"awaiting_release"}
    assert set(client_for("caseworker").get("/api/v1/queues").json()) == {"awaiting_release", "jobs_running"}


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_case_list_shows_my_queue(client_for, state, live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    _names(state)
    _requested(client_for("intake"), "V-QUEUE-3")
    page = browser_page
    sign_in(page, live_server.url, "authoriser")
    queue = page.locator("#queue-awaiting-my-approval")
    queue.wait_for()
    text = queue.inner_text()
    assert "Awaiting my approval (1)" in text and "V-QUEUE-3" in text and NAMES["intake"] in text
    assert "user #" not in text.lower()
    page.screenshot(path=str(ARTIFACTS / "web-queues-en.png"), full_page=True)
    page.click("#language-switch")
    page.wait_for_selector("html[lang=nl]")
    assert "Wacht op mijn goedkeuring (1)" in queue.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-queues-nl.png"), full_page=True)

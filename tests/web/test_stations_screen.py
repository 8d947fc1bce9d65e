"""The admin's stations screen in Debian's chromium: a live and a dead station, in English and Dutch, and a dead
station's job released to another station from the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

import catalogue
from casework.jobs.worker import JobWorker
from casework.stations import register_station
from store.models import ExtractionJob, Station
from store.types import utcnow
from tests.api.job_helpers import job_owner_rows
from tests.conftest import PASSWORD
from tests.web.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stations_screen_shows_alive_and_dead_and_releases(state, users, live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    with state.session_factory.begin() as session:
        job = ExtractionJob(kind="adb", params={}, station="north", **job_owner_rows(session, "V-WEB-ST"))
        session.add(job)
        session.flush()
        job_id = job.id
    north, south = JobWorker(state, station="north"), JobWorker(state, station="south")
    register_station(state.session_factory, "north", north.worker_id, dead_after_s=30)
    register_station(state.session_factory, "south", south.worker_id, dead_after_s=30)
    assert north.claim() == job_id
    with state.session_factory.begin() as session:  # north falls silent mid-job
        session.execute(
            update(Station)
            .where(Station.name == "north")
            .values(last_heartbeat_at=utcnow() - timedelta(minutes=5))
        )

    page = browser_page
    page.goto(f"{live_server.url}/")
    page.fill("#login-username", "admin")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    # admin lands on the users and teams screen: let it finish before moving on, so its late answer cannot
    # race the stations screen
    page.wait_for_selector("#users-table")
    page.click("#nav-stations")
    page.wait_for_selector("#stations tbody tr")
    states = {
        row.get_attribute("data-station"): row.get_attribute("data-state")
        for row in page.query_selector_all("#stations tbody tr")
    }
    assert states == {"north": "dead", "south": "alive"}
    north_state = page.inner_text('#stations tr[data-station="north"] td:nth-child(2)')
    assert north_state == catalogue.label("station_state", "dead", "en")
    page.screenshot(path=str(ARTIFACTS / "stations-en.png"))

    page.click("#language-switch")
    page.wait_for_function(
        "(word) => document.querySelector('#stations tr[data-station=\"north\"] td:nth-child(2)').textContent === word",
        arg=catalogue.label("station_state", "dead", "nl"),
    )
    assert page.inner_text("h1") == catalogue.label("station_screen", "title", "nl")

    page.fill("#release-job", str(job_id))
    page.select_option("#release-to", "south")
    page.click('#release-form button[type="submit"]')
    page.wait_for_function(  # the table is drawn anew: the job now waits for south
        "() => document.querySelector('#stations tr[data-station=\"south\"] td:nth-child(7)').textContent === '1'"
    )
    assert page.inner_text("#release-message") == f"{job_id} → south"
    with state.session_factory() as session:
        released = session.get(ExtractionJob, job_id)
        assert released is not None
        assert (released.station, released.state) == ("south", "interrupted")
    page.screenshot(path=str(ARTIFACTS / "stations-nl.png"))

"""The explorer in Debian's chromium: 100,000 audit entries filtered and paged in under a second per page, in
English and Dutch; the retention alarm on the page; the chain's state beside it. Screenshots: test-artifacts/."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import catalogue
from store.db import unit_of_work
from store.models import User
from store.types import utcnow
from tests.compliance.seeding import add_job, seed_chain
from tests.conftest import PASSWORD
from tests.legal_basis.helpers import approved_case
from tests.web.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ENTRIES = 100_000
PAGE_BUDGET_S = 1.0


def first_seq(page) -> str:  # type: ignore[no-untyped-def]
    return page.eval_on_selector("#audit-table tbody tr", "row => row.dataset.seq")


def timed(page, action, element: str = "explorer-results") -> float:  # type: ignore[no-untyped-def]
    """Seconds from the user's action until the element (the result table) was drawn anew."""
    page.eval_on_selector(f"#{element}", "el => { el.dataset.token = 'old'; }")
    started = time.perf_counter()
    action()
    page.wait_for_function(
        "(id) => { const el = document.getElementById(id); return el && el.dataset.token !== 'old'; }",
        arg=element,
    )
    return time.perf_counter() - started


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_explorer_pages_100000_entries_in_both_languages(
    client_for, state, live_server, browser_page
) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser = client_for("intake"), client_for("authoriser")
    # one case past its deletion date, for the alarm
    case_id, device_id, authorisation_id = approved_case(intake, authoriser, "V-ALARM-1", "A1")
    with unit_of_work(state.session_factory) as session:
        intake_id = session.scalar(select(User.id).where(User.username == "intake"))
        started = utcnow() - timedelta(days=state.policy.grounds[0].retention_days + 3)
        add_job(
            session,
            case_id=case_id,
            device_id=device_id,
            authorisation_id=authorisation_id,
            created_by=intake_id,
            state="completed",
            started_at=started,
            finished_at=started,
        )
    seed_chain(
        state.session_factory,
        ENTRIES,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        data_dir=state.settings.data_dir,
    )

    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/")
    page.fill("#login-username", "auditor")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#case-list")
    page.click("#nav-compliance")
    page.wait_for_selector("#audit-table tbody tr")

    # the alarm: one case overdue
    alarm = page.locator("#retention-alarm")
    assert alarm.is_visible() and "1 case(s) are past their deletion date" in alarm.inner_text()
    assert "V-ALARM-1" in page.locator("#retention-overdue").inner_text()
    assert page.locator("#audit-table tbody tr").count() == 50
    assert int(page.inner_text("#page-info").split(" of ")[1].split()[0]) > ENTRIES

    # the chain beside it: walked in full once per process (100,000 entries), then only what was appended
    page.wait_for_selector("#chain-status[data-ok]", timeout=180_000)
    assert page.get_attribute("#chain-status", "data-ok") == "true"
    checked = re.search(r"(\d+) entries checked", page.inner_text("#chain-status"))
    assert checked and int(checked.group(1)) > ENTRIES
    assert page.locator("#chain-anchor").inner_text().startswith("Latest checkpoint: entry")

    timings: dict[str, float] = {}
    for number in range(5):  # page back through the newest entries
        timings[f"older {number + 1}"] = timed(page, lambda: page.click("#page-older"))
    seqs = page.eval_on_selector_all("#audit-table tbody tr", "rows => rows.map(r => Number(r.dataset.seq))")
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == 50
    timings["newer"] = timed(page, lambda: page.click("#page-newer"))

    def apply(**fields: str) -> None:
        timed(page, lambda: page.click("#filter-reset"), element="explorer-filter")
        for selector, value in fields.items():
            if selector.startswith("select:"):
                page.select_option(f"#{selector[7:]}", value)
            else:
                page.fill(f"#{selector}", value)
        timings[",".join(fields)] = timed(page, lambda: page.click("#filter-apply"))

    apply(**{"filter-actor": "user5"})
    actors = page.eval_on_selector_all(
        "#audit-table tbody tr td:nth-child(3)", "cells => cells.map(c => c.textContent)"
    )
    assert set(actors) == {"user5"} and len(actors) == 50
    timings["actor: older"] = timed(page, lambda: page.click("#page-older"))

    apply(**{"select:filter-action": "route.read", "filter-case": "42"})
    words = set(
        page.eval_on_selector_all("#audit-table tbody tr td.action-label", "c => c.map(x => x.textContent)")
    )
    assert words == {catalogue.label("audit_action", "route.read", "en")}

    apply(
        **{
            "select:filter-role": "legal_reviewer",
            "filter-since": "2026-01-10T00:00",
            "filter-until": "2026-01-20T00:00",
        }
    )
    assert page.locator("#audit-table tbody tr").count() == 50
    timings["role+period: older"] = timed(page, lambda: page.click("#page-older"))
    page.screenshot(path=str(ARTIFACTS / "compliance-explorer-en.png"), full_page=False)

    # in Dutch: the same explorer, Dutch words for the actions, pages as fast
    page.click("#language-switch")
    page.wait_for_selector("text=Auditlog doorzoeken")
    apply(**{"select:filter-action": "case.read"})
    words = set(
        page.eval_on_selector_all("#audit-table tbody tr td.action-label", "c => c.map(x => x.textContent)")
    )
    assert words == {catalogue.label("audit_action", "case.read", "nl")}
    for number in range(3):
        timings[f"nl older {number + 1}"] = timed(page, lambda: page.click("#page-older"))
    assert "van" in page.inner_text("#page-info") and "Te laat" not in page.inner_text("#page-info")
    assert page.locator("#retention-alarm").inner_text().startswith("⚠ 1 zaak/zaken")
    page.screenshot(path=str(ARTIFACTS / "compliance-explorer-nl.png"), full_page=False)

    slowest = max(timings, key=timings.get)  # type: ignore[arg-type]
    print({name: round(seconds, 3) for name, seconds in timings.items()})
    assert timings[slowest] < PAGE_BUDGET_S, (slowest, timings)

    assert not errors, errors


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_opening_a_case_from_the_explorer_asks_for_a_reason_and_records_it(
    client_for, state, live_server, browser_page
) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser, auditor = client_for("intake"), client_for("authoriser"), client_for("auditor")
    case_id, _, _ = approved_case(intake, authoriser, "V-REASON-1", "Q1")
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.fill("#login-username", "auditor")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#case-list")
    page.click("#nav-compliance")
    page.wait_for_selector("#audit-table tbody tr")
    page.fill("#filter-case", str(case_id))
    timed(page, lambda: page.click("#filter-apply"))
    page.click(f"#audit-table a.case-link >> text='{case_id}'")
    page.wait_for_selector("#read-reason-dialog[open]")
    page.select_option("#read-reason-code", "complaint")
    page.fill("#read-reason-text", "klacht 2026-118 (é)")
    page.click("#read-reason-open")
    page.wait_for_selector("text=V-REASON-1")
    entries = auditor.get(
        "/api/v1/compliance/audit", params={"case_id": case_id, "action": "case.read", "actor": "auditor"}
    ).json()["entries"]
    assert entries and {e["reason"] for e in entries} == {"complaint: klacht 2026-118 (é)"}
    # back on the compliance page the reason is dropped: later reads are not covered by it
    page.goto(f"{live_server.url}/#/compliance")
    page.wait_for_selector("#audit-table tbody tr")
    assert page.evaluate("() => sessionStorage.getItem('reisroute.readReason')") is None

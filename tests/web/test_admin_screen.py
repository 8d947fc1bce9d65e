"""The administrator's screen in a real browser (Debian's chromium): users, teams and case assignments, in
English and Dutch from the catalogue, and no case data on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import catalogue
from tests.conftest import PASSWORD
from tests.legal_basis.helpers import new_case
from tests.web.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]


def word(code: str, language: str = "en") -> str:
    return catalogue.label("admin_screen", code, language)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_admin_manages_users_teams_and_assignments(client_for, live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = new_case(client_for("intake"), reference="V-SECRET-77")
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/")
    page.fill("#login-username", "admin")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    # admin lands on user and team management, and has no way to the cases
    page.wait_for_selector("#admin-users")
    assert page.url.endswith("#/admin")
    assert page.locator("#nav-cases").count() == 0
    expect(page.locator("h1")).to_have_text(word("title"))
    expect(page.locator('#users-table tr[data-user="intake"]')).to_be_visible()

    # a new user
    page.fill("#new-user-name", "browser-cw")
    page.fill("#new-user-full-name", "Bea Browser")
    page.fill("#new-user-password", PASSWORD)
    page.select_option("#new-user-roles", ["caseworker"])
    page.click("#new-user-form button[type=submit]")
    expect(page.locator('#users-table tr[data-user="browser-cw"]')).to_be_visible()
    expect(page.locator("#admin-status")).to_have_text(word("saved"))

    # a new team with that user as member
    page.fill("#new-team-name", "Desk West")
    page.click("#new-team-form button[type=submit]")
    team = page.locator('[data-team="Desk West"]')
    expect(team).to_be_visible()
    team.locator("select").select_option(label="Bea Browser (browser-cw)")
    team.locator("button[type=submit]").click()
    expect(page.locator('[data-team="Desk West"] li')).to_contain_text("Bea Browser")

    # the case (by number only) gets the team; the new caseworker now sees it
    assert client_for("browser-cw").get(f"/api/v1/cases/{case_id}").status_code == 404
    page.fill("#assign-case-id", str(case_id))
    page.click("#assignments-form button[type=submit]")
    page.wait_for_selector("#assignments-table")
    page.select_option("#assign-team", label="Desk West")
    page.locator("#assign-team").locator("xpath=..").locator("button").click()
    expect(page.locator("#assignments-table")).to_contain_text("Desk West")
    assert client_for("browser-cw").get(f"/api/v1/cases/{case_id}").status_code == 200
    # a refusal is shown, not lost: the admin cannot assign themselves
    page.select_option("#assign-user", label="admin")
    page.locator("#assign-user").locator("xpath=..").locator("button").click()
    expect(page.locator("#admin-status")).to_contain_text("may not")

    # nothing of the case itself is on the page
    assert "V-SECRET-77" not in page.content()
    # in Dutch, with the catalogue's words
    page.click("#language-switch")
    expect(page.locator("h1")).to_have_text(word("title", "nl"))
    expect(page.locator("#admin-teams h2")).to_have_text(word("teams", "nl"))
    page.screenshot(path=str(ARTIFACTS / "web-admin-screen.png"), full_page=True)
    assert not errors, errors


def test_every_word_of_the_admin_screen_is_in_the_catalogue() -> None:
    """The screen spells no word itself: each ``w("...")`` (and the menu entry) has English and Dutch."""
    import re
    from pathlib import Path

    js = Path(__file__).resolve().parents[2] / "api" / "web" / "static" / "js"
    used = set(
        re.findall(r"\bw\(\"([a-z0-9_]+)\"\)", (js / "views" / "admin.js").read_text(encoding="utf-8"))
    )
    used |= set(re.findall(r"\badminWord\(\"([a-z0-9_]+)\"\)", (js / "main.js").read_text(encoding="utf-8")))
    defined = catalogue.group("admin_screen")
    assert len(used) > 20 and used <= set(defined), used - set(defined)

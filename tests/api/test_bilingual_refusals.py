"""Issue 13: the busy answer (503) and the refusals (401, 403, 400) carry Dutch beside English, both from the
catalogue (``catalogue/labels.toml``, group ``message``)."""

from __future__ import annotations

import pytest

from casework.settings import Settings
from catalogue import message
from tests.store.test_busy_database import locked


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"db_busy_timeout_ms": 300})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_busy_and_refusals_speak_dutch_and_english(state, client_for, anonymous) -> None:  # type: ignore[no-untyped-def]
    auditor, intake, caseworker = client_for("auditor"), client_for("intake"), client_for("caseworker")
    with locked(state.settings):
        busy = intake.post("/api/v1/cases", json={"reference": "V-WORDS-1"})
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert busy.json()["detail"] == message("database_busy", "en")
    assert busy.json()["detail_nl"] == message("database_busy", "nl")

    unsigned = anonymous.get("/api/v1/cases")
    assert unsigned.status_code == 401
    assert unsigned.json()["detail_nl"] == message("not_signed_in", "nl")

    refused = intake.get("/api/v1/audit/verify")
    assert refused.status_code == 403
    body = refused.json()
    assert "intake_officer" in body["detail"] and "mag dit niet" in body["detail_nl"]

    case_id = intake.post("/api/v1/cases", json={"reference": "V-WORDS-2"}).json()["id"]
    not_released = caseworker.get(f"/api/v1/cases/{case_id}/findings")
    assert not_released.status_code == 403, not_released.text
    assert not_released.json()["detail_nl"] == message("not_released", "nl")

    nul = intake.get("/api/v1/cases/1%00")
    assert nul.status_code == 400 and nul.json()["detail_nl"] == message("nul_in_path", "nl")
    assert nul.headers["x-frame-options"] == "DENY"
    assert auditor.get("/api/v1/audit/verify").json()["ok"] is True

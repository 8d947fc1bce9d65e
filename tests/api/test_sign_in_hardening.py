"""Issue 13, finding 3: sign-in is throttled with backoff, failures are audited, user names cannot be told
apart by timing. Reproduces the finding (many wrong passwords all answered 401 at full speed) and checks
that it is fixed, against the real app and the real argon2 hashes."""

from __future__ import annotations

import statistics
import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from catalogue import message
from tests.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TOKEN = "/api/v1/auth/token"


def _try(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(TOKEN, data={"username": username, "password": password})


def _app_with(state, **settings):  # type: ignore[no-untyped-def]
    state.settings = state.settings.model_copy(update=settings)
    return create_app(state.settings, state=state)


def test_wrong_passwords_lock_the_user_name_out_with_growing_delays(state, users, client_for) -> None:  # type: ignore[no-untyped-def]
    app = _app_with(state, sign_in_free_failures=3, sign_in_base_delay_s=2.0)
    with TestClient(app) as client:
        answers = [_try(client, "intake", "wrong-password").status_code for _ in range(8)]
        # three free failures, the third starts a lockout: the rest are refused without checking a password
        assert answers[:3] == [401, 401, 401], answers
        assert set(answers[3:]) == {429}, answers
        refused = _try(client, "intake", PASSWORD)  # even the right password waits out the lockout
        assert refused.status_code == 429
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 2
        body = refused.json()
        assert body["detail"] == message("sign_in_throttled", "en", seconds=retry_after)
        assert body["detail_nl"] == message("sign_in_throttled", "nl", seconds=retry_after)
        assert "aanmeldpogingen" in body["detail_nl"]
        time.sleep(retry_after + 0.2)
        assert _try(client, "intake", "wrong-password").status_code == 401  # fourth failure: 4 s now
        assert int(_try(client, "intake", PASSWORD).headers["retry-after"]) in (3, 4)
        # another user name from the same address is not locked out by intake's failures alone
        assert _try(client, "caseworker", PASSWORD).status_code == 200
    auditor = client_for("auditor")
    entries = auditor.get("/api/v1/audit", params={"limit": 1000}).json()
    failed = [e for e in entries if e["action"] == "auth.sign_in_failed" and e["actor"] == "intake"]
    throttled = [e for e in entries if e["action"] == "auth.sign_in_throttled" and e["actor"] == "intake"]
    assert len(failed) == 4  # every failure is on record although each request rolled back
    assert len(throttled) == 7
    assert failed[0]["details"]["client"] == "testclient"


def test_one_address_spraying_many_user_names_is_throttled(state, users) -> None:  # type: ignore[no-untyped-def]
    app = _app_with(state, sign_in_address_free_failures=5, sign_in_base_delay_s=30.0)
    with TestClient(app) as client:
        answers = [_try(client, f"guess-{n}", "wrong-password").status_code for n in range(8)]
        assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}, answers
        assert int(_try(client, "someone-else", "x").headers["retry-after"]) > 20


def test_a_success_resets_the_user_names_count(state, users) -> None:  # type: ignore[no-untyped-def]
    app = _app_with(state, sign_in_free_failures=2, sign_in_base_delay_s=0.5)
    with TestClient(app) as client:
        for _ in range(2):
            assert _try(client, "reviewer", "wrong-password").status_code == 401
        assert _try(client, "reviewer", PASSWORD).status_code == 429
        time.sleep(0.6)
        assert _try(client, "reviewer", PASSWORD).status_code == 200  # the count starts again from zero
        for _ in range(2):
            assert _try(client, "reviewer", "wrong-password").status_code == 401


def test_unknown_users_take_as_long_as_wrong_passwords(state, users) -> None:  # type: ignore[no-untyped-def]
    """Before: 23 ms for an unknown user, 127 ms for a wrong password. Medians of 20 tries each, interleaved
    so that the machine's load affects both alike, must lie within 30 % of each other."""
    app = _app_with(state, sign_in_free_failures=1000, sign_in_address_free_failures=1000)
    unknown: list[float] = []
    wrong: list[float] = []
    with TestClient(app) as client:
        _try(client, "warm-up", "x")
        for n in range(20):
            for username, times in ((f"nobody-{n}", unknown), ("auditor", wrong)):
                started = time.perf_counter()
                assert _try(client, username, "wrong-password").status_code == 401
                times.append(time.perf_counter() - started)
    median_unknown, median_wrong = statistics.median(unknown), statistics.median(wrong)
    assert median_wrong > 0.005  # argon2 really runs (a real hash, not a shortcut)
    assert abs(median_unknown - median_wrong) / median_wrong < 0.30, (median_unknown, median_wrong)

"""schemathesis against the app's own OpenAPI schema, signed in as every role: 0 server errors (issue 13).

Every operation of ``/openapi.json`` gets a small, bounded number of generated requests (valid and
schema-violating: out-of-range ids, NUL bytes, odd strings) for each role, against a database holding a
real case with an approved authorisation, so lookups hit existing rows as well as missing ones. A domain
error must come back as a 4xx with a message; any 5xx fails the test, listing every one it found with the
request that caused it. A 503 counts as a server error too: nothing here makes the database busy.

Budget: ``REISROUTE_SCHEMATHESIS_EXAMPLES`` requests per operation and role for the roles the route admits (default 4; one for the roles it refuses), which keeps the run
around a minute on the 2-core CI machine; raise it locally for a deeper run.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import pytest

from legal_basis.roles import Role
from tests.api.routes import api_routes
from tests.conftest import sign_in
from tests.legal_basis.helpers import approved_case

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

EXAMPLES_PER_OPERATION = int(os.environ.get("REISROUTE_SCHEMATHESIS_EXAMPLES", "4"))
ROLE_USERS = {
    None: None,  # anonymous: every gated route must answer 401, never 500
    Role.INTAKE_OFFICER: "intake",
    Role.AUTHORISING_OFFICIAL: "authoriser",
    Role.CASEWORKER: "caseworker",
    Role.LEGAL_REVIEWER: "reviewer",
    Role.COMPLIANCE_AUDITOR: "auditor",
    Role.ADMIN: "admin",
}
# Signing out ends every session of the user, which would turn the rest of the run into 401s.
SKIPPED_PATHS = ("/sign-out",)


@dataclass(frozen=True)
class ServerError:
    role: str
    method: str
    path: str
    status: int
    body: str
    curl: str


class CatchServerErrors:
    """The app as schemathesis calls it: an exception that escapes the app (Starlette answers it with a 500
    and re-raises it) is kept as the cause of that 500 instead of ending the run."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.last_error: str = ""

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if not started:
                await send({"type": "http.response.start", "status": 500, "headers": []})
                await send({"type": "http.response.body", "body": b""})


def _fuzz_operation(  # type: ignore[no-untyped-def]
    strategy, operation, examples: int, headers: dict[str, str], role: str, found: list[ServerError], guard
) -> int:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable

    calls = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests on every run: a failure here reproduces
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        guard.last_error = ""
        try:
            response = case.call(headers=headers, timeout=120)
        except Exception as exc:  # the app hung or the transport broke: a finding, not the end of the run
            found.append(ServerError(role, operation.method.upper(), operation.path, 0, repr(exc)[:300], ""))
            return
        if response.status_code >= 500:
            found.append(
                ServerError(
                    role=role,
                    method=operation.method.upper(),
                    path=operation.path,
                    status=response.status_code,
                    body=guard.last_error or response.text[:300],
                    curl=case.as_curl_command(headers=headers)[:500],
                )
            )

    try:
        run()
    except Unsatisfiable:  # nothing to break: a negative case of an operation without inputs does not exist
        pass
    return calls


def _operations(schema):  # type: ignore[no-untyped-def]
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith(SKIPPED_PATHS):
            continue
        yield operation


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_server_errors_for_any_role(app, client_for) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    case_id, device_id, authorisation_id = approved_case(intake, authoriser)
    guard = CatchServerErrors(app)
    schema = schemathesis.openapi.from_asgi("/openapi.json", guard)
    tokens = {}
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        for role, username in ROLE_USERS.items():
            if username is not None:
                tokens[role] = sign_in(client, username)
        # build the gazetteer index once (~15 s on first use) so no generated request waits for it
        warm = client.get(
            "/api/v1/gazetteer",
            params={"q": "Halab"},
            headers={"Authorization": f"Bearer {tokens[Role.CASEWORKER]}"},
        )
        assert warm.status_code == 200, warm.text

    from schemathesis import GenerationMode

    gates = {(method, rule.path): rule.gate for rule in api_routes(app) for method in rule.methods}
    known_ids = {"case_id": case_id, "device_id": device_id, "authorisation_id": authorisation_id}
    found: list[ServerError] = []
    calls = 0
    operations = 0
    started = time.monotonic()
    for operation in _operations(schema):
        operations += 1
        gate = gates.get((operation.method.upper(), operation.path))
        pinned = {name: value for name, value in known_ids.items() if "{" + name + "}" in operation.path}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),  # out of schema: wrong types, missing fields
        ]
        if pinned:  # the real case: lookups succeed and the handler's own code runs
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned))
        for role in ROLE_USERS:
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role is not None else {}
            allowed = role is not None and (gate is None or role in gate.roles)
            # a refused role is answered by the gate before any handler code: one request shows it is a 4xx
            for strategy in strategies if allowed else strategies[:1]:
                examples = EXAMPLES_PER_OPERATION if allowed else 1
                calls += _fuzz_operation(
                    strategy, operation, examples, headers, str(role or "anonymous"), found, guard
                )
    elapsed_s = time.monotonic() - started
    print(
        f"schemathesis: {operations} operations, {calls} requests, {len(found)} server errors, {elapsed_s:.1f} s"
    )
    assert operations >= 30
    assert calls >= operations * len(ROLE_USERS)
    report = "\n".join(
        f"{error.status} {error.role} {error.method} {error.path}: {error.body}\n    {error.curl}"
        for error in found
    )
    assert not found, f"{len(found)} server errors:\n{report}"

"""The demo seeds a complete case whose findings cover every status, and a case waiting for approval."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.demo import seed_demo
from store.models import Authorisation, Case, FindingRow, FindingSet

pytestmark = [pytest.mark.device, pytest.mark.slow]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_seeds_complete_case(state) -> None:
    try:
        lines = list(seed_demo(state))
        assert any("V-DEMO-0001" in line for line in lines)
        with state.session_factory() as session:
            case = session.scalar(select(Case).where(Case.reference == "V-DEMO-0001"))
            finding_set = session.scalar(select(FindingSet).where(FindingSet.case_id == case.id))
            assert finding_set.released_at is not None
            statuses = set(
                session.scalars(select(FindingRow.status).where(FindingRow.finding_set_id == finding_set.id))
            )
            assert statuses == {"consistent", "inconsistent", "no_data", "inconclusive"}
            waiting = session.scalar(select(Case).where(Case.reference == "V-DEMO-0002"))
            assert (
                session.scalar(select(Authorisation.status).where(Authorisation.case_id == waiting.id))
                == "requested"
            )
        # seeding again leaves the demo as it is
        again = list(seed_demo(state))
        assert any("already present" in line for line in again)
    finally:
        for simulator in state.extras.get("simulators", {}).values():
            if hasattr(simulator, "stop"):
                simulator.stop()

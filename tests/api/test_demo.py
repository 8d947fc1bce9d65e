"""The demo seeds a complete case whose findings cover every status, and a case waiting for approval."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.demo.seed import seed_demo
from store.models import Authorisation, Case, Device, FindingRow, FindingSet

pytestmark = [pytest.mark.device, pytest.mark.slow]


def pdf_text(pdf: bytes, path) -> str:  # noqa: ANN001
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (Debian poppler-utils) is needed: apt-get install poppler-utils")
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(result.stdout.split())


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
            # the relative phrase ("two weeks after Eid") is listed as not judged, never left out
            assert statuses == {"consistent", "inconsistent", "no_data", "inconclusive", "not_judged"}
            rows = list(
                session.scalars(select(FindingRow).where(FindingRow.finding_set_id == finding_set.id))
            )
            assert len(rows) == 13
            vienna = [
                row.data
                for row in rows
                if "Wenen" in row.data.get("place_used", "") or "Vienna" in row.data.get("place_used", "")
            ]
            assert vienna and all(item["near_miss_en"] and item["near_miss_nl"] for item in vienna), vienna
            # the demo phone's make, model and serial as the simulated phone reports them (not "–")
            device = session.scalar(select(Device).where(Device.case_id == case.id))
            assert device.make and device.model and device.serial, (device.make, device.model, device.serial)
            waiting = session.scalar(select(Case).where(Case.reference == "V-DEMO-0002"))
            assert (
                session.scalar(select(Authorisation.status).where(Authorisation.case_id == waiting.id))
                == "requested"
            )
        # the demo case's PDF for the case file opens and carries every section
        from api.reports.report import build_case_report

        pdf = build_case_report(state, case.id, language="en", released_only=True)
        text = pdf_text(pdf, state.settings.data_dir / "demo.pdf")
        for fact in (
            "V-DEMO-0001",
            "55 lid 2",
            "custody",
            "Limitations",
            "not the person",
            "Inconsistent",
            "No data",
            "Inconclusive",
            "Consistent",
        ):
            assert fact.lower() in text.lower(), fact
        # the job form can offer the running simulated phones by name, with the Android one's random port
        from casework.demo.case import running_demo_phones

        phones = {phone.kind: phone for phone in running_demo_phones(state)}
        assert phones["adb"].port == state.extras["simulators"]["android"].port
        assert device.model in phones["adb"].name and phones["adb"].serial == device.serial
        # seeding again leaves the demo as it is
        again = list(seed_demo(state))
        assert any("already present" in line for line in again)
    finally:
        for simulator in state.extras.get("simulators", {}).values():
            if hasattr(simulator, "stop"):
                simulator.stop()

"""The PDF case report for a released case, read back with poppler: key facts in the extracted text,
fonts embedded, pages rendered as artifacts, and who may fetch which report when."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

import catalogue
from api.reports.map import COLOUR_ROUTE, COLOUR_SEA
from api.reports.report import DRAFT_WATERMARK
from store.models import AuditEntry
from tests.legal_basis.helpers import GROUND
from tests.reports.conftest import PEOPLE, REFERENCE

pytestmark = pytest.mark.device


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} not found: install Debian's poppler-utils (listed in .ci/apt-packages.txt)"
    return path


def pdf_text(path: Path, *, page: int | None = None) -> str:
    """The PDF's text, whitespace collapsed (line breaks in table cells do not matter)."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", *pages, str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return " ".join(result.stdout.split())


def page_count(path: Path) -> int:
    result = subprocess.run([_tool("pdfinfo"), str(path)], capture_output=True, check=True, text=True)
    line = next(line for line in result.stdout.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


def fetch(client, case_id: int, **params):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/cases/{case_id}/report.pdf", params=params)


@pytest.fixture(scope="module")
def english_report(released_case, artifacts_dir) -> tuple[Path, bytes, dict[str, str]]:  # type: ignore[no-untyped-def]
    response = fetch(released_case.clients["caseworker"], released_case.case_id, language="en")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    path = artifacts_dir / "case-report-en.pdf"
    path.write_bytes(response.content)
    return path, response.content, dict(response.headers)


def test_released_report_states_the_key_facts(released_case, english_report) -> None:
    path, content, headers = english_report
    text = pdf_text(path)
    state = released_case.state
    reviewer = released_case.clients["reviewer"]

    assert content.startswith(b"%PDF-")
    assert REFERENCE in text
    assert released_case.phone.serial in text
    assert state.policy.ground(GROUND).statute in text
    # who requested, who approved (Turkish letters), who released (Greek letters): as printed, not mangled
    assert PEOPLE["intake"][1] in text
    assert PEOPLE["authoriser"][1] in text
    assert PEOPLE["reviewer"][1] in text
    # the custody manifest hash as the extraction report computes it
    job_report = reviewer.get(f"/api/v1/jobs/{released_case.job_id}/report").json()
    assert job_report["custody_manifest_sha256"] in text
    assert str(job_report["totals"]["items"]) in text
    for version in job_report["tool_versions"].values():
        if isinstance(version, str):
            assert version in text
    # the country sequence, from the route the API serves
    summary = reviewer.get(f"/api/v1/cases/{released_case.case_id}/route/summary").json()
    assert summary["country_visits"], "the simulated journey crosses several countries"
    for visit in summary["country_visits"]:
        assert f"({visit['iso_a2']})" in text
    # every claim's status, in words; the physically impossible one and the one before the first record
    statuses = released_case.statuses
    ter_apel, damascus = released_case.claim_ids[3], released_case.claim_ids[2]
    assert statuses[ter_apel] == "inconsistent" and statuses[damascus] == "no_data"
    for status in set(statuses.values()):
        assert catalogue.label("finding_status", status, "en", long=True) in text
    assert "Van 25 tot 31 mei 2024".lower() in text.lower()
    # limitations: the data locates the device, and the software decides nothing
    assert "The data locates the device, not the person." in text
    assert "The software does not decide the application" in text
    received = summary["statistics"]["flagged_points"]["RECEIVED"]
    assert received > 0, "the simulated phone holds photos received over messaging"
    assert f"{received} position(s) came from photos the device received from elsewhere" in text
    # the audit-log head at the time of the report is the head just before its own issuance entry
    with state.session_factory() as session:
        issued = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report.pdf").order_by(AuditEntry.seq.desc())
        ).first()
        assert issued is not None
        head = session.get(AuditEntry, issued.details["audit_head_seq"])
        assert head is not None and head.seq < issued.seq
        head_hash = head.hash
    assert f"seq {head.seq}" in text and head_hash in text
    assert issued.details["sha256"] == hashlib.sha256(content).hexdigest() == headers["x-report-sha256"]
    assert issued.details["released"] is True and issued.actor == "caseworker"
    # a released report carries no draft mark
    assert "DRAFT" not in text and "CONCEPT" not in text


def test_dutch_report_has_dutch_wording_and_both_explanations(released_case, artifacts_dir) -> None:
    response = fetch(released_case.clients["caseworker"], released_case.case_id)  # Dutch by default
    assert response.status_code == 200, response.text
    path = artifacts_dir / "case-report-nl.pdf"
    path.write_bytes(response.content)
    text = pdf_text(path)
    assert "Wettelijke grondslag en machtiging" in text and "Bewaarketen" in text
    assert "De gegevens tonen waar het toestel was, niet waar de persoon was." in text
    for status in set(released_case.statuses.values()):
        assert catalogue.label("finding_status", status, "nl", long=True) in text
    findings = (
        released_case.clients["reviewer"]
        .get(
            f"/api/v1/cases/{released_case.case_id}/findings",
            params={"finding_set_id": released_case.released_set_id},
        )
        .json()["findings"]
    )
    for finding in findings:
        for key in ("explanation_nl", "explanation_en"):
            assert " ".join(finding[key].split())[:60] in text


def test_fonts_are_embedded(english_report) -> None:
    path, _, _ = english_report
    result = subprocess.run([_tool("pdffonts"), str(path)], capture_output=True, check=True, text=True)
    rows = [line.split() for line in result.stdout.splitlines()[2:] if line.strip()]
    assert rows, result.stdout
    names = [row[0] for row in rows]
    assert any("DejaVuSans" in name for name in names), names
    # columns from the right: object id (2), uni, sub, emb
    not_embedded = [row[0] for row in rows if row[-5] != "yes"]
    assert not not_embedded, f"fonts not embedded: {not_embedded}\n{result.stdout}"


def test_pages_render_and_the_map_is_drawn(english_report, artifacts_dir) -> None:
    path, _, _ = english_report
    prefix = artifacts_dir / "case-report-en-page"
    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(prefix)], check=True
    )
    (first_page,) = sorted(artifacts_dir.glob("case-report-en-page-*1.png"))
    with Image.open(first_page) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert abs(height / width - 297 / 210) < 0.02  # A4 portrait
    text_first_page = pdf_text(path, page=1)
    assert REFERENCE in text_first_page and "Travel route report" in text_first_page

    map_pages = [p for p in range(1, page_count(path) + 1) if "Natural Earth" in pdf_text(path, page=p)]
    assert map_pages, "the route section with its map caption is missing"
    result = subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "60", "-f", str(map_pages[0]), "-l", str(map_pages[0]), str(path)],
        capture_output=True,
        check=True,
    )
    (artifacts_dir / "case-report-en-map-page.png").write_bytes(result.stdout)
    with Image.open(io.BytesIO(result.stdout)) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []

    def share(hex_colour: str, tolerance: int = 12) -> float:
        target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        near = sum(
            count
            for count, rgb in colours
            if all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))
        )
        return near / sum(count for count, _ in colours)

    assert share(COLOUR_SEA) > 0.02, "no sea drawn: the base map is missing"
    assert share(COLOUR_ROUTE, tolerance=40) > 0.0005, "no route drawn on the map"


def test_who_may_fetch_the_report_and_when(released_case, artifacts_dir) -> None:
    clients, case_id = released_case.clients, released_case.case_id
    # caseworkers: 403 before release (LEGAL 4), 200 after; never a draft
    assert released_case.caseworker_status_before_release == 403
    assert fetch(clients["caseworker"], case_id).status_code == 200
    assert fetch(clients["caseworker"], case_id, draft=True).status_code == 403
    # roles outside the rule: refused
    for username in ("intake", "authoriser"):
        assert fetch(clients[username], case_id).status_code == 403, username
    # reviewer and auditor: the released set by default, the latest set as a watermarked draft on request
    for username in ("reviewer", "auditor"):
        response = fetch(clients[username], case_id, language="en")
        assert response.status_code == 200, response.text
        assert f"findings{released_case.released_set_id}-en.pdf" in response.headers["content-disposition"]
    response = fetch(clients["reviewer"], case_id, language="en", draft=True)
    assert response.status_code == 200, response.text
    path = artifacts_dir / "case-report-en-DRAFT.pdf"
    path.write_bytes(response.content)
    assert "DRAFT" in response.headers["content-disposition"]
    text = pdf_text(path)
    assert DRAFT_WATERMARK in text
    assert f"Finding set #{released_case.draft_set_id}" in text
    assert "NOT RELEASED" in text
    # an explicitly named set, and one that does not exist
    response = fetch(clients["auditor"], case_id, finding_set_id=released_case.released_set_id)
    assert response.status_code == 200
    assert fetch(clients["auditor"], case_id, finding_set_id=999_999).status_code == 404
    assert fetch(clients["reviewer"], 999_999).status_code == 404
    with released_case.state.session_factory() as session:
        issued = session.scalars(select(AuditEntry).where(AuditEntry.action == "report.pdf")).all()
    assert {e.actor for e in issued} >= {"caseworker", "reviewer", "auditor"}
    assert any(e.details["released"] is False for e in issued)


def test_report_speaks_in_visits_before_the_stays(released_case, english_report) -> None:
    import re

    path, _, _ = english_report
    text = " ".join(pdf_text(path).split())
    summary = (
        released_case.clients["reviewer"].get(f"/api/v1/cases/{released_case.case_id}/route/summary").json()
    )
    visits = summary["statistics"]["visits"]
    assert visits >= 1
    visits_at = text.index("Visits (time at one place")
    stays_at = text.index("Stays (within about 200 m")
    assert visits_at < stays_at
    # one row per visit: records with (days with records / days)
    rows = re.findall(r"\d+ \(\d+/\d+\)", text[visits_at:stays_at])
    assert len(rows) == visits

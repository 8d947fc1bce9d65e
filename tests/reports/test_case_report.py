"""The PDF case report for a released case, read back with poppler: key facts in the extracted text,
fonts embedded, pages rendered as artifacts, and who may fetch which report when."""

from __future__ import annotations

import hashlib
import io
import re
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
    for stale in artifacts_dir.glob("case-report-en-page-*.png"):  # from an earlier run with other page counts
        stale.unlink()
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


# --- what a reader of the printed report trips over (issue 14) --------------------------------------------

#: English words that must not appear in the Dutch report once the user's own free text (purpose, notes,
#: the English explanation printed beside the Dutch one, the claim as said) is taken out. Proper names
#: and codes (artifact ids, tool names, shell commands, ISO country codes such as AT) are not words here;
#: the match is case-sensitive for that reason. Words both languages share ("over", "in") are left out.
ENGLISH_WORDS = (
    "the", "and", "with", "without", "from", "before", "after", "within", "only", "not", "to", "at", "for",
    "found", "not_found", "low", "normal", "high", "record", "records", "points", "bracket", "border",
    "near", "whole", "file", "command", "first", "manufacturer", "timezone", "os_version", "duplicate",
    "received", "offset", "job", "page", "device", "clock", "yes", "none", "unknown", "stays", "crossing",
    "country", "hours", "Page", "Job", "Stays", "Country", "Records", "Consent", "Signature",
)  # fmt: skip


def _dutch_text_without_free_text(released_case, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """The Dutch PDF of the released case, rendered from the real collected facts with the free text that
    people typed (and the English explanation printed beside the Dutch one) replaced by a marker."""
    import dataclasses

    from api.reports import render_case_report
    from casework.report_facts import collect_report_data

    state = released_case.state
    with state.session_factory() as session:
        data = collect_report_data(
            session,
            state.policy,
            released_case.case_id,
            data_dir=state.settings.data_dir,
            evidence=state.evidence,
            finding_set_id=released_case.released_set_id,
        )
    typed = "XXX"
    data = dataclasses.replace(
        data,
        title=typed,
        release_note=typed,
        authorisations=tuple(
            dataclasses.replace(a, purpose=typed, necessity=typed, milder_means=(), decision_reason=typed)
            for a in data.authorisations
        ),
        consents=tuple(dataclasses.replace(c, interpreter=typed) for c in data.consents),
        findings=tuple(
            dataclasses.replace(f, explanation_en=typed, time_text=typed, place_text=typed)
            for f in data.findings
        ),
        claims_not_matched=(),
    )
    path = tmp_path / "nl.pdf"
    path.write_bytes(render_case_report(data, language="nl"))
    return pdf_text(path)


def test_dutch_report_has_no_english_words(released_case, tmp_path: Path) -> None:
    import re

    text = _dutch_text_without_free_text(released_case, tmp_path)
    found = sorted(
        {word for word in ENGLISH_WORDS if re.search(rf"(?<![\w./:-]){re.escape(word)}(?![\w./:-])", text)}
    )
    context = {w: re.findall(rf".{{0,40}}(?<![\w./:-]){w}(?![\w./:-]).{{0,40}}", text)[:2] for w in found}
    assert not found, f"English in the Dutch report: {context}"
    # the router's notes and the crossing confidence are in Dutch too
    assert "laag" in text and "grenspunt binnen" in text


def _header_words(language: str) -> set[str]:
    """The words of the report's headings and labels in one language (5 letters or more)."""
    from api.reports.text import TEXT

    words = set()
    for value in TEXT[language].values():  # type: ignore[index]
        if "{" not in value and len(value) <= 60:
            words |= {w.strip("():,.") for w in value.split() if len(w.strip("():,.")) >= 5}
    return words


def _vocabulary(language: str) -> set[str]:
    """Every word the report's own sentences use in one language, lower case."""
    from api.reports.text import TEXT

    return {
        w.strip("():,.;“”'").lower()
        for value in TEXT[language].values()  # type: ignore[index]
        for w in re.sub(r"\{[^}]*\}", " ", value).split()
    }


@pytest.mark.parametrize("language", ["nl", "en"])
def test_headings_never_break_inside_a_word(released_case, artifacts_dir, language: str) -> None:
    path = artifacts_dir / f"case-report-{language}.pdf"
    response = fetch(released_case.clients["caseworker"], released_case.case_id, language=language)
    path.write_bytes(response.content)
    text = pdf_text(path)
    vocabulary = _vocabulary(language)
    # a heading broken inside a word shows as two pieces, at least one of which is no word of the report's
    # language ("Machtigi ng", "Items a cquired"); two real words in a row ("with in", "bevinding en") are fine
    broken = sorted(
        f"{word[:i]} {word[i:]}"
        for word in _header_words(language)
        for i in range(1, len(word))
        if f"{word[:i]} {word[i:]}" in text
        and not (word[:i].lower() in vocabulary and word[i:].lower() in vocabulary)
    )
    assert not broken, f"words broken in two: {broken}"
    assert "Machtiging" in text or "Authorisation" in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_says_page_n_of_m(released_case, artifacts_dir, language: str) -> None:
    path = artifacts_dir / f"case-report-{language}.pdf"
    path.write_bytes(
        fetch(released_case.clients["caseworker"], released_case.case_id, language=language).content
    )
    pages = page_count(path)
    assert pages >= 3
    word, of = ("Pagina", "van") if language == "nl" else ("Page", "of")
    for page in range(1, pages + 1):
        assert f"{word} {page} {of} {pages}" in pdf_text(path, page=page), page


def test_local_time_beside_utc_window_end_epochs_and_signature(released_case, english_report) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    path, _, _ = english_report
    text = pdf_text(path)
    summary = (
        released_case.clients["reviewer"].get(f"/api/v1/cases/{released_case.case_id}/route/summary").json()
    )
    checked = 0
    for stay in summary["stays"]:
        zone, start = stay["time_zone"], stay["stay"]["start_utc"]
        if not zone or zone == "UTC":
            continue
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
        local = moment.astimezone(ZoneInfo(zone))
        hours = int(local.utcoffset().total_seconds() // 3600)  # type: ignore[union-attr]
        assert f"{local:%Y-%m-%d %H:%M} (+{hours:02d}:00)" in text, (zone, local)
        assert f"{moment:%H:%M} UTC" in text
        checked += 1
    assert checked >= 3, summary["stays"]
    # the window's end is the end of a day, not a start at midnight
    assert "2024-12-30, to the end of the day (2024-12-31 00:00 UTC)" in text
    # a device property holding a Unix time in ms is shown as a date, with the raw value beside it
    boot = released_case.phone.boot_time_utc
    assert f"{boot:%Y-%m-%d %H:%M}" in text and f"(stored as {int(boot.timestamp() * 1000)})" in text
    # the legal reviewer's release, with lines to sign
    release = text[text.index("8. Release by the legal reviewer") :]
    assert PEOPLE["reviewer"][1] in release and "Signature" in release and "Place and date" in release


def test_findings_against_the_claim_carry_a_map_excerpt(released_case, english_report, artifacts_dir) -> None:
    path, _, _ = english_report
    text = pdf_text(path)
    ter_apel = released_case.claim_ids[3]  # inconsistent: the device was in Greece then
    assert released_case.statuses[ter_apel] == "inconsistent"
    assert text.count("Map excerpt: the claimed place") == sum(
        1
        for status in released_case.statuses.values()
        if status in ("inconsistent", "only_by_air", "inconclusive")
    )
    listed = subprocess.run(
        [_tool("pdfimages"), "-list", str(path)], capture_output=True, check=True, text=True
    )
    images = [line for line in listed.stdout.splitlines()[2:] if line.strip()]
    assert len(images) >= 2, listed.stdout  # the route map and at least one excerpt
    page = next(p for p in range(1, page_count(path) + 1) if "Map excerpt" in pdf_text(path, page=p))
    result = subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "70", "-f", str(page), "-l", str(page), str(path)],
        capture_output=True,
        check=True,
    )
    (artifacts_dir / "case-report-en-claim-map-page.png").write_bytes(result.stdout)

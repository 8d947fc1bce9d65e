"""The register of processing (AVG/GDPR art. 30): generated from the policy and the data, in en and nl."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import catalogue
from api.reports.register import render_register
from casework.compliance.register import register_facts
from legal_basis.policy import DEFAULT_POLICY_FILE, load_policy
from store.types import utcnow
from tests.legal_basis.helpers import approved_case

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SECOND_POLICY = Path(__file__).parent / "policies" / "second_policy.yaml"


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext not found: install Debian's poppler-utils"
    path = tmp_path / f"register-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True).stdout
    return " ".join(text.decode("utf-8").split())


def render(state, policy, language, tmp_path) -> str:  # type: ignore[no-untyped-def]
    with state.session_factory() as session:
        facts = register_facts(session, policy, now=utcnow())
    return pdf_text(render_register(facts, language=language), tmp_path)


def test_register_for_the_shipped_policy_in_both_languages(client_for, state, tmp_path) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser, auditor = client_for("intake"), client_for("authoriser"), client_for("auditor")
    approved_case(intake, authoriser, "V-REG-1", "G1")
    ground = state.policy.grounds[0]
    texts = {}
    for language in ("en", "nl"):
        response = auditor.get("/api/v1/compliance/register.pdf", params={"language": language})
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        texts[language] = pdf_text(response.content, tmp_path)
    en, nl = texts["en"], texts["nl"]
    assert "Register of processing activities" in en and "Register van verwerkingsactiviteiten" in nl
    for text in (en, nl):
        assert ground.statute in text and ground.id in text and state.policy.full_version in text
    assert f"{ground.retention_days} days" in en and f"{ground.retention_days} dagen" in nl
    assert ground.title_en in en and ground.title_nl in nl
    for category in ground.allowed_categories:
        assert catalogue.label("data_category", category, "en") in en
        assert catalogue.label("data_category", category, "nl") in nl
    # never-acquired categories, recipients by role, volumes from the data
    assert catalogue.label("data_category", "message_content", "nl") in nl
    assert catalogue.label("role", "legal_reviewer", "en") in en
    assert "1 authorisation(s) requested, 1 approved" in en
    assert "informed consent of the applicant, recorded" in en
    # producing it is audited with its digest
    entries = auditor.get("/api/v1/compliance/audit", params={"action": "compliance.register"}).json()
    assert len(entries["entries"]) == 2 and {e["details"]["language"] for e in entries["entries"]} == {
        "en",
        "nl",
    }


def test_register_for_a_second_policy_and_when_the_policy_changes(state, tmp_path) -> None:  # type: ignore[no-untyped-def]
    second = load_policy(SECOND_POLICY)
    text = render(state, second, "en", tmp_path)
    assert "example-statutory@2027.1" in text and "Example Act 2027, s. 12(3)" in text
    assert "example-identity-statute" in text and "example-consent" in text
    assert "90 days" in text and "240 days" in text and "Default period: 180 days" in text
    assert state.policy.grounds[0].statute not in text  # nothing of the shipped policy
    assert catalogue.label("data_category", "device_identity", "en") in text
    # purpose binding per ground: the identity ground permits identity only, visible to legal reviewers
    assert catalogue.label("evaluation", "identity_nationality", "en") in text
    assert text.count(catalogue.label("evaluation", "route_reconstruction", "en")) == 1  # the consent ground
    assert f"Results visible to {catalogue.label('role', 'legal_reviewer', 'en')}" in text
    nl = render(state, second, "nl", tmp_path)
    assert "Vaststellen van identiteit en nationaliteit" in nl

    # change the shipped policy: the register follows
    before = render(state, load_policy(DEFAULT_POLICY_FILE), "nl", tmp_path)
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
        .replace("retention_days: 365\n", "retention_days: 200\n")
        .replace('version: "2026.1"', 'version: "2026.2"'),
        encoding="utf-8",
    )
    after = render(state, load_policy(changed), "nl", tmp_path)
    assert after != before
    assert "200 dagen" in after and "nl-default@2026.2" in after and "nl-default@2026.1" not in after

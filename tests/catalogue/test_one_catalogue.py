"""The words for a code live in one place: change the catalogue and the PDF, the API and the page change."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import catalogue
from api.reports.report import render_case_report
from catalogue import labels
from tests.reports.test_render import _text, make_report_data

WEB_JS = Path(__file__).resolve().parents[2] / "api" / "web" / "static" / "js"


def test_every_label_has_both_languages_and_every_finding_status_a_sentence_and_colour() -> None:
    for group_name in catalogue.GROUPS:
        for item in catalogue.group(group_name).values():
            assert item.en and item.nl and item.en != "" and item.nl != ""
    for item in catalogue.group("finding_status").values():
        assert item.en_long and item.nl_long and item.colour
    assert {"consistent", "inconsistent", "only_by_air", "no_data", "inconclusive", "not_judged"} <= set(
        catalogue.group("finding_status")
    )


@pytest.fixture
def changed_word(monkeypatch: pytest.MonkeyPatch) -> str:
    """The catalogue with one changed word for 'inconsistent' (both languages), as a translator would."""
    original = labels._load()
    sentinel = "Zzq-changed-word"
    changed = {name: dict(group) for name, group in original.items()}
    changed["finding_status"]["inconsistent"] = dataclasses.replace(
        original["finding_status"]["inconsistent"],
        en=sentinel,
        nl=sentinel,
        en_long=f"{sentinel}: long",
        nl_long=f"{sentinel}: lang",
    )
    monkeypatch.setattr(labels, "_load", lambda: changed)
    return sentinel


def test_the_pdf_takes_the_status_words_from_the_catalogue(changed_word: str, tmp_path: Path) -> None:
    for language in ("en", "nl"):
        text = _text(render_case_report(make_report_data(), language=language), tmp_path)
        assert f"{changed_word}:" in text


def test_the_api_serves_the_catalogue_to_the_page(changed_word: str, app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        served = client.get("/api/v1/catalogue").json()
    assert served["finding_status"]["inconsistent"]["nl"] == changed_word
    assert served["job_state"]["completed"] == {"en": "Completed", "nl": "Voltooid"}


def test_the_page_spells_out_no_catalogue_word_itself() -> None:
    """The page's own dictionaries hold no word for a code the catalogue defines (the page loads them)."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in WEB_JS.rglob("*.js"))
    for group_name, prefix in (
        ("finding_status", "finding"),
        ("job_state", "job"),
        ("authorisation_state", "authorisation"),
        ("artifact_outcome", "outcome"),
    ):
        for code in catalogue.group(group_name):
            assert not re.search(rf"^\s*{prefix}_{code}\s*:", sources, flags=re.M), f"{prefix}_{code} in js"
    assert "loadCatalogue" in (WEB_JS / "main.js").read_text(encoding="utf-8")

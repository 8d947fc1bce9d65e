"""The case report as PDF: one document per set of findings, for the case file.

``build_case_report(state, case_id, finding_set_id=..., language="nl"|"en")`` reads the case in one
session (``casework.report_facts``) and lays it out with reportlab platypus, with DejaVu embedded
(``api.reports.fonts``) and the route map drawn by matplotlib (``api.reports.map``).

The parts: ``text`` (the report's own words in en/nl; code labels come from ``catalogue``), ``formatting``
(times, durations, sizes), ``layout`` (styles, tables, page frame with "page N of M"), and ``sections``
(one module per section, in the order below). This module only assembles them.

Sections: case and device identity; legal ground and authorisation; chain of custody; route (map,
country sequence, crossings, stays); claims and findings (status in words, evidence both ways,
explanations in Dutch and English); limitations; integrity (audit-log head and latest anchor); the legal
reviewer's release with a signature block. A finding set not yet released by a legal reviewer prints as a
draft, watermarked on every page. There is no score anywhere: each claim stands alone, and the software
decides nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from api.reports.context import ReportContext, Story
from api.reports.errors import ReportError
from api.reports.fonts import register_fonts
from api.reports.formatting import (  # noqa: F401 (re-exported: tests and callers import them from here)
    format_bytes,
    format_date,
    format_distance,
    format_duration,
    format_signed_duration,
    format_utc,
)
from api.reports.layout import Layout, numbered_canvas, page_decorator
from api.reports.sections.claims import claims_section, status_colour  # noqa: F401
from api.reports.sections.custody import custody_section
from api.reports.sections.front import front_section
from api.reports.sections.identity import identity_section
from api.reports.sections.integrity import integrity_section
from api.reports.sections.legal import legal_section
from api.reports.sections.limitations import limitations_section
from api.reports.sections.release import release_section
from api.reports.sections.route import route_section
from api.reports.text import DRAFT_WATERMARK, TEXT, Language, Words
from casework.report_facts import CaseReportData, collect_report_data
from casework.state import AppState

__all__ = [
    "DRAFT_WATERMARK",
    "CaseReport",
    "build_case_report",
    "produce_case_report",
    "render_case_report",
]


def _check_language(language: str) -> None:
    if language not in TEXT:
        raise ReportError(f"report language must be one of {sorted(TEXT)}, not {language!r}")


def report_story(ctx: ReportContext, map_png: bytes | None) -> Story:
    """Every section, in print order."""
    return (
        front_section(ctx)
        + identity_section(ctx)
        + legal_section(ctx)
        + custody_section(ctx)
        + route_section(ctx, map_png)
        + claims_section(ctx)
        + limitations_section(ctx)
        + integrity_section(ctx)
        + release_section(ctx)
    )


def render_case_report(
    data: CaseReportData,
    *,
    language: Language = "nl",
    map_png: bytes | None = None,
    claim_maps: dict[int, bytes] | None = None,
) -> bytes:
    """Lay out collected report data as PDF bytes (A4, fonts embedded). ``claim_maps``: claim id → PNG of
    the claim's map excerpt (see :func:`claim_map_excerpts`)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    from api.reports.layout import PAGE_MARGIN_MM

    _check_language(language)
    fonts = register_fonts()
    words = Words(language)
    ctx = ReportContext(data=data, words=words, layout=Layout(fonts), claim_maps=dict(claim_maps or {}))
    buffer = io.BytesIO()
    status = "released" if data.released else "DRAFT"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=PAGE_MARGIN_MM * mm,
        rightMargin=PAGE_MARGIN_MM * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{words('title')} {data.reference} — finding set {data.finding_set_id} ({status})",
        author="reisroute",
        subject=words("subtitle"),
        creator="reisroute api.reports",
        invariant=False,
        initialFontName=fonts.regular,
    )
    decorate = page_decorator(data, words, fonts)
    document.build(
        report_story(ctx, map_png),
        onFirstPage=decorate,
        onLaterPages=decorate,
        canvasmaker=numbered_canvas(words, fonts),
    )
    return buffer.getvalue()


def claim_map_excerpts(data: CaseReportData, language: Language) -> dict[int, bytes]:
    """A map excerpt for each finding against the claim or short of confirming it (claim id → PNG)."""
    from api.reports.map import render_claim_map
    from api.reports.sections.claims import wants_map

    if data.route is None or not data.route.usable_points:
        return {}
    maps = {}
    for finding in data.findings:
        if not wants_map(finding):
            continue
        assert finding.place_lat is not None and finding.place_lon is not None
        maps[finding.claim_id] = render_claim_map(
            data.route.route,
            place_lat=finding.place_lat,
            place_lon=finding.place_lon,
            place_extent_m=finding.place_extent_m,
            evidence_for=[e.record_id for e in finding.evidence_for],
            evidence_against=[e.record_id for e in finding.evidence_against],
            language=language,
        )
    return maps


@dataclass(frozen=True, slots=True)
class CaseReport:
    """A produced report and the facts its issuance is audited with."""

    pdf: bytes
    case_id: int
    reference: str
    finding_set_id: int
    released: bool
    language: str
    audit_head_seq: int
    audit_head_hash: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def file_name(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.reference).strip("_") or f"case{self.case_id}"
        draft = "" if self.released else "-DRAFT"
        return f"reisroute-{safe}-findings{self.finding_set_id}-{self.language}{draft}.pdf"


def produce_case_report(
    state: AppState,
    case_id: int,
    *,
    finding_set_id: int | None = None,
    language: Language = "nl",
    released_only: bool = False,
) -> CaseReport:
    """Collect, draw the map and lay out the report for one finding set (see :func:`build_case_report`)."""
    from api.reports.map import render_route_map

    _check_language(language)
    with state.session_factory() as session:
        data = collect_report_data(
            session,
            state.policy,
            case_id,
            data_dir=state.settings.data_dir,
            evidence=state.evidence,
            finding_set_id=finding_set_id,
            released_only=released_only,
        )
    map_png = (
        render_route_map(data.route.route, data.route.geojson, language=language)
        if data.route is not None and data.route.usable_points
        else None
    )
    return CaseReport(
        pdf=render_case_report(
            data, language=language, map_png=map_png, claim_maps=claim_map_excerpts(data, language)
        ),
        case_id=data.case_id,
        reference=data.reference,
        finding_set_id=data.finding_set_id,
        released=data.released,
        language=language,
        audit_head_seq=data.audit.head_seq,
        audit_head_hash=data.audit.head_hash,
    )


def build_case_report(
    state: AppState,
    case_id: int,
    *,
    finding_set_id: int | None = None,
    language: Language = "nl",
    released_only: bool = False,
) -> bytes:
    """The PDF for one finding set of a case (default: the latest; with ``released_only`` the latest
    released one). An unreleased set prints as a watermarked draft. Reading is not audited here: the
    caller records the issuance (the API route does, with the document's SHA-256)."""
    return produce_case_report(
        state, case_id, finding_set_id=finding_set_id, language=language, released_only=released_only
    ).pdf

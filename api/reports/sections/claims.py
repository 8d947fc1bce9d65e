"""Section 5: each claim with its finding, the evidence both ways and the uncertainty used (LEGAL 12)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

import catalogue
from api.reports.context import ReportContext, Story
from api.reports.formatting import format_distance, format_duration
from casework.report_facts import EvidenceFacts, FindingFacts

MAX_EVIDENCE_SHOWN = 5


def status_colour(status: str) -> str:
    found = catalogue.group("finding_status").get(status)
    return (found.colour if found is not None else None) or "#ffffff"


def evidence_cell(
    ctx: ReportContext, finding: FindingFacts, items: tuple[EvidenceFacts, ...], total: int
) -> Any:
    lay, w = ctx.layout, ctx.words
    if not items:
        return lay.t("—", lay.small)
    lines = [
        escape(
            w(
                "evidence_line",
                record=e.record_id,
                time=ctx.local(e.time_utc, finding.time_zone),
                distance=format_distance(e.distance_m),
                dt=ctx.signed(e.time_difference_s),
                accuracy=format_distance(e.accuracy_m),
            )
        )
        for e in items[:MAX_EVIDENCE_SHOWN]
    ]
    shown = min(len(items), MAX_EVIDENCE_SHOWN)
    if total > shown:
        lines.append(escape(w("more_records", count=total - shown)))
    return lay.p("<br/>".join(lines), lay.small)


def claim_words(ctx: ReportContext, finding: FindingFacts) -> str:
    kind = ctx.words.label("claim_kind", finding.kind)
    place = finding.place_name or finding.place_text
    country = f" ({finding.place_country})" if finding.place_country else ""
    return f"{kind} {place}{country}"


def finding_block(ctx: ReportContext, number: int, finding: FindingFacts) -> Story:
    from reportlab.platypus import KeepTogether

    lay, w = ctx.layout, ctx.words
    status_words = w.label("finding_status", finding.status, long=True)
    understood = finding.understood_nl if ctx.language == "nl" else finding.understood_en
    status_table = lay.key_values([(w("finding"), lay.p(f"<b>{escape(status_words)}</b>"))])
    status_table.setStyle(
        [("BACKGROUND", (1, 0), (1, 0), lay.colors.HexColor(status_colour(finding.status)))]
    )
    uncertainty = w(
        "uncertainty_line",
        position=format_distance(finding.position_accuracy_m),
        clock=format_duration(finding.clock_uncertainty_s),
        width=format_duration(finding.time_phrase_width_s),
        zone=finding.time_zone or "—",
    )
    header = lay.t(f"{w('claim')} {number}: {claim_words(ctx, finding)}", lay.h2)
    details = lay.key_values(
        [
            (w("said"), f"“{finding.place_text}” — “{finding.time_text}”"),
            (
                w("understood"),
                f"{understood or '—'} ({ctx.local(finding.interval_start_utc, finding.time_zone)} — "
                f"{ctx.local(finding.interval_end_utc, finding.time_zone)})",
            ),
            (w("evidence_for"), evidence_cell(ctx, finding, finding.evidence_for, finding.records_for_count)),
            (
                w("evidence_against"),
                evidence_cell(ctx, finding, finding.evidence_against, finding.records_against_count),
            ),
            (w("uncertainty"), lay.t(uncertainty, lay.small)),
            *(
                [(w("near_miss"), finding.near_miss_nl if ctx.language == "nl" else finding.near_miss_en)]
                if finding.near_miss_en
                else []
            ),
            (w("explanation_nl"), finding.explanation_nl),
            (w("explanation_en"), finding.explanation_en),
        ]
    )
    story: Story = [KeepTogether([header, status_table, details])]
    png = ctx.claim_maps.get(finding.claim_id)
    if png is not None:
        from reportlab.lib.utils import ImageReader
        from reportlab.platypus import Image

        pixels_w, pixels_h = ImageReader(io.BytesIO(png)).getSize()
        width = 150 * lay.mm
        image = Image(io.BytesIO(png), width=width, height=width * pixels_h / pixels_w)
        story.append(KeepTogether([image, lay.t(w("claim_map_caption"), lay.small)]))
    return story


#: findings whose map excerpt helps the reader: the claim against the records, and where it nearly fits
MAPPED_STATUSES = ("inconsistent", "only_by_air", "inconclusive")


def wants_map(finding: FindingFacts) -> bool:
    return (
        finding.status in MAPPED_STATUSES
        and finding.place_lat is not None
        and finding.place_lon is not None
        and bool(finding.evidence_against or finding.evidence_for)
    )


def claims_section(ctx: ReportContext) -> Story:
    d, lay, w = ctx.data, ctx.layout, ctx.words
    story: Story = [lay.t(w("s_claims"), lay.h1), lay.t(w("claims_intro"))]
    if not d.findings:
        story.append(lay.t(w("no_findings")))
    else:
        rows = []
        for number, finding in enumerate(d.findings, start=1):
            status_words = w.label("finding_status", finding.status, long=True)
            rows.append(
                [
                    str(number),
                    claim_words(ctx, finding),
                    finding.time_text,
                    lay.p(f"<b>{escape(status_words)}</b>", lay.small),
                ]
            )
        table = lay.grid(["#", w("claim"), w("said"), w("finding")], rows, [8, 60, 40, 66])
        table.setStyle(
            [
                ("BACKGROUND", (3, i), (3, i), lay.colors.HexColor(status_colour(f.status)))
                for i, f in enumerate(d.findings, start=1)
            ]
        )
        story.append(table)
        for number, finding in enumerate(d.findings, start=1):
            story += finding_block(ctx, number, finding)
    if d.claims_not_matched:
        listed = "; ".join(f"#{i} “{place}” — “{time}”" for i, place, time in d.claims_not_matched)
        story.append(lay.t(w("not_matched", claims=listed)))
    return story

"""Section 8: the legal reviewer's release, with a block to sign (LEGAL 4: findings reach a caseworker only
after release). The system's own record of the release is printed above the lines; the signature is
wet ink or a qualified electronic signature on the printed document."""

from __future__ import annotations

from api.reports.context import ReportContext, Story
from api.reports.formatting import format_utc


def release_section(ctx: ReportContext) -> Story:
    from reportlab.platypus import KeepTogether, Table, TableStyle

    d, lay, w = ctx.data, ctx.layout, ctx.words
    name = d.released_by if d.released and d.released_by else w("release_pending")
    at = format_utc(d.released_at) if d.released else w("release_pending")
    record = lay.key_values([(w("release_name"), name), (w("release_at"), at)])
    line = "_" * 38
    signature = Table(
        [
            [lay.t(w("signature"), lay.label), lay.t(w("signature_place_date"), lay.label)],
            [lay.t(line), lay.t(line)],
        ],
        colWidths=[87 * lay.mm, 87 * lay.mm],
        rowHeights=[12, 34],
        hAlign="LEFT",
    )
    signature.setStyle(
        TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("FONTNAME", (0, 0), (-1, -1), lay.fonts.regular)]
        )
    )
    return [
        KeepTogether([lay.t(w("s_release"), lay.h1), lay.t(w("release_intro"), lay.small), record, signature])
    ]

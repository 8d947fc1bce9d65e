"""The front: title, release state, the finding set and the preamble (the software decides nothing)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from api.reports.context import ReportContext, Story
from api.reports.formatting import format_utc


def front_section(ctx: ReportContext) -> Story:
    from reportlab.platypus import Spacer

    d, lay, w = ctx.data, ctx.layout, ctx.words
    story: Story = [lay.t(w("title"), lay.title), lay.t(w("subtitle"), lay.subtitle), Spacer(1, 8)]
    if not d.released:
        story.append(lay.t(w("not_released"), lay.draft))
    released = f"{d.released_by} — {format_utc(d.released_at)}" if d.released else w("not_released")
    rows: list[tuple[str, Any]] = [
        (w("reference"), lay.p(f"<b>{escape(d.reference)}</b>")),
        (w("case_title"), d.title or "—"),
        (w("case_status"), d.case_status),
        (w("created"), format_utc(d.case_created_at)),
        (w("finding_set"), f"#{d.finding_set_id} — {format_utc(d.finding_set_created_at)}"),
        (w("released"), released),
    ]
    if d.release_note:
        rows.append((w("release_note"), d.release_note))
    rows += [
        (w("generated"), format_utc(d.generated_at, seconds=True)),
        (w("language"), "Nederlands" if ctx.language == "nl" else "English"),
    ]
    story.append(lay.key_values(rows))
    story.append(lay.t(w("preamble"), lay.notice))
    story.append(lay.t(w("times_note"), lay.small))
    return story

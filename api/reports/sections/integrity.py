"""Section 7: integrity — the audit-log head and the latest anchor outside the database."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from api.reports.context import ReportContext, Story


def integrity_section(ctx: ReportContext) -> Story:
    d, lay, w = ctx.data, ctx.layout, ctx.words
    audit = d.audit
    anchor: Any = (
        lay.p(
            f"seq {audit.anchor_seq} — {escape(audit.anchor_at or '')}<br/>"
            f"<font name='{lay.fonts.mono}' size='7'>{escape(audit.anchor_hash or '')}</font>"
        )
        if audit.anchor_seq is not None
        else w("no_anchor")
    )
    return [
        lay.t(w("s_integrity"), lay.h1),
        lay.key_values(
            [
                (
                    w("audit_head"),
                    lay.p(
                        f"seq {audit.head_seq}<br/>"
                        f"<font name='{lay.fonts.mono}' size='7'>{escape(audit.head_hash)}</font>"
                    ),
                ),
                (w("anchor"), anchor),
                (w("matching_version"), d.matching_code_version),
            ]
        ),
        lay.t(w("integrity_note"), lay.small),
    ]

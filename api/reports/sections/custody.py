"""Section 3: the chain of custody — each extraction job, its clock readings, items and artifacts."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from api.reports.context import ReportContext, Story
from api.reports.formatting import format_bytes, format_utc
from casework.report_facts import ClockFacts, JobFacts


def clock_text(ctx: ReportContext, reading: ClockFacts | None) -> str:
    if reading is None:
        return ctx.words("no_clock")
    zone = f"; {reading.device_timezone}" if reading.device_timezone else ""
    return ctx.words(
        "clock_value",
        offset=f"{reading.offset_s:+.1f}",
        uncertainty=f"{reading.uncertainty_s:.1f}",
        zone=zone,
    )


def custody_job(ctx: ReportContext, job: JobFacts) -> Story:
    lay, w = ctx.layout, ctx.words
    tools = "<br/>".join(escape(f"{k}: {v}") for k, v in job.tool_versions) or "—"
    story: Story = [lay.t(w("job", job=job.id) + f" — {w.state(job.state)}", lay.h2)]
    rows: list[tuple[str, Any]] = [
        (w("kind"), w.label("source_kind", job.kind)),
        (w("method"), lay.t(w.method(job.method), lay.small)),
        (w("operator"), job.operator),
        (w("times"), f"{format_utc(job.started_at)} — {format_utc(job.finished_at)}"),
        (w("tools"), lay.p(tools, lay.small)),
        (w("parsers"), lay.t(", ".join(job.parsers) or "—", lay.small)),
        (w("categories"), ", ".join(job.categories) or "—"),
        (w("clock_start"), clock_text(ctx, job.clock_start)),
        (w("clock_end"), clock_text(ctx, job.clock_end)),
        (w("items"), str(job.items)),
        (w("bytes"), format_bytes(job.bytes_acquired)),
        (w("records"), str(job.records)),
        (w("dropped"), str(job.dropped_outside_window)),
        (w("manifest"), lay.t(job.custody_manifest_sha256, lay.mono)),
    ]
    if job.notes:
        rows.append((w("notes"), lay.p("<br/>".join(escape(n) for n in job.notes), lay.small)))
    story.append(lay.key_values(rows))
    if job.outcomes:
        story.append(lay.t(w("outcomes"), lay.h3))
        story.append(
            lay.grid(
                [w("artifact"), w("outcome"), w("items"), w("records"), w("dropped"), w("notes")],
                [
                    [
                        o.artifact_id,
                        w.label("artifact_outcome", o.status),
                        str(o.items),
                        str(o.records),
                        str(o.dropped_outside_window),
                        o.error or "",
                    ]
                    for o in job.outcomes
                ],
                [46, 26, 20, 22, 24, 36],
            )
        )
    return story


def custody_section(ctx: ReportContext) -> Story:
    story: Story = [ctx.layout.t(ctx.words("s_custody"), ctx.layout.h1)]
    for job in ctx.data.jobs:
        story += custody_job(ctx, job)
    return story

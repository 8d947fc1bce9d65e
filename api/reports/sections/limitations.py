"""Section 6: limitations (LEGAL 14) — what the data cannot say, gaps, clock anomalies, signs of a reset."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.reports.context import ReportContext, Story
from api.reports.formatting import format_duration, format_utc

MAX_GAPS_LISTED = 20


def bullets(ctx: ReportContext, lines: Sequence[str]) -> Any:
    from reportlab.platypus import ListFlowable, ListItem

    lay = ctx.layout
    return ListFlowable(
        [ListItem(lay.t(line), leftIndent=10, value="•") for line in lines],
        bulletType="bullet",
        start="•",
        leftIndent=10,
        bulletFontName=lay.fonts.regular,
    )


def device_history_lines(ctx: ReportContext) -> list[str]:
    """LEGAL 14/16: the signs found, or that none were, or why they were not looked for."""
    d, w = ctx.data, ctx.words
    index = 1 if ctx.language == "nl" else 0
    lines: list[str] = []
    for job in d.jobs:
        for note in job.device_history or ():
            if note[index] and note[index] not in lines:
                lines.append(note[index])
    computed = [j for j in d.jobs if j.device_history is not None]
    if computed and not lines:
        lines.append(w("device_history_none"))
    missing = [str(j.id) for j in d.jobs if j.device_history is None and j.state == "completed"]
    if missing:
        lines.append(w("device_history_not_computed", jobs=", ".join(missing)))
    if d.jobs and not any("device_history" in j.categories for j in d.jobs):
        lines.append(w("device_history_not_authorised"))
    return lines


def clock_anomaly_lines(ctx: ReportContext) -> list[str]:
    index = 1 if ctx.language == "nl" else 0
    return [note[index] for note in ctx.data.clock_anomalies]


def limitations_section(ctx: ReportContext) -> Story:
    d, lay, w = ctx.data, ctx.layout, ctx.words
    story: Story = [lay.t(w("s_limitations"), lay.h1)]
    stated = list(d.limitations_nl if ctx.language == "nl" and d.limitations_nl else d.limitations)
    device_not_person = w("device_not_person")
    # said once: the findings' fuller line on device and person replaces the report's short one
    own = (
        [] if any(line.startswith(device_not_person.rstrip(".")) for line in stated) else [device_not_person]
    )
    own.append(w("does_not_decide"))
    route = d.route
    if route is not None and route.received_points:
        own.append(w("received", count=route.received_points))
    else:
        own.append(w("no_received"))
    if d.coverage_first_utc is not None:
        own.append(
            w("coverage", first=format_utc(d.coverage_first_utc), last=format_utc(d.coverage_last_utc))
        )
    dropped = sum(j.dropped_outside_window for j in d.jobs)
    if dropped:
        own.append(w("dropped_total", count=dropped))
    problems = sorted(
        {
            f"{o.artifact_id} ({w.label('artifact_outcome', o.status)}{': ' + o.error if o.error else ''})"
            for j in d.jobs
            for o in j.outcomes
            if o.status in ("failed", "not_found", "planned_not_received", "empty")
        }
    )
    if problems:
        own.append(w("artifact_problems", items="; ".join(problems)))
    story.append(bullets(ctx, own))
    if route is not None and route.gaps:
        gap_min_s = float((route.route.get("parameters") or {}).get("gap_min_s") or 0.0)
        story.append(lay.t(w("gaps", hours=format_duration(gap_min_s)), lay.h2))
        lines = [
            w(
                "gap_line",
                start=format_utc(g.start_utc),
                end=format_utc(g.end_utc),
                duration=format_duration(g.duration_s),
            )
            for g in route.gaps[:MAX_GAPS_LISTED]
        ]
        if len(route.gaps) > MAX_GAPS_LISTED:
            lines.append(w("more_gaps", count=len(route.gaps) - MAX_GAPS_LISTED))
        story.append(bullets(ctx, lines))
    story.append(lay.t(w("clock_anomalies"), lay.h2))
    story.append(bullets(ctx, clock_anomaly_lines(ctx) or [w("no_clock_anomalies")]))
    history = device_history_lines(ctx)
    if history:
        story.append(lay.t(w("device_history"), lay.h2))
        story.append(bullets(ctx, history))
    lines = [line for line in stated if line not in history]  # stated once, under its own heading
    if lines:
        story.append(lay.t(w("from_matching"), lay.h2))
        story.append(bullets(ctx, lines))
    return story

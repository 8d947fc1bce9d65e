"""Section 1: the case and each device, as registered and as the device reported itself."""

from __future__ import annotations

from typing import Any

from api.reports.context import ReportContext, Story
from api.reports.formatting import format_epoch_value, format_utc


def identity_value(ctx: ReportContext, name: str, value: str) -> str:
    """A reported identity value; a Unix time (e.g. ``ro.runtime.firstboot``) shown as a date."""
    if "boot" in name or "time" in name or name.endswith("_at"):
        as_date = format_epoch_value(value)
        if as_date is not None:
            return ctx.words("epoch_value", date=as_date, raw=value)
    return value


def identity_section(ctx: ReportContext) -> Story:
    d, lay, w = ctx.data, ctx.layout, ctx.words
    story: Story = [lay.t(w("s_identity"), lay.h1)]
    rows: list[tuple[str, Any]] = [(w("reference"), d.reference)]
    if d.retention_until:
        rows.append((w("retention"), format_utc(d.retention_until)))
    story.append(lay.key_values(rows))
    for device in d.devices:
        story.append(lay.t(f"{w('device')} #{device.id}", lay.h2))
        story.append(
            lay.key_values(
                [
                    (w("platform"), w.label("device_platform", device.platform)),
                    (w("make_model"), f"{device.make} {device.model}".strip() or "—"),
                    (w("serial"), lay.t(device.serial or "—", lay.mono)),
                    (w("seal"), device.seal_number or "—"),
                    (w("registered"), f"{device.registered_by} — {format_utc(device.registered_at)}"),
                ]
            )
        )
        for job in d.jobs:
            if job.device_id == device.id and job.identity:
                story.append(lay.t(w("reported_identity", job=job.id), lay.h3))
                story.append(
                    lay.key_values(
                        [
                            (
                                w.identity_field(name),
                                w.label("device_platform", value)
                                if name == "platform"
                                else identity_value(ctx, name, value),
                            )
                            for name, value in job.identity
                        ]
                    )
                )
    return story

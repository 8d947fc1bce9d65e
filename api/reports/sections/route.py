"""Section 4: the route — map, country sequence, border crossings and stays, in local time and UTC."""

from __future__ import annotations

import io

from api.reports.context import ReportContext, Story
from api.reports.formatting import format_distance, format_utc, number_ranges

COLOUR_LOW_CONFIDENCE = "#fbe9c6"


def route_section(ctx: ReportContext, map_png: bytes | None) -> Story:
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether

    d, lay, w = ctx.data, ctx.layout, ctx.words
    story: Story = [lay.t(w("s_route"), lay.h1)]
    route = d.route
    if route is None:
        story.append(lay.t(w("no_route")))
        return story
    story.append(
        lay.t(
            w(
                "route_version",
                version=route.version,
                code=route.code_version,
                created=format_utc(route.created_at),
                records=route.records,
                usable=route.usable_points,
            )
        )
    )
    if map_png is not None:
        from reportlab.lib.utils import ImageReader

        pixels_w, pixels_h = ImageReader(io.BytesIO(map_png)).getSize()
        width = 174 * mm
        image = Image(io.BytesIO(map_png), width=width, height=width * pixels_h / pixels_w)
        story.append(KeepTogether([image, lay.t(w("map_caption"), lay.small)]))
    story.append(lay.t(w("countries"), lay.h2))
    story.append(
        lay.grid(
            ["#", w("country"), w("from"), w("to"), w("points")],
            [
                [
                    str(i),
                    f"{v.name} ({v.iso_a2})",
                    ctx.local(v.start_utc, v.time_zone),
                    ctx.local(v.end_utc, v.time_zone),
                    str(v.points),
                ]
                for i, v in enumerate(route.visits, start=1)
            ],
            [8, 44, 50, 50, 16],
        )
    )
    if route.crossings:
        story.append(lay.t(w("crossings"), lay.h2))
        table = lay.grid(
            ["", w("last_before"), w("first_after"), w("confidence"), w("notes")],
            [
                [
                    f"{c.from_iso_a2} → {c.to_iso_a2}",
                    f"{ctx.local(c.last_before_utc, c.from_time_zone)} (#{c.last_before_record_id})",
                    f"{ctx.local(c.first_after_utc, c.to_time_zone)} (#{c.first_after_record_id})",
                    w.label("crossing_confidence", c.confidence),
                    "; ".join(w.crossing_note(n) for n in c.notes),
                ]
                for c in route.crossings
            ],
            [15, 40, 40, 19, 60],
        )
        table.setStyle(
            [
                ("BACKGROUND", (3, i), (3, i), lay.colors.HexColor(COLOUR_LOW_CONFIDENCE))
                for i, c in enumerate(route.crossings, start=1)
                if c.confidence == "low"
            ]
        )
        story.append(table)
        if any(c.confidence == "low" for c in route.crossings):
            story.append(lay.t(w("crossing_confidence_note"), lay.small))
    if route.place_visits:
        story.append(lay.t(w("place_visits"), lay.h2))
        story.append(lay.p(w("place_visits_intro"), lay.small))
        story.append(
            lay.grid(
                [
                    "#",
                    w("place"),
                    w("country"),
                    w("from"),
                    w("to"),
                    w("records_days"),
                    w("observed"),
                    w("excursions"),
                    w("stay_numbers"),
                ],
                [
                    [
                        str(v.number),
                        v.place or "—",
                        v.country or "—",
                        format_utc(v.start_utc),
                        format_utc(v.end_utc),
                        f"{v.records} ({v.days_with_records}/{v.days})",
                        "—" if v.observed_share is None else f"{v.observed_share:.0%}",
                        w(
                            "excursions_value",
                            count=v.excursions,
                            distance=format_distance(v.excursion_max_distance_m),
                        )
                        if v.excursions
                        else "—",
                        number_ranges(v.stay_numbers),
                    ]
                    for v in route.place_visits
                ],
                [9, 28, 19, 24, 24, 21, 19, 16, 14],
            )
        )
    if route.stays:
        story.append(lay.t(w("stays"), lay.h2))
        story.append(
            lay.grid(
                ["#", w("place"), w("country"), w("from"), w("to"), w("points")],
                [
                    [
                        str(s.number),
                        s.place or "—",
                        s.country or "—",
                        ctx.local(s.start_utc, s.time_zone),
                        ctx.local(s.end_utc, s.time_zone),
                        f"{s.points} (± {format_distance(s.radius_m)})",
                    ]
                    for s in route.stays
                ],
                [8, 36, 14, 48, 48, 20],
            )
        )
        story.append(lay.t(w("stays_radius_note"), lay.small))
    return story

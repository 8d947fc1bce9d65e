"""Section 2: the legal ground, the authorisation, consent and the information notice (LEGAL 1–3)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from api.reports.context import ReportContext, Story
from api.reports.formatting import format_utc


def legal_section(ctx: ReportContext) -> Story:
    d, lay, w = ctx.data, ctx.layout, ctx.words
    story: Story = [lay.t(w("s_legal"), lay.h1)]
    for a in d.authorisations:
        title = a.ground_title_nl if ctx.language == "nl" else a.ground_title_en
        means = "<br/>".join(
            escape(f"{m.means} ({m.tried_at}): {m.result}") for m in a.milder_means
        ) or escape(w("none"))
        story.append(lay.t(f"{w('authorisation')} #{a.id} — {w.state(a.status)}", lay.h2))
        story.append(
            lay.key_values(
                [
                    (w("statute"), lay.p(f"<b>{escape(a.statute)}</b>")),
                    (w("ground"), f"{title} [{a.ground_id}]"),
                    (w("policy"), a.policy_version),
                    (w("purpose"), a.purpose),
                    (w("necessity"), a.necessity),
                    (w("milder_means"), lay.p(means)),
                    (w("categories"), ", ".join(a.categories)),
                    (w("window"), f"{format_utc(a.window_start)} — {ctx.window_end(a.window_end)}"),
                    (w("valid_until"), format_utc(a.valid_until)),
                    (w("requested"), f"{a.requested_by} — {format_utc(a.requested_at)}"),
                    (w("decided"), f"{a.decided_by} — {format_utc(a.decided_at)}" if a.decided_by else "—"),
                    (w("decision_reason"), a.decision_reason or "—"),
                ]
            )
        )
    story.append(lay.t(w("consent"), lay.h2))
    if d.consents:
        story.append(
            lay.grid(
                [
                    w("authorisation"),
                    w("c_language"),
                    w("c_interpreter"),
                    w("c_refusal"),
                    w("c_given"),
                    w("c_given_at"),
                    w("c_recorded_by"),
                    w("c_withdrawn"),
                ],
                [
                    [
                        f"#{c.authorisation_id}",
                        c.language,
                        c.interpreter or "—",
                        w.yes_no(c.refusal_without_consequence_explained),
                        w.yes_no(c.given),
                        format_utc(c.given_at),
                        c.recorded_by,
                        format_utc(c.withdrawn_at) if c.withdrawn_at else "—",
                    ]
                    for c in d.consents
                ],
                [18, 12, 24, 30, 18, 24, 26, 22],
            )
        )
    else:
        story.append(lay.t(w("none")))
    story.append(lay.t(w("notices"), lay.h2))
    if d.notices:
        story.append(
            lay.grid(
                [w("c_language"), w("n_version"), w("c_interpreter"), w("c_given_at"), w("c_recorded_by")],
                [
                    [
                        n.language,
                        n.notice_version,
                        n.interpreter or "—",
                        format_utc(n.given_at),
                        n.recorded_by,
                    ]
                    for n in d.notices
                ],
                [20, 34, 40, 40, 40],
            )
        )
    else:
        story.append(lay.t(w("none")))
    return story

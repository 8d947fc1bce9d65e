"""Which audit actions are reads of case data, and the words for an action (from the one catalogue)."""

from __future__ import annotations

import catalogue

# Reads of a case's data (evidence, route, findings, claims, consent, the case itself). A read made outside
# the case's own workflow should carry a reason (``X-Reason``); the explorer can list the reads without one.
CASE_READ_ACTIONS: frozenset[str] = frozenset(
    {
        "authorisation.list",
        "case.read",
        "claim.list",
        "consent.list",
        "device.list",
        "findings.history.read",
        "findings.read",
        "job.list",
        "job.read",
        "job.report",
        "notice.list",
        "report.pdf",
        "route.points.read",
        "route.read",
        "route.summary.read",
        "route.versions.read",
    }
)


def action_words(action: str) -> dict[str, str]:
    """{"en": ..., "nl": ...} for an action code; an unknown code is shown as itself, never hidden."""
    return {
        "en": catalogue.label("audit_action", action, "en"),
        "nl": catalogue.label("audit_action", action, "nl"),
    }

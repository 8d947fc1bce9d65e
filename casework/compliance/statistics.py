"""Statistics of the organisation's processing for one period (UTC, ``since`` ≤ t < ``until``).

Each table counts events whose own time falls in the period: a job by when it was created, a consent by when
it was given (a withdrawal by when it was withdrawn), an authorisation by when it was decided, a release by
when it was released, a deletion by when it happened. Tables are lists of rows with stable column codes, so the
page, the JSON API and the CSV export show the same figures.

Deleting a case's data at the end of retention deletes its findings too, so ``findings_released`` counts the
statuses of cases whose data still exists; ``releases`` counts every release in the period from the audit log,
which outlives deletion, and says how many of the released cases were deleted since.
"""

from __future__ import annotations

import csv
import io
import statistics as stats
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.compliance.retention_watch import retention_report
from legal_basis.policy import Policy
from store.models import AuditEntry, Authorisation, Case, ConsentRecord, ExtractionJob, FindingRow, FindingSet


@dataclass(frozen=True, slots=True)
class Table:
    code: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PeriodStatistics:
    since: datetime
    until: datetime
    tables: list[Table]

    def table(self, code: str) -> Table:
        return next(table for table in self.tables if table.code == code)


def _in(moment: datetime | None, since: datetime, until: datetime) -> bool:
    return moment is not None and since <= moment < until


def period_statistics(
    session: Session, policy: Policy, *, since: datetime, until: datetime
) -> PeriodStatistics:
    authorisations = {a.id: a for a in session.scalars(select(Authorisation))}

    # extractions per ground and outcome
    jobs = [job for job in session.scalars(select(ExtractionJob)) if _in(job.created_at, since, until)]
    per_ground: Counter[tuple[str, str]] = Counter()
    for job in jobs:
        authorisation = authorisations.get(job.authorisation_id)
        per_ground[(authorisation.ground_id if authorisation else "", job.state)] += 1
    extractions = Table(
        "extractions",
        ("ground_id", "state", "count"),
        [{"ground_id": g, "state": s, "count": n} for (g, s), n in sorted(per_ground.items())],
    )

    # consent given / refused / withdrawn
    consent: Counter[str] = Counter()
    for record in session.scalars(select(ConsentRecord)):
        if _in(record.given_at, since, until):
            consent["given" if record.given else "refused"] += 1
        if _in(record.withdrawn_at, since, until):
            consent["withdrawn"] += 1
    consent_table = Table(
        "consent",
        ("outcome", "count"),
        [{"outcome": code, "count": consent[code]} for code in ("given", "refused", "withdrawn")],
    )

    # authorisations decided, with the reasons
    decided = [a for a in authorisations.values() if _in(a.decided_at, since, until)]
    decisions = Table(
        "authorisation_decisions",
        ("status", "ground_id", "count"),
        [
            {"status": s, "ground_id": g, "count": n}
            for (s, g), n in sorted(Counter((a.status, a.ground_id) for a in decided).items())
        ],
    )
    refusal_reasons = Table(
        "refusal_reasons",
        ("reason", "count"),
        [
            {"reason": reason, "count": n}
            for reason, n in Counter(
                (a.decision_reason or "").strip() for a in decided if a.status == "refused"
            ).most_common()
        ],
    )

    # findings released per status, and the time from extraction to release
    released = [fs for fs in session.scalars(select(FindingSet)) if _in(fs.released_at, since, until)]
    status_counts: Counter[str] = Counter()
    if released:
        for status in session.scalars(
            select(FindingRow.status).where(FindingRow.finding_set_id.in_([fs.id for fs in released]))
        ):
            status_counts[status] += 1
    findings = Table(
        "findings_released",
        ("status", "count", "share"),
        [
            {"status": s, "count": n, "share": round(n / sum(status_counts.values()), 4)}
            for s, n in sorted(status_counts.items())
        ],
    )
    release_entries = list(
        session.execute(
            select(AuditEntry.case_id).where(
                AuditEntry.action == "findings.release", AuditEntry.at >= since, AuditEntry.at < until
            )
        ).scalars()
    )
    deleted_cases = set(session.scalars(select(Case.id).where(Case.deleted_at.is_not(None))))
    releases = Table(
        "releases",
        ("releases", "cases_deleted_since"),
        [
            {
                "releases": len(release_entries),
                "cases_deleted_since": len({c for c in release_entries if c in deleted_cases}),
            }
        ],
    )
    finished_by_case: dict[int, list[datetime]] = {}
    for job in session.scalars(select(ExtractionJob).where(ExtractionJob.state == "completed")):
        if job.finished_at is not None:
            finished_by_case.setdefault(job.case_id, []).append(job.finished_at)
    hours = []
    for finding_set in released:
        before = [t for t in finished_by_case.get(finding_set.case_id, []) if t <= finding_set.released_at]  # type: ignore[operator]
        if before:
            hours.append((finding_set.released_at - min(before)).total_seconds() / 3600)  # type: ignore[operator]
    release_time = Table(
        "extraction_to_release_hours",
        ("releases", "min", "median", "max"),
        [
            {
                "releases": len(hours),
                "min": round(min(hours), 2) if hours else None,
                "median": round(stats.median(hours), 2) if hours else None,
                "max": round(max(hours), 2) if hours else None,
            }
        ],
    )

    # deletions on time vs late
    deletions: Counter[str] = Counter()
    for item in retention_report(session, policy, now=until).deleted:
        if _in(item.deleted_at, since, until):
            deletions[item.state] += 1
    deletion_table = Table(
        "deletions",
        ("state", "count"),
        [{"state": code, "count": deletions[code]} for code in ("deleted_on_time", "deleted_late")],
    )
    return PeriodStatistics(
        since=since,
        until=until,
        tables=[
            extractions,
            consent_table,
            decisions,
            refusal_reasons,
            releases,
            findings,
            release_time,
            deletion_table,
        ],
    )


def statistics_csv(result: PeriodStatistics) -> str:
    """All tables in one CSV: a ``table`` column names the table; each table has its own header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period", result.since.isoformat(), result.until.isoformat()])
    for table in result.tables:
        writer.writerow([])
        writer.writerow(["table", *table.columns])
        for row in table.rows:
            writer.writerow([table.code, *("" if row[c] is None else row[c] for c in table.columns)])
    return out.getvalue()

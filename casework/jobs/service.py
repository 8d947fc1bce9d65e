"""The jobs of a case: start one (only through the legal gate), cancel it, resume it, report on it.

The functions take an open session and never commit: the router's unit of work commits the action and its
audit entry together. A closed gate is ``GateClosed`` (its refusal is audited; the caller commits that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.errors import CaseworkError
from casework.jobs.custody import custody_manifest
from casework.state import AppState
from legal_basis import services
from legal_basis.gate import UnmetCondition
from legal_basis.services import Actor
from store.models import Authorisation, CustodyRecord, Device, ExtractionJob
from store.types import fingerprint

OFFLINE_KINDS = ("ios_backup", "archive", "google_export")
JOB_METHOD = "logical acquisition (the phone unlocked and authorised by its owner)"


class GateClosed(CaseworkError):
    """The legal gate does not let this extraction start; ``unmet`` names every missing condition."""

    def __init__(self, unmet: list[UnmetCondition]) -> None:
        super().__init__("the legal gate is closed: extraction may not start")
        self.unmet = unmet


def get_job(session: Session, job_id: int) -> ExtractionJob:
    job = session.get(ExtractionJob, job_id)
    if job is None:
        raise services.NotFound(f"job {job_id} does not exist")
    return job


def import_path(data_dir: Path, relative: str | None) -> str:
    """An offline input's path, which must stay inside the station's import folder."""
    if not relative:
        raise services.Conflict("an offline input needs `path`, relative to the station's import folder")
    if any(ord(character) < 32 for character in relative):
        raise services.Conflict("the input path holds a control character (or a NUL byte); name it plainly")
    root = (data_dir / "imports").resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        raise services.Conflict("the input path must stay inside the station's import folder")
    if not candidate.exists():
        raise services.NotFound(f"no input at {relative!r} in the station's import folder")
    return str(candidate)


def start_job(
    session: Session,
    state: AppState,
    actor: Actor,
    case_id: int,
    *,
    authorisation_id: int,
    device_id: int,
    kind: str,
    params: dict[str, Any],
    password: str | None = None,
    station: str | None = None,
) -> ExtractionJob:
    """Queue an extraction job; the legal gate is checked here and again by the worker before it reads.
    ``station``: pin the job to the intake station where the phone is plugged in (only its worker runs it)."""
    services.get_case(session, case_id)
    device = session.get(Device, device_id)
    if device is None or device.case_id != case_id:
        raise services.NotFound(f"device {device_id} does not belong to case {case_id}")
    authorisation = session.get(Authorisation, authorisation_id)
    unmet = services.gate_for(session, state.policy, authorisation_id, case_id=case_id, device_id=device.id)
    if unmet:
        services.record(
            session,
            actor,
            "job.refused_by_gate",
            case_id=case_id,
            object_type="authorisation",
            object_id=authorisation_id,
            details={"unmet": [u.code for u in unmet]},
        )
        raise GateClosed(unmet)
    assert authorisation is not None
    params = dict(params)
    if kind in OFFLINE_KINDS:
        params["path"] = import_path(state.settings.data_dir, params.get("path"))
    job = ExtractionJob(
        case_id=case_id,
        device_id=device.id,
        authorisation_id=authorisation.id,
        kind=kind,
        params=params,
        created_by=actor.user_id,
        scope={"categories": list(authorisation.categories)},
        station=station,
    )
    session.add(job)
    session.flush()
    if password:
        state.extras.setdefault("job_secrets", {})[job.id] = {"password": password}
    services.record(
        session,
        actor,
        "job.create",
        case_id=case_id,
        object_type="job",
        object_id=job.id,
        # no file names, serials or UDIDs in the audit log (it outlives the case): fingerprints instead
        details={
            "kind": job.kind,
            "params": {k: v for k, v in params.items() if k not in ("path", "serial", "udid")},
            "input_fingerprint": fingerprint(
                params.get("path") or params.get("udid") or params.get("serial")
            ),
            "authorisation": authorisation.id,
            "station": station,
        },
    )
    return job


def cancel_job(session: Session, actor: Actor, job_id: int) -> ExtractionJob:
    job = get_job(session, job_id)
    if job.state in ("completed", "failed", "cancelled"):
        raise services.Conflict(f"job {job_id} is already {job.state}")
    job.cancel_requested = True
    if job.state in ("queued", "interrupted"):
        job.state = "cancelled"
    services.record(session, actor, "job.cancel", case_id=job.case_id, object_type="job", object_id=job_id)
    return job


def is_resumable(state: str, error: str | None) -> bool:
    """Interrupted and failed jobs resume, except one refused because the device is not the registered one."""
    return state in ("interrupted", "failed") and not (error or "").startswith("IdentityMismatch")


def resume_job(session: Session, state: AppState, actor: Actor, job_id: int) -> ExtractionJob:
    """Requeue an interrupted or failed job: items already committed are not read again."""
    job = get_job(session, job_id)
    if job.state not in ("interrupted", "failed"):
        raise services.Conflict(f"job {job_id} is {job.state}; only interrupted or failed jobs resume")
    if not is_resumable(job.state, job.error):
        raise services.Conflict(
            f"job {job_id} stopped because the connected device is not the one registered for the case; "
            "resuming would read the same wrong device: connect the registered device and start a new job"
        )
    unmet = services.gate_for(
        session, state.policy, job.authorisation_id, case_id=job.case_id, device_id=job.device_id
    )
    if unmet:
        raise services.NotPermitted("the legal gate is closed", [u.code for u in unmet])
    job.state = "queued"
    job.attempts = 0
    services.record(session, actor, "job.resume", case_id=job.case_id, object_type="job", object_id=job_id)
    return job


def job_report_facts(session: Session, job: ExtractionJob, *, include_items: bool = True) -> dict[str, Any]:
    """The extraction report: identity, clock against the host, tools, scope, per-artifact outcome (with the
    parsers' summaries), custody manifest and its hash."""
    items, manifest_sha256 = custody_manifest(session, job.id)
    totals = session.execute(
        select(
            func.count(CustodyRecord.id),
            func.coalesce(func.sum(CustodyRecord.bytes_acquired), 0),
            func.coalesce(func.sum(CustodyRecord.records_count), 0),
            func.coalesce(func.sum(CustodyRecord.dropped_outside_window), 0),
        ).where(CustodyRecord.job_id == job.id)
    ).one()
    return {
        "method": JOB_METHOD,
        "identity": job.identity,
        "clock": job.clock,
        "tool_versions": job.tool_versions,
        "scope": job.scope,
        "artifacts": job.outcomes,
        "device_history": job.device_history,  # signs of a reset or second-hand phone (LEGAL 16); None: not computed
        "totals": {
            "items": totals[0],
            "bytes_acquired": int(totals[1]),
            "records": int(totals[2]),
            "dropped_outside_window": int(totals[3]),
        },
        "custody_manifest_sha256": manifest_sha256,
        "items": items if include_items else None,
        "log": job.log,
    }

"""Extraction jobs: start (only through the legal gate), progress, report, cancel, resume."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from api.deps import CASE_READERS, INTAKE, SessionDep, StateDep, allow
from api.schemas import ORM
from casework.jobs.custody import custody_manifest
from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.evidence import verify_case_evidence
from store.models import Authorisation, CustodyRecord, Device, ExtractionJob

router = APIRouter(prefix="/api/v1", tags=["extraction"])


class SourceSpec(BaseModel):
    kind: Literal["adb", "ios_usbmux", "ios_backup", "archive", "google_export"]
    host: str | None = Field(default=None, description="adb over TCP: phone or simulator address")
    port: int | None = None
    usb: bool = False
    serial: str | None = None
    udid: str | None = Field(default=None, description="iPhone UDID (ios_usbmux)")
    socket: str | None = Field(
        default=None, description="usbmuxd socket path (ios_usbmux); default the system one"
    )
    path: str | None = Field(
        default=None, description="offline input, relative to the station's import folder"
    )
    password: str | None = Field(
        default=None, description="encrypted iOS backup password: kept in memory only"
    )


class JobCreate(BaseModel):
    authorisation_id: int
    device_id: int
    source: SourceSpec


class JobRead(ORM):
    id: int
    case_id: int
    device_id: int
    authorisation_id: int
    kind: str
    params: dict[str, Any]
    state: str
    attempts: int
    cancel_requested: bool
    created_at: Any
    started_at: Any
    finished_at: Any
    items_done: int
    items_total: int
    bytes_done: int
    bytes_total: int
    error: str | None


def _job(session: SessionDep, job_id: int) -> ExtractionJob:
    job = session.get(ExtractionJob, job_id)
    if job is None:
        raise services.NotFound(f"job {job_id} does not exist")
    return job


def _import_path(state: StateDep, relative: str | None) -> str:
    if not relative:
        raise services.Conflict("an offline input needs `path`, relative to the station's import folder")
    root = (state.settings.data_dir / "imports").resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        raise services.Conflict("the input path must stay inside the station's import folder")
    if not candidate.exists():
        raise services.NotFound(f"no input at {relative!r} in the import folder {root}")
    return str(candidate)


@router.post("/cases/{case_id}/jobs", response_model=JobRead, status_code=status.HTTP_202_ACCEPTED)
def start_job(
    case_id: int,
    body: JobCreate,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(INTAKE)],
) -> ExtractionJob:
    services.get_case(session, case_id)
    device = session.get(Device, body.device_id)
    if device is None or device.case_id != case_id:
        raise services.NotFound(f"device {body.device_id} does not belong to case {case_id}")
    authorisation = session.get(Authorisation, body.authorisation_id)
    unmet = services.gate_for(
        session, state.policy, body.authorisation_id, case_id=case_id, device_id=device.id
    )
    if unmet:
        services.record(
            session,
            actor,
            "job.refused_by_gate",
            case_id=case_id,
            object_type="authorisation",
            object_id=body.authorisation_id,
            details={"unmet": [u.code for u in unmet]},
        )
        session.commit()  # the refusal itself is audited
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "message": "the legal gate is closed: extraction may not start",
                "conditions": [
                    {"code": u.code, "message_en": u.message_en, "message_nl": u.message_nl} for u in unmet
                ],
            },
        )
    assert authorisation is not None
    params = body.source.model_dump(exclude={"password", "kind"}, exclude_none=True)
    if body.source.kind in ("ios_backup", "archive", "google_export"):
        params["path"] = _import_path(state, body.source.path)
    job = ExtractionJob(
        case_id=case_id,
        device_id=device.id,
        authorisation_id=authorisation.id,
        kind=body.source.kind,
        params=params,
        created_by=actor.user_id,
        scope={"categories": list(authorisation.categories)},
    )
    session.add(job)
    session.flush()
    if body.source.password:
        state.extras.setdefault("job_secrets", {})[job.id] = {"password": body.source.password}
    services.record(
        session,
        actor,
        "job.create",
        case_id=case_id,
        object_type="job",
        object_id=job.id,
        details={"kind": job.kind, "params": params, "authorisation": authorisation.id},
    )
    return job


@router.get("/cases/{case_id}/jobs", response_model=list[JobRead])
def list_jobs(
    case_id: int, session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]
) -> list[ExtractionJob]:
    services.get_case(session, case_id)
    services.record(session, actor, "job.list", case_id=case_id)
    return list(
        session.scalars(
            select(ExtractionJob).where(ExtractionJob.case_id == case_id).order_by(ExtractionJob.id)
        )
    )


@router.get("/jobs/{job_id}", response_model=JobRead)
def read_job(
    job_id: int, session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]
) -> ExtractionJob:
    job = _job(session, job_id)
    services.record(session, actor, "job.read", case_id=job.case_id, object_type="job", object_id=job_id)
    return job


@router.post("/jobs/{job_id}/cancel", response_model=JobRead)
def cancel_job(job_id: int, session: SessionDep, actor: Annotated[Actor, Depends(INTAKE)]) -> ExtractionJob:
    job = _job(session, job_id)
    if job.state in ("completed", "failed", "cancelled"):
        raise services.Conflict(f"job {job_id} is already {job.state}")
    job.cancel_requested = True
    if job.state in ("queued", "interrupted"):
        job.state = "cancelled"
    services.record(session, actor, "job.cancel", case_id=job.case_id, object_type="job", object_id=job_id)
    return job


@router.post("/jobs/{job_id}/resume", response_model=JobRead)
def resume_job(
    job_id: int, session: SessionDep, state: StateDep, actor: Annotated[Actor, Depends(INTAKE)]
) -> ExtractionJob:
    """Requeue an interrupted or failed job: items already committed are not read again."""
    job = _job(session, job_id)
    if job.state not in ("interrupted", "failed"):
        raise services.Conflict(f"job {job_id} is {job.state}; only interrupted or failed jobs resume")
    unmet = services.gate_for(
        session, state.policy, job.authorisation_id, case_id=job.case_id, device_id=job.device_id
    )
    if unmet:
        raise services.NotPermitted("the legal gate is closed", [u.code for u in unmet])
    job.state = "queued"
    job.attempts = 0
    services.record(session, actor, "job.resume", case_id=job.case_id, object_type="job", object_id=job_id)
    return job


@router.get("/cases/{case_id}/evidence/verify")
def verify_evidence(
    case_id: int,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(allow(Role.LEGAL_REVIEWER, Role.COMPLIANCE_AUDITOR))],
) -> dict[str, Any]:
    """Decrypt every stored item of the case and re-check its SHA-256 against the chain of custody."""
    services.get_case(session, case_id)
    result = verify_case_evidence(session, state.evidence, case_id)
    services.record(
        session,
        actor,
        "evidence.verify",
        case_id=case_id,
        details={"ok": result["ok"], "items_checked": result["items_checked"]},
    )
    return result


@router.get("/jobs/{job_id}/report")
def job_report(
    job_id: int,
    session: SessionDep,
    actor: Annotated[Actor, Depends(CASE_READERS)],
    include_items: bool = True,
) -> dict[str, Any]:
    """The extraction report: identity, clock against the host, tools, scope, per-artifact outcome, custody."""
    job = _job(session, job_id)
    items, manifest_sha256 = custody_manifest(session, job_id)
    totals = session.execute(
        select(
            func.count(CustodyRecord.id),
            func.coalesce(func.sum(CustodyRecord.bytes_acquired), 0),
            func.coalesce(func.sum(CustodyRecord.records_count), 0),
            func.coalesce(func.sum(CustodyRecord.dropped_outside_window), 0),
        ).where(CustodyRecord.job_id == job_id)
    ).one()
    services.record(session, actor, "job.report", case_id=job.case_id, object_type="job", object_id=job_id)
    return {
        "job": JobRead.model_validate(job).model_dump(mode="json"),
        "method": "logical acquisition (the phone unlocked and authorised by its owner)",
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

"""Extraction jobs: start (only through the legal gate), progress, report, cancel, resume."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field, computed_field
from sqlalchemy import select

from api.deps import CASE_READERS, INTAKE, JOB_REPORT_READERS, ReadRoute, SessionDep, StateDep, allow
from api.params import BodyId, BodyPort, PathId
from api.schemas import ORM
from casework import access
from casework.jobs import service as jobs
from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.evidence import verify_case_evidence
from store.models import ExtractionJob

router = APIRouter(route_class=ReadRoute, prefix="/api/v1", tags=["extraction"])


class SourceSpec(BaseModel):
    kind: Literal["adb", "ios_usbmux", "ios_backup", "archive", "google_export"]
    host: str | None = Field(default=None, description="adb over TCP: phone or simulator address")
    port: BodyPort | None = None
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
    authorisation_id: BodyId
    device_id: BodyId
    source: SourceSpec
    station: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="the intake station where the phone is plugged in: only its worker runs the job",
    )


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
    station: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def resumable(self) -> bool:
        """Whether "resume" can help: not after the device was found to be another one."""
        return jobs.is_resumable(self.state, self.error)


@router.post("/cases/{case_id}/jobs", response_model=JobRead, status_code=status.HTTP_202_ACCEPTED)
def start_job(
    case_id: PathId,
    body: JobCreate,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(INTAKE)],
) -> ExtractionJob:
    try:
        return jobs.start_job(
            session,
            state,
            actor,
            case_id,
            authorisation_id=body.authorisation_id,
            device_id=body.device_id,
            kind=body.source.kind,
            params=body.source.model_dump(exclude={"password", "kind"}, exclude_none=True),
            password=body.source.password,
            station=body.station,
        )
    except jobs.GateClosed as closed:
        session.commit()  # the refusal itself is audited
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "message": str(closed),
                "conditions": [
                    {"code": u.code, "message_en": u.message_en, "message_nl": u.message_nl}
                    for u in closed.unmet
                ],
            },
        ) from None


@router.get("/cases/{case_id}/jobs", response_model=list[JobRead])
def list_jobs(
    case_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]
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
    job_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]
) -> ExtractionJob:
    job = jobs.get_job(session, job_id)
    services.record(session, actor, "job.read", case_id=job.case_id, object_type="job", object_id=job_id)
    return job


@router.post("/jobs/{job_id}/cancel", response_model=JobRead)
def cancel_job(
    job_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(INTAKE)]
) -> ExtractionJob:
    return jobs.cancel_job(session, actor, job_id)


@router.post("/jobs/{job_id}/resume", response_model=JobRead)
def resume_job(
    job_id: PathId, session: SessionDep, state: StateDep, actor: Annotated[Actor, Depends(INTAKE)]
) -> ExtractionJob:
    """Requeue an interrupted or failed job: items already committed are not read again."""
    return jobs.resume_job(session, state, actor, job_id)


@router.get("/cases/{case_id}/evidence/verify")
def verify_evidence(
    case_id: PathId,
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
    job_id: PathId,
    session: SessionDep,
    actor: Annotated[Actor, Depends(JOB_REPORT_READERS)],
    include_items: bool = True,
) -> dict[str, Any]:
    """The extraction report: identity, clock against the host, tools, scope, per-artifact outcome, custody.

    Need-to-know: the intake officers who ran it, reviewers and auditors; caseworkers only once findings are
    released (the report names the serial, locale, networks and dated file names)."""
    job = jobs.get_job(session, job_id)
    access.require_release_for_caseworker(session, actor, job.case_id)
    facts = jobs.job_report_facts(session, job, include_items=include_items)
    services.record(session, actor, "job.report", case_id=job.case_id, object_type="job", object_id=job_id)
    return {"job": JobRead.model_validate(job).model_dump(mode="json"), **facts}


class DemoPhoneRead(BaseModel):
    name: str
    kind: str
    platform: str
    make: str
    model: str
    serial: str | None
    host: str | None
    port: int | None
    udid: str | None
    socket: str | None


@router.get("/demo/phones", response_model=list[DemoPhoneRead])
def demo_phones(state: StateDep, _actor: Annotated[Actor, Depends(INTAKE)]) -> list[DemoPhoneRead]:
    """The demo's simulated phones and how to reach them (the Android one listens on a random port), so the
    job form can offer them by name. Only in demo mode (``reisroute serve --demo``); otherwise 404."""
    if not state.settings.demo:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "no demo phones: the service does not run in demo mode"
        )
    from casework.demo.case import running_demo_phones

    return [DemoPhoneRead.model_validate(phone, from_attributes=True) for phone in running_demo_phones(state)]

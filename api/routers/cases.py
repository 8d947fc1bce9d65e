"""Cases, devices, authorisations, consent, information notices and the gate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy import select

from api.deps import (
    AUTHORISER,
    CASE_READERS,
    INTAKE,
    INTAKE_OR_AUTHORISER,
    ReadRoute,
    SessionDep,
    StateDep,
)
from api.params import PathId, QueryId
from api.schemas import (
    AuthorisationCreate,
    AuthorisationRead,
    CaseCreate,
    CaseRead,
    ConsentCreate,
    ConsentRead,
    Decision,
    DeviceCreate,
    DeviceRead,
    GateRead,
    NoticeCreate,
    NoticeRead,
    PolicyGroundRead,
    PolicyRead,
    WithdrawConsent,
    gate_read,
)
from casework import access
from legal_basis import retention, services
from legal_basis.services import Actor
from store.models import Authorisation, Case, ConsentRecord, Device, InformationNotice

router = APIRouter(route_class=ReadRoute, prefix="/api/v1", tags=["cases"])


@router.get("/policy", response_model=PolicyRead)
def read_policy(state: StateDep, actor: Annotated[Actor, Depends(CASE_READERS)]) -> PolicyRead:
    policy = state.policy
    return PolicyRead(
        version=policy.full_version,
        title_en=policy.title_en,
        title_nl=policy.title_nl,
        grounds=[
            PolicyGroundRead(
                id=g.id,
                statute=g.statute,
                title_en=g.title_en,
                title_nl=g.title_nl,
                requires_consent=g.requires_consent,
                requires_information_notice=g.requires_information_notice,
                requires_milder_means=g.requires_milder_means,
                allowed_categories=sorted(str(c) for c in g.allowed_categories),
                max_window_days=g.max_window_days,
                max_validity_days=g.max_validity_days,
            )
            for g in policy.grounds
        ],
    )


@router.post("/cases", response_model=CaseRead, status_code=status.HTTP_201_CREATED)
def create_case(body: CaseCreate, session: SessionDep, actor: Annotated[Actor, Depends(INTAKE)]) -> Case:
    return services.create_case(
        session, actor, reference=body.reference, title=body.title, team_id=body.team_id
    )


@router.get("/cases", response_model=list[CaseRead])
def list_cases(session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]) -> list[Case]:
    cases = list(session.scalars(select(Case).where(access.visible_cases(actor)).order_by(Case.id)))
    services.record(session, actor, "case.list", details={"count": len(cases)})
    return cases


@router.get("/cases/{case_id}", response_model=CaseRead)
def read_case(case_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]) -> Case:
    case = services.get_case(session, case_id)
    services.record(session, actor, "case.read", case_id=case_id, object_type="case", object_id=case_id)
    return case


@router.post("/cases/{case_id}/devices", response_model=DeviceRead, status_code=status.HTTP_201_CREATED)
def register_device(
    case_id: PathId, body: DeviceCreate, session: SessionDep, actor: Annotated[Actor, Depends(INTAKE)]
) -> Device:
    return services.register_device(session, actor, case_id, **body.model_dump())


@router.get("/cases/{case_id}/devices", response_model=list[DeviceRead])
def list_devices(
    case_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]
) -> list[Device]:
    services.get_case(session, case_id)
    services.record(session, actor, "device.list", case_id=case_id)
    return list(session.scalars(select(Device).where(Device.case_id == case_id).order_by(Device.id)))


@router.post(
    "/cases/{case_id}/authorisations", response_model=AuthorisationRead, status_code=status.HTTP_201_CREATED
)
def request_authorisation(
    case_id: PathId,
    body: AuthorisationCreate,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(INTAKE)],
) -> Authorisation:
    return services.request_authorisation(session, actor, state.policy, case_id, **body.model_dump())


@router.get("/cases/{case_id}/authorisations", response_model=list[AuthorisationRead])
def list_authorisations(
    case_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]
) -> list[Authorisation]:
    services.get_case(session, case_id)
    services.record(session, actor, "authorisation.list", case_id=case_id)
    return list(
        session.scalars(
            select(Authorisation).where(Authorisation.case_id == case_id).order_by(Authorisation.id)
        )
    )


def _authorisation_of_case(session: SessionDep, case_id: int, authorisation_id: int) -> Authorisation:
    authorisation = services.get_authorisation(session, authorisation_id)
    if authorisation.case_id != case_id:
        raise services.NotFound(f"authorisation {authorisation_id} does not belong to case {case_id}")
    return authorisation


@router.post("/cases/{case_id}/authorisations/{authorisation_id}/approve", response_model=AuthorisationRead)
def approve(
    case_id: PathId,
    authorisation_id: PathId,
    body: Decision,
    session: SessionDep,
    actor: Annotated[Actor, Depends(AUTHORISER)],
) -> Authorisation:
    _authorisation_of_case(session, case_id, authorisation_id)
    return services.decide_authorisation(session, actor, authorisation_id, approve=True, reason=body.reason)


@router.post("/cases/{case_id}/authorisations/{authorisation_id}/refuse", response_model=AuthorisationRead)
def refuse(
    case_id: PathId,
    authorisation_id: PathId,
    body: Decision,
    session: SessionDep,
    actor: Annotated[Actor, Depends(AUTHORISER)],
) -> Authorisation:
    _authorisation_of_case(session, case_id, authorisation_id)
    return services.decide_authorisation(session, actor, authorisation_id, approve=False, reason=body.reason)


@router.post(
    "/cases/{case_id}/authorisations/{authorisation_id}/consent",
    response_model=ConsentRead,
    status_code=status.HTTP_201_CREATED,
)
def record_consent(
    case_id: PathId,
    authorisation_id: PathId,
    body: ConsentCreate,
    session: SessionDep,
    actor: Annotated[Actor, Depends(INTAKE)],
) -> ConsentRecord:
    _authorisation_of_case(session, case_id, authorisation_id)
    return services.record_consent(session, actor, authorisation_id, **body.model_dump())


@router.get("/cases/{case_id}/authorisations/{authorisation_id}/consent", response_model=list[ConsentRead])
def list_consent(
    case_id: PathId,
    authorisation_id: PathId,
    session: SessionDep,
    actor: Annotated[Actor, Depends(CASE_READERS)],
) -> list[ConsentRecord]:
    _authorisation_of_case(session, case_id, authorisation_id)
    services.record(session, actor, "consent.list", case_id=case_id, object_id=authorisation_id)
    return list(
        session.scalars(select(ConsentRecord).where(ConsentRecord.authorisation_id == authorisation_id))
    )


@router.post(
    "/cases/{case_id}/authorisations/{authorisation_id}/withdraw-consent", response_model=AuthorisationRead
)
def withdraw_consent(
    case_id: PathId,
    authorisation_id: PathId,
    body: WithdrawConsent,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(INTAKE_OR_AUTHORISER)],
) -> Authorisation:
    authorisation = _authorisation_of_case(session, case_id, authorisation_id)
    services.withdraw_consent(session, actor, authorisation_id, reason=body.reason)
    retention.delete_case_data(
        session,
        actor,
        state.evidence,
        case_id,
        reason=f"consent withdrawn: {body.reason}",
        keep_case_open=True,
    )
    return authorisation


@router.post("/cases/{case_id}/notices", response_model=NoticeRead, status_code=status.HTTP_201_CREATED)
def record_notice(
    case_id: PathId,
    body: NoticeCreate,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(INTAKE)],
) -> InformationNotice:
    return services.record_notice(session, actor, state.policy, case_id, **body.model_dump())


@router.get("/cases/{case_id}/notices", response_model=list[NoticeRead])
def list_notices(
    case_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(CASE_READERS)]
) -> list[InformationNotice]:
    services.get_case(session, case_id)
    services.record(session, actor, "notice.list", case_id=case_id)
    return list(session.scalars(select(InformationNotice).where(InformationNotice.case_id == case_id)))


@router.get("/cases/{case_id}/authorisations/{authorisation_id}/gate", response_model=GateRead)
def gate(
    case_id: PathId,
    authorisation_id: PathId,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(CASE_READERS)],
    device_id: QueryId = None,
) -> GateRead:
    _authorisation_of_case(session, case_id, authorisation_id)
    unmet = services.gate_for(session, state.policy, authorisation_id, case_id=case_id, device_id=device_id)
    services.record(
        session,
        actor,
        "gate.check",
        case_id=case_id,
        object_type="authorisation",
        object_id=authorisation_id,
        details={"unmet": [u.code for u in unmet]},
    )
    return gate_read(unmet)


@router.post("/cases/{case_id}/delete", response_model=CaseRead)
def delete_case(
    case_id: PathId,
    body: Decision,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(AUTHORISER)],
) -> Case:
    """End of retention: destroy the case key, delete the data, keep the audit trail."""
    retention.delete_case_data(session, actor, state.evidence, case_id, reason=body.reason)
    return services.get_case(session, case_id)

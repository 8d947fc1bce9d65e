"""Pydantic models at the API edge: a schema family per entity."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.params import BodyDays, BodyId


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str
    expires_at: datetime


class MeRead(BaseModel):
    username: str
    role: str
    roles: list[str]
    full_name: str


class CaseCreate(BaseModel):
    reference: str = Field(min_length=1, max_length=64, description="Applicant reference, e.g. V-number")
    title: str = ""
    team_id: int | None = Field(
        default=None, description="The case's team (one of yours); default: your only team"
    )


class CaseRead(ORM):
    id: int
    reference: str
    title: str
    status: str
    created_at: datetime
    retention_until: datetime | None
    deleted_at: datetime | None


class DeviceCreate(BaseModel):
    platform: Literal["android", "ios", "offline"]
    make: str = ""
    model: str = ""
    serial: str | None = None
    seal_number: str | None = None
    notes: str = ""


class DeviceRead(ORM):
    id: int
    case_id: int
    platform: str
    make: str
    model: str
    serial: str | None
    seal_number: str | None
    registered_at: datetime


class MilderMeans(BaseModel):
    means: str = Field(description="What was tried: documents, registers, interview, other inquiries")
    tried_at: str | None = None
    result: str = Field(description="What it yielded and why it was insufficient")


class AuthorisationCreate(BaseModel):
    device_id: BodyId | None = None
    ground_id: str
    purpose: str
    necessity: str
    milder_means: list[MilderMeans] = []
    categories: list[str]
    window_start: datetime
    window_end: datetime
    valid_days: BodyDays | None = None


class AuthorisationRead(ORM):
    id: int
    case_id: int
    device_id: int | None
    policy_version: str
    ground_id: str
    purpose: str
    necessity: str
    milder_means: list[dict[str, Any]]
    categories: list[str]
    window_start: datetime
    window_end: datetime
    valid_until: datetime
    status: str
    requested_by: int
    requested_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None


class Decision(BaseModel):
    reason: str = Field(min_length=1)


class ConsentCreate(BaseModel):
    language: str = Field(min_length=1)
    interpreter: str | None = None
    refusal_without_consequence_explained: bool
    given: bool
    given_at: datetime


class ConsentRead(ORM):
    id: int
    authorisation_id: int
    language: str
    interpreter: str | None
    refusal_without_consequence_explained: bool
    given: bool
    given_at: datetime
    withdrawn_at: datetime | None


class WithdrawConsent(BaseModel):
    reason: str = Field(min_length=1)


class NoticeCreate(BaseModel):
    language: str = Field(min_length=1)
    interpreter: str | None = None
    given_at: datetime


class NoticeRead(ORM):
    id: int
    case_id: int
    language: str
    notice_version: str
    interpreter: str | None
    given_at: datetime


class Condition(BaseModel):
    code: str
    message_en: str
    message_nl: str


class GateRead(BaseModel):
    may_start: bool
    unmet: list[Condition]


def gate_read(unmet: list[Any]) -> GateRead:
    return GateRead(
        may_start=not unmet,
        unmet=[Condition(code=u.code, message_en=u.message_en, message_nl=u.message_nl) for u in unmet],
    )


class AuditEntryRead(ORM):
    seq: int
    at: datetime
    actor: str
    role: str
    case_id: int | None
    action: str
    object_type: str
    object_id: str
    reason: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditVerifyRead(BaseModel):
    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: str
    anchors_checked: int
    first_broken_seq: int | None
    problems: list[str]
    checkpoints_checked: int = 0
    last_checkpoint_seq: int | None = None
    unkeyed_entries: int = 0
    macs_checked: bool = False
    warnings: list[str] = []


class PolicyGroundRead(BaseModel):
    id: str
    statute: str
    title_en: str
    title_nl: str
    requires_consent: bool
    requires_information_notice: bool
    requires_milder_means: bool
    allowed_categories: list[str]
    max_window_days: int
    max_validity_days: int


class PolicyRead(BaseModel):
    version: str
    title_en: str
    title_nl: str
    grounds: list[PolicyGroundRead]

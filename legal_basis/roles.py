"""Roles. Every API route declares which of them it allows; anything else is denied."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    INTAKE_OFFICER = "intake_officer"
    AUTHORISING_OFFICIAL = "authorising_official"
    CASEWORKER = "caseworker"
    LEGAL_REVIEWER = "legal_reviewer"
    COMPLIANCE_AUDITOR = "compliance_auditor"
    ADMIN = "admin"


ALL_ROLES: tuple[Role, ...] = tuple(Role)

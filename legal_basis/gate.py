"""The legal gate: may an extraction start? A pure function over plain facts.

It returns every unmet condition (not just the first), each with a stable code and a message in English
and Dutch, so the officer sees at once everything that is missing. Every code path that would start an
extraction calls ``extraction_conditions`` and refuses unless it returns an empty list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from extractor.artifacts.spec import NEVER_ACQUIRABLE, DataCategory
from legal_basis.policy import Policy


@dataclass(frozen=True, slots=True)
class UnmetCondition:
    code: str
    message_en: str
    message_nl: str


@dataclass(frozen=True, slots=True)
class AuthorisationFacts:
    id: int
    case_id: int
    device_id: int | None
    status: str
    ground_id: str
    purpose: str
    necessity: str
    milder_means: tuple[dict[str, str], ...]
    categories: frozenset[str]
    window_start: datetime
    window_end: datetime
    valid_until: datetime
    requested_by: int
    decided_by: int | None


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    authorisation_id: int
    given: bool
    language: str
    refusal_without_consequence_explained: bool
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    language: str


def _c(code: str, en: str, nl: str) -> UnmetCondition:
    return UnmetCondition(code=code, message_en=en, message_nl=nl)


def extraction_conditions(
    *,
    policy: Policy,
    authorisation: AuthorisationFacts | None,
    consents: list[ConsentFacts],
    notices: list[NoticeFacts],
    requested_categories: frozenset[str],
    device_id: int | None,
    case_open: bool,
    now: datetime,
) -> list[UnmetCondition]:
    """Everything that stops an extraction from starting now; empty means it may start."""
    unmet: list[UnmetCondition] = []
    if not case_open:
        unmet.append(
            _c(
                "case_closed",
                "The case is closed or its data was deleted.",
                "De zaak is gesloten of de gegevens zijn verwijderd.",
            )
        )
    if authorisation is None:
        unmet.append(
            _c(
                "no_authorisation",
                "There is no authorisation for this case: request one and have it approved.",
                "Er is geen machtiging voor deze zaak: vraag er een aan en laat die goedkeuren.",
            )
        )
        return unmet
    if authorisation.device_id is not None and device_id is not None and authorisation.device_id != device_id:
        unmet.append(
            _c(
                "wrong_device",
                "The authorisation is for another device of this case.",
                "De machtiging geldt voor een ander toestel van deze zaak.",
            )
        )
    if authorisation.status == "requested":
        unmet.append(
            _c(
                "not_approved",
                "The authorisation has not been approved yet.",
                "De machtiging is nog niet goedgekeurd.",
            )
        )
    elif authorisation.status == "refused":
        unmet.append(_c("refused", "The authorisation was refused.", "De machtiging is geweigerd."))
    elif authorisation.status == "withdrawn":
        unmet.append(
            _c(
                "withdrawn",
                "The authorisation was withdrawn (consent withdrawn).",
                "De machtiging is ingetrokken (toestemming ingetrokken).",
            )
        )
    if authorisation.decided_by is not None and authorisation.decided_by == authorisation.requested_by:
        unmet.append(
            _c(
                "same_approver",
                "The approving official is the requester: a different official must approve.",
                "De goedkeurende ambtenaar is de aanvrager: een andere ambtenaar moet goedkeuren.",
            )
        )
    if authorisation.valid_until <= now:
        unmet.append(_c("expired", "The authorisation has expired.", "De machtiging is verlopen."))
    ground = policy.ground(authorisation.ground_id)
    if ground is None:
        unmet.append(
            _c(
                "unknown_ground",
                f"Legal ground {authorisation.ground_id!r} is not in the policy in force ({policy.full_version}).",
                f"Rechtsgrond {authorisation.ground_id!r} staat niet in het geldende beleid ({policy.full_version}).",
            )
        )
    else:
        if not authorisation.purpose.strip():
            unmet.append(_c("purpose_missing", "The purpose is not stated.", "Het doel is niet vermeld."))
        if not authorisation.necessity.strip():
            unmet.append(
                _c("necessity_missing", "The necessity is not stated.", "De noodzaak is niet vermeld.")
            )
        if ground.requires_milder_means and not any(
            (m.get("means") or "").strip() and (m.get("result") or "").strip()
            for m in authorisation.milder_means
        ):
            unmet.append(
                _c(
                    "milder_means_missing",
                    "No milder means tried (documents, registers, other inquiries) with their result are recorded.",
                    "Er zijn geen lichtere middelen (documenten, registers, ander onderzoek) met hun resultaat vastgelegd.",
                )
            )
        not_allowed = sorted(
            c for c in authorisation.categories if c not in {str(x) for x in ground.allowed_categories}
        )
        if not_allowed:
            unmet.append(
                _c(
                    "category_not_allowed",
                    f"The legal ground does not allow these data categories: {', '.join(not_allowed)}.",
                    f"De rechtsgrond staat deze gegevenscategorieën niet toe: {', '.join(not_allowed)}.",
                )
            )
        if (authorisation.window_end - authorisation.window_start).days > ground.max_window_days:
            unmet.append(
                _c(
                    "window_too_long",
                    f"The date window is longer than the {ground.max_window_days} days the ground allows.",
                    f"De periode is langer dan de {ground.max_window_days} dagen die de rechtsgrond toestaat.",
                )
            )
        if ground.requires_consent:
            valid = [
                c for c in consents if c.authorisation_id == authorisation.id and c.given and not c.withdrawn
            ]
            if any(c.withdrawn for c in consents if c.authorisation_id == authorisation.id) and not valid:
                unmet.append(
                    _c(
                        "consent_withdrawn",
                        "The applicant withdrew consent.",
                        "De aanvrager heeft de toestemming ingetrokken.",
                    )
                )
            elif not valid:
                unmet.append(
                    _c(
                        "consent_missing",
                        "The legal ground requires the applicant's recorded informed consent; none is recorded.",
                        "De rechtsgrond vereist vastgelegde geïnformeerde toestemming van de aanvrager; die ontbreekt.",
                    )
                )
            elif not all(c.refusal_without_consequence_explained and c.language.strip() for c in valid):
                unmet.append(
                    _c(
                        "consent_incomplete",
                        "The consent record must state the language and that refusal has no adverse consequence.",
                        "De toestemming moet de taal vermelden en dat weigeren geen nadelige gevolgen heeft.",
                    )
                )
        if ground.requires_information_notice and not notices:
            unmet.append(
                _c(
                    "notice_missing",
                    "No information notice to the applicant, in a language they understand, is recorded.",
                    "Er is geen informatie aan de aanvrager, in een taal die deze begrijpt, vastgelegd.",
                )
            )
    forbidden = sorted(c for c in requested_categories if c in {str(x) for x in NEVER_ACQUIRABLE})
    if forbidden:
        unmet.append(
            _c(
                "category_never_acquirable",
                f"These categories are never acquired: {', '.join(forbidden)}.",
                f"Deze categorieën worden nooit verworven: {', '.join(forbidden)}.",
            )
        )
    out_of_scope = sorted(requested_categories - authorisation.categories)
    if out_of_scope:
        unmet.append(
            _c(
                "category_not_in_scope",
                f"Not in the authorised scope: {', '.join(out_of_scope)}.",
                f"Niet binnen de goedgekeurde reikwijdte: {', '.join(out_of_scope)}.",
            )
        )
    return unmet


def known_categories() -> frozenset[str]:
    return frozenset(str(c) for c in DataCategory)

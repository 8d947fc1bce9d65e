"""The register of processing (AVG/GDPR art. 30) as PDF, in English or Dutch.

Laid out from ``casework.compliance.register.register_facts`` — derived from the policy in force and the data
— so the document stays true without anyone editing it. Words for codes (roles, data categories) come from the
one catalogue; the sentences of the document are below, in both languages.
"""

from __future__ import annotations

import io
from typing import Any, Literal

import catalogue
from api.reports.errors import ReportError
from api.reports.fonts import register_fonts
from api.reports.formatting import format_utc
from api.reports.layout import Layout as _Layout
from casework.compliance.register import RegisterFacts

Language = Literal["en", "nl"]

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Register of processing activities",
        "subtitle": "GDPR art. 30 — reading phones at asylum intake (reisroute)",
        "derived": (
            "This register is generated from the legal-basis policy in force and from the data held. It is "
            "not written by hand: when the policy or the processing changes, so does this document."
        ),
        "generated": "Generated",
        "policy": "Policy",
        "policy_digest": "SHA-256 of the policy file",
        "notice_version": "Information notice version",
        "s_purposes": "1. Purposes and legal grounds",
        "ground": "Legal ground",
        "statute": "Statute",
        "purpose": "Purpose",
        "rationale": "Rationale",
        "conditions": "Conditions before any extraction",
        "categories": "Categories of personal data",
        "evaluations": "Evaluations permitted (purpose binding)",
        "evaluator_roles": "Results visible to",
        "all_roles": "every role the service allows for them",
        "window": "Longest date window",
        "validity": "Longest validity of an authorisation",
        "retention": "Retention period",
        "volume": "Processing so far",
        "volume_value": (
            "{requested} authorisation(s) requested, {approved} approved; {jobs} extraction(s), "
            "{completed} completed"
        ),
        "days": "{days} days",
        "cond_consent": "informed consent of the applicant, recorded",
        "cond_notice": "information notice in a language the applicant understands",
        "cond_milder": "milder means tried first and found insufficient",
        "cond_approval": "approval by a second official",
        "s_subjects": "2. Data subjects",
        "subjects": (
            "Applicants for asylum whose phone is read, and — within the location data — no one else "
            "knowingly: message content, contacts and pictures are never acquired. Cases held: {total}; "
            "of which data deleted: {deleted}."
        ),
        "never": "Never acquired, whatever the policy says",
        "s_recipients": "3. Recipients (roles)",
        "role": "Role",
        "users": "Active users",
        "reads": "Reads of case data (audit log)",
        "recipients_note": (
            "No data leaves the organisation through reisroute; findings reach a caseworker only after a "
            "legal reviewer released them."
        ),
        "s_retention": "4. Retention",
        "retention_text": (
            "Evidence is deleted when the retention period of its legal ground ends (counted from the first "
            "acquisition) or when consent is withdrawn; the case key is destroyed (crypto-erasure) and the "
            "audit log keeps the proof. Default period: {days} days. Now overdue: {overdue}; due within 30 "
            "days: {soon}."
        ),
        "s_safeguards": "5. Technical and organisational safeguards",
        "s_integrity": "6. Integrity of this register",
        "audit_head": "Audit log head when generated",
        "page": "page {page}",
        "sg_two_person_authorisation": (
            "Two-person rule: the official who requests an authorisation can never approve it."
        ),
        "sg_scope_and_window": (
            "Minimisation: only artefacts of the authorised categories are read, and records outside the "
            "authorised date window are dropped before storage (their number is reported)."
        ),
        "sg_never_acquired": "Message content, contacts and pictures are never acquired.",
        "sg_release_by_reviewer": "Findings are released to a caseworker only by a legal reviewer.",
        "sg_consent": "Where a ground requires it, no extraction without recorded informed consent; withdrawal "
        "stops processing and starts deletion.",
        "sg_information_notice": "An information notice is recorded before any extraction.",
        "sg_milder_means": "The milder means tried first, and their result, are part of every authorisation.",
        "sg_evidence_encrypted": "Evidence is stored encrypted under a key per case.",
        "sg_crypto_erasure": "Deletion destroys the case key; the proof is kept in the audit log.",
        "sg_hash_chained_audit": (
            "Every action and every read of case data is written to an append-only, hash-chained audit log "
            "with checkpoints outside the database; any edit, insertion or deletion is detected."
        ),
        "sg_read_reasons": (
            "Reads outside a case's own workflow carry a reason; reads without one are listed for the "
            "compliance officer."
        ),
    },
    "nl": {
        "title": "Register van verwerkingsactiviteiten",
        "subtitle": "AVG art. 30 — uitlezen van telefoons bij de asielintake (reisroute)",
        "derived": (
            "Dit register wordt gemaakt uit het geldende beleid voor de wettelijke grondslag en uit de "
            "aanwezige gegevens. Het wordt niet met de hand geschreven: verandert het beleid of de verwerking, "
            "dan verandert dit document mee."
        ),
        "generated": "Gemaakt",
        "policy": "Beleid",
        "policy_digest": "SHA-256 van het beleidsbestand",
        "notice_version": "Versie van de informatieverstrekking",
        "s_purposes": "1. Doeleinden en grondslagen",
        "ground": "Grondslag",
        "statute": "Wettelijke bepaling",
        "purpose": "Doel",
        "rationale": "Onderbouwing",
        "conditions": "Voorwaarden vóór elke uitlezing",
        "categories": "Categorieën persoonsgegevens",
        "evaluations": "Toegestane evaluaties (doelbinding)",
        "evaluator_roles": "Resultaten zichtbaar voor",
        "all_roles": "elke rol die de dienst daarvoor toelaat",
        "window": "Langste periode",
        "validity": "Langste geldigheid van een machtiging",
        "retention": "Bewaartermijn",
        "volume": "Verwerking tot nu toe",
        "volume_value": (
            "{requested} machtiging(en) aangevraagd, {approved} goedgekeurd; {jobs} uitlezing(en), "
            "{completed} voltooid"
        ),
        "days": "{days} dagen",
        "cond_consent": "geïnformeerde toestemming van de aanvrager, vastgelegd",
        "cond_notice": "informatieverstrekking in een taal die de aanvrager begrijpt",
        "cond_milder": "lichtere middelen eerst geprobeerd en ontoereikend gebleken",
        "cond_approval": "goedkeuring door een tweede functionaris",
        "s_subjects": "2. Betrokkenen",
        "subjects": (
            "Asielzoekers van wie de telefoon wordt uitgelezen; binnen de locatiegegevens bewust niemand "
            "anders: berichten, contacten en afbeeldingen worden nooit verkregen. Zaken aanwezig: {total}; "
            "waarvan gegevens verwijderd: {deleted}."
        ),
        "never": "Nooit verkregen, wat het beleid ook zegt",
        "s_recipients": "3. Ontvangers (rollen)",
        "role": "Rol",
        "users": "Actieve gebruikers",
        "reads": "Inzagen van zaakgegevens (auditlog)",
        "recipients_note": (
            "Via reisroute verlaten geen gegevens de organisatie; bevindingen bereiken een behandelaar pas "
            "nadat een juridisch toetser ze heeft vrijgegeven."
        ),
        "s_retention": "4. Bewaartermijnen",
        "retention_text": (
            "Bewijs wordt verwijderd wanneer de bewaartermijn van de grondslag afloopt (gerekend vanaf de "
            "eerste verkrijging) of wanneer de toestemming wordt ingetrokken; de zaaksleutel wordt vernietigd "
            "(crypto-erasure) en het auditlog bewaart het bewijs. Standaardtermijn: {days} dagen. Nu te laat: "
            "{overdue}; binnen 30 dagen aan de beurt: {soon}."
        ),
        "s_safeguards": "5. Technische en organisatorische maatregelen",
        "s_integrity": "6. Integriteit van dit register",
        "audit_head": "Kop van het auditlog bij het maken",
        "page": "pagina {page}",
        "sg_two_person_authorisation": (
            "Vier-ogenprincipe: wie een machtiging aanvraagt, kan haar nooit zelf goedkeuren."
        ),
        "sg_scope_and_window": (
            "Minimalisatie: alleen artefacten van de gemachtigde categorieën worden gelezen, en gegevens buiten "
            "de gemachtigde periode worden vóór opslag weggelaten (het aantal wordt gemeld)."
        ),
        "sg_never_acquired": "Inhoud van berichten, contacten en afbeeldingen worden nooit verkregen.",
        "sg_release_by_reviewer": "Bevindingen worden alleen door een juridisch toetser vrijgegeven aan een "
        "behandelaar.",
        "sg_consent": "Waar de grondslag dat eist: geen uitlezing zonder vastgelegde geïnformeerde toestemming; "
        "intrekking stopt de verwerking en start de verwijdering.",
        "sg_information_notice": "Vóór elke uitlezing wordt de informatieverstrekking vastgelegd.",
        "sg_milder_means": "De eerst geprobeerde lichtere middelen en hun resultaat maken deel uit van elke "
        "machtiging.",
        "sg_evidence_encrypted": "Bewijs wordt versleuteld opgeslagen met een sleutel per zaak.",
        "sg_crypto_erasure": "Verwijderen vernietigt de zaaksleutel; het bewijs daarvan staat in het auditlog.",
        "sg_hash_chained_audit": (
            "Elke handeling en elke inzage van zaakgegevens komt in een onveranderlijk, met hashes geketend "
            "auditlog met controlepunten buiten de database; elke wijziging, invoeging of verwijdering valt op."
        ),
        "sg_read_reasons": (
            "Inzage buiten de eigen behandeling van een zaak vermeldt een reden; inzagen zonder reden worden "
            "voor de compliance-functionaris op een rij gezet."
        ),
    },
}


def render_register(facts: RegisterFacts, *, language: Language = "nl") -> bytes:
    """The register as PDF bytes (A4, DejaVu embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    if language not in TEXT:
        raise ReportError(f"register language must be one of {sorted(TEXT)}, not {language!r}")
    text = TEXT[language]
    fonts = register_fonts()
    layout = _Layout(fonts)

    def words(group: str, code: str) -> str:
        return catalogue.label(group, code, language)

    story: list[Any] = [
        layout.t(text["title"], layout.title),
        layout.t(text["subtitle"], layout.subtitle),
        layout.t(text["derived"], layout.notice),
        layout.key_values(
            [
                (text["generated"], format_utc(facts.generated_at, seconds=True)),
                (
                    text["policy"],
                    f"{facts.policy_id}@{facts.policy_version} — "
                    f"{facts.policy_title_en if language == 'en' else facts.policy_title_nl}",
                ),
                (text["policy_digest"], facts.policy_sha256 or "—"),
                (text["notice_version"], facts.information_notice_version),
            ]
        ),
        layout.t(text["s_purposes"], layout.h1),
    ]
    for activity in facts.activities:
        conditions = [text["cond_approval"]]
        if activity.requires_consent:
            conditions.append(text["cond_consent"])
        if activity.requires_information_notice:
            conditions.append(text["cond_notice"])
        if activity.requires_milder_means:
            conditions.append(text["cond_milder"])
        story += [
            layout.t(f"{text['ground']}: {activity.ground_id}", layout.h2),
            layout.key_values(
                [
                    (text["statute"], activity.statute),
                    (text["purpose"], activity.title_en if language == "en" else activity.title_nl),
                    (text["rationale"], activity.rationale or "—"),
                    (text["conditions"], "; ".join(conditions)),
                    (text["categories"], "; ".join(words("data_category", c) for c in activity.categories)),
                    (
                        text["evaluations"],
                        "; ".join(words("evaluation", e) for e in activity.permitted_evaluations),
                    ),
                    (
                        text["evaluator_roles"],
                        "; ".join(words("role", r) for r in activity.evaluator_roles) or text["all_roles"],
                    ),
                    (text["window"], text["days"].format(days=activity.max_window_days)),
                    (text["validity"], text["days"].format(days=activity.max_validity_days)),
                    (text["retention"], text["days"].format(days=activity.retention_days)),
                    (
                        text["volume"],
                        text["volume_value"].format(
                            requested=activity.authorisations_requested,
                            approved=activity.authorisations_approved,
                            jobs=activity.extractions,
                            completed=activity.extractions_completed,
                        ),
                    ),
                ]
            ),
        ]
    story += [
        layout.t(text["s_subjects"], layout.h1),
        layout.t(text["subjects"].format(total=facts.cases_total, deleted=facts.cases_deleted)),
        Spacer(1, 2 * mm),
        layout.key_values(
            [(text["never"], "; ".join(words("data_category", c) for c in facts.never_acquired))]
        ),
        layout.t(text["s_recipients"], layout.h1),
        layout.grid(
            [text["role"], text["users"], text["reads"]],
            [[words("role", r.role), str(r.active_users), str(r.case_reads)] for r in facts.recipients],
            [70, 35, 60],
        ),
        Spacer(1, 2 * mm),
        layout.t(text["recipients_note"]),
        layout.t(text["s_retention"], layout.h1),
        layout.t(
            text["retention_text"].format(
                days=facts.retention_days_default,
                overdue=facts.retention_overdue,
                soon=facts.retention_due_soon,
            )
        ),
        layout.grid(
            [text["ground"], text["retention"]],
            [[a.ground_id, text["days"].format(days=a.retention_days)] for a in facts.activities],
            [100, 60],
        ),
        layout.t(text["s_safeguards"], layout.h1),
    ]
    story += [layout.t(f"• {text['sg_' + code]}") for code in facts.safeguards]
    story += [
        layout.t(text["s_integrity"], layout.h1),
        layout.key_values([(text["audit_head"], f"{facts.audit_head_seq} {facts.audit_head_hash}")]),
    ]

    def decorate(canvas: Any, document: Any) -> None:
        width, height = document.pagesize
        canvas.saveState()
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.setFont(fonts.regular, 7)
        canvas.drawString(18 * mm, height - 11 * mm, f"reisroute — {text['title']} — {facts.policy_id}")
        canvas.drawString(
            18 * mm, 10 * mm, f"{text['generated']}: {format_utc(facts.generated_at, seconds=True)}"
        )
        canvas.drawRightString(width - 18 * mm, 10 * mm, text["page"].format(page=document.page))
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{text['title']} — {facts.policy_id}@{facts.policy_version}",
        author="reisroute",
        subject=text["subtitle"],
        creator="reisroute api.reports.register",
        initialFontName=fonts.regular,
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()

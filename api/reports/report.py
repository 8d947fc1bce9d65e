"""The case report as PDF: one document per set of findings, for the case file.

``build_case_report(state, case_id, finding_set_id=..., language="nl"|"en")`` reads the case in one
session (``casework.report_facts``) and lays it out with reportlab platypus, with DejaVu embedded
(``api.reports.fonts``) and the route map drawn by matplotlib (``api.reports.map``).

Sections: case and device identity; legal ground and authorisation; chain of custody; route (map,
country sequence, crossings, stays); claims and findings (status in words, evidence both ways,
explanations in Dutch and English); limitations; integrity (audit-log head and latest anchor).
A finding set not yet released by a legal reviewer prints as a draft, watermarked on every page.
There is no score anywhere: each claim stands alone, and the software decides nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from xml.sax.saxutils import escape

import catalogue
from api.reports.errors import ReportError
from api.reports.fonts import FontFamily, register_fonts
from casework.report_facts import (
    CaseReportData,
    EvidenceFacts,
    FindingFacts,
    JobFacts,
    collect_report_data,
)
from casework.state import AppState

Language = Literal["nl", "en"]
DRAFT_WATERMARK = "CONCEPT / DRAFT — not released"
MAX_EVIDENCE_SHOWN = 5
MAX_GAPS_LISTED = 20


def status_colour(status: str) -> str:
    found = catalogue.group("finding_status").get(status)
    return (found.colour if found is not None else None) or "#ffffff"


TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Travel route report",
        "subtitle": "Location data of a phone compared with the applicant's account",
        "case": "Case",
        "reference": "Case reference",
        "case_title": "Title",
        "case_status": "Case status",
        "created": "Opened",
        "retention": "Retained until",
        "finding_set": "Finding set",
        "released": "Released by a legal reviewer",
        "release_note": "Reviewer's note",
        "not_released": "NOT RELEASED — draft for review only; not for the case file",
        "generated": "Report generated",
        "language": "Report language",
        "preamble": (
            "This report informs the person who decides on the application; the software decides nothing. "
            "It contains no credibility score: each claim stands alone, with the evidence for and against "
            "it and the uncertainty used. The data locates the device, not the person."
        ),
        "s_identity": "1. Case and device identity",
        "device": "Device",
        "platform": "Platform",
        "make_model": "Make and model",
        "serial": "Serial number",
        "seal": "Seal / evidence bag",
        "registered": "Registered by, at",
        "reported_identity": "Identity reported by the device (job {job})",
        "s_legal": "2. Legal ground and authorisation",
        "authorisation": "Authorisation",
        "statute": "Statute",
        "ground": "Legal ground",
        "policy": "Policy version",
        "purpose": "Purpose",
        "necessity": "Necessity",
        "milder_means": "Milder means tried first",
        "categories": "Data categories in scope",
        "window": "Date window",
        "valid_until": "Valid until",
        "status": "Status",
        "requested": "Requested by, at",
        "decided": "Approved/decided by, at",
        "decision_reason": "Reason of the decision",
        "consent": "Consent records",
        "notices": "Information notices",
        "c_language": "Language",
        "c_interpreter": "Interpreter",
        "c_refusal": "Told that refusal has no adverse consequence",
        "c_given": "Consent given",
        "c_given_at": "Given at",
        "c_recorded_by": "Recorded by",
        "c_withdrawn": "Withdrawn at",
        "n_version": "Notice version",
        "none": "none",
        "yes": "yes",
        "no": "no",
        "s_custody": "3. Chain of custody",
        "job": "Extraction job {job}",
        "kind": "Source kind",
        "method": "Method",
        "operator": "Started by",
        "times": "Started, finished",
        "tools": "Tool versions",
        "parsers": "Parsers run",
        "clock_start": "Device clock at start",
        "clock_end": "Device clock at end",
        "clock_value": "offset {offset} s ± {uncertainty} s against the host clock{zone}",
        "no_clock": "not measured (offline input)",
        "items": "Items acquired",
        "bytes": "Bytes acquired",
        "records": "Location records",
        "dropped": "Dropped outside the date window",
        "manifest": "SHA-256 of the custody manifest",
        "outcomes": "Artifacts",
        "artifact": "Artifact",
        "outcome": "Outcome",
        "notes": "Notes",
        "s_route": "4. Route",
        "route_version": "Route version {version} ({code}), built {created} from {records} records; {usable} usable.",
        "map_caption": (
            "Map: base map from Natural Earth country polygons. Solid: observed; dashed: interpolated between "
            "records; dotted red: gap without records. Numbers refer to the stay table."
        ),
        "no_route": "There is no route: the device's records in scope held no usable positions.",
        "countries": "Country sequence (UTC)",
        "country": "Country",
        "from": "From",
        "to": "To",
        "points": "Points",
        "crossings": "Border crossings (the crossing happened between these two records)",
        "last_before": "Last record before",
        "first_after": "First record after",
        "confidence": "Confidence",
        "stays": "Stays (within about 200 m; the visits above group them)",
        "place_visits": "Visits (time at one place; day trips are folded in, times UTC)",
        "place_visits_intro": (
            "A visit is the time at one town, camp or island: its stays and the trips away that came back. "
            "Observed: the share of the visit's time covered by records at most an hour apart; a phone that "
            "took one photo a day shows a visit observed on many days but for almost none of its time."
        ),
        "records_days": "Records (days with records / days)",
        "observed": "Observed",
        "excursions": "Trips away",
        "excursions_value": "{count} (up to {distance})",
        "stay_numbers": "Stays",
        "place": "Place",
        "s_claims": "5. Claims and findings",
        "claims_intro": (
            "Each claim from the applicant's account, as the caseworker entered it, with what the software "
            "understood, the finding and its evidence. Record numbers refer to the case's location records."
        ),
        "claim": "Claim",
        "said": "As said",
        "understood": "Understood as",
        "finding": "Finding",
        "evidence_for": "Evidence for",
        "evidence_against": "Evidence against",
        "uncertainty": "Uncertainty used",
        "explanation_nl": "Explanation (Dutch)",
        "explanation_en": "Explanation (English)",
        "evidence_line": "record {record} · {time} · {distance} from the place · Δt {dt} · accuracy ± {accuracy}",
        "more_records": "… and {count} more record(s)",
        "uncertainty_line": (
            "position ± {position}; clock ± {clock}; time phrase spans {width}; local time zone {zone}"
        ),
        "no_findings": "No claims were matched in this finding set.",
        "not_matched": "Claims not matched (place or time not understood): {claims}.",
        "s_limitations": "6. Limitations",
        "device_not_person": "The data locates the device, not the person.",
        "does_not_decide": (
            "The software does not decide the application and gives no credibility score; it informs the "
            "person who decides (benefit of the doubt: Qualification Directive 2011/95/EU art. 4(5))."
        ),
        "received": (
            "{count} position(s) came from photos the device received from elsewhere (messaging apps, "
            "downloads, another camera): shown on the map as context only, never used as the device's "
            "position."
        ),
        "no_received": "No received photos were found among the records in scope.",
        "coverage": "The device's own records run from {first} to {last}; outside that period there is no data.",
        "gaps": "Gaps of {hours} or more without any record:",
        "gap_line": "{start} to {end} ({duration})",
        "more_gaps": "… and {count} more gap(s).",
        "clock_anomalies": "Clock anomalies:",
        "no_clock_anomalies": "No clock anomalies were measured.",
        "artifact_problems": "Artifacts in scope that yielded nothing or failed: {items}.",
        "dropped_total": "{count} record(s) found outside the authorised date window were dropped before storage.",
        "from_matching": "Limitations stated with the findings:",
        "device_history": "Signs of a reset or a second-hand phone:",
        "device_history_none": "None were found in the data read.",
        "device_history_not_computed": "Not examined for job(s) {jobs}.",
        "device_history_not_authorised": (
            "The phone's own history (first start, storage set-up) was not read: the category "
            "'device_history' was not authorised."
        ),
        "s_integrity": "7. Integrity",
        "audit_head": "Audit-log head at the time of this report",
        "anchor": "Latest anchor outside the database",
        "no_anchor": "no anchor written yet",
        "matching_version": "Matching code version",
        "integrity_note": (
            "The issuance of this report is recorded in the audit log as a later entry, with the SHA-256 of "
            "this document. Check the chain with `reisroute audit verify`."
        ),
        "page": "Page {page}",
    },
    "nl": {
        "title": "Rapport reisroute",
        "subtitle": "Locatiegegevens van een telefoon vergeleken met het relaas van de aanvrager",
        "case": "Zaak",
        "reference": "Zaaknummer",
        "case_title": "Titel",
        "case_status": "Status van de zaak",
        "created": "Geopend",
        "retention": "Bewaard tot",
        "finding_set": "Set bevindingen",
        "released": "Vrijgegeven door een juridisch toetser",
        "release_note": "Toelichting van de toetser",
        "not_released": "NIET VRIJGEGEVEN — concept ter toetsing; niet voor het dossier",
        "generated": "Rapport gemaakt",
        "language": "Taal van het rapport",
        "preamble": (
            "Dit rapport informeert degene die over de aanvraag beslist; de software beslist niets. Het bevat "
            "geen geloofwaardigheidsscore: elke verklaring staat op zichzelf, met het bewijs voor en tegen en "
            "de gebruikte onzekerheid. De gegevens tonen waar het toestel was, niet waar de persoon was."
        ),
        "s_identity": "1. Zaak en toestel",
        "device": "Toestel",
        "platform": "Platform",
        "make_model": "Merk en model",
        "serial": "Serienummer",
        "seal": "Zegel / bewijszak",
        "registered": "Geregistreerd door, op",
        "reported_identity": "Identiteit zoals het toestel die meldde (taak {job})",
        "s_legal": "2. Wettelijke grondslag en machtiging",
        "authorisation": "Machtiging",
        "statute": "Wettelijke bepaling",
        "ground": "Grondslag",
        "policy": "Beleidsversie",
        "purpose": "Doel",
        "necessity": "Noodzaak",
        "milder_means": "Eerst geprobeerde lichtere middelen",
        "categories": "Gegevenscategorieën binnen de machtiging",
        "window": "Periode",
        "valid_until": "Geldig tot",
        "status": "Status",
        "requested": "Aangevraagd door, op",
        "decided": "Goedgekeurd/beslist door, op",
        "decision_reason": "Reden van de beslissing",
        "consent": "Toestemming",
        "notices": "Informatie aan de aanvrager",
        "c_language": "Taal",
        "c_interpreter": "Tolk",
        "c_refusal": "Uitgelegd dat weigeren geen nadelige gevolgen heeft",
        "c_given": "Toestemming gegeven",
        "c_given_at": "Gegeven op",
        "c_recorded_by": "Vastgelegd door",
        "c_withdrawn": "Ingetrokken op",
        "n_version": "Versie van de informatie",
        "none": "geen",
        "yes": "ja",
        "no": "nee",
        "s_custody": "3. Bewaarketen",
        "job": "Uitleestaak {job}",
        "kind": "Soort bron",
        "method": "Methode",
        "operator": "Gestart door",
        "times": "Gestart, klaar",
        "tools": "Versies van de software",
        "parsers": "Gebruikte parsers",
        "clock_start": "Klok van het toestel bij de start",
        "clock_end": "Klok van het toestel aan het eind",
        "clock_value": "afwijking {offset} s ± {uncertainty} s ten opzichte van de klok van het station{zone}",
        "no_clock": "niet gemeten (offline invoer)",
        "items": "Verkregen bestanden",
        "bytes": "Verkregen bytes",
        "records": "Locatiegegevens",
        "dropped": "Weggelaten buiten de periode",
        "manifest": "SHA-256 van het bewaarketenmanifest",
        "outcomes": "Artefacten",
        "artifact": "Artefact",
        "outcome": "Uitkomst",
        "notes": "Opmerkingen",
        "s_route": "4. Route",
        "route_version": "Routeversie {version} ({code}), gemaakt {created} uit {records} gegevens; {usable} bruikbaar.",
        "map_caption": (
            "Kaart: ondergrond uit de landsgrenzen van Natural Earth. Doorgetrokken: waargenomen; gestreept: "
            "geïnterpoleerd tussen gegevens; rood gestippeld: gat zonder gegevens. Nummers verwijzen naar "
            "de tabel met verblijven."
        ),
        "no_route": "Er is geen route: de gegevens binnen de machtiging bevatten geen bruikbare posities.",
        "countries": "Volgorde van landen (UTC)",
        "country": "Land",
        "from": "Van",
        "to": "Tot",
        "points": "Punten",
        "crossings": "Grensovergangen (de overgang lag tussen deze twee gegevens)",
        "last_before": "Laatste gegeven ervoor",
        "first_after": "Eerste gegeven erna",
        "confidence": "Betrouwbaarheid",
        "stays": "Verblijven (binnen ongeveer 200 m; de bezoeken hierboven groeperen ze)",
        "place_visits": "Bezoeken (tijd op één plaats; dagtochten inbegrepen, tijden UTC)",
        "place_visits_intro": (
            "Een bezoek is de tijd in één stad, kamp of eiland: de verblijven daar en de tochten weg die "
            "terugkeerden. Waargenomen: het deel van de tijd dat gedekt is door gegevens die hooguit een uur "
            "uit elkaar liggen; een telefoon met één foto per dag toont een bezoek dat op veel dagen is "
            "waargenomen, maar voor bijna niets van de tijd."
        ),
        "records_days": "Gegevens (dagen met gegevens / dagen)",
        "observed": "Waargenomen",
        "excursions": "Tochten weg",
        "excursions_value": "{count} (tot {distance})",
        "stay_numbers": "Verblijven",
        "place": "Plaats",
        "s_claims": "5. Verklaringen en bevindingen",
        "claims_intro": (
            "Elke verklaring uit het relaas, zoals de medewerker die invoerde, met wat de software begreep, "
            "de bevinding en het bewijs. Nummers van gegevens verwijzen naar de locatiegegevens van de zaak."
        ),
        "claim": "Verklaring",
        "said": "Zoals gezegd",
        "understood": "Begrepen als",
        "finding": "Bevinding",
        "evidence_for": "Bewijs voor",
        "evidence_against": "Bewijs tegen",
        "uncertainty": "Gebruikte onzekerheid",
        "explanation_nl": "Toelichting (Nederlands)",
        "explanation_en": "Toelichting (Engels)",
        "evidence_line": "gegeven {record} · {time} · {distance} van de plaats · Δt {dt} · nauwkeurigheid ± {accuracy}",
        "more_records": "… en nog {count} gegeven(s)",
        "uncertainty_line": (
            "positie ± {position}; klok ± {clock}; tijdsaanduiding beslaat {width}; lokale tijdzone {zone}"
        ),
        "no_findings": "In deze set zijn geen verklaringen vergeleken.",
        "not_matched": "Niet vergeleken verklaringen (plaats of tijd niet begrepen): {claims}.",
        "s_limitations": "6. Beperkingen",
        "device_not_person": "De gegevens tonen waar het toestel was, niet waar de persoon was.",
        "does_not_decide": (
            "De software beslist niet over de aanvraag en geeft geen geloofwaardigheidsscore; zij informeert "
            "degene die beslist (voordeel van de twijfel: Kwalificatierichtlijn 2011/95/EU art. 4 lid 5)."
        ),
        "received": (
            "{count} positie(s) kwamen uit foto's die het toestel van elders ontving (berichtenapps, downloads, "
            "een andere camera): op de kaart alleen als context getoond, nooit gebruikt als positie van het "
            "toestel."
        ),
        "no_received": "Binnen de machtiging zijn geen ontvangen foto's gevonden.",
        "coverage": "De eigen gegevens van het toestel lopen van {first} tot {last}; daarbuiten zijn er geen gegevens.",
        "gaps": "Gaten van {hours} of meer zonder enig gegeven:",
        "gap_line": "{start} tot {end} ({duration})",
        "more_gaps": "… en nog {count} gat(en).",
        "clock_anomalies": "Afwijkingen van de klok:",
        "no_clock_anomalies": "Er zijn geen afwijkingen van de klok gemeten.",
        "artifact_problems": "Artefacten binnen de machtiging zonder resultaat of mislukt: {items}.",
        "dropped_total": "{count} gegeven(s) buiten de gemachtigde periode zijn vóór opslag weggelaten.",
        "from_matching": "Beperkingen vastgelegd bij de bevindingen:",
        "device_history": "Aanwijzingen voor een reset of een tweedehands telefoon:",
        "device_history_none": "In de gelezen gegevens zijn er geen gevonden.",
        "device_history_not_computed": "Niet onderzocht voor opdracht(en) {jobs}.",
        "device_history_not_authorised": (
            "De eigen geschiedenis van de telefoon (eerste start, instellen van de opslag) is niet gelezen: de "
            "categorie 'device_history' was niet gemachtigd."
        ),
        "s_integrity": "7. Integriteit",
        "audit_head": "Laatste regel van het auditlog bij het maken van dit rapport",
        "anchor": "Laatste anker buiten de database",
        "no_anchor": "nog geen anker geschreven",
        "matching_version": "Versie van de vergelijkingscode",
        "integrity_note": (
            "Het maken van dit rapport is in het auditlog vastgelegd als een latere regel, met de SHA-256 van "
            "dit document. Controleer de keten met `reisroute audit verify`."
        ),
        "page": "Pagina {page}",
    },
}


# --- formatting ----------------------------------------------------------------------------------------


def format_utc(moment: datetime | None, *, seconds: bool = False) -> str:
    if moment is None:
        return "—"
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def format_date(moment: datetime | None) -> str:
    return "—" if moment is None else moment.strftime("%Y-%m-%d")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    value = abs(float(seconds))
    if value < 90:
        return f"{value:.0f} s"
    if value < 3600:
        return f"{value / 60:.0f} min"
    if value < 2 * 86_400:
        hours, minutes = divmod(round(value / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(round(value / 3600), 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_signed_duration(seconds: float) -> str:
    if seconds == 0:
        return "0 (within)"
    return ("+" if seconds > 0 else "−") + format_duration(seconds)


def format_distance(metres: float | None) -> str:
    if metres is None:
        return "—"
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km" if metres < 100_000 else f"{metres / 1000:.0f} km"


def _number_ranges(numbers: tuple[int, ...]) -> str:
    """1, 2, 3, 5 → "1–3, 5"; empty → "—"."""
    if not numbers:
        return "—"
    parts: list[str] = []
    run_start = previous = numbers[0]
    for number in (*numbers[1:], None):
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(run_start) if run_start == previous else f"{run_start}–{previous}")
        if number is not None:
            run_start = previous = number
    return ", ".join(parts)


def format_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit} ({count} B)"
        value /= 1024
    return f"{count} B"


# --- layout --------------------------------------------------------------------------------------------


class _Layout:
    """Paragraph styles and small builders over one font family."""

    def __init__(self, fonts: FontFamily) -> None:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        self.fonts = fonts
        self.colors = colors
        base = ParagraphStyle("base", fontName=fonts.regular, fontSize=8.5, leading=11)
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5)
        self.mono = ParagraphStyle("mono", parent=base, fontName=fonts.mono, fontSize=7, leading=9)
        self.label = ParagraphStyle("label", parent=base, fontName=fonts.bold, fontSize=7.5, leading=9.5)
        self.h3 = ParagraphStyle(
            "h3", parent=base, fontName=fonts.bold, fontSize=8, leading=10, spaceBefore=5, spaceAfter=2
        )
        self.title = ParagraphStyle("title", parent=base, fontName=fonts.bold, fontSize=18, leading=22)
        self.subtitle = ParagraphStyle("subtitle", parent=base, fontSize=10, leading=13, textColor="#444444")
        self.h1 = ParagraphStyle(
            "h1",
            parent=base,
            fontName=fonts.bold,
            fontSize=12.5,
            leading=16,
            spaceBefore=10,
            spaceAfter=5,
            textColor="#1f4e79",
        )
        self.h2 = ParagraphStyle(
            "h2", parent=base, fontName=fonts.bold, fontSize=9.5, leading=12, spaceBefore=7, spaceAfter=3
        )
        self.notice = ParagraphStyle(
            "notice",
            parent=base,
            fontSize=8.5,
            leading=11.5,
            backColor="#eef3f8",
            borderColor="#1f4e79",
            borderWidth=0.6,
            borderPadding=6,
            spaceBefore=6,
            spaceAfter=10,
        )
        self.draft = ParagraphStyle(
            "draft",
            parent=base,
            fontName=fonts.bold,
            fontSize=10,
            leading=13,
            textColor="#a61b1b",
            backColor="#fbe3e3",
            borderColor="#a61b1b",
            borderWidth=0.8,
            borderPadding=5,
            spaceAfter=8,
        )

    def p(self, text: str, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(text, style or self.body)

    def t(self, text: object, style: Any = None) -> Any:
        """A paragraph from plain (untrusted) text: escaped."""
        return self.p(escape(str(text)), style)

    def key_values(self, rows: Sequence[tuple[str, Any]], *, label_width_mm: float = 52) -> Any:
        from reportlab.lib.units import mm
        from reportlab.platypus import Table, TableStyle

        cells = [
            [self.t(label, self.label), value if not isinstance(value, str) else self.t(value)]
            for label, value in rows
        ]
        table = Table(cells, colWidths=[label_width_mm * mm, None], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, self.colors.HexColor("#d0d0d0")),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table

    def grid(self, header: Sequence[str], rows: Sequence[Sequence[Any]], widths_mm: Sequence[float]) -> Any:
        from reportlab.lib.units import mm
        from reportlab.platypus import Table, TableStyle

        cells = [[self.t(h, self.label) for h in header]]
        cells += [[c if not isinstance(c, str) else self.t(c, self.small) for c in row] for row in rows]
        table = Table(cells, colWidths=[w * mm for w in widths_mm], repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
                    ("BACKGROUND", (0, 0), (-1, 0), self.colors.HexColor("#e4eaf1")),
                    ("GRID", (0, 0), (-1, -1), 0.25, self.colors.HexColor("#b8b8b8")),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        return table


class _Report:
    def __init__(self, data: CaseReportData, language: Language, layout: _Layout) -> None:
        self.data = data
        self.language = language
        self.text = TEXT[language]
        self.layout = layout

    def _(self, key: str, **values: object) -> str:
        template = self.text[key]
        return template.format(**values) if values else template

    def state_word(self, state: str) -> str:
        """A job's or an authorisation's state in the report's language, from the one catalogue."""
        for group_name in ("job_state", "authorisation_state"):
            if state in catalogue.group(group_name):
                return catalogue.label(group_name, state, self.language)
        return state

    def yes_no(self, value: bool) -> str:
        return self._("yes") if value else self._("no")

    # --- sections ----------------------------------------------------------------------------------

    def front(self) -> list[Any]:
        from reportlab.platypus import Spacer

        d, lay = self.data, self.layout
        story: list[Any] = [
            lay.t(self._("title"), lay.title),
            lay.t(self._("subtitle"), lay.subtitle),
            Spacer(1, 8),
        ]
        if not d.released:
            story.append(lay.t(self._("not_released"), lay.draft))
        released = f"{d.released_by} — {format_utc(d.released_at)}" if d.released else self._("not_released")
        rows: list[tuple[str, Any]] = [
            (self._("reference"), lay.p(f"<b>{escape(d.reference)}</b>")),
            (self._("case_title"), d.title or "—"),
            (self._("case_status"), d.case_status),
            (self._("created"), format_utc(d.case_created_at)),
            (self._("finding_set"), f"#{d.finding_set_id} — {format_utc(d.finding_set_created_at)}"),
            (self._("released"), released),
        ]
        if d.release_note:
            rows.append((self._("release_note"), d.release_note))
        rows += [
            (self._("generated"), format_utc(d.generated_at, seconds=True)),
            (self._("language"), "Nederlands" if self.language == "nl" else "English"),
        ]
        story.append(lay.key_values(rows))
        story.append(lay.t(self._("preamble"), lay.notice))
        return story

    def identity(self) -> list[Any]:
        d, lay = self.data, self.layout
        story: list[Any] = [lay.t(self._("s_identity"), lay.h1)]
        rows: list[tuple[str, Any]] = [(self._("reference"), d.reference)]
        if d.retention_until:
            rows.append((self._("retention"), format_utc(d.retention_until)))
        story.append(lay.key_values(rows))
        for device in d.devices:
            story.append(lay.t(f"{self._('device')} #{device.id}", lay.h2))
            story.append(
                lay.key_values(
                    [
                        (self._("platform"), device.platform),
                        (self._("make_model"), f"{device.make} {device.model}".strip() or "—"),
                        (self._("serial"), lay.t(device.serial or "—", lay.mono)),
                        (self._("seal"), device.seal_number or "—"),
                        (
                            self._("registered"),
                            f"{device.registered_by} — {format_utc(device.registered_at)}",
                        ),
                    ]
                )
            )
            for job in d.jobs:
                if job.device_id == device.id and job.identity:
                    story.append(lay.t(self._("reported_identity", job=job.id), lay.h3))
                    story.append(lay.key_values([(k, v) for k, v in job.identity]))
        return story

    def legal(self) -> list[Any]:
        d, lay = self.data, self.layout
        story: list[Any] = [lay.t(self._("s_legal"), lay.h1)]
        for a in d.authorisations:
            title = a.ground_title_nl if self.language == "nl" else a.ground_title_en
            means = "<br/>".join(
                escape(f"{m.means} ({m.tried_at}): {m.result}") for m in a.milder_means
            ) or escape(self._("none"))
            story.append(lay.t(f"{self._('authorisation')} #{a.id} — {self.state_word(a.status)}", lay.h2))
            story.append(
                lay.key_values(
                    [
                        (self._("statute"), lay.p(f"<b>{escape(a.statute)}</b>")),
                        (self._("ground"), f"{title} [{a.ground_id}]"),
                        (self._("policy"), a.policy_version),
                        (self._("purpose"), a.purpose),
                        (self._("necessity"), a.necessity),
                        (self._("milder_means"), lay.p(means)),
                        (self._("categories"), ", ".join(a.categories)),
                        (self._("window"), f"{format_utc(a.window_start)} — {format_utc(a.window_end)}"),
                        (self._("valid_until"), format_utc(a.valid_until)),
                        (self._("requested"), f"{a.requested_by} — {format_utc(a.requested_at)}"),
                        (
                            self._("decided"),
                            f"{a.decided_by} — {format_utc(a.decided_at)}" if a.decided_by else "—",
                        ),
                        (self._("decision_reason"), a.decision_reason or "—"),
                    ]
                )
            )
        story.append(lay.t(self._("consent"), lay.h2))
        if d.consents:
            story.append(
                lay.grid(
                    [
                        self._("authorisation"),
                        self._("c_language"),
                        self._("c_interpreter"),
                        self._("c_refusal"),
                        self._("c_given"),
                        self._("c_given_at"),
                        self._("c_recorded_by"),
                        self._("c_withdrawn"),
                    ],
                    [
                        [
                            f"#{c.authorisation_id}",
                            c.language,
                            c.interpreter or "—",
                            self.yes_no(c.refusal_without_consequence_explained),
                            self.yes_no(c.given),
                            format_utc(c.given_at),
                            c.recorded_by,
                            format_utc(c.withdrawn_at) if c.withdrawn_at else "—",
                        ]
                        for c in d.consents
                    ],
                    [18, 14, 26, 24, 17, 26, 26, 23],
                )
            )
        else:
            story.append(lay.t(self._("none")))
        story.append(lay.t(self._("notices"), lay.h2))
        if d.notices:
            story.append(
                lay.grid(
                    [
                        self._("c_language"),
                        self._("n_version"),
                        self._("c_interpreter"),
                        self._("c_given_at"),
                        self._("c_recorded_by"),
                    ],
                    [
                        [
                            n.language,
                            n.notice_version,
                            n.interpreter or "—",
                            format_utc(n.given_at),
                            n.recorded_by,
                        ]
                        for n in d.notices
                    ],
                    [20, 34, 40, 40, 40],
                )
            )
        else:
            story.append(lay.t(self._("none")))
        return story

    def _clock(self, reading: Any) -> str:
        if reading is None:
            return self._("no_clock")
        zone = f"; {reading.device_timezone}" if reading.device_timezone else ""
        return self._(
            "clock_value",
            offset=f"{reading.offset_s:+.1f}",
            uncertainty=f"{reading.uncertainty_s:.1f}",
            zone=zone,
        )

    def custody_job(self, job: JobFacts) -> list[Any]:
        lay = self.layout
        tools = "<br/>".join(escape(f"{k}: {v}") for k, v in job.tool_versions) or "—"
        story: list[Any] = [lay.t(self._("job", job=job.id) + f" — {self.state_word(job.state)}", lay.h2)]
        rows: list[tuple[str, Any]] = [
            (self._("kind"), job.kind),
            (self._("method"), job.method),
            (self._("operator"), job.operator),
            (self._("times"), f"{format_utc(job.started_at)} — {format_utc(job.finished_at)}"),
            (self._("tools"), lay.p(tools, lay.small)),
            (self._("parsers"), lay.t(", ".join(job.parsers) or "—", lay.small)),
            (self._("categories"), ", ".join(job.categories) or "—"),
            (self._("clock_start"), self._clock(job.clock_start)),
            (self._("clock_end"), self._clock(job.clock_end)),
            (self._("items"), str(job.items)),
            (self._("bytes"), format_bytes(job.bytes_acquired)),
            (self._("records"), str(job.records)),
            (self._("dropped"), str(job.dropped_outside_window)),
            (self._("manifest"), lay.t(job.custody_manifest_sha256, lay.mono)),
        ]
        if job.notes:
            rows.append((self._("notes"), lay.p("<br/>".join(escape(n) for n in job.notes), lay.small)))
        story.append(lay.key_values(rows))
        if job.outcomes:
            story.append(lay.t(self._("outcomes"), lay.h3))
            story.append(
                lay.grid(
                    [
                        self._("artifact"),
                        self._("outcome"),
                        self._("items"),
                        self._("records"),
                        self._("dropped"),
                        self._("notes"),
                    ],
                    [
                        [
                            o.artifact_id,
                            o.status,
                            str(o.items),
                            str(o.records),
                            str(o.dropped_outside_window),
                            o.error or "",
                        ]
                        for o in job.outcomes
                    ],
                    [48, 22, 16, 20, 24, 44],
                )
            )
        return story

    def custody(self) -> list[Any]:
        story: list[Any] = [self.layout.t(self._("s_custody"), self.layout.h1)]
        for job in self.data.jobs:
            story += self.custody_job(job)
        return story

    def route(self, map_png: bytes | None) -> list[Any]:
        from reportlab.lib.units import mm
        from reportlab.platypus import Image, KeepTogether

        d, lay = self.data, self.layout
        story: list[Any] = [lay.t(self._("s_route"), lay.h1)]
        route = d.route
        if route is None:
            story.append(lay.t(self._("no_route")))
            return story
        story.append(
            lay.t(
                self._(
                    "route_version",
                    version=route.version,
                    code=route.code_version,
                    created=format_utc(route.created_at),
                    records=route.records,
                    usable=route.usable_points,
                )
            )
        )
        if map_png is not None:
            from reportlab.lib.utils import ImageReader

            pixels_w, pixels_h = ImageReader(io.BytesIO(map_png)).getSize()
            width = 174 * mm
            image = Image(io.BytesIO(map_png), width=width, height=width * pixels_h / pixels_w)
            story.append(KeepTogether([image, lay.t(self._("map_caption"), lay.small)]))
        story.append(lay.t(self._("countries"), lay.h2))
        story.append(
            lay.grid(
                ["#", self._("country"), self._("from"), self._("to"), self._("points")],
                [
                    [
                        str(i),
                        f"{v.name} ({v.iso_a2})",
                        format_utc(v.start_utc),
                        format_utc(v.end_utc),
                        str(v.points),
                    ]
                    for i, v in enumerate(route.visits, start=1)
                ],
                [8, 56, 40, 40, 20],
            )
        )
        if route.crossings:
            story.append(lay.t(self._("crossings"), lay.h2))
            story.append(
                lay.grid(
                    ["", self._("last_before"), self._("first_after"), self._("confidence"), self._("notes")],
                    [
                        [
                            f"{c.from_iso_a2} → {c.to_iso_a2}",
                            f"{format_utc(c.last_before_utc)} (#{c.last_before_record_id})",
                            f"{format_utc(c.first_after_utc)} (#{c.first_after_record_id})",
                            c.confidence,
                            "; ".join(c.notes),
                        ]
                        for c in route.crossings
                    ],
                    [17, 38, 38, 23, 58],
                )
            )
        if route.place_visits:
            story.append(lay.t(self._("place_visits"), lay.h2))
            story.append(lay.p(escape(self._("place_visits_intro")), lay.small))
            story.append(
                lay.grid(
                    [
                        "#",
                        self._("place"),
                        self._("country"),
                        self._("from"),
                        self._("to"),
                        self._("records_days"),
                        self._("observed"),
                        self._("excursions"),
                        self._("stay_numbers"),
                    ],
                    [
                        [
                            str(v.number),
                            v.place or "—",
                            v.country or "—",
                            format_utc(v.start_utc),
                            format_utc(v.end_utc),
                            f"{v.records} ({v.days_with_records}/{v.days})",
                            "—" if v.observed_share is None else f"{v.observed_share:.0%}",
                            self._(
                                "excursions_value",
                                count=v.excursions,
                                distance=format_distance(v.excursion_max_distance_m),
                            )
                            if v.excursions
                            else "—",
                            _number_ranges(v.stay_numbers),
                        ]
                        for v in route.place_visits
                    ],
                    [9, 28, 19, 24, 24, 21, 19, 16, 14],
                )
            )
        if route.stays:
            story.append(lay.t(self._("stays"), lay.h2))
            story.append(
                lay.grid(
                    ["#", self._("place"), self._("country"), self._("from"), self._("to"), self._("points")],
                    [
                        [
                            str(s.number),
                            s.place or "—",
                            s.country or "—",
                            format_utc(s.start_utc),
                            format_utc(s.end_utc),
                            f"{s.points} (± {format_distance(s.radius_m)})",
                        ]
                        for s in route.stays
                    ],
                    [8, 42, 19, 35, 35, 35],
                )
            )
        return story

    def _evidence(self, items: tuple[EvidenceFacts, ...], total: int) -> Any:
        lay = self.layout
        if not items:
            return lay.t("—", lay.small)
        lines = [
            escape(
                self._(
                    "evidence_line",
                    record=e.record_id,
                    time=format_utc(e.time_utc),
                    distance=format_distance(e.distance_m),
                    dt=format_signed_duration(e.time_difference_s),
                    accuracy=format_distance(e.accuracy_m),
                )
            )
            for e in items[:MAX_EVIDENCE_SHOWN]
        ]
        shown = min(len(items), MAX_EVIDENCE_SHOWN)
        if total > shown:
            lines.append(escape(self._("more_records", count=total - shown)))
        return lay.p("<br/>".join(lines), lay.small)

    def claim_words(self, finding: FindingFacts) -> str:
        kind = catalogue.label("claim_kind", finding.kind, self.language)
        place = finding.place_name or finding.place_text
        country = f" ({finding.place_country})" if finding.place_country else ""
        return f"{kind} {place}{country}"

    def finding_block(self, number: int, finding: FindingFacts) -> list[Any]:
        from reportlab.platypus import KeepTogether

        lay = self.layout
        status_words = catalogue.label("finding_status", finding.status, self.language, long=True)
        understood = finding.understood_nl if self.language == "nl" else finding.understood_en
        status_cell = lay.p(f"<b>{escape(status_words)}</b>")
        status_table = lay.key_values([(self._("finding"), status_cell)])
        status_table.setStyle(
            [
                (
                    "BACKGROUND",
                    (1, 0),
                    (1, 0),
                    lay.colors.HexColor(status_colour(finding.status)),
                )
            ]
        )
        uncertainty = self._(
            "uncertainty_line",
            position=format_distance(finding.position_accuracy_m),
            clock=format_duration(finding.clock_uncertainty_s),
            width=format_duration(finding.time_phrase_width_s),
            zone=finding.time_zone or "—",
        )
        header = lay.t(f"{self._('claim')} {number}: {self.claim_words(finding)}", lay.h2)
        details = lay.key_values(
            [
                (self._("said"), f"“{finding.place_text}” — “{finding.time_text}”"),
                (
                    self._("understood"),
                    f"{understood or '—'} ({format_utc(finding.interval_start_utc)} — "
                    f"{format_utc(finding.interval_end_utc)})",
                ),
                (self._("evidence_for"), self._evidence(finding.evidence_for, finding.records_for_count)),
                (
                    self._("evidence_against"),
                    self._evidence(finding.evidence_against, finding.records_against_count),
                ),
                (self._("uncertainty"), lay.t(uncertainty, lay.small)),
                (self._("explanation_nl"), finding.explanation_nl),
                (self._("explanation_en"), finding.explanation_en),
            ]
        )
        return [KeepTogether([header, status_table, details])]

    def claims(self) -> list[Any]:
        d, lay = self.data, self.layout
        story: list[Any] = [lay.t(self._("s_claims"), lay.h1), lay.t(self._("claims_intro"))]
        if not d.findings:
            story.append(lay.t(self._("no_findings")))
        else:
            rows = []
            for number, finding in enumerate(d.findings, start=1):
                status_words = catalogue.label("finding_status", finding.status, self.language, long=True)
                rows.append(
                    [
                        str(number),
                        self.claim_words(finding),
                        finding.time_text,
                        lay.p(f"<b>{escape(status_words)}</b>", lay.small),
                    ]
                )
            table = lay.grid(["#", self._("claim"), self._("said"), self._("finding")], rows, [8, 60, 40, 66])
            table.setStyle(
                [
                    (
                        "BACKGROUND",
                        (3, i),
                        (3, i),
                        lay.colors.HexColor(status_colour(f.status)),
                    )
                    for i, f in enumerate(d.findings, start=1)
                ]
            )
            story.append(table)
            for number, finding in enumerate(d.findings, start=1):
                story += self.finding_block(number, finding)
        if d.claims_not_matched:
            listed = "; ".join(f"#{i} “{place}” — “{time}”" for i, place, time in d.claims_not_matched)
            story.append(lay.t(self._("not_matched", claims=listed)))
        return story

    def limitations(self) -> list[Any]:
        from reportlab.platypus import ListFlowable, ListItem

        d, lay = self.data, self.layout

        def bullets(lines: Sequence[str]) -> Any:
            return ListFlowable(
                [ListItem(lay.t(line), leftIndent=10, value="•") for line in lines],
                bulletType="bullet",
                start="•",
                leftIndent=10,
                bulletFontName=lay.fonts.regular,
            )

        story: list[Any] = [lay.t(self._("s_limitations"), lay.h1)]
        own = [self._("device_not_person"), self._("does_not_decide")]
        route = d.route
        if route is not None and route.received_points:
            own.append(self._("received", count=route.received_points))
        else:
            own.append(self._("no_received"))
        if d.coverage_first_utc is not None:
            own.append(
                self._(
                    "coverage", first=format_utc(d.coverage_first_utc), last=format_utc(d.coverage_last_utc)
                )
            )
        dropped = sum(j.dropped_outside_window for j in d.jobs)
        if dropped:
            own.append(self._("dropped_total", count=dropped))
        problems = sorted(
            {
                f"{o.artifact_id} ({o.status}{': ' + o.error if o.error else ''})"
                for j in d.jobs
                for o in j.outcomes
                if o.status in ("failed", "not_found", "empty")
            }
        )
        if problems:
            own.append(self._("artifact_problems", items="; ".join(problems)))
        story.append(bullets(own))
        if route is not None and route.gaps:
            gap_min_s = float((route.route.get("parameters") or {}).get("gap_min_s") or 0.0)
            story.append(lay.t(self._("gaps", hours=format_duration(gap_min_s)), lay.h2))
            lines = [
                self._(
                    "gap_line",
                    start=format_utc(g.start_utc),
                    end=format_utc(g.end_utc),
                    duration=format_duration(g.duration_s),
                )
                for g in route.gaps[:MAX_GAPS_LISTED]
            ]
            if len(route.gaps) > MAX_GAPS_LISTED:
                lines.append(self._("more_gaps", count=len(route.gaps) - MAX_GAPS_LISTED))
            story.append(bullets(lines))
        story.append(lay.t(self._("clock_anomalies"), lay.h2))
        story.append(bullets(list(d.clock_anomalies) or [self._("no_clock_anomalies")]))
        history = self.device_history_lines()
        if history:
            story.append(lay.t(self._("device_history"), lay.h2))
            story.append(bullets(history))
        lines = list(d.limitations_nl if self.language == "nl" and d.limitations_nl else d.limitations)
        lines = [line for line in lines if line not in history]  # stated once, under its own heading
        if lines:
            story.append(lay.t(self._("from_matching"), lay.h2))
            story.append(bullets(lines))
        return story

    def device_history_lines(self) -> list[str]:
        """LEGAL 14/16: the signs found, or that none were, or why they were not looked for."""
        d = self.data
        index = 1 if self.language == "nl" else 0
        lines: list[str] = []
        for job in d.jobs:
            for note in job.device_history or ():
                if note[index] and note[index] not in lines:
                    lines.append(note[index])
        computed = [j for j in d.jobs if j.device_history is not None]
        if computed and not lines:
            lines.append(self._("device_history_none"))
        missing = [str(j.id) for j in d.jobs if j.device_history is None and j.state == "completed"]
        if missing:
            lines.append(self._("device_history_not_computed", jobs=", ".join(missing)))
        if d.jobs and not any("device_history" in j.categories for j in d.jobs):
            lines.append(self._("device_history_not_authorised"))
        return lines

    def integrity(self) -> list[Any]:
        d, lay = self.data, self.layout
        audit = d.audit
        anchor: Any = (
            lay.p(
                f"seq {audit.anchor_seq} — {escape(audit.anchor_at or '')}<br/>"
                f"<font name='{lay.fonts.mono}' size='7'>{escape(audit.anchor_hash or '')}</font>"
            )
            if audit.anchor_seq is not None
            else self._("no_anchor")
        )
        return [
            lay.t(self._("s_integrity"), lay.h1),
            lay.key_values(
                [
                    (
                        self._("audit_head"),
                        lay.p(
                            f"seq {audit.head_seq}<br/>"
                            f"<font name='{lay.fonts.mono}' size='7'>{escape(audit.head_hash)}</font>"
                        ),
                    ),
                    (self._("anchor"), anchor),
                    (self._("matching_version"), d.matching_code_version),
                ]
            ),
            lay.t(self._("integrity_note"), lay.small),
        ]


def _page_decorator(
    data: CaseReportData, language: Language, fonts: FontFamily
) -> Callable[[Any, Any], None]:
    from reportlab.lib.units import mm

    text = TEXT[language]

    def decorate(canvas: Any, document: Any) -> None:
        width, height = document.pagesize
        canvas.saveState()
        if not data.released:
            canvas.saveState()
            canvas.setFillColorRGB(0.75, 0.1, 0.1, alpha=0.16)
            canvas.setFont(fonts.bold, 30)
            canvas.translate(width / 2, height / 2)
            canvas.rotate(55)
            canvas.drawCentredString(0, 0, DRAFT_WATERMARK)
            canvas.restoreState()
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.setFont(fonts.regular, 7)
        canvas.drawString(18 * mm, height - 11 * mm, f"reisroute — {text['title']} — {data.reference}")
        status = text["released"] if data.released else DRAFT_WATERMARK
        canvas.drawRightString(
            width - 18 * mm, height - 11 * mm, f"{text['finding_set']} #{data.finding_set_id}: {status}"
        )
        canvas.drawString(
            18 * mm, 10 * mm, f"{text['generated']}: {format_utc(data.generated_at, seconds=True)}"
        )
        canvas.drawRightString(width - 18 * mm, 10 * mm, text["page"].format(page=document.page))
        canvas.restoreState()

    return decorate


def render_case_report(
    data: CaseReportData, *, language: Language = "nl", map_png: bytes | None = None
) -> bytes:
    """Lay out collected report data as PDF bytes (A4, fonts embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    if language not in TEXT:
        raise ReportError(f"report language must be one of {sorted(TEXT)}, not {language!r}")
    fonts = register_fonts()
    layout = _Layout(fonts)
    report = _Report(data, language, layout)
    buffer = io.BytesIO()
    status = "released" if data.released else "DRAFT"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{TEXT[language]['title']} {data.reference} — finding set {data.finding_set_id} ({status})",
        author="reisroute",
        subject=TEXT[language]["subtitle"],
        creator="reisroute api.reports",
        invariant=False,
        initialFontName=fonts.regular,
    )
    story = (
        report.front()
        + report.identity()
        + report.legal()
        + report.custody()
        + report.route(map_png)
        + report.claims()
        + report.limitations()
        + report.integrity()
    )
    decorate = _page_decorator(data, language, fonts)
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class CaseReport:
    """A produced report and the facts its issuance is audited with."""

    pdf: bytes
    case_id: int
    reference: str
    finding_set_id: int
    released: bool
    language: str
    audit_head_seq: int
    audit_head_hash: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def file_name(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.reference).strip("_") or f"case{self.case_id}"
        draft = "" if self.released else "-DRAFT"
        return f"reisroute-{safe}-findings{self.finding_set_id}-{self.language}{draft}.pdf"


def produce_case_report(
    state: AppState,
    case_id: int,
    *,
    finding_set_id: int | None = None,
    language: Language = "nl",
    released_only: bool = False,
) -> CaseReport:
    """Collect, draw the map and lay out the report for one finding set (see :func:`build_case_report`)."""
    from api.reports.map import render_route_map

    if language not in TEXT:
        raise ReportError(f"report language must be one of {sorted(TEXT)}, not {language!r}")
    with state.session_factory() as session:
        data = collect_report_data(
            session,
            state.policy,
            case_id,
            data_dir=state.settings.data_dir,
            finding_set_id=finding_set_id,
            released_only=released_only,
        )
    map_png = (
        render_route_map(data.route.route, data.route.geojson, language=language)
        if data.route is not None and data.route.usable_points
        else None
    )
    return CaseReport(
        pdf=render_case_report(data, language=language, map_png=map_png),
        case_id=data.case_id,
        reference=data.reference,
        finding_set_id=data.finding_set_id,
        released=data.released,
        language=language,
        audit_head_seq=data.audit.head_seq,
        audit_head_hash=data.audit.head_hash,
    )


def build_case_report(
    state: AppState,
    case_id: int,
    *,
    finding_set_id: int | None = None,
    language: Language = "nl",
    released_only: bool = False,
) -> bytes:
    """The PDF for one finding set of a case (default: the latest; with ``released_only`` the latest
    released one). An unreleased set prints as a watermarked draft. Reading is not audited here: the
    caller records the issuance (the API route does, with the document's SHA-256)."""
    return produce_case_report(
        state, case_id, finding_set_id=finding_set_id, language=language, released_only=released_only
    ).pdf

"""The report's own sentences and headings, in English and Dutch.

Labels for codes (finding statuses, job and authorisation states, artifact outcomes, claim kinds, crossing
confidence, platforms, source kinds) are not spelled here: they come from the one catalogue
(``catalogue.label``). What is here is the report's own wording around them, and a small phrasebook that
puts the extractor's and the router's fixed English technical notes into Dutch for the Dutch report.
"""

from __future__ import annotations

import re
from typing import Literal

import catalogue

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")
DRAFT_WATERMARK = "CONCEPT / DRAFT — not released"

TEXT: dict[Language, dict[str, str]] = {
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
        "countries": "Country sequence",
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
        "near_miss": "Near miss",
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
        "page": "Page {page} of {pages}",
        "within": "0 (within the claimed time)",
        "window_end_of_day": "{date}, to the end of the day ({moment})",
        "window_until": "until {moment}",
        "times_note": (
            "Times: local time at the place (its time-zone offset in brackets) with UTC beside it; where no "
            "place is known, UTC only."
        ),
        "local_and_utc": "{local} · {utc}",
        "epoch_value": "{date} (stored as {raw})",
        "identity_field": "Field",
        "s_release": "8. Release by the legal reviewer",
        "release_intro": (
            "The legal reviewer signs that the findings and the limitations were read and that the finding set "
            "may reach the person who decides. The signature does not judge the application."
        ),
        "release_name": "Legal reviewer",
        "release_at": "Released in the system at",
        "release_pending": "not released yet",
        "signature": "Signature",
        "signature_place_date": "Place and date",
        "stays_radius_note": (
            "± : the spread of the stay's points around its centre (how far they lie from it), not the accuracy "
            "of a single record; a record's own accuracy is shown beside it in the evidence."
        ),
        "crossing_confidence_note": "Low confidence: see the notes; the crossing is only bracketed in time.",
        "claim_map_caption": (
            "Map excerpt: the claimed place (star; circle: the extent that counts as being there) and the records "
            "cited for (green) and against (red) the claim, with the device's other positions nearby."
        ),
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
        "countries": "Volgorde van landen",
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
        "near_miss": "Bijna-treffer",
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
        "page": "Pagina {page} van {pages}",
        "within": "0 (binnen de geclaimde tijd)",
        "window_end_of_day": "{date}, tot het einde van de dag ({moment})",
        "window_until": "tot {moment}",
        "times_note": (
            "Tijden: lokale tijd ter plaatse (met de afwijking van de tijdzone tussen haakjes) met UTC ernaast; "
            "waar geen plaats bekend is alleen UTC."
        ),
        "local_and_utc": "{local} · {utc}",
        "epoch_value": "{date} (opgeslagen als {raw})",
        "identity_field": "Veld",
        "s_release": "8. Vrijgave door de juridisch toetser",
        "release_intro": (
            "De juridisch toetser tekent dat de bevindingen en de beperkingen zijn gelezen en dat de set "
            "bevindingen naar degene die beslist mag. De handtekening is geen oordeel over de aanvraag."
        ),
        "release_name": "Juridisch toetser",
        "release_at": "Vrijgegeven in het systeem op",
        "release_pending": "nog niet vrijgegeven",
        "signature": "Handtekening",
        "signature_place_date": "Plaats en datum",
        "stays_radius_note": (
            "± : de spreiding van de punten van het verblijf rond het midden (hoe ver ze ervan liggen), niet de "
            "nauwkeurigheid van één gegeven; de eigen nauwkeurigheid van een gegeven staat erbij bij het bewijs."
        ),
        "crossing_confidence_note": "Lage betrouwbaarheid: zie de opmerkingen; de overgang ligt alleen tussen twee tijden.",
        "claim_map_caption": (
            "Kaartuitsnede: de geclaimde plaats (ster; cirkel: wat als daar zijn telt) en de gegevens die voor "
            "(groen) en tegen (rood) de verklaring zijn aangehaald, met de andere posities van het toestel in de "
            "buurt."
        ),
    },
}


class Words:
    """The report's words in one language: ``words("key", **values)``, catalogue labels, phrasebook."""

    def __init__(self, language: Language) -> None:
        self.language: Language = language
        self.text = TEXT[language]

    def __call__(self, key: str, **values: object) -> str:
        template = self.text[key]
        return template.format(**values) if values else template

    def label(self, group: str, code: str, *, long: bool = False) -> str:
        return catalogue.label(group, code, self.language, long=long)

    def state(self, state: str) -> str:
        """A job's or an authorisation's state, from the one catalogue."""
        for group_name in ("job_state", "authorisation_state"):
            if state in catalogue.group(group_name):
                return catalogue.label(group_name, state, self.language)
        return state

    def yes_no(self, value: bool) -> str:
        return self("yes") if value else self("no")

    def identity_field(self, name: str) -> str:
        """A field of the identity the device reported; device property keys (``ro.*``) are codes, kept."""
        words = IDENTITY_FIELDS.get(name)
        return words[0 if self.language == "en" else 1] if words else name

    def crossing_note(self, note: str) -> str:
        return translate(note, CROSSING_NOTES, self.language)

    def method(self, method: str) -> str:
        """The acquisition methods of a job: each distinct part once, in the report's language."""
        parts: list[str] = []
        for one in method.split(";"):
            part = translate(one.strip(), METHOD_PHRASES, self.language)
            if part and part not in parts:
                parts.append(part)
        return "; ".join(parts)


#: identity field → (English, Dutch)
IDENTITY_FIELDS: dict[str, tuple[str, str]] = {
    "platform": ("Platform", "Platform"),
    "manufacturer": ("Manufacturer", "Fabrikant"),
    "model": ("Model", "Model"),
    "serial": ("Serial number", "Serienummer"),
    "os_version": ("Operating system version", "Versie van het besturingssysteem"),
    "build": ("Build", "Build"),
    "timezone": ("Time zone", "Tijdzone"),
    "name": ("Device name", "Naam van het toestel"),
    "udid": ("UDID", "UDID"),
    "imei": ("IMEI", "IMEI"),
    "model_name": ("Model name", "Modelnaam"),
    "missing": ("Not given by the device", "Niet door het toestel gegeven"),
}

#: (pattern, Dutch replacement) for the router's crossing notes (routing/borders.py); English stays as is
CROSSING_NOTES: tuple[tuple[str, str], ...] = (
    (
        r"near a border: country taken from the time-zone second opinion \(polygons are 1-5 km off\)",
        "dicht bij een grens: land bepaald uit de tijdzone als tweede mening (de grenslijnen wijken 1-5 km af)",
    ),
    (
        r"polygon and time zone disagree at a bracket point: check by hand",
        "grenslijn en tijdzone spreken elkaar tegen bij een grenspunt: met de hand nagaan",
    ),
    (r"bracket point within (\S+) km of both countries", r"grenspunt binnen \1 km van beide landen"),
    (
        r"no points for (\S+) h around the crossing: only the bracket is known",
        r"geen punten gedurende \1 uur rond de overgang: alleen de twee tijden eromheen zijn bekend",
    ),
)

#: (pattern, Dutch replacement) for the extractor's method notes (extractor/runner.py, extractor/sources)
METHOD_PHRASES: tuple[tuple[str, str], ...] = (
    (r"^adb-shell (\S+) over TCP (\S+)$", r"adb-shell \1 via TCP \2"),
    (r"^adb-shell (\S+) over USB$", r"adb-shell \1 via USB"),
    (
        r"^first (\d+) bytes \(head -c\) and sha256sum on the device$",
        r"eerste \1 bytes (head -c) en sha256sum op het toestel",
    ),
    (r"^shell command (.*)$", r"shell-opdracht \1"),
    (r"^whole file \(sync RECV\)$", "heel bestand (sync RECV)"),
    (r"^whole file$", "heel bestand"),
    (r"^companion of (.*)$", r"bijbehorend bestand van \1"),
    (r"^zip archive (.*)$", r"zip-archief \1"),
    (r"^tar archive (.*)$", r"tar-archief \1"),
    (r"^folder (.*)$", r"map \1"),
    (r"^export file (.*)$", r"exportbestand \1"),
    (r"^iOS encrypted backup folder \((.*)\)$", r"versleutelde iOS-back-upmap (\1)"),
)


def translate(text: str, phrases: tuple[tuple[str, str], ...], language: Language) -> str:
    """The Dutch form of a known English technical note; English (and unknown notes) unchanged."""
    if language == "en":
        return text
    for pattern, replacement in phrases:
        translated, count = re.subn(pattern, replacement, text)
        if count:
            return translated
    return text

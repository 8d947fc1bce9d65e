// Enter or edit one claim: kind, the place as said (with gazetteer suggestions to confirm) and the time as
// said (showing what was understood, or why not).

import { api } from "../api.js";
import { append, clear, debounce, h } from "../dom.js";
import { getLang, t } from "../i18n.js";
import { errorText, field } from "./common.js";

export const CLAIM_KINDS = ["stayed", "passed_through", "crossed_border", "departed", "arrived"];

function placeLabel(place) {
  const parts = [place.name];
  if (place.country_iso2) parts.push(place.country_iso2);
  parts.push(t(`place_kind_${place.kind}`, {}, place.kind));
  return parts.join(" · ");
}

export function claimForm({ caseId, claim, onSaved, onCancel }) {
  const editing = Boolean(claim);
  let chosenPlace = editing && claim.place_confirmed && claim.place ? claim.place : null;
  const kind = h(
    "select",
    { id: "claim-kind" },
    CLAIM_KINDS.map((k) => h("option", { value: k, selected: editing && claim.kind === k }, t(`kind_${k}`))),
  );
  const placeText = h("input", {
    id: "claim-place",
    required: true,
    autocomplete: "off",
    value: editing ? claim.place_text : "",
    "aria-describedby": "claim-place-chosen",
  });
  const chosen = h("p", { class: "hint", id: "claim-place-chosen", "aria-live": "polite" });
  const suggestions = h("ul", { class: "suggestions", id: "claim-place-suggestions", "aria-label": t("place_suggestions") });
  const timeText = h("input", {
    id: "claim-time",
    required: true,
    autocomplete: "off",
    value: editing ? claim.time_text : "",
    "aria-describedby": "claim-time-understood",
  });
  const understood = h("p", { class: "hint", id: "claim-time-understood", "aria-live": "polite" });
  const referenceYear = h("input", { id: "claim-year", type: "number", min: 1990, max: 2100 });
  const fromCountry = h("input", { id: "claim-from", maxlength: 2, size: 3, value: editing ? claim.from_country || "" : "" });
  const toCountry = h("input", { id: "claim-to", maxlength: 2, size: 3, value: editing ? claim.to_country || "" : "" });
  const borderFields = h(
    "div",
    { class: "border-fields" },
    field("claim-from", t("from_country"), fromCountry),
    field("claim-to", t("to_country"), toCountry),
  );
  const status = h("p", { class: "form-status", role: "status" });

  const drawChosen = () => {
    chosen.textContent = chosenPlace
      ? `${t("place_confirmed")}: ${placeLabel(chosenPlace)}`
      : t("place_not_confirmed");
  };
  const drawBorder = () => {
    borderFields.hidden = kind.value !== "crossed_border";
  };
  kind.addEventListener("change", drawBorder);

  // The lookup goes in a POST body (the applicant's words stay out of URLs and logs); the server adds the
  // case's route as context only when this user may see it, and says when the candidates are ambiguous.
  const ambiguity = h("p", { class: "hint warning", id: "claim-place-ambiguity", role: "alert", hidden: true });
  const drawAmbiguity = (result) => {
    const nl = getLang() === "nl";
    const lines = result && result.ambiguous ? (nl ? result.ambiguity_nl : result.ambiguity_en) : [];
    ambiguity.textContent = lines.join(" ");
    ambiguity.hidden = lines.length === 0;
  };
  const candidateNote = (candidate) => {
    const notes = [];
    if (candidate.place.matched_name && candidate.place.matched_name !== candidate.place.name) {
      notes.push(candidate.place.matched_name);
    }
    if (candidate.distance_to_route_km !== null && candidate.distance_to_route_km !== undefined) {
      notes.push(`${Math.round(candidate.distance_to_route_km)} km`);
    }
    return notes.length ? ` (${notes.join(", ")})` : "";
  };
  const suggest = debounce(async () => {
    const q = placeText.value.trim();
    clear(suggestions);
    drawAmbiguity(null);
    if (!q) return;
    try {
      const result = await api("/gazetteer/lookup", { method: "POST", body: { text: q, case_id: caseId } });
      clear(suggestions);
      drawAmbiguity(result);
      if (!result.candidates.length) append(suggestions, h("li", { class: "muted" }, t("no_places_found")));
      const nl = getLang() === "nl";
      for (const candidate of result.candidates) {
        const place = candidate.place;
        append(
          suggestions,
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: candidate.plausible ? "suggestion plausible" : "suggestion",
                "data-place-id": place.id,
                title: (nl ? candidate.reasons_nl : candidate.reasons_en).join("; "),
                onclick: () => {
                  chosenPlace = place;
                  clear(suggestions);
                  drawAmbiguity(null);
                  drawChosen();
                  timeText.focus();
                },
              },
              placeLabel(place),
              candidateNote(candidate),
            ),
          ),
        );
      }
    } catch (error) {
      append(suggestions, h("li", { class: "error" }, errorText(error)));
    }
  }, 250);
  placeText.addEventListener("input", () => {
    chosenPlace = null;
    drawChosen();
    suggest();
  });

  const understand = debounce(async () => {
    const q = timeText.value.trim();
    if (!q) {
      understood.textContent = "";
      return;
    }
    try {
      const result = await api("/time-phrase", { query: { q, reference_year: referenceYear.value } });
      const nl = getLang() === "nl";
      understood.dataset.understood = String(result.understood);
      understood.textContent = result.understood
        ? `${t("understood_as")}: ${nl ? result.understood_nl : result.understood_en}`
        : `${t("not_understood")}: ${nl ? result.reason_nl : result.reason_en}`;
    } catch (error) {
      understood.textContent = errorText(error);
    }
  }, 250);
  timeText.addEventListener("input", understand);
  referenceYear.addEventListener("input", understand);

  drawChosen();
  drawBorder();
  if (editing) understand();
  if (editing && !claim.place_confirmed && claim.place_ambiguous) {
    drawAmbiguity({ ambiguous: true, ambiguity_en: claim.place_ambiguity_en, ambiguity_nl: claim.place_ambiguity_nl });
  }

  return h(
    "form",
    {
      class: "claim-form grid-form",
      id: "claim-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const body = {
          kind: kind.value,
          place_text: placeText.value.trim(),
          time_text: timeText.value.trim(),
          place_id: chosenPlace ? chosenPlace.id : null,
          from_country: kind.value === "crossed_border" ? fromCountry.value.trim() || null : null,
          to_country: kind.value === "crossed_border" ? toCountry.value.trim() || null : null,
          reference_year: referenceYear.value ? Number(referenceYear.value) : null,
          position: editing ? claim.position : 0,
        };
        try {
          const saved = await api(editing ? `/cases/${caseId}/claims/${claim.id}` : `/cases/${caseId}/claims`, {
            method: editing ? "PUT" : "POST",
            body,
          });
          onSaved(saved);
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
    },
    h("h3", {}, editing ? t("edit_claim") : t("new_claim")),
    field("claim-kind", t("claim_kind"), kind),
    field("claim-place", t("place_as_said"), placeText),
    ambiguity,
    suggestions,
    chosen,
    field("claim-time", t("time_as_said"), timeText),
    understood,
    field("claim-year", t("reference_year"), referenceYear, t("reference_year_hint")),
    borderFields,
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "submit", id: "claim-save" }, t("save_claim")),
      editing ? h("button", { type: "button", class: "secondary", onclick: onCancel }, t("cancel")) : null,
    ),
    status,
  );
}

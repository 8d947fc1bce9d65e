// Pieces shared by the views: role checks, status badges (colour AND words), error messages.

import { apiFile, session } from "../api.js";
import { h } from "../dom.js";
import { getLang, t } from "../i18n.js";

export const FINDINGS_READERS = ["caseworker", "legal_reviewer", "compliance_auditor"];
// admin is in none of these: it manages users and teams and reads no case data (views/admin.js)
export const INTAKE = ["intake_officer"];
export const AUTHORISER = ["authorising_official"];
export const AUDITORS = ["compliance_auditor"];
export const JOB_REPORT_READERS = ["intake_officer", "caseworker", "legal_reviewer", "compliance_auditor"];

export function hasRole(roles) {
  const current = session();
  return Boolean(current && roles.includes(current.role));
}

// A status with its colour, a symbol and words: never colour alone.
const SYMBOLS = {
  consistent: "✓",
  inconsistent: "✗",
  no_data: "∅",
  inconclusive: "?",
  approved: "✓",
  refused: "✗",
  requested: "…",
  withdrawn: "⊘",
  completed: "✓",
  failed: "✗",
  running: "▶",
  queued: "…",
  interrupted: "‖",
  cancelled: "⊘",
  not_compared: "–",
  not_judged: "–",
  only_by_air: "✈",
  not_released: "○",
  open: "•",
  deleted: "⊘",
};

export function statusBadge(status, kind = "status") {
  return h(
    "span",
    { class: `badge badge-${status}`, "data-status": status },
    h("span", { class: "badge-symbol", "aria-hidden": "true" }, SYMBOLS[status] || "•"),
    " ",
    t(`${kind}_${status}`),
  );
}

export function errorText(error) {
  if (!error) return "";
  const conditions = error.conditions || [];
  if (conditions.length && typeof conditions[0] === "object") {
    const key = getLang() === "nl" ? "message_nl" : "message_en";
    return `${error.message}: ${conditions.map((c) => c[key] || c.code).join("; ")}`;
  }
  return error.message;
}

export function field(id, label, input, hint) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    input,
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
  );
}

export function section(id, title, ...content) {
  return h("section", { class: "card", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), content);
}

// The case report as PDF, fetched with the session's token and handed to the browser as a download.
export function pdfButton(caseId, { id = "pdf-report", draft = false } = {}) {
  const status = h("span", { class: "form-status", role: "status" });
  const button = h(
    "button",
    {
      type: "button",
      class: "secondary",
      id,
      title: t("pdf_report_hint"),
      onclick: async () => {
        status.textContent = t("pdf_downloading");
        try {
          const query = { language: getLang() };
          if (draft) query.draft = "true";
          const { blob, fileName } = await apiFile(`/cases/${caseId}/report.pdf`, { query });
          const url = URL.createObjectURL(blob);
          const link = h("a", { href: url, download: fileName, hidden: true });
          document.body.append(link);
          link.click();
          link.remove();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
          status.textContent = "";
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
    },
    draft ? t("pdf_draft") : t("pdf_report"),
  );
  return h("span", { class: "pdf-report" }, button, " ", status);
}

// A user's name from the people map (GET /auth/people), never a bare number.
export function personName(people, userId) {
  if (userId === null || userId === undefined) return "–";
  return (people && people[String(userId)]) || t("user_unknown", { id: userId });
}

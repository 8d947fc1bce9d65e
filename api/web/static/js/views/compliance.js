// The compliance officer's view (issue 17): retention alarm, the audit chain, the audit explorer across all cases
// (filters, pages by seq, exports that prove themselves), statistics per period and the register of processing.
// Words for codes (audit actions, roles, states) come from the service's catalogue; this view's own sentences
// are below in English and Dutch (WORDS), checked by tests/compliance/test_web_words.py.

import { api, session } from "../api.js";
import { append, clear, formatUtc, h, inputToIso } from "../dom.js";
import { getLang, ROLES, roleName, t } from "../i18n.js";
import { errorText, section } from "./common.js";

const WORDS = {
  en: {
    compliance: "Compliance",
    compliance_title: "Compliance: the organisation's processing",
    retention_watch: "Retention watch",
    retention_alarm: "{count} case(s) are past their deletion date and not yet deleted.",
    retention_ok: "No case is past its deletion date.",
    due_soon: "Due for deletion within {days} days",
    overdue: "Overdue for deletion",
    none_due: "None.",
    due_at: "Delete by",
    days_left: "Days left",
    basis: "Counted from",
    basis_policy_ground: "first acquisition + retention of the ground",
    basis_retention_until: "retention date set on the case",
    basis_withdrawn_consent: "consent withdrawn",
    deleted_count: "Deleted: {on_time} on time, {late} late.",
    chain: "Audit chain",
    chain_checking: "Checking the chain…",
    chain_ok: "Chain intact",
    chain_broken: "Chain broken at entry {seq}",
    chain_facts: "{entries} entries checked; head {seq}",
    chain_anchor: "Latest checkpoint: entry {seq}, written {at}",
    chain_no_anchor: "No checkpoint written yet.",
    chain_full_at: "Whole chain last walked {at}; {since} entries checked since.",
    verify_whole_chain: "Verify the whole chain",
    explorer: "Audit explorer",
    filters: "Filter",
    since: "From (local time)",
    until: "Until (local time)",
    case_id: "Case no.",
    actor: "User",
    any_role: "Any role",
    action: "Action",
    any_action: "Any action",
    object_type: "Object type",
    object_id: "Object no.",
    reads_without_reason: "Only reads without a reason, by someone outside the case's workflow",
    apply: "Apply",
    reset: "Reset",
    newer: "← Newer",
    older: "Older →",
    showing: "Entries {first}–{last} of {total} matching",
    nothing_matches: "No entry matches this filter.",
    seq: "No.",
    time: "Time (UTC)",
    role: "Role",
    case: "Case",
    object: "Object",
    reason: "Reason",
    hash: "Hash",
    no_reason: "no reason",
    export_json: "Export JSON",
    export_csv: "Export CSV",
    export_hint: "An export carries each entry's hash and the chain's checkpoint; check it offline with `reisroute audit verify-export FILE`.",
    exported: "Exported {count} entries (SHA-256 {digest}).",
    open_case_reason: "Why do you open this case? The reason is recorded with every read.",
    reason_code: "Reason",
    reason_text: "Or in your own words",
    open_case: "Open the case",
    cancel: "Cancel",
    statistics: "Statistics per period",
    show: "Show",
    export_statistics: "Export CSV",
    table_extractions: "Extractions per legal ground and outcome",
    table_consent: "Consent",
    table_authorisation_decisions: "Authorisations decided",
    table_refusal_reasons: "Reasons of refusals",
    table_releases: "Releases of findings (audit log)",
    table_findings_released: "Findings released, per status",
    table_extraction_to_release_hours: "Hours from extraction to release",
    table_deletions: "Deletions",
    col_ground_id: "Legal ground",
    col_state: "Outcome",
    col_count: "Number",
    col_outcome: "Consent",
    col_status: "Status",
    col_reason: "Reason",
    col_share: "Share",
    col_releases: "Releases",
    col_cases_deleted_since: "Of cases deleted since",
    col_min: "Shortest",
    col_median: "Median",
    col_max: "Longest",
    outcome_given: "given",
    outcome_refused: "refused",
    outcome_withdrawn: "withdrawn",
    deletion_deleted_on_time: "on time",
    deletion_deleted_late: "late",
    empty_table: "Nothing in this period.",
    register: "Register of processing (GDPR art. 30)",
    register_hint: "Generated from the policy in force and the data held; producing it is audited.",
    register_nl: "Register (Dutch, PDF)",
    register_en: "Register (English, PDF)",
  },
  nl: {
    compliance: "Naleving",
    compliance_title: "Naleving: de verwerking van de hele organisatie",
    retention_watch: "Bewaartermijnen",
    retention_alarm: "{count} zaak/zaken zijn over hun verwijderdatum en nog niet verwijderd.",
    retention_ok: "Geen enkele zaak is over haar verwijderdatum.",
    due_soon: "Binnen {days} dagen te verwijderen",
    overdue: "Te laat verwijderd",
    none_due: "Geen.",
    due_at: "Verwijderen vóór",
    days_left: "Dagen over",
    basis: "Gerekend vanaf",
    basis_policy_ground: "eerste verkrijging + bewaartermijn van de grondslag",
    basis_retention_until: "bewaardatum van de zaak",
    basis_withdrawn_consent: "toestemming ingetrokken",
    deleted_count: "Verwijderd: {on_time} op tijd, {late} te laat.",
    chain: "Auditketen",
    chain_checking: "De keten wordt gecontroleerd…",
    chain_ok: "Keten intact",
    chain_broken: "Keten verbroken bij regel {seq}",
    chain_facts: "{entries} regels gecontroleerd; kop {seq}",
    chain_anchor: "Laatste controlepunt: regel {seq}, geschreven {at}",
    chain_no_anchor: "Nog geen controlepunt geschreven.",
    chain_full_at: "Hele keten het laatst nagelopen {at}; sindsdien {since} regels gecontroleerd.",
    verify_whole_chain: "Hele keten controleren",
    explorer: "Auditlog doorzoeken",
    filters: "Filter",
    since: "Vanaf (lokale tijd)",
    until: "Tot (lokale tijd)",
    case_id: "Zaaknr.",
    actor: "Gebruiker",
    any_role: "Elke rol",
    action: "Handeling",
    any_action: "Elke handeling",
    object_type: "Soort object",
    object_id: "Objectnr.",
    reads_without_reason: "Alleen inzagen zonder reden, door iemand buiten de behandeling van de zaak",
    apply: "Toepassen",
    reset: "Wissen",
    newer: "← Nieuwer",
    older: "Ouder →",
    showing: "Regels {first}–{last} van {total} gevonden",
    nothing_matches: "Geen regel voldoet aan dit filter.",
    seq: "Nr.",
    time: "Tijd (UTC)",
    role: "Rol",
    case: "Zaak",
    object: "Object",
    reason: "Reden",
    hash: "Hash",
    no_reason: "geen reden",
    export_json: "Exporteren als JSON",
    export_csv: "Exporteren als CSV",
    export_hint: "Een export bevat de hash van elke regel en het controlepunt van de keten; controleer hem offline met `reisroute audit verify-export BESTAND`.",
    exported: "{count} regels geëxporteerd (SHA-256 {digest}).",
    open_case_reason: "Waarom opent u deze zaak? De reden wordt bij elke inzage vastgelegd.",
    reason_code: "Reden",
    reason_text: "Of in eigen woorden",
    open_case: "Zaak openen",
    cancel: "Annuleren",
    statistics: "Statistiek per periode",
    show: "Tonen",
    export_statistics: "Exporteren als CSV",
    table_extractions: "Uitlezingen per grondslag en uitkomst",
    table_consent: "Toestemming",
    table_authorisation_decisions: "Beslissingen over machtigingen",
    table_refusal_reasons: "Redenen van weigering",
    table_releases: "Vrijgaven van bevindingen (auditlog)",
    table_findings_released: "Vrijgegeven bevindingen, per status",
    table_extraction_to_release_hours: "Uren van uitlezing tot vrijgave",
    table_deletions: "Verwijderingen",
    col_ground_id: "Grondslag",
    col_state: "Uitkomst",
    col_count: "Aantal",
    col_outcome: "Toestemming",
    col_status: "Status",
    col_reason: "Reden",
    col_share: "Aandeel",
    col_releases: "Vrijgaven",
    col_cases_deleted_since: "Van sindsdien verwijderde zaken",
    col_min: "Kortst",
    col_median: "Mediaan",
    col_max: "Langst",
    outcome_given: "gegeven",
    outcome_refused: "geweigerd",
    outcome_withdrawn: "ingetrokken",
    deletion_deleted_on_time: "op tijd",
    deletion_deleted_late: "te laat",
    empty_table: "Niets in deze periode.",
    register: "Verwerkingsregister (AVG art. 30)",
    register_hint: "Gemaakt uit het geldende beleid en de aanwezige gegevens; het maken wordt gelogd.",
    register_nl: "Register (Nederlands, pdf)",
    register_en: "Register (Engels, pdf)",
  },
};

export function w(key, vars = {}) {
  const text = (WORDS[getLang()] || WORDS.en)[key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] !== undefined ? String(vars[name]) : `{${name}}`));
}

export const COMPLIANCE_ROLES = ["compliance_auditor"];
const READ_REASON_KEY = "reisroute.readReason";
const PAGE_SIZE = 50;

// The reason given for opening a case from here travels with every request about that case (api.js).
export function setReadReason(caseId, reason) {
  if (reason) sessionStorage.setItem(READ_REASON_KEY, JSON.stringify({ caseId, reason }));
  else sessionStorage.removeItem(READ_REASON_KEY);
}

function inputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function download(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== "" && value !== false) params.set(key, value);
  }
  const response = await fetch(`/api/v1${path}?${params}`, {
    headers: { Authorization: `Bearer ${session().token}` },
    credentials: "omit",
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "download";
  const link = h("a", { href: URL.createObjectURL(blob), download: name, class: "visually-hidden" });
  document.body.append(link);
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(link.href);
    link.remove();
  }, 1000);
  return { name, sha256: response.headers.get("X-Content-SHA256") || "", blob };
}

export class ComplianceView {
  constructor() {
    this.filter = {};
    this.cursor = {};
    this.page = null;
    this.chain = null;
    this.retention = null;
    this.stats = null;
    this.actions = {};
    this.reasons = [];
    const until = new Date();
    const since = new Date(until.getTime() - 91 * 86400 * 1000);
    this.period = { since: inputValue(since), until: inputValue(until) };
  }

  title() {
    return w("compliance");
  }

  async mount(container) {
    this.container = container;
    setReadReason(null);
    const [catalogue, retention, page, reasons] = await Promise.all([
      fetch("/api/v1/catalogue", { headers: { Accept: "application/json" } }).then((r) => (r.ok ? r.json() : {})),
      api("/compliance/retention"),
      api("/compliance/audit", { query: { limit: PAGE_SIZE } }),
      api("/compliance/read-reasons").catch(() => []),
    ]);
    this.actions = catalogue.audit_action || {};
    this.retention = retention;
    this.page = page;
    this.reasons = reasons;
    this.draw();
    this.loadChain(false);
    this.loadStatistics();
  }

  draw() {
    if (!this.container) return;
    clear(this.container);
    append(
      this.container,
      h("h1", {}, w("compliance_title")),
      this.retentionSection(),
      h("section", { class: "card", id: "chain", "aria-labelledby": "chain-title", "aria-live": "polite" }, this.chainContent()),
      this.explorerSection(),
      this.statisticsSection(),
      this.registerSection(),
    );
  }

  // ---------------------------------------------------------------- retention
  retentionSection() {
    const r = this.retention;
    const table = (items, id) =>
      items.length
        ? h(
            "table",
            { class: "table", id },
            h(
              "thead",
              {},
              h("tr", {}, [w("case"), w("due_at"), w("days_left"), w("basis")].map((c) => h("th", { scope: "col" }, c))),
            ),
            h(
              "tbody",
              {},
              items.map((c) =>
                h(
                  "tr",
                  { "data-case-id": c.case_id },
                  h("td", {}, h("a", { href: `#/cases/${c.case_id}`, onclick: (event) => this.openCase(event, c.case_id) }, c.reference)),
                  h("td", {}, formatUtc(c.due_at)),
                  h("td", {}, String(Math.round(c.days_left))),
                  h("td", {}, w(`basis_${c.basis}`)),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, w("none_due"));
    const onTime = r.deleted.filter((c) => c.state === "deleted_on_time").length;
    return section(
      "retention",
      w("retention_watch"),
      r.alarm
        ? h("p", { class: "alarm", id: "retention-alarm", role: "alert" }, "⚠ ", w("retention_alarm", { count: r.overdue.length }))
        : h("p", { class: "ok", id: "retention-ok" }, "✓ ", w("retention_ok")),
      r.overdue.length ? [h("h3", {}, w("overdue")), table(r.overdue, "retention-overdue")] : null,
      h("h3", {}, w("due_soon", { days: r.due_soon_days })),
      table(r.due_soon, "retention-due-soon"),
      h("p", { class: "muted" }, w("deleted_count", { on_time: onTime, late: r.deleted.length - onTime })),
    );
  }

  // ---------------------------------------------------------------- chain
  async loadChain(full) {
    this.chain = null;
    this.redrawChain();
    try {
      this.chain = await api("/compliance/chain", { query: full ? { full: true } : {} });
    } catch (error) {
      this.chain = { error: errorText(error) };
    }
    this.redrawChain();
  }

  redrawChain() {
    const box = document.getElementById("chain");
    if (box) append(clear(box), this.chainContent());
  }

  chainContent() {
    const c = this.chain;
    const title = h("h2", { id: "chain-title" }, w("chain"));
    if (!c) return [title, h("p", { class: "muted", id: "chain-status" }, w("chain_checking"))];
    if (c.error) return [title, h("p", { class: "error", id: "chain-status" }, c.error)];
    return [
      title,
      h(
        "p",
        { id: "chain-status", class: c.ok ? "ok" : "error", "data-ok": String(c.ok) },
        c.ok ? `✓ ${w("chain_ok")}` : `✗ ${w("chain_broken", { seq: c.first_broken_seq })}`,
        " — ",
        w("chain_facts", { entries: c.entries_checked, seq: c.head_seq }),
      ),
      c.problems.length ? h("ul", { class: "error" }, c.problems.slice(0, 10).map((p) => h("li", {}, p))) : null,
      h(
        "p",
        { id: "chain-anchor" },
        c.latest_anchor ? w("chain_anchor", { seq: c.latest_anchor.seq, at: formatUtc(c.latest_anchor.at) }) : w("chain_no_anchor"),
        c.latest_anchor ? h("span", { class: "hash" }, ` ${c.latest_anchor.hash}`) : null,
      ),
      h("p", { class: "muted" }, w("chain_full_at", { at: formatUtc(c.full_check_at, { seconds: true }), since: c.incremental_entries })),
      h("button", { type: "button", class: "secondary", id: "chain-verify-full", onclick: () => this.loadChain(true) }, w("verify_whole_chain")),
    ];
  }

  // ---------------------------------------------------------------- explorer
  query(extra = {}) {
    const { sinceInput, untilInput, ...filter } = this.filter;
    return { ...filter, ...this.cursor, limit: PAGE_SIZE, ...extra };
  }

  async loadPage(cursor) {
    this.cursor = cursor;
    const status = document.getElementById("explorer-status");
    try {
      this.page = await api("/compliance/audit", { query: this.query() });
      if (status) status.textContent = "";
    } catch (error) {
      if (status) status.textContent = errorText(error);
      return;
    }
    const old = document.getElementById("explorer-results");
    if (old) old.replaceWith(this.results());
  }

  explorerSection() {
    const f = this.filter;
    const input = (id, key, attrs = {}) => h("input", { id, name: key, value: f[key] || "", ...attrs });
    const since = input("filter-since", "since", { type: "datetime-local", value: f.sinceInput || "" });
    const until = input("filter-until", "until", { type: "datetime-local", value: f.untilInput || "" });
    const caseId = input("filter-case", "case_id", { type: "number", min: 1 });
    const actor = input("filter-actor", "actor");
    const role = h(
      "select",
      { id: "filter-role" },
      h("option", { value: "" }, w("any_role")),
      ROLES.map((r) => h("option", { value: r, selected: f.role === r }, roleName(r))),
    );
    const lang = getLang();
    const codes = Object.keys(this.actions).sort((a, b) => (this.actions[a][lang] || a).localeCompare(this.actions[b][lang] || b));
    const prefixes = [...new Set(codes.map((c) => `${c.split(".")[0]}.`))].sort();
    const action = h(
      "select",
      { id: "filter-action" },
      h("option", { value: "" }, w("any_action")),
      prefixes.map((p) => h("option", { value: p, selected: f.action === p }, `${p}*`)),
      codes.map((c) => h("option", { value: c, selected: f.action === c }, `${this.actions[c][lang] || c} (${c})`)),
    );
    const objectType = input("filter-object-type", "object_type");
    const objectId = input("filter-object-id", "object_id");
    const unexplained = h("input", { id: "filter-unexplained", type: "checkbox", checked: Boolean(f.reads_without_reason) });
    const field = (id, label, control) => h("div", { class: "field" }, h("label", { for: id }, label), control);
    const form = h(
      "form",
      {
        id: "explorer-filter",
        class: "filter-form",
        onsubmit: (event) => {
          event.preventDefault();
          this.filter = {
            since: since.value ? inputToIso(since.value) : "",
            until: until.value ? inputToIso(until.value) : "",
            sinceInput: since.value,
            untilInput: until.value,
            case_id: caseId.value,
            actor: actor.value.trim(),
            role: role.value,
            action: action.value,
            object_type: objectType.value.trim(),
            object_id: objectId.value.trim(),
            reads_without_reason: unexplained.checked ? "true" : "",
          };
          this.loadPage({});
        },
      },
      field("filter-since", w("since"), since),
      field("filter-until", w("until"), until),
      field("filter-case", w("case_id"), caseId),
      field("filter-actor", w("actor"), actor),
      field("filter-role", w("role"), role),
      field("filter-action", w("action"), action),
      field("filter-object-type", w("object_type"), objectType),
      field("filter-object-id", w("object_id"), objectId),
      h("div", { class: "check wide" }, unexplained, h("label", { for: "filter-unexplained" }, w("reads_without_reason"))),
      h(
        "div",
        { class: "buttons wide" },
        h("button", { type: "submit", id: "filter-apply" }, w("apply")),
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            id: "filter-reset",
            onclick: () => {
              this.filter = {};
              this.cursor = {};
              this.loadPage({}).then(() => this.draw());
            },
          },
          w("reset"),
        ),
      ),
    );
    const exportStatus = h("p", { class: "form-status", role: "status", id: "export-status" });
    const exportButton = (format, label) =>
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          id: `export-${format}`,
          onclick: async () => {
            exportStatus.textContent = "…";
            try {
              const { sha256 } = await download("/compliance/audit/export", { ...this.query(), limit: null, before_seq: null, after_seq: null, format });
              exportStatus.textContent = w("exported", { count: this.page.total ?? "?", digest: sha256.slice(0, 16) });
            } catch (error) {
              exportStatus.textContent = error.message;
            }
          },
        },
        label,
      );
    return section(
      "explorer",
      w("explorer"),
      h("details", { open: true }, h("summary", {}, w("filters")), form),
      h("p", { class: "form-status", role: "status", id: "explorer-status" }),
      this.results(),
      h("div", { class: "buttons" }, exportButton("json", w("export_json")), exportButton("csv", w("export_csv"))),
      h("p", { class: "hint" }, w("export_hint")),
      exportStatus,
    );
  }

  results() {
    const page = this.page;
    const lang = getLang();
    const entries = page.entries;
    const pager = h(
      "div",
      { class: "pager" },
      h(
        "button",
        { type: "button", class: "secondary", id: "page-newer", disabled: page.newer_than === null, onclick: () => this.loadPage({ after_seq: page.newer_than }) },
        w("newer"),
      ),
      h(
        "span",
        { id: "page-info", "aria-live": "polite" },
        entries.length
          ? w("showing", { first: entries[0].seq, last: entries[entries.length - 1].seq, total: page.total ?? "?" })
          : w("nothing_matches"),
      ),
      h(
        "button",
        { type: "button", class: "secondary", id: "page-older", disabled: page.older_than === null, onclick: () => this.loadPage({ before_seq: page.older_than }) },
        w("older"),
      ),
    );
    const rows = entries.map((e) =>
      h(
        "tr",
        { "data-seq": e.seq, "data-action": e.action, class: e.is_case_read && !e.reason ? "read-without-reason" : null },
        h("td", {}, String(e.seq)),
        h("td", {}, formatUtc(e.at, { seconds: true })),
        h("td", {}, e.actor),
        h("td", {}, roleName(e.role)),
        h("td", {}, e.case_id ? h("a", { href: `#/cases/${e.case_id}`, class: "case-link", onclick: (event) => this.openCase(event, e.case_id) }, String(e.case_id)) : "–"),
        h("td", { class: "action-label", title: e.action }, (e.action_label && e.action_label[lang]) || e.action),
        h("td", {}, e.object_type ? `${e.object_type} ${e.object_id}` : "–"),
        h("td", {}, e.reason || (e.is_case_read ? h("span", { class: "muted" }, w("no_reason")) : "")),
        h("td", { class: "hash", title: e.hash }, e.hash.slice(0, 12)),
      ),
    );
    return h(
      "div",
      { id: "explorer-results" },
      pager,
      h(
        "table",
        { class: "table audit-table", id: "audit-table" },
        h(
          "thead",
          {},
          h("tr", {}, [w("seq"), w("time"), w("actor"), w("role"), w("case"), w("action"), w("object"), w("reason"), w("hash")].map((c) => h("th", { scope: "col" }, c))),
        ),
        h("tbody", {}, rows),
      ),
    );
  }

  openCase(event, caseId) {
    event.preventDefault();
    const lang = getLang();
    const code = h(
      "select",
      { id: "read-reason-code" },
      h("option", { value: "" }, "–"),
      this.reasons.map((r) => h("option", { value: r.code }, lang === "nl" ? r.nl : r.en)),
    );
    const text = h("input", { id: "read-reason-text", maxlength: 500 });
    const dialog = h(
      "dialog",
      { id: "read-reason-dialog", "aria-labelledby": "read-reason-title" },
      h(
        "form",
        {
          method: "dialog",
          onsubmit: (submit) => {
            submit.preventDefault();
            const reason = [code.value, text.value.trim()].filter(Boolean).join(": ");
            if (!reason) {
              text.focus();
              return;
            }
            dialog.close();
            dialog.remove();
            setReadReason(caseId, reason);
            location.hash = `#/cases/${caseId}`;
          },
        },
        h("p", { id: "read-reason-title" }, w("open_case_reason")),
        h("div", { class: "field" }, h("label", { for: "read-reason-code" }, w("reason_code")), code),
        h("div", { class: "field" }, h("label", { for: "read-reason-text" }, w("reason_text")), text),
        h(
          "div",
          { class: "buttons" },
          h("button", { type: "submit", id: "read-reason-open" }, w("open_case")),
          h("button", { type: "button", class: "secondary", onclick: () => { dialog.close(); dialog.remove(); } }, w("cancel")),
        ),
      ),
    );
    document.body.append(dialog);
    dialog.showModal();
  }

  // ---------------------------------------------------------------- statistics
  async loadStatistics() {
    const query = { since: inputToIso(this.period.since), until: inputToIso(this.period.until) };
    try {
      this.stats = await api("/compliance/statistics", { query });
    } catch (error) {
      this.stats = { error: errorText(error) };
    }
    const old = document.getElementById("statistics-tables");
    if (old) old.replaceWith(this.statisticsTables());
  }

  cellText(table, column, value) {
    if (value === null || value === undefined) return "–";
    if (column === "state" && table === "extractions") return t(`job_${value}`, {}, value);
    if (column === "status" && table === "authorisation_decisions") return t(`authorisation_${value}`, {}, value);
    if (column === "status" && table === "findings_released") return t(`finding_${value}`, {}, value);
    if (column === "outcome") return w(`outcome_${value}`);
    if (column === "state" && table === "deletions") return w(`deletion_${value}`);
    if (column === "share") return `${Math.round(value * 100)} %`;
    return String(value);
  }

  statisticsTables() {
    const s = this.stats;
    if (!s) return h("div", { id: "statistics-tables" }, h("p", { class: "muted" }, "…"));
    if (s.error) return h("div", { id: "statistics-tables" }, h("p", { class: "error" }, s.error));
    return h(
      "div",
      { id: "statistics-tables", class: "stat-grid" },
      s.tables.map((table) => {
        const max = Math.max(1, ...table.rows.map((r) => (typeof r.count === "number" ? r.count : 0)));
        return h(
          "div",
          { class: "stat-table", "data-table": table.code },
          h("h3", {}, w(`table_${table.code}`)),
          table.rows.length
            ? h(
                "table",
                { class: "table" },
                h("thead", {}, h("tr", {}, table.columns.map((c) => h("th", { scope: "col" }, w(`col_${c}`))))),
                h(
                  "tbody",
                  {},
                  table.rows.map((row) =>
                    h(
                      "tr",
                      {},
                      table.columns.map((c) =>
                        h(
                          "td",
                          {},
                          this.cellText(table.code, c, row[c]),
                          c === "count" && row[c] > 0
                            ? h("span", { class: "bar", style: `width:${Math.round((row[c] / max) * 100)}%`, "aria-hidden": "true" })
                            : null,
                        ),
                      ),
                    ),
                  ),
                ),
              )
            : h("p", { class: "muted" }, w("empty_table")),
        );
      }),
    );
  }

  statisticsSection() {
    const since = h("input", { id: "stats-since", type: "datetime-local", value: this.period.since });
    const until = h("input", { id: "stats-until", type: "datetime-local", value: this.period.until });
    const status = h("p", { class: "form-status", role: "status" });
    return section(
      "statistics",
      w("statistics"),
      h(
        "form",
        {
          class: "filter-form",
          onsubmit: (event) => {
            event.preventDefault();
            this.period = { since: since.value, until: until.value };
            this.loadStatistics();
          },
        },
        h("div", { class: "field" }, h("label", { for: "stats-since" }, w("since")), since),
        h("div", { class: "field" }, h("label", { for: "stats-until" }, w("until")), until),
        h(
          "div",
          { class: "buttons wide" },
          h("button", { type: "submit", id: "stats-show" }, w("show")),
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              id: "stats-export",
              onclick: () =>
                download("/compliance/statistics", { since: inputToIso(since.value), until: inputToIso(until.value), format: "csv" }).catch(
                  (error) => (status.textContent = error.message),
                ),
            },
            w("export_statistics"),
          ),
        ),
      ),
      status,
      this.statisticsTables(),
    );
  }

  // ---------------------------------------------------------------- register
  registerSection() {
    const status = h("p", { class: "form-status", role: "status" });
    const button = (language, label) =>
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          id: `register-${language}`,
          onclick: () => download("/compliance/register.pdf", { language }).catch((error) => (status.textContent = error.message)),
        },
        label,
      );
    return section(
      "register",
      w("register"),
      h("p", { class: "hint" }, w("register_hint")),
      h("div", { class: "buttons" }, button("nl", w("register_nl")), button("en", w("register_en"))),
      status,
    );
  }
}

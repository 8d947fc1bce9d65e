// One case: devices, authorisations (request, approve/refuse, consent, gate), notices, extraction jobs with
// live progress, findings (compare, release) and, for auditors, a summary of the audit trail.

import { api, ApiError } from "../api.js";
import {
  append,
  clear,
  formatBytes,
  formatUtc,
  formatUtcDate,
  h,
  inputToIso,
  nowForInput,
} from "../dom.js";
import { getLang, t } from "../i18n.js";
import {
  AUDITORS,
  AUTHORISER,
  errorText,
  field,
  FINDINGS_READERS,
  hasRole,
  INTAKE,
  JOB_REPORT_READERS,
  pdfButton,
  personName,
  section,
  statusBadge,
} from "./common.js";

const ACTIVE_JOB_STATES = ["queued", "running"];
const JOB_POLL_MS = 1000;
const SOURCE_KINDS = ["adb", "ios_usbmux", "ios_backup", "archive", "google_export"];

function describeConditions(unmet) {
  const key = getLang() === "nl" ? "message_nl" : "message_en";
  return unmet.map((u) => h("li", { "data-code": u.code }, u[key]));
}

export class CaseView {
  constructor(caseId) {
    this.caseId = caseId;
    this.pollTimer = null;
    this.reports = new Map();
    this.messages = new Map();
  }

  title() {
    return this.case ? `${t("case")} ${this.case.reference}` : t("case");
  }

  unmount() {
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.unmounted = true;
  }

  async mount(container) {
    this.container = container;
    await this.load();
    this.draw();
    this.schedulePoll();
  }

  async load() {
    const id = this.caseId;
    const [kase, devices, authorisations, notices, jobs, policy, people] = await Promise.all([
      api(`/cases/${id}`),
      api(`/cases/${id}/devices`),
      api(`/cases/${id}/authorisations`),
      api(`/cases/${id}/notices`),
      api(`/cases/${id}/jobs`),
      api("/policy"),
      api("/auth/people"),
    ]);
    Object.assign(this, { case: kase, devices, authorisations, notices, jobs, policy, people });
    // the demo's simulated phones (only in demo mode; 404 otherwise), offered by name in the job form
    this.demoPhones = [];
    if (hasRole(INTAKE)) {
      try {
        this.demoPhones = await api("/demo/phones");
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
      }
    }
    this.consent = new Map();
    this.gates = new Map();
    await Promise.all(
      authorisations.map(async (a) => {
        const [consent, gate] = await Promise.all([
          api(`/cases/${id}/authorisations/${a.id}/consent`),
          api(`/cases/${id}/authorisations/${a.id}/gate`),
        ]);
        this.consent.set(a.id, consent);
        this.gates.set(a.id, gate);
      }),
    );
    this.findingSets = null;
    if (hasRole(["legal_reviewer", "compliance_auditor"])) {
      this.findingSets = await api(`/cases/${id}/finding-sets`);
    }
    this.audit = null;
    if (hasRole(AUDITORS)) {
      const [entries, verify] = await Promise.all([
        api("/audit", { query: { case_id: id, limit: 1000 } }),
        api("/audit/verify"),
      ]);
      this.audit = { entries, verify };
    }
  }

  async reload(message, anchor) {
    if (message) this.messages.set(anchor || "page", message);
    await this.load();
    this.draw();
    this.schedulePoll();
    if (anchor) document.getElementById(anchor)?.scrollIntoView({ block: "start" });
  }

  draw() {
    if (!this.case) return;
    const container = clear(this.container);
    const c = this.case;
    append(
      container,
      h(
        "div",
        { class: "page-title" },
        h("h1", {}, `${t("case")} ${c.reference}`),
        hasRole(FINDINGS_READERS)
          ? h("a", { class: "button", href: `#/cases/${c.id}/route`, id: "open-route" }, t("route_and_claims"))
          : null,
        hasRole(FINDINGS_READERS) ? pdfButton(c.id) : null,
      ),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("title")),
        h("dd", {}, c.title || "–"),
        h("dt", {}, t("status")),
        h("dd", {}, statusBadge(c.status, "case")),
        h("dt", {}, t("created")),
        h("dd", {}, formatUtc(c.created_at)),
        h("dt", {}, t("retention_until")),
        h("dd", {}, c.retention_until ? formatUtc(c.retention_until) : "–"),
      ),
      h(
        "div",
        { class: "columns" },
        h("div", {}, this.devicesSection(), this.authorisationsSection(), this.noticesSection()),
        h("div", {}, this.jobsSection(), this.findingsSection(), this.auditSection()),
      ),
    );
  }

  flash(anchor) {
    const text = this.messages.get(anchor);
    this.messages.delete(anchor);
    return h("p", { class: "form-status", role: "status" }, text || "");
  }

  // ------------------------------------------------------------------ devices
  devicesSection() {
    const rows = this.devices.map((d) =>
      h(
        "tr",
        {},
        h("td", {}, `#${d.id}`),
        h("td", {}, t(`platform_${d.platform}`, {}, d.platform)),
        h("td", {}, [d.make, d.model].filter(Boolean).join(" ") || "–"),
        h("td", {}, d.serial || "–"),
        h("td", {}, d.seal_number || "–"),
        h("td", {}, formatUtc(d.registered_at)),
      ),
    );
    return section(
      "devices",
      t("devices"),
      this.devices.length
        ? h(
            "table",
            { class: "table" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["id", "platform", "make_model", "serial", "seal", "registered"].map((k) =>
                  h("th", { scope: "col" }, t(k)),
                ),
              ),
            ),
            h("tbody", {}, rows),
          )
        : h("p", { class: "muted" }, t("no_devices")),
      this.flash("devices"),
      hasRole(INTAKE) ? this.deviceForm() : null,
    );
  }

  deviceForm() {
    const platform = h(
      "select",
      { id: "device-platform" },
      ["android", "ios", "offline"].map((p) => h("option", { value: p }, p)),
    );
    const make = h("input", { id: "device-make" });
    const model = h("input", { id: "device-model" });
    const serial = h("input", { id: "device-serial" });
    const seal = h("input", { id: "device-seal" });
    const status = h("p", { class: "form-status", role: "status" });
    return h(
      "details",
      {},
      h("summary", {}, t("register_device")),
      h(
        "form",
        {
          class: "grid-form",
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              await api(`/cases/${this.caseId}/devices`, {
                method: "POST",
                body: {
                  platform: platform.value,
                  make: make.value,
                  model: model.value,
                  serial: serial.value || null,
                  seal_number: seal.value || null,
                },
              });
              await this.reload(t("saved"), "devices");
            } catch (error) {
              status.textContent = errorText(error);
            }
          },
        },
        field("device-platform", t("platform"), platform),
        field("device-make", t("make"), make),
        field("device-model", t("model"), model),
        field("device-serial", t("serial"), serial),
        field("device-seal", t("seal"), seal),
        h("button", { type: "submit" }, t("register_device")),
        status,
      ),
    );
  }

  // ------------------------------------------------------------------ authorisations
  groundTitle(groundId) {
    const ground = this.policy.grounds.find((g) => g.id === groundId);
    if (!ground) return groundId;
    return `${getLang() === "nl" ? ground.title_nl : ground.title_en} (${ground.statute})`;
  }

  authorisationsSection() {
    return section(
      "authorisations",
      t("authorisations"),
      this.authorisations.length
        ? this.authorisations.map((a) => this.authorisationCard(a))
        : h("p", { class: "muted" }, t("no_authorisations")),
      this.flash("authorisations"),
      hasRole(INTAKE) ? this.authorisationForm() : null,
    );
  }

  authorisationCard(a) {
    const gate = this.gates.get(a.id);
    const consent = this.consent.get(a.id) || [];
    return h(
      "article",
      { class: "subcard authorisation", "data-authorisation-id": a.id, "data-status": a.status },
      h("h3", {}, `${t("authorisation")} #${a.id} `, statusBadge(a.status, "authorisation")),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("legal_ground")),
        h("dd", {}, this.groundTitle(a.ground_id)),
        h("dt", {}, t("purpose")),
        h("dd", {}, a.purpose),
        h("dt", {}, t("necessity")),
        h("dd", {}, a.necessity),
        h("dt", {}, t("milder_means")),
        h(
          "dd",
          {},
          a.milder_means.length
            ? h("ul", {}, a.milder_means.map((m) => h("li", {}, `${m.means}${m.tried_at ? ` (${m.tried_at})` : ""}: ${m.result}`)))
            : "–",
        ),
        h("dt", {}, t("categories")),
        h("dd", {}, a.categories.map((c) => t(`category_${c}`, {}, c)).join(", ")),
        h("dt", {}, t("date_window")),
        h("dd", {}, `${formatUtcDate(a.window_start)} – ${formatUtcDate(a.window_end)}`),
        h("dt", {}, t("valid_until")),
        h("dd", {}, formatUtc(a.valid_until)),
        h("dt", {}, t("requested")),
        h("dd", {}, `${personName(this.people, a.requested_by)}, ${formatUtc(a.requested_at)}`),
        h("dt", {}, t("decided")),
        h(
          "dd",
          {},
          a.decided_at
            ? `${personName(this.people, a.decided_by)}, ${formatUtc(a.decided_at)}: ${a.decision_reason || ""}`
            : "–",
        ),
        h("dt", {}, t("consent")),
        h(
          "dd",
          { class: "consent-list" },
          consent.length
            ? h(
                "ul",
                {},
                consent.map((r) =>
                  h(
                    "li",
                    {},
                    `${r.given ? t("consent_given") : t("consent_refused")} · ${r.language}` +
                      `${r.interpreter ? ` · ${r.interpreter}` : ""} · ${formatUtc(r.given_at)}` +
                      `${r.refusal_without_consequence_explained ? ` · ${t("refusal_explained")}` : ""}` +
                      `${r.withdrawn_at ? ` · ${t("withdrawn_at")} ${formatUtc(r.withdrawn_at)}` : ""}`,
                  ),
                ),
              )
            : "–",
        ),
        h("dt", {}, t("gate")),
        h(
          "dd",
          { class: "gate", "data-may-start": gate ? String(gate.may_start) : "unknown" },
          gate
            ? gate.may_start
              ? statusBadge("open", "gate")
              : [statusBadge("closed", "gate"), h("ul", {}, describeConditions(gate.unmet))]
            : "–",
        ),
      ),
      hasRole(AUTHORISER) && a.status === "requested" ? this.decisionForm(a) : null,
      hasRole(INTAKE) && ["requested", "approved"].includes(a.status) ? this.consentForm(a) : null,
      hasRole([...INTAKE, ...AUTHORISER]) && a.status === "approved" && consent.some((r) => r.given && !r.withdrawn_at)
        ? this.withdrawForm(a)
        : null,
    );
  }

  decisionForm(a) {
    const reason = h("textarea", { id: `decision-reason-${a.id}`, required: true, rows: 2 });
    const status = h("p", { class: "form-status", role: "status" });
    const decide = async (approve) => {
      if (!reason.value.trim()) {
        status.textContent = t("reason_required");
        reason.focus();
        return;
      }
      try {
        await api(`/cases/${this.caseId}/authorisations/${a.id}/${approve ? "approve" : "refuse"}`, {
          method: "POST",
          body: { reason: reason.value.trim() },
        });
        await this.reload(approve ? t("approved_message") : t("refused_message"), "authorisations");
      } catch (error) {
        status.textContent = errorText(error);
      }
    };
    return h(
      "form",
      { class: "inline-form decision", onsubmit: (e) => e.preventDefault() },
      field(`decision-reason-${a.id}`, t("decision_reason"), reason),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", class: "approve", onclick: () => decide(true) }, t("approve")),
        h("button", { type: "button", class: "danger", onclick: () => decide(false) }, t("refuse")),
      ),
      status,
    );
  }

  consentForm(a) {
    const id = (name) => `consent-${name}-${a.id}`;
    const language = h("input", { id: id("language"), required: true, placeholder: "ar, fa, ti, …" });
    const interpreter = h("input", { id: id("interpreter") });
    const explained = h("input", { id: id("explained"), type: "checkbox" });
    const given = h("input", { id: id("given"), type: "checkbox", checked: true });
    const at = h("input", { id: id("at"), type: "datetime-local", required: true, value: nowForInput() });
    const status = h("p", { class: "form-status", role: "status" });
    return h(
      "details",
      {},
      h("summary", {}, t("record_consent")),
      h(
        "form",
        {
          class: "grid-form",
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              await api(`/cases/${this.caseId}/authorisations/${a.id}/consent`, {
                method: "POST",
                body: {
                  language: language.value.trim(),
                  interpreter: interpreter.value.trim() || null,
                  refusal_without_consequence_explained: explained.checked,
                  given: given.checked,
                  given_at: inputToIso(at.value),
                },
              });
              await this.reload(t("saved"), "authorisations");
            } catch (error) {
              status.textContent = errorText(error);
            }
          },
        },
        field(id("language"), t("language_of_applicant"), language),
        field(id("interpreter"), t("interpreter"), interpreter),
        h("div", { class: "check" }, explained, h("label", { for: id("explained") }, t("refusal_explained_label"))),
        h("div", { class: "check" }, given, h("label", { for: id("given") }, t("consent_given_label"))),
        field(id("at"), t("given_at"), at),
        h("button", { type: "submit" }, t("record_consent")),
        status,
      ),
    );
  }

  withdrawForm(a) {
    const reason = h("input", { id: `withdraw-reason-${a.id}`, required: true });
    const status = h("p", { class: "form-status", role: "status" });
    return h(
      "details",
      {},
      h("summary", {}, t("withdraw_consent")),
      h(
        "form",
        {
          class: "inline-form",
          onsubmit: async (event) => {
            event.preventDefault();
            if (!window.confirm(t("withdraw_confirm"))) return;
            try {
              await api(`/cases/${this.caseId}/authorisations/${a.id}/withdraw-consent`, {
                method: "POST",
                body: { reason: reason.value.trim() },
              });
              await this.reload(t("consent_withdrawn_message"), "authorisations");
            } catch (error) {
              status.textContent = errorText(error);
            }
          },
        },
        h("p", { class: "hint" }, t("withdraw_hint")),
        field(`withdraw-reason-${a.id}`, t("reason"), reason),
        h("button", { type: "submit", class: "danger" }, t("withdraw_consent")),
        status,
      ),
    );
  }

  authorisationForm() {
    const grounds = this.policy.grounds;
    const device = h(
      "select",
      { id: "auth-device" },
      this.devices.map((d) => h("option", { value: d.id }, `#${d.id} ${d.platform} ${d.make} ${d.model}`)),
    );
    const ground = h(
      "select",
      { id: "auth-ground" },
      grounds.map((g) => h("option", { value: g.id }, getLang() === "nl" ? g.title_nl : g.title_en)),
    );
    const groundInfo = h("p", { class: "hint", id: "auth-ground-info" });
    const purpose = h("textarea", { id: "auth-purpose", required: true, rows: 2 });
    const necessity = h("textarea", { id: "auth-necessity", required: true, rows: 2 });
    const means = [0, 1].map((i) => ({
      means: h("input", { id: `auth-means-${i}`, placeholder: t("milder_means_example") }),
      tried: h("input", { id: `auth-means-tried-${i}`, type: "date" }),
      result: h("input", { id: `auth-means-result-${i}` }),
    }));
    const categories = h("fieldset", { class: "checks", id: "auth-categories" });
    const start = h("input", { id: "auth-start", type: "date", required: true });
    const end = h("input", { id: "auth-end", type: "date", required: true });
    const validDays = h("input", { id: "auth-valid-days", type: "number", min: 1 });
    const status = h("p", { class: "form-status", role: "status" });
    const drawCategories = () => {
      const chosen = grounds.find((g) => g.id === ground.value);
      clear(categories);
      append(categories, h("legend", {}, t("categories")));
      if (!chosen) return;
      groundInfo.textContent = [
        chosen.statute,
        chosen.requires_consent ? t("requires_consent") : null,
        chosen.requires_information_notice ? t("requires_notice") : null,
        chosen.requires_milder_means ? t("requires_milder_means") : null,
        t("max_window_days", { days: chosen.max_window_days }),
      ]
        .filter(Boolean)
        .join(" · ");
      for (const category of chosen.allowed_categories) {
        const id = `auth-category-${category}`;
        append(
          categories,
          h(
            "div",
            { class: "check" },
            h("input", { type: "checkbox", id, value: category, checked: category === "location" }),
            h("label", { for: id }, t(`category_${category}`, {}, category)),
          ),
        );
      }
    };
    ground.addEventListener("change", drawCategories);
    drawCategories();
    return h(
      "details",
      { id: "request-authorisation" },
      h("summary", {}, t("request_authorisation")),
      h(
        "form",
        {
          class: "grid-form",
          onsubmit: async (event) => {
            event.preventDefault();
            const body = {
              device_id: device.value ? Number(device.value) : null,
              ground_id: ground.value,
              purpose: purpose.value.trim(),
              necessity: necessity.value.trim(),
              milder_means: means
                .filter((m) => m.means.value.trim())
                .map((m) => ({ means: m.means.value.trim(), tried_at: m.tried.value || null, result: m.result.value.trim() })),
              categories: [...categories.querySelectorAll("input:checked")].map((i) => i.value),
              window_start: `${start.value}T00:00:00Z`,
              window_end: `${end.value}T23:59:59Z`,
              valid_days: validDays.value ? Number(validDays.value) : null,
            };
            try {
              await api(`/cases/${this.caseId}/authorisations`, { method: "POST", body });
              await this.reload(t("authorisation_requested_message"), "authorisations");
            } catch (error) {
              status.textContent = errorText(error);
            }
          },
        },
        field("auth-device", t("device"), device),
        field("auth-ground", t("legal_ground"), ground),
        groundInfo,
        field("auth-purpose", t("purpose"), purpose),
        field("auth-necessity", t("necessity"), necessity),
        h(
          "fieldset",
          { class: "means" },
          h("legend", {}, t("milder_means_tried")),
          means.map((m, i) =>
            h(
              "div",
              { class: "means-row" },
              field(`auth-means-${i}`, t("means"), m.means),
              field(`auth-means-tried-${i}`, t("tried_on"), m.tried),
              field(`auth-means-result-${i}`, t("result"), m.result),
            ),
          ),
        ),
        categories,
        field("auth-start", t("window_start"), start),
        field("auth-end", t("window_end"), end),
        field("auth-valid-days", t("valid_days"), validDays),
        h("button", { type: "submit" }, t("request_authorisation")),
        status,
      ),
    );
  }

  // ------------------------------------------------------------------ notices
  noticesSection() {
    const language = h("input", { id: "notice-language", required: true, placeholder: "ar, fa, ti, …" });
    const interpreter = h("input", { id: "notice-interpreter" });
    const at = h("input", { id: "notice-at", type: "datetime-local", required: true, value: nowForInput() });
    const status = h("p", { class: "form-status", role: "status" });
    return section(
      "notices",
      t("information_notices"),
      this.notices.length
        ? h(
            "ul",
            {},
            this.notices.map((n) =>
              h("li", {}, `${n.language} · ${t("notice_version")} ${n.notice_version}${n.interpreter ? ` · ${n.interpreter}` : ""} · ${formatUtc(n.given_at)}`),
            ),
          )
        : h("p", { class: "muted" }, t("no_notices")),
      this.flash("notices"),
      hasRole(INTAKE)
        ? h(
            "details",
            {},
            h("summary", {}, t("record_notice")),
            h(
              "form",
              {
                class: "grid-form",
                onsubmit: async (event) => {
                  event.preventDefault();
                  try {
                    await api(`/cases/${this.caseId}/notices`, {
                      method: "POST",
                      body: {
                        language: language.value.trim(),
                        interpreter: interpreter.value.trim() || null,
                        given_at: inputToIso(at.value),
                      },
                    });
                    await this.reload(t("saved"), "notices");
                  } catch (error) {
                    status.textContent = errorText(error);
                  }
                },
              },
              field("notice-language", t("language_of_applicant"), language),
              field("notice-interpreter", t("interpreter"), interpreter),
              field("notice-at", t("given_at"), at),
              h("button", { type: "submit" }, t("record_notice")),
              status,
            ),
          )
        : null,
    );
  }

  // ------------------------------------------------------------------ jobs
  jobProgress(job) {
    const items = job.items_total ? `${job.items_done} / ${job.items_total}` : `${job.items_done}`;
    const bytes = job.bytes_total
      ? `${formatBytes(job.bytes_done)} / ${formatBytes(job.bytes_total)}`
      : formatBytes(job.bytes_done);
    const total = job.items_total || 0;
    const done = job.state === "completed" ? total || 1 : job.items_done;
    const label = `${t("job")} #${job.id}: ${t("items")} ${items}, ${bytes}`;
    const text = h("span", { class: "progress-text" }, `${t("items")} ${items} · ${bytes}`);
    // a bar only while work goes on or when it finished; a stopped job is not shown as still moving
    if (!ACTIVE_JOB_STATES.includes(job.state) && job.state !== "completed") {
      return h("div", { class: "progress stopped", "data-job-id": job.id }, text);
    }
    return h(
      "div",
      { class: "progress", "data-job-id": job.id },
      h(
        "progress",
        total || job.state === "completed"
          ? { max: total || 1, value: Math.min(done, total || 1), "aria-label": label }
          : { "aria-label": label },
      ),
      text,
    );
  }

  // A job's error in the page's language (by the error's kind), with the station's technical text beside it.
  jobError(job) {
    const kind = /^(\w+):/.exec(job.error || "");
    const explained = kind ? t(`job_error_${kind[1]}`, {}, "") : "";
    if (!explained) return h("p", { class: "error", "data-job-id": job.id }, `#${job.id}: ${job.error}`);
    return h(
      "div",
      { class: "error", "data-job-id": job.id },
      h("p", {}, `#${job.id}: ${explained}`),
      h("details", {}, h("summary", {}, t("job_error_technical")), h("code", {}, job.error)),
    );
  }

  jobStart(job) {
    if (job.started_at) return formatUtc(job.started_at);
    return ACTIVE_JOB_STATES.includes(job.state) ? t("job_starting") : "–";
  }

  jobsSection() {
    const rows = this.jobs.map((job) =>
      h(
        "tr",
        { "data-job-id": job.id, "data-state": job.state },
        h("td", {}, `#${job.id}`),
        h("td", {}, t(`source_${job.kind}`, {}, job.kind)),
        h("td", {}, statusBadge(job.state, "job")),
        h("td", { class: "progress-cell" }, this.jobProgress(job)),
        h("td", { class: "job-times" }, this.jobStart(job), h("br"), formatUtc(job.finished_at)),
        h(
          "td",
          {},
          (job.state === "completed" || job.state === "failed") && hasRole(JOB_REPORT_READERS)
            ? h("button", { type: "button", class: "secondary", onclick: () => this.toggleReport(job.id) }, t("report"))
            : null,
          hasRole(INTAKE) && ACTIVE_JOB_STATES.includes(job.state)
            ? h("button", { type: "button", class: "danger", onclick: () => this.jobAction(job.id, "cancel") }, t("cancel"))
            : null,
          hasRole(INTAKE) && ["interrupted", "failed"].includes(job.state) && job.resumable !== false
            ? h("button", { type: "button", onclick: () => this.jobAction(job.id, "resume") }, t("resume"))
            : null,
        ),
      ),
    );
    const reports = [...this.reports.entries()].map(([jobId, report]) => this.reportBlock(jobId, report));
    return section(
      "jobs",
      t("extraction_jobs"),
      this.jobs.length
        ? h(
            "table",
            { class: "table jobs" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["id", "source", "state", "progress", "started_finished", "actions"].map((k) => h("th", { scope: "col" }, t(k))),
              ),
            ),
            h("tbody", {}, rows),
          )
        : h("p", { class: "muted" }, t("no_jobs")),
      this.jobs.filter((j) => j.error).map((j) => this.jobError(j)),
      reports,
      this.flash("jobs"),
      hasRole(INTAKE) ? this.jobForm() : null,
    );
  }

  async jobAction(jobId, action) {
    try {
      await api(`/jobs/${jobId}/${action}`, { method: "POST" });
      await this.reload(t(`job_${action}_message`), "jobs");
    } catch (error) {
      this.messages.set("jobs", errorText(error));
      this.draw();
    }
  }

  async toggleReport(jobId) {
    try {
      if (this.reports.has(jobId)) this.reports.delete(jobId);
      else this.reports.set(jobId, await api(`/jobs/${jobId}/report`, { query: { include_items: "false" } }));
    } catch (error) {
      this.messages.set("jobs", errorText(error)); // e.g. a caseworker before the findings are released
    }
    this.draw();
    document.getElementById(`job-report-${jobId}`)?.focus();
  }

  reportBlock(jobId, report) {
    const clock = report.clock || {};
    const clockText = ["start", "end"]
      .filter((p) => clock[p])
      .map((p) => `${t(`clock_${p}`)}: ${Number(clock[p].offset_s).toFixed(1)} s (± ${Number(clock[p].uncertainty_s || 0).toFixed(1)} s)`)
      .join(" · ");
    // tools with their versions; nested maps (the parsers and their versions) one per line, folded away
    const tools = Object.entries(report.tool_versions || {}).flatMap(([k, v]) =>
      v && typeof v === "object" ? Object.entries(v).map(([name, version]) => `${k}: ${name} ${version}`) : [`${k} ${v}`],
    );
    return h(
      "div",
      { class: "subcard report", id: `job-report-${jobId}`, tabindex: "-1" },
      h("h3", {}, `${t("extraction_report")} #${jobId}`),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("method")),
        h("dd", {}, report.method),
        h("dt", {}, t("clock_offset")),
        h("dd", {}, clockText || "–"),
        h("dt", {}, t("items")),
        h("dd", {}, `${report.totals.items} · ${formatBytes(report.totals.bytes_acquired)}`),
        h("dt", {}, t("records")),
        h("dd", {}, `${report.totals.records} (${t("dropped_outside_window")}: ${report.totals.dropped_outside_window})`),
        h("dt", {}, t("custody_manifest")),
        h("dd", { class: "hash" }, report.custody_manifest_sha256),
        h("dt", {}, t("tool_versions")),
        h(
          "dd",
          { class: "tool-versions" },
          tools.length
            ? h(
                "details",
                {},
                h("summary", {}, t("tool_versions_show", { count: tools.length })),
                h("ul", {}, tools.map((line) => h("li", {}, line))),
              )
            : "–",
        ),
      ),
    );
  }

  schedulePoll() {
    clearTimeout(this.pollTimer);
    if (this.unmounted || !this.jobs.some((j) => ACTIVE_JOB_STATES.includes(j.state))) return;
    this.pollTimer = setTimeout(() => this.poll(), JOB_POLL_MS);
  }

  async poll() {
    const active = this.jobs.filter((j) => ACTIVE_JOB_STATES.includes(j.state));
    try {
      const fresh = await Promise.all(active.map((j) => api(`/jobs/${j.id}`)));
      if (this.unmounted) return;
      for (const job of fresh) {
        const index = this.jobs.findIndex((j) => j.id === job.id);
        this.jobs[index] = job;
      }
      const finished = fresh.some((j) => !ACTIVE_JOB_STATES.includes(j.state));
      this.updateJobRows(fresh);
      if (finished) {
        await this.reload();
        return;
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
    }
    this.schedulePoll();
  }

  updateJobRows(jobs) {
    for (const job of jobs) {
      const row = this.container.querySelector(`tr[data-job-id="${job.id}"]`);
      if (!row) continue;
      row.dataset.state = job.state;
      const cell = row.querySelector(".progress-cell");
      clear(cell).append(this.jobProgress(job));
      clear(row.children[2]).append(statusBadge(job.state, "job"));
      const times = row.querySelector(".job-times");
      if (times) append(clear(times), this.jobStart(job), h("br"), formatUtc(job.finished_at));
    }
  }

  jobForm() {
    const approved = this.authorisations.filter((a) => a.status === "approved");
    const authorisation = h(
      "select",
      { id: "job-authorisation" },
      approved.map((a) => h("option", { value: a.id }, `#${a.id} ${this.groundTitle(a.ground_id)}`)),
    );
    const device = h(
      "select",
      { id: "job-device" },
      this.devices.map((d) =>
        h("option", { value: d.id }, `#${d.id} ${t(`platform_${d.platform}`, {}, d.platform)} ${d.make} ${d.model}`),
      ),
    );
    const kind = h("select", { id: "job-kind" }, SOURCE_KINDS.map((k) => h("option", { value: k }, t(`source_${k}`))));
    const host = h("input", { id: "job-host", value: "127.0.0.1" });
    const port = h("input", { id: "job-port", type: "number", min: 1, max: 65535, value: "5555" });
    const udid = h("input", { id: "job-udid" });
    const socket = h("input", { id: "job-socket" });
    const path = h("input", { id: "job-path" });
    const password = h("input", { id: "job-password", type: "password", autocomplete: "off" });
    const status = h("p", { class: "form-status", role: "status" });
    const demo = this.demoPhones && this.demoPhones.length
      ? h(
          "select",
          { id: "job-demo-phone" },
          h("option", { value: "" }, t("demo_phone_choose")),
          this.demoPhones.map((phone, index) => h("option", { value: String(index) }, phone.name)),
        )
      : null;
    const fields = {
      adb: [field("job-host", t("host"), host), field("job-port", t("port"), port)],
      ios_usbmux: [field("job-udid", "UDID", udid), field("job-socket", t("usbmux_socket"), socket)],
      ios_backup: [field("job-path", t("import_path"), path), field("job-password", t("backup_password"), password)],
      archive: [field("job-path", t("import_path"), path)],
      google_export: [field("job-path", t("import_path"), path)],
    };
    const sourceFields = h("div", { class: "source-fields" });
    const drawSource = () => {
      clear(sourceFields);
      append(sourceFields, fields[kind.value]);
    };
    kind.addEventListener("change", drawSource);
    if (demo) {
      // choosing a simulated phone fills in how to reach it (the Android one listens on a random port)
      demo.addEventListener("change", () => {
        const phone = this.demoPhones[Number(demo.value)];
        if (!demo.value || !phone) return;
        kind.value = phone.kind;
        if (phone.host) host.value = phone.host;
        if (phone.port) port.value = String(phone.port);
        if (phone.udid) udid.value = phone.udid;
        if (phone.socket) socket.value = phone.socket;
        const registered = this.devices.find((d) => d.platform === phone.platform);
        if (registered) device.value = String(registered.id);
        drawSource();
      });
    }
    drawSource();
    return h(
      "details",
      { id: "start-job" },
      h("summary", {}, t("start_extraction")),
      approved.length
        ? h(
            "form",
            {
              class: "grid-form",
              onsubmit: async (event) => {
                event.preventDefault();
                const source = { kind: kind.value };
                if (kind.value === "adb") Object.assign(source, { host: host.value.trim(), port: Number(port.value) });
                if (kind.value === "ios_usbmux") Object.assign(source, { udid: udid.value || null, socket: socket.value || null });
                if (["ios_backup", "archive", "google_export"].includes(kind.value)) source.path = path.value.trim();
                if (kind.value === "ios_backup" && password.value) source.password = password.value;
                try {
                  await api(`/cases/${this.caseId}/jobs`, {
                    method: "POST",
                    body: { authorisation_id: Number(authorisation.value), device_id: Number(device.value), source },
                  });
                  await this.reload(t("job_started"), "jobs");
                } catch (error) {
                  status.textContent = errorText(error);
                }
              },
            },
            field("job-authorisation", t("authorisation"), authorisation),
            demo ? field("job-demo-phone", t("demo_phone"), demo) : null,
            field("job-device", t("device"), device),
            field("job-kind", t("source"), kind),
            sourceFields,
            h("button", { type: "submit" }, t("start_extraction")),
            status,
          )
        : h("p", { class: "muted" }, t("no_approved_authorisation")),
    );
  }

  // ------------------------------------------------------------------ findings
  findingsSection() {
    const canMatch = hasRole(["caseworker", "legal_reviewer"]);
    const sets = this.findingSets;
    if (!canMatch && !sets) return null;
    return section(
      "findings",
      t("findings"),
      hasRole(FINDINGS_READERS)
        ? h("p", {}, h("a", { href: `#/cases/${this.caseId}/route` }, t("route_and_claims")))
        : null,
      hasRole(["legal_reviewer", "compliance_auditor"]) && sets && sets.some((x) => !x.released)
        ? h("p", {}, pdfButton(this.caseId, { id: "pdf-draft", draft: true }))
        : null,
      sets
        ? sets.length
          ? h(
              "ul",
              { class: "finding-sets" },
              sets.map((s) =>
                h(
                  "li",
                  { "data-finding-set-id": s.id },
                  `${t("finding_set")} #${s.id} · ${formatUtc(s.created_at)} · `,
                  s.released ? statusBadge("released", "set") : statusBadge("draft", "set"),
                  s.released ? ` ${formatUtc(s.released_at)}: ${s.release_note || ""}` : null,
                  hasRole(["legal_reviewer"]) && !s.released ? this.releaseForm(s) : null,
                ),
              ),
            )
          : h("p", { class: "muted" }, t("no_finding_sets"))
        : null,
      this.flash("findings"),
      canMatch
        ? h(
            "button",
            {
              type: "button",
              id: "compare-claims",
              onclick: async () => {
                try {
                  const result = await api(`/cases/${this.caseId}/match`, { method: "POST" });
                  await this.reload(t("compared_message", { id: result.finding_set_id }), "findings");
                } catch (error) {
                  this.messages.set("findings", errorText(error));
                  this.draw();
                }
              },
            },
            t("compare_claims"),
          )
        : null,
    );
  }

  releaseForm(s) {
    const note = h("input", { id: `release-note-${s.id}`, required: true });
    const status = h("span", { class: "form-status", role: "status" });
    return h(
      "form",
      {
        class: "inline-form",
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            await api(`/cases/${this.caseId}/finding-sets/${s.id}/release`, {
              method: "POST",
              body: { note: note.value.trim() },
            });
            await this.reload(t("released_message"), "findings");
          } catch (error) {
            status.textContent = errorText(error);
          }
        },
      },
      field(`release-note-${s.id}`, t("release_note"), note),
      h("button", { type: "submit" }, t("release")),
      status,
    );
  }

  // ------------------------------------------------------------------ audit
  auditSection() {
    if (!this.audit) return null;
    const { entries, verify } = this.audit;
    const counts = new Map();
    for (const entry of entries) counts.set(entry.action, (counts.get(entry.action) || 0) + 1);
    const latest = entries.slice(-15).reverse();
    return section(
      "audit",
      t("audit_trail"),
      h(
        "p",
        { class: verify.ok ? "ok" : "error", id: "audit-verify" },
        statusBadge(verify.ok ? "intact" : "broken", "chain"),
        ` ${t("entries_checked", { count: verify.entries_checked })} · ${t("head_hash")} `,
        h("code", { class: "hash" }, verify.head_hash.slice(0, 16) + "…"),
      ),
      verify.problems.length ? h("ul", { class: "error" }, verify.problems.map((p) => h("li", {}, p))) : null,
      h("h3", {}, t("actions_on_case", { count: entries.length })),
      h(
        "ul",
        { class: "audit-counts" },
        [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([action, count]) => h("li", {}, h("code", {}, action), ` × ${count}`)),
      ),
      h("h3", {}, t("latest_entries")),
      h(
        "table",
        { class: "table compact" },
        h(
          "thead",
          {},
          h("tr", {}, ["seq", "time", "actor", "role", "action"].map((k) => h("th", { scope: "col" }, t(k)))),
        ),
        h(
          "tbody",
          {},
          latest.map((e) =>
            h("tr", {}, h("td", {}, e.seq), h("td", {}, formatUtc(e.at)), h("td", {}, e.actor), h("td", {}, e.role), h("td", {}, h("code", {}, e.action))),
          ),
        ),
      ),
    );
  }
}

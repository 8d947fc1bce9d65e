// The cases the signed-in role may see; intake officers open a new case here.

import { api } from "../api.js";
import { append, clear, formatUtc, h } from "../dom.js";
import { t } from "../i18n.js";
import { errorText, field, FINDINGS_READERS, hasRole, INTAKE, section, statusBadge } from "./common.js";

export class CaseListView {
  title() {
    return t("cases");
  }

  async mount(container) {
    this.container = container;
    this.cases = await api("/cases");
    this.queues = await api("/queues").catch(() => ({}));
    this.draw();
  }

  draw() {
    const container = clear(this.container);
    const rows = this.cases.map((c) =>
      h(
        "tr",
        { "data-case-id": c.id },
        h("td", {}, h("a", { href: `#/cases/${c.id}`, class: "case-link" }, c.reference)),
        h("td", {}, c.title),
        h("td", {}, statusBadge(c.status, "case")),
        h("td", {}, formatUtc(c.created_at)),
        h(
          "td",
          {},
          hasRole(FINDINGS_READERS)
            ? h("a", { href: `#/cases/${c.id}/route`, class: "route-link" }, t("route_and_claims"))
            : null,
        ),
      ),
    );
    append(
      container,
      h("h1", {}, t("cases")),
      this.queuesSection(),
      section(
        "case-list",
        t("cases_you_may_see"),
        this.cases.length
          ? h(
              "table",
              { class: "table" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  h("th", { scope: "col" }, t("reference")),
                  h("th", { scope: "col" }, t("title")),
                  h("th", { scope: "col" }, t("status")),
                  h("th", { scope: "col" }, t("created")),
                  h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("links"))),
                ),
              ),
              h("tbody", {}, rows),
            )
          : h("p", { class: "muted" }, t("no_cases")),
      ),
      hasRole(INTAKE) ? this.createForm() : null,
    );
  }

  // What waits for this role: approvals, releases, running extractions (people by name).
  queuesSection() {
    const queues = this.queues || {};
    const names = Object.keys(queues);
    if (!names.length) return null;
    const item = (name, q) => {
      const who = q.requested_by || q.started_by;
      const target = `#/cases/${q.case_id}`;
      return h(
        "li",
        { "data-case-id": q.case_id },
        h("a", { href: target }, q.reference),
        q.state ? [" ", statusBadge(q.state, "job")] : null,
        who ? ` · ${who}` : "",
        q.since ? ` · ${t("queue_since")} ${formatUtc(q.since)}` : "",
      );
    };
    return section(
      "queues",
      t("queues_title"),
      h(
        "div",
        { class: "queues" },
        names.map((name) =>
          h(
            "div",
            { class: "queue", id: `queue-${name.replace(/_/g, "-")}` },
            h("h3", {}, `${t(`queue_${name}`)} (${queues[name].length})`),
            queues[name].length
              ? h("ul", {}, queues[name].map((q) => item(name, q)))
              : h("p", { class: "muted" }, t("queue_empty")),
          ),
        ),
      ),
    );
  }

  createForm() {
    const reference = h("input", { id: "case-reference-input", required: true, maxlength: 64 });
    const title = h("input", { id: "case-title-input" });
    const status = h("p", { class: "form-status", role: "status" });
    return section(
      "new-case",
      t("new_case"),
      h(
        "form",
        {
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              const created = await api("/cases", {
                method: "POST",
                body: { reference: reference.value.trim(), title: title.value.trim() },
              });
              location.hash = `#/cases/${created.id}`;
            } catch (error) {
              status.textContent = errorText(error);
            }
          },
        },
        field("case-reference-input", t("reference_hint"), reference),
        field("case-title-input", t("title"), title),
        h("button", { type: "submit" }, t("create_case")),
        status,
      ),
    );
  }
}

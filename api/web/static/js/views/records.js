// The records table under the route map (issue 14): every location record, paged by the server
// (GET /cases/{id}/records), filtered by artifact, accuracy, own/received, the timeline's window and a claim's
// place; a row picked shows the record on the map; exports (records CSV/GeoJSON/KML, finding set CSV) are
// downloads the server writes to the audit log.

import { api, apiFile } from "../api.js";
import { append, clear, formatDistance, h } from "../dom.js";
import { getLang, t } from "../i18n.js";
import { errorText } from "./common.js";

const PAGE_SIZE = 100;

function shortHash(value) {
  return value ? `${value.slice(0, 12)}…` : "–";
}

function localText(row) {
  if (!row.time_local) return "–";
  // 2024-03-01T13:18:32.883+02:00 → 2024-03-01 13:18:32 (+02:00, Europe/Istanbul)
  const text = row.time_local;
  return `${text.slice(0, 10)} ${text.slice(11, 19)} (${text.slice(23) || "+00:00"}, ${row.time_zone})`;
}

function utcText(row) {
  return `${row.time_utc.slice(0, 10)} ${row.time_utc.slice(11, 19)}`;
}

export class RecordsTable {
  constructor(caseId, { onPick, canExportFindings = true } = {}) {
    this.caseId = caseId;
    this.onPick = onPick || (() => {});
    this.canExportFindings = canExportFindings;
    this.filters = { artifact: "", max_accuracy_m: "", observation: "" };
    this.window = null;
    this.claim = null; // {id, text, side}
    this.offset = 0;
    this.page = null;
    this.selectedRecord = null;
    this.loading = 0;
    this.el = h("section", { class: "card records", id: "records", "aria-labelledby": "records-title" });
  }

  query(extra = {}) {
    const query = { ...this.filters };
    if (this.claim) {
      query.claim_id = this.claim.id;
      query.side = this.claim.side;
      query.claim_window = "true";
    } else if (this.window) {
      query.start_s = this.window[0];
      query.end_s = this.window[1];
    }
    return { ...query, ...extra };
  }

  setWindow(window) {
    this.window = window ? [...window] : null;
    if (this.claim) return;
    clearTimeout(this.windowTimer);
    this.windowTimer = setTimeout(() => this.load(0), 250);
  }

  setClaim(claim) {
    this.claim = claim;
    this.load(0);
    this.el.scrollIntoView({ block: "start" });
  }

  async showRecord(recordId) {
    this.selectedRecord = recordId;
    await this.load(null, recordId);
    this.el.querySelector(`tr[data-record-id="${recordId}"]`)?.scrollIntoView({ block: "center" });
  }

  async load(offset, recordId) {
    const ticket = ++this.loading;
    const query = this.query({ limit: PAGE_SIZE });
    if (recordId !== undefined) query.record_id = recordId;
    else query.offset = offset ?? this.offset;
    try {
      const page = await api(`/cases/${this.caseId}/records`, { query });
      if (ticket !== this.loading) return;
      this.page = page;
      this.offset = page.offset;
      this.error = null;
    } catch (error) {
      if (ticket !== this.loading) return;
      this.error = errorText(error);
    }
    this.draw();
  }

  async download(path, query, status) {
    status.textContent = t("records_exporting");
    try {
      const { blob, fileName } = await apiFile(path, { query });
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
  }

  filtersForm() {
    const artifacts = this.page ? this.page.artifacts : [];
    const artifact = h(
      "select",
      {
        id: "records-artifact",
        onchange: (e) => {
          this.filters.artifact = e.target.value;
          this.load(0);
        },
      },
      h("option", { value: "" }, t("records_all")),
      artifacts.map((a) =>
        h(
          "option",
          { value: a.artifact_id, selected: a.artifact_id === this.filters.artifact ? "" : null },
          `${a.artifact_id} (${a.records})`,
        ),
      ),
    );
    const accuracy = h("input", {
      id: "records-max-accuracy",
      type: "number",
      min: "1",
      step: "1",
      inputmode: "numeric",
      value: this.filters.max_accuracy_m,
      onchange: (e) => {
        this.filters.max_accuracy_m = e.target.value;
        this.load(0);
      },
    });
    const observation = h(
      "select",
      {
        id: "records-observation",
        onchange: (e) => {
          this.filters.observation = e.target.value;
          this.load(0);
        },
      },
      [
        ["", t("records_all")],
        ["own", t("records_own")],
        ["received", t("records_received")],
      ].map(([value, text]) =>
        h("option", { value, selected: value === this.filters.observation ? "" : null }, text),
      ),
    );
    return h(
      "div",
      { class: "records-filters" },
      h("label", { for: "records-artifact" }, t("records_artifact")),
      artifact,
      h("label", { for: "records-max-accuracy" }, t("records_max_accuracy")),
      accuracy,
      h("label", { for: "records-observation" }, t("records_observation")),
      observation,
    );
  }

  pager() {
    const page = this.page;
    if (!page) return null;
    const last = Math.max(0, Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE);
    const button = (id, text, offset, disabled) =>
      h("button", { type: "button", class: "secondary", id, disabled: disabled ? "" : null, onclick: () => this.load(offset) }, text);
    return h(
      "div",
      { class: "records-pager" },
      button("records-first", t("records_first"), 0, page.offset === 0),
      button("records-previous", t("records_previous"), Math.max(0, page.offset - PAGE_SIZE), page.offset === 0),
      h(
        "span",
        { id: "records-range", role: "status" },
        page.total
          ? t("records_range", {
              from: (page.offset + 1).toLocaleString(getLang()),
              to: (page.offset + page.count).toLocaleString(getLang()),
              total: page.total.toLocaleString(getLang()),
            })
          : t("records_none"),
      ),
      button("records-next", t("records_next"), page.next_offset ?? page.offset, page.next_offset === null),
      button("records-last", t("records_last"), last, page.next_offset === null),
    );
  }

  table() {
    const page = this.page;
    if (!page || !page.rows.length) return null;
    const claimMode = Boolean(this.claim);
    return h(
      "div",
      { class: "records-scroll" },
      h(
        "table",
        { class: "table compact records-table", id: "records-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "#"),
            h("th", { scope: "col" }, t("records_col_local")),
            h("th", { scope: "col" }, t("records_col_utc")),
            h("th", { scope: "col" }, t("records_col_position")),
            h("th", { scope: "col" }, t("records_col_accuracy")),
            claimMode ? h("th", { scope: "col" }, t("records_col_distance")) : null,
            h("th", { scope: "col" }, t("records_col_source")),
            h("th", { scope: "col" }, t("records_col_path")),
            h("th", { scope: "col" }, t("records_col_hash")),
          ),
        ),
        h(
          "tbody",
          {},
          page.rows.map((row) =>
            h(
              "tr",
              {
                "data-record-id": row.record_id,
                class: [
                  row.record_id === this.selectedRecord ? "selected" : "",
                  row.set_aside ? "set-aside" : "",
                  row.observation === "received" ? "received" : "",
                ].join(" "),
                tabindex: "0",
                onclick: () => this.pick(row),
                onkeydown: (e) => {
                  if (e.key === "Enter" || e.key === " ") {
                    e.preventDefault();
                    this.pick(row);
                  }
                },
              },
              h("td", { class: "num" }, String(row.record_id)),
              h("td", {}, localText(row)),
              h("td", {}, utcText(row)),
              h("td", { class: "mono" }, `${row.lat.toFixed(5)}, ${row.lon.toFixed(5)}`),
              h("td", {}, row.accuracy_m === null ? "–" : `± ${formatDistance(row.accuracy_m)}`),
              claimMode
                ? h("td", {}, `${formatDistance(row.distance_m)} · ${t(row.at_place ? "records_at_place" : "records_away")}`)
                : null,
              h(
                "td",
                {},
                `${t(`fix_${row.fix_kind}`, {}, row.fix_kind)} · ${row.artifact_id}` +
                  (row.observation === "received" ? ` · ${t("records_received")}` : ""),
              ),
              h("td", { class: "mono path", title: row.device_path }, row.device_path || "–"),
              h("td", { class: "mono", title: row.item_sha256 }, shortHash(row.item_sha256)),
            ),
          ),
        ),
      ),
    );
  }

  pick(row) {
    this.selectedRecord = row.record_id;
    for (const tr of this.el.querySelectorAll("tr.selected")) tr.classList.remove("selected");
    this.el.querySelector(`tr[data-record-id="${row.record_id}"]`)?.classList.add("selected");
    this.onPick(row);
  }

  exports() {
    const status = h("span", { class: "form-status", role: "status", id: "export-status" });
    const base = `/cases/${this.caseId}`;
    const button = (id, text, onclick) => h("button", { type: "button", class: "secondary", id, onclick }, text);
    const records = (format) => () => this.download(`${base}/records/export`, this.query({ format }), status);
    return h(
      "div",
      { class: "records-exports" },
      h("span", { class: "hint" }, `${t("records_export")}: `),
      button("export-records-csv", t("records_export_csv"), records("csv")),
      button("export-records-geojson", t("records_export_geojson"), records("geojson")),
      button("export-records-kml", t("records_export_kml"), records("kml")),
      this.canExportFindings
        ? button("export-findings-csv", t("findings_export_csv"), () =>
            this.download(`${base}/findings/export`, { language: getLang() }, status),
          )
        : null,
      " ",
      status,
    );
  }

  draw() {
    const el = clear(this.el);
    append(
      el,
      h("h2", { id: "records-title" }, t("records_title")),
      h("p", { class: "hint" }, t("records_hint")),
      this.claim
        ? h(
            "p",
            { class: "records-claim", id: "records-claim" },
            `${t("records_claim_filter", { claim: this.claim.text })} · ` +
              t(this.claim.side === "at" ? "records_claim_at" : "records_claim_away") +
              " ",
            h(
              "button",
              {
                type: "button",
                class: "link-button",
                id: "records-claim-clear",
                onclick: () => {
                  this.claim = null;
                  this.load(0);
                },
              },
              t("records_claim_clear"),
            ),
          )
        : null,
      this.filtersForm(),
      this.error ? h("p", { class: "error", role: "alert" }, this.error) : null,
      this.pager(),
      this.table(),
      this.exports(),
    );
  }
}

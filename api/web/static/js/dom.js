// Small DOM helpers. Text always enters the page as text nodes (never as HTML): case data cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "value") element.value = value;
    else if (name === "checked") element.checked = Boolean(value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(element, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function clear(element) {
  while (element.firstChild) element.removeChild(element.firstChild);
  return element;
}

const pad = (n) => String(n).padStart(2, "0");

function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value * 1000);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

// "2024-05-06 14:03 UTC"
export function formatUtc(value, { seconds = false } = {}) {
  const date = toDate(value);
  if (!date) return "–";
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}${seconds ? ":" + pad(date.getUTCSeconds()) : ""}`;
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${time} UTC`;
}

export function formatUtcDate(value) {
  const date = toDate(value);
  if (!date) return "–";
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

const localFormatters = new Map();

// "2024-05-06 17:03 Europe/Athens" — the local time at the place (IANA zone from the data), or null.
export function formatLocal(value, timeZone) {
  const date = toDate(value);
  if (!date || !timeZone) return null;
  let formatter = localFormatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat("en-CA", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      });
    } catch {
      return null;
    }
    localFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone}`;
}

// Both clocks, local first when known: "2024-05-06 17:03 Europe/Athens (14:03 UTC)"
export function formatBoth(value, timeZone) {
  const local = formatLocal(value, timeZone);
  const utc = formatUtc(value);
  return local ? `${local} · ${utc}` : utc;
}

export function formatDuration(seconds, lang) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const days = seconds / 86400;
  if (days >= 1) return `${days.toFixed(days >= 10 ? 0 : 1)} ${lang === "nl" ? "d" : "d"}`;
  const hours = seconds / 3600;
  if (hours >= 1) return `${hours.toFixed(1)} ${lang === "nl" ? "u" : "h"}`;
  return `${Math.round(seconds / 60)} min`;
}

export function formatDistance(metres) {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return "–";
  if (metres >= 10000) return `${Math.round(metres / 1000)} km`;
  if (metres >= 1000) return `${(metres / 1000).toFixed(1)} km`;
  return `${Math.round(metres)} m`;
}

export function formatBytes(bytes) {
  if (!bytes) return "0 B";
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

// yyyy-mm-ddThh:mm in the browser's zone, for <input type="datetime-local">
export function nowForInput() {
  const now = new Date();
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

export function inputToIso(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function debounce(fn, waitMs) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), waitMs);
  };
}

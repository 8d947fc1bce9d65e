// The JSON API under /api/v1 with the bearer token of the signed-in user (kept for this browser tab only).

const SESSION_KEY = "reisroute.session";

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(typeof detail === "string" ? detail : (detail && detail.message) || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }

  get conditions() {
    if (this.body && Array.isArray(this.body.conditions)) return this.body.conditions;
    if (this.detail && Array.isArray(this.detail.conditions)) return this.detail.conditions;
    return [];
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(value) {
  if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION_KEY);
}

// A reason given for reading a case outside its own workflow (set by the compliance view) goes with every request
// about that case as X-Reason (URL-encoded: headers carry ASCII only); the audit entry of each read records it.
function readReasonFor(path) {
  try {
    const stored = JSON.parse(sessionStorage.getItem("reisroute.readReason") || "null");
    if (stored && new RegExp(`^/cases/${Number(stored.caseId)}(/|$|\\?)`).test(path)) return stored.reason;
  } catch {
    // no reason stored
  }
  return "";
}

let onUnauthorised = () => {};
export function setUnauthorisedHandler(handler) {
  onUnauthorised = handler;
}

// The server commits each request before it answers, so requests may run side by side.
export function api(path, options = {}) {
  return send(path, options).then((response) => finish(response, options));
}

async function send(path, { method = "GET", body, form, query } = {}) {
  const headers = { Accept: "application/json" };
  const current = session();
  if (current && current.token) headers.Authorization = `Bearer ${current.token}`;
  const reason = readReasonFor(path);
  if (reason) headers["X-Reason"] = encodeURIComponent(reason);
  let payload;
  if (form) {
    payload = new URLSearchParams(form);
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let url = `/api/v1${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== null && value !== undefined && value !== "") params.set(key, value);
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  return fetch(url, { method, headers, body: payload, credentials: "omit" });
}

// A file (the PDF report): the bearer token goes in the header, so a plain link cannot fetch it.
export async function apiFile(path, options = {}) {
  const response = await send(path, options);
  if (!response.ok) await finish(response, options); // throws ApiError with the server's message
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  return { blob: await response.blob(), fileName: match ? match[1] : "download" };
}

async function finish(response, { form } = {}) {
  if (response.status === 204) return null;
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !form) onUnauthorised();
    throw new ApiError(response.status, data && data.detail, data);
  }
  return data;
}

export async function signIn(username, password, role) {
  const form = { grant_type: "password", username, password };
  if (role) form.scope = role;
  const token = await api("/auth/token", { method: "POST", form });
  saveSession({ token: token.access_token, role: token.role, username });
  const me = await api("/auth/me");
  saveSession({ token: token.access_token, role: token.role, username, fullName: me.full_name, roles: me.roles });
  return session();
}

export async function signOut() {
  try {
    await api("/auth/sign-out", { method: "POST" });
  } finally {
    saveSession(null);
  }
}

// Sign in with the same users and roles as the API; a user with several roles picks one.

import { ApiError, signIn } from "../api.js";
import { clear, h } from "../dom.js";
import { ROLES, roleName, t } from "../i18n.js";

export class LoginView {
  title() {
    return t("sign_in");
  }

  async mount(container) {
    this.container = container;
    this.values = { username: "", role: "" };
    this.draw();
  }

  draw() {
    const container = clear(this.container);
    const status = h("p", { class: "form-status", role: "alert", id: "login-status" });
    const username = h("input", {
      id: "login-username",
      name: "username",
      autocomplete: "username",
      required: true,
      value: this.values.username,
    });
    const password = h("input", {
      id: "login-password",
      name: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
    });
    const role = h(
      "select",
      { id: "login-role", name: "role" },
      h("option", { value: "" }, t("role_default")),
      ROLES.map((r) => h("option", { value: r, selected: this.values.role === r }, roleName(r))),
    );
    const form = h(
      "form",
      {
        class: "card login",
        id: "login-form",
        onsubmit: async (event) => {
          event.preventDefault();
          this.values = { username: username.value, role: role.value };
          status.textContent = t("signing_in");
          try {
            await signIn(username.value.trim(), password.value, role.value || null);
            location.hash = "#/cases";
          } catch (error) {
            status.textContent =
              error instanceof ApiError && error.status === 401 ? t("wrong_credentials") : error.message;
          }
        },
      },
      h("h1", {}, t("sign_in")),
      h("p", { class: "muted" }, t("sign_in_intro")),
      h("label", { for: "login-username" }, t("username")),
      username,
      h("label", { for: "login-password" }, t("password")),
      password,
      h("label", { for: "login-role" }, t("role")),
      role,
      h("button", { type: "submit", id: "login-submit" }, t("sign_in")),
      status,
    );
    container.append(form);
    username.focus();
  }
}

// The administrator's screen (issue 13): users and their roles, teams and their members, and who is assigned
// to a case. Admin sees no case data: a case appears here only as the number the team hands over. Every word
// comes from the service's catalogue (group admin_screen, loaded as admin_*); every action is audited there.

import { api } from "../api.js";
import { append, clear, h } from "../dom.js";
import { ROLES, roleName, t } from "../i18n.js";
import { errorText, field, section } from "./common.js";

export const w = (key) => t(`admin_${key}`);

function rolesSelect(id, selected = []) {
  return h(
    "select",
    { id, multiple: true, size: ROLES.length, "aria-label": w("roles") },
    ROLES.map((role) => h("option", { value: role, selected: selected.includes(role) }, roleName(role))),
  );
}

function chosen(select) {
  return Array.from(select.selectedOptions).map((o) => o.value);
}

export class AdminView {
  title() {
    return w("title");
  }

  async mount(container) {
    this.container = container;
    this.message = "";
    this.caseId = null;
    this.assignments = null;
    await this.load();
    this.draw();
  }

  async load() {
    [this.users, this.teams] = await Promise.all([api("/admin/users"), api("/admin/teams")]);
    if (this.caseId) this.assignments = await api(`/admin/cases/${this.caseId}/assignments`);
  }

  // run an action, reload, redraw; the server's message (409, 403, 422) is shown, nothing is lost
  async act(work) {
    try {
      await work();
      this.message = w("saved");
      await this.load();
    } catch (error) {
      this.message = errorText(error);
    }
    this.draw();
  }

  async showAssignments(caseId) {
    this.caseId = caseId;
    this.assignments = null;
    this.message = "";
    try {
      await this.load();
    } catch (error) {
      this.message = errorText(error); // e.g. no such case
    }
    this.draw();
  }

  userName(id) {
    const user = this.users.find((u) => u.id === id);
    return user ? (user.full_name ? `${user.full_name} (${user.username})` : user.username) : `#${id}`;
  }

  teamName(id) {
    const team = this.teams.find((x) => x.id === id);
    return team ? team.name : `#${id}`;
  }

  userOptions(placeholder) {
    return [
      h("option", { value: "" }, placeholder),
      this.users.filter((u) => u.active).map((u) => h("option", { value: String(u.id) }, this.userName(u.id))),
    ];
  }

  draw() {
    const container = clear(this.container);
    append(
      container,
      h("h1", {}, w("title")),
      h("p", { class: "hint" }, w("intro")),
      h("p", { class: "form-status", role: "status", id: "admin-status" }, this.message),
      this.usersSection(),
      this.teamsSection(),
      this.assignmentSection(),
    );
  }

  usersSection() {
    const rows = this.users.map((user) => {
      const roles = rolesSelect(`roles-${user.id}`, user.roles);
      return h(
        "tr",
        { "data-user": user.username },
        h("td", {}, user.username),
        h("td", {}, user.full_name),
        h("td", {}, roles, h("button", { type: "button", class: "secondary", onclick: () =>
          this.act(() => api(`/admin/users/${user.id}/roles`, { method: "PUT", body: { roles: chosen(roles) } })),
        }, w("save_roles"))),
        h("td", {}, user.team_ids.map((id) => this.teamName(id)).join(", ")),
        h("td", {}, user.active ? w("active") : w("inactive")),
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              class: user.active ? "danger" : "secondary",
              onclick: () =>
                this.act(() => api(`/admin/users/${user.id}/${user.active ? "deactivate" : "activate"}`, { method: "POST" })),
            },
            user.active ? w("deactivate") : w("activate"),
          ),
        ),
      );
    });
    const username = h("input", { id: "new-user-name", required: true, maxlength: 120 });
    const fullName = h("input", { id: "new-user-full-name", maxlength: 200 });
    const password = h("input", { id: "new-user-password", type: "password", required: true, minlength: 8 });
    const roles = rolesSelect("new-user-roles");
    return section(
      "admin-users",
      w("users"),
      h(
        "table",
        { class: "table", id: "users-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [w("username"), w("full_name"), w("roles"), w("team_membership"), w("active"), w("actions")].map((c) =>
              h("th", { scope: "col" }, c),
            ),
          ),
        ),
        h("tbody", {}, rows),
      ),
      h("h3", {}, w("new_user")),
      h(
        "form",
        {
          id: "new-user-form",
          class: "grid-form",
          onsubmit: (event) => {
            event.preventDefault();
            this.act(() =>
              api("/admin/users", {
                method: "POST",
                body: {
                  username: username.value.trim(),
                  full_name: fullName.value.trim(),
                  password: password.value,
                  roles: chosen(roles),
                },
              }),
            );
          },
        },
        field("new-user-name", w("username"), username),
        field("new-user-full-name", w("full_name"), fullName),
        field("new-user-password", w("first_password"), password),
        field("new-user-roles", w("roles"), roles),
        h("button", { type: "submit" }, w("create_user")),
      ),
    );
  }

  teamsSection() {
    const teams = this.teams.map((team) => {
      const member = h("select", { id: `add-member-${team.id}`, "aria-label": w("add_member") }, this.userOptions(w("choose_user")));
      return h(
        "div",
        { class: "subcard", "data-team": team.name },
        h("h3", {}, team.name),
        team.member_ids.length
          ? h(
              "ul",
              {},
              team.member_ids.map((id) =>
                h(
                  "li",
                  {},
                  `${this.userName(id)} `,
                  h("button", { type: "button", class: "secondary", onclick: () =>
                    this.act(() => api(`/admin/teams/${team.id}/members/${id}`, { method: "DELETE" })),
                  }, w("remove")),
                ),
              ),
            )
          : h("p", { class: "muted" }, w("no_members")),
        h(
          "form",
          {
            class: "inline-form",
            onsubmit: (event) => {
              event.preventDefault();
              if (!member.value) return;
              this.act(() => api(`/admin/teams/${team.id}/members`, { method: "POST", body: { user_id: Number(member.value) } }));
            },
          },
          member,
          h("button", { type: "submit" }, w("add_member")),
        ),
      );
    });
    const name = h("input", { id: "new-team-name", required: true, maxlength: 120 });
    return section(
      "admin-teams",
      w("teams"),
      teams,
      h("h3", {}, w("new_team")),
      h(
        "form",
        {
          id: "new-team-form",
          class: "grid-form",
          onsubmit: (event) => {
            event.preventDefault();
            this.act(() => api("/admin/teams", { method: "POST", body: { name: name.value.trim() } }));
          },
        },
        field("new-team-name", w("team_name"), name),
        h("button", { type: "submit" }, w("create_team")),
      ),
    );
  }

  assignmentSection() {
    const caseInput = h("input", { id: "assign-case-id", type: "number", min: 1, required: true, value: this.caseId || "" });
    const user = h("select", { id: "assign-user", "aria-label": w("assign_user") }, this.userOptions(w("choose_user")));
    const team = h(
      "select",
      { id: "assign-team", "aria-label": w("assign_team") },
      h("option", { value: "" }, w("choose_team")),
      this.teams.map((x) => h("option", { value: String(x.id) }, x.name)),
    );
    const assign = (body) =>
      this.act(() => api(`/admin/cases/${this.caseId}/assignments`, { method: "POST", body }));
    const list = this.assignments
      ? this.assignments.length
        ? h(
            "table",
            { class: "table", id: "assignments-table" },
            h(
              "thead",
              {},
              h("tr", {}, [w("assigned_user"), w("assigned_team"), w("assigned_by"), w("actions")].map((c) => h("th", { scope: "col" }, c))),
            ),
            h(
              "tbody",
              {},
              this.assignments.map((a) =>
                h(
                  "tr",
                  {},
                  h("td", {}, a.user_id ? this.userName(a.user_id) : ""),
                  h("td", {}, a.team_id ? this.teamName(a.team_id) : ""),
                  h("td", {}, a.assigned_by),
                  h("td", {}, h("button", { type: "button", class: "secondary", onclick: () =>
                    this.act(() => api(`/admin/cases/${this.caseId}/assignments/${a.id}`, { method: "DELETE" })),
                  }, w("remove"))),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, w("no_assignments"))
      : null;
    return section(
      "admin-assignments",
      w("case_assignments"),
      h(
        "form",
        {
          id: "assignments-form",
          class: "inline-form",
          onsubmit: (event) => {
            event.preventDefault();
            this.showAssignments(Number(caseInput.value));
          },
        },
        field("assign-case-id", w("case_number"), caseInput),
        h("button", { type: "submit" }, w("show_assignments")),
      ),
      list,
      this.assignments
        ? [
            h("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); if (user.value) assign({ user_id: Number(user.value) }); } },
              user, h("button", { type: "submit" }, w("assign_user"))),
            h("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); if (team.value) assign({ team_id: Number(team.value) }); } },
              team, h("button", { type: "submit" }, w("assign_team"))),
          ]
        : null,
    );
  }
}

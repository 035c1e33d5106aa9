"""/settings/teams: managers maintain the teams interactions are transferred to, and their members."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER, manager_page
from inbox_app.components.forms import SELECT_STYLE, error_text, field, info_text
from inbox_app.state.teams_settings import TeamsSettingsState as S

_SELECT_STYLE = {**SELECT_STYLE, "width": "170px", "height": "32px"}


def _add_team() -> rx.Component:
    return rx.form(
        rx.hstack(
            field("Organization", "team-org",
                  rx.el.select(rx.foreach(S.organizations, lambda o: rx.el.option(o.name, value=o.organization_id)),
                               id="team-org", value=S.organization_id, on_change=S.set_organization_id,
                               style=_SELECT_STYLE), width="auto"),
            field("Team name", "new-team", rx.input(id="new-team", name="name", width="220px", max_length=80),
                  width="auto"),
            rx.button(rx.icon("plus", size=14), "Add team", type="submit"),
            align="end", spacing="3",
        ),
        on_submit=S.add_team, reset_on_submit=True,
    )


def _member(team, member) -> rx.Component:
    return rx.badge(
        member.name,
        rx.icon_button(rx.icon("x", size=12), on_click=S.remove_member(team.team_id, member.user_id), variant="ghost",
                       size="1", aria_label="Remove " + member.login + " from " + team.name),
        size="2", variant="soft", data_testid="team-member", data_login=member.login,
    )


def _add_member(team) -> rx.Component:
    select_id = "add-member-" + team.team_id.to_string()
    return rx.form(
        rx.hstack(
            rx.el.label("Add member", html_for=select_id, style={"fontSize": "13px"}),
            rx.el.select(rx.foreach(team.candidates, lambda c: rx.el.option(c.name, value=c.user_id)),
                         id=select_id, name="member", style=_SELECT_STYLE),
            rx.el.input(type="hidden", name="team_id", value=team.team_id.to_string()),
            rx.button("Add", type="submit", size="1", variant="soft", aria_label="Add member to " + team.name),
            spacing="2", align="center",
        ),
        on_submit=S.add_member,
    )


def _team(team) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(team.name, weight="bold", size="3"),
            rx.text(team.organization_name, size="1", color="var(--gray-11)"),
            rx.spacer(),
            rx.icon_button(rx.icon("trash-2", size=14), on_click=S.remove_team(team.team_id), variant="ghost",
                           color_scheme="red", size="1", aria_label="Delete " + team.name),
            align="center", width="100%", spacing="3",
        ),
        rx.hstack(
            rx.cond(team.members.length() > 0, rx.foreach(team.members, lambda m: _member(team, m)),
                    rx.text("No members yet.", size="2", color="var(--gray-11)")),
            wrap="wrap", spacing="2",
        ),
        rx.cond(team.candidates.length() > 0, _add_member(team)),
        data_testid="team", data_name=team.name, data_organization=team.organization_name,
        spacing="2", padding="12px 0", border_bottom=BORDER, width="100%", max_width="760px",
    )


def _manager_view() -> rx.Component:
    return rx.vstack(
        rx.text("Agents transfer interactions to these teams. A team shows green in the Transfer popup when one of "
                "its members is Available with capacity for the interaction's channel.", size="2",
                color="var(--gray-11)"),
        _add_team(),
        error_text(S.error),
        info_text(S.saved),
        rx.foreach(S.teams, _team),
        spacing="3", width="100%",
    )


def teams_settings_page() -> rx.Component:
    return manager_page("teams", "Teams", S.allowed, _manager_view(), "Only managers maintain teams.")

"""Builds the app: pages, lifespan tasks (push listener, routing, bounce-and-transfer, delivery, inbound SMS/WhatsApp, media and email loops).
Logic lives in services/."""

from __future__ import annotations

import reflex as rx

from inbox_app import push, runtime
from inbox_app.http import api
from inbox_app.pages.chat import chat_page
from inbox_app.pages.inbox import inbox_page
from inbox_app.pages.login import login_page
from inbox_app.pages.organization_settings import organization_settings_page
from inbox_app.pages.outbox import outbox_page
from inbox_app.pages.routing import routing_page
from inbox_app.pages.teams_settings import teams_settings_page
from inbox_app.pages.templates_settings import templates_settings_page
from inbox_app.pages.wrap_up_settings import wrap_up_settings_page
from inbox_app.screens.navigation import ScreenState
from inbox_app.state.bell import BellState
from inbox_app.state.chat import ChatState
from inbox_app.state.inbox import InboxState
from inbox_app.state.organization_settings import OrganizationSettingsState
from inbox_app.state.outbox_log import OutboxState
from inbox_app.state.routing_log import RoutingLogState
from inbox_app.state.session import SessionState
from inbox_app.state.teams_settings import TeamsSettingsState
from inbox_app.state.templates_settings import TemplatesSettingsState
from inbox_app.state.wrap_up_settings import WrapUpSettingsState
from services import handoff_loop, outbox, routing
from services.channels import inbound_loop, media_fetch
from services.channels.email import poller as email_poller


def _index() -> rx.Component:
    return rx.center(rx.spinner(), height="100vh")


async def _routing_loop():
    await routing.run_routing_loop(runtime.db(), clock=runtime.clock)


async def _handoff_loop():
    await handoff_loop.run_handoff_loop(runtime.db(), clock=runtime.clock)


async def _delivery_loop():
    await outbox.run_delivery_loop(runtime.db(), runtime.settings(), clock=runtime.clock)


async def _inbound_loop():
    await inbound_loop.run_inbound_loop(runtime.db(), clock=runtime.clock)


async def _media_loop():
    await media_fetch.run_media_loop(runtime.db(), runtime.settings(), clock=runtime.clock)


async def _email_loop():
    await email_poller.run_email_loop(runtime.db(), runtime.settings(), clock=runtime.clock)


# Loaded before the app's own scripts: a Live Chat framed where storage is denied still starts (the file says how).
app = rx.App(api_transformer=api(), stylesheets=["/accessibility.css", "/formatting.css"],
             head_components=[rx.el.script(src="/framed_storage.js")])
app.add_page(_index, route="/", on_load=SessionState.route_index, title="Agent Inbox")
app.add_page(login_page, route="/login", on_load=SessionState.login_page_load, title="Sign in · Agent Inbox")
# ScreenState.restore after the inbox's own: a tab whose state Redis lost gets its open screens back.
app.add_page(inbox_page, route="/inbox", on_load=[InboxState.on_load, ScreenState.restore], title="Agent Inbox")
app.add_page(routing_page, route="/routing", on_load=[BellState.on_load, RoutingLogState.load],
             title="Routing log · Agent Inbox")
app.add_page(wrap_up_settings_page, route="/settings/wrap-up", on_load=[BellState.on_load, WrapUpSettingsState.load],
             title="Wrap-up categories · Agent Inbox")
app.add_page(organization_settings_page, route="/settings/organizations",
             on_load=[BellState.on_load, OrganizationSettingsState.load], title="Organization settings · Agent Inbox")
app.add_page(teams_settings_page, route="/settings/teams", on_load=[BellState.on_load, TeamsSettingsState.load],
             title="Teams · Agent Inbox")
app.add_page(templates_settings_page, route="/settings/templates",
             on_load=[BellState.on_load, TemplatesSettingsState.load], title="Response templates · Agent Inbox")
app.add_page(outbox_page, route="/outbox", on_load=[BellState.on_load, OutboxState.load],
             title="Outbox · Agent Inbox")
app.add_page(chat_page, route="/chat/[org_slug]", on_load=ChatState.on_load, title="Live Chat")
app.register_lifespan_task(push.listener(app))
app.register_lifespan_task(_routing_loop)
app.register_lifespan_task(_handoff_loop)
app.register_lifespan_task(_delivery_loop)
app.register_lifespan_task(_inbound_loop)
app.register_lifespan_task(_media_loop)
app.register_lifespan_task(_email_loop)

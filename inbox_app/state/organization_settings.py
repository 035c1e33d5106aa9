"""Managers maintain each organization's SMS OTP switch, appeasement limit, expiring-chat-link rule, the sites
that may frame its Live Chat, the SOPs, hours of operation, chat inactivity timeout, and its SMS and WhatsApp
numbers."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.state.bell import BellState
from inbox_app.state.manager_page import ManagerPage
from services import organization_settings
from services.errors import Refused
from services.models import CHANNELS
from services.organization_settings import OrganizationSettings


def _checked(form_data: dict, name: str) -> bool:
    """A ticked checkbox sends "on"; an unticked one sends nothing at all."""
    return form_data.get(name) in ("on", True, "true")


class OrganizationSettingsState(ManagerPage, BellState):
    organizations: list[OrganizationSettings] = []

    async def _refresh(self, identity) -> None:
        async with runtime.db().read() as session:
            self.organizations = await organization_settings.listing(session, identity=identity)
        self.allowed = identity.can(organization_settings.GRANT)

    @rx.event
    async def save(self, form_data: dict):
        identity = await self._identity()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            organization_id = int(str(form_data.get("organization_id", "")))
            async with runtime.db().transaction() as session:
                row = await organization_settings.update(
                    session, identity=identity, organization_id=organization_id,
                    sms_otp_enabled=_checked(form_data, "sms_otp_enabled"),
                    appease_limit=str(form_data.get("appease_limit", ""))[:20],
                    require_expiring_chat_links=_checked(form_data, "require_expiring_chat_links"),
                    allowed_chat_origins=str(form_data.get("allowed_chat_origins", "")),
                    sop_seconds={channel: str(form_data.get(f"sop_{channel}", ""))[:12] for channel in CHANNELS},
                    hours_of_operation=tuple(str(form_data.get(name, ""))[:64]
                                             for name in ("opens_at", "closes_at", "timezone")),
                    sms_number=str(form_data.get("sms_number", ""))[:40],
                    whatsapp_number=str(form_data.get("whatsapp_number", ""))[:40],
                    chat_inactivity_minutes=str(form_data.get("chat_inactivity_minutes", ""))[:12],
                    chatbot_secret=str(form_data.get("chatbot_secret", ""))[:400],
                    clock=runtime.clock)
        except ValueError:
            self.error, self.saved = "That organization was not found.", ""
            return
        except Refused as refused:
            self.error, self.saved = str(refused), ""
            return
        self.error, self.saved = "", f"Saved {row.name}."
        await self._refresh(identity)

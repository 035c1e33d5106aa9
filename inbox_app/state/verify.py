"""The Verify Customer popup: find the customer record, send a passcode, check it."""

from __future__ import annotations

import logging

import reflex as rx

from inbox_app import runtime
from inbox_app.state.inbox import InboxState
from inbox_app.state.inbox_dialog import InboxDialog
from services import verification
from services.errors import Refused
from services.models import Interaction, Organization
from services.verification import CustomerMatch

_log = logging.getLogger(__name__)


class VerifyState(InboxDialog):
    verify_open: bool = False
    found: bool = False  # a record is identified; nothing of it is shown before
    match_name: str = ""
    match_email: str = ""
    match_phone: str = ""
    match_phone_ok: bool = False
    sms_enabled: bool = False
    org_label: str = ""
    typed_email: str = ""
    typed_phone: str = ""
    sent_channel: str = "email"
    sent_to: str = ""  # masked recipient of the last passcode; the Passcode box shows once it is set
    sending: bool = False
    verify_error: str = ""
    verify_info: str = ""
    _customer_id: int = 0  # backend-only: the client never names the customer a code goes to
    _looked_up_for: int = 0  # the interaction that lookup ran for; a code is only sent for that one

    def _apply_match(self, match: CustomerMatch | None, interaction_id: int) -> None:
        self._looked_up_for = interaction_id
        self.found = match is not None
        self._customer_id = match.customer_id if match else 0
        self.match_name = match.name if match else ""
        self.match_email = match.email if match else ""
        self.match_phone = match.phone if match else ""
        self.match_phone_ok = bool(match and match.phone_has_country_code)

    @rx.event
    async def open_verify(self):
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id:
            return
        try:
            async with runtime.db().read() as session:
                match = await verification.lookup(session, identity=identity, interaction_id=inbox.selected_id)
                interaction = await session.get(Interaction, inbox.selected_id)
                organization = await session.get(Organization, interaction.organization_id)
        except Refused as refused:
            inbox.notice = str(refused)
            return
        self._apply_match(match, inbox.selected_id)
        self.sms_enabled, self.org_label = organization.sms_otp_enabled, organization.name
        self.typed_email, self.typed_phone, self.sent_to = "", "", ""
        self.verify_error, self.verify_info, self.sending = "", "", False
        self.verify_open = True

    @rx.event
    def set_verify_open(self, value: bool):
        self.verify_open = bool(value) and self.verify_open

    @rx.event
    def set_typed_email(self, value: str):
        self.typed_email = str(value)[:254]

    @rx.event
    def set_typed_phone(self, value: str):
        self.typed_phone = str(value)[:40]

    @rx.event
    async def find(self):
        """The agent enters the email or phone the customer names as on their account."""
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id:
            return
        if not self.typed_email.strip() and not self.typed_phone.strip():
            self.verify_error = "Enter the email or the phone number (with country code) on the customer's account."
            return
        try:
            async with runtime.db().read() as session:
                match = await verification.lookup(session, identity=identity, interaction_id=inbox.selected_id,
                                                  email=self.typed_email, phone=self.typed_phone)
        except Refused as refused:
            self.verify_error = str(refused)
            return
        self._apply_match(match, inbox.selected_id)
        self.sent_to = ""
        self.verify_error = "" if match else "No customer record has that email or phone number."

    @rx.event(background=True)
    async def send_code(self, channel: str):
        """Create the challenge, then send it outside the state lock (SMTP and Twilio are slow)."""
        async with self:
            identity = await self._identity()
            interaction_id, customer_id = (await self.get_state(InboxState)).selected_id, self._customer_id
            if identity is None or not interaction_id:
                return
            if not customer_id or self._looked_up_for != interaction_id:
                self.verify_error = "Identify the customer record first."
                return
            self.sending, self.verify_error, self.verify_info = True, "", ""
        try:
            async with runtime.db().transaction() as session:
                code = await verification.send_code(session, identity=identity, interaction_id=interaction_id,
                                                    customer_id=customer_id, channel=str(channel),
                                                    settings=runtime.settings(), clock=runtime.clock)
        except Refused as refused:
            async with self:
                self.sending, self.verify_error = False, str(refused)
            return
        error = await _deliver(code)
        async with runtime.db().transaction() as session:
            verification.record_delivery(session, identity=identity, code=code, error=error, clock=runtime.clock)
        async with self:
            self.sending = False
            if error:
                self.verify_error = "The passcode could not be sent. Try again, or send it the other way."
                return
            how = "email" if code.channel == "email" else "SMS"
            self.sent_to, self.sent_channel = verification.mask_recipient(code.recipient), code.channel
            self.verify_info = f"Passcode sent by {how} to {self.sent_to}. It is valid for 10 minutes."

    @rx.event
    async def check(self, form_data: dict):
        identity, inbox = await self._acting()
        if identity is None or not inbox.selected_id:
            return
        try:
            async with runtime.db().transaction() as session:
                result = await verification.check_code(
                    session, identity=identity, interaction_id=inbox.selected_id,
                    code=str(form_data.get("passcode", ""))[:20], settings=runtime.settings(), clock=runtime.clock)
        except Refused as refused:
            self.verify_error = str(refused)
            return
        if not result.verified:
            self.verify_error = result.message
            if result.locked:
                self.sent_to, self.verify_info = "", ""
            return
        self.verify_open, self.verify_error = False, ""
        await inbox._reload(identity, header=True)


async def _deliver(code) -> str:
    try:
        await verification.deliver_code(runtime.settings(), code)
    except Exception as exc:  # provider failures become a message, never a crash
        _log.warning("passcode delivery failed: %s", exc)
        return f"{type(exc).__name__}: {exc}"
    return ""

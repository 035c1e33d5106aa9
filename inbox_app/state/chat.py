"""The companion Live Chat, one page per organization; the customer's side of the conversation."""

from __future__ import annotations

import json

import reflex as rx

from inbox_app import announcements, push, runtime, tab_memory
from inbox_app.push import assign_if_changed
from inbox_app.state import uploads, wire  # noqa: F401 - wire: transcript items sent compact
from inbox_app.state.transcript_window import TranscriptWindowState
from services import chat, conversation, events
from services.attachments import composer
from services.attachments.links import AttachmentLink, customer_linker
from services.errors import Refused
from services.models import Interaction
from services.text import full_name


class ChatState(TranscriptWindowState, rx.State):
    # One chat per organization per browser: a reload keeps the conversation.
    chat_tokens: str = rx.LocalStorage("{}", name="inbox_chat_tokens")
    org_slug: str = ""
    org_name: str = ""
    stage: str = "loading"  # loading | missing | start | chatting | ended | rated
    verified_name: str = ""
    # The transcript comes from TranscriptWindowState, like the inbox's: a new message resends only the live end.
    draft: str = ""
    error: str = ""
    pending: list[AttachmentLink] = []  # attached, not yet sent
    attachment_error: str = ""
    announcement: str = ""  # read out by the polite live region: the agent's latest replies
    _interaction_id: int = 0
    _transcript_for: int = 0  # the chat whose transcript the tab holds; 0: load it whole
    _customer_id: int = 0

    def _tokens(self) -> dict:
        self._restore()
        try:
            tokens = json.loads(self.chat_tokens or "{}")
        except ValueError:
            return {}
        return tokens if isinstance(tokens, dict) else {}

    def _remember(self, token: str) -> None:
        tokens = self._tokens()
        tokens[self.org_slug] = token
        self.chat_tokens = json.dumps(tokens)
        self._keep_in_memory()

    def _keep_in_memory(self) -> None:
        """The chat this tab shows, kept by this worker for when Redis loses the tab's state."""
        tab_memory.remember(self.router.session.client_token, "chat", chat_tokens=self.chat_tokens,
                            org_slug=self.org_slug)

    def _restore(self, browser_tokens: str = "") -> None:
        """After Redis lost this tab's state: the organization comes from the page's URL, and the chat token
        from the browser's own copy (sent with typing and Send) or from the worker that remembers this tab."""
        from_browser = isinstance(browser_tokens, str) and browser_tokens.startswith("{")
        if from_browser:
            # Whenever it comes, even into a state a push already rebuilt: Reflex's rehydrate empties the server's
            # copy of browser storage, and the page's on_load would then find no chat.
            assign_if_changed(self, "chat_tokens", browser_tokens[:4000])
        if self.org_slug:
            return
        seen = tab_memory.recall(self.router.session.client_token, "chat")
        # A push brings no page address: then the organization is the one this worker remembers for the tab.
        self.org_slug = str(self.router.page.params.get("org_slug", "") or seen.get("org_slug", ""))[:64]
        if not from_browser:
            self._take_remembered_tokens(seen)

    async def _organization(self):
        async with runtime.db().read() as session:
            return await chat.organization_by_slug(session, self.org_slug)

    async def _interaction(self, session):
        self._restore()
        if self._interaction_id:  # found by this tab's token before: one read by id, not two lookups
            return await session.get(Interaction, self._interaction_id)
        org = await chat.organization_by_slug(session, self.org_slug)
        self._take_remembered_tokens()
        return await chat.interaction_for_token(session, organization=org, token=self._tokens().get(self.org_slug, ""),
                                                secret_key=runtime.settings().secret_key)

    def _take_remembered_tokens(self, seen: dict | None = None) -> None:
        """Reflex's rehydrate (the first event after Redis lost this tab) empties the server's copy of browser
        storage; if the page's on_load runs before an event brings the browser's copy back, the chat this worker
        remembers for the tab on this organization's page is still this tab's: never a start form mid-chat."""
        if self._tokens().get(self.org_slug):
            return
        seen = tab_memory.recall(self.router.session.client_token, "chat") if seen is None else seen
        if seen.get("org_slug") == self.org_slug and seen.get("chat_tokens"):
            self.chat_tokens = seen["chat_tokens"]

    async def _reload(self) -> None:
        async with runtime.db().read() as session:
            interaction = await self._interaction(session)
            if interaction is None:
                # This page has no chat (another organization's, say): the tab stops hearing the one it had, and
                # a push after Redis lost its state does not bring that one back here.
                self._no_chat_here()
                return
            assign_if_changed(self, "_interaction_id", interaction.id)
            await self._refresh_transcript(session, interaction)
            if interaction.chat_ended_at or interaction.state == "closed":
                stage = "rated" if await chat.is_rated(session, interaction_id=interaction.id) else "ended"
            else:
                stage = "chatting"
            assign_if_changed(self, "stage", stage)
        push.watch(self.router.session.client_token, ChatState, {events.interaction_topic(self._interaction_id)})
        self._keep_in_memory()

    async def _refresh_transcript(self, session, interaction) -> None:
        if self._transcript_for != interaction.id:
            window = conversation.split(await conversation.chat_transcript(session, interaction=interaction,
                                                                           linker=self._linker()))
            self._transcript_for = interaction.id
        else:
            await self._refresh_items(session)
            return
        self._set_window(window)

    async def _refresh_items(self, session) -> None:
        """What changed in this tab's chat since it last looked; the customer never sees agents-only notes."""
        window = await conversation.refreshed(session, interaction_id=self._interaction_id, include_internal=False,
                                              held=self._held(),
                                              linker=self._linker())
        if window is not None:
            self._set_window(window)

    @staticmethod
    def _linker():
        """The customer has no session cookie: their files come by links signed for this chat."""
        return customer_linker(runtime.settings().secret_key, runtime.clock())

    def _no_chat_here(self) -> None:
        """The tab shows the start form, hears no chat, and this worker keeps no other chat for it."""
        push.forget(self.router.session.client_token, ChatState)
        self._keep_in_memory()
        self._forget_chat()

    def _forget_chat(self) -> None:
        self.stage = "start"
        self._clear_window()
        self._interaction_id, self._transcript_for = 0, 0

    async def _on_change(self, topics: set[str]) -> None:
        held = bool(self._transcript_for)  # a tab rebuilt after Redis lost it would announce the whole chat
        items_before = self._shown_items()
        self._restore()
        if not self._tokens().get(self.org_slug):
            return  # a state Redis lost, not yet told its chat: the tab's next event brings its token
        await self._reload()
        said = announcements.for_live_chat(items_before=items_before, items_after=self._shown_items())
        if held and said:
            self.announcement = said

    @rx.event
    async def on_load(self):
        params = self.router.page.params
        self.org_slug = str(params.get("org_slug", ""))[:64]
        self.error, self.verified_name, self._customer_id = "", "", 0
        self._interaction_id = self._transcript_for = 0  # this page may be another organization's chat
        try:
            org = await self._organization()
        except Refused:
            self.stage, self.org_name = "missing", ""
            return
        self.org_name = org.name
        async with runtime.db().read() as session:
            customer = await chat.verified_customer(session, organization=org,
                                                    external_id=str(params.get("customer", ""))[:128],
                                                    signature=str(params.get("signature", ""))[:128],
                                                    expires=str(params.get("expires", ""))[:20],
                                                    clock=runtime.clock)
        if customer is not None:
            self.verified_name = full_name(customer.first_name, customer.last_name)
            self._customer_id = customer.id
        await self._reload()
        if self._interaction_id:  # files attached before a reload are still waiting for Send
            async with runtime.db().read() as session:
                await self._load_pending(session)

    async def _start(self, **fields):
        try:
            started = await chat.start_visitor_chat(
                runtime.db(), org_slug=self.org_slug, client_address=self.router.session.client_ip,
                address_limit=runtime.settings().rate_limit_chat_starts,
                organization_limit=runtime.settings().rate_limit_organization_chat_starts,
                secret_key=runtime.settings().secret_key, clock=runtime.clock, **fields)
        except Refused as refused:
            self.error = str(refused)
            return
        self.error = ""
        self._remember(started.token)
        await self._reload()

    @rx.event
    async def start_chat(self, form_data: dict):
        await self._start(first_name=str(form_data.get("first_name", "")),
                          last_name=str(form_data.get("last_name", "")),
                          email=str(form_data.get("email", "")), phone=str(form_data.get("phone", "")))

    @rx.event
    async def start_verified_chat(self):
        if not self._customer_id:
            return
        from services.models import Customer

        async with runtime.db().read() as session:
            customer = await session.get(Customer, self._customer_id)
        await self._start(customer=customer)

    @rx.event
    def set_draft(self, value: str, browser_tokens: str = ""):
        self._restore(browser_tokens)  # typing is often the first event after Redis lost this tab's state
        self.draft = value[:5000]

    @rx.event
    async def draft_key(self, key: str, info: dict, browser_tokens: str = ""):
        if key == "Enter" and not info.get("shift_key"):
            return ChatState.send(browser_tokens)

    async def _load_pending(self, session) -> None:
        pending = await composer.customer_pending(session, interaction_id=self._interaction_id, linker=self._linker())
        assign_if_changed(self, "pending", pending)

    @rx.event
    async def attach(self, files: list[rx.UploadFile]):
        """The Live Chat's `Attach`: checked like the agent's (chat's rules, by content), staged until Send."""
        chosen = await uploads.read(files)
        if not chosen:  # the browser turned every file away: attach_refused says why
            return
        try:
            async with runtime.db().transaction() as session:
                interaction = await self._interaction(session)
                if interaction is None:
                    raise Refused("Start a chat first.")
                await composer.customer_attach(session, interaction_id=interaction.id,
                                               uploads=chosen,
                                               root=runtime.settings().attachments_dir, clock=runtime.clock)
                self._interaction_id = interaction.id
        except Refused as refused:
            self.attachment_error = str(refused)
            return
        self.attachment_error = ""
        async with runtime.db().read() as session:
            await self._load_pending(session)

    @rx.event
    def attach_refused(self, rejections: list):
        self.attachment_error = uploads.browser_refusal(rejections, "chat")

    @rx.event
    async def remove_attachment(self, attachment_id: int):
        try:
            async with runtime.db().transaction() as session:
                await composer.customer_remove(session, interaction_id=self._interaction_id,
                                               attachment_id=int(attachment_id),
                                               root=runtime.settings().attachments_dir)
        except (Refused, TypeError, ValueError):
            pass  # already gone, or not this chat's: the list below is the truth either way
        self.attachment_error = ""
        async with runtime.db().read() as session:
            await self._load_pending(session)

    @rx.event
    async def send(self, browser_tokens: str = ""):
        if not self.draft.strip() and not self.pending:
            return
        self._restore(browser_tokens)
        try:
            async with runtime.db().transaction(origin=self.router.session.client_token) as session:
                if self._interaction_id:
                    await chat.send_in_chat(session, interaction_id=self._interaction_id, body=self.draft,
                                            clock=runtime.clock, with_files=bool(self.pending),
                                            expected_files=[file.id for file in self.pending])
                else:  # a tab that has not loaded its chat yet, or lost its state: find it by its token
                    org = await chat.organization_by_slug(session, self.org_slug)
                    await chat.send_customer_message(session, organization=org,
                                                     token=self._tokens().get(self.org_slug, ""),
                                                     secret_key=runtime.settings().secret_key, body=self.draft,
                                                     clock=runtime.clock, with_files=bool(self.pending),
                                                     expected_files=[file.id for file in self.pending])
        except Refused as refused:
            self.error = str(refused)
            if self._interaction_id:  # the attached files may have changed in another window
                async with runtime.db().read() as session:
                    await self._load_pending(session)
            return
        self.draft, self.error, self.pending, self.attachment_error = "", "", [], ""
        if self._interaction_id and self._transcript_for == self._interaction_id:
            async with runtime.db().read() as session:  # sending changes only the transcript
                await self._refresh_items(session)
        else:
            await self._reload()

    @rx.event
    async def end_chat(self):
        async with runtime.db().transaction() as session:
            interaction = await self._interaction(session)
            if interaction is not None:
                await chat.end_chat(session, interaction=interaction, clock=runtime.clock)
        await self._reload()

    @rx.event
    async def rate(self, score: int):
        try:
            async with runtime.db().transaction() as session:
                interaction = await self._interaction(session)
                if interaction is None:
                    raise Refused("There is no chat to rate.")
                await chat.rate_chat(session, interaction=interaction, score=int(score), clock=runtime.clock)
        except (Refused, ValueError, TypeError) as refused:
            self.error = str(refused) if isinstance(refused, Refused) else "Choose a rating from 1 to 5."
            return
        await self._reload()

    @rx.event
    async def new_chat(self):
        tokens = self._tokens()
        tokens.pop(self.org_slug, None)
        self.chat_tokens = json.dumps(tokens)
        # The ended chat is no longer this tab's: it must not come back after a Redis loss, nor keep pushing.
        self._no_chat_here()

"""The Agent Inbox: the Interaction Panel and the selected conversation."""

from __future__ import annotations

import reflex as rx

from inbox_app import announcements, push, runtime, tab_memory
from inbox_app.push import assign_if_changed
from inbox_app.state.bounce_timer import BounceTimerState
from inbox_app.state import uploads, wire  # noqa: F401 - wire: transcript items sent compact
from inbox_app.state.session import SessionState
from inbox_app.state.transcript_window import TranscriptWindowState
from services import conversation, customer_header, events, formatting, interactions
from services.attachments import composer
from services.attachments.links import AttachmentLink
from services.channels import sms_segments, whatsapp
from services.channels.reply_via import options as reachable_channels
from services.channels.plain_text import plain_text
from services.auth import Identity
from services.customer_header import CustomerMetrics, CustomerProfile, Picture, RecentOrder
from services.errors import Refused
from services.interactions import PanelRow
from services.models import Organization


class InboxState(TranscriptWindowState, SessionState):
    tab: str = "active"
    rows: list[PanelRow] = []
    selected_id: int = 0
    selected_channel: str = ""
    selected_closed: bool = False
    customer_name: str = ""
    customer_verified: bool = False
    organization_name: str = ""
    joined_open_case: bool = False
    chat_ended: bool = False
    selected_inactive: bool = False  # bounced away from this agent: read-only, no message box
    selected_customer_left: bool = False  # the chat went inactive (customer silent): no message box, wrap-up stays
    selected_pending_transfer: bool = False
    can_transfer: bool = False  # the `transfer` grant, as the server sees it
    # The transcript (`earlier`, the chunks, `items`) comes from TranscriptWindowState: a new message resends
    # only `items`, the live end, not the whole conversation.
    has_earlier: bool = False
    draft: str = ""
    pending_attachments: list[AttachmentLink] = []  # attached, not yet sent: shown under the message box
    attachment_error: str = ""
    reply_options: list[str] = []  # Reply via: chat, sms, whatsapp, as this customer can be reached now
    reply_via: str = ""
    formatted_composer: bool = False  # the message box is the formatted one (see _sync_composer)
    # Bumped whenever the server itself sets the draft (cleared, a template, Reply via): the formatted box takes
    # a new value only then, so the echo of older keystrokes never overwrites newer typing.
    draft_rev: int = 0
    email_composer: bool = False  # Reply via Email: To, Cc and Subject above it (state/email_composer.py)
    sms_segments: str = ""  # e.g. "2 SMS segments (GSM-7)", for the draft of an SMS reply
    whatsapp_window_open: bool = True  # False: WhatsApp allows only an approved template now
    notice: str = ""
    announcement: str = ""  # read out by the polite live region: what the last push brought
    # The verified customer header; empty while the customer is unverified.
    profile: CustomerProfile = CustomerProfile()
    metrics: CustomerMetrics = CustomerMetrics()
    order: RecentOrder = RecentOrder()
    order_images: list[Picture] = []
    recommendations: list[Picture] = []
    _header_for: int = 0  # the interaction the header was loaded for: a new message does not reload it
    _restored: bool = False  # False in a state Redis has lost: the tab's ids come back from tab_memory
    # How many times this tab's state was built afresh (first load, or after Redis lost it). Part of the key of
    # each part that reads its own data when it mounts (mount_key), so a rebuild mounts them again: Reflex's
    # rehydrate sends those parts' states at their defaults, and a part that merely stays mounted would show
    # them empty (an open Order Edit without its lines).
    rebuilds: int = 0
    _reply_options_for: tuple = ()  # (interaction id, state, chat ended) the Reply via options were read for
    _transcript_for: int = 0  # the interaction whose transcript the tab holds; 0: load it whole
    _transcript_verified: bool = False  # verifying adds the customer's history: the window is loaded again

    # --- loading -----------------------------------------------------------------------------

    async def _reload(self, identity: Identity, *, header: bool = False) -> None:
        """Panel rows and the selected conversation; the header too when asked or when it is stale."""
        # Heard before reading, so a change committed while this reads is pushed after it, never lost in between;
        # again after, for the customer the read may have found.
        self._watch(identity)
        async with runtime.db().read() as session:
            panel = await interactions.panel_with_selected(session, identity=identity, tab=self.tab,
                                                           clock=runtime.clock, selected_id=self.selected_id)
            assign_if_changed(self, "rows", panel.rows)
            if self.selected_id:
                try:
                    interaction = panel.selected or await interactions.viewable_interaction(
                        session, identity=identity, interaction_id=self.selected_id)
                except Refused:
                    self._clear_selection()
                else:
                    self._show(interaction, await self._organization_name(session, interaction))
                    await self._refresh_transcript(session, interaction)
                    await self._check_whatsapp_window(session, interaction)
                    await self._load_reply_options(session, interaction)
                    if self.selected_inactive:
                        self._clear_header()  # no longer this agent's: the conversation only
                        self._header_for = interaction.id
                    elif header or self._header_for != interaction.id or (interaction.verified
                                                                          and not self.profile.customer_id):
                        await self._load_header(session, identity, interaction.id)
        assign_if_changed(self, "can_transfer", identity.can("transfer"))
        self._watch(identity)
        self._remember_view()
        if self.tab == "active":  # the panel read the deadlines: the timer costs no query of its own
            assign_if_changed(await self.get_state(BounceTimerState), "seconds", panel.timers)

    async def _organization_name(self, session, interaction) -> str:
        """From the panel row just read when the interaction is there (it nearly always is)."""
        for row in self.rows:
            if row.interaction_id == interaction.id:
                return row.organization_name
        return (await session.get(Organization, interaction.organization_id)).name

    async def _refresh_transcript(self, session, interaction) -> None:
        """The whole window for a newly shown interaction; otherwise only what changed since."""
        if (self._transcript_for, self._transcript_verified) != (interaction.id, interaction.verified):
            page = await conversation.transcript_page(session, interaction=interaction)
            self._set_window(conversation.split(page.items))
            assign_if_changed(self, "has_earlier", page.has_earlier)
            self._transcript_for, self._transcript_verified = interaction.id, interaction.verified
            return
        window = await conversation.refreshed(session, interaction_id=interaction.id,
                                              held=self._held(),
                                              channel=interaction.channel)
        if window is not None:
            self._set_window(window)
            if window.trimmed:
                assign_if_changed(self, "has_earlier", True)

    async def _check_whatsapp_window(self, session, interaction) -> None:
        """Outside WhatsApp's 24 hours the composer says so (and the service refuses free text anyway)."""
        open_ = interaction.channel != "whatsapp" or await whatsapp.free_text_allowed(
            session, interaction_id=interaction.id, now=runtime.clock())
        assign_if_changed(self, "whatsapp_window_open", open_)

    async def _load_reply_options(self, session, interaction) -> None:
        """Reply via: the channels this customer can be reached on now; the choice stays while it still can.

        Read when the interaction is shown or its chat or state changes, not on every message (a push stays
        cheap); a channel that lapsed meanwhile is refused by the service when used."""
        seen = (interaction.id, interaction.state, interaction.chat_ended_at is not None)
        if self._reply_options_for == seen:
            return
        self._reply_options_for = seen
        options = (await reachable_channels(session, interaction=interaction, now=runtime.clock())
                   if interaction.state == "assigned" else [])
        assign_if_changed(self, "reply_options", options)
        if self.reply_via not in options:
            self.reply_via = options[0] if options else ""
        self._sync_composer()

    async def _load_header(self, session, identity: Identity, interaction_id: int) -> None:
        loaded = await customer_header.header(session, identity=identity, interaction_id=interaction_id)
        self._header_for = interaction_id
        if loaded is None:
            self._clear_header()
            return
        self.profile, self.metrics, self.order = loaded.profile, loaded.metrics, loaded.order
        self.order_images, self.recommendations = loaded.order_images, loaded.recommendations

    def _clear_header(self) -> None:
        self.profile, self.metrics, self.order = CustomerProfile(), CustomerMetrics(), RecentOrder()
        self.order_images, self.recommendations = [], []

    def _show(self, interaction, organization_name: str) -> None:
        """The selected interaction's facts; a push that changed none of them sends none of them."""
        shown = {"selected_channel": interaction.channel, "selected_closed": interaction.state == "closed",
                 "customer_name": interactions.customer_label(interaction),
                 "customer_verified": interaction.verified, "organization_name": organization_name,
                 "joined_open_case": interaction.joined_open_case,
                 "chat_ended": interaction.chat_ended_at is not None}
        row = next((r for r in self.rows if r.interaction_id == interaction.id), None)
        shown["selected_inactive"] = bool(row and row.inactive and not row.customer_left)
        shown["selected_customer_left"] = bool(row and row.customer_left)
        shown["selected_pending_transfer"] = bool(row and row.pending_transfer)
        for name, value in shown.items():
            assign_if_changed(self, name, value)
        self._sync_composer()

    def _clear_selection(self) -> None:
        self.selected_id, self.customer_name, self.selected_channel = 0, "", ""
        self.selected_inactive = self.selected_pending_transfer = self.selected_customer_left = False
        self._clear_window()
        self.has_earlier, self._transcript_for = False, 0
        self._header_for = 0
        self._clear_header()
        self._sync_composer()

    def _watch(self, identity: Identity) -> None:
        topics = {events.agent_topic(identity.user_id), events.presence_topic(identity.user_id)}
        if self.selected_id:
            topics.add(events.interaction_topic(self.selected_id))
        if self.profile.customer_id:
            topics.add(events.customer_topic(self.profile.customer_id))
        push.watch(self.router.session.client_token, InboxState, topics, page=self.router.route_id)
        push.watch(self.router.session.client_token, BounceTimerState, {events.bounce_timer_topic(identity.user_id)},
                   page=self.router.route_id)

    def _tab_token(self) -> str:
        return self.router.session.client_token

    def _remember_view(self) -> None:
        # `rebuilds` too: a tab whose socket moved to this worker brings its count, so its next rebuild here
        # still changes the key its screens mount under.
        tab_memory.remember(self._tab_token(), "inbox", tab=self.tab, selected_id=self.selected_id,
                            rebuilds=self.rebuilds, reply_via=self.reply_via)
        assign_if_changed(self, "_restored", True)

    def _remember_draft(self) -> None:
        """What the agent is writing outlives Redis too. Kept with its revision, so a box already showing it (a
        push rebuilt the state first) is left alone, and one the rehydrate emptied takes it back; and with its
        interaction, so it never comes back in another conversation's box."""
        tab_memory.remember(self._tab_token(), "inbox", draft=self.draft, draft_rev=self.draft_rev,
                            draft_for=self.selected_id)

    def _restore_view(self) -> None:
        """After Redis lost this tab's state, show the same tab, conversation and draft again."""
        if not self._restored:
            seen = tab_memory.recall(self._tab_token(), "inbox")
            self.tab, self.selected_id = seen.get("tab", self.tab), seen.get("selected_id", self.selected_id)
            self.reply_via = seen.get("reply_via", self.reply_via)  # the reload that follows shows its box
            if self.selected_id and seen.get("draft_for") == self.selected_id:
                self.draft, self.draft_rev = seen["draft"], seen["draft_rev"]
            self.rebuilds = seen.get("rebuilds", 0) + 1
            self._remember_view()

    async def _on_change(self, topics: set[str]) -> None:
        # A tab rebuilt from the database (Redis lost it, or notices were missed) would announce all it holds.
        held = self._restored and events.EVERYTHING not in topics
        rows_before, items_before = list(self.rows), self._shown_items()
        self._restore_view()
        identity = await self._identity()
        if identity is not None:
            presence = events.presence_topic(identity.user_id)
            if presence in topics or events.EVERYTHING in topics:
                await self._follow_presence(identity)
            if topics <= {presence}:
                return  # the panel and the conversation are as they were
            # The header is reloaded only when the customer changed, not on every message.
            customer = self.profile.customer_id and events.customer_topic(self.profile.customer_id)
            if events.EVERYTHING in topics or customer in topics:
                # Notices may have been missed, or the customer's history grew (a chatbot transcript arrived,
                # they were verified): read the whole window again.
                self._transcript_for = 0
            await self._reload(identity, header=customer in topics or events.EVERYTHING in topics)
            if held:
                self._announce(announcements.for_inbox(
                    rows_before=rows_before, rows_after=self.rows, selected_id=self.selected_id,
                    items_before=items_before, items_after=self._shown_items()))

    def _announce(self, text: str) -> None:
        if text:
            self.announcement = text

    async def _signed_in(self) -> Identity | None:
        self._restore_view()
        identity = await self._identity()
        if identity is None:
            self._show_nothing()
        return identity

    def _show_nothing(self) -> None:
        """Nobody is signed in on this tab: nothing the agent had on it goes out, a draft kept for it included."""
        self.rows = []
        self._clear_window()
        assign_if_changed(self, "draft", "")

    # --- events ------------------------------------------------------------------------------

    @rx.event
    async def on_load(self):
        self._restore_view()
        identity = await self._identity()
        if identity is None:
            self._show_nothing()
            return rx.redirect("/login", replace=True)
        self._watch(identity)  # heard before the availability and the panel are read
        await self._show_signed_in(identity)
        async with runtime.db().transaction() as session:
            await interactions.mark_inbox_seen(session, identity=identity, clock=runtime.clock)
        self.notice = ""
        await self._reload(identity)
        await self._load_pending(identity)

    @rx.event
    async def load_earlier(self):
        """Scroll back: the page of messages before the oldest one shown."""
        identity = await self._signed_in()
        if identity is None:
            return rx.redirect("/login", replace=True)
        first = next((conversation.message_id(i) for i in self._shown_items() if i.kind == "message"), 0)
        if not self.selected_id or not first:
            return
        try:
            async with runtime.db().read() as session:
                interaction = await interactions.viewable_interaction(session, identity=identity,
                                                                      interaction_id=self.selected_id)
                page = await conversation.transcript_page(session, interaction=interaction, before_id=first)
        except Refused as refused:
            self.notice = str(refused)
            return
        self._set_window(conversation.prepend(self._held(), page.items))
        self.has_earlier = page.has_earlier

    @rx.event
    async def set_tab(self, tab: str):
        if tab not in ("active", "done"):
            return
        identity = await self._signed_in()
        if identity is None:
            return rx.redirect("/login", replace=True)
        self.tab = tab
        self._clear_selection()
        await self._reload(identity)

    @rx.event
    async def select(self, interaction_id: int):
        identity = await self._signed_in()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction(origin=self._tab_token()) as session:
                await interactions.select_interaction(session, identity=identity,
                                                      interaction_id=int(interaction_id), clock=runtime.clock)
        except (Refused, TypeError, ValueError) as refused:
            self.notice = str(refused) if isinstance(refused, Refused) else "That interaction was not found."
            return
        if self.selected_id != int(interaction_id):
            self.sms_segments, self.reply_via, self.attachment_error = "", "", ""
            self._server_draft("")
        self.selected_id, self.notice = int(interaction_id), ""
        await self._reload(identity)
        await self._load_pending(identity)

    # --- attachments -------------------------------------------------------------------------

    async def _load_pending(self, identity: Identity) -> None:
        async with runtime.db().read() as session:
            pending = await composer.agent_pending(session, identity=identity, interaction_id=self.selected_id)
        assign_if_changed(self, "pending_attachments", pending)

    @rx.event
    async def attach(self, files: list[rx.UploadFile]):
        """`Attach`: the chosen files are checked against the reply channel's rules and staged until Send."""
        chosen = await uploads.read(files)
        if not chosen:  # the browser turned every file away: attach_refused says why
            return
        identity = await self._signed_in()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await composer.agent_attach(session, identity=identity, interaction_id=self.selected_id,
                                            via=self.reply_via, uploads=chosen,
                                            root=runtime.settings().attachments_dir, clock=runtime.clock)
        except Refused as refused:
            self.attachment_error = str(refused)
            return
        self.attachment_error = ""
        await self._load_pending(identity)

    @rx.event
    def attach_refused(self, rejections: list):
        """Files the browser turned away (too large, too many, a type no channel takes) never reach us."""
        self.attachment_error = uploads.browser_refusal(rejections, self.reply_via or self.selected_channel)

    @rx.event
    async def remove_attachment(self, attachment_id: int):
        identity = await self._signed_in()
        if identity is None:
            return rx.redirect("/login", replace=True)
        try:
            async with runtime.db().transaction() as session:
                await composer.agent_remove(session, identity=identity, interaction_id=self.selected_id,
                                            attachment_id=int(attachment_id), root=runtime.settings().attachments_dir)
        except (Refused, TypeError, ValueError):
            pass  # already gone, or never this agent's: the list below is the truth either way
        self.attachment_error = ""
        await self._load_pending(identity)

    @rx.event
    def set_draft(self, value: str, revision: int = -1):
        """Typing. The formatted box says which server value it typed over: typing over a value the server has
        since replaced (a template went in meanwhile) is dropped, never written over it."""
        self._restore_view()  # a keystroke is often the first event after Redis lost this tab (Reflex runs it
        # before the rehydrate's on_load): the draft it types over belongs to the restored conversation
        if isinstance(revision, int) and 0 <= revision < self.draft_rev:
            return
        if isinstance(revision, int) and revision > self.draft_rev:
            self.draft_rev = revision  # this tab's state was rebuilt (Redis lost it): the box's count stands
        self.draft = str(value)[:5000]
        self._count_segments()
        self._remember_draft()

    def _count_segments(self) -> None:
        """An SMS costs by the segment: the count shows under the message box as the agent types."""
        texting = (self.reply_via or self.selected_channel) == "sms"
        label = sms_segments.segments(plain_text(self.draft)).label if self.draft and texting else ""
        assign_if_changed(self, "sms_segments", label)

    @rx.event
    def set_reply_via(self, value: str):
        """Only a channel the server offered for this interaction can be chosen. The draft follows into the
        other box: formatting becomes plain text for SMS/WhatsApp, plain text becomes the editor's HTML."""
        if value in self.reply_options:
            was_formatted = self.formatted_composer
            self.reply_via = value
            self._sync_composer()
            if self.formatted_composer != was_formatted and self.draft:
                self._server_draft(formatting.switched_draft(self.draft, to_editor=self.formatted_composer))
            self._count_segments()
            tab_memory.remember(self._tab_token(), "inbox", reply_via=value)

    def _server_draft(self, text: str) -> None:
        self.draft, self.draft_rev = text[:5000], self.draft_rev + 1
        self._remember_draft()

    def _sync_composer(self) -> None:
        """Chat and email get the formatted message box (Bold, Italic, Bulleted list); SMS and WhatsApp go as
        plain text."""
        channel = self.reply_via or self.selected_channel
        assign_if_changed(self, "formatted_composer", channel in ("chat", "email"))
        assign_if_changed(self, "email_composer", channel == "email")

    @rx.event
    def use_recommendation(self, index: int):
        """A recommended item's URL goes into the message box, ready to send (taken from server-side vars)."""
        if not isinstance(index, int) or not 0 <= index < len(self.recommendations):
            return
        url = self.recommendations[index].url
        if self.formatted_composer:  # the formatted box holds HTML: the address goes in as text
            url = formatting.for_box(url, formatting.TEXT, formatted=True)
        self._server_draft(f"{self.draft.rstrip()} {url}".strip())
        self._count_segments()
        return rx.set_focus("message-box")

    @rx.event
    async def draft_key(self, key: str, info: dict):
        """Ctrl+Enter, or Cmd+Enter on a Mac, sends."""
        if key == "Enter" and (info.get("ctrl_key") or info.get("meta_key")):
            return InboxState.send

    @rx.event
    async def send(self):
        identity = await self._signed_in()
        if identity is None:
            return rx.redirect("/login", replace=True)
        if not self.draft.strip() and not self.pending_attachments:
            self.notice = "Type a message first."
            return
        email = None
        if self.email_composer:
            from inbox_app.state.email_composer import EmailComposerState  # it builds on this state

            email = (await self.get_state(EmailComposerState))._fields_for(self.selected_id)
        try:
            async with runtime.db().transaction(origin=self._tab_token()) as session:
                await interactions.send_agent_message(session, identity=identity, interaction_id=self.selected_id,
                                                      body=self.draft, clock=runtime.clock, via=self.reply_via,
                                                      with_files=bool(self.pending_attachments),
                                                      expected_files=[p.id for p in self.pending_attachments],
                                                      from_editor=self.formatted_composer, email=email)
        except Refused as refused:
            self.notice = str(refused)
            # A channel may have lapsed while the agent typed (WhatsApp's 24 hours, an ended chat), or the
            # attached files changed in another window: show how things are now.
            self._reply_options_for = ()
            await self._reload(identity)
            await self._load_pending(identity)
            return
        self.notice, self.sms_segments, self.attachment_error = "", "", ""
        self._server_draft("")
        self.pending_attachments = []
        await self._reload(identity)


def mount_key(*parts) -> rx.Var:
    """The key of a part that reads its own data for the selected interaction when it mounts: a new key per
    interaction, and per rebuild of the tab's state (see `rebuilds`), so it mounts and reads again then."""
    key = InboxState.selected_id.to_string() + "." + InboxState.rebuilds.to_string()
    for part in parts:
        key = key + "-" + part
    return key

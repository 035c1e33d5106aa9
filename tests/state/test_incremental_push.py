"""A push sends what changed: a new message resends the live end of the transcript, not the whole of it."""

from __future__ import annotations

import asyncio
import json

from sqlmodel import select

from inbox_app.state.inbox import InboxState
from services import auth, chat, events, interactions
from services.models import Interaction, Message
from tests.services.factories import make_agent, make_org, new_chat
from tests.state.support import SECRET, state_for


async def _agent_with_a_long_conversation(db, clock, length: int):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    interaction = await new_chat(db, org, clock)
    async with db.transaction() as session:
        session.add_all([Message(interaction_id=interaction.id, author="customer", body=f"Message number {n}",
                                 created_at=clock(), delivery_status="received") for n in range(length)])
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    inbox = await state_for(InboxState, token)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, interaction.id)
    return inbox, interaction


async def _customer_says(db, interaction_id: int, body: str, clock) -> None:
    async with db.transaction() as session:
        await interactions.add_customer_message(session, interaction_id=interaction_id, body=body, clock=clock)


def _changed(state) -> set[str]:
    return set(state.dirty_vars)


def _size(items) -> int:
    """Bytes on the wire, as Reflex serialises them (inbox_app/state/wire.py sends items compact)."""
    from reflex_base.utils import format

    return len(format.json_dumps(list(items)))


async def test_a_new_message_resends_only_the_live_end_of_a_long_transcript(wired, clock):
    inbox, interaction = await _agent_with_a_long_conversation(wired, clock, 1000)
    assert inbox.has_earlier  # 1,000 messages: only the latest page is held, the rest loads on demand
    inbox._clean()
    await _customer_says(wired, interaction.id, "Where is my parcel?", clock)
    await inbox._on_change({events.interaction_topic(interaction.id), events.agent_topic(inbox._signed_in_as.identity.user_id)})
    # not `earlier`, not the header, not the selection; the live region says who wrote what
    assert _changed(inbox) == {"items", "rows", "announcement"}
    assert inbox.announcement == "Pat Lee: Where is my parcel?"
    assert inbox.items[-1].body == "Where is my parcel?"
    assert _size(inbox.items) < 2048


async def test_a_push_that_changes_nothing_changes_no_var(wired, clock):
    inbox, interaction = await _agent_with_a_long_conversation(wired, clock, 30)
    inbox._clean()
    await inbox._on_change({events.interaction_topic(interaction.id)})
    assert _changed(inbox) == set()


async def test_a_missed_notice_is_caught_up_by_the_next_one(wired, clock):
    inbox, interaction = await _agent_with_a_long_conversation(wired, clock, 5)
    await _customer_says(wired, interaction.id, "First, whose notice was lost", clock)
    await _customer_says(wired, interaction.id, "Second", clock)
    await inbox._on_change({events.interaction_topic(interaction.id)})
    assert [item.body for item in inbox.items[-2:]] == ["First, whose notice was lost", "Second"]


async def test_the_transcript_pages_back_to_the_first_message(wired, clock):
    inbox, _ = await _agent_with_a_long_conversation(wired, clock, 250)
    while inbox.has_earlier:
        await InboxState.load_earlier.fn(inbox)
    bodies = [item.body for item in (*inbox.earlier, *inbox.items) if item.author == "customer"]
    assert bodies == [f"Message number {n}" for n in range(250)]


async def test_a_delivery_status_change_replaces_its_message_where_it_is(wired, clock):
    inbox, interaction = await _agent_with_a_long_conversation(wired, clock, 3)
    async with wired.transaction() as session:  # an SMS-like reply that waits in the outbox
        sent = await interactions.send_agent_message(session, identity=inbox._signed_in_as.identity,
                                                     interaction_id=interaction.id, body="Queued reply",
                                                     clock=clock)
        sent.delivery_status = "queued"
    await inbox._on_change({events.interaction_topic(interaction.id)})
    assert inbox.items[-1].delivery_status == "queued"
    async with wired.transaction() as session:
        (await session.get(Message, sent.id)).delivery_status = "sent"
    await inbox._on_change({events.interaction_topic(interaction.id)})
    assert [item.delivery_status for item in inbox.items if item.body == "Queued reply"] == ["sent"]


async def test_the_live_chat_resends_only_its_live_end_and_never_shows_agents_only_notes(wired, clock):
    from inbox_app.state.chat import ChatState
    from tests.state.support import state_for as tab

    org = await make_org(wired)
    await make_agent(wired, "alice", [org])
    customer = await tab(ChatState)
    customer.router = customer.router.__class__.from_router_data(
        {"token": customer.router.session.client_token, "pathname": "/chat/[org_slug]",
         "query": {"org_slug": org.slug}})
    await ChatState.on_load.fn(customer)
    await ChatState.start_chat.fn(customer, {"first_name": "Pat", "last_name": "Lee", "email": "pat@example.com"})
    interaction_id = customer._interaction_id
    async with wired.transaction() as session:
        session.add_all([Message(interaction_id=interaction_id, author="customer", body=f"Earlier {n}",
                                 created_at=clock(), delivery_status="received") for n in range(60)])
        row = await session.get(Interaction, interaction_id)
        interactions.add_system_message(session, interaction=row, body="Verified by passcode", at=clock(),
                                        internal=True)
    await customer._on_change({events.interaction_topic(interaction_id)})
    customer._clean()
    await _customer_says(wired, interaction_id, "One more question", clock)
    await customer._on_change({events.interaction_topic(interaction_id)})
    assert set(customer.dirty_vars) == {"items"} and customer.items[-1].body == "One more question"
    assert _size(customer.items) < 2048
    shown = [item.body for item in (*customer.earlier, *customer.items)]
    assert "Verified by passcode" not in shown and shown.count("One more question") == 1


async def _live_chat_on(org_slug: str, client_token: str = ""):
    from inbox_app.state.chat import ChatState

    customer = await state_for(ChatState, client_token=client_token)
    customer.router = customer.router.__class__.from_router_data(
        {"token": customer.router.session.client_token, "pathname": "/chat/[org_slug]",
         "query": {"org_slug": org_slug}})
    return customer


async def test_a_live_chat_redis_lost_shows_the_agents_reply_when_the_push_comes_first(wired, clock):
    """A push brings no page address (inbox_app/push.py): the chat's organization and token come from what the
    worker remembers for the tab, so the customer sees the reply without doing anything first."""
    from inbox_app.state.chat import ChatState

    org, other = await make_org(wired), await make_org(wired, "janes", "Jane's")
    await make_agent(wired, "alice", [org])
    customer = await _live_chat_on(org.slug)
    await ChatState.on_load.fn(customer)
    await ChatState.start_chat.fn(customer, {"first_name": "Pat", "last_name": "Lee", "email": "pat@example.com"})
    interaction_id, token = customer._interaction_id, customer.router.session.client_token

    lost = await state_for(ChatState, client_token=token)  # Redis lost it; a push has no page params
    await _customer_says(wired, interaction_id, "Anyone there?", clock)
    await lost._on_change({events.interaction_topic(interaction_id)})
    assert lost.stage == "chatting" and lost.items[-1].body == "Anyone there?"
    # The customer types next: Reflex's rehydrate empties the rebuilt state's copy of browser storage, the
    # keystroke brings the browser's own, and the page's on_load still finds the chat.
    lost.router, lost.chat_tokens = (await _live_chat_on(org.slug, client_token=token)).router, "{}"
    ChatState.set_draft.fn(lost, "Thanks", customer.chat_tokens)
    await ChatState.on_load.fn(lost)
    assert lost.stage == "chatting" and lost.items[-1].body == "Anyone there?"
    lost.chat_tokens = "{}"  # the same, with the page's on_load first: the chat this worker remembers is the tab's
    await ChatState.on_load.fn(lost)
    assert lost.stage == "chatting" and json.loads(lost.chat_tokens) == json.loads(customer.chat_tokens)
    await ChatState.new_chat.fn(lost)  # the customer asked for a new chat: the old one never comes back
    lost.chat_tokens = "{}"
    await ChatState.on_load.fn(lost)
    assert lost.stage == "start"

    elsewhere = await _live_chat_on(other.slug, client_token=token)  # the tab opened Jane's chat page: none there
    await ChatState.on_load.fn(elsewhere)
    assert elsewhere.stage == "start"
    lost_again = await state_for(ChatState, client_token=token)
    await lost_again._on_change({events.interaction_topic(interaction_id)})  # the old chat's late notice
    assert lost_again.stage != "chatting" and not lost_again.items  # Sophia's chat never shows on Jane's page


def test_a_popup_is_its_own_state_beside_the_inbox_so_its_keystrokes_never_load_the_inbox():
    """Reflex loads an event's state and its parents: a popup under SessionState never loads InboxState,
    whose panel and transcript are the large part of an agent's state."""
    from inbox_app.state.case_details import CaseDetailsState
    from inbox_app.state.profile import ProfileState
    from inbox_app.state.quick_actions import QuickActionState
    from inbox_app.state.session import SessionState
    from inbox_app.state.verify import VerifyState
    from inbox_app.state.wrap_up import WrapUpState

    for popup in (VerifyState, WrapUpState, CaseDetailsState, ProfileState, QuickActionState):
        path = [popup]
        while path[-1].get_parent_state() is not None:
            path.append(path[-1].get_parent_state())
        assert InboxState not in path and SessionState in path, popup.__name__


async def test_a_customer_message_costs_few_sql_statements_from_send_to_the_agents_screen(wired, clock):
    """The customer's Send (commit and its own refresh) and the agent's push, counted statement by statement."""
    from sqlalchemy import event

    from inbox_app.state.chat import ChatState
    from tests.state.support import state_for as tab

    inbox, interaction = await _agent_with_a_long_conversation(wired, clock, 3)
    customer = await tab(ChatState)
    customer.org_slug, customer._interaction_id = "sophias", interaction.id  # a tab that has loaded its chat
    customer.chat_tokens = json.dumps({"sophias": "this-tabs-chat-token"})
    await customer._on_change({events.interaction_topic(interaction.id)})
    statements: list[str] = []

    def _count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(wired.engine.sync_engine, "before_cursor_execute", _count)
    try:
        customer.draft = "Is it in stock?"
        await ChatState.send.fn(customer)
        await inbox._on_change({events.interaction_topic(interaction.id),
                                events.agent_topic(inbox._signed_in_as.identity.user_id)})
    finally:
        event.remove(wired.engine.sync_engine, "before_cursor_execute", _count)
    assert inbox.items[-1].body == "Is it in stock?"
    # 3 to store it (lock, insert, update), 1 for the customer's own refresh, and for the agent's push:
    # the identity check, the panel (which also yields the selected interaction) and the new messages.
    assert len(statements) <= 6, "\n---\n".join(statements)


def _wire_bytes(state) -> int:
    """What Reflex sends for the vars a push changed, serialised as it serialises them (compact items)."""
    from reflex_base.utils import format

    return len(format.json_dumps({name: getattr(state, name) for name in state.dirty_vars}))


async def test_a_message_costs_under_2_kb_on_the_wire_on_average_however_long_the_conversation(wired, clock):
    """Averaged over many messages, so the larger update that moves the live end into `earlier` now and then
    counts too."""
    inbox, interaction = await _agent_with_a_long_conversation(wired, clock, 1000)
    sent = []
    for n in range(48):
        inbox._clean()
        await _customer_says(wired, interaction.id, f"Is order 10{n:02d} on its way to the new address yet?", clock)
        await inbox._on_change({events.interaction_topic(interaction.id),
                                events.agent_topic(inbox._signed_in_as.identity.user_id)})
        sent.append(_wire_bytes(inbox))
    assert inbox.items[-1].body.startswith("Is order 1047")
    print("wire bytes per message:", sum(sent) / len(sent), sent)
    assert sum(sent) / len(sent) <= 2048, str(sent)


def test_the_window_mixin_has_a_var_for_every_slot():
    from inbox_app.state.transcript_window import TranscriptWindowState
    from services.transcript_window import CHUNKS

    slots = {name for name in TranscriptWindowState.__annotations__ if name.startswith("chunk_")} - {"chunk_order"}
    assert slots == {f"chunk_{n}" for n in range(CHUNKS)}


def test_items_and_rows_go_to_the_browser_without_their_default_fields():
    from reflex_base.utils import format

    from services.conversation import ConversationItem
    from services.interactions import PanelRow

    item = ConversationItem(key="m1", kind="message", author="customer", body="Hi", at_iso="2026-01-01T00:00:00",
                            delivery_status="received")
    row = PanelRow(interaction_id=1, channel="chat", customer_name="Pat", verified=False, organization_name="S",
                   last_activity_iso="", recent=True, last_sentence="Hi", unread=True, closed=False, transferred=True)
    assert json.loads(format.json_dumps(item)) == {"key": "m1", "kind": "message", "author": "customer", "body": "Hi",
                                                   "at_iso": "2026-01-01T00:00:00", "delivery_status": "received",
                                                   "attachments": [], "turns": []}
    sent_row = json.loads(format.json_dumps(row))
    assert sent_row["transferred"] is True and "inactive" not in sent_row and sent_row["verified"] is False


async def _pushed(inbox, notices: list[str]) -> list[str]:
    """Delivers the notices through the worker's push path to this tab, as the bus would; the SQL it ran."""
    from sqlalchemy import event
    from types import SimpleNamespace

    from inbox_app import push

    async def refresh(app, token, state_cls, topics):
        if state_cls is InboxState:
            await inbox._on_change(topics)

    app = SimpleNamespace(event_namespace=SimpleNamespace(_token_manager=SimpleNamespace(
        token_to_socket={inbox.router.session.client_token: object()})))
    statements: list[str] = []

    def _count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    engine = runtime_db().engine.sync_engine
    event.listen(engine, "before_cursor_execute", _count)
    original, push._refresh = push._refresh, refresh
    try:
        for notice in notices:
            await push._deliver(app, notice)
            while push._pending:
                await asyncio.sleep(0)
    finally:
        push._refresh = original
        event.remove(engine, "before_cursor_execute", _count)
    return statements


def runtime_db():
    from inbox_app import runtime

    return runtime.db()


async def _capture(holder: list, awaitable) -> None:
    holder.append(await awaitable)


async def _told(db, action) -> list[str]:
    """What the bus published for the commits `action` makes."""
    published: list[str] = []

    async def _keep(message: str) -> None:
        published.append(message)

    events.bus().subscribe(_keep)
    try:
        await action()
    finally:
        events.bus()._handlers.remove(_keep)
    return published


async def test_a_push_the_tab_has_already_read_costs_no_statement_and_no_byte(wired, clock):
    """The same notice twice (a retried publish) and a bus reconnect after which nothing had moved; the agent's
    sign-in was announced before the tab opened, and counts as read."""
    holder: list = []
    earlier = await _told(wired, lambda: _capture(holder, _agent_with_a_long_conversation(wired, clock, 5)))
    inbox, interaction = holder[0]
    told = await _told(wired, lambda: _customer_says(wired, interaction.id, "Is it in stock?", clock))
    # Every notice reaches the worker, those from before the tab opened (the sign-in) too.
    assert await _pushed(inbox, [*earlier, *told]) and inbox.items[-1].body == "Is it in stock?"
    inbox._clean()
    assert await _pushed(inbox, [*told, events.RESUMED]) == []
    assert _changed(inbox) == set()


async def test_a_missed_notice_is_recovered_by_the_sequence_check(wired, clock):
    """A commit whose notice never came (a status only a whole reload would see), then the next message: its
    number jumps, and the tab reads its conversation again whole."""
    inbox, interaction = await _agent_with_a_long_conversation(wired, clock, 5)
    await _pushed(inbox, await _told(wired, lambda: _customer_says(wired, interaction.id, "Hello?", clock)))
    first = next(item for item in inbox.items if item.body == "Message number 4")

    async def _failed_without_notice():
        async with wired.transaction() as session:
            message = await session.get(Message, conversation_message_id(first))
            message.delivery_status = "failed"
            events.notify_interaction(session, await session.get(Interaction, interaction.id))

    lost = await _told(wired, _failed_without_notice)
    assert lost  # published, never delivered to this tab
    told = await _told(wired, lambda: _customer_says(wired, interaction.id, "Anyone there?", clock))
    await _pushed(inbox, told)
    shown = {item.body: item.delivery_status for item in (*inbox.earlier, *inbox._shown_items())}
    assert shown["Anyone there?"] == "received" and shown["Message number 4"] == "failed"


def conversation_message_id(item) -> int:
    from services.conversation import message_id

    return message_id(item)


async def test_availability_set_in_another_tab_reads_no_panel_and_shows_in_this_one(wired, clock):
    """A presence notice is not the agent topic: the panel and the conversation are not read for it."""
    from services import presence

    inbox, _ = await _agent_with_a_long_conversation(wired, clock, 5)
    identity = inbox._signed_in_as.identity
    assert inbox.available is False

    async def _available_elsewhere():
        async with wired.transaction() as session:
            await presence.set_available(session, identity=identity, available=True, clock=clock)

    told = await _told(wired, _available_elsewhere)
    assert [events.topics_of(notice) for notice in told] == [{events.presence_topic(identity.user_id)}]
    inbox._clean()
    statements = await _pushed(inbox, told)
    assert inbox.available is True
    assert _changed(inbox) == set()  # `available` belongs to the session state, the inbox's vars are untouched
    assert len(statements) == 2, statements  # the identity check and the availability, nothing else

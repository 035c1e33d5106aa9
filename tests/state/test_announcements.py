"""What the polite live region says after a push: new interactions and messages, never what the tab already had."""

from __future__ import annotations

from inbox_app import announcements
from inbox_app.state.inbox import InboxState
from services import auth, events, interactions
from services.conversation import ConversationItem
from services.interactions import PanelRow
from tests.services.factories import make_agent, make_org, new_chat
from tests.state.support import SECRET, state_for


def _row(interaction_id: int, sentence: str, *, at: str = "2026-11-25T09:00:00", unread: bool = True,
         name: str = "Pat Lee") -> PanelRow:
    return PanelRow(interaction_id=interaction_id, channel="sms", customer_name=name, verified=False,
                    organization_name="Sophia's", last_activity_iso=at, recent=True, last_sentence=sentence,
                    unread=unread, closed=False)


def _message(key: str, author: str, body: str) -> ConversationItem:
    return ConversationItem(key=key, kind="message", author=author, body=body)


def test_a_new_interaction_is_announced_with_its_channel_customer_and_first_words():
    said = announcements.for_inbox(rows_before=[], rows_after=[_row(7, "Where is my parcel?")], selected_id=0,
                                   items_before=[], items_after=[])
    assert said == "New SMS interaction from Pat Lee, Sophia's: Where is my parcel?"


def test_a_customer_message_in_another_interaction_is_announced_but_an_unchanged_row_is_not():
    before = [_row(1, "Hello"), _row(2, "Still there?", name="Kim One")]
    after = [_row(1, "My order is late", at="2026-11-25T09:05:00"), _row(2, "Still there?", name="Kim One")]
    said = announcements.for_inbox(rows_before=before, rows_after=after, selected_id=0, items_before=[],
                                   items_after=[])
    assert said == "Pat Lee: My order is late."


def test_the_open_conversation_announces_new_customer_messages_only():
    before = [_message("m1", "customer", "Hi")]
    after = [*before, _message("m2", "agent", "Hello, how can I help?"), _message("m3", "customer", "Refund please")]
    rows = [_row(1, "Refund please", at="2026-11-25T09:05:00")]
    said = announcements.for_inbox(rows_before=[_row(1, "Hi")], rows_after=rows, selected_id=1,
                                   items_before=before, items_after=after)
    assert said == "Pat Lee: Refund please."  # the open row is not announced twice, the agent's own words not at all


def test_the_live_chat_announces_the_agents_replies_and_notes_but_not_the_customers_words():
    before = [_message("m1", "customer", "Hi")]
    after = [*before, _message("m2", "customer", "Anyone?"), _message("m3", "agent", "Yes, I am here"),
             _message("m4", "system", "Order SO-1 has been cancelled.")]
    said = announcements.for_live_chat(items_before=before, items_after=after)
    assert said == "Agent: Yes, I am here. Order SO-1 has been cancelled."


def test_a_long_message_is_cut_short():
    said = announcements.for_live_chat(items_before=[], items_after=[_message("m1", "agent", "word " * 200)])
    assert len(said) <= 260 and said.endswith("…")


async def _alice_in_her_inbox(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    inbox = await state_for(InboxState, token)
    await InboxState.on_load.fn(inbox)
    await InboxState.toggle_availability.fn(inbox)  # every agent starts Unavailable after signing in
    assert inbox.available
    return inbox, org


async def test_a_push_announces_the_interaction_it_brought(wired, clock):
    inbox, org = await _alice_in_her_inbox(wired, clock)
    assert inbox.announcement == ""
    await new_chat(wired, org, clock, first="Nora", last="Quinn")
    await inbox._on_change({events.agent_topic(inbox._signed_in_as.identity.user_id)})
    assert inbox.announcement == "New Chat interaction from Nora Quinn, Sophia's."


async def test_a_tab_rebuilt_after_missed_notices_does_not_announce_what_it_already_showed(wired, clock):
    inbox, org = await _alice_in_her_inbox(wired, clock)
    interaction = await new_chat(wired, org, clock)
    await InboxState.select.fn(inbox, interaction.id)
    async with wired.transaction() as session:
        await interactions.add_customer_message(session, interaction_id=interaction.id, body="Hello?", clock=clock)
    await inbox._on_change({events.EVERYTHING})
    assert inbox.items[-1].body == "Hello?"  # shown, but a recovery read is not news
    assert inbox.announcement == ""

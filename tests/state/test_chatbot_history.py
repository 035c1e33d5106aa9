"""A chatbot transcript posted while an agent has that customer open joins the history on their screen at once:
the customer's topic is told, and the tab reads its whole window again."""

from __future__ import annotations

import json

from inbox_app.state.inbox import InboxState
from services import auth, chat, events
from services.chatbot import transcripts
from services.models import Customer, Organization
from tests.http.test_chatbot_transcripts import SECRET as BOT_SECRET, transcript
from tests.services.factories import make_agent, make_customer, make_org
from tests.state.support import SECRET, state_for


async def test_a_transcript_arriving_for_the_open_customer_shows_in_their_history(wired, clock):
    org = await make_org(wired)
    async with wired.transaction() as session:
        row = await session.get(Organization, org.id)
        row.chatbot_secret = BOT_SECRET
        session.add(row)
    customer = await make_customer(wired, org, external_id="ellen-smith")
    await make_agent(wired, "alice", [org])
    async with wired.transaction() as session:
        await chat.start_chat(session, organization=await session.get(Organization, org.id), secret_key=SECRET,
                              clock=clock, customer=await session.get(Customer, customer.id))
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    inbox = await state_for(InboxState, token)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, inbox.rows[0].interaction_id)
    assert inbox.profile.customer_id == customer.id
    assert not [item for item in (*inbox.earlier, *inbox.items) if item.kind == "chatbot"]

    body = json.dumps(transcript()).encode()
    async with events.collecting() as seen:
        received = await transcripts.receive(wired, body=body, signature=transcripts.signature_for(BOT_SECRET, body),
                                             clock=clock)
    assert received.result == transcripts.STORED and events.customer_topic(customer.id) in seen
    await inbox._on_change({events.customer_topic(customer.id)})
    [shown] = [item for item in (*inbox.earlier, *inbox.items) if item.kind == "chatbot"]
    assert shown.sentiment == "positive"

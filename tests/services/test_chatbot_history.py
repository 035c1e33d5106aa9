"""A chatbot transcript in a verified customer's history, at its place in time, and Wrap Up's suggestion."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import delete

from services import conversation, interactions
from services.chatbot import suggestion, transcripts
from services.demo_wrap_up import WRAP_UP
from services.models import Customer, Organization, WrapUpCategory
from tests.services.factories import make_customer, make_org

SECRET = "bot-secret"


async def _post(db, clock, org_slug: str, *, started, turns, conversation_id="c-1"):
    body = json.dumps({
        "organization": org_slug, "customer_external_id": "ellen-smith", "conversation_id": conversation_id,
        "started_at": started.isoformat(), "ended_at": (started + timedelta(minutes=5)).isoformat(),
        "turns": [{"author": author, "text": text, "at": (started + timedelta(minutes=n)).isoformat()}
                  for n, (author, text) in enumerate(turns)]}).encode()
    return await transcripts.receive(db, body=body, signature=transcripts.signature_for(SECRET, body), clock=clock)


async def _setup(db):
    org = await make_org(db)
    async with db.transaction() as session:
        row = await session.get(Organization, org.id)
        row.chatbot_secret = SECRET
        session.add(row)
    customer = await make_customer(db, org, external_id="ellen-smith")
    async with db.transaction() as session:  # the demo's pairs, with their descriptions and examples
        await session.exec(delete(WrapUpCategory))
        session.add_all([WrapUpCategory(organization_id=org.id, category=c.category, subcategory=c.subcategory,
                                        description=c.description, examples=c.examples)
                         for c in WRAP_UP])
    return org, customer


async def _chat(db, org, customer: Customer, clock, text: str):
    async with db.transaction() as session:
        chat = await interactions.open_interaction(session, organization_id=org.id, channel="chat", clock=clock,
                                                   customer=customer)
        await session.flush()
        interactions.append_customer_message(session, interaction=chat, body=text, at=clock())
    return chat


async def test_the_transcript_shows_in_the_next_chats_history_at_its_time(db, clock):
    org, ellen = await _setup(db)
    await _chat(db, org, ellen, clock, "Is the tote in stock?")  # left open: the transcript joins its case
    clock.advance(hours=1)
    received = await _post(db, clock, "sophias", started=clock() - timedelta(minutes=30), turns=[
        ("customer", "My scarf arrived torn, I want to return it"), ("bot", "I have emailed you a return label.")])
    assert received.result == "stored"
    clock.advance(minutes=10)
    now_chat = await _chat(db, org, ellen, clock, "Hello again")
    async with db.read() as session:
        page = await conversation.transcript_page(session, interaction=now_chat)
    kinds = [(item.kind, item.body) for item in page.items]
    assert kinds.index(("message", "Is the tote in stock?")) < [k for k, _ in kinds].index("chatbot") \
        < kinds.index(("message", "Hello again"))
    [bot] = [item for item in page.items if item.kind == "chatbot"]
    assert [(t.author, t.body) for t in bot.turns] == [
        ("customer", "My scarf arrived torn, I want to return it"), ("bot", "I have emailed you a return label.")]
    assert bot.body.startswith("Customer: My scarf arrived torn")
    assert bot.sentiment in ("positive", "neutral", "negative") and bot.category == "Order / Return"


async def test_wrap_up_suggests_only_when_confident(db, clock):
    org, ellen = await _setup(db)
    returns = await _chat(db, org, ellen, clock, "The boots don't fit, how do I send them back for a refund?")
    async with db.read() as session:
        choice = await suggestion.suggest(session, interaction=returns)
    assert (choice.category, choice.subcategory) == ("Order", "Return")
    marcus = await make_customer(db, org, first="Marcus", last="Lee", email="marcus@example.com", phone=None,
                                 external_id="marcus-lee")
    hello = await _chat(db, org, marcus, clock, "hello")
    async with db.read() as session:
        assert await suggestion.suggest(session, interaction=hello) is None

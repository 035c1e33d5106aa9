"""Staged inbound SMS and WhatsApp stored in batches: one transaction per batch, the MessageSid staged once, a
sender's messages in the order they came, a failing row isolated (retried, then given up where it shows), and
two claimers never storing the same row."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlmodel import select

from services import events, interactions
from services.channels import inbound, inbound_batch, inbound_loop
from services.db import Database
from services.models import AuditEvent, InboundMessage, Interaction, Message
from tests.fakes.twilio_api import inbound_fields
from tests.services.factories import make_org

SMS_NUMBER, ELLEN, MARCUS = "+15005550006", "+14155550100", "+14155550123"


async def _stage(db, clock, sid, *, from_=ELLEN, body="Hello"):
    return await inbound.stage(db, fields=inbound_fields(sid=sid, from_=from_, to=SMS_NUMBER, body=body),
                               clock=clock)


async def _all(db, model):
    async with db.read() as session:
        return list((await session.exec(select(model).order_by(model.id))).all())


@pytest.fixture
async def org(db):
    return await make_org(db, sms_number=SMS_NUMBER)


async def test_a_batch_stores_every_staged_message_in_one_commit(db, clock, org):
    for n, sender in enumerate([ELLEN, MARCUS, "+14155550199"]):
        assert await _stage(db, clock, f"SM{n}", from_=sender, body=f"Message {n}") == inbound.STAGED
    assert await _all(db, Message) == []  # staged only: the webhook's answer did not wait for the rest
    notices = []

    async def _heard(message):
        notices.append(message)

    events.bus().subscribe(_heard)
    done = await inbound_batch.process_pending(db, clock=clock)
    assert (done.claimed, done.deferred) == (3, 0)
    assert len(notices) == 1  # one commit, one notice naming the three interactions
    assert [m.body for m in await _all(db, Message)] == ["Message 0", "Message 1", "Message 2"]
    assert len(await _all(db, Interaction)) == 3
    staged = await _all(db, InboundMessage)
    assert {(row.status, row.outcome) for row in staged} == {("done", "stored")}
    assert [row.message_id for row in staged] == [m.id for m in await _all(db, Message)]


async def test_a_batch_takes_at_most_its_limit_oldest_first(db, clock, org):
    for n in range(5):
        await _stage(db, clock, f"SM{n}", from_=f"+1415555010{n}")
    assert (await inbound_batch.process_pending(db, clock=clock, limit=2)).claimed == 2
    assert [row.status for row in await _all(db, InboundMessage)] == ["done"] * 2 + ["pending"] * 3


async def test_a_message_sid_is_staged_once_before_and_after_it_is_stored(db, clock, org):
    assert await _stage(db, clock, "SMdup") == inbound.STAGED
    assert await _stage(db, clock, "SMdup") == inbound.DUPLICATE  # Twilio's retry, before the loop ran
    await inbound_batch.process_pending(db, clock=clock)
    assert await _stage(db, clock, "SMdup") == inbound.DUPLICATE  # and after
    assert len(await _all(db, InboundMessage)) == 1 and len(await _all(db, Message)) == 1


async def test_a_row_staged_again_after_its_message_was_stored_is_a_duplicate(db, clock, org):
    """Messages stored before staging existed carry their MessageSid too: a late retry stores nothing new."""
    await _stage(db, clock, "SMold")
    await inbound_batch.process_pending(db, clock=clock)
    async with db.transaction() as session:
        (await session.exec(select(InboundMessage))).one().message_sid = "SMgone"
    await _stage(db, clock, "SMold")
    await inbound_batch.process_pending(db, clock=clock)
    assert [row.outcome for row in await _all(db, InboundMessage)] == ["stored", "duplicate"]
    assert len(await _all(db, Message)) == 1


async def test_two_messages_of_one_number_in_one_batch_keep_their_order_and_join_one_interaction(db, clock, org):
    await _stage(db, clock, "SM1", body="First.")
    clock.advance(seconds=1)
    await _stage(db, clock, "SM2", body="Second.")
    await _stage(db, clock, "SM3", from_=MARCUS, body="Other.")
    assert (await inbound_batch.process_pending(db, clock=clock)).claimed == 3
    ellen, marcus = await _all(db, Interaction)
    messages = await _all(db, Message)
    assert [(m.body, m.interaction_id) for m in messages] == [("First.", ellen.id), ("Second.", ellen.id),
                                                              ("Other.", marcus.id)]
    assert ellen.last_text == "Second." and ellen.given_phone == ELLEN and not ellen.verified
    await _stage(db, clock, "SM4", body="Third, later.")
    await inbound_batch.process_pending(db, clock=clock)
    assert (await _all(db, Message))[-1].interaction_id == ellen.id and len(await _all(db, Interaction)) == 2


async def test_a_message_keeps_the_time_it_came_not_the_time_it_was_stored(db, clock, org):
    """The WhatsApp window counts from the customer's message, so a backlog must not move it."""
    came = clock()
    await _stage(db, clock, "SM1")
    clock.advance(seconds=40)
    await inbound_batch.process_pending(db, clock=clock)
    [message] = await _all(db, Message)
    [interaction] = await _all(db, Interaction)
    assert message.created_at == came and interaction.last_activity_at == came
    assert (await _all(db, InboundMessage))[0].processed_at == clock()


async def test_an_sms_and_a_whatsapp_of_one_contact_in_one_batch_share_one_new_case(db, clock):
    await make_org(db, sms_number=SMS_NUMBER, whatsapp_number="+14155238886")
    await _stage(db, clock, "SM1")
    await inbound.stage(db, fields=inbound_fields(sid="SM2", from_=f"whatsapp:{ELLEN}", to="whatsapp:+14155238886",
                                                  body="Hi"), clock=clock)
    await inbound_batch.process_pending(db, clock=clock)
    sms, whatsapp = await _all(db, Interaction)
    assert sms.case_id == whatsapp.case_id and (sms.joined_open_case, whatsapp.joined_open_case) == (False, True)


@pytest.fixture
def boom(monkeypatch):
    """Storing a message whose body is "boom" fails, as a bug or a broken row would."""
    real = interactions.append_customer_message

    def append(session, *, interaction, body, at, provider_id=None):
        if body == "boom":
            raise RuntimeError("this row cannot be stored")
        return real(session, interaction=interaction, body=body, at=at, provider_id=provider_id)

    monkeypatch.setattr(interactions, "append_customer_message", append)


async def test_a_row_that_fails_does_not_hold_up_its_batch_and_is_retried_then_given_up(db, clock, org, boom):
    await _stage(db, clock, "SM1", body="Fine.")
    await _stage(db, clock, "SMbad", from_=MARCUS, body="boom")
    await _stage(db, clock, "SM3", from_="+14155550199", body="Also fine.")
    await inbound_batch.process_pending(db, clock=clock)
    assert [m.body for m in await _all(db, Message)] == ["Fine.", "Also fine."]
    bad = (await _all(db, InboundMessage))[1]
    assert (bad.status, bad.attempts, bad.next_attempt_at) == ("pending", 1, clock() + inbound_batch.BACKOFF[0])
    assert "this row cannot be stored" in bad.last_error
    assert (await inbound_batch.process_pending(db, clock=clock)).claimed == 0  # waits its turn
    for wait in inbound_batch.BACKOFF:
        clock.advance(seconds=wait.total_seconds())
        await inbound_batch.process_pending(db, clock=clock)
    bad = (await _all(db, InboundMessage))[1]
    assert (bad.status, bad.attempts) == ("failed", inbound_batch.MAX_ATTEMPTS)
    [trace] = [e for e in await _all(db, AuditEvent) if e.kind == "inbound.failed"]
    assert trace.subject == "inbound:SMbad" and "cannot be stored" in trace.detail
    clock.advance(days=1)
    assert (await inbound_batch.process_pending(db, clock=clock)).claimed == 0  # given up: never again


async def _drain(database, clock):
    """One worker's loop, until nothing is left."""
    while True:
        done = await inbound_batch.process_pending(database, clock=clock, limit=7)
        if done.claimed == 0 and done.deferred == 0:
            return
        if done.deferred:
            await asyncio.sleep(0.01)


async def test_two_claimers_never_store_one_row_twice_and_keep_each_senders_order(db, clock, org, monkeypatch):
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer and runs one worker")
    senders = [f"+1415555{n:04d}" for n in range(12)]
    for n in range(60):
        await _stage(db, clock, f"SM{n:03d}", from_=senders[n % len(senders)], body=f"{n}")
    held: set[int] = set()  # rows a pass holds right now
    both_held: list[int] = []
    claimers: Counter = Counter()
    real_claim, real_process = inbound_batch._claim, inbound_batch._process

    async def claim(session, *, now, limit, ids=None):
        rows = await real_claim(session, now=now, limit=limit, ids=ids)
        both_held.extend(held & {row.id for row in rows})
        held.update(row.id for row in rows)
        claimers[id(session.bind)] += len(rows)
        return rows

    async def process(session, claimed, **kwargs):
        try:
            return await real_process(session, claimed, **kwargs)
        finally:
            held.difference_update(row.id for row in claimed)

    monkeypatch.setattr(inbound_batch, "_claim", claim)
    monkeypatch.setattr(inbound_batch, "_process", process)
    other = Database(db.url)  # a second engine: a second worker's connections
    try:
        await asyncio.gather(_drain(db, clock), _drain(other, clock))
    finally:
        await other.dispose()
    assert len(claimers) == 2, "both workers claimed rows"
    assert both_held == []  # no row was ever held by both
    messages = await _all(db, Message)
    assert Counter(m.provider_id for m in messages) == Counter(f"SM{n:03d}" for n in range(60))
    by_interaction: dict[int, list[int]] = {}
    for message in messages:
        by_interaction.setdefault(message.interaction_id, []).append(int(message.body))
    assert len(by_interaction) == len(senders)  # one interaction per sender
    assert all(bodies == sorted(bodies) for bodies in by_interaction.values())  # in the order they came
    assert {row.status for row in await _all(db, InboundMessage)} == {"done"}


async def test_a_message_waits_while_an_older_one_of_its_sender_is_held_by_another_pass(db, clock, org):
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer and runs one worker")
    await _stage(db, clock, "SM1", body="First.")
    await _stage(db, clock, "SM2", body="Second.")
    other = Database(db.url)
    try:
        async with other.transaction() as session:  # another worker's pass holds the older message
            held = await inbound_batch._claim(session, now=clock(), limit=1)
            waiting = await inbound_batch.process_pending(db, clock=clock)
            assert (waiting.claimed, waiting.deferred) == (1, 1)
            assert await _all(db, Message) == []
            await inbound_batch._process(session, held, clock=clock)
    finally:
        await other.dispose()
    assert (await inbound_batch.process_pending(db, clock=clock)).claimed == 1
    assert [m.body for m in await _all(db, Message)] == ["First.", "Second."]
    assert len(await _all(db, Interaction)) == 1


async def test_stored_rows_are_forgotten_after_a_week_and_a_late_retry_still_stores_nothing(db, clock, org, boom):
    await _stage(db, clock, "SMold")
    await _stage(db, clock, "SMbad", from_=MARCUS, body="boom")
    await inbound_batch.process_pending(db, clock=clock)
    clock.advance(days=8)
    assert await inbound_loop.forget_stored(db, before=clock() - inbound_loop.KEPT) == 1
    assert [row.message_sid for row in await _all(db, InboundMessage)] == ["SMbad"]  # a failing row stays
    assert await _stage(db, clock, "SMold") == inbound.STAGED
    await inbound_batch.process_pending(db, clock=clock)
    assert len(await _all(db, Message)) == 1
    assert (await _all(db, InboundMessage))[-1].outcome == "duplicate"


async def _stored_count(db) -> int:
    return len(await _all(db, Message))


async def test_the_loop_stores_what_was_staged_before_it_started_and_what_the_webhook_wakes_it_for(db, clock, org):
    await _stage(db, clock, "SM1")
    loop = asyncio.create_task(inbound_loop.run_inbound_loop(db, clock=clock, interval=3600, gather=0))
    try:
        async with asyncio.timeout(10):
            while await _stored_count(db) < 1:
                await asyncio.sleep(0.02)
            await _stage(db, clock, "SM2", from_=MARCUS)
            inbound_loop.wake()  # without it, the next look would be an hour away
            while await _stored_count(db) < 2:
                await asyncio.sleep(0.02)
    finally:
        loop.cancel()
    assert len(await _all(db, Interaction)) == 2

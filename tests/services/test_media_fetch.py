"""Media customers send by SMS or WhatsApp: queued by the webhook as job rows, fetched afterwards from Twilio's
stand-in over real HTTP (credentials to Twilio's host only, never to the CDN it redirects to), stored by the
attachment rules, retried with a growing wait, and sent files going out as signed links."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services import conversation, interactions, outbox
from services.attachments import access, composer, staging
from services.channels import inbound, media_fetch
from services.config import load_settings
from services.models import Attachment, Interaction, MediaFetch, Message
from tests import files
from tests.fakes.twilio_api import TwilioStandIn, inbound_fields
from tests.services.factories import make_agent, make_org

SMS_NUMBER, WA_NUMBER, ELLEN = "+15005550006", "+14155238886", "+14155550100"


@pytest.fixture
def twilio():
    stand_in = TwilioStandIn(account_sid="ACmedia", auth_token="media-token").start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def settings(twilio, tmp_path):
    return load_settings({"INBOX_SECRET_KEY": "k", "TWILIO_ACCOUNT_SID": twilio.account_sid,
                          "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_API_BASE": twilio.base_url,
                          "TWILIO_SMS_FROM": SMS_NUMBER, "PUBLIC_BASE_URL": "https://inbox.example.com",
                          "ATTACHMENTS_DIR": str(tmp_path / "attachments")})


async def _scene(db):
    org = await make_org(db, sms_number=SMS_NUMBER, whatsapp_number=WA_NUMBER)
    return org, await make_agent(db, "alice", [org])


async def _receive(db, clock, settings, urls, sid="SM1", body="", channel=""):
    fields = inbound_fields(sid=sid, from_=channel + ELLEN, to=channel + (WA_NUMBER if channel else SMS_NUMBER),
                            body=body, NumMedia=str(len(urls)),
                            **{f"MediaUrl{n}": url for n, url in enumerate(urls)})
    return await inbound.receive(db, fields=fields, clock=clock, settings=settings)


async def _all(db, model):
    async with db.read() as session:
        return list((await session.exec(select(model).order_by(model.id))).all())


async def test_the_webhook_queues_the_media_and_the_loop_fetches_it_through_the_redirect(db, clock, settings, twilio):
    _, alice = await _scene(db)
    url = twilio.add_media(files.jpg((800, 600)), "image/jpeg")
    await _receive(db, clock, settings, [url])
    [message] = await _all(db, Message)
    assert message.delivery_status == "receiving" and twilio.media_fetches == 0  # nothing fetched in the webhook
    [interaction] = await _all(db, Interaction)
    assert interaction.last_text == "Attachment arriving"

    assert await media_fetch.fetch_pending(db, settings, clock=clock, root=settings.attachments_dir) == 1
    assert twilio.media_fetches == 1 and twilio.credentials_leaked == 0
    [message] = await _all(db, Message)
    assert (message.delivery_status, message.attachment_count) == ("received", 1)
    [job] = await _all(db, MediaFetch)
    assert job.status == "done"
    async with db.read() as session:
        items = await conversation.transcript(session, interaction=await session.get(Interaction, interaction.id))
        fresh = await session.get(Interaction, interaction.id)
    [link] = items[-1].attachments
    assert (link.filename, link.kind, link.thumbnail_width) == ("media-1.jpg", "jpg", 320)
    assert fresh.last_text == "Attachment: media-1.jpg"
    assert await media_fetch.fetch_pending(db, settings, clock=clock, root=settings.attachments_dir) == 0


async def test_media_not_on_twilios_host_is_never_fetched(db, clock, settings, twilio):
    await _scene(db)
    await _receive(db, clock, settings, ["https://attacker.example/payload.png"], body="hi")
    assert await _all(db, MediaFetch) == []
    [message] = await _all(db, Message)
    assert message.delivery_status == "received"


async def test_a_refused_file_leaves_a_note_for_the_agent_and_stores_nothing(db, clock, settings, twilio):
    await _scene(db)
    await _receive(db, clock, settings, [twilio.add_media(files.program(), "image/png")], body="see")
    await media_fetch.fetch_pending(db, settings, clock=clock, root=settings.attachments_dir)
    assert await _all(db, Attachment) == []
    customer, note = await _all(db, Message)
    assert customer.delivery_status == "received"
    assert note.internal and "not a file type we accept" in note.body


async def test_a_gif_is_refused_on_whatsapp(db, clock, settings, twilio):
    await _scene(db)
    await _receive(db, clock, settings, [twilio.add_media(files.gif(), "image/gif")], channel="whatsapp:")
    await media_fetch.fetch_pending(db, settings, clock=clock, root=settings.attachments_dir)
    _, note = await _all(db, Message)
    assert "GIF" in note.body and await _all(db, Attachment) == []


async def test_a_failed_fetch_waits_longer_each_time_then_gives_up_with_a_note(db, clock, settings, twilio):
    await _scene(db)
    missing = f"{twilio.base_url}/2010-04-01/Accounts/{twilio.account_sid}/Messages/MM1/Media/MEgone"
    await _receive(db, clock, settings, [missing], body="photo")
    waits = []
    for attempt in range(media_fetch.MAX_ATTEMPTS):
        assert await media_fetch.fetch_pending(db, settings, clock=clock, root=settings.attachments_dir) == 1
        [job] = await _all(db, MediaFetch)
        if job.next_attempt_at:
            assert await media_fetch.fetch_pending(db, settings, clock=clock, root=settings.attachments_dir) == 0
            waits.append(job.next_attempt_at - clock())
            clock.advance(seconds=waits[-1].total_seconds())
    assert waits == media_fetch.BACKOFF
    assert (job.status, job.attempts) == ("failed", media_fetch.MAX_ATTEMPTS) and "HTTP 404" in job.last_error
    customer, note = await _all(db, Message)
    assert customer.delivery_status == "received" and "could not be fetched" in note.body


async def test_the_fetch_stops_at_the_size_limit(settings, twilio):
    url = twilio.add_media(b"x" * 5000, "image/png")
    fetched = await media_fetch.fetch(url, settings, 1000)
    assert fetched.too_large and len(fetched.data) == 1001


async def test_files_sent_by_sms_go_to_twilio_as_signed_links(db, clock, settings, twilio):
    _, alice = await _scene(db)
    await _receive(db, clock, settings, [], body="Can you send the label?")
    [interaction] = await _all(db, Interaction)
    async with db.transaction() as session:
        await composer.agent_attach(session, identity=alice, interaction_id=interaction.id, via="",
                                    uploads=[staging.Upload("label.pdf", files.pdf())],
                                    root=settings.attachments_dir, clock=clock)
        await interactions.send_agent_message(session, identity=alice, interaction_id=interaction.id, body="Here",
                                              clock=clock)
    await outbox.deliver_pending(db, settings, clock=clock)
    [sent] = twilio.messages
    [link] = sent["MediaUrl"]
    [attachment] = await _all(db, Attachment)
    assert link.startswith(f"https://inbox.example.com/attachments/{attachment.id}/label.pdf?expires=")
    expires, signature = link.split("expires=")[1].split("&signature=")
    assert access.signature_holds(settings.secret_key, attachment_id=attachment.id, variant="file", expires=expires,
                                  signature=signature, now=clock())
    assert sent["Body"] == "Here"


async def test_a_job_that_breaks_unexpectedly_is_rescheduled_without_holding_up_the_others(db, clock, settings,
                                                                                           twilio):
    await _scene(db)
    urls = [twilio.add_media(files.png((8, 8)), "image/png"), twilio.add_media(files.png((9, 9)), "image/png")]
    await _receive(db, clock, settings, urls, body="two")

    async def breaks_on_the_first(url, settings_, limit):
        if url == urls[0]:
            raise OSError("No space left on device")
        return await media_fetch.fetch(url, settings_, limit)

    assert await media_fetch.fetch_pending(db, settings, clock=clock, root=settings.attachments_dir,
                                           fetcher=breaks_on_the_first) == 2
    first, second = await _all(db, MediaFetch)
    assert (first.status, second.status) == ("pending", "done") and "No space left" in first.last_error
    [message] = await _all(db, Message)
    assert (message.delivery_status, message.attachment_count) == ("receiving", 1)


async def test_a_job_whose_worker_died_every_time_is_given_up(db, clock, settings, twilio):
    await _scene(db)
    await _receive(db, clock, settings, [twilio.add_media(files.png(), "image/png")], body="pic")
    for _ in range(media_fetch.MAX_ATTEMPTS):  # claimed, then the worker dies: the lease runs out
        assert len(await media_fetch._claim(db, clock=clock, limit=10)) == 1
        clock.advance(seconds=media_fetch.CLAIM_LEASE.total_seconds() + 1)
    assert await media_fetch._claim(db, clock=clock, limit=10) == []
    [job] = await _all(db, MediaFetch)
    assert (job.status, job.attempts) == ("failed", media_fetch.MAX_ATTEMPTS)
    customer, note = await _all(db, Message)
    assert customer.delivery_status == "received" and "could not be fetched" in note.body

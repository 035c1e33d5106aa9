"""Twilio's webhooks over HTTP, signed exactly as Twilio signs them (RequestValidator.compute_signature over
PUBLIC_BASE_URL + path and the form): forged, missing and replayed signatures, duplicate MessageSids,
out-of-order status callbacks."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from inbox_app import runtime
from services import interactions, outbox, routing
from services.config import load_settings
from services.channels import inbound_batch
from services.models import InboundMessage, Interaction, Message
from tests.fakes.twilio_api import TwilioStandIn, inbound_fields, signed
from tests.http.support import served
from tests.services.factories import make_agent, make_org
from tests.state.support import SECRET

PUBLIC = "https://inbox.example.com"  # where Twilio calls us: not the address the request arrives at
TOKEN, SMS_NUMBER, WA_NUMBER, ELLEN = "auth-token-1", "+15005550006", "+14155238886", "+14155550100"
MESSAGES, STATUS = "/webhooks/twilio/messages", "/webhooks/twilio/status"


@pytest.fixture
def twilio():
    stand_in = TwilioStandIn(auth_token=TOKEN).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def client(wired, monkeypatch, twilio):
    settings = load_settings({"INBOX_SECRET_KEY": SECRET, "DATABASE_URL": wired.url, "PUBLIC_BASE_URL": PUBLIC,
                              "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": TOKEN,
                              "TWILIO_API_BASE": twilio.base_url})
    monkeypatch.setattr(runtime, "settings", lambda: settings)
    org = await make_org(wired, sms_number=SMS_NUMBER, whatsapp_number=WA_NUMBER)
    await make_agent(wired, "alice", [org])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served()), base_url="http://10.0.0.5:8000") as http:
        yield http


async def _post(client, path, fields, *, token=TOKEN, url=None, signature=None, then_store=True, **headers):
    body, signed_headers = signed(token, url or PUBLIC + path, fields)
    if signature is not None:
        signed_headers["X-Twilio-Signature"] = signature
    if signature == "":
        del signed_headers["X-Twilio-Signature"]
    response = await client.post(path, content=body, headers={**signed_headers, **headers})
    if path == MESSAGES and then_store:  # what the inbound loop, woken by the webhook, does next
        await inbound_batch.process_pending(runtime.db(), clock=runtime.clock)
    return response


async def _staged(db):
    async with db.read() as session:
        return list((await session.exec(select(InboundMessage).order_by(InboundMessage.id))).all())


def _sms(sid="SM1", body="Where is my order?"):
    return inbound_fields(sid=sid, from_=ELLEN, to=SMS_NUMBER, body=body)


async def _messages(db):
    async with db.read() as session:
        return list((await session.exec(select(Message).order_by(Message.id))).all())


async def test_a_signed_sms_is_stored_and_answered_with_empty_twiml(client, wired):
    response = await _post(client, MESSAGES, _sms(), then_store=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.endswith("<Response></Response>")
    assert response.headers["x-content-type-options"] == "nosniff"  # the security headers wrap webhooks too
    assert "set-cookie" not in response.headers
    assert await _messages(wired) == []  # answered once staged: storing and routing come after
    [staged] = await _staged(wired)
    assert (staged.status, staged.message_sid, staged.body) == ("pending", "SM1", "Where is my order?")
    await inbound_batch.process_pending(wired, clock=runtime.clock)
    [message] = await _messages(wired)
    assert (message.body, message.provider_id) == ("Where is my order?", "SM1")
    async with wired.read() as session:
        assert (await session.exec(select(Interaction.state))).one() == "assigned"


async def test_a_retry_of_the_same_message_sid_is_answered_200_and_stored_once(client, wired):
    first = await _post(client, MESSAGES, _sms())
    replay = await _post(client, MESSAGES, _sms())
    assert first.status_code == replay.status_code == 200
    assert len(await _messages(wired)) == 1
    [staged] = await _staged(wired)  # the retry was not even staged
    assert (staged.status, staged.outcome) == ("done", "stored")


@pytest.mark.parametrize("forgery", ["wrong token", "missing", "garbage", "tampered body", "other url",
                                     "forwarded host"])
async def test_a_bad_or_missing_signature_is_403_and_stores_nothing(client, wired, forgery):
    fields = _sms()
    if forgery == "wrong token":
        response = await _post(client, MESSAGES, fields, token="not-our-token")
    elif forgery == "missing":
        response = await _post(client, MESSAGES, fields, signature="")
    elif forgery == "garbage":
        response = await _post(client, MESSAGES, fields, signature="bm90IGEgc2lnbmF0dXJl")
    elif forgery == "tampered body":
        body, headers = signed(TOKEN, PUBLIC + MESSAGES, fields)
        response = await client.post(MESSAGES, content=body.replace(b"order", b"refund"), headers=headers)
    elif forgery == "other url":  # signed for the address the request reached, not the public one
        response = await _post(client, MESSAGES, fields, url="http://10.0.0.5:8000" + MESSAGES)
    else:  # X-Forwarded-* are the caller's to choose and are never used to rebuild the signed URL
        response = await _post(client, MESSAGES, fields, url="https://evil.example" + MESSAGES,
                               **{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert response.status_code == 403
    assert await _messages(wired) == [] and await _staged(wired) == []
    async with wired.read() as session:
        assert (await session.exec(select(Interaction))).first() is None


async def test_without_an_auth_token_nothing_can_be_verified_so_nothing_is_accepted(client, wired, monkeypatch):
    settings = load_settings({"INBOX_SECRET_KEY": SECRET, "DATABASE_URL": wired.url, "PUBLIC_BASE_URL": PUBLIC})
    monkeypatch.setattr(runtime, "settings", lambda: settings)
    assert (await _post(client, MESSAGES, _sms())).status_code == 403
    assert await _messages(wired) == [] and await _staged(wired) == []


async def test_a_message_to_a_number_of_no_organization_is_accepted_and_not_stored(client, wired):
    fields = inbound_fields(sid="SMx", from_=ELLEN, to="+15550001111", body="hi")
    assert (await _post(client, MESSAGES, fields)).status_code == 200
    assert await _messages(wired) == []
    assert [(row.status, row.outcome) for row in await _staged(wired)] == [("done", "unknown-number")]


async def _agent_reply(db, clock, twilio):
    """The agent answers the SMS; the outbox sends it to the stand-in, with our status callback URL."""
    from services.auth import identity_for_user
    from services.models import User

    await routing.drain_queue(db, clock=clock)  # what the routing loop does once the webhook has committed
    async with db.read() as session:
        interaction = (await session.exec(select(Interaction))).one()
        agent = await identity_for_user(session, user_id=(await session.exec(select(User.id))).one())
    async with db.transaction() as session:
        reply = await interactions.send_agent_message(session, identity=agent, interaction_id=interaction.id,
                                                      body="It ships today.", clock=clock)
    await outbox.deliver_pending(db, runtime.settings(), clock=clock)
    [posted] = twilio.messages
    assert posted["StatusCallback"] == PUBLIC + STATUS
    return reply, posted


def _status(posted, status, error_code=""):
    fields = {"MessageSid": posted["sid"], "MessageStatus": status, "AccountSid": "ACtest", "To": ELLEN,
              "From": SMS_NUMBER}
    if error_code:
        fields["ErrorCode"] = error_code
    return fields


async def _status_of(db, message_id):
    async with db.read() as session:
        return (await session.get(Message, message_id)).delivery_status


async def test_status_callbacks_arriving_out_of_order_never_move_a_status_back(client, wired, clock, twilio):
    await _post(client, MESSAGES, _sms())
    reply, posted = await _agent_reply(wired, clock, twilio)
    assert await _status_of(wired, reply.id) == "sent"
    assert (await _post(client, STATUS, _status(posted, "delivered"))).status_code == 204
    assert await _status_of(wired, reply.id) == "delivered"
    assert (await _post(client, STATUS, _status(posted, "sent"))).status_code == 204  # late, ignored
    assert (await _post(client, STATUS, _status(posted, "queued"))).status_code == 204
    assert await _status_of(wired, reply.id) == "delivered"


async def test_a_forged_status_callback_is_403_and_changes_nothing(client, wired, clock, twilio):
    await _post(client, MESSAGES, _sms())
    reply, posted = await _agent_reply(wired, clock, twilio)
    assert (await _post(client, STATUS, _status(posted, "failed", "30007"), token="forged")).status_code == 403
    assert (await _post(client, STATUS, _status(posted, "failed", "30007"), signature="")).status_code == 403
    assert await _status_of(wired, reply.id) == "sent"


async def test_undelivered_carries_twilios_error_code(client, wired, clock, twilio):
    await _post(client, MESSAGES, _sms())
    reply, posted = await _agent_reply(wired, clock, twilio)
    await _post(client, STATUS, _status(posted, "undelivered", "30003"))
    async with wired.read() as session:
        message = await session.get(Message, reply.id)
    assert (message.delivery_status, message.failure_reason) == ("undelivered", "Not delivered (Twilio error 30003)")


async def test_the_whatsapp_window_opens_with_each_signed_inbound_message(client, wired, clock, twilio):
    """Free text within 24 hours of the customer's last WhatsApp message, a template after; a new message
    through the webhook opens the window again."""
    from services.auth import identity_for_user
    from services.channels import whatsapp_templates
    from services.errors import Refused
    from services.models import User, WhatsAppTemplate

    def whatsapp(sid, body):
        return inbound_fields(sid=sid, from_=f"whatsapp:{ELLEN}", to=f"whatsapp:{WA_NUMBER}", body=body)

    assert (await _post(client, MESSAGES, whatsapp("SMwa1", "Hello"))).status_code == 200
    await routing.drain_queue(wired, clock=clock)  # what the routing loop does once the webhook has committed
    async with wired.transaction() as session:
        interaction = (await session.exec(select(Interaction))).one()
        agent = await identity_for_user(session, user_id=(await session.exec(select(User.id))).one())
        template = WhatsAppTemplate(organization_id=interaction.organization_id, name="Follow-up",
                                    content_sid="HXfollow", body="Hi {{1}}, any news?")
        session.add(template)

    async def reply(body):
        async with wired.transaction() as session:
            await interactions.send_agent_message(session, identity=agent, interaction_id=interaction.id,
                                                  body=body, clock=clock)

    clock.advance(hours=24, seconds=1)
    with pytest.raises(Refused, match="24 hours"):
        await reply("Too late for free text.")
    async with wired.transaction() as session:
        await whatsapp_templates.send_template(session, identity=agent, interaction_id=interaction.id,
                                               template_id=template.id, values=["Ellen"], clock=clock)
    assert (await _post(client, MESSAGES, whatsapp("SMwa2", "Yes, still waiting"))).status_code == 200
    await reply("Thanks, looking now.")
    await outbox.deliver_pending(wired, runtime.settings(), clock=clock)
    # Sent side by side: the stand-in may take them in either order.
    first, second = sorted(twilio.messages, key=lambda posted: "ContentSid" not in posted)
    assert (first["ContentSid"], first["From"], first["To"]) == ("HXfollow", f"whatsapp:{WA_NUMBER}", f"whatsapp:{ELLEN}")
    assert second["Body"] == "Thanks, looking now." and "ContentSid" not in second


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_larger_than_any_twilio_form_is_refused_unread(client, wired, chunked):
    fields = inbound_fields(sid="SMbig", from_=ELLEN, to=SMS_NUMBER, body="x" * 70_000)
    body, headers = signed(TOKEN, PUBLIC + MESSAGES, fields)

    async def pieces():
        for start in range(0, len(body), 8192):
            yield body[start:start + 8192]

    response = await client.post(MESSAGES, content=pieces() if chunked else body, headers=headers)
    assert response.status_code == 413
    async with wired.read() as session:
        assert (await session.exec(select(Message))).all() == []

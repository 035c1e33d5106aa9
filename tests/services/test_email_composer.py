"""The email composer: To, Cc and Subject checked on the server, Reply via Email offered when an address is known,
and a formatted reply sent as multipart/alternative (HTML and the same text) with its Cc, to a real SMTP server."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services import chat, interactions, outbox
from services.channels import email_compose, reply_via
from services.channels.email_compose import EmailFields
from services.config import load_settings
from services.errors import Refused
from services.models import Interaction, Message, OutboundMessage
from tests.fakes.smtp import SmtpServer
from tests.services.factories import make_agent, make_org


def test_addresses_are_normalised_and_each_bad_one_is_named():
    fields = email_compose.checked(EmailFields(to="Pat@Example.COM", cc="lee@example.com; pat@example.com",
                                               subject="  Your order\r\nBcc: evil@example.com "))
    assert fields.to == "Pat@example.com" and fields.cc == "lee@example.com"  # Pat is in To already
    assert fields.subject == "Your order Bcc: evil@example.com"  # one line: no header of the sender's own
    for bad, message in ((EmailFields(to="pat@", subject="s"), "To: “pat@” is not"),
                         (EmailFields(to="pat@example.com", cc="a@b.c, nope", subject="s"), "Cc: “nope” is not"),
                         (EmailFields(to=" ", subject="s"), "To: enter"),
                         (EmailFields(to="pät@exämple.com", subject="s"), "To: “pät@exämple.com” is not"),
                         (EmailFields(to="pat@example.com", subject=" "), "Subject"),
                         (EmailFields(to=", ".join(f"p{n}@example.com" for n in range(11)), subject="s"), "at most")):
        with pytest.raises(Refused, match=message):
            email_compose.checked(bad)


async def _chat(db, clock, **contact):
    org = await make_org(db)
    agent = await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, first_name="Pat",
                                        last_name="Lee", **contact)
    return org, agent, started.interaction_id


async def test_reply_via_offers_email_once_an_address_is_known(db, clock):
    _, _, with_address = await _chat(db, clock, email="pat@example.com")
    async with db.read() as session:
        interaction = await session.get(Interaction, with_address)
        assert await reply_via.options(session, interaction=interaction, now=clock()) == ["chat", "email"]
        interaction.given_email = None
        assert await reply_via.options(session, interaction=interaction, now=clock()) == ["chat"]


async def test_a_formatted_email_reply_goes_with_cc_and_subject_as_html_and_text(db, clock):
    org, agent, interaction_id = await _chat(db, clock, email="pat@example.com")
    async with db.read() as session:
        defaults = await email_compose.defaults(session, await session.get(Interaction, interaction_id))
    assert defaults.to == "pat@example.com" and defaults.subject == f"Your {org.name} case [Case #{interaction_id}]"
    async with db.transaction() as session:
        message = await interactions.send_agent_message(
            session, identity=agent, interaction_id=interaction_id, via="email", from_editor=True, clock=clock,
            body="<b>Refund approved</b><ul><li>3 days</li></ul><script>x()</script>",
            email=EmailFields(to="pat@example.com", cc="lee@example.com", subject=defaults.subject))
    async with db.read() as session:
        row = (await session.exec(select(OutboundMessage).where(OutboundMessage.message_id == message.id))).one()
        stored = await session.get(Message, message.id)
    assert (row.recipient, row.cc, row.subject) == ("pat@example.com", "lee@example.com", defaults.subject)
    assert stored.via == "email" and "<script>" not in stored.body

    smtp = SmtpServer().start()
    try:
        settings = load_settings({"INBOX_SECRET_KEY": "k", "SMTP_FROM": "care@sophias.example",
                                  "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port)})
        assert await outbox.deliver_pending(db, settings, clock=clock) == 1
        sent = smtp.wait_for("pat@example.com")
    finally:
        smtp.stop()
    assert sent["Cc"] == "lee@example.com" and sent["Subject"] == defaults.subject
    assert sent.get_content_type() == "multipart/alternative"
    text, html = (part.get_payload(decode=True).decode() for part in sent.get_payload())
    assert "Refund approved" in text and "• 3 days" in text and "<" not in text
    assert "<b>Refund approved</b>" in html and "script" not in html


async def test_a_bad_address_is_refused_and_nothing_is_sent_or_stored(db, clock):
    _, agent, interaction_id = await _chat(db, clock, email="pat@example.com")
    with pytest.raises(Refused, match="Cc: “lee@” is not"):
        async with db.transaction() as session:
            await interactions.send_agent_message(session, identity=agent, interaction_id=interaction_id,
                                                  via="email", body="Hello", clock=clock,
                                                  email=EmailFields(to="pat@example.com", cc="lee@", subject="s"))
    async with db.read() as session:
        assert (await session.exec(select(OutboundMessage))).all() == []
        assert (await session.exec(select(Message).where(Message.author == "agent"))).all() == []

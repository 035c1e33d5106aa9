"""A customer's email as written: its HTML cleaned for a sandboxed page, remote pictures held back until the agent
asks, the whole text when it has no HTML, and only for an agent whose screens show the message. The message
itself says it has an original, and whether its sender failed authentication."""

from __future__ import annotations

import pytest

from services import chat, conversation, routing
from services.channels.email import original
from services.errors import NotFound
from services.models import EmailRecord, Interaction, Message
from tests.mail.messages import email
from tests.services.email_support import dovecot, email_org, poll, rows  # noqa: F401
from tests.services.factories import make_agent, make_org

NEWSLETTER = ('<table width="600" cellpadding="4"><tr><td style="color: #333; background-image: url(https://t.example/'
              'bg.png); position: fixed">Your <b>order</b> shipped</td></tr></table>'
              '<img src="https://tracker.example/open.gif" alt="pixel" width="1" onerror="x()">'
              '<img src="cid:logo@shop" alt="Shop logo"><img src="HTTP://cdn.example/Banner.png" alt="Banner">'
              '<form action="https://evil.example"><input name="card"></form><style>body{display:none}</style>')


def test_remote_pictures_lose_their_address_until_the_agent_asks_and_a_picture_inside_the_mail_is_dropped():
    held = original.clean(NEWSLETTER, images=False)
    assert held.remote_images == 2
    assert "tracker.example" not in held.html and "cdn.example" not in held.html and "cid:" not in held.html
    assert 'alt="pixel"' in held.html and 'alt="Shop logo"' in held.html  # the words stay where the pictures were
    shown = original.clean(NEWSLETTER, images=True)
    assert shown.remote_images == 0
    assert 'src="https://tracker.example/open.gif"' in shown.html and 'src="HTTP://cdn.example/Banner.png"' in shown.html


def test_a_picture_held_back_loses_its_address_however_it_is_written():
    sneaky = ('<img src="//evil.example/a.gif" alt="a"><img src=" https://evil.example/b.gif" alt="b">'
              '<img src="/attachments/1/c.png" alt="c"><img src=" CID:logo@shop" alt="d">'
              '<p style="background-color: url(https://evil.example/d.gif); color: red">x</p>')
    held = original.clean(sneaky, images=False)
    assert held.remote_images == 3 and "evil.example" not in held.html and "/attachments/" not in held.html
    assert "url(" not in held.html and "cid" not in held.html.lower()


def test_layout_survives_and_nothing_that_loads_runs_or_posts_does():
    cleaned = original.clean(NEWSLETTER).html
    assert '<table width="600" cellpadding="4">' in cleaned and "<b>order</b>" in cleaned
    assert "color:#333" in cleaned.replace(" ", "")
    for gone in ("background-image", "url(", "position", "onerror", "<form", "<input", "<style", "display:none"):
        assert gone not in cleaned


def test_the_page_says_how_many_pictures_wait():
    record = EmailRecord(rfc_message_id="<a@b>", subject="Shipped <soon>", html=NEWSLETTER, received_at=None)
    held = original.page(record, images=False)
    assert "2 remote pictures are not shown" in held and "Load remote images" in held
    assert "<title>Shipped &lt;soon&gt;</title>" in held and '<base target="_blank">' in held
    asked = original.page(record, images=True)
    assert "remote-images-blocked" not in asked and "tracker.example/open.gif" in asked


def test_a_mail_without_html_shows_all_its_text_inert():
    record = EmailRecord(rfc_message_id="<a@b>", full_text="Yes\n\n> <script>x()</script> earlier",
                         received_at=None)
    page = original.page(record, images=False)
    assert "<pre>Yes\n\n&gt; &lt;script&gt;x()&lt;/script&gt; earlier</pre>" in page
    assert "remote-images-blocked" not in page


def test_the_pages_policy_is_a_sandbox_with_no_script_and_pictures_only_when_asked():
    held, asked = original.content_security_policy(images=False), original.content_security_policy(images=True)
    for policy in (held, asked):
        assert policy.startswith(f"sandbox {original.FRAME_SANDBOX};") and "default-src 'none'" in policy
        assert "script-src" not in policy and "frame-ancestors 'self'" in policy and "allow-scripts" not in policy
        assert "allow-same-origin" not in policy
    assert "img-src data:;" in held + ";" and "img-src data: https: http:" in asked


async def test_an_inbound_message_has_its_original_for_the_agent_who_holds_it_only(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    other_org = await email_org(db, "janes", "Jane's")
    alice = await make_agent(db, "alice", [org])
    bob = await make_agent(db, "bob", [org], available=False)
    stranger = await make_agent(db, "carol", [other_org])
    dovecot.append(email(message_id="<news@example.com>", text="Shipped", html=NEWSLETTER))
    await poll(db, dovecot, clock, tmp_path)
    [interaction] = await rows(db, Interaction)
    async with db.transaction() as session:
        await routing.route(session, interaction_id=interaction.id, clock=clock)
    [message] = await rows(db, Message)
    assert (message.original_email, message.sender_unverified) == (True, False)
    async with db.read() as session:
        record = await original.for_agent(session, identity=alice, message_id=message.id)
        assert record.message_id == message.id and "tracker.example" in record.html  # kept; hidden when shown
        for nobody in (None, bob, stranger):
            with pytest.raises(NotFound):
                await original.for_agent(session, identity=nobody, message_id=message.id)
        with pytest.raises(NotFound):
            await original.for_agent(session, identity=alice, message_id=message.id + 100)


async def test_a_spoofed_replys_message_carries_the_warning_and_a_genuine_one_does_not(db, clock, dovecot, tmp_path):
    await email_org(db)
    dovecot.append(email(message_id="<first@example.com>", auth="dmarc=pass header.from=example.com"))
    dovecot.append(email(message_id="<spoof@evil.example>", in_reply_to="<first@example.com>",
                         auth="dmarc=fail header.from=example.com"))
    await poll(db, dovecot, clock, tmp_path)
    first, spoof = [m for m in await rows(db, Message) if m.author == "customer"]
    assert (first.sender_unverified, spoof.sender_unverified) == (False, True)
    assert first.original_email and spoof.original_email
    async with db.read() as session:
        spoofed = await session.get(Interaction, spoof.interaction_id)
        [item] = [i for i in await conversation.transcript(session, interaction=spoofed) if i.author == "customer"]
    assert (item.original, item.unverified_sender) == (f"/emails/{spoof.id}/original", True)


async def test_a_chat_message_has_no_original_to_open(db, clock):
    org = await make_org(db)
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, first_name="Ellen",
                                        last_name="Smith", email="ellen@example.com")
        await chat.send_in_chat(session, interaction_id=started.interaction_id, body="<b>hi</b>", clock=clock)
    async with db.read() as session:
        chatting = await session.get(Interaction, started.interaction_id)
        [item] = [i for i in await conversation.transcript(session, interaction=chatting) if i.author == "customer"]
    assert (item.body, item.original, item.unverified_sender) == ("<b>hi</b>", "", False)

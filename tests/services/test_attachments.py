"""Attachments: each channel's rules on the server, the kind decided by content, nothing stored on a refusal,
staged until Send, checked again against the channel the message goes by, and who may fetch them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from services import cases, chat, conversation, interactions
from services.attachments import access, composer, inspection, staging
from services.attachments.links import agent_link, customer_linker
from services.errors import NotFound, Refused
from services.models import Attachment, Interaction, Message, OutboundMessage
from tests import files
from tests.services.factories import make_agent, make_customer, make_org

SMS_NUMBER, WA_NUMBER = "+15005550006", "+14155238886"


@pytest.fixture
def root(tmp_path):
    return tmp_path / "attachments"


async def _chat(db, clock, agents=("alice",)):
    org = await make_org(db, sms_number=SMS_NUMBER, whatsapp_number=WA_NUMBER)
    team = [await make_agent(db, login, [org]) for login in agents]
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, first_name="Ellen",
                                        last_name="Smith", phone="+1 415 555 0100", email="")
        interaction = await session.get(Interaction, started.interaction_id)
    return org, team, interaction


async def _attach(db, agent, interaction, root, clock, *uploads, via=""):
    async with db.transaction() as session:
        await composer.agent_attach(session, identity=agent, interaction_id=interaction.id, via=via,
                                    uploads=[staging.Upload(name, data) for name, data in uploads], root=root,
                                    clock=clock)


async def _rows(db):
    async with db.read() as session:
        return list((await session.exec(select(Attachment).order_by(Attachment.id))).all())


def _stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- the kind, by content ---------------------------------------------------------------------------

@pytest.mark.parametrize("data, kind", [(files.png(), "png"), (files.jpg(), "jpg"), (files.gif(), "gif"),
                                        (files.pdf(), "pdf"), (files.text(), "txt"),
                                        ("Grüße, 注文".encode(), "txt")])
def test_the_kind_comes_from_the_bytes(data, kind):
    assert inspection.inspect(data).kind == kind


@pytest.mark.parametrize("data", [files.program(), files.html_page(), b"  <svg onload=alert(1)>", b"<p>hi</p>",
                                  b"\x00\x01binary", b"\xff\xfe\xfd not utf-8"])
def test_programs_pages_and_binary_are_no_kind_we_accept(data):
    assert inspection.inspect(data).kind is None


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    inspected = inspection.inspect(files.decompression_bomb())
    assert inspected.kind is None and "too many pixels" in inspected.problem


def test_a_truncated_picture_is_refused():
    data = files.png((300, 300))
    assert inspection.inspect(data[: len(data) // 2]).kind is None


def test_the_shown_name_keeps_the_senders_name_with_the_contents_extension():
    assert staging.display_name("C:\\Users\\pat\\photo.PNG", "jpg") == "photo.jpg"
    assert staging.display_name("../../etc/passwd", "txt") == "passwd.txt"
    assert staging.display_name('".png', "png") == "attachment.png"


# --- the rules, on staging --------------------------------------------------------------------------

async def test_a_picture_is_staged_with_a_thumbnail_and_only_its_uploader_sees_it(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    await _attach(db, alice, interaction, root, clock, ("receipt.png", files.png((1600, 1200))))
    [row] = await _rows(db)
    assert (row.message_id, row.kind, row.content_type, row.filename) == (None, "png", "image/png", "receipt.png")
    assert (row.thumbnail_width, row.thumbnail_height) == (320, 240)
    assert (root / row.storage_path).read_bytes() == files.png((1600, 1200))
    assert (root / row.thumbnail_path).stat().st_size < 20_000
    async with db.read() as session:
        [pending] = await composer.agent_pending(session, identity=alice, interaction_id=interaction.id)
    assert pending.href == f"/attachments/{row.id}/receipt.png" and pending.thumbnail_href.endswith("/thumbnail")


@pytest.mark.parametrize("uploads, named", [
    ([("p.png", files.png((8, 8)))] * 6, "5 files"),
    ([("big.pdf", files.pdf(pad_to=5 * files.MIB + 1))], "5 MB"),
    ([("setup.png", files.program())], "not a file type we accept"),
    ([("notes.txt", files.html_page())], "not a file type we accept"),
    ([("bomb.png", files.decompression_bomb())], "too many pixels"),
])
async def test_a_refused_choice_names_the_rule_and_stores_nothing(db, clock, root, uploads, named):
    _, (alice,), interaction = await _chat(db, clock)
    with pytest.raises(Refused, match=named):
        await _attach(db, alice, interaction, root, clock, *uploads)
    assert await _rows(db) == [] and _stored_files(root) == []


async def test_one_refused_file_refuses_the_whole_choice(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    with pytest.raises(Refused, match="setup.png"):
        await _attach(db, alice, interaction, root, clock, ("ok.png", files.png()), ("setup.png", files.program()))
    assert await _rows(db) == [] and _stored_files(root) == []


async def test_exactly_5_mib_is_accepted(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    await _attach(db, alice, interaction, root, clock, ("manual.pdf", files.pdf(pad_to=5 * files.MIB)))
    [row] = await _rows(db)
    assert row.size == 5 * 1024 * 1024


async def test_five_at_a_time_counts_the_files_already_staged(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    await _attach(db, alice, interaction, root, clock, *[("p.png", files.png((8, 8)))] * 4)
    with pytest.raises(Refused, match="5 files"):
        await _attach(db, alice, interaction, root, clock, ("a.txt", files.text()), ("b.txt", files.text()))
    assert len(await _rows(db)) == 4


@pytest.mark.parametrize("uploads, named", [
    ([("a.png", files.png((8, 8))), ("b.png", files.png((8, 8)))], "1 file"),
    ([("cat.gif", files.gif())], "GIF"),
    ([("notes.txt", files.text())], "TXT"),
])
async def test_whatsapp_takes_one_png_jpg_or_pdf(db, clock, root, uploads, named):
    _, (alice,), interaction = await _chat(db, clock)
    with pytest.raises(Refused, match=named):
        await _attach(db, alice, interaction, root, clock, *uploads, via="whatsapp")
    assert await _rows(db) == []


# --- sending ----------------------------------------------------------------------------------------

async def _send(db, agent, interaction, clock, body="", via=""):
    async with db.transaction() as session:
        return await interactions.send_agent_message(session, identity=agent, interaction_id=interaction.id,
                                                     body=body, clock=clock, via=via)


async def test_send_takes_the_staged_files_into_the_message_and_the_transcript(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    await _attach(db, alice, interaction, root, clock, ("photo.jpg", files.jpg()), ("invoice.pdf", files.pdf()))
    message = await _send(db, alice, interaction, clock)  # files alone are a message
    assert message.attachment_count == 2
    async with db.read() as session:
        items = await conversation.transcript(session, interaction=await session.get(Interaction, interaction.id))
        assert await composer.agent_pending(session, identity=alice, interaction_id=interaction.id) == []
        fresh = await session.get(Interaction, interaction.id)
    [item] = [i for i in items if i.author == "agent"]
    assert [(a.filename, bool(a.thumbnail_href)) for a in item.attachments] == [("photo.jpg", True),
                                                                               ("invoice.pdf", False)]
    assert fresh.last_text == "Attachment: photo.jpg, invoice.pdf"
    async with db.read() as session:
        details = await cases.case_details(session, identity=alice, interaction_id=interaction.id)
    assert [a.filename for a in details.attachments] == ["photo.jpg", "invoice.pdf"]  # sent ones, staged never


async def test_nothing_to_send_without_text_or_files(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    with pytest.raises(Refused, match="Type a message"):
        await _send(db, alice, interaction, clock)


async def test_files_staged_for_chat_are_checked_again_when_sent_by_whatsapp(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    await _attach(db, alice, interaction, root, clock, ("a.png", files.png()), ("b.png", files.png()))
    with pytest.raises(Refused, match="WhatsApp takes at most 1 file"):
        await _send(db, alice, interaction, clock, body="Here", via="whatsapp")
    async with db.read() as session:
        assert (await session.exec(select(Message).where(Message.author == "agent"))).all() == []
    assert all(row.message_id is None for row in await _rows(db))


async def test_files_sent_by_sms_go_in_the_outbox_message(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    await _attach(db, alice, interaction, root, clock, ("a.png", files.png()))
    message = await _send(db, alice, interaction, clock, body="The label", via="sms")
    async with db.read() as session:
        [outbound] = (await session.exec(select(OutboundMessage))).all()
    assert (outbound.message_id, outbound.channel, message.attachment_count) == (message.id, "sms", 1)


async def test_another_agent_can_neither_list_nor_remove_nor_send_my_staged_files(db, clock, root):
    _, (alice, bob), interaction = await _chat(db, clock, agents=("alice", "bob"))
    owner, other = (alice, bob) if interaction.assignee_id == alice.user_id else (bob, alice)
    await _attach(db, owner, interaction, root, clock, ("a.png", files.png()))
    [row] = await _rows(db)
    async with db.read() as session:
        assert await composer.agent_pending(session, identity=other, interaction_id=interaction.id) == []
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await composer.agent_remove(session, identity=other, interaction_id=interaction.id, attachment_id=row.id,
                                        root=root)
    with pytest.raises(NotFound):
        await _attach(db, other, interaction, root, clock, ("b.png", files.png()))
    assert [r.id for r in await _rows(db)] == [row.id] and (root / row.storage_path).exists()


async def test_removing_a_staged_file_deletes_it(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    await _attach(db, alice, interaction, root, clock, ("a.png", files.png()))
    [row] = await _rows(db)
    async with db.transaction() as session:
        await composer.agent_remove(session, identity=alice, interaction_id=interaction.id, attachment_id=row.id,
                                    root=root)
    assert await _rows(db) == [] and _stored_files(root) == []


async def test_the_customer_attaches_in_the_chat_and_the_agent_sees_it(db, clock, root):
    _, (alice,), interaction = await _chat(db, clock)
    async with db.transaction() as session:
        await composer.customer_attach(session, interaction_id=interaction.id, root=root, clock=clock,
                                       uploads=[staging.Upload("damage.jpg", files.jpg())])
    async with db.transaction() as session:
        await interactions.add_customer_message(session, interaction_id=interaction.id, body="See", clock=clock)
    async with db.read() as session:
        fresh = await session.get(Interaction, interaction.id)
        agent_items = await conversation.transcript(session, interaction=fresh)
        chat_items = await conversation.chat_transcript(session, interaction=fresh,
                                                        linker=customer_linker("k", clock()))
    [seen] = [i for i in agent_items if i.author == "customer"][-1].attachments
    [own] = [i for i in chat_items if i.author == "customer"][-1].attachments
    assert seen.href.startswith("/attachments/") and "signature=" not in seen.href
    assert "signature=" in own.href and "signature=" in own.thumbnail_href


# --- who may fetch ----------------------------------------------------------------------------------

async def test_only_agents_who_may_see_the_interaction_may_fetch(db, clock, root):
    org, (alice, bob), interaction = await _chat(db, clock, agents=("alice", "bob"))
    other_org = await make_org(db, "janes", "Jane's")
    carol = await make_agent(db, "carol", [other_org])
    owner, other = (alice, bob) if interaction.assignee_id == alice.user_id else (bob, alice)
    await _attach(db, owner, interaction, root, clock, ("a.png", files.png()))
    [staged_row] = await _rows(db)
    async with db.read() as session:
        assert await access.agent_may_see(session, identity=owner, attachment=staged_row)
        assert not await access.agent_may_see(session, identity=other, attachment=staged_row)
    await _send(db, owner, interaction, clock)
    [sent] = await _rows(db)
    async with db.read() as session:
        assert await access.agent_may_see(session, identity=owner, attachment=sent)
        assert not await access.agent_may_see(session, identity=other, attachment=sent)
        assert not await access.agent_may_see(session, identity=carol, attachment=sent)


def test_a_signed_link_holds_until_it_expires_and_only_for_its_file_and_variant(clock):
    expires = access.link_expiry(clock(), access.CHAT_LINK_LIFETIME)
    signed = access.signed_path("k", attachment_id=7, filename="a.png", variant="file", expires=expires)
    signature = signed.split("signature=")[1]

    def holds(attachment_id=7, variant="file", key="k", at=clock()):
        return access.signature_holds(key, attachment_id=attachment_id, variant=variant, expires=str(expires),
                                      signature=signature, now=at)

    assert holds()
    assert not holds(attachment_id=8)
    assert not holds(variant="thumbnail")
    assert not holds(key="other")
    assert not holds(at=clock() + access.CHAT_LINK_LIFETIME + timedelta(hours=2))
    assert expires - clock().timestamp() >= access.CHAT_LINK_LIFETIME.total_seconds()


async def test_staged_files_are_let_go_once_nobody_can_send_them(db, clock, root):
    _, (alice, bob), interaction = await _chat(db, clock, agents=("alice", "bob"))
    owner, other = (alice, bob) if interaction.assignee_id == alice.user_id else (bob, alice)
    await _attach(db, owner, interaction, root, clock, ("a.png", files.png()))
    clock.advance(days=30)
    assert await staging.discard_abandoned(db, root=root) == 0  # the interaction is open and still theirs
    await _send(db, owner, interaction, clock, body="sent")  # sent files are never let go
    await _attach(db, owner, interaction, root, clock, ("b.png", files.png()))
    async with db.transaction() as session:  # it bounced, or was transferred, to the other agent
        moved = await session.get(Interaction, interaction.id)
        moved.assignee_id = other.user_id
        session.add(moved)
    async with db.read() as session:  # nothing to send from an interaction that is not theirs any more
        assert await composer.agent_pending(session, identity=owner, interaction_id=interaction.id) == []
    assert await staging.discard_abandoned(db, root=root) == 1
    assert [row.filename for row in await _rows(db)] == ["a.png"]
    assert len(_stored_files(root)) == 2  # a.png and its thumbnail


async def test_a_customers_staged_files_go_when_the_chat_ends(db, clock, root):
    _, _, interaction = await _chat(db, clock)
    async with db.transaction() as session:
        await composer.customer_attach(session, interaction_id=interaction.id, root=root, clock=clock,
                                       uploads=[staging.Upload("a.txt", files.text())])
    async with db.transaction() as session:
        await chat.end_chat(session, interaction=await session.get(Interaction, interaction.id), clock=clock)
    assert await staging.discard_abandoned(db, root=root) == 1
    assert await _rows(db) == [] and _stored_files(root) == []


async def test_history_beside_a_held_interaction_shows_earlier_files_only(db, clock, root):
    org, (alice, bob), first = await _chat(db, clock, agents=("alice", "bob"))
    owner, other = (alice, bob) if first.assignee_id == alice.user_id else (bob, alice)
    customer = await make_customer(db, org)
    async with db.transaction() as session:
        for row in (await session.exec(select(Interaction))).all():
            row.verified, row.customer_id = True, customer.id
            session.add(row)
    await _attach(db, owner, first, root, clock, ("early.png", files.png()))
    await _send(db, owner, first, clock)
    clock.advance(hours=1)
    async with db.transaction() as session:  # the customer's next interaction, held by the other agent
        later = await interactions.open_interaction(session, organization_id=org.id, channel="chat", clock=clock,
                                                    first_name="Ellen", last_name="Smith", email="")
        later.verified, later.customer_id, later.assignee_id, later.state = True, customer.id, other.user_id, "assigned"
        session.add(later)
    await _attach(db, other, later, root, clock, ("late.png", files.png()))
    await _send(db, other, later, clock)
    early, late = await _rows(db)
    async with db.read() as session:
        assert await access.agent_may_see(session, identity=other, attachment=early)  # history beside theirs
        assert not await access.agent_may_see(session, identity=owner, attachment=late)  # later, not shown to them

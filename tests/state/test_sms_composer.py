"""The inbox with an SMS or WhatsApp conversation open: the segment count as the agent types, a status
callback reaching the open conversation, the WhatsApp window in the composer, and sending a template."""

from __future__ import annotations

from sqlmodel import select

from inbox_app.state.inbox import InboxState
from inbox_app.state.whatsapp_templates import WhatsAppTemplateState
from services import auth, events
from services.channels import delivery_status, inbound
from services.models import Interaction, Message, OutboundMessage, WhatsAppTemplate
from tests.fakes.twilio_api import inbound_fields
from tests.services.factories import make_agent, make_org
from tests.state.support import SECRET, state_for

SMS_NUMBER, WA_NUMBER, ELLEN = "+15005550006", "+14155238886", "+14155550100"


async def _open(db, clock, channel="sms", *, later_hours: int = 0):
    """The agent opens the conversation `later_hours` after the customer wrote (signing in then: a session
    lasts 12 hours, the WhatsApp window 24)."""
    org = await make_org(db, sms_number=SMS_NUMBER, whatsapp_number=WA_NUMBER)
    await make_agent(db, "alice", [org])
    prefix, to = ("whatsapp:", WA_NUMBER) if channel == "whatsapp" else ("", SMS_NUMBER)
    await inbound.receive(db, fields=inbound_fields(sid="SMin", from_=prefix + ELLEN, to=prefix + to, body="Hi."),
                          clock=clock)
    clock.advance(hours=later_hours)
    async with db.transaction() as session:
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
        interaction = (await session.exec(select(Interaction))).one()
    inbox = await state_for(InboxState, token)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, interaction.id)
    return org, inbox, interaction, token


async def test_the_sms_segment_count_follows_the_draft(wired, clock):
    _, inbox, _, _ = await _open(wired, clock)
    assert inbox.rows[0].channel == "sms" and inbox.customer_name == ELLEN
    InboxState.set_draft.fn(inbox, "a" * 161)
    assert inbox.sms_segments == "2 SMS segments (GSM-7)"
    InboxState.set_draft.fn(inbox, "Ça coûte 5 €")  # û is not GSM-7
    assert inbox.sms_segments == "1 SMS segment (UCS-2)"
    InboxState.set_draft.fn(inbox, "")
    assert inbox.sms_segments == ""


async def test_no_segment_count_for_whatsapp(wired, clock):
    _, inbox, _, _ = await _open(wired, clock, "whatsapp")
    InboxState.set_draft.fn(inbox, "a" * 161)
    assert inbox.sms_segments == ""


async def test_a_status_callback_reaches_the_open_conversation(wired, clock):
    _, inbox, interaction, _ = await _open(wired, clock)
    InboxState.set_draft.fn(inbox, "It ships today.")
    await InboxState.send.fn(inbox)
    async with wired.transaction() as session:  # what the delivery loop records once Twilio took it
        reply = (await session.exec(select(Message).where(Message.author == "agent"))).one()
        reply.delivery_status, reply.provider_id = "sent", "SMout"
        session.add(reply)
    await inbox._on_change({events.interaction_topic(interaction.id)})
    assert [i.delivery_status for i in inbox.items if i.author == "agent"] == ["sent"]
    async with wired.transaction() as session:
        await delivery_status.record(session, sid="SMout", status="delivered", at=clock())
    await inbox._on_change({events.interaction_topic(interaction.id)})
    assert [i.delivery_status for i in inbox.items if i.author == "agent"] == ["delivered"]


async def test_outside_the_whatsapp_window_the_composer_says_so_and_does_not_send(wired, clock):
    _, inbox, interaction, _ = await _open(wired, clock, "whatsapp", later_hours=23)
    assert inbox.whatsapp_window_open
    clock.advance(hours=1)
    await inbox._on_change({events.interaction_topic(interaction.id)})
    assert not inbox.whatsapp_window_open
    InboxState.set_draft.fn(inbox, "Are you still there?")
    await InboxState.send.fn(inbox)
    assert "24 hours" in inbox.notice and inbox.draft == "Are you still there?"
    async with wired.read() as session:
        assert (await session.exec(select(OutboundMessage))).first() is None


async def test_a_refused_send_shows_the_window_closed_even_without_a_push(wired, clock):
    _, inbox, _, _ = await _open(wired, clock, "whatsapp", later_hours=23)
    clock.advance(hours=2)  # the window ran out while the agent typed; no notice came
    InboxState.set_draft.fn(inbox, "Sorry for the wait.")
    await InboxState.send.fn(inbox)
    assert not inbox.whatsapp_window_open and "24 hours" in inbox.notice


async def test_a_template_is_chosen_filled_in_and_sent(wired, clock):
    org, inbox, interaction, token = await _open(wired, clock, "whatsapp", later_hours=48)
    async with wired.transaction() as session:
        session.add(WhatsAppTemplate(organization_id=org.id, name="Order update", content_sid="HX9",
                                     body="Your order {{1}} has shipped."))
    popup = await inbox.get_state(WhatsAppTemplateState)
    await WhatsAppTemplateState.open_templates.fn(popup)
    assert popup.template_open and [t.name for t in popup.templates] == ["Order update"]
    WhatsAppTemplateState.choose_template.fn(popup, "Not one of ours")
    assert popup.template_name == ""
    WhatsAppTemplateState.choose_template.fn(popup, "Order update")
    assert popup.template_placeholders == ["1"]
    await WhatsAppTemplateState.send_template.fn(popup)
    assert "Fill in every value" in popup.template_error
    WhatsAppTemplateState.set_template_value.fn(popup, 0, "SO-1042")
    await WhatsAppTemplateState.send_template.fn(popup)
    assert not popup.template_open and popup.template_error == ""
    async with wired.read() as session:
        row = (await session.exec(select(OutboundMessage))).one()
    assert (row.content_sid, row.body, row.recipient, row.sender) == ("HX9", "Your order SO-1042 has shipped.",
                                                                       ELLEN, WA_NUMBER)


async def _chat_with_a_phone(db, clock) -> tuple[InboxState, str]:
    """Ellen's chat, with the phone she gave, open in alice's inbox (Sophia's has an SMS number)."""
    from services import chat

    org = await make_org(db, sms_number=SMS_NUMBER)
    await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, first_name="Ellen",
                                        last_name="Smith", phone=ELLEN)
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    inbox = await state_for(InboxState, token)
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, started.interaction_id)
    return inbox, token


async def test_reply_via_sms_from_a_chat(wired, clock):
    inbox, token = await _chat_with_a_phone(wired, clock)
    assert (inbox.reply_options, inbox.reply_via) == (["chat", "sms"], "chat")
    InboxState.set_reply_via.fn(inbox, "whatsapp")  # not offered: ignored
    assert inbox.reply_via == "chat"
    InboxState.set_draft.fn(inbox, "a" * 161)
    assert inbox.sms_segments == ""  # a chat message has no segments
    InboxState.set_reply_via.fn(inbox, "sms")
    assert inbox.sms_segments == "2 SMS segments (GSM-7)"
    await InboxState.send.fn(inbox)
    async with wired.read() as session:
        row = (await session.exec(select(OutboundMessage))).one()
    assert (row.channel, row.recipient, row.sender) == ("sms", ELLEN, SMS_NUMBER)
    assert [i.via for i in inbox.items if i.author == "agent"] == ["sms"]


async def test_the_draft_loses_its_tags_when_reply_via_moves_to_sms_and_chat_sends_formatting(wired, clock):
    inbox, token = await _chat_with_a_phone(wired, clock)
    assert inbox.formatted_composer is True  # chat: Bold, Italic, Bulleted list

    InboxState.set_draft.fn(inbox, "<b>Refund</b> approved<ul><li>3 days</li></ul>")
    await InboxState.send.fn(inbox)
    [sent] = [item for item in inbox.items if item.author == "agent"]
    assert sent.html == "<b>Refund</b> approved<ul><li>3 days</li></ul>" and "<" not in sent.body

    InboxState.set_draft.fn(inbox, "<b>Tracking</b> a &lt; b")
    InboxState.set_reply_via.fn(inbox, "sms")
    assert inbox.formatted_composer is False and inbox.draft == "Tracking a < b"  # the plain-text preview
    InboxState.set_reply_via.fn(inbox, "chat")
    assert inbox.formatted_composer is True and inbox.draft == "Tracking a &lt; b"  # back as the editor's HTML

    # The formatted box types over the revision it was given; typing over a value the server has since
    # replaced (the switch above gave a new one) is dropped, never written over it.
    stale, current = inbox.draft_rev - 1, inbox.draft_rev
    InboxState.set_draft.fn(inbox, "typed over an older value", stale)
    assert inbox.draft == "Tracking a &lt; b"
    InboxState.set_draft.fn(inbox, "Tracking a &lt; b, today", current)
    assert inbox.draft == "Tracking a &lt; b, today" and inbox.draft_rev == current  # typing is no new revision
    await InboxState.send.fn(inbox)
    assert inbox.draft == "" and inbox.draft_rev == current + 1  # cleared by the server: the box takes it

    # Redis lost the tab's state: the rebuilt state counts from 0 while the box still holds its revision.
    rebuilt = await state_for(InboxState, token)
    await InboxState.on_load.fn(rebuilt)
    await InboxState.select.fn(rebuilt, inbox.selected_id)
    InboxState.set_draft.fn(rebuilt, "typed after the rebuild", current + 1)
    assert rebuilt.draft == "typed after the rebuild" and rebuilt.draft_rev == current + 1

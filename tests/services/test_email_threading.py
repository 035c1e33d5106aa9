"""Threading an inbound email onto its case: by our signed reply token, by In-Reply-To / References, by the case
tag in the subject; a spoofed reply arrives apart, unverified and warned about; auto-replies open nothing."""

from __future__ import annotations

from datetime import timedelta

from services import interactions, routing
from services.channels.email import tokens
from services.channels.email.threading import case_tag
from services.models import Case, EmailRecord, Interaction, Message, OutboundMessage
from tests.mail.messages import email
from tests.services.factories import make_agent
from tests.services.email_support import SECRET, dovecot, email_org, poll, rows  # noqa: F401

PASS = "dmarc=pass header.from=example.com"


async def _first(db, clock, dovecot, tmp_path, org):
    dovecot.append(email(message_id="<first@example.com>"))
    await poll(db, dovecot, clock, tmp_path)
    [interaction] = await rows(db, Interaction)
    return interaction


async def _close(db, interaction):
    async with db.transaction() as session:
        row = await session.get(Interaction, interaction.id)
        case = await session.get(Case, row.case_id)
        row.state, case.status = "closed", "closed"
        session.add_all([row, case])


async def test_a_reply_to_our_signed_address_joins_its_interaction(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    first = await _first(db, clock, dovecot, tmp_path, org)
    to = tokens.reply_address(SECRET, org.inbound_email, first.id)
    dovecot.append(email(message_id="<second@example.com>", to=to, subject="Re: hello", text="Thanks"))
    await poll(db, dovecot, clock, tmp_path)
    assert len(await rows(db, Interaction)) == 1
    assert [m.interaction_id for m in await rows(db, Message)] == [first.id, first.id]
    assert (await rows(db, EmailRecord))[1].outcome == "threaded"


async def test_a_forged_token_threads_nothing(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    first = await _first(db, clock, dovecot, tmp_path, org)
    await _close(db, first)
    dovecot.append(email(message_id="<second@example.com>", to=f"care+i{first.id}.0000000000000000@sophias.example"))
    await poll(db, dovecot, clock, tmp_path)
    second = (await rows(db, Interaction))[1]
    assert second.case_id != first.case_id and (await rows(db, EmailRecord))[1].outcome == "stored"


async def test_a_reply_by_in_reply_to_with_a_dmarc_pass_reopens_the_closed_case(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    first = await _first(db, clock, dovecot, tmp_path, org)
    await _close(db, first)
    dovecot.append(email(message_id="<second@example.com>", in_reply_to="<first@example.com>", auth=PASS))
    await poll(db, dovecot, clock, tmp_path)
    [_, second] = await rows(db, Interaction)
    assert second.case_id == first.case_id and not second.sender_unverified
    [case] = await rows(db, Case)
    assert case.status == "open"


async def test_a_reply_to_a_message_id_we_sent_joins_that_interaction(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    first = await _first(db, clock, dovecot, tmp_path, org)
    [message] = await rows(db, Message)
    async with db.transaction() as session:
        sent = OutboundMessage(organization_id=org.id, message_id=message.id, channel="email",
                               recipient="ellen.smith@example.com", body="Hello", created_at=clock())
        session.add(sent)
        await session.flush()
        ours = f"<outbound.{sent.id}.{clock():%Y%m%d%H%M%S}@agent-inbox.local>"
    dovecot.append(email(message_id="<second@example.com>", references=f"<other@x.example> {ours}",
                         auth="dkim=pass header.d=example.com"))
    await poll(db, dovecot, clock, tmp_path)
    assert [m.interaction_id for m in await rows(db, Message)] == [first.id, first.id]


async def test_a_case_tag_in_the_subject_threads_an_authenticated_contact(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    first = await _first(db, clock, dovecot, tmp_path, org)
    await _close(db, first)
    dovecot.append(email(message_id="<second@example.com>", subject=f"Still waiting {case_tag(first.case_id)}",
                         auth=PASS))
    await poll(db, dovecot, clock, tmp_path)
    assert (await rows(db, Interaction))[1].case_id == first.case_id


async def test_a_spoofed_reply_arrives_apart_unverified_never_reopening_the_case(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    agent = await make_agent(db, "alice", [org])
    first = await _first(db, clock, dovecot, tmp_path, org)
    await _close(db, first)
    # Claims the customer's address, but our server saw DMARC fail, and another server's "pass" is not trusted.
    dovecot.append(email(message_id="<spoof@evil.example>", in_reply_to="<first@example.com>",
                         auth="dmarc=fail header.from=example.com",
                         headers={"X-Note": "x", "Authentication-Results": "evil.example; dmarc=pass "
                                                                             "header.from=example.com"}))
    await poll(db, dovecot, clock, tmp_path)
    [_, spoof] = await rows(db, Interaction)
    async with db.transaction() as session:
        await routing.route(session, interaction_id=spoof.id, clock=clock)
    assert spoof.sender_unverified and spoof.case_id != first.case_id and not spoof.joined_open_case
    cases = await rows(db, Case)
    assert [case.status for case in cases] == ["closed", "open"]
    notes = [m.body for m in await rows(db, Message) if m.interaction_id == spoof.id and m.author == "system"]
    assert notes and "could not be verified" in notes[0]
    assert (await rows(db, EmailRecord))[1].outcome == "unverified"
    async with db.read() as session:
        [row] = await interactions.panel(session, identity=agent, tab="active", clock=clock)
    assert (row.interaction_id, row.sender_unverified) == (spoof.id, True)  # the panel's warning


async def test_a_reply_from_someone_who_is_not_a_contact_of_the_case_is_not_threaded(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    first = await _first(db, clock, dovecot, tmp_path, org)
    dovecot.append(email(message_id="<second@other.example>", from_="Mallory <m@other.example>",
                         in_reply_to="<first@example.com>", auth="dmarc=pass header.from=other.example"))
    await poll(db, dovecot, clock, tmp_path)
    [_, second] = await rows(db, Interaction)
    assert second.sender_unverified and second.case_id != first.case_id


async def test_auto_replies_open_no_interaction(db, clock, dovecot, tmp_path):
    await email_org(db)
    dovecot.append(email(message_id="<ooo@example.com>", headers={"Auto-Submitted": "auto-replied"}))
    dovecot.append(email(message_id="<bulk@example.com>", headers={"Precedence": "bulk"}))
    dovecot.append(email(message_id="<human@example.com>", headers={"Auto-Submitted": "no"}))
    assert await poll(db, dovecot, clock, tmp_path) == 3
    assert [r.outcome for r in await rows(db, EmailRecord)] == ["auto-reply", "auto-reply", "stored"]
    assert len(await rows(db, Interaction)) == 1


async def test_a_new_mail_from_the_same_sender_joins_their_open_email_interaction(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    first = await _first(db, clock, dovecot, tmp_path, org)
    clock.advance(minutes=5)
    dovecot.append(email(message_id="<again@example.com>", subject="Another question"))
    await poll(db, dovecot, clock, tmp_path)
    assert len(await rows(db, Interaction)) == 1
    [interaction] = await rows(db, Interaction)
    assert interaction.last_activity_at == first.last_activity_at + timedelta(minutes=5)

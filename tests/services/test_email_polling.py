"""Polling a real dovecot: each mail stored once, the cursor and lease in the database, \\Seen only after the
commit, a UIDVALIDITY change and a restart between fetch and commit lose and repeat nothing, and two workers
poll one at a time."""

from __future__ import annotations

import asyncio

import pytest

from services import routing
from services.channels.email import ingest, mailbox, poller
from services.models import EmailRecord, Interaction, MailboxCursor, Message
from tests.mail.messages import email
from tests.services.email_support import account, dovecot, email_org, poll, rows  # noqa: F401
from tests.services.factories import make_agent


async def test_a_mail_becomes_an_email_interaction_routed_by_email_capacity(db, clock, dovecot, tmp_path):
    org = await email_org(db)
    agent = await make_agent(db, "alice", [org])
    dovecot.append(email(message_id="<m1@example.com>"))
    assert await poll(db, dovecot, clock, tmp_path) == 1
    [interaction] = await rows(db, Interaction)
    assert (interaction.channel, interaction.organization_id, interaction.given_email) == (
        "email", org.id, "ellen.smith@example.com")
    assert (interaction.given_first_name, interaction.verified, interaction.sender_unverified) == ("Ellen", False,
                                                                                                 False)
    [message] = await rows(db, Message)
    assert (message.author, message.body) == ("customer", "Where is my order?\n\nWhere is my order?")
    [record] = await rows(db, EmailRecord)
    assert (record.rfc_message_id, record.outcome, record.message_id) == ("<m1@example.com>", "stored", message.id)
    [cursor] = await rows(db, MailboxCursor)
    assert cursor.last_uid == 1 and cursor.uidvalidity > 0
    assert dovecot.seen_flags() == [True]
    async with db.transaction() as session:
        await routing.route(session, interaction_id=interaction.id, clock=clock)
    [interaction] = await rows(db, Interaction)
    assert (interaction.state, interaction.assignee_id) == ("assigned", agent.user_id)


async def test_mail_to_an_address_no_organization_has_is_recorded_and_opens_nothing(db, clock, dovecot, tmp_path):
    await email_org(db)
    dovecot.append(email(message_id="<m1@example.com>", to="sales@elsewhere.example"))
    assert await poll(db, dovecot, clock, tmp_path) == 1
    assert await rows(db, Interaction) == []
    [record] = await rows(db, EmailRecord)
    assert record.outcome == "unknown-address"


async def test_the_same_message_id_twice_is_stored_once(db, clock, dovecot, tmp_path):
    await email_org(db)
    dovecot.append(email(message_id="<same@example.com>"))
    dovecot.append(email(message_id="<same@example.com>", text="a copy, delivered twice"))
    assert await poll(db, dovecot, clock, tmp_path) == 2
    assert len(await rows(db, Message)) == 1
    assert len(await rows(db, EmailRecord)) == 1
    assert dovecot.seen_flags() == [True, True]


async def test_a_later_pass_reads_only_new_mail(db, clock, dovecot, tmp_path):
    await email_org(db)
    dovecot.append(email(message_id="<m1@example.com>"))
    await poll(db, dovecot, clock, tmp_path)
    dovecot.append(email(message_id="<m2@example.com>", text="And another thing"))
    assert await poll(db, dovecot, clock, tmp_path) == 1
    assert await poll(db, dovecot, clock, tmp_path) == 0
    assert [m.body.split("\n\n")[1] for m in await rows(db, Message)] == ["Where is my order?", "And another thing"]


@pytest.mark.parametrize("group", [1, 3])
async def test_a_restart_between_fetch_and_commit_loses_and_repeats_nothing(db, clock, dovecot, tmp_path,
                                                                            monkeypatch, group):
    """Stored one mail per transaction or three together: what was committed stays, the rest comes again."""
    await email_org(db)
    for number in (1, 2, 3):
        dovecot.append(email(message_id=f"<m{number}@example.com>", text=f"mail {number}"))
    real_store, calls = ingest._store, []

    async def dies_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("the worker stopped after fetching, before committing")
        return await real_store(*args, **kwargs)

    monkeypatch.setattr(ingest, "_store", dies_on_the_second)
    with pytest.raises(SystemExit):
        await poll(db, dovecot, clock, tmp_path, owner="worker-a", group=group)
    assert dovecot.seen_flags() == [False, False, False]  # nothing flagged: not even a committed mail
    committed = 1 if group == 1 else 0
    assert (await rows(db, MailboxCursor))[0].last_uid == committed
    assert len(await rows(db, Message)) == committed
    monkeypatch.setattr(ingest, "_store", real_store)
    clock.advance(seconds=61)  # the dead worker's lease runs out; a restarted one takes over
    assert await poll(db, dovecot, clock, tmp_path, owner="worker-b", group=group) == 3 - committed
    assert [m.body.split("\n\n")[1] for m in await rows(db, Message)] == ["mail 1", "mail 2", "mail 3"]
    assert len(await rows(db, EmailRecord)) == 3


async def test_a_uidvalidity_change_reads_the_folder_again_without_repeating_mail(db, clock, dovecot, tmp_path):
    await email_org(db)
    dovecot.append(email(message_id="<m1@example.com>"))
    await poll(db, dovecot, clock, tmp_path)
    [before] = await rows(db, MailboxCursor)
    dovecot.recreate_folder()
    dovecot.append(email(message_id="<m2@example.com>", text="after the renumbering"))
    assert await poll(db, dovecot, clock, tmp_path) == 2  # both read again: m1 is known by its Message-ID
    [after] = await rows(db, MailboxCursor)
    assert after.uidvalidity != before.uidvalidity and after.last_uid == 2
    assert len(await rows(db, Message)) == 2 and len(await rows(db, EmailRecord)) == 2


async def test_two_workers_poll_one_at_a_time_and_the_second_takes_over_when_the_lease_runs_out(
        db, clock, dovecot, tmp_path):
    await email_org(db)
    for number in range(1, 6):
        dovecot.append(email(message_id=f"<m{number}@example.com>", text=f"mail {number}"))
    done = await asyncio.gather(poll(db, dovecot, clock, tmp_path, owner="worker-a"),
                                poll(db, dovecot, clock, tmp_path, owner="worker-b"))
    assert sorted(done) == [0, 5]
    assert len(await rows(db, Message)) == 5
    [cursor] = await rows(db, MailboxCursor)
    holder = cursor.lease_owner
    other = "worker-b" if holder == "worker-a" else "worker-a"
    dovecot.append(email(message_id="<m6@example.com>"))
    clock.advance(seconds=59)
    assert await poll(db, dovecot, clock, tmp_path, owner=other) == 0  # the holder's lease still runs
    clock.advance(seconds=2)
    assert await poll(db, dovecot, clock, tmp_path, owner=other) == 1  # within one lease period of silence
    assert (await rows(db, MailboxCursor))[0].lease_owner == other


async def test_a_worker_whose_lease_was_taken_over_cannot_move_the_cursor(db, clock, dovecot, tmp_path):
    await email_org(db)
    cursor = await poller.take_lease(db, account(dovecot).key, owner="worker-a", clock=clock,
                                     period=poller.lease_period(15))
    clock.advance(seconds=61)
    assert await poller.take_lease(db, cursor.mailbox, owner="worker-b", clock=clock,
                                   period=poller.lease_period(15)) is not None
    raw = email(message_id="<m1@example.com>").as_bytes()
    with pytest.raises(ingest.LeaseLost):
        await ingest.ingest(db, raw, clock=clock, root=tmp_path, secret_key="k",
                            position=ingest.Position(cursor.mailbox, 0, 1, "worker-a", clock()))
    assert await rows(db, Message) == []  # rolled back with the cursor's move: worker-b will store it


def test_no_imap_host_means_no_mailbox():
    from services.config import load_settings
    assert mailbox.Account.from_settings(load_settings({"INBOX_SECRET_KEY": "k"})) is None
    settings = load_settings({"INBOX_SECRET_KEY": "k", "IMAP_HOST": "imap.example", "IMAP_USERNAME": "care"})
    assert (settings.imap_port, settings.imap_ssl, settings.imap_folder, settings.imap_poll_seconds) == (
        993, True, "INBOX", 15)

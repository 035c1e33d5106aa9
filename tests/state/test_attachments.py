"""`Attach` in the inbox and the Live Chat, through the real handlers: files staged and listed, refused with
the rule named, removed, sent with the message (also without text); another agent's ids change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import reflex as rx
from sqlmodel import select

from inbox_app import runtime
from inbox_app.state.chat import ChatState
from inbox_app.state.inbox import InboxState
from services import auth, chat
from services.models import Attachment, Interaction, Message
from tests import files
from tests.services.factories import make_agent, make_org
from tests.state.support import SECRET, state_for


def _upload(name: str, data: bytes) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))


async def _signed_in(db, clock, login):
    async with db.transaction() as session:
        return (await auth.sign_in(session, login=login, password="pw", secret_key=SECRET, clock=clock)).token


async def _scene(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    await make_agent(db, "bob", [org], available=False)
    async with db.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key=SECRET, clock=clock,
                                        first_name="Ellen", last_name="Smith", email="ellen@example.com")
    inbox = await state_for(InboxState, await _signed_in(db, clock, "alice"))
    await InboxState.on_load.fn(inbox)
    await InboxState.select.fn(inbox, started.interaction_id)
    return org, inbox, started


async def _rows(db, model):
    async with db.read() as session:
        return list((await session.exec(select(model).order_by(model.id))).all())


async def test_attach_lists_the_files_and_send_takes_them_even_without_text(wired, clock):
    _, inbox, started = await _scene(wired, clock)
    await InboxState.attach.fn(inbox, [_upload("label.png", files.png()), _upload("notes.txt", files.text())])
    assert inbox.attachment_error == ""
    assert [p.filename for p in inbox.pending_attachments] == ["label.png", "notes.txt"]
    await InboxState.send.fn(inbox)
    assert inbox.pending_attachments == [] and inbox.notice == ""
    [sent] = [m for m in await _rows(wired, Message) if m.author == "agent"]
    assert (sent.body, sent.attachment_count) == ("", 2)
    [item] = [i for i in inbox.items if i.author == "agent"]
    assert [a.filename for a in item.attachments] == ["label.png", "notes.txt"]
    assert item.attachments[0].thumbnail_href == f"/attachments/{item.attachments[0].id}/thumbnail"


async def test_a_refused_file_names_the_rule_and_nothing_is_stored(wired, clock):
    _, inbox, _ = await _scene(wired, clock)
    await InboxState.attach.fn(inbox, [_upload("invoice.png", files.program())])
    assert "not a file type we accept" in inbox.attachment_error and inbox.pending_attachments == []
    await InboxState.attach.fn(inbox, [_upload("p.png", files.png((8, 8)))] * 6)
    assert "5 files" in inbox.attachment_error
    await InboxState.attach.fn(inbox, [_upload("big.pdf", files.pdf(pad_to=5 * files.MIB + 1))])
    assert "5 MB" in inbox.attachment_error
    assert await _rows(wired, Attachment) == []
    stored = runtime.settings().attachments_dir
    assert not stored.exists() or not any(path.is_file() for path in stored.rglob("*"))


async def test_the_browsers_refusals_are_told_in_the_rules_words(wired, clock):
    _, inbox, _ = await _scene(wired, clock)
    InboxState.attach_refused.fn(inbox, [{"name": "huge.pdf", "codes": ["file-too-large"]}])
    assert inbox.attachment_error == "huge.pdf is larger than 5 MB."
    InboxState.attach_refused.fn(inbox, [{"name": "a.png", "codes": ["too-many-files"]}])
    assert inbox.attachment_error == "Chat takes at most 5 files at a time."
    InboxState.attach_refused.fn(inbox, [{"name": "setup.exe", "codes": ["file-invalid-type"]}])
    assert inbox.attachment_error.startswith("setup.exe is not a file type we accept")


async def test_remove_takes_a_pending_file_away(wired, clock):
    _, inbox, _ = await _scene(wired, clock)
    await InboxState.attach.fn(inbox, [_upload("label.png", files.png())])
    await InboxState.remove_attachment.fn(inbox, inbox.pending_attachments[0].id)
    assert inbox.pending_attachments == [] and await _rows(wired, Attachment) == []


async def test_another_agents_remove_with_my_id_changes_nothing(wired, clock):
    _, inbox, started = await _scene(wired, clock)
    await InboxState.attach.fn(inbox, [_upload("label.png", files.png())])
    [mine] = await _rows(wired, Attachment)
    bob = await state_for(InboxState, await _signed_in(wired, clock, "bob"))
    await InboxState.on_load.fn(bob)
    bob.selected_id = started.interaction_id  # as a forged client would hold it
    await InboxState.remove_attachment.fn(bob, mine.id)
    await InboxState.attach.fn(bob, [_upload("x.png", files.png())])
    await InboxState.send.fn(bob)
    assert [row.id for row in await _rows(wired, Attachment)] == [mine.id]
    assert [m for m in await _rows(wired, Message) if m.author == "agent"] == []


async def test_the_customer_attaches_in_the_live_chat_with_signed_links(wired, clock):
    org, inbox, started = await _scene(wired, clock)
    customer = await state_for(ChatState)
    customer.org_slug = org.slug
    customer._interaction_id = started.interaction_id
    customer.chat_tokens = '{"%s": "%s"}' % (org.slug, started.token)
    await ChatState.attach.fn(customer, [_upload("damage.jpg", files.jpg())])
    [pending] = customer.pending
    assert "signature=" in pending.href and customer.attachment_error == ""
    await ChatState.attach.fn(customer, [_upload("page.txt", files.html_page())])
    assert "not a file type we accept" in customer.attachment_error
    customer.draft = "It came broken"
    await ChatState.send.fn(customer)
    assert customer.pending == []
    [message] = [m for m in await _rows(wired, Message) if m.author == "customer"]
    assert (message.body, message.attachment_count) == ("It came broken", 1)
    async with wired.read() as session:
        assert (await session.get(Interaction, started.interaction_id)).last_text == "It came broken"


async def test_a_send_refuses_when_the_files_changed_in_another_window(wired, clock):
    _, inbox, started = await _scene(wired, clock)
    await InboxState.attach.fn(inbox, [_upload("label.png", files.png())])
    other_tab = await state_for(InboxState, await _signed_in(wired, clock, "alice"))
    await InboxState.on_load.fn(other_tab)
    await InboxState.select.fn(other_tab, started.interaction_id)
    await InboxState.remove_attachment.fn(other_tab, other_tab.pending_attachments[0].id)
    InboxState.set_draft.fn(inbox, "Here is the label")
    await InboxState.send.fn(inbox)  # this tab still shows label.png
    assert "changed in another window" in inbox.notice and inbox.pending_attachments == []
    assert [m for m in await _rows(wired, Message) if m.author == "agent"] == []
    assert inbox.draft == "Here is the label"  # nothing typed is lost

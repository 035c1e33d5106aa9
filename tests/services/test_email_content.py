"""What an inbound email shows: the new words only (quoted history kept in the full text), HTML sanitised and
the conversation's text inert, attachments by the email rules (10 files, 10 MB each) with a refused file named
and the rest of the mail arriving."""

from __future__ import annotations

from email import message_from_bytes, policy

from services.attachments.rules import MIB
from services.channels.email.parsing import html_as_text, is_auto_reply, parse, sanitised_html
from services.models import Attachment, EmailRecord, Message
from tests.files import png
from tests.mail.messages import email
from tests.services.email_support import dovecot, email_org, poll, rows  # noqa: F401

HOSTILE = ('<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>'
           '<p onclick="steal()">Hello <b>there</b></p><img src="https://tracker.example/p.gif" onerror="x()">'
           '<a href="javascript:alert(2)">click</a> <a href="https://shop.example/o/1">order</a>'
           '<iframe src="https://evil.example"></iframe></body></html>')


def test_html_keeps_formatting_and_loses_script_handlers_and_javascript_links():
    clean = sanitised_html(HOSTILE)
    for gone in ("script", "alert", "onclick", "onerror", "javascript:", "iframe", "color:red", "<style"):
        assert gone not in clean
    assert "<b>there</b>" in clean and 'href="https://shop.example/o/1"' in clean
    # A picture keeps its address in what is stored; the page that shows the email holds it back (original.py).
    assert '<img src="https://tracker.example/p.gif">' in clean


def test_an_html_only_mail_shows_as_text():
    assert html_as_text("<p>Hello <b>there</b></p><p>a &lt; b</p><script>x()</script>") == "Hello there\na < b"


def test_quoted_history_is_left_out_of_what_is_shown_and_kept_in_the_full_text():
    parsed = parse(email(message_id="<m@example.com>", text=(
        "Yes, please cancel it.\n\nOn Wed, Nov 25, 2026 at 9:00 AM Care <care@sophias.example> wrote:\n"
        "> Would you like us to cancel the order?\n")).as_bytes())
    assert parsed.shown == "Yes, please cancel it."
    assert "Would you like us to cancel" in parsed.full_text


def test_auto_submitted_no_is_a_person():
    person = message_from_bytes(email(message_id="<a@b>", headers={"Auto-Submitted": "no"}).as_bytes(),
                                 policy=policy.default)
    robot = message_from_bytes(email(message_id="<c@d>", headers={"Precedence": "junk"}).as_bytes(),
                               policy=policy.default)
    assert (is_auto_reply(person), is_auto_reply(robot)) == (False, True)


async def test_a_hostile_html_mail_is_stored_inert(db, clock, dovecot, tmp_path):
    await email_org(db)
    dovecot.append(email(message_id="<h@example.com>", text="Hello there", html=HOSTILE))
    await poll(db, dovecot, clock, tmp_path)
    [message] = await rows(db, Message)
    assert "<" not in message.body and "alert" not in message.body  # the conversation shows text only
    [record] = await rows(db, EmailRecord)
    assert "<b>there</b>" in record.html and "script" not in record.html and "onclick" not in record.html


async def test_an_oversized_attachment_is_refused_by_name_and_the_rest_of_the_mail_arrives(db, clock, dovecot,
                                                                                          tmp_path):
    await email_org(db)
    big = b"x" * (10 * MIB + 1)
    dovecot.append(email(message_id="<a@example.com>", text="Photos attached", attachments=[
        ("photo.png", png(), "image/png"), ("huge.txt", big, "text/plain")]))
    await poll(db, dovecot, clock, tmp_path)
    customer, note = await rows(db, Message)
    assert customer.body.endswith("Photos attached") and customer.attachment_count == 1
    [attachment] = await rows(db, Attachment)
    assert (attachment.kind, attachment.message_id, attachment.author) == ("png", customer.id, "customer")
    assert note.author == "system" and "huge.txt is larger than 10 MB" in note.body


async def test_more_than_ten_attachments_keep_the_first_ten(db, clock, dovecot, tmp_path):
    await email_org(db)
    files = [(f"note{n}.txt", f"note {n}".encode(), "text/plain") for n in range(1, 12)]
    dovecot.append(email(message_id="<many@example.com>", attachments=files))
    await poll(db, dovecot, clock, tmp_path)
    assert [a.filename for a in await rows(db, Attachment)] == [f"note{n}.txt" for n in range(1, 11)]
    notes = [m.body for m in await rows(db, Message) if m.author == "system"]
    assert len(notes) == 1 and "note11.txt" in notes[0] and "10 files" in notes[0]

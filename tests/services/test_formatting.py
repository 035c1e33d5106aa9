"""Formatted messages: the server keeps a short allow-list of tags and nothing that runs; SMS and WhatsApp get
plain text with bullets as "• " lines. Plain messages are left exactly as typed."""

from __future__ import annotations

import pytest

from services.channels.plain_text import plain_text
from services.formatting import (HTML, TEXT, Body, as_plain, for_box, insert_at_text_offset, message_body,
                                 sanitise_html, shown_html, switched_draft)


@pytest.mark.parametrize("sent, kept", [
    ("<b>Bold</b> and <i>italic</i>", "<b>Bold</b> and <i>italic</i>"),
    ("<p>Hi<script>alert(document.cookie)</script></p>", "<p>Hi</p>"),
    ('<img src="x" onerror="alert(1)"><b onclick="alert(1)">Hi</b>', "<b>Hi</b>"),
    ('<a href="javascript:alert(1)">Click</a>', '<a rel="noopener noreferrer nofollow">Click</a>'),
    ('<a href="JaVaScRiPt:alert(1)">Click</a>', '<a rel="noopener noreferrer nofollow">Click</a>'),
    ('<a href="https://sophias.example/track" onmouseover="x()" target="_blank">Track</a>',
     '<a href="https://sophias.example/track" rel="noopener noreferrer nofollow">Track</a>'),
    ('<a href="mailto:care@sophias.example">Mail us</a>',
     '<a href="mailto:care@sophias.example" rel="noopener noreferrer nofollow">Mail us</a>'),
    ('<ul><li style="color:red">One</li><li>Two</li></ul>', "<ul><li>One</li><li>Two</li></ul>"),
    ("<div><span>Kept text</span></div><iframe src='https://evil.example'></iframe>", "<div>Kept text</div>"),
])
def test_only_the_allow_list_survives(sent, kept):
    assert sanitise_html(sent) == kept


@pytest.mark.parametrize("plain", ["a < b and b > c", "Order #123: 2 * 3 = 6", "", "Thanks!\nLine two"])
def test_plain_messages_are_kept_exactly_as_typed(plain):
    assert message_body(plain, from_editor=False, texted=False) == Body(plain)  # text, never read as HTML
    assert shown_html(plain, TEXT) == "" and as_plain(plain, TEXT) == plain


def test_sms_and_whatsapp_get_plain_text_with_bullets():
    body = sanitise_html("<p>Your options:</p><ul><li><b>Refund</b></li><li>Exchange</li></ul>"
                    '<p>See <a href="https://sophias.example/returns">returns</a>.</p>')
    assert plain_text(body) == "Your options:\n• Refund\n• Exchange\nSee returns (https://sophias.example/returns)."


@pytest.mark.parametrize("typed, stored, body_format", [
    ("<b>Hi</b> Ellen<ul><li>Refund</li></ul><script>x()</script>", "<b>Hi</b> Ellen<ul><li>Refund</li></ul>", HTML),
    ("a &lt; b&nbsp;and c", "a < b and c", TEXT),  # no formatting: the plain text the agent saw
    ("Your ref is &lt;ABC123&gt;", "Your ref is <ABC123>", TEXT),  # text, never read back as a tag
    ("<div>Line one</div><div>Line two</div>", "<div>Line one</div><div>Line two</div>", HTML),
    ("<br>", "", TEXT), ("<div><br></div>", "", TEXT), ("<b> </b>", "", TEXT),  # an emptied editor: empty
    ('<img src=x onerror="alert(1)">', "", TEXT),
])
def test_the_formatted_box_is_sanitised_html_or_the_plain_text_it_shows(typed, stored, body_format):
    assert message_body(typed, from_editor=True, texted=False) == Body(stored, body_format)


def test_a_stored_plain_body_with_angle_brackets_stays_text_everywhere():
    stored = message_body("Your ref is &lt;ABC123&gt;", from_editor=True, texted=False)
    assert shown_html(stored.body, stored.format) == ""  # drawn as text: nothing is lost
    assert as_plain(stored.body, stored.format) == "Your ref is <ABC123>"
    assert for_box(stored.body, stored.format, formatted=True) == "Your ref is &lt;ABC123&gt;"


def test_a_formatted_reply_by_sms_is_stored_as_the_plain_text_sent():
    typed = "<b>Options</b><ul><li>Refund</li><li>Exchange</li></ul>"
    assert message_body(typed, from_editor=True, texted=True) == Body("Options\n• Refund\n• Exchange")
    assert message_body("<b>Tags typed into SMS</b>", from_editor=False, texted=True) == Body(
        "<b>Tags typed into SMS</b>")  # the plain box's text is text, exactly as typed
    assert message_body("a < b", from_editor=False, texted=True) == Body("a < b")


def test_only_html_bodies_are_shown_as_html_and_sanitised_again():
    assert shown_html("a < b", TEXT) == "" and shown_html("<b>a</b>", TEXT) == ""
    assert shown_html('<b onclick="x()">Hi</b>', HTML) == "<b>Hi</b>"


def test_text_moves_between_the_boxes_without_showing_tags():
    assert for_box("a < b\nnext", TEXT, formatted=True) == "a &lt; b<br>next"
    assert for_box("Reply with <order number>", TEXT, formatted=True) == "Reply with &lt;order number&gt;"
    assert for_box("<b>Hi</b><ul><li>One</li></ul>", HTML, formatted=False) == "Hi\n• One"
    assert for_box("<b>Hi</b><img src=x onerror=y>", HTML, formatted=True) == "<b>Hi</b>"
    assert for_box("plain <b>", TEXT, formatted=False) == "plain <b>"
    assert switched_draft("<b>Tracking</b> a &lt; b", to_editor=False) == "Tracking a < b"


def test_entities_are_decoded_once():
    assert plain_text("<b>Use</b> &amp;lt; literally") == "Use &lt; literally"


@pytest.mark.parametrize("html, offset, result", [
    ("<b>Hi</b> Ellen", 2, "<b>Hi</b>X Ellen"),  # after the bold word: the template is not bold
    ("<b>Hi</b> Ellen", 0, "<b>XHi</b> Ellen"),
    ("<b>Hi</b> Ellen", 8, "<b>Hi</b> EllenX"),
    ("a &lt; b", 2, "a X&lt; b"), ("a &lt; b", 3, "a &lt;X b"), ("a &amp;", 3, "a &amp;X"),  # an entity is one
    ("<div>one</div><div>two</div>", 4, "<div>one</div><div>tXwo</div>"),  # lines are not characters
    ("", 0, "X"), ("abc", -1, "abc X"), ("abc", 9, "abc X"),  # unknown caret: appended
])
def test_a_template_goes_where_the_caret_was_in_the_formatted_box(html, offset, result):
    assert insert_at_text_offset(html, "X", offset) == result


def test_the_editors_non_breaking_spaces_are_plain_spaces_in_plain_text():
    assert plain_text("<b>Your label</b>&nbsp;is below") == "Your label is below"

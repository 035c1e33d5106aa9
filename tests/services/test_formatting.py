"""Formatted messages: the server keeps a short allow-list of tags and nothing that runs; SMS and WhatsApp get
plain text with bullets as "• " lines. Plain messages are left exactly as typed."""

from __future__ import annotations

import pytest

from services.channels.plain_text import plain_text
from services.formatting import sanitise


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
    ("<div><span>Kept text</span></div><iframe src='https://evil.example'></iframe>", "Kept text"),
])
def test_only_the_allow_list_survives(sent, kept):
    assert sanitise(sent) == kept


@pytest.mark.parametrize("plain", ["a < b and b > c", "Order #123: 2 * 3 = 6", "", "Thanks!\nLine two"])
def test_plain_messages_are_kept_exactly_as_typed(plain):
    assert sanitise(plain) == plain


def test_sms_and_whatsapp_get_plain_text_with_bullets():
    body = sanitise("<p>Your options:</p><ul><li><b>Refund</b></li><li>Exchange</li></ul>"
                    '<p>See <a href="https://sophias.example/returns">returns</a>.</p>')
    assert plain_text(body) == "Your options:\n• Refund\n• Exchange\nSee returns (https://sophias.example/returns)."

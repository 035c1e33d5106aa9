"""SMS segment counts (GSM-7 vs UCS-2) and the plain text that SMS and WhatsApp carry."""

from __future__ import annotations

import pytest

from services.channels.plain_text import plain_text
from services.channels.sms_segments import segments


@pytest.mark.parametrize("text, encoding, units, count", [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),  # an extension character takes two septets
    ("€" * 81, "GSM-7", 162, 2),
    ("Grüße! Ça va à Åsa?", "GSM-7", 19, 1),  # ü, ß, Ç, à and Å are in the GSM-7 alphabet
    ("ça", "UCS-2", 2, 1),  # a lower-case ç is not (only Ç is)
    ("ê" + "a" * 69, "UCS-2", 70, 1),  # ê is not: the whole message becomes UCS-2
    ("ê" + "a" * 70, "UCS-2", 71, 2),
    ("ê" + "a" * 133, "UCS-2", 134, 2),
    ("ê" + "a" * 134, "UCS-2", 135, 3),
    ("👍" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 code units
    ("👍" * 36, "UCS-2", 72, 2),
])
def test_segments(text, encoding, units, count):
    result = segments(text)
    assert (result.encoding, result.units, result.segments) == (encoding, units, count)


def test_the_label_says_count_and_encoding():
    assert segments("hi").label == "1 SMS segment (GSM-7)"
    assert segments("😀" * 40).label == "2 SMS segments (UCS-2)"


def test_plain_messages_are_sent_exactly_as_typed():
    for typed in ("a < b and b > c", "Use &amp; literally", "Price: 5 * 3 = 15", "line one\nline two"):
        assert plain_text(typed) == typed


def test_formatting_becomes_plain_text():
    assert plain_text("<b>Bold</b> and <i>italic</i> &amp; more") == "Bold and italic & more"
    assert plain_text("<p>First</p><p>Second</p>") == "First\nSecond"
    assert plain_text("<ul><li>One</li><li>Two</li></ul>") == "• One\n• Two"
    assert plain_text('See <a href="https://s.example/x">our page</a>') == "See our page (https://s.example/x)"
    assert plain_text('<a href="https://s.example/x">https://s.example/x</a>') == "https://s.example/x"
    assert plain_text("one<br>two") == "one\ntwo"

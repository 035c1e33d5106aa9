"""Allowed chat origins: what a manager may write, how it is normalised, and what frames `/chat/{slug}`."""

from __future__ import annotations

import pytest

from services import embedding
from services.errors import Refused
from tests.services.factories import make_org


@pytest.mark.parametrize(("line", "origin"), [
    ("https://shop.example", "https://shop.example"),
    ("HTTPS://Shop.Example/", "https://shop.example"),  # case and a bare trailing slash do not matter
    ("https://shop.example:443", "https://shop.example"),  # the default port is the same origin
    ("http://127.0.0.1:8090", "http://127.0.0.1:8090"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),  # what browsers send for an international name
    ("https://*.shop.example", "https://*.shop.example"),  # any subdomain, as CSP allows
])
def test_an_origin_is_normalised(line, origin):
    assert embedding.parse_allowed_origins(line) == [origin]


@pytest.mark.parametrize("line", [
    "shop.example",  # no scheme
    "ftp://shop.example",
    "https://shop.example/help",  # a page, not an origin
    "https://shop.example?x=1",
    "https://user:pw@shop.example",
    "https://shop.example:99999",
    "javascript:alert(1)",
    "'self'",  # CSP keywords are not origins: the list must not smuggle policy into the header
    "https://a.example https://b.example",
    "https://a b.example",  # a space would make b.example a framer by itself
    "https://a.example;sandbox",  # a new directive
    "https://a.example,b",  # a comma starts a second policy
    "https://a.example'",
    "https://a%20b.example",
    "https://a\x00.example",
    "https://-bad-.example",
    "http://[::1]:8090",  # CSP cannot name IPv6 literals: refused rather than silently ignored by browsers
    "https://shop.*.example",
    "https://*.1.2.3",
])
def test_anything_but_an_origin_is_refused_with_the_line_named(line):
    with pytest.raises(Refused, match="is not a site origin"):
        embedding.parse_allowed_origins(f"https://fine.example\n{line}")


def test_blank_lines_and_repeats_are_dropped_and_a_star_means_any_site():
    assert embedding.parse_allowed_origins("\n https://a.example \n\nhttps://A.example/\n") == ["https://a.example"]
    assert embedding.parse_allowed_origins("https://a.example\n*") == ["*"]
    assert embedding.parse_allowed_origins("   \n") == []


def test_the_list_is_bounded():
    many = "\n".join(f"https://s{i}.example" for i in range(embedding.MAX_ORIGINS + 1))
    with pytest.raises(Refused, match="At most"):
        embedding.parse_allowed_origins(many)
    with pytest.raises(Refused, match="characters"):
        embedding.parse_allowed_origins("https://a.example\n" * 300)


async def test_the_chat_of_an_organization_is_framed_by_its_own_list_only(db):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    async with db.transaction() as session:
        (await session.get(type(sophias), sophias.id)).allowed_chat_origins = \
            "https://shop.example\nhttp://127.0.0.1:8090"
    async with db.read() as session:
        assert await embedding.chat_frame_ancestors(session, "sophias") == ["https://shop.example",
                                                                           "http://127.0.0.1:8090"]
        assert await embedding.chat_frame_ancestors(session, "janes") == []
        assert await embedding.chat_frame_ancestors(session, "nobody") == []
    assert janes.allowed_chat_origins == ""


def test_a_stored_list_is_checked_again_before_it_reaches_a_header():
    hand_edited = "https://ok.example\nhttps://a.example;sandbox allow-scripts\n'unsafe-inline'\n"
    assert embedding.stored_origins(hand_edited) == ["https://ok.example"]
    assert embedding.stored_origins("https://ok.example\n*") == ["*"]


def test_a_framed_chat_hands_its_conversation_only_to_sites_the_organization_named():
    assert embedding.hands_over_chats(["https://shop.example"])
    assert not embedding.hands_over_chats(["*"])  # any site may frame it: no site gets the chat token
    assert not embedding.hands_over_chats([])

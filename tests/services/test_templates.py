"""Response templates: the unique-name rule, who may change what, what the chips and the search offer (custom
before base, by display sequence, per channel and organization), and template variables."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services.auth import identity_for_user
from services.errors import NotFound, Refused
from services.models import Grant, ResponseTemplate, User
from services.templates import GRANT, listing, search, store, variables
from services.templates.store import TemplateEntry
from tests.services.factories import make_agent, make_org, new_chat


async def _base(db, org, name: str, *, seq: int, quick: bool = True, channels: str = "chat,sms,whatsapp,email",
                body: str = "") -> int:
    async with db.transaction() as session:
        template = ResponseTemplate(organization_id=org.id, name=name, body=body or f"{name}.", channels=channels,
                                    quick_response=quick, display_sequence=seq)
        session.add(template)
        await session.flush()
        return template.id


async def _create(db, clock, identity, org, name: str, **fields):
    entry = TemplateEntry(name=name, body=fields.pop("body", f"{name} body"), **fields)
    async with db.transaction() as session:
        return await store.create(session, identity=identity, organization_id=org.id, entry=entry, clock=clock)


async def _names(db) -> list[str]:
    async with db.read() as session:
        return sorted((await session.exec(select(ResponseTemplate.name))).all())


async def _manager(db, login: str, orgs):
    identity = await make_agent(db, login, orgs)
    async with db.transaction() as session:
        (await session.get(User, identity.user_id)).role = "manager"
        session.add(Grant(user_id=identity.user_id, name=GRANT))
    async with db.read() as session:
        return await identity_for_user(session, user_id=identity.user_id)


async def test_a_name_equal_to_a_base_templates_asks_for_a_unique_name_and_stores_nothing(db, clock):
    org = await make_org(db)
    await _base(db, org, "One moment please", seq=1)
    alice = await make_agent(db, "alice", [org])
    with pytest.raises(Refused, match="unique name"):
        await _create(db, clock, alice, org, "one  moment PLEASE")  # same name, other case and spacing
    assert await _names(db) == ["One moment please"]
    mine = await _create(db, clock, alice, org, "Mine")
    with pytest.raises(Refused, match="unique name"):  # renaming onto a base template's name is refused too
        async with db.transaction() as session:
            await store.update(session, identity=alice, template_id=mine.template_id,
                               entry=TemplateEntry(name="One moment please", body="x"), clock=clock)
    assert await _names(db) == ["Mine", "One moment please"]


async def test_names_are_unique_per_agent_and_organization(db, clock):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    alice, bob = await make_agent(db, "alice", [sophias, janes]), await make_agent(db, "bob", [sophias])
    await _create(db, clock, alice, sophias, "Refund")
    with pytest.raises(Refused, match="unique name"):
        await _create(db, clock, alice, sophias, "refund")
    await _create(db, clock, bob, sophias, "Refund")  # another agent's name is theirs
    await _create(db, clock, alice, janes, "Refund")  # another organization's list is separate
    assert await _names(db) == ["Refund"] * 3


@pytest.mark.parametrize("entry, message", [
    (TemplateEntry(name=" ", body="x"), "Response Name"),
    (TemplateEntry(name="A", body=""), "Enter the Response"),
    (TemplateEntry(name="A", body="<div><br></div>"), "Enter the Response"),  # an emptied editor
    (TemplateEntry(name="A", body="x", chat=False, text=False, email=False), "Available"),
    (TemplateEntry(name="A", body="x", chat=False, text=False, email=True, quick_response=True), "Quick Response"),
    (TemplateEntry(name="A", body="x", display_sequence="first"), "Display Sequence"),
    (TemplateEntry(name="A", body="x", display_sequence="-1"), "Display Sequence"),
    (TemplateEntry(name="A" * 81, body="x"), "80"),
])
async def test_bad_input_gets_a_clear_message_and_stores_nothing(db, clock, entry, message):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    with pytest.raises(Refused, match=message.split()[0]):
        async with db.transaction() as session:
            await store.create(session, identity=alice, organization_id=org.id, entry=entry, clock=clock)
    assert await _names(db) == []


async def test_no_agent_changes_another_agents_or_a_base_template_but_a_manager_of_the_organization_can(db, clock):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    base_id = await _base(db, sophias, "One moment please", seq=1)
    alice, bob = await make_agent(db, "alice", [sophias]), await make_agent(db, "bob", [sophias])
    alices = await _create(db, clock, alice, sophias, "Refund")
    stranger = await _manager(db, "olga", [janes])
    maria = await _manager(db, "maria", [sophias])
    for who, template_id in ((bob, alices.template_id), (alice, base_id), (bob, base_id),
                             (stranger, alices.template_id), (stranger, base_id), (alice, 10_000)):
        with pytest.raises(NotFound, match="That response was not found"):
            async with db.transaction() as session:
                await store.update(session, identity=who, template_id=template_id,
                                   entry=TemplateEntry(name="Forged", body="forged"), clock=clock)
        with pytest.raises(NotFound):
            async with db.transaction() as session:
                await store.delete(session, identity=who, template_id=template_id, clock=clock)
    assert await _names(db) == ["One moment please", "Refund"]
    async with db.transaction() as session:
        await store.update(session, identity=maria, template_id=alices.template_id,
                           entry=TemplateEntry(name="Refunds", body="Edited by the manager"), clock=clock)
        await store.update(session, identity=maria, template_id=base_id,
                           entry=TemplateEntry(name="One moment, please", body="Base edited"), clock=clock)
    async with db.transaction() as session:
        assert await store.delete(session, identity=maria, template_id=alices.template_id, clock=clock) == "Refunds"
    assert await _names(db) == ["One moment, please"]
    with pytest.raises(NotFound):  # an agent cannot add a base template
        async with db.transaction() as session:
            await store.create(session, identity=alice, organization_id=sophias.id, clock=clock, base=True,
                               entry=TemplateEntry(name="Base", body="x"))


async def test_the_popup_lists_only_the_agents_own_responses_in_display_sequence(db, clock):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    alice, bob = await make_agent(db, "alice", [sophias]), await make_agent(db, "bob", [sophias, janes])
    await _create(db, clock, alice, sophias, "Second", display_sequence="2")
    await _create(db, clock, alice, sophias, "First", display_sequence="1")
    await _create(db, clock, alice, sophias, "Last")  # no sequence given: after the last one
    await _create(db, clock, bob, sophias, "Bob's")
    async with db.read() as session:
        mine = await listing.my_responses(session, identity=alice, organization_id=sophias.id)
        assert [(r.name, r.display_sequence) for r in mine] == [("First", 1), ("Second", 2), ("Last", 3)]
        assert await listing.my_responses(session, identity=alice, organization_id=janes.id) == []


async def test_chips_put_custom_before_base_by_display_sequence_and_stop_at_50(db, clock):
    org = await make_org(db)
    await _base(db, org, "Base two", seq=2)
    await _base(db, org, "Base one", seq=1)
    await _base(db, org, "Not quick", seq=0, quick=False)
    alice, bob = await make_agent(db, "alice", [org]), await make_agent(db, "bob", [org])
    await _create(db, clock, alice, org, "Custom nine", quick_response=True, display_sequence="9")
    await _create(db, clock, alice, org, "Custom three", quick_response=True, display_sequence="3")
    await _create(db, clock, bob, org, "Bob's", quick_response=True, display_sequence="0")
    async with db.read() as session:
        chips = await listing.quick_responses(session, identity=alice, organization_id=org.id, channel="chat")
    assert [c.name for c in chips] == ["Custom three", "Custom nine", "Base one", "Base two"]
    for n in range(60):
        await _create(db, clock, alice, org, f"Many {n:02}", quick_response=True, display_sequence=str(10 + n))
    async with db.read() as session:
        chips = await listing.quick_responses(session, identity=alice, organization_id=org.id, channel="sms")
    assert len(chips) == 50 and chips[0].name == "Custom three" and chips[-1].name == "Many 47"


async def test_channels_decide_where_a_template_is_offered_and_email_has_no_chips(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    await _create(db, clock, alice, org, "Chat only", chat=True, text=False, quick_response=True)
    await _create(db, clock, alice, org, "Text only", chat=False, text=True, quick_response=True)
    await _create(db, clock, alice, org, "Email only", chat=False, text=False, email=True)
    await _base(db, org, "Everywhere", seq=1)
    chips, found = {}, {}
    async with db.read() as session:
        for channel in ("chat", "sms", "whatsapp", "email"):
            chips[channel] = [c.name for c in await listing.quick_responses(
                session, identity=alice, organization_id=org.id, channel=channel)]
            found[channel] = [r.name for r in await search.search(session, identity=alice, organization_id=org.id,
                                                                  channel=channel, query="")]
    assert chips == {"chat": ["Chat only", "Everywhere"], "sms": ["Text only", "Everywhere"],
                     "whatsapp": ["Text only", "Everywhere"], "email": []}
    assert found == {"chat": ["Chat only", "Everywhere"], "sms": ["Text only", "Everywhere"],
                     "whatsapp": ["Text only", "Everywhere"], "email": ["Email only", "Everywhere"]}


async def test_only_the_organizations_own_templates_are_offered(db, clock):
    sophias, janes = await make_org(db), await make_org(db, "janes", "Jane's")
    await _base(db, sophias, "Sophia's welcome", seq=1)
    await _base(db, janes, "Jane's welcome", seq=1)
    alice = await make_agent(db, "alice", [sophias, janes])
    only_janes = await make_agent(db, "jo", [janes])
    await _create(db, clock, alice, janes, "Jane's refund", quick_response=True)
    async with db.read() as session:
        chips = await listing.quick_responses(session, identity=alice, organization_id=sophias.id, channel="chat")
        found = await search.search(session, identity=alice, organization_id=sophias.id, channel="chat",
                                    query="welcome refund")
        assert [c.name for c in chips] == ["Sophia's welcome"] and [r.name for r in found] == ["Sophia's welcome"]
        # An agent who does not serve the organization is offered nothing of it, even when asked by id.
        assert await listing.quick_responses(session, identity=only_janes, organization_id=sophias.id,
                                             channel="chat") == []
        assert await search.search(session, identity=only_janes, organization_id=sophias.id, channel="chat",
                                   query="welcome") == []


async def test_search_tolerates_typos_ranks_name_matches_first_and_sees_edits(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    await _base(db, org, "One moment please", seq=1, body="One moment please while I look into this for you.")
    await _base(db, org, "Let me research your request", seq=2, body="Let me research your request; I'll be back.")
    await _base(db, org, "Return policy", seq=3, body="You can return unworn items within 30 days.")
    await _base(db, org, "Delivery", seq=4, body="Returns are collected at your door.")
    mine = await _create(db, clock, alice, org, "Shipping delays", body="Some orders ship late this week.")

    async def first(query: str) -> list[str]:
        async with db.read() as session:
            return [r.name for r in await search.search(session, identity=alice, organization_id=org.id,
                                                        channel="chat", query=query)]

    assert (await first("reserch"))[0] == "Let me research your request"
    assert (await first("retrun polcy"))[0] == "Return policy"  # the name beats the body that mentions returns
    assert (await first("ship dely"))[0] == "Shipping delays"
    assert (await first("unworn"))[0] == "Return policy"  # body words count too
    assert await first("xylophone") == []
    assert await first("") == ["Shipping delays", "One moment please", "Let me research your request",
                               "Return policy", "Delivery"]  # display order: custom first
    async with db.transaction() as session:  # an edit is seen at the next search (the generation moved)
        await store.update(session, identity=alice, template_id=mine.template_id,
                           entry=TemplateEntry(name="Backorder notice", body="Your item is on backorder."),
                           clock=clock)
    assert (await first("backordr"))[0] == "Backorder notice" and "Shipping delays" not in await first("ship")


def test_variables_are_filled_and_unknown_or_empty_ones_stay_visible_and_flagged():
    values = {"customer_first_name": "Ellen", "agent_first_name": "Alice", "organization": "Sophia's"}
    filled = variables.fill("Hi {customer_first_name}, {agent_first_name} of {organization} here. "
                            "{customer_frist_name}? {customer_first_name}!", values)
    assert filled.text == "Hi Ellen, Alice of Sophia's here. {customer_frist_name}? Ellen!"
    assert filled.unfilled == ("{customer_frist_name}",)
    empty = variables.fill("Hi {customer_first_name}", {**values, "customer_first_name": ""})
    assert (empty.text, empty.unfilled) == ("Hi {customer_first_name}", ("{customer_first_name}",))
    assert variables.unknown("{organization} {order_number} {order_number}") == ("{order_number}",)


def test_a_value_the_customer_typed_is_text_in_a_formatted_template():
    values = {"customer_first_name": '<a href="https://evil.example">Ellen</a> & co'}
    html = variables.fill("<b>Hi {customer_first_name}</b>", values, html=True)
    assert html.text == '<b>Hi &lt;a href="https://evil.example"&gt;Ellen&lt;/a&gt; &amp; co</b>'
    assert variables.fill("Hi {customer_first_name}", values).text == f"Hi {values['customer_first_name']}"


async def test_variable_values_come_from_the_interaction_agent_and_organization(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    chat = await new_chat(db, org, clock, first="Pat")
    async with db.read() as session:
        values = await variables.values_for(session, identity=alice, interaction=chat)
    assert values == {"customer_first_name": "Pat", "agent_first_name": "Alice", "organization": "Sophia's"}


async def test_a_formatted_response_is_stored_sanitised_and_listed_and_searched_as_text(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    saved = await _create(db, clock, alice, org, "Returns",
                          body='<b>Free returns</b><ul><li>30 days</li></ul><img src=x onerror="alert(1)">'
                               '<a href="javascript:alert(1)">label</a>')
    assert saved.body == '<b>Free returns</b><ul><li>30 days</li></ul><a rel="noopener noreferrer nofollow">label</a>'
    assert saved.preview == "Free returns • 30 days label"
    plain = await _create(db, clock, alice, org, "Sizes", body="a &lt; b&nbsp;sizes")  # the editor's plain text
    assert plain.body == "a < b sizes"
    async with db.read() as session:
        found = await search.search(session, identity=alice, organization_id=org.id, channel="chat", query="li")
    assert [r.name for r in found if r.name == "Returns"] == []  # tag names are not words of the body

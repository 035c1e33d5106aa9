"""`GET /emails/{id}/original`: the customer's email as written, to the agent who may see it, as a sandboxed page
that only the inbox may frame, with its own policy kept whole by the app-wide headers."""

from __future__ import annotations

import pytest

from services import chat, interactions, routing
from services.models import EmailRecord
from tests.http.support import agent_cookie, client  # noqa: F401 - client: the fixture
from tests.services.factories import make_agent, make_org

PIXEL = '<p>Hi <b>there</b></p><img src="https://tracker.example/open.gif" alt="pixel"><script>x()</script>'


@pytest.fixture
async def scene(wired, clock):
    org = await make_org(wired)
    alice = await make_agent(wired, "alice", [org])
    await make_agent(wired, "bob", [org], available=False)
    async with wired.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, first_name="Ellen",
                                        last_name="Smith", email="ellen@example.com")
    async with wired.transaction() as session:
        await routing.route(session, interaction_id=started.interaction_id, clock=clock)
    async with wired.transaction() as session:
        interaction = await interactions.locked_interaction(session, interaction_id=started.interaction_id)
        message = interactions.append_customer_message(session, interaction=interaction, body="Hi there", at=clock())
        message.original_email = True
        await session.flush()
        session.add(EmailRecord(rfc_message_id="<m@example.com>", organization_id=org.id, message_id=message.id,
                                interaction_id=interaction.id, outcome="threaded", from_address="ellen@example.com",
                                subject="Hello", html=PIXEL, received_at=clock()))
        note = interactions.add_system_message(session, interaction=interaction, body="Note", at=clock())
        await session.flush()
        ids = {"email": message.id, "note": note.id}
    return {"alice": alice, **ids}




async def test_the_agent_gets_the_email_as_a_sandboxed_page_with_pictures_held_back(wired, clock, scene, client):
    answer = await client.get(f"/emails/{scene['email']}/original", headers=await agent_cookie(wired, "alice", clock))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "<b>there</b>" in answer.text and "tracker.example" not in answer.text and "<script" not in answer.text
    assert "1 remote picture is not shown" in answer.text
    policy = answer.headers["content-security-policy"]
    # The page's own policy, whole: the app-wide one (which forbids every frame) is not added beside it.
    assert policy.startswith("sandbox allow-popups") and "img-src data:;" in policy and "script-src" not in policy
    assert answer.headers.get_list("content-security-policy") == [policy]
    assert answer.headers["x-frame-options"] == "SAMEORIGIN" and answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer" and "no-store" in answer.headers["cache-control"]


async def test_pictures_load_when_the_agent_asks_and_only_for_the_agent(wired, clock, scene, client):
    alice = await agent_cookie(wired, "alice", clock)
    answer = await client.get(f"/emails/{scene['email']}/original?images=1", headers=alice)
    assert answer.status_code == 200 and 'src="https://tracker.example/open.gif"' in answer.text
    assert "img-src data: https: http:" in answer.headers["content-security-policy"]
    assert "remote-images-blocked" not in answer.text
    bob = await agent_cookie(wired, "bob", clock)
    for refused in (await client.get(f"/emails/{scene['email']}/original?images=1"),
                    await client.get(f"/emails/{scene['email']}/original?images=1", headers=bob)):
        assert (refused.status_code, refused.text) == (404, "Not found.")


async def test_everyone_else_gets_the_same_not_found(wired, clock, scene, client):
    bob = await agent_cookie(wired, "bob", clock)  # same organization, but the interaction was never his
    alice = await agent_cookie(wired, "alice", clock)
    refused = [await client.get(f"/emails/{scene['email']}/original"),
               await client.get(f"/emails/{scene['email']}/original", headers=bob),
               await client.get(f"/emails/{scene['note']}/original", headers=alice),  # no email behind it
               await client.get(f"/emails/{2**40}/original", headers=alice)]
    assert [(answer.status_code, answer.text) for answer in refused] == [(404, "Not found.")] * 4


async def test_the_inbox_may_frame_its_own_pages_only_and_every_other_answer_keeps_the_app_policy(client):
    answer = await client.get("/healthz")
    assert "frame-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in answer.headers[
        "content-security-policy"]

"""Attachments over HTTP: only to an agent who may see the interaction (their session cookie) or to a signed
link's holder; typed by what inspection found, nosniff, never rendered as a page; downloads once the case is
closed. And the byte limit in front of /_upload."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from inbox_app import runtime
from inbox_app.http import api
from inbox_app.http.body_limit import WEBHOOK_BODY, BodyLimit
from services import chat, interactions
from services.attachments import access, composer, staging
from services.attachments.rules import MAX_UPLOAD_BODY
from services.models import Attachment, Case, Interaction
from tests import files
from tests.http.support import agent_cookie, client  # noqa: F401 - client: the fixture
from tests.services.factories import make_agent, make_org
from tests.state.support import SECRET


@pytest.fixture
async def scene(wired, clock):
    org = await make_org(wired)
    alice = await make_agent(wired, "alice", [org])
    bob = await make_agent(wired, "bob", [org], available=False)
    async with wired.transaction() as session:
        started = await chat.start_chat(session, organization=org, secret_key="k", clock=clock, first_name="Ellen",
                                        last_name="Smith", email="ellen@example.com")
    root = runtime.settings().attachments_dir
    async with wired.transaction() as session:
        await composer.agent_attach(session, identity=alice, interaction_id=started.interaction_id, via="", root=root,
                                    clock=clock, uploads=[staging.Upload("label.png", files.png()),
                                                          staging.Upload("notes.txt", files.text())])
        await interactions.send_agent_message(session, identity=alice, interaction_id=started.interaction_id,
                                              body="Here you are", clock=clock)
    async with wired.read() as session:
        picture, text = (await session.exec(Attachment.__table__.select().order_by(Attachment.id))).all()
    return {"alice": alice, "bob": bob, "picture": picture, "text": text, "interaction_id": started.interaction_id}




async def test_the_agent_gets_the_picture_typed_by_content_inline_and_unsniffable(scene, client, wired, clock):
    picture = scene["picture"]
    response = await client.get(access.path(picture.id, picture.filename), headers=await agent_cookie(wired, "alice", clock))
    assert response.status_code == 200 and response.content == files.png()
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith('inline; filename="label.png"')
    thumb = await client.get(access.path(picture.id, "", "thumbnail"), headers=await agent_cookie(wired, "alice", clock))
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"


async def test_a_text_file_is_plain_text_never_a_page(scene, client, wired, clock):
    text = scene["text"]
    response = await client.get(access.path(text.id, text.filename), headers=await agent_cookie(wired, "alice", clock))
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("who", ["bob", None])
async def test_no_one_else_gets_it(scene, client, wired, clock, who):
    picture = scene["picture"]
    headers = await agent_cookie(wired, who, clock) if who else {}
    response = await client.get(access.path(picture.id, picture.filename), headers=headers)
    assert response.status_code == 404 and response.content == b"Not found."


async def test_a_signed_link_works_until_it_expires_and_not_for_another_file(scene, client, clock):
    picture, text = scene["picture"], scene["text"]
    expires = access.link_expiry(clock(), access.MEDIA_LINK_LIFETIME)
    link = access.signed_path(SECRET, attachment_id=picture.id, filename=picture.filename, variant="file",
                              expires=expires)
    assert (await client.get(link)).status_code == 200
    forged = link.replace(f"/attachments/{picture.id}/", f"/attachments/{text.id}/")
    assert (await client.get(forged)).status_code == 404
    assert (await client.get(link.replace("signature=", "signature=0"))).status_code == 404
    clock.advance(hours=2)
    assert (await client.get(link)).status_code == 404


async def test_once_the_case_is_closed_it_is_a_download(scene, client, wired, clock):
    async with wired.transaction() as session:
        interaction = await session.get(Interaction, scene["interaction_id"])
        case = await session.get(Case, interaction.case_id)
        case.status = "closed"
        session.add(case)
    picture = scene["picture"]
    response = await client.get(access.path(picture.id, picture.filename), headers=await agent_cookie(wired, "alice", clock))
    assert response.headers["content-disposition"].startswith("attachment;")


# --- the byte limit in front of /_upload --------------------------------------------------------------

def _guarded(limit: int):
    reached = []

    async def upload(request):
        body = await request.body()
        reached.append(len(body))
        return PlainTextResponse("stored")

    return BodyLimit(Starlette(routes=[Route("/_upload", upload, methods=["POST"])]),
                     limits=(("/_upload", limit),)), reached


async def test_a_declared_body_over_the_limit_is_refused_before_it_is_read():
    app, reached = _guarded(1000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/_upload", content=b"x" * 1001)
    assert response.status_code == 413 and reached == []


async def test_a_chunked_body_is_counted_and_cut_off_at_the_limit():
    app, reached = _guarded(1000)

    async def chunks():
        for _ in range(10):
            yield b"x" * 300
            await asyncio.sleep(0)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/_upload", content=chunks())
    assert response.status_code == 413 and reached == []


async def test_a_body_within_the_limit_and_other_paths_pass():
    app, reached = _guarded(1000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.post("/_upload", content=b"x" * 1000)).text == "stored"
    assert reached == [1000]


def test_the_app_limits_bodies_with_room_for_five_files_of_5_mib_and_a_few_kb_for_webhooks():
    assert BodyLimit in api()
    limit = BodyLimit(None)._limit
    assert (limit("/_upload"), limit("/webhooks/twilio/messages"), limit("/inbox")) == (MAX_UPLOAD_BODY, WEBHOOK_BODY,
                                                                                        None)
    assert 5 * 5 * 1024 * 1024 < MAX_UPLOAD_BODY <= 27 * 1024 * 1024  # and email's 25 MiB in all
    assert timedelta(minutes=5) <= access.MEDIA_LINK_LIFETIME <= timedelta(hours=1)


@pytest.mark.parametrize("query", ["?expires=%C2%B2&signature=abc", "?expires=99999999999&signature=%C3%A9",
                                   "?expires=&signature=x"])
async def test_crafted_link_parameters_are_not_found_never_an_error(scene, client, query):
    picture = scene["picture"]
    response = await client.get(access.path(picture.id, picture.filename) + query)
    assert response.status_code == 404


async def test_an_id_beyond_the_column_is_not_found(scene, client, wired, clock):
    response = await client.get("/attachments/99999999999/x.png", headers=await agent_cookie(wired, "alice", clock))
    assert response.status_code == 404

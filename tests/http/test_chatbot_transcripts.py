"""POST /api/chatbot/transcripts over HTTP, signed as a retailer's bot signs it: signatures (valid, forged,
missing), idempotency, size limits, unknown organization and customer, not valid conversations, and what a
valid one becomes on the customer's open case or on a new closed case."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from services import cases as case_service
from services.chatbot import validity
from services.chatbot.transcripts import signature_for
from services.models import AuditEvent, Case, ChatbotTranscript, Interaction, Message, Organization
from tests.conftest import START
from tests.http.support import served
from tests.services.factories import make_agent, make_customer, make_org, new_chat

PATH = "/api/chatbot/transcripts"
SECRET = "sophias-bot-secret"


@pytest.fixture
async def org(wired):
    org = await make_org(wired)
    async with wired.transaction() as session:
        row = await session.get(Organization, org.id)
        row.chatbot_secret = SECRET
        session.add(row)
    await make_customer(wired, org, external_id="ellen-smith")
    return org


@pytest.fixture
async def client(org):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served()), base_url="http://10.0.0.5:8000") as http:
        yield http


def _at(seconds: int) -> str:
    return (START - timedelta(hours=1) + timedelta(seconds=seconds * 5)).isoformat()


RETURN_TURNS = [("customer", "Hi"), ("bot", "Hello! How can I help?"),
                ("customer", "The ankle boots I bought are too small, I want to return them for a refund."),
                ("bot", "I have started a return and emailed you a prepaid return label."),
                ("customer", "Perfect, thank you so much!")]


def transcript(conversation_id="conv-1", turns=RETURN_TURNS, **fields) -> dict:
    """A posted transcript of these (author, text) turns; a field given as None is left out."""
    payload = {"organization": "sophias", "customer_external_id": "ellen-smith", "conversation_id": conversation_id,
               "started_at": _at(0), "ended_at": _at(len(turns)),
               "turns": [{"author": a, "text": t, "at": _at(i)} for i, (a, t) in enumerate(turns)]}
    payload.update(fields)
    return {key: value for key, value in payload.items() if value is not None}


def post(client, payload, *, secret=SECRET, signature: str | None = "sign", raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    if signature == "sign":
        headers["X-Inbox-Signature"] = signature_for(secret, body)
    elif signature is not None:
        headers["X-Inbox-Signature"] = signature
    return client.post(PATH, content=body, headers=headers)


async def _rows(db, model):
    async with db.read() as session:
        return list((await session.exec(select(model).order_by(model.id))).all())


async def test_a_signed_transcript_becomes_a_closed_chatbot_case_with_its_analysis(client, wired, org):
    response = await post(client, transcript())
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["result"] == "stored"
    [case] = await _rows(wired, Case)
    assert (case.origin, case.status, case.id) == ("chatbot", "closed", answer["case_id"])
    assert (case.category, case.subcategory) == ("Order", "Return")  # make_org lists Order / Return only
    [interaction] = await _rows(wired, Interaction)
    assert (interaction.channel, interaction.state, interaction.verified) == ("chatbot", "closed", True)
    messages = await _rows(wired, Message)
    assert [(m.author, m.body) for m in messages] == RETURN_TURNS
    [row] = await _rows(wired, ChatbotTranscript)
    assert row.valid and row.interaction_id == interaction.id
    assert row.sentiment == "positive" and row.sentiment_score > 0.05
    assert "return" in row.summary.lower() and row.summary.startswith("Customer: ")
    assert "vader" in row.method and "pysbd" in row.method and "tfidf" in row.method


async def test_on_an_open_case_the_transcript_joins_it_and_leaves_its_category_alone(client, wired, org, clock):
    alice = await make_agent(wired, "alice", [org])
    chat = await new_chat(wired, org, clock)
    async with wired.transaction() as session:
        [case] = await _rows(wired, Case)
        case = await session.get(Case, case.id)
        case.customer_id, case.category, case.subcategory = (await session.get(Interaction, chat.id)).customer_id, "", ""
        from services.models import Customer
        ellen = (await session.exec(select(Customer))).one()
        case.customer_id = ellen.id
        session.add(case)
    response = await post(client, transcript())
    assert response.status_code == 201
    cases = await _rows(wired, Case)
    assert len(cases) == 1
    assert (cases[0].category, cases[0].subcategory, cases[0].status, cases[0].origin) == ("", "", "open", "chat")
    bot_interaction = (await _rows(wired, Interaction))[-1]
    assert bot_interaction.case_id == cases[0].id and bot_interaction.joined_open_case
    assert bot_interaction.state == "closed"
    [row] = await _rows(wired, ChatbotTranscript)
    assert row.case_id == cases[0].id and row.summary and row.sentiment  # the summary with its sentiment
    async with wired.read() as session:  # and the case shows them, in Case Details
        details = await case_service.case_details(session, identity=alice, interaction_id=chat.id)
    assert [(bot.summary, bot.sentiment) for bot in details.chatbot] == [(row.summary, row.sentiment)]


async def test_an_open_case_with_a_category_keeps_it(client, wired, org, clock):
    await new_chat(wired, org, clock)
    async with wired.transaction() as session:
        from services.models import Customer
        ellen = (await session.exec(select(Customer))).one()
        case = (await session.exec(select(Case))).one()
        case.customer_id, case.category, case.subcategory = ellen.id, "General", "Other"
        session.add(case)
    assert (await post(client, transcript())).status_code == 201
    [case] = await _rows(wired, Case)
    assert (case.category, case.subcategory) == ("General", "Other")


async def test_a_repeated_conversation_id_answers_200_and_stores_nothing_new(client, wired):
    first = await post(client, transcript())
    again = await post(client, transcript())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["result"] == "duplicate" and again.json()["case_id"] == first.json()["case_id"]
    assert len(await _rows(wired, Case)) == len(await _rows(wired, ChatbotTranscript)) == 1
    assert len(await _rows(wired, Message)) == len(RETURN_TURNS)


@pytest.mark.parametrize("forgery", ["missing", "wrong secret", "garbage", "tampered body", "no prefix"])
async def test_a_bad_or_missing_signature_gets_401_and_nothing_is_stored(client, wired, forgery):
    payload = transcript()
    body = json.dumps(payload).encode()
    signature = {"missing": None, "wrong secret": signature_for("guess", body), "garbage": "sha256=zz",
                 "tampered body": signature_for(SECRET, body + b" "),
                 "no prefix": signature_for(SECRET, body).removeprefix("sha256=")}[forgery]
    response = await post(client, payload, signature=signature, raw=body)
    assert response.status_code == 401
    assert "X-Inbox-Signature" in response.json()["error"]
    assert await _rows(wired, ChatbotTranscript) == [] and await _rows(wired, Case) == []


async def test_an_organization_without_a_chatbot_secret_accepts_nothing(client, wired, org):
    async with wired.transaction() as session:
        row = await session.get(Organization, org.id)
        row.chatbot_secret = ""
        session.add(row)
    assert (await post(client, transcript(), secret="")).status_code == 401


@pytest.mark.parametrize("change, status, error", [
    ({"organization": "nobody"}, 404, "Unknown organization: nobody."),
    ({"customer_external_id": "stranger"}, 404, "Unknown customer: stranger."),
    ({"conversation_id": None}, 422, "Missing field: conversation_id."),
    ({"customer_external_id": None}, 422, "Missing field: customer_external_id."),
    ({"turns": None}, 422, "Missing field: turns."),
    ({"started_at": "yesterday"}, 422, "started_at must be an ISO 8601 time"),
    ({"ended_at": (START + timedelta(hours=1)).isoformat()}, 422, "ended_at is in the future."),
    ({"turns": [{"author": "agent", "text": "hi", "at": "2026-11-25T08:00:00Z"}]}, 422, "Turn 1: author must be"),
    ({"turns": [{"author": "bot", "at": "2026-11-25T08:00:00Z"}]}, 422, "Turn 1: missing field text."),
])
async def test_bad_input_gets_a_clear_json_error_and_nothing_is_stored(client, wired, change, status, error):
    payload = {**transcript(), **change}
    response = await post(client, {key: value for key, value in payload.items() if value is not None})
    assert response.status_code == status
    assert response.json()["error"].startswith(error)
    assert await _rows(wired, ChatbotTranscript) == [] and await _rows(wired, Case) == []


async def test_a_body_that_is_not_json_gets_400(client):
    response = await post(client, None, raw=b"turns=hello")
    assert (response.status_code, response.json()) == (400, {"error": "The body is not valid JSON."})


async def test_at_most_500_turns(client, wired):
    many = [("customer" if i % 2 else "bot", f"Turn {i} about my order") for i in range(501)]
    response = await post(client, transcript(turns=many))
    assert response.status_code == 413 and "500 turns" in response.json()["error"]
    at_most = await post(client, transcript(turns=many[:500]))
    assert at_most.status_code == 201, at_most.text


async def test_a_body_over_256_kb_is_refused_before_it_is_read(client, wired):
    payload = transcript(turns=[("customer", "x" * 4000)] * 70)  # ~280 KB, within 500 turns
    body = json.dumps(payload).encode()
    assert len(body) > 256 * 1024
    response = await post(client, payload, raw=body)
    assert response.status_code == 413 and "256 KB" in response.json()["error"]
    assert await _rows(wired, ChatbotTranscript) == []


@pytest.mark.parametrize("turns, reason", [
    ([("bot", "Hello! How can I help?")], validity.NO_CUSTOMER_TURN),
    ([("bot", "Hello! How can I help?"), ("customer", "hi")], validity.ONLY_GREETINGS),
    ([("customer", "Hello?"), ("bot", "Hi! What can I do for you?"), ("customer", "ok thanks, bye")],
     validity.ONLY_GREETINGS),
])
async def test_a_conversation_not_valid_for_a_case_is_recorded_with_its_reason_and_creates_nothing(
        client, wired, turns, reason):
    response = await post(client, transcript(turns=turns))
    assert response.status_code == 200
    assert response.json()["result"] == "not-valid" and response.json()["reason"] == reason
    [row] = await _rows(wired, ChatbotTranscript)
    assert (row.valid, row.invalid_reason, row.case_id) == (False, reason, None)
    assert await _rows(wired, Case) == [] and await _rows(wired, Interaction) == []
    [event] = [e for e in await _rows(wired, AuditEvent) if e.kind == "chatbot.transcript_received"]
    assert reason in event.detail

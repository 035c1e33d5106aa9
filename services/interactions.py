"""Interactions and their cases: creation, messages, the Interaction Panel, selection and wrap-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy import and_, exists, tuple_
from sqlmodel import col, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events, formatting, routing, sop
from services.attachments import staging
from services.auth import Identity
from services.channels import email_compose, reply_via, whatsapp
from services.clock import Clock
from services.errors import NotFound, Refused
from services.models import (
    CHANNELS,
    Attachment,
    Bounce,
    Case,
    Customer,
    Interaction,
    Message,
    Organization,
    TransferRequest,
    User,
    WrapUpCategory,
)
from services.text import MAX_MESSAGE_CHARS, clean_body, full_name, last_sentence

DONE_TAB_SIZE = 30
RECENT_WINDOW = timedelta(hours=24)


# --- creation ---------------------------------------------------------------------------------

async def _open_case(session: AsyncSession, *, organization_id: int, customer_id: int | None,
                     email: str | None, phone: str | None) -> Case | None:
    query = select(Case).where(Case.organization_id == organization_id, Case.status == "open")
    if customer_id is not None:
        query = query.where(Case.customer_id == customer_id)
    else:
        contact = [c for c in (
            (Case.contact_email == email) if email else None,
            (Case.contact_phone == phone) if phone else None,
        ) if c is not None]
        if not contact:
            return None
        query = query.where(col(Case.customer_id).is_(None), or_(*contact))
    # Locked: a wrap-up closing this case waits for us, or we wait for it and, seeing it closed, open a new one.
    return (await session.exec(query.order_by(Case.created_at).limit(1).with_for_update())).first()


async def open_interaction(
    session: AsyncSession,
    *,
    organization_id: int,
    channel: str,
    clock: Clock,
    customer: Customer | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    chat_token_hash: str | None = None,
    channel_number: str | None = None,
    route_now: bool = True,
    case: Case | None = None,
    new_case: bool = False,
) -> Interaction:
    """Create an interaction: it joins the customer's open case or opens a new one, then is routed, here or
    (`route_now=False`) by the routing loop, woken as soon as this transaction commits. An email reply names
    its `case` (threading, which reopens it); a mail whose sender failed authentication gets a `new_case`."""
    if channel not in CHANNELS:
        raise Refused(f"Unknown channel {channel!r}.")
    now = clock()
    customer_id = customer.id if customer else None
    if case is None and not new_case:
        case = await _open_case(session, organization_id=organization_id, customer_id=customer_id,
                                email=email, phone=phone)
    elif case is not None and case.status != "open":
        case.status, case.closed_at = "open", None
        session.add(case)
    joined = case is not None
    if case is None:
        case = _new_case(session, organization_id=organization_id, customer=customer, email=email, phone=phone,
                         channel=channel, at=now)
        await session.flush()
    interaction = Interaction(
        organization_id=organization_id, case_id=case.id, customer_id=customer_id, channel=channel,
        verified=customer is not None, joined_open_case=joined,
        given_first_name=customer.first_name if customer else first_name,
        given_last_name=customer.last_name if customer else last_name,
        given_email=customer.email if customer else email,
        given_phone=customer.phone if customer else phone,
        created_at=now, last_activity_at=now, chat_token_hash=chat_token_hash, channel_number=channel_number,
    )
    session.add(interaction)
    await session.flush()
    _record_created(session, interaction, at=now)
    if route_now:
        await routing.route(session, interaction_id=interaction.id, clock=clock)
    else:
        events.notify(session, events.QUEUE_MOVED)
    return interaction


def _new_case(session: AsyncSession, *, organization_id: int, customer: Customer | None, email: str | None,
              phone: str | None, channel: str, at: datetime) -> Case:
    case = Case(organization_id=organization_id, customer_id=customer.id if customer else None,
                contact_email=None if customer else email, contact_phone=None if customer else phone,
                origin=channel, created_at=at)
    session.add(case)
    return case


def _record_created(session: AsyncSession, interaction: Interaction, *, at: datetime) -> None:
    audit.record(session, at=at, kind="interaction.created", organization_id=interaction.organization_id,
                 subject=f"interaction:{interaction.id}", channel=interaction.channel, case_id=interaction.case_id,
                 joined_open_case=interaction.joined_open_case, verified=interaction.verified)
    if interaction.joined_open_case:  # an open Case screen of this case lists its interactions: it hears of it
        events.notify(session, events.case_topic(interaction.case_id))


async def open_case_of_contacts(session: AsyncSession, *, contacts: set[tuple[int, str]]) -> dict[tuple[int, str], Case]:
    """The open case of each (organization id, phone) contact that has one, locked, in one query: what
    `open_interaction` finds one at a time for a contact without a customer."""
    if not contacts:
        return {}
    found = (await session.exec(select(Case).where(
        Case.status == "open", col(Case.customer_id).is_(None),
        tuple_(Case.organization_id, Case.contact_phone).in_(sorted(contacts)))
        .order_by(Case.created_at, Case.id).with_for_update())).all()
    cases: dict[tuple[int, str], Case] = {}
    for case in found:  # oldest first, as _open_case takes it
        cases.setdefault((case.organization_id, case.contact_phone), case)
    return cases


@dataclass(frozen=True)
class Opening:
    """One interaction of a contact known only by phone (an inbound SMS or WhatsApp), opened in a batch."""

    organization_id: int
    channel: str
    phone: str
    channel_number: str | None
    at: datetime  # when the contact wrote: the queue takes the oldest first


async def open_contact_interactions(session: AsyncSession, openings: list[Opening], *,
                                    clock: Clock) -> list[Interaction]:
    """`open_interaction` for a batch of contacts, with two INSERTs in all (cases, then interactions) instead of
    two per interaction. Each joins its contact's open case or a new one; openings of one contact (SMS and
    WhatsApp from one phone) share it. Routing them is the caller's (inbound_batch places its batch at once)."""
    if not openings:
        return []
    now = clock()
    cases = await open_case_of_contacts(session, contacts={(o.organization_id, o.phone) for o in openings})
    joined = {key for key in cases}
    for opening in openings:
        key = (opening.organization_id, opening.phone)
        if key not in cases:
            cases[key] = _new_case(session, organization_id=opening.organization_id, customer=None, email=None,
                                   phone=opening.phone, channel=opening.channel, at=now)
    await session.flush()
    opened = []
    for opening in openings:
        key = (opening.organization_id, opening.phone)
        opened.append(Interaction(
            organization_id=opening.organization_id, case_id=cases[key].id, channel=opening.channel,
            joined_open_case=key in joined, given_phone=opening.phone, created_at=opening.at,
            last_activity_at=opening.at,
            channel_number=opening.channel_number))
        joined.add(key)  # a second opening of this contact joins the case the first one opened
    session.add_all(opened)
    await session.flush()
    for interaction in opened:
        _record_created(session, interaction, at=now)
    return opened


# --- messages ---------------------------------------------------------------------------------

def _touch(interaction: Interaction, *, author: str, body: str, at: datetime) -> None:
    interaction.last_activity_at = at
    interaction.last_author = author
    if author in ("customer", "agent"):
        interaction.last_text = body[:500]


def _checked_body(body: str | None, *, with_files: bool = False) -> str:
    text = clean_body(body)
    if not text and not with_files:
        raise Refused("Type a message first.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise Refused(f"Messages are limited to {MAX_MESSAGE_CHARS} characters.")
    return text


async def locked_interaction(session: AsyncSession, *, interaction_id: int) -> Interaction:
    """The interaction re-read under a row lock: two writers never update it from stale copies."""
    interaction = await session.get(Interaction, interaction_id, with_for_update=True, populate_existing=True)
    if interaction is None:
        raise NotFound("That interaction")
    return interaction


async def _locked_as_spoken(session: AsyncSession, *, interaction_id: int, author: str, text: str,
                            at: datetime) -> Interaction:
    """Locks the interaction by writing who spoke last (as `_touch` does), and reads it back: one statement
    (UPDATE … RETURNING) where a SELECT … FOR UPDATE and the UPDATE at flush took two. A refusal after it rolls
    the transaction back, the write included."""
    statement = (update(Interaction).where(Interaction.id == interaction_id)
                 .values(last_activity_at=at, last_author=author, last_text=text[:500])
                 .returning(Interaction).execution_options(populate_existing=True))
    interaction = (await session.exec(statement)).scalar_one_or_none()
    if interaction is None:
        raise NotFound("That interaction")
    return interaction


async def add_customer_message(session: AsyncSession, *, interaction_id: int, body: str, clock: Clock,
                               with_files: bool = True, expected_files: list[int] | None = None) -> Message:
    """The customer's side, locked like the agent's so a concurrent reply cannot hide who spoke last; with the
    files they attached when the chat says it has some (a message without costs no query for them)."""
    now, text = clock(), clean_body(body)
    interaction = await _locked_as_spoken(session, interaction_id=interaction_id, author="customer", text=text, at=now)
    files = await staging.staged(session, interaction_id=interaction.id, uploader=staging.Uploader("customer"),
                                 for_update=True) if with_files else []
    staging.check_expected(files, expected_files)
    text = _checked_body(body, with_files=bool(files))
    if interaction.state == "closed" or interaction.chat_ended_at:
        raise Refused("This conversation has ended.")
    staging.check_sendable(files, interaction.channel)
    message = append_customer_message(session, interaction=interaction, body=text, at=now)
    await staging.attach(session, message=message, interaction=interaction, rows=files)
    return message


def append_customer_message(session: AsyncSession, *, interaction: Interaction, body: str, at: datetime,
                            provider_id: str | None = None) -> Message:
    """What the customer wrote, into an interaction the caller holds locked; `provider_id` is the channel's
    own id for it (Twilio's MessageSid), unique, so a provider's retry is stored once."""
    message = Message(interaction_id=interaction.id, author="customer", body=body, created_at=at,
                      delivery_status="received", provider_id=provider_id)
    _touch(interaction, author="customer", body=body, at=at)
    session.add_all([message, interaction])
    events.notify_interaction(session, interaction)
    return message


def add_system_message(session: AsyncSession, *, interaction: Interaction, body: str, at: datetime,
                       internal: bool = False) -> Message:
    """A note in the conversation; an internal one is for agents only, never shown in the customer's chat."""
    message = Message(interaction_id=interaction.id, author="system", body=body, created_at=at, internal=internal)
    interaction.last_activity_at = at
    session.add_all([message, interaction])
    events.notify_interaction(session, interaction)
    return message


async def assigned_interaction(session: AsyncSession, *, identity: Identity, interaction_id: int,
                               for_update: bool = False) -> Interaction:
    """The interaction, if it is this agent's; otherwise NotFound (a foreign id reveals nothing)."""
    query = select(Interaction).where(Interaction.id == interaction_id)
    if for_update:
        query = query.with_for_update()
    interaction = (await session.exec(query)).first()
    if (interaction is None or interaction.assignee_id != identity.user_id
            or not identity.serves(interaction.organization_id) or not identity.can("inbox")):
        raise NotFound("That interaction")
    return interaction


async def active_interaction(session: AsyncSession, *, identity: Identity, interaction_id: int,
                             for_update: bool = False) -> Interaction:
    """The agent's own interaction while it is still open: closed ones are read-only."""
    interaction = await assigned_interaction(session, identity=identity, interaction_id=interaction_id,
                                             for_update=for_update)
    if interaction.state != "assigned":
        raise Refused("This interaction is closed; it is read-only.")
    return interaction


async def send_agent_message(session: AsyncSession, *, identity: Identity, interaction_id: int,
                             body: str, clock: Clock, via: str = "", with_files: bool = True,
                             expected_files: list[int] | None = None, from_editor: bool = False,
                             email: email_compose.EmailFields | None = None) -> Message:
    """The agent's reply, by the interaction's own channel or by `via` (Reply via), if the customer can be
    reached that way now. The files the agent attached go with it, if that channel takes them (the inbox says
    `with_files=False` when it shows none, sparing the query, and `expected_files`: the ids it shows).
    `from_editor`: the body is the formatted box's HTML (services/formatting.message_body). `email`: the
    composer's To, Cc and Subject, checked here, for a reply by email."""
    if not isinstance(via, str):
        raise Refused("Choose how to reply.")
    interaction = await active_interaction(session, identity=identity, interaction_id=interaction_id,
                                           for_update=True)
    files = await staging.staged(session, interaction_id=interaction.id,
                                 uploader=staging.Uploader("agent", identity.user_id),
                                 for_update=True) if with_files else []
    staging.check_expected(files, expected_files)
    texted = (via or interaction.channel) in ("sms", "whatsapp")
    composed = formatting.message_body(str(body or ""), from_editor=from_editor is True, texted=texted)
    text = _checked_body(composed.body, with_files=bool(files))
    staging.check_sendable(files, via or interaction.channel)
    sending_email = (via or interaction.channel) == "email"
    fields = email_compose.checked(email or await email_compose.defaults(session, interaction)) \
        if sending_email else None
    now = clock()
    if via and via != interaction.channel:
        if via not in await reply_via.options(session, interaction=interaction, now=now):
            raise Refused(f"This customer cannot be reached by {reply_via.LABELS.get(via, 'that channel')} now.")
    elif interaction.channel == "whatsapp" and not await whatsapp.free_text_allowed(
            session, interaction_id=interaction.id, now=now):
        raise Refused(whatsapp.WINDOW_CLOSED)
    return await add_agent_message(session, identity=identity, interaction=interaction, body=text, at=now,
                                   clock=clock, via=via if via and via != interaction.channel else None,
                                   files=files, email=fields, body_format=composed.format)


async def add_agent_message(session: AsyncSession, *, identity: Identity, interaction: Interaction, body: str,
                            at: datetime, clock: Clock, content_sid: str | None = None,
                            content_variables: str = "", via: str | None = None,
                            files: list[Attachment] | None = None,
                            email: email_compose.EmailFields | None = None, body_format: str = "text") -> Message:
    """The agent's message into their interaction (held locked by the caller), with the staged `files`: shown
    at once in a chat, queued in the outbox for every other channel (the interaction's own, or `via`)."""
    message = Message(interaction_id=interaction.id, author="agent", author_user_id=identity.user_id,
                      body=body, body_format=body_format, created_at=at, via=via)
    _touch(interaction, author="agent", body=formatting.as_plain(body, body_format), at=at)  # no tags in the panel
    await staging.attach(session, message=message, interaction=interaction, rows=files or [])
    if (via or interaction.channel) == "chat":
        from services import inactivity  # it builds on this module

        inactivity.agent_spoke(interaction, at=at)
        if interaction.chat_ended_at:
            # The customer has left: the message is kept, and shown as failed, never as sent.
            message.delivery_status = "failed"
            message.failure_reason = "The customer has ended the chat."
        else:
            message.delivery_status = "delivered"
    else:
        from services import outbox  # delivery happens after commit, outside any state lock

        message.delivery_status = "queued"
        session.add(message)
        await session.flush()
        await outbox.enqueue_for_message(session, interaction=interaction, message=message, clock=clock,
                                         content_sid=content_sid, content_variables=content_variables,
                                         channel=via or interaction.channel, email=email,
                                         sender=await reply_via.sender_for(session, interaction=interaction,
                                                                           channel=via or interaction.channel))
    session.add_all([message, interaction])
    events.notify_interaction(session, interaction)
    return message


# --- the Interaction Panel ----------------------------------------------------------------------

@dataclass(frozen=True)
class PanelRow:
    interaction_id: int
    channel: str
    customer_name: str
    verified: bool
    organization_name: str
    last_activity_iso: str  # UTC, formatted in the agent's own time zone by the browser
    recent: bool  # within 24 hours: show the time only
    last_sentence: str  # empty for email
    unread: bool  # the red dot
    closed: bool
    transferred: bool = False  # reached this agent by a transfer or a bounce: the transfer icon
    pending_transfer: bool = False  # awaiting transfer
    inactive: bool = False  # bounced away from this agent, or the customer left: no message box
    customer_left: bool = False  # inactive because the chat's customer went silent; still this agent's to wrap up
    sender_unverified: bool = False  # an email whose sender failed authentication: a visible warning


def is_unread(interaction: Interaction) -> bool:
    """Seed rule: new and not yet selected, or the customer spoke last."""
    return interaction.state == "assigned" and (
        interaction.selected_at is None or interaction.last_author == "customer"
    )


def customer_label(interaction: Interaction) -> str:
    """The name the customer gave, or for a text message (no name given) the number they wrote from."""
    return (full_name(interaction.given_first_name, interaction.given_last_name) or interaction.given_phone
            or interaction.given_email or "Customer")


def _panel_row(interaction: Interaction, org_name: str, now: datetime, *, pending: bool = False,
               inactive: bool = False) -> PanelRow:
    name = customer_label(interaction)
    left = not inactive and interaction.state == "assigned" and interaction.inactive_at is not None
    return PanelRow(
        interaction_id=interaction.id,
        channel=interaction.channel,
        customer_name=name,
        verified=interaction.verified,
        organization_name=org_name,
        last_activity_iso=interaction.last_activity_at.isoformat(),
        recent=now - interaction.last_activity_at < RECENT_WINDOW,
        last_sentence="" if interaction.channel == "email" else last_sentence(interaction.last_text),
        unread=not inactive and not left and is_unread(interaction),
        closed=interaction.state == "closed",
        transferred=not inactive and interaction.arrived_by != "",
        pending_transfer=pending,
        inactive=inactive or left,
        customer_left=left,
        sender_unverified=interaction.sender_unverified,
    )


async def panel(session: AsyncSession, *, identity: Identity, tab: str, clock: Clock) -> list[PanelRow]:
    return (await panel_with_selected(session, identity=identity, tab=tab, clock=clock)).rows


@dataclass(frozen=True)
class Panel:
    rows: list[PanelRow]
    selected: Interaction | None  # the agent's selected interaction when the panel shows it
    timers: dict[str, int] = field(default_factory=dict)  # interaction id -> bounce timer seconds (15, 10, 5)


async def panel_with_selected(session: AsyncSession, *, identity: Identity, tab: str, clock: Clock,
                              selected_id: int = 0) -> Panel:
    """The agent's own interactions across all their organizations, in one query.

    Active is in assignment order, oldest first: rows never jump while the agent reads or moves
    with the keyboard, and the longest-waiting customer is on top. It also holds, inactive, the open
    interactions that bounced away from this agent. Done holds the last 30 closed.
    """
    me = identity.user_id
    pending = exists().where(TransferRequest.interaction_id == Interaction.id, TransferRequest.status == "pending")
    query = (
        select(Interaction, Organization.name, pending.label("pending"))
        .join(Organization, Organization.id == Interaction.organization_id)
        .where(col(Interaction.organization_id).in_(identity.organization_ids))
    )
    if tab == "done":
        query = query.where(Interaction.assignee_id == me, Interaction.state == "closed").order_by(
            col(Interaction.closed_at).desc(), col(Interaction.id).desc()).limit(DONE_TAB_SIZE)
    else:
        bounced_away = and_(col(Interaction.id).in_(select(Bounce.interaction_id).where(Bounce.from_user_id == me)),
                            Interaction.state != "closed",
                            or_(col(Interaction.assignee_id).is_(None), Interaction.assignee_id != me))
        query = query.where(or_(and_(Interaction.assignee_id == me, Interaction.state == "assigned"),
                                bounced_away)).order_by(Interaction.assigned_at, Interaction.id)
    if not identity.can("inbox"):
        return Panel([], None)
    now = clock()
    found = (await session.exec(query)).all()
    # The panel's query already proves the selected one is this agent's: no second read for it.
    selected = next((i for i, _, _ in found if i.id == selected_id), None)
    rows = [_panel_row(i, org, now, pending=bool(waiting), inactive=i.assignee_id != me) for i, org, waiting in found]
    return Panel(rows, selected, _timers([i for i, _, _ in found if i.assignee_id == me], now))


def _timers(mine: list[Interaction], now: datetime) -> dict[str, int]:
    """The bounce timers showing now, from the deadlines the panel read anyway (sop.timer_seconds)."""
    shown = {str(i.id): sop.timer_seconds(i.bounce_due_at, now) for i in mine if i.bounce_due_at is not None}
    return {key: seconds for key, seconds in shown.items() if seconds is not None}


async def viewable_interaction(session: AsyncSession, *, identity: Identity, interaction_id: int) -> Interaction:
    """The agent's own interaction, or one that bounced away from them (read-only); otherwise NotFound."""
    try:
        return await assigned_interaction(session, identity=identity, interaction_id=interaction_id)
    except NotFound:
        bounced = (await session.exec(select(Bounce.id).where(Bounce.interaction_id == interaction_id,
                                                              Bounce.from_user_id == identity.user_id))).first()
        interaction = await session.get(Interaction, interaction_id) if bounced else None
        if (interaction is None or interaction.state == "closed" or not identity.can("inbox")
                or not identity.serves(interaction.organization_id)):
            raise
        return interaction


async def select_interaction(session: AsyncSession, *, identity: Identity, interaction_id: int,
                             clock: Clock) -> Interaction:
    """Selecting disarms the bounce. The row lock makes this and a bounce at the same instant take turns: the
    one that commits first wins, and a bounced interaction is shown read-only."""
    try:
        interaction = await assigned_interaction(session, identity=identity, interaction_id=interaction_id,
                                                 for_update=True)
    except NotFound:
        return await viewable_interaction(session, identity=identity, interaction_id=interaction_id)
    if interaction.selected_at is None and interaction.state == "assigned":
        interaction.selected_at = clock()
        interaction.bounce_due_at = None
        session.add(interaction)
        events.notify_interaction(session, interaction)
    return interaction


async def mark_inbox_seen(session: AsyncSession, *, identity: Identity, clock: Clock) -> None:
    user = await session.get(User, identity.user_id)
    user.inbox_seen_at = clock()
    session.add(user)


async def bell_count(session: AsyncSession, *, identity: Identity) -> int:
    """Interactions that arrived while the agent was away from the inbox and are still unopened."""
    user = await session.get(User, identity.user_id)
    query = select(Interaction.id).where(
        Interaction.assignee_id == identity.user_id, Interaction.state == "assigned",
        col(Interaction.selected_at).is_(None))
    if user.inbox_seen_at is not None:
        query = query.where(Interaction.assigned_at > user.inbox_seen_at)
    return len((await session.exec(query)).all())


async def abandon_transfer(session: AsyncSession, *, interaction_id: int, at: datetime) -> None:
    """Wrapping up, or the customer leaving, abandons a pending transfer: there is no one left to hand over."""
    await session.exec(update(TransferRequest).where(
        col(TransferRequest.interaction_id) == interaction_id, col(TransferRequest.status) == "pending")
        .values(status="abandoned", settled_at=at))


# --- wrap-up ------------------------------------------------------------------------------------

async def wrap_up_categories(session: AsyncSession, *, organization_id: int) -> dict[str, list[str]]:
    rows = (await session.exec(
        select(WrapUpCategory).where(WrapUpCategory.organization_id == organization_id)
        .order_by(WrapUpCategory.category, WrapUpCategory.subcategory))).all()
    categories: dict[str, list[str]] = {}
    for row in rows:
        categories.setdefault(row.category, []).append(row.subcategory)
    return categories


async def _other_open_interactions(session: AsyncSession, *, case_id: int, interaction_id: int) -> int:
    return (await session.exec(select(func.count(Interaction.id)).where(
        Interaction.case_id == case_id, Interaction.id != interaction_id, Interaction.state != "closed"))).one()


async def wrap_up(session: AsyncSession, *, identity: Identity, interaction_id: int, category: str,
                  subcategory: str, notes: str, follow_up: bool, clock: Clock) -> Interaction:
    """Close the interaction; close its case too when it was the case's last open interaction and no
    follow-up is required."""
    interaction = await assigned_interaction(session, identity=identity, interaction_id=interaction_id,
                                             for_update=True)
    if interaction.state != "assigned":
        raise Refused("This interaction is already wrapped up.")
    categories = await wrap_up_categories(session, organization_id=interaction.organization_id)
    if category not in categories:
        raise Refused("Choose a category.")
    if subcategory not in categories[category]:
        raise Refused("Choose a subcategory of that category.")
    now = clock()
    # The case lock comes before the count: two wrap-ups of one case then count one after the other,
    # so the last of them sees the others closed and closes the case.
    case = await session.get(Case, interaction.case_id, with_for_update=True, populate_existing=True)
    others_open = await _other_open_interactions(session, case_id=case.id, interaction_id=interaction.id)
    case.category, case.subcategory = category, subcategory
    case.notes = clean_body(notes)[:10000]
    case.follow_up = follow_up
    if not follow_up and not others_open:
        case.status, case.closed_at = "closed", now
    interaction.state, interaction.closed_at, interaction.bounce_due_at = "closed", now, None
    session.add_all([case, interaction])
    await abandon_transfer(session, interaction_id=interaction.id, at=now)
    if interaction.channel == "chat" and not interaction.chat_ended_at:
        add_system_message(session, interaction=interaction, body="The agent has closed this conversation.", at=now)
    audit.record(session, at=now, kind="interaction.wrapped_up", actor_user_id=identity.user_id,
                 organization_id=interaction.organization_id, subject=f"interaction:{interaction.id}",
                 case_id=case.id, case_closed=case.status == "closed", follow_up=follow_up, category=category,
                 subcategory=subcategory)
    events.notify_interaction(session, interaction)
    events.notify(session, events.QUEUE_MOVED)  # capacity was freed
    return interaction

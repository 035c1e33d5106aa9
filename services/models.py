"""The domain model: the database is the only source of truth (DESIGN.md).

All times are aware UTC. Enumerations are short strings so that rows stay readable in SQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

CHANNELS = ("chat", "sms", "whatsapp", "email")
AUTHORS = ("customer", "agent", "system", "bot")


class Organization(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("sms_number", name="uq_organization_sms_number"),
                      UniqueConstraint("whatsapp_number", name="uq_organization_whatsapp_number"))
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=200)
    chat_identity_secret: str = Field(max_length=200)
    sms_otp_enabled: bool = False  # "Enable SMS OTP Verification", off by default
    appease_limit_cents: int = 5000
    sop_chat_seconds: int = 60  # SOP: how long a routed interaction may wait to be picked up
    sop_sms_seconds: int = 300
    sop_whatsapp_seconds: int = 300
    sop_email_seconds: int = 3600
    # A signed chat link must carry `expires`; off by default so existing retailer links keep working.
    require_expiring_chat_links: bool = False
    # "Allowed chat origins": the sites that may frame /chat/{slug}, one origin per line, `*` for any site.
    # Empty means no site: a new organization's chat is framed only once a manager lists its sites.
    allowed_chat_origins: str = Field(default="", max_length=4000)
    # Hours of operation, "HH:MM" in `timezone`; both empty: always open. A transfer completes only within them.
    opens_at: str = Field(default="", max_length=5)
    closes_at: str = Field(default="", max_length=5)
    timezone: str = Field(default="UTC", max_length=64)
    # A chat whose customer writes nothing for this long goes inactive (services/inactivity.py).
    chat_inactivity_minutes: int = 15
    # The Twilio numbers customers write to (E.164). An inbound message finds its organization by the number it
    # was sent to, and replies go out from that same number. One number serves one organization per channel.
    sms_number: str | None = Field(default=None, max_length=32)
    whatsapp_number: str | None = Field(default=None, max_length=32)
    # The address customers email (lower case): inbound mail finds its organization by the address written to.
    inbound_email: str | None = Field(default=None, max_length=254, unique=True)
    # HMAC-SHA256 key the organization's chatbot signs finished conversations with (POST /api/chatbot/transcripts).
    # Empty: no chatbot may post; every transcript for this organization is refused.
    chatbot_secret: str = Field(default="", max_length=200)
    # Bumped with every change to the organization's response templates: template search keeps its word index
    # per worker and reads the templates again only when this moved (services/templates/search.py).
    template_generation: int = 0


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(unique=True, index=True, max_length=64)  # the sign-in name
    first_name: str = ""
    last_name: str = ""
    role: str = "agent"  # agent | manager
    password_hash: str
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    available: bool = False
    available_since: datetime | None = None
    last_assigned_at: datetime | None = None
    inbox_seen_at: datetime | None = None  # the bell counts arrivals after this
    # Bumped whenever the user's grants, organizations or name change: a connection's cached identity is
    # re-read only then (auth.current_identity), so each event costs one indexed query, not four.
    access_version: int = 0


class UserOrganization(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", primary_key=True, index=True)


class Grant(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=64)


class Team(SQLModel, table=True):
    """A group of agents of one organization that interactions are transferred to (escalations, returns)."""

    __table_args__ = (UniqueConstraint("organization_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    name: str


class TeamMember(SQLModel, table=True):
    team_id: int = Field(foreign_key="team.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)


class AgentCapacity(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    channel: str = Field(primary_key=True, max_length=16)
    capacity: int


class AuthSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=128)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    expires_at: datetime


class Customer(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("organization_id", "external_id"),
        Index("ix_customer_lookup_email", "organization_id", "email"),
        Index("ix_customer_lookup_phone", "organization_id", "phone"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    external_id: str = Field(max_length=128)
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None  # E.164 when it has a country code
    loyalty: str = ""
    status: str = "Active"
    timezone: str = "UTC"
    created_at: datetime | None = None


class Case(SQLModel, table=True):
    __table_args__ = (Index("ix_case_open_customer", "organization_id", "customer_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    # For an unverified customer the case is keyed by the contact they gave.
    contact_email: str | None = None
    contact_phone: str | None = None
    status: str = "open"  # open | closed
    origin: str  # chat | sms | whatsapp | email | chatbot (created by a chatbot transcript alone)
    category: str = ""
    subcategory: str = ""
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    follow_up: bool = False
    created_at: datetime
    closed_at: datetime | None = None


class Interaction(SQLModel, table=True):
    __table_args__ = (
        Index("ix_interaction_assignee_state", "assignee_id", "state"),
        Index("ix_interaction_queue", "state", "organization_id", "created_at"),
        # The bounce loop claims due deadlines in order.
        Index("ix_interaction_bounce_due", "bounce_due_at"),
        # The same loop claims chats whose customer went silent.
        Index("ix_interaction_inactive_due", "inactive_due_at"),
        # An inbound SMS or WhatsApp message looks for the open interaction of its number.
        Index("ix_interaction_phone_channel", "organization_id", "channel", "given_phone", "state"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    case_id: int = Field(foreign_key="case.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    channel: str = Field(max_length=16)
    state: str = "queued"  # queued | assigned | closed
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    verified: bool = False
    joined_open_case: bool = False
    given_first_name: str = ""
    given_last_name: str = ""
    given_email: str | None = None
    given_phone: str | None = None
    created_at: datetime
    assigned_at: datetime | None = None
    selected_at: datetime | None = None  # first time the assignee opened it
    # The SOP deadline: assigned_at + the organization's SOP for the channel. Cleared once the assignee selects
    # it, when it bounces, while a transfer is pending and when it closes; the bounce loop claims it once.
    bounce_due_at: datetime | None = None
    arrived_by: str = Field(default="", max_length=16)  # "" | bounce | transfer: the transfer icon
    last_activity_at: datetime
    last_author: str = "system"
    last_text: str = ""
    chat_token_hash: str | None = Field(default=None, index=True, max_length=128)
    # SMS and WhatsApp: our number the customer wrote to; replies go out from it.
    channel_number: str | None = Field(default=None, max_length=32)
    chat_ended_at: datetime | None = None
    # Chat only: the customer's last message (or the start) + the chat's inactivity timeout, which is the
    # organization's when the chat started (kept here, so a customer message re-arms it without reading the
    # organization). Claimed once by the bounce-and-transfer loop, which sets inactive_at and ends the chat.
    inactivity_minutes: int | None = None
    inactive_due_at: datetime | None = None
    inactive_at: datetime | None = None
    closed_at: datetime | None = None
    # Email only: it answered one of our cases but its sender failed authentication, so it was not threaded
    # (services/channels/email/threading.py); the panel and conversation warn about it.
    sender_unverified: bool = False


class Bounce(SQLModel, table=True):
    """An interaction taken from an agent who did not pick it up within the SOP. It stays in that agent's
    panel, inactive, while the interaction is open."""

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    from_user_id: int = Field(foreign_key="user.id", index=True)
    to_user_id: int | None = Field(default=None, foreign_key="user.id")  # None: back in the queue
    due_at: datetime  # the deadline that fired: one bounce per deadline
    at: datetime


class TransferRequest(SQLModel, table=True):
    """An agent's request to move an interaction (and its case) to a team. Pending ones complete oldest first
    when a member of the team becomes Available with capacity."""

    __table_args__ = (Index("ix_transferrequest_pending", "status", "requested_at"),)
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    team_id: int = Field(foreign_key="team.id")
    requested_by_user_id: int = Field(foreign_key="user.id")
    requested_at: datetime
    status: str = Field(default="pending", max_length=16)  # pending | done | abandoned
    assigned_user_id: int | None = Field(default=None, foreign_key="user.id")
    settled_at: datetime | None = None


class Message(SQLModel, table=True):
    __table_args__ = (
        Index("ix_message_interaction", "interaction_id", "id"),
        UniqueConstraint("provider_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id")
    author: str = Field(max_length=16)  # customer | agent | system | bot
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    # text | html (an agent's formatted message, sanitised): how `body` is read, never guessed from its look
    body_format: str = Field(default="text", max_length=8, sa_column_kwargs={"server_default": "text"})
    created_at: datetime
    # received (from customer) | delivered | queued | sent | failed; Twilio's callbacks add read, undelivered
    delivery_status: str = "delivered"
    failure_reason: str = ""
    provider_id: str | None = Field(default=None, max_length=128)
    # An internal note for agents (verification, order actions); the customer's chat never shows it.
    internal: bool = False
    # The channel an agent's message went by when it is not the interaction's own ("Reply via"); None: its own.
    via: str | None = Field(default=None, max_length=16)
    # How many attachments the message carries: a transcript reads the attachment table only when it is not 0.
    attachment_count: int = 0
    # A customer's email: the original (its HTML, or all its text) can be opened beside the plain words shown.
    original_email: bool = False
    # A customer's email whose sender failed authentication (services/channels/email/authentication.py).
    sender_unverified: bool = False


class Attachment(SQLModel, table=True):
    """A file sent with a message. Until its message is sent it is staged: `message_id` is None and only its
    uploader sees it (the agent by user id, the customer through their own chat)."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    author: str = Field(default="agent", max_length=16)  # customer | agent
    uploader_user_id: int | None = Field(default=None, foreign_key="user.id")
    filename: str  # shown and offered on download; its extension is the kind's, whatever the sender called it
    kind: str = Field(default="", max_length=8)  # png | gif | jpg | pdf | txt: decided by content
    content_type: str
    size: int
    storage_path: str  # relative to ATTACHMENTS_DIR
    thumbnail_path: str | None = None  # pictures only
    thumbnail_width: int = 0
    thumbnail_height: int = 0
    created_at: datetime


class MediaFetch(SQLModel, table=True):
    """A picture or file a customer sent by SMS or WhatsApp, still to be fetched from Twilio: a durable job row,
    so the webhook answers at once and a fetch that fails is retried, by whichever worker claims it."""

    __table_args__ = (
        UniqueConstraint("message_id", "position"),
        Index("ix_mediafetch_due", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id")
    position: int = 0  # Twilio's N in MediaUrlN
    url: str = Field(max_length=2048)
    status: str = Field(default="pending", max_length=16)  # pending | done | failed
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_at: datetime | None = None
    last_error: str = ""
    created_at: datetime


class InboundMessage(SQLModel, table=True):
    """An inbound SMS or WhatsApp message as Twilio posted it, staged by the webhook in one statement before it
    answers. Its unique MessageSid is the de-duplication (a retry inserts nothing); the inbound loop claims
    pending rows in batches (`FOR UPDATE SKIP LOCKED`) and stores each as a message in an interaction. A row
    that fails is retried with a growing wait and then kept `failed` with its error: never lost silently."""

    __table_args__ = (Index("ix_inboundmessage_status_id", "status", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    message_sid: str = Field(max_length=128, unique=True)
    from_address: str = Field(max_length=128)  # as Twilio sent it: "+1415…" or "whatsapp:+1415…"
    to_address: str = Field(max_length=128)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    media: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON list of URLs
    received_at: datetime  # the message's time in the conversation (and the WhatsApp window), not when stored
    status: str = Field(default="pending", max_length=16)  # pending | done | failed
    outcome: str = Field(default="", max_length=24)  # stored | duplicate | unknown-number, once done
    attempts: int = 0  # failed attempts so far
    next_attempt_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    processed_at: datetime | None = None
    message_id: int | None = Field(default=None, foreign_key="message.id")


class EarlyDeliveryStatus(SQLModel, table=True):
    """A Twilio status callback for a message id we have not recorded yet: Twilio may call back before the
    transaction that stores the id returned by messages.create has committed. Kept, and applied when the
    message learns its id."""

    __table_args__ = (UniqueConstraint("sid", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(max_length=128, index=True)
    status: str = Field(max_length=16)
    error_code: str = Field(default="", max_length=16)
    received_at: datetime


class ResponseTemplate(SQLModel, table=True):
    # An agent's names are unique per organization (services/templates/store.py checks, ignoring case; this is
    # the backstop for two saves at once). Base templates (no owner) are checked by the service alone.
    __table_args__ = (UniqueConstraint("organization_id", "owner_user_id", "name",
                                       name="uq_responsetemplate_org_owner_name"),)
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    owner_user_id: int | None = Field(default=None, foreign_key="user.id")  # None: a base template
    name: str  # at most 80 characters (services/templates/store.py)
    body: str = Field(sa_column=Column(Text, nullable=False))
    body_format: str = Field(default="text", max_length=8, sa_column_kwargs={"server_default": "text"})  # text | html
    channels: str = "chat,sms,whatsapp,email"
    quick_response: bool = False
    display_sequence: int = 0


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    sku: str
    name: str
    image_path: str  # served by the app itself
    url: str
    price_cents: int


class Order(SQLModel, table=True):
    __table_args__ = (Index("ix_order_customer_created", "customer_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    customer_id: int = Field(foreign_key="customer.id")
    order_number: str
    created_at: datetime
    status: str = "Open"  # Open | Shipped | Delivered | Cancelled | Return Initiated
    total_cents: int = 0
    appeased_cents: int = 0


class Appeasement(SQLModel, table=True):
    """Money given back on an order as a goodwill gesture; the sum per order is capped per organization."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    amount_cents: int
    reason: str
    user_id: int = Field(foreign_key="user.id")
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")
    created_at: datetime


class Payment(SQLModel, table=True):
    """How an order was paid: shown on Order Status."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    method: str = Field(max_length=64)  # e.g. "Visa •••• 4242", "Gift card"
    amount_cents: int
    status: str = Field(default="Captured", max_length=16)  # Authorized | Captured | Refunded
    created_at: datetime


class Shipment(SQLModel, table=True):
    """A parcel of an order on its way: shown on Order Status."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    carrier: str = Field(max_length=64)
    tracking_number: str = Field(max_length=64)
    status: str = Field(default="In transit", max_length=16)  # In transit | Delivered
    shipped_at: datetime


class OrderLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="order.id", index=True)
    line_no: int
    item_id: int = Field(foreign_key="item.id")
    quantity: int = 1


class Recommendation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    rank: int


class CsatRating(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    interaction_id: int = Field(foreign_key="interaction.id", unique=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    score: int
    created_at: datetime


class CustomerNote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    author_user_id: int = Field(foreign_key="user.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class WrapUpCategory(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organization_id", "category", "subcategory"),)
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    category: str
    subcategory: str
    # Optional words that help the chatbot classifier (services/chatbot) tell the pairs apart: what the pair
    # covers, and example customer requests, one per line.
    description: str = Field(default="", max_length=1000)
    examples: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ChatbotTranscript(SQLModel, table=True):
    """A finished chatbot conversation a retailer's bot posted (POST /api/chatbot/transcripts), once per
    conversation id, with what the analysis found. A valid one holds its closed interaction (channel
    `chatbot`, the turns as its messages); a not valid one only says why (`invalid_reason`)."""

    __table_args__ = (UniqueConstraint("organization_id", "conversation_id"),)
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    conversation_id: str = Field(max_length=128)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id", unique=True)
    started_at: datetime
    ended_at: datetime
    received_at: datetime
    turns: int = 0
    valid: bool = True
    invalid_reason: str = Field(default="", max_length=200)
    # The analysis, all auto-generated on this machine; `method` names each part and its version.
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sentiment: str = Field(default="", max_length=16)  # positive | neutral | negative
    sentiment_score: float = 0.0  # VADER compound, weighted towards the customer's later turns
    category: str = ""  # empty: the classifier was not confident
    subcategory: str = ""
    category_confidence: float = 0.0
    method: str = Field(default="", max_length=200)


class OtpChallenge(SQLModel, table=True):
    """One passcode sent to a customer record for one interaction. Only the code's keyed hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    channel: str  # email | sms
    sent_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    code_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    superseded: bool = False
    failed_attempts: int = 0
    locked: bool = False


class OutboundMessage(SQLModel, table=True):
    """The outbox: every message for a customer's email or phone is a row first, then delivered."""

    # The delivery loop scans by status and due time, and keeps each recipient's messages in order.
    __table_args__ = (Index("ix_outbound_due", "status", "next_attempt_at"),
                      Index("ix_outbound_recipient", "recipient", "status"))

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")
    purpose: str = "message"  # message | otp
    channel: str  # email | sms | whatsapp
    recipient: str  # an email's To: one or more addresses, comma-separated
    cc: str = Field(default="", sa_column=Column(Text, nullable=False, default="", server_default=""))
    # An email's HTML part (sanitised); `body` is then its text part. Empty: a plain-text email.
    html: str = Field(default="", sa_column=Column(Text, nullable=False, default="", server_default=""))
    subject: str = ""
    body: str = Field(sa_column=Column(Text, nullable=False))  # an email's body may be (sanitised) HTML
    # SMS and WhatsApp: the number it goes out from (the one the customer wrote to); None: the configured one.
    sender: str | None = Field(default=None, max_length=32)
    # An approved WhatsApp template (Twilio Content API) instead of free text; `body` is its text as shown.
    content_sid: str | None = Field(default=None, max_length=64)
    content_variables: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON
    status: str = "pending"  # pending | sending (claimed) | sent | failed | held (no provider configured)
    claimed_at: datetime | None = None  # a claim older than the lease is taken over (its worker died)
    next_attempt_at: datetime | None = None  # a failed attempt waits (backoff) until then; None: now
    attempts: int = 0
    last_error: str = ""
    provider_id: str | None = None
    created_at: datetime
    sent_at: datetime | None = None


class WhatsAppTemplate(SQLModel, table=True):
    """A WhatsApp message template the organization had approved: the only way to write first, or again once
    24 hours have passed since the customer's last message. `body` holds the approved text with its
    placeholders {{1}}, {{2}}, … that the agent fills in."""

    __table_args__ = (UniqueConstraint("organization_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200)
    content_sid: str = Field(max_length=64)  # Twilio's HX… id of the approved content
    body: str = Field(sa_column=Column(Text, nullable=False))


class RoutingDecision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    at: datetime
    outcome: str  # assigned | queued
    chosen_user_id: int | None = Field(default=None, foreign_key="user.id")
    explanation: str = Field(sa_column=Column(Text, nullable=False))  # JSON


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    kind: str = Field(index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    subject: str = ""  # e.g. "interaction:12"
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class RateLimitWindow(SQLModel, table=True):
    """Attempts counted per key (e.g. "sign-in:203.0.113.9") in fixed one-minute windows, shared by every worker."""

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime = Field(primary_key=True, index=True)
    count: int = 0


class EmailRecord(SQLModel, table=True):
    """One inbound email, by its Message-ID (unique: a mail fetched twice is stored once), whatever became of it:
    stored as a message, or skipped (an auto-reply, an address no organization has). Keeps the whole message
    (plain text and sanitised HTML) beside the message row, which shows the part without quoted history."""

    id: int | None = Field(default=None, primary_key=True)
    rfc_message_id: str = Field(max_length=255, unique=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id", index=True)
    outcome: str = Field(max_length=24)  # stored | threaded | unverified | auto-reply | unknown-address
    from_address: str = Field(default="", max_length=254)
    subject: str = Field(default="", max_length=500)
    in_reply_to: str = Field(default="", max_length=255)
    full_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    html: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # sanitised (nh3)
    received_at: datetime


class MailboxCursor(SQLModel, table=True):
    """Where polling of one IMAP folder stands: its UIDVALIDITY and the last UID committed, moved in the same
    transaction as the mail it stored (a restart neither loses nor repeats mail), and the lease that lets one
    worker poll at a time (taken over once it runs out)."""

    mailbox: str = Field(primary_key=True, max_length=300)  # user@host/folder
    uidvalidity: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))  # 32-bit unsigned
    last_uid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    lease_owner: str = Field(default="", max_length=64)
    lease_until: datetime | None = None

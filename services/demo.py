"""Demo data (INBOX_DEMO=1), exactly as ui-contract.md describes it. Seeds only an empty database."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import embedding
from services.auth import AGENT_GRANTS, MANAGER_GRANTS, hash_password
from services.clock import Clock
from services.models import (
    AgentCapacity,
    Customer,
    Grant,
    Item,
    Order,
    OrderLine,
    Organization,
    Payment,
    Recommendation,
    ResponseTemplate,
    Shipment,
    Team,
    TeamMember,
    User,
    UserOrganization,
    WhatsAppTemplate,
    WrapUpCategory,
)
from services.channels.numbers import parse_address
from services.demo_wrap_up import WRAP_UP

DEMO_PASSWORD = "demo-pass"
CAPACITY = {"chat": 5, "sms": 5, "whatsapp": 5, "email": 10}
_ITEMS = [("tote", "Canvas Tote", 4800), ("scarf", "Silk Scarf", 6500), ("boots", "Ankle Boots", 15900),
          ("dress", "Linen Dress", 8900), ("sunglasses", "Sunglasses", 12000), ("candle", "Soy Candle", 2400),
          ("mug", "Stoneware Mug", 1800), ("hat", "Straw Hat", 3900)]
_BASE_TEMPLATES = [("One moment please", "One moment please while I look into this for you.", True),
                   ("Let me research your request", "Let me research your request; I'll be right back.", True),
                   ("Thanks for waiting", "Thank you for waiting. Here is what I found:", True),
                   ("Anything else", "Is there anything else I can help you with today?", True),
                   ("Return policy", "You can return unworn items within 30 days of delivery for a full refund.", False)]


async def is_empty(session: AsyncSession) -> bool:
    return (await session.exec(select(Organization.id).limit(1))).first() is None


async def _organization(session, slug, name, secret) -> Organization:
    # The demo retailer pages may live anywhere, so any site may frame the demo chats.
    org = Organization(slug=slug, name=name, chat_identity_secret=secret, allowed_chat_origins=embedding.ANY_SITE,
                       chatbot_secret=f"{slug}-bot-secret")
    session.add(org)
    await session.flush()
    for seq, (title, body, quick) in enumerate(_BASE_TEMPLATES, start=1):
        session.add(ResponseTemplate(organization_id=org.id, name=title, body=body, quick_response=quick,
                                     display_sequence=seq))
    for pair in WRAP_UP:
        session.add(WrapUpCategory(organization_id=org.id, category=pair.category, subcategory=pair.subcategory,
                                   description=pair.description, examples=pair.examples))
    return org


async def _user(session, login, first, last, role, orgs) -> User:
    user = User(user_id=login, first_name=first, last_name=last, role=role,
                password_hash=hash_password(DEMO_PASSWORD))
    session.add(user)
    await session.flush()
    for org in orgs:
        session.add(UserOrganization(user_id=user.id, organization_id=org.id))
    for grant in (MANAGER_GRANTS if role == "manager" else AGENT_GRANTS):
        session.add(Grant(user_id=user.id, name=grant))
    if role == "agent":
        for channel, capacity in CAPACITY.items():
            session.add(AgentCapacity(user_id=user.id, channel=channel, capacity=capacity))
    return user


async def _ellen(session, org: Organization, clock: Clock) -> None:
    now = clock()
    ellen = Customer(organization_id=org.id, external_id="ellen-smith", first_name="Ellen", last_name="Smith",
                     email="ellen.smith@example.com", phone="+14155550100", loyalty="Gold",
                     timezone="America/Los_Angeles", created_at=now - timedelta(days=700))
    session.add(ellen)
    items = []
    for sku, name, price in _ITEMS:
        item = Item(organization_id=org.id, sku=sku.upper(), name=name, image_path=f"/items/{sku}.svg",
                    url=f"https://{org.slug}.example.com/products/{sku}", price_cents=price)
        session.add(item)
        items.append(item)
    await session.flush()
    older = Order(organization_id=org.id, customer_id=ellen.id, order_number="SO-1001", status="Delivered",
                  created_at=now - timedelta(days=40), total_cents=items[6].price_cents)
    recent = Order(organization_id=org.id, customer_id=ellen.id, order_number="SO-1042", status="Open",
                   created_at=now - timedelta(days=2), total_cents=sum(i.price_cents for i in items[:5]))
    session.add_all([older, recent])
    await session.flush()
    session.add(OrderLine(order_id=older.id, line_no=1, item_id=items[6].id))
    for line_no, item in enumerate(items[:5], start=1):
        session.add(OrderLine(order_id=recent.id, line_no=line_no, item_id=item.id))
    for rank, item in enumerate(items[5:8], start=1):
        session.add(Recommendation(customer_id=ellen.id, item_id=item.id, rank=rank))
    _paid(session, older, "Visa •••• 4242", shipped=("UPS", "1Z999AA10123456784", "Delivered"))
    _paid(session, recent, "Visa •••• 4242", status="Authorized")
    await _marcus(session, org, items, now)


def _paid(session, order: Order, method: str, *, status: str = "Captured", shipped: tuple | None = None) -> None:
    """The order's payment, and its parcel once shipped (Order Status shows both)."""
    session.add(Payment(order_id=order.id, method=method, amount_cents=order.total_cents, status=status,
                        created_at=order.created_at))
    if shipped:
        carrier, tracking, state = shipped
        session.add(Shipment(order_id=order.id, carrier=carrier, tracking_number=tracking, status=state,
                             shipped_at=order.created_at + timedelta(days=1)))


async def _marcus(session, org: Organization, items: list[Item], now) -> None:
    """A second customer: his phone was stored without a country code (so it never matches, and no SMS
    can reach it), and his latest order is delivered, so Return is the quick action on offer."""
    marcus = Customer(organization_id=org.id, external_id="marcus-lee", first_name="Marcus", last_name="Lee",
                      email="marcus.lee@example.com", phone="4155550123", loyalty="Silver",
                      timezone="America/New_York", created_at=now - timedelta(days=120))
    session.add(marcus)
    await session.flush()
    order = Order(organization_id=org.id, customer_id=marcus.id, order_number="SO-1037", status="Delivered",
                  created_at=now - timedelta(days=9), total_cents=items[1].price_cents + items[3].price_cents)
    session.add(order)
    await session.flush()
    session.add_all([OrderLine(order_id=order.id, line_no=1, item_id=items[1].id),
                     OrderLine(order_id=order.id, line_no=2, item_id=items[3].id)])
    _paid(session, order, "Mastercard •••• 5100", shipped=("USPS", "9400111899223197428490", "Delivered"))
    for rank, item in enumerate((items[0], items[4], items[7]), start=1):
        session.add(Recommendation(customer_id=marcus.id, item_id=item.id, rank=rank))


async def _ellen_at_janes(session, org: Organization, clock: Clock) -> None:
    """The same person at the other brand is another customer: her Jane's order never shows at Sophia's."""
    now = clock()
    ellen = Customer(organization_id=org.id, external_id="ellen-smith", first_name="Ellen", last_name="Smith",
                     email="ellen.smith@example.com", phone="+14155550100", loyalty="Bronze",
                     timezone="America/Los_Angeles", created_at=now - timedelta(days=90))
    items = [Item(organization_id=org.id, sku=sku.upper(), name=name, image_path=f"/items/{sku}.svg",
                  url=f"https://{org.slug}.example.com/products/{sku}", price_cents=price)
             for sku, name, price in (_ITEMS[5], _ITEMS[7])]
    session.add_all([ellen, *items])
    await session.flush()
    order = Order(organization_id=org.id, customer_id=ellen.id, order_number="JA-2001", status="Shipped",
                  created_at=now - timedelta(days=5), total_cents=sum(i.price_cents for i in items))
    session.add(order)
    await session.flush()
    session.add_all(OrderLine(order_id=order.id, line_no=n, item_id=item.id) for n, item in enumerate(items, 1))
    _paid(session, order, "Gift card", shipped=("FedEx", "794644790138", "In transit"))


# The demo's WhatsApp template. A real one is approved by WhatsApp in Twilio's Content Template Builder, which
# gives its HX… content SID; this one works against the test stand-in of Twilio only.
DEMO_WHATSAPP_TEMPLATE = ("Order update", "HXd0e0000000000000000000000000demo",
                          "Hello from Sophia's! There is news about your order {{1}}. Reply here to talk to us.")


def _numbers(org: Organization, sms_number: str | None, whatsapp_number: str | None) -> None:
    """Sophia's answers on the numbers the environment names (TWILIO_SMS_FROM, TWILIO_WHATSAPP_FROM)."""
    org.sms_number = parse_address(sms_number).number if sms_number else None
    org.whatsapp_number = parse_address(whatsapp_number).number if whatsapp_number else None


async def seed(session: AsyncSession, *, clock: Clock, sms_number: str | None = None,
               whatsapp_number: str | None = None) -> bool:
    """Seed the demo organizations, users, Ellen Smith and Marcus Lee; returns False if data already exists."""
    if not await is_empty(session):
        return False
    sophias = await _organization(session, "sophias", "Sophia's", "sophias-demo-secret")
    _numbers(sophias, sms_number, whatsapp_number)
    sophias.inbound_email = "care@sophias.example"
    name, content_sid, body = DEMO_WHATSAPP_TEMPLATE
    session.add(WhatsAppTemplate(organization_id=sophias.id, name=name, content_sid=content_sid, body=body))
    janes = await _organization(session, "janes", "Jane's", "janes-demo-secret")
    janes.inbound_email = "care@janes.example"
    await _user(session, "alice", "Alice", "Andrews", "agent", [sophias, janes])
    bob = await _user(session, "bob", "Bob", "Baker", "agent", [sophias, janes])
    maria = await _user(session, "maria", "Maria", "Martinez", "manager", [sophias, janes])
    for org, team_name, member in ((sophias, "Escalations", maria), (sophias, "Returns", bob),
                                   (janes, "Escalations", maria)):
        team = Team(organization_id=org.id, name=team_name)
        session.add(team)
        await session.flush()
        session.add(TeamMember(team_id=team.id, user_id=member.id))
    await _ellen(session, sophias, clock)
    await _ellen_at_janes(session, janes, clock)
    return True

"""Small builders for service tests: organizations, agents and chats with exactly the fields a test needs."""

from __future__ import annotations

from services import interactions
from services.auth import AGENT_GRANTS, Identity, hash_password, identity_for_user
from services.models import AgentCapacity, Grant, Organization, Team, TeamMember, User, UserOrganization, WrapUpCategory

_FAST_HASH = hash_password("pw")  # hashing is slow by design; tests share one hash


async def make_org(db, slug: str = "sophias", name: str = "Sophia's", *, sms_number: str | None = None,
                   whatsapp_number: str | None = None) -> Organization:
    async with db.transaction() as session:
        org = Organization(slug=slug, name=name, chat_identity_secret=f"{slug}-secret", sms_number=sms_number,
                           whatsapp_number=whatsapp_number)
        session.add(org)
        await session.flush()
        session.add(WrapUpCategory(organization_id=org.id, category="Order", subcategory="Return"))
    return org


async def make_agent(db, login: str, orgs: list[Organization], *, available: bool = True, capacity: int = 5,
                     last_assigned_at=None, password_hash: str = _FAST_HASH) -> Identity:
    async with db.transaction() as session:
        user = User(user_id=login, first_name=login.title(), password_hash=password_hash, available=available,
                    last_assigned_at=last_assigned_at)
        session.add(user)
        await session.flush()
        for org in orgs:
            session.add(UserOrganization(user_id=user.id, organization_id=org.id))
        for grant in AGENT_GRANTS:
            session.add(Grant(user_id=user.id, name=grant))
        for channel in ("chat", "sms", "whatsapp", "email"):
            session.add(AgentCapacity(user_id=user.id, channel=channel, capacity=capacity))
    async with db.read() as session:
        return await identity_for_user(session, user_id=user.id)


async def new_chat(db, org: Organization, clock, *, email: str = "pat@example.com", first: str = "Pat",
                   last: str = "Lee"):
    async with db.transaction() as session:
        return await interactions.open_interaction(session, organization_id=org.id, channel="chat", clock=clock,
                                                   first_name=first, last_name=last, email=email)


async def make_customer(db, org: Organization, *, first: str = "Ellen", last: str = "Smith",
                        email: str | None = "ellen.smith@example.com", phone: str | None = "+14155550100",
                        external_id: str | None = None):
    from services.models import Customer

    async with db.transaction() as session:
        customer = Customer(organization_id=org.id, external_id=external_id or f"{first}-{last}-{email}-{phone}",
                            first_name=first, last_name=last, email=email, phone=phone)
        session.add(customer)
        await session.flush()
        return customer


async def make_team(db, org, name: str, *members) -> Team:
    """A team of the organization with these agents (identities) as members."""
    async with db.transaction() as session:
        team = Team(organization_id=org.id, name=name)
        session.add(team)
        await session.flush()
        session.add_all([TeamMember(team_id=team.id, user_id=m.user_id) for m in members])
    return team

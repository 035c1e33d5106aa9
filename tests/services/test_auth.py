"""Sign-in, lockout, sessions, presence and sign-out."""

from __future__ import annotations

from sqlmodel import select

from services import auth, presence
from services.models import AuditEvent, User
from tests.services.factories import make_agent, make_org

SECRET = "test-secret"


async def _sign_in(db, clock, password="pw", login="alice"):
    async with db.transaction() as session:
        return await auth.sign_in(session, login=login, password=password, secret_key=SECRET, clock=clock)


async def _identity(db, clock, token):
    async with db.read() as session:
        return await auth.identity_for_token(session, token=token, secret_key=SECRET, clock=clock)


async def _audit_kinds(db) -> list[str]:
    async with db.read() as session:
        return list((await session.exec(select(AuditEvent.kind).order_by(AuditEvent.id))).all())


async def test_sign_in_starts_unavailable_and_sign_out_keeps_it_so(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org], available=True)
    result = await _sign_in(db, clock)
    assert result.error is None and result.token
    identity = await _identity(db, clock, result.token)
    assert identity.user_id == alice.user_id and identity.organization_ids == {org.id}
    async with db.read() as session:
        assert await presence.is_available(session, identity=identity) is False
    async with db.transaction() as session:
        assert await presence.set_available(session, identity=identity, available=True, clock=clock) is True
    async with db.transaction() as session:
        await auth.sign_out(session, token=result.token, secret_key=SECRET, clock=clock)
    assert await _identity(db, clock, result.token) is None
    async with db.read() as session:
        assert (await session.get(User, alice.user_id)).available is False


async def test_wrong_password_and_unknown_user_get_the_same_message(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    assert (await _sign_in(db, clock, password="nope")).error == "Invalid user ID or password"
    assert (await _sign_in(db, clock, login="nobody")).error == "Invalid user ID or password"


async def test_five_wrong_passwords_lock_the_user_for_a_minute_and_are_audited(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    for _ in range(5):
        assert (await _sign_in(db, clock, password="nope")).token is None
    locked = await _sign_in(db, clock)  # even the right password is refused while locked
    assert locked.token is None and "Too many failed sign-ins" in locked.error
    kinds = await _audit_kinds(db)
    assert kinds.count("sign_in.failed") == 5 and "sign_in.locked" in kinds and "sign_in.refused_locked" in kinds
    clock.advance(seconds=61)
    assert (await _sign_in(db, clock)).token is not None


async def test_a_session_expires(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    token = (await _sign_in(db, clock)).token
    clock.advance(hours=12, seconds=1)
    assert await _identity(db, clock, token) is None
    assert await _identity(db, clock, "forged-token") is None
    assert await _identity(db, clock, "") is None

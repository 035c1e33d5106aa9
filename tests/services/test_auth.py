"""Sign-in, lockout, sessions, presence and sign-out."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
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


async def _user(db, user_id: int) -> User:
    async with db.read() as session:
        return await session.get(User, user_id)


async def _audit_details(db, kind: str, user_id: int) -> list[dict]:
    async with db.read() as session:
        details = (await session.exec(select(AuditEvent.detail).where(
            AuditEvent.kind == kind, AuditEvent.actor_user_id == user_id))).all()
    return [json.loads(detail) for detail in details]


async def _wrong_passwords_in_parallel(db, clock, count: int) -> list[auth.SignInResult]:
    """Each guess in its own transaction, all at once, as parallel requests on several workers would be."""
    return await asyncio.gather(*[_sign_in(db, clock, password=f"guess-{i}") for i in range(count)])


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


async def test_the_locked_message_counts_down_the_seconds_left(db, clock):
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    for _ in range(5):
        await _sign_in(db, clock, password="nope")
    assert (await _sign_in(db, clock)).error == "Too many failed sign-ins. Try again in 60 seconds."
    clock.advance(seconds=30, milliseconds=500)
    assert (await _sign_in(db, clock)).error == "Too many failed sign-ins. Try again in 30 seconds."


async def test_one_wrong_password_a_minute_cannot_keep_a_user_locked_out(db, clock):
    # An attacker who knows the user ID locks alice once, then keeps guessing once a minute.
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    for _ in range(5):
        await _sign_in(db, clock, password="nope")
    assert "Too many failed sign-ins" in (await _sign_in(db, clock)).error
    clock.advance(seconds=61)
    assert (await _sign_in(db, clock, password="nope")).error == "Invalid user ID or password"
    user = await _user(db, alice.user_id)
    assert user.failed_sign_ins == 1 and user.locked_until is None
    assert (await _sign_in(db, clock)).token is not None


async def test_after_a_lock_expires_it_takes_five_new_failures_to_lock_again(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    for _ in range(5):
        await _sign_in(db, clock, password="nope")
    clock.advance(seconds=61)
    for _ in range(4):
        await _sign_in(db, clock, password="nope")
    assert (await _user(db, alice.user_id)).locked_until is None
    await _sign_in(db, clock, password="nope")
    assert "Too many failed sign-ins" in (await _sign_in(db, clock)).error
    assert len(await _audit_details(db, "sign_in.locked", alice.user_id)) == 2


async def test_a_successful_sign_in_clears_the_failure_count(db, clock):
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    for _ in range(4):
        await _sign_in(db, clock, password="nope")
    assert (await _sign_in(db, clock)).token is not None
    assert (await _user(db, alice.user_id)).failed_sign_ins == 0
    for _ in range(4):
        await _sign_in(db, clock, password="nope")
    assert (await _sign_in(db, clock)).token is not None  # 4 + 4 wrong, but never 5 in a row


async def test_parallel_wrong_passwords_lose_no_increment(db, clock):
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers; lost updates are proven on PostgreSQL")
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    await _wrong_passwords_in_parallel(db, clock, 4)
    user = await _user(db, alice.user_id)
    assert user.failed_sign_ins == 4 and user.locked_until is None


async def test_twenty_parallel_wrong_passwords_are_each_counted_and_lock_the_user(db, clock):
    """Counted means: one sign_in.failed event per guess, each seeing its own count 1..20, and one lock."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers; lost updates are proven on PostgreSQL")
    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    results = await _wrong_passwords_in_parallel(db, clock, 20)
    assert all(result.error == "Invalid user ID or password" for result in results)
    failures = sorted(detail["failures"] for detail in await _audit_details(db, "sign_in.failed", alice.user_id))
    assert failures == list(range(1, 21))
    assert len(await _audit_details(db, "sign_in.locked", alice.user_id)) == 1
    user = await _user(db, alice.user_id)
    assert user.failed_sign_ins == 20 and user.locked_until == clock() + auth.LOCK_DURATION
    assert "Too many failed sign-ins" in (await _sign_in(db, clock)).error


class _ThreadSpyHasher:
    """Wraps the real hasher and notes which thread each verify ran on."""

    def __init__(self, hasher):
        self._hasher = hasher
        self.threads: list[int] = []

    def verify(self, password_hash, password):
        self.threads.append(threading.get_ident())
        return self._hasher.verify(password_hash, password)


async def test_argon2_runs_off_the_event_loop(db, clock, monkeypatch):
    # A ~50 ms verify on the loop thread would stall every socket on the worker.
    org = await make_org(db)
    await make_agent(db, "alice", [org])
    spy = _ThreadSpyHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", spy)
    await _sign_in(db, clock, login="nobody")
    await _sign_in(db, clock, password="nope")
    assert (await _sign_in(db, clock)).token is not None
    assert len(spy.threads) == 3 and threading.get_ident() not in spy.threads


async def test_a_cached_identity_costs_one_query_and_still_sees_sign_out_expiry_and_new_grants(db, clock):
    from sqlalchemy import event

    from services.models import Grant

    org = await make_org(db)
    alice = await make_agent(db, "alice", [org])
    async with db.transaction() as session:
        token = (await auth.sign_in(session, login="alice", password="pw", secret_key=SECRET, clock=clock)).token
    statements: list[str] = []

    def _count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", _count)
    try:
        async with db.read() as session:
            first = await auth.current_identity(session, token=token, secret_key=SECRET, clock=clock)
            statements.clear()
            again = await auth.current_identity(session, token=token, secret_key=SECRET, clock=clock, cached=first)
        assert again is first and len(statements) == 1
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", _count)

    async with db.transaction() as session:  # a manager grants something: the next event sees it
        session.add(Grant(user_id=alice.user_id, name="outbox"))
        await auth.bump_access_version(session, user_id=alice.user_id)
    async with db.read() as session:
        regranted = await auth.current_identity(session, token=token, secret_key=SECRET, clock=clock, cached=first)
    assert regranted is not first and regranted.identity.can("outbox")

    clock.advance(hours=12)  # the session's lifetime is over
    async with db.read() as session:
        assert await auth.current_identity(session, token=token, secret_key=SECRET, clock=clock, cached=regranted) is None
    clock.advance(hours=-12)
    async with db.transaction() as session:
        await auth.sign_out(session, token=token, secret_key=SECRET, clock=clock)
    async with db.read() as session:
        assert await auth.current_identity(session, token=token, secret_key=SECRET, clock=clock, cached=regranted) is None

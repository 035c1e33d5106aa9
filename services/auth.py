"""Sign-in, server-side sessions and the identity every handler derives its rights from."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, case, delete, literal, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services import audit, events
from services.clock import Clock
from services.models import AuthSession, Grant, User, UserOrganization
from services.text import full_name

SESSION_LIFETIME = timedelta(hours=12)
FAILURES_BEFORE_LOCK = 5
LOCK_DURATION = timedelta(minutes=1)
INVALID_SIGN_IN = "Invalid user ID or password"

# Grants named after the actions they allow; agents get the working set, managers get all.
AGENT_GRANTS = ("inbox", "customer_notes", "appease", "cancel", "return", "transfer", "order_edit", "case_edit",
                "customer_profile_edit")
MANAGER_GRANTS = AGENT_GRANTS + ("routing_explanations", "manage_wrap_up", "manage_organization", "outbox",
                                  "manage_teams", "manage_templates")

_hasher = PasswordHasher()
# Verifying against this keeps a wrong user ID as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@dataclass(frozen=True)
class Identity:
    """What a handler may do: derived from the server-side session, never from the client."""

    user_id: int
    login: str
    display_name: str
    role: str
    organization_ids: frozenset[int]
    grants: frozenset[str]

    def can(self, grant: str) -> bool:
        return grant in self.grants

    def serves(self, organization_id: int) -> bool:
        return organization_id in self.organization_ids


@dataclass(frozen=True)
class SignInResult:
    token: str | None
    error: str | None


def _token_hash(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


async def sign_in(
    session: AsyncSession, *, login: str, password: str, secret_key: str, clock: Clock
) -> SignInResult:
    now = clock()
    login = login.strip()
    # Plain columns, no row lock: the ~50 ms of argon2 below must not hold up anyone else's sign-in.
    user = (
        await session.exec(select(User.id, User.password_hash, User.locked_until).where(User.user_id == login))
    ).first()
    if user is None:
        await _password_matches(_DUMMY_HASH, password)  # a wrong user ID costs as long as a wrong password
        audit.record(session, at=now, kind="sign_in.failed", subject=f"login:{login[:64]}")
        return SignInResult(None, INVALID_SIGN_IN)
    if user.locked_until and user.locked_until > now:
        audit.record(session, at=now, kind="sign_in.refused_locked", actor_user_id=user.id)
        return SignInResult(None, _locked_message(user.locked_until, now))
    if not await _password_matches(user.password_hash, password):
        await _count_failure(session, user_id=user.id, now=now)
        return SignInResult(None, INVALID_SIGN_IN)
    # The lock was judged from the read above; a right password that raced a parallel guess's lock gets in,
    # just as it would have a moment earlier. The lock exists to stop guessing, not the owner.
    await _mark_signed_in(session, user_id=user.id, now=now)
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_token_hash(secret_key, token), user_id=user.id,
                            created_at=now, expires_at=now + SESSION_LIFETIME))
    audit.record(session, at=now, kind="sign_in.succeeded", actor_user_id=user.id)
    events.notify(session, events.presence_topic(user.id))  # signing in starts Unavailable, in every tab
    return SignInResult(token, None)


async def _password_matches(password_hash: str, password: str) -> bool:
    """Argon2 burns CPU on purpose; in a thread it leaves the event loop free for every other socket."""
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash, password or "-")
    except (VerificationError, InvalidHashError):
        return False


def _locked_message(locked_until: datetime, now: datetime) -> str:
    wait = max(1, math.ceil((locked_until - now).total_seconds()))
    return f"Too many failed sign-ins. Try again in {wait} seconds."


async def _count_failure(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """Counts one wrong password in a single UPDATE ... RETURNING.

    The database bumps the counter itself, so parallel guesses cannot lose an increment, and PostgreSQL's row
    lock is taken only now, after hashing. An expired lock starts the count again from zero: otherwise, after one
    lock, a single wrong password a minute would keep the user locked out for good.
    """
    lock_over = and_(User.locked_until.is_not(None), User.locked_until <= now)
    failures = case((lock_over, 0), else_=User.failed_sign_ins) + 1
    until = literal(now + LOCK_DURATION, type_=User.__table__.c.locked_until.type)
    counted = (
        update(User)
        .where(User.id == user_id)
        .values(failed_sign_ins=failures,
                locked_until=case((failures >= FAILURES_BEFORE_LOCK, until), (lock_over, None),
                                  else_=User.locked_until))
        .returning(User.failed_sign_ins, User.locked_until)
        .execution_options(synchronize_session=False)  # sign_in loads no User object that could go stale
    )
    failed_sign_ins, locked_until = (await session.exec(counted)).one()
    audit.record(session, at=now, kind="sign_in.failed", actor_user_id=user_id, failures=failed_sign_ins)
    # Guesses racing past the threshold only extend the same lock, so it is recorded once.
    if failed_sign_ins == FAILURES_BEFORE_LOCK:
        audit.record(session, at=now, kind="sign_in.locked", actor_user_id=user_id, until=locked_until)


async def _mark_signed_in(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    # Seed rule: every sign-in starts Unavailable; the agent chooses Available.
    await session.exec(
        update(User)
        .where(User.id == user_id)
        .values(failed_sign_ins=0, locked_until=None, available=False, available_since=now)
        .execution_options(synchronize_session=False)
    )


async def identity_for_token(
    session: AsyncSession, *, token: str, secret_key: str, clock: Clock
) -> Identity | None:
    if not token:
        return None
    auth = (
        await session.exec(
            select(AuthSession).where(AuthSession.token_hash == _token_hash(secret_key, token))
        )
    ).first()
    if auth is None or auth.expires_at <= clock():
        return None
    return await identity_for_user(session, user_id=auth.user_id)


@dataclass(frozen=True)
class SessionIdentity:
    """An identity as a connection caches it: valid while its session lives and the user's access_version
    is the one it was read at."""

    token_hash: str
    access_version: int
    identity: Identity


async def current_identity(session: AsyncSession, *, token: str, secret_key: str, clock: Clock,
                           cached: SessionIdentity | None = None) -> SessionIdentity | None:
    """The signed-in user for this token, re-checked with one indexed query when `cached` still holds.

    A sign-out elsewhere (the session row is gone), an expiry, or a change of grants or organizations
    (access_version moved) is seen at the next event; only then are the user's grants read again.
    """
    if not token:
        return None
    token_hash = _token_hash(secret_key, token)
    row = (await session.exec(
        select(AuthSession.user_id, AuthSession.expires_at, User.access_version)
        .join(User, User.id == AuthSession.user_id).where(AuthSession.token_hash == token_hash))).first()
    if row is None or row.expires_at <= clock():
        return None
    if cached is not None and cached.token_hash == token_hash and cached.access_version == row.access_version:
        return cached
    identity = await identity_for_user(session, user_id=row.user_id)
    return SessionIdentity(token_hash, row.access_version, identity) if identity else None


async def bump_access_version(session: AsyncSession, *, user_id: int) -> None:
    """Call after changing a user's grants, organizations or name: connections re-read their identity."""
    await session.exec(update(User).where(User.id == user_id).values(access_version=User.access_version + 1))


def display_name(user: User) -> str:
    """How the app names a user: first and last name, or the sign-in name when none is set."""
    return full_name(user.first_name, user.last_name) or user.user_id


async def identity_for_user(session: AsyncSession, *, user_id: int) -> Identity | None:
    user = await session.get(User, user_id)
    if user is None:
        return None
    org_ids = (
        await session.exec(
            select(UserOrganization.organization_id).where(UserOrganization.user_id == user_id)
        )
    ).all()
    grants = (await session.exec(select(Grant.name).where(Grant.user_id == user_id))).all()
    return Identity(user_id=user.id, login=user.user_id, display_name=display_name(user), role=user.role,
                    organization_ids=frozenset(org_ids), grants=frozenset(grants))


async def sign_out(session: AsyncSession, *, token: str, secret_key: str, clock: Clock) -> None:
    """Ends the session and, per the seed, sets the agent Unavailable."""
    auth = (
        await session.exec(
            select(AuthSession).where(AuthSession.token_hash == _token_hash(secret_key, token))
        )
    ).first()
    if auth is None:
        return
    user = await session.get(User, auth.user_id)
    now = clock()
    user.available = False
    user.available_since = now
    session.add(user)
    await session.exec(delete(AuthSession).where(AuthSession.id == auth.id))
    audit.record(session, at=now, kind="sign_out", actor_user_id=user.id)
    # The session's other tabs find it gone; the user's other sessions show them Unavailable.
    events.notify(session, events.agent_topic(user.id), events.presence_topic(user.id))

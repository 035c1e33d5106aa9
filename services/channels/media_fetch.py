"""Pictures and files customers send by SMS or WhatsApp. Twilio's webhook names them (`MediaUrl{N}`); they are
fetched after the webhook has been answered, through durable job rows (MediaFetch) that any worker's loop
claims (`FOR UPDATE SKIP LOCKED`), retried with a growing wait, and stored by the attachment rules.

The fetch sends the account's credentials to Twilio's API host only: Twilio answers with a redirect to its
CDN, which is followed without them. It streams, and stops at the channel's size limit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Awaitable, Callable, Mapping
from urllib.parse import urljoin, urlsplit

import httpx
from sqlmodel import col, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from services import events, interactions
from services.attachments import rules, staging
from services.channels import delivery_status
from services.clock import Clock
from services.config import Settings
from services.errors import Refused
from services.models import Interaction, MediaFetch, Message

_log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
MAX_MEDIA = 10  # Twilio sends at most ten per message
MAX_REDIRECTS = 3
FETCH_TIMEOUT = timedelta(seconds=20)  # per read
FETCH_DEADLINE = timedelta(seconds=60)  # the whole fetch, redirects included
CLAIM_LEASE = timedelta(minutes=2)
BACKOFF = [timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30)]
MAX_ATTEMPTS = len(BACKOFF) + 1


class FetchFailed(Exception):
    """The media could not be fetched now; the job is tried again later."""


@dataclass(frozen=True)
class Fetched:
    data: bytes
    too_large: bool  # the limit was reached: only the first limit + 1 bytes are here


Fetcher = Callable[[str, Settings, int], Awaitable[Fetched]]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def api_origin(settings: Settings | None) -> tuple[str, str]:
    return _origin((settings.twilio_api_base if settings else None) or TWILIO_API)


def media_urls(fields: Mapping[str, str], settings: Settings | None) -> list[str]:
    """The webhook's media URLs, those on Twilio's API host only (nothing else gets fetched, or our
    credentials)."""
    try:
        count = min(int(fields.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    urls = [str(fields.get(f"MediaUrl{n}") or "") for n in range(count)]
    return [url for url in urls if url and _origin(url) == api_origin(settings)]


def queue(session: AsyncSession, *, message: Message, urls: list[str], at) -> None:
    """The message waits ("receiving") until its media is fetched; each file is a job row."""
    if not urls:
        return
    message.delivery_status = "receiving"
    session.add(message)
    for position, url in enumerate(urls):
        session.add(MediaFetch(message_id=message.id, position=position, url=url[:2048], created_at=at))


async def fetch(url: str, settings: Settings, limit: int) -> Fetched:
    """GET the media: the credentials go to Twilio's API host only, redirects are followed by hand so they are
    never replayed on the CDN, and the body is read until `limit` + 1 bytes at most."""
    auth = (settings.twilio_account_sid or "", settings.twilio_auth_token or "")
    async with httpx.AsyncClient(timeout=FETCH_TIMEOUT.total_seconds(), follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            credentials = auth if _origin(url) == api_origin(settings) else None
            async with client.stream("GET", url, auth=credentials) as answer:
                if answer.is_redirect and answer.headers.get("location"):
                    url = urljoin(url, answer.headers["location"])
                    if urlsplit(url).scheme not in ("http", "https"):
                        raise FetchFailed("redirected away from http(s)")
                    continue
                if answer.status_code != 200:
                    raise FetchFailed(f"HTTP {answer.status_code}")
                data = bytearray()
                async for chunk in answer.aiter_bytes():
                    data += chunk
                    if len(data) > limit:
                        return Fetched(bytes(data[: limit + 1]), True)
                return Fetched(bytes(data), False)
    raise FetchFailed("too many redirects")


def _due(now):
    waited = or_(col(MediaFetch.next_attempt_at).is_(None), col(MediaFetch.next_attempt_at) <= now)
    return or_((MediaFetch.status == "pending") & waited,
               (MediaFetch.status == "fetching") & (col(MediaFetch.claimed_at) < now - CLAIM_LEASE))


async def _claim(db, *, clock: Clock, limit: int) -> list[MediaFetch]:
    now = clock()
    async with db.transaction() as session:
        jobs = (await session.exec(select(MediaFetch).where(_due(now)).order_by(MediaFetch.id).limit(limit)
                                   .with_for_update(skip_locked=True))).all()
        claimed = []
        for job in jobs:
            if job.status == "fetching" and job.attempts >= MAX_ATTEMPTS:
                # Its last attempt never came back (the worker died each time): given up, not fetched again.
                job.status, job.claimed_at, job.last_error = "failed", None, "its worker stopped while fetching"
                await _give_up(session, job, at=now)
            else:
                job.status, job.claimed_at, job.attempts = "fetching", now, job.attempts + 1
                claimed.append(job)
            session.add(job)
    return claimed


async def _give_up(session: AsyncSession, job: MediaFetch, *, at) -> None:
    message = await session.get(Message, job.message_id, with_for_update=True, populate_existing=True)
    interaction = await session.get(Interaction, message.interaction_id)
    interactions.add_system_message(session, interaction=interaction, at=at, internal=True,
                                    body="A file the customer sent could not be fetched from Twilio.")
    await _finish_message(session, message, interaction)


async def _finish_message(session: AsyncSession, message: Message, interaction: Interaction) -> None:
    """When the message's last file is in, it is "received"; the agent's screen is told either way."""
    waiting = (await session.exec(select(MediaFetch.id).where(MediaFetch.message_id == message.id,
                                                              col(MediaFetch.status).in_(("pending", "fetching")))
                                  )).first()
    if waiting is None:
        message.delivery_status = "received"
        session.add(message)
    events.notify_interaction(session, interaction)


async def _store(db, job: MediaFetch, fetched: Fetched, *, channel_rules, root: Path, clock: Clock) -> None:
    """Check the file off the event loop first, then record it on its message (held locked: the message's other
    files may be finishing at the same moment on another worker)."""
    name = f"media-{job.position + 1}"
    try:
        if fetched.too_large:
            raise Refused(rules.too_large(channel_rules, name, len(fetched.data)))
        [ready] = await staging.prepare([staging.Upload(name, fetched.data)], channel_rules)
    except Refused as refused:
        ready, refusal = None, str(refused)
    async with db.transaction() as session:
        claimed = await session.exec(update(MediaFetch).where(MediaFetch.id == job.id, MediaFetch.status == "fetching",
                                                              MediaFetch.claimed_at == job.claimed_at)
                                     .values(status="done", claimed_at=None))
        if claimed.rowcount != 1:
            return  # another worker took the job over after our lease ran out: it stores it
        message = await session.get(Message, job.message_id, with_for_update=True, populate_existing=True)
        interaction = await session.get(Interaction, message.interaction_id)
        if ready is not None:
            await staging.receive(session, message=message, interaction=interaction, ready=ready, root=root,
                                  at=clock())
        else:
            interactions.add_system_message(session, interaction=interaction, at=clock(), internal=True,
                                            body=f"A file the customer sent was not accepted: {refusal}")
        await _finish_message(session, message, interaction)


async def _retry_or_fail(db, job: MediaFetch, error: str, *, clock: Clock) -> None:
    now = clock()
    done = job.attempts >= MAX_ATTEMPTS
    async with db.transaction() as session:
        changed = await session.exec(update(MediaFetch).where(MediaFetch.id == job.id, MediaFetch.status == "fetching",
                                                              MediaFetch.claimed_at == job.claimed_at)
                                     .values(status="failed" if done else "pending", claimed_at=None,
                                             last_error=error[:500],
                                             next_attempt_at=None if done else now + BACKOFF[job.attempts - 1]))
        if changed.rowcount == 1 and done:
            await _give_up(session, job, at=now)


async def _channel_rules(db, job: MediaFetch) -> rules.ChannelRules:
    async with db.read() as session:
        message = await session.get(Message, job.message_id)
        interaction = await session.get(Interaction, message.interaction_id)
    return staging.channel_rules_for(interaction.channel)


async def _handle(db, settings: Settings, job: MediaFetch, *, clock: Clock, root: Path, fetcher: Fetcher) -> None:
    channel_rules = await _channel_rules(db, job)
    try:
        async with asyncio.timeout(FETCH_DEADLINE.total_seconds()):  # per read timeouts alone never end a trickle
            fetched = await fetcher(job.url, settings, channel_rules.max_bytes)
    except (FetchFailed, httpx.HTTPError, TimeoutError) as exc:
        await _retry_or_fail(db, job, f"{type(exc).__name__}: {exc}", clock=clock)
        return
    await _store(db, job, fetched, channel_rules=channel_rules, root=root, clock=clock)


async def fetch_pending(db, settings: Settings, *, clock: Clock, root: Path, fetcher: Fetcher = fetch,
                        limit: int = 10) -> int:
    """One pass: claim due jobs, fetch each outside any transaction, store or reschedule it. Whatever goes
    wrong with one job (a bad redirect, a full disk) reschedules that job and spares the rest of the batch."""
    jobs = await _claim(db, clock=clock, limit=limit)
    for job in jobs:
        try:
            await _handle(db, settings, job, clock=clock, root=root, fetcher=fetcher)
        except Exception as exc:  # noqa: BLE001 - recorded on the job, which is retried and then given up
            _log.exception("media job %s failed", job.id)
            await _retry_or_fail(db, job, f"{type(exc).__name__}: {exc}", clock=clock)
    return len(jobs)


async def run_media_loop(db, settings: Settings, *, clock: Clock, interval: float = 1.0) -> None:
    """Fetches media every `interval`; once a minute also lets go of files attached and never sent."""
    passes = 0
    while True:
        try:
            await fetch_pending(db, settings, clock=clock, root=settings.attachments_dir)
            if passes % 60 == 0:
                await staging.discard_abandoned(db, root=settings.attachments_dir)
                await delivery_status.forget_unmatched(db, before=clock() - delivery_status.EARLY_KEPT)
            passes += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("media fetch pass failed; retrying")
        await asyncio.sleep(interval)  # wall time is fine: when a job is due is decided by `clock`

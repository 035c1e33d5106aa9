"""Push on change: one listener per worker turns "agent X / interaction Y changed" into a refresh of
exactly the connected tabs that show it. No client polls.

Tabs register here from their own events, which always run on the worker holding their socket, so
each worker's registry lists only its own sockets. With Redis, the bus reaches every worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, defaultdict
from collections.abc import Mapping

import reflex as rx
from reflex.istate.data import RouterData
from reflex_base.constants.route import RouteVar

from inbox_app import runtime, tab_memory
from services import events

_log = logging.getLogger(__name__)
Listener = tuple[str, type]  # (client token, state class to refresh)
# topic -> the listeners that hear it
_registry: dict[str, set[Listener]] = defaultdict(set)
# listener -> its topics, so a tab that moves on stops hearing its old topics
_topics_of: dict[Listener, set[str]] = {}
# listener -> the page it registered from
_page_of: dict[Listener, str] = {}
# tab -> its listeners: a refresh re-registers its tab, and must not scan every tab of the worker to do it
_keys_of: dict[str, set[Listener]] = defaultdict(set)
# listener -> topic -> the number of the latest notice of that topic its state has read past (services/events.py)
_seen: dict[Listener, dict[str, int]] = {}
# topic -> the number of the latest notice of it this worker has received, for the most recent topics. A tab
# starts hearing a topic right after reading what it shows, so it holds what that notice told of. (A notice
# that came between the read and the start is missed either way, numbered or not.)
_latest: "OrderedDict[str, int]" = OrderedDict()
# A number this far below the last one read is not a late copy but a counter that restarted lower.
_RESTARTED = 1_000_000
_LATEST_KEPT = 20_000  # topics; past it the oldest are forgotten, and a tab that hears one reloads on a reconnect


def watch(token: str, state_cls: type, topics: set[str], *, page: str = "") -> None:
    """Make `topics` the set this tab's state hears on `page` (replacing what it heard before).

    A tab shows one page at a time: a page that starts listening silences what the tab heard for the page
    it left, so an agent who moved from /routing to /inbox no longer reloads the routing log on every
    message. States of the same page (the bell and the outbox list) listen side by side.
    """
    for other in [key for key in _keys_of.get(token, ()) if _page_of[key] != page]:
        forget(*other)
    key = (token, state_cls)
    heard = _topics_of.get(key, set())
    _unregister(key, heard - topics)
    seen = _seen.setdefault(key, {})
    for topic in heard - topics:  # heard again later, its numbers start afresh: no gap in what it did not hear
        seen.pop(topic, None)
    for topic in topics - heard:  # only a topic it starts hearing now, never one whose refresh failed
        if topic in _latest:
            seen[topic] = _latest[topic]
    for topic in topics:
        _registry[topic].add(key)
    _topics_of[key], _page_of[key] = set(topics), page
    _keys_of[token].add(key)


def _unregister(key: Listener, topics: set[str]) -> None:
    for topic in topics:
        _registry[topic].discard(key)
        if not _registry[topic]:
            del _registry[topic]


def assign_if_changed(state, name: str, value) -> None:
    """Reflex resends a var whenever it is assigned; a push that changed nothing on screen sends nothing."""
    if getattr(state, name) != value:
        setattr(state, name, value)


def forget(token: str, state_cls: type) -> None:
    key = (token, state_cls)
    _unregister(key, _topics_of.pop(key, set()))
    _page_of.pop(key, None)
    _seen.pop(key, None)
    keys = _keys_of.get(token)
    if keys is not None:
        keys.discard(key)
        if not keys:
            del _keys_of[token]


# (token, state class) -> topics heard since its refresh started. A key is present while a refresh is
# queued or running; what arrives meanwhile is folded into one more refresh instead of one per change.
# With 50 customers typing to one agent this turns 50 queued reloads into a handful.
_pending: dict[tuple[str, type], set[str]] = {}


async def _refresh(app: rx.App, token: str, state_cls: type, topics: set[str]) -> None:
    async with app.modify_state(rx.BaseStateToken(ident=token, cls=state_cls)) as root:
        _reconnect_router(app, root, token, _page_of.get((token, state_cls), ""))
        state = await root.get_state(state_cls)
        await state._on_change(topics)


def _reconnect_router(app: rx.App, root, token: str, page: str) -> None:
    """A state that Redis lost (FLUSHDB, failover) comes back without its connection's router data, so it
    would not know the tab's session cookie. Events bring that data themselves; a push does not, so it is
    filled in from what this worker keeps for the socket (Reflex's per-connection headers and address)."""
    if root.router.session.client_token:
        return
    namespace = app.event_namespace
    record = _sockets(app).get(token)
    sid = record.sid if record else None
    connection = dict(getattr(namespace, "_static_router_data", {}).get(sid, {}))  # Reflex keeps it per socket
    connection.update({RouteVar.CLIENT_TOKEN: token, RouteVar.PATH: page})
    root.router = RouterData.from_router_data(connection)


async def _drain(app: rx.App, key: tuple[str, type]) -> None:
    token, state_cls = key
    try:
        while _pending.get(key):
            topics, _pending[key] = _pending[key], set()
            try:
                await _refresh(app, token, state_cls, topics)
            except Exception:
                _seen.pop(key, None)  # it read nothing: the next notice must not be skipped as read
                _log.exception("push to %s failed", token)
    finally:
        _pending.pop(key, None)


def _listeners(topic: str) -> list[tuple[str, type]]:
    if topic == events.EVERYTHING:  # the bus reconnected: notices may be lost, every tab reloads once
        return list(_topics_of)
    return list(_registry.get(topic, ()))


def _heard(topics: set[str]) -> dict[Listener, set[str]]:
    """Each listener, with the topics of one notice it hears: one commit, one refresh per tab."""
    heard: dict[Listener, set[str]] = defaultdict(set)
    for topic in topics:
        for key in _listeners(topic):
            heard[key].add(topic)
    return heard


def _sockets(app: rx.App) -> Mapping[str, object]:
    """The tabs connected: Reflex's token -> socket record map, read in place. Its public `token_to_sid` copies
    the whole map on every access, which every notice would pay for once per connected tab."""
    namespace = app.event_namespace
    return namespace._token_manager.token_to_socket if namespace else {}


def _unread(key: Listener, topics: set[str], numbers: dict[str, int]) -> set[str]:
    """The topics of a notice this tab has not read past, marked read; EVERYTHING among them when a number
    jumped (a notice was missed: the tab reloads whole, the recovery path). A topic without a number (a local
    notice) is always unread."""
    seen = _seen.setdefault(key, {})
    unread = set()
    for topic in topics:
        number, last = numbers.get(topic), seen.get(topic)
        if number is not None and last is not None:
            if not _newer(number, last):
                continue  # a notice this tab's state has read past: a duplicate, or one its own refresh covered
            if number != last + 1:  # skipped one, or restarted lower
                unread.add(events.EVERYTHING)
        if number is not None:
            seen[topic] = number
        unread.add(topic)
    return unread


def _newer(number: int, last: int) -> bool:
    """A notice after `last`: above it, or so far below it that the counter restarted lower."""
    return number > last or number <= last - _RESTARTED


def _note_latest(numbers: dict[str, int]) -> None:
    for topic, number in numbers.items():
        previous = _latest.get(topic)
        if previous is None or _newer(number, previous):
            _latest[topic] = number
        _latest.move_to_end(topic)
    while len(_latest) > _LATEST_KEPT:
        _latest.popitem(last=False)


def _gone(key: Listener) -> None:
    forget(*key)
    tab_memory.forget(key[0])


def _schedule(app: rx.App, key: Listener, topics: set[str]) -> None:
    if key in _pending:
        _pending[key] |= topics  # the refresh under way, or the one after it, covers this change
        return
    _pending[key] = topics
    asyncio.get_running_loop().create_task(_drain(app, key))


async def _deliver(app: rx.App, notice: str) -> None:
    told = events.topics_of(notice)
    if events.RESUMED in told:
        await _catch_up(app)
        return
    if events.EVERYTHING in told:  # Redis lost its numbers: none held here means anything
        _seen.clear()
        _latest.clear()
    connected = _sockets(app)
    origin, numbers = events.origin_of(notice), events.sequences_of(notice)
    _note_latest(numbers)
    for key, topics in _heard(told).items():
        if key[0] not in connected:
            _gone(key)
            continue
        unread = _unread(key, topics, numbers)
        # The tab that made this change reloaded itself in its own handler: marked read, not refreshed, unless
        # a number jumped (what it missed before its own change is not in its handler's partial reload).
        if unread and (key[0] != origin or events.EVERYTHING in unread):
            _schedule(app, key, unread)


async def _catch_up(app: rx.App) -> None:
    """After the bus reconnected: each connected tab reloads (whole) only when a topic it hears moved while
    notices were not arriving. A tab whose numbers all match the current ones costs no read at all."""
    connected = _sockets(app)
    for key in [key for key in _topics_of if key[0] not in connected]:
        _gone(key)
    try:
        current = await events.bus().sequences(set().union(*_topics_of.values()))
    except Exception:
        _log.exception("reading the notice numbers failed; every tab reloads")
        current = {}
    for topic, number in current.items():  # the numbers may have gone back (a replica that was behind)
        if number is None:
            _latest.pop(topic, None)
        else:
            _latest[topic] = number
    for key, topics in list(_topics_of.items()):
        seen = _seen.setdefault(key, {})
        moved = {topic for topic in topics if topic not in current or current[topic] != seen.get(topic)}
        if moved:
            seen.update({topic: current[topic] for topic in moved if current.get(topic) is not None})
            _schedule(app, key, moved | {events.EVERYTHING})


_SWEEP_SECONDS = 60


def sweep(app: rx.App) -> None:
    """Forget tabs that have gone. Delivery forgets a gone tab it meets, but a tab that hears nothing more
    (an ended chat, a page left alone) would otherwise stay in this worker's memory for good."""
    connected = _sockets(app)
    for key in [key for key in _topics_of if key[0] not in connected]:
        forget(*key)
    for token in tab_memory.tokens() - set(connected):
        tab_memory.forget(token)


async def _sweep_forever(app: rx.App) -> None:
    while True:
        await asyncio.sleep(_SWEEP_SECONDS)
        sweep(app)


def listener(app: rx.App):
    """A lifespan task: subscribe this worker to the bus for the life of the process."""

    async def _listen() -> None:
        bus = runtime.bus()

        async def _on_notice(notice: str) -> None:
            # Each refresh takes a state lock: never hold up the publisher (often a handler).
            asyncio.get_running_loop().create_task(_deliver(app, notice))

        bus.subscribe(_on_notice)
        sweeping = asyncio.get_running_loop().create_task(_sweep_forever(app))
        try:
            await bus.run()
        finally:
            sweeping.cancel()

    return _listen

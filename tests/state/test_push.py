"""Push on change: a burst of changes for one tab becomes one refresh in flight plus one after it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from inbox_app import push


class _Tab:
    pass


def _app(sids: dict[str, str]):
    """An app whose connected tabs are `sids` (token -> socket id), kept where Reflex's token manager keeps them."""
    from reflex.utils.token_manager import SocketRecord

    sockets = {token: SocketRecord(instance_id="this-worker", sid=sid) for token, sid in sids.items()}
    return SimpleNamespace(event_namespace=SimpleNamespace(_token_manager=SimpleNamespace(token_to_socket=sockets)))


async def test_a_burst_for_one_tab_is_folded_into_few_refreshes_that_see_every_topic(monkeypatch):
    refreshed: list[set[str]] = []

    async def slow_refresh(app, token, state_cls, topics):
        refreshed.append(set(topics))
        await asyncio.sleep(0.05)  # a refresh takes a while; changes keep coming meanwhile

    monkeypatch.setattr(push, "_refresh", slow_refresh)
    app = _app({"tab-1": "sid"})
    push.watch("tab-1", _Tab, {f"interaction:{n}" for n in range(50)})
    try:
        await push._deliver(app, "interaction:0")
        await asyncio.sleep(0.01)  # its refresh is now under way
        for n in range(1, 50):
            await push._deliver(app, f"interaction:{n}")
        while push._pending:
            await asyncio.sleep(0.01)
    finally:
        push.forget("tab-1", _Tab)
    # The first change, then one refresh for everything that arrived while it ran.
    assert refreshed == [{"interaction:0"}, {f"interaction:{n}" for n in range(1, 50)}]


async def test_a_tab_that_has_gone_is_forgotten_and_not_refreshed(monkeypatch):
    calls = []

    async def refresh(*args):
        calls.append(args)

    monkeypatch.setattr(push, "_refresh", refresh)
    app = _app({})
    push.watch("gone", _Tab, {"agent:1"})
    await push._deliver(app, "agent:1")
    await asyncio.sleep(0)
    assert calls == [] and "agent:1" not in push._registry


class _RoutingLog:
    pass


class _Bell:
    pass


async def _refreshed_by(monkeypatch, app, topic: str) -> list[tuple[str, type]]:
    calls = []

    async def refresh(app, token, state_cls, topics):
        calls.append((token, state_cls))

    monkeypatch.setattr(push, "_refresh", refresh)
    await push._deliver(app, topic)
    while push._pending:
        await asyncio.sleep(0)
    return calls


async def test_a_tab_that_moves_to_another_page_stops_hearing_the_old_one(monkeypatch):
    app = _app({"tab-1": "sid"})
    push.watch("tab-1", _RoutingLog, {"agent:1"}, page="/routing")
    push.watch("tab-1", _Bell, {"agent:1"}, page="/routing")  # same page: both listen
    try:
        assert set(await _refreshed_by(monkeypatch, app, "agent:1")) == {("tab-1", _RoutingLog), ("tab-1", _Bell)}
        push.watch("tab-1", _Tab, {"agent:1"}, page="/inbox")  # the agent went back to the inbox
        assert await _refreshed_by(monkeypatch, app, "agent:1") == [("tab-1", _Tab)]
    finally:
        for cls in (_RoutingLog, _Bell, _Tab):
            push.forget("tab-1", cls)
    assert "agent:1" not in push._registry


async def test_after_the_bus_reconnects_every_connected_tab_reloads_once(monkeypatch):
    from services import events

    app = _app({"tab-1": "a", "tab-2": "b"})
    push.watch("tab-1", _Tab, {"agent:1", "interaction:7"}, page="/inbox")
    push.watch("tab-2", _Bell, {"agent:2"}, page="/routing")
    try:
        assert sorted(await _refreshed_by(monkeypatch, app, events.EVERYTHING), key=str) == \
            sorted([("tab-1", _Tab), ("tab-2", _Bell)], key=str)
    finally:
        push.forget("tab-1", _Tab)
        push.forget("tab-2", _Bell)


async def test_a_sweep_forgets_tabs_that_have_gone_and_keeps_connected_ones():
    from inbox_app import tab_memory

    app = _app({"open-tab": "sid"})
    push.watch("open-tab", _Tab, {"agent:1"}, page="/inbox")
    push.watch("closed-tab", _Tab, {"interaction:5"}, page="/chat/sophias")
    tab_memory.remember("open-tab", "inbox", selected_id=3)
    tab_memory.remember("closed-tab", "chat", org_slug="sophias", chat_tokens="{}")
    try:
        push.sweep(app)
        assert "interaction:5" not in push._registry and tab_memory.recall("closed-tab", "chat") == {}
        assert "closed-tab" not in push._keys_of and push._keys_of["open-tab"] == {("open-tab", _Tab)}
        assert push._registry["agent:1"] == {("open-tab", _Tab)}
        assert tab_memory.recall("open-tab", "inbox") == {"selected_id": 3}
    finally:
        push.forget("open-tab", _Tab)
        tab_memory.forget("open-tab")


async def test_one_commit_that_names_a_tab_twice_refreshes_it_once(monkeypatch):
    """A customer message raises the agent's topic and the interaction's: one notice, one refresh."""
    from services import events

    app = _app({"tab-1": "sid"})
    push.watch("tab-1", _Tab, {"agent:1", "interaction:7"}, page="/inbox")
    refreshed: list[set[str]] = []

    async def refresh(app, token, state_cls, topics):
        refreshed.append(set(topics))

    monkeypatch.setattr(push, "_refresh", refresh)
    try:
        await push._deliver(app, events.notice({"agent:1", "interaction:7", "customer:3"}))
        while push._pending:
            await asyncio.sleep(0)
    finally:
        push.forget("tab-1", _Tab)
    assert refreshed == [{"agent:1", "interaction:7"}]


async def test_the_tab_that_made_a_change_is_not_pushed_its_own_change(monkeypatch):
    """The agent's Send reloads its own tab; the push of that commit goes only to the other tabs."""
    from services import events

    app = _app({"sender": "a", "watcher": "b"})
    push.watch("sender", _Tab, {"interaction:7"}, page="/inbox")
    push.watch("watcher", _Tab, {"interaction:7"}, page="/chat/sophias")
    try:
        refreshed = await _refreshed_by(monkeypatch, app, events.notice({"interaction:7"}, origin="sender"))
    finally:
        push.forget("sender", _Tab)
        push.forget("watcher", _Tab)
    assert refreshed == [("watcher", _Tab)]
    assert events.topics_of(events.notice({"interaction:7"}, origin="sender")) == {"interaction:7"}


# --- numbered notices -----------------------------------------------------------------------------------------

async def _deliveries(monkeypatch, app, *notices: str) -> list[tuple[str, set[str]]]:
    """(token, topics) of each refresh the notices cause, delivered one after the other."""
    calls = []

    async def refresh(app, token, state_cls, topics):
        calls.append((token, set(topics)))

    monkeypatch.setattr(push, "_refresh", refresh)
    await _deliver_all(app, notices)
    return calls


async def _deliver_all(app, notices) -> None:
    for notice in notices:
        await push._deliver(app, notice)
        while push._pending:
            await asyncio.sleep(0)


def _first_refresh_fails(monkeypatch, *, reregisters: frozenset[str] = frozenset()) -> list[set[str]]:
    """The first refresh raises (a Redis hiccup while loading the state); the others register `reregisters`
    again, as a reload does. Returns the topics of each refresh, in order."""
    calls = []

    async def refresh(app, token, state_cls, topics):
        calls.append(set(topics))
        if len(calls) == 1:
            raise RuntimeError("Redis hiccup while loading the state")
        if reregisters:
            push.watch(token, state_cls, set(reregisters), page="/inbox")

    monkeypatch.setattr(push, "_refresh", refresh)
    return calls


def _recorded(bus) -> list[str]:
    """Every notice `bus` publishes from now on, in order."""
    received: list[str] = []

    async def _hold(message: str) -> None:
        received.append(message)

    bus.subscribe(_hold)
    return received


def _numbered(numbers: dict[str, int], origin: str = "") -> str:
    from services import events

    return events.notice(set(numbers), origin, numbers)


async def test_a_notice_the_tab_has_read_past_is_skipped_without_loading_its_state(monkeypatch):
    app = _app({"tab-1": "sid"})
    push.watch("tab-1", _Tab, {"agent:1", "interaction:7"}, page="/inbox")
    try:
        refreshed = await _deliveries(monkeypatch, app, _numbered({"interaction:7": 40, "agent:1": 12}),
                                      _numbered({"interaction:7": 40, "agent:1": 12}),  # delivered twice
                                      _numbered({"interaction:7": 39}),  # late: the first refresh covered it
                                      _numbered({"interaction:7": 41}))
    finally:
        push.forget("tab-1", _Tab)
    assert refreshed == [("tab-1", {"interaction:7", "agent:1"}), ("tab-1", {"interaction:7"})]


async def test_a_number_that_jumps_means_a_missed_notice_and_the_tab_reloads_whole(monkeypatch):
    from services import events

    app = _app({"tab-1": "sid"})
    push.watch("tab-1", _Tab, {"agent:1", "interaction:7"}, page="/inbox")
    try:
        refreshed = await _deliveries(monkeypatch, app, _numbered({"interaction:7": 40}),
                                      _numbered({"interaction:7": 42}))  # 41 never came
    finally:
        push.forget("tab-1", _Tab)
    assert refreshed == [("tab-1", {"interaction:7"}), ("tab-1", {"interaction:7", events.EVERYTHING})]


async def test_the_tabs_own_change_counts_as_read_so_the_next_notice_is_no_gap(monkeypatch):
    app = _app({"sender": "a"})
    push.watch("sender", _Tab, {"interaction:7"}, page="/inbox")
    try:
        refreshed = await _deliveries(monkeypatch, app, _numbered({"interaction:7": 40}),
                                      _numbered({"interaction:7": 41}, origin="sender"),
                                      _numbered({"interaction:7": 42}))
    finally:
        push.forget("sender", _Tab)
    assert refreshed == [("sender", {"interaction:7"}), ("sender", {"interaction:7"})]


async def test_a_topic_heard_again_later_takes_the_latest_number_this_worker_received(monkeypatch):
    """Notices of an interaction the agent had left are not a gap once they open it again: opening it read it."""
    app = _app({"tab-1": "sid"})
    push.watch("tab-1", _Tab, {"interaction:7"}, page="/inbox")
    try:
        await _deliveries(monkeypatch, app, _numbered({"interaction:7": 40}))
        push.watch("tab-1", _Tab, {"interaction:8"}, page="/inbox")
        unheard = await _deliveries(monkeypatch, app, _numbered({"interaction:7": 54}))
        push.watch("tab-1", _Tab, {"interaction:7"}, page="/inbox")
        refreshed = await _deliveries(monkeypatch, app, _numbered({"interaction:7": 54}),  # late copy: read
                                      _numbered({"interaction:7": 55}))
    finally:
        push.forget("tab-1", _Tab)
    assert unheard == [] and refreshed == [("tab-1", {"interaction:7"})]


async def test_a_tab_that_starts_hearing_a_topic_counts_its_latest_notice_as_read(monkeypatch):
    """The agent signed in (a presence notice), then the inbox opened: a bus reconnect with nothing new since
    reloads nothing."""
    from services import events

    bus = events.bus()  # this test's own (tests/state/conftest.py)
    app = _app({"tab-1": "sid"})
    received = _recorded(bus)
    try:
        await bus.publish_topics({"presence:1"})
        await _deliveries(monkeypatch, app, *received)  # nobody hears it yet
        push.watch("tab-1", _Tab, {"presence:1", "agent:1"}, page="/inbox")
        refreshed = await _deliveries(monkeypatch, app, events.RESUMED)
    finally:
        push.forget("tab-1", _Tab)
    assert refreshed == []


async def test_a_refresh_that_failed_leaves_the_next_copy_of_its_notice_unskipped(monkeypatch):
    calls = _first_refresh_fails(monkeypatch)
    app = _app({"tab-1": "sid"})
    push.watch("tab-1", _Tab, {"interaction:7"}, page="/inbox")
    try:
        await _deliver_all(app, [_numbered({"interaction:7": 40})] * 2)
    finally:
        push.forget("tab-1", _Tab)
    assert calls == [{"interaction:7"}, {"interaction:7"}]


async def test_after_a_reconnect_only_tabs_whose_topics_moved_reload(monkeypatch):
    """RESUMED: Redis kept its numbers. A tab that has read the latest notice of each topic it hears costs no
    read; one whose topic moved meanwhile reloads whole."""
    from services import events

    bus = events.bus()  # this test's own (tests/state/conftest.py)
    app = _app({"calm": "a", "behind": "b"})
    push.watch("calm", _Tab, {"agent:1", "interaction:7"}, page="/inbox")
    push.watch("behind", _Bell, {"agent:2"}, page="/routing")
    received = _recorded(bus)
    try:
        await bus.publish_topics({"agent:1", "interaction:7", "agent:2"})
        first = await _deliveries(monkeypatch, app, *received)
        await bus.publish_topics({"agent:2"})  # its notice is lost: the bus was away
        after_reconnect = await _deliveries(monkeypatch, app, events.RESUMED)
    finally:
        push.forget("calm", _Tab)
        push.forget("behind", _Bell)
    assert sorted(token for token, _ in first) == ["behind", "calm"]
    assert after_reconnect == [("behind", {"agent:2", events.EVERYTHING})]


def test_a_notice_names_each_topic_with_its_number_and_the_tab_that_made_it():
    from services import events

    message = events.notice({"agent:1", "interaction:7"}, "tab-9", {"agent:1": 3, "interaction:7": 1795762373639923})
    assert message == "@tab-9 agent:1#3 interaction:7#1795762373639923"
    assert events.topics_of(message) == {"agent:1", "interaction:7"} and events.origin_of(message) == "tab-9"
    assert events.sequences_of(message) == {"agent:1": 3, "interaction:7": 1795762373639923}
    assert events.sequences_of("bounce-timer:4") == {}


async def test_a_forged_client_token_adds_no_topic_or_number_to_a_notice(monkeypatch):
    """The origin is the tab's client token, which a client chooses: one that looks like topics and numbers
    must not make an agent's tabs skip their real notices."""
    from services import events

    bus = events.bus()  # this test's own (tests/state/conftest.py)
    app = _app({"agent-tab": "sid"})
    push.watch("agent-tab", _Tab, {"agent:9"}, page="/inbox")
    received = _recorded(bus)
    try:
        for forged in ("x agent:9#99999999999999999999", "tab #5", "tab²", "* ~"):
            await events.publish_all({"interaction:3"}, origin=forged)
        await bus.publish_topics({"agent:9"})
        refreshed = await _deliveries(monkeypatch, app, *received)
    finally:
        push.forget("agent-tab", _Tab)
    assert all(events.origin_of(message) == "" for message in received[:4])
    assert all(events.topics_of(message) == {"interaction:3"} for message in received[:4])
    assert refreshed == [("agent-tab", {"agent:9"})]


async def test_numbers_that_went_back_after_a_reconnect_are_not_taken_for_read(monkeypatch):
    """A Redis failover to a replica that was behind: the numbers are lower than before. A tab that opens the
    topic afterwards, and one that held it, both see the next notice."""
    from services import events

    bus = events.bus()  # this test's own (tests/state/conftest.py)
    app = _app({"old-tab": "a", "new-tab": "b"})
    push.watch("old-tab", _Tab, {"agent:1"}, page="/inbox")
    try:
        await _deliveries(monkeypatch, app, _numbered({"agent:1": 110}))
        bus._sequences["agent:1"] = 105  # what the replica had
        await _deliveries(monkeypatch, app, events.RESUMED)
        push.watch("new-tab", _Tab, {"agent:1"}, page="/inbox")
        refreshed = await _deliveries(monkeypatch, app, _numbered({"agent:1": 106}))
    finally:
        push.forget("old-tab", _Tab)
        push.forget("new-tab", _Tab)
    assert sorted(token for token, _ in refreshed) == ["new-tab", "old-tab"]


async def test_a_tab_whose_refresh_failed_is_not_marked_read_by_its_next_reload(monkeypatch):
    """The failed refresh was for availability; the next one (the panel) registers the same topics again."""
    calls = _first_refresh_fails(monkeypatch, reregisters=frozenset({"presence:1", "agent:1"}))
    app = _app({"tab-1": "sid"})
    push.watch("tab-1", _Tab, {"presence:1", "agent:1"}, page="/inbox")
    try:
        await _deliver_all(app, [_numbered({"presence:1": 7}), _numbered({"agent:1": 3}),
                                 _numbered({"presence:1": 7})])
    finally:
        push.forget("tab-1", _Tab)
    assert calls == [{"presence:1"}, {"agent:1"}, {"presence:1"}]


async def test_the_tab_that_made_a_change_after_missing_a_notice_still_reloads_whole(monkeypatch):
    from services import events

    app = _app({"sender": "a"})
    push.watch("sender", _Tab, {"interaction:7"}, page="/inbox")
    try:
        refreshed = await _deliveries(monkeypatch, app, _numbered({"interaction:7": 40}),
                                      _numbered({"interaction:7": 42}, origin="sender"))  # 41 never came
    finally:
        push.forget("sender", _Tab)
    assert refreshed == [("sender", {"interaction:7"}), ("sender", {"interaction:7", events.EVERYTHING})]

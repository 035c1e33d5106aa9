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

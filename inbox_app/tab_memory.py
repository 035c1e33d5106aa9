"""What a connected tab was looking at, kept by the worker that holds its socket.

Reflex keeps client state in Redis, which is coordination, not storage (DESIGN.md). If Redis loses it
(FLUSHDB, failover), the next event or push finds a state at its defaults: the tab would forget which
conversation it shows. Each state records the few ids it needs here and restores them, then reloads
everything else from the database. A worker that dies takes its sockets with it, so nothing here
outlives what it describes; push.py forgets a tab here when it forgets its topics.
"""

from __future__ import annotations

_memory: dict[tuple[str, str], dict] = {}


def remember(token: str, kind: str, **fields) -> None:
    if token:
        _memory.setdefault((token, kind), {}).update(fields)


def recall(token: str, kind: str) -> dict:
    return dict(_memory.get((token, kind), {}))


def forget(token: str) -> None:
    for key in [key for key in _memory if key[0] == token]:
        del _memory[key]


def tokens() -> set[str]:
    return {token for token, _ in _memory}

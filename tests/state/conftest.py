"""Each state test starts with a fresh worker's push bookkeeping and notice numbers, as on a fresh Redis: every
test's first interaction is interaction:1, and neither a tab another test registered nor a number it handed out
may make this test's notice look read."""

from __future__ import annotations

from collections import OrderedDict, defaultdict

import pytest


@pytest.fixture(autouse=True)
def _fresh_notice_numbers(monkeypatch):
    from inbox_app import push
    from services import events

    monkeypatch.setattr(push, "_latest", OrderedDict())
    monkeypatch.setattr(push, "_registry", defaultdict(set))
    monkeypatch.setattr(push, "_keys_of", defaultdict(set))
    for name in ("_topics_of", "_page_of", "_pending"):
        monkeypatch.setattr(push, name, {})
    monkeypatch.setattr(push, "_seen", {})
    monkeypatch.setattr(events, "_bus", events.LocalBus())

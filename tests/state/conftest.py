"""State tests number their notices from scratch, as a fresh worker on a fresh Redis would: every test's first
interaction is interaction:1, and a number one test handed out must not make another's notice look read."""

from __future__ import annotations

from collections import OrderedDict

import pytest


@pytest.fixture(autouse=True)
def _fresh_notice_numbers(monkeypatch):
    from inbox_app import push
    from services import events

    monkeypatch.setattr(push, "_latest", OrderedDict())
    monkeypatch.setattr(push, "_seen", {})
    monkeypatch.setattr(events, "_bus", events.LocalBus())

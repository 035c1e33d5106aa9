"""GET /api/chat/{slug}/embedders: the sites a framed Live Chat may hand its conversation to."""

from __future__ import annotations

import httpx
import pytest

from services.models import Organization
from tests.http.support import served
from tests.services.factories import make_org


@pytest.fixture
async def http(wired):
    sophias, janes = await make_org(wired), await make_org(wired, "janes", "Jane's")
    async with wired.transaction() as session:
        (await session.get(Organization, sophias.id)).allowed_chat_origins = \
            "https://shop.example\nhttps://*.shop.example"
        (await session.get(Organization, janes.id)).allowed_chat_origins = "*"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served()), base_url="http://localhost:3000") as c:
        yield c


@pytest.mark.parametrize(("slug", "origins"), [
    ("sophias", ["https://shop.example", "https://*.shop.example"]),
    ("janes", []),  # `*`: any site may frame the chat, so none may receive its token
    ("nobody", []),
])
async def test_only_named_sites_are_listed(http, slug, origins):
    response = await http.get(f"/api/chat/{slug}/embedders")
    assert response.status_code == 200 and response.json() == {"origins": origins}
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"

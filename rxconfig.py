"""Reflex configuration. Product settings are read from the environment by services.config."""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from services.config import app_origins

_redis_url = os.environ.get("REDIS_URL") or None

config = rx.Config(
    app_name="inbox_app",
    # With REDIS_URL, Reflex keeps client state in Redis so several workers can serve one app;
    # without it, a single process keeps state in memory.
    redis_url=_redis_url,
    state_manager_mode="redis" if _redis_url else "memory",
    # Only the app's own pages may open its websocket or call it cross-origin (Reflex's default is "*").
    cors_allowed_origins=app_origins(os.environ.get("PUBLIC_BASE_URL")),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", scaling="95%")
        ),
    ],
    disable_plugins=[SitemapPlugin],
)

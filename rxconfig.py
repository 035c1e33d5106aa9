"""Reflex configuration. Product settings are read from the environment by services.config."""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

_redis_url = os.environ.get("REDIS_URL") or None

config = rx.Config(
    app_name="inbox_app",
    # With REDIS_URL, Reflex keeps client state in Redis so several workers can serve one app;
    # without it, a single process keeps state in memory.
    redis_url=_redis_url,
    state_manager_mode="redis" if _redis_url else "memory",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", scaling="95%")
        ),
    ],
    disable_plugins=[SitemapPlugin],
)

"""The bare baseline app for bench/load: same Reflex, same state manager choice as the inbox, no product."""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

_redis_url = os.environ.get("REDIS_URL") or None

config = rx.Config(
    app_name="bare_app",
    # Like the inbox (rxconfig.py at the root): Redis when REDIS_URL is set, so several workers share state.
    redis_url=_redis_url,
    state_manager_mode="redis" if _redis_url else "memory",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The pages use Radix components (as the inbox does); naming the plugin keeps the build quiet about it.
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[SitemapPlugin],
)

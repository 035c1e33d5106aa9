"""Web origins (`scheme://host[:port]`), parsed strictly enough to be written into security headers.

An origin ends up inside `Content-Security-Policy: frame-ancestors …` and in the websocket allow-list, so
anything but a plain host name or IPv4 address is refused: a space, `;`, `,` or quote would change the
header's meaning. International names are stored in their ASCII (punycode) form, which is what browsers send.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def ascii_host(host: str) -> str | None:
    """The host lower-cased in ASCII, if it is a DNS name or an IPv4 address; None otherwise (IPv6 included:
    CSP source expressions cannot name an IPv6 literal)."""
    try:
        ipaddress.IPv4Address(host)
        return host
    except ValueError:
        pass
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = host.split(".")
    return host if all(_LABEL.match(label) for label in labels) and len(host) <= 253 else None


def origin_of(url: str, *, wildcard: bool = False) -> str | None:
    """`scheme://host[:port]` of an http(s) URL without a path, lower-cased, without a default port; else None.

    With `wildcard`, the host may start with `*.` (any subdomain), as CSP allows."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or parts.username or parts.password or parts.query or parts.fragment:
        return None
    if parts.path not in ("", "/") or not parts.hostname or parts.netloc.startswith("["):
        return None
    prefix, name = ("*.", parts.hostname[2:]) if wildcard and parts.hostname.startswith("*.") else ("", parts.hostname)
    host = ascii_host(name)
    if host is None or (prefix and host.replace(".", "").isdigit()):
        return None
    suffix = f":{port}" if port is not None and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{prefix}{host}{suffix}"

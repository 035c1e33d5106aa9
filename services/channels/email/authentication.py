"""Did the receiving mail server see this sender authenticated? Only `Authentication-Results` written by our
own server (its authserv-id, MAIL_AUTHSERV_ID) count: any other such header may have been written by the
sender. A DMARC pass for the From domain, or a DKIM pass signed by it, is enough."""

from __future__ import annotations

import authres


def _domain_of(result) -> str:
    for prop in result.properties or []:
        if (prop.type, prop.name) in (("header", "from"), ("header", "d"), ("header", "i")):
            return str(prop.value or "").rpartition("@")[2].lower()
    return ""


def sender_authenticated(headers: tuple[str, ...], *, from_address: str, authserv_id: str | None) -> bool:
    domain = from_address.rpartition("@")[2].lower()
    if not authserv_id or not domain:
        return False
    for raw in headers:
        try:
            parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {raw}")
        except Exception:  # noqa: BLE001 - authres raises its own zoo for malformed headers: not trusted
            continue
        if str(parsed.authserv_id or "").lower() != authserv_id:
            continue
        for result in parsed.results:
            if result.method in ("dmarc", "dkim") and result.result == "pass" and _domain_of(result) == domain:
                return True
    return False

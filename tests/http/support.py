"""The HTTP routes as production serves them: inside the security-headers middleware."""

from __future__ import annotations

from inbox_app.http import routes
from inbox_app.http.security_headers import SecurityHeaders


def served():
    return SecurityHeaders(routes())

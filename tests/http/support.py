"""The HTTP routes as production serves them: inside the body limits and the security headers."""

from __future__ import annotations

from inbox_app.http import routes
from inbox_app.http.body_limit import BodyLimit
from inbox_app.http.security_headers import SecurityHeaders


def served():
    return SecurityHeaders(BodyLimit(routes()))

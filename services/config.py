"""Settings from the environment, validated once at start-up.

A malformed value stops start-up with one line naming the variable (see ui-contract.md).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_DIR = Path(__file__).resolve().parent.parent
_SUPPORTED_DB_BACKENDS = ("sqlite", "postgresql")


class ConfigError(ValueError):
    """A setting is malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    demo: bool
    secret_key: str
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    smtp_from: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_sms_from: str | None
    twilio_whatsapp_from: str | None
    twilio_api_base: str | None
    attachments_dir: Path
    public_base_url: str  # where the outside world reaches the app: cookie flags, webhook signatures, links
    rate_limit_sign_ins: int  # sign-in attempts per minute per client address
    rate_limit_chat_starts: int  # Live Chat starts per minute per client address
    rate_limit_organization_chat_starts: int  # Live Chat starts per minute per organization, all addresses
    imap_host: str | None = None  # unset: no inbound email
    imap_port: int = 993
    imap_username: str | None = None
    imap_password: str | None = None
    imap_folder: str = "INBOX"
    imap_ssl: bool = True
    imap_poll_seconds: int = 15
    mail_authserv_id: str | None = None  # only Authentication-Results headers it wrote are trusted

    @property
    def https(self) -> bool:
        return self.public_base_url.startswith("https://")


def _flag(env: dict, name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected 1/0 or true/false, got {raw!r}")


def _database_url(env: dict) -> str:
    raw = env.get("DATABASE_URL") or f"sqlite:///{PROJECT_DIR / 'inbox.db'}"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL: not a database URL: {raw!r}") from None
    if url.get_backend_name() not in _SUPPORTED_DB_BACKENDS:
        raise ConfigError(
            f"DATABASE_URL: unsupported database {url.get_backend_name()!r} (use sqlite or postgresql)"
        )
    return raw


def _url(env: dict, name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name) or None
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ConfigError(f"{name}: expected a {'/'.join(schemes)} URL, got {raw!r}")
    return raw.rstrip("/")


def _port(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name}: expected a port number 1-65535, got {raw!r}")
    return int(raw)


def _positive(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ConfigError(f"{name}: expected a whole number of at least 1, got {raw!r}")
    return int(raw)


def _secret_key(env: dict) -> str:
    """The session-signing key; generated once and kept beside the project when not given."""
    if env.get("INBOX_SECRET_KEY"):
        return env["INBOX_SECRET_KEY"]
    key_file = PROJECT_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def app_origins(public_base_url: str | None) -> list[str]:
    """The origins the app's own pages are served from: the only ones whose websocket and cross-origin
    requests are accepted. A loopback address also answers as its other loopback name, so `make run` works
    at http://localhost:3000 and http://127.0.0.1:3000 alike."""
    from services.origins import origin_of

    origin = origin_of(public_base_url or "http://localhost:3000")
    if origin is None:
        raise ConfigError(f"PUBLIC_BASE_URL: expected an http(s) address without a path, got {public_base_url!r}")
    scheme, host = origin.split("://", 1)
    name, _, port = host.partition(":")
    if name in _LOOPBACK:
        return [origin, *(f"{scheme}://{other}{':' + port if port else ''}" for other in _LOOPBACK if other != name)]
    return [origin]


_LOOPBACK = ("localhost", "127.0.0.1")


def load_settings(env: dict | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    return Settings(
        database_url=_database_url(env),
        redis_url=_url(env, "REDIS_URL", ("redis", "rediss", "unix")),
        demo=_flag(env, "INBOX_DEMO", False),
        secret_key=_secret_key(env),
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=_port(env, "SMTP_PORT", 587),
        smtp_username=env.get("SMTP_USERNAME") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_starttls=_flag(env, "SMTP_STARTTLS", False),
        smtp_from=env.get("SMTP_FROM") or "no-reply@agent-inbox.local",
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
        twilio_sms_from=env.get("TWILIO_SMS_FROM") or None,
        twilio_whatsapp_from=env.get("TWILIO_WHATSAPP_FROM") or None,
        twilio_api_base=_url(env, "TWILIO_API_BASE", ("http", "https")),
        attachments_dir=Path(env.get("ATTACHMENTS_DIR") or PROJECT_DIR / "attachments").absolute(),
        public_base_url=_url(env, "PUBLIC_BASE_URL", ("http", "https")) or "http://localhost:3000",
        rate_limit_sign_ins=_positive(env, "RATE_LIMIT_SIGN_INS", 20),
        rate_limit_chat_starts=_positive(env, "RATE_LIMIT_CHAT_STARTS", 10),
        rate_limit_organization_chat_starts=_positive(env, "RATE_LIMIT_ORGANIZATION_CHAT_STARTS", 120),
        imap_host=env.get("IMAP_HOST") or None,
        imap_port=_port(env, "IMAP_PORT", 993 if _flag(env, "IMAP_SSL", True) else 143),
        imap_username=env.get("IMAP_USERNAME") or None,
        imap_password=env.get("IMAP_PASSWORD") or None,
        imap_folder=env.get("IMAP_FOLDER") or "INBOX",
        imap_ssl=_flag(env, "IMAP_SSL", True),
        imap_poll_seconds=_positive(env, "IMAP_POLL_SECONDS", 15),
        mail_authserv_id=(env.get("MAIL_AUTHSERV_ID") or "").strip().lower() or None,
    )

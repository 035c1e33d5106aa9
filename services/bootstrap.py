"""Start-up work done once before the app serves: migrate the database, then seed demo data.

Run as `python -m services.bootstrap`. A malformed setting stops it with one line naming the variable.
"""

from __future__ import annotations

import asyncio
import sys

from alembic import command
from alembic.config import Config

from services import demo
from services.clock import utcnow
from services.config import PROJECT_DIR, ConfigError, Settings, load_settings
from services.db import Database, sync_url


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    config.attributes["quiet"] = True
    return config


def migrate(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


async def _seed(settings: Settings) -> bool:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            return await demo.seed(session, clock=utcnow, sms_number=settings.twilio_sms_from,
                                   whatsapp_number=settings.twilio_whatsapp_from)
    finally:
        await db.dispose()


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def main() -> None:
    settings = settings_or_exit()
    migrate(settings.database_url)
    if settings.demo and asyncio.run(_seed(settings)):
        print("Seeded the demo data (users alice, bob, maria; password demo-pass).")


if __name__ == "__main__":
    main()

"""Inbound email benchmark: ingest a mailbox of 2,000 messages from a real dovecot (tests/mail/dovecot.py), timed
around the poller's passes (services/channels/email/poller.py: fetch in batches, parse, sanitise, thread, store
each mail with the cursor's move, flag \\Seen). Prints messages/s.

    .venv/bin/python -m bench.email_ingest                 # 2,000 messages; target >= 100 messages/s

BENCH_DATABASE_URL (or TEST_DATABASE_URL) is an admin URL beside which a fresh `bench_email` database is made
(the target is for PostgreSQL); without one, a SQLite file. 200 customers write ten mails each, a third of them
plain replies quoting history, a third with HTML, every tenth with a small attachment; routing is left to the
routing loop, as for webhooks.
"""

from __future__ import annotations

import argparse
import asyncio
import imaplib
import os
import tempfile
import time
from pathlib import Path

from services.bootstrap import migrate
from services.channels.email import poller
from services.clock import utcnow
from services.db import Database
from services.models import Organization
from tests.e2e.server import fresh_database
from tests.files import text as text_file
from tests.mail import dovecot
from tests.mail.messages import email

TARGET = 100


def _mails(count: int):
    for n in range(count):
        customer = n % 200
        extra = {}
        if n % 3 == 1:
            extra["html"] = f"<p>Order <b>{n}</b> is late.</p><script>alert({n})</script>"
        if n % 10 == 0:
            extra["attachments"] = [(f"note{n}.txt", text_file(), "text/plain")]
        body = f"Where is order {n}?" + ("\n\nOn Mon, Nov 23, 2026 Care wrote:\n> earlier\n" if n % 3 == 2 else "")
        yield email(message_id=f"<bench-{n}@example.com>", from_=f"Customer {customer} <c{customer}@example.com>",
                    subject=f"Order {n}", text=body, **extra).as_bytes()


def _fill(server: dovecot.Dovecot, count: int) -> None:
    client = server.imap()
    try:
        for raw in _mails(count):
            client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    finally:
        client.logout()


async def _run(url: str, server: dovecot.Dovecot, count: int, root: Path) -> None:
    migrate(url)
    db = Database(url)
    async with db.transaction() as session:
        session.add(Organization(slug="sophias", name="Sophia's", chat_identity_secret="x",
                                 inbound_email="care@sophias.example"))
    account = poller.mailbox.Account(server.host, server.port, server.username, server.password, ssl=False)
    started = time.perf_counter()
    done = await poller.poll_once(db, account, owner="bench", clock=utcnow, root=root, secret_key="bench",
                                  period=poller.lease_period(15))
    elapsed = time.perf_counter() - started
    assert done == count, f"ingested {done} of {count}"
    rate = count / elapsed
    print(f"email ingest, {count} messages from dovecot on {db.dialect}: {elapsed:.1f} s, {rate:.0f} messages/s "
          f"({'within' if rate >= TARGET else 'BELOW'} the {TARGET}/s target)")
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    if dovecot.DOVECOT is None:
        print("email ingest: skipped, dovecot is not installed (apt-get install dovecot-imapd)")
        return
    server = dovecot.start()
    try:
        _fill(server, args.messages)
        with tempfile.TemporaryDirectory() as tmp:
            admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
            url = fresh_database(Path(tmp), "bench_email", admin=admin)
            asyncio.run(_run(url, server, args.messages, Path(tmp) / "attachments"))
    finally:
        server.stop()


if __name__ == "__main__":
    main()

"""Shared by the inbound email tests: a polled dovecot mailbox, organizations with inbound addresses, rows."""

from __future__ import annotations

from sqlmodel import select

from services.channels.email import mailbox, poller
from tests.mail.dovecot import dovecot  # noqa: F401 - the fixture, for the test modules that import this
from tests.mail.messages import AUTHSERV
from tests.services.factories import make_org

SECRET = "test-secret-key"


async def email_org(db, slug: str = "sophias", name: str = "Sophia's"):
    org = await make_org(db, slug, name)
    async with db.transaction() as session:
        org.inbound_email = f"care@{slug}.example"
        session.add(org)
    return org


def account(server) -> mailbox.Account:
    return mailbox.Account(server.host, server.port, server.username, server.password, "INBOX", ssl=False)


async def poll(db, server, clock, tmp_path, *, owner: str = "worker-a", authserv_id: str | None = AUTHSERV,
               **options) -> int:
    return await poller.poll_once(db, account(server), owner=owner, clock=clock, root=tmp_path / "attachments",
                                  secret_key=SECRET, authserv_id=authserv_id, **options)


async def rows(db, model):
    order = list(model.__table__.primary_key.columns)
    async with db.read() as session:
        return list((await session.exec(select(model).order_by(*order))).all())

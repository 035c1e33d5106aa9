"""The two apps the driver runs against: what their events are called, how they start, who signs in."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine
from sqlmodel import Session, select

from services.auth import AGENT_GRANTS, hash_password
from services.db import sync_url
from services.models import AgentCapacity, Grant, Organization, User, UserOrganization
from tests.e2e.server import ROOT, AppServer

_ROOT_STATE = "reflex___state____state"
AGENT_PASSWORD = "load-pass"


@dataclasses.dataclass(frozen=True)
class AppSpec:
    """Full state paths, as the compiled frontend names them (module path, then the class in snake case)."""

    label: str
    workdir: Path
    agent_state: str  # holds rows, items, selected_id, tab, draft, notice and the agent's handlers
    availability_event: str
    chat_state: str
    signs_in: bool  # the inbox needs its session cookie; the bare app trusts everyone

    def event(self, state: str, handler: str) -> str:
        return f"{state}.{handler}"

    def frontend_hashes(self) -> tuple[str, list[str] | None]:
        """The state schema and the per-state hashes of the compiled initialState, read from the build the
        server just made: a browser's first hydrate sends them, so only vars that differ come back."""
        try:
            source = (self.workdir / ".web" / "utils" / "context.jsx").read_text()
            schema = re.search(r'stateSchema = "(\w+)"', source).group(1)
            hashes = json.loads(re.search(r"initialStateHashes = (\[[^\]]*\])", source).group(1))
            return schema, hashes
        except (OSError, AttributeError, ValueError):
            return "", None  # then the server sends the whole state once: slower to connect, still correct


_SESSION = f"{_ROOT_STATE}.inbox_app___state___session____session_state"
INBOX = AppSpec(
    label="inbox", workdir=ROOT,
    agent_state=f"{_SESSION}.inbox_app___state___inbox____inbox_state",
    availability_event=f"{_SESSION}.toggle_availability",
    chat_state=f"{_ROOT_STATE}.inbox_app___state___chat____chat_state",
    signs_in=True,
)
_BARE_DIR = Path(__file__).resolve().parents[1] / "bare_app"
BARE = AppSpec(
    label="bare", workdir=_BARE_DIR,
    agent_state=f"{_ROOT_STATE}.bare_app___bare_app____agent_state",
    availability_event=f"{_ROOT_STATE}.bare_app___bare_app____agent_state.toggle_availability",
    chat_state=f"{_ROOT_STATE}.bare_app___bare_app____chat_state",
    signs_in=False,
)


class BareServer(AppServer):
    """AppServer without the inbox's bootstrap and /login page: the bare app has neither."""

    migrate = False
    ready_path = "/"


def add_agents(database_url: str, count: int, *, org_slug: str = "sophias", capacity: int = 10_000) -> list[str]:
    """Agents of the demo organization with room for every chat, made with the project's own models."""
    engine = create_engine(sync_url(database_url))
    password_hash = hash_password(AGENT_PASSWORD)  # one hash for all: argon2 costs ~50 ms each on purpose
    logins = [f"load{i:04d}" for i in range(count)]
    with Session(engine) as session:
        org = session.exec(select(Organization).where(Organization.slug == org_slug)).one()
        for i, login in enumerate(logins):
            user = User(user_id=login, first_name="Load", last_name=f"Agent{i:04d}", role="agent",
                        password_hash=password_hash)
            session.add(user)
            session.flush()
            session.add(UserOrganization(user_id=user.id, organization_id=org.id))
            session.add_all([Grant(user_id=user.id, name=grant) for grant in AGENT_GRANTS])
            session.add(AgentCapacity(user_id=user.id, channel="chat", capacity=capacity))
        session.commit()
    engine.dispose()
    return logins


async def sign_in(http: aiohttp.ClientSession, base: str, login: str) -> str:
    """POST /auth/sign-in as the login form does; returns the Cookie header for the websocket handshake."""
    async with http.post(f"{base}/auth/sign-in", data={"user_id": login, "password": AGENT_PASSWORD},
                         allow_redirects=False) as answer:
        cookie = answer.cookies.get("inbox_session")
        if answer.status != 303 or cookie is None or not answer.headers.get("Location", "").endswith("/inbox"):
            raise RuntimeError(f"sign-in of {login} failed: {answer.status} {answer.headers.get('Location')}")
        return f"inbox_session={cookie.value}"

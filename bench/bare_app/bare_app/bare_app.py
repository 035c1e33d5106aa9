"""The baseline for bench/load: the same traffic shape as the Agent Inbox, with nothing but Reflex under it.

A customer's message is appended to its own window and pushed to the agent's tab with `app.modify_state`,
as the inbox's push listener does, but with no database, bus, session check or routing. The driver pairs
customers with agents itself (`agent_token` in the start form), so any client may push to any tab: this app
is a yardstick, never a product. Var names match InboxState's (rows, items, selected_id, tab, draft, notice)
so the same driver code reads both apps.
"""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

WINDOW = 100  # the same transcript window as services.conversation.WINDOW
_tasks: set[asyncio.Task] = set()  # keep pushes referenced until done (asyncio only holds weak references)


@dataclasses.dataclass
class Row:
    interaction_id: int
    customer_name: str
    last_sentence: str


def _spawn(coro) -> None:
    """Push after the handler returns, like the inbox pushes after its commit."""
    task = asyncio.get_running_loop().create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


class ChatState(rx.State):
    stage: str = "loading"
    items: list[str] = []
    draft: str = ""
    error: str = ""
    _agent: str = ""
    _ref: int = 0
    _name: str = ""

    @rx.event
    def on_load(self):
        self.stage = "start"

    @rx.event
    def start_chat(self, form_data: dict):
        self._agent, self._ref = str(form_data.get("agent_token", "")), int(form_data.get("ref", 0) or 0)
        self._name = f"{form_data.get('first_name', '')} {form_data.get('last_name', '')}".strip()
        self.stage, self.error = "chatting", ""
        _spawn(_to_agent(self._agent, self._ref, self.router.session.client_token, self._name, ""))

    @rx.event
    def set_draft(self, value: str):
        self.draft = value[:5000]

    @rx.event
    def send(self, browser_tokens: str = ""):
        if not self.draft.strip():
            return
        text = self.draft
        self.items = (self.items + [text])[-WINDOW:]
        self.draft, self.error = "", ""
        _spawn(_to_agent(self._agent, self._ref, self.router.session.client_token, self._name, text))

    def _receive(self, text: str) -> None:
        self.items = (self.items + [text])[-WINDOW:]


class AgentState(rx.State):
    available: bool = False
    tab: str = "active"
    rows: list[Row] = []
    selected_id: int = 0
    items: list[str] = []
    draft: str = ""
    notice: str = ""
    _transcripts: dict[int, list[str]] = {}
    _customers: dict[int, str] = {}  # interaction ref -> the customer's client token

    @rx.event
    def on_load(self):
        self.tab, self.selected_id, self.notice = self.tab, self.selected_id, ""

    @rx.event
    def toggle_availability(self):
        self.available = not self.available

    @rx.event
    def set_tab(self, tab: str):
        self.tab, self.selected_id, self.items = tab, 0, []

    @rx.event
    def select(self, interaction_id: int):
        self.selected_id, self.notice = int(interaction_id), ""
        self.items = list(self._transcripts.get(self.selected_id, []))

    @rx.event
    def set_draft(self, value: str):
        self.draft = value[:5000]

    @rx.event
    def send(self):
        if not self.draft.strip() or not self.selected_id:
            self.notice = "Type a message first."
            return
        text, customer = self.draft, self._customers.get(self.selected_id, "")
        self._append(self.selected_id, text)
        self.draft, self.notice = "", ""
        if customer:
            _spawn(_to_customer(customer, text))

    def _append(self, ref: int, text: str) -> None:
        # Reassigned, not mutated in place, so the Redis state manager sees the change.
        window = (self._transcripts.get(ref, []) + [text])[-WINDOW:]
        self._transcripts = {**self._transcripts, ref: window}
        if ref == self.selected_id:
            self.items = list(window)

    def _receive(self, ref: int, customer_token: str, name: str, text: str) -> None:
        if ref not in self._customers:
            self._customers = {**self._customers, ref: customer_token}
            self.rows = [*self.rows, Row(interaction_id=ref, customer_name=name, last_sentence="")]
        if text:
            # The whole rows list is resent, as the inbox resends its panel rows.
            self.rows = [dataclasses.replace(r, last_sentence=text) if r.interaction_id == ref else r
                         for r in self.rows]
            self._append(ref, text)


async def _to_agent(agent_token: str, ref: int, customer_token: str, name: str, text: str) -> None:
    if not agent_token:
        return
    async with app.modify_state(rx.BaseStateToken(ident=agent_token, cls=AgentState)) as root:
        agent = await root.get_state(AgentState)
        agent._receive(ref, customer_token, name, text)


async def _to_customer(customer_token: str, text: str) -> None:
    async with app.modify_state(rx.BaseStateToken(ident=customer_token, cls=ChatState)) as root:
        chat = await root.get_state(ChatState)
        chat._receive(text)


def index() -> rx.Component:
    return rx.vstack(rx.heading(CounterState.count), rx.button("+1", on_click=CounterState.increment))


def inbox() -> rx.Component:
    return rx.vstack(
        rx.text(rx.cond(AgentState.available, "Available", "Unavailable")),
        rx.foreach(AgentState.rows, lambda row: rx.button(row.customer_name, " ", row.last_sentence,
                                                          on_click=AgentState.select(row.interaction_id))),
        rx.foreach(AgentState.items, rx.text),
        rx.input(value=AgentState.draft, on_change=AgentState.set_draft),
        rx.button("Send", on_click=AgentState.send),
    )


def chat() -> rx.Component:
    return rx.vstack(
        rx.foreach(ChatState.items, rx.text),
        rx.input(value=ChatState.draft, on_change=ChatState.set_draft),
        rx.button("Send", on_click=ChatState.send("")),
    )


app = rx.App()
app.add_page(index, route="/")
app.add_page(inbox, route="/inbox", on_load=AgentState.on_load)
app.add_page(chat, route="/chat/[org_slug]", on_load=ChatState.on_load)

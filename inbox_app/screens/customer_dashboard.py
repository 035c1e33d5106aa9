"""Customer Dashboard: the verified customer's profile, metrics, orders (paged) and cases, for this brand."""

from __future__ import annotations

import reflex as rx

from inbox_app import runtime
from inbox_app.push import assign_if_changed
from inbox_app.screens.navigation import ScreenState, listen, still_shown
from inbox_app.screens.parts import error, fact, section, status_badge, table
from inbox_app.state.inbox_dialog import InboxDialog
from services import customer_dashboard, events
from services.customer_dashboard import CaseRow, OrderRow
from services.customer_header import CustomerMetrics, CustomerProfile
from services.errors import Refused

NAME = "customer-dashboard"


class DashboardState(InboxDialog):
    profile: CustomerProfile = CustomerProfile()
    metrics: CustomerMetrics = CustomerMetrics()
    orders: list[OrderRow] = []
    page: int = 0
    has_more_orders: bool = False
    cases: list[CaseRow] = []
    dashboard_error: str = ""

    async def _load(self, page: int) -> bool:
        identity, inbox = await self._acting()
        if identity is None:
            return False
        return await self._read(identity, inbox, page)

    async def _read(self, identity, inbox, page: int) -> bool:
        try:
            async with runtime.db().read() as session:
                loaded = await customer_dashboard.dashboard(session, identity=identity,
                                                            interaction_id=inbox.selected_id, page=page)
        except Refused as refused:
            inbox.notice, self.dashboard_error = str(refused), str(refused)
            return False
        shown = {"profile": loaded.profile, "metrics": loaded.metrics, "orders": loaded.orders, "page": loaded.page,
                 "has_more_orders": loaded.has_more_orders, "cases": loaded.cases, "dashboard_error": ""}
        for name, value in shown.items():
            assign_if_changed(self, name, value)  # a push that changed nothing resends nothing
        # The customer's topic: their profile, orders, notes and ratings, as the header hears them. Not their
        # cases' topics: every chat message would read the whole dashboard again for a list that rarely moves.
        listen(self, {events.customer_topic(loaded.profile.customer_id) if loaded.profile.customer_id else ""})
        return True

    async def _on_change(self, topics: set[str]) -> None:
        if shown := await still_shown(self, NAME):
            identity, inbox, _ = shown
            await self._read(identity, inbox, self.page)

    @rx.event
    async def open_dashboard(self):
        if await self._load(0):
            await (await self.get_state(ScreenState))._open(NAME)

    @rx.event
    async def load(self):
        await self._load(0)

    @rx.event
    async def older_orders(self):
        if self.has_more_orders:
            await self._load(self.page + 1)

    @rx.event
    async def newer_orders(self):
        if self.page > 0:
            await self._load(self.page - 1)


def _order_row(row: OrderRow) -> rx.Component:
    from inbox_app.screens.order_status import OrderStatusState  # the two screens open each other

    return rx.table.row(
        rx.table.cell(rx.button(row.order_number, on_click=OrderStatusState.open_order(row.order_id),
                                variant="ghost", size="1")),
        rx.table.cell(rx.moment(row.created_iso, format="MMM D, YYYY", local=True, font_size="12px")),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(row.total, text_align="right"),
        data_testid="dashboard-order", align="center",
    )


def _case_row(row: CaseRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell("#" + row.case_id.to_string()),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(rx.moment(row.created_iso, format="MMM D, YYYY", local=True, font_size="12px")),
        rx.table.cell(row.category),
        rx.table.cell(row.channels, data_testid="case-channels"),
        data_testid="dashboard-case", align="center",
    )


def _profile() -> rx.Component:
    p, m = DashboardState.profile, DashboardState.metrics
    return rx.hstack(
        section("Profile", fact("Name", p.name), fact("Email", p.email), fact("Phone", p.phone),
                fact("Loyalty", p.loyalty), fact("Status", p.status), flex="1"),
        section("Customer Metrics", fact("Orders", m.orders.to_string()), fact("Spent", m.lifetime_value),
                fact("Returns", m.returns.to_string()), fact("Open cases", m.open_cases.to_string()),
                flex="1", data_testid="dashboard-metrics"),
        width="100%", align="stretch", spacing="3",
    )


def _orders() -> rx.Component:
    return section(
        "Orders",
        rx.cond(DashboardState.orders.length() > 0,
                table(["Order", "Created", "Status", "Total"], DashboardState.orders, _order_row),
                rx.text("No orders with this brand yet.", size="1", color="var(--gray-11)")),
        rx.hstack(
            rx.button("Newer", on_click=DashboardState.newer_orders, disabled=DashboardState.page == 0, size="1",
                      variant="outline"),
            rx.text("Page " + (DashboardState.page + 1).to_string(), size="1", color="var(--gray-11)"),
            rx.button("Older", on_click=DashboardState.older_orders, disabled=~DashboardState.has_more_orders,
                      size="1", variant="outline"),
            spacing="2", align="center",
        ),
    )


def _cases() -> rx.Component:
    return section(
        "Cases",
        rx.cond(DashboardState.cases.length() > 0,
                table(["Case", "Status", "Created", "Category", "Channels"], DashboardState.cases, _case_row),
                rx.text("No cases yet.", size="1", color="var(--gray-11)")),
    )


def dashboard_screen() -> rx.Component:
    return rx.vstack(error(DashboardState.dashboard_error), _profile(), _orders(), _cases(), spacing="3",
                     width="100%", on_mount=DashboardState.load)

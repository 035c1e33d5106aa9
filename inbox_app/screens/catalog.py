"""The inbox's secondary screens: one line each (see registry.py to add your own)."""

from __future__ import annotations

import importlib
import os

from inbox_app.screens import case_screen, customer_dashboard, order_edit, order_status
from inbox_app.screens.registry import register

register("customer-dashboard", title="Customer Dashboard", opens_from="the customer's name or its chevron",
         component=customer_dashboard.dashboard_screen)
register("order-status", title="Order Status", opens_from="an order's created date, or an order on the dashboard",
         component=order_status.order_status_screen)
register("order-edit", title="Order Edit", opens_from="Edit order on Order Status",
         component=order_edit.order_edit_screen, guard=order_edit.ask_before_leaving)
register("case", title="Case", opens_from="the Case button on any interaction, Done ones too",
         component=case_screen.case_screen_component)

# A team's own screens: modules named by the operator, each registering itself on import.
for _module in filter(None, (m.strip() for m in os.environ.get("INBOX_SCREENS", "").split(","))):
    importlib.import_module(_module)

"""The verified customer's cards: profile, metrics, most recent transaction, recommended items."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER
from inbox_app.screens.order_status import OrderStatusState
from inbox_app.state.inbox import InboxState
from inbox_app.state.profile import ProfileState
from inbox_app.state.quick_actions import QuickActionState


def _card(title: str, *children, **props) -> rx.Component:
    return rx.vstack(
        rx.text(title, size="1", weight="medium", color="var(--gray-11)", text_transform="uppercase",
                letter_spacing="0.04em"),
        *children,
        **{"spacing": "1", "padding": "8px 12px", "min_width": "0", "border_right": BORDER, "height": "100%",
           **props},
    )


def _fact(label: str, value, **props) -> rx.Component:
    return rx.hstack(rx.text(label, size="1", color="var(--gray-11)", width="84px", flex_shrink="0"),
                     rx.text(value, size="1", weight="medium", truncate=True, **props), spacing="1", width="100%")


def _profile() -> rx.Component:
    p = InboxState.profile
    return _card(
        "Customer",
        _fact("Loyalty", p.loyalty, data_testid="customer-loyalty"),
        rx.hstack(rx.text("Local time", size="1", color="var(--gray-11)", width="84px", flex_shrink="0"),
                  rx.text(rx.moment(format="HH:mm z", tz=p.timezone, interval=30000), size="1", weight="medium",
                          data_testid="customer-local-time"),
                  spacing="1"),
        _fact("Status", p.status, data_testid="customer-status"),
        rx.button(rx.icon("notebook-pen", size=12), "Customer notes", on_click=ProfileState.open_profile,
                  variant="ghost", size="1", data_testid="customer-notes-button", margin_top="2px"),
        flex="1.1",
    )


def _metrics() -> rx.Component:
    m = InboxState.metrics
    return _card(
        "Customer Metrics",
        _fact("Orders", m.orders.to_string()),
        _fact("Spent", m.lifetime_value),
        _fact("Returns", m.returns.to_string()),
        _fact("Open cases", m.open_cases.to_string()),
        rx.hstack(rx.text("Avg CSAT", size="1", color="var(--gray-11)", width="84px", flex_shrink="0"),
                  rx.text(rx.cond(m.ratings > 0, m.average_csat + " / 5 (" + m.ratings.to_string() + ")",
                                  "no ratings yet"),
                          size="1", weight="medium", data_testid="avg-csat"),
                  spacing="1"),
        data_testid="customer-metrics", flex="1.1",
    )


def _status_badge(status) -> rx.Component:
    color = rx.match(status, ("Open", "blue"), ("Shipped", "amber"), ("Delivered", "green"), ("Cancelled", "red"),
                     "gray")
    # high_contrast: step-12 text; step 11 on the soft step-3 background is under 4.5:1 for blue and green.
    return rx.badge(status, color_scheme=color, variant="soft", size="1", high_contrast=True,
                    data_testid="order-status")


def _action(label: str, action: str, offered) -> rx.Component:
    return rx.cond(offered & ~InboxState.selected_closed,
                   rx.button(label, on_click=QuickActionState.start_action(action), size="1", variant="outline"))


def _order() -> rx.Component:
    o = InboxState.order
    return _card(
        "Most Recent Transaction",
        rx.cond(
            o.order_id > 0,
            rx.vstack(
                rx.hstack(rx.text(o.order_number, size="1", weight="bold", white_space="nowrap"),
                          rx.button(rx.moment(o.created_iso, format="MMM D, YYYY", local=True, font_size="12px",
                                              white_space="nowrap", data_testid="order-created"),
                                    on_click=OrderStatusState.open_recent_order, variant="ghost", size="1",
                                    title="Open Order Status", data_testid="order-created-date"),
                          spacing="2", align="center"),
                rx.hstack(_status_badge(o.status), rx.text(o.total, size="1", color="var(--gray-11)"),
                          rx.cond(o.appeased != "$0.00",
                                  rx.text("appeased " + o.appeased, size="1", color="var(--gray-11)")),
                          spacing="2", align="center"),
                rx.hstack(
                    rx.foreach(InboxState.order_images, lambda pic: rx.image(
                        src=pic.image_path, alt=pic.name, title=pic.name, width="36px", height="36px",
                        border_radius="6px", border=BORDER, data_testid="order-item-image")),
                    rx.cond(o.more_items > 0, rx.text("+" + o.more_items.to_string(), size="2", weight="medium",
                                                      color="var(--gray-11)", data_testid="order-more-items")),
                    spacing="1", align="center",
                ),
                rx.hstack(_action("Appease", "appease", o.can_appease), _action("Cancel", "cancel", o.can_cancel),
                          _action("Return", "return", o.can_return), spacing="1"),
                spacing="1",
            ),
            rx.text("No orders yet", size="1", color="var(--gray-11)"),
        ),
        data_testid="most-recent-order", flex="1.4",
    )


def _recommended(pic, index) -> rx.Component:
    return rx.el.button(
        rx.vstack(rx.image(src=pic.image_path, alt=pic.name, width="40px", height="40px", border_radius="6px",
                           border=BORDER),
                  rx.text(pic.name, size="1", truncate=True, max_width="72px"),
                  spacing="1", align="center"),
        on_click=InboxState.use_recommendation(index),
        title="Put this item's link in the message box",
        data_testid="recommended-item", data_url=pic.url,
        style={"background": "none", "border": "none", "cursor": "pointer", "padding": "2px", "borderRadius": "6px"},
    )


def _recommendations() -> rx.Component:
    return _card("Recommended Items",
                 rx.hstack(rx.foreach(InboxState.recommendations, _recommended), spacing="2"),
                 flex="1.3", border_right="none")


def customer_cards() -> rx.Component:
    return rx.hstack(_profile(), _metrics(), _order(), _recommendations(), spacing="0", width="100%",
                     align="stretch", background="var(--color-panel-solid)")

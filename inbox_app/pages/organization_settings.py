"""/settings/organizations: each brand's "Enable SMS OTP Verification", appeasement limit, "Require expiring
chat links" and "Allowed chat origins" (managers)."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER, manager_page
from inbox_app.components.forms import error_text, field, info_text
from inbox_app.state.organization_settings import OrganizationSettingsState as S
from services.organization_settings import SOP_LABELS


def _checkbox(label: str, box_id, name: str, checked) -> rx.Component:
    # Keyed on the stored value: after a save the box shows what was stored, not what was clicked.
    return rx.hstack(
        rx.el.input(type="checkbox", id=box_id, name=name, default_checked=checked, key=box_id + checked.to_string()),
        rx.el.label(label, html_for=box_id, style={"fontSize": "14px"}),
        spacing="2", align="center", width="260px",
    )


def _sops(org) -> rx.Component:
    """One textbox per channel: the seconds an agent has to pick an interaction up before it bounces."""
    return rx.hstack(
        *[field(f"{label} SOP (seconds)", f"sop-{channel}-" + org.slug,
                rx.input(id=f"sop-{channel}-" + org.slug, name=f"sop_{channel}", default_value=org.sop_seconds[channel],
                         width="90px", input_mode="numeric", key=org.slug + channel + org.sop_seconds[channel]),
                width="auto")
          for channel, label in SOP_LABELS.items()],
        field("Chat inactivity timeout (minutes)", "chat-inactivity-" + org.slug,
              rx.input(id="chat-inactivity-" + org.slug, name="chat_inactivity_minutes",
                       default_value=org.chat_inactivity_minutes, width="90px", input_mode="numeric",
                       key=org.slug + "inactivity" + org.chat_inactivity_minutes),
              width="auto"),
        spacing="3", align="end",
    )


def _hours(org) -> rx.Component:
    """Hours of operation: a transfer completes only within them; both times empty means always open."""
    def box(label: str, name: str, value, width: str, placeholder: str) -> rx.Component:
        box_id = name.replace("_", "-") + "-" + org.slug
        return field(label, box_id, rx.input(id=box_id, name=name, default_value=value, width=width,
                                             placeholder=placeholder, key=org.slug + name + value), width="auto")

    return rx.el.fieldset(
        rx.el.legend("Hours of operation", style={"fontSize": "13px", "fontWeight": "500"}),
        rx.hstack(
            box("Opens at", "opens_at", org.opens_at, "80px", "HH:MM"),
            box("Closes at", "closes_at", org.closes_at, "80px", "HH:MM"),
            box("Time zone", "timezone", org.timezone, "160px", "UTC"),
            spacing="3", align="end",
        ),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def _number(label: str, field_id, name: str, value, slug) -> rx.Component:
    return field(label, field_id, rx.input(id=field_id, name=name, default_value=value, width="150px",
                                           input_mode="tel", placeholder="+1 415 555 0100", key=slug + name + value),
                 width="auto")


def _chatbot_secret(org) -> rx.Component:
    """Write-only: the page says whether one is set, never what it is; typing one replaces it on Save."""
    box_id = "chatbot-secret-" + org.slug
    return field("Chatbot secret", box_id,
                 rx.input(id=box_id, name="chatbot_secret", type="password", auto_complete="new-password",
                          width="200px", placeholder=rx.cond(org.chatbot_secret_set, "Set: type to replace",
                                                             "Not set"),
                          key=org.slug + "bot" + org.chatbot_secret_set.to_string()),
                 width="auto")


def _organization(org) -> rx.Component:
    sms_id, limit_id, origins_id = "sms-otp-" + org.slug, "appease-limit-" + org.slug, "chat-origins-" + org.slug
    first_row = rx.hstack(
        rx.vstack(rx.text(org.name, weight="bold", size="3"), rx.text("/chat/" + org.slug, size="1",
                                                                         color="var(--gray-11)"),
                  spacing="0", width="160px"),
        rx.vstack(
            _checkbox("Enable SMS OTP Verification", sms_id, "sms_otp_enabled", org.sms_otp_enabled),
            _checkbox("Require expiring chat links", "expiring-links-" + org.slug, "require_expiring_chat_links",
                      org.require_expiring_chat_links),
            spacing="2",
        ),
        field("Appeasement limit per order ($)", limit_id,
              rx.input(id=limit_id, name="appease_limit", default_value=org.appease_limit, width="120px",
                       input_mode="decimal", key=org.slug + org.appease_limit), width="auto"),
        field("Allowed chat origins", origins_id,
              rx.text_area(id=origins_id, name="allowed_chat_origins", default_value=org.allowed_chat_origins,
                           rows="3", width="240px", placeholder="https://shop.example", spell_check=False,
                           resize="vertical", style={"fontFamily": "var(--code-font-family)", "fontSize": "12px"},
                           key=org.slug + org.allowed_chat_origins),
              width="auto"),
        spacing="5", align="end", width="100%",
    )
    second_row = rx.hstack(
        rx.box(width="160px", flex_shrink="0"),  # under the organization's name
        _sops(org),
        _hours(org),
        rx.hstack(
            _number("SMS number", "sms-number-" + org.slug, "sms_number", org.sms_number, org.slug),
            _number("WhatsApp number", "whatsapp-number-" + org.slug, "whatsapp_number", org.whatsapp_number,
                    org.slug),
            spacing="3", align="end",
        ),
        _chatbot_secret(org),
        rx.el.input(type="hidden", name="organization_id", value=org.organization_id.to_string()),
        rx.button("Save", type="submit", size="2", aria_label="Save " + org.name),
        spacing="5", align="end", width="100%", wrap="wrap",
    )
    return rx.form(
        rx.vstack(first_row, second_row, spacing="3", padding="12px 0", border_bottom=BORDER, width="100%"),
        on_submit=S.save, data_testid="organization-settings", width="100%", max_width="1080px",
    )


def organization_settings_page() -> rx.Component:
    content = rx.vstack(
        rx.text("Passcodes go by email unless SMS OTP is enabled; SMS needs the customer's phone with its country "
                "code. The appeasement limit caps what agents can give back on one order. With expiring chat links "
                "required, a signed chat link verifies the customer only if it carries an expiry time. Allowed chat "
                "origins are the sites that may show the Live Chat in a frame, one per line (https://shop.example), or "
                "* for any site; with none, no site can. The SOP is how many seconds an agent has to pick up an "
                "interaction routed to them before it bounces to another agent. A chat whose customer leaves the "
                "agent's message unanswered for the chat inactivity timeout goes inactive: the chat ends and a "
                "pending transfer is abandoned. A transfer to a team completes only within the hours of operation (HH:MM, 24-hour, in "
                "the time zone given; both empty: always open). "
                "Customers text and WhatsApp the organization's numbers (with their country code); set the same "
                "numbers in Twilio.",
                size="2",
                color="var(--gray-11)"),
        rx.foreach(S.organizations, _organization),
        error_text(S.error), info_text(S.saved),
        spacing="2", width="100%",
    )
    return manager_page("organizations", "Organization settings", S.allowed, content,
                        "Only managers change organization settings.")

"""/settings/organizations: each brand's "Enable SMS OTP Verification", appeasement limit, "Require expiring
chat links" and "Allowed chat origins" (managers)."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.common import BORDER, manager_page
from inbox_app.components.forms import error_text, field, info_text
from inbox_app.state.organization_settings import OrganizationSettingsState as S


def _checkbox(label: str, box_id, name: str, checked) -> rx.Component:
    # Keyed on the stored value: after a save the box shows what was stored, not what was clicked.
    return rx.hstack(
        rx.el.input(type="checkbox", id=box_id, name=name, default_checked=checked, key=box_id + checked.to_string()),
        rx.el.label(label, html_for=box_id, style={"fontSize": "14px"}),
        spacing="2", align="center", width="260px",
    )


def _number(label: str, field_id, name: str, value, slug) -> rx.Component:
    return field(label, field_id, rx.input(id=field_id, name=name, default_value=value, width="150px",
                                           input_mode="tel", placeholder="+1 415 555 0100", key=slug + name + value),
                 width="auto")


def _organization(org) -> rx.Component:
    sms_id, limit_id, origins_id = "sms-otp-" + org.slug, "appease-limit-" + org.slug, "chat-origins-" + org.slug
    return rx.form(
        rx.hstack(
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
            rx.vstack(
                _number("SMS number", "sms-number-" + org.slug, "sms_number", org.sms_number, org.slug),
                _number("WhatsApp number", "whatsapp-number-" + org.slug, "whatsapp_number", org.whatsapp_number,
                        org.slug),
                spacing="2",
            ),
            rx.el.input(type="hidden", name="organization_id", value=org.organization_id.to_string()),
            rx.button("Save", type="submit", size="2", aria_label="Save " + org.name),
            spacing="5", align="end", padding="12px 0", border_bottom=BORDER, width="100%",
        ),
        on_submit=S.save, data_testid="organization-settings", width="100%", max_width="1080px",
    )


def organization_settings_page() -> rx.Component:
    content = rx.vstack(
        rx.text("Passcodes go by email unless SMS OTP is enabled; SMS needs the customer's phone with its country "
                "code. The appeasement limit caps what agents can give back on one order. With expiring chat links "
                "required, a signed chat link verifies the customer only if it carries an expiry time. Allowed chat origins are "
                "the sites that may show the Live Chat in a frame, one per line (https://shop.example), or * for any "
                "site; with none, no site can. Customers text and WhatsApp the organization's numbers (with their "
                "country code); set the same numbers in Twilio.", size="2",
                color="var(--gray-11)"),
        rx.foreach(S.organizations, _organization),
        error_text(S.error), info_text(S.saved),
        spacing="2", width="100%",
    )
    return manager_page("organizations", "Organization settings", S.allowed, content,
                        "Only managers change organization settings.")

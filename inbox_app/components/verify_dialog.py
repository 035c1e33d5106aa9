"""The Verify Customer popup."""

from __future__ import annotations

import reflex as rx

from inbox_app.components.dialog import dialog_content
from inbox_app.components.forms import error_text, fact, field, info_text
from inbox_app.state.verify import VerifyState


def _record() -> rx.Component:
    return rx.vstack(
        rx.text("Customer record", size="2", weight="bold"),
        fact("Name", VerifyState.match_name),
        fact("Email", rx.cond(VerifyState.match_email != "", VerifyState.match_email, "—")),
        fact("Phone", rx.cond(VerifyState.match_phone != "", VerifyState.match_phone, "—")),
        spacing="1", width="100%", padding="10px", border_radius="8px", background="var(--gray-a2)",
        data_testid="verify-record",
    )


def _find_by_contact() -> rx.Component:
    return rx.vstack(
        rx.text("No customer record matches the name and contact the customer gave. Ask for the email or phone "
                "number on their account.", size="2", color="var(--gray-11)"),
        rx.hstack(
            field("Email", "verify-email", rx.input(id="verify-email", value=VerifyState.typed_email,
                                                    on_change=VerifyState.set_typed_email, type="email",
                                                    width="100%")),
            field("Phone", "verify-phone", rx.input(id="verify-phone", value=VerifyState.typed_phone,
                                                    on_change=VerifyState.set_typed_phone, type="tel",
                                                    placeholder="+1 415 555 0100", width="100%")),
            spacing="2", width="100%",
        ),
        rx.button("Find customer", on_click=VerifyState.find, variant="soft", size="2"),
        spacing="2", width="100%",
    )


def _send_buttons() -> rx.Component:
    sms_ready = VerifyState.sms_enabled & VerifyState.match_phone_ok
    return rx.vstack(
        rx.hstack(
            rx.button(rx.icon("mail", size=14), "Send via Email", on_click=VerifyState.send_code("email"),
                      loading=VerifyState.sending, disabled=VerifyState.match_email == "", size="2",
                      variant=rx.cond(VerifyState.sent_to != "", "soft", "solid")),
            rx.button(rx.icon("smartphone", size=14), "Send via SMS", on_click=VerifyState.send_code("sms"),
                      size="2", variant="soft", disabled=~sms_ready | VerifyState.sending),
            rx.cond(VerifyState.sent_to != "",
                    rx.button(rx.icon("rotate-cw", size=14), "Resend",
                              on_click=VerifyState.send_code(VerifyState.sent_channel), size="2", variant="soft",
                              disabled=VerifyState.sending,
                              title="Send a new passcode the same way; the previous one stops working")),
            spacing="2", wrap="wrap",
        ),
        rx.cond(~VerifyState.sms_enabled,
                rx.text("SMS passcodes are off for " + VerifyState.org_label
                        + " (the organization's \"Enable SMS OTP Verification\" setting). Passcodes go by email.",
                        size="1", color="var(--gray-11)", data_testid="sms-otp-off"),
                rx.cond(~VerifyState.match_phone_ok,
                        rx.text("The phone number on the record has no country code, so no SMS can be sent.",
                                size="1", color="var(--gray-11)"))),
        rx.text("Passcodes are never sent by WhatsApp.", size="1", color="var(--gray-11)"),
        spacing="1", width="100%",
    )


def _passcode_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            field("Passcode", "verify-passcode",
                  rx.input(id="verify-passcode", name="passcode", auto_complete="one-time-code",
                           input_mode="numeric", max_length=6, placeholder="6 digits", width="100%",
                           auto_focus=True)),
            rx.button("Verify", type="submit", size="2"),
            align="end", spacing="2", width="100%",
        ),
        on_submit=VerifyState.check, reset_on_submit=True, width="100%",
    )


def verify_dialog() -> rx.Component:
    return rx.dialog.root(
        dialog_content(
            rx.dialog.title("Verify Customer"),
            rx.dialog.description("Send a one-time passcode to the email or phone on the customer's record, "
                                  "then enter the code the customer reads back.", size="2", color="var(--gray-11)"),
            rx.vstack(
                rx.cond(VerifyState.found, _record(), _find_by_contact()),
                rx.cond(VerifyState.found, _send_buttons()),
                info_text(VerifyState.verify_info),
                rx.cond(VerifyState.sent_to != "", _passcode_form()),
                error_text(VerifyState.verify_error),
                rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end",
                          width="100%"),
                spacing="3", width="100%", margin_top="12px",
            ),
            max_width="480px",
        ),
        open=VerifyState.verify_open,
        on_open_change=VerifyState.set_verify_open,
    )

"""Passcodes really leave the building: aiosmtplib to a loopback SMTP server, twilio to a local stand-in."""

from __future__ import annotations

import dataclasses

import pytest

from services import verification
from services.config import load_settings
from tests.fakes.smtp import SmtpServer, passcode_in
from tests.fakes.twilio_api import TwilioStandIn

_CODE = verification.CodeToSend(challenge_id=7, organization_id=1, channel="email",
                                recipient="ellen.smith@example.com", code="004217", organization_name="Sophia's")


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def twilio():
    stand_in = TwilioStandIn().start()
    yield stand_in
    stand_in.stop()


def _settings(**env):
    return load_settings({"INBOX_SECRET_KEY": "k", "SMTP_FROM": "care@sophias.example.com", **env})


async def test_the_email_reaches_a_real_smtp_server_with_the_code(smtp):
    settings = _settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port))
    await verification.deliver_code(settings, _CODE)
    message = smtp.wait_for("ellen.smith@example.com")
    assert passcode_in(message) == "004217"
    assert message["From"] == "care@sophias.example.com" and "Sophia's" in message["Subject"]


async def test_the_sms_goes_through_the_twilio_library_to_the_messages_api(twilio):
    settings = _settings(TWILIO_ACCOUNT_SID=twilio.account_sid, TWILIO_AUTH_TOKEN=twilio.auth_token,
                         TWILIO_SMS_FROM="+15005550006", TWILIO_API_BASE=twilio.base_url)
    await verification.deliver_code(settings, dataclasses.replace(_CODE, channel="sms", recipient="+14155550100"))
    [sent] = twilio.messages
    assert (sent["To"], sent["From"]) == ("+14155550100", "+15005550006")
    assert "004217" in sent["Body"]


async def test_an_sms_passcode_goes_out_from_the_organizations_own_number(twilio):
    settings = _settings(TWILIO_ACCOUNT_SID=twilio.account_sid, TWILIO_AUTH_TOKEN=twilio.auth_token,
                         TWILIO_SMS_FROM="+15005550006", TWILIO_API_BASE=twilio.base_url)
    await verification.deliver_code(settings, dataclasses.replace(_CODE, channel="sms", recipient="+14155550100",
                                                                 sender="+15005550099"))
    [sent] = twilio.messages
    assert sent["From"] == "+15005550099"


async def test_a_provider_refusal_raises_so_the_agent_is_told(twilio):
    twilio.fail_with = 400
    settings = _settings(TWILIO_ACCOUNT_SID=twilio.account_sid, TWILIO_AUTH_TOKEN=twilio.auth_token,
                         TWILIO_SMS_FROM="+15005550006", TWILIO_API_BASE=twilio.base_url)
    with pytest.raises(Exception, match="refused"):
        await verification.deliver_code(settings, dataclasses.replace(_CODE, channel="sms",
                                                                     recipient="+14155550100"))
    assert twilio.messages == []

"""A local stand-in of Twilio's Messages REST API, for tests only (TWILIO_API_BASE points here).

It checks HTTP basic auth against the account SID and token, takes the form the twilio library posts,
keeps it, and answers with the JSON shape the library parses. Like Twilio, it can then post a signed status
callback to the message's StatusCallback URL (`report_status`), and `signed` builds any webhook request
exactly as Twilio signs it (RequestValidator.compute_signature over the URL and the form fields). `while_answering` lets a test act while a
request is in the provider's hands (e.g. hold it there until the sender's claim has expired).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlencode
from urllib.request import Request, urlopen

from twilio.request_validator import RequestValidator

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
_MEDIA = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages/[^/]+/Media/(?P<media>ME\w+)$")
_CDN = re.compile(r"^/cdn/(?P<media>ME\w+)$")


class TwilioStandIn:
    def __init__(self, account_sid: str = "ACtest", auth_token: str = "token", port: int = 0):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict] = []
        self.next_sid: str | None = None  # the MessageSid the next send gets (a test may need it in advance)
        self.fail_with: int | None = None  # set to an HTTP status to make the next sends fail
        # Called with the posted form in the server's thread before each answer; it may block there
        # (requests are served on their own threads, so others are answered meanwhile).
        self.while_answering: Callable[[dict], None] | None = None
        # Media a customer "sent": Twilio's media URL asks for the account's credentials and redirects to a
        # CDN on another host, which must never see them (`credentials_leaked` counts any that arrive).
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_fetches = 0
        self.credentials_leaked = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def cdn_url(self) -> str:
        """The same server under another host name, as Twilio's CDN is another host."""
        return f"http://localhost:{self._server.server_address[1]}"

    def add_media(self, data: bytes, content_type: str, message_sid: str = "MMe2e") -> str:
        """Keep a file as Twilio keeps a customer's media; returns its MediaUrl."""
        media_sid = "ME" + uuid.uuid4().hex
        self.media[media_sid] = (data, content_type)
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}/Media/{media_sid}"

    def start(self) -> "TwilioStandIn":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def report_status(self, message: dict, status: str, error_code: str = "") -> int:
        """Post a status callback for a message sent through the stand-in, as Twilio does; returns the HTTP
        status the app answered."""
        fields = {"MessageSid": message["sid"], "MessageStatus": status, "AccountSid": self.account_sid,
                  "To": message.get("To", ""), "From": message.get("From", "")}
        if error_code:
            fields["ErrorCode"] = error_code
        body, headers = signed(self.auth_token, message["StatusCallback"], fields)
        with urlopen(Request(message["StatusCallback"], data=body, headers=headers, method="POST"), timeout=10) as r:
            return r.status

    def _handler_class(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if match := _MEDIA.match(self.path):
                    expected = base64.b64encode(f"{stand_in.account_sid}:{stand_in.auth_token}".encode()).decode()
                    if self.headers.get("Authorization") != f"Basic {expected}":
                        return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    self.send_response(307)
                    self.send_header("Location", f"{stand_in.cdn_url}/cdn/{match['media']}")
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                if (match := _CDN.match(self.path)) and match["media"] in stand_in.media:
                    if self.headers.get("Authorization"):
                        stand_in.credentials_leaked += 1
                        return self._reply(400, {"message": "credentials sent to the CDN"})
                    stand_in.media_fetches += 1
                    data, content_type = stand_in.media[match["media"]]
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    return self.wfile.write(data)
                self._reply(404, {"code": 20404, "message": "not found", "status": 404})

            def do_POST(self):
                match = _MESSAGES.match(self.path)
                expected = base64.b64encode(f"{stand_in.account_sid}:{stand_in.auth_token}".encode()).decode()
                if not match or match["sid"] != stand_in.account_sid:
                    return self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                if self.headers.get("Authorization") != f"Basic {expected}":
                    return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                length = int(self.headers.get("Content-Length", 0))
                fields = parse_qs(self.rfile.read(length).decode())
                form = {k: v[0] for k, v in fields.items()}
                if "MediaUrl" in fields:  # repeated, one per file
                    form["MediaUrl"] = fields["MediaUrl"]
                if stand_in.while_answering:
                    stand_in.while_answering(form)
                if stand_in.fail_with:
                    return self._reply(stand_in.fail_with, {"code": 21610, "message": "refused", "status": stand_in.fail_with})
                sid, stand_in.next_sid = stand_in.next_sid or "SM" + uuid.uuid4().hex, None
                stand_in.messages.append({"sid": sid, **form})
                self._reply(201, {"sid": sid, "account_sid": stand_in.account_sid, "to": form.get("To"),
                                  "from": form.get("From"), "body": form.get("Body"), "status": "queued"})

        return Handler


def wait_for_sms(stand_in: TwilioStandIn, to: str, *, after: int = 0, timeout: float = 15.0) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in stand_in.messages[after:]:
            if message.get("To") == to:
                return message
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {to} within {timeout}s")


def signature(auth_token: str, url: str, fields: dict) -> str:
    return RequestValidator(auth_token).compute_signature(url, fields)


def signed(auth_token: str, url: str, fields: dict) -> tuple[bytes, dict]:
    """A webhook request's form body and headers, signed over `url` exactly as Twilio signs it."""
    return urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                        "X-Twilio-Signature": signature(auth_token, url, fields)}


def inbound_fields(*, sid: str, from_: str, to: str, body: str, account_sid: str = "ACtest", **extra) -> dict:
    """The form Twilio posts for an inbound SMS (or WhatsApp, with whatsapp: addresses)."""
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": account_sid, "From": from_, "To": to, "Body": body,
            "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01", **extra}


def _serve(args) -> None:
    """Run the stand-in for a local try-out: print each message the app sends, then report it delivered."""
    import time

    stand_in = TwilioStandIn(args.account_sid, args.auth_token, args.port)

    def deliver(form: dict) -> None:
        print(f"SMS from {form.get('From')} to {form.get('To')}: {form.get('Body') or form.get('ContentSid')}",
              flush=True)

    stand_in.while_answering = deliver
    stand_in.start()
    print(f"Twilio stand-in on {stand_in.base_url} (account {args.account_sid}); Ctrl+C stops it", flush=True)
    reported = 0
    while True:
        time.sleep(1)
        for message in stand_in.messages[reported:]:
            if message.get("StatusCallback"):
                try:
                    stand_in.report_status(message, "delivered")
                except OSError as error:
                    print(f"status callback failed: {error}", flush=True)
        reported = len(stand_in.messages)


def _text(args) -> None:
    """Post a signed inbound SMS (or WhatsApp, with --whatsapp) to the app, as Twilio would."""
    prefix = "whatsapp:" if args.whatsapp else ""
    url = args.app.rstrip("/") + "/webhooks/twilio/messages"
    fields = inbound_fields(sid="SM" + uuid.uuid4().hex, from_=prefix + args.from_, to=prefix + args.to,
                            body=args.body, account_sid=args.account_sid)
    body, headers = signed(args.auth_token, url, fields)
    with urlopen(Request(url, data=body, headers=headers, method="POST"), timeout=10) as answer:
        print(f"{answer.status} {answer.read().decode()}")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.fakes.twilio_api",
                                     description="Try SMS and WhatsApp locally without Twilio.")
    parser.add_argument("--account-sid", default="ACdemo")
    parser.add_argument("--auth-token", default="demo-token")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the stand-in of Twilio's REST API")
    serve.add_argument("--port", type=int, default=8099)
    text = commands.add_parser("text", help="post a signed inbound message to the app's webhook")
    text.add_argument("--app", default="http://localhost:3000", help="the app's PUBLIC_BASE_URL")
    text.add_argument("--from", dest="from_", default="+14155550142")
    text.add_argument("--to", default="+15005550006")
    text.add_argument("--whatsapp", action="store_true")
    text.add_argument("body")
    args = parser.parse_args(argv)
    _serve(args) if args.command == "serve" else _text(args)


if __name__ == "__main__":
    main()

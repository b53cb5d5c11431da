"""SMS through Twilio's Messages API: a form POST to /2010-04-01/Accounts/{sid}/Messages.json with
basic auth (the account SID and its auth token). The base URL is configurable (a test server, a
regional edge). Twilio's answers are classified for the outbox: 429 and 5xx are tried again later
(after Retry-After), a 400 for a number that cannot be reached fails for good, and 21610 (the
person replied STOP to this sender) also stops that number here.

Inbound: Twilio posts replies to /hooks/twilio, signed with X-Twilio-Signature (base64 HMAC-SHA1
of the URL and the sorted form fields under the auth token), compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from notify.errors import InputError

API = "https://api.twilio.com"
STOPPED = 21610  # "Attempt to send to unsubscribed recipient"
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}


class NumberStopped(Exception):
    """The person asked this sender to stop: never text them again."""


@dataclass(frozen=True)
class Twilio:
    account_sid: str
    auth_token: str = field(repr=False)
    sender: str  # an E.164 number, or a Messaging Service SID (MG…)
    api: str = API

    @classmethod
    def from_env(cls, required: bool = True) -> Twilio | None:
        sid, token = os.environ.get("NOTIFY_TWILIO_ACCOUNT_SID"), os.environ.get("NOTIFY_TWILIO_AUTH_TOKEN")
        sender = os.environ.get("NOTIFY_TWILIO_FROM")
        if not (sid and token and sender):
            if not required:
                return None
            raise InputError(
                "sending SMS needs a Twilio account",
                hint="set NOTIFY_TWILIO_ACCOUNT_SID, NOTIFY_TWILIO_AUTH_TOKEN and NOTIFY_TWILIO_FROM "
                "(and NOTIFY_TWILIO_API for another base URL)",
            )
        return cls(sid, token, sender, os.environ.get("NOTIFY_TWILIO_API") or API)

    def send(self, to: str, body: str, timeout: float = 15.0) -> str:
        """Queue one message; its Twilio SID. Raises Temporary, Permanent or NumberStopped."""
        from notify.delivery.sender import Permanent, Temporary

        who = "MessagingServiceSid" if self.sender.startswith("MG") else "From"
        data = urlencode({"To": to, who: self.sender, "Body": body}).encode()
        url = f"{self.api.rstrip('/')}/2010-04-01/Accounts/{quote(self.account_sid, safe='')}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={"Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return str(json.loads(response.read(100_000)).get("sid", ""))
        except urllib.error.HTTPError as exc:
            try:
                answer = json.loads(exc.read(10_000))
            except ValueError:
                answer = {}
            code, message = answer.get("code"), answer.get("message") or exc.reason
            reply = f"{exc.code} (Twilio {code}): {message}" if code else f"{exc.code}: {message}"
            if code == STOPPED:
                raise NumberStopped(reply) from None
            if exc.code == 429 or exc.code >= 500:
                raise Temporary(reply) from None
            raise Permanent(reply) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise Temporary(f"cannot reach Twilio: {getattr(exc, 'reason', exc)}") from None


def signature_ok(auth_token: str, url: str, form: dict[str, str], given: str | None) -> bool:
    """Twilio's X-Twilio-Signature: base64(HMAC-SHA1(token, url + each field's name and value, sorted))."""
    if not given:
        return False
    payload = url + "".join(k + form[k] for k in sorted(form))
    expected = base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(expected, given)


def asks_to_stop(body: str) -> bool:
    return body.strip().upper() in STOP_WORDS

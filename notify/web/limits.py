"""How often a stranger may make the service work or send mail: sign-in attempts, sign-ups and
confirmation mails. Counted in the store (notify/store/rate_limits.py), so all processes share them."""

from __future__ import annotations

import math

from fastapi import Request
from fastapi.responses import Response

from notify.store.rate_limits import Limit

FAILED_LOGINS_PER_ACCOUNT = Limit(10, 15 * 60)
FAILED_LOGINS_PER_CLIENT = Limit(30, 15 * 60)
SIGNUPS_PER_CLIENT = Limit(20, 3600)
MAILS_PER_ADDRESS = Limit(3, 3600)  # confirmation and notice mails one address receives


def client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def retry_after(response: Response, wait: float) -> Response:
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response

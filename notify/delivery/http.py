"""One HTTP request to another service, its failure classified the way the outbox retries: 408, 425,
429, 5xx and unreachable are temporary; any other 4xx is permanent."""

from __future__ import annotations

import urllib.error
import urllib.request


def post(url: str, body: bytes | None, headers: dict[str, str], timeout: float = 15.0, method: str = "POST") -> bytes:
    """One request (a POST unless told), answering the reply's body (its first megabyte); raises
    Temporary or Permanent the way the outbox expects."""
    from notify.delivery.sender import Permanent, Temporary

    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "application/json", "User-Agent": "notify", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: bytes = response.read(1_000_000)
            return answer
    except urllib.error.HTTPError as exc:
        reply = f"{exc.code} {exc.read(300).decode(errors='replace').strip() or exc.reason}"
        raise (Temporary(reply) if exc.code in (408, 425, 429) or exc.code >= 500 else Permanent(reply)) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise Temporary(f"cannot reach it: {getattr(exc, 'reason', exc)}") from None

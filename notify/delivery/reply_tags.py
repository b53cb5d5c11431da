"""The Reply-To of an update email names its incident: reply+INC-1042.<mac>@status.example.com, the
MAC under the server's signing key, so a reply is filed with its incident and a forged tag is not."""

from __future__ import annotations

import hmac
import re

from notify.signing import Signer

TAG = re.compile(r"^reply\+(?P<incident>[A-Za-z0-9][A-Za-z0-9._-]{0,63})\.(?P<mac>[0-9a-f]{16})@", re.I)


def _mac(secret: bytes, incident_id: str) -> str:
    return Signer(secret, "reply").mac(incident_id)[:16]


def reply_address(secret: bytes, incident_id: str, inbound: str) -> str | None:
    """The tagged address on the inbound address's domain, or None when it would be too long."""
    domain = inbound.rpartition("@")[2]
    local = f"reply+{incident_id}.{_mac(secret, incident_id)}"
    return f"{local}@{domain}" if len(local) <= 64 and domain else None


def tagged(secret: bytes, address: str) -> tuple[str | None, bool]:
    """(incident, True) for a tag that verifies, (None, True) for one that does not, (None, False)
    for an address with no tag."""
    found = TAG.match(address)
    if found is None:
        return None, False
    ok = hmac.compare_digest(_mac(secret, found["incident"]), found["mac"].lower())
    return (found["incident"] if ok else None), True

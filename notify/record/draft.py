"""A draft: one revision of an incident rendered to messages, its policy report, and a hash of what
would be sent.

    pending ──approve──▶ approved ──publish──▶ published
       │ └──reject───▶ rejected
       └──(a newer revision arrives)──▶ superseded

An approval binds to the content hash: when a byte of the messages changes, it no longer holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

PENDING, APPROVED, REJECTED, PUBLISHED, SUPERSEDED = "pending", "approved", "rejected", "published", "superseded"

# The links an approved email's footer holds until it is sent: then the status page's address and
# each recipient's own unsubscribe link take their place (delivery.mailer). Reserved names (RFC 2606).
PAGE_LINK = "https://notify.invalid/status-page"
UNSUBSCRIBE_LINK = "https://notify.invalid/unsubscribe"
STATES = (PENDING, APPROVED, REJECTED, PUBLISHED, SUPERSEDED)


def content_hash(messages: dict[str, Any]) -> str:
    """SHA-256 over exactly what would be sent: every channel's parts, canonically serialised."""
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Draft:
    id: str
    incident_id: str
    revision: int
    state: str
    verdict: str
    author: str
    created_at: str
    record: dict[str, Any]
    messages: dict[str, Any]
    report: dict[str, Any]
    content_hash: str
    approved_hash: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    decision_note: str | None = None

    @property
    def approval_holds(self) -> bool:
        """Approved, and the messages are byte for byte what was approved."""
        return (
            self.state in (APPROVED, PUBLISHED)
            and self.approved_hash is not None
            and self.approved_hash == content_hash(self.messages) == self.content_hash
        )

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident": self.incident_id,
            "revision": self.revision,
            "state": self.state,
            "verdict": self.verdict,
            "author": self.author,
            "created_at": self.created_at,
            "content_hash": self.content_hash,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
        }


def draft_id(incident_id: str, revision: int) -> str:
    return f"{incident_id}-r{revision}"

"""A webhook event becomes a pending draft: the tool's facts merged into the incident's latest record.

What a person wrote (impact, apology, responsibility, remedy, title, contact) is kept from the
latest revision; what the tool knows (status, severity, times, links, the alert's wording as the
internal cause) comes from the event. A first event has no human text, so its draft starts blocked
until a reviewer writes it. The same delivery received twice makes one revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from notify.review.service import AlreadyClaimed, Review
from notify.store import deliveries

if TYPE_CHECKING:
    from notify.record.draft import Draft
    from notify.record.incident import Incident
    from notify.record.webhooks import Event
    from notify.settings.service import ServiceConfig
    from notify.store.database import Tx

HUMAN_FIELDS = (
    "title",
    "impact",
    "apology",
    "responsibility",
    "remedy",
    "contact",
    "actions",
    "affected_customers",
    "components",
)


@dataclass(frozen=True)
class Outcome:
    draft: Draft | None
    duplicate: bool


def too_old(event: Event, now: datetime, max_minutes: int) -> str | None:
    """Why a signed event is refused as a replay: it happened longer ago than the service accepts."""
    if max_minutes and event.occurred_at is not None and now - event.occurred_at > timedelta(minutes=max_minutes):
        return f"the event happened at {event.occurred_at:%Y-%m-%d %H:%M} UTC, over {max_minutes} minutes ago: a replay"
    return None


def changes_nothing(incident: Incident, previous: dict[str, Any]) -> bool:
    """The delivery repeats the latest revision's facts (a tool re-sending the same state): no new
    revision. The next-update time is ours, not the tool's, so it is not compared."""
    from notify.record.incident import Incident

    def facts(record: Incident) -> dict[str, Any]:
        return record.model_dump(mode="json", exclude={"next_update_at"})

    try:
        return facts(incident) == facts(Incident.model_validate(previous))
    except ValueError:  # a previous record from an older schema: treat the delivery as news
        return False


def incident_from_event(
    event: Event, previous: dict[str, Any] | None, config: ServiceConfig, now: datetime, components: list[str]
) -> Incident:
    """`components` are the catalog's names for the tool's service: the page never shows the tool's
    own service id. When nothing maps, the draft names none until a reviewer picks them."""
    from notify.record.incident import Incident

    record: dict[str, Any] = {
        "id": event.incident_id,
        "title": f"Problem with {' and '.join(components)}" if components else "Service disruption",
        "components": components,
        "impact": "",
        "apology": "",
        "responsibility": "",
        "remedy": "",
    }
    if previous:
        record.update({k: previous[k] for k in HUMAN_FIELDS if previous.get(k) not in (None, "", [])})
    if not record.get("contact") and config.service.contact:
        record["contact"] = config.service.contact.model_dump(exclude_none=True)
    record.update(
        {
            "status": event.status,
            "severity": event.severity,
            "started_at": event.started_at,
            "resolved_at": event.resolved_at,
            "cause": event.technical,
            "links": event.links,
            "next_update_at": None
            if event.status == "resolved"
            else now + timedelta(minutes=config.service.next_update_minutes),
        }
    )
    return Incident.model_validate(record)


@dataclass(frozen=True)
class DeliveryClaim:
    """A webhook delivery id, claimed in the transaction that stores its draft."""

    source: str
    delivery_id: str
    received_at: str

    def take(self, tx: Tx) -> bool:
        return deliveries.claim(tx, self.source, self.delivery_id, self.received_at)

    def record(self, tx: Tx, draft_id: str) -> None:
        deliveries.made(tx, self.source, self.delivery_id, draft_id)


def accept(review: Review, source: str, delivery_id: str, incident: Incident, notes: list[str]) -> Outcome:
    """Store the revision and claim the delivery id in one transaction: a retried or concurrent copy
    of the same delivery makes none. `notes` are told to the reviewer with the draft's findings."""
    claim = DeliveryClaim(source, delivery_id, review.clock().isoformat())
    try:
        draft = review.create(incident, f"webhook:{source}", source=source, claim=claim, notes=notes)
    except AlreadyClaimed:
        return Outcome(None, duplicate=True)
    return Outcome(draft, duplicate=False)

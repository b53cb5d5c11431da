"""Scheduled maintenance runs itself: a reminder before it starts, then in progress, then completed.

`notify tick`, run every minute or so (cron, a systemd timer), looks at each maintenance whose
latest revision a person approved, and when its time comes makes the next revision: a reminder
(subject "[Reminder: Scheduled] …"), `in_progress` at the start, `completed` at the end. These revisions change
nothing a person wrote, only the status (or the reminder mark) the approved schedule already
announced, so they are approved by `notify:schedule` on the strength of that approval; the audit
log says so. Anything else still needs a reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from notify.record.draft import APPROVED, PENDING, PUBLISHED, Draft
from notify.record.incident import Incident
from notify.review.service import Review
from notify.store import audit, drafts

SCHEDULER = "notify:schedule"
HUMAN_FIELDS = (
    "title",
    "impact",
    "apology",
    "responsibility",
    "remedy",
    "actions",
    "contact",
    "components",
    "started_at",
    "scheduled_until",
)


@dataclass(frozen=True)
class Step:
    incident_id: str
    action: str  # remind | start | complete
    draft: Draft


def next_action(record: dict[str, object], now: datetime, reminded: bool, remind_before: timedelta) -> str | None:
    start = datetime.fromisoformat(str(record["started_at"]))
    end = datetime.fromisoformat(str(record["scheduled_until"])) if record.get("scheduled_until") else None
    status = record["status"]
    if status == "scheduled":
        if now >= start:
            return "start"
        if not reminded and now >= start - remind_before:
            return "remind"
    if status in ("in_progress", "verifying") and end is not None and now >= end:
        return "complete"
    return None


def tick(review: Review, now: datetime, remind_before: timedelta = timedelta(hours=1)) -> list[Step]:
    """Take every maintenance one step further where its time has come; returns what was done."""
    steps = []
    latest: dict[str, Draft] = {}
    reminded: set[str] = set()
    for draft in review.maintenance():  # the maintenance drafts alone: a tick costs the same however long the history
        if draft.record.get("reminder"):
            reminded.add(draft.incident_id)
        current = latest.get(draft.incident_id)
        if current is None or draft.revision > current.revision:
            latest[draft.incident_id] = draft
    for incident_id, draft in sorted(latest.items()):
        if draft.state not in (APPROVED, PUBLISHED):
            continue  # a person has not approved this schedule (or its latest change) yet
        action = next_action(draft.record, now, incident_id in reminded, remind_before)
        if action is None:
            continue
        record = {
            **draft.record,
            "reminder": action == "remind",
            "status": {"remind": "scheduled", "start": "in_progress", "complete": "completed"}[action],
        }
        created = review.create(Incident.model_validate(record), SCHEDULER, source="schedule")
        if created.verdict == "pass" and _same_words(draft, created):
            created = _approve(review, created, because=draft)
        steps.append(Step(incident_id, action, created))
    return steps


def _same_words(before: Draft, after: Draft) -> bool:
    return all(before.record.get(k) == after.record.get(k) for k in HUMAN_FIELDS)


def _approve(review: Review, draft: Draft, *, because: Draft) -> Draft:
    now = review.clock()
    with review.store.transaction() as tx:
        if drafts.transition(
            tx,
            draft.id,
            from_state=PENDING,
            to_state=APPROVED,
            by=SCHEDULER,
            at=now.isoformat(),
            note=f"follows the schedule approved in {because.id}",
            approved_hash=draft.content_hash,
        ):
            audit.append(
                tx,
                at=now,
                actor=SCHEDULER,
                action="approve",
                incident_id=draft.incident_id,
                draft_id=draft.id,
                detail={"because": because.id, "approved_by": because.decided_by, "content_hash": draft.content_hash},
            )
    return review.get(draft.id)

"""A customer-facing postmortem: the resolved incident explained, as a draft of its own for review.

It is an ordinary draft (incident id `<ID>-postmortem`), so the same policy layer cleans it and
the same review, approval, email and status page carry it. What happened is the record's
`what_happened`, written for customers; without it, the internal cause is explained in plain words
(jargon replaced, blame removed, blocked where that cannot be done).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from notify.errors import InputError
from notify.record.draft import Draft
from notify.record.incident import Incident, Status
from notify.render.messages import Renderer
from notify.resources import bundled_dir
from notify.review.service import Review, latest_record


def postmortem_record(incident: Incident) -> Incident:
    if incident.status not in (Status.resolved, Status.completed):
        raise InputError(
            f"{incident.id} is {incident.status.value}; a postmortem follows a resolved incident",
            hint=f"draft the resolved update of {incident.id} first",
        )
    if not incident.what_happened.strip() and not incident.cause.strip():
        raise InputError(
            f"{incident.id} has neither `what_happened` nor a cause written down; a postmortem explains what happened",
            hint="add `what_happened:` to the record, in words for customers, and draft it again",
            field="what_happened",
        )
    return incident.model_copy(update={"id": f"{incident.id}-postmortem", "next_update_at": None})


def draft_postmortem(review: Review, incident_id: str, author: str, template_dirs: Sequence[str | Path] = ()) -> Draft:
    record = latest_record(review.store, incident_id)
    if record is None:
        raise InputError(
            f"no drafts of {incident_id} to write a postmortem from",
            hint="`notify drafts` lists the incidents notify knows",
        )
    incident = postmortem_record(Incident.model_validate(record))
    renderer = Renderer([*template_dirs, bundled_dir("templates") / "postmortem"])
    return review.create(incident, author, source="postmortem", renderer=renderer, explain_cause=True)

"""A ready-to-fill incident record, valid from the first second, with each field explained."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

TITLE_PLACEHOLDER = "Describe the problem as a customer would"
ACTION_PLACEHOLDER = "What we are doing right now, in plain words."
PLACEHOLDERS = frozenset({TITLE_PLACEHOLDER, ACTION_PLACEHOLDER})  # the policy blocks a record that keeps them


def incident_yaml(
    *,
    title: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    impact: str | None = None,
    components: list[str] | None = None,
    now: datetime | None = None,
) -> str:
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    status = status or "investigating"
    severity = severity or ("maintenance" if status in {"scheduled", "in_progress", "completed"} else "major")
    stamp = now.strftime("%Y%m%d-%H%M")

    def q(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    return f"""\
# An incident record for notify. Fill in the customer-facing fields in plain words;
# `notify check FILE` says what is missing, `notify render FILE` shows the messages.
id: INC-{stamp}
title: {q(title or TITLE_PLACEHOLDER)}
status: {status}            # investigating | identified | monitoring | resolved | scheduled | in_progress | completed
severity: {severity}        # minor | major | critical | maintenance
started_at: {now:%Y-%m-%dT%H:%M:%SZ}
resolved_at: null
components: {json.dumps(components or [], ensure_ascii=False)}
# What customers experienced, in their words (not what broke inside).
impact: {q(impact or "")}
# Internal only: the technical cause. Never shown to customers.
cause: ""
actions:
  - {q(ACTION_PLACEHOLDER)}
# A sincere apology for what customers went through: "We are sorry that you ...".
apology: ""
# Own it: "This was our mistake ..." (not "beyond our control").
responsibility: ""
# What we do for the customer: a credit, a refund, restored work, a person to help.
remedy: ""
# A human customers can reach directly, e.g. {{name: Dana Reyes, email: dana@example.com, phone: "+1 555 0100"}}
contact: null
next_update_at: {(now + timedelta(minutes=30)):%Y-%m-%dT%H:%M:%SZ}
affected_customers: []   # never shown on public channels
updates: []
"""

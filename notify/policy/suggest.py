"""Suggested sentences built from the record's own facts, so a reviewer starts from specifics."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Facts:
    """What the policy layer knows about the incident behind a text."""

    impact: str = ""
    components: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    resolved_at: datetime | None = None
    next_update_at: datetime | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    is_open: bool = True
    is_maintenance: bool = False
    made: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)  # kind -> sentence


def suggest(kind: str, facts: Facts) -> str:
    """The suggested sentence of this kind, built once per Facts (several findings may ask)."""
    made = facts.made.get(kind)
    if made is None:
        made = facts.made[kind] = BUILDERS[kind](facts)
    return made


_SUBJECT = re.compile(
    r"^(?:some |many |most |all |our )?(?:customers|users|people|clients|you)\b[^,;]*?\s"
    r"(?=(?:could|couldn't|cannot|can't|can|were|was|saw|see|had|have|got|lost|did|didn't|"
    r"experienced|received|are|may|might|would|will|waited|faced|needed|paid)\b)",
    re.I,
)


def _experience(facts: Facts) -> str:
    """What customers went through, turned to the second person: 'you could not sign in'."""
    clauses = [
        c.strip()
        for c in re.split(
            r"[.;]\s+|,\s+(?=(?:and |but )?(?:customers|users|people|you)\b)", facts.impact.strip().rstrip(".")
        )
        if c.strip()
    ]
    for clause in clauses:
        clause = re.sub(r"^(?:and|but)\s+", "", clause)
        match = _SUBJECT.match(clause)
        if match:
            return "you " + clause[match.end() :].split(", ")[0]
    what = _components(facts) or "our service"
    return f"{what} let you down" if not clauses else f"{what} let you down: {clauses[0][0].lower()}{clauses[0][1:]}"


def _components(facts: Facts) -> str:
    names = facts.components
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def duration(facts: Facts) -> str:
    if not (facts.started_at and facts.resolved_at):
        return ""
    minutes = int((facts.resolved_at - facts.started_at) / timedelta(minutes=1))
    if minutes < 90:
        return f"for {minutes} minutes"
    hours = round(minutes / 60, 1)
    return f"for {hours:g} hours"


def apology(facts: Facts) -> str:
    how_long = duration(facts)
    return f"We are sorry that {_experience(facts)}{' ' + how_long if how_long else ''}."


def responsibility(facts: Facts) -> str:
    what = _components(facts)
    job = f"keeping {what} working is our job" if what else "keeping our service working is our job"
    return f"This was our failure, not anyone else's: {job}, and we did not do it."


def remedy(facts: Facts) -> str:
    if facts.is_maintenance:
        return "If this window is a problem for you, reply and we will help you plan around it."
    return (
        "We will add service credit to every affected account without you asking; "
        "reply to this message if you lost work and a person will help you recover it."
    )


def contact(facts: Facts) -> str:
    if facts.contact_name and (facts.contact_email or facts.contact_phone):
        how = facts.contact_email or facts.contact_phone
        return f"If you need anything, reply to this message or reach {facts.contact_name} directly at {how}."
    return "Reply to this message to reach a person on our team; add a named contact with an email or phone."


def next_update(facts: Facts) -> str:
    when = facts.next_update_at
    if when is None:
        return "We will post our next update within the hour, even if nothing has changed."
    return f"We will post our next update by {when:%H:%M} UTC, even if nothing has changed."


BUILDERS = {
    "apology": apology,
    "responsibility": responsibility,
    "remedy": remedy,
    "contact": contact,
    "next_update": next_update,
}

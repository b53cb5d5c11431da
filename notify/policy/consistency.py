"""Do the channels of one draft tell the same story? Status, next update and remedy, channel by channel.

A channel that omits a fact is flagged (a warning: short channels drop detail to fit); one that
states a different next-update time than the record contradicts it (an error: it blocks approval).
"""

from __future__ import annotations

import re
from typing import Any

from notify.policy.checks import Finding
from notify.record.incident import Incident

TIME = re.compile(r"\b([01]\d|2[0-3]):([0-5]\d)\b")
CHANNELS = {"email": ("subject", "text"), "status": ("markdown",), "social": ("text",), "sms": ("text",)}


def _finding(rule: str, severity: str, channel: str, message: str, text: str = "") -> Finding:
    return Finding(rule, "consistency", severity, "flag", channel, 0, 0, text, message)


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def check(incident: Incident, messages: dict[str, Any], cleaned_remedy: str) -> list[Finding]:
    """Findings for every customer channel that omits or contradicts a fact the record states."""
    findings = []
    status = incident.status.value.replace("_", " ")
    next_update = f"{incident.next_update_at:%H:%M}" if incident.is_open and incident.next_update_at else None
    remedy = _normal(cleaned_remedy).rstrip(".")
    for channel, parts in CHANNELS.items():
        if channel not in messages:
            continue
        body = "\n".join(str(messages[channel].get(p, "")) for p in parts)
        normal = _normal(body)
        if status not in normal:
            findings.append(
                _finding(
                    "consistency-status",
                    "warning",
                    channel,
                    f"The {channel} message does not say the incident is {status}.",
                )
            )
        if next_update:
            said = {f"{h}:{m}" for h, m in TIME.findall(_after_next_update(body))}
            if said and next_update not in said:
                findings.append(
                    _finding(
                        "consistency-next-update",
                        "error",
                        channel,
                        f"The {channel} message promises the next update at {', '.join(sorted(said))}, "
                        f"but the record says {next_update} UTC.",
                        text=", ".join(sorted(said)),
                    )
                )
            elif next_update not in body:
                findings.append(
                    _finding(
                        "consistency-next-update",
                        "warning",
                        channel,
                        f"The {channel} message does not say when the next update comes.",
                    )
                )
        if remedy and not incident.is_maintenance and remedy not in normal:
            findings.append(
                _finding(
                    "consistency-remedy",
                    "warning",
                    channel,
                    f"The {channel} message leaves out what we are doing for the customer.",
                )
            )
    return findings


def _after_next_update(text: str) -> str:
    """The words after each mention of the next update, where its time is stated."""
    return " ".join(m.group(0) for m in re.finditer(r"next update[^.\n]{0,40}", text, re.IGNORECASE))

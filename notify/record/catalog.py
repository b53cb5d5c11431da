"""The component catalog: the parts of the service customers know, from notify.toml's [[components]].

    [[components]]
    name = "Checkout"                       # as customers see it on the page
    description = "Paying for orders on the website and in the app"
    group = "Shop"                          # optional: shown under this heading
    statuspage_id = "8kbf7d35c070"          # optional: the component's id on an Atlassian Statuspage page
    [components.known_as]                   # the names the incident tools use for it
    pagerduty = ["checkout-api", "PX1234"]  # a PagerDuty service's name or id
    opsgenie = ["checkout"]                 # an Opsgenie alert's entity or a responder team
    incidentio = ["Checkout"]               # an incident.io incident type
    alertmanager = [{service = "checkout"}, "payments"]   # a label set, or the service/job/alertname
    grafana = [{service = "checkout"}]

A webhook draft names the components its service maps to, so the page never shows "checkout-api";
a service that maps to none is said to the reviewer, who picks the components by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from notify.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

    from notify.record.webhooks import Event

TOOLS = ("pagerduty", "opsgenie", "incidentio", "alertmanager", "grafana")
TOOL_NAMES = {
    "pagerduty": "PagerDuty service",
    "opsgenie": "Opsgenie entity",
    "incidentio": "incident.io incident type",
    "alertmanager": "Alertmanager alert",
    "grafana": "Grafana alert",
}


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=500)
    group: str | None = Field(default=None, min_length=1, max_length=80)
    statuspage_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,64}$")
    known_as: dict[str, list[str | dict[str, str]]] = Field(default_factory=dict)

    @field_validator("known_as")
    @classmethod
    def _tools(cls, value: dict[str, list[str | dict[str, str]]]) -> dict[str, list[str | dict[str, str]]]:
        for tool, names in value.items():
            if tool not in TOOLS:
                raise ValueError(f"unknown tool {tool!r}; known_as takes {', '.join(TOOLS)}")
            for name in names:
                if isinstance(name, dict) and tool not in ("alertmanager", "grafana"):
                    raise ValueError(f"{tool} names a service by a string, not a label set")
                if not name:
                    raise ValueError(f"an empty name under known_as.{tool}")
        return value


@dataclass(frozen=True)
class Catalog:
    components: tuple[Component, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.components)

    def get(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    def for_event(self, source: str, event: Event) -> list[str]:
        """The components this tool's event is about, in catalog order (none when nothing maps)."""
        return [c.name for c in self.components if any(_matches(p, event) for p in c.known_as.get(source, []))]


# Statuspage's component statuses, spoken by its v2 API documents and by the push to its REST API
COMPONENT_STATUS = {
    "operational": "operational",
    "maintenance": "under_maintenance",
    "minor": "degraded_performance",
    "major": "partial_outage",
    "critical": "major_outage",
}


def component_status(record: dict[str, Any]) -> str:
    """What one revision says of its components, in Statuspage's words: operational once it is over
    or while a maintenance is only planned."""
    if record["status"] in ("resolved", "completed", "scheduled"):
        return "operational"
    return COMPONENT_STATUS["maintenance" if record["severity"] == "maintenance" else record["severity"]]


def _matches(pattern: str | dict[str, str], event: Event) -> bool:
    if isinstance(pattern, dict):
        return all(event.labels.get(key) == value for key, value in pattern.items())
    return pattern.casefold() in {name.casefold() for name in event.names}


def load_catalog(entries: Any, path: Path) -> Catalog:
    """[[components]] from notify.toml, each checked; a name twice or a bad field is an error that
    says which component."""
    if entries is None:
        return Catalog()
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError("components must be an array of tables: [[components]] with a name", path=path)
    components, seen = [], set()
    for index, entry in enumerate(entries):
        try:
            component = Component.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            raise InputError(
                str(error["msg"]).removeprefix("Value error, "), path=path, field=f"components[{index}].{where}"
            ) from None
        if component.name.casefold() in seen:
            raise InputError(f"component {component.name!r} is named twice", path=path, field=f"components[{index}]")
        seen.add(component.name.casefold())
        components.append(component)
    return Catalog(tuple(components))


def unmapped_note(source: str, event: Event) -> str:
    """What the reviewer reads when a tool's service maps to no component."""
    name = re.sub(r"\s+", " ", event.service)[:80]
    return (
        f"The {TOOL_NAMES.get(source, source)} {name!r} is not in the component catalog, so this draft "
        f"names no component; pick them here, or add it under known_as.{source} of a [[components]] "
        "entry in notify.toml."
    )

"""Atlassian Statuspage's public v2 API, in its shapes, at its paths: what exporters, aggregators and
widgets already read (statuspage-prometheus-exporter reads notify unchanged in the tests).

    api/v2/summary.json                         page, status, components, unresolved incidents,
                                                upcoming and active maintenance
    api/v2/status.json                          page, status (indicator none|minor|major|critical)
    api/v2/components.json                      page, components
    api/v2/incidents.json                       the 50 newest incidents
    api/v2/incidents/unresolved.json
    api/v2/scheduled-maintenances.json          the 50 newest maintenances
    api/v2/scheduled-maintenances/upcoming.json, active.json

Field names and value sets are Statuspage's own: a component is operational, degraded_performance,
partial_outage, major_outage or under_maintenance; an incident's impact none, minor, major or
critical (maintenance for a maintenance). Only published, approved text appears.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from notify.record.catalog import COMPONENT_STATUS, Catalog, component_status

if TYPE_CHECKING:
    from notify.record.draft import Draft
    from notify.render.site import Incident

INDICATOR = {"operational": "none", "maintenance": "none", "minor": "minor", "major": "major", "critical": "critical"}
DESCRIPTION = {
    "operational": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
NEWEST = 50  # as many as Statuspage lists
UPCOMING, ACTIVE = {"scheduled"}, {"in_progress", "verifying"}
DOCUMENTS = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
)


def opaque_id(*parts: str) -> str:
    """A stable id in Statuspage's style (12 lowercase letters and digits) for something that has only a name."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


class StatuspageApi:
    """The v2 documents of one page, built from its incidents and its component catalog."""

    def __init__(
        self,
        incidents: list[Incident],
        current: dict[str, str],
        overall: str,
        changed: datetime,
        *,
        title: str,
        base_url: str,
        catalog: Catalog,
        mentions: dict[str, list[str]],
        uptime: dict[str, float] | None = None,
    ) -> None:
        self.incidents = incidents
        self.current = current
        self.overall = overall
        self.base_url = base_url
        self.changed = changed.isoformat()
        self.page_id = opaque_id("page", base_url or title)
        self.uptime = uptime or {}
        self.mentions = mentions  # component -> when each update naming it was published
        self.page = {
            "id": self.page_id,
            "name": title,
            "url": base_url,
            "time_zone": "Etc/UTC",
            "updated_at": self.changed,
        }
        self.components = self._components(catalog)
        self.by_name = {c["name"]: c for c in self.components if not c["group"]}

    def files(self) -> dict[str, str]:
        built: dict[str, dict[str, Any]] = {}  # each incident's entry made once, and only where a document lists it

        def entry(incident: Incident) -> dict[str, Any]:
            if incident.id not in built:
                built[incident.id] = self._incident(incident)
            return built[incident.id]

        plain = [i for i in self.incidents if i.level != "maintenance"]
        planned = [i for i in self.incidents if i.level == "maintenance"]
        incidents = [entry(i) for i in plain[:NEWEST]]
        unresolved = [entry(i) for i in plain if i.record["status"] not in ("resolved", "postmortem")]
        maintenances = [entry(i) for i in planned[:NEWEST]]
        upcoming = [entry(i) for i in planned if i.record["status"] in UPCOMING]
        active = [entry(i) for i in planned if i.record["status"] in ACTIVE]
        status = {"indicator": INDICATOR[self.overall], "description": DESCRIPTION[self.overall]}
        documents: dict[str, dict[str, Any]] = {
            "summary.json": {"status": status, "components": self.components, "incidents": unresolved,
                             "scheduled_maintenances": upcoming + active},
            "status.json": {"status": status},
            "components.json": {"components": self.components},
            "incidents.json": {"incidents": incidents},
            "incidents/unresolved.json": {"incidents": unresolved},
            "scheduled-maintenances.json": {"scheduled_maintenances": maintenances},
            "scheduled-maintenances/upcoming.json": {"scheduled_maintenances": upcoming},
            "scheduled-maintenances/active.json": {"scheduled_maintenances": active},
        }  # fmt: skip
        return {
            f"api/v2/{name}": json.dumps({"page": self.page, **body}, indent=2) + "\n"
            for name, body in documents.items()
        }

    def _components(self, catalog: Catalog) -> list[dict[str, Any]]:
        """The catalog's components in its order, then any an incident names that the catalog does not;
        each group is a component of its own with `group: true`, as Statuspage lists them."""
        named = [*catalog.names, *sorted(set(self.current) - set(catalog.names))]
        groups: dict[str, list[str]] = {}
        out: list[dict[str, Any]] = []
        for position, name in enumerate(named, start=1):
            entry = catalog.get(name)
            group = entry.group if entry else None
            level = self.current.get(name, "operational")
            mentioned = self._mentions(name)
            component: dict[str, Any] = {
                "id": opaque_id("component", name),
                "name": name,
                "status": COMPONENT_STATUS[level],
                "created_at": min(mentioned, default=self.changed),
                "updated_at": max(mentioned, default=self.changed),
                "position": position,
                "description": (entry.description or None) if entry else None,
                "showcase": True,
                "start_date": None,
                "group_id": opaque_id("group", group) if group else None,
                "page_id": self.page_id,
                "group": False,
                "only_show_if_degraded": False,
                "uptime_90d": self.uptime.get(name, 100.0),  # ours: see render.uptime for the method
            }
            if group:
                groups.setdefault(group, []).append(component["id"])
            out.append(component)
        for position, (group, members) in enumerate(groups.items(), start=len(out) + 1):
            worst = max((c for c in out if c["id"] in members), key=lambda c: _RANK[c["status"]])
            out.append(
                {
                    "id": opaque_id("group", group),
                    "name": group,
                    "status": worst["status"],
                    "created_at": min(c["created_at"] for c in out if c["id"] in members),
                    "updated_at": max(c["updated_at"] for c in out if c["id"] in members),
                    "position": position,
                    "description": None,
                    "showcase": False,
                    "start_date": None,
                    "group_id": None,
                    "page_id": self.page_id,
                    "group": True,
                    "only_show_if_degraded": False,
                    "components": members,
                }
            )
        return out

    def _mentions(self, name: str) -> list[str]:
        """When each published update that names this component was published."""
        return self.mentions.get(name, [])

    def _incident(self, incident: Incident) -> dict[str, Any]:
        record = incident.record
        oldest = incident.updates[-1]
        names = record.get("components") or []
        entry = {
            "id": incident.id,
            "name": incident.title,
            "status": record["status"],
            "created_at": _published(oldest),
            "updated_at": _published(incident.latest),
            "monitoring_at": next(
                (_published(u) for u in reversed(incident.updates) if u.record["status"] == "monitoring"), None
            ),
            "resolved_at": record.get("resolved_at") if not incident.is_open else None,
            "impact": "maintenance" if incident.level == "maintenance" else incident.level,
            "shortlink": f"{self.base_url}/incidents/{incident.id}.html" if self.base_url else None,
            "started_at": record["started_at"],
            "page_id": self.page_id,
            "incident_updates": self._updates(incident),
            "components": [self.by_name[n] for n in names if n in self.by_name],
        }
        if incident.level == "maintenance":
            entry["scheduled_for"] = record["started_at"]
            entry["scheduled_until"] = record.get("scheduled_until")
        return entry

    def _updates(self, incident: Incident) -> list[dict[str, Any]]:
        """Newest first, as Statuspage lists them; each names what it changed for each component."""
        out, before = [], "operational"
        for update in reversed(incident.updates):
            out.append(self._update(incident, update, before))
            before = component_status(update.record)
        return out[::-1]

    def _update(self, incident: Incident, update: Draft, old_status: str) -> dict[str, Any]:
        body = json.loads(update.messages["status"]["json"])["body"]
        text = "\n".join(line for line in body.splitlines() if not line.startswith("## ")).strip()
        return {
            "id": opaque_id("update", update.id),
            "status": update.record["status"],
            "body": text.replace("**", ""),
            "incident_id": incident.id,
            "created_at": _published(update),
            "updated_at": _published(update),
            "display_at": _published(update),
            "affected_components": [
                {
                    "code": opaque_id("component", n),
                    "name": n,
                    "old_status": old_status,
                    "new_status": component_status(update.record),
                }
                for n in update.record.get("components") or []
            ],
            "deliver_notifications": True,
            "custom_tweet": None,
            "tweet_id": None,
        }


_RANK = {status: rank for rank, status in enumerate(COMPONENT_STATUS.values())}


def component_mentions(incidents: list[Incident]) -> dict[str, list[str]]:
    """Component -> when each published update that names it was published: its Statuspage
    created and updated times, gathered once for every component rather than once each."""
    mentions: dict[str, list[str]] = {}
    for incident in incidents:
        for update in incident.updates:
            for component in update.record.get("components") or []:
                mentions.setdefault(component, []).append(_published(update))
    return mentions


def _published(draft: Draft) -> str:
    return draft.decided_at or draft.created_at

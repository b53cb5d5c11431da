"""Saved starting points for an incident ("Degraded performance", "Database maintenance"): partial
records kept as YAML files in a directory named in notify.toml ([incidents] templates), offered on
the new-incident form and by `notify new --from-template NAME`. A template fills what it knows;
the id and the times are the moment's own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from notify.errors import InputError

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
KEPT = {"title", "status", "severity", "components", "impact", "actions", "apology", "responsibility", "remedy",
        "contact", "language"}  # fmt: skip


def names(directory: str | None) -> list[str]:
    if not directory or not Path(directory).is_dir():
        return []
    return sorted(p.stem for p in Path(directory).glob("*.yaml") if NAME.match(p.stem))


def load(directory: str | None, name: str) -> dict[str, Any]:
    """The template's fields, checked: only the fields a starting point may set."""
    from notify.record.sources import read_text, read_yaml

    if not directory:
        raise InputError("no incident templates are set up", hint='[incidents] templates = "incident-templates"')
    if not NAME.match(name) or name not in names(directory):
        known = ", ".join(names(directory)) or "none yet"
        raise InputError(f"no incident template {name!r} (there are: {known})", field="--from-template")
    path = str(Path(directory) / f"{name}.yaml")
    data = read_yaml(read_text(path), path)
    if not isinstance(data, dict):
        raise InputError("an incident template is a mapping of record fields", path=path)
    unknown = sorted(set(data) - KEPT)
    if unknown:
        raise InputError(f"a template sets only {', '.join(sorted(KEPT))}; not {', '.join(unknown)}", path=path)
    return data


def record_from(template: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A whole record from a template: a fresh id, started now, the next update in 30 minutes."""
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    maintenance = template.get("severity") == "maintenance"
    return {
        "id": f"{'MNT' if maintenance else 'INC'}-{now:%Y%m%d-%H%M}",
        "status": "scheduled" if maintenance else "investigating",
        "severity": "minor",
        "started_at": now.isoformat(),
        "next_update_at": (now + timedelta(minutes=30)).isoformat(),
        **template,
    }

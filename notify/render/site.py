"""The public status page, as static files, from every published draft: plain HTML and CSS.

    index.html            overall status, each component's status, open incidents,
                          a 90-day history bar per component, recent incidents
    incidents/ID.html     one incident's timeline of published updates
    notify.json           the same facts for machines, in notify's own fields
    api/v2/*.json         the same in Statuspage's public API shapes (see render.statuspage_v2)
    feed.atom, feed.rss   one entry per published update (Atom, and RSS 2.0 for readers that take only RSS)
    style.css

Only published, approved text appears: the status channel as rendered and approved, never the record.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from notify.record.branding import Branding
from notify.record.catalog import Catalog
from notify.record.draft import Draft
from notify.render.environment import environment
from notify.render.statuspage_v2 import StatuspageApi, component_mentions
from notify.render.uptime import METHOD as UPTIME_METHOD
from notify.render.uptime import uptime
from notify.resources import bundled_dir

HISTORY_DAYS = 90
RECENT_DAYS = 7  # the front page lists what ended this recently; /history has the rest
HISTORY_PAGE = 25  # incidents per history page
RANK = {"operational": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
LABEL = {
    "operational": "Operational",
    "maintenance": "Under maintenance",
    "minor": "Degraded performance",
    "major": "Partial outage",
    "critical": "Major outage",
}


@dataclass
class Incident:
    """One incident as the public knows it: its published updates, newest first."""

    id: str
    updates: list[Draft]

    @property
    def latest(self) -> Draft:
        return self.updates[0]

    @property
    def record(self) -> dict[str, Any]:
        return self.latest.record

    @property
    def title(self) -> str:
        return str(json.loads(self.latest.messages["status"]["json"])["title"])

    @property
    def is_open(self) -> bool:
        return self.record["status"] not in ("resolved", "completed")

    @property
    def level(self) -> str:
        return "maintenance" if self.record["severity"] == "maintenance" else self.record["severity"]

    def ended(self, now: datetime) -> datetime:
        resolved = self.record.get("resolved_at") or self.record.get("scheduled_until")
        return datetime.fromisoformat(resolved) if resolved else now

    def span(self, now: datetime) -> tuple[date, date]:
        start = datetime.fromisoformat(self.record["started_at"])
        end = datetime.fromisoformat(self.record["resolved_at"]) if self.record.get("resolved_at") else now
        return start.date(), max(start, end).date()


@dataclass
class Day:
    day: date
    level: str = "operational"
    incidents: list[str] = field(default_factory=list)


def build_site(
    published: list[Draft],
    out: Path,
    *,
    now: datetime,
    title: str = "Status",
    base_url: str = "",
    catalog: Catalog | None = None,
    set_by_hand: dict[str, str] | None = None,
    branding: Branding | None = None,
) -> list[Path]:
    """Write the whole site into `out` (created if needed); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    files = render_site(
        published, now=now, title=title, base_url=base_url, catalog=catalog, set_by_hand=set_by_hand, branding=branding
    )
    for name, body in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written


class History:
    """The published drafts grouped into incidents: what every render of the site starts from. A
    new minute renders from it again without reading or regrouping the whole history, a publication
    extends it with the new drafts alone, and what changes with the time (bars, uptime, levels, the
    recent list) looks only at the incidents that reach into the last 90 days."""

    def __init__(self, published: list[Draft], now: datetime) -> None:
        self.published = published
        self.incidents = _incidents(published)
        self.built_at = now
        self.reaching = [i for i in self.incidents if _in_window(i, now)]  # a later time can only drop some
        self.open = [i for i in self.incidents if i.is_open]
        self.pages = {f"incidents/{i.id}.html": i for i in self.incidents}
        self.months = _history_pages([i for i in self.incidents if not i.is_open])
        self.changed = last_change(published)
        self.mentioned = sorted({c for i in self.incidents for c in i.record.get("components") or []})
        self.mentions = component_mentions(self.incidents)

    @property
    def latest(self) -> str | None:
        """When the newest of these drafts was published, as stored."""
        return max((d.decided_at for d in self.published if d.decided_at), default=None)

    def extended(self, more: list[Draft], now: datetime) -> History:
        """This history with drafts published since: a published draft never changes, so what was
        read stays as it was and only the new ones are read and decoded."""
        everything = sorted([*more, *self.published], key=lambda d: (d.created_at, d.revision), reverse=True)
        return History(everything, now)

    def recent(self, now: datetime) -> list[Incident]:
        """The incidents that reach into the 90 days before `now`."""
        candidates = self.reaching if now >= self.built_at else self.incidents
        return [i for i in candidates if _in_window(i, now)]


def render_site(
    published: list[Draft] | History,
    *,
    now: datetime,
    title: str = "Status",
    base_url: str = "",
    signup: bool = False,
    catalog: Catalog | None = None,
    sms_signup: bool = False,
    set_by_hand: dict[str, str] | None = None,
    branding: Branding | None = None,
) -> Site:
    """Every file of the site by its relative path, for writing out or serving, each rendered when
    read. The branding's name and address stand in for the defaults (a title given on purpose wins)."""
    history = published if isinstance(published, History) else History(published, now)
    catalog = catalog or Catalog()
    brand = branding or Branding()
    title = title if title != "Status" else (brand.name or title)
    base_url = base_url or brand.base_url or ""
    incidents = history.incidents
    listed = set(catalog.names)
    components = [*catalog.names, *[c for c in history.mentioned if c not in listed]]
    by_hand = set_by_hand or {}
    components += sorted(set(by_hand) - set(components))
    recent = history.recent(now)  # bars, uptime, levels: old incidents cost nothing here
    # a level a person set stands beside the incidents' own: the worse of the two shows
    current = {c: max(_current(c, history.open), by_hand.get(c, "operational"), key=lambda lvl: RANK[lvl])
               for c in components}  # fmt: skip
    overall = max(current.values(), key=lambda lvl: RANK[lvl], default="operational")
    bars = {c: _history(c, recent, now) for c in components}
    uptimes = {c: uptime(_spans(c, recent, now), now) for c in components}
    changed = history.changed or now
    env = _environment()
    context = {
        "title": title,
        "brand": brand,
        "now": now,
        "changed": changed,
        "signup": signup,
        "sms_signup": sms_signup,
        "overall": overall,
        "label": LABEL,
        "current": current,
        "groups": _groups(components, catalog),
        "descriptions": {c.name: c.description for c in catalog.components if c.description},
        "history": bars,
        "uptime": uptimes,
        "uptime_method": UPTIME_METHOD,
        "incidents": incidents,
        "base_url": base_url.rstrip("/"),
        "open": history.open,
        "past": [i for i in recent if not i.is_open and i.ended(now) >= now - timedelta(days=RECENT_DAYS)],
        "recent_days": RECENT_DAYS,
    }

    def page(template: str, **more: Any) -> Callable[[], str]:
        return lambda: env.get_template(template).render({**context, **more})

    files = Site({"index.html": page("index.html.j2")})
    incident_page = env.get_template("incident.html.j2")
    files.add_family(history.pages, lambda name: incident_page.render({**context, "incident": history.pages[name]}))
    pages = history.months
    for number, months in enumerate(pages, start=1):
        name = "history.html" if number == 1 else f"history/{number}.html"
        root = "" if number == 1 else "../"
        files.add(name, page("history.html.j2", root=root, months=months, page=number, pages=len(pages)))
    files.add("feed.atom", page("feed.atom.j2"))
    files.add("feed.rss", page("feed.rss.j2"))  # for readers that take RSS only
    files.add("maintenance.ics", lambda: maintenance_calendar(incidents, changed, title, base_url.rstrip("/")))
    files.add("notify.json", lambda: json.dumps(status_json(incidents, current, overall, changed), indent=2) + "\n")
    api = StatuspageApi(
        incidents, current, overall, changed, title=title, base_url=base_url.rstrip("/"), catalog=catalog,
        uptime=uptimes, mentions=history.mentions,
    )  # fmt: skip
    files.add_rendered({**badges(current, overall), **api.files()})
    files.add("style.css", lambda: (bundled_dir("templates") / "site" / "style.css").read_text(encoding="utf-8"))
    return files


class Site(Mapping[str, str]):
    """Every file of the site by its relative path, each rendered when first read and kept: a served
    page with 10,000 incidents renders the front page for a request, not 10,000 incident pages
    nobody asked for. Writing the site out reads (so renders) them all."""

    def __init__(self, renderers: dict[str, Callable[[], str]]) -> None:
        self._renderers = dict(renderers)
        self._families: list[tuple[Collection[str], Callable[[str], str]]] = []
        self._rendered: dict[str, str] = {}
        self._digests: dict[str, str] = {}

    def add(self, name: str, renderer: Callable[[], str]) -> None:
        self._renderers[name] = renderer

    def add_family(self, names: Collection[str], render: Callable[[str], str]) -> None:
        """Many files made the same way (a page per incident): one renderer for all, not one each."""
        self._families.append((names, render))

    def add_rendered(self, files: dict[str, str]) -> None:
        for name, body in files.items():
            self._renderers[name] = partial(str, body)

    def digest(self, name: str) -> str:
        """The file's SHA-256 (hex), computed once: what an ETag is made of."""
        known = self._digests.get(name)
        if known is None:
            known = self._digests[name] = hashlib.sha256(self[name].encode()).hexdigest()
        return known

    def __getitem__(self, name: str) -> str:
        body = self._rendered.get(name)
        if body is None:
            body = self._render(name)
            self._rendered[name] = body  # two threads may both render it once: the same text
        return body

    def _render(self, name: str) -> str:
        renderer = self._renderers.get(name)
        if renderer is not None:
            return renderer()
        for names, render in self._families:
            if name in names:
                return render(name)
        raise KeyError(name)  # a file the site does not have

    def __contains__(self, name: object) -> bool:
        return name in self._renderers or any(name in names for names, _ in self._families)

    def __iter__(self) -> Iterator[str]:
        return itertools.chain(self._renderers, *(names for names, _ in self._families))

    def __len__(self) -> int:
        return len(self._renderers) + sum(len(names) for names, _ in self._families)


def maintenance_calendar(incidents: list[Incident], changed: datetime, title: str, base_url: str) -> str:
    """Scheduled maintenance as iCalendar (RFC 5545), for the calendars people already watch: one
    event per maintenance with a window, its SEQUENCE the revision, so a changed window replaces
    the old one."""

    def stamp(value: datetime | str) -> str:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//notify//status page//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ical_text(title)} maintenance"]  # fmt: skip
    for incident in incidents:
        record = incident.record
        if record["severity"] != "maintenance" or not record.get("scheduled_until"):
            continue
        body = json.loads(incident.latest.messages["status"]["json"])["body"]
        description = "\n".join(line for line in body.splitlines() if not line.startswith("## ")).strip()
        lines += [
            "BEGIN:VEVENT",
            f"UID:{incident.id}@notify",
            f"SEQUENCE:{incident.latest.revision}",
            f"DTSTAMP:{stamp(changed)}",
            f"DTSTART:{stamp(record['started_at'])}",
            f"DTEND:{stamp(record['scheduled_until'])}",
            f"SUMMARY:{_ical_text(incident.title)}",
            f"DESCRIPTION:{_ical_text(description.replace('**', ''))}",
            "STATUS:CONFIRMED",
            *([f"URL:{base_url}/incidents/{incident.id}.html"] if base_url else []),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _ical_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon and comma escaped, line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str, limit: int = 75) -> str:
    """Lines of at most 75 octets, continued on lines that begin with a space (RFC 5545 3.1)."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def rfc822(value: datetime | str) -> str:
    """RSS 2.0's dates (RFC 822, as RFC 2822 writes them)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def last_change(published: list[Draft]) -> datetime | None:
    """When the public page last changed: the newest published update. Feeds and notify.json carry
    it rather than the time they were built, so a poller sees a change only when there is one."""
    times = [datetime.fromisoformat(d.decided_at or d.created_at) for d in published]
    return max(times, default=None)


def demote(html: str, by: int = 2) -> str:
    """Shift our own rendered headings down so a page keeps one h1 and an unbroken outline."""
    for level in range(6 - by, 0, -1):
        html = html.replace(f"<h{level}>", f"<h{level + by}>").replace(f"</h{level}>", f"</h{level + by}>")
    return html


def status_json(incidents: list[Incident], current: dict[str, str], overall: str, changed: datetime) -> dict[str, Any]:
    return {
        "updated_at": changed.isoformat(),
        "status": {"indicator": overall, "description": LABEL[overall]},
        "components": [{"name": c, "status": level, "description": LABEL[level]} for c, level in current.items()],
        "incidents": [
            {
                "id": i.id,
                "title": i.title,
                "status": i.record["status"],
                "severity": i.record["severity"],
                "components": i.record.get("components") or [],
                "started_at": i.record["started_at"],
                "resolved_at": i.record.get("resolved_at"),
                "updates": [
                    {
                        "draft": u.id,
                        "published_at": u.decided_at or u.created_at,
                        "body": json.loads(u.messages["status"]["json"])["body"],
                    }
                    for u in i.updates
                ],
            }
            for i in incidents
        ],
    }


def _groups(components: list[str], catalog: Catalog) -> list[tuple[str | None, list[str]]]:
    """The components under their catalog groups, in catalog order; those in no group together."""
    grouped: dict[str | None, list[str]] = {}
    for name in components:
        entry = catalog.get(name)
        grouped.setdefault(entry.group if entry else None, []).append(name)
    return list(grouped.items())


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    """One environment for every render: its templates are compiled once per process, not per page."""
    env = environment(bundled_dir("templates") / "site", autoescape=True)
    env.filters["when"] = lambda v: datetime.fromisoformat(v).strftime("%-d %b %Y, %H:%M UTC") if v else ""
    env.filters["demote"] = demote
    env.filters["rfc822"] = rfc822
    return env


def _in_window(incident: Incident, now: datetime) -> bool:
    """Whether the incident reaches into the last HISTORY_DAYS (a day's slack for the bars, which
    count whole days): open, never resolved (its span runs to now), or resolved since then. Only
    those colour a bar, cost uptime or set a level."""
    resolved = incident.record.get("resolved_at")
    since = now - timedelta(days=HISTORY_DAYS + 1)
    return incident.is_open or not resolved or datetime.fromisoformat(resolved) >= since


def _incidents(published: list[Draft]) -> list[Incident]:
    by_incident: dict[str, list[Draft]] = {}
    for draft in published:
        by_incident.setdefault(draft.incident_id, []).append(draft)
    incidents = [Incident(i, sorted(ds, key=lambda d: d.revision, reverse=True)) for i, ds in by_incident.items()]
    return sorted(incidents, key=lambda i: i.record["started_at"], reverse=True)


def _current(component: str, incidents: list[Incident]) -> str:
    levels = [i.level for i in incidents if i.is_open and component in (i.record.get("components") or [])]
    if any(i.record["status"] == "scheduled" for i in incidents if i.is_open and i.level == "maintenance"):
        levels = [lvl for lvl in levels if lvl != "maintenance"] or []
    return max(levels, key=lambda lvl: RANK[lvl], default="operational")


def _history_pages(past: list[Incident]) -> list[list[tuple[str, list[Incident]]]]:
    """Every past incident, newest first, HISTORY_PAGE to a page, grouped by the month it began;
    always one page, so /history answers even before the first incident."""
    pages: list[list[tuple[str, list[Incident]]]] = []
    for start in range(0, max(len(past), 1), HISTORY_PAGE):
        months: dict[str, list[Incident]] = {}
        for incident in past[start : start + HISTORY_PAGE]:
            month = datetime.fromisoformat(incident.record["started_at"]).strftime("%B %Y")
            months.setdefault(month, []).append(incident)
        pages.append(list(months.items()))
    return pages


def badges(current: dict[str, str], overall: str) -> dict[str, str]:
    """SVG status badges for READMEs and dashboards, no JavaScript: the page's and each component's."""
    out = {"badge.svg": badge("status", LABEL[overall] if overall != "operational" else "operational", overall)}
    for component, level in current.items():
        out[f"badge/{slug(component)}.svg"] = badge(component, LABEL[level].lower(), level)
    return out


BADGE_COLOUR = {"operational": "#1a7f37", "maintenance": "#0969da", "minor": "#9a6700", "major": "#bc4c00",
                "critical": "#cf222e"}  # fmt: skip


def badge(label: str, value: str, level: str) -> str:
    from html import escape

    left, right = 10 + 7 * len(label), 10 + 7 * len(value)
    text = f"{label}: {value}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + right}" height="20" role="img" '
        f'aria-label="{escape(text)}"><title>{escape(text)}</title>'
        f'<rect width="{left}" height="20" fill="#555"/><rect x="{left}" width="{right}" height="20" '
        f'fill="{BADGE_COLOUR[level]}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14" text-anchor="middle">{escape(label)}</text>'
        f'<text x="{left + right / 2}" y="14" text-anchor="middle">{escape(value)}</text></g></svg>\n'
    )


def slug(name: str) -> str:
    """A component's name as a path segment: 'Sign-in & SSO' is sign-in-sso."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "component"


def _spans(component: str, incidents: list[Incident], now: datetime) -> list[tuple[datetime, datetime, str]]:
    """When each of the component's incidents ran, at the worst level any published update gave it."""
    spans = []
    for incident in incidents:
        if component not in (incident.record.get("components") or []):
            continue
        if incident.level == "maintenance" and incident.record["status"] == "scheduled":
            continue  # planned, not yet happened
        start = datetime.fromisoformat(incident.record["started_at"])
        end = datetime.fromisoformat(incident.record["resolved_at"]) if incident.record.get("resolved_at") else now
        worst = max((u.record["severity"] for u in incident.updates), key=lambda level: RANK[level])
        spans.append((start, end, worst))
    return spans


def _history(component: str, incidents: list[Incident], now: datetime) -> list[Day]:
    today = now.date()
    days = {today - timedelta(days=n): Day(today - timedelta(days=n)) for n in range(HISTORY_DAYS)}
    for incident in incidents:
        if component not in (incident.record.get("components") or []):
            continue
        if incident.level == "maintenance" and incident.record["status"] == "scheduled":
            continue  # planned, not yet happened
        first, last = incident.span(now)
        day = max(first, today - timedelta(days=HISTORY_DAYS - 1))
        while day <= min(last, today):
            slot = days[day]
            if RANK[incident.level] > RANK[slot.level]:
                slot.level = incident.level
            slot.incidents.append(incident.title)
            day += timedelta(days=1)
    return [days[d] for d in sorted(days)]

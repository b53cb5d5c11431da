"""Render an incident's cleaned fields into each channel's messages with sandboxed Jinja templates."""

from __future__ import annotations

import html
import json
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from notify.errors import TemplateError
from notify.policy.judge import PolicyResult
from notify.record.draft import PAGE_LINK, UNSUBSCRIBE_LINK
from notify.render.environment import environment
from notify.resources import bundled_dir, cache_dir

if TYPE_CHECKING:
    from notify.record.incident import Incident

CHANNELS = ("email", "status", "social", "sms", "internal")
CHANNEL_AUDIENCE = {
    "email": "customers",
    "status": "public",
    "social": "public",
    "sms": "public",
    "internal": "internal",
}
SOCIAL_LIMIT = 280
SMS_SEGMENTS = 2
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!>-])")  # what Python-Markdown unescapes: '\\~' and '\\|' would show
_URL = re.compile(r"https?://\S+")
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


@dataclass(frozen=True)
class Message:
    """One channel's rendered output: named parts such as subject, text, html, markdown, json."""

    channel: str
    audience: str
    parts: dict[str, str]
    measures: dict[str, int] = field(default_factory=dict)


def markdown_escape(value: object) -> str:
    """Record text inside Markdown: no HTML, no links or emphasis smuggled in."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False))


def plain(value: object) -> object:
    """None prints as nothing; everything else, Markup included, passes through untouched."""
    return "" if value is None else value


class Renderer:
    """Templates from the user's directory first, then the bundled ones."""

    def __init__(self, template_dirs: Sequence[str | Path] = (), language: str = "en") -> None:
        self.language = language
        dirs = [str(d) for d in template_dirs] + [str(bundled_dir("templates"))]
        for d in template_dirs:
            if not Path(d).is_dir():
                raise TemplateError(
                    "is not a directory of templates",
                    path=d,
                    hint="pass --templates DIR holding email/, status/ ... folders",
                )
        loader = jinja2.FileSystemLoader(dirs)
        where = cache_dir()
        cache = jinja2.FileSystemBytecodeCache(str(where)) if where else None
        self._text = self._env(loader, cache, plain, autoescape=False)
        self._markdown = self._env(loader, cache, markdown_escape, autoescape=False)
        self._html = self._env(loader, cache, plain, autoescape=True)
        self._chosen: dict[tuple[int, tuple[str, ...]], jinja2.Template] = {}  # which of several names exists

    @staticmethod
    def _env(
        loader: jinja2.BaseLoader,
        cache: jinja2.BytecodeCache | None,
        finalize: Callable[[object], object],
        *,
        autoescape: bool,
    ) -> ImmutableSandboxedEnvironment:
        env = environment(loader, autoescape=autoescape, finalize=finalize, cache=cache)
        env.filters["time"] = format_time
        env.filters["when"] = format_when
        env.filters["sentence"] = as_sentence
        env.filters["join_names"] = join_names
        return env

    def render(
        self,
        incident: Incident,
        results: dict[str, PolicyResult],
        channels: Sequence[str],
        *,
        draft: bool = False,
        audience: str | None = None,
        now: datetime | None = None,
    ) -> dict[str, Message]:
        """Each channel from its own audience's cleaned text (or one audience for all)."""
        messages = {}
        for channel in channels:
            result = results[audience or CHANNEL_AUDIENCE[channel]]
            context = {**build_context(incident, result, draft=draft, now=now), "channel": channel}
            messages[channel] = getattr(self, "_" + channel)(incident, context)
        return messages

    def _template(
        self, env: ImmutableSandboxedEnvironment, channel: str, incident: Incident, suffix: str
    ) -> jinja2.Template:
        names = [f"{channel}/{incident.status.value}.{suffix}"]
        if incident.is_maintenance:
            names.append(f"{channel}/maintenance.{suffix}")
        names.append(f"{channel}/default.{suffix}")
        names = self._localised(names)
        key = (id(env), tuple(names))
        known = self._chosen.get(key)
        if known is not None:  # the loader looks for each missing name on disk every time otherwise
            return known
        try:
            chosen = self._chosen[key] = env.select_template(names)
            return chosen
        except jinja2.TemplatesNotFound:
            raise TemplateError(
                f"no template for channel {channel!r}; looked for {', '.join(names)}",
                hint="add one to your --templates directory",
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}", path=exc.filename, line=exc.lineno) from None

    def _run(self, env: ImmutableSandboxedEnvironment, name: str | jinja2.Template, context: dict[str, Any]) -> str:
        try:
            template = env.get_template(name) if isinstance(name, str) else name
            return template.render(context).strip() + "\n"
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}", path=exc.filename, line=exc.lineno) from None
        except jinja2.UndefinedError as exc:
            where = name if isinstance(name, str) else name.filename
            raise TemplateError(
                f"template uses an undefined value: {exc.message}",
                path=where,
                hint="check the variable names against `notify render --format json`",
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"template not found: {exc.name}") from None
        except SecurityError as exc:
            where = name if isinstance(name, str) else name.filename
            raise TemplateError(f"template was stopped by the sandbox: {exc}", path=where) from None

    def _markdown_pair(self, channel: str, incident: Incident, context: dict[str, Any]) -> tuple[str, str]:
        """The same template as plain text and as escaped Markdown turned into HTML."""
        text = self._run(self._text, self._template(self._text, channel, incident, "md.j2"), context)
        source = self._run(self._markdown, self._template(self._markdown, channel, incident, "md.j2"), context)
        return text, to_html(source)

    def _localised(self, names: list[str]) -> list[str]:
        """A language's own templates (templates/i18n/<code>/…) first, then the English ones."""
        if self.language == "en":
            return names
        return [f"i18n/{self.language}/{n}" for n in names] + names

    def _email(self, incident: Incident, context: dict[str, Any]) -> Message:
        subject_template = self._text.select_template(self._localised(["email/subject.txt.j2"]))
        subject = self._run(self._text, subject_template, context).strip()
        subject = " ".join(subject.split())  # one line, always: it becomes a header
        text, body_html = self._markdown_pair("email", incident, context)
        # Every email ends with the status page and a way to leave, in its own language; the links
        # are placeholders the sender fills per recipient (delivery.mailer).
        links = {"page_link": PAGE_LINK, "unsubscribe_link": UNSUBSCRIBE_LINK}
        footer_text = self._run(self._text, self._text.select_template(self._localised(["email/footer.txt.j2"])), links)
        footer_html = self._run(
            self._html, self._html.select_template(self._localised(["email/footer.html.j2"])), links
        )
        page = self._run(
            self._html,
            "email/layout.html.j2",
            {**context, "subject": subject, "body": body_html, "footer": footer_html},
        )
        parts = {"subject": subject, "text": text + "\n" + footer_text, "html": page}
        return Message("email", CHANNEL_AUDIENCE["email"], parts)

    def _status(self, incident: Incident, context: dict[str, Any]) -> Message:
        text, body_html = self._markdown_pair("status", incident, context)
        entry = {
            "id": incident.id,
            "title": context["incident"]["title"],
            "status": incident.status.value,
            "severity": incident.severity.value,
            "components": incident.components,
            "started_at": incident.started_at.isoformat(),
            "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
            "next_update_at": incident.next_update_at.isoformat() if incident.next_update_at else None,
            "body": text,
            "body_html": body_html,
            "draft": context["draft"],
        }
        return Message(
            "status",
            CHANNEL_AUDIENCE["status"],
            {"markdown": text, "html": body_html, "json": json.dumps(entry, indent=2) + "\n"},
        )

    def _fitted(self, channel: str, incident: Incident, context: dict[str, Any], fits: Callable[[str], bool]) -> str:
        """The most complete variant of a short message that still fits the platform's limit."""
        template = self._template(self._text, channel, incident, "txt.j2")
        text = ""
        for detail in (3, 2, 1, 0):
            text = " ".join(self._run(self._text, template, {**context, "detail": detail}).split())
            if fits(text):
                return text
        return text

    def _social(self, incident: Incident, context: dict[str, Any]) -> Message:
        text = self._fitted("social", incident, context, lambda t: social_length(t) <= SOCIAL_LIMIT)
        return Message("social", "public", {"text": text}, {"characters": social_length(text), "limit": SOCIAL_LIMIT})

    def _sms(self, incident: Incident, context: dict[str, Any]) -> Message:
        text = self._fitted("sms", incident, context, lambda t: sms_segments(t) <= SMS_SEGMENTS)
        return Message("sms", "public", {"text": text}, {"segments": sms_segments(text), "characters": len(text)})

    def _internal(self, incident: Incident, context: dict[str, Any]) -> Message:
        """Staff read the note as Markdown (in chat, in the incident doc); no HTML is built for it."""
        template = self._template(self._text, "internal", incident, "md.j2")
        return Message("internal", "internal", {"markdown": self._run(self._text, template, context)})


_converters = threading.local()


@lru_cache(maxsize=256)
def to_html(markdown_source: str) -> str:
    """Markdown to HTML with one converter per thread, reset between documents (building one is costly).

    Kept for the last few hundred documents: a flapping alert or three audiences with the same
    words ask for the same HTML again, and converting is the dearest step of a draft."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        import markdown

        converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
        _converters.markdown = converter
    return str(converter.reset().convert(markdown_source))


PLAN_FIELDS = {"impact", "apology", "responsibility", "remedy"}


def build_context(
    incident: Incident, result: PolicyResult, *, draft: bool, now: datetime | None = None
) -> dict[str, Any]:
    """What templates see: the policy's cleaned text, never the raw record text."""
    fields = result.with_suggestions() if draft else result.fields
    if incident.is_maintenance and incident.status.value == "completed" and result.audience != "internal":
        # done: the plan's words were written for before the window ("will be read-only", "the
        # disruption this will cause"); customers are told it is complete, not the plan again
        fields = {k: v for k, v in fields.items() if k not in PLAN_FIELDS and not k.startswith("actions.")}
    actions = [fields[f"actions.{i}"] for i in range(len(incident.actions)) if fields.get(f"actions.{i}")]
    updates = [
        {"at": u.at, "status": u.status.value, "message": fields.get(f"updates.{i}.message", "")}
        for i, u in enumerate(incident.updates)
    ]
    contact = incident.contact.model_dump() if incident.contact else None
    return {
        "incident": {
            "id": incident.id,
            "title": fields.get("title") or incident.id,
            "status": incident.status.value,
            "status_label": incident.status.value.replace("_", " ").title(),
            "severity": incident.severity.value,
            "components": incident.components,
            "started_at": incident.started_at,
            "resolved_at": incident.resolved_at,
            "scheduled_until": incident.scheduled_until,
            "next_update_at": incident.next_update_at,
            "impact": fields.get("impact", ""),
            "apology": fields.get("apology", ""),
            "responsibility": fields.get("responsibility", ""),
            "remedy": fields.get("remedy", ""),
            "actions": actions,
            "updates": updates,
            "contact": contact,
            "cause": incident.cause if result.audience == "internal" else "",
            "what_happened": (fields.get("what_happened") or fields.get("cause", ""))
            if result.audience != "internal"
            else "",
            "changes": [fields[f"changes.{i}"] for i in range(len(incident.changes)) if fields.get(f"changes.{i}")],
            "affected_customers": incident.affected_customers if result.audience == "internal" else [],
            "links": incident.links if result.audience == "internal" else [],
            "is_open": incident.is_open,
            "is_maintenance": incident.is_maintenance,
            "reminder": incident.reminder,
            "duration_minutes": incident.duration_minutes(now),
        },
        "audience": result.audience,
        "draft": draft,
        "detail": 3,
        "page_link": PAGE_LINK,  # the status page's address, put in place when a post is sent
    }


def _zone(value: datetime) -> str:
    offset = value.utcoffset()
    return "UTC" if offset is not None and not offset else (value.strftime("%Z") or value.strftime("%z"))


def format_time(value: datetime | None) -> str:
    return "" if value is None else f"{value:%H:%M} {_zone(value)}"


def format_when(value: datetime | None) -> str:
    return "" if value is None else f"{value.day} {value:%b %Y}, {value:%H:%M} {_zone(value)}"


def as_sentence(value: str) -> str:
    value = value.strip()
    if not value:
        return value
    value = value[0].upper() + value[1:]
    return value if value[-1] in ".!?" else value + "."


def join_names(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def social_length(text: str) -> int:
    """Characters as X counts them: URLs are 23, wide (CJK, emoji) characters 2."""
    length = 0
    last = 0
    for url in _URL.finditer(text):
        length += _weighted(text[last : url.start()]) + 23
        last = url.end()
    return length + _weighted(text[last:])


def _weighted(text: str) -> int:
    if text.isascii():  # no wide characters, nothing to compose
        return len(text)
    total = 0
    for char in unicodedata.normalize("NFC", text):
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") or ord(char) > 0xFFFF else 1
    return total


def sms_segments(text: str) -> int:
    """How many SMS segments: GSM-7 at 160/153 characters, else UCS-2 at 70/67 code units."""
    if GSM7.issuperset(text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        return 1 if units <= 160 else -(-units // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)

"""The incident record: everything a person would set when telling customers about an outage."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

OPEN_STATUSES = {"investigating", "identified", "monitoring", "scheduled", "in_progress", "verifying"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[A-Za-z]{2,}$")


class Status(StrEnum):
    investigating = "investigating"
    identified = "identified"
    monitoring = "monitoring"
    resolved = "resolved"
    scheduled = "scheduled"
    in_progress = "in_progress"
    verifying = "verifying"
    completed = "completed"


class Severity(StrEnum):
    minor = "minor"
    major = "major"
    critical = "critical"
    maintenance = "maintenance"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


# Line breaks, other control characters, and the invisible ones that reorder or hide text (bidi
# overrides and isolates, zero-width characters): in a subject or a name they make what a reviewer
# reads differ from what a customer sees.
HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def one_line(value: str, message: str) -> str:
    found = HIDDEN.search(value)
    if found is None:
        return value
    if found.group() in "\n\r":
        raise ValueError(message)
    raise ValueError(f"holds an invisible or control character (U+{ord(found.group()):04X}); type the text again")


class Contact(Model):
    """A human a customer can reach, not a ticket queue."""

    name: str = Field(min_length=1, max_length=120)
    email: str | None = None
    phone: str | None = Field(default=None, max_length=40)
    role: str | None = Field(default=None, max_length=120)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not an email address (expected name@example.com)")
        return value

    @field_validator("name", "phone", "role")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return None if value is None else one_line(value, "must be a single line")

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not self.email and not self.phone:
            raise ValueError("a contact needs an email or a phone number so customers can reach them")
        return self


class Update(Model):
    """One entry of the incident's public timeline."""

    at: AwareDatetime
    status: Status
    message: str = Field(min_length=1, max_length=5000)


class Translation(Model):
    """The customer-facing fields in another language, checked by that language's rule packs."""

    title: str = Field(min_length=1, max_length=200)
    impact: str = Field(default="", max_length=5000)
    apology: str = Field(default="", max_length=2000)
    responsibility: str = Field(default="", max_length=2000)
    remedy: str = Field(default="", max_length=2000)
    actions: list[str] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title_one_line(cls, value: str) -> str:
        return one_line(value, "must be a single line (it becomes the email subject)")


class Incident(Model):
    """An incident revision as the engineer wrote it, before the policy layer touches it."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    title: str = Field(min_length=1, max_length=200)
    status: Status
    severity: Severity
    started_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    scheduled_until: AwareDatetime | None = None
    components: list[str] = Field(default_factory=list)
    impact: str = Field(default="", max_length=5000)
    cause: str = Field(default="", max_length=10000)
    actions: list[str] = Field(default_factory=list)
    apology: str = Field(default="", max_length=2000)
    responsibility: str = Field(default="", max_length=2000)
    remedy: str = Field(default="", max_length=2000)
    contact: Contact | None = None
    next_update_at: AwareDatetime | None = None
    affected_customers: list[str] = Field(default_factory=list)
    updates: list[Update] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    reminder: bool = False  # this revision reminds subscribers of maintenance that starts soon
    translations: dict[str, Translation] = Field(default_factory=dict)
    # For the postmortem, written for customers: what happened (without it, the cause is told in
    # plain words) and what we are changing so it does not happen again (without it, nothing is said)
    what_happened: str = Field(default="", max_length=5000)
    changes: list[str] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title_one_line(cls, value: str) -> str:
        return one_line(value, "must be a single line (it becomes the email subject)")

    @field_validator("components", "affected_customers")
    @classmethod
    def _names_one_line(cls, value: list[str]) -> list[str]:
        return [one_line(name, "each name must be a single line") for name in value]

    @field_validator("translations")
    @classmethod
    def _languages(cls, value: dict[str, Translation]) -> dict[str, Translation]:
        for code in value:
            if not re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", code):
                raise ValueError(f"{code!r} is not a language code like de or pt-BR")
        return value

    def in_language(self, language: str) -> Incident:
        """This revision with its customer-facing fields in another language (a translation)."""
        words = self.translations[language].model_dump()
        return self.model_copy(update={**words, "language": language, "translations": {}})

    @model_validator(mode="after")
    def _consistent(self) -> Incident:
        if self.resolved_at and self.resolved_at < self.started_at:
            raise ValueError("resolved_at is before started_at")
        is_maintenance = self.severity is Severity.maintenance
        if self.status in MAINTENANCE_STATUSES and not is_maintenance:
            raise ValueError(
                f"status {self.status.value!r} is for scheduled maintenance; "
                "set severity: maintenance, or use investigating/identified/monitoring/resolved"
            )
        if is_maintenance and self.status in {Status.investigating, Status.identified}:
            raise ValueError("severity 'maintenance' goes with status scheduled, in_progress, verifying or completed")
        return self

    @property
    def is_open(self) -> bool:
        return self.status.value in OPEN_STATUSES

    @property
    def is_maintenance(self) -> bool:
        return self.severity is Severity.maintenance

    def duration_minutes(self, now: datetime | None = None) -> int | None:
        """How long customers were affected, when it is known."""
        end = self.resolved_at or now
        if end is None:
            return None
        return max(0, int((end - self.started_at).total_seconds() // 60))

"""`notify serve` settings: webhook secrets, reviewer accounts, the default contact, SMTP; from
notify.toml's [service], [secrets], [[reviewers]], [smtp] and [inbound], each secret also from the
environment.

    [service]
    title = "Example Status"
    contact = {name = "Dana Reyes", email = "dana@example.com"}
    next_update_minutes = 30
    [secrets]
    pagerduty = "..."          # or NOTIFY_PAGERDUTY_SECRET, and likewise below
    incidentio = "whsec_..."
    [inbound]
    smtp = "127.0.0.1:2525"    # notify serve takes customers' replies here, behind your MX
    address = "reply@status.example.com"   # replies go to reply+INCIDENT.<mac>@status.example.com
    retention_days = 90
    [[reviewers]]
    name = "sam"
    password_hash = "scrypt$16384$8$1$..."   # notify hash-password
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from notify.errors import InputError

ENV = {
    "pagerduty": "NOTIFY_PAGERDUTY_SECRET",
    "incidentio": "NOTIFY_INCIDENTIO_SECRET",
    "grafana": "NOTIFY_GRAFANA_SECRET",
    "alertmanager": "NOTIFY_ALERTMANAGER_TOKEN",
    "opsgenie": "NOTIFY_OPSGENIE_TOKEN",
    "notify": "NOTIFY_HOOK_TOKEN",  # NOTIFY_TOKEN is a person's API token, for notify --server
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Contact(Strict):
    name: str
    email: str | None = None
    phone: str | None = None


class Service(Strict):
    title: str = "Status"
    base_url: str | None = None  # where the service is reached, for links in emails
    contact: Contact | None = None
    next_update_minutes: int = Field(default=30, ge=5, le=24 * 60)
    cookie_secure: bool = True
    session_secret: SecretStr | None = None
    # a signed event that happened longer ago than this is a replay, not news (0: accept any age,
    # for replaying an archive on purpose)
    max_event_age_minutes: int = Field(default=24 * 60, ge=0)


class Secrets(Strict):
    pagerduty: SecretStr | None = None
    incidentio: SecretStr | None = None
    grafana: SecretStr | None = None
    alertmanager: SecretStr | None = None
    opsgenie: SecretStr | None = None
    notify: SecretStr | None = None


class Reviewer(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    password_hash: SecretStr
    role: Literal["author", "reviewer", "admin"] = "reviewer"  # an admin here can add people on the page


class Smtp(Strict):
    url: SecretStr | None = None
    sender: str | None = Field(default=None, alias="from")
    subscribers: str | None = None  # a CSV/YAML file, or "store" for the people who signed up
    unsubscribe_url: str | None = None
    unsubscribe_mailbox: str | None = None  # a mailbox someone reads for unsubscribe requests


class Inbound(Strict):
    """Where customers' replies come in (behind the operator's MX), and how long they are kept."""

    smtp: str | None = Field(default=None, pattern=r"^[^:\s]+:[0-9]{1,5}$")  # host:port to listen on
    address: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # e.g. reply@status.example.com
    retention_days: int = Field(default=90, ge=1, le=3650)


class ServiceConfig(Strict):
    service: Service = Field(default_factory=Service)
    secrets: Secrets = Field(default_factory=Secrets)
    reviewers: list[Reviewer] = Field(default_factory=list)
    smtp: Smtp = Field(default_factory=Smtp)
    inbound: Inbound = Field(default_factory=Inbound)
    policy: dict[str, Any] = Field(default_factory=dict)
    templates: dict[str, Any] = Field(default_factory=dict)
    store: dict[str, Any] = Field(default_factory=dict)
    review: dict[str, Any] = Field(default_factory=dict)
    components: list[dict[str, Any]] = Field(default_factory=list)  # the catalog, read by record.catalog
    incidents: dict[str, Any] = Field(default_factory=dict)  # incident templates, read by settings.project
    client: dict[str, Any] = Field(default_factory=dict)  # for the CLI as a client
    page: dict[str, Any] = Field(default_factory=dict)  # the page's branding, read by record.branding

    def secret(self, source: str) -> str | None:
        """A webhook secret: the environment wins over the file."""
        from_env = os.environ.get(ENV[source])
        if from_env:
            return from_env
        value = getattr(self.secrets, source)
        return value.get_secret_value() if value else None

    def reviewer(self, name: str) -> Reviewer | None:
        return next((r for r in self.reviewers if r.name == name), None)


def load_service_config(path: str | None) -> ServiceConfig:
    if not path:
        return ServiceConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such config file", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", path=path) from None
    try:
        return ServiceConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise InputError(str(error["msg"]), path=path, field=field) from None

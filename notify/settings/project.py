"""notify.toml: settings a team keeps beside its incidents, so nobody retypes --policy each time.

    [policy]
    dirs = ["policies/acme"]        # read after the bundled packs, in order

    [templates]
    dirs = ["templates/acme"]       # searched before the bundled templates

    [store]
    db = "notify.db"                # or postgresql://user@host/db; --db and $NOTIFY_DB win

    [review]
    four_eyes = true                # false for a solo user: authors may approve their own drafts

    [org]
    name = "Acme"                   # who writes the updates: never a vendor, never blame
    aliases = ["Acme Cloud", "Rocket"]  # other spellings and our own product names
    allow = ["API"]                 # terms our customers know, never flagged as jargon

    [incidents]
    templates = "incident-templates"    # saved starting points: notify new --from-template NAME

    [client]
    server = "https://status.example.com"   # the review commands use its API ($NOTIFY_TOKEN)

    [[components]]                  # the component catalog: see notify.record.catalog
    name = "Checkout"

Found at --config FILE, else $NOTIFY_CONFIG, else ./notify.toml when it exists. Relative paths
are relative to the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notify.errors import InputError, did_you_mean
from notify.policy.org import Org
from notify.record.branding import Branding, load_branding
from notify.record.catalog import Catalog, load_catalog

SECTIONS = {
    "policy": {"dirs"},
    "templates": {"dirs"},
    "store": {"db"},
    "review": {"four_eyes"},
    "org": {"name", "aliases", "allow"},
    "client": {"server"},
    "incidents": {"templates"},
}


@dataclass(frozen=True)
class Config:
    policy_dirs: tuple[str, ...] = ()
    template_dirs: tuple[str, ...] = ()
    db: str | None = None
    four_eyes: bool = True
    org: Org | None = None
    catalog: Catalog = field(default_factory=Catalog)
    server: str | None = None  # [client] server: a running notify the review commands talk to
    incident_templates: str | None = None  # [incidents] templates: a directory of saved starting points
    branding: Branding = field(default_factory=Branding)  # [page]: the status page's name, logo, colours


def find_config(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    if os.environ.get("NOTIFY_CONFIG"):
        return Path(os.environ["NOTIFY_CONFIG"])
    local = Path("notify.toml")
    return local if local.is_file() else None


def load_config(explicit: str | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such config file", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", path=path) from None
    _check_keys(data, path)
    base = path.parent
    db = data.get("store", {}).get("db")
    four_eyes = data.get("review", {}).get("four_eyes", True)
    if db is not None and not isinstance(db, str):
        raise InputError("db must be a path or a postgresql:// URL", path=path, field="store.db")
    if not isinstance(four_eyes, bool):
        raise InputError("four_eyes must be true or false", path=path, field="review.four_eyes")
    if db and "://" not in db:
        db = str((base / db).resolve())
    return Config(
        policy_dirs=_dirs(data, "policy", base, path),
        template_dirs=_dirs(data, "templates", base, path),
        db=db,
        four_eyes=four_eyes,
        org=_org(data.get("org"), path),
        catalog=load_catalog(data.get("components"), path),
        server=_server(data.get("client", {}).get("server"), path),
        incident_templates=_directory(data.get("incidents", {}).get("templates"), base, path),
        branding=load_branding(data.get("page"), base, path),
    )


def _directory(value: Any, base: Path, path: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not (base / value).is_dir():
        raise InputError(
            "templates must name a directory of incident templates", path=path, field="incidents.templates"
        )
    return str((base / value).resolve())


def _server(value: Any, path: Path) -> str | None:
    if value is not None and not (isinstance(value, str) and value.startswith(("https://", "http://"))):
        raise InputError("server must be a URL like https://status.example.com", path=path, field="client.server")
    return value


def _org(table: dict[str, Any] | None, path: Path) -> Org | None:
    if table is None:
        return None
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError('[org] needs a name, e.g. name = "Acme"', path=path, field="org.name")
    lists = {}
    for key in ("aliases", "allow"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InputError(f"{key} must be a list of names", path=path, field=f"org.{key}")
        lists[key] = tuple(v.strip() for v in value)
    return Org(name.strip(), lists["aliases"], lists["allow"])


SERVICE_SECTIONS = {"service", "secrets", "reviewers", "smtp", "inbound"}  # checked by service_config when serving
LISTS = {"components", "page"}  # checked by their own loaders  # arrays of tables, each checked by its own loader


def _check_keys(data: dict[str, Any], path: Path) -> None:
    for section, values in data.items():
        if section in SERVICE_SECTIONS or section in LISTS:
            continue
        if section not in SECTIONS:
            hint = did_you_mean(section, [*SECTIONS, *SERVICE_SECTIONS, *LISTS])
            raise InputError(f"unknown section [{section}]" + (f"; {hint}" if hint else ""), path=path)
        if not isinstance(values, dict):
            raise InputError(f"[{section}] must be a table", path=path)
        for key in values:
            if key not in SECTIONS[section]:
                hint = did_you_mean(key, SECTIONS[section])
                raise InputError(f"unknown key {key!r}" + (f"; {hint}" if hint else ""), path=path, field=section)


def _dirs(data: dict[str, Any], section: str, base: Path, path: Path) -> tuple[str, ...]:
    dirs = data.get(section, {}).get("dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise InputError("dirs must be a list of paths", path=path, field=f"{section}.dirs")
    return tuple(str((base / d).resolve()) for d in dirs)

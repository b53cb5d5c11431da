"""Who gets the email: subscribers from a CSV or YAML file, each following some components or all.

    email,components,customer,token,language
    ana@example.com,Sign-in;Dashboard,,,en
    ops@acme.example,,Acme Corp,,en        # customer: gets the customers-audience email when affected

Bad rows (an address that is not one, a duplicate) are reported with their line and skipped.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from notify.errors import InputError
from notify.record.address_set import AddressSet

EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
LOCAL_PART = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+)*$"
)
SUBSCRIBERS_LIMIT = 64 * 1024 * 1024  # about three million ordinary addresses
TOO_BIG = "split the list, or let people sign up on the page (--subscribers store)"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
COLUMNS = {"email", "components", "customer", "token", "language", "name"}


@dataclass(frozen=True)
class Subscriber:
    email: str
    components: tuple[str, ...] = ()  # empty: every component
    customer: str | None = None
    token: str | None = None
    language: str = "en"

    def follows(self, components: list[str]) -> bool:
        if not self.components or not components:
            return True
        wanted = {c.casefold() for c in self.components}
        return any(c.casefold() in wanted for c in components)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


def normalise_email(value: str) -> str | None:
    """The address as notify keeps and sends it, or None when it is not one.

    An internationalised domain (müller.example) becomes its IDNA form (xn--mller-kva.example), which
    every server takes; letters beyond ASCII before the @ (jörg@) stay, NFC-normalised, and need a
    server that offers SMTPUTF8 (RFC 6531). Invisible and space characters are refused.
    """
    local, at, domain = unicodedata.normalize("NFC", value.strip()).rpartition("@")
    if not at or len(local) > 64 or not LOCAL_PART.match(local):
        return None
    if not all(c.isprintable() and not c.isspace() for c in local):
        return None
    try:
        ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    address = f"{local}@{ascii_domain}"
    return address if len(address.encode()) <= 254 and EMAIL.match(f"x@{ascii_domain}") else None


def unsubscribe_token(secret: bytes, email: str) -> str:
    """A token that names the address without revealing it, stable for the same secret."""
    return hmac.new(secret, email.casefold().encode(), hashlib.sha256).hexdigest()[:32]


def load_subscribers(path: str) -> tuple[list[Subscriber], list[Problem]]:
    """The whole list at once, for callers that want it in memory (a send streams it instead)."""
    problems: list[Problem] = []
    return list(read_subscribers(path, problems)), problems


def read_subscribers(path: str, problems: list[Problem]) -> Iterator[Subscriber]:
    """The file's subscribers one at a time, appending the rows it cannot use to `problems` as it meets them.

    A CSV file is read row by row, so a send to 100,000 people holds one row and a compact table
    of the addresses seen (duplicates are skipped; about 4 MB for 100,000), not the file and
    every recipient; a YAML file is parsed whole (YAML has no row to stop at)."""
    rows = _yaml_rows(_read_whole(path), path) if Path(path).suffix.lower() in {".yaml", ".yml"} else _csv_rows(path)
    seen = AddressSet()
    for line, row in rows:
        typed = str(row.get("email") or "").strip()
        email = normalise_email(typed) or ""
        if not email:
            problems.append(Problem(line, f"{typed!r} is not an email address; row skipped"))
            continue
        key = email.casefold()
        if (first := seen.line_of(key)) is not None:
            problems.append(Problem(line, f"{email} is already on line {first}; duplicate skipped"))
            continue
        token = str(row.get("token") or "").strip()
        if token and not TOKEN.match(token):
            problems.append(Problem(line, "token must be 8 to 128 letters, digits, '-' or '_'; row skipped"))
            continue
        seen.add(key, line)
        components: Any = row.get("components") or ()
        if isinstance(components, str):
            components = [c.strip() for c in re.split(r"[;,|]", components) if c.strip()]
        yield Subscriber(
            email=email,
            components=tuple(str(c) for c in components),
            customer=(str(row["customer"]).strip() or None) if row.get("customer") else None,
            token=token or None,
            language=str(row.get("language") or "en").strip() or "en",
        )


def _read_whole(path: str) -> str:
    from notify.record.sources import read_text

    return read_text(path, SUBSCRIBERS_LIMIT, TOO_BIG)


def _csv_rows(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows with their line numbers, read from the file as they are needed (stdin is read whole)."""
    if path == "-":
        yield from _csv_reader(io.StringIO(_read_whole(path)), path)
        return
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise InputError("no such file", path=path, hint="check the path to the subscriber list") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    if size > SUBSCRIBERS_LIMIT:
        raise InputError(f"is {size / 1024 / 1024:.1f} MiB; notify reads at most "
                         f"{SUBSCRIBERS_LIMIT / 1024 / 1024:g} MiB here", path=path, hint=TOO_BIG)  # fmt: skip
    if size == 0:
        raise InputError("is empty", path=path, hint="first line like: email,components,customer")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            yield from _csv_reader(handle, path)
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x})", path=path, hint="save the file as UTF-8"
        ) from None


def _csv_reader(handle: IO[str], path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(handle)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        if "email" not in header:
            raise InputError(
                "a subscriber CSV needs an 'email' column",
                path=path,
                line=1,
                hint="first line like: email,components,customer",
            )
        unknown = set(header) - COLUMNS
        if unknown:
            raise InputError(
                f"unknown column(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(COLUMNS))}", path=path, line=1
            )
        for row in reader:
            values = {k.strip(): (v or "") for k, v in row.items() if k}
            if any("\x00" in v for v in values.values()):
                raise InputError("is a binary file (a NUL byte)", path=path, line=reader.line_num,
                                 hint="pass a CSV or YAML list of subscribers")  # fmt: skip
            yield reader.line_num, values
    except csv.Error as exc:  # a NUL byte, a quote left open
        raise InputError(f"is not a readable CSV file: {exc}", path=path, line=reader.line_num) from None


def _yaml_rows(text: str, path: str) -> list[tuple[int, dict[str, Any]]]:
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", path=path) from None
    finally:
        loader.dispose()
    if not isinstance(data, list) or node is None:
        raise InputError("a subscriber YAML file is a list of entries with an email each", path=path)
    rows: list[tuple[int, dict[str, Any]]] = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        rows.append((line, item if isinstance(item, dict) else {"email": item}))
    return rows

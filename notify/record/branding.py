"""The status page's own look, from notify.toml's [page]: its name, a logo, an accent colour, footer
links and where it is served. Checked when read: a logo is a small image file (inlined, so the
page's CSP of 'self' and data: holds), the accent keeps AA contrast with white, links are https.

    [page]
    name = "Acme Status"
    logo = "brand/logo.svg"            # PNG, SVG, JPEG or WebP, at most 100 KB
    accent = "#0b5cad"                 # links and buttons; must keep 4.5:1 against white
    base_url = "https://status.acme.example"
    links = [{text = "Acme", url = "https://acme.example"}, {text = "Support", url = "https://acme.example/help"}]
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notify.errors import InputError

IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".webp": "image/webp"}  # fmt: skip
MAX_LOGO = 100_000
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Branding:
    name: str | None = None
    logo: str | None = None  # a data: URI
    accent: str | None = None
    base_url: str | None = None
    links: tuple[tuple[str, str], ...] = ()


def contrast_with_white(colour: str) -> float:
    """WCAG 2 contrast ratio of #rrggbb against white."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def load_branding(table: Any, base: Path, path: Path) -> Branding:
    if table is None:
        return Branding()
    if not isinstance(table, dict):
        raise InputError("[page] must be a table", path=path)
    unknown = sorted(set(table) - {"name", "logo", "accent", "base_url", "links"})
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} in [page]", path=path, field="page")
    name = table.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 80 or "\n" in name):
        raise InputError("name is one line of at most 80 characters", path=path, field="page.name")
    accent = table.get("accent")
    if accent is not None:
        if not isinstance(accent, str) or not HEX.match(accent):
            raise InputError("accent is a colour like #0b5cad", path=path, field="page.accent")
        if contrast_with_white(accent) < 4.5:
            raise InputError(
                f"accent {accent} has {contrast_with_white(accent):.1f}:1 contrast against white; "
                "links and buttons need 4.5:1 (pick a darker shade)",
                path=path,
                field="page.accent",
            )
    base_url = table.get("base_url")
    if base_url is not None and not (isinstance(base_url, str) and base_url.startswith("https://")):
        raise InputError("base_url is the page's https:// address", path=path, field="page.base_url")
    return Branding(
        name=name.strip() if name else None,
        logo=_logo(table.get("logo"), base, path),
        accent=accent,
        base_url=base_url.rstrip("/") if base_url else None,
        links=_links(table.get("links", []), path),
    )


def _logo(value: Any, base: Path, path: Path) -> str | None:
    if value is None:
        return None
    file = base / str(value)
    kind = IMAGE_TYPES.get(file.suffix.lower())
    if kind is None or not file.is_file():
        raise InputError("logo is a PNG, SVG, JPEG or WebP file beside notify.toml", path=path, field="page.logo")
    data = file.read_bytes()
    if len(data) > MAX_LOGO:
        raise InputError(f"the logo is {len(data)} bytes; keep it under {MAX_LOGO}", path=path, field="page.logo")
    if kind == "image/svg+xml" and re.search(rb"<script|on\w+\s*=|javascript:", data, re.I):
        raise InputError("the SVG logo holds script; use a plain image", path=path, field="page.logo")
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def _links(value: Any, path: Path) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise InputError("links is a list of {text, url}", path=path, field="page.links")
    out = []
    for link in value:
        if not (isinstance(link, dict) and isinstance(link.get("text"), str) and isinstance(link.get("url"), str)):
            raise InputError("each link has a text and a url", path=path, field="page.links")
        if not link["url"].startswith("https://"):
            raise InputError(f"{link['url'][:60]!r} is not an https:// address", path=path, field="page.links")
        out.append((link["text"].strip()[:60], link["url"]))
    return tuple(out)

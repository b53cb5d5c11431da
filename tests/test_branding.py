"""The page's own name, logo, accent colour, footer links and address, from notify.toml's [page]."""

from __future__ import annotations

from pathlib import Path

import pytest

from notify.errors import InputError
from notify.settings.project import load_config

from .service import Service
from .test_feeds import fetch, publish

LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#0b5cad"/></svg>'
)
PAGE = """
[page]
name = "Acme Status"
logo = "logo.svg"
accent = "#0b5cad"
base_url = "https://status.acme.example"
links = [{text = "Acme", url = "https://acme.example"}, {text = "Support", url = "https://acme.example/help"}]
"""


def test_the_page_carries_its_brand(tmp_path: Path):
    (tmp_path / "logo.svg").write_text(LOGO)
    db = str(tmp_path / "service.db")
    publish(db, "identified.yaml")
    with Service(tmp_path, db, extra=PAGE) as service:
        status, body, _ = fetch(service.url + "/")
        html = body.decode()
        summary = fetch(service.url + "/api/v2/summary.json")[1].decode()
    assert status == 200
    assert "<title>Acme Status</title>" in html  # [page] name before [service] title
    assert 'src="data:image/svg+xml;base64,' in html  # inlined: the CSP's img-src 'self' data: holds
    assert '<a href="https://acme.example/help">Support</a>' in html and "--brand: #0b5cad" in html
    assert '"url": "https://status.acme.example"' in summary  # the page's address, from [page]


@pytest.mark.parametrize(
    ("page", "files", "expected"),
    [
        ('accent = "#ffd33d"', {}, "contrast against white"),  # yellow on white: unreadable links
        ('accent = "blue"', {}, "a colour like"),
        ('links = [{text = "x", url = "http://acme.example"}]', {}, "not an https:// address"),
        ('logo = "logo.svg"', {"logo.svg": '<svg onload="alert(1)"/>'}, "holds script"),
        ('logo = "logo.gif"', {"logo.gif": "GIF89a"}, "PNG, SVG, JPEG or WebP"),
        ('logo = "logo.png"', {"logo.png": "x" * 200_000}, "keep it under"),
        ('colour = "#000000"', {}, "unknown key 'colour'"),
    ],
)
def test_a_bad_brand_is_refused_with_the_reason(tmp_path: Path, page: str, files: dict[str, str], expected: str):
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    config = tmp_path / "notify.toml"
    config.write_text(f"[page]\n{page}\n")
    with pytest.raises(InputError) as caught:
        load_config(str(config))
    assert expected in str(caught.value)

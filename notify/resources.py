"""Find the bundled templates/ and policies/ in a checkout or inside an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The checkout's folder first (so an editable install never reads stale copies), then the wheel's."""
    checkout = PACKAGE.parent / name
    if (PACKAGE.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return PACKAGE / name

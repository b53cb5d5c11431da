from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from notify.cli import main
from notify.policy import Policy

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """notify never reads or writes the developer's own home or database during tests."""
    monkeypatch.setenv("NOTIFY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NOTIFY_DB", str(tmp_path / "home" / "notify.db"))


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.load()


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

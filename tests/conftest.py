from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from notify.cli.main import main
from notify.policy.judge import Policy

from .smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """notify never reads or writes the developer's own home or database during tests."""
    monkeypatch.setenv("NOTIFY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NOTIFY_DB", str(tmp_path / "home" / "notify.db"))
    # every send needs somewhere unsubscribes go; tests that are about that unset it
    monkeypatch.setenv("NOTIFY_UNSUBSCRIBE_URL", "https://status.example.com/unsubscribe")
    monkeypatch.setenv("NOTIFY_PAGE_URL", "https://status.example.com/")


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.load()


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


POSTGRES_URL = os.environ.get("NOTIFY_TEST_POSTGRES_URL")


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A store URL on the local PostgreSQL, in a schema of its own that is dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("NOTIFY_TEST_POSTGRES_URL is not set (.ci/run sets it to the local server)")
    import psycopg

    schema = f"notify_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same tests on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        yield str(tmp_path / "store" / "notify.db")
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_location() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, kept off the network (this machine reaches none but its registries)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


ENABLE = {  # what a skip reason needs, and how to enable it: said once at the end of the run
    "NOTIFY_TEST_POSTGRES_URL": "PostgreSQL (set NOTIFY_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test;"
    " .ci/run does)",
    "chromium": "Chromium (apt install chromium; .ci/run does)",
    "corpus": "the shared corpus (a shared/ folder beside the checkout, for the corpus benchmarks)",
}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line naming what was skipped and how to run it, so a skip is never silent."""
    needs: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        need = next((how for key, how in ENABLE.items() if key in reason), reason.removeprefix("Skipped: "))
        needs[need] = needs.get(need, 0) + 1
    if needs:
        listed = "; ".join(f"{count} need {need}" for need, count in needs.items())
        terminalreporter.write_line(f"skipped: {listed}", yellow=True)

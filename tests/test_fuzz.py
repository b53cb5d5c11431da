"""Schemathesis, driven by the service's own OpenAPI schema, finds no 5xx (nothing a request sends crashes it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .service import SECRETS, Service


def test_no_request_makes_the_service_fail(tmp_path: Path):
    pytest.importorskip("schemathesis", reason="pip install schemathesis")
    # one token for every token-authenticated hook, so fuzzed bodies get past auth and into the parsers
    secrets = {**SECRETS, "opsgenie": "fuzz", "alertmanager": "fuzz", "notify": "fuzz"}
    with Service(tmp_path, str(tmp_path / "fuzz.db"), secrets) as service:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{service.url}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "40",
                "-H",
                "Authorization: Bearer fuzz",
                "--phases",
                "examples,coverage,fuzzing",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )  # its cache stays out of the checkout
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    from notify.review.service import Review
    from notify.store.database import open_store

    with open_store(str(tmp_path / "fuzz.db")) as store:  # nothing the requests sent corrupted the store
        assert Review(store).verify() == []
    assert "hooks" in result.stdout

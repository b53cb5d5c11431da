"""The built wheel carries the templates and policies, and finds them with no checkout beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

needs_hatchling = pytest.mark.skipif(
    shutil.which("hatchling") is None
    and subprocess.run([sys.executable, "-c", "import hatchling"], capture_output=True).returncode != 0,
    reason="hatchling is not installed (pip install '.[test]' brings it)",
)


@needs_hatchling
def test_wheel_contains_templates_and_policies_and_renders_from_them(tmp_path: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("notify-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("templates", "policies"):
        shipped = {n.split(f"notify/{folder}/", 1)[1] for n in names if n.startswith(f"notify/{folder}/")}
        on_disk = {str(p.relative_to(ROOT / folder)) for p in (ROOT / folder).rglob("*") if p.is_file()}
        assert shipped == on_disk
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from notify.cli.main import main; main()",
            "render",
            str(ROOT / "examples" / "identified.yaml"),
            "--channel",
            "sms",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert "Sign-in failures for EU customers" in out.stdout
    where = subprocess.run(
        [sys.executable, "-c", "from notify.resources import bundled_dir;print(bundled_dir('policies'))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert where.strip() == str(site / "notify" / "policies")

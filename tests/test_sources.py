"""Loading incident records: the shapes people write, and a clear exit-2 message for each bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from notify.record.incident import Status
from notify.record.sources import load_incident

from .conftest import EXAMPLES, run

GOOD = (EXAMPLES / "identified.yaml").read_text()


def test_the_design_card_record_loads_with_every_field():
    incident = load_incident(str(EXAMPLES / "identified.yaml"))
    assert incident.id == "INC-1042"
    assert incident.status is Status.identified
    assert incident.components == ["Sign-in", "Dashboard"]
    assert incident.contact is not None and incident.contact.phone == "+1 555 0100"
    assert incident.affected_customers == ["Acme Corp", "Globex"]
    assert incident.updates[0].message == "We are looking into failed sign-ins."
    assert incident.is_open


def test_json_and_stdin_give_the_same_record(tmp_path: Path):
    import json

    import yaml

    data = yaml.safe_load(GOOD)
    path = tmp_path / "inc.json"
    path.write_text(json.dumps(data, default=str))
    from_json = load_incident(str(path))
    result = run("render", "-", "--channel", "status", input=GOOD)
    assert result.exit_code == 0, result.output
    assert from_json.title in result.output


def write(tmp_path: Path, text: str | bytes, name: str = "inc.yaml") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("status: identified", "status: broken"), ":4: status: 'broken' is not one of"),
        (("status: identified", "status: identifed"), "did you mean 'identified'?"),
        (("title: Sign-in failures for EU customers\n", ""), "title: is required but missing"),
        (
            ("started_at: 2026-11-22T09:12:00Z", "started_at: yesterday"),
            ":6: started_at: 'yesterday' is not a date and time; write it like 2026-11-22T09:12:00Z",
        ),
        (("started_at: 2026-11-22T09:12:00Z", "started_at: 2026-11-22T09:12:00"), "has no time zone"),
        (
            ("severity: major", "severity: major\nimpct: oops"),
            ":6: impct: is not a field of an incident record; did you mean 'impact'?",
        ),
        (("components: [Sign-in, Dashboard]", "components: [Sign-in, Dashboard"), "malformed YAML"),
        (("email: dana@example.com", "email: not-an-email"), "contact.email: 'not-an-email' is not an email address"),
    ],
)
def test_bad_records_exit_2_naming_file_field_and_line(tmp_path: Path, change: tuple[str, str], expected: str):
    path = write(tmp_path, GOOD.replace(*change))
    result = run("render", path)
    assert result.exit_code == 2
    assert result.output.startswith(f"notify: error: {path}")
    assert expected in result.output
    assert "Traceback" not in result.output


def test_several_bad_fields_are_all_reported_at_once(tmp_path: Path):
    path = write(
        tmp_path,
        GOOD.replace("status: identified", "status: nope").replace(
            "started_at: 2026-11-22T09:12:00Z", "started_at: soon"
        ),
    )
    result = run("check", path)
    assert result.exit_code == 2
    assert f"{path}:4: status:" in result.output
    assert f"{path}:6: started_at:" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is empty"),
        ("   \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file (NUL byte at offset 8)"),
        (b"title: caf\xe9\n", "is not UTF-8 text (byte 0xe9 at offset 10)"),
        ("- just\n- a list\n", "an incident record is a mapping of fields, got list"),
        ('{"id": "X", "title": ', "malformed JSON"),
    ],
)
def test_unusable_files_exit_2(tmp_path: Path, content: str | bytes, expected: str):
    suffix = "inc.json" if isinstance(content, str) and content.startswith("{") else "inc.yaml"
    path = write(tmp_path, content, suffix)
    result = run("render", path)
    assert result.exit_code == 2
    assert expected in result.output
    assert path in result.output


def test_a_50_mb_file_is_refused_without_reading_it_all(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "is 50.0 MiB; notify reads at most 1 MiB" in result.output


def test_missing_file_and_directory(tmp_path: Path):
    assert "no such file" in run("render", str(tmp_path / "nope.yaml")).output
    assert run("render", str(tmp_path / "nope.yaml")).exit_code == 2


def test_maintenance_status_needs_maintenance_severity(tmp_path: Path):
    path = write(tmp_path, GOOD.replace("status: identified", "status: scheduled"))
    result = run("render", path)
    assert result.exit_code == 2
    assert "status 'scheduled' is for scheduled maintenance; set severity: maintenance" in result.output


def test_a_title_on_two_lines_is_refused_because_it_becomes_a_header(tmp_path: Path):
    path = write(
        tmp_path,
        GOOD.replace("title: Sign-in failures for EU customers", 'title: "Sign-in\\nBcc: everyone@example.com"'),
    )
    result = run("render", path)
    assert result.exit_code == 2
    assert "title: must be a single line" in result.output

"""The command line as an ops engineer and a CI job use it: exact output, exit codes, formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notify.cli.main import main
from notify.record.sources import load_incident

from .conftest import EXAMPLES, ROOT, run

COMMANDS = main.list_commands(None)  # type: ignore[arg-type]  # the lazy ones too


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command: str):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"notify {command}" in (ROOT / "README.md").read_text()


def test_check_prints_compiler_style_lines(tmp_path: Path):
    message = tmp_path / "update.txt"
    message.write_text("Investigating: sign-in is failing.\nWe apologize for any inconvenience.\n")
    result = run("check", str(message))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        f'{message}:2:4: error [apology-non-apology] "apologize for any" A conditional or impersonal '
        "apology reads as an excuse; apologise for what actually happened." in lines
    )
    assert any(line.startswith(f"{message}:2:36: error [contact-missing]") for line in lines)
    assert lines[-1] == "blocked: 5 blocking, 0 fixed, 0 other finding(s)"


def test_check_json_has_verdict_and_offsets_into_the_checked_text(tmp_path: Path):
    text = "We are sorry. The outage was caused by a BGP route leak, due to an issue with our provider AWS."
    result = run("check", "-", "--format", "json", "--audience", "customers", input=text)
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["verdict"] == "blocked"
    for finding in report["findings"]:
        assert {"rule", "category", "severity", "start", "end", "text", "message"} <= set(finding)
        assert text[finding["start"] : finding["end"]] == finding["text"]
    jargon = [f for f in report["findings"] if f["category"] == "jargon"]
    assert jargon[0]["text"] == "BGP route leak"
    assert jargon[0]["replacement"] == "an error that sent internet traffic the wrong way"
    assert (
        report["rewrites"][0]["after"] == "The outage was caused by an error that sent internet traffic the wrong way."
    )


def test_check_passes_a_good_message_with_exit_0(tmp_path: Path):
    message = tmp_path / "good.md"
    message.write_text(
        "Resolved: between 09:12 and 09:40 UTC you could not sign in. We are sorry that you could not sign in. "
        "This was our mistake. We will credit every affected account with a day of service. "
        "Reply to this email to reach Dana Reyes, our support lead.\n"
    )
    result = run("check", str(message), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["verdict"] == "pass"


def test_check_sarif_and_github_formats(tmp_path: Path):
    sarif = json.loads(run("check", str(EXAMPLES / "stressed.yaml"), "--format", "sarif").output)
    run_ = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and run_["tool"]["driver"]["name"] == "notify"
    assert {r["ruleId"] for r in run_["results"]} >= {"apology-non-apology", "vendors-blame"}
    region = run_["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1
    github = run("check", str(EXAMPLES / "stressed.yaml"), "--format", "github").output.splitlines()
    assert any(line.startswith("::error file=") and "title=apology-non-apology::" in line for line in github)


def test_check_points_at_the_line_and_column_in_a_record():
    result = run("check", str(EXAMPLES / "stressed.yaml"))
    assert 'examples/stressed.yaml:16:55: error [responsibility-deflection] "beyond our control"' in result.output


def test_fix_rewrites_a_message_shows_a_diff_and_is_stable(tmp_path: Path):
    message = tmp_path / "update.txt"
    message.write_text("Pages failed, due to an outage at Cloudflare. We value your business. We are sorry.\n")
    first = run("check", str(message), "--fix")
    assert "-Pages failed, due to an outage at Cloudflare. We value your business. We are sorry." in first.output
    assert "+Pages failed. We are sorry." in first.output
    assert message.read_text() == "Pages failed. We are sorry.\n"
    second = run("check", str(message), "--fix")
    assert "+Pages" not in second.output
    assert message.read_text() == "Pages failed. We are sorry.\n"


def test_fix_writes_cleaned_fields_back_into_a_record(tmp_path: Path):
    record = tmp_path / "inc.yaml"
    record.write_text((EXAMPLES / "stressed.yaml").read_text())
    result = run("check", str(record), "--fix")
    assert result.exit_code == 1  # the non-apology still needs a person
    fixed = load_incident(str(record))
    assert "AWS" not in fixed.impact and "p99" not in fixed.impact
    assert fixed.title == "EU sign-in errors after database switch to a backup system"
    assert "# Written the way an engineer writes" in record.read_text()  # comments survive


def test_new_writes_a_valid_record_that_check_then_explains(tmp_path: Path):
    out = tmp_path / "inc.yaml"
    result = run(
        "new",
        "--title",
        "Sign-in failing in Europe",
        "--status",
        "investigating",
        "--impact",
        "Customers in Europe cannot sign in.",
        "--component",
        "Sign-in",
        "-o",
        str(out),
    )
    assert result.exit_code == 0
    incident = load_incident(str(out))
    assert incident.title == "Sign-in failing in Europe" and incident.components == ["Sign-in"]
    assert incident.next_update_at is not None
    check = run("check", str(out))
    assert check.exit_code == 1
    assert "[apology-missing]" in check.output and "We are sorry that you cannot sign in." in check.output
    again = run("new", "--title", "x", "-o", str(out))
    assert again.exit_code == 2 and "already exists; pass --force" in again.output


def test_unknown_channel_is_a_usage_error():
    result = run("render", str(EXAMPLES / "identified.yaml"), "--channel", "fax")
    assert result.exit_code == 2
    assert "Invalid value for '--channel'" in result.output


def test_render_text_output_shows_every_channel():
    result = run("render", str(EXAMPLES / "identified.yaml"))
    assert result.exit_code == 0
    for head in (
        "━━ email · customers",
        "━━ status · public",
        "━━ social · public",
        "━━ sms · public",
        "━━ internal · internal",
    ):
        assert head in result.output
    assert "Subject: [Identified] Sign-in failures for EU customers" in result.output


def test_a_config_file_brings_its_policy_and_templates(tmp_path: Path):
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "ours.yaml").write_text("overrides:\n  downplay-minimising: {severity: error}\n")
    (tmp_path / "tpl" / "sms").mkdir(parents=True)
    (tmp_path / "tpl" / "sms" / "default.txt.j2").write_text("Ours: {{ incident.title }}")
    config = tmp_path / "notify.toml"
    config.write_text('[policy]\ndirs = ["packs"]\n[templates]\ndirs = ["tpl"]\n')
    message = tmp_path / "m.txt"
    message.write_text("Only a few users saw errors.\n")
    found = json.loads(run("--config", str(config), "check", str(message), "--format", "json").output)
    assert [f["severity"] for f in found["findings"] if f["rule"] == "downplay-minimising"] == ["error"]
    sms = run("--config", str(config), "render", str(EXAMPLES / "identified.yaml"), "--channel", "sms")
    assert "Ours: Sign-in failures for EU customers" in sms.output


def test_a_config_file_with_a_typo_is_refused(tmp_path: Path):
    config = tmp_path / "notify.toml"
    config.write_text('[polcy]\ndirs = ["packs"]\n')
    result = run("--config", str(config), "rules")
    assert result.exit_code == 2
    assert "unknown section [polcy]; did you mean 'policy'?" in result.output

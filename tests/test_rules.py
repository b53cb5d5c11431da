"""Rule packs are data: every rule proves itself on its own examples, and packs fail loudly when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from notify.policy.checks import split_entry
from notify.policy.judge import Policy
from notify.policy.rules import load_rules
from notify.policy.vocabulary import BUILT_IN_CATEGORIES, CATEGORIES
from notify.record.incident import Incident

from .conftest import ROOT, run

RULESET = load_rules()
BASE_RECORD = {
    "id": "T-1",
    "title": "Test",
    "status": "identified",
    "severity": "major",
    "started_at": "2026-11-22T09:12:00Z",
}


def examples(kind: str) -> list:
    return [
        pytest.param(rule, example, id=f"{rule.id}-{kind}{index}")
        for rule in RULESET.rules
        for index, example in enumerate(getattr(rule.examples, kind))
    ]


def findings_of(policy: Policy, rule, example) -> list:
    audience = rule.audiences[0]
    if isinstance(example, dict):
        result = policy.check_incident(Incident.model_validate({**BASE_RECORD, **example}), audience)
    else:
        result = policy.check_text(example, audience)
    return [f for f in result.findings if f.rule == rule.id]


@pytest.mark.parametrize(("rule", "example"), examples("bad"))
def test_every_rule_fires_on_its_bad_examples(policy: Policy, rule, example):
    assert findings_of(policy, rule, example), f"{rule.id} missed its own bad example: {example}"


@pytest.mark.parametrize(("rule", "example"), examples("good"))
def test_every_rule_stays_quiet_on_its_good_examples(policy: Policy, rule, example):
    found = findings_of(policy, rule, example)
    assert not found, f"{rule.id} fired on its good example: {[f.text for f in found]}"


def test_rule_ids_start_with_their_file_stem():
    for rule in RULESET.rules:
        assert rule.id.startswith(Path(rule.pack).stem + "-"), rule.id


def test_each_concern_has_its_own_pack():
    stems = {p.stem for p in (ROOT / "policies").glob("*.yaml")}
    assert stems >= {
        "apology",
        "responsibility",
        "remedy",
        "jargon",
        "vendors",
        "downplay",
        "overpromise",
        "canned",
        "privacy",
        "contact",
        "next-update",
    }


def test_every_category_is_used_and_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    used = {r.category for r in RULESET.rules}
    assert used | BUILT_IN_CATEGORIES == set(CATEGORIES)
    for category in CATEGORIES:
        assert f"`{category}`" in readme, f"{category} is not documented in README.md"


def test_the_glossary_and_vendor_lists_are_big_enough():
    glossary = RULESET.rule("jargon-glossary").glossary
    assert len(glossary) >= 300
    assert len(RULESET.lists["vendors"]) >= 150


def test_plain_replacements_are_not_jargon_themselves(policy: Policy):
    glossary = RULESET.rule("jargon-glossary").glossary
    for term, entry in glossary.items():
        for plain in filter(None, split_entry(entry)):  # the plain words and the word before a noun
            found = [f for f in policy.check_text(plain, "public").findings if f.category == "jargon"]
            assert not found, f"{term!r} -> {plain!r} still holds jargon {[f.text for f in found]}"


def pack(tmp_path: Path, text: str, name: str = "ours.yaml") -> Path:
    directory = tmp_path / "packs"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text)
    return directory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - id: ours-x\n    category: jargonn\n",
            "rule 'ours-x': category: unknown category 'jargonn'; did you mean 'jargon'?",
        ),
        ("rules:\n  - id: ours-x\n    category: jargon\n    severity: fatal\n", "rule 'ours-x': severity:"),
        (
            "rules:\n  - id: ours-x\n    category: jargon\n    severity: error\n    action: flag\n"
            "    message: A message long enough.\n    patterns: ['(unclosed']\n"
            "    examples: {bad: [a], good: [b]}\n",
            "is not a valid regular expression",
        ),
        (
            "rules:\n  - id: ours-x\n    category: jargon\n    severity: error\n    action: flag\n"
            "    message: A message long enough.\n    phrases: [foo]\n",
            "rule 'ours-x': examples: Field required",
        ),
        ("rules:\n  - id: ours-x\n    categroy: jargon\n", "is not a rule field; did you mean 'category'?"),
        ("rules: [\n", "malformed YAML"),
        (
            "rules:\n  - id: ours-x\n    category: responsibility.missing\n    severity: error\n    action: require\n"
            "    message: A message long enough.\n    patterns: [ours]\n"
            "    addressed_by: [responsibility-deflections]\n"
            "    examples: {bad: [a], good: [ours]}\n",
            "addressed_by: no rule 'responsibility-deflections'; did you mean 'responsibility-deflection'?",
        ),
        (
            "overrides:\n  canned-script-line: {enabled: false}\n",
            "overrides a rule that does not exist: 'canned-script-line'; did you mean 'canned-script-lines'?",
        ),
    ],
)
def test_malformed_packs_name_file_rule_and_field(tmp_path: Path, text: str, expected: str):
    directory = pack(tmp_path, text)
    result = run("rules", "--policy", str(directory))
    assert result.exit_code == 2
    assert str(directory / "ours.yaml") in result.output
    assert expected in result.output


def test_a_user_pack_adds_vendors_and_jargon_without_code(tmp_path: Path):
    directory = pack(
        tmp_path,
        """
lists:
  vendors: [Initrode Cloud]
rules:
  - id: ours-product-jargon
    category: jargon
    severity: warning
    action: replace
    audiences: [public, customers]
    message: Our internal code names mean nothing to customers.
    glossary: {Hydra cluster: reporting system}
    examples:
      bad: [The Hydra cluster stalled.]
      good: [Reports stalled.]
""",
    )
    policy = Policy.load([directory])
    result = policy.check_text(
        "The Hydra cluster stalled, because Initrode Cloud had an outage. We are sorry.", "customers"
    )
    assert result.fields["text"] == "The reporting system stalled. We are sorry."
    assert {f.rule for f in result.findings} >= {"ours-product-jargon", "vendors-blame"}


def test_a_user_pack_switches_rules_off_and_relevels_them(tmp_path: Path):
    directory = pack(
        tmp_path,
        """
overrides:
  downplay-minimising: {enabled: false}
  canned-script-lines: {severity: error}
""",
    )
    policy = Policy.load([directory])
    found = policy.check_text("Only a handful of users saw errors. We value your business.", "public").findings
    assert not [f for f in found if f.rule == "downplay-minimising"]
    assert [f.severity for f in found if f.rule == "canned-script-lines"] == ["error"]


def test_rules_lists_every_rule_and_explains_one():
    listing = run("rules")
    assert listing.exit_code == 0
    for rule in RULESET.rules:
        assert rule.id in listing.output
    explained = run("rules", "apology-non-apology")
    assert explained.exit_code == 0
    assert "category:  apology.non-apology" in explained.output
    assert "- We apologize for any inconvenience this may have caused." in explained.output
    missing = run("rules", "apology-non-apolgy")
    assert missing.exit_code == 2
    assert "did you mean 'apology-non-apology'?" in missing.output

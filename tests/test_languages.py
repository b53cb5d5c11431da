"""Languages: a translation is checked by its own rule packs, rendered with its own templates, and
each subscriber gets their language; a language without packs is reported, never sent unchecked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notify.policy.judge import Policy
from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, run
from .smtp_server import SmtpServer

GERMAN = {
    "title": "Anmeldung für Kunden in der EU gestört",
    "impact": "Kunden in Europa konnten sich nicht im Dashboard anmelden.",
    "apology": "Es tut uns leid, dass Sie sich heute Morgen nicht anmelden konnten.",
    "responsibility": "Das war unser Fehler.",
    "remedy": "Wir schreiben jedem betroffenen Konto einen Tag Nutzung gut.",
}


def translated(**german: str):
    incident = load_incident(str(EXAMPLES / "identified.yaml"))
    return incident.model_validate({**incident.model_dump(), "translations": {"de": {**GERMAN, **german}}})


def test_the_german_pack_checks_german_text():
    policy = Policy.load(language="de")
    result = policy.check_text(
        "Wir entschuldigen uns für etwaige Unannehmlichkeiten, wegen einer Störung bei unserem Anbieter AWS.", "public"
    )
    assert {f.rule for f in result.findings} >= {"apology-non-apology", "vendors-blame"}
    assert "AWS" not in result.fields["text"]


def test_a_translation_is_checked_and_rendered_in_its_language(tmp_path: Path):
    with open_store(str(tmp_path / "n.db")) as store:
        draft = Review(store).create(translated(), "dana")
    assert draft.verdict == "pass"
    assert draft.messages["email.de"]["subject"] == "[Ursache gefunden] Anmeldung für Kunden in der EU gestört"
    status = draft.messages["status.de"]["markdown"]
    assert "Es tut uns leid, dass Sie sich heute Morgen nicht anmelden konnten." in status
    assert "Unsere nächste Aktualisierung folgt spätestens um 10:30 UTC" in draft.messages["email_public.de"]["text"]
    assert draft.report["public.de"]["verdict"] == "pass"
    assert "internal.de" not in draft.messages  # staff read the note in the record's own language


def test_a_german_non_apology_blocks_the_whole_draft(tmp_path: Path):
    with open_store(str(tmp_path / "n.db")) as store:
        draft = Review(store).create(
            translated(apology="Wir entschuldigen uns für etwaige Unannehmlichkeiten."), "dana"
        )
    assert draft.verdict == "blocked"
    assert "apology-non-apology" in {f["rule"] for f in draft.report["public.de"]["findings"]}


def test_a_language_without_packs_is_reported_not_sent_unchecked(tmp_path: Path):
    incident = load_incident(str(EXAMPLES / "identified.yaml"))
    french = incident.model_validate(
        {
            **incident.model_dump(),
            "translations": {"fr": {"title": "Connexion impossible", "apology": "Nous sommes désolés."}},
        }
    )
    with open_store(str(tmp_path / "n.db")) as store:
        draft = Review(store).create(french, "dana")
    assert draft.verdict == "blocked"
    finding = draft.report["language.fr"]["findings"][0]
    assert finding["category"] == "language.unchecked" and "no rule packs for 'fr'" in finding["message"]


def test_each_subscriber_gets_their_language(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(translated(), "dana")
        review.approve(draft.id, "sam")
    subscribers = tmp_path / "s.csv"
    subscribers.write_text("email,components,language\nana@example.net,,en\nbernd@example.de,,de\n")
    result = run(
        "send",
        draft.id,
        "--db",
        db,
        "--smtp",
        smtp_server.url,
        "--subscribers",
        str(subscribers),
        "--from",
        "Status <status@example.com>",
        "--format",
        "json",
    )
    assert json.loads(result.output)["sent"] == 2
    subjects = {str(m["To"]): m["Subject"] for m in smtp_server.handler.received}
    assert subjects == {
        "ana@example.net": "[Identified] Sign-in failures for EU customers",
        "bernd@example.de": "[Ursache gefunden] Anmeldung für Kunden in der EU gestört",
    }


@pytest.mark.parametrize("language", ["de"])
def test_every_language_pack_proves_its_rules_on_their_examples(language: str):
    from notify.policy.rules import merge_packs, pack_dirs
    from notify.record.incident import Incident

    ruleset = merge_packs(pack_dirs(language=language))
    policy = Policy(ruleset)
    base = {
        "id": "T-1",
        "title": "Test",
        "status": "identified",
        "severity": "major",
        "started_at": "2026-11-22T09:12:00Z",
    }
    for rule in ruleset.rules:
        for kind, examples in (("bad", rule.examples.bad), ("good", rule.examples.good)):
            for example in examples:
                if isinstance(example, dict):
                    found = policy.check_incident(Incident.model_validate({**base, **example}), rule.audiences[0])
                else:
                    found = policy.check_text(example, rule.audiences[0])
                hits = [f for f in found.findings if f.rule == rule.id]
                assert bool(hits) == (kind == "bad"), (language, rule.id, kind, example)


def test_the_teams_own_name_is_not_blame_in_a_translation_either(tmp_path: Path):
    from notify.policy.org import Org
    from notify.review.service import Translations

    own = "Die Anmeldung war gestört, wegen einer Störung bei Cloudflare."  # Cloudflare writing about itself
    incident = translated(impact=own)
    with open_store(str(tmp_path / "n.db")) as store:
        stranger = Review(store).create(incident, "dana")
        ours = Review(store, translations=Translations(org=Org("Cloudflare"))).create(incident, "dana")
    assert "Cloudflare" not in stranger.messages["status.de"]["markdown"]  # a vendor's name: dropped as blame
    assert own in ours.messages["status.de"]["markdown"]  # the team's own name: kept

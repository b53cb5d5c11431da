"""The channels of one draft must agree: a channel that omits a fact is flagged, one that contradicts it blocks."""

from __future__ import annotations

from pathlib import Path

from notify.policy.judge import Policy
from notify.record.sources import load_incident
from notify.render.messages import Renderer
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES


def test_a_social_post_that_omits_the_remedy_is_flagged(tmp_path: Path):
    with open_store(str(tmp_path / "n.db")) as store:
        draft = Review(store).create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
    flagged = [(f["field"], f["rule"], f["severity"]) for f in draft.report["consistency"]["findings"]]
    assert ("social", "consistency-remedy", "warning") in flagged
    assert "service credit" not in draft.messages["social"]["text"]  # it really is missing there
    assert not [f for f in flagged if f[0] in ("email", "status")]  # the long channels carry everything
    assert draft.verdict == "pass"  # an omission to fit 280 characters warns; it does not block


def test_a_channel_that_contradicts_the_next_update_blocks(tmp_path: Path):
    templates = tmp_path / "templates" / "sms"
    templates.mkdir(parents=True)
    (templates / "default.txt.j2").write_text(
        "{{ incident.status_label }}: {{ incident.title }}. {{ incident.apology }} {{ incident.remedy }} "
        "Next update at 23:59 UTC."
    )
    with open_store(str(tmp_path / "n.db")) as store:
        review = Review(store, policy=Policy.load(), renderer=Renderer([tmp_path / "templates"]))
        draft = review.create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
    errors = [f for f in draft.report["consistency"]["findings"] if f["severity"] == "error"]
    assert [(f["field"], f["rule"]) for f in errors] == [("sms", "consistency-next-update")]
    assert "promises the next update at 23:59, but the record says 10:30 UTC" in errors[0]["message"]
    assert draft.verdict == "blocked"

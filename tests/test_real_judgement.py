"""The records and sentences issue 12 quotes from real use: judged for their job, blame in its real
forms, and the organisation's own names left alone."""

from __future__ import annotations

import pytest

from notify.policy.judge import Policy
from notify.policy.org import Org
from notify.record.incident import Incident
from notify.render.messages import Renderer

from .conftest import run

RECORD = {
    "id": "INC-7",
    "title": "Checkout errors",
    "status": "resolved",
    "severity": "major",
    "started_at": "2026-11-22T09:12:00Z",
    "resolved_at": "2026-11-22T10:02:00Z",
    "components": ["Checkout"],
    "impact": "Customers could not pay for orders between 09:12 and 10:02 UTC.",
    "apology": "We are sorry that you could not pay for your orders this morning.",
    "responsibility": "This was our mistake.",
    "remedy": "We will refund every failed payment fee.",
    "contact": {"name": "Dana Reyes", "email": "dana@example.com"},
}


def record(**fields: object) -> Incident:
    return Incident.model_validate({**RECORD, **fields})


def categories(policy: Policy, incident: Incident, audience: str = "public") -> set[str]:
    return {f.category for f in policy.check_incident(incident, audience).findings}


@pytest.mark.parametrize(
    "responsibility",
    [
        "We let you down today, and we are not going to hide behind anyone else.",
        "This was not up to the standard you should expect from us.",
        "An operation our team ran on the ordering system caused this.",
        "The change that caused this was ours, and we should have caught it before it reached you.",
        "Keeping checkout running is our job, and we did not do it today.",
    ],
)
def test_responsibility_in_any_first_person_wording_owns_the_failure(policy: Policy, responsibility: str):
    result = policy.check_incident(record(responsibility=responsibility), "public")
    assert not [f for f in result.findings if f.category.startswith("responsibility")]
    assert result.verdict == "pass"


@pytest.mark.parametrize(
    ("responsibility", "category"),
    [
        ("The system failed.", "responsibility.missing"),  # nobody owns it
        ("It was beyond our control.", "responsibility.deflection"),
        ("TODO", "placeholder"),
    ],
)
def test_responsibility_that_does_not_do_its_job_is_blocked_for_that_reason(
    policy: Policy, responsibility: str, category: str
):
    assert category in categories(policy, record(responsibility=responsibility))


@pytest.mark.parametrize(
    "remedy",
    [
        "We are reversing every reconnect fee and correcting every doubled bill automatically.",
        "We will cover any late-payment fees your employees were charged.",
        "Everyone affected gets their money back, and we have emailed each of you a voucher.",
    ],
)
def test_a_concrete_remedy_in_any_words_passes(policy: Policy, remedy: str):
    assert "remedy.missing" not in categories(policy, record(remedy=remedy))


@pytest.mark.parametrize(
    "remedy",
    [
        "Eligible customers may request an SLA credit in accordance with the terms of your contract.",
        "We are investigating and will keep you updated.",
    ],
)
def test_a_token_or_status_talk_is_not_a_remedy(policy: Policy, remedy: str):
    assert "remedy.missing" in categories(policy, record(remedy=remedy))


def test_the_scaffolds_placeholder_action_blocks(policy: Policy):
    result = policy.check_incident(record(actions=["What we are doing right now, in plain words."]), "public")
    assert [(f.category, f.field, f.severity) for f in result.findings if f.category == "placeholder"] == [
        ("placeholder", "actions.0", "error")
    ]
    assert result.verdict == "blocked"


def test_an_impact_emptied_by_a_privacy_rule_says_why_it_is_missing(policy: Policy):
    result = policy.check_incident(
        record(impact="Acme Corp could not export reports.", affected_customers=["Acme Corp"]), "public"
    )
    [missing] = [f for f in result.findings if f.category == "impact.missing"]
    assert "removed for this audience (privacy-customer-names)" in missing.message
    assert any(f.category == "privacy" for f in result.findings)


@pytest.mark.parametrize(
    "text",
    [
        "Checkout was down during server maintenance by our cloud provider.",
        "Some calls failed because of an outage at one of our service providers.",
        "The errors came from a 3rd party service component we utilize.",
        "Payments failed because stripe was down.",
        "Emails were delayed due to a problem on our email service provider's end.",
    ],
)
def test_vendor_blame_in_its_real_forms_is_found(policy: Policy, text: str):
    assert any(f.category == "blame.third-party" for f in policy.check_text(text, "public").findings), text


@pytest.mark.parametrize(
    ("org", "text"),
    [
        ("Slack", "Slack is experiencing an issue with message delivery; Slack engineers are on it."),
        ("GitHub", "GitHub Actions is degraded due to an issue with GitHub's job queue."),
        ("Azure", "Azure Storage requests failed in West Europe because of an Azure networking change."),
        ("Google Cloud", "Google Cloud Storage returned errors after a Google Cloud configuration change."),
        ("DigitalOcean", "Droplet creation failed due to an issue with DigitalOcean's control panel."),
        ("Heroku", "Heroku apps failed to deploy because of a Heroku platform incident."),
    ],
)
def test_an_organisation_is_never_a_vendor_in_its_own_updates(policy: Policy, org: str, text: str):
    assert not [
        f for f in policy.check_text(text, "public", org=Org(org)).findings if f.category == "blame.third-party"
    ]
    assert [f for f in policy.check_text(text, "public").findings if f.category == "blame.third-party"]


def test_an_organisations_own_name_stays_in_its_title(policy: Policy):
    incident = record(title="Twilio messaging errors")
    renderer = Renderer()
    with_org = Policy.load(org=Org("Twilio"))
    result = with_org.check_incident(incident, "public")
    assert result.fields["title"] == "Twilio messaging errors"
    status = renderer.render(incident, {"public": result, "customers": result, "internal": result}, ["status"])[
        "status"
    ]
    assert "Twilio messaging errors" in status.parts["markdown"]
    assert Policy.load().check_incident(incident, "public").fields["title"] != "Twilio messaging errors"


def test_without_org_check_says_the_vendor_may_be_the_author(tmp_path):
    text = "GitHub Actions is degraded. GitHub is investigating an issue with GitHub Pages."
    result = run("check", "-", input=text)
    assert "note: <stdin>: 'GitHub' may be your own organisation, not a supplier" in result.output
    assert '[org] name = "GitHub"' in result.output
    config = tmp_path / "notify.toml"
    config.write_text('[org]\nname = "GitHub"\n')
    with_org = run("--config", str(config), "check", "-", input=text)
    assert "[vendors-" not in with_org.output and "note:" not in with_org.output


def test_an_organisation_allows_terms_its_customers_know(policy: Policy):
    text = "The API returned errors for some requests."
    assert "API" in [f.text for f in policy.check_text(text, "public").findings if f.category == "jargon"]
    allowed = policy.check_text(text, "public", org=Org("Acme", allow=("API",)))
    assert "API" not in [f.text for f in allowed.findings if f.category == "jargon"]

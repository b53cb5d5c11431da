"""For any text: fixing leaves nothing the same rules would still remove, and fixing twice changes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notify.policy.judge import Policy

POLICY = Policy.load()
PHRASES = [
    "due to an outage at Cloudflare",
    "because our upstream provider AWS failed",
    "a CDN cache purge",
    "an OOM kill loop",
    "We value you as a customer.",
    "This will never happen again.",
    "db-eu-3",
    "Customers including Acme Corp and Globex were affected.",
    "elevated 502 errors",
    "split-brain",
    "We apologize for any inconvenience.",
    "We are sorry that you could not sign in.",
    "e.g.",
    "v2.3.1",
    "https://status.example.com/a.b",
    "10:40 UTC",
    "3.5 hours",
    "Rest assured",
    "only a few users",
    "the Slack integration",
    "an NIC failure on a core switch",
    "and",
    ",",
    ";",
    ".",
    "We",
    "pages failed",
]
texts = st.lists(st.one_of(st.sampled_from(PHRASES), st.text(min_size=0, max_size=12)), max_size=14).map(" ".join)
audiences = st.sampled_from(["public", "customers", "internal"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, audience=audiences)
def test_fix_is_stable_and_complete(text: str, audience: str):
    once = POLICY.check_text(text, audience).fields["text"]
    again = POLICY.check_text(once, audience)
    assert again.fields["text"] == once
    assert not again.rewrites


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(impact=texts, responsibility=texts, audience=audiences)
def test_fix_never_adds_a_grammar_problem(impact: str, responsibility: str, audience: str):
    """Every rewrite that is kept passes the grammar check its original passed (Harper, offline)."""
    from notify.policy import grammar
    from notify.record.incident import Incident

    assert grammar.available(), "harper-py is a dependency: pip install -e ."
    incident = Incident.model_validate(
        {
            "id": "T-1",
            "title": "Sign-in failures",
            "status": "identified",
            "severity": "major",
            "started_at": "2026-11-22T09:12:00Z",
            "impact": impact,
            "responsibility": responsibility,
        }
    )
    for result in (POLICY.check_incident(incident, audience), POLICY.check_text(impact, audience)):
        for rewrite in result.rewrites:
            assert grammar.added(rewrite.before, rewrite.after) == [], rewrite

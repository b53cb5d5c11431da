"""The component catalog in notify.toml: webhook drafts name the page's components, never a tool's
service id, and a service that maps to nothing is said to the reviewer."""

from __future__ import annotations

from pathlib import Path

import pytest

from notify.errors import InputError
from notify.review.service import blocking_rules
from notify.settings.project import load_config

from .service import Service, basic, bearer, pagerduty_headers
from .test_webhooks import drafts_of, sample

CATALOG = """
[[components]]
name = "Checkout"
description = "Paying for orders on the website and in the app"
group = "Shop"
statuspage_id = "8kbf7d35c070"
[components.known_as]
pagerduty = ["pig208"]
alertmanager = [{service = "checkout-api", severity = "critical"}]

[[components]]
name = "Servers for your sites"
[components.known_as]
opsgenie = ["server"]
"""


@pytest.fixture
def service(tmp_path: Path):
    db = str(tmp_path / "service.db")
    with Service(tmp_path, db, extra=CATALOG) as running:
        running.db = db  # type: ignore[attr-defined]
        yield running


def unmapped(draft) -> list[str]:
    return [f["message"] for r in draft.report.values() for f in r["findings"] if f["rule"] == "component-unmapped"]


def test_a_pagerduty_service_becomes_the_page_component(service: Service):
    body = sample("pagerduty/zulip_fixture_triggered_v3.json")
    status, answer = service.post("/hooks/pagerduty", body, pagerduty_headers(body, delivery="mapped"))
    assert status == 201, answer
    draft = drafts_of(service, "PD-PFQZPSY")[0]
    assert draft.record["components"] == ["Checkout"]
    assert draft.record["title"] == "Problem with Checkout"
    assert "pig208" not in draft.messages["status"]["markdown"]
    assert unmapped(draft) == []


def test_an_alertmanager_label_set_matches_only_in_full(service: Service):
    status, answer = service.post(
        "/hooks/alertmanager", sample("alertmanager/am0.25.0_group_firing.generated.json"), basic("alertmanager")
    )
    assert status == 201
    draft = drafts_of(service, answer["draft"].rsplit("-r", 1)[0])[0]
    assert draft.record["components"] == ["Checkout"]  # service and severity both match
    status, answer = service.post(
        "/hooks/alertmanager", sample("alertmanager/am0.25.0_group2_firing.generated.json"), bearer("alertmanager")
    )
    assert status == 201
    other = drafts_of(service, answer["draft"].rsplit("-r", 1)[0])[0]
    assert other.record["components"] == []  # another label set: not Checkout
    [note] = unmapped(other)
    assert "is not in the component catalog" in note and "known_as.alertmanager" in note


def test_an_opsgenie_entity_maps_case_blind_and_an_unmapped_service_is_said(service: Service):
    status, answer = service.post("/hooks/opsgenie", sample("opsgenie/zulip_fixture_create.json"), bearer("opsgenie"))
    assert status == 201
    draft = drafts_of(service, answer["draft"].rsplit("-r", 1)[0])[0]
    assert draft.record["components"] == ["Servers for your sites"]  # the alert's entity is "Server"
    body = sample("pagerduty/v3_incident.priority_updated.docs.json")  # the "API Service", not in the catalog
    status, answer = service.post("/hooks/pagerduty", body, pagerduty_headers(body, delivery="unmapped"))
    draft = drafts_of(service, answer["draft"].rsplit("-r", 1)[0])[0]
    assert draft.record["components"] == [] and draft.record["title"] == "Service disruption"
    [note] = unmapped(draft)
    assert "PagerDuty service" in note and "pick them here" in note
    assert "'API Service'" in note
    assert "component-unmapped" not in blocking_rules(draft.report)  # a warning: the reviewer decides


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[[components]]\nname = "A"\n[[components]]\nname = "a"\n', "component 'a' is named twice"),
        ('[[components]]\nname = "A"\n[components.known_as]\nnagios = ["x"]\n', "unknown tool 'nagios'"),
        ('[[components]]\nname = "A"\n[components.known_as]\npagerduty = [{service = "x"}]\n', "by a string"),
        ('[[components]]\nname = "A"\nstatuspage_id = "not an id!"\n', "components[0].statuspage_id"),
        ('[[components]]\ndescription = "no name"\n', "components[0].name"),
        ('components = "Checkout"\n', "[[components]] with a name"),
    ],
)
def test_a_bad_catalog_is_refused_with_the_place(tmp_path: Path, toml: str, expected: str):
    path = tmp_path / "notify.toml"
    path.write_text(toml)
    with pytest.raises(InputError) as caught:
        load_config(str(path))
    assert expected in str(caught.value)


def test_the_catalog_keeps_descriptions_groups_and_order(tmp_path: Path):
    path = tmp_path / "notify.toml"
    path.write_text(CATALOG)
    catalog = load_config(str(path)).catalog
    assert catalog.names == ["Checkout", "Servers for your sites"]
    checkout = catalog.get("Checkout")
    assert checkout is not None and checkout.group == "Shop" and checkout.statuspage_id == "8kbf7d35c070"

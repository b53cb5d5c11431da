"""Statuspage's public v2 API, served: read by a real consumer from PyPI (statuspage-prometheus-exporter
2.6.0, run as its own process) and checked field by field against Statuspage's documented shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from notify.render.statuspage_v2 import DOCUMENTS

from .service import Service
from .test_feeds import APPROVED_AT, fetch, publish

CATALOG = """
[[components]]
name = "Sign-in"
description = "Signing in on the website and in the app"
group = "Dashboard and sign-in"
[[components]]
name = "Dashboard"
group = "Dashboard and sign-in"
[[components]]
name = "Public API"
description = "The REST API your integrations call"
[[components]]
name = "Billing"
"""
COMPONENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
    "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
INCIDENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
UPDATE_KEYS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at", "affected_components",
    "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
COMPONENT_STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}


@pytest.fixture
def page(tmp_path: Path):
    db = str(tmp_path / "service.db")
    for example in ("resolved.yaml", "identified.yaml", "maintenance.yaml"):
        publish(db, example)
    with Service(tmp_path, db, extra=CATALOG) as service:
        yield service


def get(service: Service, path: str) -> dict:
    status, body, headers = fetch(service.url + path)
    assert status == 200 and headers["Content-Type"] == "application/json", path
    return json.loads(body)


def test_the_prometheus_exporter_reads_the_page(page: Service, tmp_path: Path):
    work = tmp_path / "exporter"
    work.mkdir()
    (work / "services.json").write_text(
        json.dumps({"acme": {"url": page.url + "/api/v2/summary.json", "name": "Acme"}})
    )
    out = work / "statuspage.prom"
    env = {**os.environ, "RUN_MODE": "once", "METRICS_TEXTFILE_PATH": str(out)}
    run = subprocess.run(
        [sys.executable, "-m", "statuspage_prometheus_exporter.status_monitoring"],
        cwd=work, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    samples = [s for family in text_string_to_metric_families(out.read_text()) for s in family.samples]

    def values(name: str) -> list:
        return [s for s in samples if s.name == name]

    [probe] = values("statuspage_probe_check")
    assert probe.value == 1  # it fetched and understood the summary
    [status] = values("statuspage_service_status")
    assert status.value == 0  # an open incident: not healthy
    components = {s.labels["component_name"]: s.value for s in values("statuspage_component_status")}
    assert components["Sign-in"] == 0 and components["Dashboard"] == 0  # the open incident names them
    assert components["Billing"] == 1 and components["Public API"] == 1
    incidents = [s for s in values("statuspage_incident_info") if s.value == 1]
    assert [i.labels["incident_name"] for i in incidents] == ["Sign-in failures for EU customers"]
    assert incidents[0].labels["impact"] == "major"
    assert "Sign-in" in incidents[0].labels["affected_components"]
    maintenance = [s for s in values("statuspage_maintenance_info") if s.value == 1]
    assert len(maintenance) == 1 and maintenance[0].labels["scheduled_start"].startswith("2026-12-05T02:00")


def test_every_document_has_statuspage_fields_and_value_sets(page: Service):
    summary = get(page, "/api/v2/summary.json")
    assert set(summary) == {"page", "status", "components", "incidents", "scheduled_maintenances"}
    assert set(summary["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert summary["page"]["name"] == "Example Status"
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    for component in summary["components"]:
        assert set(component) >= COMPONENT_KEYS and component["status"] in COMPONENT_STATUSES
    by_name = {c["name"]: c for c in summary["components"]}
    assert by_name["Sign-in"]["status"] == "partial_outage"  # a major incident
    assert by_name["Sign-in"]["uptime_90d"] < 100 and by_name["Billing"]["uptime_90d"] == 100.0
    assert by_name["Sign-in"]["description"] == "Signing in on the website and in the app"
    group = by_name["Dashboard and sign-in"]
    assert group["group"] is True and set(group["components"]) == {by_name["Sign-in"]["id"], by_name["Dashboard"]["id"]}
    assert by_name["Sign-in"]["group_id"] == group["id"] and by_name["Billing"]["group_id"] is None
    assert [c["name"] for c in summary["components"]][:4] == ["Sign-in", "Dashboard", "Public API", "Billing"]
    [open_incident] = summary["incidents"]
    assert set(open_incident) >= INCIDENT_KEYS and open_incident["impact"] in {"none", "minor", "major", "critical"}
    assert [c["name"] for c in open_incident["components"]] == ["Sign-in", "Dashboard"]  # objects, not strings
    for update in open_incident["incident_updates"]:
        assert set(update) >= UPDATE_KEYS
        for affected in update["affected_components"]:
            assert affected["new_status"] in COMPONENT_STATUSES
    [upcoming] = summary["scheduled_maintenances"]
    assert upcoming["status"] == "scheduled" and upcoming["impact"] == "maintenance"
    assert upcoming["scheduled_for"].startswith("2026-12-05T02:00") and upcoming["scheduled_until"]

    assert get(page, "/api/v2/status.json") == {"page": summary["page"], "status": summary["status"]}
    assert get(page, "/api/v2/components.json")["components"] == summary["components"]
    everything = get(page, "/api/v2/incidents.json")["incidents"]
    assert {i["status"] for i in everything} == {"identified", "resolved"}
    resolved = next(i for i in everything if i["status"] == "resolved")
    assert resolved["resolved_at"] and resolved["shortlink"].endswith(f"/incidents/{resolved['id']}.html")
    assert get(page, "/api/v2/incidents/unresolved.json")["incidents"] == summary["incidents"]
    assert get(page, "/api/v2/scheduled-maintenances/upcoming.json")["scheduled_maintenances"] == [upcoming]
    assert get(page, "/api/v2/scheduled-maintenances/active.json")["scheduled_maintenances"] == []
    assert len(get(page, "/api/v2/scheduled-maintenances.json")["scheduled_maintenances"]) == 1


def test_an_empty_page_is_all_systems_operational(tmp_path: Path):
    with Service(tmp_path, str(tmp_path / "empty.db"), extra=CATALOG) as service:
        summary = get(service, "/api/v2/summary.json")
    assert summary["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert {c["status"] for c in summary["components"]} == {"operational"}
    assert summary["incidents"] == summary["scheduled_maintenances"] == []


def test_the_static_site_writes_the_same_documents(tmp_path: Path):
    from notify.record.draft import PUBLISHED
    from notify.render.site import build_site
    from notify.review.service import Review
    from notify.store.database import open_store

    db = str(tmp_path / "site.db")
    publish(db, "identified.yaml")
    with open_store(db) as store:
        published = Review(store).listing(state=PUBLISHED)
    build_site(published, tmp_path / "public", now=APPROVED_AT, base_url="https://status.example.com")
    written = {p.relative_to(tmp_path / "public").as_posix() for p in (tmp_path / "public").rglob("*.json")}
    assert written == {"notify.json", *(f"api/v2/{name}" for name in DOCUMENTS)}
    summary = json.loads((tmp_path / "public" / "api/v2/summary.json").read_text())
    assert summary["incidents"][0]["shortlink"] == "https://status.example.com/incidents/INC-1042.html"


def test_the_page_shows_the_catalog_groups_and_descriptions(page: Service):
    status, body, _ = fetch(page.url + "/")
    html = body.decode()
    assert status == 200
    assert "<h3>Dashboard and sign-in</h3>" in html and "<h4>Sign-in</h4>" in html
    assert '<p class="description">Signing in on the website and in the app</p>' in html
    assert "<h3>Billing</h3>" in html  # in no group: a component heading of its own
    assert "100.00 % uptime" in html and "a major outage counts in full" in html  # the figure and its method
    names = [html.index(f">{n}<") for n in ("Sign-in", "Dashboard", "Public API", "Billing")]
    assert names == sorted(names)  # the catalog's order

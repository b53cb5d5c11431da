"""Every sample payload in tests/data/webhooks (sources.txt says where each came from), posted over real
HTTP with its real signature scheme."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from notify.record.webhooks import signatures
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import DATA, EXAMPLES
from .service import SECRETS, Service, basic, bearer, grafana_headers, pagerduty_headers, standard_headers

SAMPLES = DATA / "webhooks"


@pytest.fixture
def service(tmp_path: Path):
    db = str(tmp_path / "service.db")
    with Service(tmp_path, db) as running:
        running.db = db  # type: ignore[attr-defined]
        yield running


def sample(path: str) -> bytes:
    return (SAMPLES / path).read_bytes()


def drafts_of(service: Service, incident_id: str):
    with open_store(service.db) as store:  # type: ignore[attr-defined]
        return Review(store).listing(incident_id=incident_id)


# --- the published signature vectors ------------------------------------------------------------


def test_pagerduty_vector():
    vector = json.loads(sample("pagerduty/sigvector_go-pagerduty.json"))
    body = sample("pagerduty/" + vector["body_file"])
    assert signatures.pagerduty(vector["secret"], body, vector["valid_header"])
    assert not signatures.pagerduty(vector["secret"], body, vector["mismatch_header_must_fail"])
    rotating = f"{vector['mismatch_header_must_fail']}, {vector['valid_header']}"
    assert signatures.pagerduty(vector["secret"], body, rotating)  # several signatures during rotation


def test_standard_webhooks_vectors():
    vectors = json.loads(sample("standard-webhooks/test_vectors.json"))
    for v in vectors["vectors"]:
        args = (v["payload"].encode(), v["msg_id"], str(v["timestamp"]))
        assert signatures.standard_webhooks(v["secret"], *args, v["expected_signature"], now=v["timestamp"])
        assert not signatures.standard_webhooks(
            v["secret"], *args, v["expected_signature"], now=v["timestamp"] + 301
        )  # a stale timestamp
    negative = vectors["negative_cases_from_same_tests"]
    first = vectors["vectors"][0]
    args = (first["payload"].encode(), first["msg_id"], str(first["timestamp"]))
    wrong = negative["wrong_signature_must_fail (python test_invalid_signature_raises_error; one char changed)"]
    assert not signatures.standard_webhooks(first["secret"], *args, wrong, now=first["timestamp"])
    decoys = " ".join(negative["decoy_signatures_in_multi_sig_header (python test_multi_sig_payload_is_valid)"])
    assert signatures.standard_webhooks(
        first["secret"], *args, f"{decoys} {first['expected_signature']}", now=first["timestamp"]
    )


def test_grafana_vectors():
    for case in json.loads(sample("grafana/hmac_vector.DERIVED.json"))["cases"]:
        stamp = case["timestamp_header_value"]
        at = float(stamp) if stamp is not None else None  # the vector's own moment: its timestamp is fresh then
        assert signatures.grafana(case["secret"], case["body"].encode(), case["expected_signature_hex"], stamp, now=at)
        assert not signatures.grafana(
            case["secret"], case["body"].encode() + b" ", case["expected_signature_hex"], stamp, now=at
        )


# --- every sample through the service ------------------------------------------------------------

PAGERDUTY = {
    "zulip_fixture_triggered_v3.json": (201, "PD-PFQZPSY", "investigating"),
    "zulip_fixture_acknowledged_v3.json": (201, "PD-PQ1K5C8", "identified"),
    "zulip_fixture_resolved_v3.json": (201, "PD-PCPZE64", "resolved"),
    "v3_incident.priority_updated.docs.json": (201, "PD-PGR0VU2", "investigating"),
    "zulip_fixture_status_update_published_v3.json": (202, None, None),
    "v3_service.updated.docs.json": (202, None, None),
}


@pytest.mark.parametrize(("name", "expected"), PAGERDUTY.items())
def test_pagerduty_samples(service: Service, name: str, expected: tuple[int, str | None, str | None]):
    body = sample(f"pagerduty/{name}")
    status, answer = service.post("/hooks/pagerduty", body, pagerduty_headers(body, delivery=name))
    code, incident_id, incident_status = expected
    assert status == code, answer
    if incident_id is None:
        assert "needs no customer update" in answer["ignored"]
        return
    assert answer["state"] == "pending" and answer["verdict"] == "blocked"
    draft = drafts_of(service, incident_id)[0]
    assert draft.record["status"] == incident_status
    assert draft.record["cause"] == json.loads(body)["event"]["data"]["title"]  # the alert title stays internal
    assert draft.record["impact"] == ""
    rules = {f["rule"] for r in draft.report.values() for f in r["findings"] if f["severity"] == "error"}
    assert {"apology-missing", "impact-missing"} <= rules
    assert json.loads(body)["event"]["data"]["title"] not in draft.messages["status"]["markdown"]


INCIDENTIO = sorted(p.name for p in (SAMPLES / "incidentio").glob("*.json")) if SAMPLES.exists() else []


@pytest.mark.parametrize("name", INCIDENTIO)
def test_incidentio_samples(service: Service, name: str):
    body = sample(f"incidentio/{name}")
    status, answer = service.post("/hooks/incidentio", body, standard_headers(body, f"msg_{name}", int(time.time())))
    kind = json.loads(body)["event_type"]
    if ("incident_" in kind and ("created" in kind or "updated" in kind)) or "alert_" in kind:
        assert status == 201, answer
        assert answer["verdict"] == "blocked"
    else:
        assert status == 202, answer


def test_incidentio_accepts_the_svix_header_names(service: Service):
    body = sample("incidentio/public_incident.incident_created_v2.openapi-example.json")
    status, _ = service.post(
        "/hooks/incidentio", body, standard_headers(body, "msg_svix", int(time.time()), prefix="svix")
    )
    assert status == 201


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("zulip_fixture_create.json", "investigating"),
        ("zulip_fixture_acknowledge.json", "identified"),
        ("zulip_fixture_close.json", "resolved"),
    ],
)
def test_opsgenie_samples(service: Service, name: str, action: str):
    body = sample(f"opsgenie/{name}")
    status, answer = service.post("/hooks/opsgenie", body, bearer("opsgenie"))
    assert status == 201, answer
    assert drafts_of(service, answer["draft"].rsplit("-r", 1)[0])[0].record["status"] == action


def test_alertmanager_groups_and_partial_resolution(service: Service):
    firing = sample("alertmanager/am0.25.0_group2_firing.generated.json")
    partial = sample("alertmanager/am0.25.0_group2_partially_resolved.generated.json")
    first = service.post("/hooks/alertmanager", firing, basic("alertmanager"))
    second = service.post("/hooks/alertmanager", partial, bearer("alertmanager"))
    assert first[0] == second[0] == 201
    incident_id = first[1]["draft"].rsplit("-r", 1)[0]
    assert second[1]["draft"] == f"{incident_id}-r2"  # the same group, a new revision
    assert drafts_of(service, incident_id)[0].record["status"] == "investigating"  # one alert still fires
    for name in ("am0.25.0_group_firing.generated.json", "am0.25.0_group_resolved.generated.json"):
        status, answer = service.post("/hooks/alertmanager", sample(f"alertmanager/{name}"), bearer("alertmanager"))
        assert status == 201
    assert drafts_of(service, answer["draft"].rsplit("-r", 1)[0])[0].record["status"] == "resolved"


@pytest.mark.parametrize("timestamp", [None, "now"])
def test_grafana_with_and_without_timestamp(service: Service, timestamp: str | None):
    body = sample("grafana/grafana_docs_webhook_payload_example.json")
    stamp = str(int(time.time())) if timestamp else None  # the moment Grafana sends it
    status, answer = service.post("/hooks/grafana", body, grafana_headers(body, stamp))
    assert status in (200, 201), answer  # the second posts the same group again


def test_grafana_falls_back_to_a_token(service: Service):
    body = sample("grafana/grafana_docs_webhook_payload_example.json")
    assert service.post("/hooks/grafana", body, bearer("grafana"))[0] == 201


def test_notify_own_record_with_a_token(service: Service):
    import yaml

    record = yaml.safe_load((EXAMPLES / "identified.yaml").read_text())
    body = json.dumps(record, default=str).encode()
    status, answer = service.post("/hooks/notify", body, bearer("notify"))
    assert status == 201 and answer == {"draft": "INC-1042-r1", "state": "pending", "verdict": "pass"}
    bad = json.dumps({**record, "status": "on-fire"}, default=str).encode()
    status, answer = service.post("/hooks/notify", bad, bearer("notify"))
    assert status == 422 and "'on-fire' is not one of" in answer["detail"]


# --- what must be refused -------------------------------------------------------------------------


def test_tampered_wrong_or_missing_signatures_are_401(service: Service):
    body = sample("pagerduty/zulip_fixture_triggered_v3.json")
    headers = pagerduty_headers(body)
    assert service.post("/hooks/pagerduty", body + b" ", headers)[0] == 401  # tampered body
    assert service.post("/hooks/pagerduty", body, pagerduty_headers(body, secret="wrong"))[0] == 401
    assert service.post("/hooks/pagerduty", body, {})[0] == 401
    assert service.post("/hooks/opsgenie", b"{}", {"Authorization": "Bearer nope"})[0] == 401
    assert service.post("/hooks/alertmanager", b"{}", {"Authorization": "Digest x"})[0] == 401
    assert drafts_of(service, "PD-PFQZPSY") == []


def test_a_stale_incidentio_timestamp_is_401(service: Service):
    body = sample("incidentio/public_incident.incident_created_v2.openapi-example.json")
    stale = standard_headers(body, "msg_stale", int(time.time()) - 301)
    assert service.post("/hooks/incidentio", body, stale)[0] == 401


def test_the_same_delivery_twice_makes_one_revision(service: Service):
    body = sample("pagerduty/zulip_fixture_triggered_v3.json")
    first = service.post("/hooks/pagerduty", body, pagerduty_headers(body, delivery="same"))
    again = service.post("/hooks/pagerduty", body, pagerduty_headers(body, delivery="same"))
    assert first[0] == 201 and again == (200, {"duplicate": True})
    assert [d.revision for d in drafts_of(service, "PD-PFQZPSY")] == [1]
    body2 = sample("incidentio/public_alert.alert_created_v1.openapi-example.json")
    replay = standard_headers(body2, "msg_replay", int(time.time()))
    assert service.post("/hooks/incidentio", body2, replay)[0] == 201
    assert service.post("/hooks/incidentio", body2, replay) == (200, {"duplicate": True})


def test_an_oversize_body_is_413_before_it_is_read(service: Service):
    import socket

    with socket.create_connection(("127.0.0.1", service.port)) as sock:
        sock.sendall(
            b"POST /hooks/pagerduty HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 52428800\r\n\r\n" + b"{" * 1024
        )  # claims 50 MB, sends 1 KB
        answer = sock.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413")
    huge = b'{"a": "' + b"x" * (1024 * 1024) + b'"}'
    status, answer = service.post("/hooks/pagerduty", huge, pagerduty_headers(huge))
    assert status == 413


@pytest.mark.parametrize(
    ("source", "body", "expected"),
    [
        ("opsgenie", b"{not json", "malformed JSON"),
        ("opsgenie", b"[1, 2]", "the payload must be a JSON object"),
        ("opsgenie", b'{"hello": "world"}', "missing 'action'"),
        ("alertmanager", b'{"alerts": []}', "'alerts' must be a non-empty list"),
    ],
)
def test_malformed_or_unknown_shapes_are_422_with_one_line(service: Service, source: str, body: bytes, expected: str):
    status, answer = service.post(f"/hooks/{source}", body, bearer(source))
    assert status == 422 and expected in answer["detail"] and "\n" not in answer["detail"]


def test_health_and_the_public_status_page(service: Service):
    import urllib.request

    with urllib.request.urlopen(service.url + "/health") as response:
        assert json.loads(response.read()) == {"status": "ok"}
    with urllib.request.urlopen(service.url + "/notify.json") as response:
        assert json.loads(response.read())["status"]["indicator"] == "operational"
    with urllib.request.urlopen(service.url + "/") as response:
        assert "All systems operational" in response.read().decode()


def test_each_request_is_logged_as_one_json_line_without_secrets(service: Service, caplog: pytest.LogCaptureFixture):
    body = sample("pagerduty/zulip_fixture_triggered_v3.json")
    headers = pagerduty_headers(body, delivery="logged")
    with caplog.at_level("INFO", logger="notify.access"):
        assert service.post("/hooks/pagerduty", body, headers)[0] == 201
        assert service.post("/hooks/pagerduty", b"{}", {"X-PagerDuty-Signature": "v1=00"})[0] == 401
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "notify.access"]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("POST", "/hooks/pagerduty", 201),
        ("POST", "/hooks/pagerduty", 401),
    ]
    assert all(line["ms"] >= 0 and line["client"] == "127.0.0.1" for line in lines)
    logged = caplog.text
    assert headers["X-PagerDuty-Signature"] not in logged and SECRETS["pagerduty"] not in logged
    assert "PFQZPSY" not in logged  # nothing from the body either

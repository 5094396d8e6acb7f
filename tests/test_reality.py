"""Prediction next to reality: NIC's own status and events (from `kubectl get -o yaml` or live mode) are compared."""

from __future__ import annotations

from inspector.model import ControllerSettings
from inspector.report import build_report, to_json
from inspector.sources.convert import build_cluster
from inspector.sources.files import load_text

POLICY = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: p, namespace: default}
spec:
  egressMTLS: {protocols: "TLSv1.2 TLSv1.3"}
status:
  state: {state}
  reason: {reason}
  message: "{message}"
"""

EVENT = """\
apiVersion: v1
kind: Event
metadata: {name: p.1, namespace: default}
involvedObject: {kind: Policy, namespace: default, name: p, apiVersion: k8s.nginx.org/v1}
type: {type}
reason: {reason}
message: "{message}"
"""


def _findings(text: str) -> list[dict[str, object]]:
    raws, problems = load_text(text, "live.yaml")
    report = build_report(build_cluster(raws, problems), ControllerSettings())
    return [f for f in to_json(report)["findings"] if f["id"] == "MTLS133"]


def _policy(state: str, reason: str, message: str) -> str:
    return (
        POLICY.replace("{state}", state).replace("{reason}", reason).replace("{message}", message)
    )


def test_matching_status_is_quiet() -> None:
    assert _findings(_policy("Valid", "AddedOrUpdated", "Policy default/p was added or updated")) == []


def test_status_that_contradicts_the_prediction_is_flagged() -> None:
    found = _findings(_policy("Invalid", "Rejected", "Policy default/p is invalid and was rejected: boom"))
    assert len(found) == 1
    f = found[0]
    assert f["resource"] == {"kind": "Policy", "namespace": "default", "name": "p"}
    assert "NIC's status says Invalid" in str(f["message"]) and "prediction is Valid" in str(f["message"])
    assert f["nic_message"] == "Policy default/p is invalid and was rejected: boom"
    assert str(f["source"]).startswith("live.yaml:")


def test_latest_event_that_contradicts_the_prediction_is_flagged() -> None:
    event = EVENT.replace("{type}", "Warning").replace("{reason}", "Rejected").replace("{message}", "it broke")
    text = POLICY.split("status:")[0] + "---\n" + event
    found = _findings(text)
    assert len(found) == 1
    assert "latest event is Rejected (it broke)" in str(found[0]["message"])
    agreeing = EVENT.replace("{type}", "Normal").replace("{reason}", "AddedOrUpdated").replace("{message}", "ok")
    assert _findings(POLICY.split("status:")[0] + "---\n" + agreeing) == []

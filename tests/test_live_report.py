"""Live mode end to end: the bundled sample served by a real HTTPS API endpoint gives the same report as files.

This is the issue's "done when": the same hosts, directives, policies and finding ids from
``--kubeconfig K --context C -A`` as from ``--sample``. Only what is about *where* an object came from (file:line
versus ``cluster:<context>``) may differ.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_helpers import CONTEXT, RESOURCES, Pki, running_cluster

from inspector import samples
from inspector.catalogue import SECRET_UNREADABLE
from inspector.model import ControllerSettings
from inspector.report import build_report, to_json
from inspector.sources.convert import build_cluster
from inspector.sources.files import load_paths
from inspector.sources.live import LiveOptions, detected_settings_of, load_live_cluster


def sample_objects(_: Pki | None = None) -> list[dict[str, Any]]:
    """The sample's objects as the file loader reads them, the kinds a cluster would serve."""
    raws, _problems = load_paths([os.fspath(samples.path())])
    return [json.loads(json.dumps(r.obj)) for r in raws if r.obj.get("kind") in RESOURCES]


def _without_places(value: Any) -> Any:
    """Drop the fields that name a file:line or a source, recursively."""
    if isinstance(value, dict):
        return {k: _without_places(v) for k, v in value.items() if k not in ("source", "sources", "line")}
    if isinstance(value, list):
        return [_without_places(v) for v in value]
    return value


def _sorted(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def _file_report(settings: ControllerSettings) -> dict[str, Any]:
    raws, problems = load_paths([os.fspath(samples.path())])
    return to_json(build_report(build_cluster(raws, problems, sources=["sample"]), settings))


@pytest.fixture(scope="module")
def file_report() -> Iterator[dict[str, Any]]:
    yield _file_report(ControllerSettings())


async def test_live_sample_gives_the_same_report_as_files(tmp_path: Path, file_report: dict[str, Any]) -> None:
    async with running_cluster(tmp_path, sample_objects) as live:
        cluster = await load_live_cluster(LiveOptions(kubeconfig=str(live.kubeconfig), all_namespaces=True,
                                                      timeout=5))
        sent = live.api.own_requests()
    assert cluster.sources == (f"{CONTEXT}/all namespaces",)
    assert {str(r.method) for r in sent} == {"method.GET"}
    assert not [r for r in sent if r.url.path.endswith("/secrets")]
    assert detected_settings_of(cluster) == {}  # the sample has no NIC Deployment: NIC's defaults apply

    live_report = to_json(build_report(cluster, ControllerSettings()))
    assert live_report["hosts"], "the sample has hosts"
    for section in ("hosts", "policies", "resources"):
        assert _sorted(_without_places(live_report[section])) == _sorted(_without_places(file_report[section])), \
            section
    ids = sorted(f["id"] for f in live_report["findings"])
    assert ids == sorted(f["id"] for f in file_report["findings"])
    assert live_report["summary"] == file_report["summary"]


async def test_live_sample_with_a_forbidden_secret_is_still_analysed(tmp_path: Path,
                                                                    file_report: dict[str, Any]) -> None:
    async with running_cluster(tmp_path, sample_objects) as live:
        live.api["get /api/v1/namespaces/default/secrets/ingress-mtls-secret"] << 403 << {
            "kind": "Status", "code": 403, "reason": "Forbidden", "message": "forbidden"}
        cluster = await load_live_cluster(LiveOptions(kubeconfig=str(live.kubeconfig), all_namespaces=True,
                                                      timeout=5))
    assert cluster.unreadable_secrets == {"default/ingress-mtls-secret": "forbidden"}
    report = to_json(build_report(cluster, ControllerSettings()))
    unreadable = [f for f in report["findings"] if f["id"] == SECRET_UNREADABLE]
    assert len(unreadable) == 1
    assert "cannot verify default/ingress-mtls-secret: forbidden" in unreadable[0]["message"]
    # Everything else is still there: the same hosts as from files.
    assert sorted(h["host"] for h in report["hosts"]) == sorted(h["host"] for h in file_report["hosts"])

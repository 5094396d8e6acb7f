"""Live mode end to end: the bundled sample served by a real HTTPS API endpoint gives the same report as files.

This is the issue's "done when": the same hosts, directives, policies and finding ids from
``--kubeconfig K --context C -A`` as from ``--sample``. Only what is about *where* an object came from (file:line
versus ``cluster:<context>``) may differ.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
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
from inspector.sources.live import LiveOptions, load_live


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


def _judged(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Without places, and only what NIC judges (resources with a state; hosts and policies all)."""
    return [_without_places(i) for i in items if i.get("state", "") is not None]


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
        cluster, detected = await load_live(
            LiveOptions(kubeconfig=str(live.kubeconfig), all_namespaces=True, timeout=5)
        )
        sent = live.api.own_requests()
    assert cluster.sources == (f"{CONTEXT}/all namespaces",)
    assert {str(r.method) for r in sent} == {"method.GET"}
    assert not [r for r in sent if r.url.path.endswith("/secrets")]
    assert detected == {}  # the sample has no NIC Deployment: NIC's defaults apply

    live_report = to_json(build_report(cluster, ControllerSettings()))
    assert live_report["hosts"], "the sample has hosts"
    for section in ("hosts", "policies", "resources"):
        assert _sorted(_judged(live_report[section])) == _sorted(_judged(file_report[section])), section
    # Live mode reads Secrets by name only (those NIC would look up), so unreferenced ones are absent there.
    live_secrets = {(r["namespace"], r["name"]) for r in live_report["resources"] if r["kind"] == "Secret"}
    file_secrets = {(r["namespace"], r["name"]) for r in file_report["resources"] if r["kind"] == "Secret"}
    assert live_secrets < file_secrets
    ids = sorted(f["id"] for f in live_report["findings"])
    assert ids == sorted(f["id"] for f in file_report["findings"])
    assert live_report["summary"] == file_report["summary"]


async def test_live_sample_with_a_forbidden_secret_is_still_analysed(tmp_path: Path,
                                                                    file_report: dict[str, Any]) -> None:
    async with running_cluster(tmp_path, sample_objects) as live:
        live.api["get /api/v1/namespaces/default/secrets/ingress-mtls-secret"] << 403 << {
            "kind": "Status", "code": 403, "reason": "Forbidden", "message": "forbidden"}
        cluster, _detected = await load_live(
            LiveOptions(kubeconfig=str(live.kubeconfig), all_namespaces=True, timeout=5)
        )
    assert cluster.unreadable_secrets == {"default/ingress-mtls-secret": "forbidden"}
    report = to_json(build_report(cluster, ControllerSettings()))
    unreadable = [f for f in report["findings"] if f["id"] == SECRET_UNREADABLE]
    assert len(unreadable) == 1
    assert "cannot verify default/ingress-mtls-secret: forbidden" in unreadable[0]["message"]
    # Everything else is still there: the same hosts as from files.
    assert sorted(h["host"] for h in report["hosts"]) == sorted(h["host"] for h in file_report["hosts"])


async def _cli(*args: str) -> tuple[int, dict[str, Any], str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "inspector", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return int(proc.returncode or 0), json.loads(out) if out.strip() else {}, err.decode()


async def test_cli_check_on_a_live_cluster_matches_the_sample(tmp_path: Path) -> None:
    """The issue's acceptance line, through the real command line."""
    async with running_cluster(tmp_path, sample_objects) as live:
        code, live_json, err = await _cli("check", "--kubeconfig", str(live.kubeconfig), "--context", CONTEXT,
                                          "-A", "--format", "json")
    sample_code, sample_json, _ = await _cli("check", "--sample", "--format", "json")
    assert (code, err) == (sample_code, "")
    assert live_json["sources"] == [f"{CONTEXT}/all namespaces"]
    for section in ("hosts", "policies"):
        assert _sorted(_without_places(live_json[section])) == _sorted(_without_places(sample_json[section]))
    assert sorted(f["id"] for f in live_json["findings"]) == sorted(f["id"] for f in sample_json["findings"])


async def test_cli_names_context_server_and_reason_on_a_wrong_token(tmp_path: Path) -> None:
    async with running_cluster(tmp_path, sample_objects) as live:
        bad = live.write_kubeconfig(tmp_path / "bad", token="wrong")
        code, out, err = await _cli("check", "--kubeconfig", str(bad), "-A", "--format", "json")
    assert code == 2 and out == {}
    assert f"context {CONTEXT} (server {live.url}): 401 Unauthorized" in err
    assert "Traceback" not in err

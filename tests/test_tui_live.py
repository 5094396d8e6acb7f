"""The TUI on a live cluster: loaded in a worker, then following the API server's watch without a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from live_helpers import running_cluster

from inspector.model import ControllerSettings
from inspector.report import Report, build_report
from inspector.sources.live import LiveFollower, LiveOptions, authenticate, snapshot_with
from inspector.tui.app import InspectorApp

POLICY = "default/ingress-mtls-policy"


def _depth(report: Report | None) -> int | None:
    if report is None or POLICY not in report.cluster.policies:
        return None
    mtls = report.cluster.policies[POLICY].ingress_mtls
    return mtls.verify_depth if mtls is not None else None


async def _until(condition: object, seconds: float = 15.0) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if callable(condition) and condition():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_tui_loads_a_live_cluster_and_follows_a_change(tmp_path: Path) -> None:
    async with running_cluster(tmp_path) as live:
        creds = await authenticate(LiveOptions(kubeconfig=str(live.kubeconfig), all_namespaces=True, timeout=5))

        errors: list[BaseException] = []

        def load() -> Report:
            try:
                cluster, _ = snapshot_with(creds)
                return build_report(cluster, ControllerSettings())
            except BaseException as exc:
                errors.append(exc)
                raise

        follower = LiveFollower(creds)
        app = InspectorApp(load, source_label="kmock", live=follower)
        async with app.run_test(size=(120, 40)) as pilot:
            assert await _until(lambda: app.report is not None or errors), "the first snapshot arrives"
            assert not errors, errors
            first = app.report
            assert first is not None and {h.host for h in first.hosts}, "hosts are shown"
            assert _depth(first) == 1
            # Wait until the watch is following, then change the policy the way another client would.
            assert await _until(lambda: follower._watch is not None and len(follower._watch.lists) >= 5)
            status = await live.write(
                "PATCH",
                "/apis/k8s.nginx.org/v1/namespaces/default/policies/ingress-mtls-policy",
                {"spec": {"ingressMTLS": {"verifyDepth": 3}}},
            )
            assert status == 200
            assert await _until(lambda: _depth(app.report) == 3), "the watch reloads the report"
            assert follower.last_error == ""
            await pilot.press("q")
        assert follower._session is None, "the follower closed its session when the app ended"

"""Cluster plus proposed change: SOURCE files laid over a live snapshot (kmock as the API server).

The cluster is live_helpers' sample-like one (ingressMTLS on cafe-ingress and the webapp VS, NIC's Deployment
with ``-ssl-dynamic-reload=false``); the proposed change lives in files written here.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from live_helpers import CONTEXT, running_cluster

from inspector.catalogue import UNREADABLE_SOURCE
from inspector.model import ControllerSettings
from inspector.report import build_report, to_json
from inspector.sources.live import LiveOptions, load_live
from inspector.sources.overlay import read_proposed

ORIGIN = f"cluster:{CONTEXT}"

CHANGE = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: ingress-mtls-policy
spec:
  ingressMTLS:
    clientCertSecret: ingress-mtls-secret
    verifyClient: "optional"
    verifyDepth: 2
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: tea-ingress
  namespace: default
  annotations: {nginx.org/policies: ingress-mtls-policy}
spec:
  ingressClassName: nginx
  tls: [{hosts: [tea.example.com], secretName: tls-secret}]
  rules:
  - host: tea.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: tea-svc, port: {number: 80}}}}
"""


async def _cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "inspector", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return int(proc.returncode or 0), out.decode(), err.decode()


def _options(kubeconfig: Path) -> LiveOptions:
    return LiveOptions(kubeconfig=str(kubeconfig), context=CONTEXT, timeout=5)


async def test_file_objects_replace_the_cluster_copies_and_new_ones_are_added(tmp_path: Path) -> None:
    change = tmp_path / "change.yaml"
    change.write_text(CHANGE)
    async with running_cluster(tmp_path) as live:
        cluster, detected = await load_live(_options(live.kubeconfig), read_proposed([str(change)]))
        sent = [r.url.path for r in live.api.own_requests()]
    assert cluster.sources == (ORIGIN, str(change))
    # The file's Policy replaced the cluster's: one copy, from the file, with the file's fields.
    policy = cluster.policies["default/ingress-mtls-policy"]
    assert policy.meta.origin.at() == f"{change}:1"
    assert policy.ingress_mtls is not None and policy.ingress_mtls.verify_client == "optional"
    assert not [p for p in cluster.problems if "defined again" in p.message]
    # New object added from the file; the cluster's own objects stay, with the cluster as their origin.
    assert cluster.ingresses["default/tea-ingress"].meta.origin.at() == f"{change}:11"
    assert cluster.ingresses["default/cafe-ingress"].meta.origin.at() == ORIGIN
    assert cluster.virtual_servers["default/webapp"].meta.origin.file == ORIGIN
    # Secrets still come from the cluster by name; controller settings are detected from the cluster.
    assert cluster.secrets["default/ingress-mtls-secret"].meta.origin.file == ORIGIN
    assert "/api/v1/namespaces/default/secrets/tls-secret" in sent
    assert detected["ssl_dynamic_reload"] is False
    # The proposed Ingress's host is in the prediction, with the file's verifyClient.
    report = to_json(build_report(cluster, ControllerSettings(**{k: v for k, v in detected.items()
                                                                 if k != "nic_configmap"})))
    hosts = {h["host"]: h for h in report["hosts"]}
    assert "tea.example.com" in hosts and "cafe.example.com" in hosts
    assert "ssl_verify_client optional" in hosts["tea.example.com"]["server_directives"]
    sources = {(r["kind"], r["name"]): r["source"] for r in report["resources"]}
    assert sources[("Ingress", "tea-ingress")] == f"{change}:11"
    assert sources[("Ingress", "cafe-ingress")] == ORIGIN


async def test_a_secret_in_the_files_is_not_fetched_and_replaces_the_clusters(tmp_path: Path) -> None:
    change = tmp_path / "change.yaml"
    change.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: ingress-mtls-secret, namespace: default}\n"
        "type: Opaque\ndata: {ca.crt: bm90IGEgY2VydA==}\n"
    )
    async with running_cluster(tmp_path) as live:
        cluster, _ = await load_live(_options(live.kubeconfig), read_proposed([str(change)]))
        sent = [r.url.path for r in live.api.own_requests()]
    assert "/api/v1/namespaces/default/secrets/ingress-mtls-secret" not in sent
    assert cluster.secrets["default/ingress-mtls-secret"].type == "Opaque"
    assert cluster.secrets["default/ingress-mtls-secret"].meta.origin.at() == f"{change}:1"


async def test_events_about_a_replaced_object_are_left_out(tmp_path: Path) -> None:
    change = tmp_path / "vs.yaml"
    change.write_text(
        "apiVersion: k8s.nginx.org/v1\nkind: VirtualServer\nmetadata: {name: webapp, namespace: default}\n"
        "spec:\n  host: webapp.example.com\n  tls: {secret: tls-secret}\n"
        "  upstreams: [{name: webapp, service: webapp-svc, port: 80}]\n"
        "  routes: [{path: /, action: {pass: webapp}}]\n"
    )
    async with running_cluster(tmp_path) as live:
        plain, _ = await load_live(_options(live.kubeconfig))
        cluster, _ = await load_live(_options(live.kubeconfig), read_proposed([str(change)]))
    assert [e.involved.name for e in plain.events] == ["webapp"]
    assert cluster.events == ()
    assert cluster.virtual_servers["default/webapp"].policies == ()


async def test_the_files_namespaces_are_read_from_the_cluster_too(tmp_path: Path) -> None:
    change = tmp_path / "shop.yaml"
    change.write_text(
        "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {name: extra, namespace: shop}\n"
        "spec: {accessControl: {allow: [10.0.0.0/8]}}\n"
    )
    async with running_cluster(tmp_path) as live:
        cluster, _ = await load_live(_options(live.kubeconfig), read_proposed([str(change)]))
    # The context's namespace is default; the change touches shop, whose cluster objects are read as well.
    assert "shop/shop-routes" in cluster.virtual_server_routes
    assert cluster.policies["shop/egress-mtls-policy"].meta.origin.file == ORIGIN
    assert cluster.policies["shop/extra"].meta.origin.file == str(change)


async def test_cli_check_with_kubeconfig_context_and_file(tmp_path: Path) -> None:
    """The issue's acceptance line: ``check --kubeconfig K --context C FILE`` shows the cluster with the change."""
    change = tmp_path / "change.yaml"
    change.write_text(CHANGE)
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n")
    async with running_cluster(tmp_path) as live:
        code, out, err = await _cli("check", "--kubeconfig", str(live.kubeconfig), "--context", CONTEXT,
                                    str(change), str(broken), "--format", "json", "--fail-on", "never", cwd=tmp_path)
    # The broken file is input that could not be used: exit 2 whatever --fail-on says (issue 12), after the report.
    assert (code, err) == (2, "mtls-inspect: some input could not be used (MTLS001 in the findings): exit code 2\n")
    report: dict[str, Any] = json.loads(out)
    assert report["sources"] == [ORIGIN, str(change), str(broken)]
    hosts = {h["host"] for h in report["hosts"]}
    assert {"tea.example.com", "cafe.example.com", "webapp.example.com"} <= hosts
    policy = next(p for p in report["policies"] if p["key"] == "default/ingress-mtls-policy")
    assert policy["source"] == f"{change}:1"
    assert {(u["kind"], u["name"]) for u in policy["referenced_by"]} >= {("Ingress", "tea-ingress"),
                                                                        ("Ingress", "cafe-ingress")}
    # The broken file is reported with its place, and the rest is still analysed.
    unreadable = [f for f in report["findings"] if f["id"] == UNREADABLE_SOURCE]
    assert unreadable and unreadable[0]["source"].startswith(f"{broken}:")
    # The cluster's tls-secret does not cover the proposed host: a finding about the change, from the cluster's data.
    assert any(f["id"] == "MTLS105" and "tea.example.com" in f["message"] for f in report["findings"])
    assert report["controller"]["nic_version"] == "5.6"  # from the cluster's NIC image tag (5.6.0)


async def test_cli_overlay_on_an_unreachable_cluster_is_the_live_one_line_error(tmp_path: Path) -> None:
    change = tmp_path / "change.yaml"
    change.write_text(CHANGE)
    async with running_cluster(tmp_path) as live:
        dead = live.write_kubeconfig(tmp_path / "dead", server="https://127.0.0.1:9")
    code, out, err = await _cli("check", "--kubeconfig", str(dead), "--context", CONTEXT, str(change), cwd=tmp_path)
    assert code == 2 and out == ""
    assert err.startswith(f"mtls-inspect: context {CONTEXT} (server https://127.0.0.1:9): unreachable")
    assert len(err.strip().splitlines()) == 1


async def test_cli_overlay_refuses_sample_and_a_missing_file(tmp_path: Path) -> None:
    async with running_cluster(tmp_path) as live:
        code, _, err = await _cli("check", "--kubeconfig", str(live.kubeconfig), "--sample", cwd=tmp_path)
        assert code == 2 and "either --sample or a live cluster" in err
        code, _, err = await _cli("check", "--kubeconfig", str(live.kubeconfig), "nope.yaml", cwd=tmp_path)
        assert code == 2 and "nope.yaml: no such file or directory" in err


async def test_the_tui_opens_the_same_overlay_and_reloads_it_when_the_file_changes(tmp_path: Path) -> None:
    from inspector.cli import _live_app, build_parser

    change = tmp_path / "change.yaml"
    change.write_text(CHANGE)
    async with running_cluster(tmp_path) as live:
        ns = build_parser().parse_args(["tui", "--kubeconfig", str(live.kubeconfig), "--context", CONTEXT,
                                        str(change)])
        app = await asyncio.to_thread(_live_app, ns)  # authenticates with asyncio.run, as before a UI starts
        assert app.source_label == f"{CONTEXT} · context namespace + {change}"

        async def until(condition: Any, seconds: float = 15.0) -> bool:
            deadline = asyncio.get_running_loop().time() + seconds
            while asyncio.get_running_loop().time() < deadline:
                if condition():
                    return True
                await asyncio.sleep(0.05)
            return False

        def depth() -> int | None:
            mtls = app.report.cluster.policies["default/ingress-mtls-policy"].ingress_mtls if app.report else None
            return mtls.verify_depth if mtls is not None else None

        async with app.run_test(size=(120, 40)) as pilot:
            assert await until(lambda: app.report is not None)
            assert app.report is not None
            assert app.report.cluster.ingresses["default/tea-ingress"].meta.origin.file == str(change)
            assert app.report.cluster.ingresses["default/cafe-ingress"].meta.origin.file == ORIGIN
            assert depth() == 2
            change.write_text(CHANGE.replace("verifyDepth: 2", "verifyDepth: 4"))
            assert await until(lambda: depth() == 4), "an edit of the proposed change reloads the overlay"
            await pilot.press("q")


async def test_an_object_without_a_namespace_lands_in_the_contexts_namespace(tmp_path: Path) -> None:
    change = tmp_path / "plain.yaml"
    change.write_text(
        "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {name: ingress-mtls-policy}\n"
        "spec: {ingressMTLS: {clientCertSecret: ingress-mtls-secret, verifyDepth: 5}}\n"
    )
    async with running_cluster(tmp_path) as live:
        shop = live.write_kubeconfig(tmp_path / "shop-kubeconfig")
        shop.write_text(shop.read_text().replace("namespace: default", "namespace: shop"))
        in_default, _ = await load_live(_options(live.kubeconfig), read_proposed([str(change)]))
        in_shop, _ = await load_live(_options(shop), read_proposed([str(change)]))
    replaced = in_default.policies["default/ingress-mtls-policy"]
    assert replaced.meta.origin.file == str(change) and replaced.ingress_mtls is not None
    assert replaced.ingress_mtls.verify_depth == 5
    # With a context whose namespace is shop, kubectl apply would create shop/ingress-mtls-policy instead.
    assert in_shop.policies["shop/ingress-mtls-policy"].meta.origin.file == str(change)
    assert "default/ingress-mtls-policy" not in in_shop.policies

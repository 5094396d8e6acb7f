"""Live cluster mode against a real HTTPS API endpoint on loopback, reached through a real kubeconfig file.

The endpoint is kmock (tests/live_helpers.py) serving a small sample-like cluster with real certificates.
Every wait is bounded; the whole file runs in seconds.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import kmock
import pytest
import yaml
from live_helpers import CONTEXT, RESOURCES, LiveCluster, running_cluster, sample_manifests

from inspector.catalogue import KIND_NOT_INSTALLED, SECRET_UNREADABLE
from inspector.sources.live import (
    LiveError,
    LiveOptions,
    LiveSession,
    authenticate,
    connect,
    list_contexts,
    open_session,
)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[LiveCluster]:
    async with running_cluster(tmp_path) as live:
        yield live


def options(live: LiveCluster, **overrides: Any) -> LiveOptions:
    values: dict[str, Any] = {"kubeconfig": str(live.kubeconfig), "all_namespaces": True, "timeout": 5.0}
    values.update(overrides)
    return LiveOptions(**values)


async def within(seconds: float, condition: Any) -> bool:
    """Poll ``condition()`` until it is true or ``seconds`` passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return bool(condition())


def key(obj: dict[str, Any]) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


# --- reading -------------------------------------------------------------------------------------------------


async def test_snapshot_gives_the_manifests_back_in_kubectl_shape(cluster: LiveCluster, tmp_path: Path) -> None:
    # What the file loader reads for the same objects: the YAML documents themselves.
    manifests = {key(m): m for m in sample_manifests(cluster.material)}
    session = await connect(options(cluster))
    try:
        raws, problems = await session.snapshot()
    finally:
        await session.close()

    assert problems == []
    got = {key(r.obj): r.obj for r in raws}
    expected = {k for k in manifests if k[0] != "Deployment"} - {
        ("Secret", "default", "unrelated-secret"),  # referenced by nothing: never read
        ("ConfigMap", "default", "kube-root-ca.crt"),  # not NIC's
        ("Event", "default", "somepod.1"),  # about a Pod, not a NIC resource
    }
    assert set(got) == expected
    for k in expected:
        assert got[k] == manifests[k], k  # kind/apiVersion restored on list items, nothing else changed
        assert list(got[k])[:2] == ["apiVersion", "kind"]
    assert {r.origin.file for r in raws} == {f"cluster:{CONTEXT}"}
    assert {r.origin.line for r in raws} == {0}
    assert session.detected == {
        "nic_configmap": "nginx-ingress/nginx-ingress", "ingress_class": "nginx", "enable_custom_resources": True,
        "ssl_dynamic_reload": False, "wildcard_tls_secret": "default/tls-secret", "plus": False,
        "nic_version": "5.6.0",
    }
    assert session.controller == "Deployment nginx-ingress/nginx-ingress"
    assert session.version == "v1.26.4+k3s1"


async def test_only_get_requests_and_secrets_only_by_name(cluster: LiveCluster) -> None:
    session = await connect(options(cluster))
    try:
        await session.snapshot()
        watch = session.watch(lambda: None, debounce=0.05, watchdog=0.3, secret_poll=0.1)
        assert await within(5, lambda: sum(watch.lists.values()) >= 14)
        await watch.stop()
    finally:
        await session.close()

    sent = cluster.api.own_requests()
    assert sent, "the adapter's requests carry its own user agent"
    assert {str(r.method) for r in sent} == {"method.GET"}
    secret_paths = {r.url.path for r in sent if "/secrets" in r.url.path}
    assert secret_paths == {
        "/api/v1/namespaces/default/secrets/ingress-mtls-secret", "/api/v1/namespaces/default/secrets/tls-secret",
        "/api/v1/namespaces/shop/secrets/egress-mtls-secret",
        "/api/v1/namespaces/shop/secrets/egress-trusted-ca-secret",
    }
    assert not [r for r in sent if r.url.path.endswith("/secrets")], "never a Secret list"
    assert not [r for r in sent if r.url.path.endswith("/secrets") and r.params.get("watch")]


async def test_namespaced_selection_fetches_cross_namespace_references_by_name(cluster: LiveCluster) -> None:
    session = await connect(options(cluster, all_namespaces=False, namespaces=("default",)))
    try:
        raws, problems = await session.snapshot()
    finally:
        await session.close()
    kinds = {key(r.obj) for r in raws}
    # The VS in default delegates to shop/shop-routes, whose subroute uses shop/egress-mtls-policy.
    assert ("VirtualServerRoute", "shop", "shop-routes") in kinds
    assert ("Policy", "shop", "egress-mtls-policy") in kinds
    assert ("Secret", "shop", "egress-mtls-secret") in kinds
    assert ("ConfigMap", "nginx-ingress", "nginx-ingress") in kinds  # named by -nginx-configmaps
    assert problems == []
    paths = [r.url.path for r in cluster.api.own_requests()]
    assert "/apis/k8s.nginx.org/v1/namespaces/default/policies" in paths
    assert "/apis/k8s.nginx.org/v1/namespaces/shop/policies/egress-mtls-policy" in paths
    assert "/apis/k8s.nginx.org/v1/namespaces/shop/policies" not in paths


async def test_default_namespace_comes_from_the_context(cluster: LiveCluster) -> None:
    session = await connect(options(cluster, all_namespaces=False))
    try:
        assert session.scopes == ("default",)
    finally:
        await session.close()


async def test_key_material_is_never_logged(cluster: LiveCluster, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    session = await connect(options(cluster))
    try:
        await session.snapshot()
    finally:
        await session.close()
    key_pem = cluster.material.egress_client.key_pem
    for secret in (key_pem.decode(), base64.b64encode(key_pem).decode()):
        assert secret not in caplog.text


# --- degrading on RBAC and missing CRDs ----------------------------------------------------------------------


async def test_forbidden_secret_becomes_mtls130_and_the_rest_is_read(cluster: LiveCluster) -> None:
    cluster.api["get /api/v1/namespaces/shop/secrets/egress-mtls-secret"] << 403 << {
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
        "message": 'secrets "egress-mtls-secret" is forbidden: User "tester" cannot get resource "secrets"',
    }
    session = await connect(options(cluster))
    try:
        raws, problems = await session.snapshot()
    finally:
        await session.close()
    assert [(p.check_id, p.message) for p in problems] == [
        (SECRET_UNREADABLE, "cannot verify shop/egress-mtls-secret: forbidden")
    ]
    assert problems[0].ref is not None and problems[0].ref.key == "shop/egress-mtls-secret"
    assert problems[0].file == f"cluster:{CONTEXT}"
    kinds = {key(r.obj) for r in raws}
    assert ("Secret", "shop", "egress-mtls-secret") not in kinds
    assert {("Secret", "shop", "egress-trusted-ca-secret"), ("Policy", "shop", "egress-mtls-policy"),
            ("Ingress", "default", "cafe-ingress")} <= kinds


async def test_missing_crd_is_reported_once_and_the_rest_goes_on(tmp_path: Path) -> None:
    installed = tuple(k for k in RESOURCES if k != "VirtualServerRoute")
    async with running_cluster(tmp_path, installed=installed) as live:
        session = await connect(options(live, all_namespaces=False, namespaces=("default", "shop")))
        try:
            raws, problems = await session.snapshot()
        finally:
            await session.close()
    assert [p.check_id for p in problems] == [KIND_NOT_INSTALLED]
    assert "VirtualServerRoute" in problems[0].message
    kinds = {k for k, _, _ in (key(r.obj) for r in raws)}
    assert {"Policy", "Ingress", "VirtualServer", "Secret", "Service"} <= kinds
    assert "VirtualServerRoute" not in kinds


async def test_forbidden_list_is_a_problem_not_a_crash(cluster: LiveCluster) -> None:
    cluster.api["get /api/v1/services"] << 403 << {"kind": "Status", "code": 403, "message": "no services"}
    session = await connect(options(cluster))
    try:
        raws, problems = await session.snapshot()
    finally:
        await session.close()
    assert [(p.check_id, p.message) for p in problems] == [
        ("MTLS132", "cannot list services cluster-wide: 403 Forbidden: no services")
    ]
    assert ("Ingress", "default", "cafe-ingress") in {key(r.obj) for r in raws}


# --- one-line failures -----------------------------------------------------------------------------------------


async def test_wrong_token_is_one_line_401(cluster: LiveCluster, tmp_path: Path) -> None:
    config = cluster.write_kubeconfig(tmp_path / "wrong", token="not-the-token")
    with pytest.raises(LiveError) as caught:
        await connect(LiveOptions(kubeconfig=str(config), all_namespaces=True, timeout=5))
    assert str(caught.value) == f"context {CONTEXT} (server {cluster.url}): 401 Unauthorized: Unauthorized"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_unreachable_server_fails_fast_with_one_line(cluster: LiveCluster, tmp_path: Path) -> None:
    server = f"https://127.0.0.1:{closed_port()}"
    config = cluster.write_kubeconfig(tmp_path / "closed", server=server)
    started = time.monotonic()
    with pytest.raises(LiveError) as caught:
        await connect(LiveOptions(kubeconfig=str(config), timeout=5))
    assert time.monotonic() - started < 3
    message = str(caught.value)
    assert message.startswith(f"context {CONTEXT} (server {server}): unreachable: ")
    assert "\n" not in message


async def test_silent_server_times_out(cluster: LiveCluster, tmp_path: Path) -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)
        writer.close()

    silent = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    config = cluster.write_kubeconfig(tmp_path / "silent", server=f"https://127.0.0.1:{port}")
    try:
        started = time.monotonic()
        with pytest.raises(LiveError, match=r"no answer within 0.5s \(timeout\)$"):
            await connect(LiveOptions(kubeconfig=str(config), timeout=0.5))
        assert time.monotonic() - started < 3
    finally:
        silent.close()


async def test_untrusted_server_certificate(cluster: LiveCluster, tmp_path: Path) -> None:
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    other_ca = base64.b64encode(cluster.material.client_ca.cert_pem).decode()
    config["clusters"][0]["cluster"]["certificate-authority-data"] = other_ca
    path = tmp_path / "other-ca"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(LiveError, match=r"\): certificate: .*certificate verify failed"):
        await connect(LiveOptions(kubeconfig=str(path), timeout=5))


def exec_user(script: str) -> dict[str, Any]:
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": ["-c", script], "interactiveMode": "Never"}}


async def test_exec_plugin_token_is_used(cluster: LiveCluster, tmp_path: Path) -> None:
    script = ("import json; print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', "
              "'kind': 'ExecCredential', 'status': {'token': '" + cluster.api.token + "'}}))")
    config = cluster.write_kubeconfig(tmp_path / "exec", user=exec_user(script))
    session = await connect(LiveOptions(kubeconfig=str(config), timeout=5))
    try:
        assert session.context == CONTEXT
    finally:
        await session.close()


async def test_exec_plugin_failure_shows_its_stderr(cluster: LiveCluster, tmp_path: Path) -> None:
    script = "import sys; sys.stderr.write('error: SSO session expired\\nrun: aws sso login\\n'); sys.exit(3)"
    config = cluster.write_kubeconfig(tmp_path / "exec-fail", user=exec_user(script))
    with pytest.raises(LiveError) as caught:
        await connect(LiveOptions(kubeconfig=str(config), timeout=5))
    assert str(caught.value) == (
        f"context {CONTEXT} (server {cluster.url}): exec plugin failed: process returned 3. "
        "error: SSO session expired run: aws sso login"
    )


async def test_unknown_context_and_missing_kubeconfig(cluster: LiveCluster, tmp_path: Path) -> None:
    with pytest.raises(LiveError, match=r"^context nope \(server unknown\): context 'nope' not found"):
        await connect(LiveOptions(kubeconfig=str(cluster.kubeconfig), context="nope"))
    with pytest.raises(LiveError, match="no kubeconfig found"):
        await connect(LiveOptions(kubeconfig=str(tmp_path / "absent")))
    (tmp_path / "garbage").write_text("clusters: [oops\n")
    with pytest.raises(LiveError, match="unreadable"):
        await connect(LiveOptions(kubeconfig=str(tmp_path / "garbage")))


async def test_multi_file_kubeconfig_like_kubectl(cluster: LiveCluster, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    whole = yaml.safe_load(cluster.kubeconfig.read_text())
    first = {"apiVersion": "v1", "kind": "Config", "clusters": whole["clusters"], "users": whole["users"],
             "contexts": [], "current-context": CONTEXT}
    second = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": whole["contexts"]}
    (tmp_path / "a").write_text(yaml.safe_dump(first))
    (tmp_path / "b").write_text(yaml.safe_dump(second))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'a'}:{tmp_path / 'missing'}:{tmp_path / 'b'}")
    session = await connect(LiveOptions(all_namespaces=True, timeout=5))
    try:
        assert (session.context, session.server) == (CONTEXT, cluster.url)
    finally:
        await session.close()


# --- watching ----------------------------------------------------------------------------------------------------


async def started(live: LiveCluster) -> LiveSession:
    session = await connect(options(live))
    await session.snapshot()
    return session


async def test_watch_event_triggers_the_callback_and_a_resnapshot_sees_it(cluster: LiveCluster) -> None:
    session = await started(cluster)
    calls: list[float] = []
    changed = asyncio.Event()

    async def on_change() -> None:
        calls.append(time.monotonic())
        changed.set()

    watch = session.watch(on_change, debounce=0.05, watchdog=30)
    try:
        # The initial list and kmock's replay of existing objects as ADDED are not changes.
        assert await within(5, lambda: len(watch.lists) >= 7)
        await asyncio.sleep(0.3)
        assert calls == []
        status = await cluster.write("PATCH", "/apis/k8s.nginx.org/v1/namespaces/default/policies/"
                                     "ingress-mtls-policy", {"spec": {"ingressMTLS": {"verifyDepth": 3}}})
        assert status == 200
        await asyncio.wait_for(changed.wait(), 5)
        raws, _ = await session.snapshot()
    finally:
        await session.close()
    policy = next(r.obj for r in raws if key(r.obj) == ("Policy", "default", "ingress-mtls-policy"))
    assert policy["spec"]["ingressMTLS"]["verifyDepth"] == 3
    assert len(calls) == 1 and watch.changes == 1


async def test_watch_debounces_a_burst_into_one_callback(cluster: LiveCluster) -> None:
    session = await started(cluster)
    calls: list[int] = []
    watch = session.watch(lambda: calls.append(1), debounce=0.2, watchdog=30)
    try:
        assert await within(5, lambda: len(watch.lists) >= 7)
        for depth in (2, 3, 4):
            await cluster.write("PATCH", "/apis/k8s.nginx.org/v1/namespaces/default/policies/ingress-mtls-policy",
                                {"spec": {"ingressMTLS": {"verifyDepth": depth}}})
        assert await within(5, lambda: calls == [1])
        await asyncio.sleep(0.5)
        assert calls == [1]
    finally:
        await session.close()


async def test_410_gone_triggers_a_relist(cluster: LiveCluster) -> None:
    gone = {"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                        "reason": "Expired", "code": 410, "message": "too old resource version"}}
    served: list[int] = []

    def once(request: kmock.Request) -> Any:
        if served:
            return NotImplemented  # later watches fall through to the emulator
        served.append(1)
        return (gone,)

    cluster.api["watch", kmock.resource("k8s.nginx.org", "v1", "policies")] << once
    session = await started(cluster)
    watch = session.watch(lambda: None, debounce=0.05, watchdog=30)
    try:
        assert await within(5, lambda: watch.gone == 1 and watch.lists.get("policies", 0) >= 2)
    finally:
        await session.close()
    policy_lists = [r for r in cluster.api.own_requests()
                    if r.url.path == "/apis/k8s.nginx.org/v1/policies" and "watch" not in r.params]
    assert len(policy_lists) >= 3  # the snapshot, the watch's first list, the relist after 410


async def test_silent_watch_is_relisted_by_the_watchdog(cluster: LiveCluster) -> None:
    session = await started(cluster)
    watch = session.watch(lambda: None, debounce=0.05, watchdog=0.3)
    try:
        # kmock keeps watch streams open and silent: only the watchdog ends them.
        assert await within(5, lambda: watch.lists.get("ingresses", 0) >= 3)
        assert watch.changes == 0
    finally:
        await session.close()


async def test_secret_change_is_noticed_by_polling_by_name(cluster: LiveCluster) -> None:
    session = await started(cluster)
    calls: list[int] = []
    watch = session.watch(lambda: calls.append(1), debounce=0.05, watchdog=30, secret_poll=0.1)
    try:
        await cluster.write("PATCH", "/api/v1/namespaces/default/secrets/ingress-mtls-secret",
                            {"data": {"ca.crl": ""}})
        assert await within(5, lambda: calls == [1])
    finally:
        await session.close()
    assert watch.changes == 1


async def test_missing_secret_is_probed_elsewhere_by_metadata_only(tmp_path: Path) -> None:
    def objects(material: Any) -> list[dict[str, Any]]:
        moved = {"apiVersion": "v1", "kind": "Secret", "type": "nginx.org/ca",
                 "metadata": {"name": "moved-ca", "namespace": "shop",
                              "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{data}"}},
                 "data": {"ca.crt": base64.b64encode(material.client_ca.cert_pem).decode()}}
        policy = {"apiVersion": "k8s.nginx.org/v1", "kind": "Policy",
                  "metadata": {"name": "moved", "namespace": "default"},
                  "spec": {"ingressMTLS": {"clientCertSecret": "moved-ca"}}}
        namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
                      for n in ("default", "shop", "empty")]
        return [*sample_manifests(material), moved, policy, *namespaces]

    async with running_cluster(tmp_path, objects) as live:
        session = await connect(options(live))
        try:
            raws, problems = await session.snapshot()
        finally:
            await session.close()
        probes = [r for r in live.api.own_requests() if r.url.path.endswith("/secrets/moved-ca")]
    assert problems == []
    found = [r.obj for r in raws if key(r.obj) == ("Secret", "shop", "moved-ca")]
    assert found == [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "moved-ca", "namespace": "shop"}}]
    assert {r.url.path for r in probes} == {f"/api/v1/namespaces/{n}/secrets/moved-ca"
                                             for n in ("default", "shop", "empty", "nginx-ingress")}
    assert all("as=PartialObjectMetadata" in r.headers["Accept"] for r in probes if "/default/" not in r.url.path)
    assert live.api.namespace_lists == 1


async def test_new_events_about_nic_resources_are_followed(cluster: LiveCluster) -> None:
    session = await started(cluster)
    calls: list[int] = []
    watch = session.watch(lambda: calls.append(1), debounce=0.05, watchdog=30)

    def event(name: str, kind: str, obj: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"},
                "involvedObject": {"kind": kind, "namespace": "default", "name": obj}, "type": "Warning",
                "reason": "AddedOrUpdatedWithWarning", "message": "Configuration for default/webapp was added or "
                "updated ; with warning(s): TLS secret default/tls-secret is invalid"}

    try:
        assert await within(5, lambda: len(watch.lists) >= 7)
        assert await cluster.write("POST", "/api/v1/namespaces/default/events", event("pod.2", "Pod", "x")) < 300
        await asyncio.sleep(0.3)
        assert calls == []  # not about a resource NIC configures
        assert await cluster.write("POST", "/api/v1/namespaces/default/events",
                                   event("webapp.2", "VirtualServer", "webapp")) < 300
        assert await within(5, lambda: calls == [1])
        raws, _ = await session.snapshot()
    finally:
        await session.close()
    events = [r.obj for r in raws if r.obj["kind"] == "Event"]
    assert [e["metadata"]["name"] for e in events] == ["webapp.1", "webapp.2"]


@pytest.mark.parametrize("api_version", ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
async def test_authenticate_once_then_open_sessions_in_another_loop(cluster: LiveCluster, tmp_path: Path,
                                                                    api_version: str) -> None:
    runs = tmp_path / "plugin-runs"
    script = (f"import json; open({str(runs)!r}, 'a').write('run\\n'); "
              f"print(json.dumps({{'apiVersion': {api_version!r}, 'kind': 'ExecCredential', "
              f"'status': {{'token': {cluster.api.token!r}}}}}))")
    user = exec_user(script)
    user["exec"]["apiVersion"] = api_version
    config = cluster.write_kubeconfig(tmp_path / "exec", user=user)
    opts = LiveOptions(kubeconfig=str(config), all_namespaces=True, timeout=5)
    # As the CLI does: authenticate under its own asyncio.run, before the TUI's loop exists.
    credentials = await asyncio.to_thread(asyncio.run, authenticate(opts))
    assert repr(credentials) == f"LiveCredentials(context={CONTEXT!r}, server={cluster.url!r})"
    for _ in range(2):
        session = await open_session(credentials)
        try:
            raws, _ = await session.snapshot()
            assert raws
        finally:
            await session.close()
    assert runs.read_text() == "run\n"


async def test_list_contexts_for_a_picker(cluster: LiveCluster, tmp_path: Path) -> None:
    assert list_contexts(str(cluster.kubeconfig)) == ([CONTEXT], CONTEXT)
    assert list_contexts(str(tmp_path / "absent")) == ([], "")
    (tmp_path / "garbage").write_text("contexts: {not: [a list\n")
    assert list_contexts(str(tmp_path / "garbage")) == ([], "")


async def test_watch_answered_410_at_once_relists_with_backoff(cluster: LiveCluster) -> None:
    gone = kmock.Response(status=410, payload={"kind": "Status", "apiVersion": "v1", "code": 410,
                                               "reason": "Expired", "message": "too old resource version"})
    cluster.api["watch", kmock.resource("networking.k8s.io", "v1", "ingresses")] << (lambda: gone)
    session = await started(cluster)
    watch = session.watch(lambda: None, debounce=0.05, watchdog=30)
    try:
        assert await within(5, lambda: watch.gone >= 3)
        await asyncio.sleep(0.5)
        # Every watch is refused, so it keeps relisting, but backing off, not spinning.
        assert watch.lists["ingresses"] < 12
        assert watch.changes == 0
    finally:
        await session.close()


async def test_unreadable_controller_falls_back_to_nic_defaults(cluster: LiveCluster) -> None:
    for path in ("/apis/apps/v1/deployments", "/apis/apps/v1/daemonsets"):
        cluster.api[f"get {path}"] << 403 << {"kind": "Status", "code": 403, "message": "forbidden"}
    session = await connect(options(cluster, all_namespaces=False, namespaces=("default",)))
    try:
        raws, problems = await session.snapshot()
    finally:
        await session.close()
    assert session.detected == {} and session.controller == ""
    assert session.notes == ["no readable NGINX Ingress Controller Deployment/DaemonSet: using NIC defaults"]
    assert problems == [] and raws
    paths = [r.url.path for r in cluster.api.own_requests()]
    assert "/apis/apps/v1/namespaces/default/deployments" in paths  # tried where it may read
    # Without -nginx-configmaps the NIC ConfigMap outside the selection is not known.
    assert ("ConfigMap", "nginx-ingress", "nginx-ingress") not in {key(r.obj) for r in raws}

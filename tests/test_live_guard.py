"""Live mode against a hostile or broken API server and kubeconfig (issue 14, item 10), with kmock as the server.

An unreadable cluster ends in exit 2; client keys never reach a file; a hanging exec plugin is killed with its
process group; redirects to another host are refused; the token is cut out of every echoed message.
"""

from __future__ import annotations

import asyncio
import base64
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from live_helpers import TOKEN, LiveCluster, running_cluster

from inspector import pki
from inspector.sources.live import LiveError, LiveOptions, authenticate, connect, open_session

LIST_PATHS = (
    "/api/v1/services",
    "/api/v1/configmaps",
    "/apis/networking.k8s.io/v1/ingresses",
    "/apis/k8s.nginx.org/v1/policies",
    "/apis/k8s.nginx.org/v1/virtualservers",
    "/apis/k8s.nginx.org/v1/virtualserverroutes",
)
"""Every list of a snapshot with -A."""


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[LiveCluster]:
    async with running_cluster(tmp_path) as live:
        yield live


def options(live: LiveCluster, path: Path | None = None, **overrides: Any) -> LiveOptions:
    values: dict[str, Any] = {"kubeconfig": str(path or live.kubeconfig), "all_namespaces": True, "timeout": 5.0}
    values.update(overrides)
    return LiveOptions(**values)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# --- a cluster that cannot be read ----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["forbidden", "invalid json"])
async def test_every_list_failing_is_an_unusable_cluster(cluster: LiveCluster, answer: str) -> None:
    for path in LIST_PATHS:
        if answer == "forbidden":
            cluster.api[f"get {path}"] << 403 << {"kind": "Status", "code": 403, "message": "forbidden"}
        else:
            cluster.api[f"get {path}"] << 200 << b"{not json"
    session = await connect(options(cluster))
    try:
        with pytest.raises(LiveError, match="no object list could be read: cannot list services cluster-wide: "):
            await session.cluster()
    finally:
        await session.close()


async def test_check_exits_2_when_the_cluster_cannot_be_read(cluster: LiveCluster) -> None:
    for path in LIST_PATHS:
        cluster.api[f"get {path}"] << 403 << {"kind": "Status", "code": 403, "message": "forbidden"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "inspector",
        "check",
        "--kubeconfig",
        str(cluster.kubeconfig),
        "-A",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2, err
    assert b"no object list could be read" in err and b"403 Forbidden" in err


async def test_one_readable_list_is_still_a_report(cluster: LiveCluster) -> None:
    for path in LIST_PATHS[1:]:
        cluster.api[f"get {path}"] << 403 << {"kind": "Status", "code": 403, "message": "forbidden"}
    session = await connect(options(cluster))
    try:
        _, problems = await session.snapshot()
    finally:
        await session.close()
    assert len(problems) == len(LIST_PATHS) - 1


# --- client keys ----------------------------------------------------------------------------------------------


async def test_client_key_data_never_reaches_a_file(
    cluster: LiveCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # where kubernetes_asyncio's mkstemp would write
    ca = pki.make_ca("kube client CA")
    client = pki.make_leaf("kube client", ca, client=True, server=False)
    user = {
        "token": TOKEN,
        "client-certificate-data": base64.b64encode(client.cert_pem).decode(),
        "client-key-data": base64.b64encode(client.key_pem).decode(),
    }
    config = cluster.write_kubeconfig(tmp_path / "with-key", user=user)
    credentials = await authenticate(options(cluster, config))
    session = await open_session(credentials)
    try:
        assert session.version
        key_file = credentials._configuration.key_file
        assert key_file.startswith("/proc/self/fd/")  # an anonymous memory file, read by OpenSSL through /proc
        assert Path(key_file).read_bytes() == client.key_pem
    finally:
        await session.close()
    assert list(temp.iterdir()) == []
    marker = client.key_pem.splitlines()[1]
    for entry in Path(tempfile.gettempdir()).iterdir():
        if entry.is_file() and entry.stat().st_size < 100_000:
            assert marker not in entry.read_bytes(), entry


# --- exec plugins ---------------------------------------------------------------------------------------------


async def test_a_hanging_exec_plugin_is_killed_with_its_group(cluster: LiveCluster, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = (
        "import subprocess, sys, time, os\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(60)\n"
    )
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": ["-c", script],
            "interactiveMode": "Never",
        }
    }
    config = cluster.write_kubeconfig(tmp_path / "hang", user=user)
    started = time.monotonic()
    with pytest.raises(LiveError, match=r"no answer within 1s \(timeout\)"):
        await connect(options(cluster, config, auth_timeout=1.0))
    assert time.monotonic() - started < 5
    plugin, child = (int(p) for p in pids.read_text().split())
    deadline = time.monotonic() + 3
    while (_alive(plugin) or _alive(child)) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not _alive(plugin) and not _alive(child)


async def test_exec_plugin_messages_do_not_echo_tokens(cluster: LiveCluster, tmp_path: Path) -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0ZXIifQ.c2lnbmF0dXJl"
    script = f"import sys; sys.stderr.write('refresh failed for Authorization: Bearer {jwt}\\n'); sys.exit(1)"
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": ["-c", script],
            "interactiveMode": "Never",
        }
    }
    config = cluster.write_kubeconfig(tmp_path / "echo", user=user)
    with pytest.raises(LiveError) as caught:
        await connect(options(cluster, config))
    message = str(caught.value)
    assert jwt not in message and "eyJ" not in message
    assert "exec plugin failed: process returned 1. refresh failed for Authorization: Bearer [redacted]" in message


# --- the server -----------------------------------------------------------------------------------------------


async def test_server_messages_do_not_echo_the_token(cluster: LiveCluster) -> None:
    (
        cluster.api["get /api/v1/services"]
        << 403
        << {
            "kind": "Status",
            "code": 403,
            "message": f"token {TOKEN} may not list services",
        }
    )
    session = await connect(options(cluster))
    try:
        _, problems = await session.snapshot()
    finally:
        await session.close()
    messages = [p.message for p in problems]
    assert messages == ["cannot list services cluster-wide: 403 Forbidden: token [redacted] may not list services"]


async def test_a_redirect_to_another_host_is_refused(cluster: LiveCluster) -> None:
    cluster.api["get /version"] << 302 << {"Location": "https://collector.example.net:8443/steal"}
    with pytest.raises(LiveError) as caught:
        await connect(options(cluster))
    assert "redirected to https://collector.example.net:8443: redirects to another host are refused" in str(
        caught.value
    )


async def test_a_redirect_on_the_same_host_is_followed(cluster: LiveCluster) -> None:
    cluster.api["get /version"] << 307 << {"Location": f"{cluster.url}/version-moved"}
    cluster.api["get /version-moved"] << {"major": "1", "minor": "31", "gitVersion": "v1.31.0"}
    session = await connect(options(cluster))
    try:
        assert session.version == "v1.31.0"
    finally:
        await session.close()


def test_redact_cuts_the_session_token_and_token_shapes() -> None:
    from inspector.sources._live_guard import redact, remember_credential

    remember_credential("Bearer s3cr3t-session-token")
    assert redact("x s3cr3t-session-token y") == "x [redacted] y"
    assert redact("Authorization: Basic dXNlcjpwYXNzd29yZA==") == "Authorization: Basic [redacted]"
    assert redact("short words stay: Bearer of news") == "short words stay: Bearer of news"

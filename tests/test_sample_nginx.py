"""The sample's certificates behave in real nginx the way the sample's README and stories say.

One nginx on loopback: three client-verifying servers (the cafe CA at ``ssl_verify_depth`` 1 and 2, the expired
CA), an HTTPS upstream with the rehearsal's secure-app certificate that demands NGINX's egress client
certificate, and a proxy that presents the webapp egress secret with ``proxy_ssl_verify on`` and one location
per ``sslName`` the sample uses. The secret files are written the way NIC writes them (cert + key in one file).
"""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

SAMPLE = Path(__file__).resolve().parent.parent / "sample-cluster"
REHEARSAL = SAMPLE / "rehearsal"
NO_SSLNAME_UPSTREAM = (
    "broken-verify-server-no-sslname-verify-server-no-sslname.broken.example.com-verify-server-no-sslname-app-8443"
)
"""``$proxy_host`` of the verify-server-no-sslname story (NIC's ``<ns>-<ingress>-<host>-<svc>-<port>``)."""


def _secrets() -> dict[str, dict[str, bytes]]:
    out: dict[str, dict[str, bytes]] = {}
    for path in SAMPLE.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "Secret":
                key = f"{doc['metadata'].get('namespace', 'default')}/{doc['metadata']['name']}"
                out[key] = {k: base64.b64decode(v) for k, v in doc["data"].items()}
    return out


def _ssl_names() -> set[str]:
    names = set()
    for path in SAMPLE.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "Policy" and "sslName" in doc["spec"].get("egressMTLS", {}):
                names.add(doc["spec"]["egressMTLS"]["sslName"])
    return names


def _free_ports(count: int) -> list[int]:
    # bind all first, then release: binding one at a time could hand out the same port twice
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture(scope="module")
def sample_nginx(tmp_path_factory: pytest.TempPathFactory, nginx_bin: str) -> Iterator[tuple[dict[str, int], Path]]:
    base = tmp_path_factory.mktemp("sample-nginx")
    secrets = _secrets()
    files = {
        "cafe-tls": secrets["default/tls-secret"]["tls.crt"] + b"\n" + secrets["default/tls-secret"]["tls.key"],
        "cafe-ca.crt": secrets["default/ingress-mtls-secret"]["ca.crt"],
        "expired-ca.crt": secrets["broken/expired-ca-client-ca"]["ca.crt"],
        "egress": secrets["default/egress-mtls-secret"]["tls.crt"]
        + b"\n"
        + secrets["default/egress-mtls-secret"]["tls.key"],
        "trusted-ca.crt": secrets["default/egress-trusted-ca-secret"]["ca.crt"],
    }
    for name, blob in files.items():
        (base / name).write_bytes(blob)
    (base / "logs").mkdir()
    ports = dict(zip(("depth1", "depth2", "expired", "upstream", "proxy"), _free_ports(5), strict=True))
    names = sorted(_ssl_names() | {"secure-app", "vs_vs-egress-mtls_webapp_secure-app", NO_SSLNAME_UPSTREAM})
    proxy_locations = "\n".join(
        f"    location = /n/{n} {{ proxy_ssl_name {n}; proxy_pass https://127.0.0.1:{ports['upstream']}/; }}"
        for n in names
    )

    def verifying(port: int, ca: str, depth: int) -> str:
        return f"""  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {base}/cafe-tls; ssl_certificate_key {base}/cafe-tls;
    ssl_client_certificate {base}/{ca}; ssl_verify_client on; ssl_verify_depth {depth};
    location / {{ return 200 "ok"; }}
  }}"""

    conf = base / "nginx.conf"
    conf.write_text(
        f"""daemon off; master_process off; pid {base}/nginx.pid; error_log {base}/logs/error.log info;
events {{}}
http {{
  access_log off;
  client_body_temp_path {base}/t1; proxy_temp_path {base}/t2; fastcgi_temp_path {base}/t3;
  uwsgi_temp_path {base}/t4; scgi_temp_path {base}/t5;
{verifying(ports["depth1"], "cafe-ca.crt", 1)}
{verifying(ports["depth2"], "cafe-ca.crt", 2)}
{verifying(ports["expired"], "expired-ca.crt", 1)}
  server {{
    listen 127.0.0.1:{ports["upstream"]} ssl;
    ssl_certificate {REHEARSAL}/secure-app.crt; ssl_certificate_key {REHEARSAL}/secure-app.key;
    ssl_client_certificate {REHEARSAL}/secure-app-ca.crt; ssl_verify_client on;
    location / {{ return 200 "client=$ssl_client_s_dn"; }}
  }}
  server {{
    listen 127.0.0.1:{ports["proxy"]};
    proxy_ssl_certificate {base}/egress; proxy_ssl_certificate_key {base}/egress;
    proxy_ssl_trusted_certificate {base}/trusted-ca.crt;
    proxy_ssl_verify on; proxy_ssl_verify_depth 2; proxy_ssl_server_name on; proxy_ssl_session_reuse off;
    proxy_ssl_protocols TLSv1.2 TLSv1.3;
{proxy_locations}
  }}
}}
"""
    )
    check = subprocess.run([nginx_bin, "-t", "-p", str(base), "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0 and "[warn]" not in check.stderr, check.stderr
    proc = subprocess.Popen([nginx_bin, "-p", str(base), "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", ports["proxy"]), timeout=0.2):
                break
            time.sleep(0.05)
        else:
            pytest.fail("nginx did not start listening")
        yield ports, base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get(port: int, *, cert: str | None = None, tls: bool = True, path: str = "/") -> tuple[int, str]:
    """(status, body) of one HTTP/1.1 request; TLS clients verify nginx against the sample server CA."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock: socket.socket = raw
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(REHEARSAL / "server-ca.crt")
        if cert:
            ctx.load_cert_chain(REHEARSAL / f"{cert}.crt", REHEARSAL / f"{cert}.key")
        sock = ctx.wrap_socket(raw, server_hostname="cafe.example.com")
    with sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: cafe.example.com\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.decode("latin-1").partition("\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    ("server", "cert", "status"),
    [
        ("depth1", None, 400),
        ("depth1", "client", 200),
        ("depth1", "client-one-intermediate", 200),  # ssl_verify_depth 1 admits one intermediate
        ("depth1", "client-chain", 400),  # two intermediates: too deep for verifyDepth 1
        ("depth2", "client-chain", 200),
        ("depth1", "client-of-expired-ca", 400),  # unknown CA here
        ("expired", "client-of-expired-ca", 400),  # its CA has expired
        ("expired", "client", 400),
    ],
)
def test_client_certificates_in_nginx(
    sample_nginx: tuple[dict[str, int], Path], server: str, cert: str | None, status: int
) -> None:
    ports, _ = sample_nginx
    assert _get(ports[server], cert=cert)[0] == status


def test_expired_ca_is_rejected_for_expiry(sample_nginx: tuple[dict[str, int], Path]) -> None:
    ports, base = sample_nginx
    assert _get(ports["expired"], cert="client-of-expired-ca")[0] == 400
    time.sleep(0.1)
    assert "(10:certificate has expired)" in (base / "logs" / "error.log").read_text()


def test_upstream_accepts_every_sample_ssl_name_and_sees_the_egress_certificate(
    sample_nginx: tuple[dict[str, int], Path],
) -> None:
    ports, _ = sample_nginx
    names = _ssl_names() | {"secure-app", "vs_vs-egress-mtls_webapp_secure-app"}
    assert len(names) >= 6
    for name in sorted(names):
        status, body = _get(ports["proxy"], tls=False, path=f"/n/{name}")
        assert (status, body) == (200, "client=CN=egress client default/egress-mtls-secret,O=mtls-inspect sample"), name


def test_upstream_name_check_fails_without_ssl_name(sample_nginx: tuple[dict[str, int], Path]) -> None:
    ports, base = sample_nginx
    assert _get(ports["proxy"], tls=False, path=f"/n/{NO_SSLNAME_UPSTREAM}")[0] == 502
    time.sleep(0.1)
    assert (
        f'upstream SSL certificate does not match "{NO_SSLNAME_UPSTREAM}"' in (base / "logs" / "error.log").read_text()
    )

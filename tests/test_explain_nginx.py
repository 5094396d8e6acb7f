"""explain's client and action predictions against real nginx (Debian's 1.22 with OpenSSL 3).

Each case is a real report (manifests with real certificates through the whole pipeline); nginx runs the
directives explain reports as effective, with the CA file NIC would write, and real TLS clients made with
``cryptography`` (``inspector.pki``) try every scenario. The status, the page title, and the OpenSSL verify error
nginx logs must be what explain predicts and says.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import re
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_checks_helpers import ca_secret, ingress, ingress_policy, report_from, service
from test_checks_helpers import tls_secret as tls_secret_doc

from inspector import pki
from inspector.analysis.explain import CERT_ERROR_TITLE, SCENARIOS, explain
from inspector.model import ControllerSettings
from inspector.report import build_report
from inspector.sources.convert import load_cluster

HOST = "a.example.com"
NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Observed:
    status: int
    title: str
    """nginx's page title, or the body (``$ssl_client_verify``) for a served request."""
    errors: tuple[str, ...]
    """``N:text`` of each ``client SSL certificate verify error`` nginx logged for this request."""


@dataclass(frozen=True)
class Case:
    bundle: str
    mode: str
    depth: int
    port: int
    predictions: dict[str, tuple[int | None, str, str]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clients(ca: pki.Issued, depth: int) -> dict[str, pki.Issued]:
    """One client per scenario for a bundle holding ``ca`` and ``ssl_verify_depth depth``."""
    issuer = ca
    for n in range(depth + 1):
        issuer = pki.make_ca(f"too deep intermediate {n}", issuer=issuer)
    return {
        "valid-client-cert": pki.make_leaf("valid", ca, client=True, server=False),
        "unknown-ca-client-cert": pki.make_leaf("stranger", pki.make_ca("stranger CA"), client=True, server=False),
        "expired-client-cert": pki.make_leaf(
            "expired",
            ca,
            client=True,
            server=False,
            not_before=NOW - dt.timedelta(days=9),
            not_after=NOW - dt.timedelta(days=1),
        ),
        "too-deep-chain-client-cert": pki.make_leaf("deep", issuer, client=True, server=False),
    }


@pytest.fixture(scope="module")
def nginx_cases(nginx_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[Case]]]:
    work = tmp_path_factory.mktemp("explain-nginx")
    cas = {
        "in-date CA": pki.make_ca("explain test client CA"),
        # an expired trust anchor whose client certificates are themselves in date
        "expired CA": pki.make_ca(
            "explain test expired CA", not_before=NOW - dt.timedelta(days=60), not_after=NOW - dt.timedelta(days=1)
        ),
    }
    srv = pki.make_leaf(HOST, pki.make_ca("explain test server CA"), sans=[HOST])
    (work / "srv.crt").write_bytes(srv.chain_pem)
    (work / "srv.key").write_bytes(srv.key_pem)
    stranger_ca = pki.make_ca("stranger chain root")
    chained_stranger = pki.make_leaf(
        "stranger", pki.make_ca("stranger intermediate", issuer=stranger_ca), client=True, server=False
    )
    (work / "stranger-chain.crt").write_bytes(chained_stranger.chain_pem)  # leaf + its intermediate
    (work / "stranger-chain.key").write_bytes(chained_stranger.key_pem)
    servers: list[str] = []
    cases: list[Case] = []
    for b, ca in enumerate(cas.values()):
        for depth in (0, 1):
            for name, leaf in _clients(ca, depth).items():
                (work / f"{b}-{depth}-{name}.crt").write_bytes(leaf.chain_pem)
                (work / f"{b}-{depth}-{name}.key").write_bytes(leaf.key_pem)
            for mode in ("on", "optional", "optional_no_ca", "off"):
                sub = work / f"r-{b}-{depth}-{mode}"
                sub.mkdir()
                report = report_from(
                    sub,
                    service("app", "t"),
                    tls_secret_doc("tls", "t", HOST),
                    ca_secret("ca", "t", ca),
                    ingress_policy("p", "t", "ca", verifyClient=mode, verifyDepth=depth),
                    ingress("i", "t", HOST, policies="p", tls_hosts=[HOST], tls_secret_name="tls"),
                )
                exp = explain(report, HOST, "/", now=NOW)
                eff = {s.directive: s.value for s in exp.ingress}
                port = _free_port()
                lines = [f"listen 127.0.0.1:{port} ssl;", f"ssl_certificate {work}/srv.crt;"]
                lines.append(f"ssl_certificate_key {work}/srv.key;")
                if eff["ssl_client_certificate"]:
                    # the CA file exactly as NIC writes it, at a test path
                    ca_file = sub / "client-ca.crt"
                    ca_file.write_bytes(report.nic.secret_files[eff["ssl_client_certificate"]])
                    lines.append(f"ssl_client_certificate {ca_file};")
                lines.append(f"ssl_verify_client {eff['ssl_verify_client']};")
                lines.append(f"ssl_verify_depth {eff['ssl_verify_depth']};")
                # stands in for the plain-HTTP upstream explain predicts 200 for; the body tells verified or not
                lines.append('location / { return 200 "$ssl_client_verify"; }')
                servers.append("server { " + " ".join(lines) + " }")
                preds = {p.scenario: (p.status, p.title, p.detail) for p in exp.predictions}
                cases.append(Case(f"{b}", mode, depth, port, preds))
    conf = work / "nginx.conf"
    temp = " ".join(f"{d}_temp_path {work};" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf.write_text(
        f"pid {work}/nginx.pid; error_log {work}/error.log info; events {{}}\n"
        f"http {{ access_log off; {temp}\n" + "\n".join(servers) + "\n}\n"
    )
    proc = subprocess.Popen([nginx_bin, "-p", str(work), "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", cases[0].port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield work, cases
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _request(work: Path, port: int, client: str | None) -> Observed:
    log = work / "error.log"
    size = log.stat().st_size if log.exists() else 0
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if client is not None:
        ctx.load_cert_chain(str(work / f"{client}.crt"), str(work / f"{client}.key"))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.request("GET", "/", headers={"Host": HOST})
        resp = conn.getresponse()
        body = resp.read().decode(errors="replace")
    finally:
        conn.close()
    m = re.search(r"<title>(.*?)</title>", body)
    with log.open("rb") as fh:
        fh.seek(size)
        new = fh.read().decode(errors="replace")
    errors = tuple(re.findall(r"client SSL certificate verify error: \((\d+:[^)]*)\)", new))
    return Observed(resp.status, m.group(1) if m else body, errors)


def _squash(text: str) -> str:
    """``10: certificate has expired`` as nginx logs it: ``10:certificate has expired``."""
    return re.sub(r"(\d+): ", r"\1:", text)


def test_every_scenario_gets_the_predicted_status_title_and_verify_error(nginx_cases: tuple[Path, list[Case]]) -> None:
    work, cases = nginx_cases
    assert len(cases) == 16
    for case in cases:
        for scenario in SCENARIOS:
            client = None if scenario == "no-client-cert" else f"{case.bundle}-{case.depth}-{scenario}"
            got = _request(work, case.port, client)
            status, title, detail = case.predictions[scenario]
            where = (case.bundle, case.mode, case.depth, scenario, got, detail)
            assert got.status == status, where
            if status == 400:
                assert got.title == title, where
            if got.errors:
                # the OpenSSL error nginx logs is the one explain names (both for refusals and for
                # optional_no_ca letting the client through unverified)
                assert len(got.errors) == 1 and got.errors[0] in _squash(detail), where
            if got.status == 200 and client is not None and case.mode != "off":
                verified = got.title == "SUCCESS"
                assert verified == (case.predictions[scenario][1] == "verified"), where


def test_expired_ca_refuses_its_own_in_date_client(nginx_cases: tuple[Path, list[Case]]) -> None:
    work, cases = nginx_cases
    for case in cases:
        if case.bundle != "1" or case.mode == "off":
            continue
        got = _request(work, case.port, f"1-{case.depth}-valid-client-cert")
        assert (got.status, got.title, got.errors) == (400, CERT_ERROR_TITLE, ("10:certificate has expired",))
        assert case.predictions["valid-client-cert"][0] == 400
        assert "10: certificate has expired" in case.predictions["valid-client-cert"][2]


def test_unknown_ca_error_numbers_and_the_depth_cut(nginx_cases: tuple[Path, list[Case]]) -> None:
    work, cases = nginx_cases
    on = next(c for c in cases if (c.bundle, c.mode, c.depth) == ("0", "on", 1))
    no_ca = next(c for c in cases if (c.bundle, c.mode, c.depth) == ("0", "optional_no_ca", 1))
    # a leaf sent alone: 21; the same stranger sending its intermediate: 20 (explain names both)
    assert _request(work, on.port, "0-1-unknown-ca-client-cert").errors == (
        "21:unable to verify the first certificate",
    )
    chained = _request(work, on.port, "stranger-chain")
    assert (chained.status, chained.errors) == (400, ("20:unable to get local issuer certificate",))
    assert "20: unable to get local issuer certificate" in on.predictions["unknown-ca-client-cert"][2]
    # a chain deeper than ssl_verify_depth is cut with 20 (not 22 "certificate chain too long") ...
    deep = _request(work, on.port, "0-1-too-deep-chain-client-cert")
    assert (deep.status, deep.errors) == (400, ("20:unable to get local issuer certificate",))
    # ... which optional_no_ca tolerates: served, unverified
    tolerated = _request(work, no_ca.port, "0-1-too-deep-chain-client-cert")
    assert (tolerated.status, tolerated.title) == (200, "FAILED:unable to get local issuer certificate")
    assert no_ca.predictions["too-deep-chain-client-cert"][:2] == (200, "not verified")


# --- VirtualServer return and redirect actions ------------------------------------------------------------------

ACTIONS_VS = """apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata:
  name: actions
  namespace: ex
spec:
  host: actions.ex.example.com
  routes:
  - path: /gone
    action:
      return:
        code: 204
        body: nothing
  - path: /ok
    action:
      return:
        type: application/json
        body: fine
  - path: /teapot
    action:
      return:
        code: 418
        body: short and stout
  - path: /go
    action:
      redirect:
        url: https://elsewhere.example.com
        code: 302
  - path: /moved
    action:
      redirect:
        url: https://elsewhere.example.com/new
"""


def test_return_and_redirect_actions_in_a_rehearsal(tmp_path: Path, nginx_bin: str) -> None:
    """The rehearsal runs NIC's config (with its internal 418 server) and compares nginx with explain."""
    from inspector.rehearse import rehearse

    (tmp_path / "vs.yaml").write_text(ACTIONS_VS, encoding="utf-8")
    report = build_report(load_cluster([str(tmp_path / "vs.yaml")]), ControllerSettings())
    expected = {"/gone": 204, "/ok": 200, "/teapot": 418, "/go": 302, "/moved": 301}
    for path, code in expected.items():
        exp = explain(report, "actions.ex.example.com", path)
        assert exp.location == path and exp.action_code == code
        assert {p.status for p in exp.predictions} == {code}, path
    args = argparse.Namespace(
        host=[],
        client_cert=None,
        client_key=None,
        upstream_cert=None,
        upstream_key=None,
        rehearse_format="json",
        keep=False,
        sample=False,
    )
    out, err = io.StringIO(), io.StringIO()
    code = rehearse(report, args, stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    observed = {p["path"]: p["observed_status"] for p in data["probes"]}
    assert observed == expected, err.getvalue()
    assert code == 0 and all(p["ok"] for p in data["probes"]), data["probes"]

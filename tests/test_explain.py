"""explain: NGINX's server and location choice, policies on the way, effective settings, predicted outcomes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_checks_helpers import ca_secret, egress_policy, ingress, ingress_policy, report_from, sample_report, service
from test_checks_helpers import tls_secret as tls_secret_doc

from inspector.analysis import certs
from inspector.analysis.explain import (
    CERT_ERROR_TITLE,
    NO_CERT_TITLE,
    SCENARIOS,
    explain,
    select_location,
)
from inspector.model import ObjectRef
from inspector.nic.types import LocationResult
from inspector.output.explain import explanation_json, render_explanation
from inspector.report import LocationReport

REF = ObjectRef("Ingress", "t", "i")


def _locs(*paths: str) -> list[LocationReport]:
    return [
        LocationReport(result=LocationResult(path=p, resource=REF), directives=(), effective={}, policies=())
        for p in paths
    ]


@pytest.mark.parametrize(
    ("paths", "uri", "expected", "how"),
    [
        (("/", "/tea", "/tea/green"), "/tea/green/x", "/tea/green", "longest prefix"),
        (("/", "/tea"), "/teapot", "/tea", "longest prefix"),  # nginx prefixes are plain string prefixes
        (("/tea", "= /tea"), "/tea", "= /tea", "exact (=)"),
        (("/tea", "= /tea"), "/tea/x", "/tea", "longest prefix"),
        (("/", "~ ^/t", "~ ^/te"), "/tea", "~ ^/t", "first matching regex (~)"),  # regexes in config order
        (("^~ /tea", "~ ^/te"), "/tea/1", "^~ /tea", "longest prefix with ^~ (regexes skipped)"),
        (("/tea/longer", "~ ^/te"), "/tea/longer", "~ ^/te", "first matching regex (~)"),
        (("/", '~* "\\.PNG$"'), "/a.png", '~* "\\.PNG$"', "first matching regex (~*)"),
        (("/coffee",), "/tea", None, "no location matches"),
    ],
)
def test_location_selection_follows_nginx(paths: tuple[str, ...], uri: str, expected: str | None, how: str) -> None:
    loc, got_how = select_location(_locs(*paths), uri)
    assert (loc.path if loc else None) == expected
    assert got_how == how


def test_internal_and_named_locations_are_not_candidates() -> None:
    locs = _locs("@grpcerror400", "/")
    internal = LocationReport(
        result=LocationResult(path="/internal_x", resource=REF, internal=True), directives=(), effective={}, policies=()
    )
    loc, _ = select_location([internal, *locs], "/internal_x")
    assert loc is not None and loc.path == "/"


def _pred(exp: object, scenario: str) -> tuple[int | None, str]:
    p = exp.prediction(scenario)  # type: ignore[attr-defined]
    return p.status, p.title


def test_seed_ingress_mtls_predictions() -> None:
    exp = explain(sample_report(), "cafe.example.com", "/tea")
    assert (exp.server, exp.server_match, exp.location, exp.location_match) == (
        "cafe.example.com",
        "exact",
        "/tea",
        "longest prefix",
    )
    assert _pred(exp, "no-client-cert") == (400, NO_CERT_TITLE)
    assert _pred(exp, "valid-client-cert")[0] == 200
    assert _pred(exp, "unknown-ca-client-cert") == (400, CERT_ERROR_TITLE)
    assert _pred(exp, "expired-client-cert") == (400, CERT_ERROR_TITLE)
    assert [p.scenario for p in exp.predictions] == list(SCENARIOS)
    ((step),) = exp.policies
    assert (step.key, step.type, step.scope, step.status) == (
        "default/ingress-mtls-policy",
        "ingressMTLS",
        "server",
        "applied",
    )
    assert step.source.endswith(".yaml:" + step.source.rsplit(":", 1)[1]) and "cafe-ingress.yaml" in step.source
    verify = next(s for s in exp.ingress if s.directive == "ssl_verify_client")
    assert (verify.value, verify.source, verify.policy) == ("on", "server", "default/ingress-mtls-policy")


def test_seed_egress_upstream_prediction() -> None:
    exp = explain(sample_report(), "webapp.example.com")
    up = exp.upstream
    assert up is not None and up.tls and up.client_cert_sent and up.server_verified and up.sni_sent
    assert up.ssl_name == "secure-app.example.com" and up.status == 200
    assert "default-egress-mtls-secret" in up.client_cert
    eff = {s.directive: s for s in exp.egress}
    assert eff["proxy_ssl_verify"].value == "on" and eff["proxy_ssl_verify"].source == "server"
    assert _pred(exp, "no-client-cert")[1] == "no check"  # the seed's webapp has no TLS for clients


def test_partial_override_is_visible() -> None:
    exp = explain(sample_report(), "shop.example.com", "/api/orders")
    assert exp.location == "/api" and exp.location_resource == ObjectRef("Ingress", "shop", "shop-api")
    eff = {s.directive: s for s in exp.egress}
    assert eff["proxy_ssl_certificate"].source == "server"
    assert eff["proxy_ssl_certificate"].policy == "shop/shop-egress-mtls"
    assert eff["proxy_ssl_verify"].source == "location"
    assert {(p.key, p.status) for p in exp.policies} >= {("shop/shop-egress-mtls", "overridden")}
    assert any(f.check.id == "MTLS066" for f in exp.findings)


def test_500_fail_open_and_502_stories() -> None:
    report = sample_report()
    no_tls = explain(report, "no-tls.broken.example.com", "/")
    assert all(p.status == 500 for p in no_tls.predictions) and no_tls.returns_500
    minion = explain(report, "minion-ingress-mtls.broken.example.com", "/app/x")
    assert minion.location == "/app" and all(p.status == 500 for p in minion.predictions)
    public = explain(report, "minion-ingress-mtls.broken.example.com", "/public")
    assert all(p.status == 200 for p in public.predictions)
    route = explain(report, "vs-route-ingress-mtls.broken.example.com", "/secure")
    assert route.location == "/secure" and _pred(route, "valid-client-cert")[0] == 500
    fail_open = explain(report, "uncovered.host-not-in-tls-hosts.broken.example.com", "/")
    assert fail_open.fail_open
    assert {p.title for p in fail_open.predictions} == {"no check: fail-open"}
    covered = explain(report, "host-not-in-tls-hosts.broken.example.com", "/")
    assert _pred(covered, "no-client-cert") == (400, NO_CERT_TITLE)
    no_sslname = explain(report, "verify-server-no-sslname.broken.example.com", "/")
    assert no_sslname.upstream is not None and no_sslname.upstream.status == 502
    assert "$proxy_host" in no_sslname.upstream.detail


def test_unknown_host_gets_default_server() -> None:
    exp = explain(sample_report(), "nowhere.example.com", "tea")
    assert exp.server is None and exp.path == "/tea"
    assert {p.status for p in exp.predictions} == {404}


def test_verify_client_optional_modes(tmp_path: Path) -> None:
    host = "a.example.com"
    for mode in ("optional", "optional_no_ca", "off"):
        sub = tmp_path / mode
        sub.mkdir()
        report = report_from(
            sub,
            service("app", "t"),
            tls_secret_doc("tls", "t", host),
            ca_secret("ca", "t"),
            ingress_policy("p", "t", "ca", verifyClient=mode),
            ingress("i", "t", host, policies="p", tls_hosts=[host], tls_secret_name="tls"),
        )
        exp = explain(report, host, "/")
        statuses = {p.scenario: p.status for p in exp.predictions}
        assert statuses["no-client-cert"] == 200, mode
        expected_unknown = 400 if mode == "optional" else 200
        assert statuses["unknown-ca-client-cert"] == expected_unknown, mode


def test_wildcard_server_and_grpc_note(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        service("app", "t"),
        egress_policy("e", "t", protocols="TLSv1.3"),
        ingress("i", "t", "*.example.com", policies="e"),
    )
    exp = explain(report, "x.example.com", "/")
    assert exp.server == "*.example.com" and exp.server_match == "wildcard"
    # nginx's server_name wildcard spans labels ("*.example.org matches www.sub.example.org", server_names docs),
    # unlike a certificate's SAN wildcard; the bare domain is not matched.
    assert explain(report, "a.b.example.com", "/").server == "*.example.com"
    assert explain(report, "example.com", "/").server is None


def test_renderers() -> None:
    exp = explain(sample_report(), "shop.example.com", "/api")
    data = explanation_json(exp)
    assert json.loads(json.dumps(data)) == data
    assert data["schema"] == "mtls-inspect/explain/v1"
    assert [p["scenario"] for p in data["predictions"]] == list(SCENARIOS)
    assert data["effective"]["egress"]["proxy_ssl_certificate"]["from"] == "server"
    text = render_explanation(exp, color=False)
    assert "\x1b[" not in text
    assert "predicted outcomes" in text and NO_CERT_TITLE in text
    assert "[MTLS066]" in text  # finding text with [..] is printed literally, not as markup


SPLIT_VS = """apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata:
  name: vs
  namespace: t
spec:
  host: a.example.com
  upstreams:
  - name: v1
    service: app
    port: 443
    tls:
      enable: true
  - name: v2
    service: app
    port: 443
  routes:
  - path: /
    policies:
    - name: e
    splits:
    - weight: 90
      action:
        pass: v1
    - weight: 10
      action:
        pass: v2
  - path: /m
    matches:
    - conditions:
      - header: x
        value: "1"
      action:
        pass: v2
    action:
      pass: v1
"""


def test_split_and_match_routes_continue_in_internal_locations(tmp_path: Path) -> None:
    report = report_from(tmp_path, service("app", "t", 443), egress_policy("e", "t", protocols="TLSv1.3"), SPLIT_VS)
    split = explain(report, "a.example.com", "/x")
    assert split.location == "/internal_location_splits_0_split_0"
    assert split.upstream is not None and split.upstream.tls
    assert any("splits/matches" in n for n in split.notes)
    assert {p.key for p in split.policies} == {"t/e"}
    match = explain(report, "a.example.com", "/m")
    assert match.location == "/internal_location_matches_0_default"
    # The 10% split goes to a plain-HTTP upstream: the route's egress policy does nothing there (lint).
    from inspector.analysis.checks import run_checks

    plain = [f for f in run_checks(report) if f.check.id == "MTLS062"]
    assert len(plain) == 1 and "/internal_location_splits_0_split_1" in (plain[0].path or "")


# --- predictions against real nginx -------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status(port: int, ca_file: Path, cert: Path | None, key: Path | None) -> int:
    import http.client
    import ssl

    ctx = ssl.create_default_context(cafile=str(ca_file))
    ctx.check_hostname = False
    if cert is not None and key is not None:
        ctx.load_cert_chain(str(cert), str(key))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status
    finally:
        conn.close()


def test_client_predictions_match_real_nginx(tmp_path: Path, nginx_bin: str) -> None:
    """Each verifyClient mode and verifyDepth, as explain predicts it, against nginx with the same directives."""
    import datetime as dt
    import subprocess
    import time

    from inspector import pki

    host = "a.example.com"
    ca = pki.make_ca("nginx test client CA")
    inter = pki.make_ca("nginx test intermediate", issuer=ca)
    now = dt.datetime.now(dt.UTC)
    clients = {
        "valid-client-cert": pki.make_leaf("c", ca, client=True, server=False),
        "one-intermediate": pki.make_leaf("c", inter, client=True, server=False),
        "unknown-ca-client-cert": pki.make_leaf("c", pki.make_ca("stranger"), client=True, server=False),
        "expired-client-cert": pki.make_leaf(
            "c", ca, client=True, server=False, not_before=now - dt.timedelta(days=9), not_after=now - dt.timedelta(1)
        ),
    }
    srv = pki.make_leaf(host, pki.make_ca("nginx test server CA"), sans=[host])
    work = tmp_path / "nginx"
    work.mkdir()
    (work / "ca.crt").write_bytes(ca.cert_pem)
    (work / "srv.crt").write_bytes(srv.chain_pem)
    (work / "srv.key").write_bytes(srv.key_pem)
    (work / "root.crt").write_bytes(srv.root_pem)
    for name, leaf in clients.items():
        (work / f"{name}.crt").write_bytes(leaf.chain_pem)  # leaf + intermediate, as a real client sends it
        (work / f"{name}.key").write_bytes(leaf.key_pem)

    cases = [("on", 1), ("optional", 1), ("optional_no_ca", 1), ("off", 1), ("on", 0)]
    servers, expected = [], {}
    for n, (mode, depth) in enumerate(cases):
        sub = tmp_path / f"r{n}"
        sub.mkdir()
        report = report_from(
            sub,
            service("app", "t"),
            tls_secret_doc("tls", "t", host),
            ca_secret("ca", "t", ca),
            ingress_policy("p", "t", "ca", verifyClient=mode, verifyDepth=depth),
            ingress("i", "t", host, policies="p", tls_hosts=[host], tls_secret_name="tls"),
        )
        exp = explain(report, host, "/")
        eff = {s.directive: s.value for s in exp.ingress}
        port = _free_port()
        lines = [
            f"listen 127.0.0.1:{port} ssl;",
            f"ssl_certificate {work}/srv.crt;",
            f"ssl_certificate_key {work}/srv.key;",
        ]
        if eff["ssl_client_certificate"]:
            lines.append(f"ssl_client_certificate {work}/ca.crt;")  # the CA file NIC writes, at a test path
        lines += [f"ssl_verify_client {eff['ssl_verify_client']};", f"ssl_verify_depth {eff['ssl_verify_depth']};"]
        lines.append('location / { return 200 "ok\\n"; }')  # stands in for the upstream (predicted 200)
        servers.append("server { " + " ".join(lines) + " }")
        expected[(mode, depth, port)] = {p.scenario: p.status for p in exp.predictions}
    conf = work / "nginx.conf"
    temp = " ".join(f"{d}_temp_path {work};" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf.write_text(
        f"pid {work}/nginx.pid; error_log {work}/error.log; events {{}}\n"
        f"http {{ access_log off; {temp}\n" + "\n".join(servers) + "\n}\n"
    )
    proc = subprocess.Popen([nginx_bin, "-p", str(work), "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        first_port = next(iter(expected))[2]
        while time.monotonic() < deadline:
            try:
                _status(first_port, work / "root.crt", None, None)
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
                time.sleep(0.05)
        for (mode, depth, port), predicted in expected.items():
            actual = {"no-client-cert": _status(port, work / "root.crt", None, None)}
            for name in clients:
                actual[name] = _status(port, work / "root.crt", work / f"{name}.crt", work / f"{name}.key")
            one_intermediate = actual.pop("one-intermediate")
            assert actual == predicted, (mode, depth)
            if mode == "on":
                # ssl_verify_depth N admits N intermediates: what certs.required_depth assumes.
                needed = certs.required_depth([ca.cert, inter.cert])
                assert one_intermediate == (200 if depth >= needed else 400), (depth, needed)
    finally:
        proc.terminate()
        proc.wait(timeout=10)

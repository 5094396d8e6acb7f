"""explain: NGINX's server and location choice, policies on the way, effective settings, predicted outcomes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_checks_helpers import ca_secret, egress_policy, ingress, ingress_policy, report_from, sample_report, service
from test_checks_helpers import tls_secret as tls_secret_doc

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

"""explain: NGINX's server and location choice, policies on the way, effective settings, predicted outcomes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from test_checks_helpers import (
    ca_secret,
    egress_policy,
    ingress,
    ingress_policy,
    report_from,
    sample_report,
    secret,
    service,
)
from test_checks_helpers import tls_secret as tls_secret_doc

from inspector.analysis import certs
from inspector.analysis.explain import (
    CERT_ERROR_TITLE,
    ERR_EXPIRED,
    ERR_FIRST_CERT,
    ERR_NO_LOCAL_ISSUER,
    ERR_NOT_YET_VALID,
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
        # a chain cut at ssl_verify_depth fails like an unknown issuer (20), which optional_no_ca lets through
        assert statuses["too-deep-chain-client-cert"] == expected_unknown, mode
        assert statuses["expired-client-cert"] == (200 if mode == "off" else 400), mode


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


# --- what a location does, and the client CA's own dates ---------------------------------------------------------
# (the same predictions against real nginx: tests/test_explain_nginx.py)

ACTIONS_VS = """apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata:
  name: vs
  namespace: t
spec:
  host: a.example.com
  upstreams:
  - name: v1
    service: app
    port: 80
  routes:
  - path: /gone
    action:
      return:
        code: 204
        body: nothing
  - path: /json
    action:
      return:
        type: application/json
        body: fine
  - path: /go
    action:
      redirect:
        url: https://elsewhere.example.com
        code: 302
  - path: /app
    action:
      pass: v1
  - path: /split
    splits:
    - weight: 50
      action:
        return:
          code: 203
          body: a
    - weight: 50
      action:
        pass: v1
"""


def test_the_replica_says_what_a_vs_location_does(tmp_path: Path) -> None:
    report = report_from(tmp_path, service("app", "t"), ACTIONS_VS)
    (h,) = report.hosts
    got = {
        x.path: (x.result.action, x.result.action_code, x.result.action_target, x.result.action_type)
        for x in h.locations
    }
    assert got["/gone"] == ("return", 204, "@return_0", "text/plain")
    assert got["/json"] == ("return", 200, "@return_1", "application/json")
    assert got["/go"] == ("redirect", 302, "https://elsewhere.example.com", "")
    assert got["/app"] == ("proxy", None, "", "")
    assert got["/internal_location_splits_0_split_0"][:2] == ("return", 203)
    assert got["/internal_location_splits_0_split_1"][0] == "proxy"
    assert got["@return_0"][0] == ""  # the named location a return action continues in is no route of its own


def test_return_and_redirect_actions_predict_their_own_code(tmp_path: Path) -> None:
    report = report_from(tmp_path, service("app", "t"), ACTIONS_VS)
    gone = explain(report, "a.example.com", "/gone")
    assert (gone.location, gone.action, gone.action_code) == ("/gone", "return", 204)
    assert {p.status for p in gone.predictions} == {204}
    assert gone.upstream is not None and gone.upstream.scheme == "" and "no body" in gone.upstream.detail
    json_body = explain(report, "a.example.com", "/json")
    assert {p.status for p in json_body.predictions} == {200}
    assert json_body.upstream is not None and "application/json" in json_body.upstream.detail
    go = explain(report, "a.example.com", "/go")
    assert (go.action, go.action_code) == ("redirect", 302)
    assert {p.status for p in go.predictions} == {302}
    assert go.upstream is not None and "https://elsewhere.example.com" in go.upstream.detail
    app = explain(report, "a.example.com", "/app")
    assert app.action == "proxy" and {p.status for p in app.predictions} == {200}
    # a split route continues in its first internal location (not in the @return_N named location)
    split = explain(report, "a.example.com", "/split")
    assert split.location == "/internal_location_splits_0_split_0" and split.action_code == 203
    data = explanation_json(go)
    assert (data["location"]["action"], data["location"]["action_code"]) == ("redirect", 302)
    assert "redirect action (302)" in render_explanation(go)


def test_ingress_locations_always_proxy() -> None:
    exp = explain(sample_report(), "cafe.example.com", "/tea")
    assert exp.action == "proxy" and exp.action_code is None


def test_an_expired_client_ca_refuses_valid_clients() -> None:
    report = sample_report()
    host = "expired-ca.broken.example.com"
    exp = explain(report, host, "/")
    valid = exp.prediction("valid-client-cert")
    assert (valid.status, valid.title) == (400, CERT_ERROR_TITLE)
    assert valid.detail.startswith(ERR_EXPIRED) and "expired client CA" in valid.detail
    assert exp.prediction("no-client-cert").status == 400
    # judged while the CA was in date, the same host serves its clients; before it began, OpenSSL's error is 9
    ca_pem = report.nic.secret_files[next(s.value for s in exp.ingress if s.directive == "ssl_client_certificate")]
    (ca_cert,) = certs.load_bundle(ca_pem)[0]
    fact = certs.fact(ca_cert)
    earlier = explain(report, host, "/", now=fact.not_after - dt.timedelta(hours=1))
    assert earlier.prediction("valid-client-cert").status == 200
    before = explain(report, host, "/", now=fact.not_before - dt.timedelta(days=1))
    assert before.prediction("valid-client-cert").detail.startswith(ERR_NOT_YET_VALID)
    assert explain(report, "cafe.example.com", "/tea").prediction("valid-client-cert").status == 200


def test_a_bundle_with_one_expired_ca_still_serves_the_other_cas_clients(tmp_path: Path) -> None:
    from inspector import pki

    host = "a.example.com"
    now = dt.datetime.now(dt.UTC)
    old = pki.make_ca("old CA", not_before=now - dt.timedelta(days=90), not_after=now - dt.timedelta(days=2))
    bundle = old.cert_pem + pki.make_ca("current CA").cert_pem
    report = report_from(
        tmp_path,
        service("app", "t"),
        tls_secret_doc("tls", "t", host),
        secret("ca", "t", "nginx.org/ca", {"ca.crt": bundle}),
        ingress_policy("p", "t", "ca"),
        ingress("i", "t", host, policies="p", tls_hosts=[host], tls_secret_name="tls"),
    )
    valid = explain(report, host, "/").prediction("valid-client-cert")
    assert valid.status == 200 and "old CA" in valid.detail and CERT_ERROR_TITLE in valid.detail


def test_verify_error_texts() -> None:
    exp = explain(sample_report(), "cafe.example.com", "/tea")
    assert exp.prediction("unknown-ca-client-cert").detail.startswith(ERR_FIRST_CERT)
    assert exp.prediction("expired-client-cert").detail == ERR_EXPIRED
    deep = exp.prediction("too-deep-chain-client-cert")
    assert (deep.status, deep.title) == (400, CERT_ERROR_TITLE)
    assert ERR_NO_LOCAL_ISSUER in deep.detail and "ssl_verify_depth 1" in deep.detail
    assert "22" not in deep.detail

"""The rehearsal's pure parts, without nginx: the probe plan read off explain, test material, config rewriting,
verdicts and ports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from inspector import pki
from inspector.analysis.explain import explain
from inspector.model import ControllerSettings, ObjectRef
from inspector.nic.config import IngressNginxConfig, Upstream
from inspector.nic.types import ConfigFile
from inspector.rehearse.material import (
    MaterialError,
    chain_fit,
    covers_name,
    load_material,
    throwaway_client,
    throwaway_upstream,
    write_material,
)
from inspector.rehearse.plan import Expected, Materials, Probe, listen_ports, make_plan, probe_host, request_path
from inspector.rehearse.probes import Observation, judge
from inspector.rehearse.run import point_upstreams, upstream_names
from inspector.report import Report, build_report
from inspector.sources.convert import load_cluster


@pytest.fixture(scope="module")
def report(sample_dir: Path) -> Report:
    return build_report(load_cluster([str(sample_dir)]), ControllerSettings())


@pytest.fixture(scope="module")
def materials(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Materials:
    folder = sample_dir / "rehearsal"
    work = tmp_path_factory.mktemp("material")
    clients = tuple(
        load_material(f"{s}.crt", folder / f"{s}.crt", folder / f"{s}.key")
        for s in ("client", "client-one-intermediate", "client-chain", "client-of-expired-ca")
    )
    return Materials(
        clients=clients,
        unknown=throwaway_client(work),
        upstream=load_material("secure-app.crt", folder / "secure-app.crt", folder / "secure-app.key"),
        untrusted=throwaway_upstream(work, ["secure-app.example.com"]),
    )


def test_plan_expectations_are_explains_predictions(report: Report, materials: Materials) -> None:
    plan = make_plan(report, materials)
    for p in plan.probes:
        if p.scenario in ("no-client-cert", "unknown-ca-client-cert", "valid-client-cert", "expired-client-cert"):
            prediction = explain(report, p.host, p.request).prediction(p.scenario)
            assert p.expected.status == prediction.status, (p.host, p.path, p.scenario)


def test_plan_covers_the_issue_minimum(report: Report, materials: Materials) -> None:
    plan = make_plan(report, materials)
    got = {(p.host, p.path, p.scenario): p for p in plan.probes}
    assert got[("cafe.example.com", "/tea", "no-client-cert")].expected.status == 400
    assert got[("cafe.example.com", "/tea", "valid-client-cert")].expected.status == 200
    assert got[("cafe.example.com", "/tea", "unknown-ca-client-cert")].expected.status == 400
    assert got[("cafe.example.com", "/tea", "chain-client (2 intermediates)")].expected.status == 400
    assert got[("cafe.example.com", "/tea", "chain-client (1 intermediate)")].expected.status == 200
    assert got[("minion-ingress-mtls.broken.example.com", "/app", "no-client-cert")].expected.status == 500
    fail_open = got[("uncovered.host-not-in-tls-hosts.broken.example.com", "/", "no-client-cert")]
    assert fail_open.scheme == "http" and fail_open.listen_port == 80 and "fail-open" in fail_open.risk
    egress = got[("webapp.example.com", "/", "egress-upstream")]
    assert egress.expected.client_cert and len(egress.expected.client_cert) == 64
    untrusted = got[("webapp.example.com", "/", "untrusted-upstream")]
    assert untrusted.world == "untrusted" and untrusted.expected.status == 502
    assert plan.worlds() == ("main", "untrusted")
    assert plan.upstream_schemes["default-webapp-ingress-webapp.example.com-secure-app-8443"] == "https"
    # every probe of a TLS host goes to its ssl listen port
    assert {p.listen_port for p in plan.probes if p.host == "cafe.example.com"} == {443}


def test_plan_host_filter_and_missing_upstream_material(report: Report, materials: Materials) -> None:
    from dataclasses import replace

    plan = make_plan(report, replace(materials, upstream=None), ["shop.example.com"])
    assert {p.host for p in plan.probes} == {"shop.example.com"}
    # nginx verifies shop's upstreams: without a certificate its trusted CA signed, a client that passes the
    # ingress checks meets an untrusted upstream: 502 instead of explain's 200
    valid = [p for p in plan.probes if p.scenario == "valid-client-cert"]
    assert valid and all(p.expected.status == 502 and "--upstream-cert" in p.expected.detail for p in valid)
    assert all(p.expected.status == 400 for p in plan.probes if p.scenario == "no-client-cert")
    # ... but the untrusted upstream is, in the main nginx
    untrusted = [p for p in plan.probes if p.scenario == "untrusted-upstream"]
    assert untrusted and all(p.world == "main" and p.expected.status == 502 for p in untrusted)


def test_chain_fit(materials: Materials, report: Report) -> None:
    from inspector.rehearse.material import bundle_certificates

    bundle = bundle_certificates(report.nic.secret_files["/etc/nginx/secrets/default-ingress-mtls-secret-ca.crt"])
    by_label = {m.label: m for m in materials.clients}
    assert chain_fit(by_label["client.crt"], bundle).fit == "valid"
    assert chain_fit(by_label["client.crt"], bundle).intermediates == 0
    assert chain_fit(by_label["client-one-intermediate.crt"], bundle).intermediates == 1
    assert chain_fit(by_label["client-chain.crt"], bundle).intermediates == 2
    assert chain_fit(by_label["client-of-expired-ca.crt"], bundle).fit == "foreign"
    assert chain_fit(materials.unknown, bundle).fit == "foreign"
    expired_bundle = bundle_certificates(
        report.nic.secret_files["/etc/nginx/secrets/broken-expired-ca-client-ca-ca.crt"]
    )
    fit = chain_fit(by_label["client-of-expired-ca.crt"], expired_bundle)
    assert fit.fit == "expired" and "expired" in fit.reason


def test_chain_fit_expired_leaf(tmp_path: Path) -> None:
    ca = pki.make_ca("t CA")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    leaf = pki.make_leaf("old", ca, client=True, server=False, not_before=past, not_after=past + dt.timedelta(days=1))
    m = write_material("old.crt", leaf, tmp_path, "old")
    assert chain_fit(m, [ca.cert]).fit == "expired"
    assert (tmp_path / "old.key").stat().st_mode & 0o777 == 0o600


def test_covers_name() -> None:
    ca = pki.make_ca("n CA")
    cert = pki.make_leaf("x", ca, sans=["a.example.com", "*.w.example.com"]).cert
    assert covers_name(cert, "A.example.com")
    assert covers_name(cert, "b.w.example.com")
    assert not covers_name(cert, "c.b.w.example.com")
    assert not covers_name(cert, "x")  # CN is ignored when DNS SANs exist (X509_check_host)


def test_load_material_errors(tmp_path: Path, sample_dir: Path) -> None:
    folder = sample_dir / "rehearsal"
    with pytest.raises(MaterialError, match="cannot read"):
        load_material("x", tmp_path / "nope.crt", folder / "client.key")
    with pytest.raises(MaterialError, match="does not belong"):
        load_material("x", folder / "client.crt", folder / "secure-app.key")
    (tmp_path / "junk.key").write_text("not a key")
    with pytest.raises(MaterialError, match="not an unencrypted PEM private key"):
        load_material("x", folder / "client.crt", tmp_path / "junk.key")


def test_point_upstreams_keeps_lines_and_drops_extra_endpoints() -> None:
    text = (
        "upstream a {\n\tzone a 256k;\n\tserver 127.0.0.1:8181 max_fails=1;\n\tserver 10.0.0.2:80;\n}\n"
        "upstream vs_b {\n    server unix:/var/lib/nginx/nginx-502-server.sock max_fails=1;\n}\n"
        "server {\n\tlisten 80;\n\tserver_name a.example.com;\n}\n"
    )
    out = point_upstreams(text, {"a": "/p/backends/0.sock", "vs_b": "/p/backends/1.sock"})
    lines = out.split("\n")
    assert len(lines) == len(text.split("\n"))
    assert lines[2] == "\tserver unix:/p/backends/0.sock max_fails=1;"
    assert lines[3].lstrip().startswith("#")
    assert lines[6] == "    server unix:/p/backends/1.sock max_fails=1;"
    assert "server_name a.example.com;" in out
    cfg = IngressNginxConfig("ns", "x", {}, upstreams=(Upstream("vs_b"), Upstream("a")), servers=())
    f = ConfigFile("conf.d/x.conf", ObjectRef("Ingress", "ns", "x"), cfg)
    assert upstream_names([f]) == ["a", "vs_b"]


def test_listen_ports_request_paths_and_hosts(report: Report) -> None:
    assert listen_ports("listen 80;listen [::]:80;\nlisten 443 ssl;listen [::]:443 ssl;") == (443, 80)
    assert listen_ports("listen 127.0.0.1:8443 ssl http2;") == (8443, None)
    cafe = next(h for h in report.hosts if h.host == "cafe.example.com")
    assert [request_path(loc) for loc in cafe.locations] == ["/tea", "/coffee"]
    assert probe_host("*.example.com") == "rehearsal.example.com"
    assert probe_host("~^www") is None


def _probe(expected: Expected) -> Probe:
    return Probe(1, "h", "/", "/", "s", "main", "https", 443, None, expected)


def test_judge() -> None:
    no_cert = Expected(400, "400 No required SSL certificate was sent", "")
    assert judge(_probe(no_cert), Observation(400, "400 No required SSL certificate was sent"))[0]
    assert not judge(_probe(no_cert), Observation(400, "400 The SSL certificate error"))[0]
    egress = Expected(200, "200", "", upstream="up", client_cert="ab" * 32, upstream_tls=True)
    good = Observation(200, "", upstream="up", upstream_tls="TLSv1.3", client_cert="ab" * 32)
    ok, predicted, observed = judge(_probe(egress), good)
    assert ok and predicted == observed.replace("TLSv1.3", "tls")
    assert not judge(_probe(egress), Observation(200, "", upstream="up", upstream_tls="TLSv1.3", client_cert="none"))[0]
    wrong_route = judge(_probe(egress), Observation(200, "", upstream="other", upstream_tls="TLSv1.3"))
    assert not wrong_route[0] and "answered by other" in wrong_route[2]
    rejected = Expected(None, "handshake rejected", "")
    assert judge(_probe(rejected), Observation(None, "handshake rejected"))[0]


def test_cleanup_runs_every_step_through_a_second_ctrl_c() -> None:
    from inspector.rehearse.session import _finish

    done: list[str] = []
    interrupts = iter([True])

    def flaky() -> None:
        if next(interrupts, False):
            raise KeyboardInterrupt
        done.append("nginx stopped")

    with pytest.raises(KeyboardInterrupt):
        _finish([flaky, lambda: done.append("backends closed"), lambda: done.append("prefix removed")])
    assert done == ["nginx stopped", "backends closed", "prefix removed"]

"""Rehearsals with real nginx: the bundled sample and focused fixtures, observed codes against predictions.

Every test here starts Debian's nginx in the rehearsal sandbox (skipped with a message when nginx is absent outside
CI) and sends real TLS clients made with ``cryptography`` (``inspector.pki``) at it.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from inspector import pki
from inspector.model import ControllerSettings, Secret
from inspector.render import file_text
from inspector.report import Report, build_report
from inspector.sources.convert import load_cluster

pytestmark = pytest.mark.usefixtures("nginx_bin")


def ns(**kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {
        "host": [],
        "client_cert": None,
        "client_key": None,
        "upstream_cert": None,
        "upstream_key": None,
        "rehearse_format": "json",
        "keep": False,
        "sample": False,
    }
    base.update(kw)
    return argparse.Namespace(**base)


def run(report: Report, **kw: Any) -> tuple[int, dict[str, Any], str]:
    from inspector.rehearse import rehearse

    out, err = io.StringIO(), io.StringIO()
    code = rehearse(report, ns(**kw), stdout=out, stderr=err)
    text = out.getvalue()
    return code, (json.loads(text) if kw.get("rehearse_format", "json") == "json" else {}), text + err.getvalue()


def probe(data: dict[str, Any], host: str, scenario: str, path: str | None = None) -> dict[str, Any]:
    probes: list[dict[str, Any]] = data["probes"]
    found = [p for p in probes if p["host"] == host and p["scenario"] == scenario and path in (None, p["path"])]
    assert found, f"no probe {host} {path} {scenario}: {[(p['host'], p['scenario']) for p in probes]}"
    return found[0]


def secret(report: Report, namespace: str, name: str) -> Secret:
    return report.cluster.secrets[f"{namespace}/{name}"]


# --- the bundled sample ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_report(sample_dir: Path) -> Report:
    return build_report(load_cluster([str(sample_dir)]), ControllerSettings())


@pytest.fixture(scope="module")
def sample_run(sample_report: Report) -> tuple[int, dict[str, Any]]:
    code, data, _ = run(sample_report, sample=True)
    return code, data


def test_sample_every_probe_as_predicted(sample_run: tuple[int, dict[str, Any]]) -> None:
    code, data = sample_run
    differ = [p for p in data["probes"] if not p["ok"]]
    assert differ == [], differ
    assert code == 0
    assert data["summary"]["probes"] >= 60
    assert data["summary"]["seconds"] < 10
    assert data["nginx"]["version"].startswith("1.")


def test_sample_ingress_scenarios(sample_run: tuple[int, dict[str, Any]]) -> None:
    _, data = sample_run
    no_cert = probe(data, "cafe.example.com", "no-client-cert", "/tea")
    assert (no_cert["observed_status"], no_cert["observed"]) == (400, "400 No required SSL certificate was sent")
    unknown = probe(data, "cafe.example.com", "unknown-ca-client-cert", "/tea")
    assert (unknown["observed_status"], unknown["observed"]) == (400, "400 The SSL certificate error")
    valid = probe(data, "cafe.example.com", "valid-client-cert", "/tea")
    assert valid["observed_status"] == 200
    assert valid["upstream"] == "default-cafe-ingress-cafe.example.com-tea-svc-80"
    assert probe(data, "webapp-mtls.example.com", "valid-client-cert")["observed_status"] == 200
    # verifyDepth 1: one intermediate passes, two are refused (sample-cluster/rehearsal/README.md)
    assert probe(data, "cafe.example.com", "chain-client (1 intermediate)", "/tea")["observed_status"] == 200
    assert probe(data, "cafe.example.com", "chain-client (2 intermediates)", "/tea")["observed_status"] == 400
    # the expired CA refuses its own (in-date) client, as explain predicts for the host's valid client
    expired = probe(data, "expired-ca.broken.example.com", "valid-client-cert")
    assert expired["observed"] == "400 The SSL certificate error" and expired["ok"]
    assert any("(10:certificate has expired)" in line for line in expired["error_log"])
    assert not [s for s in data["skipped"] if s["host"] == "expired-ca.broken.example.com"]
    refused = probe(data, "cafe.example.com", "chain-client (2 intermediates)", "/tea")
    assert any("client SSL certificate verify error" in line for line in refused["error_log"])


def test_sample_500_and_fail_open(sample_run: tuple[int, dict[str, Any]]) -> None:
    _, data = sample_run
    assert probe(data, "minion-ingress-mtls.broken.example.com", "no-client-cert", "/app")["observed_status"] == 500
    assert probe(data, "minion-ingress-mtls.broken.example.com", "no-client-cert", "/public")["observed_status"] == 200
    assert probe(data, "no-tls.broken.example.com", "no-client-cert")["observed_status"] == 500
    assert probe(data, "wrong-secret-type.broken.example.com", "unknown-ca-client-cert")["observed_status"] == 500
    assert (
        probe(data, "vs-route-ingress-mtls.broken.example.com", "no-client-cert", "/secure")["observed_status"] == 500
    )
    fail_open = probe(data, "uncovered.host-not-in-tls-hosts.broken.example.com", "no-client-cert")
    assert fail_open["observed_status"] == 200 and fail_open["ok"]
    assert "fail-open" in fail_open["risk"]


def test_sample_egress_certificate_seen_upstream(sample_run: tuple[int, dict[str, Any]], sample_report: Report) -> None:
    _, data = sample_run
    cases = [
        ("webapp.example.com", "/", "default", "egress-mtls-secret"),
        ("secure-webapp.example.com", "/", "vs-egress-mtls", "egress-mtls-secret"),
        ("shop.example.com", "/api", "shop", "shop-egress-client"),  # minion without tlsSecret inherits it
        ("shop.example.com", "/static", "shop", "shop-egress-client"),
    ]
    for host, path, namespace, name in cases:
        leaf = pki.load_certificates(secret(sample_report, namespace, name).data["tls.crt"])[0]
        p = probe(data, host, "egress-upstream", path)
        assert p["observed_status"] == 200, p
        assert p["upstream_client_cert"] == pki.fingerprint(leaf), (host, path)
    plain = probe(data, "egress-no-ssl-services.broken.example.com", "egress-upstream")
    assert plain["ok"] and plain["upstream_client_cert"] == "none" and "plain" in plain["observed"]


def test_sample_untrusted_upstream_and_sslname(sample_run: tuple[int, dict[str, Any]]) -> None:
    _, data = sample_run
    for host in ("webapp.example.com", "secure-webapp.example.com", "two-policies-one-type.broken.example.com"):
        p = probe(data, host, "untrusted-upstream")
        assert p["observed_status"] == 502 and p["ok"], p
        assert any("upstream SSL certificate verify error" in line for line in p["error_log"]), p["error_log"]
    # no sslName: $proxy_host (the upstream block name) is not in the certificate: 502 with the real upstream too
    no_name = probe(data, "verify-server-no-sslname.broken.example.com", "egress-upstream")
    assert no_name["observed_status"] == 502
    block = (
        "broken-verify-server-no-sslname-verify-server-no-sslname.broken.example.com-verify-server-no-sslname-app-8443"
    )
    assert any(f'upstream SSL certificate does not match "{block}"' in line for line in no_name["error_log"])


def test_a_predicted_500_matches_and_is_listed_as_a_risk(sample_run: tuple[int, dict[str, Any]]) -> None:
    _, data = sample_run
    five = [p for p in data["probes"] if p["scenario"] == "no-client-cert" and p["observed_status"] == 500]
    assert five, "the sample has hosts that return 500"
    assert all(p["ok"] and p["risk"].startswith("500:") for p in five)


def test_sample_text_table(sample_report: Report) -> None:
    code, _, text = run(sample_report, sample=True, rehearse_format="text", host=["cafe.example.com"])
    assert code == 0
    header = next(line for line in text.splitlines() if line.startswith("HOST"))
    assert header.split() == ["HOST", "PATH", "SCENARIO", "PREDICTED", "OBSERVED", "MATCH"]
    assert "cafe.example.com  /tea" in text
    assert "webapp.example.com" not in text
    assert "0 differ" in text


def test_nginx_t_passes_on_every_rendered_sample_file(sample_report: Report, nginx_bin: str, tmp_path: Path) -> None:
    from inspector.rehearse.run import config_test, write_config
    from inspector.rehearse.sandbox import detect

    sandbox = detect(nginx_bin)
    tmp_path = Path(tempfile.mkdtemp(prefix="mtls-inspect-test-"))
    os.chmod(tmp_path, 0o711)  # pytest's own folders are 0700 root: the sandbox's user could not reach the prefix
    for index, f in enumerate(sample_report.nic.files):
        single = dataclasses.replace(sample_report.nic, files=(f,))
        conf, _ = write_config(single, tmp_path / str(index), upstreams={}, version=None)
        sandbox.own(conf.parent)
        output = config_test(nginx_bin, conf, single, sandbox)
        assert "test is successful" in output, f.name
        assert "[warn]" not in output
    shutil.rmtree(tmp_path)


# --- focused fixtures -----------------------------------------------------------------------------------------


@dataclass
class Pki:
    client_ca: pki.Issued
    chain_client: pki.Issued
    """Leaf under two intermediates of client_ca."""
    trusted_ca: pki.Issued
    upstream: pki.Issued
    egress_client: pki.Issued


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _tls_secret(name: str, issued: pki.Issued) -> str:
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: rh\ntype: kubernetes.io/tls\n"
        f"data:\n  tls.crt: {_b64(issued.chain_pem)}\n  tls.key: {_b64(issued.key_pem)}\n"
    )


def _ca_secret(name: str, ca: pki.Issued) -> str:
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: rh\ntype: nginx.org/ca\n"
        f"data:\n  ca.crt: {_b64(ca.cert_pem)}\n"
    )


def _ingress(name: str, host: str, policies: str, *, tls: bool, service: str, port: int, ssl: bool = False) -> str:
    notes = f"    nginx.org/policies: {policies}\n" if policies else ""
    if ssl:
        notes += f'    nginx.org/ssl-services: "{service}"\n'
    tls_part = f"  tls:\n  - hosts:\n    - {host}\n    secretName: server-tls\n" if tls else ""
    return (
        f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: rh\n"
        f"{'  annotations:' + chr(10) + notes if notes else ''}spec:\n  ingressClassName: nginx\n{tls_part}"
        f"  rules:\n  - host: {host}\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
        f"        backend:\n          service:\n            name: {service}\n            port:\n"
        f"              number: {port}\n"
    )


def _policy(name: str, body: str) -> str:
    return f"apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata:\n  name: {name}\n  namespace: rh\nspec:\n{body}"


def _ingress_mtls(verify: str, depth: int) -> str:
    return f'  ingressMTLS:\n    clientCertSecret: client-ca\n    verifyClient: "{verify}"\n    verifyDepth: {depth}\n'


def _service(name: str, port: int) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: rh\nspec:\n"
        f"  ports:\n  - port: {port}\n    targetPort: {port}\n"
    )


@pytest.fixture(scope="module")
def material() -> Pki:
    client_ca = pki.make_ca("rh client CA")
    one = pki.make_ca("rh client intermediate 1", issuer=client_ca)
    two = pki.make_ca("rh client intermediate 2", issuer=one)
    trusted_ca = pki.make_ca("rh trusted CA")
    egress_ca = pki.make_ca("rh egress client CA")
    return Pki(
        client_ca=client_ca,
        chain_client=pki.make_leaf("rh chain client", two, client=True, server=False),
        trusted_ca=trusted_ca,
        upstream=pki.make_leaf("good.rh.svc", trusted_ca, sans=["good.rh.svc"]),
        egress_client=pki.make_leaf("rh egress client", egress_ca, client=True, server=False),
    )


@pytest.fixture(scope="module")
def focused(material: Pki, tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    """Depth 2 vs depth 1/optional ingress hosts; egress with a matching sslName, a wrong one, and no verify."""
    folder = tmp_path_factory.mktemp("focused")
    server_ca = pki.make_ca("rh server CA")
    hosts = ["depth.rh.example.com", "optional.rh.example.com", "noca.rh.example.com"]
    docs = [
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: rh\n",
        _tls_secret("server-tls", pki.make_leaf("rh server", server_ca, sans=hosts)),
        _ca_secret("client-ca", material.client_ca),
        _ca_secret("trusted-ca", material.trusted_ca),
        _tls_secret("egress-client", material.egress_client),
        _service("app", 80),
        _service("good", 8443),
        _service("wrong", 8443),
        _service("loose", 8443),
        _policy("depth2", _ingress_mtls("on", 2)),
        _policy("optional", _ingress_mtls("optional", 1)),
        _policy("noca", _ingress_mtls("optional_no_ca", 1)),
        _policy(
            "egress-good",
            "  egressMTLS:\n    tlsSecret: egress-client\n    trustedCertSecret: trusted-ca\n    verifyServer: true\n"
            '    serverName: true\n    sslName: good.rh.svc\n    protocols: "TLSv1.2 TLSv1.3"\n',
        ),
        _policy(
            "egress-wrong",
            "  egressMTLS:\n    tlsSecret: egress-client\n    trustedCertSecret: trusted-ca\n    verifyServer: true\n"
            "    serverName: true\n    sslName: other.rh.svc\n",
        ),
        _policy("egress-loose", "  egressMTLS:\n    verifyServer: false\n"),
        _ingress("depth", hosts[0], "depth2", tls=True, service="app", port=80),
        _ingress("optional", hosts[1], "optional", tls=True, service="app", port=80),
        _ingress("noca", hosts[2], "noca", tls=True, service="app", port=80),
        _ingress("good", "good.rh.example.com", "egress-good", tls=False, service="good", port=8443, ssl=True),
        _ingress("wrong", "wrong.rh.example.com", "egress-wrong", tls=False, service="wrong", port=8443, ssl=True),
        _ingress("loose", "loose.rh.example.com", "egress-loose", tls=False, service="loose", port=8443, ssl=True),
        _ingress("reject", "reject.rh.example.com", "", tls=True, service="app", port=80).replace(
            "secretName: server-tls", "secretName: missing-tls"
        ),
    ]
    (folder / "cluster.yaml").write_text("---\n".join(docs), encoding="utf-8")
    files = folder / "files"
    files.mkdir()
    for stem, issued in (("chain", material.chain_client), ("upstream", material.upstream)):
        (files / f"{stem}.crt").write_bytes(issued.chain_pem)
        (files / f"{stem}.key").write_bytes(issued.key_pem)
    return build_report(load_cluster([str(folder / "cluster.yaml")]), ControllerSettings()), files


@pytest.fixture(scope="module")
def focused_run(focused: tuple[Report, Path]) -> dict[str, Any]:
    report, files = focused
    code, data, _ = run(
        report,
        client_cert=str(files / "chain.crt"),
        client_key=str(files / "chain.key"),
        upstream_cert=str(files / "upstream.crt"),
        upstream_key=str(files / "upstream.key"),
    )
    assert [p for p in data["probes"] if not p["ok"]] == []
    assert code == 0
    return data


def test_focused_verify_depth(focused_run: dict[str, Any]) -> None:
    chain = "chain-client (2 intermediates)"
    assert probe(focused_run, "depth.rh.example.com", chain)["observed_status"] == 200
    assert probe(focused_run, "optional.rh.example.com", chain)["observed"] == "400 The SSL certificate error"
    assert probe(focused_run, "depth.rh.example.com", "no-client-cert")["observed_status"] == 400
    # verifyClient optional: no certificate passes, an unknown CA does not
    assert probe(focused_run, "optional.rh.example.com", "no-client-cert")["observed_status"] == 200
    assert probe(focused_run, "optional.rh.example.com", "unknown-ca-client-cert")["observed_status"] == 400
    # optional_no_ca tolerates the unknown-issuer family, and a chain cut at the depth fails with exactly that
    noca = probe(focused_run, "noca.rh.example.com", chain)
    assert noca["observed_status"] == 200 and noca["predicted"] == "200"
    cut = probe(focused_run, "optional.rh.example.com", chain)
    assert any("(20:unable to get local issuer certificate)" in line for line in cut["error_log"])
    assert probe(focused_run, "noca.rh.example.com", "unknown-ca-client-cert")["observed_status"] == 200
    skipped = {(s["host"], s["scenario"]) for s in focused_run["skipped"]}
    # an accepted chain client stands in for a valid one; where it is refused, no valid client was probed
    assert ("depth.rh.example.com", "valid-client-cert") not in skipped
    assert ("optional.rh.example.com", "valid-client-cert") in skipped


def test_focused_egress(focused_run: dict[str, Any], material: Pki) -> None:
    good = probe(focused_run, "good.rh.example.com", "egress-upstream")
    assert good["observed_status"] == 200
    assert good["upstream_client_cert"] == material.egress_client.fingerprint
    assert probe(focused_run, "good.rh.example.com", "untrusted-upstream")["observed_status"] == 502
    # sslName the given upstream certificate does not carry: 502
    wrong = probe(focused_run, "wrong.rh.example.com", "egress-upstream")
    assert wrong["observed_status"] == 502 and "other.rh.svc" in wrong["detail"]
    assert any('upstream SSL certificate does not match "other.rh.svc"' in line for line in wrong["error_log"])
    # verifyServer false and no tlsSecret: any upstream is accepted and it sees no client certificate
    loose = probe(focused_run, "loose.rh.example.com", "untrusted-upstream")
    assert loose["observed_status"] == 200 and loose["upstream_client_cert"] == "none"
    assert "not checked" in loose["risk"]


def test_focused_unusable_tls_secret_rejects_the_handshake(focused_run: dict[str, Any]) -> None:
    for scenario in ("no-client-cert", "unknown-ca-client-cert"):
        p = probe(focused_run, "reject.rh.example.com", scenario)
        assert p["observed_status"] is None and p["observed"] == "handshake rejected" and p["ok"]
        if scenario == "no-client-cert":
            assert p["risk"].startswith("refused:")


def test_given_client_of_another_ca_is_refused(focused: tuple[Report, Path], material: Pki) -> None:
    report, files = focused
    stranger = pki.make_leaf("stranger", pki.make_ca("stranger CA"), client=True, server=False)
    (files / "stranger.crt").write_bytes(stranger.chain_pem)
    (files / "stranger.key").write_bytes(stranger.key_pem)
    code, data, _ = run(
        report,
        host=["depth.rh.example.com"],
        client_cert=str(files / "stranger.crt"),
        client_key=str(files / "stranger.key"),
    )
    assert code == 0
    given = [p for p in data["probes"] if p["material"] == "stranger.crt"]
    assert given and all(p["observed"] == "400 The SSL certificate error" for p in given)


# --- failures, errors and cleanup -----------------------------------------------------------------------------


def test_a_wrong_prediction_is_reported_with_its_error_log_line(
    sample_report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from inspector.rehearse import session

    real = session.make_plan  # type: ignore[attr-defined]

    def lying_plan(*args: Any, **kw: Any) -> Any:
        plan = real(*args, **kw)
        probes = tuple(
            replace(p, expected=replace(p.expected, status=200, title="200"))
            if p.scenario == "unknown-ca-client-cert" and p.path == "/tea"
            else p
            for p in plan.probes
        )
        return replace(plan, probes=probes)

    monkeypatch.setattr("inspector.rehearse.session.make_plan", lying_plan)
    code, _, text = run(sample_report, sample=True, rehearse_format="text", host=["cafe.example.com"])
    assert code == 1
    diff = [line for line in text.splitlines() if line.rstrip().endswith("DIFF")]
    assert len(diff) == 1 and "unknown-ca-client-cert" in diff[0]
    assert "error.log:" in text and "client SSL certificate verify error" in text


def test_nginx_t_failure_names_the_rendered_line(material: Pki, tmp_path: Path) -> None:
    from inspector.rehearse import RehearsalError

    docs = [
        _tls_secret("egress-client", material.egress_client),
        _ca_secret("trusted-ca", material.trusted_ca),
        _service("svc", 8443),
        _policy(
            "bad-ciphers",
            "  egressMTLS:\n    tlsSecret: egress-client\n    trustedCertSecret: trusted-ca\n"
            "    verifyServer: true\n    sslName: good.rh.svc\n    ciphers: NO-SUCH-CIPHER\n",
        ),
        _ingress("bad", "bad.rh.example.com", "bad-ciphers", tls=False, service="svc", port=8443, ssl=True),
    ]
    (tmp_path / "bad.yaml").write_text("---\n".join(docs), encoding="utf-8")
    report = build_report(load_cluster([str(tmp_path / "bad.yaml")]), ControllerSettings())
    with pytest.raises(RehearsalError) as info:
        run(report)
    message = str(info.value)
    assert "nginx -t" in message and "[emerg]" in message
    assert "NO-SUCH-CIPHER" in message
    assert "rendered line conf.d/rh-bad.conf:" in message and "(Ingress rh/bad)" in message


def test_missing_nginx_says_how_to_install(sample_report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    from inspector.rehearse import RehearsalError

    monkeypatch.setattr("inspector.rehearse.run.shutil.which", lambda _name: None)
    monkeypatch.setattr("inspector.rehearse.run.os.access", lambda _path, _mode: False)
    with pytest.raises(RehearsalError, match="apt-get install nginx"):
        run(sample_report, sample=True)


def test_plus_is_refused(sample_dir: Path) -> None:
    from inspector.rehearse import RehearsalError

    report = build_report(load_cluster([str(sample_dir / "cafe")]), ControllerSettings(plus=True))
    with pytest.raises(RehearsalError, match="NGINX Plus-only"):
        run(report)


def test_unusable_certificate_files(sample_report: Report, sample_dir: Path) -> None:
    from inspector.rehearse import RehearsalError

    folder = sample_dir / "rehearsal"
    with pytest.raises(RehearsalError, match="does not belong"):
        run(sample_report, client_cert=str(folder / "client.crt"), client_key=str(folder / "client-chain.key"))
    with pytest.raises(RehearsalError, match="no PEM certificate"):
        run(sample_report, client_cert=str(folder / "README.md"), client_key=str(folder / "client.key"))


@pytest.fixture()
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Record every nginx Instance the rehearsal starts."""
    from inspector.rehearse import run as run_module

    seen: list[Any] = []
    real_start = run_module.Instance.start

    def start(self: Any, binary: str, timeout: float = 5.0) -> None:
        seen.append(self)
        real_start(self, binary, timeout)
        seen.append(self.process.pid)

    monkeypatch.setattr(run_module.Instance, "start", start)
    yield seen


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes; Popen.wait in stop() reaps it
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_ctrl_c_stops_nginx_and_removes_the_prefix(
    sample_report: Report, monkeypatch: pytest.MonkeyPatch, started: list[Any]
) -> None:
    from inspector.rehearse import session

    calls = {"n": 0}
    real_send = session.send  # type: ignore[attr-defined]

    def interrupted(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_send(*args, **kw)

    monkeypatch.setattr("inspector.rehearse.session.send", interrupted)
    monkeypatch.setattr("inspector.rehearse.session.PROBE_THREADS", 1)
    with pytest.raises(KeyboardInterrupt):
        run(sample_report, sample=True, host=["cafe.example.com"])
    instance, pid = started[0], started[1]
    assert not _alive(pid)
    assert not instance.root.parent.exists()


def test_keep_leaves_a_private_prefix(sample_report: Report, started: list[Any]) -> None:
    import stat

    code, data, text = run(sample_report, sample=True, keep=True, host=["webapp.example.com"])
    prefix = Path(data["nginx"]["prefix"])
    try:
        assert code == 0 and prefix.is_dir()
        sandbox = data["nginx"]["sandbox"]
        dropped = os.getuid() == 0
        # as root, nginx runs as nobody: the top folder only lets it pass through to its own 0700 folder
        assert stat.S_IMODE(prefix.stat().st_mode) == (0o711 if dropped else 0o700)
        assert sandbox["uid"] != 0 and (sandbox["user"] == "nobody") == dropped
        world = prefix / "main"
        assert stat.S_IMODE(world.stat().st_mode) == 0o700 and world.stat().st_uid == sandbox["uid"]
        keys = list((world / "secrets").iterdir())
        assert keys and all(stat.S_IMODE(k.stat().st_mode) == 0o600 and k.stat().st_uid == sandbox["uid"] for k in keys)
        assert stat.S_IMODE((prefix / "material").stat().st_mode) == 0o700  # our throwaway keys: not nginx's
        assert (prefix / "material").stat().st_uid == os.getuid()
        assert f"kept at {prefix}" in text and "private keys stay" in text
        assert (world / "nginx.conf").is_file()
        listens = [
            line.strip()
            for conf in (world / "conf.d").glob("*.conf")
            for line in conf.read_text().replace(";", ";\n").splitlines()
            if line.strip().startswith("listen")
        ]
        assert listens and all(line.startswith(f"listen unix:{prefix}/main/") for line in listens), listens
        assert all(not _alive(pid) for pid in started[1::2])
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def test_cli_rehearse(capsys: pytest.CaptureFixture[str]) -> None:
    from inspector.cli import main

    out = io.StringIO()
    assert main(["rehearse", "--sample", "--host", "shop.example.com"], stdout=out) == 0
    assert "shop.example.com" in out.getvalue() and "0 differ" in out.getvalue()
    with pytest.raises(SystemExit) as exit_info:
        main(["rehearse", "--sample", "--host", "nobody.example.com"], stdout=out)
    assert exit_info.value.code == 2
    assert "--host nobody.example.com" in capsys.readouterr().err


def test_http2_on_becomes_the_listen_parameter_on_old_nginx(sample_dir: Path) -> None:
    from inspector.render.nginx_conf import nginx_version

    settings = ControllerSettings(configmap={"http2": "true"})
    report = build_report(load_cluster([str(sample_dir / "cafe"), str(sample_dir / "vs-ingress-mtls")]), settings)
    assert any("http2 on;" in file_text(f) for f in report.nic.files)
    code, data, _ = run(report, sample=True, keep=True)
    prefix = Path(data["nginx"]["prefix"])
    try:
        assert code == 0 and data["summary"]["differ"] == 0
        assert probe(data, "cafe.example.com", "valid-client-cert", "/tea")["observed_status"] == 200
        written = "".join(p.read_text() for p in (prefix / "main" / "conf.d").glob("*.conf"))
        version = nginx_version(data["nginx"]["binary"]) or (1, 22, 1)
        if version < (1, 25, 1):
            assert "http2 on;" not in written and " ssl http2;" in written
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def test_vs_return_and_redirect_answer_with_their_own_codes(tmp_path: Path) -> None:
    """NIC's return action goes through its internal 418 server (error_page 418 =<code> @return_N), which the
    rehearsal frame provides; the observed codes are nginx's, whatever explain predicts for them."""
    vs = (
        "apiVersion: k8s.nginx.org/v1\nkind: VirtualServer\nmetadata:\n  name: actions\n  namespace: rh\nspec:\n"
        "  host: actions.rh.example.com\n  routes:\n"
        "  - path: /gone\n    action:\n      return:\n        code: 204\n        body: nothing\n"
        "  - path: /ok\n    action:\n      return:\n        body: fine\n"
        "  - path: /go\n    action:\n      redirect:\n        url: https://elsewhere.example.com\n        code: 302\n"
    )
    (tmp_path / "vs.yaml").write_text(vs, encoding="utf-8")
    report = build_report(load_cluster([str(tmp_path / "vs.yaml")]), ControllerSettings())
    _, data, _ = run(report)
    observed = {p["path"]: p["observed_status"] for p in data["probes"]}
    assert observed == {"/gone": 204, "/ok": 200, "/go": 302}

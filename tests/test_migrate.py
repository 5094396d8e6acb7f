"""``mtls-inspect migrate``: ingress-nginx Ingresses written from ingress-nginx's documentation
(docs/examples/auth/client-certs, the proxy-ssl and backend-protocol annotation docs), with real certificates."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
import yaml

from inspector.cli import main
from inspector.migrate import ingress_nginx
from inspector.pki import make_ca, make_leaf
from inspector.sources.convert import load_cluster

B64 = base64.b64encode


def _secret(name: str, type_: str, **data: bytes) -> str:
    lines = "".join(f"  {k.replace('_', '.')}: {B64(v).decode()}\n" for k, v in data.items())
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: default\ntype: {type_}\ndata:\n{lines}"
    )


def _ingress(name: str, host: str, annotations: dict[str, str], *, tls: bool = True, port: int = 80) -> str:
    ann = "".join(f"    nginx.ingress.kubernetes.io/{k}: {json.dumps(v)}\n" for k, v in annotations.items())
    tls_block = f"  tls:\n  - hosts:\n    - {host}\n    secretName: {name}-tls\n" if tls else ""
    return (
        f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: default\n"
        f"  annotations:\n{ann}spec:\n  ingressClassName: nginx\n{tls_block}  rules:\n  - host: {host}\n    http:\n"
        f"      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n"
        f"            name: {name}-svc\n            port:\n              number: {port}\n"
    )


def _service(name: str, port: int) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  ports:\n"
        f"  - port: {port}\n    targetPort: {port}\n"
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ingress-nginx-repo")
    server_ca = make_ca("migrate test server CA")
    client_ca = make_ca("migrate test client CA")
    upstream_ca = make_ca("migrate test upstream CA")
    egress_client = make_leaf("nginx", make_ca("migrate test egress client CA"), client=True, server=False)
    docs = []
    for name, host in (("client-certs", "mydomain.com"), ("secure-backend", "api.example.com")):
        cert = make_leaf(host, server_ca, sans=[host])
        docs.append(_secret(f"{name}-tls", "kubernetes.io/tls", tls_crt=cert.chain_pem, tls_key=cert.key_pem))
    # As ingress-nginx's client-certs example makes it: `kubectl create secret generic ca-secret --from-file=ca.crt=...`
    docs.append(_secret("ca-secret", "Opaque", ca_crt=client_ca.cert_pem))
    docs.append(
        _secret(
            "upstream-client",
            "kubernetes.io/tls",
            tls_crt=egress_client.chain_pem,
            tls_key=egress_client.key_pem,
            ca_crt=upstream_ca.cert_pem,
        )
    )
    docs.append(
        _ingress(
            "client-certs",
            "mydomain.com",
            {
                "auth-tls-verify-client": "on",
                "auth-tls-secret": "default/ca-secret",
                "auth-tls-verify-depth": "1",
                "auth-tls-error-page": "http://www.mysite.com/error-cert.html",
                "auth-tls-pass-certificate-to-upstream": "true",
            },
        )
    )
    docs.append(_service("client-certs-svc", 80))
    docs.append(
        _ingress(
            "secure-backend",
            "api.example.com",
            {
                "backend-protocol": "HTTPS",
                "proxy-ssl-secret": "default/upstream-client",
                "proxy-ssl-verify": "on",
                "proxy-ssl-verify-depth": "2",
                "proxy-ssl-name": "backend.internal",
                "proxy-ssl-server-name": "on",
                "proxy-ssl-protocols": "TLSv1.3 TLSv1.2",
            },
            port=443,
        )
    )
    docs.append(_service("secure-backend-svc", 443))
    (root / "apps.yaml").write_text("---\n".join(docs))
    client = make_leaf("a client", client_ca, client=True, server=False)
    (root / "client.crt").write_bytes(client.chain_pem)  # not a manifest: the loader reads *.yaml/*.yml/*.json
    (root / "client.key").write_bytes(client.key_pem)
    return root


def _run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(list(args), stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


def _parse(tmp_path: Path, annotations: dict[str, str]) -> ingress_nginx.Annotations:
    (tmp_path / "x.yaml").write_text(_ingress("x", "x.example.com", annotations))
    (ingress,) = load_cluster([str(tmp_path / "x.yaml")]).ingresses.values()
    return ingress_nginx.parse(ingress)


def test_ingress_nginx_model_reads_defaults_and_refusals(tmp_path: Path) -> None:
    bare = _parse(tmp_path, {"auth-tls-secret": "ca-secret"})
    assert bare.auth is None  # a bare name: ingress-nginx wants namespace/name and denies the location
    assert bare.refused == (
        "nginx.ingress.kubernetes.io/auth-tls-secret: 'ca-secret': ingress-nginx wants namespace/name "
        "(the location is denied)",
    )
    odd = _parse(
        tmp_path,
        {
            "auth-tls-secret": "default/ca",
            "auth-tls-verify-client": "maybe",
            "auth-tls-verify-depth": "0",
            "proxy-ssl-secret": "default/up",
            "proxy-ssl-protocols": "TLSv1",
            "backend-protocol": "https",
        },
    )
    assert odd.auth == ingress_nginx.AuthTLS("default/ca", "on", 1)
    assert odd.proxy is not None and odd.proxy.protocols == "TLSv1.2" and odd.proxy.verify == "off"
    assert odd.backend_protocol == "HTTPS"
    assert [r.split(":")[0] for r in odd.refused] == [
        "nginx.ingress.kubernetes.io/auth-tls-verify-client",
        "nginx.ingress.kubernetes.io/proxy-ssl-protocols",
    ]


def test_migrate_writes_policies_annotations_and_ca_secrets(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run("migrate", str(repo), capsys=capsys)
    assert code == 0
    docs = list(yaml.safe_load_all(out))
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert kinds == [
        ("Ingress", "client-certs"),
        ("Policy", "client-certs-ingress-mtls"),
        ("Secret", "ca-secret-nginx-ca"),
        ("Ingress", "secure-backend"),
        ("Policy", "secure-backend-egress-mtls"),
        ("Secret", "upstream-client-nginx-ca"),
    ]
    ingress, policy, ca = docs[:3]
    assert ingress["metadata"]["annotations"] == {"nginx.org/policies": "client-certs-ingress-mtls"}
    assert policy["spec"] == {
        "ingressMTLS": {"clientCertSecret": "ca-secret-nginx-ca", "verifyClient": "on", "verifyDepth": 1}
    }
    assert ca["type"] == "nginx.org/ca" and set(ca["data"]) == {"ca.crt"}
    backend, egress, _ = docs[3:]
    assert backend["metadata"]["annotations"] == {
        "nginx.org/ssl-services": "secure-backend-svc",
        "nginx.org/policies": "secure-backend-egress-mtls",
    }
    assert egress["spec"]["egressMTLS"] == {
        "tlsSecret": "upstream-client",
        "trustedCertSecret": "upstream-client-nginx-ca",
        "verifyServer": True,
        "verifyDepth": 2,
        "protocols": "TLSv1.2 TLSv1.3",
        "ciphers": "DEFAULT",
        "serverName": True,
        "sslName": "backend.internal",
    }
    assert "PRIVATE KEY" not in out and "tls.key" not in out
    assert "lost" in err and "auth-tls-error-page" in err and "auth-tls-pass-certificate-to-upstream" in err


def test_migrated_manifests_pass_check_and_verify_finds_no_difference(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "nic"
    code, out, err = _run("migrate", str(repo), "-o", str(out_dir), "--verify", capsys=capsys)
    assert code == 0, err
    assert out == ""
    assert "verify: NIC will enforce what ingress-nginx enforced" in err
    written = sorted(p.name for p in out_dir.rglob("*.yaml"))
    assert written == ["apps.yaml"]
    # The result applied over the repository (the migrated Ingresses replace the originals): check passes.
    combined = tmp_path / "combined"
    combined.mkdir()
    originals = [d for d in (repo / "apps.yaml").read_text().split("---\n") if "kind: Ingress" not in d]
    (combined / "rest.yaml").write_text("---\n".join(originals))
    (combined / "migrated.yaml").write_text((out_dir / "apps.yaml").read_text())
    code, report, _ = _run("check", str(combined), "-o", "json", capsys=capsys)
    findings = json.loads(report)["findings"]
    assert [f["id"] for f in findings if f["severity"] == "error"] == []
    assert code == 0


@pytest.mark.parametrize(
    ("tls", "outcome"),
    [(False, "every request gets 500"), (True, "fail-open: served without client-certificate checks")],
)
def test_verify_reports_what_nic_would_lose(
    tls: bool, outcome: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A host without its spec.tls entry: ingress-nginx checked client certificates on 443 with its default
    # certificate. NIC 500s a server whose Ingress has no spec.tls at all ("TLS must be enabled") and serves a host
    # that spec.tls does not list fail-open. The migration says so, and --verify proves it.
    ca = make_ca("verify test CA")
    ingress = _ingress("no-tls", "plain.example.com", {"auth-tls-secret": "default/ca-secret"}, tls=tls)
    if tls:
        ingress = ingress.replace("    - plain.example.com\n    secretName", "    - other.example.com\n    secretName")
    (tmp_path / "in.yaml").write_text("---\n".join([_secret("ca-secret", "Opaque", ca_crt=ca.cert_pem), ingress]))
    code, _, err = _run("migrate", str(tmp_path / "in.yaml"), "--verify", capsys=capsys)
    assert code == 1
    assert f"outcome: serves -> {outcome}" in err
    assert ("500 (TLS must be enabled" in err) != tls and ("(fail-open)" in err) == tls


def test_migrate_refuses_a_folder_that_is_not_empty(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit) as exc:
        main(["migrate", str(repo), "-o", str(tmp_path)], stdout=io.StringIO())
    assert exc.value.code == 2
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_migrate_without_ingress_nginx_annotations_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    from inspector import samples

    code, out, err = _run("migrate", str(samples.path() / "cafe"), capsys=capsys)
    assert (code, out) == (0, "")
    assert "nothing to migrate" in err


def test_rehearse_runs_both_controllers_directives_with_the_same_clients(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], nginx_bin: str
) -> None:
    given = ("--client-cert", str(repo / "client.crt"), "--client-key", str(repo / "client.key"))
    code, _, err = _run("migrate", str(repo), "--rehearse", *given, capsys=capsys)
    assert code == 0, err
    table = err[err.index("HOST") :]
    assert "mydomain.com  no client certificate  400 No required SSL certificate was sent" in table
    given_row = next(line for line in table.splitlines() if "given" in line)
    assert given_row.split()[-3:] == ["200", "200", "yes"]
    assert "DIFF" not in table and "0 differ" in table


def test_rehearse_shows_the_fail_open_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], nginx_bin: str
) -> None:
    ca = make_ca("rehearse test CA")
    text = "---\n".join(
        [
            _secret("ca-secret", "Opaque", ca_crt=ca.cert_pem),
            _ingress("no-tls", "plain.example.com", {"auth-tls-secret": "default/ca-secret"}, tls=False),
        ]
    )
    (tmp_path / "in.yaml").write_text(text)
    code, _, err = _run("migrate", str(tmp_path / "in.yaml"), "--rehearse", capsys=capsys)
    assert code == 1
    row = next(line for line in err.splitlines() if line.startswith("plain.example.com  no client certificate"))
    # No spec.tls at all: NIC 500s the server ("TLS must be enabled"), where ingress-nginx asked for a certificate.
    assert "400 No required SSL certificate was sent" in row and row.split()[-2:] == ["500", "DIFF"]

"""Certificate facts and certificate checks, on real certificates made with inspector.pki (and real OpenSSL)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_checks_helpers import (
    active,
    ca_secret,
    egress_policy,
    ingress,
    ingress_policy,
    report_from,
    secret,
    service,
    tls_secret,
)

from inspector import pki
from inspector.analysis import certs

NOW = dt.datetime.now(dt.UTC)
NS = "t"
HOST = "a.example.com"


@pytest.fixture(scope="module")
def root() -> pki.Issued:
    return pki.make_ca("root")


def _ids(issues: list[certs.CertIssue]) -> list[str]:
    return [i.check_id for i in issues]


def test_cert_facts_metadata_only(root: pki.Issued) -> None:
    leaf = pki.make_leaf("a.example.com", root, sans=["a.example.com", "*.b.example.com", "10.0.0.1"])
    facts = certs.cert_facts(leaf.chain_pem + root.cert_pem)
    assert len(facts) == 2
    f = facts[0]
    assert "CN=a.example.com" in f.subject and "CN=root" in f.issuer
    assert f.sans == ("a.example.com", "*.b.example.com", "10.0.0.1")
    assert f.sha256 == leaf.fingerprint
    assert not f.is_ca and facts[1].is_ca and facts[1].self_signed
    assert f.key_type == "EC secp256r1"
    rows = dict(f.rows(NOW))
    assert rows["status"] == "valid" and rows["sha256"] == leaf.fingerprint
    assert all("PRIVATE" not in v for v in rows.values())


def test_cert_facts_skips_garbage() -> None:
    assert certs.cert_facts(b"not a certificate") == []
    _, errors = certs.load_bundle(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    assert errors and "does not parse" in errors[0]


def test_validity(root: pki.Issued) -> None:
    expired = pki.make_leaf("x", root, not_before=NOW - dt.timedelta(days=10), not_after=NOW - dt.timedelta(days=1))
    future = pki.make_leaf("x", root, not_before=NOW + dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=9))
    soon = pki.make_leaf("x", root, days=10)
    fine = pki.make_leaf("x", root, days=90)
    assert _ids(certs.validity_issues(expired.cert, "c", NOW)) == [certs.CERT_EXPIRED]
    assert _ids(certs.validity_issues(future.cert, "c", NOW)) == [certs.CERT_NOT_YET_VALID]
    soon_issue = certs.validity_issues(soon.cert, "c", NOW)
    assert _ids(soon_issue) == [certs.CERT_EXPIRING_SOON] and re.search(
        r"expires in (9|10) days", soon_issue[0].message
    )
    assert certs.validity_issues(fine.cert, "c", NOW) == []


@pytest.mark.parametrize(
    ("pattern", "host", "covered"),
    [
        ("a.example.com", "a.example.com", True),
        ("A.Example.com", "a.example.COM", True),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),
        ("a.example.com", "b.example.com", False),
        ("*.example.com", ".example.com", False),
    ],
)
def test_host_covered_wildcards(pattern: str, host: str, covered: bool) -> None:
    assert certs.host_covered(pattern, host) is covered


def test_tls_secret_key_mismatch_and_sans(root: pki.Issued) -> None:
    leaf = pki.make_leaf("a.example.com", root, sans=["*.example.com"])
    other = pki.make_leaf("a.example.com", root)
    assert certs.tls_secret_issues(leaf.chain_pem, leaf.key_pem, ["a.example.com"], NOW) == []
    assert _ids(certs.tls_secret_issues(leaf.chain_pem, other.key_pem, [], NOW)) == [certs.TLS_KEY_MISMATCH]
    issues = certs.tls_secret_issues(leaf.chain_pem, leaf.key_pem, ["a.b.example.com", "example.com"], NOW)
    assert _ids(issues) == [certs.TLS_SAN_MISMATCH, certs.TLS_SAN_MISMATCH]
    assert not certs.tls_secret_issues(leaf.chain_pem, other.key_pem, [], NOW, check_key=False)


def test_ca_without_ca_true_and_broken_later_block(root: pki.Issued) -> None:
    # No basicConstraints but keyUsage keyCertSign: OpenSSL accepts it as a self-signed trust anchor, not as an
    # intermediate (test_check_ca_follows_openssl proves both).
    bare = pki.make_ca("bare", basic_constraints=False)
    assert certs.ca_bundle_issues(bare.cert_pem, NOW) == []
    below = _cert("below-bare", bare.cert.subject, bare.key, [_ku(True)])
    assert _ids(certs.ca_bundle_issues(_pem(below), NOW)) == [certs.CA_WITHOUT_CA_TRUE]
    plain = _cert("plain", None, None, [])
    assert _ids(certs.ca_bundle_issues(_pem(plain), NOW)) == [certs.CA_WITHOUT_CA_TRUE]
    broken = root.cert_pem + b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert _ids(certs.ca_bundle_issues(broken, NOW)) == [certs.CA_BUNDLE_BROKEN]
    assert certs.ca_bundle_issues(root.cert_pem, NOW, verify_depth=1) == []


def test_required_depth_counts_intermediates(root: pki.Issued) -> None:
    i1 = pki.make_ca("i1", issuer=root)
    i2 = pki.make_ca("i2", issuer=i1)
    assert certs.required_depth([root.cert]) == 0
    assert certs.required_depth([root.cert, i1.cert]) == 1
    assert certs.required_depth([i2.cert, root.cert, i1.cert]) == 2
    bundle = root.cert_pem + i1.cert_pem + i2.cert_pem
    assert _ids(certs.ca_bundle_issues(bundle, NOW, verify_depth=1)) == [certs.VERIFY_DEPTH_TOO_SMALL]
    assert certs.ca_bundle_issues(bundle, NOW, verify_depth=2) == []


def _ku(cert_sign: bool) -> tuple[x509.ExtensionType, bool]:
    return (
        x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=cert_sign,
            crl_sign=cert_sign,
            encipher_only=False,
            decipher_only=False,
        ),
        True,
    )


def _cert(
    cn: str,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey | None,
    extensions: list[tuple[x509.ExtensionType, bool]],
    key: ec.EllipticCurvePrivateKey | None = None,
) -> x509.Certificate:
    """A v3 certificate with exactly these extensions (self-signed when ``issuer`` is None)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=90))
    )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.PEM)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl binary not installed")
def test_check_ca_follows_openssl(tmp_path: Path) -> None:
    """MTLS104 follows OpenSSL 3: a v1 self-signed root (NIC's older examples) and a root with keyUsage but no
    basicConstraints verify a client unless -x509_strict; a bare v3 root or CA:FALSE never does."""

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["openssl", *args], capture_output=True, cwd=tmp_path, check=False)

    # openssl x509 -req without extensions writes an X.509 v1 certificate (cryptography always writes v3).
    run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "v1.key",
        "-subj", "/CN=v1 root", "-out", "v1.csr")
    run("x509", "-req", "-in", "v1.csr", "-signkey", "v1.key", "-days", "90", "-out", "v1.pem")
    v1_pem = (tmp_path / "v1.pem").read_bytes()
    v1_key = serialization.load_pem_private_key((tmp_path / "v1.key").read_bytes(), None)
    assert isinstance(v1_key, ec.EllipticCurvePrivateKey)
    v1 = x509.load_pem_x509_certificate(v1_pem)
    assert v1.version == x509.Version.v1
    roots: dict[str, tuple[x509.Certificate, ec.EllipticCurvePrivateKey | None]] = {"v1": (v1, v1_key)}
    for label, exts in (
        ("keyusage-only", [_ku(True)]),
        ("bare", []),
        ("ca-false", [(x509.BasicConstraints(ca=False, path_length=None), True)]),
        ("ca-true", [(x509.BasicConstraints(ca=True, path_length=None), True)]),
        ("ca-true-no-certsign", [(x509.BasicConstraints(ca=True, path_length=None), True), _ku(False)]),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        roots[label] = (_cert(label, None, None, exts, key), key)
    for label, (root, key) in roots.items():
        leaf = _cert("client", root.subject, key, [])
        (tmp_path / "root.pem").write_bytes(_pem(root))
        (tmp_path / "leaf.pem").write_bytes(_pem(leaf))
        lenient = run("verify", "-CAfile", "root.pem", "leaf.pem").returncode == 0
        flagged = certs.CA_WITHOUT_CA_TRUE in _ids(certs.ca_bundle_issues(_pem(root), NOW))
        assert flagged is not lenient, label
        if certs.openssl_check_ca(root) > 1:
            assert lenient
            # -x509_strict also wants an authority key identifier on the leaf; either way the weak root fails.
            assert run("verify", "-x509_strict", "-CAfile", "root.pem", "leaf.pem").returncode != 0, label
    assert [certs.openssl_check_ca(r) for r, _ in roots.values()] == [3, 4, 0, 0, 1, 0]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl binary not installed")
def test_verify_depth_semantics_match_openssl(tmp_path: Path, root: pki.Issued) -> None:
    """``-verify_depth N`` is the X509_VERIFY_PARAM depth nginx's ssl_verify_depth sets: N intermediates pass."""
    i1 = pki.make_ca("i1", issuer=root)
    i2 = pki.make_ca("i2", issuer=i1)
    direct = pki.make_leaf("c0", root, client=True, server=False)
    one = pki.make_leaf("c1", i1, client=True, server=False)
    two = pki.make_leaf("c2", i2, client=True, server=False)
    (tmp_path / "root.pem").write_bytes(root.cert_pem)

    def verifies(leaf: pki.Issued, depth: int) -> bool:
        (tmp_path / "leaf.pem").write_bytes(leaf.cert_pem)
        (tmp_path / "untrusted.pem").write_bytes(
            b"".join(c.public_bytes(Encoding.PEM) for c in leaf.intermediates) or b""
        )
        args = ["openssl", "verify", "-verify_depth", str(depth), "-CAfile", str(tmp_path / "root.pem")]
        if leaf.intermediates:
            args += ["-untrusted", str(tmp_path / "untrusted.pem")]
        return subprocess.run([*args, str(tmp_path / "leaf.pem")], capture_output=True).returncode == 0

    for leaf, chain in ((direct, [root]), (one, [root, i1]), (two, [root, i1, i2])):
        need = certs.required_depth([c.cert for c in chain])
        assert verifies(leaf, need), f"{leaf.cert.subject} should pass at depth {need}"
        if need > 0:
            assert not verifies(leaf, need - 1), f"{leaf.cert.subject} should fail at depth {need - 1}"


def test_crl_checks(root: pki.Issued) -> None:
    other = pki.make_ca("other")
    assert certs.crl_issues(pki.make_crl(root), root.cert_pem, NOW) == []
    assert _ids(certs.crl_issues(b"", root.cert_pem, NOW)) == [certs.CRL_UNPARSEABLE]
    assert _ids(certs.crl_issues(b"garbage", root.cert_pem, NOW)) == [certs.CRL_UNPARSEABLE]
    stale = pki.make_crl(root, last_update=NOW - dt.timedelta(days=3), next_update=NOW - dt.timedelta(days=1))
    assert _ids(certs.crl_issues(stale, root.cert_pem, NOW)) == [certs.CRL_EXPIRED]
    assert _ids(certs.crl_issues(pki.make_crl(other), root.cert_pem, NOW)) == [certs.CRL_NOT_FROM_CA]


def test_upstream_verification(root: pki.Issued) -> None:
    inter = pki.make_ca("inter", issuer=root)
    upstream = pki.make_leaf("app.t.svc", inter, sans=["app.t.svc"])
    assert certs.upstream_verify_issues(root.cert_pem, upstream.chain_pem, "app.t.svc", NOW, verify_depth=1) == []
    wrong_ca = certs.upstream_verify_issues(pki.make_ca("x").cert_pem, upstream.chain_pem, "app.t.svc", NOW)
    assert _ids(wrong_ca) == [certs.UPSTREAM_NOT_VERIFIABLE] and "does not chain" in wrong_ca[0].message
    wrong_name = certs.upstream_verify_issues(root.cert_pem, upstream.chain_pem, "other.t.svc", NOW, verify_depth=1)
    assert "do not cover other.t.svc" in wrong_name[0].message
    too_deep = certs.upstream_verify_issues(root.cert_pem, upstream.chain_pem, "app.t.svc", NOW, verify_depth=0)
    assert "needs verifyDepth 1" in too_deep[0].message


# --- through the pipeline ------------------------------------------------------------------------------------


def test_pipeline_reports_certificate_problems_once(tmp_path: Path) -> None:
    root = pki.make_ca("pipeline root")
    i1 = pki.make_ca("pipeline i1", issuer=root)
    crl = pki.make_crl(root, last_update=NOW - dt.timedelta(days=3), next_update=NOW - dt.timedelta(days=1))
    report = report_from(
        tmp_path,
        service("app", NS),
        tls_secret("tls", NS, "other.example.com"),
        secret("ca", NS, "nginx.org/ca", {"ca.crt": root.cert_pem + i1.cert_pem, "ca.crl": crl}),
        ingress_policy("p", NS, "ca", verifyDepth=0),
        ingress("ing", NS, HOST, policies="p", tls_hosts=[HOST], tls_secret_name="tls"),
    )
    ids = sorted(f.check.id for f in active(report))
    assert ids == [certs.TLS_SAN_MISMATCH, certs.VERIFY_DEPTH_TOO_SMALL, certs.CRL_EXPIRED], ids
    for f in active(report):
        assert f.resource is not None and f.resource.kind == "Secret"
        assert f.host == HOST
    crl_finding = next(f for f in active(report) if f.check.id == certs.CRL_EXPIRED)
    assert 'data["ca.crl"]' not in crl_finding.source and crl_finding.source.rsplit(":", 1)[1].isdigit()


def test_pipeline_leaves_nic_rejected_secrets_to_nic(tmp_path: Path) -> None:
    leaf = pki.make_leaf(HOST, pki.make_ca("r"))
    other = pki.make_leaf(HOST, pki.make_ca("r2"))
    report = report_from(
        tmp_path,
        service("app", NS),
        secret("tls", NS, "kubernetes.io/tls", {"tls.crt": leaf.chain_pem, "tls.key": other.key_pem}),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies="p", tls_hosts=[HOST], tls_secret_name="tls"),
    )
    ids = [f.check.id for f in active(report)]
    assert ids == ["MTLS027"], [(f.check.id, f.message) for f in active(report)]


def test_pipeline_checks_the_known_upstream_certificate(tmp_path: Path) -> None:
    trusted = pki.make_ca("trusted")
    wrong = pki.make_ca("not the upstream's CA")
    upstream = pki.make_leaf("app.t.svc", trusted, sans=["app.t.svc"])
    docs = [
        service("app", NS, 8443),
        # The upstream's own certificate, mounted by its pod: Opaque, as in NIC's secure-app example.
        secret("app-tls", NS, "Opaque", {"tls.crt": upstream.chain_pem, "tls.key": upstream.key_pem}),
        egress_policy(
            "e",
            NS,
            trustedCertSecret="ca",
            verifyServer=True,
            sslName="app.t.svc",
            serverName=True,
            protocols="TLSv1.3",
        ),
        ingress("i", NS, HOST, policies="e", annotations={"nginx.org/ssl-services": "app"}, port=8443),
    ]
    good = report_from(tmp_path, *docs, ca_secret("ca", NS, trusted), name="good.yaml")
    assert active(good) == []
    bad = report_from(tmp_path, *docs, ca_secret("ca", NS, wrong), name="bad.yaml")
    (f,) = active(bad)
    assert f.check.id == certs.UPSTREAM_NOT_VERIFIABLE and f.policy == f"{NS}/e" and f.host == HOST
    assert "app-tls" in f.message and "does not chain" in f.message


_BLOCK = b"-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=600), wrap=st.booleans())
def test_garbage_never_raises(root: pki.Issued, blob: bytes, wrap: bool) -> None:
    import base64

    data = _BLOCK % base64.b64encode(blob) if wrap else blob
    certs.cert_facts(data)
    certs.ca_bundle_issues(data, NOW, verify_depth=1)
    certs.tls_secret_issues(data, blob, ["a.example.com"], NOW)
    certs.crl_issues(data, root.cert_pem, NOW)
    certs.upstream_verify_issues(root.cert_pem, data, "a.example.com", NOW)
    certs.covers_name(data, "a.example.com")

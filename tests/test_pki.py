"""inspector.pki: the certificates it mints chain, carry the right extensions, and real nginx loads them."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

from inspector import pki


@pytest.fixture(scope="module")
def root() -> pki.Issued:
    return pki.make_ca("test root CA")


@pytest.fixture(scope="module")
def intermediate(root: pki.Issued) -> pki.Issued:
    return pki.make_ca("test intermediate CA", issuer=root, path_length=0)


_E = TypeVar("_E", bound=x509.ExtensionType)


def _ext(cert: x509.Certificate, kind: type[_E]) -> x509.Extension[_E]:
    return cert.extensions.get_extension_for_class(kind)


def test_root_ca_extensions(root: pki.Issued) -> None:
    bc = _ext(root.cert, x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length is None
    ku = _ext(root.cert, x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    ski = _ext(root.cert, x509.SubjectKeyIdentifier).value
    aki = _ext(root.cert, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert root.cert.issuer == root.cert.subject
    assert root.parents == () and root.root is root.cert and root.is_ca
    root.cert.verify_directly_issued_by(root.cert)  # self-signed: raises if the signature is wrong
    assert isinstance(root.key, ec.EllipticCurvePrivateKey) and root.key.curve.name == "secp256r1"


def test_validity_is_ten_years_and_backdated(root: pki.Issued) -> None:
    now = dt.datetime.now(dt.UTC)
    assert now - dt.timedelta(hours=2) < root.cert.not_valid_before_utc < now
    lifetime = root.cert.not_valid_after_utc - now
    assert dt.timedelta(days=pki.DEFAULT_DAYS - 1) < lifetime <= dt.timedelta(days=pki.DEFAULT_DAYS)


def test_intermediate_is_signed_by_root(root: pki.Issued, intermediate: pki.Issued) -> None:
    intermediate.cert.verify_directly_issued_by(root.cert)
    assert _ext(intermediate.cert, x509.BasicConstraints).value.path_length == 0
    assert intermediate.parents == (root.cert,)
    assert (
        _ext(intermediate.cert, x509.AuthorityKeyIdentifier).value.key_identifier
        == _ext(root.cert, x509.SubjectKeyIdentifier).value.digest
    )


def test_server_leaf_extensions_and_name_check(root: pki.Issued) -> None:
    leaf = pki.make_leaf("cafe.example.com", root, sans=["cafe.example.com", "www.example.com", "127.0.0.1"])
    assert not _ext(leaf.cert, x509.BasicConstraints).value.ca
    ku = _ext(leaf.cert, x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_cert_sign
    assert list(_ext(leaf.cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    san = _ext(leaf.cert, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["cafe.example.com", "www.example.com"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    chain = pki.verify_chain(leaf.cert, [], [root.cert], server_name="www.example.com")
    assert [c.subject for c in chain] == [leaf.cert.subject, root.cert.subject]
    with pytest.raises(verification.VerificationError):
        pki.verify_chain(leaf.cert, [], [root.cert], server_name="tea.example.com")


def test_server_leaf_defaults_its_san_to_the_common_name(root: pki.Issued) -> None:
    leaf = pki.make_leaf("secure-app.example.com", root)
    assert _ext(leaf.cert, x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName) == [
        "secure-app.example.com"
    ]


def test_client_leaf_through_intermediate(root: pki.Issued, intermediate: pki.Issued) -> None:
    client = pki.make_leaf("a client", intermediate, client=True, server=False)
    assert list(_ext(client.cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    with pytest.raises(x509.ExtensionNotFound):
        _ext(client.cert, x509.SubjectAlternativeName)
    assert client.intermediates == (intermediate.cert,) and client.root is root.cert
    chain = pki.verify_chain(client.cert, client.intermediates, [root.cert])
    assert [c.subject for c in chain] == [client.cert.subject, intermediate.cert.subject, root.cert.subject]
    # chain_pem is what a client sends: leaf first, then the intermediate, never the root
    sent = pki.load_certificates(client.chain_pem)
    assert sent == [client.cert, intermediate.cert]
    with pytest.raises(verification.VerificationError):
        pki.verify_chain(client.cert, [], [root.cert])  # the intermediate is needed
    with pytest.raises(verification.VerificationError):
        pki.verify_chain(client.cert, client.intermediates, [pki.make_ca("unrelated").cert])


def test_client_only_leaf_is_not_a_server(root: pki.Issued) -> None:
    client = pki.make_leaf("client.example.com", root, sans=["client.example.com"], client=True, server=False)
    with pytest.raises(verification.VerificationError):
        pki.verify_chain(client.cert, [], [root.cert], server_name="client.example.com")


def test_keys_serialise_and_match(root: pki.Issued) -> None:
    leaf = pki.make_leaf("k.example.com", root)
    assert leaf.key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pki.load_key(leaf.key_pem).private_numbers() == leaf.key.private_numbers()
    assert pki.key_matches(leaf.cert, leaf.key_pem)
    assert not pki.key_matches(root.cert, leaf.key_pem)
    assert pki.load_certificates(leaf.cert_pem) == [leaf.cert]
    assert leaf.fingerprint == pki.fingerprint(leaf.cert) and len(leaf.fingerprint) == 64


def test_expired_ca_and_time_travel() -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    old = pki.make_ca("old CA", not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=30))
    client = pki.make_leaf("c", old, client=True, server=False, not_before=now - dt.timedelta(days=300))
    assert old.cert.not_valid_after_utc < now
    with pytest.raises(verification.VerificationError):
        pki.verify_chain(client.cert, [], [old.cert])
    assert pki.verify_chain(client.cert, [], [old.cert], at=now - dt.timedelta(days=100))[-1] == old.cert


def test_bad_requests_are_refused(root: pki.Issued) -> None:
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(ValueError, match="before it starts"):
        pki.make_ca("x", not_before=now, not_after=now - dt.timedelta(days=1))
    leaf = pki.make_leaf("leaf.example.com", root)
    with pytest.raises(ValueError, match="not a CA"):
        pki.make_leaf("y", leaf)
    with pytest.raises(ValueError, match="at least one"):
        pki.make_leaf("z", root, client=False, server=False)
    with pytest.raises(ValueError):
        pki.load_certificates(b"not a certificate")


def test_ca_without_basic_constraints() -> None:
    ca = pki.make_ca("v1-style CA", basic_constraints=False)
    with pytest.raises(x509.ExtensionNotFound):
        _ext(ca.cert, x509.BasicConstraints)
    assert not ca.is_ca
    with pytest.raises(ValueError, match="not a CA"):
        pki.make_leaf("leaf", ca)


def test_crl_parses_and_lists_revoked(root: pki.Issued) -> None:
    revoked = pki.make_leaf("revoked", root, client=True, server=False)
    kept = pki.make_leaf("kept", root, client=True, server=False)
    crl = x509.load_pem_x509_crl(pki.make_crl(root, [revoked, 4242]))
    assert crl.is_signature_valid(root.key.public_key())
    assert crl.issuer == root.cert.subject
    assert crl.get_revoked_certificate_by_serial_number(revoked.cert.serial_number) is not None
    assert crl.get_revoked_certificate_by_serial_number(4242) is not None
    assert crl.get_revoked_certificate_by_serial_number(kept.cert.serial_number) is None
    assert crl.next_update_utc is not None and crl.next_update_utc > dt.datetime.now(dt.UTC)
    stale = x509.load_pem_x509_crl(
        pki.make_crl(
            root,
            next_update=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
            last_update=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
        )
    )
    assert len(stale) == 0 and stale.next_update_utc is not None
    assert stale.next_update_utc < dt.datetime.now(dt.UTC)


def test_nginx_loads_what_pki_makes(nginx_bin: str, tmp_path: Path, root: pki.Issued) -> None:
    """nginx -t reads the EC key, the leaf+intermediate chain, a CA bundle and a CRL without a warning."""
    inter = pki.make_ca("nginx test intermediate", issuer=root)
    server = pki.make_leaf("nginx.example.com", inter)
    (tmp_path / "server.pem").write_bytes(server.chain_pem + server.key_pem)  # NIC's one-file layout
    (tmp_path / "ca.crt").write_bytes(root.cert_pem + inter.cert_pem)
    (tmp_path / "ca.crl").write_bytes(pki.make_crl(root))
    (tmp_path / "logs").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {tmp_path}/t1; proxy_temp_path {tmp_path}/t2; fastcgi_temp_path {tmp_path}/t3;
  uwsgi_temp_path {tmp_path}/t4; scgi_temp_path {tmp_path}/t5;
  server {{
    listen 127.0.0.1:1 ssl;
    server_name nginx.example.com;
    ssl_certificate {tmp_path}/server.pem;
    ssl_certificate_key {tmp_path}/server.pem;
    ssl_client_certificate {tmp_path}/ca.crt;
    ssl_crl {tmp_path}/ca.crl;
    ssl_verify_client on;
    ssl_verify_depth 1;
  }}
}}
"""
    )
    done = subprocess.run(
        [nginx_bin, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert "[warn]" not in done.stderr and "[emerg]" not in done.stderr
    assert "test is successful" in done.stderr

"""NIC's secret store: supported types, per-type validation with Go's texts, the paths and files NIC writes."""

from __future__ import annotations

from inspector import pki
from inspector.model import Secret
from inspector.nic import secrets as s
from tests.nic_fixtures import ca, ca_secret, client, meta, other_ca, tls_secret


def test_unsupported_types_look_non_existent() -> None:
    opaque = Secret(meta("Secret", "default", "ca-secret"), "Opaque", {"ca.crt": ca().cert_pem})
    store = s.SecretStore({"default/ca-secret": opaque})
    ref = store.get("default/ca-secret")
    assert ref.secret is None
    assert ref.path == ""
    assert ref.error == "secret doesn't exist or of an unsupported type"
    assert store.get("default/absent").error == "secret doesn't exist or of an unsupported type"
    assert "Opaque" not in s.SUPPORTED_SECRET_TYPES
    assert {"kubernetes.io/tls", "nginx.org/ca"} <= s.SUPPORTED_SECRET_TYPES


def test_valid_ca_secret_path_has_crt_and_crl() -> None:
    store = s.SecretStore({"ns1/ca-secret": ca_secret(namespace="ns1")})
    ref = store.get("ns1/ca-secret")
    assert ref.error is None
    assert ref.path == "/etc/nginx/secrets/ns1-ca-secret-ca.crt /etc/nginx/secrets/ns1-ca-secret-ca.crl"
    # The .crl file is always written, empty when the secret has no ca.crl key.
    assert s.secret_files(ref) == {
        "/etc/nginx/secrets/ns1-ca-secret-ca.crt": ca().cert_pem,
        "/etc/nginx/secrets/ns1-ca-secret-ca.crl": b"",
    }


def test_valid_tls_secret_file_is_cert_newline_key() -> None:
    store = s.SecretStore({"default/tls-secret": tls_secret()})
    ref = store.get("default/tls-secret")
    assert ref.error is None
    assert ref.path == "/etc/nginx/secrets/default-tls-secret"
    assert store.files() == {"/etc/nginx/secrets/default-tls-secret": client().cert_pem + b"\n" + client().key_pem}


def test_files_only_for_secrets_that_were_asked_for() -> None:
    store = s.SecretStore({"default/tls-secret": tls_secret(), "default/ca-secret": ca_secret()})
    assert store.files() == {}
    store.get("default/ca-secret")
    assert set(store.files()) == {
        "/etc/nginx/secrets/default-ca-secret-ca.crt",
        "/etc/nginx/secrets/default-ca-secret-ca.crl",
    }


def test_tls_validation_texts() -> None:
    mismatched = tls_secret(key=other_ca().key_pem)
    assert (
        s.validate_tls_secret(mismatched)
        == "failed to validate TLS cert and key: tls: private key does not match public key"
    )
    swapped = Secret(
        meta("Secret", "default", "t"), "kubernetes.io/tls", {"tls.crt": client().key_pem, "tls.key": client().cert_pem}
    )
    assert s.validate_tls_secret(swapped) == (
        "failed to validate TLS cert and key: tls: failed to find certificate PEM data in certificate input, but did "
        "find a private key; PEM inputs may have been switched"
    )
    empty = Secret(meta("Secret", "default", "t"), "kubernetes.io/tls", {"tls.crt": b"", "tls.key": b""})
    assert s.validate_tls_secret(empty) == (
        "failed to validate TLS cert and key: tls: failed to find any PEM data in certificate input"
    )
    cert_as_key = tls_secret(key=client().cert_pem)
    assert s.validate_tls_secret(cert_as_key) == (
        "failed to validate TLS cert and key: tls: found a certificate rather than a key in the PEM for the private key"
    )
    garbage_key = tls_secret(key=b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert s.validate_tls_secret(garbage_key) == "failed to validate TLS cert and key: tls: failed to parse private key"
    # An invalid secret keeps its Secret (so its type can be checked) but has no path and no files.
    ref = s.SecretStore({"default/tls-secret": mismatched}).get("default/tls-secret")
    assert ref.secret is mismatched and ref.path == "" and ref.error is not None
    assert s.secret_files(ref) == {}


def test_tls_secret_with_chain_and_rsa_key() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = pki.make_leaf("rsa.example.com", ca(), sans=("rsa.example.com",))
    # A chain (leaf + CA) in tls.crt is fine; a key of another algorithm is a type mismatch.
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    chain = Secret(
        meta("Secret", "default", "rsa"),
        "kubernetes.io/tls",
        {"tls.crt": leaf.cert_pem + ca().cert_pem, "tls.key": leaf.key_pem},
    )
    assert s.validate_tls_secret(chain) is None
    wrong_alg = Secret(chain.meta, chain.type, {"tls.crt": leaf.cert_pem, "tls.key": pem})
    assert s.validate_tls_secret(wrong_alg) == (
        "failed to validate TLS cert and key: tls: private key type does not match public key type"
    )


def test_ca_validation_texts() -> None:
    def ca_with(data: dict[str, bytes]) -> Secret:
        return Secret(meta("Secret", "default", "c"), "nginx.org/ca", data)

    assert s.validate_ca_secret(ca_with({})) == "CA secret must have the data field ca.crt"
    assert s.validate_ca_secret(ca_with({"ca.crt": b"not pem"})) == (
        "the data field ca.crt must hold a valid CERTIFICATE PEM block"
    )
    assert s.validate_ca_secret(ca_with({"ca.crt": client().key_pem})) == (
        "the data field ca.crt must hold a valid CERTIFICATE PEM block, but got 'PRIVATE KEY'"
    )
    bogus = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert s.validate_ca_secret(ca_with({"ca.crt": bogus})) == (
        "failed to validate certificate: x509: malformed certificate"
    )
    # Only the first block is checked: a broken second certificate and any ca.crl pass NIC's validation.
    assert s.validate_ca_secret(ca_with({"ca.crt": ca().cert_pem + bogus, "ca.crl": b"garbage"})) is None
    # Leading text before the PEM block is skipped, as Go's pem.Decode does.
    assert s.validate_ca_secret(ca_with({"ca.crt": b"# my CA\n" + ca().cert_pem})) is None


def test_other_supported_types() -> None:
    jwk = Secret(meta("Secret", "default", "j"), "nginx.org/jwk", {})
    assert s.validate_secret(jwk) == "JWK secret must have the data field jwk"
    htp = Secret(meta("Secret", "default", "h"), "nginx.org/htpasswd", {"htpasswd": b"u:p"})
    ref = s.SecretStore({"default/h": htp}).get("default/h")
    assert ref.path == "/etc/nginx/secrets/default-h" and s.secret_files(ref) == {
        "/etc/nginx/secrets/default-h": b"u:p"
    }
    apikey = Secret(meta("Secret", "default", "a"), "nginx.org/apikey", {"c1": b"k", "c2": b"k"})
    assert s.validate_secret(apikey) == "API Keys cannot be repeated"


def test_pem_blocks_skips_undecodable_blocks() -> None:
    data = b"junk\n-----BEGIN X-----\n!!!\n-----END X-----\n" + ca().cert_pem
    assert [t for t, _ in s.pem_blocks(data)] == ["CERTIFICATE"]

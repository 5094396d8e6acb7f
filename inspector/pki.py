"""A small certificate authority for the sample cluster, the tests and the rehearsal.

Every certificate in this project is real: the sample's Secrets, the fixtures of every engineer's tests and the
throwaway clients a rehearsal sends at nginx are minted here with ``cryptography``, so nginx, OpenSSL and Go see
exactly what they would see in a cluster. Keys are EC P-256 (fast to make; nginx, OpenSSL and Go accept them).

The module mints and serialises; it deliberately does not judge certificates for the checks (that is the
analysis layer's job) beyond :func:`verify_chain`, which tests and the generator use to prove what they made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "DEFAULT_DAYS",
    "ORGANIZATION",
    "Issued",
    "fingerprint",
    "key_matches",
    "load_certificates",
    "load_key",
    "make_ca",
    "make_crl",
    "make_leaf",
    "new_key",
    "verify_chain",
]

DEFAULT_DAYS = 3650
"""Ten years: the sample must not start failing expiry checks for a long time."""
ORGANIZATION = "mtls-inspect sample"
"""Organisation in every subject, so nobody mistakes sample material for a real PKI."""
_BACKDATE = dt.timedelta(hours=1)
"""``notBefore`` lies this far in the past, so a peer with a slightly slow clock still accepts a fresh cert."""


@dataclass(frozen=True)
class Issued:
    """A certificate, its private key and the issuers above it (nearest first, root last)."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    parents: tuple[x509.Certificate, ...] = field(default=())
    """Issuer certificates up to the root, nearest first; empty for a self-signed root."""

    @property
    def is_ca(self) -> bool:
        """True when basicConstraints says CA:TRUE."""
        try:
            bc = self.cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            return False
        return bc.ca

    @property
    def root(self) -> x509.Certificate:
        """The trust anchor this certificate chains to (itself for a root)."""
        return self.parents[-1] if self.parents else self.cert

    @property
    def intermediates(self) -> tuple[x509.Certificate, ...]:
        """Issuers between this certificate and the root: what a peer must send along."""
        return self.parents[:-1]

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """Unencrypted PKCS#8, the form ``kubectl create secret tls`` and nginx both take."""
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def chain_pem(self) -> bytes:
        """Leaf then intermediates (no root): the content of ``tls.crt`` or of a client's certificate file."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.cert, *self.intermediates))

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER certificate, lower-case hex (what a rehearsal upstream records)."""
        return fingerprint(self.cert)


def new_key() -> ec.EllipticCurvePrivateKey:
    """A fresh EC P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _validity(
    days: int, not_before: dt.datetime | None, not_after: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    start = not_before if not_before is not None else _now() - _BACKDATE
    end = not_after if not_after is not None else _now() + dt.timedelta(days=days)
    if end <= start:
        raise ValueError(f"certificate would end ({end}) before it starts ({start})")
    return start, end


def _name(common_name: str, organization: str = ORGANIZATION) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: Issued | None,
    start: dt.datetime,
    end: dt.datetime,
) -> x509.CertificateBuilder:
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    signer_public = issuer.key.public_key() if issuer else public
    return builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_public), critical=False)


def _parents(issuer: Issued | None) -> tuple[x509.Certificate, ...]:
    return (issuer.cert, *issuer.parents) if issuer else ()


def make_ca(
    common_name: str,
    *,
    issuer: Issued | None = None,
    days: int = DEFAULT_DAYS,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    path_length: int | None = None,
    basic_constraints: bool = True,
    key: ec.EllipticCurvePrivateKey | None = None,
    organization: str = ORGANIZATION,
) -> Issued:
    """A root CA (``issuer=None``) or an intermediate CA signed by ``issuer``.

    Args:
        common_name: subject CN.
        issuer: the signing CA; None makes a self-signed root.
        days: lifetime from now, unless ``not_after`` is given.
        not_before: start of validity (default: an hour ago).
        not_after: end of validity; a date in the past makes a deliberately expired CA.
        path_length: basicConstraints pathLenConstraint.
        basic_constraints: False leaves basicConstraints out entirely, for the "CA without CA:TRUE" check.
        key: reuse this key instead of making one.
        organization: subject O.
    """
    if issuer is not None and not issuer.is_ca:
        raise ValueError(f"issuer {issuer.cert.subject.rfc4514_string()} is not a CA")
    key = key or new_key()
    start, end = _validity(days, not_before, not_after)
    builder = _builder(_name(common_name, organization), key, issuer, start, end).add_extension(
        x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if basic_constraints:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
    signer = issuer.key if issuer else key
    cert = builder.sign(signer, hashes.SHA256())
    return Issued(cert=cert, key=key, parents=_parents(issuer))


def make_leaf(
    common_name: str,
    issuer: Issued,
    *,
    sans: Sequence[str] = (),
    client: bool = False,
    server: bool = True,
    days: int = DEFAULT_DAYS,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key: ec.EllipticCurvePrivateKey | None = None,
    organization: str = ORGANIZATION,
) -> Issued:
    """An end-entity certificate signed by ``issuer``.

    Args:
        common_name: subject CN (also the first DNS SAN when ``sans`` is empty and ``server`` is set).
        issuer: the signing CA (root or intermediate).
        sans: DNS names; entries that parse as IP addresses become IP SANs.
        client: add extendedKeyUsage clientAuth.
        server: add extendedKeyUsage serverAuth.
        days, not_before, not_after, key, organization: as for :func:`make_ca`.
    """
    if not issuer.is_ca:
        raise ValueError(f"issuer {issuer.cert.subject.rfc4514_string()} is not a CA")
    if not (client or server):
        raise ValueError("a leaf needs at least one of client/server usage")
    key = key or new_key()
    start, end = _validity(days, not_before, not_after)
    builder = (
        _builder(_name(common_name, organization), key, issuer, start, end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + (
        [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
    )
    builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    names = list(sans) or ([common_name] if server else [])
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
    cert = builder.sign(issuer.key, hashes.SHA256())
    return Issued(cert=cert, key=key, parents=_parents(issuer))


def _general_name(value: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


def make_crl(
    issuer: Issued,
    revoked: Iterable[Issued | x509.Certificate | int] = (),
    *,
    next_update: dt.datetime | None = None,
    last_update: dt.datetime | None = None,
) -> bytes:
    """A PEM CRL signed by ``issuer`` revoking the given certificates (or serial numbers).

    ``next_update`` defaults to ``DEFAULT_DAYS`` from now; pass a past date for a stale CRL (nginx then refuses
    every client of that CA with "CRL has expired").
    """
    now = _now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(last_update if last_update is not None else now - _BACKDATE)
        .next_update(next_update if next_update is not None else now + dt.timedelta(days=DEFAULT_DAYS))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False)
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    for item in revoked:
        serial = item if isinstance(item, int) else (item.cert if isinstance(item, Issued) else item).serial_number
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - _BACKDATE).build()
        )
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, in order; ``ValueError`` when there is none or one is broken."""
    return x509.load_pem_x509_certificates(pem)


def load_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    """An unencrypted EC private key from PEM (the only kind this module makes)."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"expected an EC private key, got {type(key).__name__}")
    return key


def key_matches(cert: x509.Certificate, key_pem: bytes) -> bool:
    """True when the private key in ``key_pem`` belongs to ``cert`` (any key type)."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER encoding, lower-case hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    *,
    server_name: str | None = None,
    at: dt.datetime | None = None,
    max_depth: int | None = None,
) -> list[x509.Certificate]:
    """Verify ``leaf`` up to one of ``roots`` with ``cryptography``'s path builder; returns the built chain.

    With ``server_name`` the leaf is checked as a TLS server certificate for that name (SAN, serverAuth);
    otherwise as a TLS client certificate (clientAuth). Raises ``x509.verification.VerificationError``.
    """
    from cryptography.x509 import verification

    builder = verification.PolicyBuilder().store(verification.Store(list(roots)))
    builder = builder.time(at if at is not None else dt.datetime.now(dt.UTC))
    if max_depth is not None:
        builder = builder.max_chain_depth(max_depth)
    if server_name is not None:
        return builder.build_server_verifier(x509.DNSName(server_name)).verify(leaf, list(intermediates))
    # The web-PKI profile insists on a SAN in client certificates; mTLS clients often have none (nginx only
    # looks at the chain), so the SAN becomes optional for client checks.
    ee = verification.ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None
    )
    builder = builder.extension_policies(ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee)
    return builder.build_client_verifier().verify(leaf, list(intermediates)).chain

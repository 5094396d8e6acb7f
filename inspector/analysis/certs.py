"""Certificate facts: what the PEM in a Secret really says, read with ``cryptography``.

NIC validates only the first PEM block of ``ca.crt`` and the TLS key pair (``internal/k8s/secrets/validation.go``);
it never looks at expiry, SANs, basicConstraints, the chain depth a bundle implies, or ``ca.crl``. NGINX and
OpenSSL do, at reload or at handshake time. This module answers those questions before rollout.

It only reads metadata and fingerprints. Key bytes are parsed solely to compare public keys, and never leave
this module. Every function is pure (``now`` is a parameter), so checks and tests give the same answer twice.
The check ids it reports are plain strings; the registry with titles and remediations is
``inspector.analysis.checks`` (which imports this module, never the reverse).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

CERT_EXPIRED = "MTLS100"
CERT_NOT_YET_VALID = "MTLS101"
CERT_EXPIRING_SOON = "MTLS102"
TLS_KEY_MISMATCH = "MTLS103"
CA_WITHOUT_CA_TRUE = "MTLS104"
TLS_SAN_MISMATCH = "MTLS105"
VERIFY_DEPTH_TOO_SMALL = "MTLS106"
CRL_UNPARSEABLE = "MTLS107"
CRL_EXPIRED = "MTLS108"
UPSTREAM_NOT_VERIFIABLE = "MTLS109"
CA_BUNDLE_BROKEN = "MTLS110"
CRL_NOT_FROM_CA = "MTLS111"

EXPIRY_WARNING = dt.timedelta(days=30)
"""A certificate that ends within this window is a warning: rollouts and renewals take time."""

Details = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CertFact:
    """The facts of one certificate a view may show (the TUI details pane, explain, findings' details)."""

    subject: str
    issuer: str
    sans: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    """SHA-256 of the DER certificate, lower-case hex."""
    serial: str
    is_ca: bool
    """basicConstraints CA:TRUE."""
    has_basic_constraints: bool
    path_length: int | None
    self_signed: bool
    key_type: str

    def status(self, now: dt.datetime) -> str:
        """``valid``, ``expired``, ``not yet valid`` or ``expires in N days`` (within the warning window)."""
        if now > self.not_after:
            return "expired"
        if now < self.not_before:
            return "not yet valid"
        if self.not_after - now <= EXPIRY_WARNING:
            return f"expires in {(self.not_after - now).days} days"
        return "valid"

    def rows(self, now: dt.datetime | None = None) -> Details:
        """Label/value pairs, in the order a details pane lists them."""
        at = now if now is not None else dt.datetime.now(dt.UTC)
        return (
            ("subject", self.subject),
            ("issuer", self.issuer),
            ("SANs", ", ".join(self.sans) or "(none)"),
            ("not before", self.not_before.isoformat()),
            ("not after", self.not_after.isoformat()),
            ("status", self.status(at)),
            ("CA", "yes" if self.is_ca else ("no" if self.has_basic_constraints else "no basicConstraints")),
            ("key", self.key_type),
            ("serial", self.serial),
            ("sha256", self.sha256),
        )


@dataclass(frozen=True)
class CertIssue:
    """One problem found in certificate material, before it becomes a Finding with a resource and a line."""

    check_id: str
    message: str
    details: Details = ()
    host: str | None = None
    """The one host the problem concerns (a SAN gap), when the material serves several."""


# --- reading -------------------------------------------------------------------------------------------------


_EXTENSION_ERRORS = (x509.ExtensionNotFound, x509.DuplicateExtension, x509.UnsupportedGeneralNameType, ValueError)
"""A malformed extension reads as an absent one: the checks must not end in a traceback on hostile input."""


def _key_type(cert: x509.Certificate) -> str:
    try:
        key = cert.public_key()
    except (ValueError, TypeError):
        return "unknown"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    return type(key).__name__


def _sans(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except _EXTENSION_ERRORS:
        return ()
    names: list[str] = list(ext.get_values_for_type(x509.DNSName))
    names += [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)]
    return tuple(names)


@functools.lru_cache(maxsize=8192)
def fact(cert: x509.Certificate) -> CertFact:
    """The facts of one parsed certificate."""
    try:
        bc: x509.BasicConstraints | None = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except _EXTENSION_ERRORS:
        bc = None
    return CertFact(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sans=_sans(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
        serial=format(cert.serial_number, "x"),
        is_ca=bool(bc and bc.ca),
        has_basic_constraints=bc is not None,
        path_length=bc.path_length if bc is not None else None,
        self_signed=signed_by(cert, cert),
        key_type=_key_type(cert),
    )


def load_bundle(pem: bytes) -> tuple[list[x509.Certificate], list[str]]:
    """Every certificate in a PEM bundle, plus a message for each block that does not parse.

    NIC checks only the first block (``ValidateCASecret``); OpenSSL reads them all when nginx loads the file.
    """
    certs, errors = _load_bundle(pem)
    return list(certs), list(errors)


@functools.lru_cache(maxsize=2048)
def _load_bundle(pem: bytes) -> tuple[tuple[x509.Certificate, ...], tuple[str, ...]]:
    # Cached: a cluster reuses the same CA bundle in many secrets, and parsing is pure.
    certs: list[x509.Certificate] = []
    errors: list[str] = []
    marker_begin, marker_end = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"
    index = 0
    rest = pem
    while True:
        start = rest.find(marker_begin)
        if start < 0:
            break
        end = rest.find(marker_end, start)
        if end < 0:
            errors.append(f"certificate #{index + 1} has no END CERTIFICATE line")
            break
        block = rest[start : end + len(marker_end)]
        rest = rest[end + len(marker_end) :]
        index += 1
        try:
            certs.append(x509.load_pem_x509_certificate(block))
        except ValueError as exc:
            errors.append(f"certificate #{index} does not parse: {exc}")
    if index == 0:
        errors.append("no PEM CERTIFICATE block found")
    return tuple(certs), tuple(errors)


def cert_facts(pem: bytes) -> list[CertFact]:
    """Facts for every parseable certificate in ``pem`` (for the TUI details pane); broken blocks are skipped."""
    return [fact(c) for c in load_bundle(pem)[0]]


@functools.lru_cache(maxsize=8192)
def signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``issuer`` names and signed ``cert`` (``signed_by(c, c)``: self-signed); cached, chains are walked often."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


# --- checks on single certificates ---------------------------------------------------------------------------


def fmt_time(value: dt.datetime) -> str:
    """How a certificate date reads in messages (minutes, UTC)."""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def validity_issues(cert: x509.Certificate, what: str, now: dt.datetime) -> list[CertIssue]:
    """Expired (error), not yet valid (error), or ending within 30 days (warning)."""
    f = fact(cert)
    details: Details = (
        ("subject", f.subject),
        ("not before", fmt_time(f.not_before)),
        ("not after", fmt_time(f.not_after)),
        ("sha256", f.sha256),
    )
    if now > f.not_after:
        return [CertIssue(CERT_EXPIRED, f"{what} {f.subject} expired on {fmt_time(f.not_after)}", details)]
    if now < f.not_before:
        return [
            CertIssue(CERT_NOT_YET_VALID, f"{what} {f.subject} is not valid before {fmt_time(f.not_before)}", details)
        ]
    if f.not_after - now <= EXPIRY_WARNING:
        days = (f.not_after - now).days
        return [
            CertIssue(
                CERT_EXPIRING_SOON,
                f"{what} {f.subject} expires in {days} days ({fmt_time(f.not_after)})",
                details,
            )
        ]
    return []


def host_covered(pattern: str, host: str) -> bool:
    """RFC 6125 matching as OpenSSL does it for one DNS SAN: ``*`` only as the whole left-most label.

    ``*.example.com`` covers ``a.example.com`` but not ``example.com`` nor ``a.b.example.com``.
    """
    p, h = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if p == h:
        return True
    if not p.startswith("*."):
        return False
    suffix = p[1:]
    if not h.endswith(suffix):
        return False
    left = h[: -len(suffix)]
    return bool(left) and "." not in left


def _covers(cert: x509.Certificate, host: str) -> bool:
    f = fact(cert)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return str(ip) in f.sans
    dns = [s for s in f.sans if not _is_ip(s)]
    if dns:
        return any(host_covered(s, host) for s in dns)
    # No DNS SAN at all: OpenSSL (X509_check_host) then falls back to the subject CN.
    cns = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    return any(isinstance(cn, str) and host_covered(cn, host) for cn in cns)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def tls_secret_issues(
    crt: bytes, key: bytes | None, hosts: Sequence[str], now: dt.datetime, *, check_key: bool = True
) -> list[CertIssue]:
    """A ``kubernetes.io/tls`` secret: leaf validity, chain validity, key match, SANs covering each host.

    ``check_key`` is False when NIC already reported the pair as invalid (W17/W11), so one cause is reported once.
    """
    certs, errors = load_bundle(crt)
    if not certs:
        return []  # NIC's own X509KeyPair check reports an unparseable tls.crt (W17/W11).
    issues: list[CertIssue] = []
    leaf = certs[0]
    issues += validity_issues(leaf, "certificate", now)
    for extra in certs[1:]:
        issues += validity_issues(extra, "chain certificate", now)
    if check_key and key is not None and not _key_matches(leaf, key):
        issues.append(
            CertIssue(
                TLS_KEY_MISMATCH,
                f"tls.key does not belong to the certificate {fact(leaf).subject}",
                (("sha256", fact(leaf).sha256),),
            )
        )
    for host in hosts:
        if host and not _covers(leaf, host):
            f = fact(leaf)
            issues.append(
                CertIssue(
                    TLS_SAN_MISMATCH,
                    f"certificate {f.subject} does not cover host {host} (SANs: {', '.join(f.sans) or 'none'})",
                    (("subject", f.subject), ("SANs", ", ".join(f.sans)), ("sha256", f.sha256)),
                    host=host,
                )
            )
    del errors  # further broken blocks in tls.crt: NIC's key-pair check already parses the whole chain
    return issues


def _key_matches(cert: x509.Certificate, key_pem: bytes) -> bool:
    """Compare public keys only; an unreadable key is NIC's own W17/W11 and not ours to report."""
    mine = _public_key_of(hashlib.sha256(key_pem).digest(), key_pem)
    if mine is None:
        return True
    try:
        theirs = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (ValueError, TypeError):
        return True
    return mine == theirs


_PUBLIC_KEYS: dict[bytes, bytes | None] = {}
"""sha256 of a private key's PEM -> its public key (DER), or None when it does not load.

Parsing a private key is the slow part of the key-match check and a cluster reuses one key in many secrets (2,000
parses for 2 keys at 10k objects). Keyed by digest so the cache never holds key material, only public keys."""


def _public_key_of(digest: bytes, key_pem: bytes) -> bytes | None:
    if digest in _PUBLIC_KEYS:
        return _PUBLIC_KEYS[digest]
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        public: bytes | None = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        public = None
    if len(_PUBLIC_KEYS) >= 4096:
        _PUBLIC_KEYS.clear()
    _PUBLIC_KEYS[digest] = public
    return public


# --- CA bundles ----------------------------------------------------------------------------------------------


def required_depth(cas: Sequence[x509.Certificate]) -> int:
    """The ``ssl_verify_depth`` a client certificate issued by the deepest CA of this bundle needs.

    Semantics (OpenSSL ``SSL_CTX_set_verify_depth(3)``, which nginx's ``ssl_verify_depth N`` calls): levels
    count from 0 at the peer certificate; depth N admits levels 0..N+1, i.e. the leaf, at most N intermediate
    CAs and the trust anchor. So a leaf issued directly by the root needs 0, a leaf under one intermediate
    needs 1, and so on. ``tests/test_certs.py`` proves this against the real ``openssl verify -verify_depth``.
    The deepest CA in the bundle that chains to a self-signed root inside the bundle decides: its intermediates
    (including itself, when it is not the root) are what a client chain must traverse.
    """
    best = 0
    for ca in cas:
        depth = _intermediates_above(ca, cas, set())
        if depth is not None:
            best = max(best, depth)
    return best


def _intermediates_above(cert: x509.Certificate, pool: Sequence[x509.Certificate], seen: set[bytes]) -> int | None:
    """Number of non-root certificates from ``cert`` up to a self-signed root in ``pool`` (None: no root)."""
    if signed_by(cert, cert):
        return 0
    marker = cert.fingerprint(cert.signature_hash_algorithm) if cert.signature_hash_algorithm else b""
    if marker in seen:
        return None
    seen = seen | {marker}
    best: int | None = None
    for issuer in pool:
        if issuer is not cert and signed_by(cert, issuer):
            above = _intermediates_above(issuer, pool, seen)
            if above is not None:
                best = above + 1 if best is None else max(best, above + 1)
    return best


def _key_usage_rejects(cert: x509.Certificate) -> bool:
    """OpenSSL ``ku_reject(x, KU_KEY_CERT_SIGN)``: a keyUsage extension is present and lacks keyCertSign."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except _EXTENSION_ERRORS:
        return False
    return not usage.key_cert_sign


def openssl_check_ca(cert: x509.Certificate) -> int:
    """OpenSSL 3's ``check_ca`` (``crypto/x509/v3_purp.c``), which ``X509_check_ca`` returns and chain checks use.

    0: not a CA (keyUsage without keyCertSign, or basicConstraints CA:FALSE, or none of the forms below);
    1: basicConstraints CA:TRUE; 3: an X.509 v1 self-signed certificate (a "v1 root"); 4: no basicConstraints
    but a keyUsage (with keyCertSign). ``check_chain_extensions`` (``x509_vfy.c``) takes 3 and 4 for the trust
    anchor unless ``X509_V_FLAG_X509_STRICT`` (``-x509_strict``) and requires 1 for an intermediate. The Netscape
    cert-type form (5) is not modelled: it reads as 0. ``tests/test_certs.py`` checks this against
    ``openssl verify``.
    """
    if _key_usage_rejects(cert):
        return 0
    f = fact(cert)
    if f.has_basic_constraints:
        return 1 if f.is_ca else 0
    if cert.version == x509.Version.v1 and f.self_signed:
        return 3
    try:
        cert.extensions.get_extension_for_class(x509.KeyUsage)
    except _EXTENSION_ERRORS:
        return 0
    return 4


def ca_bundle_issues(
    pem: bytes, now: dt.datetime, *, verify_depth: int | None = None, what: str = "CA certificate"
) -> list[CertIssue]:
    """An ``nginx.org/ca`` ``ca.crt``: every block parses, each is valid, has CA:TRUE, and depth fits."""
    certs, errors = load_bundle(pem)
    if not certs:
        return []  # NIC's ValidateCASecret reports an unparseable first block (W6/W11).
    issues = [CertIssue(CA_BUNDLE_BROKEN, f"ca.crt: {e}") for e in errors]
    for cert in certs:
        issues += validity_issues(cert, what, now)
        f = fact(cert)
        verdict = openssl_check_ca(cert)
        # A self-signed certificate is a trust anchor: OpenSSL accepts its weaker CA forms (a v1 root, keyUsage
        # keyCertSign without basicConstraints) unless -x509_strict; an intermediate needs CA:TRUE (strict implied).
        if verdict != 1 and not (verdict > 1 and f.self_signed):
            state = (
                "a keyUsage without keyCertSign"
                if verdict == 0 and _key_usage_rejects(cert)
                else "CA:FALSE"
                if f.has_basic_constraints
                else "no basicConstraints extension"
            )
            issues.append(
                CertIssue(
                    CA_WITHOUT_CA_TRUE,
                    f"{what} {f.subject} has {state}; OpenSSL does not accept it as the issuer of a chain",
                    (("subject", f.subject), ("sha256", f.sha256)),
                )
            )
    if verify_depth is not None:
        need = required_depth(certs)
        if need > verify_depth:
            issues.append(
                CertIssue(
                    VERIFY_DEPTH_TOO_SMALL,
                    f"verifyDepth {verify_depth} admits {verify_depth} intermediate CA(s), but certificates issued "
                    f"by the deepest CA in the bundle need {need}",
                    (("verifyDepth", str(verify_depth)), ("required", str(need))),
                )
            )
    return issues


def crl_issues(crl_pem: bytes, ca_pem: bytes, now: dt.datetime) -> list[CertIssue]:
    """``ca.crl``: NIC never validates it; nginx fails to load an empty or broken one, and OpenSSL refuses every
    client certificate of that CA once ``nextUpdate`` has passed (X509_V_ERR_CRL_HAS_EXPIRED)."""
    if not crl_pem.strip():
        return [CertIssue(CRL_UNPARSEABLE, "ca.crl is empty: nginx cannot load an empty ssl_crl file")]
    crl: x509.CertificateRevocationList
    try:
        crl = x509.load_pem_x509_crl(crl_pem)
    except ValueError:
        try:
            crl = x509.load_der_x509_crl(crl_pem)
        except ValueError as exc:
            return [CertIssue(CRL_UNPARSEABLE, f"ca.crl does not parse as a CRL: {exc}")]
    issues: list[CertIssue] = []
    details: Details = (("issuer", crl.issuer.rfc4514_string()),)
    next_update = crl.next_update_utc
    if next_update is not None:
        details += (("next update", fmt_time(next_update)),)
        if now > next_update:
            issues.append(CertIssue(CRL_EXPIRED, f"ca.crl expired on {fmt_time(next_update)} (nextUpdate)", details))
    cas, _ = load_bundle(ca_pem)
    if cas and not any(_crl_signed_by(crl, ca) for ca in cas):
        issues.append(
            CertIssue(
                CRL_NOT_FROM_CA,
                f"ca.crl is issued by {crl.issuer.rfc4514_string()}, which no certificate in ca.crt signed; "
                "OpenSSL then finds no valid CRL for the client chain (X509_V_ERR_UNABLE_TO_GET_CRL)",
                details,
            )
        )
    return issues


def _crl_signed_by(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
    if crl.issuer != ca.subject:
        return False
    key = ca.public_key()
    if not isinstance(
        key,
        (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey, dsa.DSAPublicKey),
    ):
        return False
    return crl.is_signature_valid(key)


def upstream_verify_issues(
    trusted_pem: bytes, server_chain_pem: bytes, ssl_name: str, now: dt.datetime, *, verify_depth: int = 1
) -> list[CertIssue]:
    """Whether the egress ``trustedCertSecret`` can verify a known upstream certificate for ``sslName``.

    Mirrors what ``proxy_ssl_verify on`` does: chain to a trusted root (intermediates from the server's own
    chain), the name check against ``proxy_ssl_name``, validity, and ``proxy_ssl_verify_depth``.
    """
    roots, _ = load_bundle(trusted_pem)
    chain, _ = load_bundle(server_chain_pem)
    if not roots or not chain:
        return []
    leaf, intermediates = chain[0], chain[1:]
    f = fact(leaf)
    details: Details = (("upstream certificate", f.subject), ("sslName", ssl_name), ("sha256", f.sha256))
    pool = list(roots) + list(intermediates)
    reasons: list[str] = []
    path = _path_to_root(leaf, pool, roots)
    if path is None:
        reasons.append("it does not chain to any certificate in the trusted CA bundle")
    else:
        need = len(path) - 2  # leaf and trust anchor do not count (see required_depth)
        if need > verify_depth:
            reasons.append(f"its chain needs verifyDepth {need}, the policy allows {verify_depth}")
    if ssl_name and not ssl_name.startswith("$") and not _covers(leaf, ssl_name):
        reasons.append(f"its SANs ({', '.join(f.sans) or 'none'}) do not cover {ssl_name}")
    if now > f.not_after or now < f.not_before:
        reasons.append("it is outside its validity period")
    if not reasons:
        return []
    return [
        CertIssue(
            UPSTREAM_NOT_VERIFIABLE,
            f"the upstream certificate {f.subject} for {ssl_name} would fail verification: " + "; ".join(reasons),
            details,
        )
    ]


def _path_to_root(
    cert: x509.Certificate, pool: Sequence[x509.Certificate], roots: Sequence[x509.Certificate]
) -> list[x509.Certificate] | None:
    """A chain from ``cert`` up to a certificate of ``roots`` (inclusive), or None."""
    path = [cert]
    current = cert
    for _ in range(16):
        if any(current == r for r in roots) and len(path) > 1:
            return path
        issuer = next((c for c in pool if c != current and signed_by(current, c)), None)
        if issuer is None:
            return None
        path.append(issuer)
        if any(issuer == r for r in roots):
            return path
        current = issuer
    return None


def covers_name(pem: bytes, name: str) -> bool:
    """True when the first certificate of ``pem`` covers ``name`` (used to find an upstream's certificate)."""
    certs, _ = load_bundle(pem)
    return bool(certs) and _covers(certs[0], name)

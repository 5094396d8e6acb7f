"""Test material for a rehearsal: client certificates to send at nginx, server certificates for the upstreams.

Why it exists: a probe is only as honest as the certificate it carries. This module loads the certificates the
user gives (or the sample's ``rehearsal/`` folder), mints throwaway ones (an unknown client CA, an untrusted
upstream), and answers questions about *the material*, never about NIC: does this client chain to that CA
bundle, through how many intermediates, is anything on the path out of date, does this upstream certificate
carry that name. The predictions themselves come from ``analysis/explain``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.x509.oid import NameOID

from inspector import pki
from inspector.analysis.certs import signed_by
from inspector.model import PromisedSecret
from inspector.nic.secrets import TYPE_CA, TYPE_TLS, promised_reference

Fit = Literal["valid", "expired", "foreign"]
"""How a client certificate relates to a CA bundle: chains and in date, chains but something is out of date,
or does not chain at all."""


class MaterialError(ValueError):
    """A certificate or key file that cannot be used (unreadable, not PEM, key does not match)."""


@dataclass(frozen=True)
class Material:
    """A certificate (leaf first, then the intermediates it sends) and its key, as files nginx/ssl can load."""

    label: str
    """What the table shows, e.g. ``client.crt`` or ``throwaway unknown CA``."""
    cert_file: Path
    key_file: Path
    leaf: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    """The certificates after the leaf in ``cert_file`` (sent along in the handshake)."""

    @property
    def fingerprint(self) -> str:
        return pki.fingerprint(self.leaf)


@dataclass(frozen=True)
class ChainFit:
    fit: Fit
    intermediates: int
    """Certificates between the leaf and the trust anchor (what ``ssl_verify_depth`` counts)."""
    reason: str
    anchor_expired: bool = False
    """The trust anchor in the bundle itself is out of date: no client of this CA can pass."""


def load_material(label: str, cert_file: Path | str, key_file: Path | str) -> Material:
    """Read and check a certificate file and its key; ``MaterialError`` with a one-line reason otherwise."""
    cert_path, key_path = Path(cert_file), Path(key_file)
    try:
        cert_pem = cert_path.read_bytes()
    except OSError as exc:
        raise MaterialError(f"{cert_path}: cannot read: {exc.strerror}") from None
    try:
        key_pem = key_path.read_bytes()
    except OSError as exc:
        raise MaterialError(f"{key_path}: cannot read: {exc.strerror}") from None
    try:
        certs = pki.load_certificates(cert_pem)
    except ValueError:
        raise MaterialError(f"{cert_path}: no PEM certificate in it") from None
    try:
        matches = pki.key_matches(certs[0], key_pem)
    except (ValueError, TypeError):
        raise MaterialError(f"{key_path}: not an unencrypted PEM private key") from None
    if not matches:
        raise MaterialError(f"{key_path}: the key does not belong to the certificate in {cert_path}")
    return Material(label, cert_path.resolve(), key_path.resolve(), certs[0], tuple(certs[1:]))


def write_material(label: str, issued: pki.Issued, directory: Path, stem: str) -> Material:
    """Write minted material into the rehearsal's private directory (key files mode 0600)."""
    import os

    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert_file, key_file = directory / f"{stem}.crt", directory / f"{stem}.key"
    cert_file.write_bytes(issued.chain_pem)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(issued.key_pem)
    return Material(label, cert_file, key_file, issued.cert, tuple(issued.intermediates))


def _in_date(cert: x509.Certificate, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def chain_fit(material: Material, bundle: Sequence[x509.Certificate], now: dt.datetime | None = None) -> ChainFit:
    """Whether ``material`` chains to a self-signed certificate of ``bundle`` (OpenSSL needs a root there),
    taking issuers from the material's own chain and from the bundle, and how many intermediates lie between."""
    now = now or dt.datetime.now(dt.UTC)
    pool = [*material.chain, *bundle]
    path = [material.leaf]
    while len(path) < 12:
        current = path[-1]
        if current in bundle and signed_by(current, current) and len(path) > 1:
            break
        issuer = next((c for c in pool if c not in path and signed_by(current, c)), None)
        if issuer is None:
            return ChainFit("foreign", 0, "its issuer is not in the CA bundle")
        path.append(issuer)
    else:
        return ChainFit("foreign", 0, "chain too long")
    anchor = path[-1]
    if anchor not in bundle or not signed_by(anchor, anchor):
        return ChainFit("foreign", 0, "no root of the CA bundle issued it")
    stale = [c for c in path if not _in_date(c, now)]
    if stale:
        names = ", ".join(_cn(c) for c in stale)
        return ChainFit(
            "expired", len(path) - 2, f"out of date on its chain: {names}", anchor_expired=not _in_date(anchor, now)
        )
    return ChainFit("valid", len(path) - 2, "chains to the CA bundle")


def _cn(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else cert.subject.rfc4514_string()


def covers_name(cert: x509.Certificate, name: str) -> bool:
    """OpenSSL's ``X509_check_host`` as nginx calls it (flags 0): DNS SANs with a left-most ``*`` label, and the
    subject CN only when the certificate has no DNS SAN."""
    name = name.lower().rstrip(".")
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n).lower() for n in sans.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        names = []
    if not names:
        names = [_cn(cert).lower()]
    for pattern in names:
        if pattern == name:
            return True
        if pattern.startswith("*.") and "." in name and name.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def bundle_certificates(pem: bytes) -> tuple[x509.Certificate, ...]:
    """Every certificate in a secret file (a CA bundle, or a TLS secret's cert+key file); empty when none."""
    try:
        return tuple(pki.load_certificates(pem))
    except ValueError:
        return ()


def throwaway_client(directory: Path) -> Material:
    """A client certificate from a CA nobody trusts (made fresh each rehearsal, kept in the private dir)."""
    ca = pki.make_ca("mtls-inspect rehearsal unknown CA", days=1, organization="mtls-inspect rehearsal")
    leaf = pki.make_leaf(
        "rehearsal unknown client", ca, client=True, server=False, days=1, organization="mtls-inspect rehearsal"
    )
    return write_material("throwaway unknown CA", leaf, directory, "unknown-ca-client")


def throwaway_upstream(directory: Path, names: Sequence[str]) -> Material:
    """An upstream server certificate carrying every name NGINX will check, from a CA nobody trusts: only the
    trust decision can fail against it."""
    ca = pki.make_ca("mtls-inspect rehearsal untrusted upstream CA", days=1, organization="mtls-inspect rehearsal")
    sans = sorted({n for n in names if n and not n.startswith("$")}) or ["upstream.invalid"]
    leaf = pki.make_leaf("rehearsal upstream", ca, sans=sans, days=1, organization="mtls-inspect rehearsal")
    return write_material("throwaway untrusted upstream", leaf, directory, "untrusted-upstream")


@dataclass(frozen=True)
class StandIns:
    """Throwaway material for Secrets that exist only as promises (made by cert-manager, External Secrets, ...):
    the files NIC would write once they exist, and a client certificate of each stand-in CA."""

    files: dict[str, bytes]
    """Path NIC writes -> stand-in content, in NIC's formats (TLS: cert + "\\n" + key; CA: ``-ca.crt``, empty
    ``-ca.crl``)."""
    clients: tuple[Material, ...]
    notes: tuple[str, ...]
    """One line per Secret, saying that the rehearsal used stand-in material for it and who makes the real one."""


def stand_ins(promised: Mapping[str, PromisedSecret], directory: Path, names: Sequence[str] = ()) -> StandIns:
    """Stand-in material of each promised Secret's type (``kubernetes.io/tls``, ``nginx.org/ca``); other types
    have none. ``names`` go into the stand-in server certificates' SANs."""
    files: dict[str, bytes] = {}
    clients: list[Material] = []
    notes: list[str] = []
    sans = sorted({n for n in names if n and not n.startswith("$") and "*" not in n}) or ["stand-in.invalid"]
    for n, (key, promise) in enumerate(sorted(promised.items())):
        ref = promised_reference(promise)
        if ref is None or promise.type not in (TYPE_TLS, TYPE_CA):
            continue
        paths = ref.path.split()
        ca = pki.make_ca(f"mtls-inspect stand-in CA for {key}", days=1, organization="mtls-inspect rehearsal")
        if promise.type == TYPE_CA:
            files[paths[0]] = ca.cert_pem
            files[paths[1]] = b""
            org = "mtls-inspect rehearsal"
            leaf = pki.make_leaf(f"stand-in client of {key}", ca, client=True, server=False, days=1, organization=org)
            clients.append(write_material(f"stand-in client of {key}", leaf, directory, f"stand-in-client-{n}"))
        else:
            leaf = pki.make_leaf(f"stand-in {key}", ca, sans=sans, days=1, organization="mtls-inspect rehearsal")
            files[paths[0]] = leaf.chain_pem + b"\n" + leaf.key_pem
        notes.append(
            f"Secret {key} is made by {promise.maker}: the rehearsal uses stand-in {promise.type} material "
            "minted for it (its real content is unknown until it exists)"
        )
    return StandIns(files, tuple(clients), tuple(notes))

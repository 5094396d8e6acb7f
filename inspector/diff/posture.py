"""The mTLS posture of one report: per host and location, what clients and upstreams really get.

A posture is read from a :class:`~inspector.report.Report` only: the outcome NIC's replica predicted (500,
fail-open, refused handshake), the effective directives the analysis computed with the policy that set each one,
and the certificate material NIC would write (``NicResult.secret_files``). Nothing here re-derives a NIC rule; the
diff compares two postures aspect by aspect.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes

from inspector.analysis.certs import load_bundle
from inspector.analysis.effective import Effective
from inspector.model import Cluster, ObjectRef
from inspector.nic.types import EgressMTLSCfg, IngressMTLSCfg, PoliciesCfg
from inspector.report import HostReport, LocationReport, Report

NOT_USED = "n/a"
"""The value of an egress aspect where nothing is enforced (plain-HTTP upstream, or the location returns 500)."""


@dataclass(frozen=True)
class Responsible:
    """An object a value came from, with ``file:line`` (or ``cluster``) so a reviewer can open it."""

    ref: ObjectRef
    source: str = ""


@dataclass(frozen=True)
class Fact:
    """One aspect's value at a host (server scope) or location.

    ``value`` is what is compared (a string, a number or a frozenset); ``text`` is how people read it.
    """

    aspect: str
    value: object
    text: str
    objects: tuple[Responsible, ...] = ()


@dataclass(frozen=True)
class Place:
    """A host at server scope (``path`` None) or one of its locations, with its facts by aspect."""

    host: str
    path: str | None
    facts: Mapping[str, Fact] = field(default_factory=dict)


Posture = Mapping[tuple[str, str | None], Place]


def posture(report: Report) -> dict[tuple[str, str | None], Place]:
    """Every host and (non-internal) location of ``report`` with its facts."""
    out: dict[tuple[str, str | None], Place] = {}
    for host in report.hosts:
        out[(host.host, None)] = Place(host.host, None, _server_facts(report, host))
        for loc in host.locations:
            if loc.result.internal:
                continue
            out[(host.host, loc.path)] = Place(host.host, loc.path, _location_facts(report, host, loc))
    return out


# --- server scope --------------------------------------------------------------------------------------------


def _server_facts(report: Report, host: HostReport) -> dict[str, Fact]:
    cluster = report.cluster
    result = host.result
    owner = (_responsible(cluster, result.resource),)
    facts: dict[str, Fact] = {}
    if result.rejected:
        outcome = ("not-served", "not served: NIC rejects the resource")
    elif result.ssl_reject_handshake:
        outcome = ("refused", "every TLS handshake refused")
    elif result.returns_500:
        outcome = ("500", "every request gets 500")
    elif result.fail_open:
        outcome = ("fail-open", "fail-open: served without client-certificate checks")
    else:
        outcome = ("serves", "serves")
    facts["outcome"] = Fact("outcome", outcome[0], outcome[1], owner)
    facts["tls"] = Fact("tls", result.tls, "TLS terminated" if result.tls else "plain HTTP only", owner)
    eff = host.ingress_effective
    if not eff:  # a 500-out server renders nothing else
        return facts
    cfg = _ingress_cfg(result.policies)
    mode = eff["ssl_verify_client"]
    policy_objects = _policy_objects(cluster, mode.policy)
    facts["client_verification"] = Fact("client_verification", mode.value, mode.value, policy_objects)
    if cfg is None or mode.policy is None:
        facts["ingress_policy"] = Fact("ingress_policy", frozenset(), "none")
        return facts
    policy = cluster.policies.get(cfg.source.key)
    secret_key = _secret_key(
        cfg.source.key, policy.ingress_mtls.client_cert_secret if policy and policy.ingress_mtls else ""
    )
    secret_objects = (*policy_objects, *_secret_objects(cluster, secret_key))
    facts["ingress_policy"] = Fact(
        "ingress_policy", frozenset({cfg.source.key}), f"{cfg.source.key} ({cfg.source.scope} scope)", policy_objects
    )
    facts["client_ca"] = _bundle_fact("client_ca", report, cfg.client_cert, secret_objects)
    facts["client_verify_depth"] = Fact(
        "client_verify_depth", _int(eff["ssl_verify_depth"].value), eff["ssl_verify_depth"].value, policy_objects
    )
    crl = eff.get("ssl_crl")
    if crl is not None and crl.value:
        content = report.nic.secret_files.get(cfg.client_crl)
        crl_digest = digest(content) if content is not None else f"file {crl.value}"
        facts["client_crl"] = Fact("client_crl", crl_digest, f"CRL {crl_digest}", secret_objects)
    else:
        facts["client_crl"] = Fact("client_crl", "", "no CRL", policy_objects)
    return facts


def _ingress_cfg(policies: PoliciesCfg | None) -> IngressMTLSCfg | None:
    return policies.ingress_mtls if policies is not None and policies.error_return is None else None


# --- locations -----------------------------------------------------------------------------------------------


_EGRESS_ASPECTS = (
    ("upstream_verification", "verify"),
    ("upstream_verify_depth", "verify_depth"),
    ("upstream_ssl_name", "name"),
    ("upstream_sni", "server_name"),
    ("upstream_protocols", "protocols"),
    ("upstream_ciphers", "ciphers"),
)


def _location_facts(report: Report, host: HostReport, loc: LocationReport) -> dict[str, Fact]:
    cluster = report.cluster
    result = loc.result
    owner = (_responsible(cluster, result.resource),)
    facts: dict[str, Fact] = {}
    server_500 = host.result.returns_500 or host.result.ssl_reject_handshake or host.result.rejected
    if result.returns_500 and not server_500:
        facts["outcome"] = Fact("outcome", "500", "every request gets 500", owner)
    else:
        facts["outcome"] = Fact("outcome", "serves" if not server_500 else "server", _location_outcome(host), owner)
    scheme = result.upstream_scheme or "none"
    facts["upstream_tls"] = Fact("upstream_tls", scheme, scheme_text(scheme), owner)
    eff = loc.effective
    used = bool(eff) and scheme in ("https", "grpcs")
    prefix = "grpc_ssl_" if result.grpc else "proxy_ssl_"
    if not used:
        for aspect, _ in (("upstream_client_certificate", ""), ("upstream_trusted_ca", ""), *_EGRESS_ASPECTS):
            facts[aspect] = Fact(aspect, NOT_USED, "not used (no TLS to the upstream)")
        facts["egress_policy"] = Fact("egress_policy", frozenset(), "none")
        return facts
    winners = sorted({e.policy for e in eff.values() if e.policy is not None})
    facts["egress_policy"] = Fact(
        "egress_policy",
        frozenset(winners),
        ", ".join(f"{key} ({_scopes(eff, key)})" for key in winners) or "none",
        tuple(o for key in winners for o in _policy_objects(cluster, key)),
    )
    for aspect, suffix in _EGRESS_ASPECTS:
        e = eff[prefix + suffix]
        value: object = _int(e.value) if suffix == "verify_depth" else e.value
        if suffix == "protocols":
            value = frozenset(e.value.split())
        facts[aspect] = Fact(aspect, value, _with_source(e), _policy_objects(cluster, e.policy))
    cert = eff[prefix + "certificate"]
    cfg = _egress_cfg(host, loc, cert)
    if cert.value and cfg is not None:
        objects = (
            *_policy_objects(cluster, cert.policy),
            *_secret_objects(cluster, _egress_secret(cluster, cfg, "tls")),
        )
        content = report.nic.secret_files.get(cfg.certificate)
        facts["upstream_client_certificate"] = _leaf_fact(content, objects)
    else:
        facts["upstream_client_certificate"] = Fact("upstream_client_certificate", "", "none sent")
    trusted = eff[prefix + "trusted_certificate"]
    tcfg = _egress_cfg(host, loc, trusted)
    if trusted.value and tcfg is not None:
        objects = (
            *_policy_objects(cluster, trusted.policy),
            *_secret_objects(cluster, _egress_secret(cluster, tcfg, "trusted")),
        )
        facts["upstream_trusted_ca"] = _bundle_fact("upstream_trusted_ca", report, tcfg.trusted_cert, objects)
    else:
        facts["upstream_trusted_ca"] = Fact("upstream_trusted_ca", frozenset(), "none")
    return facts


def _location_outcome(host: HostReport) -> str:
    result = host.result
    if result.rejected:
        return "not served (resource rejected)"
    if result.ssl_reject_handshake:
        return "not reached (handshake refused)"
    if result.returns_500:
        return "not reached (server returns 500)"
    return "serves"


def scheme_text(scheme: str) -> str:
    return {
        "https": "TLS (https)",
        "grpcs": "TLS (grpcs)",
        "http": "plain HTTP",
        "grpc": "plain gRPC",
        "none": "no upstream",
    }.get(scheme, scheme)


def _scopes(eff: Mapping[str, Effective], key: str) -> str:
    scopes = sorted({e.source for e in eff.values() if e.policy == key})
    return " and ".join(f"{s} scope" for s in scopes)


def _with_source(e: Effective) -> str:
    if e.policy is None:
        return f"{e.value or 'unset'} (nginx default)"
    return f"{e.value} (from {e.policy})"


def _egress_cfg(host: HostReport, loc: LocationReport, e: Effective) -> EgressMTLSCfg | None:
    """The egressMTLS config whose value ``e`` is: the location's or the server's, as the analysis said."""
    policies = loc.result.policies if e.source == "location" else host.result.policies if e.source == "server" else None
    return policies.egress_mtls if policies is not None else None


def _egress_secret(cluster: Cluster, cfg: EgressMTLSCfg, which: str) -> str:
    policy = cluster.policies.get(cfg.source.key)
    if policy is None or policy.egress_mtls is None:
        return ""
    name = policy.egress_mtls.tls_secret if which == "tls" else policy.egress_mtls.trusted_cert_secret
    return _secret_key(cfg.source.key, name)


# --- certificate material ------------------------------------------------------------------------------------


def bundle_members(pem: bytes) -> frozenset[tuple[str, str]]:
    """The CA certificates of a PEM bundle by subject and (shortened) SHA-256 fingerprint."""
    certs, _ = load_bundle(pem)
    return frozenset((c.subject.rfc4514_string(), _fingerprint(c.fingerprint(hashes.SHA256()))) for c in certs)


def leaf_fingerprint(pem: bytes) -> str:
    """The first certificate of a chain, as ``subject [fingerprint]``; a digest when none can be read."""
    certs, _ = load_bundle(pem)
    if not certs:
        return digest(pem)
    return f"{certs[0].subject.rfc4514_string()} [{_fingerprint(certs[0].fingerprint(hashes.SHA256()))}]"


def _bundle_fact(aspect: str, report: Report, path: str, objects: tuple[Responsible, ...]) -> Fact:
    """The set of CA certificates a bundle trusts, by subject and SHA-256 fingerprint."""
    content = report.nic.secret_files.get(path)
    if content is None:
        return Fact(aspect, ("unknown", path), "content unknown", objects)
    members = bundle_members(content)
    text = "; ".join(f"{subject} [{fp}]" for subject, fp in sorted(members)) or "no certificate"
    return Fact(aspect, members, text, objects)


def _leaf_fact(content: bytes | None, objects: tuple[Responsible, ...]) -> Fact:
    aspect = "upstream_client_certificate"
    if content is None:
        return Fact(aspect, "unknown", "content unknown", objects)
    value = leaf_fingerprint(content)
    return Fact(aspect, value, value, objects)


def _fingerprint(raw: bytes) -> str:
    """The first 8 bytes of a SHA-256 fingerprint, as people compare them."""
    return ":".join(f"{b:02X}" for b in raw[:8])


def digest(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()[:16]


# --- provenance ----------------------------------------------------------------------------------------------


def _responsible(cluster: Cluster, ref: ObjectRef) -> Responsible:
    obj = cluster.lookup(ref)
    return Responsible(ref, obj.meta.origin.at() if obj is not None else "")


def _policy_objects(cluster: Cluster, key: str | None) -> tuple[Responsible, ...]:
    if not key:
        return ()
    namespace, _, name = key.partition("/")
    return (_responsible(cluster, ObjectRef("Policy", namespace, name)),)


def _secret_objects(cluster: Cluster, key: str) -> tuple[Responsible, ...]:
    if not key:
        return ()
    namespace, _, name = key.partition("/")
    return (_responsible(cluster, ObjectRef("Secret", namespace, name)),)


def _secret_key(policy_key: str, name: str) -> str:
    """A policy's secret reference as ``ns/name``: a bare name lives in the policy's namespace."""
    if not name:
        return ""
    return name if "/" in name else f"{policy_key.partition('/')[0]}/{name}"


def _int(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value

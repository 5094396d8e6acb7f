"""What the retired community ingress-nginx controller did with its mTLS annotations, as a small model.

Read from ingress-nginx's own code (controller v1.15.1, the last release line): ``internal/ingress/annotations/
authtls``, ``proxyssl`` and ``backendprotocol`` parse the annotations; ``internal/ingress/controller/controller.go``
(``getBackendServers``) puts ``auth-tls-*`` on the *server* (the first Ingress of a host whose Secret has a
``ca.crt`` wins) and ``proxy-ssl-*`` on the server and on each location of the Ingress; ``rootfs/etc/nginx/
template/nginx.tmpl`` renders them. The facts this model keeps:

- ``auth-tls-secret`` and ``proxy-ssl-secret`` must be ``namespace/name`` of the Ingress's own namespace
  (``k8s.ParseNameNS``); anything else denies the location. A Secret that cannot be read makes the server
  ``return 403`` (``AuthTLSError``); a Secret without ``ca.crt`` silently disables mutual authentication.
- ``auth-tls-verify-client`` must match ``^(on|off|optional|optional_no_ca)$`` (else ``on``, the default);
  ``auth-tls-verify-depth`` an integer (0 or invalid: 1). ``auth-tls-match-cn`` adds
  ``if ($ssl_client_s_dn !~ ...) { return 403 }``; ``auth-tls-error-page`` an ``error_page 495 496``;
  ``auth-tls-pass-certificate-to-upstream`` the ``ssl-client-cert`` header.
- ``proxy-ssl-*``: verify ``on|off`` (default off), depth (default 1), protocols from ``TLSv1.2``/``TLSv1.3``
  (sorted; default ``TLSv1.2``), ciphers ``^[A-Za-z0-9+:_\\-!]*$`` (default ``DEFAULT``), ``proxy_ssl_name`` and
  ``proxy_ssl_server_name`` (default off), the Secret's ``ca.crt`` as ``proxy_ssl_trusted_certificate`` and its
  ``tls.crt``/``tls.key`` as the client certificate. Without ``ca.crt`` nothing of it is rendered.
- ``backend-protocol``: ``HTTP`` (default), ``HTTPS``, ``GRPC``, ``GRPCS``, ``AUTO_HTTP``, ``FCGI``.

The posture it returns uses the same aspects as :mod:`inspector.diff.posture`, so ``migrate --verify`` compares
what ingress-nginx enforced with what NIC will enforce through the diff's own ``compare``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from inspector.analysis import ingress_nginx as ignored_table
from inspector.diff.posture import (
    NOT_USED,
    Fact,
    Place,
    Responsible,
    bundle_members,
    digest,
    leaf_fingerprint,
    scheme_text,
)
from inspector.model import Cluster, Ingress, ObjectRef

PREFIX = ignored_table.PREFIX
AUTH_TLS = tuple(a.name for a in ignored_table.ANNOTATIONS if a.name.startswith("auth-tls-"))
PROXY_SSL = tuple(a.name for a in ignored_table.ANNOTATIONS if a.name.startswith("proxy-ssl-"))
"""The annotation names come from the one table MTLS072 reads too (``inspector.analysis.ingress_nginx``)."""
BACKEND_PROTOCOL = "backend-protocol"
MTLS_ANNOTATIONS = tuple(PREFIX + a for a in (*AUTH_TLS, *PROXY_SSL, BACKEND_PROTOCOL))

_VERIFY_CLIENT = re.compile(r"^(on|off|optional|optional_no_ca)$")
_ON_OFF = re.compile(r"^(on|off)$")
_PROTOCOL = re.compile(r"^(TLSv1\.2|TLSv1\.3| )*$")
_CIPHERS = re.compile(r"^[A-Za-z0-9+:_\-!]*$")
_BACKEND_PROTOCOLS = ("HTTP", "HTTPS", "GRPC", "GRPCS", "AUTO_HTTP", "FCGI")


@dataclass(frozen=True)
class AuthTLS:
    secret: str
    """``namespace/name`` as given."""
    verify_client: str = "on"
    verify_depth: int = 1
    error_page: str = ""
    pass_certificate: bool = False
    match_cn: str = ""


@dataclass(frozen=True)
class ProxySSL:
    secret: str
    verify: str = "off"
    verify_depth: int = 1
    name: str = ""
    server_name: str = "off"
    protocols: str = "TLSv1.2"
    ciphers: str = "DEFAULT"


@dataclass(frozen=True)
class Annotations:
    """An Ingress's ingress-nginx mTLS annotations as ingress-nginx parsed them, and what it refused."""

    auth: AuthTLS | None
    proxy: ProxySSL | None
    backend_protocol: str
    refused: tuple[str, ...]
    """One line per value ingress-nginx itself rejects (those are reported, never translated)."""

    @property
    def any(self) -> bool:
        return self.auth is not None or self.proxy is not None or self.backend_protocol != "HTTP"


def has_annotations(ingress: Ingress) -> bool:
    return any(key in ingress.annotations for key in MTLS_ANNOTATIONS)


def parse(ingress: Ingress) -> Annotations:
    """The annotations the way ingress-nginx's parsers read them (defaults for invalid values where it defaults)."""
    a = {k[len(PREFIX) :]: v for k, v in ingress.annotations.items() if k.startswith(PREFIX)}
    refused: list[str] = []
    namespace = ingress.meta.ref.namespace

    def secret(key: str) -> str:
        value = a.get(key, "")
        parts = value.split("/")
        if len(parts) != 2 or not all(parts):
            refused.append(f"{PREFIX}{key}: {value!r}: ingress-nginx wants namespace/name (the location is denied)")
            return ""
        if parts[0] != namespace:
            refused.append(f"{PREFIX}{key}: {value!r}: cross namespace secrets are not supported by ingress-nginx")
            return ""
        return value

    def choice(key: str, pattern: re.Pattern[str], default: str, why: str) -> str:
        """A value ingress-nginx checks against a pattern, falling back to its default (and saying so)."""
        value = a.get(key, default)
        if pattern.match(value):
            return value
        refused.append(f"{PREFIX}{key}: {value!r}: {why}")
        return default

    auth = None
    if "auth-tls-secret" in a and (name := secret("auth-tls-secret")):
        auth = AuthTLS(
            name,
            choice("auth-tls-verify-client", _VERIFY_CLIENT, "on", "not on|off|optional|optional_no_ca"),
            _depth(a.get("auth-tls-verify-depth"), "auth-tls-verify-depth", refused),
            a.get("auth-tls-error-page", ""),
            a.get("auth-tls-pass-certificate-to-upstream", "false").lower() == "true",
            a.get("auth-tls-match-cn", ""),
        )
    proxy = None
    if "proxy-ssl-secret" in a and (name := secret("proxy-ssl-secret")):
        verify = choice("proxy-ssl-verify", _ON_OFF, "off", "not on|off")
        server_name = choice("proxy-ssl-server-name", _ON_OFF, "off", "not on|off")
        protocols = choice("proxy-ssl-protocols", _PROTOCOL, "TLSv1.2", "only TLSv1.2 and TLSv1.3")
        ciphers = choice("proxy-ssl-ciphers", _CIPHERS, "DEFAULT", "characters ingress-nginx refuses")
        proxy = ProxySSL(
            name,
            verify,
            _depth(a.get("proxy-ssl-verify-depth"), "proxy-ssl-verify-depth", refused),
            a.get("proxy-ssl-name", ""),
            server_name,
            " ".join(sorted(p for p in protocols.split(" ") if p.strip())) or "TLSv1.2",
            ciphers or "DEFAULT",
        )
    protocol = a.get(BACKEND_PROTOCOL, "HTTP")
    if protocol.upper() not in _BACKEND_PROTOCOLS:
        refused.append(f"{PREFIX}{BACKEND_PROTOCOL}: {protocol!r}: not one of {', '.join(_BACKEND_PROTOCOLS)}")
        protocol = "HTTP"
    return Annotations(auth, proxy, protocol.upper(), tuple(refused))


def _depth(value: str | None, key: str, refused: list[str]) -> int:
    if value is None:
        return 1
    try:
        depth = int(value)
    except ValueError:
        refused.append(f"{PREFIX}{key}: {value!r}: not an integer")
        return 1
    return depth or 1


def location_key(path: str, path_type: str) -> str:
    return f"= {path}" if path_type == "Exact" else (path or "/")


def posture(cluster: Cluster) -> dict[tuple[str, str | None], Place]:
    """What ingress-nginx enforced for every host and path of the Ingresses that carry its mTLS annotations."""
    out: dict[tuple[str, str | None], Place] = {}
    for ingress in cluster.ingresses.values():
        if not has_annotations(ingress):
            continue
        ann = parse(ingress)
        owner = (Responsible(ingress.meta.ref, ingress.meta.origin.at()),)
        tls_hosts = {h for t in ingress.tls or () for h in t.hosts}
        for rule in ingress.rules:
            host = rule.host
            if (host, None) not in out:
                out[(host, None)] = Place(host, None, _server(cluster, ingress, ann, owner, host in tls_hosts))
            for p in rule.paths:
                key = (host, location_key(p.path, p.path_type))
                out[key] = Place(host, key[1], _location(cluster, ingress, ann, owner))
    return out


def _secret(cluster: Cluster, key: str) -> tuple[Mapping[str, bytes] | None, tuple[Responsible, ...]]:
    secret = cluster.secrets.get(key)
    namespace, _, name = key.partition("/")
    ref = ObjectRef("Secret", namespace, name)
    if secret is None:
        return None, (Responsible(ref, ""),)
    return secret.data, (Responsible(ref, secret.meta.origin.at()),)


def _server(
    cluster: Cluster, ingress: Ingress, ann: Annotations, owner: tuple[Responsible, ...], tls: bool
) -> dict[str, Fact]:
    # ingress-nginx serves every host on 443 (with its default certificate when the host has no TLS entry).
    facts = {"tls": Fact("tls", True, "TLS terminated" if tls else "TLS terminated (default certificate)", owner)}
    auth = ann.auth
    data, objects = _secret(cluster, auth.secret) if auth is not None else (None, ())
    if auth is not None and data is None:
        facts["outcome"] = Fact("outcome", "403", "every request gets 403 (the auth-tls Secret cannot be read)", owner)
        return facts
    facts["outcome"] = Fact("outcome", "serves", "serves", owner)
    if auth is None or data is None or "ca.crt" not in data:
        facts["client_verification"] = Fact("client_verification", "off", "off", owner)
        return facts
    facts["client_verification"] = Fact("client_verification", auth.verify_client, auth.verify_client, owner)
    members = bundle_members(data["ca.crt"])
    facts["client_ca"] = Fact("client_ca", members, _members_text(members), (*owner, *objects))
    facts["client_verify_depth"] = Fact("client_verify_depth", auth.verify_depth, str(auth.verify_depth), owner)
    crl = data.get("ca.crl")
    facts["client_crl"] = (
        Fact("client_crl", digest(crl), f"CRL {digest(crl)}", objects)
        if crl
        else Fact("client_crl", "", "no CRL", owner)
    )
    return facts


def _members_text(members: frozenset[tuple[str, str]]) -> str:
    return "; ".join(f"{subject} [{fp}]" for subject, fp in sorted(members)) or "no certificate"


def _location(cluster: Cluster, ingress: Ingress, ann: Annotations, owner: tuple[Responsible, ...]) -> dict[str, Fact]:
    scheme = {"HTTPS": "https", "GRPCS": "grpcs", "GRPC": "grpc"}.get(ann.backend_protocol, "http")
    facts = {
        "outcome": Fact("outcome", "serves", "serves", owner),
        "upstream_tls": Fact("upstream_tls", scheme, scheme_text(scheme), owner),
    }
    proxy = ann.proxy
    data, objects = _secret(cluster, proxy.secret) if proxy is not None else (None, ())
    if scheme not in ("https", "grpcs"):
        for aspect in (
            "upstream_client_certificate",
            "upstream_trusted_ca",
            "upstream_verification",
            "upstream_verify_depth",
            "upstream_ssl_name",
            "upstream_sni",
            "upstream_protocols",
            "upstream_ciphers",
        ):
            facts[aspect] = Fact(aspect, NOT_USED, "not used (no TLS to the upstream)")
        return facts
    if proxy is None or data is None or "ca.crt" not in data:
        # No proxy_ssl_* at all: nginx's defaults.
        facts |= {
            "upstream_client_certificate": Fact("upstream_client_certificate", "", "none sent"),
            "upstream_trusted_ca": Fact("upstream_trusted_ca", frozenset(), "none"),
            "upstream_verification": Fact("upstream_verification", "off", "off"),
            "upstream_verify_depth": Fact("upstream_verify_depth", 1, "1"),
            "upstream_ssl_name": Fact("upstream_ssl_name", "$proxy_host", "$proxy_host"),
            "upstream_sni": Fact("upstream_sni", "off", "off"),
            "upstream_protocols": Fact("upstream_protocols", frozenset({"TLSv1.2", "TLSv1.3"}), "TLSv1.2 TLSv1.3"),
            "upstream_ciphers": Fact("upstream_ciphers", "DEFAULT", "DEFAULT"),
        }
        return facts
    pem = data.get("tls.crt")
    fp = leaf_fingerprint(pem) if pem and data.get("tls.key") else ""
    members = bundle_members(data["ca.crt"])
    facts |= {
        "upstream_client_certificate": Fact("upstream_client_certificate", fp, fp or "none sent", objects),
        "upstream_trusted_ca": Fact("upstream_trusted_ca", members, _members_text(members), objects),
        "upstream_verification": Fact("upstream_verification", proxy.verify, proxy.verify, owner),
        "upstream_verify_depth": Fact("upstream_verify_depth", proxy.verify_depth, str(proxy.verify_depth), owner),
        "upstream_ssl_name": Fact("upstream_ssl_name", proxy.name or "$proxy_host", proxy.name or "$proxy_host", owner),
        "upstream_sni": Fact("upstream_sni", proxy.server_name, proxy.server_name, owner),
        "upstream_protocols": Fact("upstream_protocols", frozenset(proxy.protocols.split()), proxy.protocols, owner),
        "upstream_ciphers": Fact("upstream_ciphers", proxy.ciphers, proxy.ciphers, owner),
    }
    return facts

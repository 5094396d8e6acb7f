"""The community ingress-nginx controller's mTLS annotations, which NIC ignores, and what NIC uses instead.

ingress-nginx was retired in March 2026 and its users move to NIC with their Ingresses unchanged. NIC reads
none of the ``nginx.ingress.kubernetes.io/*`` annotations: a host meant to check client certificates serves
everyone (fail-open) and an upstream meant to be reached over TLS gets plain HTTP. This table is data so that
the MTLS072 check and ``mtls-inspect migrate`` (``inspector/migrate/ingress_nginx.py``) read the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

PREFIX = "nginx.ingress.kubernetes.io/"

Effect = Literal["fail-open", "plain-http"]


@dataclass(frozen=True)
class IgnoredAnnotation:
    """One ingress-nginx annotation NIC ignores: what is lost, and the NIC field that does the job."""

    name: str
    """Without the ``nginx.ingress.kubernetes.io/`` prefix."""
    effect: Effect
    """``fail-open``: no client-certificate check; ``plain-http``: NGINX talks plain HTTP to the upstream."""
    nic_field: str
    """The NIC Policy field or annotation that replaces it (empty: no NIC counterpart)."""
    values: tuple[str, ...] = ()
    """Only these values mean TLS (``backend-protocol``); empty: any value."""


ANNOTATIONS: tuple[IgnoredAnnotation, ...] = (
    IgnoredAnnotation("auth-tls-secret", "fail-open", "ingressMTLS.clientCertSecret (an nginx.org/ca Secret)"),
    IgnoredAnnotation("auth-tls-verify-client", "fail-open", "ingressMTLS.verifyClient"),
    IgnoredAnnotation("auth-tls-verify-depth", "fail-open", "ingressMTLS.verifyDepth"),
    IgnoredAnnotation("auth-tls-error-page", "fail-open", ""),
    IgnoredAnnotation(
        "auth-tls-pass-certificate-to-upstream", "fail-open", "nginx.org/location-snippets (proxy_set_header)"
    ),
    IgnoredAnnotation("auth-tls-match-cn", "fail-open", "nginx.org/server-snippets (a $ssl_client_s_dn check)"),
    IgnoredAnnotation("proxy-ssl-secret", "plain-http", "egressMTLS.tlsSecret and egressMTLS.trustedCertSecret"),
    IgnoredAnnotation("proxy-ssl-verify", "plain-http", "egressMTLS.verifyServer"),
    IgnoredAnnotation("proxy-ssl-verify-depth", "plain-http", "egressMTLS.verifyDepth"),
    IgnoredAnnotation("proxy-ssl-name", "plain-http", "egressMTLS.sslName"),
    IgnoredAnnotation("proxy-ssl-server-name", "plain-http", "egressMTLS.serverName"),
    IgnoredAnnotation("proxy-ssl-protocols", "plain-http", "egressMTLS.protocols"),
    IgnoredAnnotation("proxy-ssl-ciphers", "plain-http", "egressMTLS.ciphers"),
    IgnoredAnnotation("backend-protocol", "plain-http", "nginx.org/ssl-services", values=("HTTPS", "GRPCS")),
)
BY_NAME: Mapping[str, IgnoredAnnotation] = {a.name: a for a in ANNOTATIONS}

INGRESS_MTLS_FIX = """apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: {name}-mtls
  namespace: {namespace}
spec:
  ingressMTLS:
    clientCertSecret: {secret}   # type: nginx.org/ca, CA under ca.crt
    verifyClient: "on"
    verifyDepth: {depth}
# and on the Ingress: nginx.org/policies: {name}-mtls"""

EGRESS_MTLS_FIX = """apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: {name}-egress-mtls
  namespace: {namespace}
spec:
  egressMTLS:
    tlsSecret: {secret}   # kubernetes.io/tls: NGINX's client certificate
    trustedCertSecret: {secret}-ca   # nginx.org/ca: the upstream's CA
    verifyServer: true
    sslName: {ssl_name}
# and on the Ingress: nginx.org/policies: {name}-egress-mtls, nginx.org/ssl-services: {services}"""


def ignored(annotations: Mapping[str, str]) -> list[tuple[IgnoredAnnotation, str]]:
    """The ingress-nginx mTLS annotations set on an object, with their values, in table order."""
    found: list[tuple[IgnoredAnnotation, str]] = []
    for item in ANNOTATIONS:
        value = annotations.get(PREFIX + item.name)
        if value is None:
            continue
        if item.values and value.strip().upper() not in item.values:
            continue
        found.append((item, value))
    return found


def meant(annotations: Mapping[str, str], effect: Effect) -> bool:
    """Did ingress-nginx act on them? Client certificates only with ``auth-tls-secret`` and a verify mode other
    than ``off``; upstream TLS with ``proxy-ssl-secret`` or ``backend-protocol: HTTPS|GRPCS``."""
    if effect == "fail-open":
        verify = annotations.get(PREFIX + "auth-tls-verify-client", "on").strip().lower()
        return PREFIX + "auth-tls-secret" in annotations and verify != "off"
    protocol = annotations.get(PREFIX + "backend-protocol", "").strip().upper()
    return PREFIX + "proxy-ssl-secret" in annotations or protocol in BY_NAME["backend-protocol"].values

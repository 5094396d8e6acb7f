"""Builders for the NIC-policy tests: model objects and secrets with real certificates (``inspector.pki``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from inspector import pki
from inspector.model import (
    AnyObject,
    Cluster,
    EgressMTLS,
    Ingress,
    IngressMTLS,
    IngressPath,
    IngressRule,
    IngressTLS,
    Meta,
    ObjectRef,
    Origin,
    Policy,
    Secret,
    ServiceBackend,
)


def meta(kind: str, namespace: str, name: str, annotations: Mapping[str, str] | None = None) -> Meta:
    return Meta(
        ref=ObjectRef(kind, namespace, name), origin=Origin(f"{name}.yaml", line=1), annotations=annotations or {}
    )


@lru_cache(maxsize=1)
def ca() -> pki.Issued:
    return pki.make_ca("test-ca")


@lru_cache(maxsize=1)
def other_ca() -> pki.Issued:
    return pki.make_ca("other-ca")


@lru_cache(maxsize=1)
def client() -> pki.Issued:
    return pki.make_leaf("client", ca(), client=True, server=False)


def ca_secret(name: str = "ca-secret", namespace: str = "default", *, crl: bytes | None = None) -> Secret:
    data = {"ca.crt": ca().cert_pem}
    if crl is not None:
        data["ca.crl"] = crl
    return Secret(meta("Secret", namespace, name), "nginx.org/ca", data)


def tls_secret(name: str = "tls-secret", namespace: str = "default", *, key: bytes | None = None) -> Secret:
    leaf = client()
    data = {"tls.crt": leaf.cert_pem, "tls.key": key if key is not None else leaf.key_pem}
    return Secret(meta("Secret", namespace, name), "kubernetes.io/tls", data)


def ingress_mtls_policy(name: str = "ingress-mtls-policy", namespace: str = "default", **fields: object) -> Policy:
    spec = IngressMTLS(**{"client_cert_secret": "ca-secret", **fields})  # type: ignore[arg-type]
    return Policy(meta("Policy", namespace, name), ingress_mtls=spec)


def egress_mtls_policy(name: str = "egress-mtls-policy", namespace: str = "default", **fields: object) -> Policy:
    return Policy(meta("Policy", namespace, name), egress_mtls=EgressMTLS(**fields))  # type: ignore[arg-type]


def ingress(
    name: str = "cafe-ingress",
    namespace: str = "default",
    *,
    annotations: Mapping[str, str] | None = None,
    hosts: tuple[str, ...] = ("cafe.example.com",),
    paths: tuple[tuple[str, str], ...] = (("/tea", "tea-svc"),),
    tls: tuple[IngressTLS, ...] | None = None,
) -> Ingress:
    rules = tuple(
        IngressRule(
            host=h,
            paths=tuple(IngressPath(p, "Prefix", ServiceBackend(svc, 80)) for p, svc in paths),
            has_http=bool(paths),
        )
        for h in hosts
    )
    return Ingress(meta("Ingress", namespace, name, annotations), tls=tls, rules=rules)


def cluster(*objects: AnyObject, sources: tuple[str, ...] = ()) -> Cluster:
    """A snapshot holding ``objects``, each under its kind, in the order given (the shared test builder)."""
    by_kind: dict[str, dict[str, AnyObject]] = {kind: {} for kind in _CLUSTER_FIELDS}
    for obj in objects:
        by_kind[obj.meta.ref.kind][obj.meta.ref.key] = obj
    fields: dict[str, Any] = {name: by_kind[kind] for kind, name in _CLUSTER_FIELDS.items()}
    return Cluster(**fields, sources=sources)


_CLUSTER_FIELDS = {
    "Secret": "secrets",
    "Service": "services",
    "Policy": "policies",
    "Ingress": "ingresses",
    "VirtualServer": "virtual_servers",
    "VirtualServerRoute": "virtual_server_routes",
    "ConfigMap": "config_maps",
}

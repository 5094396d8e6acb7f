"""Builders for the Ingress/replica/render tests: model objects, secrets with real certificates (cryptography).

NIC's example manifests are read with the project's own loader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from inspector import pki
from inspector.model import (
    Cluster,
    ControllerSettings,
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
from inspector.nic.types import NicResult
from tests import nic_fixtures
from tests.shared import need

FILE = "manifests.yaml"


def meta(
    kind: str, namespace: str, name: str, annotations: Mapping[str, str] | None = None, doc: int = 0
) -> Meta:
    return Meta(
        ObjectRef(kind, namespace, name), Origin(FILE, doc=doc, line=1 + doc * 10), dict(annotations or {})
    )


@lru_cache(maxsize=1)
def client_ca() -> pki.Issued:
    return pki.make_ca("test client CA")


@lru_cache(maxsize=1)
def server_ca() -> pki.Issued:
    return pki.make_ca("test server CA")


@lru_cache(maxsize=4)
def server_leaf(host: str) -> pki.Issued:
    return pki.make_leaf(host, server_ca(), sans=(host,))


@lru_cache(maxsize=1)
def egress_client() -> pki.Issued:
    return pki.make_leaf("nginx egress client", client_ca(), client=True, server=False)


def ca_secret(name: str, namespace: str = "default", *, crl: bool = False, doc: int = 0) -> Secret:
    data = {"ca.crt": client_ca().cert_pem}
    if crl:
        data["ca.crl"] = pki.make_crl(client_ca())
    return Secret(meta("Secret", namespace, name, doc=doc), "nginx.org/ca", data)


def tls_secret(name: str, namespace: str = "default", host: str = "cafe.example.com", doc: int = 0) -> Secret:
    leaf = server_leaf(host)
    return Secret(
        meta("Secret", namespace, name, doc=doc),
        "kubernetes.io/tls",
        {"tls.crt": leaf.chain_pem, "tls.key": leaf.key_pem},
    )


def egress_tls_secret(name: str, namespace: str = "default") -> Secret:
    leaf = egress_client()
    return Secret(
        meta("Secret", namespace, name),
        "kubernetes.io/tls",
        {"tls.crt": leaf.cert_pem, "tls.key": leaf.key_pem},
    )


def ingress_policy(name: str = "ingress-mtls-policy", namespace: str = "default", **fields: Any) -> Policy:
    spec = IngressMTLS(**{"client_cert_secret": "ingress-mtls-secret", **fields})
    return Policy(meta("Policy", namespace, name), ingress_mtls=spec)


def egress_policy(name: str = "egress-mtls-policy", namespace: str = "default", **fields: Any) -> Policy:
    return Policy(meta("Policy", namespace, name), egress_mtls=EgressMTLS(**fields))


def path(p: str, svc: str, port: int | str = 80, path_type: str = "Prefix") -> IngressPath:
    backend = ServiceBackend(svc, port) if isinstance(port, int) else ServiceBackend(svc, None, port)
    return IngressPath(p, path_type, backend)


def ingress(
    name: str,
    *,
    namespace: str = "default",
    annotations: Mapping[str, str] | None = None,
    rules: Sequence[tuple[str, Sequence[IngressPath]]] = (("cafe.example.com", (path("/tea", "tea-svc"),)),),
    tls: Sequence[tuple[Sequence[str], str]] | None = None,
    ingress_class: str | None = "nginx",
    doc: int = 0,
    default_backend: ServiceBackend | None = None,
) -> Ingress:
    return Ingress(
        meta("Ingress", namespace, name, annotations, doc=doc),
        ingress_class,
        tuple(IngressTLS(tuple(h), s) for h, s in tls) if tls else None,
        tuple(IngressRule(h, tuple(ps), bool(ps)) for h, ps in rules),
        default_backend,
    )


def cluster(*objects: Any) -> Cluster:
    return nic_fixtures.cluster(*objects, sources=(FILE,))


def run(*objects: Any, settings: ControllerSettings | None = None) -> NicResult:
    from inspector.nic.replica import run as replica_run

    return replica_run(cluster(*objects), settings or ControllerSettings())


def resource(result: NicResult, kind: str, name: str, namespace: str = "default") -> Any:
    return next(r for r in result.resources if r.ref == ObjectRef(kind, namespace, name))


def server(result: NicResult, host: str) -> Any:
    """The rendered server block of ``host`` (via the parser), as the report reads it."""
    from inspector.render import render_config

    h = next(h for h in result.hosts if h.host == host and not h.rejected)
    f = next(f for f in result.files if f.name == h.config_file)
    return render_config(f).servers()[h.server_index]


# --- NIC's example manifests ------------------------------------------------------------------------------------


def read_examples(*files: Path) -> list[Any]:
    """The Ingress, Policy and ConfigMap objects of NIC's example files, read by the project's loader."""
    from inspector.sources.convert import load_cluster

    c = load_cluster([str(need(f)) for f in files])
    return [*c.ingresses.values(), *c.policies.values(), *c.config_maps.values()]

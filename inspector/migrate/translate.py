"""ingress-nginx mTLS annotations to NIC: Policy objects, ``nginx.org/*`` annotations, the CA Secrets NIC needs.

What maps (see :mod:`inspector.migrate.ingress_nginx` for what ingress-nginx did):

- ``auth-tls-secret``/``-verify-client``/``-verify-depth`` -> an ``ingressMTLS`` Policy on the Ingress
  (``nginx.org/policies``, server scope, as ingress-nginx put them on the server). NIC wants the CA in a Secret of
  type ``nginx.org/ca``; ingress-nginx took any Secret with a ``ca.crt``. When the Secret is in the input, a new
  ``nginx.org/ca`` Secret with its ``ca.crt`` (and ``ca.crl``) is emitted: certificates and CRLs only, never a key.
- ``proxy-ssl-*`` with ``backend-protocol: HTTPS|GRPCS`` -> an ``egressMTLS`` Policy and ``nginx.org/ssl-services``
  (and ``nginx.org/grpc-services``) for the Ingress's backends. Protocols are always written out: NIC's default
  (``TLSv1 TLSv1.1 TLSv1.2``) is not ingress-nginx's (``TLSv1.2``). The client certificate is the same
  ``kubernetes.io/tls`` Secret when it is one; otherwise the user must recreate it (the key is never copied).
- No NIC equivalent: ``auth-tls-match-cn``, ``auth-tls-error-page``, ``auth-tls-pass-certificate-to-upstream``:
  removed, each with a note on what is lost and the closest NIC means.

Pure: objects in, objects and notes out. The CLI writes them.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from inspector.migrate.ingress_nginx import MTLS_ANNOTATIONS, PREFIX, Annotations, has_annotations, parse
from inspector.model import Cluster, Ingress, ObjectRef
from inspector.sources import RawObject

NoteKind = Literal["lost", "secret", "refused", "translated", "warning"]


@dataclass(frozen=True)
class Note:
    ingress: ObjectRef
    source: str
    kind: NoteKind
    message: str


@dataclass(frozen=True)
class Migration:
    """One migrated Ingress: the new manifests (Ingress first, then Policies, then Secrets) and what to know."""

    ingress: ObjectRef
    file: str
    """The file the Ingress came from (``-o DIR`` mirrors it)."""
    objects: tuple[dict[str, Any], ...]
    notes: tuple[Note, ...]


_DROP_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink")
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_LOST = {
    "auth-tls-match-cn": (
        "the client certificate's subject is no longer matched against {value!r} (ingress-nginx answered 403 to "
        "others); NIC has no such field. Closest: a CA that only issues to these clients, or "
        "`nginx.org/server-snippets` with `if ($ssl_client_s_dn !~ ...) {{ return 403; }}` (-enable-snippets)"
    ),
    "auth-tls-error-page": (
        "a failed client certificate no longer goes to {value!r}; NIC answers with nginx's own 400 page. Closest: "
        "`nginx.org/server-snippets` with `error_page 495 496 = ...;` (-enable-snippets)"
    ),
    "auth-tls-pass-certificate-to-upstream": (
        "the upstream no longer receives the client certificate in the `ssl-client-cert` header. Closest: "
        "`nginx.org/location-snippets: proxy_set_header ssl-client-cert $ssl_client_escaped_cert;` (-enable-snippets)"
    ),
}


def migrate(raws: Sequence[RawObject], cluster: Cluster) -> list[Migration]:
    """A Migration for every Ingress that carries ingress-nginx mTLS annotations, in source order."""
    out: list[Migration] = []
    for raw in raws:
        if raw.obj.get("kind") != "Ingress":
            continue
        meta = raw.obj.get("metadata") or {}
        key = f"{meta.get('namespace') or 'default'}/{meta.get('name', '')}"
        ingress = cluster.ingresses.get(key)
        if ingress is None or not has_annotations(ingress) or not _same_place(ingress, raw):
            continue
        out.append(_one(raw, ingress, cluster))
    return out


def _same_place(ingress: Ingress, raw: RawObject) -> bool:
    """The cluster's Ingress is this raw object (a later duplicate replaces an earlier one, as kubectl apply)."""
    a, b = ingress.meta.origin, raw.origin
    return (a.file, a.doc, a.line) == (b.file, b.doc, b.line)


def _one(raw: RawObject, ingress: Ingress, cluster: Cluster) -> Migration:
    ref = ingress.meta.ref
    where = ingress.meta.origin.at()
    notes: list[Note] = []

    def note(kind: NoteKind, message: str) -> None:
        notes.append(Note(ref, where, kind, message))

    ann = parse(ingress)
    for line in ann.refused:
        note("refused", f"{line}: ingress-nginx refused this value, so it is not translated")
    obj = copy.deepcopy(raw.obj)
    metadata = obj.setdefault("metadata", {})
    for drop in _DROP_METADATA:
        metadata.pop(drop, None)
    obj.pop("status", None)
    annotations: dict[str, str] = dict(metadata.get("annotations") or {})
    annotations.pop(_LAST_APPLIED, None)
    raw_values = {k[len(PREFIX) :]: v for k, v in annotations.items() if k in MTLS_ANNOTATIONS}
    for key in MTLS_ANNOTATIONS:
        annotations.pop(key, None)
    extra: list[dict[str, Any]] = []
    policies: list[str] = []
    for name, template in _LOST.items():
        if name in raw_values and (name != "auth-tls-pass-certificate-to-upstream" or raw_values[name] == "true"):
            note("lost", f"{PREFIX}{name}: " + template.format(value=raw_values[name]))
    if ann.auth is not None:
        policies.append(_ingress_policy(ann, ingress, cluster, extra, note))
    tls_upstream = ann.backend_protocol in ("HTTPS", "GRPCS")
    services = sorted({p.backend.name for r in ingress.rules for p in r.paths if p.backend is not None})
    if ingress.default_backend is not None and ingress.default_backend.name not in services:
        services.append(ingress.default_backend.name)
    if ann.proxy is not None and tls_upstream:
        name = _egress_policy(ann, ingress, cluster, extra, note)
        if name:
            policies.append(name)
    elif ann.proxy is not None:
        note(
            "warning",
            f"{PREFIX}proxy-ssl-secret without backend-protocol HTTPS/GRPCS: ingress-nginx spoke plain "
            "HTTP to the upstream, so no egressMTLS policy is written",
        )
    if tls_upstream and services:
        annotations["nginx.org/ssl-services"] = _merge(annotations.get("nginx.org/ssl-services", ""), services)
        note("translated", f"backend-protocol {ann.backend_protocol} -> nginx.org/ssl-services: {', '.join(services)}")
    if ann.backend_protocol in ("GRPC", "GRPCS") and services:
        annotations["nginx.org/grpc-services"] = _merge(annotations.get("nginx.org/grpc-services", ""), services)
        note("warning", 'NIC serves gRPC only with HTTP/2 on: set `http2: "true"` in NIC\'s ConfigMap')
    if policies:
        annotations["nginx.org/policies"] = _merge(annotations.get("nginx.org/policies", ""), policies)
    tls_hosts = {h for t in ingress.tls or () for h in t.hosts}
    if ann.auth is not None:
        # NIC: no spec.tls at all is "TLS must be enabled" and a 500 for the whole server; a spec.tls that does
        # not list the host serves it without the check (fail-open). ingress-nginx checked on 443 either way.
        outcome = (
            "NIC answers every request with 500 (TLS must be enabled for an ingressMTLS policy)"
            if ingress.tls is None
            else "NIC serves it without TLS and without any check (fail-open)"
        )
        for host in sorted({r.host for r in ingress.rules if r.host and r.host not in tls_hosts}):
            note(
                "lost",
                f"{host} has no spec.tls entry: ingress-nginx still served it on 443 with its default certificate and "
                f"checked client certificates; {outcome}. Add the host to spec.tls with its certificate Secret",
            )
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    return Migration(ref, ingress.meta.origin.file, (obj, *extra), tuple(notes))


def _merge(existing: str, names: Sequence[str]) -> str:
    items = [n.strip() for n in existing.split(",") if n.strip()]
    return ",".join([*items, *(n for n in names if n not in items)])


def _policy(name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "k8s.nginx.org/v1",
        "kind": "Policy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _ca_secret(
    source_key: str, cluster: Cluster, ingress: Ingress, extra: list[dict[str, Any]], note: Any, purpose: str
) -> str:
    """The name of an ``nginx.org/ca`` Secret holding the ``ca.crt`` of ``source_key`` (emitted when needed)."""
    namespace, _, name = source_key.partition("/")
    secret = cluster.secrets.get(source_key)
    if secret is not None and secret.type == "nginx.org/ca":
        return name
    new = f"{name}-nginx-ca"
    if secret is None:
        note(
            "secret",
            f"Secret {source_key} is not in the input: create {namespace}/{new} of type nginx.org/ca from its ca.crt "
            f"(kubectl -n {namespace} create secret generic {new} --type=nginx.org/ca --from-file=ca.crt=ca.crt), "
            f"or have the operator that makes {name} write that type; NIC refuses any other type for {purpose}",
        )
        return new
    if "ca.crt" not in secret.data:
        note("secret", f"Secret {source_key} has no ca.crt: ingress-nginx did not use it for {purpose} either")
        return new
    data = {"ca.crt": base64.b64encode(secret.data["ca.crt"]).decode()}
    if "ca.crl" in secret.data:
        data["ca.crl"] = base64.b64encode(secret.data["ca.crl"]).decode()
    extra.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": new, "namespace": namespace},
            "type": "nginx.org/ca",
            "data": data,
        }
    )
    note(
        "secret",
        f"new Secret {namespace}/{new} (type nginx.org/ca) with the ca.crt{' and ca.crl' if 'ca.crl' in data else ''} "
        f"of {source_key} ({secret.type}): NIC accepts only nginx.org/ca for {purpose}",
    )
    return new


def _ingress_policy(
    ann: Annotations, ingress: Ingress, cluster: Cluster, extra: list[dict[str, Any]], note: Any
) -> str:
    assert ann.auth is not None
    auth = ann.auth
    name = f"{ingress.meta.ref.name}-ingress-mtls"
    ca = _ca_secret(auth.secret, cluster, ingress, extra, note, "an ingressMTLS clientCertSecret")
    spec = {
        "ingressMTLS": {"clientCertSecret": ca, "verifyClient": auth.verify_client, "verifyDepth": auth.verify_depth}
    }
    extra.insert(0, _policy(name, ingress.meta.ref.namespace, spec))
    note("translated", f"auth-tls-* -> Policy {ingress.meta.ref.namespace}/{name} (ingressMTLS, server scope)")
    return name


def _egress_policy(ann: Annotations, ingress: Ingress, cluster: Cluster, extra: list[dict[str, Any]], note: Any) -> str:
    assert ann.proxy is not None
    proxy = ann.proxy
    secret = cluster.secrets.get(proxy.secret)
    if secret is not None and "ca.crt" not in secret.data:
        note("warning", f"Secret {proxy.secret} has no ca.crt: ingress-nginx rendered no proxy_ssl_* for it")
        return ""
    name = f"{ingress.meta.ref.name}-egress-mtls"
    spec: dict[str, Any] = {
        "trustedCertSecret": _ca_secret(proxy.secret, cluster, ingress, extra, note, "an egressMTLS trustedCertSecret"),
        "verifyServer": proxy.verify == "on",
        "verifyDepth": proxy.verify_depth,
        "protocols": proxy.protocols,
        "ciphers": proxy.ciphers,
        "serverName": proxy.server_name == "on",
    }
    if proxy.name:
        spec["sslName"] = proxy.name
    secret_name = proxy.secret.partition("/")[2]
    if secret is None:
        spec = {"tlsSecret": secret_name, **spec}
        note("secret", f"Secret {proxy.secret} is not in the input: NIC needs it as kubernetes.io/tls for tlsSecret")
    elif "tls.crt" in secret.data and "tls.key" in secret.data:
        spec = {"tlsSecret": secret_name, **spec}
        if secret.type != "kubernetes.io/tls":
            note(
                "secret",
                f"Secret {proxy.secret} is {secret.type}: NIC takes a tlsSecret of type kubernetes.io/tls only; "
                f"recreate it with that type (kubectl create secret tls ...). The key is not copied by this tool",
            )
    extra.insert(0, _policy(name, ingress.meta.ref.namespace, {"egressMTLS": spec}))
    note("translated", f"proxy-ssl-* -> Policy {ingress.meta.ref.namespace}/{name} (egressMTLS, server scope)")
    return name

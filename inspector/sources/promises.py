"""Secrets that other objects in the input will make: cert-manager, External Secrets, Sealed Secrets.

Repositories rarely hold Secrets; an operator makes them from a ``Certificate``, an ``ExternalSecret`` or a
``SealedSecret``, or cert-manager's ingress-shim makes them for an annotated Ingress. Each such object is read
here into a :class:`~inspector.model.PromisedSecret`: the Secret's namespace, name and type, and who makes it,
never content. Field shapes follow the operators' CRDs:

- cert-manager ``Certificate`` (``cert-manager.io/v1``): ``spec.secretName`` (required), always
  ``kubernetes.io/tls`` with ``tls.crt``, ``tls.key`` and ``ca.crt``;
- ingress-shim: an Ingress annotated ``cert-manager.io/issuer`` or ``cert-manager.io/cluster-issuer`` gets a
  Certificate per ``spec.tls[]`` entry with a ``secretName`` and hosts;
- NIC's own cert-manager controller: a VirtualServer's ``spec.tls.cert-manager`` with ``-enable-cert-manager``
  (``internal/certmanager/sync.go``: a Certificate named and with ``secretName`` ``spec.tls.secret``);
- ``ExternalSecret`` (``external-secrets.io/v1beta1`` and ``v1``): ``spec.target.name`` (default the
  ExternalSecret's name), type ``spec.target.template.type`` (default ``Opaque``); ``creationPolicy`` ``Merge``
  and ``None`` create nothing;
- ``SealedSecret`` (``bitnami.com/v1alpha1``): a Secret of its own name, type ``spec.template.type`` (default
  ``Opaque``).

Odd fields are LoadProblems (the API server's refusal for a wrong JSON type or a missing required field, or
a note that the operator could not make the Secret), never exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from inspector import apimachinery
from inspector.catalogue import API_SERVER_REJECTS
from inspector.model import Cluster, Ingress, ObjectRef, Origin, PromisedSecret, VirtualServer, field_path

CERT_MANAGER_GROUP = "cert-manager.io"
ESO_GROUP = "external-secrets.io"
SEALED_GROUP = "bitnami.com"

SERVED: Mapping[tuple[str, str], tuple[str, ...]] = {
    # cert-manager 1.6+ serves v1 only; ESO serves v1 (0.17+) and v1beta1; Sealed Secrets v1alpha1.
    (CERT_MANAGER_GROUP, "Certificate"): ("v1",),
    (ESO_GROUP, "ExternalSecret"): ("v1", "v1beta1"),
    (SEALED_GROUP, "SealedSecret"): ("v1alpha1",),
}
KINDS = frozenset(kind for _, kind in SERVED)

TYPE_TLS = "kubernetes.io/tls"
ISSUER_ANNOTATIONS = ("cert-manager.io/issuer", "cert-manager.io/cluster-issuer")
INGRESS_SHIM = "cert-manager ingress-shim"
NIC_CERT_MANAGER = "NIC's cert-manager controller, -enable-cert-manager"

_SUBDOMAIN = re.compile(apimachinery.DNS1123_SUBDOMAIN_FMT)

Problem = tuple[str, str, str]
"""(check id, field path, message without the location)."""


_FIELDS: Mapping[str, tuple[tuple[tuple[str, ...], type], ...]] = {
    "Certificate": ((("spec",), dict), (("spec", "secretName"), str)),
    "ExternalSecret": (
        (("spec",), dict),
        (("spec", "target"), dict),
        (("spec", "target", "name"), str),
        (("spec", "target", "creationPolicy"), str),
        (("spec", "target", "template"), dict),
        (("spec", "target", "template", "type"), str),
    ),
    "SealedSecret": ((("spec",), dict), (("spec", "template"), dict), (("spec", "template", "type"), str)),
}
"""The fields read here and their JSON types (a parent is checked before its children)."""

_JSON_NAMES: Mapping[type, str] = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def _get(obj: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = obj
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _type_problem(obj: Mapping[str, Any], kind: str, where: str) -> Problem | None:
    """The first read field of the wrong JSON type: the API server refuses the object (its CRD schema)."""
    for path, want in _FIELDS[kind]:
        value = _get(obj, path)
        if value is None or (isinstance(value, want) and not isinstance(value, bool)):
            continue
        field = ".".join(path)
        got = _JSON_NAMES.get(type(value), "object")
        wanted = _JSON_NAMES.get(want, "object")
        return (
            API_SERVER_REJECTS,
            field,
            f'{where}: {field}: Invalid value: "{got}": {field} in body must be of type {wanted}: "{got}" '
            "(the API server would refuse this object; no Secret is made from it)",
        )
    return None


def _name_problem(name: str, field: str, where: str, maker: str) -> Problem | None:
    if len(name) <= 253 and _SUBDOMAIN.fullmatch(name):
        return None
    return (
        API_SERVER_REJECTS,
        field,
        f'{where}: {field}: Invalid value: "{name}": not a valid Secret name (lowercase RFC 1123 subdomain); '
        f"{maker} cannot create the Secret, so nothing in the input makes it",
    )


def from_object(
    kind: str, obj: Mapping[str, Any], ref: ObjectRef, origin: Origin
) -> tuple[PromisedSecret | None, Problem | None]:
    """The Secret a Certificate/ExternalSecret/SealedSecret (already admitted: name and namespace valid) makes,
    or why it makes none."""
    where = str(ref)
    bad = _type_problem(obj, kind, where)
    if bad:
        return None, bad
    spec = obj.get("spec") or {}
    if kind == "Certificate":
        name = spec.get("secretName") or ""
        if not name:
            text = "Required value (the API server would refuse this object; no Secret is made from it)"
            return None, (API_SERVER_REJECTS, "spec.secretName", f"{where}: spec.secretName: {text}")
        secret_type, field = TYPE_TLS, "spec.secretName"
    elif kind == "ExternalSecret":
        target = spec.get("target") or {}
        if (target.get("creationPolicy") or "Owner") in ("Merge", "None"):
            return None, None  # ESO only updates an existing Secret (Merge) or makes none (None)
        name = target.get("name") or ref.name
        secret_type = (target.get("template") or {}).get("type") or "Opaque"
        field = "spec.target.name" if target.get("name") else "metadata.name"
    else:  # SealedSecret: the controller unseals into a Secret of the same namespace and name
        name = ref.name
        secret_type = (spec.get("template") or {}).get("type") or "Opaque"
        field = "metadata.name"
    bad = _name_problem(name, field, where, kind)
    if bad:
        return None, bad
    return PromisedSecret(ObjectRef("Secret", ref.namespace, name), secret_type, ref, origin, field=field), None


def from_ingress(ing: Ingress) -> list[PromisedSecret]:
    """ingress-shim: one ``kubernetes.io/tls`` Secret per ``spec.tls[]`` entry with a secretName and hosts."""
    if not any(ing.annotations.get(key) for key in ISSUER_ANNOTATIONS):
        return []
    ns = ing.meta.ref.namespace
    out: list[PromisedSecret] = []
    for index, tls in enumerate(ing.tls or ()):
        if tls.secret_name and tls.hosts and _SUBDOMAIN.fullmatch(tls.secret_name):
            ref = ObjectRef("Secret", ns, tls.secret_name)
            field = field_path("spec", "tls", index, "secretName")
            out.append(PromisedSecret(ref, TYPE_TLS, ing.meta.ref, ing.meta.origin, INGRESS_SHIM, field=field))
    return out


def from_virtual_server(vs: VirtualServer) -> list[PromisedSecret]:
    """``spec.tls.cert-manager``: NIC (only with ``-enable-cert-manager``) asks cert-manager for ``spec.tls.secret``."""
    if vs.tls is None or not vs.tls.cert_manager or not vs.tls.secret:
        return []
    ref = ObjectRef("Secret", vs.meta.ref.namespace, vs.tls.secret)
    made_by, origin = vs.meta.ref, vs.meta.origin
    return [PromisedSecret(ref, TYPE_TLS, made_by, origin, NIC_CERT_MANAGER, "spec.tls.secret", True)]


def declared(item: str) -> PromisedSecret:
    """``--secret-made-elsewhere NS/NAME=TYPE`` (``=TYPE`` optional, default ``Opaque``); ValueError when malformed."""
    target, sep, secret_type = item.partition("=")
    ns, slash, name = target.strip().partition("/")
    if not slash or not ns or not name or (sep and not secret_type.strip()):
        raise ValueError(f"--secret-made-elsewhere {item!r}: expected NS/NAME=TYPE, e.g. default/tls=kubernetes.io/tls")
    if not _SUBDOMAIN.fullmatch(name) or not re.fullmatch(apimachinery.DNS1123_LABEL_FMT, ns):
        raise ValueError(f"--secret-made-elsewhere {item!r}: {ns}/{name} is not a valid Secret namespace/name")
    return PromisedSecret(
        ObjectRef("Secret", ns, name), secret_type.strip() or "Opaque", None, Origin("<command line>")
    )


def with_declared(cluster: Cluster, declared: Sequence[PromisedSecret]) -> Cluster:
    """The snapshot with the user's declared Secrets added as promises; a maker in the input keeps its promise."""
    promised = dict(cluster.promised_secrets)
    for promise in declared:
        promised.setdefault(promise.ref.key, promise)
    return replace(cluster, promised_secrets=promised)

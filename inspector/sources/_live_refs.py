"""The pure half of live mode: which kinds are read, in what shape, which Secrets NIC would look up, NIC's flags.

Kept apart from ``live.py`` (the client adapter) because none of it needs a network or a Kubernetes client: it
works on plain ``kubectl get -o json`` dicts, so it is tested directly and could serve a file source too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# --- the kinds read --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    kind: str
    api_version: str
    plural: str

    def path(self, namespace: str | None, name: str | None = None) -> str:
        base = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        scope = f"/namespaces/{quote(namespace, safe='')}" if namespace else ""
        item = f"/{quote(name, safe='')}" if name is not None else ""
        return f"{base}{scope}/{self.plural}{item}"


SECRETS = Kind("Secret", "v1", "secrets")
SERVICES = Kind("Service", "v1", "services")
CONFIG_MAPS = Kind("ConfigMap", "v1", "configmaps")
EVENTS = Kind("Event", "v1", "events")
INGRESSES = Kind("Ingress", "networking.k8s.io/v1", "ingresses")
POLICIES = Kind("Policy", "k8s.nginx.org/v1", "policies")
VIRTUAL_SERVERS = Kind("VirtualServer", "k8s.nginx.org/v1", "virtualservers")
VIRTUAL_SERVER_ROUTES = Kind("VirtualServerRoute", "k8s.nginx.org/v1", "virtualserverroutes")
DEPLOYMENTS = Kind("Deployment", "apps/v1", "deployments")
DAEMON_SETS = Kind("DaemonSet", "apps/v1", "daemonsets")
NAMESPACES = Kind("Namespace", "v1", "namespaces")

LISTED: tuple[Kind, ...] = (SERVICES, CONFIG_MAPS, POLICIES, INGRESSES, VIRTUAL_SERVERS, VIRTUAL_SERVER_ROUTES)
"""Kinds listed (and watched) in the selected namespaces; Secrets never are."""


def is_nic_config_map(name: str) -> bool:
    """Whether a ConfigMap's name looks like NIC's (``nginx-config``, Helm's ``<release>-nginx-ingress``)."""
    if name.endswith(("leader-election", "-leader")):
        return False
    return name == "nginx-config" or "nginx-ingress" in name


def as_kubectl_json(item: Mapping[str, Any], kind: Kind) -> dict[str, Any]:
    """One list item or watch object in ``kubectl get -o json`` shape.

    List responses leave ``kind``/``apiVersion`` off their items; kubectl puts them back first, and hides
    ``metadata.managedFields`` (``--show-managed-fields=false`` is its default).
    """
    obj: dict[str, Any] = {"apiVersion": kind.api_version, "kind": kind.kind}
    obj.update((k, v) for k, v in item.items() if k not in ("apiVersion", "kind"))
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        obj["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return obj


def meta_of(obj: Mapping[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return "", ""
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def digest(obj: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def dig(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


# --- which secrets and cross-namespace objects NIC would look up -------------------------------------------------


def referenced_secrets(objects: Iterable[Mapping[str, Any]], wildcard: str = "") -> list[tuple[str, str]]:
    """``(namespace, name)`` of every Secret NIC would look up for these objects, in first-seen order.

    Policy secrets live in the Policy's namespace (internal/k8s/controller.go :: addIngressMTLSSecretRefs,
    addEgressMTLSSecretRefs); an Ingress TLS secret in the Ingress namespace (controller.go :: createIngressEx);
    a VirtualServer TLS secret in the VS namespace (controller.go :: createVirtualServerEx); the
    ``-wildcard-tls-secret`` is ``ns/name``.
    """
    out: dict[tuple[str, str], None] = {}

    def add(namespace: str, name: Any) -> None:
        if isinstance(name, str) and name and namespace:
            out[(namespace, name)] = None

    for obj in objects:
        namespace, _ = meta_of(obj)
        kind = obj.get("kind")
        if kind == "Policy":
            add(namespace, dig(obj, "spec", "ingressMTLS", "clientCertSecret"))
            add(namespace, dig(obj, "spec", "egressMTLS", "tlsSecret"))
            add(namespace, dig(obj, "spec", "egressMTLS", "trustedCertSecret"))
        elif kind == "Ingress":
            tls = dig(obj, "spec", "tls")
            for entry in tls if isinstance(tls, list) else ():
                add(namespace, dig(entry, "secretName"))
        elif kind == "VirtualServer":
            add(namespace, dig(obj, "spec", "tls", "secret"))
    if wildcard.count("/") == 1:
        add(*wildcard.split("/"))
    return list(out)


def referenced_policies(objects: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(namespace, name)`` of every Policy referenced by Ingress annotations and VS/VSR policy lists.

    Annotation items are ``name`` or ``ns/name`` (internal/k8s/policies/policy_refs.go ::
    GetPolicyRefsFromAnnotation); VS/VSR references default to the holder's namespace (types.go ::
    PolicyReference).
    """
    out: dict[tuple[str, str], None] = {}
    for obj in objects:
        namespace, _ = meta_of(obj)
        kind = obj.get("kind")
        if kind == "Ingress":
            annotations = dig(obj, "metadata", "annotations")
            for key in ("nginx.org/policies", "nginx.com/policies"):
                value = annotations.get(key) if isinstance(annotations, Mapping) else None
                for item in text_of(value).split(","):
                    parts = item.strip().split("/")
                    if len(parts) == 2 and all(parts):
                        out[(parts[0], parts[1])] = None
                    elif len(parts) == 1 and parts[0]:
                        out[(namespace, parts[0])] = None
        elif kind in ("VirtualServer", "VirtualServerRoute"):
            lists: list[Any] = [dig(obj, "spec", "policies")]
            for route_key in ("routes", "subroutes"):
                routes = dig(obj, "spec", route_key)
                lists += [dig(r, "policies") for r in (routes if isinstance(routes, list) else ())]
            for refs in lists:
                for ref in refs if isinstance(refs, list) else ():
                    name = text_of(dig(ref, "name"))
                    if name:
                        out[(text_of(dig(ref, "namespace")) or namespace, name)] = None
    return list(out)


def referenced_routes(objects: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(namespace, name)`` of the VirtualServerRoutes VS routes delegate to (``route: [ns/]name``)."""
    out: dict[tuple[str, str], None] = {}
    for obj in objects:
        if obj.get("kind") != "VirtualServer":
            continue
        namespace, _ = meta_of(obj)
        routes = dig(obj, "spec", "routes")
        for route in routes if isinstance(routes, list) else ():
            parts = text_of(dig(route, "route")).split("/")
            if len(parts) == 2 and all(parts):
                out[(parts[0], parts[1])] = None
            elif len(parts) == 1 and parts[0]:
                out[(namespace, parts[0])] = None
    return list(out)


# --- controller auto-detection ----------------------------------------------------------------------------------

_BOOL_FLAGS = {
    "enable-custom-resources": "enable_custom_resources",
    "ssl-dynamic-reload": "ssl_dynamic_reload",
    "enable-cert-manager": "enable_cert_manager",
}
_STRING_FLAGS = {
    "ingress-class": "ingress_class",
    "watch-namespace": "watch_namespaces",
    "wildcard-tls-secret": "wildcard_tls_secret",
    "nginx-configmaps": "nic_configmap",
}
_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def nic_container(workload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The NIC container of a Deployment/DaemonSet (image ``nginx-ingress`` or ``nginx-plus-ingress``), if any.

    The community ingress-nginx controller (image ``ingress-nginx/controller``) is not NIC and is not matched.
    """
    containers = dig(workload, "spec", "template", "spec", "containers")
    for container in containers if isinstance(containers, list) else ():
        image = text_of(dig(container, "image"))
        repo = image.split("@")[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image.split("@")[0]
        if repo.rsplit("/", 1)[-1] in ("nginx-ingress", "nginx-plus-ingress"):
            return container  # type: ignore[no-any-return]
    return None


def _expand(value: str, env: Mapping[str, str]) -> str:
    # Kubernetes expands $(VAR) in args from the container's env; unknown references stay as written.
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), value)


def _container_env(container: Mapping[str, Any], namespace: str) -> dict[str, str]:
    env: dict[str, str] = {}
    entries = container.get("env")
    for entry in entries if isinstance(entries, list) else ():
        name = text_of(dig(entry, "name"))
        if not name:
            continue
        if isinstance(dig(entry, "value"), str):
            env[name] = entry["value"]
        elif dig(entry, "valueFrom", "fieldRef", "fieldPath") == "metadata.namespace":
            env[name] = namespace
    return env


def parse_nic_args(args: Sequence[str]) -> dict[str, object]:
    """NIC's flags (Go ``flag`` syntax: ``-f=v``, ``--f=v``, ``-f v``, bare ``-bool``) as ControllerSettings fields.

    Only the flags that change NIC's mTLS output (cmd/nginx-ingress/flags.go) are read; the others are ignored.
    """
    out: dict[str, object] = {}
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if not token.startswith("-") or token in ("-", "--"):
            continue
        name, eq, value = token.lstrip("-").partition("=")
        if name == "nginx-plus" or name in _BOOL_FLAGS:
            if eq and value not in _GO_TRUE | _GO_FALSE:
                continue  # NIC itself would refuse to start; nothing to learn from it
            flag = value in _GO_TRUE if eq else True
            out["plus" if name == "nginx-plus" else _BOOL_FLAGS[name]] = flag
        elif name in _STRING_FLAGS:
            if not eq:
                if i >= len(args):
                    break
                value = args[i]
                i += 1
            field_name = _STRING_FLAGS[name]
            if field_name == "watch_namespaces":
                out[field_name] = tuple(ns.strip() for ns in value.split(",") if ns.strip())
            else:
                out[field_name] = value
    return out


def nic_release(image: str) -> str:
    """The release an image tag names (``nginx/nginx-ingress:5.4.3-ubi`` -> ``5.4.3``), else "" (``edge``, a
    digest, no tag). Which releases are modelled is NIC knowledge: the CLI maps it to a line (``nic/versions.py``).
    """
    name = image.split("@")[0].rsplit("/", 1)[-1]
    if ":" not in name:
        return ""
    tag = name.rsplit(":", 1)[1].split("-")[0].lstrip("vV")
    return tag if re.fullmatch(r"\d+\.\d+(\.\d+)?", tag) else ""


def detected_settings(workloads: Iterable[Mapping[str, Any]]) -> dict[str, object]:
    """ControllerSettings fields read off the first NIC Deployment/DaemonSet among ``workloads``.

    Only what the workload states is returned (keys are ControllerSettings field names), so the CLI can lay
    its own options over it. ``plus`` comes from ``-nginx-plus`` or the ``nginx-plus-ingress`` image.
    """
    for workload in workloads:
        container = nic_container(workload)
        if container is None:
            continue
        namespace, _ = meta_of(workload)
        env = _container_env(container, namespace)
        tokens: list[str] = []
        for key in ("command", "args"):
            values = container.get(key)
            tokens += [_expand(v, env) for v in (values if isinstance(values, list) else ()) if isinstance(v, str)]
        out = parse_nic_args(tokens)
        release = nic_release(text_of(container.get("image")))
        if release:
            out["nic_version"] = release
        if "nginx-plus-ingress" in text_of(container.get("image")):
            out["plus"] = True
        else:
            out.setdefault("plus", False)
        return out
    return {}

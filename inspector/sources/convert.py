"""Raw ``kubectl``-shaped dicts to the typed model, with the API server's admission behaviour NIC relies on.

This is the only place that turns RawObjects into model objects (the file loader and the live-cluster adapter
both feed it), because NIC never sees a manifest, only what the API server stored:

- defaults: namespace ``default``, Secret type ``Opaque``, ``data`` base64-decoded with ``stringData`` merged
  over it, an Ingress ``spec.tls: []`` normalised away (protobuf/omitempty);
- pruning: unknown fields of NIC's structural CRD schemas (and of Ingress v1) are dropped, which is how a
  misspelled ``ingress_MTLS`` leaves a Policy with an empty spec (MTLS004 names the misspelling);
- refusal: a value of the wrong JSON type (``verifyDepth: deep``, an unquoted ``verifyClient: on`` that YAML 1.1
  makes a boolean) means the API server would refuse the whole object, so it never reaches the Cluster (MTLS003);
- duplicates: a later kind/namespace/name replaces the earlier, as a second ``kubectl apply`` would (MTLS005).

The schemas below are a distillation of field names and JSON types from NIC 5.6's CRDs
(``config/crd/bases/k8s.nginx.org_{policies,virtualservers,virtualserverroutes}.yaml``) and the core
Kubernetes types; value rules (patterns, minimums) are NIC's validation, replayed in ``inspector.nic``.
Unknown kinds (Deployments, ...) are skipped silently: they are normal in manifests and irrelevant to NIC's mTLS.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import ipaddress
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

from inspector import apimachinery
from inspector._gc import gc_paused
from inspector.catalogue import API_SERVER_REJECTS, DUPLICATE_OBJECT, NOT_AN_OBJECT, PRUNED_FIELD
from inspector.model import (
    VSTLS,
    Action,
    ActionProxy,
    ActionRedirect,
    ActionReturn,
    AnyObject,
    Cluster,
    Condition,
    ConfigMap,
    EgressMTLS,
    Event,
    Ingress,
    IngressMTLS,
    IngressPath,
    IngressRule,
    IngressTLS,
    LoadProblem,
    Match,
    Meta,
    ObjectRef,
    Origin,
    Policy,
    PolicyReference,
    PromisedSecret,
    Route,
    Secret,
    Service,
    ServiceBackend,
    ServicePort,
    Split,
    TLSRedirect,
    UpstreamTLS,
    VirtualServer,
    VirtualServerRoute,
    VSUpstream,
    field_path,
)
from inspector.sources import RawObject, promises
from inspector.sources.files import MAX_FILE_BYTES, STDIN_NAME, StdinInput, cap_problems, load_paths, shown
from inspector.sources.yaml_loader import join_path

# --- schema notation ---------------------------------------------------------------------------------------

STR = "string"
INT = "integer"
BOOL = "boolean"
NUM = "number"
INT_OR_STR = "int-or-string"
ANY = "any"


@dataclass(frozen=True)
class _Obj:
    """A JSON object: known properties, whether unknown ones are pruned, and the value type of a map."""

    props: Mapping[str, Schema]
    prune: bool = True
    values: Schema | None = None


@dataclass(frozen=True)
class _Arr:
    items: Schema


Schema: TypeAlias = "str | _Obj | _Arr"


def _o(props: Mapping[str, Schema]) -> _Obj:
    """A structural-schema object: unknown fields are pruned."""
    return _Obj(props, prune=True)


def _open(props: Mapping[str, Schema] | None = None) -> _Obj:
    """An object whose unknown fields are kept as they are (opaque or not modelled here)."""
    return _Obj(props or {}, prune=False)


def _map(values: Schema) -> _Obj:
    return _Obj({}, prune=False, values=values)


def _a(items: Schema) -> _Arr:
    return _Arr(items)


ANY_OBJ = _open()
STRINGS = _a(STR)
HEADER = _o({"name": STR, "value": STR})

META = _open(
    {
        "name": STR,
        "namespace": STR,
        "generateName": STR,
        "uid": STR,
        "resourceVersion": STR,
        "annotations": _map(STR),
        "labels": _map(STR),
    }
)

# config/crd/bases/k8s.nginx.org_policies.yaml (NIC 5.6)
INGRESS_MTLS = _o({"clientCertSecret": STR, "crlFileName": STR, "verifyClient": STR, "verifyDepth": INT})
EGRESS_MTLS = _o(
    {
        "ciphers": STR,
        "protocols": STR,
        "serverName": BOOL,
        "sessionReuse": BOOL,
        "sslName": STR,
        "tlsSecret": STR,
        "trustedCertSecret": STR,
        "verifyDepth": INT,
        "verifyServer": BOOL,
    }
)
POLICY_SPEC = _o(
    {
        "accessControl": _o({"allow": STRINGS, "deny": STRINGS}),
        "rateLimit": _o(
            {
                "burst": INT,
                "condition": ANY_OBJ,
                "delay": INT,
                "dryRun": BOOL,
                "key": STR,
                "logLevel": STR,
                "noDelay": BOOL,
                "rate": STR,
                "rejectCode": INT,
                "scale": BOOL,
                "zoneSize": STR,
            }
        ),
        "jwt": _o(
            {
                "jwksURI": STR,
                "keyCache": STR,
                "realm": STR,
                "secret": STR,
                "sniEnabled": BOOL,
                "sniName": STR,
                "sslVerify": BOOL,
                "sslVerifyDepth": INT,
                "token": STR,
                "trustedCertSecret": STR,
            }
        ),
        "basicAuth": _o({"realm": STR, "secret": STR}),
        "ingressMTLS": INGRESS_MTLS,
        "egressMTLS": EGRESS_MTLS,
        "oidc": _o(
            {
                "accessTokenEnable": BOOL,
                "authEndpoint": STR,
                "authExtraArgs": STRINGS,
                "clientID": STR,
                "clientSecret": STR,
                "endSessionEndpoint": STR,
                "jwksURI": STR,
                "pkceEnable": BOOL,
                "postLogoutRedirectURI": STR,
                "redirectURI": STR,
                "scope": STR,
                "sslVerify": BOOL,
                "sslVerifyDepth": INT,
                "tokenEndpoint": STR,
                "trustedCertSecret": STR,
                "zoneSyncLeeway": INT,
            }
        ),
        "waf": _o(
            {
                "apBundle": STR,
                "apBundleSource": ANY_OBJ,
                "apPolicy": STR,
                "enable": BOOL,
                "securityLog": ANY_OBJ,
                "securityLogs": _a(ANY_OBJ),
            }
        ),
        "apiKey": _o({"clientSecret": STR, "suppliedIn": ANY_OBJ}),
        "cache": _o(
            {
                "allowedCodes": _a(ANY),
                "allowedMethods": STRINGS,
                "cacheBackgroundUpdate": BOOL,
                "cacheKey": STR,
                "cacheMinUses": INT,
                "cachePurgeAllow": STRINGS,
                "cacheRevalidate": BOOL,
                "cacheUseStale": STRINGS,
                "cacheZoneName": STR,
                "cacheZoneSize": STR,
                "conditions": ANY_OBJ,
                "inactive": STR,
                "levels": STR,
                "lock": ANY_OBJ,
                "manager": ANY_OBJ,
                "maxSize": STR,
                "minFree": STR,
                "overrideUpstreamCache": BOOL,
                "time": STR,
                "useTempPath": BOOL,
            }
        ),
        "cors": _o(
            {
                "allowCredentials": BOOL,
                "allowHeaders": STRINGS,
                "allowMethods": STRINGS,
                "allowOrigin": STRINGS,
                "exposeHeaders": STRINGS,
                "maxAge": INT,
            }
        ),
        "externalAuth": _o(
            {
                "authServiceName": STR,
                "authServicePorts": _a(INT),
                "authSigninRedirectBasePath": STR,
                "authSigninURI": STR,
                "authSnippets": STR,
                "authURI": STR,
                "sniName": STR,
                "sslEnabled": BOOL,
                "sslVerify": BOOL,
                "sslVerifyDepth": INT,
                "trustedCertSecret": STR,
            }
        ),
        "hsts": _o({"behindProxy": BOOL, "includeSubDomains": BOOL, "maxAge": INT, "preload": BOOL}),
        "ingressClassName": STR,
    }
)
POLICY_TYPES = tuple(key for key in POLICY_SPEC.props if key != "ingressClassName")
"""NIC 5.6's policy types in CRD order (``pkg/apis/configuration/v1/types.go :: PolicySpec``)."""

# config/crd/bases/k8s.nginx.org_virtualservers.yaml and ..._virtualserverroutes.yaml (same route/upstream shape)
POLICY_REFS = _a(_o({"name": STR, "namespace": STR}))
ACTION_RETURN = _o({"body": STR, "code": INT, "headers": _a(HEADER), "type": STR})
ACTION_REDIRECT = _o({"code": INT, "url": STR})
ACTION = _o(
    {
        "pass": STR,
        "proxy": _o(
            {
                "requestHeaders": _o({"pass": BOOL, "set": _a(HEADER)}),
                "responseHeaders": _o(
                    {
                        "add": _a(_o({"always": BOOL, "name": STR, "value": STR})),
                        "hide": STRINGS,
                        "ignore": STRINGS,
                        "pass": STRINGS,
                    }
                ),
                "rewritePath": STR,
                "upstream": STR,
            }
        ),
        "redirect": ACTION_REDIRECT,
        "return": ACTION_RETURN,
    }
)
SPLITS = _a(_o({"action": ACTION, "weight": INT}))
ROUTE = _o(
    {
        "action": ACTION,
        "add-header-inherit": STR,
        "dos": STR,
        "errorPages": _a(_o({"codes": _a(INT), "redirect": ACTION_REDIRECT, "return": ACTION_RETURN})),
        "location-snippets": STR,
        "matches": _a(
            _o(
                {
                    "action": ACTION,
                    "conditions": _a(
                        _o({"argument": STR, "cookie": STR, "header": STR, "value": STR, "variable": STR})
                    ),
                    "splits": SPLITS,
                }
            )
        ),
        "path": STR,
        "policies": POLICY_REFS,
        "route": STR,
        "routeSelector": _o(
            {
                "matchExpressions": _a(_o({"key": STR, "operator": STR, "values": STRINGS})),
                "matchLabels": _map(STR),
            }
        ),
        "splits": SPLITS,
    }
)
UPSTREAM = _o(
    {
        "backup": STR,
        "backupPort": INT,
        "buffer-size": STR,
        "buffering": BOOL,
        "buffers": _o({"number": INT, "size": STR}),
        "busy-buffers-size": STR,
        "client-body-buffer-size": STR,
        "client-max-body-size": STR,
        "connect-timeout": STR,
        "fail-timeout": STR,
        "healthCheck": _o(
            {
                "connect-timeout": STR,
                "enable": BOOL,
                "fails": INT,
                "grpcService": STR,
                "grpcStatus": INT,
                "headers": _a(HEADER),
                "interval": STR,
                "jitter": STR,
                "keepalive-time": STR,
                "mandatory": BOOL,
                "passes": INT,
                "path": STR,
                "persistent": BOOL,
                "port": INT,
                "read-timeout": STR,
                "send-timeout": STR,
                "statusMatch": STR,
                "tls": _o({"enable": BOOL}),
            }
        ),
        "keepalive": INT,
        "lb-method": STR,
        "max-conns": INT,
        "max-fails": INT,
        "name": STR,
        "next-upstream": STR,
        "next-upstream-timeout": STR,
        "next-upstream-tries": INT,
        "ntlm": BOOL,
        "port": INT,
        "queue": _o({"size": INT, "timeout": STR}),
        "read-timeout": STR,
        "send-timeout": STR,
        "service": STR,
        "sessionCookie": _o(
            {
                "domain": STR,
                "enable": BOOL,
                "expires": STR,
                "httpOnly": BOOL,
                "name": STR,
                "path": STR,
                "samesite": STR,
                "secure": BOOL,
            }
        ),
        "slow-start": STR,
        "subselector": _map(STR),
        "tls": _o({"enable": BOOL}),
        "type": STR,
        "use-cluster-ip": BOOL,
    }
)
VS_SPEC = _o(
    {
        "add-header-inherit": STR,
        "dos": STR,
        "externalDNS": ANY_OBJ,
        "gunzip": BOOL,
        "host": STR,
        "http-snippets": STR,
        "ingressClassName": STR,
        "listener": _o({"http": STR, "https": STR}),
        "policies": POLICY_REFS,
        "routes": _a(ROUTE),
        "server-snippets": STR,
        "tls": _o(
            {
                "cert-manager": ANY_OBJ,
                "redirect": _o({"basedOn": STR, "code": INT, "enable": BOOL}),
                "secret": STR,
            }
        ),
        "upstreams": _a(UPSTREAM),
    }
)
VSR_SPEC = _o({"host": STR, "ingressClassName": STR, "subroutes": _a(ROUTE), "upstreams": _a(UPSTREAM)})
CRD_STATUS = _open({"state": STR, "reason": STR, "message": STR, "referencedBy": STR})


def _crd(spec: _Obj) -> _Obj:
    """A NIC custom resource: its top level is structural too (a mis-indented ``sepc:`` is pruned)."""
    return _o({"apiVersion": STR, "kind": STR, "metadata": META, "spec": spec, "status": CRD_STATUS})


# Core types: Go's JSON decoder refuses wrong types; unknown fields are only modelled (and dropped) for Ingress.
BACKEND = _o(
    {
        "service": _o({"name": STR, "port": _o({"name": STR, "number": INT})}),
        "resource": _o({"apiGroup": STR, "kind": STR, "name": STR}),
    }
)
INGRESS_SPEC = _o(
    {
        "ingressClassName": STR,
        "defaultBackend": BACKEND,
        "tls": _a(_o({"hosts": STRINGS, "secretName": STR})),
        "rules": _a(
            _o(
                {
                    "host": STR,
                    "http": _o({"paths": _a(_o({"path": STR, "pathType": STR, "backend": BACKEND}))}),
                }
            )
        ),
    }
)
SCHEMAS: dict[str, _Obj] = {
    "Policy": _crd(POLICY_SPEC),
    "VirtualServer": _crd(VS_SPEC),
    "VirtualServerRoute": _crd(VSR_SPEC),
    "Ingress": _open({"metadata": META, "spec": INGRESS_SPEC}),
    "Secret": _open({"metadata": META, "type": STR, "data": _map(STR), "stringData": _map(STR), "immutable": BOOL}),
    "Service": _open(
        {
            "metadata": META,
            "spec": _open(
                {
                    "type": STR,
                    "externalName": STR,
                    "clusterIP": STR,
                    "selector": _map(STR),
                    "ports": _a(
                        _open(
                            {
                                "name": STR,
                                "port": INT,
                                "targetPort": INT_OR_STR,
                                "protocol": STR,
                                "nodePort": INT,
                                "appProtocol": STR,
                            }
                        )
                    ),
                }
            ),
        }
    ),
    "ConfigMap": _open({"metadata": META, "data": _map(STR), "binaryData": _map(STR), "immutable": BOOL}),
    "Event": _open(
        {
            "metadata": META,
            "involvedObject": _open({"kind": STR, "namespace": STR, "name": STR}),
            "regarding": _open({"kind": STR, "namespace": STR, "name": STR}),
            "type": STR,
            "reason": STR,
            "message": STR,
            "note": STR,
        }
    ),
    # The Secret makers (sources/promises.py reads and type-checks the few spec fields that matter).
    **{kind: _open({"metadata": META}) for kind in promises.KINDS},
}

NIC_GROUP = "k8s.nginx.org"
_SERVED: dict[tuple[str, str], tuple[str, ...]] = {
    # (group, kind) -> served versions; NIC 5.6's CRDs (config/crd/bases, deploy/crds.yaml) serve v1 only, so an old
    # v1alpha1 Policy manifest is refused by the API server and never reaches NIC.
    (NIC_GROUP, "Policy"): ("v1",),
    (NIC_GROUP, "VirtualServer"): ("v1",),
    (NIC_GROUP, "VirtualServerRoute"): ("v1",),
    ("networking.k8s.io", "Ingress"): ("v1",),
    ("extensions", "Ingress"): (),
    ("", "Secret"): ("v1",),
    ("", "Service"): ("v1",),
    ("", "ConfigMap"): ("v1",),
    ("", "Event"): ("v1",),
    ("events.k8s.io", "Event"): ("v1",),
    **promises.SERVED,
}

_HOME_GROUP: dict[str, str] = {
    "Policy": NIC_GROUP,
    "VirtualServer": NIC_GROUP,
    "VirtualServerRoute": NIC_GROUP,
    "Ingress": "networking.k8s.io",
}
"""Kinds whose misspelled apiVersion is reported rather than skipped (no other core kind has these names)."""

# --- schema walk: prune, type-check --------------------------------------------------------------------------

_DROP = object()


@dataclass
class _Walk:
    """What one object's schema walk found: wrong types refuse the object, unknown fields are pruned."""

    crd: bool
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(field path, message without location)."""
    pruned: list[tuple[str, str]] = field(default_factory=list)
    """(field path, message without location)."""
    raw: Mapping[str, str] = field(default_factory=dict)


def _json_type(value: Any) -> str:
    """The type name the API server's validation uses for a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


_GO_TYPES = {"boolean": "bool", "integer": "number", "number": "number", "null": "null"}


def _walk(value: Any, schema: Schema, path: str, walk: _Walk) -> Any:
    """The value as the API server would store it (pruned copy), recording refusals and prunings."""
    if value is None:
        return _DROP  # nulls of non-nullable fields are dropped (apiextensions pruning, Go zero values)
    if isinstance(schema, str):
        if schema == ANY:
            return value
        if schema == STR and isinstance(value, str):
            return value
        if schema == BOOL and isinstance(value, bool):
            return value
        if schema in (INT, NUM, INT_OR_STR) and isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, float):
                if not math.isfinite(value):
                    _type_error(value, schema, path, walk)
                    return _DROP
                if value.is_integer() and schema != NUM and abs(value) <= 2**53:
                    return int(value)  # sigs.k8s.io/yaml writes 2.0 as JSON 2; kube-openapi accepts it
                # beyond 2**53 a float is not a JSON integer for kube-openapi (1e30): refused like 2.5
                if schema != NUM:
                    _type_error(value, schema, path, walk)
                    return _DROP
            elif schema != NUM and not -(2**63) <= value < 2**63:
                # The API server's JSON decoder turns an integer outside int64 into a float64 (> 2**53): refused.
                _type_error(float(value), schema, path, walk)
                return _DROP
            return value
        if schema == INT_OR_STR and isinstance(value, str):
            return value
        _type_error(value, schema, path, walk)
        return _DROP
    if isinstance(schema, _Arr):
        if not isinstance(value, list):
            _type_error(value, "array", path, walk)
            return _DROP
        items = []
        for index, item in enumerate(value):
            got = _walk(item, schema.items, f"{path}[{index}]", walk)
            if got is not _DROP:
                items.append(got)
        return items
    if not isinstance(value, dict):
        _type_error(value, "object", path, walk)
        return _DROP
    out: dict[str, Any] = {}
    props = schema.props
    values = schema.values
    for key, child in value.items():
        known = props.get(key, values)
        if known is None:
            if schema.prune:
                sub = join_path(path, key)
                walk.pruned.append((sub, _pruned_message(sub, key, props)))
                continue
            out[key] = child
            continue
        # Fast path for the common case, a scalar of the right type: no path string, no call.
        if known.__class__ is str and (known is ANY or type(child) in _FAST_OK[known]) and not _big(child):
            out[key] = child
            continue
        got = _walk(child, known, join_path(path, key), walk)
        if got is not _DROP:
            out[key] = got
    return out


def _big(value: object) -> bool:
    """An integer the API server's JSON decoder cannot keep as int64 (the slow path refuses it)."""
    return type(value) is int and not -(2**63) <= value < 2**63


_FAST_OK: dict[str, frozenset[type]] = {
    STR: frozenset({str}),
    BOOL: frozenset({bool}),
    INT: frozenset({int}),
    NUM: frozenset({int}),
    INT_OR_STR: frozenset({int, str}),
    ANY: frozenset(),
}
"""Python types that need no conversion for a scalar schema (``type(True)`` is ``bool``, never ``int``)."""


def _pruned_message(sub: str, key: str, props: Mapping[str, Schema]) -> str:
    suggestion = _closest(key, props)
    hint = f' (did you mean "{suggestion}"?)' if suggestion else ""
    return (
        f'unknown field "{sub}"{hint}: the API server prunes it, so NIC never sees it'
        " (kubectl --validate=strict refuses the object instead)"
    )


def _closest(key: str, known: Iterable[str]) -> str | None:
    """The known field a misspelling most likely meant: same letters ignoring case/_/-, else difflib."""
    names = list(known)
    squash = {re.sub(r"[-_]", "", name).lower(): name for name in names}
    exact = squash.get(re.sub(r"[-_]", "", key).lower())
    if exact:
        return exact
    lowered = {name.lower(): name for name in names}
    close = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.7)
    return lowered[close[0]] if close else None


def _type_error(value: Any, expected: str, path: str, walk: _Walk) -> None:
    got = _json_type(value)
    wanted = "integer or string" if expected == INT_OR_STR else expected
    if walk.crd:
        text = f'{path}: Invalid value: "{got}": {path} in body must be of type {wanted}: "{got}"'
    else:
        text = f"{path}: cannot unmarshal {_GO_TYPES.get(got, got)} into a field of type {wanted}"
    hint = _hint(value, expected, walk.raw.get(path))
    walk.errors.append((path, f"{text} (the API server would refuse this object{'; ' + hint if hint else ''})"))


def _hint(value: Any, expected: str, raw: str | None) -> str:
    if expected in (STR, INT_OR_STR) and isinstance(value, (bool, int, float)):
        shown = raw if raw is not None else (str(value).lower() if isinstance(value, bool) else str(value))
        return f'quote the value: "{shown}"'
    if expected in (INT, NUM) and isinstance(value, str):
        if re.fullmatch(r"[-+]?[0-9]+", value.strip()):
            return f"remove the quotes: {value.strip()}"
        return "use a whole number" if expected == INT else "use a number"
    if expected == BOOL and isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "on", "y", "1"):
            return "write true without quotes"
        if word in ("false", "no", "off", "n", "0"):
            return "write false without quotes"
        return "use true or false"
    if expected == "array":
        return "write a list (- item)"
    return ""


# --- value validation the API server does for the kinds NIC reads ------------------------------------------

_DNS1123_LABEL = re.compile(apimachinery.DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(apimachinery.DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = re.compile(apimachinery.DNS1035_LABEL_FMT)
_SUBDOMAIN_MSG = apimachinery.regex_error(
    apimachinery.DNS1123_SUBDOMAIN_MSG, apimachinery.DNS1123_SUBDOMAIN_FMT, "example.com"
)
_LABEL_MSG = apimachinery.regex_error(
    apimachinery.DNS1123_LABEL_MSG, apimachinery.DNS1123_LABEL_FMT, "my-name", "123-abc"
)
_DNS1035_MSG = apimachinery.regex_error(
    apimachinery.DNS1035_LABEL_MSG, apimachinery.DNS1035_LABEL_FMT, "my-name", "abc-123"
)
_PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")


def _is_lenient(text: str) -> bool:
    """A refusal that is still reported but does not drop the object: a missing Ingress ``pathType``.

    The API server refuses it, yet Ingresses written without one are common (older manifests, NIC's own test
    fixtures); NIC itself handles a nil pathType as a prefix path, so the rest of such an Ingress is worth predicting.
    """
    return text.endswith("pathType: Required value: pathType must be specified")


def _validate(kind: str, group: str, obj: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The API server's value checks (apimachinery/core validation) that decide whether an object exists.

    Custom resources need a name that is a path segment and a DNS subdomain (apiextensions-apiserver's validator
    uses ``NameIsDNSSubdomain``); core kinds need DNS names. Only the rules whose failure would change what NIC
    sees are replayed.
    """
    errors: list[tuple[str, str]] = []
    metadata = _d(obj, "metadata")
    name, namespace = _s(metadata, "name"), _s(metadata, "namespace")
    if group == NIC_GROUP or kind in promises.KINDS:
        if name in (".", "..") or "/" in name or "%" in name:
            errors.append(("metadata.name", f"metadata.name: Invalid value: \"{name}\": may not contain '/' or '%'"))
        else:
            errors.extend(
                ("metadata.name", f'metadata.name: Invalid value: "{name}": {msg}')
                for msg in apimachinery.dns1123_subdomain_errors(name)
            )
    elif kind != "Event":
        rule, message = (_DNS1035_LABEL, _DNS1035_MSG) if kind == "Service" else (_DNS1123_SUBDOMAIN, _SUBDOMAIN_MSG)
        if len(name) > (63 if kind == "Service" else 253) or not rule.fullmatch(name):
            errors.append(("metadata.name", f'metadata.name: Invalid value: "{name}": {message}'))
    if namespace and (len(namespace) > 63 or not _DNS1123_LABEL.fullmatch(namespace)):
        errors.append(("metadata.namespace", f'metadata.namespace: Invalid value: "{namespace}": {_LABEL_MSG}'))
    if kind != "Event":
        errors.extend(_validate_labels_and_annotations(metadata))
    if kind == "Secret" and _s(obj, "type") == "kubernetes.io/tls":
        keys = set(_d(obj, "data")) | set(_d(obj, "stringData"))
        errors.extend(
            (field_path("data", key), f"data[{key}]: Required value")
            for key in ("tls.crt", "tls.key")
            if key not in keys
        )
    elif kind == "Service":
        for index, port in enumerate(_l(_d(obj, "spec"), "ports")):
            number = _i(port, "port")
            if number is None or not 1 <= number <= 65535:
                where = f"spec.ports[{index}].port"
                errors.append((where, f"{where}: Invalid value: {number or 0}: must be between 1 and 65535, inclusive"))
    elif kind == "Ingress":
        errors.extend(_validate_ingress(_d(obj, "spec")))
    return errors


_NAME_PART = re.compile(apimachinery.LABEL_KEY_FMT)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def _qualified_name_problem(key: str) -> str | None:
    """apimachinery ``IsQualifiedName``: the first of its errors, None when the key is valid."""
    errors = apimachinery.qualified_name_errors(key)
    return errors[0] if errors else None


def _validate_labels_and_annotations(metadata: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Label keys/values and annotation keys (``ValidateObjectMeta``), checked for every kind, CRs included."""
    errors: list[tuple[str, str]] = []
    for key, value in _d(metadata, "labels").items():
        path = field_path("metadata", "labels", key)
        problem = _qualified_name_problem(key)
        if problem:
            errors.append((path, f'metadata.labels: Invalid value: "{key}": {problem}'))
        if len(value) > 63 or (value and not _NAME_PART.fullmatch(value)):
            errors.append((path, f'metadata.labels: Invalid value: "{value}": {_LABEL_VALUE_MSG}'))
    for key in _d(metadata, "annotations"):
        problem = _qualified_name_problem(key.lower())
        if problem:
            path = field_path("metadata", "annotations", key)
            errors.append((path, f'metadata.annotations: Invalid value: "{key}": {problem}'))
    return errors


def _validate_ingress(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """networking/v1 Ingress validation (``pkg/apis/networking/validation``) for hosts, paths and backends."""
    errors: list[tuple[str, str]] = []
    if not _l(spec, "rules") and "defaultBackend" not in spec:
        errors.append(("spec", 'spec: Invalid value: "": either `defaultBackend` or `rules` must be specified'))
    if "defaultBackend" in spec:
        errors.extend(_validate_backend(spec["defaultBackend"], "spec.defaultBackend"))
    for index, tls in enumerate(_l(spec, "tls")):
        for number, host in enumerate(_l(tls, "hosts")):
            where = f"spec.tls[{index}].hosts[{number}]"
            bare = host[2:] if host.startswith("*.") else host
            if len(host) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(bare):
                errors.append((where, f'{where}: Invalid value: "{host}": {_SUBDOMAIN_MSG}'))
    for index, rule in enumerate(_l(spec, "rules")):
        host = _s(rule, "host")
        where = f"spec.rules[{index}].host"
        if host:
            bare = host[2:] if host.startswith("*.") else host
            if _looks_like_ip(host):
                errors.append((where, f'{where}: Invalid value: "{host}": must be a DNS name, not an IP address'))
            elif len(host) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(bare):
                errors.append((where, f'{where}: Invalid value: "{host}": {_SUBDOMAIN_MSG}'))
        http = rule.get("http")
        if not isinstance(http, dict):
            continue
        paths = _l(http, "paths")
        if not paths:
            errors.append((f"spec.rules[{index}].http.paths", f"spec.rules[{index}].http.paths: Required value"))
        for number, item in enumerate(paths):
            base = f"spec.rules[{index}].http.paths[{number}]"
            path, path_type = _s(item, "path"), _s(item, "pathType")
            if not path_type:
                errors.append((f"{base}.pathType", f"{base}.pathType: Required value: pathType must be specified"))
            elif path_type not in _PATH_TYPES:
                supported = ", ".join(f'"{t}"' for t in _PATH_TYPES)
                errors.append(
                    (
                        f"{base}.pathType",
                        f'{base}.pathType: Unsupported value: "{path_type}": supported values: {supported}',
                    )
                )
            if path_type in ("Exact", "Prefix") and not path.startswith("/"):
                errors.append((f"{base}.path", f'{base}.path: Invalid value: "{path}": must be an absolute path'))
            errors.extend(_validate_backend(item.get("backend"), f"{base}.backend"))
    return errors


def _validate_backend(backend: Any, where: str) -> list[tuple[str, str]]:
    if not isinstance(backend, dict) or ("service" in backend) == ("resource" in backend):
        text = (
            "cannot set both service and resource backends"
            if isinstance(backend, dict) and backend
            else ("one backend (service or resource) must be specified")
        )
        return [(where, f'{where}: Invalid value: "": {text}')]
    service = backend.get("service")
    if not isinstance(service, dict):
        return []
    errors: list[tuple[str, str]] = []
    name = _s(service, "name")
    if not name:
        errors.append((f"{where}.service.name", f"{where}.service.name: Required value"))
    else:
        errors.extend(
            (f"{where}.service.name", f'{where}.service.name: Invalid value: "{name}": {msg}')
            for msg in apimachinery.dns1035_label_errors(name)
        )
    port = _d(service, "port")
    port_name, number = _s(port, "name"), _i(port, "number")
    has_name, has_number = bool(port_name), number not in (None, 0)
    if has_name and has_number:
        errors.append((where, f'{where}: Invalid value: "": cannot set both port name & port number'))
    elif not has_name and not has_number:
        errors.append((where, f"{where}: Required value: port name or number is required"))
    elif has_name:
        errors.extend(
            (f"{where}.service.port.name", f'{where}.service.port.name: Invalid value: "{port_name}": {msg}')
            for msg in apimachinery.port_name_errors(port_name)
        )
    elif number is not None and not 1 <= number <= 65535:
        text = "must be between 1 and 65535, inclusive"
        errors.append((f"{where}.service.port.number", f"{where}.service.port.number: Invalid value: {number}: {text}"))
    return errors


def _looks_like_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# --- model builders ------------------------------------------------------------------------------------------


class _Refusal(Exception):
    """An admission error found while building (e.g. invalid base64): the object is refused."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _s(obj: Mapping[str, Any], key: str, default: str = "") -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else default


def _i(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _b(obj: Mapping[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    return value if isinstance(value, bool) else None


def _d(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def _l(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    return value if isinstance(value, list) else []


def _strmap(value: Any) -> dict[str, str]:
    return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}


def _meta(obj: Mapping[str, Any], kind: str, origin: Origin) -> Meta:
    metadata = _d(obj, "metadata")
    return Meta(
        ref=ObjectRef(kind, _s(metadata, "namespace") or "default", _s(metadata, "name")),
        origin=origin,
        annotations=_strmap(metadata.get("annotations")),
        labels=_strmap(metadata.get("labels")),
        uid=_s(metadata, "uid"),
        resource_version=_s(metadata, "resourceVersion"),
    )


_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def _secret(obj: Mapping[str, Any], meta: Meta) -> Secret:
    data: dict[str, bytes] = {}
    for key, value in _d(obj, "data").items():
        path = field_path("data", key)
        if not _SECRET_KEY.fullmatch(key):
            raise _Refusal(
                path,
                f"{path}: Invalid value: {key!r}: a valid config key must consist of "
                "alphanumeric characters, '-', '_' or '.'",
            )
        data[key] = _b64(value, path)
    for key, value in _d(obj, "stringData").items():
        data[key] = value.encode("utf-8")  # the API server merges stringData over data (stringData wins)
    return Secret(meta=meta, type=_s(obj, "type") or "Opaque", data=data)


_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def _b64(text: str, path: str) -> bytes:
    """Go's ``base64.StdEncoding`` as ``encoding/json`` applies it to ``[]byte`` (it skips CR and LF only)."""
    compact = text.replace("\r", "").replace("\n", "")
    bad = re.search(r"[^A-Za-z0-9+/=]", compact)
    try:
        if bad is None and _B64.fullmatch(compact):
            return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        pass
    position = bad.start() if bad else len(compact) - len(compact) % 4 if len(compact) % 4 else len(compact)
    raise _Refusal(path, f"{path}: illegal base64 data at input byte {position}")


def _service(obj: Mapping[str, Any], meta: Meta) -> Service:
    spec = _d(obj, "spec")
    ports = []
    for port in _l(spec, "ports"):
        target = port.get("targetPort")
        ports.append(
            ServicePort(
                port=_i(port, "port") or 0,
                name=_s(port, "name"),
                target_port="" if target is None else str(target),
                protocol=_s(port, "protocol") or "TCP",
            )
        )
    return Service(
        meta=meta, ports=tuple(ports), type=_s(spec, "type") or "ClusterIP", external_name=_s(spec, "externalName")
    )


def _policy(obj: Mapping[str, Any], meta: Meta) -> Policy:
    spec = _d(obj, "spec")
    ingress = egress = None
    if "ingressMTLS" in spec:
        raw = spec["ingressMTLS"]
        ingress = IngressMTLS(
            client_cert_secret=_s(raw, "clientCertSecret"),
            verify_client=_s(raw, "verifyClient"),
            verify_depth=_i(raw, "verifyDepth"),
            crl_file_name=_s(raw, "crlFileName"),
        )
    if "egressMTLS" in spec:
        raw = spec["egressMTLS"]
        egress = EgressMTLS(
            tls_secret=_s(raw, "tlsSecret"),
            trusted_cert_secret=_s(raw, "trustedCertSecret"),
            verify_server=bool(_b(raw, "verifyServer")),
            verify_depth=_i(raw, "verifyDepth"),
            protocols=_s(raw, "protocols"),
            ciphers=_s(raw, "ciphers"),
            session_reuse=_b(raw, "sessionReuse"),
            server_name=bool(_b(raw, "serverName")),
            ssl_name=_s(raw, "sslName"),
        )
    others = tuple(key for key in spec if key in POLICY_TYPES and key not in ("ingressMTLS", "egressMTLS"))
    return Policy(
        meta=meta,
        ingress_class_name=_s(spec, "ingressClassName"),
        ingress_mtls=ingress,
        egress_mtls=egress,
        other_types=others,
        other_specs={key: spec[key] for key in others if isinstance(spec[key], dict)},
        status=_status(obj),
    )


def _status(obj: Mapping[str, Any]) -> dict[str, str]:
    status = _d(obj, "status")
    return {key: value for key, value in status.items() if isinstance(value, str)}


def _backend(raw: Any) -> ServiceBackend | None:
    service = raw.get("service") if isinstance(raw, dict) else None
    if not isinstance(service, dict):
        return None
    port = _d(service, "port")
    return ServiceBackend(name=_s(service, "name"), port_number=_i(port, "number"), port_name=_s(port, "name"))


def _ingress(obj: Mapping[str, Any], meta: Meta) -> Ingress:
    spec = _d(obj, "spec")
    tls_items = _l(spec, "tls")
    # An empty spec.tls does not survive the API server (omitempty), so NIC's `Spec.TLS != nil` sees "no TLS".
    tls = (
        tuple(IngressTLS(hosts=tuple(_l(t, "hosts")), secret_name=_s(t, "secretName")) for t in tls_items)
        if tls_items
        else None
    )
    rules = []
    for rule in _l(spec, "rules"):
        http = rule.get("http")
        paths = tuple(
            IngressPath(path=_s(p, "path"), path_type=_s(p, "pathType"), backend=_backend(p.get("backend")))
            for p in (_l(http, "paths") if isinstance(http, dict) else [])
        )
        rules.append(IngressRule(host=_s(rule, "host"), paths=paths, has_http=isinstance(http, dict)))
    class_name = spec.get("ingressClassName")
    return Ingress(
        meta=meta,
        ingress_class_name=class_name if isinstance(class_name, str) else None,
        tls=tls,
        rules=tuple(rules),
        default_backend=_backend(spec.get("defaultBackend")),
    )


def _refs(raw: list[Any]) -> tuple[PolicyReference, ...]:
    return tuple(PolicyReference(name=_s(ref, "name"), namespace=_s(ref, "namespace")) for ref in raw)


def _action(raw: Any) -> Action | None:
    if not isinstance(raw, dict):
        return None
    ret = raw.get("return")
    redirect = raw.get("redirect")
    proxy = raw.get("proxy")
    return Action(
        pass_=_s(raw, "pass"),
        return_=ActionReturn(
            code=_i(ret, "code") or 200,
            type=_s(ret, "type"),
            body=_s(ret, "body"),
            headers=tuple((_s(h, "name"), _s(h, "value")) for h in _l(ret, "headers")),
        )
        if isinstance(ret, dict)
        else None,
        redirect=ActionRedirect(url=_s(redirect, "url"), code=_i(redirect, "code") or 301)
        if isinstance(redirect, dict)
        else None,
        proxy=ActionProxy(
            upstream=_s(proxy, "upstream"),
            rewrite_path=_s(proxy, "rewritePath"),
            extra={k: v for k, v in proxy.items() if k not in ("upstream", "rewritePath")},
        )
        if isinstance(proxy, dict)
        else None,
    )


def _splits(raw: list[Any]) -> tuple[Split, ...]:
    return tuple(Split(weight=_i(s, "weight") or 0, action=_action(s.get("action"))) for s in raw)


_ROUTE_KEYS = frozenset({"path", "policies", "action", "splits", "matches", "route", "routeSelector"})


def _route(raw: dict[str, Any]) -> Route:
    matches = tuple(
        Match(
            conditions=tuple(
                Condition(
                    header=_s(c, "header"),
                    cookie=_s(c, "cookie"),
                    argument=_s(c, "argument"),
                    variable=_s(c, "variable"),
                    value=_s(c, "value"),
                )
                for c in _l(m, "conditions")
            ),
            action=_action(m.get("action")),
            splits=_splits(_l(m, "splits")),
        )
        for m in _l(raw, "matches")
    )
    return Route(
        path=_s(raw, "path"),
        policies=_refs(_l(raw, "policies")),
        action=_action(raw.get("action")),
        splits=_splits(_l(raw, "splits")),
        matches=matches,
        route=_s(raw, "route"),
        route_selector=_strmap(_d(raw, "routeSelector").get("matchLabels")),
        extra={k: v for k, v in raw.items() if k not in _ROUTE_KEYS},
    )


_UPSTREAM_KEYS = frozenset({"name", "service", "port", "tls", "type", "subselector"})


def _upstream(raw: dict[str, Any]) -> VSUpstream:
    return VSUpstream(
        name=_s(raw, "name"),
        service=_s(raw, "service"),
        port=_i(raw, "port") or 0,
        tls=UpstreamTLS(enable=bool(_b(_d(raw, "tls"), "enable"))),
        type=_s(raw, "type"),
        subselector=_strmap(raw.get("subselector")),
        extra={k: v for k, v in raw.items() if k not in _UPSTREAM_KEYS},
    )


def _virtual_server(obj: Mapping[str, Any], meta: Meta) -> VirtualServer:
    spec = _d(obj, "spec")
    tls_raw = spec.get("tls")
    tls = None
    if isinstance(tls_raw, dict):
        redirect = tls_raw.get("redirect")
        tls = VSTLS(
            secret=_s(tls_raw, "secret"),
            redirect=TLSRedirect(
                enable=bool(_b(redirect, "enable")),
                code=_i(redirect, "code") or 301,
                based_on=_s(redirect, "basedOn") or "scheme",
            )
            if isinstance(redirect, dict)
            else None,
            cert_manager=isinstance(tls_raw.get("cert-manager"), dict),
        )
    return VirtualServer(
        meta=meta,
        host=_s(spec, "host"),
        tls=tls,
        policies=_refs(_l(spec, "policies")),
        upstreams=tuple(_upstream(u) for u in _l(spec, "upstreams")),
        routes=tuple(_route(r) for r in _l(spec, "routes")),
        ingress_class_name=_s(spec, "ingressClassName"),
        gunzip=bool(_b(spec, "gunzip")),
        server_snippets=_s(spec, "server-snippets"),
        http_snippets=_s(spec, "http-snippets"),
        status=_status(obj),
    )


def _virtual_server_route(obj: Mapping[str, Any], meta: Meta) -> VirtualServerRoute:
    spec = _d(obj, "spec")
    return VirtualServerRoute(
        meta=meta,
        host=_s(spec, "host"),
        upstreams=tuple(_upstream(u) for u in _l(spec, "upstreams")),
        subroutes=tuple(_route(r) for r in _l(spec, "subroutes")),
        ingress_class_name=_s(spec, "ingressClassName"),
        status=_status(obj),
    )


def _config_map(obj: Mapping[str, Any], meta: Meta) -> ConfigMap:
    return ConfigMap(meta=meta, data=_strmap(obj.get("data")))


def _event(obj: Mapping[str, Any], group: str) -> Event:
    involved = _d(obj, "regarding" if group else "involvedObject")
    namespace = _s(involved, "namespace") or _s(_d(obj, "metadata"), "namespace") or "default"
    return Event(
        involved=ObjectRef(_s(involved, "kind"), namespace, _s(involved, "name")),
        type=_s(obj, "type"),
        reason=_s(obj, "reason"),
        message=_s(obj, "note" if group else "message"),
    )


_BUILDERS: dict[str, Callable[[Mapping[str, Any], Meta], AnyObject]] = {
    "Secret": _secret,
    "Service": _service,
    "Policy": _policy,
    "Ingress": _ingress,
    "VirtualServer": _virtual_server,
    "VirtualServerRoute": _virtual_server_route,
    "ConfigMap": _config_map,
}

# --- the converter -------------------------------------------------------------------------------------------


@dataclass
class _Builder:
    secrets: dict[str, Secret] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    ingresses: dict[str, Ingress] = field(default_factory=dict)
    virtual_servers: dict[str, VirtualServer] = field(default_factory=dict)
    virtual_server_routes: dict[str, VirtualServerRoute] = field(default_factory=dict)
    config_maps: dict[str, ConfigMap] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    promised: dict[str, PromisedSecret] = field(default_factory=dict)
    makers: dict[ObjectRef, PromisedSecret] = field(default_factory=dict)
    """Each Certificate/ExternalSecret/SealedSecret's promise, so that a redefinition replaces it."""

    def add(self, raw: RawObject) -> None:
        obj, origin = raw.obj, raw.origin
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            self._problem(NOT_AN_OBJECT, origin, None, None, "object without apiVersion/kind")
            return
        group, _, version = api_version.rpartition("/")
        served = _SERVED.get((group, kind))
        if served is None:
            home = _HOME_GROUP.get(kind)
            if home is None or not (group == "" or api_version.startswith(NIC_GROUP)):
                return  # a kind NIC's mTLS does not read (Deployment, ...) or another group's "Policy"
            # `apiVersion: v1` on a Policy, or `k8s.nginx.org` without a version: meant for NIC, refused.
            group, version, served = home, "", _SERVED[(home, kind)]
        metadata = obj.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        ref = ObjectRef(
            kind,
            namespace if isinstance(namespace, str) and namespace else "default",
            name if isinstance(name, str) else "",
        )
        if not ref.name:
            self._problem(NOT_AN_OBJECT, origin, ref, "metadata.name", f"{kind} without metadata.name")
            return
        if version not in served:
            versions = " or ".join(f"{group}/{v}" if group else v for v in served) or "nothing any more"
            self._problem(
                API_SERVER_REJECTS,
                origin,
                ref,
                "apiVersion",
                f"{ref}: apiVersion {api_version} is not served for {kind} (served: {versions}); "
                "the API server would refuse this object",
            )
            return
        walk = _Walk(crd=group == NIC_GROUP or kind in promises.KINDS, raw=raw.raw_scalars)
        cleaned = _walk(obj, SCHEMAS[kind], "", walk)
        for path, text in walk.pruned:
            self._problem(PRUNED_FIELD, origin, ref, path, f"{ref}: {text}")
        for path, text in walk.errors:
            self._problem(API_SERVER_REJECTS, origin, ref, path, f"{ref}: {text}")
        if walk.errors:
            return
        invalid = _validate(kind, group, cleaned)
        for path, text in invalid:
            also = "; analysed as ImplementationSpecific, as NIC treats it" if _is_lenient(text) else ""
            self._problem(
                API_SERVER_REJECTS, origin, ref, path, f"{ref}: {text} (the API server would refuse this object{also})"
            )
        if any(not _is_lenient(text) for _, text in invalid):
            return
        if kind == "Event":
            self.events.append(_event(cleaned, group))
            return
        meta = _meta(cleaned, kind, origin)
        if kind in promises.KINDS:
            self._promise(kind, cleaned, meta)
            return
        try:
            self._store(kind, cleaned, meta)
        except _Refusal as refusal:
            self._problem(
                API_SERVER_REJECTS,
                origin,
                ref,
                refusal.path,
                f"{ref}: {refusal.message} (the API server would refuse this object)",
            )

    def _store(self, kind: str, obj: dict[str, Any], meta: Meta) -> None:
        tables: dict[str, dict[str, Any]] = {
            "Secret": self.secrets,
            "Service": self.services,
            "Policy": self.policies,
            "Ingress": self.ingresses,
            "VirtualServer": self.virtual_servers,
            "VirtualServerRoute": self.virtual_server_routes,
            "ConfigMap": self.config_maps,
        }
        target = tables[kind]
        built = _BUILDERS[kind](obj, meta)
        key = meta.ref.key
        earlier = target.get(key)
        if earlier is not None:
            self._redefined(meta, earlier.meta.origin)
        target[key] = built

    def _redefined(self, meta: Meta, first: Origin) -> None:
        self._problem(
            DUPLICATE_OBJECT,
            meta.origin,
            meta.ref,
            None,
            f"{meta.ref} is defined again (first at {first.at()}); "
            "the later definition replaces the earlier, as a second kubectl apply would",
        )

    def _promise(self, kind: str, obj: dict[str, Any], meta: Meta) -> None:
        """A Certificate/ExternalSecret/SealedSecret: the Secret it makes (the first maker of a key is kept)."""
        promise, problem = promises.from_object(kind, obj, meta.ref, meta.origin)
        if problem is not None:
            check_id, path, text = problem
            self._problem(check_id, meta.origin, meta.ref, path, text)
        earlier = self.makers.pop(meta.ref, None)
        if earlier is not None:
            self._redefined(meta, earlier.origin)
            if self.promised.get(earlier.ref.key) is earlier:
                del self.promised[earlier.ref.key]
        if promise is not None:
            self.promised.setdefault(promise.ref.key, promise)
            self.makers[meta.ref] = promise

    def _problem(self, check_id: str, origin: Origin, ref: ObjectRef | None, path: str | None, text: str) -> None:
        line = origin.line_of(path) if path else origin.line
        where = f"{origin.file}:{line}" if line else origin.file
        self.problems.append(LoadProblem(check_id, f"{where}: {text}", origin.file, line, ref, path))


def build_cluster(
    raws: Iterable[RawObject], problems: Sequence[LoadProblem] = (), *, sources: Sequence[str] = ()
) -> Cluster:
    """The Cluster NIC would see after the API server admitted ``raws`` in order; never raises on bad input."""
    builder = _Builder()
    for raw in raws:
        try:
            builder.add(raw)
        except (RecursionError, MemoryError) as err:  # pragma: no cover - bounded by the loaders already
            builder._problem(NOT_AN_OBJECT, raw.origin, None, None, f"object too complex ({type(err).__name__})")
    for ing in builder.ingresses.values():
        for promise in promises.from_ingress(ing):
            builder.promised.setdefault(promise.ref.key, promise)
    for vs in builder.virtual_servers.values():
        for promise in promises.from_virtual_server(vs):
            builder.promised.setdefault(promise.ref.key, promise)
    return Cluster(
        secrets=builder.secrets,
        services=builder.services,
        policies=builder.policies,
        ingresses=builder.ingresses,
        virtual_servers=builder.virtual_servers,
        virtual_server_routes=builder.virtual_server_routes,
        config_maps=builder.config_maps,
        problems=tuple(problems) + tuple(builder.problems),
        events=tuple(builder.events),
        sources=tuple(sources),
        promised_secrets=builder.promised,
    )


def load_cluster(
    paths: Sequence[str],
    *,
    stdin: StdinInput = None,
    stdin_name: str = STDIN_NAME,
    max_bytes: int = MAX_FILE_BYTES,
) -> Cluster:
    """Files/folders/stdin straight to a Cluster: ``load_paths`` + ``build_cluster``, problems capped per file."""
    with gc_paused():
        raws, problems = load_paths(paths, stdin=stdin, stdin_name=stdin_name, max_bytes=max_bytes)
        cluster = build_cluster(raws, problems, sources=[shown(os.fspath(path)) for path in paths])
        return replace(cluster, problems=tuple(cap_problems(cluster.problems)))



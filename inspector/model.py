"""The typed Kubernetes model the NIC replica reads: what the API server would hold after admission.

Objects here are already pruned and type-checked the way the API server would do it (sources/ does that);
anything the API server would refuse never becomes a model object, only a LoadProblem. Everything is a frozen
dataclass so that the pipeline stays one-directional: sources build it, nothing downstream mutates it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


def field_path(*parts: str | int) -> str:
    """A field path as findings show it.

    ``spec.routes[0].policies[1]``, ``metadata.annotations["nginx.org/policies"]``.
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += ("." if out else "") + part
        else:
            out += f'["{part}"]'
    return out


@dataclass(frozen=True)
class Origin:
    """Where an object came from, so a finding can name ``file:line``."""

    file: str
    """The path as the user gave it, ``<stdin>``, or ``cluster:<context>`` in live mode."""
    doc: int = 0
    """0-based YAML document index in the file (or item index in a List)."""
    line: int = 0
    """1-based line of the object's start (0 when unknown, e.g. live mode)."""
    fields: Mapping[str, int] = field(default_factory=dict)
    """Line of each field path (see :func:`field_path`) that checks may point at."""

    def line_of(self, path: str) -> int:
        """Line of ``path`` or of its nearest recorded ancestor, else of the object."""
        probe = path
        while probe:
            if probe in self.fields:
                return self.fields[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return self.line

    def at(self, path: str | None = None) -> str:
        line = self.line_of(path) if path else self.line
        return f"{self.file}:{line}" if line else self.file


@dataclass(frozen=True, order=True)
class ObjectRef:
    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class LoadProblem:
    """A manifest the API server (or YAML itself) would not accept, or would silently change."""

    check_id: str
    """Catalogue id (see inspector.catalogue)."""
    message: str
    file: str
    line: int = 0
    ref: ObjectRef | None = None
    field: str | None = None


# --- core objects -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    ref: ObjectRef
    origin: Origin
    annotations: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    uid: str = ""
    resource_version: str = ""


@dataclass(frozen=True)
class Secret:
    meta: Meta
    type: str
    """``kubernetes.io/tls``, ``nginx.org/ca``, ``Opaque``, ... (API default ``Opaque``)."""
    data: Mapping[str, bytes] = field(default_factory=dict)
    """Decoded ``data`` merged with ``stringData`` (stringData wins, as in the API server)."""


@dataclass(frozen=True)
class PromisedSecret:
    """A Secret another object will make (cert-manager, External Secrets, Sealed Secrets, or the user's word).

    Only what the maker decides is known: its kind/namespace/name and type, never its content. NIC sees such a
    Secret once it exists, so the replica treats it as existing with that type (a real Secret in the input wins).
    """

    ref: ObjectRef
    """``Secret ns/name`` of the Secret that will exist."""
    type: str
    made_by: ObjectRef | None
    """The object that makes it (``Certificate ns/name``, ``ExternalSecret ns/name``, the Ingress or VirtualServer
    cert-manager watches); None when the user declared it (``--secret-made-elsewhere``)."""
    origin: Origin
    """Where the maker (or the declaration) is, for findings."""
    via: str = ""
    """How the maker leads to the Secret when it is not the Secret's own object: ``cert-manager ingress-shim``,
    ``NIC's cert-manager controller (-enable-cert-manager)``."""
    field: str = ""
    """The maker's field that names the Secret (``spec.secretName``, ``spec.tls[0].secretName``), for file:line."""
    needs_cert_manager_flag: bool = False
    """Made only when NIC runs with ``-enable-cert-manager`` (a VirtualServer's ``spec.tls.cert-manager``)."""

    @property
    def maker(self) -> str:
        """Who makes it, as findings and panes say it: ``Certificate ns/name`` or ``--secret-made-elsewhere``."""
        if self.made_by is None:
            return "something outside the input (--secret-made-elsewhere)"
        return f"{self.made_by} (via {self.via})" if self.via else str(self.made_by)


@dataclass(frozen=True)
class ServicePort:
    port: int
    name: str = ""
    target_port: str = ""
    protocol: str = "TCP"


@dataclass(frozen=True)
class Service:
    meta: Meta
    ports: tuple[ServicePort, ...] = ()
    type: str = "ClusterIP"
    external_name: str = ""


@dataclass(frozen=True)
class IngressMTLS:
    client_cert_secret: str = ""
    verify_client: str = ""
    verify_depth: int | None = None
    crl_file_name: str = ""


@dataclass(frozen=True)
class EgressMTLS:
    tls_secret: str = ""
    trusted_cert_secret: str = ""
    verify_server: bool = False
    verify_depth: int | None = None
    protocols: str = ""
    ciphers: str = ""
    session_reuse: bool | None = None
    server_name: bool = False
    ssl_name: str = ""


@dataclass(frozen=True)
class Policy:
    meta: Meta
    ingress_class_name: str = ""
    ingress_mtls: IngressMTLS | None = None
    egress_mtls: EgressMTLS | None = None
    other_types: tuple[str, ...] = ()
    """Spec keys of the other policy types that are set (``accessControl``, ``jwt``, ...), in spec order."""
    status: Mapping[str, str] = field(default_factory=dict)
    """NIC's own ``status`` (state/reason/message) when read from a live cluster."""
    other_specs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The pruned spec of each other policy type by key (``{"accessControl": {"allow": ["10.0.0.0/8"]}}``), as
    the API server stores it; the NIC replica replays their own checks and output from it."""

    @property
    def set_types(self) -> tuple[str, ...]:
        """Every policy type set in spec, the input of NIC's "exactly one" rule."""
        own = (("ingressMTLS",) if self.ingress_mtls is not None else ()) + (
            ("egressMTLS",) if self.egress_mtls is not None else ()
        )
        return own + self.other_types


@dataclass(frozen=True)
class ServiceBackend:
    name: str
    port_number: int | None = None
    port_name: str = ""

    @property
    def port(self) -> str:
        """The port as NIC puts it into upstream names: the number, or else the port name."""
        return str(self.port_number) if self.port_number is not None else self.port_name


@dataclass(frozen=True)
class IngressPath:
    path: str = ""
    path_type: str = ""
    backend: ServiceBackend | None = None
    """None when the backend is a ``resource`` backend (not a Service)."""


@dataclass(frozen=True)
class IngressRule:
    host: str = ""
    paths: tuple[IngressPath, ...] = ()
    has_http: bool = False


@dataclass(frozen=True)
class IngressTLS:
    hosts: tuple[str, ...] = ()
    secret_name: str = ""


@dataclass(frozen=True)
class Ingress:
    meta: Meta
    ingress_class_name: str | None = None
    tls: tuple[IngressTLS, ...] | None = None
    """None when ``spec.tls`` is absent or an empty list (the API server normalises ``[]`` away)."""
    rules: tuple[IngressRule, ...] = ()
    default_backend: ServiceBackend | None = None

    @property
    def annotations(self) -> Mapping[str, str]:
        return self.meta.annotations

    @property
    def mergeable_type(self) -> str:
        """``master``, ``minion`` or ``""`` (NIC's nginx.org/mergeable-ingress-type)."""
        return self.meta.annotations.get("nginx.org/mergeable-ingress-type", "")

    @property
    def effective_class(self) -> str:
        """spec.ingressClassName, else the legacy kubernetes.io/ingress.class annotation."""
        if self.ingress_class_name is not None:
            return self.ingress_class_name
        return self.meta.annotations.get("kubernetes.io/ingress.class", "")


@dataclass(frozen=True)
class PolicyReference:
    name: str = ""
    namespace: str = ""


@dataclass(frozen=True)
class UpstreamTLS:
    enable: bool = False


@dataclass(frozen=True)
class VSUpstream:
    name: str = ""
    service: str = ""
    port: int = 0
    tls: UpstreamTLS = UpstreamTLS()
    type: str = ""
    """``grpc`` or ``http``/empty."""
    subselector: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, object] = field(default_factory=dict)
    """Other upstream fields as given (timeouts, lb-method, ...), for the renderer."""


@dataclass(frozen=True)
class ActionReturn:
    code: int = 200
    type: str = ""
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ActionRedirect:
    url: str = ""
    code: int = 301


@dataclass(frozen=True)
class ActionProxy:
    upstream: str = ""
    rewrite_path: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    pass_: str = ""
    return_: ActionReturn | None = None
    redirect: ActionRedirect | None = None
    proxy: ActionProxy | None = None


@dataclass(frozen=True)
class Split:
    weight: int = 0
    action: Action | None = None


@dataclass(frozen=True)
class Condition:
    header: str = ""
    cookie: str = ""
    argument: str = ""
    variable: str = ""
    value: str = ""


@dataclass(frozen=True)
class Match:
    conditions: tuple[Condition, ...] = ()
    action: Action | None = None
    splits: tuple[Split, ...] = ()


@dataclass(frozen=True)
class Route:
    """A VS route or a VSR subroute (same shape; ``route`` is only meaningful on a VS)."""

    path: str = ""
    policies: tuple[PolicyReference, ...] = ()
    action: Action | None = None
    splits: tuple[Split, ...] = ()
    matches: tuple[Match, ...] = ()
    route: str = ""
    """``ns/name`` or ``name`` of the VirtualServerRoute this route delegates to."""
    route_selector: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, object] = field(default_factory=dict)
    """Other route fields (errorPages, location-snippets, ...), for the renderer."""


@dataclass(frozen=True)
class TLSRedirect:
    enable: bool = False
    code: int = 301
    based_on: str = "scheme"


@dataclass(frozen=True)
class VSTLS:
    secret: str = ""
    redirect: TLSRedirect | None = None
    cert_manager: bool = False
    """``spec.tls.cert-manager`` is set: with ``-enable-cert-manager`` NIC has cert-manager make ``secret``."""


@dataclass(frozen=True)
class VirtualServer:
    meta: Meta
    host: str = ""
    tls: VSTLS | None = None
    policies: tuple[PolicyReference, ...] = ()
    upstreams: tuple[VSUpstream, ...] = ()
    routes: tuple[Route, ...] = ()
    ingress_class_name: str = ""
    gunzip: bool = False
    server_snippets: str = ""
    http_snippets: str = ""
    status: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VirtualServerRoute:
    meta: Meta
    host: str = ""
    upstreams: tuple[VSUpstream, ...] = ()
    subroutes: tuple[Route, ...] = ()
    ingress_class_name: str = ""
    status: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigMap:
    meta: Meta
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """A Kubernetes Event read from a live cluster (prediction next to reality)."""

    involved: ObjectRef
    type: str
    reason: str
    message: str


# --- controller settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ControllerSettings:
    """NIC command-line flags and ConfigMap keys that change its output, with NIC 5.6's defaults."""

    plus: bool = False
    ingress_class: str = "nginx"
    wildcard_tls_secret: str = ""
    """``ns/name`` of ``-wildcard-tls-secret``, empty when not set."""
    ssl_dynamic_reload: bool = True
    watch_namespaces: tuple[str, ...] = ()
    """Empty means every namespace."""
    enable_custom_resources: bool = True
    configmap: Mapping[str, str] = field(default_factory=dict)
    """NIC ConfigMap keys (``http2``, ...) given on the command line; a ConfigMap in the sources adds to them."""
    nic_configmap: str = ""
    """``ns/name`` of the NIC ConfigMap to read from the sources (``-nginx-configmaps``); empty: auto-detect."""
    nic_version: str = "5.6"
    """The NIC release line predicted (``nic/versions.py``: 5.3, 5.4, 5.5, 5.6); the CLI refuses unknown ones."""
    enable_cert_manager: bool = False
    """``-enable-cert-manager`` (default false, ``cmd/nginx-ingress/flags.go``): a VirtualServer's
    ``spec.tls.cert-manager`` has NIC create a Certificate, so cert-manager makes its ``spec.tls.secret``."""

    @property
    def edition(self) -> str:
        return "plus" if self.plus else "oss"


# --- the snapshot -------------------------------------------------------------------------------------------

AnyObject = Secret | Service | Policy | Ingress | VirtualServer | VirtualServerRoute | ConfigMap


@dataclass(frozen=True)
class Cluster:
    """One snapshot of everything NIC would see, indexed by kind/namespace/name, in source order."""

    secrets: Mapping[str, Secret] = field(default_factory=dict)
    services: Mapping[str, Service] = field(default_factory=dict)
    policies: Mapping[str, Policy] = field(default_factory=dict)
    ingresses: Mapping[str, Ingress] = field(default_factory=dict)
    virtual_servers: Mapping[str, VirtualServer] = field(default_factory=dict)
    virtual_server_routes: Mapping[str, VirtualServerRoute] = field(default_factory=dict)
    config_maps: Mapping[str, ConfigMap] = field(default_factory=dict)
    """All keys are ``namespace/name``; dict order is source order (NIC's own order where it matters)."""
    problems: tuple[LoadProblem, ...] = ()
    events: tuple[Event, ...] = ()
    sources: tuple[str, ...] = ()
    """What was loaded, for headers: file paths or ``context/namespace``."""
    unreadable_secrets: Mapping[str, str] = field(default_factory=dict)
    """Live mode: ``ns/name`` -> reason (e.g. forbidden) for referenced secrets that could not be read."""
    promised_secrets: Mapping[str, PromisedSecret] = field(default_factory=dict)
    """``ns/name`` -> a Secret some object in the input (or the user) will make; a real Secret of the same key
    wins (``nic.secrets.SecretStore``). The first promise of a key is kept."""

    def lookup(self, ref: ObjectRef) -> AnyObject | None:
        """The object ``ref`` names, of any kind this snapshot holds, or None."""
        tables: dict[str, Mapping[str, AnyObject]] = {
            "Secret": self.secrets,
            "Service": self.services,
            "Policy": self.policies,
            "Ingress": self.ingresses,
            "VirtualServer": self.virtual_servers,
            "VirtualServerRoute": self.virtual_server_routes,
            "ConfigMap": self.config_maps,
        }
        table = tables.get(ref.kind)
        return table.get(ref.key) if table is not None else None

    def all_objects(self) -> Iterator[AnyObject]:
        yield from self.secrets.values()
        yield from self.services.values()
        yield from self.policies.values()
        yield from self.ingresses.values()
        yield from self.virtual_servers.values()
        yield from self.virtual_server_routes.values()
        yield from self.config_maps.values()

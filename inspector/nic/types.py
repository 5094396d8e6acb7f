"""Shared types of the NIC replica: what policy generation hands to config generation, and the replica's result.

These mirror NIC's own structures (``internal/configs/policy.go :: policiesCfg``, ``version1.Server``,
``version2.Server``) closely enough to be compared side by side, plus the provenance NIC does not keep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from inspector.model import ControllerSettings, ObjectRef, Origin, PromisedSecret, Secret
from inspector.nic.messages import NicWarning

if TYPE_CHECKING:
    from inspector.nic.config import IngressNginxConfig
    from inspector.nic.version2 import VirtualServerConfig

Context = Literal["spec", "route", "subroute", "minion"]
"""NIC's ``pathContext`` values (``policy.go``, ``ingress.go :: minionContext``, ``virtualserver.go`` constants)."""
Scope = Literal["server", "location"]
PolicyStatus = Literal["applied", "ignored", "overridden", "rejected", "unseen"]
"""``unseen``: a ref after a fatal one in the same context; NIC never looks at it."""
ResourceState = Literal["Valid", "Warning", "Invalid"]
PolicyType = Literal["ingressMTLS", "egressMTLS", "other", "unknown"]
"""``unknown``: the policy is missing or invalid, so its type cannot be read from NIC's policy map."""


# --- secrets (internal/k8s/secrets/store.go) -----------------------------------------------------------------


@dataclass(frozen=True)
class SecretReference:
    """NIC's ``secrets.SecretReference``: the secret (or None), the path string used in config, the error."""

    secret: Secret | None
    path: str = ""
    """``/etc/nginx/secrets/<ns>-<name>`` (TLS) or ``"<...>-ca.crt <...>-ca.crl"`` (CA, two fields)."""
    error: str | None = None
    promised: PromisedSecret | None = None
    """Set when the Secret is not in the input but an object there makes it: NIC is predicted as if it existed
    with that type and valid content (``secret`` then has no data)."""


# --- policy generation (internal/configs/policy.go) ----------------------------------------------------------


@dataclass(frozen=True)
class PolicySource:
    """Where a policy reference sits: the owner resource, its field, and the context it is evaluated in."""

    key: str
    """Policy key ``ns/name`` after the namespace default."""
    owner: ObjectRef
    """The resource whose list holds the reference (Ingress, minion, VS, VSR)."""
    field: str
    """Field path in the owner: ``metadata.annotations["nginx.org/policies"]``, ``spec.routes[0].policies[1]``."""
    context: Context
    owner_origin: Origin | None = None

    @property
    def scope(self) -> Scope:
        return "server" if self.context == "spec" else "location"


@dataclass(frozen=True)
class IngressMTLSCfg:
    """``version2.IngressMTLS``: ``ssl_client_certificate``/``ssl_crl``/``ssl_verify_client``/``ssl_verify_depth``."""

    client_cert: str
    client_crl: str
    verify_client: str
    verify_depth: int
    source: PolicySource


@dataclass(frozen=True)
class EgressMTLSCfg:
    """``version2.EgressMTLS``: the ten ``proxy_ssl_*``/``grpc_ssl_*`` lines."""

    certificate: str
    certificate_key: str
    trusted_cert: str
    verify_server: bool
    verify_depth: int
    protocols: str
    ciphers: str
    session_reuse: bool
    server_name: bool
    ssl_name: str
    source: PolicySource


@dataclass(frozen=True)
class BasicAuthCfg:
    """``version2.BasicAuth``: ``auth_basic "<realm>"; auth_basic_user_file <htpasswd path>;``."""

    secret: str
    """The htpasswd file NIC writes: ``/etc/nginx/secrets/<ns>-<name>``."""
    realm: str
    source: PolicySource


@dataclass(frozen=True)
class JWTAuthCfg:
    """``version2.JWTAuth`` (Plus): ``auth_jwt``, ``auth_jwt_key_file`` or ``auth_jwt_key_request`` for a JWKS URI."""

    realm: str
    token: str
    source: PolicySource
    secret: str = ""
    """The JWK file path (``/etc/nginx/secrets/<ns>-<name>``), empty for a JWKS-URI policy."""
    key: str = ""
    """The policy key, used in ``/_jwks_uri_server_<key>`` when the keys come from ``jwksURI``."""
    jwks_host: str = ""
    key_cache: str = ""


@dataclass(frozen=True)
class HSTSCfg:
    """``version2.HSTS``: the ``Strict-Transport-Security`` header block at server scope."""

    max_age: int
    include_subdomains: bool
    behind_proxy: bool
    preload: bool
    source: PolicySource


@dataclass(frozen=True)
class LimitReqCfg:
    """``version2.LimitReq``: one ``limit_req zone=<name> [burst=] [delay=] [nodelay];`` line."""

    zone_name: str
    burst: int = 0
    delay: int = 0
    no_delay: bool = False


@dataclass(frozen=True)
class LimitReqZoneCfg:
    """``version2.LimitReqZone``: the http-level ``limit_req_zone <key> zone=<name>:<size> rate=<rate>;``."""

    zone_name: str
    key: str
    zone_size: str
    rate: str


@dataclass(frozen=True)
class LimitReqOptionsCfg:
    """``version2.LimitReqOptions`` of the first rateLimit policy of a context."""

    dry_run: bool = False
    log_level: str = "error"
    reject_code: int = 503


@dataclass(frozen=True)
class APIKeyCfg:
    """``version2.APIKey``: where the key is read and the name of the client map."""

    header: tuple[str, ...]
    query: tuple[str, ...]
    map_name: str
    source: PolicySource


@dataclass(frozen=True)
class Header:
    """``version2.Header``: ``proxy_set_header``/``add_header`` of a return, ``<name> <value>``."""

    name: str
    value: str


@dataclass(frozen=True)
class AddHeader:
    """``version2.AddHeader``: ``add_header <name> <value> [always]``; NIC's version1 (Ingress) model uses it too,
    and ``policy.go :: generateCORSHeaders`` builds CORS headers as ``always`` ones."""

    name: str
    value: str
    always: bool = False


@dataclass(frozen=True)
class CORSMapCfg:
    """``policy.go :: generateCORSOriginMap``: ``map $http_origin $cors_origin_... { default ""; ... }``."""

    source: str
    variable: str
    parameters: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PolicyOutcome:
    """What one reference became inside one ``generatePolicies`` call."""

    source: PolicySource
    type: PolicyType
    status: PolicyStatus
    reason: str
    """In words, e.g. "second egressMTLS policy in the spec context; the first one wins"."""
    warning: NicWarning | None = None
    """The NIC warning this reference produced, if any (its ``text`` is NIC's)."""
    fatal: bool = False
    """True when this reference caused the context's 500-out."""


@dataclass(frozen=True)
class PoliciesCfg:
    """The result of ``generatePolicies`` for one context: the mTLS parts and the other types NIC renders."""

    ingress_mtls: IngressMTLSCfg | None = None
    egress_mtls: EgressMTLSCfg | None = None
    error_return: int | None = None
    """500 when the context is 500-out; then ingress/egress cfg are None (NIC discards what it gathered)."""
    warnings: tuple[NicWarning, ...] = ()
    outcomes: tuple[PolicyOutcome, ...] = ()
    # The other policy types (policy.go :: policiesCfg), empty/None on 500-out like the mTLS parts.
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    basic_auth: BasicAuthCfg | None = None
    jwt_auth: JWTAuthCfg | None = None
    hsts: HSTSCfg | None = None
    api_key: APIKeyCfg | None = None
    limit_reqs: tuple[LimitReqCfg, ...] = ()
    limit_req_zones: tuple[LimitReqZoneCfg, ...] = ()
    limit_req_options: LimitReqOptionsCfg | None = None
    """Set with the first rateLimit policy of the context (``generateLimitReqOptions``)."""
    cors_headers: tuple[AddHeader, ...] = ()
    """The last CORS policy's headers; a VS route/subroute without its own inherits the spec's."""
    cors_map: CORSMapCfg | None = None


# --- the replica's result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NicEvent:
    type: Literal["Normal", "Warning"]
    reason: str
    message: str
    not_applied: str | None = None
    """For ``AddedOrUpdatedWithError``: the operation error NIC puts after "but was not applied:" (the nginx reload
    failure), so a reader gets the cause without splitting the message."""


@dataclass(frozen=True)
class ResourceResult:
    """NIC's verdict on one Ingress/VS/VSR/Policy: its state, warnings and the events it would emit."""

    ref: ObjectRef
    origin: Origin
    state: ResourceState
    warnings: tuple[NicWarning, ...] = ()
    events: tuple[NicEvent, ...] = ()
    rejection: str | None = None
    """The validation error text when ``state == "Invalid"``."""
    rejection_field: str = ""
    """The field path of the rejection's first error (``spec.routes[0].path``, ``annotations.nginx.org/x``), ""
    when that error names none."""


@dataclass(frozen=True)
class PolicyUser:
    kind: str
    namespace: str
    name: str
    scope: Context


@dataclass(frozen=True)
class PolicyResult:
    key: str
    type: Literal["ingressMTLS", "egressMTLS", "other"]
    valid: bool
    errors: tuple[str, ...]
    """NIC's validation error texts (each ``field.Error`` string), empty when valid."""
    referenced_by: tuple[PolicyUser, ...]
    origin: Origin
    handled: bool = True
    """False when NIC never syncs this Policy (other ingress class, unwatched namespace, custom resources off):
    no event, and it is "missing" for its users."""


@dataclass(frozen=True)
class ConfigFile:
    """One file NIC writes into ``conf.d`` (``configurator.go :: getFileNameForIngress/VirtualServer``)."""

    name: str
    resource: ObjectRef
    config: IngressNginxConfig | VirtualServerConfig
    """The config model NIC executes its template with; ``render.render_config`` writes the file from it."""


UpstreamScheme = Literal["http", "https", "grpc", "grpcs", ""]
LocationAction = Literal["proxy", "grpc", "return", "redirect", ""]
"""What a location does with a request (``virtualserver.go :: generateLocation``): pass it to an upstream, or
answer it through NIC's internal 418 server (``return``/``redirect`` actions). "" when the replica does not say."""


@dataclass(frozen=True)
class LocationResult:
    """One ``location`` block NIC generates, with the mTLS facts a view needs (rendered lines come from render/)."""

    path: str
    """As NIC writes it after ``location``: ``/tea``, ``= /exact``, ``~ ^/re``, ``@grpcerror400``."""
    resource: ObjectRef
    """The resource that owns the location: the Ingress, the minion, the VS or the VSR."""
    origin_field: str = ""
    """Field path of the path/route in that resource (``spec.rules[0].http.paths[1]``, ``spec.routes[0]``)."""
    returns_500: bool = False
    upstream_scheme: UpstreamScheme = ""
    upstream: str = ""
    """Upstream block name, e.g. ``default-cafe-ingress-cafe.example.com-tea-svc-80``, ``vs_default_webapp_app``."""
    service: str = ""
    grpc: bool = False
    internal: bool = False
    """Named/internal locations (``@grpcerror400``, split/match internals): not a route of their own."""
    context: Context | None = None
    """The policy context evaluated for this location (``route``, ``subroute``, ``minion``), None when none."""
    policies: PoliciesCfg | None = None
    """Location-level generatePolicies result (minion/route/subroute), None when the location has none."""
    action: LocationAction = ""
    """``proxy``/``grpc``/``return``/``redirect`` for VS route locations; "" for named/internal helpers and for
    Ingress locations (which always proxy: ``upstream_scheme`` says how)."""
    action_code: int | None = None
    """The status a ``return``/``redirect`` action answers with (``error_page 418 =<code> ...``), else None."""
    action_target: str = ""
    """The ``@return_N`` location a return action continues in, or the URL a redirect sends the client to."""
    action_type: str = ""
    """``default_type`` of a return action's body (``text/plain`` unless the action's ``type`` is set)."""


@dataclass(frozen=True)
class HostResult:
    """One ``server`` block NIC generates (one per valid host), or a host whose resource was rejected."""

    host: str
    resource: ObjectRef
    config_file: str = ""
    rejected: bool = False
    tls: bool = False
    """The server terminates TLS (``server.SSL``/VS ``sslConfig != nil``)."""
    ssl_reject_handshake: bool = False
    returns_500: bool = False
    """Server-level ``return 500;`` (spec/master context 500-out)."""
    fail_open: bool = False
    """ingressMTLS ignored for this host because TLS is not enabled for it (W14)."""
    policies: PoliciesCfg | None = None
    """Server-level (spec/master context) generatePolicies result."""
    locations: tuple[LocationResult, ...] = ()
    server_index: int = 0
    """Position of this server block in ``config_file`` (render/ finds its lines by it)."""


@dataclass(frozen=True)
class NicLog:
    """A line NIC writes to its log only, e.g. ``annotation nginx.org/grpc-services requires HTTP2, ignoring``."""

    resource: ObjectRef
    message: str


@dataclass(frozen=True)
class VersionNote:
    """Where the predicted NIC release behaves differently from NIC 5.6 for this input (``nic/versions.py``)."""

    message: str
    resource: ObjectRef | None = None
    hosts: tuple[str, ...] = ()
    fail_open: bool = False
    """The difference leaves these hosts without the client-certificate check their policies ask for."""


@dataclass(frozen=True)
class NicResult:
    settings: ControllerSettings
    resources: tuple[ResourceResult, ...]
    policies: tuple[PolicyResult, ...]
    hosts: tuple[HostResult, ...]
    files: tuple[ConfigFile, ...] = ()
    secret_files: Mapping[str, bytes] = field(default_factory=dict)
    """Absolute path NIC would write -> content (``/etc/nginx/secrets/default-tls-secret``: cert + "\\n" + key)."""
    logs: tuple[NicLog, ...] = ()
    """Lines NIC only logs (no event, no warning) that still explain an outcome, in generation order."""
    version_notes: tuple[VersionNote, ...] = ()
    """What the predicted release (``settings.nic_version``) does differently from NIC 5.6 with this input."""
    promised_secrets: Mapping[str, PromisedSecret] = field(default_factory=dict)
    """``ns/name`` -> the promise, for every Secret NIC looked up that exists only as a promise (content unknown:
    no entry in ``secret_files``; the config references its file all the same)."""

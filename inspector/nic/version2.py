"""The VirtualServer config model: frozen twins of NIC's ``internal/configs/version2/http.go`` structs.

NIC builds a ``version2.VirtualServerConfig`` from a VirtualServer and its VirtualServerRoutes and hands it to
``nginx.virtualserver.tmpl`` / ``nginx-plus.virtualserver.tmpl``. Keeping the same shape here lets a reader hold
this module next to ``http.go`` and lets ``render/virtualserver.py`` mirror NIC's template block by block.
Only the parts that the OSS/Plus templates render for VirtualServer features this tool models are kept; the
extra fields (``resource``, ``origin_field``, ``context``, ``policies``, ``upstream``) carry the provenance NIC
does not keep. Nothing here computes anything: ``inspector.nic.virtualserver`` fills it in.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspector.model import ObjectRef
from inspector.nic.secrets import SECRETS_DIR
from inspector.nic.types import AddHeader, Context, EgressMTLSCfg, Header, IngressMTLSCfg, LimitReqZoneCfg, PoliciesCfg

ERROR_PAGE_RESPONSE_CODE_INHERIT = -1
"""``version2.ErrorPageResponseCodeInherit``: renders ``error_page <codes> = "<name>"``."""


@dataclass(frozen=True)
class UpstreamServer:
    address: str


@dataclass(frozen=True)
class SessionCookie:
    name: str
    path: str = ""
    expires: str = ""
    domain: str = ""
    http_only: bool = False
    secure: bool = False
    same_site: str = ""


@dataclass(frozen=True)
class Upstream:
    """``version2.Upstream``: one ``upstream`` block."""

    name: str
    servers: tuple[UpstreamServer, ...]
    lb_method: str
    max_fails: int
    fail_timeout: str
    max_conns: int
    upstream_zone_size: str
    keepalive: int = 0
    session_cookie: SessionCookie | None = None
    owner: ObjectRef | None = None
    service: str = ""


@dataclass(frozen=True)
class HealthCheck:
    """``version2.HealthCheck``: a Plus ``location @hc-<upstream>`` with its ``health_check`` line."""

    name: str
    proxy_pass: str
    grpc_pass: str
    is_grpc: bool
    uri: str
    interval: str
    jitter: str
    keepalive_time: str
    fails: int
    passes: int
    proxy_connect_timeout: str
    proxy_read_timeout: str
    proxy_send_timeout: str
    headers: tuple[Header, ...] = ()
    """Sorted by name: NIC keeps them in a Go map, which ``text/template`` ranges over in key order."""
    port: int = 0
    match: str = ""
    mandatory: bool = False
    persistent: bool = False
    grpc_status: int | None = None
    grpc_service: str = ""
    owner: ObjectRef | None = None

    @property
    def directive(self) -> str:
        """The ``health_check`` line exactly as NIC's whitespace-trimming template joins it (Plus tmpl L459-484).

        Without ``uri`` and ``port`` (the gRPC default) Go's trimming glues ``health_check`` and ``interval=``
        together; that is NIC's output, reproduced as is.
        """
        out = "health_check"
        if self.uri:
            out += f" uri={self.uri} "
        if self.port:
            out += f" port={self.port} "
        out += f"interval={self.interval} jitter={self.jitter} fails={self.fails} passes={self.passes}"
        if self.match:
            out += f" match={self.match}"
        if self.mandatory:
            out += " mandatory "
        if self.persistent:
            out += " persistent "
        if not self.is_grpc:
            out += f" keepalive_time={self.keepalive_time}"
        if self.grpc_pass:
            out += " type=grpc"
            if self.grpc_status is not None:
                out += f" grpc_status={self.grpc_status}"
            if self.grpc_service:
                out += f" grpc_service={self.grpc_service}"
        return out + ";"


@dataclass(frozen=True)
class StatusMatch:
    """``match <upstream>_match { status <code>; }`` for a Plus health check's ``statusMatch``."""

    name: str
    code: str


@dataclass(frozen=True)
class Distribution:
    weight: str
    value: str


@dataclass(frozen=True)
class SplitClient:
    """``split_clients $request_id <variable> { ... }`` (``virtualserver.go :: generateSplits``)."""

    source: str
    variable: str
    distributions: tuple[Distribution, ...]


@dataclass(frozen=True)
class Parameter:
    value: str
    result: str


@dataclass(frozen=True)
class Map:
    """``map <source> <variable> { ... }`` (``virtualserver.go :: generateMatchesConfig``)."""

    source: str
    variable: str
    parameters: tuple[Parameter, ...]


@dataclass(frozen=True)
class SSL:
    """``version2.SSL``; ``reject_handshake`` replaces the certificate lines (bad or missing TLS secret)."""

    http2: bool
    certificate: str
    certificate_key: str
    reject_handshake: bool


@dataclass(frozen=True)
class TLSRedirect:
    code: int
    based_on: str


@dataclass(frozen=True)
class ErrorPage:
    """One ``error_page`` line; ``response_code`` < 0 renders ``=``, 0 nothing, > 0 ``=<code>``."""

    name: str
    codes: str
    response_code: int


@dataclass(frozen=True)
class InternalRedirectLocation:
    """``location <route path> { rewrite ^ <$variable> last; }`` in front of split/match internal locations."""

    path: str
    destination: str
    resource: ObjectRef | None = None
    origin_field: str = ""


@dataclass(frozen=True)
class ReturnLocation:
    """``location @return_N`` serving a route's ``action.return`` (reached through ``error_page 418``)."""

    name: str
    default_type: str
    text: str
    headers: tuple[Header, ...] = ()
    resource: ObjectRef | None = None
    origin_field: str = ""


@dataclass(frozen=True)
class ErrorPageLocation:
    """``location @error_page_I_J`` serving a route's ``errorPages[].return``."""

    name: str
    default_type: str
    text: str
    headers: tuple[Header, ...] = ()
    resource: ObjectRef | None = None
    origin_field: str = ""


@dataclass(frozen=True)
class Location:
    """``version2.Location`` plus provenance (which resource/route it came from, its policy context)."""

    path: str
    resource: ObjectRef
    origin_field: str = ""
    service_name: str = ""
    upstream: str = ""
    upstream_tls: bool = False
    is_vsr: bool = False
    vsr_name: str = ""
    vsr_namespace: str = ""
    internal: bool = False
    add_header_inherit: str = ""
    snippets: tuple[str, ...] = ()
    policies_error_return: int | None = None
    egress_mtls: EgressMTLSCfg | None = None
    context: Context | None = None
    policies: PoliciesCfg | None = None
    error_pages: tuple[ErrorPage, ...] = ()
    proxy_intercept_errors: bool = False
    internal_proxy_pass: str = ""
    has_keepalive: bool = False
    proxy_pass: str = ""
    proxy_pass_rewrite: str = ""
    grpc_pass: str = ""
    rewrites: tuple[str, ...] = ()
    proxy_connect_timeout: str = ""
    proxy_read_timeout: str = ""
    proxy_send_timeout: str = ""
    client_max_body_size: str = ""
    client_body_buffer_size: str = ""
    proxy_max_temp_file_size: str = ""
    proxy_buffering: bool = True
    proxy_buffers: str = ""
    proxy_buffer_size: str = ""
    proxy_busy_buffers_size: str = ""
    proxy_pass_request_headers: bool = True
    proxy_set_headers: tuple[Header, ...] = ()
    disable_forwarded_headers: bool = False
    proxy_hide_headers: tuple[str, ...] = ()
    proxy_pass_headers: tuple[str, ...] = ()
    proxy_ignore_headers: str = ""
    add_headers: tuple[AddHeader, ...] = ()
    cors_enabled: bool = False
    """CORS headers from a policy are in ``add_headers``: the template adds the OPTIONS preflight block."""
    proxy_next_upstream: str = ""
    proxy_next_upstream_timeout: str = ""
    proxy_next_upstream_tries: int = 0

    @property
    def custom_header_names(self) -> frozenset[str]:
        """``headerListToCIMap``: set headers compared case-insensitively (``version2/template_helper.go``)."""
        return frozenset(h.name.lower() for h in self.proxy_set_headers)


@dataclass(frozen=True)
class Server:
    """``version2.Server``: the one ``server`` block of a VirtualServer."""

    server_name: str
    vs_name: str
    vs_namespace: str
    server_tokens: str
    gunzip: bool = False
    add_header_inherit: str = ""
    status_zone: str = ""
    disable_ipv6: bool = False
    proxy_protocol: bool = False
    """ConfigMap ``proxy-protocol``: a ``proxy_protocol`` parameter on each listen (``buildListenDirective``)."""
    ssl: SSL | None = None
    ingress_mtls: IngressMTLSCfg | None = None
    tls_redirect: TLSRedirect | None = None
    set_real_ip_from: tuple[str, ...] = ()
    real_ip_header: str = ""
    real_ip_recursive: bool = False
    policies_error_return: int | None = None
    egress_mtls: EgressMTLSCfg | None = None
    snippets: tuple[str, ...] = ()
    internal_redirect_locations: tuple[InternalRedirectLocation, ...] = ()
    error_page_locations: tuple[ErrorPageLocation, ...] = ()
    return_locations: tuple[ReturnLocation, ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    locations: tuple[Location, ...] = ()
    policies: PoliciesCfg | None = None


@dataclass(frozen=True)
class VirtualServerConfig:
    """``version2.VirtualServerConfig``: everything one ``conf.d/vs_<ns>_<name>.conf`` holds."""

    server: Server
    upstreams: tuple[Upstream, ...] = ()
    split_clients: tuple[SplitClient, ...] = ()
    maps: tuple[Map, ...] = ()
    limit_req_zones: tuple[LimitReqZoneCfg, ...] = ()
    """rateLimit zones of every context, first of each name kept (``removeDuplicateLimitReqZones``)."""
    status_matches: tuple[StatusMatch, ...] = ()
    http_snippets: tuple[str, ...] = ()
    plus: bool = False
    dynamic_ssl_reload: bool = True
    static_ssl_path: str = SECRETS_DIR

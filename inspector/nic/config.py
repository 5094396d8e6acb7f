"""NIC's version1 config model for Ingress, and the ConfigMap/annotation parameters that shape it.

Why it exists: the Ingress templates print fields of ``version1.IngressNginxConfig``/``Server``/``Location``
(``internal/configs/version1/config.go``); the generator fills them from ``ConfigParams``
(``internal/configs/config_params.go :: NewDefaultConfigParams``), the NIC ConfigMap
(``internal/configs/configmaps.go :: ParseConfigMap``) and the Ingress annotations
(``internal/configs/annotations.go :: parseAnnotations``). Keeping the same shape here lets a reader hold this
module next to NIC's and lets ``render/ingress.py`` mirror NIC's template block by block.

Only the parameters that change the server/location directives NIC renders for an Ingress are modelled;
App Protect, JWT, health checks and rate limiting are left out (they do not interact with mTLS).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from inspector.model import ObjectRef
from inspector.nic.parsing import (
    go_trim_space,
    parse_bool,
    parse_int,
    parse_lb_method,
    parse_proxy_buffers,
    parse_size,
    parse_time,
)
from inspector.nic.parsing import parse_port_list as nic_parse_port_list
from inspector.nic.secrets import SECRETS_DIR
from inspector.nic.types import AddHeader, CORSMapCfg, EgressMTLSCfg, Header, IngressMTLSCfg, PoliciesCfg

# --- parameters (ConfigParams) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigParams:
    """The subset of NIC's ``ConfigParams`` that the Ingress templates print, with NIC 5.6's defaults."""

    plus: bool = False
    server_tokens: str = "on"
    proxy_connect_timeout: str = "60s"
    proxy_read_timeout: str = "60s"
    proxy_send_timeout: str = "60s"
    client_max_body_size: str = "1m"
    client_body_buffer_size: str = ""
    ssl_redirect: bool = True
    redirect_to_https: bool = False
    http_redirect_code: int = 301
    http2: bool = False
    proxy_buffering: bool = True
    proxy_buffers: str = ""
    proxy_buffer_size: str = ""
    proxy_busy_buffers_size: str = ""
    proxy_max_temp_file_size: str = ""
    hsts: bool = False
    hsts_max_age: int = 2592000
    hsts_include_subdomains: bool = False
    hsts_behind_proxy: bool = False
    ports: tuple[int, ...] = (80,)
    ssl_ports: tuple[int, ...] = (443,)
    max_fails: int = 1
    max_conns: int = 0
    fail_timeout: str = "10s"
    upstream_zone_size: str = "256k"
    lb_method: str = "random two least_conn"
    keepalive: int = 0
    proxy_hide_headers: tuple[str, ...] = ()
    proxy_pass_headers: tuple[str, ...] = ()
    proxy_set_headers: tuple[Header, ...] = ()
    add_headers: tuple[AddHeader, ...] = ()
    add_header_inherit: str = ""
    server_snippets: tuple[str, ...] = ()
    location_snippets: tuple[str, ...] = ()
    ssl_ciphers: str = ""
    ssl_prefer_server_ciphers: bool = False
    default_server_return: str = "404"
    proxy_protocol: bool = False
    real_ip_header: str = ""
    set_real_ip_from: tuple[str, ...] = ()
    real_ip_recursive: bool = False
    proxy_next_upstream: str = ""
    proxy_next_upstream_timeout: str = ""
    proxy_next_upstream_tries: int | None = None
    app_root: str = ""
    proxy_redirect_from: str = ""
    proxy_redirect_to: str = ""
    disable_forwarded_headers: bool = False


def default_params(plus: bool) -> ConfigParams:
    """``config_params.go :: NewDefaultConfigParams``: the zone size is the only edition difference."""
    return ConfigParams(plus=plus, upstream_zone_size="512k" if plus else "256k")


def parse_port_list(value: str) -> tuple[int, ...]:
    """``parsing_helpers.go :: ParsePortList``; an invalid list is ignored (NIC keeps the default ports). NIC sets
    no upper bound: a port above 65535 reaches ``listen`` (see ``ingress.reload_errors``)."""
    return nic_parse_port_list(value) or ()


def parse_add_header_inherit(value: str) -> str:
    """``parsing_helpers.go :: ParseAddHeaderInherit``: trimmed and lower-cased; empty when invalid (ignored)."""
    mode = go_trim_space(value).lower()
    return mode if mode in ("on", "off", "merge") else ""


def parse_service_list(value: str) -> frozenset[str]:
    """``parsing_helpers.go :: ParseServiceList``: split on ``,`` with **no** trimming (exact names only)."""
    return frozenset(value.split(","))


def parse_rewrites(value: str) -> dict[str, str]:
    """``parsing_helpers.go :: ParseRewriteList``: ``serviceName=x rewrite=/y;...``; any bad item drops them all."""
    out: dict[str, str] = {}
    for item in value.split(";"):
        parts = item.strip().split(" ", 1)
        if len(parts) != 2:
            return {}
        svc, rw = parts[0].split("="), parts[1].split("=")
        if len(svc) != 2 or svc[0] != "serviceName" or len(rw) != 2 or rw[0] != "rewrite":
            return {}
        if not rw[1].startswith("/") or re.search(r"[\s{}$]", rw[1]):
            return {}
        out[svc[1]] = rw[1]
    return out


def _string_slice(value: str, sep: str) -> tuple[str, ...]:
    """``GetMapKeyAsStringSlice``: split, trim each item, drop empties (``strings.TrimSpace`` per item)."""
    if sep == "\n":
        return tuple(value.split("\n"))
    return tuple(p.strip() for p in value.split(sep) if p.strip())


def parse_headers(value: str) -> tuple[Header, ...]:
    """``version1/header_parsing_helper.go :: ParseProxySetHeaders``: ``Name: value`` or ``Name`` per item.

    A bare ``Name`` gets NIC's default value ``$http_<name with - as _, lower case>``.
    """
    headers: list[Header] = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            continue
        name, sep, val = item.partition(":")
        name = name.strip()
        if not name:
            continue
        headers.append(Header(name, val.strip() if sep else "$http_" + name.replace("-", "_").lower()))
    return tuple(headers)


def parse_add_headers(value: str) -> tuple[AddHeader, ...]:
    """``header_parsing_helper.go :: ParseAddHeaders``: ``Name: value[: always]`` per comma item."""
    headers: list[AddHeader] = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            continue
        parts = item.split(":", 2)
        name = parts[0].strip()
        if not name:
            continue
        val = parts[1].strip() if len(parts) >= 2 else ""
        always = len(parts) == 3 and parts[2].strip().lower() == "always"
        headers.append(AddHeader(name, val, always))
    return tuple(headers)


def merge_proxy_set_headers(master: str | None, minion: str | None) -> tuple[Header, ...]:
    """``header_parsing_helper.go :: MergeProxySetHeaders``: the minion's headers, then the master's others."""
    merged = list(parse_headers(minion or ""))
    seen = {h.name.lower() for h in merged}
    merged += [h for h in parse_headers(master or "") if h.name.lower() not in seen]
    return tuple(merged)


def _set(params: ConfigParams, attr: str, value: object) -> ConfigParams:
    """``replace`` with a field chosen at run time (the key tables below)."""
    changes: dict[str, Any] = {attr: value}
    return replace(params, **changes)


def _apply_common(params: ConfigParams, data: Mapping[str, str], prefix: str) -> ConfigParams:
    """Keys shared by the ConfigMap (no prefix) and the annotations (``nginx.org/``) with the same meaning."""
    p = params
    get = data.get
    if (v := get(prefix + "lb-method")) is not None and (m := parse_lb_method(v, p.plus)) is not None:
        p = replace(p, lb_method=m)
    if (v := get(prefix + "server-tokens")) is not None:
        b = parse_bool(v)
        if b is not None:
            p = replace(p, server_tokens="on" if b else "off")
        elif p.plus:
            p = replace(p, server_tokens=v)
    if (v := get(prefix + "client-max-body-size")) is not None:
        p = replace(p, client_max_body_size=v)
    for key, attr in (
        ("redirect-to-https", "redirect_to_https"),
        ("ssl-redirect", "ssl_redirect"),
        ("proxy-buffering", "proxy_buffering"),
    ):
        if (v := get(prefix + key)) is not None and (b := parse_bool(v)) is not None:
            p = _set(p, attr, b)
    for key, attr in (
        ("proxy-buffers", "proxy_buffers"),
        ("proxy-buffer-size", "proxy_buffer_size"),
        ("proxy-busy-buffers-size", "proxy_busy_buffers_size"),
        ("proxy-max-temp-file-size", "proxy_max_temp_file_size"),
        ("upstream-zone-size", "upstream_zone_size"),
    ):
        if (v := get(prefix + key)) is not None:
            p = _set(p, attr, v)
    if (v := get(prefix + "proxy-hide-headers")) is not None:
        p = replace(p, proxy_hide_headers=_string_slice(v, ","))
    if (v := get(prefix + "proxy-pass-headers")) is not None:
        p = replace(p, proxy_pass_headers=_string_slice(v, ","))
    if (v := get(prefix + "server-snippets")) is not None:
        p = replace(p, server_snippets=_string_slice(v, "\n"))
    if (v := get(prefix + "location-snippets")) is not None:
        p = replace(p, location_snippets=_string_slice(v, "\n"))
    if (v := get(prefix + "keepalive")) is not None and (n := parse_int(v)) is not None:
        p = replace(p, keepalive=n)
    if (v := get(prefix + "max-fails")) is not None and (n := parse_int(v)) is not None:
        p = replace(p, max_fails=n)
    if (v := get(prefix + "http-redirect-code")) is not None and v in ("301", "302", "307", "308"):
        p = replace(p, http_redirect_code=int(v))
    if (v := get(prefix + "hsts")) is not None and (b := parse_bool(v)) is not None:
        max_age = get(prefix + "hsts-max-age")
        sub = get(prefix + "hsts-include-subdomains")
        proxy = get(prefix + "hsts-behind-proxy")
        n_age = parse_int(max_age) if max_age is not None else None
        b_sub = parse_bool(sub) if sub is not None else None
        b_proxy = parse_bool(proxy) if proxy is not None else None
        # annotations.go/configmaps.go: any parsing error drops every HSTS setting.
        if not ((max_age is not None and n_age is None) or (sub is not None and b_sub is None)
                or (proxy is not None and b_proxy is None)):
            p = replace(p, hsts=b)
            if n_age is not None:
                p = replace(p, hsts_max_age=n_age)
            if b_sub is not None:
                p = replace(p, hsts_include_subdomains=b_sub)
            if b_proxy is not None:
                p = replace(p, hsts_behind_proxy=b_proxy)
    return p


CONFIGMAP_PARSED_KEYS = {
    "proxy-buffers": parse_proxy_buffers,
    "proxy-buffer-size": parse_size,
    "proxy-busy-buffers-size": parse_size,
}
"""ConfigMap keys NIC parses (``ParseProxyBuffersSpec``/``ParseSize``): an invalid value is ignored with an event on
the ConfigMap, a valid one is stored normalised (trimmed, the unit in lower case). The annotations of the same
names are validated instead (the Ingress is rejected) and stored verbatim."""


def parse_configmap(data: Mapping[str, str], plus: bool) -> ConfigParams:
    """``configmaps.go :: ParseConfigMap`` for the keys that reach Ingress server/location blocks."""
    normalised = dict(data)
    for key, parse in CONFIGMAP_PARSED_KEYS.items():
        if key in normalised:
            value = parse(normalised[key])
            if value is None:
                del normalised[key]
            else:
                normalised[key] = value
    data = normalised
    p = _apply_common(default_params(plus), data, "")
    # ConfigMap timeouts are copied verbatim (no ParseTime), unlike the annotations.
    for key, attr in (
        ("proxy-connect-timeout", "proxy_connect_timeout"),
        ("proxy-read-timeout", "proxy_read_timeout"),
        ("proxy-send-timeout", "proxy_send_timeout"),
    ):
        if (v := data.get(key)) is not None:
            p = _set(p, attr, v)
    if (v := data.get("fail-timeout")) is not None:
        p = replace(p, fail_timeout=v)
    # "ssl-ciphers"/"ssl-prefer-server-ciphers" in the ConfigMap are http-level (MainServerSSLCiphers), not
    # per server; "proxy-set-headers" and "max-conns" exist as annotations only.
    if (v := data.get("http2")) is not None and (b := parse_bool(v)) is not None:
        p = replace(p, http2=b)
    if (v := data.get("default-server-return")) is not None:
        p = replace(p, default_server_return=v)
    if (v := data.get("proxy-protocol")) is not None and (b := parse_bool(v)) is not None:
        p = replace(p, proxy_protocol=b)
    if (v := data.get("real-ip-header")) is not None:
        p = replace(p, real_ip_header=v)
    if (v := data.get("set-real-ip-from")) is not None:
        p = replace(p, set_real_ip_from=_string_slice(v, ","))
    if (v := data.get("real-ip-recursive")) is not None and (b := parse_bool(v)) is not None:
        p = replace(p, real_ip_recursive=b)
    if (v := data.get("add-header-inherit")) is not None and (m := parse_add_header_inherit(v)):
        p = replace(p, add_header_inherit=m)
    # ConfigMap "add-header" goes to the http{} level (MainAddHeaders), not to servers.
    p = replace(p, add_headers=())
    return p


def parse_annotations(annotations: Mapping[str, str], base: ConfigParams) -> ConfigParams:
    """``annotations.go :: parseAnnotations``: the Ingress's own overrides of the ConfigMap parameters."""
    p = _apply_common(base, annotations, "nginx.org/")
    a = annotations
    for key, attr in (
        ("nginx.org/proxy-connect-timeout", "proxy_connect_timeout"),
        ("nginx.org/proxy-read-timeout", "proxy_read_timeout"),
        ("nginx.org/proxy-send-timeout", "proxy_send_timeout"),
        ("nginx.org/proxy-next-upstream-timeout", "proxy_next_upstream_timeout"),
    ):
        if (v := a.get(key)) is not None and (t := parse_time(v)) is not None:
            p = _set(p, attr, t)
    if "nginx.org/ssl-redirect" not in a and (v := a.get("ingress.kubernetes.io/ssl-redirect")) is not None:
        b = parse_bool(v)
        if b is not None:
            p = replace(p, ssl_redirect=b)
    if (v := a.get("nginx.org/ssl-ciphers")) is not None:
        p = replace(p, ssl_ciphers=v)
    if (v := a.get("nginx.org/ssl-prefer-server-ciphers")) is not None and (b := parse_bool(v)) is not None:
        p = replace(p, ssl_prefer_server_ciphers=b)
    if (v := a.get("nginx.org/proxy-set-headers")) is not None:
        p = replace(p, proxy_set_headers=parse_headers(v))
    if (v := a.get("nginx.org/max-conns")) is not None and (n := parse_int(v)) is not None:
        p = replace(p, max_conns=n)
    if (v := a.get("nginx.org/fail-timeout")) is not None and (t := parse_time(v)) is not None:
        p = replace(p, fail_timeout=t)
    if (v := a.get("nginx.org/add-header")) is not None:
        p = replace(p, add_headers=parse_add_headers(v))
    if (v := a.get("nginx.org/add-header-inherit")) is not None and (m := parse_add_header_inherit(v)):
        p = replace(p, add_header_inherit=m)
    if (v := a.get("nginx.org/proxy-next-upstream")) is not None:
        p = replace(p, proxy_next_upstream=" ".join(v.split()))
    tries = a.get("nginx.org/proxy-next-upstream-tries")
    if tries is not None and (n := parse_int(tries, unsigned=True)) is not None:
        p = replace(p, proxy_next_upstream_tries=n)
    if (v := a.get("nginx.org/client-body-buffer-size")) is not None:
        p = replace(p, client_body_buffer_size=v)
    if (v := a.get("nginx.org/listen-ports")) is not None and (ports := parse_port_list(v)):
        p = replace(p, ports=ports)
    if (v := a.get("nginx.org/listen-ports-ssl")) is not None and (ports := parse_port_list(v)):
        p = replace(p, ssl_ports=ports)
    if (v := a.get("nginx.org/app-root")) is not None:
        p = replace(p, app_root=v)
    if (v := a.get("nginx.org/proxy-redirect-from")) is not None:
        p = replace(p, proxy_redirect_from=v)
    if (v := a.get("nginx.org/proxy-redirect-to")) is not None:
        p = replace(p, proxy_redirect_to=v)
    return p


# --- the version1 model ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpstreamServer:
    address: str
    max_fails: int = 1
    fail_timeout: str = "10s"
    max_conns: int = 0


@dataclass(frozen=True)
class Upstream:
    """``version1.Upstream``."""

    name: str
    zone_size: str = "256k"
    lb_method: str = ""
    servers: tuple[UpstreamServer, ...] = ()
    sticky_cookie: str = ""


@dataclass(frozen=True)
class MinionRef:
    """``Location.MinionIngress``: the minion that contributed a merged location (template prints its name)."""

    namespace: str
    name: str
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Location:
    """``version1.Location`` (the fields the Ingress templates print) plus provenance for the report."""

    path: str
    """As NIC stores it (``= /exact`` for pathType Exact); ``location_path`` adds the path-regex form."""
    location_path: str
    """As written after ``location`` (``template_helper.go :: makeLocationPath``)."""
    service_name: str
    upstream: str
    proxy_pass: str
    ssl: bool = False
    grpc: bool = False
    websocket: bool = False
    rewrite: str = ""
    rewrite_target: str = ""
    rewrite_pattern: str = ""
    proxy_connect_timeout: str = "60s"
    proxy_read_timeout: str = "60s"
    proxy_send_timeout: str = "60s"
    client_max_body_size: str = "1m"
    client_body_buffer_size: str = ""
    proxy_buffering: bool = True
    proxy_buffers: str = ""
    proxy_buffer_size: str = ""
    proxy_busy_buffers_size: str = ""
    proxy_max_temp_file_size: str = ""
    proxy_set_headers: tuple[Header, ...] = ()
    location_snippets: tuple[str, ...] = ()
    proxy_next_upstream: str = ""
    proxy_next_upstream_timeout: str = ""
    proxy_next_upstream_tries: int | None = None
    proxy_redirect_from: str = ""
    proxy_redirect_to: str = ""
    add_header_inherit: str = ""
    add_headers: tuple[AddHeader, ...] = ()
    cors_enabled: bool = False
    """A CORS policy's headers are in ``add_headers``: the template adds the OPTIONS preflight block."""
    disable_forwarded_headers: bool = False
    minion: MinionRef | None = None
    policies_error_return: bool = False
    egress_mtls: EgressMTLSCfg | None = None
    # provenance, not printed
    resource: ObjectRef | None = None
    origin_field: str = ""
    policies: PoliciesCfg | None = None


@dataclass(frozen=True)
class Server:
    """``version1.Server`` (printed fields) plus the mTLS provenance a view needs."""

    name: str
    resource: ObjectRef
    is_default_server: bool = False
    ports: tuple[int, ...] = (80,)
    ssl_ports: tuple[int, ...] = (443,)
    ssl: bool = False
    http2: bool = False
    ssl_reject_handshake: bool = False
    ssl_certificate: str = ""
    ssl_certificate_key: str = ""
    ssl_ciphers: str = ""
    ssl_prefer_server_ciphers: bool = False
    ingress_mtls: IngressMTLSCfg | None = None
    set_real_ip_from: tuple[str, ...] = ()
    real_ip_header: str = ""
    real_ip_recursive: bool = False
    server_tokens: str = "on"
    policies_error_return: bool = False
    status_zone: str = ""
    proxy_hide_headers: tuple[str, ...] = ()
    proxy_pass_headers: tuple[str, ...] = ()
    add_headers: tuple[AddHeader, ...] = ()
    add_header_inherit: str = ""
    egress_mtls: EgressMTLSCfg | None = None
    hsts: bool = False
    hsts_max_age: int = 2592000
    hsts_include_subdomains: bool = False
    hsts_behind_proxy: bool = False
    ssl_redirect: bool = True
    redirect_to_https: bool = False
    http_redirect_code: int = 301
    server_snippets: tuple[str, ...] = ()
    app_root: str = ""
    proxy_redirect_from: str = ""
    proxy_redirect_to: str = ""
    proxy_protocol: bool = False
    locations: tuple[Location, ...] = ()
    grpc_only: bool = False
    has_grpc_locations: bool = False
    default_server_return: str = ""
    # provenance, not printed
    policies: PoliciesCfg | None = None
    fail_open: bool = False
    """ingressMTLS was configured for the Ingress but this host has no TLS (W14)."""


@dataclass(frozen=True)
class IngressNginxConfig:
    """``version1.IngressNginxConfig``: one ``conf.d/<ns>-<name>.conf`` file."""

    namespace: str
    name: str
    annotations: Mapping[str, str]
    upstreams: tuple[Upstream, ...]
    servers: tuple[Server, ...]
    keepalive: str = ""
    dynamic_ssl_reload: bool = True
    plus: bool = False
    static_ssl_path: str = SECRETS_DIR
    maps: tuple[CORSMapCfg, ...] = ()
    """http-level maps: the CORS origin maps of the Ingress's (or master's and minions') policies."""

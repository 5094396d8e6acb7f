"""The ``conf.d/vs_<ns>_<name>.conf`` of a VirtualServer, from ``version2.VirtualServerConfig``.

A line-by-line twin of NIC 5.6's ``internal/configs/version2/nginx.virtualserver.tmpl`` (OSS) and
``nginx-plus.virtualserver.tmpl`` (Plus, ``c.plus``): one function per template block. Only the features the
inspector models are kept; the order of every kept directive is NIC's.
"""

from __future__ import annotations

from inspector.nic import version2 as v2
from inspector.nic.parsing import go_quote
from inspector.nic.secrets import make_secret_path
from inspector.nic.types import Scope
from inspector.render import blocks as b
from inspector.render.records import Lines, RenderedFile, Stmt, rendered_file


def render_virtual_server(c: v2.VirtualServerConfig) -> RenderedFile:
    """The whole file: http-level blocks (L1-63), then the one server (L65-611)."""
    out = Lines()
    for u in c.upstreams:
        vs_upstream(out, u, c.plus)
    for sc in c.split_clients:
        out.open("", "split_clients", sc.source, sc.variable)
        for dist in sc.distributions:
            out.d("    ", dist.weight, dist.value)
        out.close("")
    for m in c.maps:
        out.open("", "map", m.source, m.variable)
        for p in m.parameters:
            out.d("    ", p.value, p.result)
        out.close("")
    out.snippets("", c.http_snippets)
    # L45-47. NIC prints the key bare (`limit_req_zone ${binary_remote_addr} ...`); it is double-quoted here, the
    # same meaning for nginx (validation keeps every '"' escaped), because a `${` inside a bare word is not one
    # nginx_parse reads (nginx -T input).
    for z in c.limit_req_zones:
        out.d("", "limit_req_zone", f'"{z.key}"', f"zone={z.zone_name}:{z.zone_size}", f"rate={z.rate}")
    if c.plus:
        for sm in c.status_matches:
            out.open("", "match", sm.name)
            out.d("    ", "status", sm.code)
            out.close("")
    out.blank()
    vs_server(out, c)
    return rendered_file(out)


def vs_upstream(out: Lines, u: v2.Upstream, plus: bool) -> None:
    """One upstream and the blank line after it: nginx.virtualserver.tmpl L1-25, nginx-plus L1-48."""
    out.open("", "upstream", u.name)
    if plus:
        out.d("    ", "zone", u.name, u.upstream_zone_size if u.upstream_zone_size != "0" else "512k")
    elif u.upstream_zone_size != "0":
        out.d("    ", "zone", u.name, u.upstream_zone_size)
    if u.lb_method:
        name, *args = u.lb_method.split() or [""]
        out.add(f"    {u.lb_method};", (Stmt(name, tuple(args), "simple"),))
    for srv in u.servers:
        out.d(
            "    ", "server", srv.address, f"max_fails={u.max_fails}", f"fail_timeout={u.fail_timeout}",
            f"max_conns={u.max_conns}",
        )
    if u.keepalive:
        out.d("    ", "keepalive", str(u.keepalive))
    if u.session_cookie:
        sc = u.session_cookie
        pieces = ["cookie", sc.name]
        if sc.expires:
            pieces.append(f"expires={sc.expires}")
        if sc.domain:
            pieces.append(f"domain={sc.domain}")
        if sc.http_only:
            pieces.append("httponly")
        if sc.same_site:
            pieces.append(f"samesite={sc.same_site.lower()}")
        if sc.secure:
            pieces.append("secure")
        if sc.path:
            pieces.append(f"path={sc.path}")
        out.d("    ", "sticky", *pieces)
    out.close("")
    out.blank()


def vs_server(out: Lines, c: v2.VirtualServerConfig) -> None:
    """The server block: nginx.virtualserver.tmpl L65-611, nginx-plus.virtualserver.tmpl L130-873."""
    s = c.server
    d = out.d
    ind = "    "
    out.open("", "server")
    if s.gunzip:
        d(ind, "gunzip", "on")
    if s.add_header_inherit:
        d(ind, "add_header_inherit", s.add_header_inherit)
    pp = ("proxy_protocol",) if s.proxy_protocol else ()
    d(ind, "listen", "80", *pp)
    if not s.disable_ipv6:
        d(ind, "listen", "[::]:80", *pp)
    out.blank()
    d(ind, "server_name", s.server_name)
    if c.plus:
        d(ind, "status_zone", s.status_zone)
    out.blank()
    d(ind, "set", "$resource_type", '"virtualserver"')
    d(ind, "set", "$resource_name", f'"{s.vs_name}"')
    d(ind, "set", "$resource_namespace", f'"{s.vs_namespace}"')
    d(ind, "set", "$service", '"-"')
    if s.ssl:
        d(ind, "listen", "443", "ssl", *pp)
        if not s.disable_ipv6:
            d(ind, "listen", "[::]:443", "ssl", *pp)
        if s.ssl.http2:
            d(ind, "http2", "on")
        if s.ssl.reject_handshake:
            d(ind, "ssl_reject_handshake", "on")
        else:
            d(ind, "ssl_certificate", make_secret_path(s.ssl.certificate, c.dynamic_ssl_reload))
            d(ind, "ssl_certificate_key", make_secret_path(s.ssl.certificate_key, c.dynamic_ssl_reload))
    if s.ingress_mtls:
        b.ingress_mtls(out, s.ingress_mtls, ind)
    if s.tls_redirect:
        out.open(ind, "if", f"({s.tls_redirect.based_on}", "=", "'http')")
        d(ind * 2, "return", str(s.tls_redirect.code), "https://$host$request_uri")
        out.close(ind)
    out.blank()
    d(ind, "server_tokens", f'"{s.server_tokens}"')
    for ip in s.set_real_ip_from:
        d(ind, "set_real_ip_from", ip)
    if s.real_ip_header:
        d(ind, "real_ip_header", s.real_ip_header)
    if s.real_ip_recursive:
        d(ind, "real_ip_recursive", "on")
    _policy_blocks(out, c, s, "proxy", "server", ind)
    b.vs_hsts(out, s.policies, ind)
    out.snippets(ind, s.snippets)
    for irl in s.internal_redirect_locations:
        out.open(ind, "location", irl.path)
        d(ind * 2, "rewrite", "^", irl.destination, "last")
        out.close(ind)
    if c.plus:
        for hc in s.health_checks:
            health_check_location(out, hc)
    for e in s.error_page_locations:
        out.open(ind, "location", e.name)
        if e.default_type:
            d(ind * 2, "default_type", f'"{e.default_type}"')
        for h in e.headers:
            d(ind * 2, "add_header", h.name, go_quote(h.value), "always")
        out.comment(f"{ind * 2}# status code is ignored here, using 0")
        d(ind * 2, "return", "0", f'"{e.text}"')
        out.close(ind)
    for r in s.return_locations:
        out.open(ind, "location", r.name)
        d(ind * 2, "default_type", f'"{r.default_type}"')
        for h in r.headers:
            d(ind * 2, "add_header", h.name, go_quote(h.value), "always")
        out.comment(f"{ind * 2}# status code is ignored here, using 0")
        d(ind * 2, "return", "0", f'"{r.text}"')
        out.close(ind)
    for loc in s.locations:
        vs_location(out, loc, c)
    if s.ssl and s.ssl.http2:
        for name, status, message in _GRPC_STATUS_LOCATIONS:
            out.blank()
            out.open(ind, "location", name)
            d(ind * 2, "default_type", "application/grpc")
            d(ind * 2, "add_header", "content-type", "application/grpc")
            d(ind * 2, "add_header", "grpc-status", status)
            d(ind * 2, "add_header", "grpc-message", message)
            d(ind * 2, "return", "204")
            out.close(ind)
    out.close("")


_GRPC_STATUS_LOCATIONS = (
    ("@grpc_deadline_exceeded", "4", "'deadline exceeded'"),
    ("@grpc_permission_denied", "7", "'permission denied'"),
    ("@grpc_resource_exhausted", "8", "'resource exhausted'"),
    ("@grpc_unimplemented", "12", "unimplemented"),
    ("@grpc_internal", "13", "'internal error'"),
    ("@grpc_unavailable", "14", "unavailable"),
    ("@grpc_unauthenticated", "16", "unauthenticated"),
)
"""The named locations answering gRPC errors on an HTTP/2 server: nginx.virtualserver.tmpl L613-667."""

_GRPC_ERROR_PAGES = (
    ("400", "@grpc_internal"),
    ("401", "@grpc_unauthenticated"),
    ("403", "@grpc_permission_denied"),
    ("404", "@grpc_unimplemented"),
    ("429", "@grpc_unavailable"),
    ("502", "@grpc_unavailable"),
    ("503", "@grpc_unavailable"),
    ("504", "@grpc_unavailable"),
    ("405", "@grpc_internal"),
    ("408", "@grpc_deadline_exceeded"),
    ("413", "@grpc_resource_exhausted"),
    ("414", "@grpc_resource_exhausted"),
    ("415", "@grpc_internal"),
    ("426", "@grpc_internal"),
    ("495", "@grpc_unauthenticated"),
    ("496", "@grpc_unauthenticated"),
    ("497", "@grpc_internal"),
    ("500", "@grpc_internal"),
    ("501", "@grpc_internal"),
)
"""A gRPC location's error pages, in NIC's order: nginx.virtualserver.tmpl L388-408."""


def _policy_blocks(
    out: Lines, c: v2.VirtualServerConfig, at: v2.Server | v2.Location, prefix: str, scope: Scope, ind: str
) -> None:
    """The policy blocks NIC's VS template writes alike in a server and in a location: the 500-out, access
    control, rate limits, JWT (Plus), basic auth, then egressMTLS (``prefix`` ``proxy`` or ``grpc``)."""
    if at.policies_error_return is not None:
        b.policy_error_return(out, at.policies, scope, ind)
    b.access_control(out, at.policies, ind)
    b.limit_req(out, at.policies, ind)
    if c.plus:
        b.jwt_auth(out, at.policies, ind)
    b.basic_auth(out, at.policies, ind)
    if at.egress_mtls:
        b.egress_mtls(out, at.egress_mtls, prefix, scope, c.dynamic_ssl_reload, ind)


def health_check_location(out: Lines, hc: v2.HealthCheck) -> None:
    """A Plus ``location @hc-<upstream>``: nginx-plus.virtualserver.tmpl L440-486."""
    ind = "    "
    hp = "grpc" if hc.grpc_pass else "proxy"
    out.open(ind, "location", f"@hc-{hc.name}")
    for h in hc.headers:
        out.d(ind * 2, f"{hp}_set_header", h.name, go_quote(h.value))
    out.d(ind * 2, f"{hp}_connect_timeout", hc.proxy_connect_timeout)
    out.d(ind * 2, f"{hp}_read_timeout", hc.proxy_read_timeout)
    out.d(ind * 2, f"{hp}_send_timeout", hc.proxy_send_timeout)
    if hc.grpc_pass:
        out.d(ind * 2, "grpc_pass", hc.grpc_pass)
    else:
        out.d(ind * 2, "proxy_pass", hc.proxy_pass)
    directive = hc.directive
    name, *args = directive.removesuffix(";").split()
    out.add(f"{ind * 2}{directive}", (Stmt(name, tuple(args), "simple"),))
    out.close(ind)


def _error_page(e: v2.ErrorPage) -> tuple[str, ...]:
    """An ``error_page`` line's pieces: ``=`` for a negative response code, ``=<code>`` for a positive one."""
    if e.response_code < 0:
        return (e.codes, "=", f'"{e.name}"')
    if e.response_code > 0:
        return (e.codes, f"={e.response_code}", f'"{e.name}"')
    return (e.codes, f'"{e.name}"')


def vs_location(out: Lines, loc: v2.Location, c: v2.VirtualServerConfig) -> None:
    """One location, after a blank line: nginx.virtualserver.tmpl L297-562, nginx-plus L502-812."""
    d = out.d
    i2 = "        "
    p = "grpc" if loc.grpc_pass else "proxy"
    out.blank()
    out.open("    ", "location", loc.path)
    d(i2, "set", "$service", f'"{loc.service_name}"')
    if c.plus:
        d(i2, "status_zone", f'"{loc.service_name}"')
    if loc.is_vsr:
        d(i2, "set", "$resource_type", '"virtualserverroute"')
        d(i2, "set", "$resource_name", f'"{loc.vsr_name}"')
        d(i2, "set", "$resource_namespace", f'"{loc.vsr_namespace}"')
    if loc.internal:
        d(i2, "internal")
    if loc.add_header_inherit:
        d(i2, "add_header_inherit", loc.add_header_inherit)
    out.snippets(i2, loc.snippets)
    _policy_blocks(out, c, loc, p, "location", i2)
    if loc.grpc_pass:
        for code, target in _GRPC_ERROR_PAGES:
            d(i2, "error_page", code, "=", target)
    for e in loc.error_pages:
        d(i2, "error_page", *_error_page(e))
    if loc.proxy_intercept_errors:
        d(i2, f"{p}_intercept_errors", "on")
    if loc.internal_proxy_pass:
        d(i2, "proxy_pass", loc.internal_proxy_pass)
    d(i2, "set", "$default_connection_header", '""' if loc.has_keepalive else "close")
    if loc.proxy_pass or loc.grpc_pass:
        for r in loc.rewrites:
            d(i2, "rewrite", r)
        d(i2, f"{p}_connect_timeout", loc.proxy_connect_timeout)
        d(i2, f"{p}_read_timeout", loc.proxy_read_timeout)
        d(i2, f"{p}_send_timeout", loc.proxy_send_timeout)
        d(i2, "client_max_body_size", loc.client_max_body_size)
        if loc.client_body_buffer_size:
            d(i2, "client_body_buffer_size", loc.client_body_buffer_size)
        if loc.proxy_max_temp_file_size:
            d(i2, "proxy_max_temp_file_size", loc.proxy_max_temp_file_size)
        d(i2, "proxy_buffering", "on" if loc.proxy_buffering else "off")
        if not loc.grpc_pass:
            if loc.proxy_buffers:
                d(i2, "proxy_buffers", loc.proxy_buffers)
            if loc.proxy_buffer_size:
                d(i2, "proxy_buffer_size", loc.proxy_buffer_size)
            if loc.proxy_busy_buffers_size:
                d(i2, "proxy_busy_buffers_size", loc.proxy_busy_buffers_size)
        elif loc.proxy_buffer_size:
            d(i2, "grpc_buffer_size", loc.proxy_buffer_size)
        if not loc.grpc_pass:
            d(i2, "proxy_http_version", "1.1")
            d(i2, "proxy_set_header", "Upgrade", "$http_upgrade")
            d(i2, "proxy_set_header", "Connection", "$vs_connection_header")
            d(i2, "proxy_pass_request_headers", "on" if loc.proxy_pass_request_headers else "off")
        custom = loc.custom_header_names
        if "x-real-ip" not in custom:
            d(i2, f"{p}_set_header", "X-Real-IP", "$remote_addr")
        if not loc.disable_forwarded_headers:
            if "x-forwarded-for" not in custom:
                d(i2, f"{p}_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for")
            if "x-forwarded-host" not in custom:
                d(i2, f"{p}_set_header", "X-Forwarded-Host", "$host")
            if "x-forwarded-port" not in custom:
                d(i2, f"{p}_set_header", "X-Forwarded-Port", "$server_port")
            if "x-forwarded-proto" not in custom:
                proto = c.server.tls_redirect.based_on if c.server.tls_redirect else "$scheme"
                d(i2, f"{p}_set_header", "X-Forwarded-Proto", proto)
        for h in loc.proxy_set_headers:
            d(i2, f"{p}_set_header", h.name, go_quote(h.value))
        for name in loc.proxy_hide_headers:
            d(i2, f"{p}_hide_header", name)
        for name in loc.proxy_pass_headers:
            d(i2, f"{p}_pass_header", name)
        if loc.proxy_ignore_headers:
            d(i2, f"{p}_ignore_headers", loc.proxy_ignore_headers)
        for ah in loc.add_headers:
            b.add_header_line(out, i2, ah)
        if loc.cors_enabled:
            b.cors_preflight(out, loc.add_headers, i2)
        if loc.grpc_pass:
            d(i2, "grpc_pass", loc.grpc_pass)
        else:
            d(i2, "proxy_pass", f"{loc.proxy_pass}{loc.proxy_pass_rewrite}")
        d(i2, f"{p}_next_upstream", loc.proxy_next_upstream)
        d(i2, f"{p}_next_upstream_timeout", loc.proxy_next_upstream_timeout)
        d(i2, f"{p}_next_upstream_tries", str(loc.proxy_next_upstream_tries))
    out.close("    ")

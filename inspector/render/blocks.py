"""Blocks shared by the Ingress and VirtualServer builders: one function per NIC template block.

Each function names the NIC template lines it mirrors (``internal/configs/version1/nginx(-plus).ingress.tmpl``,
``version2/nginx(-plus).virtualserver.tmpl``) and appends that block's lines to a ``Lines`` buffer, in NIC's
order, with NIC's whitespace. Values are printed raw, as NIC prints them (``ciphers``/``protocols``/``crlFileName``
pass through NIC unvalidated; the checks flag them).
"""

from __future__ import annotations

from collections.abc import Sequence

from inspector.nic.config import IngressNginxConfig, Location, Server, Upstream
from inspector.nic.parsing import go_quote
from inspector.nic.secrets import make_secret_path
from inspector.nic.types import AddHeader, EgressMTLSCfg, IngressMTLSCfg, PoliciesCfg, Scope
from inspector.render.records import CLOSE, Lines, Stmt, provenance, words


def fatal_key(policies: PoliciesCfg | None) -> str:
    """Key of the reference that caused a context's 500-out, for the ``return 500;`` line's provenance."""
    if policies is None:
        return ""
    return next((o.source.key for o in policies.outcomes if o.fatal), "")


def ingress_mtls(out: Lines, cfg: IngressMTLSCfg, indent: str = "\t") -> None:
    """ingressMTLS at server scope: nginx.ingress.tmpl L73-80, nginx-plus.ingress.tmpl L74-81,
    nginx.virtualserver.tmpl L90-97."""
    src = provenance(cfg.source, "ingressMTLS", "server")
    out.d(indent, "ssl_client_certificate", cfg.client_cert, source=src)
    if cfg.client_crl:
        out.d(indent, "ssl_crl", cfg.client_crl, source=src)
    out.d(indent, "ssl_verify_client", cfg.verify_client, source=src)
    out.d(indent, "ssl_verify_depth", str(cfg.verify_depth), source=src)


def egress_mtls(
    out: Lines,
    cfg: EgressMTLSCfg,
    prefix: str = "proxy",
    scope: Scope = "server",
    dynamic_reload: bool = True,
    indent: str = "\t",
) -> None:
    """egressMTLS, server scope (prefix ``proxy`` always) or location scope (``grpc`` on gRPC locations):
    nginx.ingress.tmpl L126-141 (server) and L282-298 (location); nginx.virtualserver.tmpl L217-233, L369-386.
    Certificate/key go through makeSecretPath; the trusted CA keeps the literal /etc/nginx/secrets path."""
    src = provenance(cfg.source, "egressMTLS", scope)
    d = out.d
    if cfg.certificate:
        d(indent, f"{prefix}_ssl_certificate", make_secret_path(cfg.certificate, dynamic_reload), source=src)
        d(indent, f"{prefix}_ssl_certificate_key", make_secret_path(cfg.certificate_key, dynamic_reload), source=src)
    if cfg.trusted_cert:
        d(indent, f"{prefix}_ssl_trusted_certificate", cfg.trusted_cert, source=src)
    d(indent, f"{prefix}_ssl_verify", "on" if cfg.verify_server else "off", source=src)
    d(indent, f"{prefix}_ssl_verify_depth", str(cfg.verify_depth), source=src)
    d(indent, f"{prefix}_ssl_protocols", cfg.protocols, source=src)
    d(indent, f"{prefix}_ssl_ciphers", cfg.ciphers, source=src)
    d(indent, f"{prefix}_ssl_session_reuse", "on" if cfg.session_reuse else "off", source=src)
    d(indent, f"{prefix}_ssl_server_name", "on" if cfg.server_name else "off", source=src)
    d(indent, f"{prefix}_ssl_name", cfg.ssl_name, source=src)


def policy_error_return(out: Lines, policies: PoliciesCfg | None, scope: Scope, indent: str = "\t") -> None:
    """The policy 500-out, PoliciesErrorReturn: nginx.ingress.tmpl L103-105 (server), L248-250 (location);
    nginx.virtualserver.tmpl L316-318. Its provenance is the key of the fatal reference."""
    out.d(indent, "return", "500", source=provenance(None, "return500", scope, fatal_key(policies)))


def ingress_upstream(out: Lines, u: Upstream, plus: bool, keepalive: str) -> None:
    """version1 upstream block: nginx.ingress.tmpl L3-21 (OSS), nginx-plus.ingress.tmpl L3-22 (Plus)."""
    out.open("", "upstream", u.name)
    if plus:
        out.d("\t", "zone", u.name, u.zone_size if u.zone_size != "0" else "512k")
    elif u.zone_size != "0":
        out.d("\t", "zone", u.name, u.zone_size)
    if u.lb_method:
        _raw(out, "\t", u.lb_method)
    for s in u.servers:
        out.d(
            "\t", "server", s.address, f"max_fails={s.max_fails}", f"fail_timeout={s.fail_timeout}",
            f"max_conns={s.max_conns}",
        )
    if plus:
        if u.sticky_cookie:
            out.d("\t", "sticky", "cookie", u.sticky_cookie)
        if keepalive:
            out.d("\t", "keepalive", keepalive)
    else:
        if keepalive:
            out.d("\t", "keepalive", keepalive)
        if u.sticky_cookie:
            out.d("\t", "sticky", "cookie", u.sticky_cookie)
    out.close("")


def _raw(out: Lines, indent: str, value: str) -> None:
    """``indent value;`` where the whole directive is a value (an upstream's ``lb_method``)."""
    name, *args = value.split() or [""]
    out.add(f"{indent}{value};", (Stmt(name, tuple(args), "simple"),))


def ingress_listen_tls(out: Lines, server: Server, dynamic_reload: bool) -> None:
    """Listen and TLS lines of an Ingress server: nginx.ingress.tmpl L38-71 (the same in Plus). Each port's IPv4
    and IPv6 listen share one line, as NIC writes them."""
    ds = " default_server" if server.is_default_server else ""
    pp = " proxy_protocol" if server.proxy_protocol else ""
    flags = words(ds, pp)
    if not server.grpc_only:
        for port in server.ports:
            out.add(
                f"\tlisten {port}{ds}{pp};listen [::]:{port}{ds}{pp};",
                (Stmt("listen", (str(port), *flags), "simple"), Stmt("listen", (f"[::]:{port}", *flags), "simple")),
            )
    if server.ssl:
        for port in server.ssl_ports:
            out.add(
                f"\tlisten {port} ssl{ds}{pp};listen [::]:{port} ssl{ds}{pp};",
                (
                    Stmt("listen", (str(port), "ssl", *flags), "simple"),
                    Stmt("listen", (f"[::]:{port}", "ssl", *flags), "simple"),
                ),
            )
        if server.http2:
            out.d("\t", "http2", "on")
        if server.ssl_reject_handshake:
            out.d("\t", "ssl_reject_handshake", "on")
        else:
            out.d("\t", "ssl_certificate", make_secret_path(server.ssl_certificate, dynamic_reload))
            out.d("\t", "ssl_certificate_key", make_secret_path(server.ssl_certificate_key, dynamic_reload))
            if server.ssl_ciphers:
                out.d("\t", "ssl_ciphers", server.ssl_ciphers)
            if server.ssl_prefer_server_ciphers:
                out.d("\t", "ssl_prefer_server_ciphers", "on")


GRPC_ERROR_CODES = (400, 401, 403, 404, 405, 408, 414, 426, 500, 501, 502, 503, 504)


def grpc_error_pages(out: Lines, indent: str = "\t\t") -> None:
    """The 13 gRPC error_page lines: nginx.ingress.tmpl L301-313, L473-485."""
    for code in GRPC_ERROR_CODES:
        out.d(indent, "error_page", str(code), f"@grpcerror{code}")


def grpc_error_locations(out: Lines) -> None:
    """The ``@grpcerrorNNN`` named locations, one line each: nginx.ingress.tmpl L488-500."""
    for code in GRPC_ERROR_CODES:
        out.add(
            f'\tlocation @grpcerror{code} {{ default_type application/grpc; return {code} "\\n"; }}',
            (
                Stmt("location", (f"@grpcerror{code}",), "open"),
                Stmt("default_type", ("application/grpc",), "simple"),
                Stmt("return", (str(code), '"\\n"'), "simple"),
                CLOSE,
            ),
        )


def add_header_line(out: Lines, indent: str, h: AddHeader) -> None:
    """``add_header name "value" always;`` or, not always, with the space NIC leaves before ``;``."""
    value = go_quote(h.value)
    if h.always:
        out.d(indent, "add_header", h.name, value, "always")
    else:
        out.add(f"{indent}add_header {h.name} {value} ;", (Stmt("add_header", (*words(h.name), value), "simple"),))


def ingress_location(out: Lines, loc: Location, server: Server, cfg: IngressNginxConfig) -> None:
    """One Ingress location: nginx.ingress.tmpl L237-458 (OSS), nginx-plus.ingress.tmpl L312-567 (Plus)."""
    d = out.d
    prefix = "grpc" if loc.grpc else "proxy"
    out.open("\t", "location", loc.location_path)
    d("\t\t", "set", "$service", f'"{loc.service_name}"')
    if cfg.plus:
        d("\t\t", "status_zone", f'"{loc.service_name}"')
    if loc.minion:
        out.comment(f"\t\t# location for minion {loc.minion.namespace}/{loc.minion.name}")
        d("\t\t", "set", "$resource_name", f'"{loc.minion.name}"')
        d("\t\t", "set", "$resource_namespace", f'"{loc.minion.namespace}"')
    if loc.policies_error_return:
        policy_error_return(out, loc.policies, "location", "\t\t")
    access_control(out, loc.policies, "\t\t")
    if loc.add_header_inherit:
        d("\t\t", "add_header_inherit", loc.add_header_inherit)
    if loc.rewrite_target:
        d("\t\t", "rewrite", loc.rewrite_pattern, loc.rewrite_target, "break")
    if loc.egress_mtls:
        egress_mtls(out, loc.egress_mtls, prefix, "location", cfg.dynamic_ssl_reload, "\t\t")
    if loc.grpc:
        if not server.grpc_only:
            grpc_error_pages(out)
        out.snippets("\t\t", loc.location_snippets)
        d("\t\t", "grpc_connect_timeout", loc.proxy_connect_timeout)
        d("\t\t", "grpc_read_timeout", loc.proxy_read_timeout)
        d("\t\t", "grpc_send_timeout", loc.proxy_send_timeout)
        d("\t\t", "grpc_set_header", "Host", "$host")
        d("\t\t", "grpc_set_header", "X-Real-IP", "$remote_addr")
        if not loc.disable_forwarded_headers:
            d("\t\t", "grpc_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for")
            d("\t\t", "grpc_set_header", "X-Forwarded-Host", "$host")
            d("\t\t", "grpc_set_header", "X-Forwarded-Port", "$server_port")
            proto = "https" if server.redirect_to_https and not cfg.plus else "$scheme"
            d("\t\t", "grpc_set_header", "X-Forwarded-Proto", proto)
        if loc.proxy_buffer_size:
            d("\t\t", "grpc_buffer_size", loc.proxy_buffer_size)
        scheme = "grpcs" if loc.ssl else "grpc"
        d("\t\t", "grpc_pass", f"{scheme}://{loc.upstream}{'' if cfg.plus else loc.rewrite}")
    else:
        d("\t\t", "proxy_http_version", "1.1")
        if loc.websocket:
            d("\t\t", "proxy_set_header", "Upgrade", "$http_upgrade")
            d("\t\t", "proxy_set_header", "Connection", "$connection_upgrade")
        elif cfg.keepalive:
            d("\t\t", "proxy_set_header", "Connection", '""')
        out.snippets("\t\t", loc.location_snippets)
        d("\t\t", "proxy_connect_timeout", loc.proxy_connect_timeout)
        d("\t\t", "proxy_read_timeout", loc.proxy_read_timeout)
        d("\t\t", "proxy_send_timeout", loc.proxy_send_timeout)
        d("\t\t", "client_max_body_size", loc.client_max_body_size)
        if loc.client_body_buffer_size:
            d("\t\t", "client_body_buffer_size", loc.client_body_buffer_size)
        for h in loc.proxy_set_headers:
            d("\t\t", "proxy_set_header", h.name, go_quote(h.value))
        d("\t\t", "proxy_set_header", "Host", "$host")
        d("\t\t", "proxy_set_header", "X-Real-IP", "$remote_addr")
        if not loc.disable_forwarded_headers:
            d("\t\t", "proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for")
            d("\t\t", "proxy_set_header", "X-Forwarded-Host", "$host")
            d("\t\t", "proxy_set_header", "X-Forwarded-Port", "$server_port")
            d("\t\t", "proxy_set_header", "X-Forwarded-Proto", "https" if server.redirect_to_https else "$scheme")
        d("\t\t", "proxy_buffering", "on" if loc.proxy_buffering else "off")
        if loc.proxy_buffers:
            d("\t\t", "proxy_buffers", loc.proxy_buffers)
        if loc.proxy_buffer_size:
            d("\t\t", "proxy_buffer_size", loc.proxy_buffer_size)
        if loc.proxy_busy_buffers_size:
            d("\t\t", "proxy_busy_buffers_size", loc.proxy_busy_buffers_size)
        if loc.proxy_max_temp_file_size:
            d("\t\t", "proxy_max_temp_file_size", loc.proxy_max_temp_file_size)
        if loc.proxy_next_upstream:
            d("\t\t", "proxy_next_upstream", loc.proxy_next_upstream)
        if loc.proxy_next_upstream_timeout:
            d("\t\t", "proxy_next_upstream_timeout", loc.proxy_next_upstream_timeout)
        if loc.proxy_next_upstream_tries:
            d("\t\t", "proxy_next_upstream_tries", str(loc.proxy_next_upstream_tries))
        d("\t\t", "proxy_pass", f"{loc.proxy_pass}{loc.rewrite}")
        if loc.proxy_redirect_from:
            if loc.proxy_redirect_from in ("off", "default"):
                d("\t\t", "proxy_redirect", loc.proxy_redirect_from)
            else:
                d("\t\t", "proxy_redirect", loc.proxy_redirect_from, loc.proxy_redirect_to)
    for ah in loc.add_headers:
        add_header_line(out, "\t\t", ah)
    if loc.cors_enabled:
        cors_preflight(out, loc.add_headers, "\t\t")
    out.close("\t")


def cors_preflight(out: Lines, headers: Sequence[AddHeader], indent: str) -> None:
    """The CORS preflight block after a location's add_header lines (policy.go :: addCORSConfig):
    nginx.ingress.tmpl L439-450, nginx.virtualserver.tmpl L550-560."""
    out.comment(f"{indent}# CORS configuration per enable-cors.org")
    out.comment(f"{indent}# Handle CORS preflight OPTIONS requests")
    out.open(indent, "if", "($request_method", "=", "'OPTIONS')")
    inner = indent + "    "
    for h in headers:
        out.d(inner, "add_header", h.name, go_quote(h.value))
    out.d(inner, "add_header", "Content-Type", "text/plain")
    out.d(inner, "add_header", "Content-Length", "0")
    out.d(inner, "return", "204")
    out.close(indent)


def access_control(out: Lines, pc: PoliciesCfg | None, indent: str = "\t") -> None:
    """accessControl (policy.go :: addAccessControlConfig): an allow list closed by ``deny all``, a deny list
    closed by ``allow all``, both printed when both are set. nginx.ingress.tmpl L82-94 (server), L263-275
    (location); nginx-plus.ingress.tmpl L83-95 / L341-353; nginx.virtualserver.tmpl L163-175 (server), L320-332
    (location); nginx-plus.virtualserver.tmpl L263-275 / L539-551."""
    if pc is None:
        return
    for a in pc.allow:
        out.d(indent, "allow", a)
    if pc.allow:
        out.d(indent, "deny", "all")
    for x in pc.deny:
        out.d(indent, "deny", x)
    if pc.deny:
        out.d(indent, "allow", "all")


def limit_req(out: Lines, pc: PoliciesCfg | None, indent: str = "    ") -> None:
    """rateLimit options and limit_req lines (policy.go :: addRateLimitConfig, generateLimitReq):
    nginx.virtualserver.tmpl L177-193 (server), L334-350 (location); the options come from the first policy."""
    if pc is None:
        return
    o = pc.limit_req_options
    if o is not None:
        if o.dry_run:
            out.d(indent, "limit_req_dry_run", "on")
        if o.log_level:
            out.d(indent, "limit_req_log_level", o.log_level)
        if o.reject_code:
            out.d(indent, "limit_req_status", str(o.reject_code))
    for r in pc.limit_reqs:
        pieces = [f"zone={r.zone_name}"]
        if r.burst:
            pieces.append(f"burst={r.burst}")
        if r.delay:
            pieces.append(f"delay={r.delay}")
        if r.no_delay:
            pieces.append("nodelay")
        out.d(indent, "limit_req", *pieces)


def jwt_auth(out: Lines, pc: PoliciesCfg | None, indent: str = "    ") -> None:
    """JWT (Plus only): nginx-plus.virtualserver.tmpl L294-301 (server), L570-577 (location). The JWKS fetch
    location (``/_jwks_uri_server_<key>``) is not modelled."""
    if pc is None or pc.jwt_auth is None:
        return
    j = pc.jwt_auth
    if j.token:
        out.d(indent, "auth_jwt", f'"{j.realm}"', f"token={j.token}")
    else:
        out.d(indent, "auth_jwt", f'"{j.realm}"')
    if j.secret:
        out.d(indent, "auth_jwt_key_file", j.secret)
    if j.jwks_host:
        if j.key_cache:
            out.d(indent, "auth_jwt_key_cache", j.key_cache)
        out.d(indent, "auth_jwt_key_request", f"/_jwks_uri_server_{j.key}")


def basic_auth(out: Lines, pc: PoliciesCfg | None, indent: str = "    ") -> None:
    """basicAuth (policy.go :: addBasicAuthConfig): the realm Go-quoted (printf "%q"), NIC's htpasswd file path.
    nginx.virtualserver.tmpl L202-205 (server), L352-355 (location); nginx-plus L342-345 / L579-582."""
    if pc is None or pc.basic_auth is None:
        return
    out.d(indent, "auth_basic", go_quote(pc.basic_auth.realm))
    out.d(indent, "auth_basic_user_file", pc.basic_auth.secret)


def vs_hsts(out: Lines, pc: PoliciesCfg | None, indent: str = "    ") -> None:
    """HSTS policy at VS server scope (policy.go :: addHSTSConfig): nginx.virtualserver.tmpl L235-247,
    nginx-plus.virtualserver.tmpl L365-377."""
    if pc is None or pc.hsts is None:
        return
    h = pc.hsts
    out.d(indent, "set", "$hsts_header_val", '""')
    out.d(indent, "proxy_hide_header", "Strict-Transport-Security")
    if h.behind_proxy:
        out.open(indent, "if", "($http_x_forwarded_proto", "=", "'https')")
    else:
        out.open(indent, "if", "($https", "=", "on)")
    value = f"max-age={h.max_age}"
    if h.include_subdomains:
        value += "; includeSubDomains"
    if h.preload:
        value += "; preload"
    out.d(indent + "    ", "set", "$hsts_header_val", f'"{value}"')
    out.close(indent)
    out.d(indent, "add_header", "Strict-Transport-Security", '"$hsts_header_val"', "always")

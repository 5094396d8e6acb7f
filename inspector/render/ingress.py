"""The ``conf.d/<ns>-<name>.conf`` of a standard or mergeable Ingress, from ``IngressNginxConfig``.

Mirrors ``internal/configs/version1/nginx.ingress.tmpl`` (OSS) and ``nginx-plus.ingress.tmpl`` (Plus, ``cfg.plus``):
one function per template block, in the template's order. Maps: the CORS origin maps only; the limit-req
annotations and App Protect are not modelled.
"""

from __future__ import annotations

from inspector.nic.config import IngressNginxConfig, Server
from inspector.nic.parsing import go_quote
from inspector.render import blocks as b
from inspector.render.records import Lines, RenderedFile, rendered_file


def render_ingress(cfg: IngressNginxConfig) -> RenderedFile:
    """The whole file: header comment, upstreams (L3-21), maps (L23-31), a blank line, the servers (L33-503)."""
    out = Lines()
    out.comment(f"# configuration for {cfg.namespace}/{cfg.name}")
    for u in cfg.upstreams:
        b.ingress_upstream(out, u, cfg.plus, cfg.keepalive)
    for mp in cfg.maps:
        out.open("", "map", mp.source, mp.variable)
        for value, result in mp.parameters:
            out.d("\t", value, result)
        out.close("")
    out.blank()
    for server in cfg.servers:
        ingress_server(out, server, cfg)
    return rendered_file(out)


def ingress_server(out: Lines, server: Server, cfg: IngressNginxConfig) -> None:
    """One ``server`` block: nginx.ingress.tmpl L33-503, nginx-plus.ingress.tmpl L34-616."""
    d = out.d
    out.open("", "server")
    b.ingress_listen_tls(out, server, cfg.dynamic_ssl_reload)
    if server.ingress_mtls:
        b.ingress_mtls(out, server.ingress_mtls)
    b.access_control(out, server.policies, "\t\t")
    for ip in server.set_real_ip_from:
        d("\t", "set_real_ip_from", ip)
    if server.real_ip_header:
        d("\t", "real_ip_header", server.real_ip_header)
    if server.real_ip_recursive:
        d("\t", "real_ip_recursive", "on")
    if cfg.plus:
        d("\t", "server_tokens", f'"{server.server_tokens}"')
    else:
        d("\t", "server_tokens", server.server_tokens)
    if server.policies_error_return:
        b.policy_error_return(out, server.policies, "server")
    d("\t", "server_name", server.name)
    if cfg.name:
        if cfg.plus:
            d("\t", "status_zone", server.status_zone)
        d("\t", "set", "$resource_type", '"ingress"')
        d("\t", "set", "$resource_name", f'"{cfg.name}"')
        d("\t", "set", "$resource_namespace", f'"{cfg.namespace}"')
        d("\t", "set", "$service", '"-"')
    if cfg.plus and server.egress_mtls:
        b.egress_mtls(out, server.egress_mtls, "proxy", "server", cfg.dynamic_ssl_reload)
    if not (cfg.plus and server.grpc_only):
        for h in server.proxy_hide_headers:
            d("\t", "proxy_hide_header", h)
        for h in server.proxy_pass_headers:
            d("\t", "proxy_pass_header", h)
        for ah in server.add_headers:
            if ah.always:
                d("\t", "add_header", ah.name, go_quote(ah.value), "always")
            else:
                d("\t", "add_header", ah.name, go_quote(ah.value))
    if server.add_header_inherit:
        d("\t", "add_header_inherit", server.add_header_inherit)
    if not cfg.plus and server.egress_mtls:
        b.egress_mtls(out, server.egress_mtls, "proxy", "server", cfg.dynamic_ssl_reload)
    if server.hsts and (server.ssl or server.hsts_behind_proxy):
        d("\t", "set", "$hsts_header_val", '""')
        d("\t", "proxy_hide_header", "Strict-Transport-Security")
        if server.hsts_behind_proxy:
            out.open("\t", "if", "($http_x_forwarded_proto", "=", "'https')")
        else:
            out.open("\t", "if", "($https", "=", "on)")
        sub = "includeSubDomains; " if server.hsts_include_subdomains else ""
        d("\t\t", "set", "$hsts_header_val", f'"max-age={server.hsts_max_age}; {sub}preload"')
        out.close("\t")
        d("\t", "add_header", "Strict-Transport-Security", '"$hsts_header_val"', "always")
    if server.ssl and not server.grpc_only and server.ssl_redirect:
        out.open("\t", "if", "($scheme", "=", "http)")
        d("\t\t", "return", str(server.http_redirect_code), f"https://$host:{server.ssl_ports[0]}$request_uri")
        out.close("\t")
    if server.redirect_to_https:
        out.open("\t", "if", "($http_x_forwarded_proto", "=", "'http')")
        d("\t\t", "return", str(server.http_redirect_code), "https://$host$request_uri")
        out.close("\t")
    out.snippets("\t", server.server_snippets)
    if server.app_root:
        out.open("\t", "if", "($uri", "=", "/)")
        d("\t\t", "return", "302", f"$scheme://$http_host{server.app_root}")
        out.close("\t")
    if server.proxy_redirect_from == "off":
        d("\t", "proxy_redirect", "off")
    elif server.proxy_redirect_from and server.proxy_redirect_from != "default":
        d("\t", "proxy_redirect", server.proxy_redirect_from, server.proxy_redirect_to)
    for loc in server.locations:
        b.ingress_location(out, loc, server, cfg)
    if server.default_server_return:
        out.open("\t", "location", "/")
        d("\t\t", "return", server.default_server_return)
        out.close("\t")
    if server.grpc_only:
        b.grpc_error_pages(out, "\t")
    if server.has_grpc_locations:
        b.grpc_error_locations(out)
    out.close("")

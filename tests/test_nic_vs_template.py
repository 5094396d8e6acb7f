"""The VirtualServer template alone, fed a hand-built version2 model as NIC's ``version2/templates_test.go`` does.

The expected lines are those of NIC's ``version2/__snapshots__/templates_test.snap`` for the mTLS parts of
``virtualServerCfg`` (ingressMTLS with ``ingress-mtls-secret``, location egressMTLS with ``egress-mtls-secret.pem``
and ``trusted-cert.pem``, TLSv1.3, empty SSLName), plus the 500-out and gRPC prefix the template decides.
"""

from __future__ import annotations

from dataclasses import replace

from inspector.model import ObjectRef
from inspector.nic import version2 as v2
from inspector.nic.types import EgressMTLSCfg, Header, IngressMTLSCfg, PolicySource
from inspector.render import LineSource, rendered_servers
from inspector.render.virtualserver import render_virtual_server as render_records

VS = ObjectRef("VirtualServer", "default", "cafe")
SRC = PolicySource(key="default/p", owner=VS, field="spec.policies[0]", context="spec")


def render_virtual_server(config: v2.VirtualServerConfig) -> tuple[str, tuple[LineSource, ...]]:
    """The file's text and its policy lines' provenance, from the renderer's records."""
    rendered = render_records(config)
    return rendered.text, rendered.provenance


def config(**server: object) -> v2.VirtualServerConfig:
    egress = EgressMTLSCfg(
        certificate="egress-mtls-secret.pem",
        certificate_key="egress-mtls-secret.pem",
        trusted_cert="trusted-cert.pem",
        verify_server=True,
        verify_depth=1,
        protocols="TLSv1.3",
        ciphers="DEFAULT",
        session_reuse=True,
        server_name=True,
        ssl_name="",
        source=replace(SRC, context="route", field="spec.routes[0].policies[0]"),
    )
    loc = v2.Location(
        path="/",
        resource=VS,
        proxy_pass="http://test-upstream",
        egress_mtls=egress,
        proxy_connect_timeout="30s",
        proxy_read_timeout="31s",
        proxy_send_timeout="32s",
        client_max_body_size="1m",
        proxy_next_upstream="error timeout",
        proxy_next_upstream_timeout="5s",
        proxy_set_headers=(Header("Host", "$host"),),
    )
    base: dict[str, object] = {
        "server_name": "example.com",
        "vs_name": "cafe",
        "vs_namespace": "default",
        "server_tokens": "off",
        "ssl": v2.SSL(
            http2=False, certificate="cafe-secret.pem", certificate_key="cafe-secret.pem", reject_handshake=False
        ),
        "ingress_mtls": IngressMTLSCfg(
            client_cert="ingress-mtls-secret", client_crl="", verify_client="on", verify_depth=2, source=SRC
        ),
        "tls_redirect": v2.TLSRedirect(code=301, based_on="$scheme"),
        "locations": (loc,),
    }
    base.update(server)
    return v2.VirtualServerConfig(server=v2.Server(**base))  # type: ignore[arg-type]


def test_mtls_lines_match_nic_snapshot() -> None:
    text, provenance = render_virtual_server(config())
    (server,) = rendered_servers(text)
    d = server.directives
    i = d.index("ssl_certificate cafe-secret.pem")
    assert d[i : i + 6] == (
        "ssl_certificate cafe-secret.pem",
        "ssl_certificate_key cafe-secret.pem",
        "ssl_client_certificate ingress-mtls-secret",
        "ssl_verify_client on",
        "ssl_verify_depth 2",
        "if ($scheme = 'http') { return 301 https://$host$request_uri; }",
    )
    loc = server.locations[0].directives
    assert loc[1:11] == (
        "proxy_ssl_certificate egress-mtls-secret.pem",
        "proxy_ssl_certificate_key egress-mtls-secret.pem",
        "proxy_ssl_trusted_certificate trusted-cert.pem",
        "proxy_ssl_verify on",
        "proxy_ssl_verify_depth 1",
        "proxy_ssl_protocols TLSv1.3",
        "proxy_ssl_ciphers DEFAULT",
        "proxy_ssl_session_reuse on",
        "proxy_ssl_server_name on",
        "proxy_ssl_name",
    )
    kinds = {(p.kind, p.scope, p.policy) for p in provenance}
    assert kinds == {("ingressMTLS", "server", "default/p"), ("egressMTLS", "location", "default/p")}


def test_egress_block_takes_grpc_prefix_only_on_grpc_locations() -> None:
    cfg = config()
    loc = replace(cfg.server.locations[0], grpc_pass="grpcs://test-upstream", proxy_pass="")
    text, _ = render_virtual_server(replace(cfg, server=replace(cfg.server, locations=(loc,))))
    (server,) = rendered_servers(text)
    directives = server.locations[0].directives
    assert directives[1] == "grpc_ssl_certificate egress-mtls-secret.pem"
    assert not any(x.startswith("proxy_ssl_") for x in directives)
    assert directives[-4] == "grpc_pass grpcs://test-upstream"


def test_server_egress_is_always_proxy_prefixed_and_follows_the_500() -> None:
    cfg = config()
    egress = cfg.server.locations[0].egress_mtls
    assert egress is not None
    text, _ = render_virtual_server(
        replace(cfg, server=replace(cfg.server, egress_mtls=egress, policies_error_return=500, ingress_mtls=None))
    )
    (server,) = rendered_servers(text)
    d = server.directives
    assert d[d.index('server_tokens "off"') + 1] == "return 500"
    assert d[d.index("return 500") + 1] == "proxy_ssl_certificate egress-mtls-secret.pem"


def test_static_secret_path_rewriting() -> None:
    """makeSecretPath: the first /etc/nginx/secrets becomes $secret_dir_path, only for certificate/key lines."""
    cfg = config(
        ssl=v2.SSL(False, "/etc/nginx/secrets/default-tls", "/etc/nginx/secrets/default-tls", False),
        ingress_mtls=IngressMTLSCfg("/etc/nginx/secrets/default-ca-ca.crt", "", "optional", 1, SRC),
    )
    text, _ = render_virtual_server(cfg)
    assert "ssl_certificate $secret_dir_path/default-tls;" in text
    assert "ssl_client_certificate /etc/nginx/secrets/default-ca-ca.crt;" in text
    text, _ = render_virtual_server(replace(cfg, dynamic_ssl_reload=False))
    assert "ssl_certificate /etc/nginx/secrets/default-tls;" in text

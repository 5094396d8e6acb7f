"""Rendering: the Ingress template against NIC's own template snapshots, the tokenizer/parser, provenance.

``../shared/nic-snapshots/`` (beside the checkout, not in it) holds outputs of NIC's Go templates from
``internal/configs/version1/__snapshots__/template_test.snap`` (NIC 5.6); each test rebuilds the same
``IngressNginxConfig`` the Go test uses (``version1/template_test.go``) and compares server and location
directives after parsing both texts. ``tests/golden/*.conf`` are this project's own rendered files.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.model import ObjectRef
from inspector.nic.config import IngressNginxConfig, Location, MinionRef, Server, Upstream, UpstreamServer
from inspector.nic.parsing import go_quote
from inspector.nic.secrets import make_secret_path
from inspector.nic.types import EgressMTLSCfg, IngressMTLSCfg, PolicySource
from inspector.render import ParseError, parse, render_config, rendered_servers, tokenize
from inspector.render.ingress import render_ingress
from tests.shared import NIC_EXAMPLES, NIC_SNAPSHOTS, need
from tests.test_nic_ingress_helpers import ca_secret, read_examples, run, tls_secret

GOLDEN = Path(__file__).parent / "golden"
ING = ObjectRef("Ingress", "default", "cafe-ingress")
SRC = PolicySource("default/p", ING, 'metadata.annotations["nginx.org/policies"]', "spec")


def _go_test_location(**kw: object) -> Location:
    """A ``version1.Location`` as the Go tests write it: unset fields are Go zero values."""
    base: dict[str, object] = {
        "path": "/tea",
        "location_path": "/tea",
        "service_name": "",
        "upstream": "test",
        "proxy_pass": "http://test",
        "proxy_connect_timeout": "",
        "proxy_read_timeout": "",
        "proxy_send_timeout": "",
        "client_max_body_size": "",
        "proxy_buffering": False,
    }
    base.update(kw)
    return Location(**base)  # type: ignore[arg-type]


def _go_test_server(**kw: object) -> Server:
    base: dict[str, object] = {
        "name": "test.example.com",
        "resource": ING,
        "ports": (),
        "ssl_ports": (),
        "server_tokens": "off",
        "status_zone": "test.example.com",
        "ssl_redirect": False,
        "locations": (_go_test_location(),),
    }
    base.update(kw)
    return Server(**base)  # type: ignore[arg-type]


def _cfg(server: Server, plus: bool, name: str = "cafe-ingress") -> IngressNginxConfig:
    ups = Upstream("test", "256k", "", (UpstreamServer("127.0.0.1:8181", 0, "1s", 0),))
    return IngressNginxConfig("default", name, {}, (ups,), (server,), dynamic_ssl_reload=False, plus=plus)


def _compare(cfg: IngressNginxConfig, snapshot: str) -> None:
    ours = rendered_servers(render_ingress(cfg).text)
    theirs = rendered_servers(need(NIC_SNAPSHOTS / snapshot).read_text())
    assert len(ours) == len(theirs) == 1
    assert ours[0].directives == theirs[0].directives
    assert [(loc.path, loc.directives) for loc in ours[0].locations] == [
        (loc.path, loc.directives) for loc in theirs[0].locations
    ]


@pytest.mark.parametrize("plus", [False, True], ids=["oss", "plus"])
def test_ingress_mtls_matches_nic_snapshot(plus: bool) -> None:
    im = IngressMTLSCfg("/etc/nginx/secrets/default-ingress-mtls-ca-secret", "", "on", 2, SRC)
    _compare(_cfg(_go_test_server(ingress_mtls=im), plus), f"ingress_mtls_{'plus' if plus else 'oss'}.conf")


@pytest.mark.parametrize("plus", [False, True], ids=["oss", "plus"])
def test_server_error_return_matches_nic_snapshot(plus: bool) -> None:
    srv = _go_test_server(policies_error_return=True)
    _compare(_cfg(srv, plus), f"error_return_server_{'plus' if plus else 'oss'}.conf")


@pytest.mark.parametrize("plus", [False, True], ids=["oss", "plus"])
def test_location_error_return_matches_nic_snapshot(plus: bool) -> None:
    loc = _go_test_location(
        minion=MinionRef("default", "tea-minion", {"nginx.org/policies": "missing-policy"}),
        policies_error_return=True,
    )
    srv = _go_test_server(locations=(loc,))
    _compare(_cfg(srv, plus), f"error_return_location_{'plus' if plus else 'oss'}.conf")


@pytest.mark.parametrize("plus", [False, True], ids=["oss", "plus"])
def test_grpc_location_egress_matches_nic_snapshot(plus: bool) -> None:
    """``template_test.go :: TestExecuteTemplate_ForIngressWithGRPCEgressMTLSPolicy``: grpc_ prefix at location."""
    egress = EgressMTLSCfg(
        "/etc/nginx/secrets/default-egress-mtls-secret",
        "/etc/nginx/secrets/default-egress-mtls-secret",
        "/etc/nginx/secrets/default-egress-trusted-ca-secret",
        True,
        2,
        "TLSv1.2 TLSv1.3",
        "HIGH:!aNULL:!MD5",
        False,
        True,
        "secure-app.example.com",
        PolicySource("default/e", ING, "x", "minion"),
    )
    loc = _go_test_location(
        path="/",
        location_path="/",
        service_name="secure-app",
        upstream="ups",
        proxy_pass="https://ups",
        ssl=True,
        grpc=True,
        egress_mtls=egress,
    )
    srv = _go_test_server(
        name="example.com",
        status_zone="example.com",
        server_tokens="on",
        ports=(80,),
        ssl_ports=(443,),
        locations=(loc,),
    )
    _compare(_cfg(srv, plus, name="ing"), f"grpc_egress_location_{'plus' if plus else 'oss'}.conf")


# --- this project's golden render of NIC's ingress-mtls example -------------------------------------------------


def test_cafe_example_golden_file() -> None:
    d = NIC_EXAMPLES / "ingress-resources" / "ingress-mtls"
    objs = read_examples(d / "cafe-ingress.yaml", d / "ingress-mtls-policy.yaml")
    result = run(*objs, tls_secret("tls-secret"), ca_secret("ingress-mtls-secret", crl=True))
    (file,) = result.files
    f = render_config(file)
    golden = GOLDEN / "cafe-ingress-mtls.conf"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(f.text)
    assert f.text == golden.read_text()
    # provenance: the four ingressMTLS lines (with the CRL) are attributed to the policy at server scope
    marked = {p.line: p for p in f.provenance}
    lines = f.text.split("\n")
    attributed = [lines[n - 1].strip() for n in sorted(marked)]
    assert attributed == [
        "ssl_client_certificate /etc/nginx/secrets/default-ingress-mtls-secret-ca.crt;",
        "ssl_crl /etc/nginx/secrets/default-ingress-mtls-secret-ca.crl;",
        "ssl_verify_client on;",
        "ssl_verify_depth 1;",
    ]
    assert {(p.kind, p.policy, p.scope, p.owner) for p in f.provenance} == {
        ("ingressMTLS", "default/ingress-mtls-policy", "server", "Ingress/default/cafe-ingress")
    }
    (srv,) = f.servers()
    assert set(srv.line_policies.values()) == {"default/ingress-mtls-policy"}
    assert "#@@" not in f.text


def test_return_500_line_names_the_fatal_policy() -> None:
    d = NIC_EXAMPLES / "ingress-resources" / "ingress-mtls"
    objs = read_examples(d / "cafe-ingress.yaml", d / "ingress-mtls-policy.yaml")
    (file,) = run(*objs, tls_secret("tls-secret")).files  # CA secret missing: W4/W6 and 500-out
    f = render_config(file)
    (src,) = [p for p in f.provenance if p.kind == "return500"]
    assert f.text.split("\n")[src.line - 1].strip() == "return 500;"
    assert src.policy == "default/ingress-mtls-policy" and src.scope == "server"


# --- tokenizer and parser ---------------------------------------------------------------------------------------


def test_tokenizer_keeps_quotes_and_drops_comments() -> None:
    text = 'add_header X "a;b {c}" always; # comment ; {\nreturn 400 "\\n";'
    assert [t.text for t in tokenize(text)] == [
        "add_header",
        "X",
        '"a;b {c}"',
        "always",
        ";",
        "return",
        "400",
        '"\\n"',
        ";",
    ]


def test_parse_nested_blocks_and_joined_directives() -> None:
    text = "server {\n\tlisten 80;listen [::]:80;\n\tif ($scheme = http) {\n\t\treturn 301 x;\n\t}\n}\n"
    (srv,) = parse(text)
    assert srv.name == "server" and srv.line == 1 and srv.end_line == 6
    assert [c.flat() for c in srv.children or ()] == [
        "listen 80",
        "listen [::]:80",
        "if ($scheme = http) { return 301 x; }",
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("server {\n listen 80;\n", 2),
        ("listen 80;\n}\n", 2),
        ('return 200 "open;\n', 1),
        ("server {\n listen 80\n}", 2),
    ],
)
def test_parse_errors_carry_the_line(text: str, line: int) -> None:
    with pytest.raises(ParseError) as err:
        parse(text)
    assert err.value.line == line


def test_rendered_servers_locations_and_named_locations() -> None:
    text = (
        "upstream u { server 127.0.0.1:1; }\nserver {\n server_name a;\n location = /exact { return 200; }\n"
        ' location @grpcerror400 { default_type application/grpc; return 400 "\\n"; }\n}\n'
    )
    (srv,) = rendered_servers(text)
    assert srv.directives == ("server_name a",)
    assert [(loc.path, loc.directives, loc.start_line) for loc in srv.locations] == [
        ("= /exact", ("return 200",), 4),
        ("@grpcerror400", ("default_type application/grpc", 'return 400 "\\n"'), 5),
    ]
    assert srv.text.startswith("server {") and (srv.start_line, srv.end_line) == (2, 6)
    assert rendered_servers("server {") == []


def test_helpers() -> None:
    assert make_secret_path("/etc/nginx/secrets/default-a", True) == "$secret_dir_path/default-a"
    assert make_secret_path("/etc/nginx/secrets/default-a", False) == "/etc/nginx/secrets/default-a"
    assert go_quote('a"b\\c\n') == '"a\\"b\\\\c\\n"'


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab {};#\"'\\\n\t$", "server", "location"]), max_size=60).map("".join))
def test_parser_fails_only_with_parse_error(text: str) -> None:
    try:
        parse(text)
    except ParseError as err:
        assert err.line >= 1
    assert isinstance(rendered_servers(text), list)


def _grpc_cfg(locations: tuple[Location, ...], grpc_only: bool) -> IngressNginxConfig:
    """``template_test.go :: ingressCfgHTTP2OnAnd{GRPCOnly,MixedGRPC}Locations`` (OSS ignores their JWT parts)."""
    srv = _go_test_server(
        ssl=True,
        http2=True,
        grpc_only=grpc_only,
        has_grpc_locations=True,
        ssl_certificate="secret.pem",
        ssl_certificate_key="secret.pem",
        ssl_ports=(443,),
        ssl_redirect=True,
        locations=locations,
    )
    return replace(_cfg(srv, False), keepalive="16")


_TEN = {
    "proxy_connect_timeout": "10s",
    "proxy_read_timeout": "10s",
    "proxy_send_timeout": "10s",
    "client_max_body_size": "2m",
}


def test_grpc_only_server_matches_nic_snapshot() -> None:
    grpc = _go_test_location(path="/grpc", location_path="/grpc", proxy_pass="grpc://test", grpc=True, **_TEN)
    _compare(_grpc_cfg((grpc,), True), "grpc_only_http2_oss.conf")


def test_mixed_grpc_server_matches_nic_snapshot() -> None:
    grpc = _go_test_location(path="/grpc", location_path="/grpc", proxy_pass="grpc://test", grpc=True, **_TEN)
    tea = _go_test_location(minion=MinionRef("default", "tea-minion"), **_TEN)
    _compare(_grpc_cfg((grpc, tea), False), "grpc_mixed_http2_oss.conf")


def test_default_server_matches_nic_snapshot() -> None:
    """``configurator.go :: GenerateDefaultServerConfig`` through the Ingress template (no Ingress name: no sets)."""
    from inspector.nic.config import default_params
    from inspector.nic.ingress import default_server_config

    cfg = default_server_config(replace(default_params(False), server_tokens="off"))
    srv = replace(cfg.servers[0], ssl_reject_handshake=False)  # the Go test has a default certificate
    _compare(replace(cfg, servers=(srv,)), "default_server_oss.conf")
    (ours,) = rendered_servers(render_ingress(default_server_config(default_params(False))).text)
    assert "ssl_reject_handshake on" in ours.directives  # no -default-server-tls-secret: NIC rejects

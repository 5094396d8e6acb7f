"""Ingress config generation, ported from NIC's own cases (``internal/configs/ingress_test.go``) and examples.

Each test builds manifests as model objects (real certificates), runs the replica and reads the rendered
server blocks the way the JSON report does (directives without ``;``, single-spaced).
"""

from __future__ import annotations

from shared import texts

from inspector.model import ControllerSettings, ServiceBackend
from inspector.nic.config import default_params
from inspector.nic.ingress import IngressEx, generate_ingress, generate_mergeable
from inspector.render import file_text
from tests.shared import NIC_EXAMPLES
from tests.test_nic_ingress_helpers import (
    ca_secret,
    egress_policy,
    egress_tls_secret,
    ingress,
    ingress_policy,
    path,
    read_examples,
    resource,
    run,
    server,
    tls_secret,
)

PROXY_LOCATION_TAIL = (
    "proxy_http_version 1.1",
    "proxy_connect_timeout 60s",
    "proxy_read_timeout 60s",
    "proxy_send_timeout 60s",
    "client_max_body_size 1m",
    "proxy_set_header Host $host",
    "proxy_set_header X-Real-IP $remote_addr",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for",
    "proxy_set_header X-Forwarded-Host $host",
    "proxy_set_header X-Forwarded-Port $server_port",
    "proxy_set_header X-Forwarded-Proto $scheme",
    "proxy_buffering on",
)
SET_LINES = (
    'set $resource_type "ingress"',
    'set $resource_name "{name}"',
    'set $resource_namespace "default"',
    'set $service "-"',
)
REDIRECT = "if ($scheme = http) { return 301 https://$host:443$request_uri; }"
EGRESS_DEFAULTS = (
    "ssl_verify off",
    "ssl_verify_depth 1",
    "ssl_protocols TLSv1 TLSv1.1 TLSv1.2",
    "ssl_ciphers DEFAULT",
    "ssl_session_reuse on",
    "ssl_server_name off",
    "ssl_name $proxy_host",
)


def sets(name: str) -> list[str]:
    return [s.format(name=name) for s in SET_LINES]


# --- NIC's examples (examples/ingress-resources/*-mtls) --------------------------------------------------------


def test_ingress_mtls_example_renders_nic_server_block() -> None:
    d = NIC_EXAMPLES / "ingress-resources" / "ingress-mtls"
    objs = read_examples(d / "cafe-ingress.yaml", d / "ingress-mtls-policy.yaml")
    result = run(*objs, tls_secret("tls-secret"), ca_secret("ingress-mtls-secret"))
    srv = server(result, "cafe.example.com")
    assert list(srv.directives) == [
        "listen 80",
        "listen [::]:80",
        "listen 443 ssl",
        "listen [::]:443 ssl",
        "ssl_certificate $secret_dir_path/default-tls-secret",
        "ssl_certificate_key $secret_dir_path/default-tls-secret",
        "ssl_client_certificate /etc/nginx/secrets/default-ingress-mtls-secret-ca.crt",
        "ssl_verify_client on",
        "ssl_verify_depth 1",
        "server_tokens on",
        "server_name cafe.example.com",
        *sets("cafe-ingress"),
        REDIRECT,
    ]
    tea, coffee = srv.locations
    assert tea.path == "/tea" and coffee.path == "/coffee"
    assert list(tea.directives) == [
        'set $service "tea-svc"',
        *PROXY_LOCATION_TAIL,
        "proxy_pass http://default-cafe-ingress-cafe.example.com-tea-svc-80",
    ]
    ing = resource(result, "Ingress", "cafe-ingress")
    assert ing.state == "Valid"
    assert ing.events[0].message == "Configuration for default/cafe-ingress was added or updated "
    # the secrets NIC writes: TLS pem and the CA pair (the CRL file always, empty without ca.crl)
    assert set(result.secret_files) == {
        "/etc/nginx/secrets/default-tls-secret",
        "/etc/nginx/secrets/default-ingress-mtls-secret-ca.crt",
        "/etc/nginx/secrets/default-ingress-mtls-secret-ca.crl",
    }
    assert result.secret_files["/etc/nginx/secrets/default-ingress-mtls-secret-ca.crl"] == b""


def test_egress_mtls_example_renders_nic_server_block() -> None:
    d = NIC_EXAMPLES / "ingress-resources" / "egress-mtls"
    objs = read_examples(d / "ingress.yaml", d / "egress-mtls.yaml")
    result = run(*objs, egress_tls_secret("egress-mtls-secret"), ca_secret("egress-trusted-ca-secret"))
    srv = server(result, "webapp.example.com")
    assert list(srv.directives) == [
        "listen 80",
        "listen [::]:80",
        "server_tokens on",
        "server_name webapp.example.com",
        *sets("webapp-ingress"),
        "proxy_ssl_certificate $secret_dir_path/default-egress-mtls-secret",
        "proxy_ssl_certificate_key $secret_dir_path/default-egress-mtls-secret",
        "proxy_ssl_trusted_certificate /etc/nginx/secrets/default-egress-trusted-ca-secret-ca.crt",
        "proxy_ssl_verify on",
        "proxy_ssl_verify_depth 2",
        "proxy_ssl_protocols TLSv1 TLSv1.1 TLSv1.2",
        "proxy_ssl_ciphers DEFAULT",
        "proxy_ssl_session_reuse on",
        "proxy_ssl_server_name on",
        "proxy_ssl_name secure-app.example.com",
    ]
    (root,) = srv.locations
    assert root.path == "/"
    assert (
        root.directives[-1] == "proxy_pass https://default-webapp-ingress-webapp.example.com-secure-app-8443"
    )
    # ingress_test.go :: TestGenerateNginxCfgForEgressMTLSPolicy: no location copy for a standard Ingress
    assert not any("ssl_verify" in d for d in root.directives)
    host = next(h for h in result.hosts if h.host == "webapp.example.com")
    assert host.policies is not None and host.policies.egress_mtls is not None
    assert host.locations[0].policies is None and host.locations[0].upstream_scheme == "https"


# --- TLS preconditions (§6.1) ----------------------------------------------------------------------------------


def test_no_spec_tls_gives_500_on_every_host() -> None:
    ing = ingress(
        "cafe",
        annotations={"nginx.org/policies": "ingress-mtls-policy"},
        rules=(("a.example.com", (path("/", "a"),)), ("b.example.com", (path("/", "b"),))),
    )
    result = run(ing, ingress_policy(), ca_secret("ingress-mtls-secret"))
    for host in ("a.example.com", "b.example.com"):
        srv = server(result, host)
        assert "return 500" in srv.directives
        assert srv.directives.index("return 500") == srv.directives.index("server_tokens on") + 1
        assert not any(d.startswith("ssl_client_certificate") for d in srv.directives)
    # generated once per Ingress: the warning appears once, not per host
    assert texts(resource(result, "Ingress", "cafe").warnings) == (
        "TLS must be enabled for IngressMTLS policy default/ingress-mtls-policy",
    )


def test_host_missing_from_tls_hosts_is_fail_open() -> None:
    ing = ingress(
        "cafe",
        annotations={"nginx.org/policies": "ingress-mtls-policy"},
        rules=(("a.example.com", (path("/", "a"),)), ("b.example.com", (path("/", "b"),))),
        tls=((("a.example.com",), "tls-secret"),),
    )
    result = run(
        ing,
        ingress_policy(),
        ca_secret("ingress-mtls-secret"),
        tls_secret("tls-secret", host="a.example.com"),
    )
    a, b = server(result, "a.example.com"), server(result, "b.example.com")
    assert "ssl_verify_client on" in a.directives
    assert not any(d.startswith("ssl_") or d.startswith("listen 443") for d in b.directives)
    assert "return 500" not in b.directives
    res = resource(result, "Ingress", "cafe")
    assert texts(res.warnings) == (
        'IngressMTLS policy is ignored for host "b.example.com" because TLS is not enabled for that host',
    )
    assert next(h for h in result.hosts if h.host == "b.example.com").fail_open


def test_wildcard_tls_host_match_is_string_equality() -> None:
    ing = ingress(
        "cafe", tls=((("*.example.com",), "tls-secret"),), rules=(("a.example.com", (path("/", "a"),)),)
    )
    srv = server(run(ing, tls_secret("tls-secret")), "a.example.com")
    assert "listen 443 ssl" not in srv.directives


def test_bad_tls_secret_rejects_handshake_and_replaces_earlier_warnings() -> None:
    """warnings.go :: Warnings.Add replaces: the TLS warning wipes the W8 policy warning (§9.3)."""
    ing = ingress(
        "cafe",
        annotations={"nginx.org/policies": "egress-a,egress-b"},
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    result = run(ing, egress_policy("egress-a"), egress_policy("egress-b"))
    srv = server(result, "cafe.example.com")
    assert "ssl_reject_handshake on" in srv.directives
    assert not any(d.startswith("ssl_certificate") for d in srv.directives)
    assert "proxy_ssl_verify off" in srv.directives  # the first egress policy still applies
    res = resource(result, "Ingress", "cafe")
    assert texts(res.warnings) == (
        "TLS secret tls-secret is invalid: secret doesn't exist or of an unsupported type",
    )
    assert res.events[0].message == (
        "Configuration for default/cafe was added or updated ; with warning(s): "
        "TLS secret tls-secret is invalid: secret doesn't exist or of an unsupported type"
    )


def test_empty_secret_name_needs_wildcard() -> None:
    ing = ingress("cafe", tls=((("cafe.example.com",), ""),))
    res = run(ing)
    assert "ssl_reject_handshake on" in server(res, "cafe.example.com").directives
    assert texts(resource(res, "Ingress", "cafe").warnings) == (
        "TLS termination for host 'cafe.example.com' requires specifying a TLS secret or configuring a global "
        "wildcard TLS secret",
    )
    wild = run(ing, settings=ControllerSettings(wildcard_tls_secret="nginx-ingress/wildcard"))
    srv = server(wild, "cafe.example.com")
    assert "ssl_certificate $secret_dir_path/wildcard" in srv.directives
    assert resource(wild, "Ingress", "cafe").state == "Valid"


def test_ssl_redirect_annotation_and_static_secret_paths() -> None:
    ing = ingress(
        "cafe", annotations={"nginx.org/ssl-redirect": "false"}, tls=((("cafe.example.com",), "tls-secret"),)
    )
    res = run(ing, tls_secret("tls-secret"), settings=ControllerSettings(ssl_dynamic_reload=False))
    srv = server(res, "cafe.example.com")
    assert REDIRECT not in srv.directives
    assert "ssl_certificate /etc/nginx/secrets/default-tls-secret" in srv.directives


# --- policies, lookup and warnings ---------------------------------------------------------------------------


def test_missing_policy_gives_w15_and_500() -> None:
    ing = ingress("cafe", annotations={"nginx.org/policies": "nope"})
    res = run(ing)
    r = resource(res, "Ingress", "cafe")
    assert texts(r.warnings) == (
        "Policy error for Ingress default/cafe: policy default/nope doesn't exist",
        "Policy default/nope is missing or invalid",
    )
    assert r.events[0].message == (
        "Configuration for default/cafe was added or updated with warning(s): Policy error for Ingress "
        "default/cafe: policy default/nope doesn't exist; with warning(s): Policy default/nope is missing or invalid"
    )
    assert next(h for h in res.hosts if h.host == "cafe.example.com").returns_500


def test_custom_resources_disabled_warns_w16_and_500s() -> None:
    ing = ingress("cafe", annotations={"nginx.org/policies": "egress-mtls-policy"})
    res = run(ing, egress_policy(), settings=ControllerSettings(enable_custom_resources=False))
    r = resource(res, "Ingress", "cafe")
    assert texts(r.warnings[0]) == (
        "Ingress default/cafe has a policies annotation but custom resources are not enabled; policies will be ignored"
    )
    assert "return 500" in server(res, "cafe.example.com").directives
    # NIC never syncs the Policy: it is listed (with its validity) but has no status or event
    assert [(p.key, p.handled) for p in res.policies] == [("default/egress-mtls-policy", False)]
    assert not [r for r in res.resources if r.ref.kind == "Policy"]


def test_policy_referenced_by_lists_the_ingress() -> None:
    ing = ingress("cafe", annotations={"nginx.org/policies": "egress-mtls-policy"})
    res = run(ing, egress_policy())
    pol = next(p for p in res.policies if p.key == "default/egress-mtls-policy")
    assert [(u.kind, u.name, u.scope) for u in pol.referenced_by] == [("Ingress", "cafe", "spec")]


# --- services: ssl-services, grpc-services, http2 -------------------------------------------------------------


def test_ssl_services_exact_match_and_sorted_upstreams() -> None:
    ing = ingress(
        "cafe",
        annotations={"nginx.org/ssl-services": "tea-svc"},
        rules=(("cafe.example.com", (path("/tea", "tea-svc", 443), path("/coffee", "coffee-svc", "http"))),),
    )
    res = run(ing)
    text = file_text(res.files[0])
    assert text.index("upstream default-cafe-cafe.example.com-coffee-svc-http") < text.index(
        "upstream default-cafe-cafe.example.com-tea-svc-443"
    )
    assert "server 127.0.0.1:8181 max_fails=1 fail_timeout=10s max_conns=0;" in text
    assert "random two least_conn;" in text and "zone default-cafe-cafe.example.com-tea-svc-443 256k;" in text
    tea, coffee = server(res, "cafe.example.com").locations
    assert tea.directives[-1] == "proxy_pass https://default-cafe-cafe.example.com-tea-svc-443"
    assert coffee.directives[-1] == "proxy_pass http://default-cafe-cafe.example.com-coffee-svc-http"


def test_grpc_services_need_http2() -> None:
    ing = ingress(
        "cafe",
        annotations={"nginx.org/grpc-services": "grpc-svc"},
        rules=(("cafe.example.com", (path("/hello", "grpc-svc", 50051),)),),
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    off = server(run(ing, tls_secret("tls-secret")), "cafe.example.com")
    assert off.locations[0].directives[-1].startswith("proxy_pass http://")
    res = run(ing, tls_secret("tls-secret"), settings=ControllerSettings(configmap={"http2": "true"}))
    on = server(res, "cafe.example.com")
    # every location is gRPC: GRPCOnly drops the plain listens and the redirect, adds server-level error_pages
    assert on.directives[:3] == ("listen 443 ssl", "listen [::]:443 ssl", "http2 on")
    assert REDIRECT not in on.directives and "error_page 400 @grpcerror400" in on.directives
    hello = on.locations[0]
    assert hello.directives[-1] == "grpc_pass grpc://default-cafe-cafe.example.com-grpc-svc-50051"
    assert "grpc_set_header X-Forwarded-Proto $scheme" in hello.directives
    assert [loc.path for loc in on.locations[1:]] == [
        f"@grpcerror{c}" for c in (400, 401, 403, 404, 405, 408, 414, 426, 500, 501, 502, 503, 504)
    ]
    assert on.locations[1].directives == ("default_type application/grpc", 'return 400 "\\n"')
    host = next(h for h in res.hosts if h.host == "cafe.example.com")
    assert len(host.locations) == len(on.locations) and host.locations[0].upstream_scheme == "grpc"


def test_standard_ingress_grpc_location_gets_no_egress() -> None:
    """§5.5: server-level egress renders proxy_ssl_* only; a gRPC location never sees a client certificate."""
    ing = ingress(
        "cafe",
        annotations={
            "nginx.org/grpc-services": "grpc-svc",
            "nginx.org/ssl-services": "grpc-svc",
            "nginx.org/policies": "egress-mtls-policy",
        },
        rules=(("cafe.example.com", (path("/hello", "grpc-svc", 50051), path("/web", "web"))),),
    )
    srv = server(
        run(ing, egress_policy(), settings=ControllerSettings(configmap={"http2": "true"})),
        "cafe.example.com",
    )
    assert [d for d in srv.directives if d.startswith("proxy_ssl_")] == [
        f"proxy_{d}" for d in EGRESS_DEFAULTS
    ]
    hello = srv.locations[0]
    assert hello.directives[-1] == "grpc_pass grpcs://default-cafe-cafe.example.com-grpc-svc-50051"
    assert not any("_ssl_" in d for d in hello.directives)
    assert "error_page 400 @grpcerror400" in hello.directives  # mixed server: per-location error pages


# --- host ownership and classes ------------------------------------------------------------------------------


def test_host_collision_source_order_wins() -> None:
    first = ingress("zz-first", doc=0, rules=(("cafe.example.com", (path("/", "a"),)),))
    second = ingress(
        "aa-second",
        doc=1,
        rules=(("cafe.example.com", (path("/", "b"),)), ("other.example.com", (path("/", "b"),))),
    )
    third = ingress("mm-third", doc=2, rules=(("cafe.example.com", (path("/", "c"),)),))
    res = run(first, second, third)
    owners = {h.host: h.resource.name for h in res.hosts}
    assert owners == {"cafe.example.com": "zz-first", "other.example.com": "aa-second"}
    r2 = resource(res, "Ingress", "aa-second")
    assert texts(r2.warnings) == ("host cafe.example.com is taken by another resource",)
    assert r2.events[0].message == (
        "Configuration for default/aa-second was added or updated with warning(s): "
        "host cafe.example.com is taken by another resource"
    )
    r3 = resource(res, "Ingress", "mm-third")
    assert (
        r3.events[0].reason == "Rejected" and r3.events[0].message == "All hosts are taken by other resources"
    )


def test_other_class_is_ignored_and_annotation_wins() -> None:
    other = ingress("other", ingress_class="haproxy")
    legacy = ingress(
        "legacy",
        ingress_class="haproxy",
        annotations={"kubernetes.io/ingress.class": "nginx"},
        rules=(("legacy.example.com", (path("/", "a"),)),),
    )
    res = run(other, legacy)
    assert [r.ref.name for r in res.resources] == ["legacy"]
    assert [h.host for h in res.hosts] == ["legacy.example.com"]


def test_rejected_ingress_lists_its_hosts_as_rejected() -> None:
    ing = ingress("cafe", annotations={"nginx.com/policies": "p"})
    res = run(ing)
    r = resource(res, "Ingress", "cafe")
    assert r.state == "Invalid"
    assert r.events[0].reason == "Rejected" and "annotation requires NGINX Plus" in r.events[0].message
    (host,) = res.hosts
    assert host.rejected and host.host == "cafe.example.com" and not res.files


# --- mergeable Ingresses ---------------------------------------------------------------------------------------


def _master(**ann: str) -> object:
    return ingress(
        "cafe-master",
        annotations={"nginx.org/mergeable-ingress-type": "master", **ann},
        rules=(("cafe.example.com", ()),),
        tls=((("cafe.example.com",), "tls-secret"),),
    )


def _minion(name: str, p: str, svc: str, doc: int = 1, **ann: str) -> object:
    return ingress(
        name,
        doc=doc,
        annotations={"nginx.org/mergeable-ingress-type": "minion", **ann},
        rules=(("cafe.example.com", (path(p, svc),)),),
    )


def test_mergeable_minion_egress_at_location_with_grpc_prefix() -> None:
    master = _master(**{"nginx.org/policies": "egress-mtls-policy"})
    coffee = _minion(
        "coffee-minion",
        "/coffee",
        "coffee-svc",
        **{"nginx.org/grpc-services": "coffee-svc", "nginx.org/policies": "egress-alt"},
    )
    tea = _minion("tea-minion", "/tea", "tea-svc", doc=2)
    res = run(
        master,
        coffee,
        tea,
        tls_secret("tls-secret"),
        egress_policy(tls_secret="egress-mtls-secret"),
        egress_tls_secret("egress-mtls-secret"),
        egress_policy("egress-alt", verify_depth=4, server_name=True, ssl_name="coffee.example.com"),
        settings=ControllerSettings(configmap={"http2": "true"}),
    )
    srv = server(res, "cafe.example.com")
    assert "proxy_ssl_certificate $secret_dir_path/default-egress-mtls-secret" in srv.directives
    coffee_loc, tea_loc = srv.locations[:2]
    assert list(coffee_loc.directives[:4]) == [
        'set $service "coffee-svc"',
        'set $resource_name "coffee-minion"',
        'set $resource_namespace "default"',
        "grpc_ssl_verify off",
    ]
    assert [d for d in coffee_loc.directives if "_ssl_" in d] == [
        "grpc_ssl_verify off",
        "grpc_ssl_verify_depth 4",
        "grpc_ssl_protocols TLSv1 TLSv1.1 TLSv1.2",
        "grpc_ssl_ciphers DEFAULT",
        "grpc_ssl_session_reuse on",
        "grpc_ssl_server_name on",
        "grpc_ssl_name coffee.example.com",
    ]
    assert (
        coffee_loc.directives[-1] == "grpc_pass grpc://default-coffee-minion-cafe.example.com-coffee-svc-80"
    )
    assert not any("_ssl_" in d for d in tea_loc.directives)  # tea inherits the master's proxy_ssl_* lines
    text = file_text(res.files[0])
    assert "# location for minion default/coffee-minion" in text
    assert res.files[0].name == "conf.d/default-cafe-master.conf"
    host = res.hosts[0]
    assert host.locations[0].context == "minion" and host.locations[0].resource.name == "coffee-minion"
    assert host.locations[0].policies is not None and host.locations[0].policies.egress_mtls is not None
    assert resource(res, "Ingress", "coffee-minion").events[0].message == (
        "Configuration for default/coffee-minion was added or updated"
    )


def test_minion_ingress_mtls_is_not_allowed_and_500s_its_locations() -> None:
    master = _master()
    minion = _minion("tea-minion", "/tea", "tea-svc", **{"nginx.org/policies": "ingress-mtls-policy"})
    res = run(master, minion, tls_secret("tls-secret"), ingress_policy(), ca_secret("ingress-mtls-secret"))
    srv = server(res, "cafe.example.com")
    assert "return 500" not in srv.directives
    (tea,) = srv.locations
    assert list(tea.directives[:4]) == [
        'set $service "tea-svc"',
        'set $resource_name "tea-minion"',
        'set $resource_namespace "default"',
        "return 500",
    ]
    r = resource(res, "Ingress", "tea-minion")
    assert texts(r.warnings) == (
        "IngressMTLS policy default/ingress-mtls-policy is not allowed in the minion context",
    )
    assert r.events[0].message == (
        "Configuration for default/tea-minion was added or updated with warning(s): "
        "IngressMTLS policy default/ingress-mtls-policy is not allowed in the minion context"
    )
    assert res.hosts[0].locations[0].returns_500 and not res.hosts[0].returns_500


def test_minion_path_collision_older_minion_wins() -> None:
    master = _master()
    a = _minion("zz-old", "/tea", "tea-a", doc=1)
    b = _minion("aa-new", "/tea", "tea-b", doc=2)
    res = run(master, a, b, tls_secret("tls-secret"))
    (loc,) = server(res, "cafe.example.com").locations
    assert loc.directives[0] == 'set $service "tea-a"'
    assert texts(resource(res, "Ingress", "aa-new").warnings) == ("path /tea is taken by another resource",)


def test_master_deny_list_strips_ssl_services() -> None:
    master = ingress(
        "m",
        annotations={"nginx.org/mergeable-ingress-type": "master", "nginx.org/ssl-services": "tea-svc"},
        rules=(("cafe.example.com", ()),),
    )
    minion = ingress(
        "tea",
        annotations={"nginx.org/mergeable-ingress-type": "minion"},
        rules=(("cafe.example.com", (path("/tea", "tea-svc"),)),),
    )
    cfg, _warnings, logs = generate_mergeable(
        IngressEx(master, {"cafe.example.com": True}),
        [IngressEx(minion, {}, valid_minion_paths={"/tea": True})],
        default_params(False),
    )
    assert cfg.servers[0].locations[0].proxy_pass.startswith("http://")
    assert logs.lines == (
        "Ingress Resource default/m with the annotation 'nginx.org/mergeable-ingress-type' set to 'master' "
        "cannot contain the 'nginx.org/ssl-services' annotation(s). They will be ignored",
    )


def test_orphan_minion_event() -> None:
    res = run(_minion("tea", "/tea", "tea-svc"))
    ev = resource(res, "Ingress", "tea").events[0]
    assert (ev.reason, ev.message) == ("NoIngressMasterFound", "Ingress master is invalid or doesn't exist")


# --- annotations and editions ---------------------------------------------------------------------------------


def test_annotations_change_location_lines() -> None:
    ing = ingress(
        "cafe",
        annotations={
            "nginx.org/proxy-connect-timeout": "10",
            "nginx.org/proxy-read-timeout": "2m",
            "nginx.org/client-max-body-size": "4m",
            "nginx.org/proxy-buffering": "False",
            "nginx.org/lb-method": "round_robin",
            "nginx.org/path-regex": "case_insensitive",
            "nginx.org/redirect-to-https": "true",
        },
        rules=(
            ("cafe.example.com", (path("/tea", "tea-svc"), path("/exact", "tea-svc", path_type="Exact"))),
        ),
    )
    res = run(ing)
    srv = server(res, "cafe.example.com")
    tea, exact = srv.locations
    assert tea.path == '~* "^/tea"' and exact.path == '~* "^= /exact"'
    assert "proxy_connect_timeout 10s" in tea.directives and "proxy_read_timeout 2m" in tea.directives
    assert "client_max_body_size 4m" in tea.directives and "proxy_buffering off" in tea.directives
    assert "proxy_set_header X-Forwarded-Proto https" in tea.directives
    assert "if ($http_x_forwarded_proto = 'http') { return 301 https://$host$request_uri; }" in srv.directives
    assert "random two least_conn" not in file_text(res.files[0])


def test_plus_edition_order_and_quoting() -> None:
    ing = ingress("cafe", annotations={"nginx.org/policies": "egress-mtls-policy"})
    res = run(ing, egress_policy(), settings=ControllerSettings(plus=True))
    srv = server(res, "cafe.example.com")
    i = srv.directives.index('set $service "-"')
    assert srv.directives[i + 1] == "proxy_ssl_verify off"
    assert 'server_tokens "on"' in srv.directives and "status_zone cafe.example.com" in srv.directives
    assert 'status_zone "tea-svc"' in srv.locations[0].directives
    text = file_text(res.files[0])
    assert "zone default-cafe-cafe.example.com-tea-svc-80 512k;" in text and "127.0.0.1:8181" not in text


def test_default_backend_location_and_upstream() -> None:
    ing = ingress(
        "cafe",
        rules=(("cafe.example.com", (path("/tea", "tea-svc"),)),),
        default_backend=ServiceBackend("fallback", 8080),
    )
    cfg, warnings, _ = generate_ingress(IngressEx(ing, {"cafe.example.com": True}), default_params(False))
    assert [u.name for u in cfg.upstreams] == [
        "default-cafe-_-fallback-8080",
        "default-cafe-cafe.example.com-tea-svc-80",
    ]
    assert [loc.path for loc in cfg.servers[0].locations] == ["/tea", "/"]
    assert not warnings


def test_mergeable_reload_failure_events_keep_nic_spacing() -> None:
    """controller.go :: updateMergeableIngressStatusAndEvents: master "updated but", minion "updated ; but"."""
    master = _master(**{"nginx.org/policies": "ingress-mtls-policy"})
    minion = _minion("tea-minion", "/tea", "tea-svc")
    res = run(
        master,
        minion,
        tls_secret("tls-secret"),
        ca_secret("ingress-mtls-secret"),
        ingress_policy(crl_file_name="revoked.crl"),
    )
    error = (
        'nginx reload failed: X509_LOOKUP_load_file("/etc/nginx/secrets/revoked.crl") failed '
        "(No such file or directory)"
    )
    m = resource(res, "Ingress", "cafe-master")
    assert (m.state, m.events[0].reason) == ("Invalid", "AddedOrUpdatedWithError")
    assert m.events[0].not_applied == error  # the cause as data: nobody splits the message to get it back
    assert (
        m.events[0].message
        == f"Configuration for default/cafe-master was added or updated but was not applied: {error}"
    )
    t = resource(res, "Ingress", "tea-minion")
    assert (
        t.events[0].message
        == f"Configuration for default/tea-minion was added or updated ; but was not applied: {error}"
    )


def test_nic_log_lines_explain_silent_outcomes() -> None:
    ing = ingress("cafe", annotations={"nginx.org/grpc-services": "tea-svc"})
    res = run(ing)
    assert [(entry.resource.name, entry.message) for entry in res.logs] == [
        ("cafe", "Ingress default/cafe: annotation nginx.org/grpc-services requires HTTP2, ignoring")
    ]
    master = _master(**{"nginx.org/server-snippets": "x"})
    minion = _minion("tea-minion", "/tea", "tea-svc", **{"nginx.org/server-tokens": "false"})
    cfg, _w, logs = generate_mergeable(
        IngressEx(master, {"cafe.example.com": True}),  # type: ignore[arg-type]
        [IngressEx(minion, {}, valid_minion_paths={"/tea": True})],  # type: ignore[arg-type]
        default_params(False),
    )
    assert logs.entries == (
        (
            minion.meta.ref,  # type: ignore[attr-defined]
            "Ingress Resource default/tea-minion with the annotation 'nginx.org/mergeable-ingress-type' set to "
            "'minion' cannot contain the nginx.org/server-tokens annotation(s). They will be ignored",
        ),
    )
    assert cfg.servers[0].server_tokens == "on"  # the minion cannot change a server-level setting


def test_header_annotations_standard_and_mergeable() -> None:
    ing = ingress(
        "cafe",
        annotations={
            "nginx.org/proxy-set-headers": "X-Trace, X-Env: prod",
            "nginx.org/add-header": "X-Frame-Options: DENY: always, X-Empty",
        },
    )
    srv = server(run(ing), "cafe.example.com")
    assert 'add_header X-Frame-Options "DENY" always' in srv.directives
    assert 'add_header X-Empty ""' in srv.directives
    loc = srv.locations[0].directives
    assert loc.index('proxy_set_header X-Trace "$http_x_trace"') < loc.index("proxy_set_header Host $host")
    assert 'proxy_set_header X-Env "prod"' in loc
    master = _master(**{"nginx.org/proxy-set-headers": "X-Env: master, X-Master"})
    minion = _minion(
        "tea-minion",
        "/tea",
        "tea-svc",
        **{"nginx.org/proxy-set-headers": "x-env: minion", "nginx.org/add-header": "X-Minion: yes"},
    )
    (tea,) = server(run(master, minion, tls_secret("tls-secret")), "cafe.example.com").locations
    sets_ = [
        d
        for d in tea.directives
        if d.startswith("proxy_set_header X-") or d.startswith("proxy_set_header x-")
    ]
    assert sets_[:2] == ['proxy_set_header x-env "minion"', 'proxy_set_header X-Master "$http_x_master"']
    assert tea.directives[-1] == 'add_header X-Minion "yes"'


def test_last_tls_entry_for_a_host_wins() -> None:
    """ingress.go :: addSSLConfig: ``break`` leaves only the inner loop, so a later entry overrides."""
    ing = ingress("cafe", tls=((("cafe.example.com",), "first"), (("other", "cafe.example.com"), "second")))
    srv = server(run(ing, tls_secret("first"), tls_secret("second")), "cafe.example.com")
    assert "ssl_certificate $secret_dir_path/default-second" in srv.directives


def test_tls_entry_without_hosts_satisfies_the_policy_but_not_the_host() -> None:
    """``policyOptions.tls`` is ``spec.tls != nil`` (no W2), while no host matches (W14, fail-open)."""
    ing = ingress(
        "cafe", annotations={"nginx.org/policies": "ingress-mtls-policy"}, tls=(((), "tls-secret"),)
    )
    res = run(ing, tls_secret("tls-secret"), ingress_policy(), ca_secret("ingress-mtls-secret"))
    assert texts(resource(res, "Ingress", "cafe").warnings) == (
        'IngressMTLS policy is ignored for host "cafe.example.com" because TLS is not enabled for that host',
    )
    assert "return 500" not in server(res, "cafe.example.com").directives


def test_rewrite_target_pattern_quirks() -> None:
    """makeRewritePattern: a minion without path-regex borrows the master's; its location path does not."""
    master = _master(**{"nginx.org/path-regex": "case_sensitive"})
    minion = _minion("tea-minion", "/tea", "tea-svc", **{"nginx.org/rewrite-target": "/beverages/tea"})
    (tea,) = server(run(master, minion, tls_secret("tls-secret")), "cafe.example.com").locations
    assert tea.path == "/tea"
    assert "rewrite ^/tea /beverages/tea break" in tea.directives
    plain = ingress(
        "cafe", annotations={"nginx.org/rewrite-target": "/x", "nginx.org/path-regex": "case_insensitive"}
    )
    (loc,) = server(run(plain), "cafe.example.com").locations
    assert loc.path == '~* "^/tea"' and "rewrite (?i)^/tea /x break" in loc.directives


def test_deprecated_ssl_redirect_warning_is_replaced_by_policy_warnings() -> None:
    """ingress.go :: generateNginxCfg: appended first, then ``allWarnings.Add(policy warnings)`` replaces it."""
    alone = ingress("cafe", annotations={"ingress.kubernetes.io/ssl-redirect": "false"})
    assert texts(resource(run(alone), "Ingress", "cafe").warnings) == (
        "The annotation 'ingress.kubernetes.io/ssl-redirect' is deprecated and will be removed. "
        "Please use 'nginx.org/ssl-redirect' instead.",
    )
    both = ingress(
        "cafe",
        annotations={
            "ingress.kubernetes.io/ssl-redirect": "false",
            "nginx.org/policies": "egress-a,egress-b",
        },
    )
    assert texts(resource(
        run(both, egress_policy("egress-a"), egress_policy("egress-b")), "Ingress", "cafe"
    ).warnings) == (
        "Multiple egressMTLS policies in the same context is not valid. EgressMTLS policy default/egress-b will "
        "be ignored",
    )

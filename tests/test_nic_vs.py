"""VirtualServer replica: NIC 5.6's VS mTLS behaviour, directive by directive, with NIC's warnings and events.

Cases follow NIC's own tests and examples (``internal/configs/virtualserver*_test.go``, ``policy_test.go``,
``examples/custom-resources/{ingress,egress}-mtls``) and the rules of ``virtualserver.go ::
GenerateVirtualServerConfig``; the expected lines are what NIC's ``nginx.virtualserver.tmpl`` prints.
"""

from __future__ import annotations

from dataclasses import replace

from shared import texts
from test_nic_vs_helpers import (
    DEFAULT_PROXY_TAIL,
    EXAMPLE_EGRESS_LINES,
    NEXT_UPSTREAM,
    ca_secret,
    client_secret,
    cluster,
    default_secrets,
    egress_example_vs,
    egress_policy,
    ingress_example_vs,
    ingress_policy,
    meta,
    ref,
    run,
    tls_secret,
)

from inspector.model import (
    VSTLS,
    Action,
    ActionRedirect,
    ActionReturn,
    Condition,
    ControllerSettings,
    IngressMTLS,
    Match,
    ObjectRef,
    Route,
    Secret,
    Split,
    TLSRedirect,
    UpstreamTLS,
    VirtualServer,
    VirtualServerRoute,
    VSUpstream,
)
from inspector.nic.secrets import SecretStore
from inspector.nic.virtualserver import attached_vsrs, generate_virtual_server, select_vsrs, unattached_vsr_results
from inspector.render import file_text

VS = ObjectRef("VirtualServer", "default", "webapp")
SERVER_HEAD = (
    "listen 80",
    "listen [::]:80",
    "server_name webapp.example.com",
    'set $resource_type "virtualserver"',
    'set $resource_name "webapp"',
    'set $resource_namespace "default"',
    'set $service "-"',
)


# --- NIC's two VirtualServer examples ------------------------------------------------------------------------


def test_egress_example_route_location_matches_nic_template() -> None:
    """examples/custom-resources/egress-mtls: egress at the route location, proxy_ prefix, https upstream."""
    r = run(egress_example_vs(), cluster(egress_policy()))
    assert r.server.directives == (*SERVER_HEAD, 'server_tokens "on"')
    assert r.location("/") == (
        'set $service "secure-app"',
        *EXAMPLE_EGRESS_LINES,
        *DEFAULT_PROXY_TAIL,
        "proxy_pass https://vs_default_webapp_secure-app",
        *NEXT_UPSTREAM,
    )
    assert r.result.resources[0].state == "Valid"
    assert r.result.resources[0].events[0].message == "Configuration for default/webapp was added or updated "
    loc = r.result.host.locations[0]
    assert (loc.path, loc.upstream_scheme, loc.context, loc.returns_500) == ("/", "https", "route", False)
    assert loc.policies is not None and loc.policies.egress_mtls is not None
    assert r.result.host.policies is not None and r.result.host.policies.egress_mtls is None


def test_ingress_example_server_block_matches_nic_template() -> None:
    """examples/custom-resources/ingress-mtls: TLS lines, then the ingressMTLS block, then server_tokens."""
    r = run(ingress_example_vs(), cluster(ingress_policy()))
    assert r.server.directives == (
        *SERVER_HEAD,
        "listen 443 ssl",
        "listen [::]:443 ssl",
        "ssl_certificate $secret_dir_path/default-tls-secret",
        "ssl_certificate_key $secret_dir_path/default-tls-secret",
        "ssl_client_certificate /etc/nginx/secrets/default-ingress-mtls-secret-ca.crt",
        "ssl_verify_client on",
        "ssl_verify_depth 1",
        'server_tokens "on"',
    )
    assert r.location("/") == (
        'set $service "webapp-svc"',
        *DEFAULT_PROXY_TAIL,
        "proxy_pass http://vs_default_webapp_webapp",
        *NEXT_UPSTREAM,
    )
    host = r.result.host
    assert host.tls and not host.returns_500 and not host.ssl_reject_handshake
    assert set(r.result.secret_refs) == {"default/tls-secret", "default/ingress-mtls-secret"}


# --- TLS precondition and the server-level 500-out (§6.1, §5.4) ----------------------------------------------


def test_ingress_mtls_without_tls_is_500_at_server_after_server_tokens() -> None:
    r = run(ingress_example_vs(tls=None), cluster(ingress_policy()))
    assert r.server.directives == (*SERVER_HEAD, 'server_tokens "on"', "return 500")
    warning = "TLS must be enabled for IngressMTLS policy default/ingress-mtls-policy"
    assert texts(r.warnings) == {VS: [warning]}
    res = r.result.resources[0]
    assert res.state == "Warning"
    assert res.events[0].reason == "AddedOrUpdatedWithWarning"
    assert (
        res.events[0].message == f"Configuration for default/webapp was added or updated ; with warning(s): {warning}"
    )
    assert r.result.host.returns_500 and not r.result.host.tls


def test_wildcard_secret_gives_tls_to_vs_with_empty_tls_secret() -> None:
    """generateSSLConfig: spec.tls without secret + -wildcard-tls-secret -> /etc/nginx/secrets/wildcard."""
    vs = ingress_example_vs(tls=VSTLS(secret=""))
    r = run(vs, cluster(ingress_policy()), settings=ControllerSettings(wildcard_tls_secret="nginx-ingress/wild"))
    assert "ssl_certificate $secret_dir_path/wildcard" in r.server.directives
    assert "ssl_verify_client on" in r.server.directives
    no_wild = run(vs, cluster(ingress_policy()))
    assert "return 500" in no_wild.server.directives and not no_wild.result.host.tls


def test_tls_redirect_comes_before_the_policy_500() -> None:
    vs = ingress_example_vs(
        tls=VSTLS(secret="tls-secret", redirect=TLSRedirect(enable=True, code=302, based_on="x-forwarded-proto")),
        policies=(ref("missing"),),
    )
    r = run(vs, cluster(ingress_policy()))
    d = r.server.directives
    redirect = "if ($http_x_forwarded_proto = 'http') { return 302 https://$host$request_uri; }"
    assert d.index(redirect) < d.index('server_tokens "on"') < d.index("return 500")
    assert "proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto" in r.location("/")
    assert texts(r.warnings[VS]) == ["Policy default/missing is missing or invalid"]


def test_bad_tls_secret_rejects_handshake_but_keeps_ingress_mtls() -> None:
    """An Opaque secret is invisible to NIC: "invalid: secret doesn't exist ..." and ssl_reject_handshake."""
    opaque = Secret(meta=meta("Secret", "tls-secret"), type="Opaque", data={"tls.crt": b"x", "tls.key": b"y"})
    secrets = [opaque, ca_secret("ingress-mtls-secret")]
    r = run(ingress_example_vs(), cluster(ingress_policy(), secrets=secrets))
    d = r.server.directives
    assert "ssl_reject_handshake on" in d and not any(x.startswith("ssl_certificate ") for x in d)
    assert d.index("ssl_reject_handshake on") < d.index(
        "ssl_client_certificate /etc/nginx/secrets/default-ingress-mtls-secret-ca.crt"
    )
    assert texts(r.warnings[VS]) == ["TLS secret tls-secret is invalid: secret doesn't exist or of an unsupported type"]
    assert r.result.host.ssl_reject_handshake and r.result.host.tls


def test_tls_secret_of_wrong_type() -> None:
    secrets = [ca_secret("tls-secret"), ca_secret("ingress-mtls-secret")]
    r = run(ingress_example_vs(), cluster(ingress_policy(), secrets=secrets))
    assert r.warnings[VS][0] == "TLS secret tls-secret is of a wrong type 'nginx.org/ca', must be 'kubernetes.io/tls'"
    assert "ssl_reject_handshake on" in r.server.directives


def test_crl_in_ca_secret_renders_ssl_crl() -> None:
    secrets = [tls_secret("tls-secret"), ca_secret("ingress-mtls-secret", crl=True)]
    r = run(ingress_example_vs(), cluster(ingress_policy(), secrets=secrets))
    d = r.server.directives
    i = d.index("ssl_client_certificate /etc/nginx/secrets/default-ingress-mtls-secret-ca.crt")
    assert d[i + 1] == "ssl_crl /etc/nginx/secrets/default-ingress-mtls-secret-ca.crl"


# --- contexts: route, subroute, inherited route list (§5.1, §5.2) --------------------------------------------


def test_ingress_mtls_on_route_is_500_in_that_location_only() -> None:
    vs = ingress_example_vs(
        policies=(),
        routes=(
            Route(path="/", policies=(ref("ingress-mtls-policy"),), action=Action(pass_="webapp")),
            Route(path="/open", action=Action(pass_="webapp")),
        ),
    )
    r = run(vs, cluster(ingress_policy()))
    assert r.location("/") == (
        'set $service "webapp-svc"',
        "return 500",
        *DEFAULT_PROXY_TAIL,
        "proxy_pass http://vs_default_webapp_webapp",
        *NEXT_UPSTREAM,
    )
    assert "return 500" not in r.location("/open")
    assert "return 500" not in r.server.directives
    assert texts(r.warnings[VS]) == [
        "IngressMTLS policy default/ingress-mtls-policy is not allowed in the route context"
    ]
    by_path = {loc.path: loc for loc in r.result.host.locations}
    assert by_path["/"].returns_500 and not by_path["/open"].returns_500


def vsr_tea(
    subroute_policies: tuple[object, ...] = (), ns: str = "default", host: str = "webapp.example.com"
) -> VirtualServerRoute:
    return VirtualServerRoute(
        meta=meta("VirtualServerRoute", "tea", ns),
        host=host,
        upstreams=(VSUpstream(name="tea", service="tea-svc", port=80, tls=UpstreamTLS(enable=True)),),
        subroutes=(Route(path="/tea", policies=subroute_policies, action=Action(pass_="tea")),),  # type: ignore[arg-type]
    )


def vs_with_vsr(route_policies: tuple[object, ...] = (), route: str = "default/tea") -> VirtualServer:
    routes = (Route(path="/tea", route=route, policies=route_policies),)  # type: ignore[arg-type]
    return ingress_example_vs(policies=(), routes=routes)


def test_subroute_without_policies_inherits_vs_route_list_as_route_context_owned_by_vs() -> None:
    vsr = vsr_tea()
    vs = vs_with_vsr((ref("egress-mtls-policy"),))
    r = run(vs, cluster(egress_policy(), vs, vsr))
    loc = r.location("/tea")
    assert loc[:4] == (
        'set $service "tea-svc"',
        'set $resource_type "virtualserverroute"',
        'set $resource_name "tea"',
        'set $resource_namespace "default"',
    )
    assert loc[4:14] == EXAMPLE_EGRESS_LINES
    assert loc[-4] == "proxy_pass https://vs_default_webapp_vsr_default_tea_tea"
    result_loc = r.result.host.locations[0]
    assert result_loc.context == "route" and result_loc.resource == vsr.meta.ref
    assert [res.ref.kind for res in r.result.resources] == ["VirtualServer", "VirtualServerRoute"]
    assert r.result.resources[1].events[0].message == "Configuration for default/tea was added or updated"


def test_inherited_ingress_mtls_warns_on_vs_in_route_context() -> None:
    vsr = vsr_tea()
    vs = vs_with_vsr((ref("ingress-mtls-policy"),))
    r = run(vs, cluster(ingress_policy(), vs, vsr))
    assert "return 500" in r.location("/tea")
    assert texts(r.warnings) == {
        VS: ["IngressMTLS policy default/ingress-mtls-policy is not allowed in the route context"]
    }
    assert r.result.resources[1].state == "Valid"


def test_subroute_own_policies_replace_vs_route_list_and_warn_on_vsr() -> None:
    vsr = vsr_tea(subroute_policies=(ref("ingress-mtls-policy"),))
    vs = vs_with_vsr((ref("egress-mtls-policy"),))
    r = run(vs, cluster(ingress_policy(), egress_policy(), vs, vsr))
    loc = r.location("/tea")
    assert "return 500" in loc
    assert not any(d.startswith("proxy_ssl_") for d in loc), "the VS route's egress list must not be merged in"
    warning = "IngressMTLS policy default/ingress-mtls-policy is not allowed in the subroute context"
    assert texts(r.warnings) == {vsr.meta.ref: [warning]}
    vsr_res = r.result.resources[1]
    assert vsr_res.state == "Warning"
    assert vsr_res.events[0].message == f"Configuration for default/tea was added or updated with warning(s): {warning}"
    assert r.result.resources[0].state == "Valid"


def test_subroute_policy_namespace_defaults_to_vsr_namespace() -> None:
    """VSR in namespace tea, policy ref without namespace -> tea/egress-mtls-policy (createVirtualServerEx)."""
    vsr = vsr_tea(subroute_policies=(ref("egress-mtls-policy"),), ns="tea")
    vs = vs_with_vsr(route="tea/tea")
    pol = egress_policy(ns="tea")
    secrets = [
        *default_secrets(),
        client_secret("egress-mtls-secret", "tea"),
        ca_secret("egress-trusted-ca-secret", "tea"),
    ]
    r = run(vs, cluster(pol, vs, vsr, secrets=secrets))
    loc = r.location("/tea")
    assert "proxy_ssl_certificate $secret_dir_path/tea-egress-mtls-secret" in loc
    assert "proxy_pass https://vs_default_webapp_vsr_tea_tea_tea" in loc


# --- egress placement: server proxy_ only, location grpc_ for gRPC (§5.3, §5.5) ------------------------------


def grpc_vs() -> VirtualServer:
    return ingress_example_vs(
        policies=(),
        upstreams=(VSUpstream(name="grpc", service="grpc-svc", port=50051, tls=UpstreamTLS(enable=True), type="grpc"),),
        routes=(Route(path="/helloworld.Greeter", policies=(ref("egress-mtls-policy"),), action=Action(pass_="grpc")),),
    )


def test_route_egress_on_grpc_upstream_uses_grpc_prefix() -> None:
    r = run(grpc_vs(), cluster(egress_policy()), settings=ControllerSettings(configmap={"http2": "true"}))
    loc = r.location("/helloworld.Greeter")
    assert loc[1:11] == tuple(x.replace("proxy_", "grpc_", 1) for x in EXAMPLE_EGRESS_LINES)
    assert loc[11] == "error_page 400 = @grpc_internal"
    assert "grpc_pass grpcs://vs_default_webapp_grpc" in loc
    assert "grpc_set_header X-Real-IP $remote_addr" in loc and "proxy_http_version 1.1" not in loc
    assert "http2 on" in r.server.directives
    assert [x.path for x in r.result.host.locations if x.internal][-1] == "@grpc_unauthenticated"
    assert r.result.resources[0].state == "Valid"


def test_grpc_without_http2_warns_on_owner() -> None:
    r = run(grpc_vs(), cluster(egress_policy()))
    assert texts(r.warnings[VS]) == [
        "gRPC cannot be configured for upstream grpc. gRPC requires enabled HTTP/2 and TLS termination"
    ]


def test_spec_egress_is_server_level_proxy_only_even_for_grpc() -> None:
    vs = replace(
        grpc_vs(),
        policies=(ref("egress-mtls-policy"),),
        routes=(Route(path="/helloworld.Greeter", action=Action(pass_="grpc")),),
    )
    r = run(vs, cluster(egress_policy()), settings=ControllerSettings(configmap={"http2": "true"}))
    d = r.server.directives
    assert d[d.index('server_tokens "on"') + 1 :] == EXAMPLE_EGRESS_LINES
    assert not any(x.startswith("grpc_ssl_") for x in r.location("/helloworld.Greeter"))


def test_second_egress_policy_in_same_context_is_ignored_with_warning() -> None:
    other = egress_policy(name="other-egress")
    vs = egress_example_vs(
        routes=(
            Route(
                path="/", policies=(ref("egress-mtls-policy"), ref("other-egress")), action=Action(pass_="secure-app")
            ),
        )
    )
    r = run(vs, cluster(egress_policy(), other))
    assert texts(r.warnings[VS]) == [
        "Multiple egressMTLS policies in the same context is not valid. "
        "EgressMTLS policy default/other-egress will be ignored"
    ]
    assert r.location("/")[1:11] == EXAMPLE_EGRESS_LINES


def test_missing_policy_discards_context_and_later_refs_unseen() -> None:
    vs = egress_example_vs(
        routes=(
            Route(
                path="/",
                policies=(ref("egress-mtls-policy"), ref("nope"), ref("also-nope")),
                action=Action(pass_="secure-app"),
            ),
        )
    )
    r = run(vs, cluster(egress_policy()))
    loc = r.location("/")
    assert loc[1] == "return 500" and not any(x.startswith("proxy_ssl_") for x in loc)
    assert texts(r.warnings[VS]) == ["Policy default/nope is missing or invalid"]


def test_egress_secret_missing_is_500_with_nic_text() -> None:
    secrets = [s for s in default_secrets() if s.meta.ref.name != "egress-mtls-secret"]
    r = run(egress_example_vs(), cluster(egress_policy(), secrets=secrets))
    assert r.location("/")[1] == "return 500"
    # controller.go :: addEgressMTLSSecretRefs stores the failed lookup, so policy.go reports the store's error.
    assert texts(r.warnings[VS]) == [
        "EgressMTLS policy default/egress-mtls-policy references an invalid secret default/egress-mtls-secret: "
        "secret doesn't exist or of an unsupported type"
    ]


# --- route actions, splits, matches (internal locations carry the route's policies) ---------------------------


def test_splits_make_internal_locations_with_policies_and_a_redirect_location() -> None:
    vs = egress_example_vs(
        routes=(
            Route(
                path="/",
                policies=(ref("egress-mtls-policy"),),
                splits=(
                    Split(weight=90, action=Action(pass_="secure-app")),
                    Split(weight=10, action=Action(pass_="secure-app")),
                ),
            ),
        )
    )
    r = run(vs, cluster(egress_policy()))
    assert r.location("/") == ("rewrite ^ $vs_default_webapp_splits_0 last",)
    split0 = r.location("/internal_location_splits_0_split_0")
    assert split0[:2] == ('set $service "secure-app"', "internal")
    assert split0[2:12] == EXAMPLE_EGRESS_LINES
    assert "proxy_pass https://vs_default_webapp_secure-app$request_uri" in split0
    text = file_text(r.result.file) if r.result.file else ""
    assert "split_clients $request_id $vs_default_webapp_splits_0" in text
    internal = [loc.path for loc in r.result.host.locations if loc.internal]
    assert internal == ["/internal_location_splits_0_split_0", "/internal_location_splits_0_split_1"]


def test_matches_generate_maps_and_internal_locations() -> None:
    vs = egress_example_vs(
        routes=(
            Route(
                path="/",
                policies=(ref("nope"),),
                matches=(
                    Match(conditions=(Condition(header="x-version", value="v2"),), action=Action(pass_="secure-app")),
                ),
                action=Action(pass_="secure-app"),
            ),
        )
    )
    r = run(vs, cluster(egress_policy()))
    assert r.location("/") == ("rewrite ^ $vs_default_webapp_matches_0 last",)
    for path in ("/internal_location_matches_0_match_0", "/internal_location_matches_0_default"):
        loc = r.location(path)
        assert loc[1:3] == ("internal", "return 500")
    text = file_text(r.result.file) if r.result.file else ""
    assert 'map $http_x_version $vs_default_webapp_matches_0_match_0_cond_0 {\n    "v2" 1;' in text


def test_return_and_redirect_actions() -> None:
    vs = egress_example_vs(
        routes=(
            Route(
                path="/ret",
                policies=(ref("egress-mtls-policy"),),
                action=Action(return_=ActionReturn(code=201, body="ok")),
            ),
            Route(path="/old", action=Action(redirect=ActionRedirect(url="https://new.example.com", code=0))),
        )
    )
    r = run(vs, cluster(egress_policy()))
    assert r.location("@return_0") == ('default_type "text/plain"', 'return 0 "ok"')
    assert r.location("/ret") == (
        'set $service ""',
        *EXAMPLE_EGRESS_LINES,
        'error_page 418 =201 "@return_0"',
        "proxy_intercept_errors on",
        "proxy_pass http://unix:/var/lib/nginx/nginx-418-server.sock",
        "set $default_connection_header close",
    )
    assert r.location("/old")[1] == 'error_page 418 =301 "https://new.example.com"'


# --- Plus, validation, VSR attachment ------------------------------------------------------------------------


def test_plus_adds_status_zones_and_keeps_mtls_lines() -> None:
    r = run(egress_example_vs(), cluster(egress_policy()), settings=ControllerSettings(plus=True))
    assert r.server.directives[3] == "status_zone webapp.example.com"
    loc = r.location("/")
    assert loc[:2] == ('set $service "secure-app"', 'status_zone "secure-app"')
    assert loc[2:12] == EXAMPLE_EGRESS_LINES
    assert "zone vs_default_webapp_secure-app 512k;" in (file_text(r.result.file) if r.result.file else "")


def test_invalid_vs_is_rejected_without_config() -> None:
    vs = egress_example_vs(policies=(ref("p"), ref("p")))
    cl = cluster(egress_policy())
    res = generate_virtual_server(vs, [], cl, ControllerSettings(), SecretStore(cl.secrets))
    assert res.file is None and res.host.rejected
    assert res.resources[0].state == "Invalid"
    assert res.resources[0].events[0].reason == "Rejected"
    assert res.resources[0].events[0].message == (
        'VirtualServer default/webapp was rejected with error: spec.policies[1]: Duplicate value: "default/p"'
    )


def test_attached_vsrs_reports_missing_host_mismatch_and_attaches_good_ones() -> None:
    good = vsr_tea()
    other_host = replace(
        vsr_tea(),
        meta=meta("VirtualServerRoute", "coffee"),
        host="cafe.example.com",
        subroutes=(Route(path="/coffee", action=Action(pass_="tea")),),
    )
    vs = ingress_example_vs(
        policies=(),
        routes=(
            Route(path="/tea", route="tea"),
            Route(path="/coffee", route="default/coffee"),
            Route(path="/gone", route="gone"),
        ),
    )
    cl = cluster(vs, good, other_host)
    vsrs, problems = attached_vsrs(vs, cl, ControllerSettings())
    assert [v.meta.ref.name for v in vsrs] == ["tea"]
    sel = select_vsrs(vs, cl, ControllerSettings())
    assert sel.vs_warnings == (
        'VirtualServerRoute default/coffee is invalid: spec.host: Invalid value: "cafe.example.com": '
        "must be equal to 'webapp.example.com'",
        "VirtualServerRoute default/gone doesn't exist or invalid",
    )
    assert problems[other_host.meta.ref] == "VirtualServer is invalid or doesn't exist"
    r = run(vs, cl)
    assert (
        r.result.resources[0]
        .events[0]
        .message.startswith(
            "Configuration for default/webapp was added or updated with warning(s): VirtualServerRoute default/coffee"
        )
    )
    assert [res.ref.name for res in r.result.resources] == ["webapp", "tea"]


def test_unattached_vsrs_rejected_ignored_or_orphaned() -> None:
    """configuration.go: Rejected on validation, Ignored when the host's VS skips it, else NoVirtualServerFound."""
    bad = replace(vsr_tea(), meta=meta("VirtualServerRoute", "bad"), host="")
    ignored = replace(vsr_tea(), meta=meta("VirtualServerRoute", "ignored"))
    orphan = replace(vsr_tea(), meta=meta("VirtualServerRoute", "orphan"), host="nobody.example.com")
    attached = vsr_tea()
    cl = cluster(bad, ignored, orphan, attached)
    owners = {"webapp.example.com": VS}
    results = unattached_vsr_results(cl, ControllerSettings(), {attached.meta.ref}, owners)
    by_name = {r.ref.name: r for r in results}
    assert set(by_name) == {"bad", "ignored", "orphan"}
    assert by_name["bad"].state == "Invalid" and by_name["bad"].events[0].reason == "Rejected"
    assert (
        by_name["bad"]
        .events[0]
        .message.startswith("VirtualServerRoute default/bad was rejected with error: spec.host: Required value")
    )
    assert (by_name["ignored"].state, by_name["ignored"].events[0].reason) == ("Warning", "Ignored")
    assert by_name["ignored"].events[0].message == "VirtualServer default/webapp ignores VirtualServerRoute"
    assert by_name["orphan"].events[0].reason == "NoVirtualServerFound"
    assert by_name["orphan"].events[0].message == "VirtualServer is invalid or doesn't exist"


def test_split_return_target_is_internal_in_results_without_internal_directive() -> None:
    """generateLocationForReturn sets no Internal: NIC prints no `internal;` for a split's return target."""
    vs = egress_example_vs(
        routes=(
            Route(
                path="/",
                splits=(
                    Split(weight=50, action=Action(pass_="secure-app")),
                    Split(weight=50, action=Action(return_=ActionReturn(body="b"))),
                ),
            ),
        )
    )
    r = run(vs, cluster(egress_policy()))
    assert "internal" not in r.location("/internal_location_splits_0_split_1")
    flags = {loc.path: loc.internal for loc in r.result.host.locations}
    assert flags["/internal_location_splits_0_split_1"] and flags["@return_0"] and not flags["/"]


def test_port_of_nic_TestGenerateVirtualServerConfig() -> None:
    """virtualserver_config_test.go :: TestGenerateVirtualServerConfig (routes, VSRs, inherited error pages)."""
    redirect_pages = [{"codes": [401, 403], "redirect": {"url": "http://nginx.com", "code": 301}}]
    vs = VirtualServer(
        meta=meta("VirtualServer", "cafe"),
        host="cafe.example.com",
        upstreams=(
            VSUpstream(name="tea", service="tea-svc", port=80),
            VSUpstream(name="tea-latest", service="tea-svc", port=80, subselector={"version": "v1"}),
            VSUpstream(name="coffee", service="coffee-svc", port=80),
        ),
        routes=(
            Route(path="/tea", action=Action(pass_="tea")),
            Route(path="/tea-latest", action=Action(pass_="tea-latest")),
            Route(path="/coffee", route="default/coffee"),
            Route(path="/subtea", route="default/subtea"),
            Route(path="/coffee-errorpage", action=Action(pass_="coffee"), extra={"errorPages": redirect_pages}),
            Route(path="/coffee-errorpage-subroute", route="default/subcoffee", extra={"errorPages": redirect_pages}),
        ),
    )

    def vsr(name: str, ups: VSUpstream, *subs: Route) -> VirtualServerRoute:
        return VirtualServerRoute(
            meta=meta("VirtualServerRoute", name), host="cafe.example.com", upstreams=(ups,), subroutes=subs
        )

    coffee = vsr(
        "coffee",
        VSUpstream(name="coffee", service="coffee-svc", port=80),
        Route(path="/coffee", action=Action(pass_="coffee")),
    )
    subtea = vsr(
        "subtea",
        VSUpstream(name="subtea", service="sub-tea-svc", port=80, subselector={"version": "v1"}),
        Route(path="/subtea", action=Action(pass_="subtea")),
    )
    ret_pages = [{"codes": [502, 503], "return": {"code": 200, "type": "text/plain", "body": "All Good"}}]
    subcoffee = vsr(
        "subcoffee",
        VSUpstream(name="coffee", service="coffee-svc", port=80),
        Route(path="/coffee-errorpage-subroute", action=Action(pass_="coffee")),
        Route(
            path="/coffee-errorpage-subroute-defined", action=Action(pass_="coffee"), extra={"errorPages": ret_pages}
        ),
    )
    settings = ControllerSettings(
        configmap={
            "keepalive": "16",
            "server-tokens": "False",  # Go ParseBool: "off" would be ignored on OSS (configmaps.go)
            "set-real-ip-from": "0.0.0.0/0",
            "real-ip-header": "X-Real-IP",
            "real-ip-recursive": "true",
        }
    )
    r = run(vs, cluster(vs, coffee, subtea, subcoffee), vsrs=[coffee, subtea, subcoffee], settings=settings)
    assert texts(r.warnings) == {}
    config = r.result.config
    assert config is not None
    assert [u.name for u in config.upstreams] == [
        "vs_default_cafe_coffee",
        "vs_default_cafe_tea",
        "vs_default_cafe_tea-latest",
        "vs_default_cafe_vsr_default_coffee_coffee",
        "vs_default_cafe_vsr_default_subcoffee_coffee",
        "vs_default_cafe_vsr_default_subtea_subtea",
    ]
    assert all(u.keepalive == 16 for u in config.upstreams)
    locs = config.server.locations
    assert [(loc.path, loc.proxy_pass, loc.is_vsr, loc.vsr_name) for loc in locs] == [
        ("/tea", "http://vs_default_cafe_tea", False, ""),
        ("/tea-latest", "http://vs_default_cafe_tea-latest", False, ""),
        ("/coffee-errorpage", "http://vs_default_cafe_coffee", False, ""),
        ("/coffee", "http://vs_default_cafe_vsr_default_coffee_coffee", True, "coffee"),
        ("/subtea", "http://vs_default_cafe_vsr_default_subtea_subtea", True, "subtea"),
        ("/coffee-errorpage-subroute", "http://vs_default_cafe_vsr_default_subcoffee_coffee", True, "subcoffee"),
        (
            "/coffee-errorpage-subroute-defined",
            "http://vs_default_cafe_vsr_default_subcoffee_coffee",
            True,
            "subcoffee",
        ),
    ]
    pages = {loc.path: [(e.name, e.codes, e.response_code) for e in loc.error_pages] for loc in locs}
    assert pages["/coffee-errorpage"] == [("http://nginx.com", "401 403", 301)]
    assert pages["/coffee-errorpage-subroute"] == [("http://nginx.com", "401 403", 301)]
    assert pages["/coffee-errorpage-subroute-defined"] == [("@error_page_0_0", "502 503", 200)]
    assert [(e.name, e.default_type, e.text) for e in config.server.error_page_locations] == [
        ("@error_page_0_0", "text/plain", "All Good")
    ]
    assert all(loc.has_keepalive and loc.service_name for loc in locs)
    d = r.server.directives
    assert d[-4:] == (
        'server_tokens "off"',
        "set_real_ip_from 0.0.0.0/0",
        "real_ip_header X-Real-IP",
        "real_ip_recursive on",
    )
    assert 'set $default_connection_header ""' in r.location("/tea")
    assert r.location("/coffee-errorpage")[1:3] == (
        'error_page 401 403 =301 "http://nginx.com"',
        "proxy_intercept_errors on",
    )


def test_crl_file_name_nic_never_writes_fails_the_reload_like_nic_e2e() -> None:
    """tests/suite/test_ingress_mtls.py (crl cases): crlFileName webapp.crl -> state Invalid; with ca.crl too,
    the W7 warning comes first ("added or updated ; with warning(s)")."""
    pol = replace(
        ingress_policy(), ingress_mtls=IngressMTLS(client_cert_secret="ingress-mtls-secret", crl_file_name="webapp.crl")
    )
    plain = run(ingress_example_vs(), cluster(pol))
    assert "ssl_crl /etc/nginx/secrets/webapp.crl" in plain.server.directives
    res = plain.result.resources[0]
    assert (res.state, res.events[0].reason) == ("Invalid", "AddedOrUpdatedWithError")
    assert res.events[0].message.startswith(
        "Configuration for default/webapp was added or updated ; but was not applied: "
    )
    assert 'X509_LOOKUP_load_file("/etc/nginx/secrets/webapp.crl")' in res.events[0].message
    assert res.events[0].message.endswith(f"not applied: {res.events[0].not_applied}")

    secrets = [tls_secret("tls-secret"), ca_secret("ingress-mtls-secret", crl=True)]
    both = run(ingress_example_vs(), cluster(pol, secrets=secrets))
    res = both.result.resources[0]
    assert res.state == "Invalid"
    assert texts(res.warnings) == (
        "Both ca.crl in the Secret and ingressMTLS.crlFileName fields cannot be used. "
        "ca.crl in default/ingress-mtls-secret will be ignored and default/ingress-mtls-policy will be applied",
    )
    assert "was added or updated ; with warning(s): Both ca.crl" in res.events[0].message


def test_unvalidated_protocols_and_ciphers_that_nginx_refuses() -> None:
    base = egress_policy()
    assert base.egress_mtls is not None
    bad_proto = replace(base, egress_mtls=replace(base.egress_mtls, protocols="TLSv1.2 TLSv1.4"))
    r = run(egress_example_vs(), cluster(bad_proto))
    assert "proxy_ssl_protocols TLSv1.2 TLSv1.4" in r.location("/")
    assert r.result.resources[0].state == "Invalid"
    assert 'invalid value "TLSv1.4"' in r.result.resources[0].events[0].message

    bad_cipher = replace(base, egress_mtls=replace(base.egress_mtls, ciphers="NOT-A-CIPHER"))
    r = run(egress_example_vs(), cluster(bad_cipher))
    assert r.result.resources[0].state == "Invalid"
    # The same cipher list in front of a plain-http upstream never reaches OpenSSL: NIC reports success.
    http_vs = egress_example_vs(upstreams=(VSUpstream(name="secure-app", service="secure-app", port=8443),))
    assert run(http_vs, cluster(bad_cipher)).result.resources[0].state == "Valid"
    good = replace(base, egress_mtls=replace(base.egress_mtls, ciphers="HIGH:!aNULL", protocols="TLSv1.2 TLSv1.3"))
    assert run(egress_example_vs(), cluster(good)).result.resources[0].state == "Valid"


def test_malformed_extra_fields_never_raise() -> None:
    """Bad input never ends in a traceback: odd upstream/route/proxy fields fall back to NIC's defaults."""
    from inspector.model import ActionProxy

    vs = egress_example_vs(
        upstreams=(
            VSUpstream(
                name="secure-app",
                service="secure-app",
                port=8443,
                extra={"max-fails": "x", "keepalive": [1], "buffers": "8 4k", "connect-timeout": 5, "lb-method": ""},
            ),
        ),
        routes=(
            Route(
                path="/",
                action=Action(
                    proxy=ActionProxy(
                        upstream="secure-app",
                        extra={"requestHeaders": "x", "responseHeaders": {"add": ["bad", {"name": "X-Ok"}]}},
                    )
                ),
                extra={"errorPages": ["bad", {"codes": "x", "return": "y"}]},
            ),
        ),
    )
    r = run(vs, cluster(egress_policy()))
    loc = r.location("/")
    assert "proxy_connect_timeout 5s" in loc and "proxy_pass http://vs_default_webapp_secure-app" in loc
    assert not any(d.startswith(("error_page", "proxy_intercept_errors")) for d in loc)


def test_configmap_proxy_protocol_and_http2_shape_listens() -> None:
    settings = ControllerSettings(configmap={"proxy-protocol": "true", "http2": "True"})
    r = run(ingress_example_vs(), cluster(ingress_policy()), settings=settings)
    d = r.server.directives
    assert d[:2] == ("listen 80 proxy_protocol", "listen [::]:80 proxy_protocol")
    assert d[d.index("listen 443 ssl proxy_protocol") + 1 : d.index("listen 443 ssl proxy_protocol") + 3] == (
        "listen [::]:443 ssl proxy_protocol",
        "http2 on",
    )


def test_location_results_follow_rendered_order() -> None:
    """host.locations lines up one-to-one with the rendered location blocks (views pair them by position)."""
    vs = grpc_vs()
    vs = replace(
        vs,
        upstreams=(*vs.upstreams, VSUpstream(name="web", service="web", port=80)),
        routes=(
            *vs.routes,
            Route(
                path="/s", splits=(Split(50, Action(pass_="web")), Split(50, Action(return_=ActionReturn(body="x"))))
            ),
            Route(
                path="=/exact",
                action=Action(pass_="web"),
                extra={"errorPages": [{"codes": [404], "return": {"code": 200, "body": "nf"}}]},
            ),
            Route(path="/r", action=Action(redirect=ActionRedirect(url="http://a"))),
        ),
    )
    r = run(vs, cluster(egress_policy()), settings=ControllerSettings(configmap={"http2": "true"}))
    assert [loc.path for loc in r.result.host.locations] == [loc.path for loc in r.server.locations]
    assert [loc.path for loc in r.server.locations][:4] == ["/s", "@error_page_0_0", "@return_0", "/helloworld.Greeter"]
    assert "= /exact" in [loc.path for loc in r.server.locations]


def test_plus_health_check_locations_carry_no_policy_block() -> None:
    """nginx-plus.virtualserver.tmpl @hc- locations: only server-level egress reaches them (spec §5.5)."""
    hc = {
        "enable": True,
        "path": "/healthz",
        "port": 8443,
        "statusMatch": "200",
        "headers": [{"name": "Host", "value": "x"}],
    }
    grpc_hc = {"enable": True, "grpcStatus": 12}
    vs = egress_example_vs(
        upstreams=(
            VSUpstream(
                name="secure-app",
                service="secure-app",
                port=8443,
                tls=UpstreamTLS(enable=True),
                extra={"healthCheck": hc},
            ),
            VSUpstream(name="g", service="g", port=50051, type="grpc", extra={"healthCheck": grpc_hc}),
        ),
    )
    r = run(vs, cluster(egress_policy()), settings=ControllerSettings(plus=True))
    assert r.location("@hc-vs_default_webapp_secure-app") == (
        'proxy_set_header Host "x"',
        "proxy_connect_timeout 60s",
        "proxy_read_timeout 60s",
        "proxy_send_timeout 60s",
        "proxy_pass https://vs_default_webapp_secure-app",
        "health_check uri=/healthz port=8443 interval=5s jitter=0s fails=1 passes=1 "
        "match=vs_default_webapp_secure-app_match keepalive_time=60s",
    )
    # NIC's template trims the space away when a gRPC check has neither uri nor port.
    assert r.location("@hc-vs_default_webapp_g")[-1] == (
        "health_checkinterval=5s jitter=0s fails=1 passes=1 type=grpc grpc_status=12"
    )
    text = file_text(r.result.file) if r.result.file else ""
    assert "match vs_default_webapp_secure-app_match {\n    status 200;\n}" in text
    assert [loc.path for loc in r.result.host.locations] == [loc.path for loc in r.server.locations]
    cl = cluster(egress_policy())
    oss = generate_virtual_server(vs, None, cl, ControllerSettings(), SecretStore(cl.secrets))
    assert oss.resources[0].state == "Invalid" and "only supported in NGINX Plus" in (oss.resources[0].rejection or "")
    # the rejection's field travels as data: the text starts with it, and nobody reads it back from the text
    rejected = oss.resources[0]
    assert rejected.rejection_field
    assert (rejected.rejection or "").lstrip("[").startswith(rejected.rejection_field + ":")


def test_route_selector_attaches_labelled_vsrs_and_passes_route_policies() -> None:
    """configuration.go :: validateVSRSelectors + GenerateVirtualServerConfig's routeSelector branch."""
    tea = replace(vsr_tea(), meta=meta("VirtualServerRoute", "tea", labels={"app": "tea"}))
    other = replace(vsr_tea(), meta=meta("VirtualServerRoute", "other", labels={"app": "x"}))
    vs = ingress_example_vs(
        policies=(),
        routes=(Route(path="/tea", route_selector={"app": "tea"}, policies=(ref("egress-mtls-policy"),)),),
    )
    r = run(vs, cluster(egress_policy(), vs, tea, other))
    assert [res.ref.name for res in r.result.resources] == ["webapp", "tea"]
    assert r.location("/tea")[4:14] == EXAMPLE_EGRESS_LINES


def test_configmap_read_once_for_ingress_and_vs() -> None:
    """``configmaps.go :: ParseConfigMap`` serves both generators: an invalid lb-method is ignored, max-conns is
    no ConfigMap key, and client-body-buffer-size goes to http{} (MainClientBodyBufferSize), not to locations."""
    settings = ControllerSettings(
        configmap={"lb-method": "fastest", "max-conns": "7", "client-body-buffer-size": "16k", "max-fails": "3"}
    )
    r = run(egress_example_vs(), cluster(egress_policy()), settings=settings)
    config = r.result.config
    assert config is not None
    assert [(u.lb_method, u.max_conns, u.max_fails) for u in config.upstreams] == [
        ("random two least_conn", 0, 3) for _ in config.upstreams
    ]
    assert config.upstreams
    assert not any(loc.client_body_buffer_size for loc in config.server.locations)


def test_broken_ca_crl_fails_the_reload_as_for_an_ingress() -> None:
    """``inspector.nic.reload``: nginx loads the CA secret's ``ca.crl`` file; an unreadable one fails the reload
    (``X509_LOOKUP_load_file``), for a VirtualServer as for an Ingress."""
    from test_nic_vs_helpers import pki_material

    data = {"ca.crt": pki_material()["ca"], "ca.crl": b"x"}
    broken = Secret(meta("Secret", "ingress-mtls-secret"), "nginx.org/ca", data)
    secrets = [tls_secret("tls-secret"), broken, client_secret("egress-mtls-secret")]
    cl = cluster(ingress_policy(), secrets=secrets)
    r = run(ingress_example_vs(), cl)
    (vs,) = r.result.resources
    assert vs.state == "Invalid"
    assert vs.events[0].message.endswith(
        'nginx reload failed: X509_LOOKUP_load_file("/etc/nginx/secrets/default-ingress-mtls-secret-ca.crl") failed '
        "(no certificate or crl found)"
    )

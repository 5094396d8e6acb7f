"""NIC's admission rules and apimachinery texts (ported from NIC's and apimachinery's own test cases)."""

from __future__ import annotations

import pytest

from inspector.model import (
    Action,
    ActionProxy,
    ControllerSettings,
    EgressMTLS,
    IngressMTLS,
    Policy,
    PolicyReference,
    Route,
    Split,
    VirtualServer,
    VirtualServerRoute,
    VSUpstream,
)
from inspector.nic import validation as v
from tests.nic_fixtures import ingress, meta

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
EXACTLY_ONE = (
    'spec: Invalid value: "": must specify exactly one of: `accessControl`, `rateLimit`, `ingressMTLS`, '
    "`egressMTLS`, `basicAuth`, `apiKey`, `cache`, `cors`, `externalAuth`, `hsts`"
)
OSS = ControllerSettings()
PLUS = ControllerSettings(plus=True)


# --- apimachinery -------------------------------------------------------------------------------------------


def test_dns1123_subdomain_messages() -> None:
    assert v.dns1123_subdomain_errors("example.com") == []
    assert v.dns1123_subdomain_errors("-foo-") == [SUBDOMAIN_MSG]
    assert v.dns1123_subdomain_errors("a" * 254) == ["must be no more than 253 characters"]
    assert v.dns1123_subdomain_errors("A" * 254) == ["must be no more than 253 characters", SUBDOMAIN_MSG]
    # Go anchors $ at the very end: a trailing newline is not tolerated.
    assert v.dns1123_subdomain_errors("example.com\n") == [SUBDOMAIN_MSG]


def test_dns1123_label_messages() -> None:
    assert v.dns1123_label_errors("default") == []
    assert v.dns1123_label_errors("my.ns") == ["must not contain dots"]
    assert v.dns1123_label_errors("My_ns") == [LABEL_MSG]
    assert v.dns1123_label_errors("a" * 64) == ["must be no more than 63 characters"]


@pytest.mark.parametrize(
    ("errors", "text"),
    [
        ([], ""),
        (["a: Required value"], "a: Required value"),
        (["a: Required value", "b: Forbidden"], "[a: Required value, b: Forbidden]"),
        (["a: Required value", "a: Required value"], "a: Required value"),
        (["x", "y", "x"], "[x, y]"),
    ],
)
def test_aggregate_formatting(errors: list[str], text: str) -> None:
    assert v.aggregate(errors) == text


def test_field_error_formats_match_nic_test_expectations() -> None:
    # internal/k8s/validation_test.go and configuration_test.go expectations
    assert (
        v.too_many("spec.rules[0].http.paths", 1, 0)
        == "spec.rules[0].http.paths: Too many: 1: must have at most 0 items"
    )
    assert v.too_many("spec.rules", 2, 1) == "spec.rules: Too many: 2: must have at most 1 item"
    assert (
        v.duplicate("spec.rules[1].host", "foo.example.com") == 'spec.rules[1].host: Duplicate value: "foo.example.com"'
    )
    assert v.required("spec.host") == "spec.host: Required value"
    assert v.invalid("spec.listeners[0].port", -1, "must be between 1 and 65535, inclusive") == (
        "spec.listeners[0].port: Invalid value: -1: must be between 1 and 65535, inclusive"
    )
    assert v.invalid("x", 'a"b\n', "d") == 'x: Invalid value: "a\\"b\\n": d'
    assert v.invalid("x", True, "d") == "x: Invalid value: true: d"


# --- Policy ---------------------------------------------------------------------------------------------------


def _ing_policy(**fields: object) -> Policy:
    return Policy(meta("Policy", "default", "p"), ingress_mtls=IngressMTLS(**fields))  # type: ignore[arg-type]


def _eg_policy(**fields: object) -> Policy:
    return Policy(meta("Policy", "default", "p"), egress_mtls=EgressMTLS(**fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"client_cert_secret": "mtls-secret"},
        {"client_cert_secret": "mtls-secret", "verify_client": "on", "verify_depth": 1},
        {"client_cert_secret": "ingress-mtls-secret", "verify_client": "optional", "verify_depth": 2},
        {"client_cert_secret": "s", "verify_client": "optional_no_ca", "verify_depth": 0},
        {"client_cert_secret": "s", "crl_file_name": "../../etc/passwd; return 200"},  # not validated by NIC
    ],
)
def test_ingress_mtls_passes(fields: dict[str, object]) -> None:
    assert v.validate_policy(_ing_policy(**fields), plus=False) == ()


def test_ingress_mtls_failures_exact_texts() -> None:
    assert v.validate_policy(_ing_policy(verify_client="on"), plus=False) == (
        "spec.ingressMTLS.clientCertSecret: Required value",
    )
    # Required returns at once: the bad depth is not reported.
    assert v.validate_policy(_ing_policy(verify_depth=-1), plus=False) == (
        "spec.ingressMTLS.clientCertSecret: Required value",
    )
    assert v.validate_policy(_ing_policy(client_cert_secret="-foo-"), plus=False) == (
        f'spec.ingressMTLS.clientCertSecret: Invalid value: "-foo-": {SUBDOMAIN_MSG}',
    )
    assert v.validate_policy(_ing_policy(client_cert_secret="s", verify_depth=-1), plus=False) == (
        "spec.ingressMTLS.verifyDepth: Invalid value: -1: must be positive",
    )
    (err,) = v.validate_policy(_ing_policy(client_cert_secret="s", verify_client="true"), plus=False)
    assert err.startswith(
        "spec.ingressMTLS.verifyClient: Invalid value: \"true\": 'true' contains an invalid NGINX parameter. "
        "Accepted parameters are: "
    )
    assert sorted(err.split(": ")[-1].split(", ")) == ["off", "on", "optional", "optional_no_ca"]


@pytest.mark.parametrize(
    "fields",
    [
        {"tls_secret": "mtls-secret"},
        {"trusted_cert_secret": "tls-secret", "verify_server": True, "verify_depth": 2},
        {"verify_server": False},
        {"ssl_name": "foo.com"},
        {},
        {"protocols": "TLSv1.3; return 200", "ciphers": "HIGH { }"},  # not validated by NIC
    ],
)
def test_egress_mtls_passes(fields: dict[str, object]) -> None:
    assert v.validate_policy(_eg_policy(**fields), plus=False) == ()


def test_egress_mtls_failures_exact_texts() -> None:
    assert v.validate_policy(_eg_policy(verify_server=True), plus=False) == (
        "spec.egressMTLS.trustedCertSecret: Required value: must be set when verifyServer is 'true'",
    )
    # verifyServer without a CA returns early: depth and sslName are not checked, tlsSecret already was.
    assert v.validate_policy(
        _eg_policy(tls_secret="Bad", verify_server=True, verify_depth=-1, ssl_name="$host"), plus=False
    ) == (
        f'spec.egressMTLS.tlsSecret: Invalid value: "Bad": {SUBDOMAIN_MSG}',
        "spec.egressMTLS.trustedCertSecret: Required value: must be set when verifyServer is 'true'",
    )
    assert v.validate_policy(_eg_policy(trusted_cert_secret="-foo-"), plus=False) == (
        f'spec.egressMTLS.trustedCertSecret: Invalid value: "-foo-": {SUBDOMAIN_MSG}',
    )
    assert v.validate_policy(
        _eg_policy(trusted_cert_secret="ingress-mtls-secret", verify_server=True, verify_depth=-1), plus=False
    ) == ("spec.egressMTLS.verifyDepth: Invalid value: -1: must be positive",)
    assert v.validate_policy(_eg_policy(ssl_name="foo.com;"), plus=False) == (
        f'spec.egressMTLS.sslName: Invalid value: "foo.com;": {SUBDOMAIN_MSG}',
    )


def test_exactly_one_rule() -> None:
    empty = Policy(meta("Policy", "default", "p"))  # e.g. a pruned `ingress_MTLS` key
    assert v.validate_policy(empty, plus=False) == (EXACTLY_ONE,)
    assert v.validate_policy(empty, plus=True) == (EXACTLY_ONE + ", `jwt`, `oidc`, `waf`",)
    both = Policy(
        meta("Policy", "default", "p"),
        ingress_mtls=IngressMTLS(client_cert_secret=""),
        egress_mtls=EgressMTLS(verify_depth=-1),
    )
    # Field errors come in NIC's field order, then the "exactly one" error.
    assert v.validate_policy(both, plus=False) == (
        "spec.ingressMTLS.clientCertSecret: Required value",
        "spec.egressMTLS.verifyDepth: Invalid value: -1: must be positive",
        EXACTLY_ONE,
    )
    access = Policy(meta("Policy", "default", "p"), other_types=("accessControl", "rateLimit"))
    assert v.validate_policy(access, plus=True) == (EXACTLY_ONE + ", `jwt`, `oidc`, `waf`",)


def test_plus_gates() -> None:
    jwt = Policy(meta("Policy", "default", "p"), other_types=("jwt",))
    assert v.validate_policy(jwt, plus=False) == ("spec.jwt: Forbidden: jwt secrets are only supported in NGINX Plus",)
    assert v.validate_policy(jwt, plus=True) == ()
    waf = Policy(meta("Policy", "default", "p"), other_types=("waf",))
    assert v.validate_policy(waf, plus=False) == (
        "spec.waf: Forbidden: WAF is only supported in NGINX Plus",
        "spec.waf: Forbidden: App Protect must be enabled via cli argument -enable-app-protect to use WAF policy",
    )
    assert v.validate_policy(waf, plus=True, enable_app_protect=True) == ()
    oidc = Policy(meta("Policy", "default", "p"), other_types=("oidc",))
    assert v.validate_policy(oidc, plus=False, enable_oidc=True) == (
        "spec.oidc: Forbidden: OIDC is only supported in NGINX Plus",
    )
    assert v.validate_policy(oidc, plus=True) == (
        "spec.oidc: Forbidden: OIDC must be enabled via cli argument -enable-oidc to use OIDC policy",
    )
    # Plus-only types are fine for mTLS: neither mTLS type has a gate.
    assert v.validate_policy(_ing_policy(client_cert_secret="s"), plus=False) == ()


def test_policy_rejection_message() -> None:
    policy = _eg_policy(verify_server=True)
    errors = v.validate_policy(policy, plus=False)
    assert v.policy_rejection_message(policy, errors) == (
        "Policy default/p is invalid and was rejected: spec.egressMTLS.trustedCertSecret: Required value: "
        "must be set when verifyServer is 'true'"
    )


# --- Ingress annotations and spec -------------------------------------------------------------------------------

POLICY_PATH = "annotations.nginx.org/policies"


@pytest.mark.parametrize(
    "value",
    [
        "my-policy",
        "policy123",
        "policy.name.test",
        "1policy",
        "namespace/policy-name",
        "namespace.test/policy.example",
        "a" * 63 + "/" + "b" * 63,
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z",
        "p1, p2",
        "p1,\tns/p2 ,  p3",
    ],
)
def test_policies_annotation_valid(value: str) -> None:
    assert v.validate_ingress(ingress(annotations={"nginx.org/policies": value}), OSS) == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("namespace/policy/with/slashes", ["policy name must be a valid DNS subdomain"]),
        ("ns/policy//name", ["policy name must be a valid DNS subdomain"]),
        ("policy1,,policy2", ["policy name cannot be empty"]),
        ("   ", ["policy name cannot be empty"]),
        ("policy1,", ["policy name cannot be empty"]),
        ("/policy", ["policy namespace cannot be empty"]),
        ("namespace/", ["policy name cannot be empty"]),
        ("/", ["policy namespace cannot be empty", "policy name cannot be empty"]),
        ("  /policy", ["policy namespace cannot be empty"]),
        ("PolicyName", ["policy name must be a valid DNS subdomain"]),
        ("policy_name", ["policy name must be a valid DNS subdomain"]),
        ("policy..name", ["policy name must be a valid DNS subdomain"]),
        ("policy name", ["policy name must be a valid DNS subdomain"]),
        ("NameSpace/policy", ["policy namespace must be a valid DNS subdomain"]),
        ("INVALID-NS/INVALID-POLICY", ["policy namespace must be", "policy name must be"]),
        ("policyñame", ["policy name must be a valid DNS subdomain"]),
        ("valid-policy,,INVALID-CASE,/empty-ns,ns/", ["policy name cannot be empty", "policy namespace cannot be"]),
    ],
)
def test_policies_annotation_invalid(value: str, expected: list[str]) -> None:
    errors = v.validate_ingress(ingress(annotations={"nginx.org/policies": value}), OSS)
    assert errors
    assert all(e.startswith(f"{POLICY_PATH}: Invalid value: ") for e in errors)
    for fragment in expected:
        assert any(fragment in e for e in errors), (fragment, errors)


def test_policies_annotation_exact_texts() -> None:
    errors = v.validate_ingress(ingress(annotations={"nginx.org/policies": "/"}), OSS)
    assert errors == (
        f'{POLICY_PATH}: Invalid value: "/": policy namespace cannot be empty',
        f'{POLICY_PATH}: Invalid value: "/": policy namespace must be a valid DNS subdomain: {SUBDOMAIN_MSG}',
        f'{POLICY_PATH}: Invalid value: "/": policy name cannot be empty',
        f'{POLICY_PATH}: Invalid value: "/": policy name must be a valid DNS subdomain: {SUBDOMAIN_MSG}',
    )
    assert v.validate_ingress(ingress(annotations={"nginx.org/policies": ""}), OSS) == (
        f"{POLICY_PATH}: Required value",
    )
    # validateCommaSeparatedList stops the chain before the name checks.
    assert v.validate_ingress(ingress(annotations={"nginx.org/policies": "a,$b"}), OSS) == (
        f'{POLICY_PATH}: Invalid value: "$b": {v.ANNOTATION_VALUE_MSG}',
    )


def test_plus_policies_annotation_requires_plus() -> None:
    ing = ingress(annotations={"nginx.com/policies": "egress-mtls-policy"})
    assert v.validate_ingress(ing, OSS) == (
        "annotations.nginx.com/policies: Forbidden: annotation requires NGINX Plus",
    )
    assert v.validate_ingress(ing, PLUS) == ()


def test_service_list_annotations() -> None:
    ing = ingress(paths=(("/a", "service-1"),), annotations={"nginx.org/ssl-services": "service-1,service-2"})
    assert v.validate_ingress(ing, OSS) == (
        'annotations.nginx.org/ssl-services: Invalid value: "service-1,service-2": must be a comma-separated list '
        "of services. The following services were not found: service-2",
    )
    ok = ingress(
        paths=(("/a", "service-1"), ("/b", "service-2")), annotations={"nginx.org/grpc-services": "service-1,service-2"}
    )
    assert v.validate_ingress(ok, OSS) == ()
    # Items are not trimmed: "a, b" looks for a service called " b".
    spaced = ingress(paths=(("/a", "a"), ("/b", "b")), annotations={"nginx.org/ssl-services": "a, b"})
    assert v.validate_ingress(spaced, OSS) == (
        'annotations.nginx.org/ssl-services: Invalid value: "a, b": must be a comma-separated list of services. '
        "The following services were not found:  b",
    )


def test_mergeable_master_and_minion_rules() -> None:
    master = ingress(annotations={"nginx.org/mergeable-ingress-type": "master"})
    assert v.validate_ingress(master, OSS) == ("spec.rules[0].http.paths: Too many: 1: must have at most 0 items",)
    minion = ingress(annotations={"nginx.org/mergeable-ingress-type": "minion"}, paths=())
    assert v.validate_ingress(minion, OSS) == (
        "spec.rules[0].http.paths: Required value: must include at least one path",
    )
    from inspector.model import IngressTLS

    minion_tls = ingress(
        annotations={"nginx.org/mergeable-ingress-type": "minion"},
        tls=(IngressTLS(("cafe.example.com",), "s"),),
    )
    assert v.validate_ingress(minion_tls, OSS) == ("spec.tls: Too many: 1: must have at most 0 items",)
    bad = ingress(annotations={"nginx.org/mergeable-ingress-type": "invalid"})
    assert v.validate_ingress(bad, OSS) == (
        "annotations.nginx.org/mergeable-ingress-type: Invalid value: \"invalid\": must be one of: 'master' or "
        "'minion'",
    )
    two_hosts = ingress(annotations={"nginx.org/mergeable-ingress-type": "master"}, hosts=("a.com", "b.com"), paths=())
    assert v.validate_ingress(two_hosts, OSS) == ("spec.rules: Too many: 2: must have at most 1 item",)


def test_ingress_spec_rules() -> None:
    dup = ingress(hosts=("foo.example.com", "foo.example.com"))
    assert v.validate_ingress(dup, OSS) == ('spec.rules[1].host: Duplicate value: "foo.example.com"',)
    assert v.validate_ingress(ingress(hosts=("",)), OSS) == ("spec.rules[0].host: Required value",)
    assert v.validate_ingress(ingress(hosts=()), OSS) == ("spec.rules: Required value",)
    bad_path = ingress(paths=(("/tea;", "tea"),))
    (err,) = v.validate_ingress(bad_path, OSS)
    assert err.startswith('spec.rules[0].http.paths[0].path: Invalid value: "/tea;": must start with / and must not')
    assert v.validate_ingress(ingress(paths=(("/etc/passwd", "tea"),)), OSS) == (
        'spec.rules[0].http.paths[0].path: Invalid value: "/etc/passwd": must not contain invalid paths',
    )


def test_annotations_are_reported_in_sorted_order() -> None:
    ing = ingress(
        annotations={
            "nginx.org/ssl-redirect": "maybe",
            "nginx.org/policies": "",
            "nginx.com/policies": "x",
            "nginx.org/server-snippets": "return 200;",
        }
    )
    assert v.validate_ingress(ing, OSS) == (
        "annotations.nginx.com/policies: Forbidden: annotation requires NGINX Plus",
        "annotations.nginx.org/policies: Required value",
        "annotations.nginx.org/server-snippets: Forbidden: snippet specified but snippets feature is not enabled",
        'annotations.nginx.org/ssl-redirect: Invalid value: "maybe": must be a boolean',
    )
    assert v.validate_ingress(ing, OSS, snippets=True)[-1].endswith("must be a boolean")


# --- VirtualServer / VirtualServerRoute -------------------------------------------------------------------------


def _vs(policies: tuple[PolicyReference, ...] = (), routes: tuple[Route, ...] | None = None) -> VirtualServer:
    ups = (VSUpstream(name="tea", service="tea-svc", port=80),)
    if routes is None:
        routes = (Route(path="/tea", action=Action(pass_="tea")),)
    return VirtualServer(
        meta("VirtualServer", "default", "cafe"),
        host="cafe.example.com",
        policies=policies,
        upstreams=ups,
        routes=routes,
    )


def test_vs_policy_refs() -> None:
    assert v.validate_virtual_server(_vs((PolicyReference("p"), PolicyReference("p", "other"))), OSS) == ()
    assert v.validate_virtual_server(_vs((PolicyReference("p"), PolicyReference("p", "default"))), OSS) == (
        'spec.policies[1]: Duplicate value: "default/p"',
    )
    assert v.validate_virtual_server(_vs((PolicyReference(""),)), OSS) == ("spec.policies[0].name: Required value",)
    assert v.validate_virtual_server(_vs((PolicyReference("p", "my.ns"),)), OSS) == (
        'spec.policies[0].namespace: Invalid value: "my.ns": must not contain dots',
    )
    route = Route(path="/tea", action=Action(pass_="tea"), policies=(PolicyReference("P_1"),))
    assert v.validate_virtual_server(_vs(routes=(route,)), OSS) == (
        f'spec.routes[0].policies[0].name: Invalid value: "P_1": {SUBDOMAIN_MSG}',
    )


def test_vs_routes_and_upstreams() -> None:
    assert v.validate_virtual_server(_vs(), OSS) == ()
    no_action = Route(path="/tea")
    assert v.validate_virtual_server(_vs(routes=(no_action,)), OSS) == (
        'spec.routes[0]: Invalid value: "": must specify exactly one of `action`, `splits`, `route` or `routeSelector`',
    )
    missing = Route(path="/tea", action=Action(pass_="coffee"))
    assert v.validate_virtual_server(_vs(routes=(missing,)), OSS) == (
        'spec.routes[0].action.pass: Not found: "coffee"',
    )
    two = Route(path="/tea", action=Action(pass_="tea", proxy=ActionProxy(upstream="tea")))
    assert v.validate_virtual_server(_vs(routes=(two,)), OSS) == (
        "spec.routes[0].action: Required value: action must specify exactly one of `pass`, `redirect`, `return` or "
        "`proxy`",
    )
    splits = Route(path="/tea", splits=(Split(50, Action(pass_="tea")), Split(40, Action(pass_="tea"))))
    assert v.validate_virtual_server(_vs(routes=(splits,)), OSS) == (
        'spec.routes[0].splits: Invalid value: "": the sum of the weights of all splits must be equal to 100',
    )
    dup = (Route(path="~ /a", action=Action(pass_="tea")), Route(path="~/a", action=Action(pass_="tea")))
    assert v.validate_virtual_server(_vs(routes=dup), OSS) == ('spec.routes[1].path: Duplicate value: "~/a"',)
    no_host = VirtualServer(meta("VirtualServer", "default", "x"))
    assert v.validate_virtual_server(no_host, OSS) == ("spec.host: Required value",)


def test_vsr_validation() -> None:
    vsr = VirtualServerRoute(
        meta("VirtualServerRoute", "default", "tea"),
        host="cafe.example.com",
        upstreams=(VSUpstream(name="tea", service="tea-svc", port=80),),
        subroutes=(
            Route(path="/tea", action=Action(pass_="tea"), policies=(PolicyReference("a"), PolicyReference("a"))),
        ),
    )
    assert v.validate_virtual_server_route(vsr, OSS) == ('spec.subroutes[0].policies[1]: Duplicate value: "default/a"',)
    assert v.validate_virtual_server_route(vsr, OSS, vs_host="bar.example.com", vs_paths=("/tea",))[0] == (
        "spec.host: Invalid value: \"cafe.example.com\": must be equal to 'bar.example.com'"
    )
    assert v.validate_virtual_server_route(vsr, OSS, vs_paths=("/coffee",))[-1] == (
        "spec.subroutes[0].path: Invalid value: \"/tea\": must start with '/coffee'"
    )


def test_vs_upstream_tuning_fields() -> None:
    ups = VSUpstream(
        name="tea",
        service="tea-svc",
        port=80,
        extra={
            "connect-timeout": "10x",
            "next-upstream": "error bogus error",
            "max-fails": -1,
            "lb-method": "least_time header",
            "slow-start": "10s",
            "healthCheck": {"enable": True},
        },
    )
    vs = VirtualServer(
        meta("VirtualServer", "default", "cafe"),
        host="cafe.example.com",
        upstreams=(ups,),
        routes=(Route(path="/", action=Action(pass_="tea")),),
    )
    assert v.validate_virtual_server(vs, OSS) == (
        'spec.upstreams[0].connect-timeout: Invalid value: "10x": invalid time string',
        'spec.upstreams[0].next-upstream: Invalid value: "bogus": not a valid parameter',
        'spec.upstreams[0].next-upstream: Invalid value: "error": can not have duplicate parameters',
        'spec.upstreams[0].lb-method: Invalid value: "least_time header": invalid load balancing method: '
        '"least_time header"',
        "spec.upstreams[0].max-fails: Invalid value: -1: must be positive or zero",
        "spec.upstreams[0].healthCheck: Forbidden: active health checks are only supported in NGINX Plus",
        "spec.upstreams[0].slow-start: Forbidden: slow start is only supported in NGINX Plus",
    )
    assert v.validate_virtual_server(vs, PLUS) == (
        'spec.upstreams[0].connect-timeout: Invalid value: "10x": invalid time string',
        'spec.upstreams[0].next-upstream: Invalid value: "bogus": not a valid parameter',
        'spec.upstreams[0].next-upstream: Invalid value: "error": can not have duplicate parameters',
        "spec.upstreams[0].max-fails: Invalid value: -1: must be positive or zero",
    )


def test_api_server_host_rules_are_opt_in() -> None:
    bad = ingress(hosts=("Cafe.example.com", "10.0.0.1", "*.example.com", "a.*.com"))
    assert v.validate_ingress(bad, OSS) == ()
    errors = v.validate_ingress(bad, OSS, api_server=True)
    assert errors[0] == f'spec.rules[0].host: Invalid value: "Cafe.example.com": {SUBDOMAIN_MSG}'
    assert errors[1] == 'spec.rules[1].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'
    assert len(errors) == 3 and errors[2].startswith(
        'spec.rules[3].host: Invalid value: "a.*.com": a wildcard DNS-1123'
    )


def test_vs_redirect_and_return_actions() -> None:
    from inspector.model import ActionRedirect, ActionReturn

    def one(action: Action) -> tuple[str, ...]:
        return v.validate_virtual_server(_vs(routes=(Route(path="/", action=action),)), OSS)

    assert one(Action(redirect=ActionRedirect(url="${scheme}://${host}/green/", code=302))) == ()
    assert one(Action(redirect=ActionRedirect(url="www.nginx.com"))) == (
        "spec.routes[0].action.redirect.url: Invalid value: \"www.nginx.com\": must contain the protocol with '://', "
        "for example http://, https:// or ${scheme}://",
    )
    assert one(Action(redirect=ActionRedirect(url="http://$host/"))) == (
        'spec.routes[0].action.redirect.url: Invalid value: "http://$host/": variables must be enclosed in curly '
        "braces, for example ${host}",
    )
    (err,) = one(Action(redirect=ActionRedirect(url="http://${request_body}/")))
    assert err.startswith(
        "spec.routes[0].action.redirect.url: Invalid value: \"request_body\": 'request_body' contains an invalid "
        "NGINX variable. Accepted variables are: "
    )
    assert one(Action(return_=ActionReturn(code=200, body="${http_x_user} ${arg_a} ${cookie_c} ${host}"))) == ()
    assert one(Action(return_=ActionReturn(code=302, body="moved"))) == (
        "spec.routes[0].action.return.code: Invalid value: 302: must be a valid status code either 2XX, 4XX or 5XX, "
        "for example, 200 or 402.",
    )
    assert one(Action(return_=ActionReturn(body=""))) == ("spec.routes[0].action.return.body: Required value",)
    assert one(Action(return_=ActionReturn(body="${http_x-user}"))) == (
        'spec.routes[0].action.return.body: Invalid value: "http_x-user": a valid special variable must consists of '
        "alphanumeric characters or '_'",
    )


def test_vs_match_conditions() -> None:
    from inspector.model import Condition, Match

    match = Match(
        conditions=(
            Condition(header="x_y", value="a"),
            Condition(variable="$host"),
            Condition(cookie="c", argument="a"),
        ),
        action=Action(pass_="tea"),
    )
    route = Route(path="/", matches=(match,), action=Action(pass_="tea"))
    errors = v.validate_virtual_server(_vs(routes=(route,)), OSS)
    assert errors[0].startswith('spec.routes[0].matches[0].conditions[0].header: Invalid value: "x_y": a valid HTTP')
    assert errors[1:] == (
        'spec.routes[0].matches[0].conditions[1].variable: Invalid value: "$host": is not allowed or is not an NGINX '
        "variable",
        'spec.routes[0].matches[0].conditions[2]: Invalid value: "": must specify exactly one of: `header`, `cookie`, '
        "`argument` or `variable`",
    )


def test_field_errors_keep_their_field_as_data() -> None:
    """``field.Error`` texts are what NIC prints; the path they name is kept beside the text for the checks."""
    from inspector.nic.validation import FieldError, aggregate, first_field, forbidden, invalid, required

    errors = [invalid("spec.routes[0].path", "x", "must start with '/'"), required("spec.host"), "plain text"]
    assert errors[0] == "spec.routes[0].path: Invalid value: \"x\": must start with '/'"
    assert [getattr(e, "field", None) for e in errors] == ["spec.routes[0].path", "spec.host", None]
    assert first_field(errors) == "spec.routes[0].path" and first_field(errors[2:]) == "" and first_field([]) == ""
    assert aggregate(errors).startswith("[spec.routes[0].path: Invalid value")  # joined like any text
    assert isinstance(forbidden("annotations.nginx.org/x", "no"), FieldError)

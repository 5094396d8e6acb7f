"""No value reaches nginx.conf unexamined: NIC's own validation replayed with its exact messages, MTLS068 for what
NIC copies verbatim, and real ``nginx -t`` judging everything the replica lets through (issue 14, items 1, 2, 9).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from inspector.model import (
    Action,
    ActionProxy,
    ActionReturn,
    ConfigMap,
    ControllerSettings,
    Meta,
    ObjectRef,
    Origin,
    Route,
    VirtualServer,
    VSUpstream,
)
from inspector.nic.config import parse_configmap
from inspector.nic.reload import cipher_error, first_statement, too_long_error
from inspector.nic.validation import validate_ingress_annotations, validate_virtual_server
from inspector.render.nginx_conf import nginx_test, write_test_config
from inspector.report import Report, build_report
from inspector.sources.convert import load_cluster
from tests.test_checks_helpers import active, ingress, line_of, report_from
from tests.test_nic_ingress_helpers import cluster as ing_cluster
from tests.test_nic_ingress_helpers import ingress as ing_model
from tests.test_nic_ingress_helpers import path as ing_path
from tests.test_nic_ingress_helpers import tls_secret

HEADER_MSG = (
    "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for "
    "validation is '[-A-Za-z0-9]+')"
)
PATH_MSG = (
    "must start with / and must not include any whitespace character, `{`, `}` or `;` (e.g. '/',  or '/path',  or "
    "'/path/subpath-123', regex used for validation is '/[^\\s{};\\\\]*')"
)


# --- NIC's annotation validation, message by message (internal/k8s/validation.go) ------------------------------

ANNOTATION_CASES = [
    (
        "nginx.org/proxy-hide-headers",
        "X-A, X-B;include /etc/passwd",
        [f'annotations.nginx.org/proxy-hide-headers: Invalid value: "X-B;include /etc/passwd": {HEADER_MSG}'],
    ),
    ("nginx.org/proxy-hide-headers", "X-A, X-B", []),
    (
        "nginx.org/proxy-pass-headers",
        "X-A,",
        [f'annotations.nginx.org/proxy-pass-headers: Invalid value: "": {HEADER_MSG}'],
    ),
    (
        "nginx.org/proxy-set-headers",
        "X-A: $x,,B",
        [
            'annotations.nginx.org/proxy-set-headers: Invalid value: "X-A: $x": invalid character in header value: $',
            'annotations.nginx.org/proxy-set-headers: Invalid value: "": empty header name',
        ],
    ),
    (
        "nginx.org/proxy-set-headers",
        "X-A: a\nb",
        [
            'annotations.nginx.org/proxy-set-headers: Invalid value: "X-A: a\\nb": value must not contain newline '
            "or carriage-return characters"
        ],
    ),
    ("nginx.org/proxy-set-headers", "X-Forwarded-ABC, X-B: on", []),
    ("nginx.org/proxy-set-headers", "", ["annotations.nginx.org/proxy-set-headers: Required value"]),
    (
        "nginx.org/add-header",
        "X-A: 1: sometimes",
        [
            'annotations.nginx.org/add-header: Invalid value: "X-A: 1: sometimes": invalid flag "sometimes": must be '
            '"always" or empty'
        ],
    ),
    (
        "nginx.org/proxy-buffers",
        "4 8k; access_log /tmp/x",
        ['annotations.nginx.org/proxy-buffers: Invalid value: "4 8k; access_log /tmp/x": must be a proxy buffer spec'],
    ),
    ("nginx.org/proxy-buffers", " 4 8K\n", []),
    (
        "nginx.org/proxy-next-upstream",
        "error error",
        ['annotations.nginx.org/proxy-next-upstream: Invalid value: "error error": duplicate value: error'],
    ),
    (
        "nginx.org/proxy-next-upstream",
        "error;",
        [
            'annotations.nginx.org/proxy-next-upstream: Invalid value: "error;": must be a space-separated list with '
            "any of the following values: error, http_403, http_404, http_429, http_500, http_502, http_503, "
            "http_504, invalid_header, non_idempotent, off, timeout"
        ],
    ),
    (
        "nginx.org/rewrite-target",
        "/a;b",
        [
            f'annotations.nginx.org/rewrite-target: Invalid value: "/a;b": {PATH_MSG}',
            'annotations.nginx.org/rewrite-target: Invalid value: "/a;b": NGINX configuration syntax characters '
            "(;{}) and []|<>,^`~ not allowed in rewrite target",
        ],
    ),
    (
        "nginx.org/rewrite-target",
        "https://evil",
        [
            'annotations.nginx.org/rewrite-target: Invalid value: "https://evil": absolute URLs not allowed in '
            "rewrite target",
            f'annotations.nginx.org/rewrite-target: Invalid value: "https://evil": {PATH_MSG}',
        ],
    ),
    ("nginx.org/rewrite-target", "/coffee/$1", []),
    (
        "nginx.org/app-root",
        "/",
        [
            "annotations.nginx.org/app-root: Invalid value: \"/\": cannot be '/'",
            "annotations.nginx.org/app-root: Invalid value: \"/\": path should not end with '/'",
        ],
    ),
    (
        "nginx.org/app-root",
        "/a$b",
        [
            'annotations.nginx.org/app-root: Invalid value: "/a$b": path must not contain the following characters: '
            "whitespace, '{', '}', ';', '$', '|', '^', '<', '>', '\\', '\"', '#', '[', ']'"
        ],
    ),
    (
        "nginx.org/rewrites",
        "serviceName=tea-svc rewrite=/a{b}",
        [
            'annotations.nginx.org/rewrites: Invalid value: "serviceName=tea-svc rewrite=/a{b}": path must start with '
            "'/' and must not include any whitespace character, '{', '}' or '$': '/a{b}'"
        ],
    ),
    (
        "nginx.org/rewrites",
        "serviceName=other rewrite=/",
        [
            'annotations.nginx.org/rewrites: Invalid value: "serviceName=other rewrite=/": The following services were '
            "not found: other"
        ],
    ),
    (
        "nginx.org/http-redirect-code",
        "303",
        [
            'annotations.nginx.org/http-redirect-code: Invalid value: "303": status code out of accepted range. '
            "accepted values are '301', '302', '307', '308'"
        ],
    ),
    (
        "nginx.org/listen-ports",
        "80, 81",
        ['annotations.nginx.org/listen-ports: Invalid value: "80, 81": must be a comma-separated list of port numbers'],
    ),
    (
        "nginx.org/custom-http-errors",
        "404,499",
        [
            'annotations.nginx.org/custom-http-errors: Invalid value: "404,499": invalid status code 499: NGINX '
            "rejects this code in the error_page directive"
        ],
    ),
    (
        "nginx.org/proxy-redirect-to",
        "http://a b",
        [
            "annotations.nginx.org/proxy-redirect-to: Invalid value: \"http://a b\": must not contain ';', '{', "
            "'}', newline, carriage return, backtick, whitespace, or '#'"
        ],
    ),
    (
        "nginx.org/limit-req-key",
        "$binary_remote_addr;",
        [
            'annotations.nginx.org/limit-req-key: Invalid value: "$binary_remote_addr;": must consist of one or more '
            "NGINX variable references ($varname or ${varname}); must not contain ';', '\"', '\\', or newline "
            "characters (e.g. '$binary_remote_addr',  or '${request_uri}', regex used for validation is "
            "'^(\\$\\{[a-zA-Z_][a-zA-Z0-9_]*\\}|\\$[a-zA-Z_][a-zA-Z0-9_]*)+$')"
        ],
    ),
    (
        "nginx.org/sticky-cookie-services",
        "serviceName=tea srv_id",
        [],
    ),
    (
        "nginx.org/sticky-cookie-services",
        "tea",
        [
            'annotations.nginx.org/sticky-cookie-services: Invalid value: "tea": invalid sticky-cookie service '
            "format: tea. Must be a semicolon-separated list of sticky services"
        ],
    ),
    ("nginx.org/ssl-ciphers", "HIGH; return 200", []),  # NIC does not validate it: MTLS068's business
]


@pytest.mark.parametrize(("name", "value", "expected"), ANNOTATION_CASES)
def test_annotation_validation_matches_nic(name: str, value: str, expected: list[str]) -> None:
    assert validate_ingress_annotations({name: value}, frozenset({"tea-svc"}), plus=False) == expected


def test_listen_ports_are_forbidden_on_a_hostless_ingress() -> None:
    errs = validate_ingress_annotations({"nginx.org/listen-ports": "80"}, frozenset(), plus=False, hostless=True)
    assert errs == ["annotations.nginx.org/listen-ports: Forbidden: annotation is not supported for hostless Ingress"]


def test_an_injected_header_annotation_rejects_the_ingress_and_renders_nothing(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        ingress("cafe", "default", "cafe.example.com", annotations={"nginx.org/proxy-hide-headers": "X;include /x"}),
    )
    (rejected,) = active(report, "MTLS013")
    assert 'annotations.nginx.org/proxy-hide-headers: Invalid value: "X;include /x"' in rejected.message
    assert not report.nic.files


# --- what NIC copies verbatim: MTLS068 names the field -------------------------------------------------------


def _configmap(**data: str) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: nginx-config, namespace: nginx-ingress}", "data:"]
    for key, value in data.items():
        lines.append(f"  {key}: {value!r}".replace("'", '"') if "'" not in value else f"  {key}: |\n    {value}")
    return "\n".join(lines) + "\n"


def test_configmap_values_nic_copies_verbatim_are_mtls068_with_the_key_and_line(tmp_path: Path) -> None:
    docs = (
        _configmap(**{"proxy-read-timeout": "60s; include /etc/passwd", "proxy-connect-timeout": "30s"}),
        ingress("cafe", "default", "cafe.example.com"),
    )
    report = report_from(tmp_path, *docs)
    (finding,) = active(report, "MTLS068")
    assert finding.message == (
        "ConfigMap key proxy-read-timeout '60s; include /etc/passwd' contains ';': NIC copies it verbatim into "
        "nginx.conf"
    )
    assert finding.resource == ObjectRef("ConfigMap", "nginx-ingress", "nginx-config")
    assert finding.source.endswith(f":{line_of(tmp_path, 'proxy-read-timeout')}")


def test_a_configmap_snippet_is_always_mtls068(tmp_path: Path) -> None:
    text = _configmap(**{"server-snippets": "access_log /tmp/x.log;"})
    report = report_from(tmp_path, text, ingress("cafe", "default", "cafe.example.com"))
    (finding,) = active(report, "MTLS068")
    assert "ConfigMap key server-snippets" in finding.message and "is a snippet" in finding.message


def test_configmap_keys_from_the_command_line_name_the_option(tmp_path: Path) -> None:
    settings = ControllerSettings(configmap={"proxy-hide-headers": "X-A,{"})
    report = report_from(tmp_path, ingress("cafe", "default", "cafe.example.com"), settings=settings)
    (finding,) = active(report, "MTLS068")
    assert finding.source == "--configmap proxy-hide-headers" and finding.resource is None


def test_plain_configmap_values_are_not_flagged(tmp_path: Path) -> None:
    text = _configmap(
        **{
            "proxy-read-timeout": "1m30s",
            "client-max-body-size": "2g",
            "proxy-hide-headers": "X-A, X-B",
            "set-real-ip-from": "10.0.0.0/8,::1",
            "default-server-return": "301 https://example.com",
            "upstream-zone-size": "512k",
        }
    )
    report = report_from(tmp_path, text, ingress("cafe", "default", "cafe.example.com"))
    assert active(report, "MTLS068") == []


def test_ssl_ciphers_annotation_is_mtls068_and_the_rest_is_loaded_as_directives(tmp_path: Path) -> None:
    ann = {"nginx.org/ssl-ciphers": "HIGH; return 200"}
    report = report_from(tmp_path, ingress("cafe", "default", "cafe.example.com", annotations=ann))
    (finding,) = active(report, "MTLS068")
    assert finding.message.startswith("annotation nginx.org/ssl-ciphers 'HIGH; return 200' contains ';'")
    assert finding.host == "cafe.example.com"
    assert finding.source.endswith(f":{line_of(tmp_path, 'nginx.org/ssl-ciphers')}")


def test_configmap_proxy_buffers_are_parsed_as_nic_does() -> None:
    assert parse_configmap({"proxy-buffers": " 4 8K "}, False).proxy_buffers == "4 8K"
    assert parse_configmap({"proxy-buffers": "4 8k; include /x"}, False).proxy_buffers == ""
    assert parse_configmap({"proxy-buffer-size": "8x"}, False).proxy_buffer_size == ""
    assert parse_configmap({"proxy-busy-buffers-size": " 16k"}, False).proxy_busy_buffers_size == "16k"


# --- MTLS032: what nginx does with a cipher list ------------------------------------------------------------


def test_nginx_reads_a_value_up_to_its_first_semicolon() -> None:
    assert first_statement("HIGH; return 200") == (("HIGH",), " return 200")
    assert first_statement('"HIGH; x"') == (("HIGH; x",), "")
    assert first_statement("HIGH {") is None
    assert cipher_error("HIGH; return 200") is None  # nginx loads HIGH, then runs `return 200`
    assert cipher_error("HIGH MEDIUM", "ssl_ciphers") == 'invalid number of arguments in "ssl_ciphers" directive'
    assert cipher_error("NOPE") == 'SSL_CTX_set_cipher_list("NOPE") failed (SSL: no cipher match)'
    assert too_long_error('"' + "a" * 4094 + '"') is None
    assert too_long_error('"' + "a" * 4095 + '"') == 'too long parameter, probably missing terminating """ character'


@pytest.mark.parametrize(
    ("ciphers", "nginx_says"),
    [
        ("NOPE", 'SSL_CTX_set_cipher_list("NOPE") failed'),
        ("HIGH MEDIUM", 'invalid number of arguments in "ssl_ciphers" directive'),
    ],
)
def test_ssl_ciphers_reload_error_is_what_nginx_says(
    ciphers: str, nginx_says: str, tmp_path: Path, nginx_bin: str
) -> None:
    ing = ing_model(
        "cafe",
        annotations={"nginx.org/ssl-ciphers": ciphers},
        rules=(("cafe.example.com", (ing_path("/", "tea-svc"),)),),
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    cl = ing_cluster(ing, tls_secret("tls-secret"))
    report = build_report(cl, ControllerSettings())
    (finding,) = active(report, "MTLS032")
    assert nginx_says in finding.message
    ok, out = nginx_test(write_test_config(report.nic, tmp_path / "nginx"), nginx_bin)
    assert not ok and nginx_says in out


# --- VirtualServer: header names and values, rewritePath (virtualserver.go :: validateActionProxy) -----------


def _vs(proxy: ActionProxy | None = None, ret: ActionReturn | None = None, path: str = "/") -> VirtualServer:
    action = Action(proxy=proxy) if proxy is not None else Action(return_=ret)
    return VirtualServer(
        meta=Meta(ObjectRef("VirtualServer", "default", "webapp"), Origin("vs.yaml")),
        host="webapp.example.com",
        upstreams=(VSUpstream(name="webapp", service="webapp-svc", port=80),),
        routes=(Route(path=path, action=action),),
    )


def test_vs_proxy_headers_and_rewrite_path_are_validated_as_nic() -> None:
    proxy = ActionProxy(
        upstream="webapp",
        rewrite_path="/a;b",
        extra={
            "requestHeaders": {"set": [{"name": "X;Y", "value": "${x}y"}]},
            "responseHeaders": {"hide": ["X-A B"], "ignore": ["Nope"]},
        },
    )
    errs = validate_virtual_server(_vs(proxy), ControllerSettings())
    base = "spec.routes[0].action.proxy"
    assert f'{base}.requestHeaders[0].name: Invalid value: "X;Y": {HEADER_MSG}' in errs
    assert any(
        e.startswith(
            f"{base}.requestHeaders[0].value: Invalid value: \"x\": 'x' contains an invalid NGINX "
            "variable. Accepted variables are: request_uri, "
        )
        for e in errs
    )
    assert f'{base}.responseHeaders.hide[0]: Invalid value: "X-A B": {HEADER_MSG}' in errs
    assert any(
        e.startswith(f'{base}.responseHeaders.ignore[0]: Invalid value: "Nope": not a valid ignore header')
        for e in errs
    )
    assert f'{base}.rewritePath: Invalid value: "/a;b": {PATH_MSG}' in errs


def test_vs_header_value_with_jwt_claim_needs_plus() -> None:
    proxy = ActionProxy(
        upstream="webapp", extra={"requestHeaders": {"set": [{"name": "X", "value": "${jwt_claim_sub}"}]}}
    )
    assert validate_virtual_server(_vs(proxy), ControllerSettings()) == (
        "spec.routes[0].action.proxy.requestHeaders[0].value: Forbidden: is only supported in NGINX Plus",
    )
    assert validate_virtual_server(_vs(proxy), ControllerSettings(plus=True)) == ()


def test_vs_regex_route_rewrite_path_may_use_captures() -> None:
    ok = ActionProxy(upstream="webapp", rewrite_path="/x/$1")
    assert validate_virtual_server(_vs(ok, path="~ ^/a/(.*)"), ControllerSettings()) == ()
    bad = ActionProxy(upstream="webapp", rewrite_path="/x/$host")
    assert validate_virtual_server(_vs(bad, path="~ ^/a/(.*)"), ControllerSettings()) == (
        'spec.routes[0].action.proxy.rewritePath: Invalid value: "/x/$host": `$` character can be only followed by '
        "a number",
    )


def test_long_return_body_is_predicted_as_nginx_fails_it(tmp_path: Path, nginx_bin: str) -> None:
    vs = _vs(ret=ActionReturn(code=200, body="a" * 100_000))
    report = build_report(ing_cluster(vs), ControllerSettings())
    (finding,) = active(report, "MTLS032")
    assert "too long parameter" in finding.message
    ok, out = nginx_test(write_test_config(report.nic, tmp_path / "nginx"), nginx_bin)
    assert not ok and "too long parameter" in out


# --- the API server's admission (item 9) -------------------------------------------------------------------


def test_api_server_refuses_what_it_refuses(tmp_path: Path) -> None:
    docs = [
        "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {name: Bad_Name}\nspec: {egressMTLS: {}}\n",
        "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {name: deep}\n"
        "spec: {ingressMTLS: {clientCertSecret: ca, verifyDepth: 99999999999999999999}}\n",
        "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {name: fine}\n"
        "spec: {ingressMTLS: {clientCertSecret: ca, verifyDepth: 2147483648}}\n",
        ingress("semi", "default", "a.example.com", paths=(("/", "tea;svc"),)),
        ingress("portname", "default", "b.example.com").replace("number: 80", "name: HTTP--x"),
    ]
    (tmp_path / "m.yaml").write_text("---\n".join(docs), encoding="utf-8")
    cl = load_cluster([str(tmp_path / "m.yaml")])
    assert list(cl.policies) == ["default/fine"] and cl.policies["default/fine"].ingress_mtls is not None
    assert not cl.ingresses
    messages = "\n".join(p.message for p in cl.problems)
    assert 'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain' in messages
    assert 'verifyDepth: Invalid value: "number": spec.ingressMTLS.verifyDepth in body must be of type integer' in (
        messages
    )
    assert 'backend.service.name: Invalid value: "tea;svc": a DNS-1035 label must consist of' in messages
    for text in (
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "must not contain consecutive hyphens",
    ):
        assert f'backend.service.port.name: Invalid value: "HTTP--x": {text}' in messages


# --- the property: flagged, refused, or accepted by nginx -t with the prediction holding ---------------------

_JUNK = st.text(alphabet=" ;{}#$\"'\\\n\tazAZ0189yMkmgsh-_:/.,=~", min_size=0, max_size=14)
_ANNOTATIONS = {
    "nginx.org/proxy-hide-headers": st.sampled_from(["X-A", "X-A, X-B"]),
    "nginx.org/proxy-pass-headers": st.sampled_from(["X-A"]),
    "nginx.org/proxy-set-headers": st.sampled_from(["X-A", "X-B: on"]),
    "nginx.org/add-header": st.sampled_from(["X-A: 1", "X-A: 1: always"]),
    "nginx.org/proxy-buffers": st.sampled_from(["4 8k", "8 16K", "2 4k", "1 4k"]),
    "nginx.org/proxy-buffer-size": st.sampled_from(["8k", "64k"]),
    "nginx.org/proxy-busy-buffers-size": st.sampled_from(["16k", "4k"]),
    "nginx.org/proxy-max-temp-file-size": st.sampled_from(["0", "1k", "1024m"]),
    "nginx.org/client-max-body-size": st.sampled_from(["10m", "1g"]),
    "nginx.org/proxy-next-upstream": st.sampled_from(["error timeout", "http_502"]),
    "nginx.org/proxy-read-timeout": st.sampled_from(["10s", "1m30s", "1y"]),
    "nginx.org/rewrite-target": st.sampled_from(["/x", "/x/$1"]),
    "nginx.org/app-root": st.sampled_from(["/app"]),
    "nginx.org/ssl-ciphers": st.sampled_from(["HIGH:!aNULL", "ECDHE-RSA-AES128-GCM-SHA256"]),
    "nginx.org/listen-ports": st.sampled_from(["8080", "8080,8081", "65536"]),
}
_CONFIGMAP = {
    "proxy-connect-timeout": st.sampled_from(["5s", "1m", "1M"]),
    "proxy-read-timeout": st.sampled_from(["60s"]),
    "client-max-body-size": st.sampled_from(["1m", "0"]),
    "proxy-hide-headers": st.sampled_from(["X-A", "X-A,X-B"]),
    "proxy-buffers": st.sampled_from(["4 8k"]),
    "proxy-max-temp-file-size": st.sampled_from(["1024m"]),
    "real-ip-header": st.sampled_from(["X-Real-IP"]),
    "set-real-ip-from": st.sampled_from(["10.0.0.0/8"]),
    "default-server-return": st.sampled_from(["404", "301 https://example.com"]),
    "server-snippets": st.sampled_from([""]),
    "upstream-zone-size": st.sampled_from(["512k"]),
}


def _values(table: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[dict[str, str]]:
    """A few keys of ``table``, each with a plausible value or junk with nginx's special characters."""
    return st.dictionaries(st.sampled_from(sorted(table)), st.just(""), max_size=3).flatmap(
        lambda keys: st.fixed_dictionaries({k: st.one_of(table[k], table[k], _JUNK) for k in keys})
    )


_VS_FIELDS = st.fixed_dictionaries(
    {
        "name": st.one_of(st.just("X-Up"), st.just("X-Up"), st.just("X-Up"), _JUNK),
        "value": st.one_of(st.sampled_from(["on", "${host}y", "${x}y", "a b"]), _JUNK),
        "rewrite": st.one_of(st.sampled_from(["", "/r"]), st.just(""), _JUNK),
        "body": st.one_of(st.just("hi"), st.just("hi"), _JUNK),
        "path": st.one_of(st.sampled_from(["/tea", "/a{1}", "/a#b", "/a}b"]), _JUNK.map(lambda j: "/t" + j)),
        "connect-timeout": st.one_of(st.sampled_from(["5s", "1m", "2y"]), _JUNK),
        "client-max-body-size": st.one_of(st.sampled_from(["1m", "2g"]), _JUNK),
        "buffer-size": st.one_of(st.sampled_from(["4k", "64k"]), _JUNK),
        "next-upstream": st.one_of(st.sampled_from(["error timeout", "http_502"]), _JUNK),
        "type": st.one_of(st.sampled_from(["", "text/plain"]), _JUNK),
        "ret-header": st.one_of(st.sampled_from(["on", "a b"]), _JUNK),
    }
)


def _property_cluster(annotations: dict[str, str], data: dict[str, str], vsf: dict[str, str]) -> Report:
    ing = ing_model(
        "cafe",
        annotations=annotations,
        rules=(("cafe.example.com", (ing_path(vsf["path"], "tea-svc"),)),),
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    proxy = ActionProxy(
        upstream="webapp",
        rewrite_path=vsf["rewrite"],
        extra={"requestHeaders": {"set": [{"name": vsf["name"], "value": vsf["value"]}]}},
    )
    vs = VirtualServer(
        meta=Meta(ObjectRef("VirtualServer", "default", "webapp"), Origin("vs.yaml")),
        host="webapp.example.com",
        upstreams=(
            VSUpstream(
                name="webapp",
                service="webapp-svc",
                port=80,
                extra={k: vsf[k] for k in ("connect-timeout", "client-max-body-size", "buffer-size", "next-upstream")},
            ),
        ),
        routes=(
            Route(path="/", action=Action(proxy=proxy)),
            Route(
                path="/ret",
                action=Action(
                    return_=ActionReturn(
                        code=200, type=vsf["type"], body=vsf["body"], headers=(("X-R", vsf["ret-header"]),)
                    )
                ),
            ),
        ),
    )
    cm = ConfigMap(Meta(ObjectRef("ConfigMap", "nginx-ingress", "nginx-config"), Origin("cm.yaml")), data)
    return build_report(ing_cluster(ing, vs, cm, tls_secret("tls-secret")), ControllerSettings())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(annotations=_values(_ANNOTATIONS), data=_values(_CONFIGMAP), vsf=_VS_FIELDS)
def test_every_rendered_value_is_flagged_refused_or_accepted_by_nginx(
    nginx_bin: str, annotations: dict[str, str], data: dict[str, str], vsf: dict[str, str]
) -> None:
    report = _property_cluster(annotations, data, vsf)
    errors = {f.check.id for f in report.findings if f.check.severity == "error"}
    event("MTLS068" if "MTLS068" in errors else "rejected" if errors & {"MTLS013", "MTLS014"} else "rendered")
    if "MTLS068" in errors:
        return  # flagged: the value is copied verbatim and may inject; `rehearse` refuses such a configuration
    with tempfile.TemporaryDirectory() as tmp:
        ok, out = nginx_test(write_test_config(report.nic, Path(tmp) / "nginx"), nginx_bin)
    # Refused resources (MTLS013/MTLS014) are not rendered; what is rendered must load unless MTLS032 says not.
    assert ok == ("MTLS032" not in errors), (out, annotations, data, vsf, sorted(errors))


_PLAIN_VS = {
    "name": "X-Up",
    "value": "on",
    "rewrite": "",
    "body": "hi",
    "path": "/tea",
    "connect-timeout": "5s",
    "client-max-body-size": "1m",
    "buffer-size": "4k",
    "next-upstream": "error timeout",
    "type": "",
    "ret-header": "on",
}
_ONE_FIELD = st.one_of(
    st.tuples(st.just("annotation"), st.sampled_from(sorted(_ANNOTATIONS)), _JUNK),
    st.tuples(st.just("configmap"), st.sampled_from(sorted(_CONFIGMAP)), _JUNK),
    st.tuples(st.just("vs"), st.sampled_from(sorted(_PLAIN_VS)), _JUNK),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(case=_ONE_FIELD)
def test_one_junk_field_among_plain_ones_is_flagged_refused_or_accepted_by_nginx(
    nginx_bin: str, case: tuple[str, str, str]
) -> None:
    """The same property with a single junk value, so that the junk itself is rendered more often."""
    where, key, value = case
    annotations = {key: value} if where == "annotation" else {}
    data = {key: value} if where == "configmap" else {}
    vsf = {**_PLAIN_VS, **({key: value} if where == "vs" else {})}
    if key == "path":
        vsf["path"] = "/t" + value
    report = _property_cluster(annotations, data, vsf)
    errors = {f.check.id for f in report.findings if f.check.severity == "error"}
    if "MTLS068" in errors:
        return
    with tempfile.TemporaryDirectory() as tmp:
        ok, out = nginx_test(write_test_config(report.nic, Path(tmp) / "nginx"), nginx_bin)
    assert ok == ("MTLS032" not in errors), (out, case, sorted(errors))


@pytest.mark.parametrize(
    ("annotations", "nginx_says"),
    [
        (
            {"nginx.org/proxy-buffers": "2 4k", "nginx.org/proxy-buffer-size": "64k"},
            "must be less than the size of all",
        ),
        ({"nginx.org/proxy-max-temp-file-size": "1k", "nginx.org/proxy-buffer-size": "8k"}, "must be equal to zero"),
        ({"nginx.org/listen-ports": "65536"}, 'invalid port in "65536" of the "listen" directive'),
        ({"nginx.org/proxy-read-timeout": "1y"}, '"proxy_read_timeout" directive invalid value'),
    ],
)
def test_values_nic_accepts_but_nginx_refuses_are_mtls032(
    annotations: dict[str, str], nginx_says: str, tmp_path: Path, nginx_bin: str
) -> None:
    ing = ing_model("cafe", annotations=annotations, rules=(("cafe.example.com", (ing_path("/tea", "tea-svc"),)),))
    report = build_report(ing_cluster(ing), ControllerSettings())
    (finding,) = active(report, "MTLS032")
    assert nginx_says in finding.message
    ok, out = nginx_test(write_test_config(report.nic, tmp_path / "nginx"), nginx_bin)
    assert not ok and nginx_says in out


def test_an_unquoted_ingress_path_with_a_brace_is_predicted_as_nginx_reads_it(tmp_path: Path, nginx_bin: str) -> None:
    """NIC's path check lets `/a{1}` through (braces without letters); nginx opens a block at the brace."""
    ing = ing_model("cafe", rules=(("cafe.example.com", (ing_path("/a{1}", "tea-svc"),)),))
    report = build_report(ing_cluster(ing), ControllerSettings())
    (finding,) = active(report, "MTLS032")
    assert 'unknown directive "1}"' in finding.message
    ok, out = nginx_test(write_test_config(report.nic, tmp_path / "nginx"), nginx_bin)
    assert not ok and 'unknown directive "1}"' in out


def test_a_trailing_dollar_in_rewrite_path_is_predicted_as_nginx_fails_it(tmp_path: Path, nginx_bin: str) -> None:
    """NIC only refuses `$` before a non-digit; a trailing `$` reaches `proxy_pass` (found by the property test)."""
    vs = _vs(ActionProxy(upstream="webapp", rewrite_path="/$"))
    assert validate_virtual_server(vs, ControllerSettings()) == ()
    report = build_report(ing_cluster(vs), ControllerSettings())
    (finding,) = active(report, "MTLS032")
    assert "invalid variable name" in finding.message
    ok, out = nginx_test(write_test_config(report.nic, tmp_path / "nginx"), nginx_bin)
    assert not ok and "invalid variable name" in out


def test_plus_configmap_server_tokens_breaking_its_quotes_is_mtls068(tmp_path: Path) -> None:
    settings = ControllerSettings(plus=True, configmap={"server-tokens": 'x"; include /etc/passwd; "'})
    report = report_from(tmp_path, ingress("cafe", "default", "cafe.example.com"), settings=settings)
    (finding,) = active(report, "MTLS068")
    assert finding.message.startswith("ConfigMap key server-tokens") and "inside nginx's quotes" in finding.message
    oss = report_from(tmp_path, ingress("cafe", "default", "cafe.example.com"), settings=ControllerSettings())
    assert active(oss, "MTLS068") == []


def test_add_header_inherit_is_normalised_as_nic_does() -> None:
    assert parse_configmap({"add-header-inherit": " MERGE "}, False).add_header_inherit == "merge"
    assert parse_configmap({"add-header-inherit": "sometimes"}, False).add_header_inherit == ""

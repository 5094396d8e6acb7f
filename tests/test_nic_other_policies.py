"""The other policy types inside the NIC replica: their fatal checks discard mTLS, their directives sit where NIC's are.

Ported from NIC 5.6's ``internal/configs/policy_test.go`` (``TestGeneratePoliciesFails``, ``TestGeneratePolicies``,
``TestAddHSTSConfig``) and from the template positions of ``version1/nginx(-plus).ingress.tmpl`` and
``version2/nginx(-plus).virtualserver.tmpl`` (snapshot files ``version1/__snapshots__/template_test.snap``,
``version2/__snapshots__/templates_test.snap``). Secrets are real (``inspector.pki`` certificates, htpasswd/JWK/
API-key data) and go through the replica's secret store, so the errors are the ones NIC's store records.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from shared import texts
from test_nic_vs_helpers import (
    DEFAULT_PROXY_TAIL,
    EXAMPLE_EGRESS_LINES,
    NEXT_UPSTREAM,
    ca_secret,
    cluster,
    default_secrets,
    egress_example_vs,
    egress_policy,
    ingress_example_vs,
    ingress_policy,
    meta,
    ref,
    run,
)

from inspector.model import (
    VSTLS,
    Action,
    ControllerSettings,
    ObjectRef,
    Policy,
    Route,
    Secret,
    VirtualServer,
    VirtualServerRoute,
    VSUpstream,
)
from inspector.nic.policies import generate_policies, ingress_waf_annotation_error, other_secret_refs
from inspector.nic.secrets import SecretStore
from inspector.nic.types import NicResult, PoliciesCfg
from inspector.nic.virtualserver import generate_virtual_server
from inspector.render import file_text
from inspector.render.nginx_conf import nginx_test, write_test_config
from tests import test_nic_ingress_helpers as ih

VS = ObjectRef("VirtualServer", "default", "test")
SERVER_HEAD = (
    "listen 80",
    "listen [::]:80",
    "server_name webapp.example.com",
    'set $resource_type "virtualserver"',
    'set $resource_name "webapp"',
    'set $resource_namespace "default"',
    'set $service "-"',
)


# --- builders ------------------------------------------------------------------------------------------------


def other(kind: str, name: str, spec: Mapping[str, Any], ns: str = "default") -> Policy:
    """A Policy of a non-mTLS type, as sources/convert.py builds it from a manifest (pruned spec kept)."""
    return Policy(meta=meta("Policy", name, ns), other_types=(kind,), other_specs={kind: dict(spec)})


def htpasswd_secret(name: str = "htpasswd-secret", ns: str = "default") -> Secret:
    digest = base64.b64encode(hashlib.sha1(b"secret").digest()).decode()
    return Secret(meta("Secret", name, ns), "nginx.org/htpasswd", {"htpasswd": f"user:{{SHA}}{digest}\n".encode()})


def jwk_secret(name: str = "jwt-secret", ns: str = "default", *, with_key: bool = True) -> Secret:
    data = {"jwk": b'{"keys":[{"k":"ZmFudGFzdGljand0","kty":"oct","kid":"0001"}]}'} if with_key else {}
    return Secret(meta("Secret", name, ns), "nginx.org/jwk", data)


def apikey_secret(name: str = "api-key-secret", ns: str = "default", **keys: bytes) -> Secret:
    return Secret(meta("Secret", name, ns), "nginx.org/apikey", keys or {"client1": b"password"})


def gen(
    names: Sequence[str],
    policies: Sequence[Policy],
    secrets: Sequence[Secret] = (),
    *,
    context: str = "spec",
    tls: bool = True,
    is_ingress: bool = False,
    owner: ObjectRef = VS,
) -> PoliciesCfg:
    """One generatePolicies call with the controller's secret lookups done first (as createVirtualServerEx does)."""
    pmap = {p.meta.ref.key: p for p in policies}
    store = SecretStore({s.meta.ref.key: s for s in secrets})
    refs = other_secret_refs(pmap, store, ingress=is_ingress)
    from inspector.nic.policies import mtls_secret_refs

    mtls, _errors = mtls_secret_refs(pmap, store)
    refs.update(mtls)
    return generate_policies(
        owner,
        [ref(n) for n in names],
        pmap,
        context,  # type: ignore[arg-type]
        tls=tls,
        secret_refs=refs,
        is_ingress=is_ingress,
        settings=ControllerSettings(),
    )


def statuses(cfg: PoliciesCfg) -> list[tuple[str, str, str]]:
    return [(o.source.key, o.type, o.status) for o in cfg.outcomes]


# --- policy_test.go :: TestGeneratePoliciesFails / TestGeneratePolicies, the other types --------------------------


def test_conflicting_access_control_policies_both_kept_with_warning() -> None:
    """NIC case "conflicting policies": allow and deny lists append, and the override warning is emitted."""
    cfg = gen(
        ["allow-policy", "deny-policy"],
        [
            other("accessControl", "allow-policy", {"allow": ["127.0.0.1"]}),
            other("accessControl", "deny-policy", {"deny": ["127.0.0.2"]}),
        ],
    )
    assert cfg.error_return is None
    assert (cfg.allow, cfg.deny) == (("127.0.0.1",), ("127.0.0.2",))
    assert texts(cfg.warnings) == (
        "AccessControl policy (or policies) with deny rules is overridden by policy (or policies) with allow rules",
    )
    assert [o.status for o in cfg.outcomes] == ["applied", "applied"]
    assert cfg.outcomes[1].reason.startswith("accessControl policy:")


def test_jwt_invalid_secret_wrong_type_and_duplicate() -> None:
    """NIC cases "jwt reference missing secret", "jwt references wrong secret type", "multi jwt reference"."""
    jwt = other("jwt", "jwt-policy", {"realm": "test", "secret": "jwt-secret"})
    bad = gen(["jwt-policy"], [jwt], [jwk_secret(with_key=False)])
    assert bad.error_return == 500
    assert texts(bad.warnings) == (
        "JWT policy default/jwt-policy references an invalid secret default/jwt-secret: "
        "JWK secret must have the data field jwk",
    )
    wrong = gen(["jwt-policy"], [jwt], [ca_secret("jwt-secret")])
    assert texts(wrong.warnings) == (
        "JWT policy default/jwt-policy references a secret default/jwt-secret of a wrong type 'nginx.org/ca', "
        "must be 'nginx.org/jwk'",
    )
    jwt2 = other("jwt", "jwt-policy2", {"realm": "test", "secret": "jwt-secret2"})
    multi = gen(["jwt-policy", "jwt-policy2"], [jwt, jwt2], [jwk_secret(), jwk_secret("jwt-secret2")])
    assert multi.error_return is None
    assert multi.jwt_auth is not None and multi.jwt_auth.secret == "/etc/nginx/secrets/default-jwt-secret"
    assert multi.jwt_auth.realm == "test"
    assert texts(multi.warnings) == (
        "Multiple jwt policies in the same context is not valid. JWT policy default/jwt-policy2 will be ignored",
    )
    assert [o.status for o in multi.outcomes] == ["applied", "ignored"]


def test_jwt_jwks_trusted_cert_checks() -> None:
    """addJWTAuthConfig JWKS branch: sslVerify + trustedCertSecret looked up by addJWTTrustedCertSecretRefs."""
    spec = {
        "realm": "r",
        "jwksURI": "https://idp.example.com:8443/keys",
        "sslVerify": True,
        "trustedCertSecret": "idp-ca",
        "keyCache": "1h",
    }
    jwt = other("jwt", "jwks", spec)
    ok = gen(["jwks"], [jwt], [ca_secret("idp-ca")])
    assert ok.jwt_auth is not None
    assert (ok.jwt_auth.key, ok.jwt_auth.jwks_host, ok.jwt_auth.key_cache) == ("default/jwks", "idp.example.com", "1h")
    wrong = gen(["jwks"], [jwt], [htpasswd_secret("idp-ca")])
    assert texts(wrong.warnings) == (
        "JWT policy default/jwks references a secret default/idp-ca of a wrong type 'nginx.org/htpasswd', "
        "must be 'nginx.org/ca'",
    )
    missing = gen(["jwks"], [jwt], [])
    assert texts(missing.warnings) == (
        "JWT policy default/jwks references an invalid trusted cert secret default/idp-ca: "
        "secret doesn't exist or of an unsupported type",
    )


def test_basic_auth_missing_wrong_type_duplicate() -> None:
    """NIC cases "basic auth reference missing secret", "... wrong secret type", "multi basic auth reference"."""
    basic = other("basicAuth", "basic-auth-policy", {"realm": "test", "secret": "htpasswd-secret"})
    missing = gen(["basic-auth-policy"], [basic])
    assert missing.error_return == 500
    assert texts(missing.warnings) == (
        "Basic Auth policy default/basic-auth-policy references an invalid secret default/htpasswd-secret: "
        "secret doesn't exist or of an unsupported type",
    )
    wrong = gen(["basic-auth-policy"], [basic], [jwk_secret("htpasswd-secret")])
    assert texts(wrong.warnings) == (
        "Basic Auth policy default/basic-auth-policy references a secret default/htpasswd-secret of a wrong type "
        "'nginx.org/jwk', must be 'nginx.org/htpasswd'",
    )
    no_key = gen(["basic-auth-policy"], [basic], [Secret(meta("Secret", "htpasswd-secret"), "nginx.org/htpasswd")])
    assert no_key.warnings[0].text.endswith("htpasswd secret must have the data field htpasswd")
    basic2 = other("basicAuth", "basic-auth-policy2", {"realm": "test", "secret": "htpasswd-secret2"})
    multi = gen(["basic-auth-policy", "basic-auth-policy2"], [basic, basic2], [htpasswd_secret()])
    assert multi.basic_auth is not None
    assert (multi.basic_auth.secret, multi.basic_auth.realm) == ("/etc/nginx/secrets/default-htpasswd-secret", "test")
    assert texts(multi.warnings) == (
        "Multiple basic auth policies in the same context is not valid. Basic auth policy "
        "default/basic-auth-policy2 will be ignored",
    )


def test_api_key_duplicate_is_fatal_and_secret_checks() -> None:
    """NIC case "api key multi api key policies" (fatal, unlike other duplicates), wrong type, repeated keys."""
    supplied = {"header": ["X-API-Key"], "query": ["api-key"]}
    one = other("apiKey", "api-key-policy", {"suppliedIn": supplied, "clientSecret": "api-key-secret"})
    two = other("apiKey", "api-key-policy-2", {"suppliedIn": supplied, "clientSecret": "api-key-secret"})
    multi = gen(["api-key-policy", "api-key-policy-2"], [one, two], [apikey_secret()])
    assert multi.error_return == 500 and multi.api_key is None
    assert texts(multi.warnings) == (
        "Multiple API Key policies in the same context is not valid. API Key policy default/api-key-policy-2 will "
        "be ignored",
    )
    assert statuses(multi) == [
        ("default/api-key-policy", "other", "rejected"),
        ("default/api-key-policy-2", "other", "rejected"),
    ]
    assert multi.outcomes[0].reason.startswith("discarded")
    wrong = gen(["api-key-policy"], [one], [jwk_secret("api-key-secret")])
    assert texts(wrong.warnings) == (
        "API Key policy default/api-key-policy references a secret default/api-key-secret of a wrong type "
        "'nginx.org/jwk', must be 'nginx.org/apikey'",
    )
    repeated = gen(["api-key-policy"], [one], [apikey_secret(a=b"same", b=b"same")])
    assert texts(repeated.warnings) == (
        "API Key default/api-key-policy references an invalid secret default/api-key-secret: "
        "API Keys cannot be repeated",
    )
    ok = gen(["api-key-policy"], [one], [apikey_secret()])
    assert ok.api_key is not None
    assert ok.api_key.map_name == "apikey_auth_client_name_default_test_vs_api_key_policy"
    assert (ok.api_key.header, ok.api_key.query) == (("X-API-Key",), ("api-key",))


def test_hsts_rules() -> None:
    """TestAddHSTSConfig and "hsts policy missing max age", "multiple hsts policies", "hsts policy in route context"."""
    hsts = other("hsts", "hsts-policy", {"maxAge": 31536000, "includeSubDomains": True})
    ok = gen(["hsts-policy"], [hsts])
    assert ok.hsts is not None and (ok.hsts.max_age, ok.hsts.include_subdomains) == (31536000, True)
    route = gen(["hsts-policy"], [hsts], context="route")
    assert route.error_return == 500
    assert texts(route.warnings) == ("HSTS policy default/hsts-policy is not allowed in the route context",)
    no_tls = gen(["hsts-policy"], [hsts], tls=False)
    assert texts(no_tls.warnings) == ("TLS must be enabled for HSTS policy default/hsts-policy",)
    behind = other("hsts", "behind", {"maxAge": 10, "behindProxy": True})
    assert gen(["behind"], [behind], tls=False).hsts is not None
    missing = gen(["no-age"], [other("hsts", "no-age", {"preload": True})])
    assert texts(missing.warnings) == ("HSTS policy default/no-age is missing required field maxAge",)
    multi = gen(["hsts-policy", "behind"], [hsts, behind])
    assert multi.hsts is not None and multi.hsts.source.key == "default/hsts-policy"
    assert texts(multi.warnings) == (
        "Multiple HSTS policies in the same context are not valid. HSTS policy default/behind will be ignored",
    )


def test_rate_limit_option_override_warnings_and_zone_names() -> None:
    """NIC case "rate limit policy limit request option override": options come from the first reference."""
    first = other("rateLimit", "rateLimit-policy", {"key": "test", "zoneSize": "10M", "rate": "10r/s"})
    second = other(
        "rateLimit",
        "rateLimit-policy2",
        {"key": "test2", "zoneSize": "20M", "rate": "20r/s", "dryRun": True, "logLevel": "info", "rejectCode": 505},
    )
    cfg = gen(["rateLimit-policy", "rateLimit-policy2"], [first, second])
    assert [z.zone_name for z in cfg.limit_req_zones] == [
        "pol_rl_default_rateLimit_policy_default_test_vs",
        "pol_rl_default_rateLimit_policy2_default_test_vs",
    ]
    assert [r.zone_name for r in cfg.limit_reqs] == [z.zone_name for z in cfg.limit_req_zones]
    assert cfg.limit_req_options is not None
    assert (cfg.limit_req_options.dry_run, cfg.limit_req_options.log_level, cfg.limit_req_options.reject_code) == (
        False,
        "error",
        503,
    )
    assert texts(cfg.warnings) == (
        "RateLimit policy default/rateLimit-policy2 with limit request option dryRun='true' is overridden to "
        "dryRun='false' by the first policy reference in this context",
        "RateLimit policy default/rateLimit-policy2 with limit request option logLevel='info' is overridden to "
        "logLevel='error' by the first policy reference in this context",
        "RateLimit policy default/rateLimit-policy2 with limit request option rejectCode='505' is overridden to "
        "rejectCode='503' by the first policy reference in this context",
    )


def test_external_auth_duplicate_and_trusted_cert() -> None:
    """addExternalAuthConfig: duplicate warning; with sslEnabled+sslVerify the trusted CA goes through 3 checks."""
    spec = {
        "authURI": "/auth",
        "authServiceName": "auth-svc",
        "sslEnabled": True,
        "sslVerify": True,
        "trustedCertSecret": "other-ns/auth-ca",
    }
    ext = other("externalAuth", "ext", spec)
    ext2 = other("externalAuth", "ext2", {"authURI": "/auth", "authServiceName": "auth-svc"})
    ok = gen(["ext", "ext2"], [ext, ext2], [ca_secret("auth-ca", "other-ns")])
    assert ok.error_return is None
    assert texts(ok.warnings) == (
        "Multiple external auth policies in the same context is not valid. External auth policy default/ext2 will "
        "be ignored",
    )
    wrong = gen(["ext"], [ext], [htpasswd_secret("auth-ca", "other-ns")])
    assert texts(wrong.warnings) == (
        "ExternalAuth policy default/ext references a secret other-ns/auth-ca of a wrong type 'nginx.org/htpasswd', "
        "must be 'nginx.org/ca'",
    )


def test_cors_later_policy_overrides_earlier_silently() -> None:
    """addCORSConfig has no duplicate check: the last CORS policy's headers win, with no warning."""
    a = other("cors", "cors-a", {"allowOrigin": ["https://a.example.com"]})
    b = other("cors", "cors-b", {"allowOrigin": ["https://b.example.com"]})
    cfg = gen(["cors-a", "cors-b"], [a, b])
    assert texts(cfg.warnings) == ()
    assert [o.status for o in cfg.outcomes] == ["overridden", "applied"]


def test_cache_oidc_waf_duplicates_warn_and_keep_the_first() -> None:
    """addCacheConfig/addOIDCConfig/addWAFConfig: "Multiple <type> policies ... will be ignored", not fatal."""
    cases = {
        "cache": "Multiple cache policies in the same context is not valid. Cache policy default/cache-2 will be "
        "ignored",
        "oidc": "Multiple oidc policies in the same context is not valid. OIDC policy default/oidc-2 will be ignored",
        "waf": "Multiple WAF policies in the same context is not valid. WAF policy default/waf-2 will be ignored",
    }
    for kind, text in cases.items():
        cfg = gen([f"{kind}-1", f"{kind}-2"], [other(kind, f"{kind}-1", {}), other(kind, f"{kind}-2", {})])
        assert cfg.error_return is None and texts(cfg.warnings) == (text,)
        assert [o.status for o in cfg.outcomes] == ["applied", "ignored"]


# --- a fatal other-type policy discards the mTLS policies gathered before it -------------------------------------

FATAL_AFTER_MTLS: dict[str, tuple[Policy, list[Secret], str]] = {
    "jwt": (
        other("jwt", "fatal", {"realm": "r", "secret": "jwt-secret"}),
        [ca_secret("jwt-secret")],
        "JWT policy default/fatal references a secret default/jwt-secret of a wrong type 'nginx.org/ca', "
        "must be 'nginx.org/jwk'",
    ),
    "basicAuth": (
        other("basicAuth", "fatal", {"secret": "nope"}),
        [],
        "Basic Auth policy default/fatal references an invalid secret default/nope: "
        "secret doesn't exist or of an unsupported type",
    ),
    "apiKey": (
        other("apiKey", "fatal", {"clientSecret": "keys", "suppliedIn": {"header": ["X-Key"]}}),
        [apikey_secret("keys", a=b"x", b=b"x")],
        "API Key default/fatal references an invalid secret default/keys: API Keys cannot be repeated",
    ),
    "hsts": (
        other("hsts", "fatal", {"includeSubDomains": True}),
        [],
        "HSTS policy default/fatal is missing required field maxAge",
    ),
    "externalAuth": (
        other("externalAuth", "fatal", {"sslEnabled": True, "sslVerify": True, "trustedCertSecret": "ext-ca"}),
        [jwk_secret("ext-ca")],
        "ExternalAuth policy default/fatal references a secret default/ext-ca of a wrong type 'nginx.org/jwk', "
        "must be 'nginx.org/ca'",
    ),
}


@pytest.mark.parametrize("kind", sorted(FATAL_AFTER_MTLS))
def test_fatal_other_type_discards_mtls_in_vs_spec(kind: str) -> None:
    """generatePolicies returns ``policiesCfg{ErrorReturn: 500}`` at once: the earlier ingress/egress mTLS are gone,
    later references are never looked at, and the warnings gathered so far stay."""
    fatal, secrets, warning = FATAL_AFTER_MTLS[kind]
    later = other("accessControl", "later", {"allow": ["10.0.0.1"]})
    cfg = gen(
        ["ingress-mtls-policy", "egress-mtls-policy", "fatal", "later"],
        [ingress_policy(), egress_policy(), fatal, later],
        [*default_secrets(), *secrets],
    )
    assert cfg.error_return == 500
    assert cfg.ingress_mtls is None and cfg.egress_mtls is None and cfg.allow == ()
    assert texts(cfg.warnings) == (warning,)
    assert statuses(cfg) == [
        ("default/ingress-mtls-policy", "ingressMTLS", "rejected"),
        ("default/egress-mtls-policy", "egressMTLS", "rejected"),
        ("default/fatal", "other", "rejected"),
        ("default/later", "other", "unseen"),
    ]
    assert "discarded" in cfg.outcomes[0].reason and "discarded" in cfg.outcomes[1].reason
    assert cfg.outcomes[2].fatal and cfg.outcomes[2].reason.startswith(f"{kind} policy:")


@pytest.mark.parametrize("kind", ["rateLimit", "jwt", "basicAuth", "apiKey", "cache", "hsts", "oidc"])
def test_type_unsupported_on_ingress_discards_ingress_mtls(kind: str) -> None:
    """IsPolicySupportedOnIngress (W13): the type is fatal on an Ingress before its own checks run."""
    cfg = gen(
        ["ingress-mtls-policy", "p"],
        [ingress_policy(), other(kind, "p", {})],
        default_secrets(),
        is_ingress=True,
        owner=ObjectRef("Ingress", "default", "cafe-ingress"),
    )
    assert cfg.error_return == 500 and cfg.ingress_mtls is None
    assert texts(cfg.warnings) == ("Policy default/p is not supported on Ingress resources",)
    assert statuses(cfg)[0] == ("default/ingress-mtls-policy", "ingressMTLS", "rejected")


@pytest.mark.parametrize("kind", ["accessControl", "cors", "rateLimit", "cache"])
def test_non_fatal_other_types_keep_mtls(kind: str) -> None:
    """Types without a fatal path leave the context's mTLS policies applied."""
    specs: dict[str, dict[str, Any]] = {
        "accessControl": {"deny": ["10.0.0.0/8"]},
        "rateLimit": {"rate": "1r/s", "key": "${binary_remote_addr}", "zoneSize": "1m"},
    }
    spec = specs.get(kind, {})
    cfg = gen(["p", "egress-mtls-policy"], [other(kind, "p", spec), egress_policy()], default_secrets())
    assert cfg.error_return is None and cfg.egress_mtls is not None
    assert [o.status for o in cfg.outcomes] == ["applied", "applied"]


# --- controller.go secret lookups ------------------------------------------------------------------------------


def test_secret_lookups_stop_at_first_error_per_type() -> None:
    """addBasicSecretRefs returns at the first bad secret: a later basic-auth secret is never looked up, while the
    API-key lookup (its own function) still runs; an Ingress resolves only external-auth trusted CAs."""
    a = other("basicAuth", "a", {"secret": "missing"})
    b = other("basicAuth", "b", {"secret": "htpasswd-secret"})
    k = other("apiKey", "k", {"clientSecret": "api-key-secret"})
    j = other("jwt", "j", {"jwksURI": "https://idp/keys"})
    e = other("externalAuth", "e", {"trustedCertSecret": "ca-ns/ext-ca"})
    store = SecretStore({s.meta.ref.key: s for s in (htpasswd_secret(), apikey_secret())})
    refs = other_secret_refs([a, b, k, j, e], store, ingress=False)
    assert sorted(refs) == ["ca-ns/ext-ca", "default/api-key-secret", "default/missing"]
    assert refs["default/missing"].error == "secret doesn't exist or of an unsupported type"
    assert sorted(other_secret_refs([a, b, k, e], store, ingress=True)) == ["ca-ns/ext-ca"]


def test_waf_in_nginx_org_policies_is_filtered_with_500() -> None:
    """ingress.go :: filterIngressPolicyRefs: WAF only through nginx.com/policies."""
    waf = other("waf", "waf-policy", {"enable": True})
    ing = ih.ingress("cafe", annotations={"nginx.org/policies": "ingress-mtls-policy,waf-policy"})
    pmap = {"default/waf-policy": waf, "default/ingress-mtls-policy": ingress_policy()}
    assert ingress_waf_annotation_error(ing, pmap) == (
        "default/waf-policy",
        "WAF policy default/waf-policy is not supported in annotation nginx.org/policies; use nginx.com/policies",
    )
    plus = ih.ingress("cafe", annotations={"nginx.com/policies": "waf-policy"})
    assert ingress_waf_annotation_error(plus, pmap) is None
    assert ingress_waf_annotation_error(ing, {"default/ingress-mtls-policy": ingress_policy()}) is None


# --- rendering: Ingress (version1 templates) -------------------------------------------------------------------


def _cafe(annotations: Mapping[str, str]) -> Any:
    return ih.ingress(
        "cafe-ingress",
        annotations=annotations,
        rules=(("cafe.example.com", (ih.path("/tea", "tea-svc"),)),),
        tls=((("cafe.example.com",), "tls-secret"),),
    )


def test_ingress_allow_deny_right_after_ingress_mtls_oss_and_plus() -> None:
    """nginx.ingress.tmpl L73-101 / nginx-plus.ingress.tmpl L74-102: ssl_verify_* then allow/deny then
    server_tokens; allow list closed by ``deny all``, deny list by ``allow all``."""
    objs = (
        _cafe({"nginx.org/policies": "ingress-mtls-policy,allow-policy,deny-policy"}),
        ih.tls_secret("tls-secret"),
        ih.ca_secret("ingress-mtls-secret"),
        ih.ingress_policy(client_cert_secret="ingress-mtls-secret"),
        other("accessControl", "allow-policy", {"allow": ["10.0.0.0/8", "192.168.1.1"]}),
        other("accessControl", "deny-policy", {"deny": ["10.1.1.1"]}),
    )
    for plus, tokens in ((False, "server_tokens on"), (True, 'server_tokens "on"')):
        res = ih.run(*objs, settings=ControllerSettings(plus=plus))
        d = list(ih.server(res, "cafe.example.com").directives)
        start = d.index("ssl_verify_depth 1")
        assert d[start + 1 : start + 8] == [
            "allow 10.0.0.0/8",
            "allow 192.168.1.1",
            "deny all",
            "deny 10.1.1.1",
            "allow all",
            tokens,
            "server_name cafe.example.com",
        ]
        warnings = texts(ih.resource(res, "Ingress", "cafe-ingress").warnings)
        assert warnings == (
            "AccessControl policy (or policies) with deny rules is overridden by policy (or policies) with allow rules",
        )


def test_minion_access_control_at_location_master_at_server() -> None:
    """ingress.go: a minion's Allow/Deny go to its locations (after ``return 500``'s slot, before the proxy lines);
    the master's stay on the server."""
    master = ih.ingress(
        "cafe-master",
        annotations={"nginx.org/mergeable-ingress-type": "master", "nginx.org/policies": "master-allow"},
        rules=(("cafe.example.com", ()),),
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    minion = ih.ingress(
        "tea-minion",
        doc=1,
        annotations={"nginx.org/mergeable-ingress-type": "minion", "nginx.org/policies": "minion-deny"},
        rules=(("cafe.example.com", (ih.path("/tea", "tea-svc"),)),),
    )
    res = ih.run(
        master,
        minion,
        ih.tls_secret("tls-secret"),
        other("accessControl", "master-allow", {"allow": ["10.0.0.0/8"]}),
        other("accessControl", "minion-deny", {"deny": ["10.9.9.9"]}),
    )
    srv = ih.server(res, "cafe.example.com")
    assert "allow 10.0.0.0/8" in srv.directives and "deny 10.9.9.9" not in srv.directives
    tea = srv.locations[0]
    assert list(tea.directives[:5]) == [
        'set $service "tea-svc"',
        'set $resource_name "tea-minion"',
        'set $resource_namespace "default"',
        "deny 10.9.9.9",
        "allow all",
    ]


def test_ingress_mtls_discarded_by_unsupported_type_renders_500() -> None:
    """W13 on an Ingress: the server returns 500 and carries no ssl_client_certificate."""
    res = ih.run(
        _cafe({"nginx.org/policies": "ingress-mtls-policy,basic"}),
        ih.tls_secret("tls-secret"),
        ih.ca_secret("ingress-mtls-secret"),
        ih.ingress_policy(client_cert_secret="ingress-mtls-secret"),
        other("basicAuth", "basic", {"secret": "htpasswd-secret"}),
        htpasswd_secret(),
    )
    d = ih.server(res, "cafe.example.com").directives
    assert "return 500" in d and not any(x.startswith("ssl_client_certificate") for x in d)
    assert texts(ih.resource(res, "Ingress", "cafe-ingress").warnings) == (
        "Policy default/basic is not supported on Ingress resources",
    )


# --- rendering: VirtualServer (version2 templates) -------------------------------------------------------------


def test_vs_route_basic_auth_fatal_discards_egress() -> None:
    """addBasicAuthConfig with a missing htpasswd secret: the route returns 500, the egress policy after it is
    never seen and renders nothing (the QA acceptance case ``vs-route-basic-auth-fatal-discards-egress``)."""
    vs = egress_example_vs(
        routes=(
            Route(
                path="/",
                policies=(ref("basic-auth-policy"), ref("egress-mtls-policy")),
                action=Action(pass_="secure-app"),
            ),
        ),
    )
    basic = other("basicAuth", "basic-auth-policy", {"secret": "htpasswd-secret", "realm": "My API"})
    r = run(vs, cluster(egress_policy(), basic))
    assert r.location("/") == (
        'set $service "secure-app"',
        "return 500",
        *DEFAULT_PROXY_TAIL,
        "proxy_pass https://vs_default_webapp_secure-app",
        *NEXT_UPSTREAM,
    )
    assert texts(r.warnings[ObjectRef("VirtualServer", "default", "webapp")]) == [
        "Basic Auth policy default/basic-auth-policy references an invalid secret default/htpasswd-secret: "
        "secret doesn't exist or of an unsupported type"
    ]
    loc = r.result.host.locations[0]
    assert loc.returns_500 and loc.policies is not None
    assert [o.status for o in loc.policies.outcomes] == ["rejected", "unseen"]


def test_vs_route_order_allow_limit_req_basic_auth_then_egress() -> None:
    """nginx.virtualserver.tmpl L320-372: allow/deny, limit_req options and lines, auth_basic, then egress."""
    vs = egress_example_vs(
        routes=(
            Route(
                path="/",
                policies=(ref("allow"), ref("rl"), ref("basic"), ref("egress-mtls-policy")),
                action=Action(pass_="secure-app"),
            ),
        ),
    )
    policies = (
        other("accessControl", "allow", {"allow": ["10.0.0.0/8"]}),
        other(
            "rateLimit",
            "rl",
            {"rate": "10r/s", "key": "${binary_remote_addr}", "zoneSize": "10M", "burst": 5, "noDelay": True},
        ),
        other("basicAuth", "basic", {"secret": "htpasswd-secret", "realm": 'My \\"API\\"'}),
        egress_policy(),
    )
    r = run(vs, cluster(*policies, secrets=[*default_secrets(), htpasswd_secret()]))
    assert r.location("/") == (
        'set $service "secure-app"',
        "allow 10.0.0.0/8",
        "deny all",
        "limit_req_log_level error",
        "limit_req_status 503",
        "limit_req zone=pol_rl_default_rl_default_webapp_vs burst=5 nodelay",
        'auth_basic "My \\\\\\"API\\\\\\""',  # printf "%q" of the escaped realm My \"API\"
        "auth_basic_user_file /etc/nginx/secrets/default-htpasswd-secret",
        *EXAMPLE_EGRESS_LINES,
        *DEFAULT_PROXY_TAIL,
        "proxy_pass https://vs_default_webapp_secure-app",
        *NEXT_UPSTREAM,
    )
    text = file_text(r.result.file) if r.result.file else ""
    assert 'limit_req_zone "${binary_remote_addr}" zone=pol_rl_default_rl_default_webapp_vs:10M rate=10r/s;' in text


def test_vs_spec_order_server_tokens_acl_basic_egress_hsts() -> None:
    """Server scope (nginx.virtualserver.tmpl L103-247): server_tokens, allow/deny, auth_basic, egress, HSTS."""
    vs = ingress_example_vs(
        policies=(ref("hsts"), ref("deny"), ref("basic"), ref("egress-mtls-policy")),
        upstreams=(VSUpstream(name="webapp", service="webapp-svc", port=80),),
    )
    policies = (
        other("hsts", "hsts", {"maxAge": 31536000, "includeSubDomains": True, "preload": True}),
        other("accessControl", "deny", {"deny": ["10.0.0.1"]}),
        other("basicAuth", "basic", {"secret": "htpasswd-secret", "realm": "realm"}),
        egress_policy(),
    )
    r = run(vs, cluster(*policies, secrets=[*default_secrets(), htpasswd_secret()]))
    d = list(r.server.directives)
    start = d.index('server_tokens "on"')
    assert d[start + 1 : start + 5] == [
        "deny 10.0.0.1",
        "allow all",
        'auth_basic "realm"',
        "auth_basic_user_file /etc/nginx/secrets/default-htpasswd-secret",
    ]
    egress_end = d.index("proxy_ssl_name secure-app.example.com")
    assert d[egress_end + 1 : egress_end + 5] == [
        'set $hsts_header_val ""',
        "proxy_hide_header Strict-Transport-Security",
        'if ($https = on) { set $hsts_header_val "max-age=31536000; includeSubDomains; preload"; }',
        'add_header Strict-Transport-Security "$hsts_header_val" always',
    ]


def test_vsr_subroute_rate_limit_zone_uses_the_vs_as_parent() -> None:
    """A VSR subroute's rateLimit zone is named after the VS (ownerDetails.parentName), not the VSR."""
    vsr = VirtualServerRoute(
        meta=meta("VirtualServerRoute", "coffee"),
        host="webapp.example.com",
        upstreams=(VSUpstream(name="coffee", service="coffee-svc", port=80),),
        subroutes=(Route(path="/coffee", policies=(ref("rl"),), action=Action(pass_="coffee")),),
    )
    vs = VirtualServer(
        meta=meta("VirtualServer", "webapp"),
        host="webapp.example.com",
        routes=(Route(path="/coffee", route="default/coffee"),),
    )
    rl = other("rateLimit", "rl", {"rate": "1r/s", "key": "${binary_remote_addr}", "zoneSize": "1M"})
    r = run(vs, cluster(rl, vsr), vsrs=[vsr])
    assert "limit_req zone=pol_rl_default_rl_default_webapp_vs" in r.location("/coffee")


def test_plus_vs_jwt_before_basic_auth_position() -> None:
    """nginx-plus.virtualserver.tmpl L565-582: limit_req, auth_jwt (key file), then basic auth slot."""
    vs = egress_example_vs(
        routes=(Route(path="/", policies=(ref("jwt"),), action=Action(pass_="secure-app")),),
    )
    jwt = other("jwt", "jwt", {"realm": "My API", "secret": "jwt-secret", "token": "$http_token"})
    r = run(vs, cluster(jwt, secrets=[*default_secrets(), jwk_secret()]), settings=ControllerSettings(plus=True))
    loc = r.location("/")
    assert loc[2:4] == (
        'auth_jwt "My API" token=$http_token',
        "auth_jwt_key_file /etc/nginx/secrets/default-jwt-secret",
    )


def test_jwt_on_oss_is_an_invalid_policy_so_500() -> None:
    """On OSS ``jwt`` fails validation (Plus only), so it is "missing or invalid" and the route returns 500."""
    vs = egress_example_vs(
        routes=(Route(path="/", policies=(ref("jwt"), ref("egress-mtls-policy")), action=Action(pass_="secure-app")),),
    )
    jwt = other("jwt", "jwt", {"realm": "r", "secret": "jwt-secret"})
    r = run(vs, cluster(jwt, egress_policy(), secrets=[*default_secrets(), jwk_secret()]))
    assert "return 500" in r.location("/")
    assert not any("_ssl_" in x for x in r.location("/"))


# --- real nginx ------------------------------------------------------------------------------------------------


def test_rendered_other_policies_load_in_nginx(tmp_path: Path, nginx_bin: str) -> None:
    """A VS with TLS, ingressMTLS, HSTS, access control, rate limiting, basic auth and egress at both scopes passes
    ``nginx -t`` with the files NIC would write (htpasswd included)."""
    vs = VirtualServer(
        meta=meta("VirtualServer", "webapp"),
        host="webapp.example.com",
        tls=VSTLS(secret="tls-secret"),
        policies=(ref("ingress-mtls-policy"), ref("hsts"), ref("allow"), ref("basic")),
        upstreams=(VSUpstream(name="webapp", service="webapp-svc", port=80),),
        routes=(
            Route(
                path="/", policies=(ref("rl"), ref("deny"), ref("egress-mtls-policy")), action=Action(pass_="webapp")
            ),
        ),
    )
    policies = (
        ingress_policy(),
        egress_policy(),
        other("hsts", "hsts", {"maxAge": 600}),
        other("accessControl", "allow", {"allow": ["10.0.0.0/8"]}),
        other("accessControl", "deny", {"deny": ["192.168.0.0/16"]}),
        other("basicAuth", "basic", {"secret": "htpasswd-secret", "realm": "restricted"}),
        other(
            "rateLimit",
            "rl",
            {
                "rate": "10r/s",
                "key": "${binary_remote_addr}",
                "zoneSize": "10M",
                "burst": 3,
                "delay": 2,
                "dryRun": True,
                "rejectCode": 429,
            },
        ),
    )
    settings = ControllerSettings()
    cl = cluster(vs, *policies, secrets=[*default_secrets(), htpasswd_secret()])
    store = SecretStore(cl.secrets)
    result = generate_virtual_server(vs, None, cl, settings, store)
    assert result.file is not None
    assert result.host.locations[0].returns_500 is False
    assert "limit_req zone=pol_rl_default_rl_default_webapp_vs burst=3 delay=2;" in file_text(result.file)
    assert "limit_req_dry_run on;" in file_text(result.file) and "limit_req_status 429;" in file_text(result.file)
    nic = NicResult(
        settings=settings, resources=(), policies=(), hosts=(), files=(result.file,), secret_files=store.files()
    )
    conf = write_test_config(nic, tmp_path / "nginx")
    assert (tmp_path / "nginx" / "secrets" / "default-htpasswd-secret").read_bytes().startswith(b"user:{SHA}")
    ok, output = nginx_test(conf, nginx_bin)
    assert ok, f"nginx -t failed:\n{output}\n---\n{file_text(result.file)}"


# --- validation of the other types (pkg/apis/configuration/validation/policy.go) -------------------------------


def _errors(kind: str, spec: Mapping[str, Any], *, plus: bool = False) -> tuple[str, ...]:
    from inspector.nic.validation import validate_policy

    return validate_policy(other(kind, "p", spec), plus=plus)


def test_access_control_validation() -> None:
    """validateAccessControl: IP or CIDR entries, exactly one of allow/deny (an empty list counts as set)."""
    assert _errors("accessControl", {"allow": ["10.0.0.0/8", "127.0.0.1", "::1", "2001:db8::/32"]}) == ()
    assert _errors("accessControl", {"deny": ["10.0.0.0/33", "a.b.c.d"]}) == (
        'spec.accessControl.deny[0]: Invalid value: "10.0.0.0/33": must be a CIDR or IP',
        'spec.accessControl.deny[1]: Invalid value: "a.b.c.d": must be a CIDR or IP',
    )
    both = 'spec.accessControl: Invalid value: "": must specify exactly one of: `allow` or `deny`'
    assert _errors("accessControl", {"allow": [], "deny": []}) == (both,)
    assert _errors("accessControl", {}) == (both,)


def test_basic_auth_and_api_key_validation() -> None:
    """validateBasic returns at a missing secret; validateAPIKey checks suppliedIn and clientSecret."""
    assert _errors("basicAuth", {"realm": "x"}) == ("spec.basicAuth.secret: Required value",)
    realm = _errors("basicAuth", {"secret": "Bad_Name", "realm": 'a "b"'})
    assert realm[0].startswith('spec.basicAuth.realm: Invalid value: "a \\"b\\"": a valid realm must have all')
    assert realm[1].startswith('spec.basicAuth.secret: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain')
    assert _errors("apiKey", {"clientSecret": "keys"}) == (
        "spec.apiKey.suppliedIn: Required value: suppliedIn cannot be nil",
    )
    assert _errors("apiKey", {"suppliedIn": {"header": ["X Key"]}}) == (
        'spec.apiKey.suppliedIn.header: Invalid value: "X Key": a valid HTTP header must consist of alphanumeric '
        "characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')",
        "spec.apiKey.clientSecret: Required value: clientSecret cannot be empty",
    )


def test_hsts_validation_makes_missing_max_age_an_invalid_policy() -> None:
    """validateHSTS: maxAge is required, so the addHSTSConfig "missing maxAge" branch is reached only in unit
    tests; end to end the policy is invalid and its users get "missing or invalid" and 500."""
    assert _errors("hsts", {}) == ("spec.hsts.maxAge: Required value: maxAge is required for HSTS policy",)
    assert _errors("hsts", {"maxAge": 10, "preload": True}) == (
        "spec.hsts.preload: Invalid value: true: preload requires includeSubDomains to be enabled",
        "spec.hsts.preload: Invalid value: true: preload requires maxAge to be at least 31536000 (one year)",
    )
    vs = ingress_example_vs(policies=(ref("hsts"), ref("ingress-mtls-policy")))
    r = run(vs, cluster(other("hsts", "hsts", {"includeSubDomains": True}), ingress_policy()))
    assert "return 500" in r.server.directives
    assert not any(d.startswith("ssl_client_certificate") for d in r.server.directives)
    webapp = ObjectRef("VirtualServer", "default", "webapp")
    assert texts(r.warnings[webapp]) == ["Policy default/hsts is missing or invalid"]


def test_rate_limit_validation() -> None:
    """validateRateLimit: zone size > 31k, rate format, ``${var}`` keys from NIC's list, ranges."""
    ok = {"rate": "10r/s", "key": "${binary_remote_addr}", "zoneSize": "10M"}
    assert _errors("rateLimit", ok) == ()
    assert _errors("rateLimit", {**ok, "key": "${jwt_claim_sub}"}) == (
        "spec.rateLimit.key: Forbidden: is only supported in NGINX Plus",
    )
    assert _errors("rateLimit", {**ok, "key": "${jwt_claim_sub}"}, plus=True) == ()
    errs = _errors("rateLimit", {"rate": "0r/s", "key": "$binary_remote_addr", "zoneSize": "16k", "rejectCode": 302})
    assert errs == (
        'spec.rateLimit.zoneSize: Invalid value: "16k": must be greater than 31k',
        'spec.rateLimit.rate: Invalid value: "0r/s": must consist of numeric characters followed by a valid rate '
        "suffix. 'r/s|r/m (e.g. '16r/s',  or '32r/m',  or '64r/s', regex used for validation is '[1-9]\\d*r/[sSmM]')",
        'spec.rateLimit.key: Invalid value: "$binary_remote_addr": variables must be enclosed in curly braces, for '
        "example ${host}",
        "spec.rateLimit.rejectCode: Invalid value: 302: must be within the range [400-599]",
    )
    assert _errors("rateLimit", {**ok, "key": "${host}"})[0].startswith(
        "spec.rateLimit.key: Invalid value: \"host\": 'host' contains an invalid NGINX variable."
    )


def test_policy_without_its_spec_in_the_model_is_dispatched_but_not_replayed() -> None:
    """A Policy that names a type but carries no spec for it (a source that does not keep ``other_specs``) is
    neither validated field by field nor failed: it counts as applied, with the reason saying why."""
    bare = Policy(meta=meta("Policy", "basic"), other_types=("basicAuth",))
    from inspector.nic.validation import validate_policy

    assert validate_policy(bare, plus=False) == ()
    cfg = gen(["basic", "egress-mtls-policy"], [bare, egress_policy()], default_secrets())
    assert cfg.error_return is None and cfg.basic_auth is None and cfg.egress_mtls is not None
    assert cfg.outcomes[0].status == "applied" and "not in the model" in cfg.outcomes[0].reason


def test_overridden_cors_is_discarded_too_when_the_context_fails() -> None:
    """On 500-out NIC keeps only ErrorReturn: a CORS policy that a later one had replaced is discarded as well."""
    a = other("cors", "cors-a", {"allowOrigin": ["https://a.example.com"]})
    b = other("cors", "cors-b", {"allowOrigin": ["https://b.example.com"]})
    basic = other("basicAuth", "basic", {"secret": "missing"})
    cfg = gen(["cors-a", "cors-b", "basic"], [a, b, basic])
    assert cfg.error_return == 500
    assert [o.status for o in cfg.outcomes] == ["rejected", "rejected", "rejected"]
    assert all("discarded" in o.reason for o in cfg.outcomes[:2])


# --- CORS (policy.go :: addCORSConfig, generateCORSHeaders, generateCORSOriginMap) -------------------------------

CORS_SPEC: dict[str, Any] = {
    "allowMethods": ["GET", "POST", "OPTIONS"],
    "allowHeaders": ["Authorization", "Content-Type"],
    "allowCredentials": True,
    "maxAge": 3600,
}


def test_cors_headers_origin_value_and_map() -> None:
    """TestGenerateNginxCfgForCORSPolicy / TestAddCORSConfig: one exact origin goes into the header, ``*`` needs no
    ``Vary``, several or wildcard origins go through a map on ``$http_origin`` named after the owner."""
    single = gen(["c"], [other("cors", "c", {**CORS_SPEC, "allowOrigin": ["https://example.com"]})])
    assert [(h.name, h.value) for h in single.cors_headers] == [
        ("Vary", "Origin"),
        ("Access-Control-Allow-Origin", "https://example.com"),
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Max-Age", "3600"),
    ]
    assert single.cors_map is None and all(h.always for h in single.cors_headers)
    star = gen(["c"], [other("cors", "c", {"allowOrigin": ["*"]})])
    assert [(h.name, h.value) for h in star.cors_headers] == [("Access-Control-Allow-Origin", "*")]
    many = gen(["c"], [other("cors", "c", {"allowOrigin": ["https://example.com", "https://*.example.com"]})])
    assert many.cors_map is not None
    assert many.cors_map.variable == "$cors_origin_default_test_vs_default_c"
    assert many.cors_map.parameters == (
        ("default", '""'),
        ('"https://example.com"', "https://example.com"),
        ("~^https://[^.]+\\.example\\.com$", "$http_origin"),
    )
    assert ("Access-Control-Allow-Origin", "$cors_origin_default_test_vs_default_c") in [
        (h.name, h.value) for h in many.cors_headers
    ]
    vsr = generate_policies(
        ObjectRef("VirtualServerRoute", "team", "coffee"),
        [ref("c", "default")],
        {"default/c": other("cors", "c", {"allowOrigin": ["https://a.com", "https://b.com"]})},
        "subroute",
        tls=True,
        secret_refs={},
        is_ingress=False,
        settings=ControllerSettings(),
        parent=ObjectRef("VirtualServer", "default", "webapp"),
    )
    assert vsr.cors_map is not None
    assert vsr.cors_map.variable == "$cors_origin_default_webapp_vs_team_coffee_default_c"
    same = gen(
        ["c"],
        [other("cors", "c", {"allowOrigin": ["https://a.com", "https://b.com"]}, ns="team")],
        context="subroute",
        owner=ObjectRef("VirtualServerRoute", "team", "coffee"),
    )
    # without a separate parent the owner is the parent: the short form of the name
    assert same.cors_map is not None and same.cors_map.variable == "$cors_origin_team_coffee_vs_team_c"


def test_ingress_cors_on_every_location_with_preflight() -> None:
    """ingress.go: the Ingress's CORS headers go to each location (CORSEnabled), nginx.ingress.tmpl L435-450
    prints them and the OPTIONS preflight block."""
    res = ih.run(
        _cafe({"nginx.org/policies": "cors-policy"}),
        ih.tls_secret("tls-secret"),
        other("cors", "cors-policy", {"allowOrigin": ["https://example.com"], "allowMethods": ["GET"]}),
    )
    loc = ih.server(res, "cafe.example.com").locations[0]
    assert list(loc.directives[-4:]) == [
        'add_header Vary "Origin" always',
        'add_header Access-Control-Allow-Origin "https://example.com" always',
        'add_header Access-Control-Allow-Methods "GET" always',
        "if ($request_method = 'OPTIONS') { add_header Vary \"Origin\"; add_header Access-Control-Allow-Origin "
        '"https://example.com"; add_header Access-Control-Allow-Methods "GET"; add_header Content-Type text/plain; '
        "add_header Content-Length 0; return 204; }",
    ]


def test_mergeable_master_cors_falls_back_to_minions_after_their_add_headers() -> None:
    """generateNginxCfgForMergeableIngresses: a minion location without its own CORS gets the master's; the
    minion's nginx.org/add-header lines come first."""
    master = ih.ingress(
        "cafe-master",
        annotations={"nginx.org/mergeable-ingress-type": "master", "nginx.org/policies": "master-cors"},
        rules=(("cafe.example.com", ()),),
    )
    tea = ih.ingress(
        "tea-minion",
        doc=1,
        annotations={"nginx.org/mergeable-ingress-type": "minion", "nginx.org/add-header": "X-Team: tea"},
        rules=(("cafe.example.com", (ih.path("/tea", "tea-svc"),)),),
    )
    coffee = ih.ingress(
        "coffee-minion",
        doc=2,
        annotations={"nginx.org/mergeable-ingress-type": "minion", "nginx.org/policies": "coffee-cors"},
        rules=(("cafe.example.com", (ih.path("/coffee", "coffee-svc"),)),),
    )
    res = ih.run(
        master,
        tea,
        coffee,
        other("cors", "master-cors", {"allowOrigin": ["*"]}),
        other("cors", "coffee-cors", {"allowOrigin": ["https://a.com", "https://b.com"]}),
    )
    srv = ih.server(res, "cafe.example.com")
    by_path = {loc.path: loc.directives for loc in srv.locations}
    tea_headers = [d for d in by_path["/tea"] if d.startswith("add_header")]
    assert tea_headers == ['add_header X-Team "tea"', 'add_header Access-Control-Allow-Origin "*" always']
    coffee_origin = [d for d in by_path["/coffee"] if "Allow-Origin" in d and d.startswith("add_header")]
    assert coffee_origin == [
        'add_header Access-Control-Allow-Origin "$cors_origin_default_cafe_master_ing_default_coffee_minion_default_'
        'coffee_cors" always'
    ]
    text = file_text(res.files[0])
    assert "map $http_origin $cors_origin_default_cafe_master_ing_default_coffee_minion_default_coffee_cors {" in text


def test_vs_route_without_cors_inherits_spec_cors_even_when_500() -> None:
    """GenerateVirtualServerConfig: a route with no CORS headers of its own takes the spec's, 500-out included."""
    vs = egress_example_vs(
        policies=(ref("cors"),),
        routes=(Route(path="/", policies=(ref("missing"),), action=Action(pass_="secure-app")),),
    )
    r = run(vs, cluster(other("cors", "cors", {"allowOrigin": ["*"]})))
    loc = r.location("/")
    assert loc[1] == "return 500"
    assert 'add_header Access-Control-Allow-Origin "*" always' in loc
    assert any(d.startswith("if ($request_method = 'OPTIONS')") for d in loc)


def test_cors_configs_load_in_nginx(tmp_path: Path, nginx_bin: str) -> None:
    """An Ingress and a VS with wildcard-origin CORS (http-level maps) pass ``nginx -t``."""
    origins = {"allowOrigin": ["https://example.com", "https://*.example.com"], **CORS_SPEC}
    res = ih.run(
        _cafe({"nginx.org/policies": "cors-policy"}),
        ih.tls_secret("tls-secret"),
        other("cors", "cors-policy", origins),
    )
    conf = write_test_config(res, tmp_path / "ing")
    ok, output = nginx_test(conf, nginx_bin)
    assert ok, f"nginx -t failed:\n{output}\n---\n{file_text(res.files[0])}"
    vs = egress_example_vs(policies=(ref("cors-policy"),))
    settings = ControllerSettings()
    cl = cluster(vs, egress_policy(), other("cors", "cors-policy", origins))
    store = SecretStore(cl.secrets)
    result = generate_virtual_server(vs, None, cl, settings, store)
    assert result.file is not None and "map $http_origin $cors_origin_default_webapp_vs_default_cors_policy {" in (
        file_text(result.file)
    )
    nic = NicResult(
        settings=settings, resources=(), policies=(), hosts=(), files=(result.file,), secret_files=store.files()
    )
    ok, output = nginx_test(write_test_config(nic, tmp_path / "vs"), nginx_bin)
    assert ok, f"nginx -t failed:\n{output}\n---\n{file_text(result.file)}"


def test_plus_vs_server_order_follows_the_template_snapshot() -> None:
    """version2/__snapshots__/templates_test.snap (Plus server block): server_tokens, allow/deny, limit_req options
    and ``limit_req ... burst=5 delay=10``, ``auth_jwt "My Api"`` + key file; then (nginx-plus.virtualserver.tmpl
    L342-363) basic auth and the server-level egress block."""
    vs = egress_example_vs(
        policies=(ref("allow"), ref("deny"), ref("rl"), ref("jwt"), ref("basic"), ref("egress-mtls-policy")),
        routes=(Route(path="/", action=Action(pass_="secure-app")),),
    )
    policies = (
        other("accessControl", "allow", {"allow": ["127.0.0.1"]}),
        other("accessControl", "deny", {"deny": ["127.0.0.1"]}),
        other(
            "rateLimit",
            "rl",
            {"rate": "10r/s", "key": "${binary_remote_addr}", "zoneSize": "10M", "burst": 5, "delay": 10},
        ),
        other("jwt", "jwt", {"realm": "My Api", "secret": "jwk-secret"}),
        other("basicAuth", "basic", {"secret": "htpasswd-secret", "realm": "My Api"}),
        egress_policy(),
    )
    secrets = [*default_secrets(), htpasswd_secret(), jwk_secret("jwk-secret")]
    r = run(vs, cluster(*policies, secrets=secrets), settings=ControllerSettings(plus=True))
    d = list(r.server.directives)
    start = d.index('server_tokens "on"')
    assert d[start + 1 : start + 14] == [
        "allow 127.0.0.1",
        "deny all",
        "deny 127.0.0.1",
        "allow all",
        "limit_req_log_level error",
        "limit_req_status 503",
        "limit_req zone=pol_rl_default_rl_default_webapp_vs burst=5 delay=10",
        'auth_jwt "My Api"',
        "auth_jwt_key_file /etc/nginx/secrets/default-jwk-secret",
        'auth_basic "My Api"',
        "auth_basic_user_file /etc/nginx/secrets/default-htpasswd-secret",
        *EXAMPLE_EGRESS_LINES[:2],
    ]
    assert texts(r.warnings[ObjectRef("VirtualServer", "default", "webapp")]) == [
        "AccessControl policy (or policies) with deny rules is overridden by policy (or policies) with allow rules"
    ]


@pytest.mark.parametrize("kind", ["oidc", "waf"])
def test_oidc_and_waf_never_validate_here_so_they_discard_mtls(kind: str) -> None:
    """Without ``-enable-oidc`` / ``-enable-app-protect`` (not modelled settings) NIC rejects these policies in
    ValidatePolicy, so in a VS spec after ingressMTLS they are "missing or invalid": the server returns 500 and the
    ingressMTLS block is gone."""
    vs = ingress_example_vs(policies=(ref("ingress-mtls-policy"), ref("p")))
    r = run(vs, cluster(ingress_policy(), other(kind, "p", {})), settings=ControllerSettings(plus=True))
    assert "return 500" in r.server.directives
    assert not any(d.startswith("ssl_client_certificate") for d in r.server.directives)
    webapp = ObjectRef("VirtualServer", "default", "webapp")
    assert texts(r.warnings[webapp]) == ["Policy default/p is missing or invalid"]

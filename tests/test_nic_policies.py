"""Policy lookup and generatePolicies (ported from NIC's TestGeneratePolicies/TestGeneratePoliciesFails), end to end
with a real secret store and certificates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared import texts

from inspector.model import (
    ControllerSettings,
    ObjectRef,
    Policy,
    PolicyReference,
    Secret,
)
from inspector.nic import policies as p
from inspector.nic.secrets import SecretStore
from inspector.nic.types import Context, PoliciesCfg, PolicyUser, SecretReference
from tests.nic_fixtures import (
    ca_secret,
    cluster,
    egress_mtls_policy,
    ingress,
    ingress_mtls_policy,
    meta,
    other_ca,
    tls_secret,
)

OSS = ControllerSettings()
VS = ObjectRef("VirtualServer", "default", "cafe")
ING = ObjectRef("Ingress", "default", "cafe-ingress")
CERT = "/etc/nginx/secrets/default-ingress-mtls-secret-ca.crt"
CRL = "/etc/nginx/secrets/default-ingress-mtls-secret-ca.crl"


def _ca_ref(path: str = CERT, data: Mapping[str, bytes] | None = None, error: str | None = None) -> SecretReference:
    return SecretReference(Secret(meta("Secret", "default", "x"), "nginx.org/ca", data or {}), path, error)


def _tls_ref(path: str = "/etc/nginx/secrets/default-egress-mtls-secret") -> SecretReference:
    return SecretReference(Secret(meta("Secret", "default", "x"), "kubernetes.io/tls", {}), path)


def _gen(
    policies: Sequence[Policy],
    refs: Sequence[str] | None = None,
    *,
    context: Context = "spec",
    tls: bool = True,
    secret_refs: Mapping[str, SecretReference] | None = None,
    owner: ObjectRef = VS,
) -> PoliciesCfg:
    by_key = {pol.meta.ref.key: pol for pol in policies}
    names = refs if refs is not None else [pol.meta.ref.name for pol in policies]
    return p.generate_policies(
        owner,
        [PolicyReference(n) for n in names],
        by_key,
        context,
        tls=tls,
        secret_refs=secret_refs or {},
        is_ingress=owner.kind == "Ingress",
        settings=OSS,
        field_prefix="spec.policies",
    )


# --- TestGeneratePolicies (mTLS cases) ----------------------------------------------------------------------


def test_ingress_mtls_reference() -> None:
    pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret", verify_client="off")
    cfg = _gen([pol], secret_refs={"default/ingress-mtls-secret": _ca_ref()})
    assert cfg.error_return is None and texts(cfg.warnings) == ()
    assert cfg.ingress_mtls is not None
    assert (cfg.ingress_mtls.client_cert, cfg.ingress_mtls.client_crl) == (CERT, "")
    assert (cfg.ingress_mtls.verify_client, cfg.ingress_mtls.verify_depth) == ("off", 1)
    assert cfg.ingress_mtls.source.field == "spec.policies[0]"
    assert [o.status for o in cfg.outcomes] == ["applied"]


def test_ingress_mtls_crl_from_secret_key_presence() -> None:
    pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret-crl", verify_client="off")
    ref = _ca_ref(f"{CERT} {CRL}", {"ca.crl": b"base64crl"})
    cfg = _gen([pol], secret_refs={"default/ingress-mtls-secret-crl": ref})
    assert cfg.ingress_mtls is not None and cfg.ingress_mtls.client_crl == CRL
    # key presence is what counts: an empty ca.crl value still gives ssl_crl
    ref_empty = _ca_ref(f"{CERT} {CRL}", {"ca.crl": b""})
    cfg = _gen([pol], secret_refs={"default/ingress-mtls-secret-crl": ref_empty})
    assert cfg.ingress_mtls is not None and cfg.ingress_mtls.client_crl == CRL


def test_ingress_mtls_crl_file_name() -> None:
    pol = ingress_mtls_policy(
        client_cert_secret="ingress-mtls-secret", crl_file_name="default-ingress-mtls-secret-ca.crl"
    )
    cfg = _gen([pol], secret_refs={"default/ingress-mtls-secret": _ca_ref()})
    assert cfg.ingress_mtls is not None and cfg.ingress_mtls.client_crl == CRL and cfg.warnings == ()


def test_ingress_mtls_crl_both_set_warns_and_file_name_wins() -> None:
    pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret", crl_file_name="my.crl")
    cfg = _gen([pol], secret_refs={"default/ingress-mtls-secret": _ca_ref(f"{CERT} {CRL}", {"ca.crl": b"x"})})
    assert cfg.ingress_mtls is not None and cfg.ingress_mtls.client_crl == "/etc/nginx/secrets/my.crl"
    assert texts(cfg.warnings) == (
        "Both ca.crl in the Secret and ingressMTLS.crlFileName fields cannot be used. ca.crl in "
        "default/ingress-mtls-secret will be ignored and default/ingress-mtls-policy will be applied",
    )
    assert cfg.error_return is None


def test_egress_mtls_reference_and_defaults() -> None:
    pol = egress_mtls_policy(
        tls_secret="egress-mtls-secret",
        server_name=True,
        session_reuse=False,
        trusted_cert_secret="egress-trusted-ca-secret-crl",
    )
    refs = {
        "default/egress-mtls-secret": _tls_ref(),
        "default/egress-trusted-ca-secret-crl": _ca_ref(f"{CERT} {CRL}", {"ca.crl": b"x"}),
    }
    cfg = _gen([pol], context="route", secret_refs=refs)
    e = cfg.egress_mtls
    assert e is not None
    assert e.certificate == e.certificate_key == "/etc/nginx/secrets/default-egress-mtls-secret"
    assert e.trusted_cert == CERT  # only field 0: the CRL of a trusted CA is ignored for egress
    assert (e.ciphers, e.protocols, e.ssl_name) == ("DEFAULT", "TLSv1 TLSv1.1 TLSv1.2", "$proxy_host")
    assert (e.server_name, e.session_reuse, e.verify_server, e.verify_depth) == (True, False, False, 1)
    assert cfg.outcomes[0].source.scope == "location"


def test_empty_egress_policy_is_all_defaults() -> None:
    cfg = _gen([egress_mtls_policy()])
    e = cfg.egress_mtls
    assert e is not None
    assert (e.certificate, e.trusted_cert, e.verify_server, e.session_reuse) == ("", "", False, True)


# --- TestGeneratePoliciesFails (mTLS cases) ------------------------------------------------------------------


def test_ingress_mtls_invalid_secret() -> None:
    pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret")
    cfg = _gen([pol], secret_refs={"default/ingress-mtls-secret": SecretReference(None, "", "secret is invalid")})
    assert cfg.error_return == 500 and cfg.ingress_mtls is None
    assert texts(cfg.warnings) == (
        'IngressMTLS policy "default/ingress-mtls-policy" references an invalid secret default/ingress-mtls-secret: '
        "secret is invalid",
    )
    assert cfg.outcomes[0].fatal and cfg.outcomes[0].status == "rejected"


def test_ingress_mtls_wrong_secret_type() -> None:
    pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret")
    cfg = _gen([pol], secret_refs={"default/ingress-mtls-secret": _tls_ref()})
    assert cfg.error_return == 500
    assert texts(cfg.warnings) == (
        "IngressMTLS policy default/ingress-mtls-policy references a secret default/ingress-mtls-secret of a wrong "
        "type 'kubernetes.io/tls', must be 'nginx.org/ca'",
    )


def test_ingress_mtls_second_policy_ignored() -> None:
    first = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret")
    second = ingress_mtls_policy("ingress-mtls-policy2", client_cert_secret="ingress-mtls-secret2")
    cfg = _gen([first, second], secret_refs={"default/ingress-mtls-secret": _ca_ref()})
    assert cfg.ingress_mtls is not None and cfg.ingress_mtls.verify_client == "on"
    assert texts(cfg.warnings) == (
        "Multiple ingressMTLS policies are not allowed. IngressMTLS policy default/ingress-mtls-policy2 will be "
        "ignored",
    )
    assert [o.status for o in cfg.outcomes] == ["applied", "ignored"]
    assert "default/ingress-mtls-policy" in cfg.outcomes[1].reason


def test_ingress_mtls_context_rules() -> None:
    pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret")
    refs = {"default/ingress-mtls-secret": _ca_ref()}
    for context in ("route", "subroute", "minion"):
        cfg = _gen([pol], context=context, secret_refs=refs)  # type: ignore[arg-type]
        assert cfg.error_return == 500
        assert texts(cfg.warnings) == (
            f"IngressMTLS policy default/ingress-mtls-policy is not allowed in the {context} context",
        )
    cfg = _gen([pol], tls=False, secret_refs=refs)
    assert texts(cfg.warnings) == ("TLS must be enabled for IngressMTLS policy default/ingress-mtls-policy",)
    assert cfg.error_return == 500


def test_ingress_mtls_secret_never_looked_up() -> None:
    cfg = _gen([ingress_mtls_policy(client_cert_secret="ingress-mtls-secret")])
    assert texts(cfg.warnings) == (
        'IngressMTLS policy "default/ingress-mtls-policy" references a non-existent secret default/ingress-mtls-secret',
    )


def test_egress_mtls_failures() -> None:
    both = egress_mtls_policy(tls_secret="egress-mtls-secret", trusted_cert_secret="egress-trusted-secret")
    cfg = _gen(
        [both],
        secret_refs={
            "default/egress-mtls-secret": _tls_ref(),
            "default/egress-trusted-secret": SecretReference(None, "", "secret is invalid"),
        },
    )
    assert texts(cfg.warnings) == (
        "EgressMTLS policy default/egress-mtls-policy references an invalid secret default/egress-trusted-secret: "
        "secret is invalid",
    )
    cfg = _gen([both], secret_refs={"default/egress-mtls-secret": _ca_ref()})
    assert texts(cfg.warnings) == (
        "EgressMTLS policy default/egress-mtls-policy references a secret default/egress-mtls-secret of a wrong "
        "type 'nginx.org/ca', must be 'kubernetes.io/tls'",
    )
    cfg = _gen(
        [both], secret_refs={"default/egress-mtls-secret": _tls_ref(), "default/egress-trusted-secret": _tls_ref()}
    )
    assert texts(cfg.warnings) == (
        "EgressMTLS policy default/egress-mtls-policy references a secret default/egress-trusted-secret of a wrong "
        "type 'kubernetes.io/tls', must be 'nginx.org/ca'",
    )
    cfg = _gen([both])
    assert texts(cfg.warnings) == (
        "EgressMTLS policy default/egress-mtls-policy references an invalid secret default/egress-mtls-secret: "
        "secret doesn't exist",
    )
    assert all(c.error_return == 500 for c in [cfg])


def test_egress_second_policy_ignored() -> None:
    first = egress_mtls_policy(tls_secret="egress-mtls-secret")
    second = egress_mtls_policy("egress-mtls-policy2", tls_secret="egress-mtls-secret")
    cfg = _gen([first, second], secret_refs={"default/egress-mtls-secret": _tls_ref()})
    assert cfg.egress_mtls is not None and cfg.egress_mtls.source.key == "default/egress-mtls-policy"
    assert texts(cfg.warnings) == (
        "Multiple egressMTLS policies in the same context is not valid. EgressMTLS policy "
        "default/egress-mtls-policy2 will be ignored",
    )


def test_missing_policy_discards_context_and_later_refs_unseen() -> None:
    ing_pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret")
    eg_pol = egress_mtls_policy()
    cfg = _gen(
        [ing_pol, eg_pol],
        ["ingress-mtls-policy", "nope", "egress-mtls-policy"],
        secret_refs={"default/ingress-mtls-secret": _ca_ref()},
    )
    assert cfg.error_return == 500
    assert cfg.ingress_mtls is None and cfg.egress_mtls is None
    assert texts(cfg.warnings) == ("Policy default/nope is missing or invalid",)
    assert [(o.source.key, o.status) for o in cfg.outcomes] == [
        ("default/ingress-mtls-policy", "rejected"),
        ("default/nope", "rejected"),
        ("default/egress-mtls-policy", "unseen"),
    ]
    assert "discarded" in cfg.outcomes[0].reason
    assert cfg.outcomes[1].type == "unknown" and cfg.outcomes[1].fatal
    assert cfg.outcomes[2].type == "egressMTLS"


def test_warnings_before_a_fatal_ref_are_kept() -> None:
    first = egress_mtls_policy()
    second = egress_mtls_policy("egress2")
    cfg = _gen([first, second], ["egress-mtls-policy", "egress2", "gone"])
    assert texts(cfg.warnings) == (
        "Multiple egressMTLS policies in the same context is not valid. EgressMTLS policy default/egress2 will be "
        "ignored",
        "Policy default/gone is missing or invalid",
    )


def test_not_supported_on_ingress() -> None:
    rate = Policy(meta("Policy", "default", "rl"), other_types=("rateLimit",))
    cfg = _gen([rate], owner=ING)
    assert cfg.error_return == 500
    assert texts(cfg.warnings) == ("Policy default/rl is not supported on Ingress resources",)
    access = Policy(meta("Policy", "default", "ac"), other_types=("accessControl",))
    cfg = _gen([access], owner=ING)
    assert cfg.error_return is None and cfg.outcomes[0].type == "other"
    assert _gen([rate]).error_return is None  # fine on a VirtualServer


def test_namespace_default_is_the_owner() -> None:
    pol = egress_mtls_policy(namespace="team")
    owner = ObjectRef("VirtualServer", "team", "vs")
    cfg = p.generate_policies(
        owner,
        [(PolicyReference("egress-mtls-policy"), "spec.policies[0]")],
        {"team/egress-mtls-policy": pol},
        "spec",
        tls=False,
        secret_refs={},
        is_ingress=False,
        settings=OSS,
    )
    assert cfg.egress_mtls is not None and cfg.egress_mtls.source.key == "team/egress-mtls-policy"


# --- lookup and secrets, end to end ---------------------------------------------------------------------------


def test_get_policies_errors() -> None:
    good = egress_mtls_policy()
    invalid = egress_mtls_policy("bad", verify_server=True)
    other_class = Policy(meta("Policy", "default", "oc"), ingress_class_name="other", egress_mtls=good.egress_mtls)
    snap = cluster(good, invalid, other_class)
    refs = [PolicyReference(n) for n in ("egress-mtls-policy", "bad", "oc", "nope")] + [PolicyReference("x", "far")]
    found, errors = p.get_policies(refs, "default", snap, ControllerSettings(watch_namespaces=("default",)))
    assert list(found) == ["default/egress-mtls-policy"]
    assert errors == [
        "policy default/bad is invalid: spec.egressMTLS.trustedCertSecret: Required value: must be set when "
        "verifyServer is 'true'",
        "referenced policy default/oc has incorrect ingress class: other (controller ingress class: nginx)",
        "policy default/nope doesn't exist",
        "failed to get namespace far",
    ]
    found, errors = p.get_policies(refs, "default", snap, ControllerSettings(enable_custom_resources=False))
    assert (found, errors) == ({}, [])


def test_controller_test_invalid_policy_message_on_plus() -> None:
    empty = Policy(meta("Policy", "default", "invalid-policy"))
    _, errors = p.get_policies(
        [PolicyReference("invalid-policy")], "default", cluster(empty), ControllerSettings(plus=True)
    )
    assert errors == [
        'policy default/invalid-policy is invalid: spec: Invalid value: "": must specify exactly one of: '
        "`accessControl`, `rateLimit`, `ingressMTLS`, `egressMTLS`, `basicAuth`, `apiKey`, `cache`, `cors`, "
        "`externalAuth`, `hsts`, `jwt`, `oidc`, `waf`"
    ]


def test_secrets_resolved_in_policy_namespace_end_to_end() -> None:
    pol = ingress_mtls_policy(namespace="security", client_cert_secret="ca-secret")
    # The secret exists in the Ingress namespace only: NIC looks in the Policy's namespace and fails.
    snap = cluster(pol, ca_secret(namespace="default"))
    found, _ = p.get_policies([PolicyReference("ingress-mtls-policy", "security")], "default", snap, OSS)
    store = SecretStore(snap.secrets)
    refs, errors = p.mtls_secret_refs(found, store)
    assert list(refs) == ["security/ca-secret"]
    assert errors == ["secret doesn't exist or of an unsupported type"]
    cfg = p.generate_policies(
        ING,
        [(PolicyReference("ingress-mtls-policy", "security"), 'metadata.annotations["nginx.org/policies"]')],
        found,
        "spec",
        tls=True,
        secret_refs=refs,
        is_ingress=True,
        settings=OSS,
    )
    assert texts(cfg.warnings) == (
        'IngressMTLS policy "security/ingress-mtls-policy" references an invalid secret security/ca-secret: secret '
        "doesn't exist or of an unsupported type",
    )
    assert p.ingress_policy_warning(ingress(), errors[0]).text == (
        "Policy error for Ingress default/cafe-ingress: secret doesn't exist or of an unsupported type"
    )


def test_real_secrets_end_to_end() -> None:
    ing_pol = ingress_mtls_policy(client_cert_secret="ca-secret", verify_depth=2)
    eg_pol = egress_mtls_policy(tls_secret="tls-secret", trusted_cert_secret="ca-secret", verify_server=True)
    snap = cluster(ing_pol, eg_pol, ca_secret(crl=b""), tls_secret())
    refs = [PolicyReference("ingress-mtls-policy"), PolicyReference("egress-mtls-policy")]
    found, errors = p.get_policies(refs, "default", snap, OSS)
    assert errors == []
    store = SecretStore(snap.secrets)
    secret_refs, serrs = p.mtls_secret_refs(found, store)
    assert serrs == []
    cfg = _gen([ing_pol, eg_pol], secret_refs=secret_refs)
    assert cfg.ingress_mtls is not None and cfg.egress_mtls is not None
    assert cfg.ingress_mtls.client_cert == "/etc/nginx/secrets/default-ca-secret-ca.crt"
    assert cfg.ingress_mtls.client_crl == "/etc/nginx/secrets/default-ca-secret-ca.crl"
    assert cfg.egress_mtls.certificate == "/etc/nginx/secrets/default-tls-secret"
    assert cfg.egress_mtls.trusted_cert == "/etc/nginx/secrets/default-ca-secret-ca.crt"
    assert set(store.files()) == {
        "/etc/nginx/secrets/default-ca-secret-ca.crt",
        "/etc/nginx/secrets/default-ca-secret-ca.crl",
        "/etc/nginx/secrets/default-tls-secret",
    }


def test_opaque_and_invalid_secrets_end_to_end() -> None:
    opaque = Secret(meta("Secret", "default", "ca-secret"), "Opaque", ca_secret().data)
    bad_tls = tls_secret(key=other_ca().key_pem)
    eg_pol = egress_mtls_policy(tls_secret="tls-secret", trusted_cert_secret="ca-secret")
    snap = cluster(eg_pol, bad_tls)
    snap = type(snap)(secrets={**snap.secrets, "default/ca-secret": opaque}, policies=snap.policies)
    store = SecretStore(snap.secrets)
    secret_refs, errors = p.mtls_secret_refs(list(snap.policies.values()), store)
    # addEgressMTLSSecretRefs stops at the first bad secret: the trusted CA is never looked up.
    assert list(secret_refs) == ["default/tls-secret"]
    assert errors == ["failed to validate TLS cert and key: tls: private key does not match public key"]
    cfg = _gen([eg_pol], secret_refs=secret_refs)
    assert texts(cfg.warnings) == (
        "EgressMTLS policy default/egress-mtls-policy references an invalid secret default/tls-secret: failed to "
        "validate TLS cert and key: tls: private key does not match public key",
    )


def test_only_first_ingress_mtls_secret_is_resolved() -> None:
    first = ingress_mtls_policy(client_cert_secret="a")
    second = ingress_mtls_policy("second", client_cert_secret="b")
    store = SecretStore({})
    refs, errors = p.mtls_secret_refs([first, second], store)
    assert list(refs) == ["default/a"] and len(errors) == 1
    refs, _ = p.mtls_secret_refs([first], store, ingress_mtls=False)
    assert refs == {}


def test_ingress_policy_refs_order_and_dedup() -> None:
    ing = ingress(
        annotations={
            "nginx.org/policies": "a, other/b ,a",
            "nginx.com/policies": "c,default/a",
        }
    )
    refs = p.ingress_policy_refs(ing, OSS)
    assert [(r.namespace, r.name) for r, _ in refs] == [("default", "a"), ("other", "b"), ("default", "c")]
    assert refs[0][1] == 'metadata.annotations["nginx.org/policies"]'
    assert refs[2][1] == 'metadata.annotations["nginx.com/policies"]'
    assert [(r.namespace, r.name) for r in p.ingress_lookup_refs(ing)] == [
        ("default", "a"),
        ("other", "b"),
        ("default", "a"),
        ("default", "c"),
        ("default", "a"),
    ]


def test_custom_resources_disabled_gives_missing_policy() -> None:
    ing = ingress(annotations={"nginx.org/policies": "egress-mtls-policy"})
    settings = ControllerSettings(enable_custom_resources=False)
    snap = cluster(egress_mtls_policy())
    refs = p.ingress_policy_refs(ing, settings)
    found, errors = p.get_policies(refs, "default", snap, settings)
    assert errors == []  # createIngressEx never looks the policies up
    cfg = p.generate_policies(ING, refs, found, "spec", tls=False, secret_refs={}, is_ingress=True, settings=settings)
    assert cfg.error_return == 500
    assert texts(cfg.warnings) == ("Policy default/egress-mtls-policy is missing or invalid",)
    assert p.custom_resources_disabled_warning(ing).text == (
        "Ingress default/cafe-ingress has a policies annotation but custom resources are not enabled; policies will "
        "be ignored"
    )


def test_policy_results_and_events() -> None:
    good = egress_mtls_policy()
    bad = egress_mtls_policy("bad", verify_server=True)
    other = Policy(meta("Policy", "default", "oc"), ingress_class_name="other", egress_mtls=good.egress_mtls)
    users = {"default/egress-mtls-policy": [PolicyUser("VirtualServer", "default", "cafe", "spec")]}
    results = {r.key: r for r in p.policy_results(cluster(good, bad, other), OSS, users)}
    assert results["default/egress-mtls-policy"].valid and results["default/egress-mtls-policy"].type == "egressMTLS"
    assert results["default/egress-mtls-policy"].referenced_by[0].name == "cafe"
    (event,) = p.policy_events(results["default/egress-mtls-policy"])
    assert (event.type, event.reason, event.message) == (
        "Normal",
        "AddedOrUpdated",
        "Policy default/egress-mtls-policy was added or updated",
    )
    (event,) = p.policy_events(results["default/bad"])
    assert (event.type, event.reason) == ("Warning", "Rejected")
    assert event.message == (
        "Policy default/bad is invalid and was rejected: spec.egressMTLS.trustedCertSecret: Required value: must be "
        "set when verifyServer is 'true'"
    )
    assert not results["default/oc"].handled and p.policy_events(results["default/oc"]) == ()


def test_unsupported_on_ingress_event() -> None:
    rate = Policy(meta("Policy", "default", "rl"), other_types=("rateLimit",))
    event = p.unsupported_on_ingress_event(rate, ingress())
    assert event is not None and (event.type, event.reason) == ("Warning", "Rejected")
    assert event.message == "Policy default/rl has unsupported type on Ingress resource default/cafe-ingress"
    assert p.unsupported_on_ingress_event(egress_mtls_policy(), ingress()) is None

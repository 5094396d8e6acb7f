"""The replica emits each NIC warning as data: its cause, the values in its verbs, and NIC's exact text."""

from __future__ import annotations

import pytest

from inspector.model import Cluster, ControllerSettings, ObjectRef, Policy, PolicyReference, Secret
from inspector.nic import messages
from inspector.nic import policies as p
from inspector.nic.messages import NicWarning, go_sprintf
from inspector.nic.secrets import tls_secret_warning
from inspector.nic.types import SecretReference
from tests.nic_fixtures import egress_mtls_policy, ingress, ingress_mtls_policy, meta
from tests.test_nic_policies import CERT, CRL, _ca_ref, _gen, _tls_ref

POL = "default/ingress-mtls-policy"
EPOL = "default/egress-mtls-policy"
SEC = "default/ingress-mtls-secret"
ESEC = "default/egress-mtls-secret"


def _one(warnings: tuple[NicWarning, ...]) -> tuple[str, tuple[str, ...], str]:
    (w,) = warnings
    return w.cause, w.args, w.text


def test_go_verbs() -> None:
    assert go_sprintf("a %s b %v c %q", "x", 1, 'q"\n') == 'a x b 1 c "q\\"\\n"'
    with pytest.raises(ValueError):
        go_sprintf("%s", "a", "b")


def test_every_format_renders_its_own_cause() -> None:
    for fmt in (*messages.WARNINGS, *messages.EVENTS):
        args = [f"v{i}" for i in range(fmt.format.count("%"))]
        w = fmt(*args)
        assert w.cause == fmt.cause and w.args == tuple(args) and str(w) == w.text


IM = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret")
EM = egress_mtls_policy(tls_secret="egress-mtls-secret")
IM2 = ingress_mtls_policy("ingress-mtls-policy2", client_cert_secret="ingress-mtls-secret2")
EM2 = egress_mtls_policy("egress-mtls-policy2", tls_secret="egress-mtls-secret")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: _gen([IM], context="route", secret_refs={SEC: _ca_ref()}),
            ("W1", (POL, "route"), f"IngressMTLS policy {POL} is not allowed in the route context"),
        ),
        (
            lambda: _gen([IM], tls=False, secret_refs={SEC: _ca_ref()}),
            ("W2", (POL,), f"TLS must be enabled for IngressMTLS policy {POL}"),
        ),
        (
            lambda: _gen([IM, IM2], secret_refs={SEC: _ca_ref()}),
            (
                "W3",
                ("default/ingress-mtls-policy2",),
                "Multiple ingressMTLS policies are not allowed. IngressMTLS policy default/ingress-mtls-policy2 "
                "will be ignored",
            ),
        ),
        (
            lambda: _gen([IM]),
            ("W4", (POL, SEC), f'IngressMTLS policy "{POL}" references a non-existent secret {SEC}'),
        ),
        (
            lambda: _gen([IM], secret_refs={SEC: _tls_ref()}),
            (
                "W5",
                (POL, SEC, "kubernetes.io/tls", "nginx.org/ca"),
                f"IngressMTLS policy {POL} references a secret {SEC} of a wrong type 'kubernetes.io/tls', "
                "must be 'nginx.org/ca'",
            ),
        ),
        (
            lambda: _gen([IM], secret_refs={SEC: SecretReference(None, "", "secret is invalid")}),
            ("W6", (POL, SEC, "secret is invalid"), f'IngressMTLS policy "{POL}" references an invalid secret {SEC}: '
             "secret is invalid"),
        ),
        (
            lambda: _gen(
                [ingress_mtls_policy(client_cert_secret="ingress-mtls-secret", crl_file_name="my.crl")],
                secret_refs={SEC: _ca_ref(f"{CERT} {CRL}", {"ca.crl": b"x"})},
            ),
            ("W7", (SEC, POL), f"Both ca.crl in the Secret and ingressMTLS.crlFileName fields cannot be used. ca.crl "
             f"in {SEC} will be ignored and {POL} will be applied"),
        ),
        (
            lambda: _gen([EM, EM2], secret_refs={ESEC: _tls_ref()}),
            ("W8", ("default/egress-mtls-policy2",), "Multiple egressMTLS policies in the same context is not valid. "
             "EgressMTLS policy default/egress-mtls-policy2 will be ignored"),
        ),
        (
            lambda: _gen([EM]),
            ("W9", (EPOL, ESEC), f"EgressMTLS policy {EPOL} references an invalid secret {ESEC}: secret doesn't exist"),
        ),
        (
            lambda: _gen([EM], secret_refs={ESEC: _ca_ref()}),
            ("W10", (EPOL, ESEC, "nginx.org/ca", "kubernetes.io/tls"), f"EgressMTLS policy {EPOL} references a secret "
             f"{ESEC} of a wrong type 'nginx.org/ca', must be 'kubernetes.io/tls'"),
        ),
        (
            lambda: _gen([EM], secret_refs={ESEC: SecretReference(None, "", "bad")}),
            ("W11", (EPOL, ESEC, "bad"), f"EgressMTLS policy {EPOL} references an invalid secret {ESEC}: bad"),
        ),
        (
            lambda: _gen([], refs=["nope"]),
            ("W12", ("default/nope",), "Policy default/nope is missing or invalid"),
        ),
    ],
)
def test_generate_policies_emits_the_cause(make: object, expected: tuple[str, tuple[str, ...], str]) -> None:
    cfg = make()  # type: ignore[operator]
    assert _one(cfg.warnings) == expected
    # the reference's outcome carries the same warning
    assert any(o.warning == cfg.warnings[0] for o in cfg.outcomes)


def test_w13_not_supported_on_ingress() -> None:
    rate = Policy(meta("Policy", "default", "rl"), other_types=("rateLimit",))
    cfg = _gen([rate], owner=ObjectRef("Ingress", "default", "cafe-ingress"))
    assert _one(cfg.warnings) == ("W13", ("default/rl",), "Policy default/rl is not supported on Ingress resources")


def test_w15_w16_on_an_ingress() -> None:
    ing = ingress()
    w15 = p.ingress_policy_warning(ing, "policy default/x doesn't exist")
    assert (w15.cause, w15.args) == ("W15", ("default", "cafe-ingress", "policy default/x doesn't exist"))
    assert w15.text == "Policy error for Ingress default/cafe-ingress: policy default/x doesn't exist"
    assert w15.subject == ""  # a bare text names no Policy as data
    # getPolicies' own errors carry the Policy they are about, so the checks need not search the text for it
    _, errors = p.get_policies(
        [PolicyReference("x"), PolicyReference("y", "other")], "default", Cluster(), ControllerSettings()
    )
    assert [(e, p.ingress_policy_warning(ing, e).subject) for e in errors] == [
        ("policy default/x doesn't exist", "default/x"),
        ("policy other/y doesn't exist", "other/y"),
    ]
    w16 = p.custom_resources_disabled_warning(ing)
    assert (w16.cause, w16.args) == ("W16", ("default", "cafe-ingress"))
    w16_54 = p.custom_resources_disabled_warning(ing, ControllerSettings(nic_version="5.4"))
    assert w16_54.cause == "W16" and "nginx.org/policies annotation" in w16_54.text


def test_w17_tls_secret() -> None:
    missing = tls_secret_warning("tls", None)
    assert missing is not None and missing.cause == "W17A" and missing.args[0] == "tls"
    assert missing.text == f"TLS secret tls is invalid: {missing.args[1]}"
    ca = SecretReference(Secret(meta("Secret", "default", "tls"), "nginx.org/ca", {}), "")
    wrong = tls_secret_warning("tls", ca)
    assert wrong is not None and (wrong.cause, wrong.args) == ("W17B", ("tls", "nginx.org/ca", "kubernetes.io/tls"))
    assert wrong.text == "TLS secret tls is of a wrong type 'nginx.org/ca', must be 'kubernetes.io/tls'"

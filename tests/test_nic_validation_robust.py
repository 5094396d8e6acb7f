"""Bad input never ends in a traceback: the validators and the secret store take arbitrary strings and bytes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.model import ControllerSettings, EgressMTLS, IngressMTLS, Policy, Secret
from inspector.nic import validation as v
from inspector.nic.secrets import SecretStore, pem_blocks
from tests.nic_fixtures import ingress, meta

TEXT = st.text(max_size=40)


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT, st.integers(-5, 5) | st.none(), TEXT, TEXT, st.booleans())
def test_policy_validation_total(
    secret: str, verify: str, depth: int | None, ssl_name: str, crl: str, plus: bool
) -> None:
    ing = Policy(meta("Policy", "default", "p"), ingress_mtls=IngressMTLS(secret, verify, depth, crl))
    eg = Policy(
        meta("Policy", "default", "p"), egress_mtls=EgressMTLS(secret, ssl_name, True, depth, ssl_name=ssl_name)
    )
    for policy in (ing, eg):
        errors = v.validate_policy(policy, plus=plus)
        assert all(e.startswith("spec") for e in errors)
        assert isinstance(v.aggregate(errors), str)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "nginx.org/policies",
                "nginx.com/policies",
                "nginx.org/ssl-services",
                "nginx.org/mergeable-ingress-type",
                "nginx.org/lb-method",
                "nginx.org/proxy-read-timeout",
                "nginx.org/hsts-max-age",
            ]
        ),
        TEXT,
    ),
    TEXT,
)
def test_ingress_validation_total(annotations: dict[str, str], path: str) -> None:
    errors = v.validate_ingress(ingress(annotations=annotations, paths=((path, "svc"),)), ControllerSettings())
    assert all(isinstance(e, str) and ": " in e for e in errors)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=200), st.sampled_from(["kubernetes.io/tls", "nginx.org/ca"]))
def test_secret_store_total(a: bytes, b: bytes, kind: str) -> None:
    data = {"tls.crt": b"-----BEGIN CERTIFICATE-----\n" + a, "tls.key": b, "ca.crt": a + b"\n-----BEGIN X-----\n" + b}
    ref = SecretStore({"default/s": Secret(meta("Secret", "default", "s"), kind, data)}).get("default/s")
    assert ref.error is not None or ref.path
    assert isinstance(pem_blocks(a + b), list)

"""Which policy wins at a location: effective directives after NGINX server->location inheritance."""

from __future__ import annotations

from collections.abc import Mapping

from shared import texts

from inspector.analysis.effective import (
    effective_egress,
    effective_ingress,
    final_statuses,
    host_statuses,
)
from inspector.model import ControllerSettings, ObjectRef, PolicyReference, Secret
from inspector.nic import policies as p
from inspector.nic.secrets import make_secret_path
from inspector.nic.types import Context, PoliciesCfg, SecretReference
from tests.nic_fixtures import egress_mtls_policy, ingress_mtls_policy, meta

OSS = ControllerSettings()
MASTER = ObjectRef("Ingress", "default", "cafe-master")
MINION = ObjectRef("Ingress", "default", "coffee-minion")


def _tls(name: str) -> SecretReference:
    return SecretReference(
        Secret(meta("Secret", "default", name), "kubernetes.io/tls", {}), f"/etc/nginx/secrets/default-{name}"
    )


def _ca(name: str) -> SecretReference:
    path = f"/etc/nginx/secrets/default-{name}-ca.crt /etc/nginx/secrets/default-{name}-ca.crl"
    return SecretReference(Secret(meta("Secret", "default", name), "nginx.org/ca", {"ca.crt": b"x"}), path)


SECRETS: Mapping[str, SecretReference] = {
    "default/egress-mtls-secret": _tls("egress-mtls-secret"),
    "default/egress-mtls-secret-alt": _tls("egress-mtls-secret-alt"),
    "default/egress-trusted-ca-secret": _ca("egress-trusted-ca-secret"),
    "default/ingress-mtls-secret": _ca("ingress-mtls-secret"),
}


def _cfg(owner: ObjectRef, context: Context, *policies: object, names: tuple[str, ...] | None = None) -> PoliciesCfg:
    by_key = {pol.meta.ref.key: pol for pol in policies}  # type: ignore[attr-defined]
    refs = [PolicyReference(n) for n in (names or [pol.meta.ref.name for pol in policies])]  # type: ignore[attr-defined]
    return p.generate_policies(
        owner,
        refs,
        by_key,
        context,
        tls=True,
        secret_refs=SECRETS,
        is_ingress=True,
        settings=OSS,
        field_prefix='metadata.annotations["nginx.org/policies"]',
    )


MASTER_EGRESS = egress_mtls_policy(
    "master-egress",
    tls_secret="egress-mtls-secret",
    trusted_cert_secret="egress-trusted-ca-secret",
    verify_server=True,
    verify_depth=2,
    ssl_name="secure-app.example.com",
    server_name=True,
)


def test_server_egress_reaches_plain_location() -> None:
    server = _cfg(MASTER, "spec", MASTER_EGRESS)
    eff = effective_egress(server, None, grpc=False)
    assert eff["proxy_ssl_certificate"].value == "$secret_dir_path/default-egress-mtls-secret"
    assert eff["proxy_ssl_trusted_certificate"].value == "/etc/nginx/secrets/default-egress-trusted-ca-secret-ca.crt"
    assert eff["proxy_ssl_verify"].value == "on" and eff["proxy_ssl_verify"].source == "server"
    assert eff["proxy_ssl_verify"].policy == "default/master-egress"
    assert eff["proxy_ssl_protocols"].value == "TLSv1 TLSv1.1 TLSv1.2"
    assert eff["proxy_ssl_name"].value == "secure-app.example.com"
    assert list(eff) == [
        "proxy_ssl_certificate",
        "proxy_ssl_certificate_key",
        "proxy_ssl_trusted_certificate",
        "proxy_ssl_verify",
        "proxy_ssl_verify_depth",
        "proxy_ssl_protocols",
        "proxy_ssl_ciphers",
        "proxy_ssl_session_reuse",
        "proxy_ssl_server_name",
        "proxy_ssl_name",
    ]
    without_reload = effective_egress(server, None, grpc=False, ssl_dynamic_reload=False)
    assert without_reload["proxy_ssl_certificate"].value == "/etc/nginx/secrets/default-egress-mtls-secret"


def test_partial_override_keeps_server_certificate() -> None:
    server = _cfg(MASTER, "spec", MASTER_EGRESS)
    minion_pol = egress_mtls_policy("minion-egress", verify_depth=4)
    location = _cfg(MINION, "minion", minion_pol)
    eff = effective_egress(server, location, grpc=False)
    # The minion policy has no tlsSecret/trustedCertSecret: those still come from the master.
    assert eff["proxy_ssl_certificate"].source == "server"
    assert eff["proxy_ssl_trusted_certificate"].policy == "default/master-egress"
    # Everything else is always emitted by the location block, defaults included.
    assert eff["proxy_ssl_verify"].value == "off" and eff["proxy_ssl_verify"].source == "location"
    assert eff["proxy_ssl_verify_depth"].value == "4"
    assert eff["proxy_ssl_name"].value == "$proxy_host"
    statuses = final_statuses(server, location, grpc=False)
    assert [(o.source.key, o.status) for o in statuses] == [
        ("default/master-egress", "overridden"),
        ("default/minion-egress", "applied"),
    ]
    assert "partly overridden" in statuses[0].reason
    assert "proxy_ssl_certificate, proxy_ssl_certificate_key, proxy_ssl_trusted_certificate" in statuses[0].reason


def test_full_override() -> None:
    server = _cfg(MASTER, "spec", MASTER_EGRESS)
    minion_pol = egress_mtls_policy(
        "minion-egress", tls_secret="egress-mtls-secret-alt", trusted_cert_secret="egress-trusted-ca-secret"
    )
    location = _cfg(MINION, "minion", minion_pol)
    eff = effective_egress(server, location, grpc=False)
    assert {v.source for v in eff.values()} == {"location"}
    assert eff["proxy_ssl_certificate"].value == "$secret_dir_path/default-egress-mtls-secret-alt"
    (server_status, _) = final_statuses(server, location, grpc=False)
    assert server_status.status == "overridden" and "every egress directive" in server_status.reason


def test_server_egress_never_reaches_grpc_location() -> None:
    server = _cfg(MASTER, "spec", MASTER_EGRESS)
    eff = effective_egress(server, None, grpc=True)
    assert all(v.source == "default" for v in eff.values())
    assert eff["grpc_ssl_certificate"].value == "" and eff["grpc_ssl_verify"].value == "off"
    (status,) = final_statuses(server, None, grpc=True)
    assert status.status == "ignored" and "grpc_ssl_*" in status.reason
    minion_pol = egress_mtls_policy("minion-egress", tls_secret="egress-mtls-secret-alt", verify_depth=4)
    location = _cfg(MINION, "minion", minion_pol)
    eff = effective_egress(server, location, grpc=True)
    assert eff["grpc_ssl_certificate"].value == "$secret_dir_path/default-egress-mtls-secret-alt"
    assert eff["grpc_ssl_trusted_certificate"].source == "default"  # the master's CA does not reach gRPC
    statuses = final_statuses(server, location, grpc=True)
    assert [o.status for o in statuses] == ["ignored", "applied"]
    assert "grpc_ssl_*" in statuses[1].reason


def test_500_contexts_have_no_effective_upstream_tls() -> None:
    server = _cfg(MASTER, "spec", MASTER_EGRESS)
    broken = _cfg(MINION, "minion", ingress_mtls_policy())  # ingressMTLS in a minion: 500 at its locations
    assert broken.error_return == 500
    assert effective_egress(server, broken, grpc=False) == {}
    statuses = final_statuses(server, broken, grpc=False)
    assert statuses[0].status == "applied" and "returns 500" in statuses[0].reason
    assert statuses[1].status == "rejected" and statuses[1].fatal


def test_effective_ingress() -> None:
    pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret", verify_client="optional", verify_depth=3)
    server = _cfg(MASTER, "spec", pol)
    eff = effective_ingress(server)
    assert eff["ssl_client_certificate"].value == "/etc/nginx/secrets/default-ingress-mtls-secret-ca.crt"
    assert eff["ssl_verify_client"].value == "optional" and eff["ssl_verify_client"].source == "server"
    assert eff["ssl_verify_depth"].value == "3"
    assert eff["ssl_crl"].source == "default" and eff["ssl_crl"].value == ""
    # Host not listed in spec.tls.hosts: NIC leaves the block out (fail-open), nginx defaults apply.
    open_host = effective_ingress(server, tls=False)
    assert open_host["ssl_verify_client"].value == "off" and open_host["ssl_verify_client"].source == "default"
    assert effective_ingress(None)["ssl_client_certificate"].value == ""


def test_make_secret_path_replaces_first_occurrence_only() -> None:
    assert make_secret_path("/etc/nginx/secrets/a/etc/nginx/secrets") == "$secret_dir_path/a/etc/nginx/secrets"
    assert make_secret_path("/etc/nginx/secrets/a", ssl_dynamic_reload=False) == "/etc/nginx/secrets/a"


def test_fail_open_host_marks_ingress_policy_ignored() -> None:
    pol = ingress_mtls_policy(client_cert_secret="ingress-mtls-secret")
    server = _cfg(MASTER, "spec", pol, MASTER_EGRESS)
    (ing, eg) = host_statuses(server, host_tls=False, host="cafe.example.com")
    assert ing.status == "ignored" and "fail-open" in ing.reason
    assert texts(ing.warning) == (
        'IngressMTLS policy is ignored for host "cafe.example.com" because TLS is not enabled for that host'
    )
    assert eg.status == "applied"
    assert [o.status for o in host_statuses(server)] == ["applied", "applied"]
    statuses = final_statuses(server, None, grpc=False, host_tls=False, host="cafe.example.com")
    assert [o.status for o in statuses] == ["ignored", "applied"]

"""Shared builders for the VirtualServer replica tests: real certificates, model objects, rendered directives.

Not a test module of its own (it holds no tests); ``test_nic_vs*.py`` import it. Every secret is minted with
``inspector.pki`` (real EC keys and X.509 certificates), so the secret store validates them as NIC would and
``nginx -t`` can load the files.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from inspector import pki
from inspector.model import (
    VSTLS,
    Action,
    AnyObject,
    Cluster,
    ControllerSettings,
    EgressMTLS,
    IngressMTLS,
    Meta,
    ObjectRef,
    Origin,
    Policy,
    PolicyReference,
    Route,
    Secret,
    UpstreamTLS,
    VirtualServer,
    VirtualServerRoute,
    VSUpstream,
)
from inspector.nic.secrets import SecretStore
from inspector.nic.virtualserver import VirtualServerResult, generate_virtual_server
from inspector.render import RenderedServer, file_text, render_config
from tests import nic_fixtures


def meta(kind: str, name: str, ns: str = "default", labels: dict[str, str] | None = None) -> Meta:
    return Meta(ref=ObjectRef(kind, ns, name), origin=Origin(f"{kind.lower()}.yaml", line=1), labels=labels or {})


@functools.lru_cache(maxsize=1)
def pki_material() -> dict[str, bytes]:
    """One CA, a server cert for the VS host, a client cert for egress: PEM bytes by role."""
    ca = pki.make_ca("vs-test-ca")
    server = pki.make_leaf("webapp.example.com", ca, sans=["webapp.example.com", "cafe.example.com"])
    client = pki.make_leaf("nic-egress-client", ca, client=True, server=False)
    return {
        "ca": ca.cert_pem,
        "crl": pki.make_crl(ca),
        "server_crt": server.chain_pem,
        "server_key": server.key_pem,
        "client_crt": client.chain_pem,
        "client_key": client.key_pem,
    }


def tls_secret(name: str, ns: str = "default") -> Secret:
    m = pki_material()
    return Secret(
        meta=meta("Secret", name, ns),
        type="kubernetes.io/tls",
        data={"tls.crt": m["server_crt"], "tls.key": m["server_key"]},
    )


def client_secret(name: str, ns: str = "default") -> Secret:
    m = pki_material()
    return Secret(
        meta=meta("Secret", name, ns),
        type="kubernetes.io/tls",
        data={"tls.crt": m["client_crt"], "tls.key": m["client_key"]},
    )


def ca_secret(name: str, ns: str = "default", crl: bool = False) -> Secret:
    m = pki_material()
    data = {"ca.crt": m["ca"]}
    if crl:
        data["ca.crl"] = m["crl"]
    return Secret(meta=meta("Secret", name, ns), type="nginx.org/ca", data=data)


def ingress_policy(
    name: str = "ingress-mtls-policy", secret: str = "ingress-mtls-secret", ns: str = "default"
) -> Policy:
    return Policy(
        meta=meta("Policy", name, ns),
        ingress_mtls=IngressMTLS(client_cert_secret=secret, verify_client="on", verify_depth=1),
    )


def egress_policy(
    name: str = "egress-mtls-policy",
    ns: str = "default",
    tls_secret_name: str = "egress-mtls-secret",
    trusted: str = "egress-trusted-ca-secret",
) -> Policy:
    """NIC's ``examples/custom-resources/egress-mtls/egress-mtls.yaml``."""
    return Policy(
        meta=meta("Policy", name, ns),
        egress_mtls=EgressMTLS(
            tls_secret=tls_secret_name,
            trusted_cert_secret=trusted,
            verify_server=True,
            verify_depth=2,
            server_name=True,
            ssl_name="secure-app.example.com",
        ),
    )


def default_secrets() -> list[Secret]:
    return [
        tls_secret("tls-secret"),
        ca_secret("ingress-mtls-secret"),
        client_secret("egress-mtls-secret"),
        ca_secret("egress-trusted-ca-secret"),
    ]


def cluster(
    *objs: AnyObject,
    secrets: Sequence[Secret] | None = None,
) -> Cluster:
    """A snapshot holding the given policies/VS/VSRs and (by default) the four example secrets."""
    return nic_fixtures.cluster(*(default_secrets() if secrets is None else secrets), *objs)


def ref(name: str, ns: str = "") -> PolicyReference:
    return PolicyReference(name=name, namespace=ns)


def egress_example_vs(**kw: object) -> VirtualServer:
    """NIC's ``examples/custom-resources/egress-mtls/virtual-server.yaml``."""
    base: dict[str, object] = {
        "meta": meta("VirtualServer", "webapp"),
        "host": "webapp.example.com",
        "upstreams": (VSUpstream(name="secure-app", service="secure-app", port=8443, tls=UpstreamTLS(enable=True)),),
        "routes": (Route(path="/", policies=(ref("egress-mtls-policy"),), action=Action(pass_="secure-app")),),
    }
    base.update(kw)
    return VirtualServer(**base)


def ingress_example_vs(**kw: object) -> VirtualServer:
    """NIC's ``examples/custom-resources/ingress-mtls/virtual-server.yaml``."""
    base: dict[str, object] = {
        "meta": meta("VirtualServer", "webapp"),
        "host": "webapp.example.com",
        "tls": VSTLS(secret="tls-secret"),
        "policies": (ref("ingress-mtls-policy"),),
        "upstreams": (VSUpstream(name="webapp", service="webapp-svc", port=80),),
        "routes": (Route(path="/", action=Action(pass_="webapp")),),
    }
    base.update(kw)
    return VirtualServer(**base)


@dataclass(frozen=True)
class Run:
    result: VirtualServerResult
    server: RenderedServer

    def location(self, path: str) -> tuple[str, ...]:
        for loc in self.server.locations:
            if loc.path == path:
                return loc.directives
        raise AssertionError(f"no location {path!r}; have {[loc.path for loc in self.server.locations]}")

    @property
    def warnings(self) -> dict[ObjectRef, list[str]]:
        """NIC's texts per object (the replica's ``NicWarning`` carries cause and arguments too)."""
        return {ref: [w.text for w in ws] for ref, ws in self.result.warnings.items()}


def run(
    vs: VirtualServer,
    cl: Cluster,
    vsrs: Sequence[VirtualServerRoute] | None = None,
    settings: ControllerSettings | None = None,
) -> Run:
    """Generate, render and parse one VS; ``vsrs=None`` lets the replica attach VSRs itself."""
    settings = settings or ControllerSettings()
    result = generate_virtual_server(vs, vsrs, cl, settings, SecretStore(cl.secrets))
    assert result.file is not None, result.resources
    servers = render_config(result.file).servers()
    assert len(servers) == 1, file_text(result.file)
    return Run(result=result, server=servers[0])


DEFAULT_PROXY_TAIL = (
    "set $default_connection_header close",
    "proxy_connect_timeout 60s",
    "proxy_read_timeout 60s",
    "proxy_send_timeout 60s",
    "client_max_body_size 1m",
    "proxy_buffering on",
    "proxy_http_version 1.1",
    "proxy_set_header Upgrade $http_upgrade",
    "proxy_set_header Connection $vs_connection_header",
    "proxy_pass_request_headers on",
    "proxy_set_header X-Real-IP $remote_addr",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for",
    "proxy_set_header X-Forwarded-Host $host",
    "proxy_set_header X-Forwarded-Port $server_port",
    "proxy_set_header X-Forwarded-Proto $scheme",
    'proxy_set_header Host "$host"',
)
"""NIC 5.6's default VS location lines between the policy blocks and ``proxy_pass`` (OSS, default ConfigMap)."""

NEXT_UPSTREAM = ("proxy_next_upstream error timeout", "proxy_next_upstream_timeout 0s", "proxy_next_upstream_tries 0")

EXAMPLE_EGRESS_LINES = (
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
)

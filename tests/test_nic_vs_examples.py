"""NIC's own VirtualServer examples, read from the manifests (``../shared/nic-examples/custom-resources``).

The manifests go through the project's loader unchanged; only the secrets are added (NIC's examples create
them out of band), minted with ``inspector.pki``. Expected directives are NIC 5.6's template output (spec §8.5).
"""

from __future__ import annotations

from dataclasses import replace

from test_nic_vs_helpers import (
    DEFAULT_PROXY_TAIL,
    EXAMPLE_EGRESS_LINES,
    NEXT_UPSTREAM,
    default_secrets,
)

from inspector.model import ControllerSettings
from inspector.nic.secrets import SecretStore
from inspector.nic.virtualserver import generate_virtual_server
from inspector.render import render_config
from tests.shared import NIC_EXAMPLES, need

EXAMPLES = NIC_EXAMPLES / "custom-resources"
HEAD = (
    "listen 80",
    "listen [::]:80",
    "server_name webapp.example.com",
    'set $resource_type "virtualserver"',
    'set $resource_name "webapp"',
    'set $resource_namespace "default"',
    'set $service "-"',
)


def load(example: str) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]], list[str]]:
    from inspector.sources.convert import load_cluster

    folder = EXAMPLES / example
    need(folder)
    cl = load_cluster([str(folder)])
    cl = replace(cl, secrets={s.meta.ref.key: s for s in default_secrets()})
    (vs,) = cl.virtual_servers.values()
    result = generate_virtual_server(vs, None, cl, ControllerSettings(), SecretStore(cl.secrets))
    assert result.file is not None
    (server,) = render_config(result.file).servers()
    locations = {loc.path: loc.directives for loc in server.locations}
    warnings = [w.text for ws in result.warnings.values() for w in ws]
    return server.directives, locations, warnings


def test_egress_mtls_example() -> None:
    server, locations, warnings = load("egress-mtls")
    assert warnings == []
    assert server == (*HEAD, 'server_tokens "on"')
    assert locations == {
        "/": (
            'set $service "secure-app"',
            *EXAMPLE_EGRESS_LINES,
            *DEFAULT_PROXY_TAIL,
            "proxy_pass https://vs_default_webapp_secure-app",
            *NEXT_UPSTREAM,
        )
    }


def test_ingress_mtls_example() -> None:
    server, locations, warnings = load("ingress-mtls")
    assert warnings == []
    assert server == (
        *HEAD,
        "listen 443 ssl",
        "listen [::]:443 ssl",
        "ssl_certificate $secret_dir_path/default-tls-secret",
        "ssl_certificate_key $secret_dir_path/default-tls-secret",
        "ssl_client_certificate /etc/nginx/secrets/default-ingress-mtls-secret-ca.crt",
        "ssl_verify_client on",
        "ssl_verify_depth 1",
        'server_tokens "on"',
    )
    assert locations == {
        "/": (
            'set $service "webapp-svc"',
            *DEFAULT_PROXY_TAIL,
            "proxy_pass http://vs_default_webapp_webapp",
            *NEXT_UPSTREAM,
        )
    }

"""Golden files: the full rendered VirtualServer config for NIC's examples, byte for byte.

The files in ``tests/golden/vs_*.conf`` were checked line by line against NIC 5.6's
``version2/nginx(-plus).virtualserver.tmpl`` and the spec's §8.5 render. A change to the template or the
generator shows up here as a readable diff. Regenerate deliberately with ``MTLS_INSPECT_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from test_nic_vs_helpers import (
    ca_secret,
    cluster,
    egress_example_vs,
    egress_policy,
    ingress_example_vs,
    ingress_policy,
    tls_secret,
)

from inspector.model import Cluster, ControllerSettings, VirtualServer
from inspector.nic.secrets import SecretStore
from inspector.nic.virtualserver import generate_virtual_server
from inspector.render import file_text

GOLDEN = Path(__file__).resolve().parent / "golden"


def _egress() -> tuple[VirtualServer, Cluster]:
    return egress_example_vs(), cluster(egress_policy())


def _ingress() -> tuple[VirtualServer, Cluster]:
    secrets = [tls_secret("tls-secret"), ca_secret("ingress-mtls-secret", crl=True)]
    return ingress_example_vs(), cluster(ingress_policy(), secrets=secrets)


def _ingress_no_tls() -> tuple[VirtualServer, Cluster]:
    return ingress_example_vs(tls=None), cluster(ingress_policy())


CASES: dict[str, tuple[Callable[[], tuple[VirtualServer, Cluster]], ControllerSettings]] = {
    "vs_egress_mtls_example_oss.conf": (_egress, ControllerSettings()),
    "vs_egress_mtls_example_plus.conf": (_egress, ControllerSettings(plus=True)),
    "vs_ingress_mtls_example_crl_oss.conf": (_ingress, ControllerSettings()),
    "vs_ingress_mtls_no_tls_500_oss.conf": (_ingress_no_tls, ControllerSettings()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    build, settings = CASES[name]
    vs, cl = build()
    result = generate_virtual_server(vs, None, cl, settings, SecretStore(cl.secrets))
    assert result.file is not None
    path = GOLDEN / name
    if os.environ.get("MTLS_INSPECT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(file_text(result.file), encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with MTLS_INSPECT_UPDATE_GOLDEN=1 once and review it"
    assert file_text(result.file) == path.read_text(encoding="utf-8")

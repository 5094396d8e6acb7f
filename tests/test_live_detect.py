"""Live mode's pure parts: NIC flag detection from a workload, the references that decide which Secrets are read,
and the kubectl shape of list items. No network here."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from inspector.model import ControllerSettings
from inspector.sources._live_refs import nic_release
from inspector.sources.live import (
    INGRESSES,
    as_kubectl_json,
    detected_settings,
    is_nic_config_map,
    parse_nic_args,
    referenced_policies,
    referenced_routes,
    referenced_secrets,
)


def workload(image: str, args: list[str], *, kind: str = "Deployment", namespace: str = "nginx-ingress",
             env: list[dict[str, Any]] | None = None, command: list[str] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "nic", "image": image, "args": args}
    if env is not None:
        container["env"] = env
    if command is not None:
        container["command"] = command
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "nic", "namespace": namespace},
            "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox"}, container]}}}}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-ingress-class=internal"], {"ingress_class": "internal"}),
        (["--ingress-class", "internal"], {"ingress_class": "internal"}),
        (["-enable-custom-resources=false"], {"enable_custom_resources": False}),
        (["-enable-custom-resources"], {"enable_custom_resources": True}),
        (["-ssl-dynamic-reload=F"], {"ssl_dynamic_reload": False}),
        (["-ssl-dynamic-reload=maybe"], {}),  # NIC itself would refuse to start
        (["-watch-namespace=a, b,,c"], {"watch_namespaces": ("a", "b", "c")}),
        (["-wildcard-tls-secret=ns/wild"], {"wildcard_tls_secret": "ns/wild"}),
        (["-nginx-plus"], {"plus": True}),
        (["-nginx-configmaps=nginx-ingress/nginx-config", "-v=3", "positional"],
         {"nic_configmap": "nginx-ingress/nginx-config"}),
        (["-ingress-class"], {}),  # a value flag at the very end: nothing to read
    ],
)
def test_parse_nic_args(args: list[str], expected: dict[str, object]) -> None:
    assert parse_nic_args(args) == expected


def test_detected_settings_fit_controller_settings() -> None:
    env = [{"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
           {"name": "CLASS", "value": "edge"}]
    found = detected_settings([workload(
        "private-registry.nginx.com/nginx-ic/nginx-plus-ingress:5.6.0",
        ["-nginx-configmaps=$(POD_NAMESPACE)/nginx-config", "-ingress-class=$(CLASS)", "-x=$(UNKNOWN)",
         "-watch-namespace=shop,cafe"],
        namespace="edge-nic", env=env,
    )])
    assert found == {"nic_configmap": "edge-nic/nginx-config", "ingress_class": "edge", "plus": True,
                     "watch_namespaces": ("shop", "cafe"), "nic_version": "5.6.0"}
    settings = ControllerSettings(**found)  # type: ignore[arg-type]
    assert settings.edition == "plus"


def test_detected_settings_skip_what_is_not_nic() -> None:
    community = workload("registry.k8s.io/ingress-nginx/controller:v1.11.0", ["--ingress-class=nginx"])
    app = workload("nginxdemos/nginx-hello:plain-text", [])
    oss = workload("nginx/nginx-ingress:5.6.0@sha256:abc", [], kind="DaemonSet",
                   command=["/nginx-ingress", "-ingress-class=second"])
    assert detected_settings([community, app]) == {}
    assert detected_settings([community, oss, app]) == {"ingress_class": "second", "plus": False,
                                                        "nic_version": "5.6.0"}


def test_nic_config_map_names() -> None:
    assert is_nic_config_map("nginx-config")
    assert is_nic_config_map("my-release-nginx-ingress")
    assert not is_nic_config_map("nginx-ingress-leader-election")
    assert not is_nic_config_map("kube-root-ca.crt")


def test_secrets_are_looked_up_where_nic_looks() -> None:
    objects = [
        {"kind": "Policy", "metadata": {"namespace": "pol", "name": "p"},
         "spec": {"ingressMTLS": {"clientCertSecret": "ca"}}},
        {"kind": "Policy", "metadata": {"namespace": "pol", "name": "e"},
         "spec": {"egressMTLS": {"tlsSecret": "client", "trustedCertSecret": "ca"}}},
        {"kind": "Ingress", "metadata": {"namespace": "ing", "name": "i"},
         "spec": {"tls": [{"secretName": "tls"}, {"hosts": ["x"]}, "garbage"]}},
        {"kind": "VirtualServer", "metadata": {"namespace": "vs", "name": "v"}, "spec": {"tls": {"secret": "tls"}}},
        {"kind": "Policy", "metadata": {"name": "no-namespace"}, "spec": {"ingressMTLS": {"clientCertSecret": 7}}},
    ]
    assert referenced_secrets(objects, "nic/wildcard") == [
        ("pol", "ca"), ("pol", "client"), ("ing", "tls"), ("vs", "tls"), ("nic", "wildcard")
    ]


def test_policy_and_route_references() -> None:
    ingress = {"kind": "Ingress", "metadata": {"namespace": "a", "name": "i", "annotations": {
        "nginx.org/policies": " p1, other/p2 ,, bad/x/y", "nginx.com/policies": "p3"}}}
    vs = {"kind": "VirtualServer", "metadata": {"namespace": "b", "name": "v"}, "spec": {
        "policies": [{"name": "s"}], "routes": [{"path": "/", "policies": [{"name": "r", "namespace": "c"}]},
                                                {"path": "/x", "route": "d/sub"}, {"path": "/y", "route": "local"}]}}
    vsr = {"kind": "VirtualServerRoute", "metadata": {"namespace": "d", "name": "sub"},
           "spec": {"subroutes": [{"policies": [{"name": "q"}]}]}}
    assert referenced_policies([ingress, vs, vsr]) == [
        ("a", "p1"), ("other", "p2"), ("a", "p3"), ("b", "s"), ("c", "r"), ("d", "q")
    ]
    assert referenced_routes([vs]) == [("d", "sub"), ("b", "local")]


def test_list_items_get_kubectl_shape() -> None:
    item = {"metadata": {"name": "i", "namespace": "n", "managedFields": [{"manager": "kubectl"}]}, "spec": {}}
    assert as_kubectl_json(item, INGRESSES) == {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "n"},
        "spec": {},
    }
    assert "managedFields" in item["metadata"]  # the input is not changed


def test_importing_the_live_source_does_not_import_a_kubernetes_client() -> None:
    code = ("import sys, inspector.sources.live, inspector.sources.convert; "
            "sys.exit(1 if 'kubernetes_asyncio' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0


def test_the_nic_image_tag_names_the_release_predicted() -> None:
    assert nic_release("nginx/nginx-ingress:5.4.3-ubi") == "5.4.3"
    assert nic_release("private-registry.nginx.com/nginx-ic/nginx-plus-ingress:v5.5.1") == "5.5.1"
    assert nic_release("nginx/nginx-ingress:edge") == ""
    assert nic_release("nginx/nginx-ingress@sha256:abc") == ""
    assert detected_settings([workload("nginx/nginx-ingress:5.3.4", [])])["nic_version"] == "5.3.4"

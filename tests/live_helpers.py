"""A real HTTPS Kubernetes API endpoint on loopback for the live-mode tests: kmock, fixed up where it differs.

kmock's ``KubernetesEmulator`` serves lists, gets and watches from objects kept in memory. Four differences from a
real API server matter to the live adapter and are fixed here, in one place:

* kubernetes_asyncio's generated APIs send ``watch=True``; kmock only recognises ``watch=true``.
* kmock's lists carry neither ``kind``/``apiVersion`` nor a resourceVersion; a real server gives the list its
  ``<Kind>List`` kind and leaves ``kind``/``apiVersion`` off the items, which the adapter must put back.
* kmock does not authenticate; a real server answers a wrong bearer token with ``401 Unauthorized``.
* kmock's own TLS is not usable here: its aiohttp test server gets an SSL context made with ``cryptography``.
* kmock cannot parse the cluster-scoped ``/api/v1/namespaces`` list; it is answered here from the stored objects.

Tests talk to it only through a real kubeconfig file with a bearer token, as kubectl would.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import aiohttp.test_utils
import aiohttp.web
import attrs
import kmock
import yaml
from kmock._internal import rendering

from inspector import pki

TOKEN = "live-test-token-0123456789"
"""The only bearer token the test API server accepts."""
CONTEXT = "kmock-ctx"

RESOURCES = {
    "Secret": "v1/secrets",
    "Service": "v1/services",
    "ConfigMap": "v1/configmaps",
    "Event": "v1/events",
    "Ingress": "networking.k8s.io/v1/ingresses",
    "Policy": "k8s.nginx.org/v1/policies",
    "VirtualServer": "k8s.nginx.org/v1/virtualservers",
    "VirtualServerRoute": "k8s.nginx.org/v1/virtualserverroutes",
    "Deployment": "apps/v1/deployments",
    "DaemonSet": "apps/v1/daemonsets",
    "Namespace": "v1/namespaces",
}
"""Kind -> kmock resource key of everything the live adapter reads."""
LIST_KINDS = {
    "secrets": "SecretList", "services": "ServiceList", "configmaps": "ConfigMapList", "events": "EventList",
    "ingresses": "IngressList", "policies": "PolicyList", "virtualservers": "VirtualServerList",
    "virtualserverroutes": "VirtualServerRouteList", "deployments": "DeploymentList",
    "daemonsets": "DaemonSetList", "namespaces": "NamespaceList",
}


@attrs.define(kw_only=True)
class ApiServer(kmock.KubernetesEmulator):
    """kmock's emulator behaving like a real API server where the live adapter can tell the difference."""

    token: str = TOKEN
    list_version: int = 100
    namespace_lists: int = 0

    async def __call__(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        # kubernetes_asyncio serialises booleans as "True"; the API server accepts both, kmock only "true".
        query = raw_request.rel_url.query
        if query.get("watch") in ("True", "1"):
            raw_request = raw_request.clone(rel_url=raw_request.rel_url.update_query(watch="true"))
        if raw_request.path.rstrip("/") == "/api/v1/namespaces" and raw_request.method == "GET":
            return self._list_namespaces(raw_request)
        return await super().__call__(raw_request)

    def _list_namespaces(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        # kmock's URL parser fails on the cluster-scoped "/api/v1/namespaces" (it expects a namespace after it).
        self.namespace_lists += 1
        if raw_request.headers.get("Authorization") != f"Bearer {self.token}":
            return aiohttp.web.json_response({"kind": "Status", "code": 401, "message": "Unauthorized"}, status=401)
        items = [dict(obj.raw) for (resource, _, _), obj in self.objects.items()
                 if resource.plural == "namespaces" and not obj.deleted]
        return aiohttp.web.json_response({"kind": "NamespaceList", "apiVersion": "v1", "metadata": {}, "items": [
            {k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in items]})

    async def _handle(self, request: rendering.Request) -> aiohttp.web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return aiohttp.web.json_response(
                {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                 "message": "Unauthorized", "reason": "Unauthorized", "code": 401},
                status=401,
            )
        return await super()._handle(request)

    async def _serve_list(self, request: rendering.Request) -> Any:
        listing = await super()._serve_list(request)
        resource = request.resource
        assert resource is not None
        self.list_version += 1
        group_version = f"{resource.group}/{resource.version}" if resource.group else str(resource.version)
        return {
            "kind": LIST_KINDS.get(str(resource.plural), "List"),
            "apiVersion": group_version,
            "metadata": {"resourceVersion": str(self.list_version)},
            "items": [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")}
                      for item in listing["items"]],
        }

    def store(self, obj: dict[str, Any]) -> None:
        """Store one manifest as the API server would hold it (namespace defaulted to ``default``)."""
        meta = obj.setdefault("metadata", {})
        if obj["kind"] == "Namespace":
            self.objects[RESOURCES["Namespace"], None, meta["name"]] = obj
            return
        meta.setdefault("namespace", "default")
        self.objects[RESOURCES[obj["kind"]], meta["namespace"], meta["name"]] = obj

    def own_requests(self) -> list[rendering.Request]:
        """Requests the live adapter sent (the tests' own writes carry kmock's user agent)."""
        return [r for r in self._requests if r.headers.get("User-Agent", "").startswith("mtls-inspect/")]


# --- certificates ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """The API server's certificates and the material for the sample Secrets, all made with cryptography."""

    server_ca: pki.Issued
    server: pki.Issued
    client_ca: pki.Issued
    tls: pki.Issued
    egress_client: pki.Issued


def make_pki() -> Pki:
    server_ca = pki.make_ca("kmock api CA")
    client_ca = pki.make_ca("cafe client CA")
    return Pki(
        server_ca=server_ca,
        server=pki.make_leaf("kmock api", server_ca, sans=["127.0.0.1", "localhost"]),
        client_ca=client_ca,
        tls=pki.make_leaf("cafe.example.com", client_ca, sans=["cafe.example.com", "webapp.example.com"]),
        egress_client=pki.make_leaf("egress client", client_ca, client=True, server=False),
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sample_manifests(material: Pki) -> list[dict[str, Any]]:
    """A small sample-like cluster: ingressMTLS on an Ingress and a VS, egressMTLS on a VSR, NIC itself."""
    text = f"""
apiVersion: v1
kind: Secret
metadata: {{name: tls-secret, namespace: default}}
type: kubernetes.io/tls
data: {{tls.crt: {_b64(material.tls.cert_pem)}, tls.key: {_b64(material.tls.key_pem)}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: ingress-mtls-secret, namespace: default}}
type: nginx.org/ca
data: {{ca.crt: {_b64(material.client_ca.cert_pem)}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: egress-mtls-secret, namespace: shop}}
type: kubernetes.io/tls
data: {{tls.crt: {_b64(material.egress_client.cert_pem)}, tls.key: {_b64(material.egress_client.key_pem)}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: egress-trusted-ca-secret, namespace: shop}}
type: nginx.org/ca
data: {{ca.crt: {_b64(material.client_ca.cert_pem)}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: unrelated-secret, namespace: default}}
type: Opaque
data: {{password: {_b64(b"never-read")}}}
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {{name: ingress-mtls-policy, namespace: default}}
spec:
  ingressMTLS: {{clientCertSecret: ingress-mtls-secret, verifyClient: "on", verifyDepth: 1}}
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {{name: egress-mtls-policy, namespace: shop}}
spec:
  egressMTLS:
    tlsSecret: egress-mtls-secret
    trustedCertSecret: egress-trusted-ca-secret
    verifyServer: true
    sslName: secure-app.example.com
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cafe-ingress
  namespace: default
  annotations: {{nginx.org/policies: ingress-mtls-policy}}
spec:
  ingressClassName: nginx
  tls: [{{hosts: [cafe.example.com], secretName: tls-secret}}]
  rules:
  - host: cafe.example.com
    http:
      paths:
      - {{path: /tea, pathType: Prefix, backend: {{service: {{name: tea-svc, port: {{number: 80}}}}}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: tea-svc, namespace: default}}
spec: {{ports: [{{port: 80, targetPort: 8080, protocol: TCP, name: http}}], selector: {{app: tea}}}}
---
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata: {{name: webapp, namespace: default}}
spec:
  host: webapp.example.com
  tls: {{secret: tls-secret}}
  policies: [{{name: ingress-mtls-policy}}]
  upstreams: [{{name: webapp, service: webapp-svc, port: 80}}]
  routes:
  - {{path: /, action: {{pass: webapp}}}}
  - {{path: /shop, route: shop/shop-routes}}
---
apiVersion: k8s.nginx.org/v1
kind: VirtualServerRoute
metadata: {{name: shop-routes, namespace: shop}}
spec:
  host: webapp.example.com
  upstreams: [{{name: secure, service: secure-app, port: 8443, tls: {{enable: true}}}}]
  subroutes:
  - {{path: /shop, policies: [{{name: egress-mtls-policy}}], action: {{pass: secure}}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: nginx-ingress, namespace: nginx-ingress}}
data: {{http2: "true"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: kube-root-ca.crt, namespace: default}}
data: {{ca.crt: not-nic}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: nginx-ingress, namespace: nginx-ingress}}
spec:
  template:
    spec:
      containers:
      - name: nginx-ingress
        image: nginx/nginx-ingress:5.6.0
        env: [{{name: POD_NAMESPACE, valueFrom: {{fieldRef: {{fieldPath: metadata.namespace}}}}}}]
        args:
        - -nginx-configmaps=$(POD_NAMESPACE)/nginx-ingress
        - -ingress-class=nginx
        - -enable-custom-resources
        - -ssl-dynamic-reload=false
        - -wildcard-tls-secret
        - default/tls-secret
---
apiVersion: v1
kind: Event
metadata: {{name: webapp.1, namespace: default}}
involvedObject: {{kind: VirtualServer, namespace: default, name: webapp, apiVersion: k8s.nginx.org/v1}}
type: Normal
reason: AddedOrUpdated
message: Configuration for default/webapp was added or updated
---
apiVersion: v1
kind: Event
metadata: {{name: somepod.1, namespace: default}}
involvedObject: {{kind: Pod, namespace: default, name: somepod}}
type: Normal
reason: Pulled
message: unrelated
"""
    return [doc for doc in yaml.safe_load_all(text) if doc]


# --- the running server ------------------------------------------------------------------------------------------


def _server_cls(context: ssl.SSLContext) -> type[aiohttp.test_utils.RawTestServer]:
    class TLSServer(aiohttp.test_utils.RawTestServer):
        async def start_server(self, loop: Any = None, **kwargs: Any) -> None:
            kwargs["ssl"] = context
            await super().start_server(loop=loop, **kwargs)

    return TLSServer


@dataclass
class LiveCluster:
    """A running API server and a kubeconfig that reaches it."""

    api: ApiServer
    url: str
    kubeconfig: Path
    material: Pki
    client_ssl: ssl.SSLContext

    def write_kubeconfig(self, path: Path, *, token: str = TOKEN, server: str | None = None,
                         user: dict[str, Any] | None = None) -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "kmock", "cluster": {
                "server": server or self.url,
                "certificate-authority-data": _b64(self.material.server_ca.cert_pem),
            }}],
            "users": [{"name": "tester", "user": user if user is not None else {"token": token}}],
            "contexts": [{"name": CONTEXT, "context": {"cluster": "kmock", "user": "tester", "namespace": "default"}}],
            "current-context": CONTEXT,
        }
        path.write_text(yaml.safe_dump(config))
        return path

    async def write(self, method: str, path: str, body: dict[str, Any]) -> int:
        """Change the cluster the way another client would (through the API, so watches see it)."""
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        connector = aiohttp.TCPConnector(ssl=self.client_ssl)
        async with aiohttp.ClientSession(connector=connector) as session, session.request(
            method, self.url + path, json=body, headers=headers
        ) as response:
            await response.read()
            return response.status


@asynccontextmanager
async def running_cluster(tmp_path: Path, objects: Callable[[Pki], list[dict[str, Any]]] = sample_manifests,
                          *, installed: tuple[str, ...] = tuple(RESOURCES)) -> AsyncIterator[LiveCluster]:
    """Serve ``objects`` over HTTPS on 127.0.0.1; ``installed`` kinds have an API even when empty."""
    material = make_pki()
    (tmp_path / "api.crt").write_bytes(material.server.cert_pem)
    (tmp_path / "api.key").write_bytes(material.server.key_pem)
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ssl.load_cert_chain(tmp_path / "api.crt", tmp_path / "api.key")
    client_ssl = ssl.create_default_context(cadata=material.server_ca.cert_pem.decode())

    api = ApiServer()
    for kind in installed:
        api.resources[RESOURCES[kind]] = kmock.ResourceInfo(namespaced=kind != "Namespace", kind=kind)
    for obj in objects(material):
        if obj["kind"] in installed:
            api.store(obj)
    async with api, kmock.Server(api, server_cls=_server_cls(server_ssl), user_agent="kmock-test") as server:
        cluster = LiveCluster(api, f"https://127.0.0.1:{server.port}", tmp_path / "kubeconfig", material,
                              client_ssl)
        cluster.write_kubeconfig(cluster.kubeconfig)
        yield cluster

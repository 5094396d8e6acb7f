#!/usr/bin/env python3
"""Write a synthetic cluster of about N objects: real-looking manifests for measuring the TUI and the pipeline.

Why: the TUI must reach its first frame quickly and keep the cursor instant with ~10,000 objects; the bundled
sample has a few dozen. The manifests look like a platform team's: one namespace per 50 apps, each app a
Service, a TLS secret, a CA secret, an ingressMTLS and an egressMTLS Policy, an Ingress with the policies in
``nginx.org/policies`` and a VirtualServer with spec- and route-level policies. Certificates are real (one CA
and one server certificate made with ``cryptography``, shared by every secret so generation stays fast).
A few apps are deliberately wrong (no ``spec.tls``, a host missing from ``spec.tls.hosts``, a missing CA
secret), so that the tree carries findings, 500s and fail-open hosts as a real cluster would.

Two shapes: ``apps`` (above) and ``vsr`` (a VirtualServer delegating its paths to several VirtualServerRoutes,
each with its own upstream and subroute policies: a common shape that stresses VSR selection and ownership).
``--single-file`` writes everything into one file, as a cluster dump (``kubectl get -o yaml``) would be.

    python scripts/gen_synthetic.py --objects 10000 --out /tmp/synthetic-10k
    python scripts/gen_synthetic.py --objects 10000 --shape vsr --single-file --out /tmp/synthetic-vsr-10k
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from inspector.pki import make_ca, make_leaf  # noqa: E402

OBJECTS_PER_APP = 7
APPS_PER_NAMESPACE = 50
VSRS_PER_VS = 4
OBJECTS_PER_VSR_APP = 6 + VSRS_PER_VS
SHAPES = ("apps", "vsr")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _backing(
    i: int, ns: str, tls_crt: str, tls_key: str, ca_crt: str, ca_name: str, *, labels: bool, egress_extra: bool
) -> str:
    """What both shapes give app ``i``: its Service, TLS and CA Secrets, ingressMTLS and egressMTLS Policies."""
    label_block = f"  labels:\n    app: app-{i}\n" if labels else ""
    extra = '    protocols: "TLSv1.2 TLSv1.3"\n    serverName: true\n' if egress_extra else ""
    return f"""---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: {ns}
{label_block}spec:
  ports:
  - port: 443
    targetPort: 8443
    protocol: TCP
    name: https
  selector:
    app: app-{i}
---
apiVersion: v1
kind: Secret
metadata:
  name: tls-{i}
  namespace: {ns}
type: kubernetes.io/tls
data:
  tls.crt: {tls_crt}
  tls.key: {tls_key}
---
apiVersion: v1
kind: Secret
metadata:
  name: ca-{i}
  namespace: {ns}
type: nginx.org/ca
data:
  ca.crt: {ca_crt}
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: ingress-mtls-{i}
  namespace: {ns}
spec:
  ingressMTLS:
    clientCertSecret: {ca_name}
    verifyClient: "on"
    verifyDepth: 1
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: egress-mtls-{i}
  namespace: {ns}
spec:
  egressMTLS:
    tlsSecret: tls-{i}
    trustedCertSecret: ca-{i}
    verifyServer: true
    verifyDepth: 2
{extra}    sslName: app-{i}.{ns}.svc
"""


def _app(i: int, ns: str, tls_crt: str, tls_key: str, ca_crt: str) -> str:
    """The seven manifests of app ``i`` in namespace ``ns``."""
    host = f"app-{i}.{ns}.example.com"
    vs_host = f"vs-{i}.{ns}.example.com"
    # A few deliberate mistakes, as a real cluster has them: an Ingress without spec.tls (500 for the host),
    # a host missing from spec.tls.hosts (fail-open), a policy naming a CA secret that does not exist.
    no_tls = i % 97 == 5
    fail_open = i % 89 == 7
    missing_ca = i % 83 == 11
    tls_hosts = "other.example.com" if fail_open else host
    tls_block = (
        ""
        if no_tls
        else f"""  tls:
  - hosts:
    - {tls_hosts}
    secretName: tls-{i}
"""
    )
    ca_name = f"ca-{i}-missing" if missing_ca else f"ca-{i}"
    return f"""{_backing(i, ns, tls_crt, tls_key, ca_crt, ca_name, labels=True, egress_extra=True)}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-{i}
  namespace: {ns}
  annotations:
    nginx.org/policies: "ingress-mtls-{i},egress-mtls-{i}"
    nginx.org/ssl-services: "app-{i}"
spec:
  ingressClassName: nginx
{tls_block}  rules:
  - host: {host}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: app-{i}
            port:
              number: 443
      - path: /api
        pathType: Prefix
        backend:
          service:
            name: app-{i}
            port:
              number: 443
---
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata:
  name: vs-{i}
  namespace: {ns}
spec:
  host: {vs_host}
  tls:
    secret: tls-{i}
  policies:
  - name: ingress-mtls-{i}
  upstreams:
  - name: backend
    service: app-{i}
    port: 443
    tls:
      enable: true
  routes:
  - path: /
    policies:
    - name: egress-mtls-{i}
    action:
      pass: backend
"""


def _vsr_app(i: int, ns: str, tls_crt: str, tls_key: str, ca_crt: str) -> str:
    """App ``i`` of the ``vsr`` shape: a VirtualServer whose paths are delegated to VSRS_PER_VS routes."""
    vs_host = f"vs-{i}.{ns}.example.com"
    missing_ca = i % 83 == 11
    ca_name = f"ca-{i}-missing" if missing_ca else f"ca-{i}"
    # one VS route in 71 names a VSR that does not exist (a warning on the VS, a 502 for the path)
    routes = "".join(
        f"""  - path: /part-{r}
    route: {ns}/vsr-{i}-{r}{"-gone" if r == 1 and i % 71 == 3 else ""}
"""
        for r in range(VSRS_PER_VS)
    )
    vsrs = "".join(
        f"""---
apiVersion: k8s.nginx.org/v1
kind: VirtualServerRoute
metadata:
  name: vsr-{i}-{r}
  namespace: {ns}
spec:
  host: {vs_host}
  upstreams:
  - name: part-{r}
    service: app-{i}
    port: 443
    tls:
      enable: true
  subroutes:
  - path: /part-{r}
    policies:
    - name: egress-mtls-{i}
    action:
      pass: part-{r}
  - path: /part-{r}/admin
    policies:
    - name: ingress-mtls-{i}
    - name: egress-mtls-{i}
    action:
      pass: part-{r}
"""
        for r in range(VSRS_PER_VS)
    )
    return f"""{_backing(i, ns, tls_crt, tls_key, ca_crt, ca_name, labels=False, egress_extra=False)}---
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata:
  name: vs-{i}
  namespace: {ns}
spec:
  host: {vs_host}
  tls:
    secret: tls-{i}
  policies:
  - name: ingress-mtls-{i}
  routes:
{routes}{vsrs}"""


def generate(objects: int, out: Path, *, shape: str = "apps", single_file: bool = False) -> tuple[int, int]:
    """Write about ``objects`` objects into ``out`` (one file per namespace, or one file); returns (objects, files)."""
    ca = make_ca("synthetic CA")
    ca_crt = _b64(ca.cert_pem)
    per_app, app = (OBJECTS_PER_APP, _app) if shape == "apps" else (OBJECTS_PER_VSR_APP, _vsr_app)
    apps = max(1, objects // per_app)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("synthetic-*.yaml"):
        old.unlink()
    files = 0
    chunks: list[str] = []
    for start in range(0, apps, APPS_PER_NAMESPACE):
        ns = f"team-{start // APPS_PER_NAMESPACE:03d}"
        # One server certificate per namespace: its wildcard covers the namespace's hosts, as a team's would.
        leaf = make_leaf(f"{ns} server", ca, sans=[f"*.{ns}.example.com"])
        tls_crt, tls_key = _b64(leaf.chain_pem), _b64(leaf.key_pem)
        header = (
            "# Synthetic cluster written by scripts/gen_synthetic.py (sample key material, not secret).\n"
            f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"
        )
        body = "".join(
            app(i, ns, tls_crt, tls_key, ca_crt) for i in range(start, min(apps, start + APPS_PER_NAMESPACE))
        )
        if single_file:
            chunks.append(header + body)
            continue
        (out / f"synthetic-{ns}.yaml").write_text(header + body, encoding="utf-8")
        files += 1
    if single_file:
        (out / "synthetic-all.yaml").write_text("".join(chunks), encoding="utf-8")
        files = 1
    return apps * per_app, files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000, help="about how many objects (default 10000)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (synthetic-*.yaml replaced)")
    parser.add_argument("--shape", choices=SHAPES, default="apps", help="apps (default) or vsr (VSRs per VS)")
    parser.add_argument("--single-file", action="store_true", help="write one file instead of one per namespace")
    ns = parser.parse_args(argv)
    if ns.objects < 1:
        parser.error("--objects must be at least 1")
    count, files = generate(ns.objects, ns.out, shape=ns.shape, single_file=ns.single_file)
    print(f"wrote {count} objects in {files} files to {ns.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

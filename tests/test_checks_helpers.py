"""Builders for the checks/certs/explain/output tests: manifests as YAML text with real certificates, run through
the real pipeline (``load_cluster`` -> ``build_report``).

Not a test module of its own; ``test_checks*.py``, ``test_explain*.py`` and ``test_output*.py`` import it.
"""

from __future__ import annotations

import base64
import functools
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

from inspector import pki
from inspector.analysis.findings import Finding
from inspector.model import ControllerSettings
from inspector.report import Report, build_report
from inspector.sources.convert import load_cluster


@functools.cache
def client_ca() -> pki.Issued:
    return pki.make_ca("test client CA")


@functools.cache
def server_ca() -> pki.Issued:
    return pki.make_ca("test server CA")


@functools.cache
def host_cert(*hosts: str) -> pki.Issued:
    return pki.make_leaf(hosts[0], server_ca(), sans=hosts)


def secret(name: str, ns: str, type_: str, data: Mapping[str, bytes]) -> str:
    lines = [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        f"  name: {name}",
        f"  namespace: {ns}",
        f"type: {type_}",
        "data:",
    ]
    lines += [f"  {k}: {base64.b64encode(v).decode()}" for k, v in data.items()]
    return "\n".join(lines) + "\n"


def tls_secret(name: str, ns: str, *hosts: str) -> str:
    leaf = host_cert(*hosts)
    return secret(name, ns, "kubernetes.io/tls", {"tls.crt": leaf.chain_pem, "tls.key": leaf.key_pem})


def ca_secret(name: str, ns: str, ca: pki.Issued | None = None, **extra: bytes) -> str:
    return secret(name, ns, "nginx.org/ca", {"ca.crt": (ca or client_ca()).cert_pem, **extra})


def service(name: str, ns: str, port: int = 80) -> str:
    return textwrap.dedent(
        f"""\
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          ports:
          - port: {port}
            name: p
        """
    )


def ingress_policy(name: str, ns: str, secret_name: str, **fields: object) -> str:
    body = "".join(f"    {k}: {_yaml(v)}\n" for k, v in fields.items())
    return (
        f"apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
        f"  ingressMTLS:\n    clientCertSecret: {secret_name}\n{body}"
    )


def egress_policy(name: str, ns: str, **fields: object) -> str:
    head = f"apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
    if not fields:
        return head + "  egressMTLS: {}\n"
    return head + "  egressMTLS:\n" + "".join(f"    {k}: {_yaml(v)}\n" for k, v in fields.items())


def _yaml(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def ingress(
    name: str,
    ns: str,
    host: str,
    *,
    policies: str = "",
    tls_hosts: Sequence[str] | None = None,
    tls_secret_name: str = "",
    paths: Sequence[tuple[str, str]] = (("/", "app"),),
    annotations: Mapping[str, str] | None = None,
    port: int = 80,
) -> str:
    ann = dict(annotations or {})
    if policies:
        ann["nginx.org/policies"] = policies
    out = [
        "apiVersion: networking.k8s.io/v1",
        "kind: Ingress",
        "metadata:",
        f"  name: {name}",
        f"  namespace: {ns}",
    ]
    if ann:
        out.append("  annotations:")
        out += [f"    {k}: {_yaml(v)}" for k, v in ann.items()]
    out += ["spec:", "  ingressClassName: nginx"]
    if tls_hosts is not None:
        out += (
            ["  tls:", "  - hosts:"] + [f"    - {_yaml(h)}" for h in tls_hosts] + [f"    secretName: {tls_secret_name}"]
        )
    out += ["  rules:", f"  - host: {_yaml(host)}", "    http:", "      paths:"]
    for path, svc in paths:
        out += [
            f"      - path: {path}",
            "        pathType: Prefix",
            "        backend:",
            "          service:",
            f"            name: {svc}",
            "            port:",
            f"              number: {port}",
        ]
    return "\n".join(out) + "\n"


def report_from(
    tmp_path: Path,
    *docs: str,
    settings: ControllerSettings | None = None,
    ignores: Sequence[str] = (),
    name: str = "manifests.yaml",
) -> Report:
    """Write the documents to one file and run the whole pipeline on it."""
    path = tmp_path / name
    path.write_text("---\n".join(docs), encoding="utf-8")
    cluster = load_cluster([str(path)])
    return build_report(cluster, settings or ControllerSettings(), ignores=ignores)


@functools.cache
def sample_report() -> Report:
    from inspector import samples

    return build_report(load_cluster([str(samples.path())]), ControllerSettings())


def active(report: Report, check_id: str | None = None) -> list[Finding]:
    return [f for f in report.findings if not f.suppressed and (check_id is None or f.check.id == check_id)]


def line_of(tmp_path: Path, needle: str, name: str = "manifests.yaml", after: str = "") -> int:
    """1-based line of the first line containing ``needle`` (after the first line containing ``after``)."""
    lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if after in line) if after else 0
    return next(n + 1 for n, line in enumerate(lines) if n >= start and needle in line)
